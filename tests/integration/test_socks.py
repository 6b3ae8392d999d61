"""SOCKS5, SOCKS4a and SOCKS4 on the HTTP port, with real clients (curl,
PySocks): decided by the same rules, logged, counted and relayed as a
CONNECT is."""

import json
import re
import struct
import subprocess

import pytest

import fwtest
from fwtest import curl, sha256_file
from peers import NGINX_ADDR


def socks_curl(proxy_url, url, *args, timeout=20):
    """curl through a SOCKS proxy URL; returns (rc, stdout, stderr)."""
    cp = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "-x",
                         proxy_url, *args, url], capture_output=True,
                        timeout=timeout + 10, stdin=subprocess.DEVNULL)
    return (cp.returncode, cp.stdout.decode("utf-8", "replace"),
            cp.stderr.decode("utf-8", "replace"))


NGINX_INDEX = "<html><body>hello from nginx</body></html>\n"
ALLOW_NGINX = "FilterDefaultDeny Yes\nFilterType domain"


@pytest.mark.parametrize("scheme,protocol", [("socks5h", "SOCKS5"),
                                             ("socks4a", "SOCKS4a")])
def test_by_name_allowed_and_logged(fwproxy, world, scheme, protocol):
    p = fwproxy(ALLOW_NGINX, rules="nginx.test\n")
    rc, out, err = socks_curl("%s://127.0.0.1:%d" % (scheme, p.port),
                              world.nginx_url("/index.html"))
    assert rc == 0, err
    assert out == NGINX_INDEX
    # The request line of the log names the protocol, as a CONNECT's does.
    assert p.wait_log(r'Request 127\.0\.0\.1 "%s nginx\.test:%d" 200 up=\d+ '
                      r'down=\d+ \d+ms rule=\S+filter:1'
                      % (protocol, world.nginx.port)), p.log_text()


def test_socks5_by_ip_decided_as_ip_literal(fwproxy, world):
    # curl resolves the name itself with socks5://: the proxy sees an IP.
    p = fwproxy(ALLOW_NGINX, rules="%s\n" % NGINX_ADDR)
    rc, out, err = socks_curl("socks5://127.0.0.1:%d" % p.port,
                              world.nginx_url("/index.html"),
                              "--resolve", "nginx.test:%d:%s"
                              % (world.nginx.port, NGINX_ADDR))
    assert rc == 0, err
    assert out == NGINX_INDEX
    assert p.wait_log(r'"SOCKS5 %s:%d" 200' % (re.escape(NGINX_ADDR),
                                               world.nginx.port))
    # The same IP by name is a different host to the rules.
    rc, out, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                              world.nginx_url("/index.html"))
    assert rc != 0
    assert p.wait_log(r'Proxying refused on filtered domain "nginx\.test" '
                      r'\(client 127\.0\.0\.1, SOCKS5 nginx\.test:%d, rule '
                      r'default\)' % world.nginx.port), p.log_text()


def test_socks4_by_ip(fwproxy, world):
    p = fwproxy(ALLOW_NGINX, rules="%s\n" % NGINX_ADDR)
    rc, out, err = socks_curl("socks4://127.0.0.1:%d" % p.port,
                              "http://%s:%d/index.html"
                              % (NGINX_ADDR, world.nginx.port))
    assert rc == 0, err
    assert out == NGINX_INDEX
    assert p.wait_log(r'"SOCKS4 %s:%d" 200' % (re.escape(NGINX_ADDR),
                                               world.nginx.port))


def test_refused_name_counted_on_stats_page(fwproxy, world, tmp_path):
    p = fwproxy(ALLOW_NGINX + '\nStatHost "fwproxy.stats"',
                rules="nginx.test\n")
    for _ in range(2):
        rc, _, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                                world.origin_url("other.test"))
        assert rc == 97, err  # curl: the proxy refused the request
    assert origin_untouched(world)
    page = curl(p, "http://fwproxy.stats/", tmp=tmp_path)
    assert page.status == 200
    assert re.search(r'<td id="refused">2</td>', page.text), page.text
    assert re.search(r'<tr class="refused"><td>other\.test</td><td>%d</td>'
                     r'<td>SOCKS5</td><td>2</td>' % world.origin.port,
                     page.text), page.text
    assert re.search(r'<td id="reqs">3</td>', page.text), page.text


