"""Relative paths in a configuration start from its folder: a folder
holding the config, its rules, pages, log and pid file works from any
current directory, in the background (after the move to "/") and across a
reload under the sandbox."""

import os
import signal
import subprocess

import fwtest
from fwtest import FWPROXY, curl

CONF = """Port {port}
Listen 127.0.0.1
DNSServer "127.0.0.1:{dns}"
AllowDestination 127.0.0.0/8
LogLevel Info
LogFile "log/fwproxy.log"
PidFile "run/fwproxy.pid"
Filter "lists/allow"
FilterExtended Yes
FilterDefaultDeny Yes
ErrorFile 403 "pages/403.html"
DefaultErrorFile "pages/default.html"
StatHost "fwproxy.stats"
StatFile "pages/stats.html"
ConnectPort 443
"""


def make_folder(base, port, dns_port):
    """base/site: the config and every file it names, relatively."""
    site = base / "site"
    for sub in ("log", "run", "lists", "pages"):
        (site / sub).mkdir(parents=True)
    (site / "lists" / "allow").write_text("^allowed\\.test$\n")
    (site / "pages" / "403.html").write_text(
        "<p>relative-403 {detail}</p>\n")
    (site / "pages" / "default.html").write_text("<p>relative-default</p>\n")
    (site / "pages" / "stats.html").write_text(
        "<p>relative-stats {requests}</p>\n")
    (site / "fwproxy.conf").write_text(CONF.format(port=port, dns=dns_port))
    return site


def read_pid(site):
    with open(site / "run" / "fwproxy.pid") as f:
        return int(f.read())


def test_check_from_another_folder(tmp_path, world):
    site = make_folder(tmp_path, fwtest.free_port(), world.dns.port)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([FWPROXY, "-t", "-c", "../site/fwproxy.conf"],
                       cwd=elsewhere, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # A broken rule is named by its path beside the config.
    (site / "lists" / "allow").write_text("^ok\\.test$\n(broken\n")
    r = subprocess.run([FWPROXY, "-t", "-c", "../site/fwproxy.conf"],
                       cwd=elsewhere, capture_output=True, text=True)
    assert r.returncode == 1
    assert "site/lists/allow:2: " in r.stderr, r.stderr


def test_background_proxy_started_from_another_folder(tmp_path, world):
    port = fwtest.free_port()
    site = make_folder(tmp_path, port, world.dns.port)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Without -d: fwproxy forks, moves to "/" and the first process exits.
    r = subprocess.run([FWPROXY, "-c", "../site/fwproxy.conf"],
                       cwd=elsewhere, capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 0, r.stderr
    fwtest.wait_for(lambda: os.path.exists(site / "run" / "fwproxy.pid"))
    pid = read_pid(site)
    try:
        fwtest.wait_port("127.0.0.1", port)
        assert curl(port, world.origin_url("allowed.test")).status == 200
        refused = curl(port, world.origin_url("refused.test"))
        assert refused.status == 403
        assert "relative-403" in refused.text, refused.text
        stats = curl(port, "http://fwproxy.stats/")
        assert "relative-stats" in stats.text, stats.text
        log = site / "log" / "fwproxy.log"
        assert 'refused on filtered domain "refused.test"' in log.read_text()

        # The reload re-reads the config by its full name, and the rules
        # beside it, from inside the sandbox.
        (site / "lists" / "allow").write_text(
            "^allowed\\.test$\n^refused\\.test$\n")
        os.kill(pid, signal.SIGHUP)
        assert fwtest.wait_for(lambda: "Reloaded" in log.read_text()), \
            log.read_text()
        assert "Reload failed" not in log.read_text()
        assert curl(port, world.origin_url("refused.test")).status == 200
    finally:
        os.kill(pid, signal.SIGTERM)
    assert fwtest.wait_for(
        lambda: not os.path.exists(site / "run" / "fwproxy.pid"), 15), \
        "the pid file beside the config is removed at exit"
