"""Real peers for the integration tests: nginx, dnsmasq, a test CA, and
small Python servers (a recording origin, an HTTP proxy, a SOCKS5 proxy).
"""

import hashlib
import json
import os
import random
import select
import signal
import socket
import socketserver
import struct
import subprocess
import threading
import time

import fwtest

NGINX_ADDR = "127.0.0.2"
ORIGIN_ADDR = "127.0.0.3"
DEAD_ADDR = "127.0.0.9"  # nothing listens there
UPSTREAM_ADDR = "127.0.0.4"

BIG_SIZE = 100 << 20
BIG_SEED = 20260127


def make_big_file(path, size=BIG_SIZE, seed=BIG_SEED):
    """Writes size pseudo-random bytes from a fixed seed; returns sha256."""
    rnd = random.Random(seed)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 << 20)
            b = rnd.randbytes(n)
            h.update(b)
            f.write(b)
            left -= n
    return h.hexdigest()


def stop_process(proc, timeout=10):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Certificates ---------------------------------------------------------------

def make_ca(directory, names=("tls.test",)):
    """A CA and a server certificate for names signed by it. Returns dict
    with ca, cert, key paths."""
    d = str(directory)
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = (os.path.join(d, n) for n in ("srv.key", "srv.csr", "srv.crt"))
    ext = os.path.join(d, "srv.ext")
    run = lambda *a: subprocess.run(["openssl", *a], check=True,
                                    capture_output=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", ca_key, "-out", ca_crt, "-days", "3",
        "-subj", "/CN=fwproxy test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=%s" % names[0])
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % ",".join("DNS:" + n for n in names))
        f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
        "-CAcreateserial", "-out", crt, "-days", "3", "-extfile", ext)
    return {"ca": ca_crt, "cert": crt, "key": key}


# nginx ------------------------------------------------------------------------

NGINX_CONF = """\
user root;
worker_processes 1;
worker_rlimit_nofile {nofile};
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections {worker_connections}; }}
http {{
    default_type application/octet-stream;
    types {{ text/html html; text/plain txt; }}
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp-body;
    proxy_temp_path {d}/tmp-proxy;
    fastcgi_temp_path {d}/tmp-fcgi;
    uwsgi_temp_path {d}/tmp-uwsgi;
    scgi_temp_path {d}/tmp-scgi;
    gzip off;
    sendfile on;
    keepalive_requests 10000;
    server {{
        listen {host}:{port};
        server_name _;
        root {d}/www;
        location /ssi/ {{ ssi on; ssi_types text/plain; }}
        location = /who {{ default_type text/plain;
            return 200 "host=$host uri=$request_uri method=$request_method\\n"; }}
    }}
    server {{
        listen {host}:{tls_port} ssl;
        server_name tls.test;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {d}/www;
        location = /who {{ default_type text/plain;
            return 200 "tls host=$host uri=$request_uri\\n"; }}
    }}
}}
"""


class Nginx:
    """A private nginx on host: plain HTTP on .port, TLS on .tls_port,
    serving .www (index.html, big.bin, ssi/), with worker_connections
    connections at once."""

    def __init__(self, directory, host, certs, big_path, worker_connections=256):
        d = str(directory)
        os.makedirs(os.path.join(d, "www", "ssi"), exist_ok=True)
        self.dir, self.host = d, host
        self.port, self.tls_port = fwtest.free_port(host), fwtest.free_port(host)
        self.www = os.path.join(d, "www")
        with open(os.path.join(self.www, "index.html"), "w") as f:
            f.write("<html><body>hello from nginx</body></html>\n")
        link = os.path.join(self.www, "big.bin")
        if not os.path.exists(link):
            os.symlink(big_path, link)
        part = "".join("line %05d of the included part\n" % i for i in range(4000))
        with open(os.path.join(self.www, "ssi", "part.txt"), "w") as f:
            f.write(part)
        with open(os.path.join(self.www, "ssi", "page.txt"), "w") as f:
            f.write('begin\n<!--# include virtual="/ssi/part.txt" -->end\n')
        self.ssi_expected = ("begin\n" + part + "end\n").encode()
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(d=d, host=host, port=self.port,
                                      tls_port=self.tls_port,
                                      worker_connections=worker_connections,
                                      nofile=2 * worker_connections + 64,
                                      cert=certs["cert"], key=certs["key"]))
        self.proc = subprocess.Popen(
            ["nginx", "-p", d, "-c", conf, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(d, "stderr"), "wb"))
        fwtest.wait_port(host, self.port, 10, self.proc)
        fwtest.wait_port(host, self.tls_port, 10, self.proc)

    def access_log(self):
        with open(os.path.join(self.dir, "access.log")) as f:
            return f.read()

    def stop(self):
        stop_process(self.proc)


