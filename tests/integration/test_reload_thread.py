"""Reload builds the new runtime off the event loop: requests are served
while a large rules file compiles, SIGHUPs that arrive during a build
leave the last file in force, and SIGTERM during a build ends the process
cleanly."""

import os
import re
import signal
import time

import fwtest

BIG = 300000


def big_rules(path, n, allowed):
    with open(path, "w") as f:
        for i in range(n):
            f.write("^h%d\\.big\\.test$\n" % i)
        f.write("^%s$\n" % re.escape(allowed))


def get(p, world, host):
    req = ("GET http://%s:%d/r HTTP/1.1\r\nHost: %s\r\n\r\n"
           % (host, world.origin.port, host)).encode()
    return fwtest.exchange(p.port, req, timeout=30).status


def test_served_while_a_reload_builds(fwproxy, world):
    p = fwproxy("FilterDefaultDeny Yes\nFilterExtended Yes",
                rules="^a\\.test$\n")
    big_rules(p.dir + "/filter", BIG, "a.test")
    before = len(p.log_text().splitlines())
    p.signal(signal.SIGHUP)
    # Answered with the old rules while the new ones compile.
    assert get(p, world, "a.test") == 200
    assert p.wait_log(r"Reloaded .*\(%d rules\)" % (BIG + 1), 60), p.log_text()[-2000:]
    lines = p.log_text().splitlines()[before:]
    served = [i for i, ln in enumerate(lines) if "a.test" in ln and "INFO" in ln]
    reloaded = [i for i, ln in enumerate(lines) if "Reloaded" in ln]
    assert served and reloaded and served[0] < reloaded[0], lines[:10]
    assert get(p, world, "h7.big.test") == 200


def write_atomically(path, n, allowed):
    big_rules(path + ".new", n, allowed)
    os.rename(path + ".new", path)


def test_hups_during_a_build_end_with_the_last_file(fwproxy, world):
    p = fwproxy("FilterDefaultDeny Yes\nFilterExtended Yes",
                rules="^a\\.test$\n")
    filt = p.dir + "/filter"
    write_atomically(filt, BIG, "first.test")
    p.signal(signal.SIGHUP)
    time.sleep(0.05)  # the build has the big file open
    for i in range(5):
        write_atomically(filt, 10 + i, "v%d.test" % i)
        p.signal(signal.SIGHUP)
    # Those that came during a build made one more build each time, not
    # one each; whatever the timing, the last file is the one in force.
    assert p.wait_log(r"Reloaded .*\(15 rules\)", 60), p.log_text()[-2000:]
    time.sleep(0.5)
    reloads = re.findall(r"Reloaded .*\((\d+) rules\)", p.log_text())
    assert 2 <= len(reloads) <= 6 and reloads[-1] == "15", reloads
    assert get(p, world, "v4.test") == 200
    assert get(p, world, "v3.test") == 403
    assert get(p, world, "first.test") == 403


def test_sigterm_during_a_build(fwproxy, world):
    p = fwproxy("FilterDefaultDeny Yes\nFilterExtended Yes",
                rules="^a\\.test$\n")
    big_rules(p.dir + "/filter", BIG, "a.test")
    p.signal(signal.SIGHUP)
    p.signal(signal.SIGTERM)
    assert p.stop(60) == 0, p.stderr_text()[-2000:]
    assert "Stopped" in p.log_text()
