"""Helpers for the hostile-client tests: raw attacks on the real proxy,
checks that nothing reached the origin, and a scriptable raw origin."""

import os
import socket
import threading
import time

import fwtest

# Every name under .test but a few resolves to the recording origin.
HOST = "h.test"


def target(world, path="/x", host=HOST):
    """An absolute-form target on the recording origin."""
    return "http://%s:%d%s" % (host, world.origin.port, path)


class Result:
    """What the proxy sent back on one connection."""

    def __init__(self, data, closed, elapsed):
        self.data = data
        self.closed = closed    # the proxy closed the connection
        self.elapsed = elapsed  # seconds from the last byte sent to the end

    @property
    def status(self):
        if not self.data.startswith(b"HTTP/1."):
            return None
        try:
            return int(self.data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return None

    def count(self, marker=b"HTTP/1."):
        return self.data.count(marker)

    def __repr__(self):
        return "<Result status=%s closed=%s %.2fs %r>" % (
            self.status, self.closed, self.elapsed or -1, self.data[:300])


def attack(port, data, timeout=5.0, pieces=None):
    """Sends data (or each of pieces with a short pause between) on a new
    connection and reads until the proxy closes or timeout passes."""
    with fwtest.connect(port, timeout=timeout) as s:
        for part in pieces or [data]:
            try:
                s.sendall(part)
            except OSError:
                break
            if pieces:
                time.sleep(0.05)
        t0 = time.monotonic()
        out = b""
        closed = False
        s.settimeout(timeout)
        try:
            while True:
                d = s.recv(1 << 16)
                if not d:
                    closed = True
                    break
                out += d
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
        return Result(out, closed, time.monotonic() - t0)


def origin_untouched(world, settle=0.1):
    """True when the recording origin saw no connection at all (waits a
    little first so that a late forward would be seen)."""
    time.sleep(settle)
    return world.origin.connections == 0 and not world.origin.requests


def origin_got_no_bytes(world, settle=0.1):
    """True when no byte reached the recording origin (a connection that
    carried nothing is allowed: the proxy may dial before it has read a
    streamed body)."""
    time.sleep(settle)
    return not world.origin.requests and \
        not any(len(s) for s in world.origin.streams)


def short(data, n=200):
    return repr(data if len(data) <= n else data[:n] + b"...")


def assert_rejected(p, world, data, status=400, timeout=5.0,
                    dial_allowed=False):
    """The proxy answers status, closes the connection and forwards
    nothing (with dial_allowed: opens at most an empty connection).
    Returns the Result."""
    r = attack(p.port, data, timeout)
    assert r.status == status, "expected %d for %s, got %r" % (
        status, short(data), r)
    assert r.closed, "connection left open after %d for %s" % (
        status, short(data))
    assert r.count() == 1, "more than one response for %s: %r" % (
        short(data), r)
    untouched = origin_got_no_bytes if dial_allowed else origin_untouched
    assert untouched(world), "the origin received %r for %s" % (
        [bytes(x[:300]) for x in world.origin.streams], short(data))
    return r


def assert_served(p, world, data, timeout=5.0):
    """The request is forwarded and answered 200 (a control case next to
    the attacks, to show the attack fails for its flaw alone)."""
    r = fwtest.exchange(p.port, data, timeout)
    assert r.status == 200, r
    assert world.origin.wait_requests(1)
    return r


def worker_pid(p):
    """The process that serves connections: the forked child when the
    proxy runs as root with User, otherwise the proxy itself."""
    kids = children(p.pid)
    return kids[0] if kids else p.pid


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def proc_status(pid):
    """/proc/PID/status as a dict of strings."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def rss_kib(pid):
    return int(proc_status(pid)["VmRSS"].split()[0])


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class RawOrigin:
    """An origin that answers every connection with handler(sock, head),
    where head is the request head it read. .heads records them."""

    def __init__(self, handler, host="127.0.0.5"):
        self.handler = handler
        self.heads = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def _loop(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        with c:
            c.settimeout(20)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    d = c.recv(65536)
                    if not d:
                        return
                    head += d
                with self.lock:
                    self.heads.append(head)
                self.handler(c, head)
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class running:
    """Context manager: one proxy for a whole module of attacks (starting
    one per case would be slow under ASan). On exit it must stop with
    status 0 and without a sanitizer report, like the fwproxy fixture."""

    def __init__(self, directory, world, directives="", **kw):
        kw.setdefault("dns_port", world.dns.port)
        self.p = fwtest.start_proxy(directory, directives, **kw)

    def __enter__(self):
        return self.p

    def __exit__(self, *exc):
        rc = self.p.stop()
        report = self.p.sanitizer_report()
        assert not report, report[-6000:]
        assert rc == 0, "fwproxy exited %r\n%s" % (
            rc, self.p.stderr_text()[-3000:])
        return False


class Sink:
    """Listens on every local address, IPv4 and IPv6 (port 0 picks one),
    and counts the connections that arrive: any destination trick that
    reaches this machine on .port lands here."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET6)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind(("::", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.peers = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            try:
                c, peer = self.sock.accept()
            except OSError:
                return
            self.peers.append(peer)
            c.close()

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Launched(fwtest.Proxy):
    """fwtest.Proxy started from binary (default: fwproxy), optionally
    with RLIMIT_NOFILE set to nofile (soft and hard) before exec."""

    def __init__(self, directory, conf_path, port, nofile=None,
                 binary=None):
        import resource
        import subprocess

        def limit():
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.dir = directory
        self.conf = conf_path
        self.port = port
        self.log_path = os.path.join(directory, "fwproxy.log")
        self.stderr_path = os.path.join(directory, "fwproxy.stderr")
        self.returncode = None
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [binary or fwtest.FWPROXY, "-d", "-c", conf_path],
            stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=self._stderr, preexec_fn=limit)
        self.pid = self.proc.pid


def launch(directory, world, directives, nofile=None, binary=None):
    """Writes a config (as fwtest.write_config, without AllowDestination
    unless directives has it) and starts binary; waits until it listens."""
    directory = str(directory)
    os.makedirs(directory, exist_ok=True)
    port = fwtest.free_port()
    conf = fwtest.write_config(directory, port, directives,
                               dns_port=world.dns.port,
                               allow_destination=False)
    p = Launched(directory, conf, port, nofile, binary)
    try:
        fwtest.wait_port("127.0.0.1", port, 15.0, p.proc)
    except RuntimeError as e:
        p.stop()
        raise RuntimeError("%s\nstderr:\n%s\nlog:\n%s"
                           % (e, p.stderr_text(), p.log_text()))
    return p


def cpu_seconds(pid):
    """User plus system CPU time of pid so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
