"""Name resolution through dnsmasq (DNSServer), every address tried,
destination checks on the resolved address, unknown names."""

import time

import fwtest
import peers
from peers import ORIGIN_ADDR
from fwtest import curl


def dns_log(world):
    with open(world.dns.log) as f:
        return f.read()


def test_names_resolved_by_configured_server(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.nginx_url("/index.html"), tmp=tmp_path)
    assert r.status == 200 and b"hello from nginx" in r.body, r
    r = curl(p, world.origin_url("resolved-here.test", "/x"), tmp=tmp_path)
    assert r.status == 200 and r.text == "origin GET /x\n", r
    assert fwtest.wait_for(lambda: "resolved-here.test" in dns_log(world), 3)


def test_second_address_used_when_first_refuses(fwproxy, world, tmp_path):
    p = fwproxy()
    for i in range(5):
        r = curl(p, world.origin_url("two.test", "/try%d" % i), tmp=tmp_path)
        assert r.status == 200, (i, r)
        assert r.text == "origin GET /try%d\n" % i


def test_only_refusing_address_gives_error_page(fwproxy, world, tmp_path):
    p = fwproxy()
    t0 = time.monotonic()
    r = curl(p, world.origin_url("dead.test", "/x"), tmp=tmp_path)
    assert time.monotonic() - t0 < 5
    assert r.status in (502, 503, 504), r
    assert "dead.test" in r.text


def test_loopback_destination_refused_by_default(fwproxy, world, tmp_path):
    p = fwproxy(allow_destination=False)
    nginx_before = world.nginx.access_log()
    for url in (world.origin_url("origin.test", "/secret"),
                "http://%s:%d/secret" % (ORIGIN_ADDR, world.origin.port),
                world.nginx_url("/index.html")):
        r = curl(p, url, tmp=tmp_path)
        assert r.status in (403, 502), (url, r)
    assert world.origin.requests == []
    assert world.nginx.access_log() == nginx_before


def test_loopback_connect_refused_by_default(fwproxy, world):
    p = fwproxy(allow_destination=False)
    r = fwtest.exchange(p.port, ("CONNECT origin.test:%d HTTP/1.1\r\nHost: x\r\n\r\n"
                                 % world.origin.port).encode())
    assert r.status in (403, 502), r
    assert world.origin.connections == 0


def test_allow_destination_is_exact(fwproxy, world, tmp_path):
    p = fwproxy("AllowDestination %s/32" % ORIGIN_ADDR, allow_destination=False)
    assert curl(p, world.origin_url("o.test", "/ok"), tmp=tmp_path).status == 200
    assert curl(p, world.nginx_url("/index.html"), tmp=tmp_path).status in (403, 502)
    # two.test has 127.0.0.9 (not allowed) and ORIGIN_ADDR (allowed).
    r = curl(p, world.origin_url("two.test", "/two"), tmp=tmp_path)
    assert r.status == 200, r


def test_unknown_name_error_page(fwproxy, world, tmp_path):
    p = fwproxy()
    t0 = time.monotonic()
    r = curl(p, "http://no-such-name.invalid/", tmp=tmp_path)
    assert time.monotonic() - t0 < 5
    assert r.status in (502, 503, 504), r
    assert "no-such-name.invalid" in r.text
    assert p.wait_log(r"no-such-name\.invalid"), p.log_text()


def test_unknown_name_connect(fwproxy, world):
    p = fwproxy()
    r = fwtest.exchange(p.port, b"CONNECT no-such-name.invalid:443 HTTP/1.1\r\n"
                                b"Host: no-such-name.invalid:443\r\n\r\n")
    assert r.status in (502, 503, 504), r


def test_dns_server_refusing_aaaa(fwproxy, world, tmp_path):
    # A server that answers A but REFUSED for AAAA must not stall requests.
    dns = peers.Dns(tmp_path / "dns2", {}, ORIGIN_ADDR, local=False)
    try:
        p = fwproxy(dns_port=dns.port)
        t0 = time.monotonic()
        r = curl(p, world.origin_url("aaaa.test", "/x"), tmp=tmp_path, timeout=10)
        assert r.status == 200, r
        assert time.monotonic() - t0 < 5
    finally:
        dns.stop()


def test_dns_server_down(fwproxy, world, tmp_path):
    p = fwproxy("DNSTimeout 2", dns_port=peers.free_udp_port())
    t0 = time.monotonic()
    r = curl(p, world.origin_url("down.test", "/x"), tmp=tmp_path, timeout=15)
    assert r.status in (502, 503, 504), r
    assert time.monotonic() - t0 < 6
