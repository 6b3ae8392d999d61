"""What the person at the browser sees, in a real headless Chromium that
uses fwproxy as its proxy: an allowed page, the refusal page for plain
HTTP (the host and the line to add), and the StatHost page listing the
recent refusals, HTTPS ones included, with the lines to add.

Each page is also saved as a screenshot in the test's tmp dir; with
FWPROXY_SCREENSHOTS=1 it is copied to tests/browser/screenshots/, the
pictures the documentation shows (a plain run leaves the checkout as it
was). Run as root (Chromium gets --no-sandbox).
"""
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import fwtest  # noqa: E402
import peers  # noqa: E402

SITE_ADDR = "127.0.0.5"
SHOTS = os.path.join(HERE, "screenshots")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Allowed site</title>
<style>body{font-family:sans-serif;margin:2em}</style></head>
<body><h1>Hello from allowed.test</h1>
<p id="via">This page came through fwproxy.</p></body></html>
"""


class Site(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("no chromium (apt-get install chromium)")
    if not os.access(fwtest.FWPROXY, os.X_OK):
        pytest.skip("no fwproxy binary at %s (set FWPROXY_BIN)"
                    % fwtest.FWPROXY)
    base = tmp_path_factory.mktemp("browser")
    site = http.server.ThreadingHTTPServer((SITE_ADDR, 0), Site)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    dns = peers.Dns(base / "dns", {"allowed.test": [SITE_ADDR]}, SITE_ADDR)
    proxy = fwtest.start_proxy(
        base / "proxy", rules="^allowed\\.test$\n", dns_port=dns.port,
        directives='FilterDefaultDeny Yes\nStatHost "fwproxy"\n'
                   "ConnectPort 443\n")
    w = type("World", (), {})()
    w.base, w.proxy, w.site_port = str(base), proxy, site.server_port
    w.dns_port = dns.port
    try:
        yield w
    finally:
        rc = proxy.stop()
        dns.stop()
        site.shutdown()
    assert rc == 0, proxy.stderr_text()
    assert proxy.sanitizer_report() is None, proxy.sanitizer_report()


def chromium(w, url, *mode, scheme="http"):
    """Runs headless Chromium on url with w.proxy as its proxy, spoken as
    scheme (http, socks5); returns the CompletedProcess."""
    profile = os.path.join(w.base, "profile-%d" % len(os.listdir(w.base)))
    os.makedirs(profile)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync",
           # Fewer of Chromium's own background requests, which the
           # proxy refuses and lists like any other.
           "--disable-extensions", "--disable-default-apps",
           "--disable-domain-reliability", "--no-default-browser-check",
           "--disable-client-side-phishing-detection", "--no-pings",
           "--disable-features=OptimizationHints,Translate,MediaRouter,"
           "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
           "--user-data-dir=" + profile,
           "--proxy-server=%s://127.0.0.1:%d" % (scheme, w.proxy.port),
           "--window-size=1000,700", *mode, url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=90,
                       cwd=w.base)
    shutil.rmtree(profile, ignore_errors=True)
    return r


def dom(w, url):
    r = chromium(w, url, "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def screenshot(w, url, name):
    path = os.path.join(w.base, name)
    r = chromium(w, url, "--screenshot=" + path)
    assert os.path.getsize(path) > 1000, r.stderr[-2000:]
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("FWPROXY_SCREENSHOTS") == "1":
        os.makedirs(SHOTS, exist_ok=True)
        shutil.copy(path, os.path.join(SHOTS, name))


def test_allowed_page(world):
    url = "http://allowed.test:%d/" % world.site_port
    page = dom(world, url)
    assert "Hello from allowed.test" in page
    screenshot(world, url, "allowed.png")


def test_refusal_page_names_the_host_and_the_line_to_add(world):
    page = dom(world, "http://blocked.test/some/page")
    assert "<h1>Filtered</h1>" in page
    assert "<code>blocked.test</code>" in page
    assert "<pre>^blocked\\.test$</pre>" in page
    screenshot(world, "http://blocked.test/some/page", "refused.png")


def test_stathost_lists_https_refusals_with_lines_to_add(world):
    # Browsers show nothing useful for a refused CONNECT ...
    r = chromium(world, "https://secret.test/", "--dump-dom")
    assert "secret.test" not in r.stdout or "Filtered" not in r.stdout
    world.proxy.wait_log(r'refused on filtered domain "secret\.test"')
    # ... so the StatHost page lists it, with the line that allows it.
    page = dom(world, "http://fwproxy/")
    assert "<h2>Recently refused</h2>" in page
    rows = [r for r in page.split("<tr") if 'class="refused"' in r]
    hosts = [r.split("<td>")[1].split("</td>")[0] for r in rows]
    assert "secret.test" in hosts and "blocked.test" in hosts, hosts
    assert "allowed.test" not in hosts
    # One row per host and port: port, method, times, last time, line.
    cells = r"<td>%s</td><td>%s</td><td>(\d+)</td><td>[0-9: -]+ UTC</td>" \
            r"<td><code>%s</code>"
    secret = rows[hosts.index("secret.test")]
    m = re.search(cells % ("443", "CONNECT", re.escape("^secret\\.test$")),
                  secret)
    assert m and int(m.group(1)) >= 1, secret
    blocked = rows[hosts.index("blocked.test")]
    m = re.search(cells % ("80", "GET", re.escape("^blocked\\.test$")),
                  blocked)
    assert m and int(m.group(1)) >= 1, blocked
    pairs = [tuple(r.split("<td>")[i].split("</td>")[0] for i in (1, 2))
             for r in rows]
    assert len(pairs) == len(set(pairs)), pairs
    screenshot(world, "http://fwproxy/", "stathost.png")
