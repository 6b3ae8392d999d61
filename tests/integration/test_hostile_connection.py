"""Connection-header games (tinyproxy's use-after-free came from
"Connection: Connection"): naming Connection, Host, Content-Length or
Transfer-Encoding as hop-by-hop never changes how a message is framed,
on requests or responses, and many names cost no memory or time."""

import time

import pytest

import fwtest
import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("connection"), world) as p:
        yield p


@pytest.fixture(autouse=True)
def fresh(proxy, world):
    world.origin.clear()
    yield
    assert proxy.alive(), proxy.stderr_text()[-3000:]


def req(world, path, fields=b"", body=b"", method="GET"):
    return (("%s %s HTTP/1.1\r\nHost: h.test\r\n"
             % (method, hostile.target(world, path))).encode() +
            fields + b"\r\n" + body)


def two_on_one_connection(proxy, first, second):
    with fwtest.connect(proxy.port) as s:
        s.sendall(first + second)
        rd = fwtest.Reader(s)
        return rd.response(), rd.response()


@pytest.mark.parametrize("value", [b"Connection", b"connection, Connection",
                                   b"Connection, close-not, keep-alive"])
def test_connection_connection(proxy, world, value):
    a, b = two_on_one_connection(
        proxy, req(world, "/echo1", b"Connection: " + value + b"\r\n"),
        req(world, "/echo2"))
    assert (a.status, b.status) == (200, 200), (a, b)
    assert [r.target for r in world.origin.requests] == ["/echo1", "/echo2"]
    assert "connection" not in world.origin.requests[0].header_names()


def test_connection_host_content_length(proxy, world):
    # The body is still framed by its Content-Length, and the origin still
    # gets Host: the pipelined request after it is a request, not body.
    first = req(world, "/echo", b"Connection: Host, Content-Length\r\n"
                b"Content-Length: 5\r\n", b"hello", method="POST")
    a, b = two_on_one_connection(proxy, first, req(world, "/second"))
    assert (a.status, b.status) == (200, 200), (a, b)
    q = world.origin.requests
    assert [r.target for r in q] == ["/echo", "/second"], q
    assert q[0].body == b"hello" and q[0].header("Content-Length") == "5"
    assert q[0].header("Host") == "h.test:%d" % world.origin.port
    assert b"GET" not in q[0].body


def test_connection_transfer_encoding(proxy, world):
    first = req(world, "/echo", b"Connection: Transfer-Encoding, "
                b"Content-Length\r\nTransfer-Encoding: chunked\r\n",
                b"5\r\nhello\r\n0\r\n\r\n", method="POST")
    a, b = two_on_one_connection(proxy, first, req(world, "/second"))
    assert (a.status, b.status) == (200, 200), (a, b)
    q = world.origin.requests
    assert [r.target for r in q] == ["/echo", "/second"], q
    assert q[0].chunked and q[0].body == b"hello"


def test_connection_lists_every_field(proxy, world):
    # Naming each field, the proxy's own included, drops the ordinary ones
    # and keeps the framing the proxy writes itself.
    first = req(world, "/echo", b"Connection: Host, Content-Length, "
                b"Transfer-Encoding, Via, X-A, Connection, "
                b"Proxy-Connection\r\n"
                b"X-A: secret\r\nContent-Length: 3\r\n", b"abc",
                method="POST")
    a, b = two_on_one_connection(proxy, first, req(world, "/second"))
    assert (a.status, b.status) == (200, 200), (a, b)
    q = world.origin.requests[0]
    assert q.body == b"abc" and q.header("X-A") is None, q.as_dict()
    assert q.header("Content-Length") == "3"


def test_many_connection_names_cost_nothing(tmp_path, world):
    # With the largest limits: 90 Connection fields of 400 names each
    # (36,000 names, 243 KB) and 50 fields they name. The proxy answers
    # promptly (no quadratic blow-up) and forwards none of the named fields.
    names = b", ".join(b"x-%d" % i for i in range(400))
    fields = b"".join(b"Connection: " + names + b"\r\n" for _ in range(90))
    fields += b"".join(b"X-%d: v\r\n" % i for i in range(50))
    with hostile.running(tmp_path, world, "MaxHeaderSize 262144\n"
                         "MaxHeaderLine 8192\nMaxHeaders 256") as p:
        t0 = time.monotonic()
        r = fwtest.exchange(p.port, req(world, "/echo", fields), timeout=10)
        elapsed = time.monotonic() - t0
    print("\n140 fields naming 36,000 hop-by-hop fields: %.0f ms"
          % (elapsed * 1000))
    assert r.status == 200, r
    h = world.origin.requests[0].header_names()
    assert "x-5" not in h and "x-49" not in h, h
    assert elapsed < 1.0, elapsed


def test_many_connection_names_within_limits(proxy, world):
    names = b",".join(b"x%d" % i for i in range(1500))
    fields = b"Connection: " + names + b"\r\n"
    fields += b"".join(b"X%d: v\r\n" % i for i in range(60))
    r = fwtest.exchange(proxy.port, req(world, "/echo", fields))
    assert r.status == 200, r
    h = world.origin.requests[0].header_names()
    assert "x1" not in h and "x59" not in h


def test_close_wins(proxy, world):
    data = req(world, "/x", b"Connection: keep-alive, close\r\n")
    r = hostile.attack(proxy.port, data + req(world, "/after"))
    assert r.status == 200 and r.closed and r.count() == 1, r
    assert [q.target for q in world.origin.requests] == ["/x"]


def test_response_connection_content_length(proxy, world):
    # An origin that names Content-Length in its Connection header: the
    # client still gets the body framed by it, and the connection stays
    # usable for a second request.
    def answer(sock, head):
        sock.sendall(b"HTTP/1.1 200 OK\r\nConnection: Content-Length, "
                     b"Transfer-Encoding, Connection\r\nContent-Length: 5"
                     b"\r\n\r\nhello")
        time.sleep(0.5)
    o = hostile.RawOrigin(answer)
    try:
        one = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % o.url("/a")).encode()
        a, b = two_on_one_connection(proxy, one, one)
    finally:
        o.stop()
    assert (a.status, a.body, b.status, b.body) == (200, b"hello", 200,
                                                    b"hello"), (a, b)
    assert a.header("Content-Length") == "5"
