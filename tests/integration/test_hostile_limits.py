"""Each limit directive at its limit (served) and one past it (refused):
MaxRequestLine 414, MaxHeaderLine / MaxHeaders / MaxHeaderSize 431,
HeaderTimeout 408, Timeout (body idle), KeepAliveTimeout, ConnectTimeout
and DNSTimeout 504, MaxClients 503 that says why. Nothing past a limit reaches the
origin."""

import socket
import time

import fwtest
import hostile


def line(world, total):
    """A request line of exactly total bytes (CRLF not counted)."""
    base = "GET %s HTTP/1.1" % hostile.target(world, "/")
    pad = total - len(base)
    assert pad >= 0
    return ("GET %s HTTP/1.1" % hostile.target(world, "/" + "a" * pad)
            ).encode()


def served(p, world, data):
    r = fwtest.exchange(p.port, data)
    assert r.status == 200, r
    assert world.origin.wait_requests(1)
    world.origin.clear()
    return r


# Head sizes ------------------------------------------------------------------

def test_max_request_line(fwproxy, world):
    p = fwproxy("MaxRequestLine 300")
    served(p, world, line(world, 300) + b"\r\nHost: h.test\r\n\r\n")
    hostile.assert_rejected(p, world, line(world, 301) +
                            b"\r\nHost: h.test\r\n\r\n", status=414)


def test_max_request_line_unfinished(fwproxy, world):
    # Past the limit without a line end yet: refused at once, not when
    # (if ever) the line ends.
    p = fwproxy("MaxRequestLine 300")
    hostile.assert_rejected(p, world, line(world, 5000), status=414)


def test_default_request_line_limit(fwproxy, world):
    p = fwproxy()
    served(p, world, line(world, 8192) + b"\r\nHost: h.test\r\n\r\n")
    hostile.assert_rejected(p, world, line(world, 8193) +
                            b"\r\nHost: h.test\r\n\r\n", status=414)


def field(total):
    """A field line of exactly total bytes (CRLF not counted)."""
    return b"X-Pad: " + b"v" * (total - 7)


def test_max_header_line(fwproxy, world):
    p = fwproxy("MaxHeaderLine 300")
    req = line(world, 40) + b"\r\nHost: h.test\r\n"
    served(p, world, req + field(300) + b"\r\n\r\n")
    hostile.assert_rejected(p, world, req + field(301) + b"\r\n\r\n",
                            status=431)
    # A long name alone, without a colon yet, counts too.
    hostile.assert_rejected(p, world, req + b"X" * 2000, status=431)


def test_max_headers(fwproxy, world):
    p = fwproxy("MaxHeaders 10")
    req = line(world, 40) + b"\r\nHost: h.test\r\n"
    served(p, world, req + b"".join(b"X-%d: v\r\n" % i for i in range(9))
           + b"\r\n")
    hostile.assert_rejected(p, world, req + b"".join(
        b"X-%d: v\r\n" % i for i in range(10)) + b"\r\n", status=431)


def head_of(world, size):
    """A complete request head of exactly size bytes."""
    start = line(world, 40) + b"\r\nHost: h.test\r\n"
    fields = b""
    left = size - len(start) - 2
    while left > 0:
        n = min(left, 1000)
        if left - n and left - n < 12:
            n = left - 12  # leave room for one more minimal line
        fields += field(n - 2) + b"\r\n"
        left -= n
    head = start + fields + b"\r\n"
    assert len(head) == size, len(head)
    return head


def test_max_header_size(fwproxy, world):
    p = fwproxy("MaxHeaderSize 4096")
    served(p, world, head_of(world, 4096))
    hostile.assert_rejected(p, world, head_of(world, 4097), status=431)
    # Endless fields without the blank line: refused once over the size.
    hostile.assert_rejected(p, world, head_of(world, 4000)[:-2] +
                            b"X: y\r\n" * 2000, status=431)


# Deadlines -------------------------------------------------------------

def until_closed(s, limit):
    return fwtest.until_closed(s, limit, reset_is_close=True)


def test_header_timeout_at_limit(fwproxy, world):
    # A head trickled over 1.3 s of a 2 s HeaderTimeout is served.
    p = fwproxy("HeaderTimeout 2")
    data = line(world, 40) + b"\r\nHost: h.test\r\n\r\n"
    with fwtest.connect(p.port) as s:
        for i in range(0, len(data), 10):
            s.sendall(data[i:i + 10])
            time.sleep(1.3 * 10 / len(data))
        r = fwtest.Reader(s).response()
    assert r.status == 200, r


def test_header_timeout_past_limit(fwproxy, world):
    # A byte every 0.2 s never completes the head: 408 about 2 s after the
    # first byte, trickling does not extend the deadline.
    p = fwproxy("HeaderTimeout 2")
    data = line(world, 40) + b"\r\nHost: h.test\r\n"
    with fwtest.connect(p.port) as s:
        t0 = time.monotonic()
        s.sendall(data)
        s.settimeout(0.2)
        got = b""
        for i in range(40):
            try:
                s.sendall(b"X-%d: v\r\n" % i)
                d = s.recv(4096)
                if not d:
                    break
                got += d
            except socket.timeout:
                continue
            except OSError:
                break
        more, _ = until_closed(s, 3)
        elapsed = time.monotonic() - t0
    got += more
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert 1.7 <= elapsed <= 4, elapsed
    assert hostile.origin_untouched(world)