# dnsmasq ------------------------------------------------------------------

class Dns:
    """dnsmasq on 127.0.0.1:.port. Names from hosts (name -> [addresses]);
    every other name under .test resolves to wildcard; names under
    .invalid do not exist (NXDOMAIN). Without local, queries for other
    types (AAAA) of .test names get REFUSED instead of an empty answer."""

    def __init__(self, directory, hosts, wildcard, local=True):
        d = str(directory)
        os.makedirs(d, exist_ok=True)
        self.hosts_path = os.path.join(d, "hosts")
        with open(self.hosts_path, "w") as f:
            for name, addrs in hosts.items():
                for a in addrs:
                    f.write("%s %s\n" % (a, name))
        self.port = free_udp_port()
        self.log = os.path.join(d, "dnsmasq.log")
        self.proc = subprocess.Popen(
            ["dnsmasq", "-k", "-C", "/dev/null", "--no-resolv", "--no-hosts",
             "--no-poll", "--user=root", "--group=root",
             "--addn-hosts=" + self.hosts_path, "--local=/invalid/",
             *(["--local=/test/"] if local else []),
             "--address=/test/" + wildcard, "--port=%d" % self.port,
             "--listen-address=127.0.0.1", "--bind-interfaces",
             "--pid-file=", "--log-queries", "--log-facility=" + self.log],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(d, "stderr"), "wb"))
        # dnsmasq answers over TCP too: wait for its TCP socket.
        fwtest.wait_port("127.0.0.1", self.port, 10, self.proc)

    def stop(self):
        stop_process(self.proc)


def free_udp_port():
    while True:
        port = fwtest.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


# Servers --------------------------------------------------------------------

class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class _Base:
    def __init__(self, host, handler):
        self.host = host
        owner = self

        class H(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(60)
                try:
                    handler(owner, self.request, self.client_address)
                except (OSError, EOFError, ValueError):
                    pass

        self.server = _Server((host, 0), H)
        self.port = self.server.server_address[1]
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Request:
    """One request as it reached the origin."""

    def __init__(self, raw_head, peer):
        self.raw_head = raw_head
        self.peer = peer
        lines = raw_head[:-4].decode("latin-1").split("\r\n")
        self.method, self.target, self.version = lines[0].split(" ", 2)
        self.headers = []
        for line in lines[1:]:
            k, v = line.split(":", 1)
            self.headers.append((k, v.strip()))
        self.body_len = 0
        self.body_sha256 = None
        self.body = b""
        self.chunked = False

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_names(self):
        return [k.lower() for k, _ in self.headers]

    def as_dict(self):
        return {"method": self.method, "target": self.target,
                "version": self.version, "headers": self.headers,
                "body_len": self.body_len, "body_sha256": self.body_sha256,
                "chunked": self.chunked}


class Origin(_Base):
    """A recording HTTP/1.1 origin. .requests holds every Request; .streams
    every connection's raw bytes (first 1 MiB). Paths:
      /echo, /upload  200 with the Request as JSON
      /status/N       status N (no body for 1xx/204/304)
      /chunked/FILE   a file of .files sent chunked (varying chunk sizes)
      /close          a body delimited by closing the connection
      /sleep/SECONDS  answers after a delay
      anything else   200 "origin METHOD TARGET"
    """

    STREAM_CAP = 1 << 20

    def __init__(self, host, files=None):
        self.requests = []
        self.streams = []
        self.connections = 0
        self.files = files or {}
        super().__init__(host, Origin._serve)

    def clear(self):
        with self.lock:
            self.requests.clear()
            self.streams.clear()
            self.connections = 0

    def wait_requests(self, n, timeout=5.0):
        return fwtest.wait_for(lambda: len(self.requests) >= n, timeout)

    @staticmethod
    def _serve(self, sock, peer):
        stream = bytearray()
        with self.lock:
            self.streams.append(stream)
            self.connections += 1
        rd = _RecReader(sock, stream, self.STREAM_CAP)
        while True:
            try:
                head = rd.read_until(b"\r\n\r\n")
            except EOFError:
                return
            req = Request(head, peer)
            with self.lock:
                self.requests.append(req)
            _read_body(rd, req)
            if not self._respond(sock, req):
                return

    def _respond(self, sock, req):
        path = req.target
        if path.startswith("http://"):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        keep = req.version == "HTTP/1.1" and \
            (req.header("Connection") or "").lower() != "close"
        head_only = req.method == "HEAD"
        extra = b""
        status, reason, body = 200, "OK", None
        if path.startswith("/echo") or path.startswith("/upload"):
            body = json.dumps(req.as_dict()).encode() + b"\n"
            extra = b"Content-Type: application/json\r\n"
        elif path.startswith("/status/"):
            status = int(path.split("/")[2])
            reason = "Status"
            if status in (204, 304) or status < 200:
                sock.sendall(b"HTTP/1.1 %d %s\r\nX-Origin: yes\r\n\r\n"
                             % (status, reason.encode()))
                return keep
            body = b"status %d\n" % status
        elif path.startswith("/chunked/"):
            name = path.split("/")[2]
            sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                         b"Content-Type: application/octet-stream\r\n\r\n")
            if head_only:
                return keep
            sizes = [1, 7, 4096, 65536, 100000, 1 << 20]
            i = 0
            with open(self.files[name], "rb") as f:
                while True:
                    b = f.read(sizes[i % len(sizes)])
                    i += 1
                    if not b:
                        break
                    sock.sendall(b"%x\r\n" % len(b) + b + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
            return keep
        elif path.startswith("/close"):
            sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                         b"body until close\n")
            return False
        elif path.startswith("/sleep/"):
            time.sleep(float(path.split("/")[2]))
            body = b"slept\n"
        else:
            body = ("origin %s %s\n" % (req.method, req.target)).encode()
        out = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nX-Origin: yes\r\n" \
            % (status, reason.encode(), len(body)) + extra
        if not keep:
            out += b"Connection: close\r\n"
        out += b"\r\n"
        if not head_only:
            out += body
        sock.sendall(out)
        return keep


