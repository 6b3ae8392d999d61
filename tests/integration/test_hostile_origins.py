"""Malicious origins: ambiguous framing, huge heads, bodies on HEAD / 204 /
304, endless 1xx, truncated bodies. The client gets 502 or a close, never
a message framed differently from what the origin sent, and the proxy's
memory stays bounded."""

import socket
import threading
import time

import pytest

import fwtest
import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("origins"), world) as p:
        yield p


@pytest.fixture(autouse=True)
def fresh(proxy):
    yield
    assert proxy.alive(), proxy.stderr_text()[-3000:]


def origin_sending(raw, hold=0.0):
    """A RawOrigin answering each request with raw, then holding the
    connection open for hold seconds before closing it."""
    def answer(sock, head):
        sock.sendall(raw)
        time.sleep(hold)
    return hostile.RawOrigin(answer)


def get(url, method="GET"):
    return ("%s %s HTTP/1.1\r\nHost: x\r\n\r\n" % (method, url)).encode()


BAD_HEADS = [
    ("cl_and_te", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("cl_differing", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
     b"Content-Length: 6\r\n\r\nhello!"),
    ("cl_duplicate", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
     b"Content-Length: 5\r\n\r\nhello"),
    ("cl_list", b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello"),
    ("cl_sign", b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"),
    ("cl_negative", b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello"),
    ("cl_overflow", b"HTTP/1.1 200 OK\r\nContent-Length: "
     b"18446744073709551621\r\n\r\nhello"),
    ("te_twice", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("te_chunked_twice", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, "
     b"chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("space_before_colon", b"HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n"
     b"hello"),
    ("obs_fold", b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 5"
     b"\r\n\r\nhello"),
    ("nul_in_field", b"HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 5"
     b"\r\n\r\nhello"),
    ("obs_fold_lf", b"HTTP/1.1 200 OK\nX-A: a\n b\nContent-Length: 5"
     b"\n\nhello"),
    ("te_chunked_not_last", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
     b"chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("te_gzip_only", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"
     b"hello"),
    ("te_unknown", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: hello, chunked"
     b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    ("bare_cr", b"HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 5\r\n\r\nhello"),
    ("status_four_digits", b"HTTP/1.1 2000 OK\r\nContent-Length: 5\r\n\r\n"
     b"hello"),
    ("status_two_digits", b"HTTP/1.1 20 OK\r\nContent-Length: 5\r\n\r\n"
     b"hello"),
    ("not_http", b"ICY 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    ("http_0_9", b"hello, no head at all\r\n\r\n"),
    ("version_2", b"HTTP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    ("switching_protocols_unasked", b"HTTP/1.1 101 Switching Protocols\r\n"
     b"Upgrade: evil\r\nConnection: upgrade\r\n\r\nraw bytes"),
    ("huge_head", b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"b" * 4000 +
     b"\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 4000)
                        for i in range(300)) +
     b"Content-Length: 5\r\n\r\nhello"),
    ("too_many_fields", b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-%d: v\r\n" % i for i in range(300)) +
     b"Content-Length: 5\r\n\r\nhello"),
    ("field_line_too_long", b"HTTP/1.1 200 OK\r\nX-Long: " + b"v" * 70000 +
     b"\r\nContent-Length: 5\r\n\r\nhello"),
    ("head_never_ends", b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 50000),
]


@pytest.mark.parametrize("raw", [b[1] for b in BAD_HEADS],
                         ids=[b[0] for b in BAD_HEADS])
def test_bad_response_head_is_502(proxy, raw):
    o = origin_sending(raw, hold=3)
    try:
        r = hostile.attack(proxy.port, get(o.url("/x")), timeout=5)
    finally:
        o.stop()
    assert r.status == 502 and r.closed, r
    assert r.count() == 1, r
    # Nothing of the origin's answer leaks through.
    assert b"hello" not in r.data and b"raw bytes" not in r.data, r


def pipelined_pair(proxy, o, first_method, first_path):
    """HEAD (or GET) then GET on one client connection; returns both
    responses as the client read them (the second may be None when the
    proxy closed after the first)."""
    with fwtest.connect(proxy.port, timeout=5) as s:
        rd = fwtest.Reader(s)
        s.sendall(get(o.url(first_path), first_method))
        a = rd.response(head_request=first_method == "HEAD")
        try:
            s.sendall(get(o.url("/second")))
            b = rd.response()
        except (EOFError, OSError):
            b = None
        try:
            s.settimeout(0.5)
            rest = rd.buf + s.recv(65536)
        except (socket.timeout, OSError):
            rest = rd.buf
    return a, b, rest


SMUGGLED = (b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Smuggled: yes\r\n\r\n"
            b"smuggled")


def smuggling_origin(first_answer):
    """The first request gets first_answer followed by a complete fake
    response; every later request on any connection gets "genuine"."""
    count = {"n": 0}
    lock = threading.Lock()

    def answer(sock, head):
        rd = fwtest.Reader(sock)
        rd.buf = head.split(b"\r\n\r\n", 1)[1]
        while True:
            with lock:
                count["n"] += 1
                n = count["n"]
            if n == 1:
                sock.sendall(first_answer + SMUGGLED)
            else:
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"
                             b"genuine")
            try:
                rd.read_until(b"\r\n\r\n")
            except (EOFError, OSError):
                return
    return hostile.RawOrigin(answer)


@pytest.mark.parametrize("method,path,first", [
    ("HEAD", "/head", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    ("GET", "/204", b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
     b"hello"),
    ("GET", "/304", b"HTTP/1.1 304 Not Modified\r\n\r\nhello"),
    ("GET", "/204te", b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: "
     b"chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
], ids=["head", "204", "304", "204_chunked"])
def test_body_where_none_belongs_never_reaches_client(proxy, method, path,
                                                      first):
    o = smuggling_origin(first)
    try:
        a, b, rest = pipelined_pair(proxy, o, method, path)
    finally:
        o.stop()
    assert a.status in (200, 204, 304, 502), a
    assert a.body == b"", a
    # The bytes after the bodiless answer are not a response the proxy
    # may pass on: the next answer is the genuine one, a 502, or none.
    everything = (a.raw_head + (b.raw_head + b.body if b else b"") + rest)
    assert b"smuggled" not in everything and b"X-Smuggled" not in everything, \
        (a, b, rest)
    assert b"hello" not in everything, (a, b, rest)
    assert b is None or b.status == 502 or b.body == b"genuine", b


@pytest.mark.parametrize("burst,pause", [(100, 0.0), (1, 0.02)],
                         ids=["flood", "drip"])
def test_endless_1xx(proxy, burst, pause):
    # An origin that sends "100 Continue" forever, as a flood or one every
    # 20 ms: the proxy must give up (502 or close) within a few seconds
    # rather than relay interim answers without end.
    stop = threading.Event()

    def answer(sock, head):
        try:
            while not stop.is_set():
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" * burst)
                time.sleep(pause)
        except OSError:
            pass
    o = hostile.RawOrigin(answer)
    pid = hostile.worker_pid(proxy)
    rss0 = hostile.rss_kib(pid)
    try:
        with fwtest.connect(proxy.port, timeout=10) as s:
            s.sendall(get(o.url("/x")))
            got = 0
            final = b""
            s.settimeout(10)
            t0 = time.monotonic()
            closed = False
            while time.monotonic() - t0 < 5:
                try:
                    d = s.recv(1 << 16)
                except socket.timeout:
                    break
                if not d:
                    closed = True
                    break
                got += len(d)
                final = (final + d)[-4096:]
            elapsed = time.monotonic() - t0
    finally:
        stop.set()
        o.stop()
    rss1 = hostile.rss_kib(pid)
    print("\nendless 1xx: %d bytes relayed in %.1f s, closed=%s, RSS %d -> %d"
          " KiB" % (got, elapsed, closed, rss0, rss1))
    assert rss1 - rss0 < 32 * 1024, (rss0, rss1)
    assert closed, "still relaying 1xx after %.1f s (%d bytes)" % (elapsed,
                                                                    got)
    assert b" 200 " not in final


def test_interim_then_final_control(proxy):
    # A few 1xx then the real answer: relayed to a 1.1 client as is.
    o = origin_sending(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early "
                       b"Hints\r\nLink: </s>\r\n\r\nHTTP/1.1 200 OK\r\n"
                       b"Content-Length: 5\r\n\r\nhello", hold=1)
    try:
        r = fwtest.exchange(proxy.port, get(o.url("/x")))
    finally:
        o.stop()
    assert r.status == 200 and r.body == b"hello", r


def test_truncated_length_body_closes_client(proxy):
    o = origin_sending(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                       b"0123456789")
    try:
        r = hostile.attack(proxy.port, get(o.url("/x")), timeout=5)
    finally:
        o.stop()
    # The head promised 100 bytes: the client sees 10 and a close, so it
    # knows the body is cut (nothing pads or reframes it).
    assert r.status == 200 and r.closed, r
    head, _, body = r.data.partition(b"\r\n\r\n")
    assert b"Content-Length: 100" in head, head
    assert body == b"0123456789", body


def test_truncated_chunked_body_closes_client(proxy):
    o = origin_sending(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                       b"\r\n5\r\nhello\r\n10\r\nonly")
    try:
        r = hostile.attack(proxy.port, get(o.url("/x")), timeout=5)
    finally:
        o.stop()
    assert r.status == 200 and r.closed, r
    # Never completed on the origin's behalf.
    assert not r.data.endswith(b"0\r\n\r\n"), r


@pytest.mark.parametrize("bad", [b"-5\r\nhello\r\n", b"1" * 17 + b"\r\n",
                                 b"5;" + b"e" * 10000 + b"\r\nhello\r\n",
                                 b"5\r\nhelloXX\r\n0\r\n\r\n"],
                         ids=["sign", "overflow", "extension", "overrun"])
def test_bad_chunk_in_response_closes_client(proxy, bad):
    o = origin_sending(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                       b"\r\n3\r\nabc\r\n" + bad, hold=2)
    try:
        r = hostile.attack(proxy.port, get(o.url("/x")), timeout=5)
    finally:
        o.stop()
    assert r.closed and r.elapsed < 1.5, r
    assert bad[:12] not in r.data, r
    assert not r.data.endswith(b"0\r\n\r\n"), r


def test_memory_bounded_under_hostile_origins(proxy):
    # 20 concurrent huge-head and never-ending-head origins: the worker's
    # resident memory grows by no more than a few MiB.
    pid = hostile.worker_pid(proxy)
    rss0 = hostile.rss_kib(pid)
    o = origin_sending(b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * 60000 +
                       b"\r\n" + b"Z: z\r\n" * 100000, hold=2)
    results = []

    def one():
        results.append(hostile.attack(proxy.port, get(o.url("/x")), 5))
    try:
        threads = [threading.Thread(target=one) for _ in range(20)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        peak = hostile.rss_kib(pid)
        for t in threads:
            t.join()
    finally:
        o.stop()
    rss1 = hostile.rss_kib(pid)
    print("\nRSS %d KiB, %d KiB with 20 hostile origins, %d KiB after"
          % (rss0, peak, rss1))
    assert all(r.status == 502 for r in results), results
    assert max(peak, rss1) - rss0 < 24 * 1024, (rss0, peak, rss1)