def origin_untouched(world):
    return world.origin.connections == 0


def test_connect_port_applies(fwproxy, world):
    p = fwproxy("ConnectPort 443")
    rc, _, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                            world.nginx_url("/index.html"))
    assert rc == 97, err
    assert p.wait_log(r"Refused SOCKS5 to nginx\.test:%d from 127\.0\.0\.1: "
                      r"port not allowed by ConnectPort" % world.nginx.port)


def test_destination_safety(fwproxy, world):
    # Without AllowDestination, loopback is refused on the resolved
    # address, whether named or given as an IP.
    p = fwproxy(allow_destination=False)
    for url in (world.nginx_url("/"), "http://%s:%d/" % (NGINX_ADDR,
                                                         world.nginx.port)):
        rc, _, err = socks_curl("socks5h://127.0.0.1:%d" % p.port, url)
        assert rc == 97, (url, err)
    assert p.wait_log(r"Refused destination nginx\.test:%d for 127\.0\.0\.1"
                      % world.nginx.port)
    assert p.wait_log(r"Refused destination %s:%d for 127\.0\.0\.1"
                      % (re.escape(NGINX_ADDR), world.nginx.port))


def test_basic_auth(fwproxy, world):
    p = fwproxy('BasicAuth alice "s3cret"')
    url = world.nginx_url("/index.html")
    proxy = "socks5h://127.0.0.1:%d" % p.port
    rc, out, err = socks_curl(proxy, url, "-U", "alice:s3cret")
    assert rc == 0 and out == NGINX_INDEX, err
    rc, _, err = socks_curl(proxy, url, "-U", "alice:wrong")
    assert rc == 97, err
    assert p.wait_log(r"Proxy authentication failed for 127\.0\.0\.1")
    rc, _, err = socks_curl(proxy, url)
    assert rc == 97, err
    assert p.wait_log(r"Proxy authentication required for 127\.0\.0\.1: "
                      r"SOCKS5 client offers no username/password method")
    rc, _, err = socks_curl("socks4a://127.0.0.1:%d" % p.port, url)
    assert rc == 97, err
    assert p.wait_log(r"SOCKS4a has no password, use SOCKS5")


def test_unreachable_and_unknown_names(fwproxy, world):
    p = fwproxy()
    proxy = "socks5h://127.0.0.1:%d" % p.port
    # curl prints the reply code: 5 connection refused, 4 host unreachable.
    rc, _, err = socks_curl(proxy, "http://dead.test:%d/" % world.nginx.port)
    assert rc == 97 and "(5)" in err, err
    rc, _, err = socks_curl(proxy, "http://nowhere.invalid/")
    assert rc == 97 and "(4)" in err, err
    assert p.wait_log(r"cannot resolve nowhere\.invalid")


def test_big_download_through_tunnel(fwproxy, world, tmp_path):
    p = fwproxy()
    out = tmp_path / "big"
    rc, _, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                            "https://tls.test:%d/big.bin" % world.nginx.tls_port,
                            "--cacert", world.certs["ca"], "-o", str(out),
                            timeout=120)
    assert rc == 0, err
    assert sha256_file(str(out)) == world.big_sha256


def test_http_still_served_beside_socks(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.nginx_url("/index.html"), tmp=tmp_path)
    assert r.status == 200 and r.text == NGINX_INDEX
    rc, out, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                              world.nginx_url("/index.html"))
    assert rc == 0 and out == NGINX_INDEX, err