class _RecReader(fwtest.Reader):
    def __init__(self, sock, stream, cap):
        super().__init__(sock)
        self.stream, self.cap = stream, cap

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            self.eof = True
            raise EOFError("closed")
        if len(self.stream) < self.cap:
            self.stream += d[:self.cap - len(self.stream)]
        self.buf += d


def _read_body(rd, req):
    h = hashlib.sha256()
    keep = bytearray()
    n = 0

    def take(b):
        nonlocal n
        h.update(b)
        n += len(b)
        if len(keep) < 65536:
            keep.extend(b[:65536 - len(keep)])

    te = (req.header("Transfer-Encoding") or "").lower()
    cl = req.header("Content-Length")
    if "chunked" in te:
        req.chunked = True
        while True:
            size = int(rd.read_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                while rd.read_until(b"\r\n") != b"\r\n":
                    pass
                break
            while size:
                if not rd.buf:
                    rd._fill()
                b = rd.buf[:size]
                rd.buf = rd.buf[len(b):]
                size -= len(b)
                take(b)
            rd.read_n(2)
    elif cl is not None:
        left = int(cl)
        while left:
            if not rd.buf:
                rd._fill()
            b = rd.buf[:left]
            rd.buf = rd.buf[len(b):]
            left -= len(b)
            take(b)
    else:
        req.body_sha256 = None
        return
    req.body_len = n
    req.body_sha256 = h.hexdigest()
    req.body = bytes(keep)


def relay(a, b):
    """Copies bytes both ways between sockets a and b until both close."""
    socks = [a, b]
    open_ = {a: True, b: True}
    while open_[a] or open_[b]:
        r, _, _ = select.select([s for s in socks if open_[s]], [], [], 60)
        if not r:
            return
        for s in r:
            other = b if s is a else a
            try:
                d = s.recv(1 << 16)
            except OSError:
                d = b""
            if not d:
                open_[s] = False
                try:
                    other.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            else:
                other.sendall(d)


class HttpProxy(_Base):
    """A tiny HTTP forward proxy (one request per connection, CONNECT
    supported). names maps host names to addresses. .seen holds each
    request head's first line and headers as received."""

    def __init__(self, host, names):
        self.names = names
        self.seen = []
        super().__init__(host, HttpProxy._serve)

    @staticmethod
    def _serve(self, sock, peer):
        rd = fwtest.Reader(sock)
        head = rd.read_until(b"\r\n\r\n")
        req = Request(head, peer)
        with self.lock:
            self.seen.append(req)
        if req.method == "CONNECT":
            host, port = req.target.rsplit(":", 1)
            up = socket.create_connection((self.names.get(host, host), int(port)))
            sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rd.buf:
                up.sendall(rd.buf)
            relay(sock, up)
            up.close()
            return
        rest = req.target.split("://", 1)[1]
        auth, _, path = rest.partition("/")
        host, _, port = auth.partition(":")
        up = socket.create_connection((self.names.get(host, host), int(port or 80)))
        lines = ["%s /%s %s" % (req.method, path, req.version)]
        for k, v in req.headers:
            if k.lower() not in ("connection", "proxy-connection", "keep-alive",
                                 "proxy-authorization"):
                lines.append("%s: %s" % (k, v))
        lines.append("Connection: close")
        up.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + rd.buf)
        resp = b""
        while True:
            d = up.recv(1 << 16)
            if not d:
                break
            resp += d
        up.close()
        # Answers with close framing so that the client sees the end.
        hd, _, body = resp.partition(b"\r\n\r\n")
        hl = [ln for ln in hd.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
        sock.sendall(b"\r\n".join(hl) + b"\r\nConnection: close\r\n"
                     b"X-Upstream: tiny\r\n\r\n" + body)


class Socks5(_Base):
    """A SOCKS5 server without authentication. .seen holds (atyp, host,
    port) per CONNECT; names maps domain names to addresses."""

    def __init__(self, host, names):
        self.names = names
        self.seen = []
        super().__init__(host, Socks5._serve)

    @staticmethod
    def _serve(self, sock, peer):
        rd = fwtest.Reader(sock)
        ver, n = rd.read_n(2)
        methods = rd.read_n(n)
        if ver != 5 or 0 not in methods:
            sock.sendall(b"\x05\xff")
            return
        sock.sendall(b"\x05\x00")
        ver, cmd, _, atyp = rd.read_n(4)
        if atyp == 1:
            host = socket.inet_ntoa(rd.read_n(4))
        elif atyp == 3:
            host = rd.read_n(rd.read_n(1)[0]).decode()
        elif atyp == 4:
            host = socket.inet_ntop(socket.AF_INET6, rd.read_n(16))
        else:
            return
        port = struct.unpack(">H", rd.read_n(2))[0]
        with self.lock:
            self.seen.append((atyp, host, port))
        try:
            up = socket.create_connection((self.names.get(host, host), port), 5)
        except OSError:
            sock.sendall(b"\x05\x05\x00\x01\0\0\0\0\0\0")
            return
        sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") +
                     struct.pack(">H", 1))
        if rd.buf:
            up.sendall(rd.buf)
        relay(sock, up)
        up.close()


