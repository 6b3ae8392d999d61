"""Signals: SIGTERM and SIGINT stop cleanly and remove the pid file;
SIGUSR1 reopens the log; SIGHUP is covered by test_reload.py."""

import os
import signal
import time

import fwtest
from fwtest import curl


def test_sigterm_exits_0_and_removes_pid_file(fwproxy, tmp_path):
    pid_file = tmp_path / "fw.pid"
    p = fwproxy('PidFile "%s"' % pid_file)
    assert fwtest.wait_for(pid_file.exists, 5)
    assert int(pid_file.read_text()) == p.pid
    assert p.stop() == 0
    assert not pid_file.exists()
    assert p.wait_log(r"Stopped|Shutting down")


def test_sigint_exits_0(fwproxy, tmp_path):
    pid_file = tmp_path / "fw.pid"
    p = fwproxy('PidFile "%s"' % pid_file)
    assert fwtest.wait_for(pid_file.exists, 5)
    p.signal(signal.SIGINT)
    p.proc.wait(10)
    assert p.proc.returncode == 0
    assert not pid_file.exists()


def test_sigterm_with_open_connections(fwproxy, world):
    p = fwproxy()
    idle = fwtest.connect(p.port)
    busy = fwtest.connect(p.port)
    busy.sendall(("GET http://s.test:%d/x HTTP/1.1\r\nHost: s.test\r\n\r\n"
                  % world.origin.port).encode())
    assert fwtest.Reader(busy).response().status == 200
    t0 = time.monotonic()
    assert p.stop() == 0
    assert time.monotonic() - t0 < 8
    idle.close()
    busy.close()
    # It no longer accepts.
    try:
        fwtest.connect(p.port, timeout=1).close()
        accepted = True
    except OSError:
        accepted = False
    assert not accepted


def test_sigusr1_reopens_log(fwproxy, world, tmp_path):
    p = fwproxy()
    assert curl(p, world.origin_url("before.test", "/1"), tmp=tmp_path).status == 200
    assert p.wait_log(r"before\.test")
    rotated = p.log_path + ".1"
    os.rename(p.log_path, rotated)
    p.signal(signal.SIGUSR1)
    assert fwtest.wait_for(lambda: os.path.exists(p.log_path), 5), \
        "log file not recreated after SIGUSR1"
    assert curl(p, world.origin_url("after.test", "/2"), tmp=tmp_path).status == 200
    assert p.wait_log(r"after\.test")
    with open(rotated) as f:
        old = f.read()
    assert "before.test" in old and "after.test" not in old
    assert "before.test" not in p.log_text()
    assert p.alive()


def test_log_line_format(fwproxy, world, tmp_path):
    p = fwproxy()
    curl(p, world.origin_url("fmt.test", "/"), tmp=tmp_path)
    assert p.wait_log(r"fmt\.test")
    for line in p.log_text().splitlines():
        m = fwtest.LOG_LINE.match(line)
        assert m, line
        assert int(m.group(2)) == p.pid