def test_pysocks(fwproxy, world):
    socks = pytest.importorskip("socks")
    p = fwproxy(ALLOW_NGINX, rules="nginx.test\n")
    for version in (socks.SOCKS5, socks.SOCKS4):
        s = socks.socksocket()
        s.set_proxy(version, "127.0.0.1", p.port, rdns=True)
        s.settimeout(10)
        s.connect(("nginx.test", world.nginx.port))
        s.sendall(b"GET /index.html HTTP/1.1\r\nHost: nginx.test\r\n"
                  b"Connection: close\r\n\r\n")
        r = fwtest.Reader(s).response()
        s.close()
        assert r.status == 200 and r.body == NGINX_INDEX.encode()
    s = socks.socksocket()
    s.set_proxy(socks.SOCKS5, "127.0.0.1", p.port, rdns=True)
    s.settimeout(10)
    with pytest.raises(socks.GeneralProxyError) as e:
        s.connect(("other.test", 80))
    s.close()
    assert "not allowed by ruleset" in str(e.value)
    assert p.wait_log(r'"other\.test" \(client 127\.0\.0\.1, SOCKS5 '
                      r'other\.test:80, rule default\)')


def test_sni_check_applies_to_socks_tunnels(fwproxy, world, tmp_path):
    # The tunnel is CONNECT's: asking for an allowed name while the TLS
    # ClientHello names another host is domain fronting, refused alike.
    p = fwproxy(ALLOW_NGINX + "\nConnectSNICheck yes",
                rules="nginx.test\n")
    rc, _, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                            "https://tls.test:%d/" % world.nginx.tls_port,
                            "--connect-to", "tls.test:%d:nginx.test:%d"
                            % (world.nginx.tls_port, world.nginx.tls_port),
                            "--cacert", world.certs["ca"])
    assert rc != 0, err
    assert p.wait_log(r'Refused SOCKS5 tunnel to nginx\.test:%d from '
                      r'127\.0\.0\.1: the TLS server name "tls\.test"'
                      % world.nginx.tls_port), p.log_text()


def test_through_http_upstream(fwproxy, world):
    # A SOCKS tunnel is a CONNECT to the rules, and to an upstream proxy.
    import peers
    up = peers.HttpProxy(peers.UPSTREAM_ADDR, {"up.test": peers.ORIGIN_ADDR})
    try:
        p = fwproxy("Upstream http %s:%d" % (peers.UPSTREAM_ADDR, up.port))
        rc, out, err = socks_curl("socks5h://127.0.0.1:%d" % p.port,
                                  world.origin_url("up.test", "/via-up"))
        assert rc == 0, err
        assert out == "origin GET /via-up\n"
        assert [q.method + " " + q.target for q in up.seen] == \
            ["CONNECT up.test:%d" % world.origin.port]
    finally:
        up.stop()


def test_ipv6_address_refused_by_destination_policy(fwproxy, world):
    # SOCKS5 address type 4: decided as the IP literal ::1, then refused
    # as loopback (AllowDestination admits only 127.0.0.0/8 here).
    p = fwproxy()
    req = (b"\x05\x01\x00" + b"\x05\x01\x00\x04" + b"\x00" * 15 + b"\x01"
           + struct.pack(">H", world.origin.port))
    out = fwtest.send_and_read_all(p.port, req)
    assert out == b"\x05\x00" + bytes([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])
    assert p.wait_log(r"Refused destination ::1:%d for 127\.0\.0\.1"
                      % world.origin.port), p.log_text()


def test_json_log_and_learn_mode(fwproxy, world):
    p = fwproxy(ALLOW_NGINX + "\nLogFormat json\nFilterMode learn",
                rules="nginx.test\n")
    rc, out, err = socks_curl("socks4a://127.0.0.1:%d" % p.port,
                              world.origin_url("learn.test", "/l"))
    assert rc == 0 and out == "origin GET /l\n", err
    line = p.wait_log(r'\{[^\n]*"event":"would-refuse"[^\n]*\}')
    assert line, p.log_text()
    ev = json.loads(line.group(0))
    assert (ev["method"], ev["host"], ev["port"], ev["url"]) == \
        ("SOCKS4a", "learn.test", world.origin.port,
         "learn.test:%d" % world.origin.port)
