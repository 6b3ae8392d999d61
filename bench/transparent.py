"""Transparent mode beside CONNECT, on one fwproxy instance: a 100 MiB
download and sequential connections per second, each through a CONNECT
tunnel and through a connection redirected to the proxy (nftables, nat
output hook: from 127.0.0.3 to the origin's port) and decided by its
original address; then the cost of inspecting a ClientHello, parsed as the
proxy parses one per TLS connection it checks (bench/tls_hello_cost.c)."""

import os
import re
import socket
import subprocess
import time

SECTION = "Transparent mode and TLS inspection (fwproxy)"
PORT = 8105
CLIENT = "127.0.0.3"
TABLE = "fwbench-transparent"
RATE_SECONDS = 3
# Set by run(): the origin's host, port and big file's size; the clients'
# environment.
ORIGIN = (None, None, None)
ENV = None


def _nft(script):
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True,
                   capture_output=True)


def _redirect(origin_port):
    _nft("table ip %s {\n chain out {\n"
         "  type nat hook output priority -100; policy accept;\n"
         "  ip saddr %s tcp dport %d redirect to :%d\n }\n}\n"
         % (TABLE, CLIENT, origin_port, PORT))


def _read_all(s):
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            return data
        data += d


def _connect_once(origin):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    s.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (origin, origin))
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(4096)
        if not d:
            raise RuntimeError("CONNECT: closed before the answer")
        head += d
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError("CONNECT answered %r" % head[:40])
    s.sendall(b"GET /1k HTTP/1.0\r\n\r\n")
    body = _read_all(s)
    s.close()
    return body


def _transparent_once(origin_port, dest="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    s.bind((CLIENT, 0))
    s.connect((dest, origin_port))
    s.sendall(b"GET /1k HTTP/1.0\r\n\r\n")
    body = _read_all(s)
    s.close()
    return body


def _rate(once):
    n, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < RATE_SECONDS:
        if not once().startswith(b"HTTP/1.1 200"):
            raise RuntimeError("a connection did not get 200")
        n += 1
    return n / (time.monotonic() - t0)


def _download(b, origin, connect):
    cmd = ["curl", "-s", "--max-time", "120", "-o", "/dev/null", "-w",
           "%{http_code} %{size_download} %{speed_download}"]
    if connect:
        cmd += ["-x", "http://127.0.0.1:%d" % PORT, "--proxytunnel",
                "http://%s/100m" % origin]
    else:
        cmd += ["--noproxy", "*", "--interface", CLIENT,
                "http://127.0.0.1:%d/100m" % ORIGIN[1]]
    speeds = []
    for i in range(b.reps + 1):
        out = subprocess.run(b.cpus.wrap(cmd, "client"), capture_output=True,
                             text=True, env=ENV).stdout.split()
        if len(out) != 3 or out[0] != "200" or int(out[1]) != ORIGIN[2]:
            raise RuntimeError("download failed: %s" % " ".join(out))
        if i > 0:
            speeds.append(float(out[2]) / 1e6)
    speeds.sort()
    return speeds[len(speeds) // 2]


def _hello_cost(b):
    prog = os.path.join(b.args.root, "build", "bench", "tls_hello_cost")
    data = os.path.join(b.args.root, "tests", "unit", "data", "tls")
    if not os.access(prog, os.X_OK):
        b.note("ClientHello cost skipped: %s not built (make bench builds it)"
               % prog)
        return
    files = [os.path.join(data, f) for f in ("chromium.bin", "curl.bin")]
    out = subprocess.run(b.cpus.wrap([prog] + files, "server"),
                         capture_output=True, text=True, check=True).stdout
    for m in re.finditer(r"^BENCHRESULT file=(\S+) bytes=(\d+) ns=([\d.]+)$",
                         out, re.M):
        us = float(m.group(3)) / 1000
        log_line = "  ClientHello of %s (%s bytes): %.2f us" % (
            m.group(1), m.group(2), us)
        print(log_line, flush=True)
        b.record(SECTION, "ClientHello inspection, per connection",
                 "%s (%s bytes)" % (m.group(1).rsplit(".", 1)[0], m.group(2)),
                 us, "us", "low")


def run(b, origin_host, origin_port, big, env):
    global ORIGIN, ENV
    ORIGIN = (origin_host, origin_port, big)
    ENV = env
    origin = ("%s:%d" % (ORIGIN[0], ORIGIN[1])).encode()
    extra_rules = "^127\\.0\\.0\\.1$\n"
    extra_conf = "Transparent %d/ip\n" % ORIGIN[1]
    p, _, d = b.start_proxy("fwproxy", port=PORT, extra_conf=extra_conf,
                            extra_rules=extra_rules)
    try:
        _redirect(ORIGIN[1])
        if _transparent_once(ORIGIN[1])[:12] != b"HTTP/1.1 200":
            raise RuntimeError("no 200 through the redirect")
        try:
            refused = _transparent_once(ORIGIN[1], "127.0.0.2")
        except ConnectionResetError:
            refused = b""
        if refused:
            raise RuntimeError("127.0.0.2 was not refused: %r" % refused[:40])
        for label, connect in (("CONNECT tunnel", True),
                               ("transparent, by address", False)):
            mbs = _download(b, origin.decode(), connect)
            print("  100 MiB, %-24s %9.1f MB/s" % (label, mbs), flush=True)
            b.record(SECTION, "100 MiB download", label, mbs, "MB/s", "high")
        for label, once in (
                ("CONNECT tunnel", lambda: _connect_once(origin)),
                ("transparent, by address",
                 lambda: _transparent_once(ORIGIN[1]))):
            rate = _rate(once)
            print("  connections/s, %-24s %9.0f" % (label, rate), flush=True)
            b.record(SECTION, "sequential connections, 1 KiB each", label,
                     rate, "conn/s", "high")
    finally:
        subprocess.run(["nft", "delete", "table", "ip", TABLE],
                       capture_output=True)
        b.procs.stop(p)
    with open(os.path.join(d, "proxy.log"), errors="replace") as f:
        text = f.read()
    if "TCP 127.0.0.2:%d transparent" % ORIGIN[1] not in text:
        b.note("transparent: the refusal of 127.0.0.2 is not in %s/proxy.log"
               % d)
    _hello_cost(b)