def test_header_timeout_idle_connection(fwproxy, world):
    # A connection that never sends a byte is closed silently.
    p = fwproxy("HeaderTimeout 1")
    with fwtest.connect(p.port) as s:
        data, elapsed = until_closed(s, 5)
    assert elapsed is not None and 0.7 <= elapsed <= 3, elapsed
    assert data == b""


def test_keepalive_timeout(fwproxy, world):
    p = fwproxy("KeepAliveTimeout 2")
    one = line(world, 40) + b"\r\nHost: h.test\r\n\r\n"
    with fwtest.connect(p.port) as s:
        rd = fwtest.Reader(s)
        s.sendall(one)
        assert rd.response().status == 200
        time.sleep(1.3)
        s.sendall(one)  # within the limit: served on the same connection
        assert rd.response().status == 200
        data, elapsed = until_closed(s, 5)
    assert elapsed is not None and 1.5 <= elapsed <= 3.5, elapsed
    assert data == b"" and rd.buf == b""
    assert world.origin.connections == 1


def post_head(world, length):
    return (line(world, 40).replace(b"GET", b"POST") +
            b"\r\nHost: h.test\r\nContent-Length: %d\r\n\r\n" % length)


def test_body_idle_at_limit(fwproxy, world):
    # One body byte every second for 4 s with Timeout 2: never idle for
    # 2 s, so served however long the whole body takes.
    p = fwproxy("Timeout 2")
    with fwtest.connect(p.port) as s:
        s.sendall(post_head(world, 5))
        for b in b"hello":
            time.sleep(0.8)
            s.sendall(bytes([b]))
        r = fwtest.Reader(s).response()
    assert r.status == 200, r
    assert world.origin.requests[0].body == b"hello"


def test_body_idle_past_limit(fwproxy, world):
    # Half a body, then silence: the client gets 408 (its request was not
    # complete in time; the origin is not to blame) or a bare close, about
    # 2 s later, and the origin never sees the request finished.
    p = fwproxy("Timeout 2")
    with fwtest.connect(p.port) as s:
        s.sendall(post_head(world, 10) + b"hello")
        t0 = time.monotonic()
        data, _ = until_closed(s, 6)
        elapsed = time.monotonic() - t0
    assert data == b"" or data.startswith(b"HTTP/1.1 408 "), data
    assert 1.5 <= elapsed <= 4, elapsed
    reqs = world.origin.requests
    assert len(reqs) <= 1 and (not reqs or reqs[0].body_len == 0), reqs


class FullBacklog:
    """A listener whose accept queue is full: the kernel drops further
    SYNs, so a connect to it hangs (a black-holed server)."""

    def __init__(self, host="127.0.0.6"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(0)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex((host, self.port))
            self.fillers.append(f)
        time.sleep(0.2)

    def close(self):
        for f in self.fillers:
            f.close()
        self.sock.close()


def test_connect_timeout(fwproxy, world):
    p = fwproxy("ConnectTimeout 1")
    bl = FullBacklog()
    try:
        t0 = time.monotonic()
        r = hostile.attack(p.port, ("GET http://%s:%d/x HTTP/1.1\r\nHost: x"
                                    "\r\n\r\n" % (bl.host, bl.port)).encode())
        elapsed = time.monotonic() - t0
    finally:
        bl.close()
    assert r.status == 504 and r.closed, r
    assert 0.8 <= elapsed <= 3, elapsed
    # At the limit: a server that accepts is reached as usual.
    served(p, world, line(world, 40) + b"\r\nHost: h.test\r\n\r\n")


def test_dns_timeout(fwproxy, world):
    # A DNS server that never answers: the lookup gives up after
    # DNSTimeout and the client is told at once.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    p = fwproxy("DNSTimeout 1", dns_port=silent.getsockname()[1])
    try:
        t0 = time.monotonic()
        r = hostile.attack(p.port, line(world, 40) +
                           b"\r\nHost: h.test\r\n\r\n")
        elapsed = time.monotonic() - t0
    finally:
        silent.close()
    assert r.status == 504 and r.closed, r
    assert b"timeout" in r.data, r
    assert 0.8 <= elapsed <= 3.5, elapsed
    assert hostile.origin_untouched(world)


def test_dns_timeout_at_limit(fwproxy, world):
    # A DNS answer well within DNSTimeout is used (the world's dnsmasq).
    p = fwproxy("DNSTimeout 1")
    served(p, world, line(world, 40) + b"\r\nHost: h.test\r\n\r\n")


def test_max_clients(fwproxy, world):
    p = fwproxy("MaxClients 3")
    time.sleep(0.3)  # the readiness probe's connection is gone
    one = line(world, 40) + b"\r\nHost: h.test\r\n\r\n"
    held = [fwtest.connect(p.port) for _ in range(3)]
    try:
        for s in held:
            s.sendall(one[:20])
        time.sleep(0.3)
        r = hostile.attack(p.port, one, timeout=3)
        assert r.status == 503 and r.closed, r
        assert b"maximum of 3 connections (MaxClients)" in r.data, r
        assert r.elapsed < 1, r
        # At the limit all three are served.
        for s in held:
            s.sendall(one[20:])
            assert fwtest.Reader(s).response().status == 200
    finally:
        for s in held:
            s.close()
    assert len(world.origin.requests) == 3
