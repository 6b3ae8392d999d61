"""Upstream proxies: http (to a tiny Python proxy and to a second fwproxy),
socks5, site specs and Upstream none."""

import json

import pytest

import peers
from peers import NGINX_ADDR, ORIGIN_ADDR
from fwtest import curl

UP_ADDR = peers.UPSTREAM_ADDR
NAMES = {"tls.test": NGINX_ADDR}


@pytest.fixture
def http_up(world):
    s = peers.HttpProxy(UP_ADDR, _Names(NAMES))
    yield s
    s.stop()


@pytest.fixture
def socks(world):
    s = peers.Socks5(UP_ADDR, _Names(NAMES))
    yield s
    s.stop()


class _Names(dict):
    """Every .test name not listed is the Python origin."""

    def get(self, k, default=None):
        if k in self:
            return self[k]
        return ORIGIN_ADDR if k.endswith(".test") else default


def test_upstream_http(fwproxy, world, http_up, tmp_path):
    p = fwproxy("Upstream http %s:%d" % (UP_ADDR, http_up.port))
    r = curl(p, world.origin_url("up.test", "/echo"), tmp=tmp_path)
    assert r.status == 200, r
    assert r.header("x-upstream") == "tiny"
    assert [q.target for q in http_up.seen] == [world.origin_url("up.test", "/echo")]
    assert json.loads(r.text)["target"] == "/echo"


def test_upstream_http_with_credentials(fwproxy, world, http_up, tmp_path):
    p = fwproxy("Upstream http user:secret@%s:%d" % (UP_ADDR, http_up.port))
    r = curl(p, world.origin_url("up.test", "/echo"), "-H",
             "Proxy-Authorization: Basic Y2xpZW50OmNyZWQ=", tmp=tmp_path)
    assert r.status == 200, r
    auth = [v for k, v in http_up.seen[-1].headers if k.lower() == "proxy-authorization"]
    assert auth == ["Basic dXNlcjpzZWNyZXQ="], http_up.seen[-1].headers


def test_upstream_http_connect(fwproxy, world, http_up, tmp_path):
    p = fwproxy("Upstream http %s:%d\nConnectPort %d"
                % (UP_ADDR, http_up.port, world.nginx.tls_port))
    r = curl(p, "https://tls.test:%d/who" % world.nginx.tls_port, tmp=tmp_path,
             cacert=world.certs["ca"])
    assert r.status == 200, r
    assert r.text == "tls host=tls.test uri=/who\n"
    assert [(q.method, q.target) for q in http_up.seen] == \
        [("CONNECT", "tls.test:%d" % world.nginx.tls_port)]


def test_upstream_site_spec_and_none(fwproxy, world, http_up, tmp_path):
    p = fwproxy('Upstream http %s:%d ".viaup.test"\nUpstream none "direct.viaup.test"'
                % (UP_ADDR, http_up.port))
    r = curl(p, world.origin_url("a.viaup.test", "/1"), tmp=tmp_path)
    assert r.status == 200 and r.header("x-upstream") == "tiny", r
    r = curl(p, world.origin_url("direct.viaup.test", "/2"), tmp=tmp_path)
    assert r.status == 200 and r.header("x-upstream") is None, r
    r = curl(p, world.origin_url("elsewhere.test", "/3"), tmp=tmp_path)
    assert r.status == 200 and r.header("x-upstream") is None, r
    assert [q.target for q in http_up.seen] == [world.origin_url("a.viaup.test", "/1")]
    assert sorted(q.target for q in world.origin.requests) == ["/1", "/2", "/3"]


def test_upstream_second_fwproxy(fwproxy, world, tmp_path):
    inner = fwproxy(rules="^blocked\\.test$\n")
    outer = fwproxy("Upstream http 127.0.0.1:%d" % inner.port)
    r = curl(outer, world.origin_url("chain.test", "/echo"), tmp=tmp_path)
    assert r.status == 200, r
    vias = [v for k, v in json.loads(r.text)["headers"] if k.lower() == "via"]
    assert len(", ".join(vias).split(",")) == 2, vias
    assert inner.wait_log(r'"GET http://chain\.test:%d/echo"' % world.origin.port), \
        inner.log_text()
    # The inner instance's refusal reaches the client through the outer one.
    r = curl(outer, world.origin_url("blocked.test", "/"), tmp=tmp_path)
    assert r.status == 403
    assert inner.wait_log(r'Proxying refused on filtered domain "blocked\.test"')


def test_upstream_socks5(fwproxy, world, socks, tmp_path):
    p = fwproxy("Upstream socks5 %s:%d" % (UP_ADDR, socks.port))
    r = curl(p, world.origin_url("s5.test", "/echo"), tmp=tmp_path)
    assert r.status == 200, r
    assert len(socks.seen) == 1
    atyp, host, port = socks.seen[0]
    assert port == world.origin.port
    assert (atyp, host) in ((3, "s5.test"), (1, ORIGIN_ADDR)), socks.seen
    assert world.origin.requests[-1].target == "/echo"


def test_upstream_socks5_connect(fwproxy, world, socks, tmp_path):
    p = fwproxy("Upstream socks5 %s:%d\nConnectPort %d"
                % (UP_ADDR, socks.port, world.nginx.tls_port))
    r = curl(p, "https://tls.test:%d/who" % world.nginx.tls_port, tmp=tmp_path,
             cacert=world.certs["ca"])
    assert r.status == 200, r
    assert socks.seen[0][2] == world.nginx.tls_port


def test_upstream_socks5_failure_is_an_error_page(fwproxy, world, socks, tmp_path):
    p = fwproxy("Upstream socks5 %s:%d" % (UP_ADDR, socks.port))
    # The SOCKS server answers "connection refused" for a closed port.
    r = curl(p, "http://closed.test:1/x", tmp=tmp_path)
    assert r.status in (502, 503, 504), r


def test_filter_applies_before_upstream(fwproxy, world, http_up, tmp_path):
    p = fwproxy("Upstream http %s:%d" % (UP_ADDR, http_up.port), rules="^no\\.test$\n")
    r = curl(p, world.origin_url("no.test", "/"), tmp=tmp_path)
    assert r.status == 403
    assert http_up.seen == []
