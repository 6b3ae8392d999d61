"""Persistent client connections: reuse seen from curl, pipelining,
HTTP/1.0 and Connection: close."""

import re
import subprocess
import time

import fwtest


def curl_many(p, urls, extra=()):
    cmd = ["curl", "-sv", "--max-time", "20", "-x", "http://127.0.0.1:%d" % p.port,
           "-w", "::%{http_code} %{num_connects}::\n", *extra]
    for u in urls:
        cmd += ["-o", "/dev/null", u]
    cp = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    results = [tuple(map(int, m)) for m in re.findall(r"::(\d+) (\d+)::", cp.stdout)]
    return results, cp.stderr


def test_curl_reuses_connection_same_host(fwproxy, world):
    p = fwproxy()
    urls = [world.origin_url("ka.test", "/one"), world.origin_url("ka.test", "/two")]
    results, err = curl_many(p, urls)
    assert results == [(200, 1), (200, 0)], (results, err)
    assert "Re-using existing connection" in err or "Reusing existing connection" in err
    assert [r.target for r in world.origin.requests] == ["/one", "/two"]


def test_curl_reuses_connection_across_hosts(fwproxy, world):
    p = fwproxy()
    urls = [world.origin_url("a.test", "/1"), world.nginx_url("/index.html"),
            world.origin_url("b.test", "/3")]
    results, err = curl_many(p, urls)
    assert results == [(200, 1), (200, 0), (200, 0)], (results, err)


def test_origin_connection_reused(fwproxy, world):
    p = fwproxy()
    urls = [world.origin_url("ka.test", "/%d" % i) for i in range(5)]
    results, err = curl_many(p, urls)
    assert [r[0] for r in results] == [200] * 5
    assert world.origin.connections == 1, world.origin.connections


def test_pipelined_requests_answered_in_order(fwproxy, world):
    p = fwproxy()
    port = world.origin.port
    paths = ["/sleep/0.3", "/first", "/echo", "/status/404", "/last"]
    raw = b"".join(("GET http://pipe.test:%d%s HTTP/1.1\r\nHost: pipe.test\r\n\r\n"
                    % (port, path)).encode() for path in paths)
    with fwtest.connect(p.port) as s:
        s.sendall(raw)
        rd = fwtest.Reader(s)
        got = [rd.response() for _ in paths]
    assert [r.status for r in got] == [200, 200, 200, 404, 200]
    assert got[0].body == b"slept\n"
    assert got[1].body == b"origin GET /first\n"
    assert b'"target": "/echo"' in got[2].body
    assert got[4].body == b"origin GET /last\n"


def test_http10_closes(fwproxy, world):
    p = fwproxy()
    data = fwtest.send_and_read_all(
        p.port, ("GET http://old.test:%d/x HTTP/1.0\r\n\r\n"
                 % world.origin.port).encode(), timeout=5)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1."), data
    assert b" 200 " in head.split(b"\r\n")[0]
    assert body == b"origin GET /x\n", data


def test_connection_close_honoured(fwproxy, world):
    p = fwproxy()
    t0 = time.monotonic()
    data = fwtest.send_and_read_all(
        p.port, ("GET http://c.test:%d/x HTTP/1.1\r\nHost: c.test\r\n"
                 "Connection: close\r\n\r\n" % world.origin.port).encode(), timeout=5)
    assert time.monotonic() - t0 < 4, "connection not closed after the response"
    assert data.endswith(b"origin GET /x\n"), data
    assert b"connection: close" in data.lower()


def test_keepalive_survives_error_responses(fwproxy, world):
    p = fwproxy(rules="^blocked\\.test$\n")
    port = world.origin.port
    with fwtest.connect(p.port) as s:
        rd = fwtest.Reader(s)
        s.sendall(("GET http://ok.test:%d/a HTTP/1.1\r\nHost: ok.test\r\n\r\n"
                   % port).encode())
        assert rd.response().status == 200
        s.sendall(("GET http://ok.test:%d/status/500 HTTP/1.1\r\nHost: ok.test\r\n\r\n"
                   % port).encode())
        assert rd.response().status == 500
        s.sendall(("GET http://ok.test:%d/b HTTP/1.1\r\nHost: ok.test\r\n\r\n"
                   % port).encode())
        r = rd.response()
        assert r.status == 200 and r.body == b"origin GET /b\n"