# OpenSSH --------------------------------------------------------------------

SSHD = "/usr/sbin/sshd"


def sshd_setup(directory, address, port):
    """Writes an sshd config for address:port that admits root with a key
    made here; returns (config path, client key path). The caller runs
    `SSHD -D -e -f CONFIG` where it wants (loopback, a namespace)."""
    d = str(directory)
    os.makedirs(d, exist_ok=True)
    os.makedirs("/run/sshd", exist_ok=True)  # privilege separation
    host_key = os.path.join(d, "host_key")
    client_key = os.path.join(d, "client_key")
    for k in (host_key, client_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k],
                       check=True)
    auth = os.path.join(d, "authorized_keys")
    with open(client_key + ".pub") as src, open(auth, "w") as dst:
        dst.write(src.read())
    conf = os.path.join(d, "sshd_config")
    with open(conf, "w") as f:
        f.write("ListenAddress %s:%d\nHostKey %s\nAuthorizedKeysFile %s\n"
                "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                "PidFile none\n" % (address, port, host_key, auth))
    return conf, client_key


def ssh_command(client_key, port, proxy):
    """ssh as a VM would run it: no config file, the key, and ncat as the
    SOCKS5 ProxyCommand through proxy ("HOST:PORT"), the name resolved by
    the proxy."""
    return ["ssh", "-F", "/dev/null", "-i", client_key,
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=10",
            "-o", "ProxyCommand=ncat --proxy %s --proxy-type socks5 "
            "--proxy-dns remote %%h %%p" % proxy, "-p", str(port)]
