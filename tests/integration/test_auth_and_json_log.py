"""BasicAuth (407 and the credentials never forwarded) and LogFormat json."""

import base64
import json

import fwtest


def test_basic_auth_required_and_accepted(fwproxy, world):
    p = fwproxy('BasicAuth alice s3cret\nBasicAuthRealm "corp"')
    url = world.origin_url("a.test", "/auth")
    r = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: a.test\r\n\r\n"
                                 % url).encode())
    assert r.status == 407
    assert r.header("Proxy-Authenticate") == 'Basic realm="corp"'
    wrong = base64.b64encode(b"alice:wrong").decode()
    r = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: a.test\r\n"
                                 "Proxy-Authorization: Basic %s\r\n\r\n"
                                 % (url, wrong)).encode())
    assert r.status == 407
    assert not world.origin.requests
    good = base64.b64encode(b"alice:s3cret").decode()
    r = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: a.test\r\n"
                                 "Proxy-Authorization: Basic %s\r\n\r\n"
                                 % (url, good)).encode())
    assert r.status == 200
    assert len(world.origin.requests) == 1
    seen = world.origin.requests[0]
    assert seen.header("Proxy-Authorization") is None


def test_json_log_lines(fwproxy, world):
    p = fwproxy("LogFormat json\nFilterDefaultDeny Yes",
                rules="^ok\\.test$\n")
    ok = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
                                  % world.origin_url("ok.test", "/j")).encode())
    assert ok.status == 200
    no = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n"
                                  % world.origin_url("no.test", "/j")).encode())
    assert no.status == 403
    assert p.wait_log(r'"event":"refused"')
    objects = [json.loads(line) for line in p.log_text().splitlines() if line]
    assert all({"time", "level", "pid"} <= o.keys() for o in objects)
    requests = [o for o in objects if o.get("event") == "request"]
    refused = [o for o in objects if o.get("event") == "refused"]
    assert any(o["host"] == "ok.test" and o["status"] == 200 and
               o["rule"].endswith(":1") and o["down"] > 0 for o in requests)
    assert len(refused) == 1
    r = refused[0]
    assert (r["host"], r["port"], r["client"], r["method"], r["rule"]) == \
        ("no.test", world.origin.port, "127.0.0.1", "GET", "default")
