"""Bodies forwarded byte-exact: 100 MiB chunked upload and download,
Content-Length bodies, close-delimited responses, HEAD/204/304."""

import hashlib
import json
import socket
import time

import pytest

import fwtest
import hostile
from fwtest import curl, sha256_file

BIG = 100 << 20


def test_chunked_upload_100mib(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("up.test", "/upload"), "-T", world.big,
             "-H", "Transfer-Encoding: chunked", "-H", "Expect:",
             tmp=tmp_path, timeout=120)
    assert r.status == 200, r
    seen = json.loads(r.text)
    assert seen["method"] == "PUT"
    assert seen["body_len"] == BIG
    assert seen["body_sha256"] == world.big_sha256
    req = world.origin.requests[-1]
    assert req.chunked, req.headers
    assert req.header("Content-Length") is None


def test_content_length_upload_100mib(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("up.test", "/upload"), "-X", "POST",
             "--data-binary", "@" + world.big, "-H", "Expect:",
             tmp=tmp_path, timeout=120)
    assert r.status == 200, r
    seen = json.loads(r.text)
    assert (seen["body_len"], seen["body_sha256"]) == (BIG, world.big_sha256)
    req = world.origin.requests[-1]
    assert req.header("Content-Length") == str(BIG)
    assert not req.chunked


def test_expect_100_continue_upload(fwproxy, world, tmp_path):
    p = fwproxy()
    data = tmp_path / "small.bin"
    data.write_bytes(b"x" * 200000)
    r = curl(p, world.origin_url("up.test", "/upload"), "--data-binary",
             "@%s" % data, "-H", "Expect: 100-continue", tmp=tmp_path)
    assert r.status == 200, r
    assert json.loads(r.text)["body_sha256"] == hashlib.sha256(b"x" * 200000).hexdigest()


def test_chunked_download_100mib(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("down.test", "/chunked/big"), tmp=tmp_path,
             timeout=120)
    assert r.status == 200, r
    assert r.header("transfer-encoding") == "chunked" or r.header("content-length") is None
    assert sha256_file(r.body_path) == world.big_sha256


def test_nginx_chunked_ssi(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.nginx_url("/ssi/page.txt"), tmp=tmp_path)
    assert r.status == 200, r
    assert (r.header("transfer-encoding") or "").lower() == "chunked"
    assert r.body == world.nginx.ssi_expected


def test_nginx_static_content_length_100mib(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.nginx_url("/big.bin"), tmp=tmp_path, timeout=120)
    assert r.status == 200, r
    assert r.header("content-length") == str(BIG)
    assert sha256_file(r.body_path) == world.big_sha256


def test_close_delimited_response(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("close.test", "/close"), tmp=tmp_path)
    assert r.status == 200, r
    assert r.body == b"body until close\n"


def test_chunked_request_with_extensions_and_trailers(fwproxy, world):
    p = fwproxy()
    raw = ("POST http://ch.test:%d/upload HTTP/1.1\r\nHost: ch.test\r\n"
           "Transfer-Encoding: chunked\r\n\r\n"
           "5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n"
           "0\r\nX-Trailer: t\r\n\r\n" % world.origin.port).encode()
    r = fwtest.exchange(p.port, raw)
    assert r.status == 200, r
    seen = json.loads(r.body)
    assert seen["body_len"] == 11
    assert seen["body_sha256"] == hashlib.sha256(b"hello world").hexdigest()


def test_head_204_304_have_no_body(fwproxy, world):
    p = fwproxy()
    port = world.origin.port
    reqs = [("HEAD", "/chunked/big"), ("HEAD", "/sized"), ("GET", "/status/204"),
            ("GET", "/status/304"), ("GET", "/after")]
    raw = b"".join(("%s http://nb.test:%d%s HTTP/1.1\r\nHost: nb.test\r\n\r\n"
                    % (m, port, path)).encode() for m, path in reqs)
    with fwtest.connect(p.port) as s:
        s.sendall(raw)
        rd = fwtest.Reader(s)
        got = [rd.response(head_request=(m == "HEAD")) for m, _ in reqs]
    assert [r.status for r in got] == [200, 200, 204, 304, 200]
    assert got[1].header("Content-Length") == str(len("origin HEAD /sized\n"))
    assert all(r.body == b"" for r in got[:4])
    assert got[4].body == b"origin GET /after\n"


def test_many_small_bodies_on_one_connection(fwproxy, world):
    p = fwproxy()
    port = world.origin.port
    with fwtest.connect(p.port) as s:
        rd = fwtest.Reader(s)
        for i in range(1, 50):
            body = bytes([i]) * (i * 37)
            s.sendall(("POST http://nb.test:%d/upload HTTP/1.1\r\nHost: nb.test\r\n"
                       "Content-Length: %d\r\n\r\n" % (port, len(body))).encode() + body)
            r = rd.response()
            assert r.status == 200
            seen = json.loads(r.body)
            assert seen["body_len"] == len(body)
            assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()


def test_empty_body_keeps_content_length_zero(fwproxy, world):
    # Origins such as nginx answer 411 to a POST without a length.
    p = fwproxy()
    r = fwtest.exchange(p.port, ("POST http://e.test:%d/upload HTTP/1.1\r\n"
                                 "Host: e.test\r\nContent-Length: 0\r\n\r\n"
                                 % world.origin.port).encode())
    assert r.status == 200, r
    req = world.origin.requests[-1]
    assert req.header("Content-Length") == "0", req.headers


@pytest.mark.parametrize("tunnel", [False, True], ids=["plain", "connect"])
def test_client_that_stops_reading_costs_no_cpu(fwproxy, world, tunnel):
    """A fast origin and a client that stops reading fill the socket
    buffers and the splice pipe; the proxy then waits for the client. It
    used to keep polling the origin's readable socket and spin."""
    p = fwproxy()
    worker = hostile.worker_pid(p)
    s = fwtest.connect(p.port, timeout=60)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    if tunnel:
        authority = "nginx.test:%d" % world.nginx.port
        s.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" %
                   (authority, authority)).encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += s.recv(1)
        assert reply.startswith(b"HTTP/1.1 200"), reply
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: nginx.test\r\n\r\n")
    else:
        s.sendall(("GET %s HTTP/1.1\r\nHost: nginx.test\r\n\r\n" %
                   world.nginx_url("/big.bin")).encode())
    data = bytearray()
    while len(data) < 1 << 20:
        data += s.recv(65536)
    # Let every buffer on the way fill up, then watch the proxy wait.
    time.sleep(1)
    before = hostile.cpu_seconds(worker)
    time.sleep(2)
    used = hostile.cpu_seconds(worker) - before
    assert used < 0.5, "the proxy used %.2f s of CPU in 2 s" % used
    # The download then completes byte-exact.
    head_len = data.index(b"\r\n\r\n") + 4
    assert data.startswith(b"HTTP/1.1 200 ")
    while len(data) < head_len + BIG:
        chunk = s.recv(1 << 20)
        assert chunk, "closed after %d body bytes" % (len(data) - head_len)
        data += chunk
    s.close()
    body = bytes(data[head_len:])
    assert len(body) == BIG
    assert hashlib.sha256(body).hexdigest() == world.big_sha256
