"""What reaches the origin: methods, origin-form, Host, hop-by-hop
headers, Proxy-Authorization, Via, XTinyproxy, AddHeader, Anonymous."""

import hashlib
import json

import fwtest

from fwtest import curl, exchange


def last(world):
    assert world.origin.wait_requests(1)
    return world.origin.requests[-1]


def test_methods_forwarded(fwproxy, world, tmp_path):
    p = fwproxy()
    for method in ("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        world.origin.clear()
        args = ["-X", method]
        data = ("body of %s" % method).encode()
        if method in ("POST", "PUT", "PATCH"):
            args += ["--data-binary", data.decode()]
        r = curl(p, world.origin_url("m.test", "/echo?m=%s" % method), *args,
                 tmp=tmp_path)
        assert r.status == 200, (method, r)
        req = last(world)
        assert req.method == method
        assert req.target == "/echo?m=%s" % method
        assert req.version == "HTTP/1.1"
        seen = json.loads(r.text)
        assert seen["method"] == method
        if method in ("POST", "PUT", "PATCH"):
            assert req.body == data
            assert req.header("Content-Length") == str(len(data))


def test_head_forwarded(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("m.test", "/hello"), "-I", tmp=tmp_path)
    assert r.status == 200, r
    assert last(world).method == "HEAD"
    assert r.header("content-length") == str(len("origin HEAD /hello\n"))
    # No body follows a HEAD response: the next response comes right after.
    raw = ("HEAD http://m.test:%d/hello HTTP/1.1\r\nHost: m.test\r\n\r\n"
           "GET http://m.test:%d/after HTTP/1.1\r\nHost: m.test\r\n\r\n"
           % (world.origin.port, world.origin.port)).encode()
    with fwtest.connect(p.port) as s:
        s.sendall(raw)
        rd = fwtest.Reader(s)
        h = rd.response(head_request=True)
        assert h.status == 200 and h.body == b""
        g = rd.response()
        assert g.status == 200 and g.body == b"origin GET /after\n", g


def test_origin_form_and_host_from_target(fwproxy, world):
    p = fwproxy()
    port = world.origin.port
    r = exchange(p.port, ("GET http://target.test:%d/a/b?c=d HTTP/1.1\r\n"
                          "Host: attacker.test\r\nUser-Agent: raw\r\n\r\n"
                          % port).encode())
    assert r.status == 200, r
    req = last(world)
    assert req.target == "/a/b?c=d"
    hosts = [v for k, v in req.headers if k.lower() == "host"]
    assert hosts == ["target.test:%d" % port], req.headers
    assert req.header("User-Agent") == "raw"


def test_hop_by_hop_and_proxy_authorization_removed(fwproxy, world):
    p = fwproxy()
    raw = ("GET http://hop.test:%d/echo HTTP/1.1\r\n"
           "Host: hop.test\r\n"
           "Connection: keep-alive, X-Named-Hop, x-other-hop\r\n"
           "X-Named-Hop: secret\r\n"
           "X-Other-Hop: secret2\r\n"
           "Keep-Alive: timeout=5\r\n"
           "Proxy-Connection: keep-alive\r\n"
           "TE: trailers\r\n"
           "Trailer: X-T\r\n"
           "Upgrade: websocket\r\n"
           "Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==\r\n"
           "Authorization: Bearer end-to-end\r\n"
           "X-End-To-End: kept\r\n"
           "\r\n" % world.origin.port).encode()
    r = exchange(p.port, raw)
    assert r.status == 200, r
    names = last(world).header_names()
    for gone in ("x-named-hop", "x-other-hop", "keep-alive", "proxy-connection",
                 "te", "trailer", "upgrade", "proxy-authorization"):
        assert gone not in names, (gone, names)
    req = last(world)
    assert req.header("X-End-To-End") == "kept"
    assert req.header("Authorization") == "Bearer end-to-end"
    assert b"dXNlcjpwYXNzd29yZA" not in world.origin.streams[-1]
    conn = req.header("Connection")
    assert conn is None or conn.lower() in ("keep-alive", "close"), conn


def test_hop_by_hop_removed_from_response(fwproxy, world):
    p = fwproxy()
    r = exchange(p.port, ("GET http://hop.test:%d/echo HTTP/1.1\r\n"
                          "Host: hop.test\r\n\r\n" % world.origin.port).encode())
    assert r.status == 200
    assert r.header("X-Origin") == "yes"
    assert r.header("Keep-Alive") is None


def test_via_added_default(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("via.test", "/echo"), "-H", "Via: 1.0 downstream",
             tmp=tmp_path)
    assert r.status == 200
    vias = [v for k, v in last(world).headers if k.lower() == "via"]
    joined = ", ".join(vias)
    assert joined.startswith("1.0 downstream"), vias
    assert "fwproxy" in joined.split(",")[-1], vias


def test_via_proxy_name(fwproxy, world, tmp_path):
    p = fwproxy('ViaProxyName "gateway-7"')
    curl(p, world.origin_url("via.test", "/echo"), tmp=tmp_path)
    vias = [v for k, v in last(world).headers if k.lower() == "via"]
    assert len(vias) == 1 and vias[0].split()[:2] == ["1.1", "gateway-7"], vias


def test_disable_via_header(fwproxy, world, tmp_path):
    p = fwproxy("DisableViaHeader Yes")
    r = curl(p, world.origin_url("via.test", "/echo"), tmp=tmp_path)
    assert r.status == 200
    assert "via" not in last(world).header_names()
    assert r.header("via") is None or "fwproxy" not in r.header("via")


def test_x_tinyproxy(fwproxy, world, tmp_path):
    p = fwproxy("XTinyproxy Yes")
    curl(p, world.origin_url("x.test", "/echo"), tmp=tmp_path)
    assert last(world).header("X-Tinyproxy") == "127.0.0.1"
    world.origin.clear()
    q = fwproxy()
    curl(q, world.origin_url("x.test", "/echo"), tmp=tmp_path)
    assert "x-tinyproxy" not in last(world).header_names()


def test_add_header(fwproxy, world, tmp_path):
    p = fwproxy('AddHeader "X-Added" "value one"\nAddHeader "X-Second" "2"')
    curl(p, world.origin_url("add.test", "/echo"), tmp=tmp_path)
    req = last(world)
    assert req.header("X-Added") == "value one"
    assert req.header("X-Second") == "2"


def test_anonymous_keeps_only_listed_headers(fwproxy, world, tmp_path):
    p = fwproxy('Anonymous "Host"\nAnonymous "Authorization"\nAnonymous "Content-Type"')
    r = curl(p, world.origin_url("anon.test", "/echo"),
             "-H", "Cookie: id=secret", "-H", "Authorization: Basic eDp5",
             "-H", "User-Agent: leaky/1.0", "-H", "X-Custom: leak",
             "--data-binary", "payload", "-H", "Content-Type: text/plain",
             tmp=tmp_path)
    assert r.status == 200, r
    req = last(world)
    names = req.header_names()
    assert "cookie" not in names and "user-agent" not in names
    assert "x-custom" not in names
    assert req.header("Authorization") == "Basic eDp5"
    assert req.header("Content-Type") == "text/plain"
    assert req.header("Host") == "anon.test:%d" % world.origin.port
    # The body still arrives intact: its framing header is not dropped.
    assert req.body == b"payload"
    assert req.body_sha256 == hashlib.sha256(b"payload").hexdigest()


def test_framing_names_with_underscores_are_dropped(fwproxy, world):
    # CGI-style gateways read "Transfer_Encoding" as Transfer-Encoding.
    p = fwproxy()
    r = fwtest.exchange(p.port, (
        "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer_Encoding: chunked\r\ncontent_length: 99\r\n"
        "X_Other: kept\r\n\r\nhello" % world.origin_url("u.test", "/u")).encode())
    assert r.status == 200
    seen = world.origin.requests[-1]
    assert seen.header("Transfer_Encoding") is None
    assert seen.header("content_length") is None
    assert seen.header("X_Other") == "kept"
    assert seen.header("Content-Length") == "5"
