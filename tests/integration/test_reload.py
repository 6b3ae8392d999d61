"""SIGHUP: new rules for new requests, a broken file keeps the old
configuration, and reloading under load fails no request."""

import os
import re
import threading
import time

import fwtest
from fwtest import curl


def status(p, world, host, tmp):
    return curl(p, world.origin_url(host, "/r"), tmp=tmp).status


def test_reload_applies_new_rules(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="^a\\.test$\n")
    assert status(p, world, "a.test", tmp_path) == 200
    assert status(p, world, "b.test", tmp_path) == 403
    with open(p.dir + "/filter", "w") as f:
        f.write("^b\\.test$\n^c\\.test$\n")
    lines = p.reload()
    assert any(re.search(r"Reloaded .*\(2 rules\)", ln) for ln in lines), lines
    assert status(p, world, "a.test", tmp_path) == 403
    assert status(p, world, "b.test", tmp_path) == 200
    assert status(p, world, "c.test", tmp_path) == 200


def test_reload_applies_new_config(fwproxy, world, tmp_path):
    p = fwproxy("XTinyproxy No")
    curl(p, world.origin_url("x.test", "/echo"), tmp=tmp_path)
    assert world.origin.requests[-1].header("X-Tinyproxy") is None
    with open(p.conf, "a") as f:
        f.write("XTinyproxy Yes\n")
    p.reload()
    curl(p, world.origin_url("x.test", "/echo"), tmp=tmp_path)
    assert world.origin.requests[-1].header("X-Tinyproxy") == "127.0.0.1"


def test_broken_filter_keeps_old_rules(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes\nFilterExtended Yes", rules="^a\\.test$\n")
    filt = p.dir + "/filter"
    with open(filt, "w") as f:
        f.write("^b\\.test$\n(unclosed\n")
    lines = p.reload()
    text = "\n".join(lines)
    assert re.search(r"%s:2: " % re.escape(filt), text), text
    assert any(ln.startswith("ERROR") for ln in lines), lines
    assert p.alive()
    assert status(p, world, "a.test", tmp_path) == 200
    assert status(p, world, "b.test", tmp_path) == 403


def test_broken_config_keeps_old_config(fwproxy, world, tmp_path):
    p = fwproxy(rules="^blocked\\.test$\n")
    with open(p.conf) as f:
        n = len(f.read().splitlines())
    with open(p.conf, "a") as f:
        f.write("NoSuchDirective 1\n")
    lines = p.reload()
    assert re.search(r"%s:%d: " % (re.escape(p.conf), n + 1), "\n".join(lines)), lines
    assert p.alive()
    assert status(p, world, "blocked.test", tmp_path) == 403
    assert status(p, world, "fine.test", tmp_path) == 200
    # A later good reload works again.
    with open(p.conf) as f:
        good = f.read().replace("NoSuchDirective 1\n", "")
    with open(p.conf, "w") as f:
        f.write(good)
    with open(p.dir + "/filter", "w") as f:
        f.write("^fine\\.test$\n")
    lines = p.reload()
    assert any("Reloaded" in ln for ln in lines), lines
    assert status(p, world, "fine.test", tmp_path) == 403


def test_reload_under_load(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="^load\\.test$\n^gone\\.test$\n")
    port = world.origin.port
    failures, counts = [], {"ka": 0, "new": 0}
    done = threading.Event()

    def keepalive_client():
        try:
            with fwtest.connect(p.port) as s:
                rd = fwtest.Reader(s)
                i = 0
                while i < 400 or not done.is_set():
                    s.sendall(("GET http://load.test:%d/k%d HTTP/1.1\r\n"
                               "Host: load.test\r\n\r\n" % (port, i)).encode())
                    r = rd.response()
                    if r.status != 200 or r.body != b"origin GET /k%d\n" % i:
                        failures.append(("ka", i, r.status, r.body[:100]))
                    i += 1
                    counts["ka"] = i
        except Exception as e:  # noqa: BLE001 - any error is a failure
            failures.append(("ka", counts["ka"], repr(e)))

    def new_conn_client():
        i = 0
        while i < 100 or not done.is_set():
            try:
                r = fwtest.exchange(p.port, ("GET http://load.test:%d/n%d HTTP/1.1\r\n"
                                             "Host: load.test\r\nConnection: close\r\n\r\n"
                                             % (port, i)).encode())
                if r.status != 200:
                    failures.append(("new", i, r.status))
            except Exception as e:  # noqa: BLE001
                failures.append(("new", i, repr(e)))
            i += 1
            counts["new"] = i

    threads = [threading.Thread(target=keepalive_client),
               threading.Thread(target=new_conn_client)]
    for t in threads:
        t.start()
    filt = p.dir + "/filter"
    for k in range(10):
        with open(filt + ".tmp", "w") as f:
            f.write("^load\\.test$\n" + ("^gone\\.test$\n" if k % 2 else "^new%d\\.test$\n" % k))
        os.rename(filt + ".tmp", filt)
        lines = p.reload()
        assert any("Reloaded" in ln for ln in lines), lines
        time.sleep(0.03)
    done.set()
    for t in threads:
        t.join(120)
    assert not failures, failures[:10]
    assert counts["ka"] >= 400 and counts["new"] >= 100, counts
    assert len(fwtest.log_lines(p.log_text(), r"Reloaded")) == 10
    # The last file (k = 9, odd) is the one in force.
    assert status(p, world, "gone.test", tmp_path) == 200
    assert status(p, world, "new8.test", tmp_path) == 403
