"""A classic Qubes-style tinyproxy config, obsolete directives included,
runs unchanged and filters as tinyproxy would."""

import json
import os
import re
import shutil

import fwtest
from fwtest import DATA, curl


def test_classic_config_checks_with_warnings_only(tmp_path, world):
    d = tmp_path / "c"
    d.mkdir()
    shutil.copy(os.path.join(DATA, "classic.filter"), d / "filter")
    with open(os.path.join(DATA, "classic.conf")) as f:
        conf = f.read().format(port=8100, dir=d, dns=world.dns.port, data=DATA)
    (d / "fwproxy.conf").write_text(conf)
    r = fwtest.run_fwproxy("-t", "-c", str(d / "fwproxy.conf"))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    for name in ("MinSpareServers", "MaxSpareServers", "StartServers",
                 "MaxRequestsPerChild"):
        assert re.search(r":\d+: .*%s.*obsolete" % name, out), out


def test_classic_config_runs_and_filters(tmp_path, world):
    d = tmp_path / "classic"
    d.mkdir()
    shutil.copy(os.path.join(DATA, "classic.filter"), d / "filter")
    with open(os.path.join(DATA, "classic.conf")) as f:
        text = f.read()
    p = fwtest.start_proxy(d, conf_text=text, dns_port=world.dns.port)
    try:
        pid_file = d / "tinyproxy.pid"
        assert fwtest.wait_for(pid_file.exists, 5)
        assert int(pid_file.read_text().strip()) == p.pid

        ok = curl(p, world.origin_url("allowed.test", "/echo"), tmp=tmp_path)
        assert ok.status == 200, ok
        assert '"target": "/echo"' in ok.text
        via = [v for k, v in json.loads(ok.text)["headers"] if k.lower() == "via"]
        assert len(via) == 1 and via[0].split()[:2] == ["1.1", "tinyproxy"], via

        sub = curl(p, world.origin_url("mirror.debian.test", "/x"), tmp=tmp_path)
        assert sub.status == 200, sub
        ng = curl(p, world.nginx_url("/index.html"), tmp=tmp_path)
        assert ng.status == 200 and b"hello from nginx" in ng.body, ng

        # Default deny: not listed, and anchored rules do not match longer names.
        for host in ("other.test", "notallowed.test", "allowed.test.evil.test"):
            r = curl(p, world.origin_url(host, "/secret"), tmp=tmp_path)
            assert r.status == 403, (host, r)
            # The template from DefaultErrorFile is used.
            assert "<h1>Filtered</h1>" in r.text or "Filtered" in r.text, r.text
            assert 'id="url">http://%s:%d/secret<' % (host, world.origin.port) in r.text, r.text
            assert p.wait_log(r'Proxying refused on filtered domain "%s"'
                              % re.escape(host)), p.log_text()
        assert not any(q.target == "/secret" for q in world.origin.requests)

        # The StatHost page uses the StatFile template.
        st = curl(p, "http://stats.test/", tmp=tmp_path)
        assert st.status == 200, st
        assert "run-time statistics" in st.text
        m = re.search(r'id="reqs">(\d+)<', st.text)
        assert m and int(m.group(1)) >= 6, st.text
    finally:
        assert p.stop() == 0, p.stderr_text()
    assert not (d / "tinyproxy.pid").exists()
    assert p.sanitizer_report() is None, p.stderr_text()
