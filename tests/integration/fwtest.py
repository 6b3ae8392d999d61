"""Helpers for the integration tests: the fwproxy process, clients, peers.

Every peer listens on 127.0.0.0/8 only. Processes are stopped by PID.
"""

import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.abspath(os.environ.get("FWPROXY_BIN", os.path.join(REPO, "bin")))
FWPROXY = os.path.join(BIN, "fwproxy")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def _sanitized():
    try:
        with open(FWPROXY, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


# The binaries under test are built with AddressSanitizer, whose allocator
# keeps freed memory in quarantine: no figure about the heap holds there.
SANITIZED = _sanitized()

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


_handed_out = set()


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host="127.0.0.1"):
    """A TCP port that is free on host right now and is neither handed out
    before nor in the ephemeral range: a port the kernel picks for port 0
    can be taken by an outgoing connection before the server binds it."""
    high = _ephemeral_low()
    low = max(1024, high - 16000)
    for _ in range(1000):
        port = random.randrange(low, high)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port in %d-%d" % (low, high - 1))


def wait_port(host, port, timeout=10.0, proc=None):
    """Waits until host:port accepts a connection; raises on timeout or
    when proc exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %d before listening"
                               % proc.returncode)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("%s:%d not listening after %.0fs" % (host, port, timeout))


def wait_for(pred, timeout=5.0, step=0.02):
    """Polls pred() until it returns a true value, which is returned;
    returns the last (false) value after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


class Proxy:
    """One running fwproxy -d process."""

    def __init__(self, directory, conf_path, port, env=None, args=(),
                 pass_fds=()):
        self.dir = directory
        self.conf = conf_path
        self.port = port
        self.log_path = os.path.join(directory, "fwproxy.log")
        self.stderr_path = os.path.join(directory, "fwproxy.stderr")
        self.returncode = None
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [FWPROXY, "-d", "-c", conf_path, *args],
            stdin=subprocess.DEVNULL, stdout=self._stderr,
            stderr=self._stderr, env=env, pass_fds=pass_fds)
        self.pid = self.proc.pid

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def log_text(self):
        """The log file's text ("" before it exists)."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stderr_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, pattern, timeout=5.0):
        """Waits until the log matches the regex pattern; returns the match
        (None on timeout)."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log_text()), timeout)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def reload(self, timeout=5.0):
        """SIGHUP; waits until the log reports the reload (done or failed)
        and returns the log lines written since the signal."""
        before = len(self.log_text().splitlines())
        self.signal(signal.SIGHUP)
        new = lambda: self.log_text().splitlines()[before:]
        wait_for(lambda: any(re.search(r"Reload", ln) for ln in new()), timeout)
        return new()

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=15.0):
        """SIGTERM, waits, returns the exit status (negative: killed)."""
        if self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = "hung after SIGTERM"
        if self.returncode is None:
            self.returncode = self.proc.returncode
        self._stderr.close()
        return self.returncode

    def sanitizer_report(self):
        text = self.stderr_text()
        return text if any(m in text for m in SANITIZER_MARKS) else None


def write_config(directory, port, directives="", rules=None, dns_port=None,
                 allow_destination=True, log_level="Info", listen="127.0.0.1",
                 filter_name="filter"):
    """Writes DIR/fwproxy.conf (and DIR/filter when rules is a string);
    returns the config path."""
    lines = ["Port %d" % port]
    if listen:
        lines.append("Listen %s" % listen)
    lines += ["LogFile \"%s\"" % os.path.join(directory, "fwproxy.log"),
              "LogLevel %s" % log_level]
    if dns_port:
        lines.append("DNSServer \"127.0.0.1:%d\"" % dns_port)
    if allow_destination:
        lines.append("AllowDestination 127.0.0.0/8")
    if rules is not None:
        fpath = os.path.join(directory, filter_name)
        with open(fpath, "w") as f:
            f.write(rules)
        lines.append("Filter \"%s\"" % fpath)
    lines.append(directives)
    path = os.path.join(directory, "fwproxy.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def start_proxy(directory, directives="", rules=None, dns_port=None,
                allow_destination=True, log_level="Info", env=None,
                port=None, conf_text=None, wait=True):
    """Writes a config into directory and starts fwproxy -d on a free
    port of 127.0.0.1; waits until it accepts. conf_text replaces the
    generated config entirely (it must use {port}, {dir} and {dns} where
    needed)."""
    directory = str(directory)
    os.makedirs(directory, exist_ok=True)
    port = port or free_port()
    if conf_text is not None:
        conf = os.path.join(directory, "fwproxy.conf")
        with open(conf, "w") as f:
            f.write(conf_text.format(port=port, dir=directory, dns=dns_port,
                                     data=DATA))
    else:
        conf = write_config(directory, port, directives, rules, dns_port,
                            allow_destination, log_level)
    p = Proxy(directory, conf, port, env=env)
    if wait:
        try:
            wait_port("127.0.0.1", port, 15.0, p.proc)
        except RuntimeError as e:
            p.stop()
            raise RuntimeError("%s\nstderr:\n%s\nlog:\n%s"
                               % (e, p.stderr_text(), p.log_text()))
    return p


