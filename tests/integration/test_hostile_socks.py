"""Malformed, truncated and refused SOCKS handshakes: the protocol's
error reply where one exists, then close, nothing forwarded; and one
client's garbage leaves another client's tunnel alone."""

import socket
import struct
import time

import pytest

import fwtest
from peers import ORIGIN_ADDR

NO_AUTH = b"\x05\x01\x00"


def v5_connect(host, port):
    return (b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode()
            + struct.pack(">H", port))


def exchange(p, data, shut=True, timeout=10.0):
    """Sends data, half-closes when shut, returns everything received
    until the proxy closes."""
    return fwtest.send_and_read_all(p.port, data, timeout=timeout,
                                    shut_write=shut)


V5_FAIL = lambda code: bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0])  # noqa: E731
V4_REJECTED = b"\x00\x5b\x00\x00\x00\x00\x00\x00"


@pytest.mark.parametrize("label,data,want", [
    ("no methods", b"\x05\x00", b"\x05\xff"),
    ("only GSSAPI offered", b"\x05\x01\x01", b"\x05\xff"),
    ("greeting cut short", b"\x05\x03\x00", b"\x05\xff"),
    ("BIND", NO_AUTH + b"\x05\x02\x00\x01\x7f\x00\x00\x03\x00\x50",
     b"\x05\x00" + V5_FAIL(7)),
    ("UDP ASSOCIATE", NO_AUTH + b"\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00",
     b"\x05\x00" + V5_FAIL(7)),
    ("unknown address type", NO_AUTH + b"\x05\x01\x00\x09\x00\x00",
     b"\x05\x00" + V5_FAIL(8)),
    ("reserved byte set", NO_AUTH + b"\x05\x01\x07\x01\x7f\x00\x00\x03\x00\x50",
     b"\x05\x00" + V5_FAIL(1)),
    ("request version 4", NO_AUTH + b"\x04\x01\x00\x01\x7f\x00\x00\x03\x00\x50",
     b"\x05\x00" + V5_FAIL(1)),
    ("request cut short", NO_AUTH + b"\x05\x01\x00\x03\x0aorigin.te",
     b"\x05\x00" + V5_FAIL(1)),
    ("host name with a space", NO_AUTH + v5_connect("a b.test", 80),
     b"\x05\x00" + V5_FAIL(1)),
    ("port 0", NO_AUTH + v5_connect("origin.test", 0),
     b"\x05\x00" + V5_FAIL(1)),
    ("SOCKS4 BIND", b"\x04\x02\x00\x50\x7f\x00\x00\x03\x00", V4_REJECTED),
    ("SOCKS4 cut short", b"\x04\x01\x00\x50\x7f\x00", V4_REJECTED),
    ("SOCKS4 user id too long", b"\x04\x01\x00\x50\x7f\x00\x00\x03"
     + b"u" * 256 + b"\x00", V4_REJECTED),
    ("SOCKS4a name without end", b"\x04\x01\x00\x50\x00\x00\x00\x01\x00"
     + b"origin.test", V4_REJECTED),
    ("SOCKS4a bad name", b"\x04\x01\x00\x50\x00\x00\x00\x01\x00a/b\x00",
     V4_REJECTED),
])
def test_malformed_gets_error_reply_and_close(fwproxy, world, label, data,
                                              want):
    p = fwproxy()
    assert exchange(p, data) == want, label
    assert world.origin.connections == 0
    assert p.alive()


def test_auth_exchange_malformed_and_refused(fwproxy, world):
    p = fwproxy('BasicAuth alice "s3cret"')
    greet = b"\x05\x01\x02"
    assert exchange(p, greet + b"\x05\x05alice\x06s3cret") == b"\x05\x02\x01\x01"
    assert exchange(p, greet + b"\x01\x05alice\x06wrong!") == b"\x05\x02\x01\x01"
    assert exchange(p, greet + b"\x01\x05ali") == b"\x05\x02\x01\x01"
    # Without BasicAuth a client offering only username/password has no
    # method in common with the proxy.
    q = fwproxy()
    assert exchange(q, greet) == b"\x05\xff"
    assert world.origin.connections == 0


