"""A client cannot fill the log: identical refusal lines of one client are
counted and written once more as "repeated N times"; refusals at
MaxClients are logged once a second at most."""

import json
import re
import time

import fwtest

REFUSED = 'Proxying refused on filtered domain "bad.test"'


def refuse_in_a_loop(p, port, host, n):
    for i in range(n):
        r = fwtest.exchange(p.port, (
            "GET http://%s:%d/%d HTTP/1.1\r\nHost: %s\r\n\r\n"
            % (host, port, i, host)).encode())
        assert r.status == 403


def test_repeated_refusals_are_counted(fwproxy, world):
    p = fwproxy("FilterDefaultDeny Yes", rules="^ok\\.test$\n")
    port = world.origin.port
    refuse_in_a_loop(p, port, "bad.test", 200)
    # A different refusal ends the count of the one before.
    refuse_in_a_loop(p, port, "other.test", 1)
    assert p.wait_log(r"other\.test")
    lines = [l for l in p.log_text().splitlines() if REFUSED in l]
    assert len(lines) == 2, lines
    assert "repeated" not in lines[0]
    # The line names host and port, not the path: the 200 are identical.
    assert lines[1].endswith("rule default) repeated 199 times"), lines[1]
    assert "client 127.0.0.1" in lines[1]
    # The counted requests still reach the statistics and denied lists.
    assert p.alive()


def test_repeat_count_written_at_stop(fwproxy, world):
    p = fwproxy("FilterDefaultDeny Yes", rules="^ok\\.test$\n")
    refuse_in_a_loop(p, world.origin.port, "bad.test", 5)
    assert p.stop() == 0
    assert re.search(r"bad\.test.* repeated 4 times", p.log_text())


def test_max_clients_logged_once_a_second(fwproxy, world):
    p = fwproxy("MaxClients 1")
    time.sleep(0.3)  # the start-up probe's connection is gone
    hold = fwtest.connect(p.port)
    hold.sendall(b"GET http://slow.test:%d/sleep/5 HTTP/1.1\r\n"
                 b"Host: slow.test\r\n\r\n" % world.origin.port)
    time.sleep(0.2)
    t0 = time.monotonic()
    refused = 0
    while time.monotonic() - t0 < 0.8:
        r = fwtest.exchange(p.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        refused += r.status == 503
    assert refused >= 10
    # The flood stopped: the timer writes the count a second on.
    time.sleep(1.5)
    lines = fwtest.log_lines(p.log_text(), r"MaxClients \(1\) reached")
    assert len(lines) == 2, lines
    assert lines[1].endswith(": %d more clients refused since the last "
                             "such line" % (refused - 1)), (lines, refused)
    # A second after that line, a refusal is written at once.
    r = fwtest.exchange(p.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 503
    hold.close()
    assert not fwtest.log_lines(p.log_text(), r"Bad request")
    lines = fwtest.log_lines(p.log_text(), r"MaxClients \(1\) reached")
    assert len(lines) == 3 and lines[2].endswith("refusing a client"), lines


def test_repeats_in_json(fwproxy, world):
    p = fwproxy("LogFormat json\nFilterDefaultDeny Yes", rules="^ok\\.test$\n")
    port = world.origin.port
    refuse_in_a_loop(p, port, "bad.test", 20)
    refuse_in_a_loop(p, port, "other.test", 1)
    assert p.wait_log(r"other\.test")
    objs = [json.loads(l) for l in p.log_text().splitlines()]
    bad = [o for o in objs
           if o.get("host") == "bad.test" and o["event"] == "refused"]
    # Each has its own path; like the text line, the count leaves it out.
    assert [o.get("repeated") for o in bad] == [None, 19], bad
    assert bad[0]["url"].endswith("/0") and "url" not in bad[1]
    assert all(o["client"] == "127.0.0.1" and o["port"] == port
               for o in bad)
