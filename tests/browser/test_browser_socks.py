"""Chromium with --proxy-server=socks5://: the same proxy port, the same
allow-list. Chromium sends host names to a SOCKS5 proxy (it resolves
nothing itself), so the proxy decides by name; a refusal is a failed
connection in the browser and a SOCKS5 line in the log and on the
StatHost page."""
import os
import re
import types

import pytest

from test_browser import chromium, world  # noqa: F401 (the fixture)
import fwtest  # noqa: E402 (test_browser puts it on the path)


@pytest.fixture(scope="module")
def socks(world):  # noqa: F811
    """The browser world's site and DNS, with a proxy whose ConnectPort
    admits the ports the SOCKS tunnels go to (SOCKS obeys ConnectPort as
    CONNECT does)."""
    proxy = fwtest.start_proxy(
        os.path.join(world.base, "socks-proxy"), rules="^allowed\\.test$\n",
        dns_port=world.dns_port,
        directives='FilterDefaultDeny Yes\nStatHost "fwproxy"\n'
                   "ConnectPort 80\nConnectPort %d\n" % world.site_port)
    try:
        yield types.SimpleNamespace(base=world.base, proxy=proxy,
                                    site_port=world.site_port)
    finally:
        rc = proxy.stop()
    assert rc == 0, proxy.stderr_text()
    assert proxy.sanitizer_report() is None, proxy.sanitizer_report()


def test_allowed_page_through_socks5(socks):
    url = "http://allowed.test:%d/" % socks.site_port
    r = chromium(socks, url, "--dump-dom", scheme="socks5")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Hello from allowed.test" in r.stdout
    assert socks.proxy.wait_log(r'Request 127\.0\.0\.1 "SOCKS5 allowed\.test:%d"'
                                r' 200' % socks.site_port), \
        socks.proxy.log_text()


def test_refused_host_through_socks5(socks):
    r = chromium(socks, "http://socks-blocked.test/", "--dump-dom",
                 scheme="socks5")
    assert "Hello from allowed.test" not in r.stdout
    assert socks.proxy.wait_log(
        r'Proxying refused on filtered domain "socks-blocked\.test" \(client '
        r'127\.0\.0\.1, SOCKS5 socks-blocked\.test:80, rule default\)'), \
        socks.proxy.log_text()
    # The refusal is listed for the person at the browser, with its line.
    page = chromium(socks, "http://fwproxy/", "--dump-dom").stdout
    rows = [r for r in page.split("<tr") if 'class="refused"' in r]
    assert any(re.search(r"<td>socks-blocked\.test</td><td>80</td>"
                         r"<td>SOCKS5</td>", r) for r in rows), page