def test_handshake_timeout_answers(fwproxy, world):
    p = fwproxy("HeaderTimeout 1")
    t0 = time.monotonic()
    out = exchange(p, NO_AUTH + b"\x05\x01\x00\x03", shut=False)
    assert out == b"\x05\x00" + V5_FAIL(1)
    assert time.monotonic() - t0 < 5
    assert p.wait_log(r"not complete in time")


@pytest.mark.parametrize("sent,want", [
    (NO_AUTH, b"\x05\x00" + V5_FAIL(1)),          # no request after the method
    (b"\x05\x01\x02", b"\x05\x02\x01\x01"),     # no login after the method
])
def test_handshake_stalled_between_messages_answers(fwproxy, world, sent,
                                                    want):
    p = fwproxy('HeaderTimeout 1\nBasicAuth alice "s3cret"'
                if sent[2] == 2 else "HeaderTimeout 1")
    t0 = time.monotonic()
    assert exchange(p, sent, shut=False) == want
    assert time.monotonic() - t0 < 5
    assert world.origin.connections == 0


def test_early_data_relayed_exactly(fwproxy, world):
    # Greeting, request and the first bytes for the server in one write.
    p = fwproxy()
    inner = b"GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with fwtest.connect(p.port) as s:
        s.sendall(NO_AUTH + v5_connect("origin.test", world.origin.port)
                  + inner)
        rd = fwtest.Reader(s)
        assert rd.read_n(2) == b"\x05\x00"
        reply = rd.read_n(10)
        assert reply[:4] == b"\x05\x00\x00\x01", reply
        r = rd.response()
        assert r.status == 200 and r.body == b"origin GET /early\n"
    assert world.origin.wait_requests(1)
    assert bytes(world.origin.streams[-1]) == inner
    # The reply's bound address is the proxy's end of the connection.
    host = socket.inet_ntoa(reply[4:8])
    assert host == "127.0.0.1" or host == ORIGIN_ADDR or \
        host.startswith("127."), host


def test_garbage_client_leaves_other_tunnel_alone(fwproxy, world):
    p = fwproxy()
    good = fwtest.connect(p.port)
    bad = fwtest.connect(p.port)
    try:
        bad.sendall(b"\x05\x02\x00")  # a greeting cut short, held open
        good.sendall(NO_AUTH + v5_connect("origin.test", world.origin.port))
        rd = fwtest.Reader(good)
        assert rd.read_n(12)[:3] == b"\x05\x00\x05"
        bad.sendall(b"\x01\x05\x01\xff\xff\xff\xff\xff" * 100)
        bad.shutdown(socket.SHUT_WR)
        good.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        r = rd.response()
        assert r.status == 200 and r.body == b"origin GET /a\n"
        bad.settimeout(10)
        rest = b""
        while True:
            d = bad.recv(4096)
            if not d:
                break
            rest += d
        assert rest == b"\x05\x00" + V5_FAIL(1)
        good.sendall(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        r = rd.response()
        assert r.status == 200 and r.body == b"origin GET /b\n"
    finally:
        good.close()
        bad.close()
    assert p.wait_log(r"Bad SOCKS5 handshake from 127\.0\.0\.1: ")


def test_socks_bytes_after_http_request_are_http(fwproxy, world):
    # Only a connection's first byte picks the protocol: on a kept HTTP
    # connection the same bytes are a malformed HTTP request.
    p = fwproxy()
    with fwtest.connect(p.port) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: origin.test\r\n\r\n"
                   % world.origin_url()).encode())
        rd = fwtest.Reader(s)
        assert rd.response().status == 200
        s.sendall(NO_AUTH + v5_connect("origin.test", world.origin.port)
                  + b"\r\n\r\n")
        r = rd.response()
        assert r.status == 400
    assert world.origin.wait_requests(1)
    assert len(world.origin.requests) == 1
