"""Timeout, MaxClients and Allow/Deny by client address."""

import time

import fwtest


def test_timeout_closes_idle_client(fwproxy):
    p = fwproxy("Timeout 1")
    with fwtest.connect(p.port) as s:
        data, elapsed = fwtest.until_closed(s, 6)
    assert elapsed is not None, "idle connection still open after 6 s"
    assert 0.5 <= elapsed <= 4, elapsed
    assert data == b"" or data.startswith(b"HTTP/1.1 408"), data


def test_timeout_closes_idle_keepalive(fwproxy, world):
    p = fwproxy("Timeout 1")
    with fwtest.connect(p.port) as s:
        s.sendall(("GET http://t.test:%d/x HTTP/1.1\r\nHost: t.test\r\n\r\n"
                   % world.origin.port).encode())
        rd = fwtest.Reader(s)
        assert rd.response().status == 200
        data, elapsed = fwtest.until_closed(s, 6)
    assert elapsed is not None and elapsed <= 4, elapsed
    assert data == b"" and rd.buf == b""


def test_active_transfer_not_cut_by_timeout(fwproxy, world):
    # The origin answers after 1.5 s; the client waits, not idle by choice.
    p = fwproxy("Timeout 3")
    r = fwtest.exchange(p.port, ("GET http://t.test:%d/sleep/1.5 HTTP/1.1\r\n"
                                 "Host: t.test\r\n\r\n" % world.origin.port).encode())
    assert r.status == 200 and r.body == b"slept\n"


def test_max_clients_plus_one_gets_503(fwproxy, world):
    p = fwproxy("MaxClients 2")
    # The fixture's readiness probe must be closed and counted out first.
    time.sleep(0.3)
    held = [fwtest.connect(p.port) for _ in range(2)]
    try:
        # Both held connections are accepted before the third arrives.
        for s in held:
            s.sendall(b"GET http://h.test:%d/held HTTP/1.1\r\n" % world.origin.port)
        time.sleep(0.3)
        t0 = time.monotonic()
        data = fwtest.send_and_read_all(
            p.port, ("GET http://h.test:%d/x HTTP/1.1\r\nHost: h.test\r\n\r\n"
                     % world.origin.port).encode(), timeout=5)
        elapsed = time.monotonic() - t0
        assert data.startswith(b"HTTP/1.1 503"), data
        assert b"(MaxClients)" in data, data
        assert elapsed < 2, elapsed
        # The held clients are still served.
        held[0].sendall(b"Host: h.test\r\n\r\n")
        r = fwtest.Reader(held[0]).response()
        assert r.status == 200 and r.body == b"origin GET /held\n"
    finally:
        for s in held:
            s.close()
    # Once they are gone, new clients are served again.
    time.sleep(0.3)
    r = fwtest.exchange(p.port, ("GET http://h.test:%d/after HTTP/1.1\r\n"
                                 "Host: h.test\r\n\r\n" % world.origin.port).encode())
    assert r.status == 200
    assert not any(q.target == "/x" for q in world.origin.requests)


def request_from(p, world, source):
    try:
        return fwtest.send_and_read_all_from(p.port, source, (
            "GET http://acl.test:%d/from-%s HTTP/1.1\r\nHost: acl.test\r\n"
            "Connection: close\r\n\r\n" % (world.origin.port, source)).encode())
    except ConnectionResetError:
        return b""


def test_allow_by_client_address(fwproxy, world):
    p = fwproxy("Allow 127.0.0.2")
    ok = request_from(p, world, "127.0.0.2")
    assert ok.startswith(b"HTTP/1.1 200"), ok
    no = request_from(p, world, "127.0.0.1")
    assert not no.startswith(b"HTTP/1.1 200"), no
    assert no == b"" or no.startswith(b"HTTP/1.1 403"), no
    assert [r.target for r in world.origin.requests] == ["/from-127.0.0.2"]
    assert p.wait_log(r"127\.0\.0\.1"), p.log_text()


def test_deny_by_client_address(fwproxy, world):
    p = fwproxy("Deny 127.0.0.2\nAllow 127.0.0.0/8")
    assert request_from(p, world, "127.0.0.1").startswith(b"HTTP/1.1 200")
    no = request_from(p, world, "127.0.0.2")
    assert not no.startswith(b"HTTP/1.1 200"), no
    assert [r.target for r in world.origin.requests] == ["/from-127.0.0.1"]


def test_allow_list_without_match_denies(fwproxy, world):
    p = fwproxy("Allow 10.137.0.0/16")
    no = request_from(p, world, "127.0.0.1")
    assert not no.startswith(b"HTTP/1.1 200"), no
    assert world.origin.requests == []
