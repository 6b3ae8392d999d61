"""Lingering close: after an answer that ends the connection the proxy
shuts its side for writing and drains what the client still sends, for
LINGER_MS (2 s) and LINGER_MAX_BYTES (8 MiB) at most, so that the answer
is not destroyed by a reset. A client that sends everything before it
reads gets the answer 100 times out of 100: a refused 1 MB POST (403), a
200 KB header (431), a 100 KB URI (414)."""

import socket
import time

import pytest

import fwtest
import hostile

TRIES = 100
LINGER_MS = 2000
LINGER_MAX_BYTES = 8 << 20


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("linger"), world,
                         rules="^refused\\.test$\n") as p:
        yield p


def send_then_read(port, data):
    """Sends all of data, then reads one response; None when the
    connection was reset or closed before an answer arrived. The send
    buffer is kept small (16 KiB), as a real network's window would keep it:
    on loopback it grows to hold a whole megabyte, and the client would
    be done sending before the proxy answers."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    with s:
        try:
            s.sendall(data)
            return fwtest.Reader(s).response()
        except (OSError, EOFError):
            return None


def cases(world):
    url = world.origin_url("refused.test", "/upload")
    ok = world.origin_url("ok.test", "/")
    return {
        "post_1mb": (("POST %s HTTP/1.1\r\nHost: refused.test\r\n"
                      "Content-Length: 1000000\r\n\r\n" % url).encode() +
                     b"x" * 1000000, 403),
        "header_200kb": (("GET %s HTTP/1.1\r\nHost: ok.test\r\nX-Big: "
                          % ok).encode() + b"b" * 200000 + b"\r\n\r\n", 431),
        "uri_100kb": (("GET %s?" % ok).encode() + b"q" * 100000 +
                      b" HTTP/1.1\r\nHost: ok.test\r\n\r\n", 414),
    }


@pytest.mark.parametrize("case", ["post_1mb", "header_200kb", "uri_100kb"])
def test_answer_read_every_time(proxy, world, case):
    data, status = cases(world)[case]
    got = [send_then_read(proxy.port, data) for _ in range(TRIES)]
    read = sum(1 for r in got if r is not None and r.status == status)
    print("\n%s: %d of %d clients read the %d" % (case, read, TRIES, status))
    assert read == TRIES, [r for r in got if r is None or
                           r.status != status][:3]
    assert all(r.header("Connection") == "close" for r in got)


def answered(s, status):
    r = fwtest.Reader(s).response()
    assert r.status == status, r


def test_drain_ends_after_linger_time(proxy, world):
    data, status = cases(world)["uri_100kb"]
    with fwtest.connect(proxy.port, timeout=10) as s:
        s.sendall(data)
        answered(s, status)
        t0 = time.monotonic()
        # Still drained within the time: sending works.
        s.sendall(b"more" * 1000)
        # Past it the socket is closed: what arrives is answered by a reset.
        time.sleep(LINGER_MS / 1000 + 0.6)
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            for _ in range(5):
                s.sendall(b"late" * 1000)
                time.sleep(0.1)
                s.recv(1)
        assert time.monotonic() - t0 < LINGER_MS / 1000 + 2


def test_drain_ends_past_linger_bytes(proxy, world):
    data, status = cases(world)["uri_100kb"]
    sent = 0
    t0 = time.monotonic()
    with fwtest.connect(proxy.port, timeout=10) as s:
        s.sendall(data)
        answered(s, status)
        chunk = b"z" * 65536
        with pytest.raises((ConnectionResetError, BrokenPipeError)):
            while sent < 20 * LINGER_MAX_BYTES:
                sent += s.send(chunk)
    elapsed = time.monotonic() - t0
    print("\nreset after %d bytes sent, %.2f s" % (sent, elapsed))
    # Closed for the size, not the time; what the kernels buffer on either
    # side comes on top of the limit.
    assert elapsed < LINGER_MS / 1000
    assert LINGER_MAX_BYTES <= sent < LINGER_MAX_BYTES + (32 << 20)


def test_silent_client_closed_after_linger_time(proxy, world):
    data, status = cases(world)["header_200kb"]
    with fwtest.connect(proxy.port, timeout=10) as s:
        s.sendall(data)
        t0 = time.monotonic()
        answered(s, status)
        # The proxy shut its side at once: the client sees the end.
        assert s.recv(1) == b""
        assert time.monotonic() - t0 < 1


def test_curl_reads_the_refusal_of_a_1mb_post(proxy, world, tmp_path):
    """The same with a real client. curl reads while it sends, so the old
    close lost its answer only now and then (1 in 20, or none); the raw
    clients above are the ones that fail without lingering."""
    body = tmp_path / "1mb"
    body.write_bytes(b"p" * 1000000)
    url = world.origin_url("refused.test", "/upload")
    codes = [fwtest.curl(proxy, url, "-H", "Expect:", "--data-binary",
                         "@%s" % body, tmp=tmp_path).status
             for _ in range(20)]
    assert codes == [403] * 20, codes
