"""The Info line of a finished request, as fwproxy(8) shows it: up= is
the request body sent on, down= the response body relayed (heads not
counted); for a tunnel, the bytes relayed each way."""

import re

from fwtest import curl

LINE = (r'Request 127\.0\.0\.1 "%s %s" (\d+) up=(\d+) down=(\d+) (\d+)ms '
        r'rule=(\S+)')


def request_line(p, method, target):
    m = p.wait_log(LINE % (re.escape(method), re.escape(target)))
    assert m, p.log_text()
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def test_get_counts_no_upload(fwproxy, world, tmp_path):
    p = fwproxy()
    url = world.origin_url(path="/page")
    r = curl(p, url, tmp=tmp_path)
    assert r.status == 200
    assert request_line(p, "GET", url) == (200, 0, len(r.body))


def test_post_counts_the_request_body(fwproxy, world, tmp_path):
    p = fwproxy()
    url = world.origin_url(path="/upload")
    data = "x" * 1000
    r = curl(p, url, "--data-binary", data, tmp=tmp_path)
    assert r.status == 200
    assert request_line(p, "POST", url) == (200, len(data), len(r.body))


def test_tunnel_counts_both_ways(fwproxy, world, tmp_path):
    p = fwproxy("ConnectPort %d" % world.nginx.tls_port)
    r = curl(p, "https://tls.test:%d/who" % world.nginx.tls_port,
             tmp=tmp_path, cacert=world.certs["ca"])
    assert r.status == 200
    status, up, down = request_line(
        p, "CONNECT", "tls.test:%d" % world.nginx.tls_port)
    # TLS records: more than the page, both ways.
    assert status == 200 and up > 100 and down > len(r.body), (up, down)


def test_own_pages_count_nothing(fwproxy, world, tmp_path):
    p = fwproxy(rules="^allowed\\.test$\n", directives="FilterDefaultDeny Yes")
    url = world.origin_url("refused.test")
    r = curl(p, url, tmp=tmp_path)
    assert r.status == 403 and len(r.body) > 0
    assert request_line(p, "GET", url) == (403, 0, 0)
