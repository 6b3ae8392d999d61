"""StatHost: the counters page and the recent refusals."""

import re

import fwtest
from fwtest import curl


def counter(text, name):
    m = re.search(r'id="%s">(\d+)<' % name, text)
    assert m, (name, text)
    return int(m.group(1))


def test_stat_page_counters(fwproxy, world, tmp_path):
    p = fwproxy('StatHost "stats.test"', rules="^refused\\.test$\n")
    first = curl(p, "http://stats.test/", tmp=tmp_path)
    assert first.status == 200, first
    assert first.header("content-type").startswith("text/html")
    base = {k: counter(first.text, k) for k in ("reqs", "allowed", "refused")}
    for host in ("a.test", "b.test"):
        assert curl(p, world.origin_url(host), tmp=tmp_path).status == 200
    assert curl(p, world.origin_url("refused.test", "/z"), tmp=tmp_path).status == 403
    page = curl(p, "http://stats.test/", tmp=tmp_path)
    assert page.status == 200
    assert counter(page.text, "allowed") == base["allowed"] + 2
    assert counter(page.text, "refused") == base["refused"] + 1
    assert counter(page.text, "reqs") - base["reqs"] in (3, 4)
    assert counter(page.text, "opens") >= 1
    # The most recent refusals, with the host.
    rows = re.findall(r'<tr class="refused"><td>([^<]*)</td><td>(\d+)</td>', page.text)
    assert rows == [("refused.test", str(world.origin.port))], page.text
    # The stat page is answered by the proxy itself.
    assert not any("stats" in (r.header("Host") or "") for r in world.origin.requests)


def test_stat_page_escapes_refused_host(fwproxy, world, tmp_path):
    p = fwproxy('StatHost "stats.test"\nFilterDefaultDeny Yes', rules="^ok\\.test$\n")
    r = fwtest.exchange(p.port, ("GET http://x--y.test:%d/<b> HTTP/1.1\r\nHost: x\r\n\r\n"
                                 % world.origin.port).encode())
    assert r.status in (400, 403)
    page = curl(p, "http://stats.test/", tmp=tmp_path)
    assert "<b>" not in page.text


def test_stat_host_without_directive_is_forwarded(fwproxy, world, tmp_path):
    p = fwproxy()
    r = curl(p, world.origin_url("stats.test", "/"), tmp=tmp_path)
    assert r.status == 200 and r.text.startswith("origin GET /")
