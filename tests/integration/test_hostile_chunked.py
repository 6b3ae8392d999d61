"""Malformed chunked request bodies (RFC 9112 7.1): sizes that overflow or
carry signs, unbounded extensions, broken chunk framing. The client gets
400 and a closed connection, and the bad bytes never reach the origin."""

import socket
import time

import pytest

import fwtest
import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("chunked"), world) as p:
        yield p


@pytest.fixture(autouse=True)
def fresh(proxy, world):
    world.origin.clear()
    yield
    assert proxy.alive(), proxy.stderr_text()[-3000:]


def head(world, path="/x"):
    return ("POST %s HTTP/1.1\r\nHost: h.test\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
            % hostile.target(world, path)).encode()


BAD_BODIES = [
    ("size_2_pow_64", b"10000000000000000\r\n"),
    ("size_2_pow_64_plus_5", b"10000000000000005\r\nhello\r\n0\r\n\r\n"),
    ("size_long_overflow", b"f" * 40 + b"\r\nhello\r\n0\r\n\r\n"),
    ("size_minus", b"-5\r\nhello\r\n0\r\n\r\n"),
    ("size_plus", b"+5\r\nhello\r\n0\r\n\r\n"),
    ("size_0x", b"0x5\r\nhello\r\n0\r\n\r\n"),
    ("size_non_hex", b"5g\r\nhello\r\n0\r\n\r\n"),
    ("size_empty", b"\r\nhello\r\n0\r\n\r\n"),
    ("size_leading_space", b" 5\r\nhello\r\n0\r\n\r\n"),
    ("size_nul", b"5\x00\r\nhello\r\n0\r\n\r\n"),
    ("size_bare_lf", b"5\nhello\r\n0\r\n\r\n"),
    ("size_bare_cr", b"5\rhello\r\n0\r\n\r\n"),
    ("data_longer_than_size", b"5\r\nhelloXX\r\n0\r\n\r\n"),
    ("data_bare_lf", b"5\r\nhello\n0\r\n\r\n"),
    ("last_chunk_bare_lf", b"5\r\nhello\r\n0\n\r\n"),
    ("extension_unbounded", b"5;" + b"a" * 100000 + b"\r\nhello\r\n0\r\n\r\n"),
    ("extension_unbounded_no_end", b"5;" + b"a" * 100000),
    ("extension_ctl", b"5;a\x01b\r\nhello\r\n0\r\n\r\n"),
    ("extension_bare_cr", b"5;a\rb\r\nhello\r\n0\r\n\r\n"),
    ("trailer_obs_fold", b"0\r\nX-T: a\r\n b\r\n\r\n"),
    ("trailer_nul", b"0\r\nX-T: a\x00\r\n\r\n"),
    ("trailers_unbounded", b"0\r\n" + b"X-T: " + b"a" * 200 + b"\r\n" * 1
     + b"".join(b"X-T%d: %s\r\n" % (i, b"v" * 100) for i in range(2000))
     + b"\r\n"),
]


@pytest.mark.parametrize("body", [b[1] for b in BAD_BODIES],
                         ids=[b[0] for b in BAD_BODIES])
def test_malformed_chunked_is_400(proxy, world, body):
    # Head and body in one write: the proxy sees the flaw before it has
    # forwarded anything.
    hostile.assert_rejected(proxy, world, head(world) + body,
                            dial_allowed=True)


@pytest.mark.parametrize("bad", [b"-1\r\n", b"1" * 17 + b"\r\n",
                                 b"5;" + b"e" * 8192],
                         ids=["sign", "overflow", "extension"])
def test_bad_chunk_after_good_chunk_never_forwarded(proxy, world, bad):
    # A streamed body: the head and first chunk may already be forwarded,
    # but the bad line is not, and the client gets 400 and a close.
    with fwtest.connect(proxy.port) as s:
        s.sendall(head(world) + b"5\r\nhello\r\n")
        assert world.origin.wait_requests(1)
        time.sleep(0.1)
        s.sendall(bad)
        r = read_to_close(s)
    assert r.startswith(b"HTTP/1.1 400 "), r
    streams = [bytes(x) for x in world.origin.streams]
    assert len(streams) == 1, streams
    assert bad[:16] not in streams[0], streams[0][-300:]
    # Whatever followed the bad line was not read as a new request.
    time.sleep(0.1)
    assert len(world.origin.requests) == 1, world.origin.requests


def read_to_close(s, timeout=5):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return out
            out += d
    except (socket.timeout, ConnectionResetError):
        return out + b"<no close>"


def test_chunked_controls(proxy, world):
    # Extensions (bounded), upper-case hex, trailers: valid, forwarded
    # byte for byte.
    body = (b"5;name=value;q=\"x y\"\r\nhello\r\nA\r\n0123456789\r\n"
            b"0\r\nX-Trailer: t\r\n\r\n")
    r = hostile.assert_served(proxy, world, head(world, "/echo") + body)
    req = world.origin.requests[0]
    assert req.chunked and req.body == b"hello0123456789", (r, req.as_dict())
    assert body in bytes(world.origin.streams[0])