def run_fwproxy(*args, timeout=20):
    """Runs fwproxy with args (not as a daemon); returns CompletedProcess
    with text stdout/stderr."""
    return subprocess.run([FWPROXY, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def run_fwproxyctl(config_dir, *args, timeout=30):
    """Runs fwproxyctl on the rules directory config_dir (its run directory
    beside it, CONFIG_DIR-run); returns CompletedProcess with text
    stdout/stderr."""
    return subprocess.run(
        [os.path.join(BIN, "fwproxyctl"), "--config-dir", str(config_dir),
         "--run-dir", str(config_dir) + "-run", *args],
        capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL)


class CurlResult:
    def __init__(self, cp, body_path=None):
        self.rc = cp.returncode
        self.stderr = cp.stderr.decode("utf-8", "replace")
        self.body_path = body_path
        out = cp.stdout.decode("utf-8", "replace")
        self.write_out = out
        m = re.search(r"::(\d+) (\d+)::", out)
        self.status = int(m.group(1)) if m else None
        self.num_connects = int(m.group(2)) if m else None
        self._body = None

    @property
    def body(self):
        if self._body is None:
            with open(self.body_path, "rb") as f:
                self._body = f.read()
        return self._body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def headers(self):
        """Response headers from the -D dump: list of (name lower, value),
        of the last response."""
        return parse_header_block(self.header_dump)

    def header(self, name):
        for k, v in self.headers():
            if k == name.lower():
                return v
        return None

    def __repr__(self):
        return "<curl rc=%s status=%s stderr=%r>" % (self.rc, self.status,
                                                     self.stderr[-500:])


def parse_header_block(text):
    blocks = [b for b in re.split(r"\r?\n\r?\n", text) if b.strip()]
    if not blocks:
        return []
    out = []
    for line in blocks[-1].splitlines()[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            out.append((k.strip().lower(), v.strip()))
    return out


def curl(proxy, url, *args, tmp=None, timeout=20, cacert=None):
    """Runs curl through proxy (a Proxy, a port, or None for direct) and
    returns a CurlResult: .status, .num_connects, .body, .headers()."""
    import tempfile
    tmp = tmp or tempfile.mkdtemp(prefix="fwcurl")
    body = os.path.join(str(tmp), "body.%d" % time.monotonic_ns())
    hdr = body + ".hdr"
    cmd = ["curl", "-sS", "--max-time", str(timeout), "-o", body, "-D", hdr,
           "-w", "::%{http_code} %{num_connects}::"]
    if proxy is not None:
        port = proxy if isinstance(proxy, int) else proxy.port
        cmd += ["-x", "http://127.0.0.1:%d" % port]
    if cacert:
        cmd += ["--cacert", cacert]
    cmd += [*args, url]
    cp = subprocess.run(cmd, capture_output=True, timeout=timeout + 10,
                        stdin=subprocess.DEVNULL)
    r = CurlResult(cp, body)
    try:
        with open(hdr, "rb") as f:
            r.header_dump = f.read().decode("latin-1")
    except FileNotFoundError:
        r.header_dump = ""
    if not os.path.exists(body):
        r._body = b""
    return r


# Raw sockets ---------------------------------------------------------------

def connect(port, host="127.0.0.1", timeout=10.0, source=None):
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    return s


class Response:
    def __init__(self, version, status, reason, headers, body, raw_head):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def __repr__(self):
        return "<Response %s %r %r>" % (self.status, self.headers,
                                        self.body[:200])


class Reader:
    """Buffered reading of HTTP responses from a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self):
        d = self.sock.recv(1 << 16)
        if not d:
            self.eof = True
            raise EOFError("connection closed")
        self.buf += d

    def read_until(self, sep):
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_n(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_all(self):
        try:
            while True:
                self._fill()
        except EOFError:
            pass
        out, self.buf = self.buf, b""
        return out

    def response(self, head_request=False):
        """Reads one response (skipping 1xx); framing by HEAD, status,
        Content-Length, chunked or close."""
        while True:
            raw = self.read_until(b"\r\n\r\n")
            lines = raw[:-4].decode("latin-1").split("\r\n")
            version, status, *reason = lines[0].split(" ", 2)
            status = int(status)
            headers = []
            for line in lines[1:]:
                k, v = line.split(":", 1)
                headers.append((k.strip(), v.strip()))
            if 100 <= status < 200 and status != 101:
                continue
            break
        r = Response(version, status, reason[0] if reason else "", headers,
                     b"", raw)
        te = (r.header("Transfer-Encoding") or "").lower()
        cl = r.header("Content-Length")
        if head_request or status in (204, 304):
            return r
        if "chunked" in te:
            body = b""
            while True:
                size = int(self.read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    while self.read_until(b"\r\n") != b"\r\n":
                        pass
                    break
                body += self.read_n(size)
                self.read_n(2)
            r.body = body
        elif cl is not None:
            r.body = self.read_n(int(cl))
        else:
            r.body = self.read_all()
        return r


def exchange(port, data, timeout=10.0, source=None):
    """Sends data on a new connection, reads one response and returns it."""
    with connect(port, timeout=timeout, source=source) as s:
        s.sendall(data)
        return Reader(s).response(head_request=data.startswith(b"HEAD "))


def send_and_read_all(port, data, timeout=10.0, shut_write=False):
    """Sends data and returns every byte received until the peer closes
    (or timeout: then what arrived so far)."""
    with connect(port, timeout=timeout) as s:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while True:
                d = s.recv(1 << 16)
                if not d:
                    break
                out += d
        except socket.timeout:
            pass
        return out


def send_and_read_all_from(port, source, data, timeout=10.0):
    """As send_and_read_all, from the local address source."""
    with connect(port, timeout=timeout, source=source) as s:
        s.sendall(data)
        out = b""
        while True:
            d = s.recv(1 << 16)
            if not d:
                return out
            out += d


def log_lines(text, pattern):
    rx = re.compile(pattern)
    return [ln for ln in text.splitlines() if rx.search(ln)]


LOG_LINE = re.compile(r"^(CRITICAL|ERROR|WARNING|NOTICE|CONNECT|INFO|DEBUG) +"
                      r"[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d\.\d{3} "
                      r"\[(\d+)\]: ")


def until_closed(s, limit, reset_is_close=False):
    """Reads s until the peer closes it. Returns (data, seconds it took),
    or (data, None) when limit seconds pass first. A reset counts as a
    close only with reset_is_close; otherwise it is raised."""
    s.settimeout(limit)
    data = b""
    t0 = time.monotonic()
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return data, time.monotonic() - t0
            data += d
    except socket.timeout:
        return data, None
    except ConnectionResetError:
        if not reset_is_close:
            raise
        return data, time.monotonic() - t0


def traversable(path):
    """Lets an unprivileged worker reach the files below path (to read its
    config on reload) without letting it write there."""
    path = str(path)
    while path != "/":
        os.chmod(path, os.stat(path).st_mode | 0o711)
        path = os.path.dirname(path)


def debian_logrotate_stanza(log, pid_file):
    """/etc/logrotate.d/tinyproxy of Debian 12's tinyproxy package
    (data/logrotate-tinyproxy), unchanged but for the log's path and its
    reload: "invoke-rc.d --quiet tinyproxy reload" is start-stop-daemon
    --signal 1, i.e. SIGHUP to the pid in pid_file."""
    with open(os.path.join(DATA, "logrotate-tinyproxy")) as f:
        text = f.read()
    assert "/var/log/tinyproxy/tinyproxy.log {" in text
    assert "invoke-rc.d --quiet tinyproxy reload" in text
    return text.replace("/var/log/tinyproxy/tinyproxy.log", log).replace(
        "invoke-rc.d --quiet tinyproxy reload",
        "kill -HUP $(cat %s)" % pid_file)
