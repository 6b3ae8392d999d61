"""Old and odd origins: a response head with lone LF line ends is read
(RFC 9112 2.2) while a request's stays refused; transfer codings pass
through only when chunked is last; an origin's Proxy-Authenticate never
reaches the client."""

import gzip

import pytest

import fwtest
import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("quirks"), world) as p:
        yield p


def answering(raw):
    def answer(sock, head):
        sock.sendall(raw)
    return hostile.RawOrigin(answer)


def get(url, method="GET"):
    return ("%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (method, url)).encode()


def through(proxy, raw, method="GET"):
    """One request through the proxy to an origin answering raw; returns
    the response and whether a second request on the same connection was
    answered too (the connection stayed usable)."""
    o = answering(raw)
    try:
        with fwtest.connect(proxy.port, timeout=5) as s:
            rd = fwtest.Reader(s)
            s.sendall(get(o.url("/a"), method))
            first = rd.response(head_request=method == "HEAD")
            s.sendall(get(o.url("/b"), method))
            second = rd.response(head_request=method == "HEAD")
            return first, second
    finally:
        o.stop()


def test_lone_lf_response_head_is_read(proxy):
    first, second = through(
        proxy, b"HTTP/1.1 200 Old\nContent-Length: 5\nX-Old: yes\n\nhello")
    for r in (first, second):
        assert r.status == 200 and r.reason == "Old", r
        assert r.body == b"hello", r
        assert r.header("X-Old") == "yes", r
    # What the client gets is rewritten with CRLF line ends.
    assert b"\n" not in first.raw_head.replace(b"\r\n", b""), first.raw_head


def test_lone_lf_mixed_with_crlf_and_chunked(proxy):
    first, _ = through(
        proxy, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\n"
        b"X-Mixed: 1\r\n\n5\r\nhello\r\n0\r\n\r\n")
    assert first.status == 200 and first.body == b"hello", first
    assert first.header("Transfer-Encoding") == "chunked", first


def test_lone_lf_request_is_refused(proxy, world):
    world.origin.clear()
    r = hostile.assert_rejected(
        proxy, world, ("GET %s HTTP/1.1\nHost: x\n\n"
                       % hostile.target(world)).encode(), status=400)
    assert b"bare LF" in r.data, r


def test_gzip_then_chunked_passes_with_its_codings(proxy):
    body = gzip.compress(b"compressed hello")
    chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    first, second = through(
        proxy, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
        b"\r\n" + chunked)
    for r in (first, second):
        assert r.status == 200, r
        # The client must learn of the gzip coding to undo it.
        assert r.header("Transfer-Encoding") == "gzip, chunked", r
        assert gzip.decompress(r.body) == b"compressed hello", r


def test_curl_decodes_gzip_chunked_through_the_proxy(proxy, tmp_path):
    body = gzip.compress(b"decoded by curl\n")
    o = answering(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
                  b"Connection: close\r\n\r\n%x\r\n" % len(body) + body +
                  b"\r\n0\r\n\r\n")
    try:
        r = fwtest.curl(proxy, o.url("/g"), "--tr-encoding", tmp=tmp_path)
    finally:
        o.stop()
    assert r.status == 200, r
    assert r.body == b"decoded by curl\n", r


def test_origin_proxy_authenticate_is_dropped(proxy):
    first, second = through(
        proxy, b"HTTP/1.1 407 Proxy Authentication Required\r\n"
        b"Proxy-Authenticate: Basic realm=\"origin\"\r\n"
        b"Proxy-Authentication-Info: nextnonce=\"x\"\r\n"
        b"WWW-Authenticate: Basic realm=\"site\"\r\n"
        b"Content-Length: 4\r\n\r\nnope")
    for r in (first, second):
        assert r.status == 407 and r.body == b"nope", r
        assert r.header("Proxy-Authenticate") is None, r
        assert r.header("Proxy-Authentication-Info") is None, r
        # The origin's own challenge is the client's business.
        assert r.header("WWW-Authenticate") == 'Basic realm="site"', r
