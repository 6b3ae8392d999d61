"""Logs an operator can keep: Debian's logrotate stanza for tinyproxy,
unchanged but for the path and the signal its reload sends, rotates a
running proxy's log, alone and as a root parent with an unprivileged worker
in a folder only root may write; SIGUSR1 reopens under the root parent;
LogMaxSize rotates by itself."""

import gzip
import os
import signal
import subprocess

import pytest

import fwtest
import hostile
from fwtest import curl

ROOT_PARENT = "User nobody\nGroup nogroup"


def start(fwproxy, tmp_path, root_parent, extra=""):
    if root_parent:
        if os.geteuid() != 0:
            pytest.skip("needs root")
        fwtest.traversable(tmp_path)
    pid_file = os.path.join(str(tmp_path), "fw.pid")
    p = fwproxy('PidFile "%s"\n%s\n%s' % (
        pid_file, ROOT_PARENT if root_parent else "", extra))
    if root_parent:
        os.chmod(p.dir, 0o755)  # root's: the worker cannot create files
        assert fwtest.wait_for(lambda: len(hostile.children(p.pid)) == 1, 5)
    assert fwtest.wait_for(lambda: os.path.exists(pid_file), 5)
    return p, pid_file


def logrotate(tmp_path, p, pid_file, create=None):
    """Runs Debian 12's stanza or, with create ("USER GROUP"), the one of
    earlier Debian releases, which also had "delaycompress" and "create
    0640" for the proxy's user."""
    conf = os.path.join(str(tmp_path), "logrotate.conf")
    stanza = fwtest.debian_logrotate_stanza(p.log_path, pid_file)
    if create:
        stanza = stanza.replace("\tcompress\n", "\tcompress\n\tdelaycompress\n"
                                "\tcreate 0640 %s\n" % create)
    with open(conf, "w") as f:
        f.write(stanza)
    r = subprocess.run(["logrotate", "-f", "-s",
                        os.path.join(str(tmp_path), "logrotate.state"), conf],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("root_parent", [False, True],
                         ids=["single", "root-parent"])
@pytest.mark.parametrize("older", [False, True], ids=["debian12", "create"])
def test_debian_logrotate_stanza(fwproxy, world, tmp_path, root_parent,
                                 older):
    p, pid_file = start(fwproxy, tmp_path, root_parent)
    assert curl(p, world.origin_url("before.test", "/1"),
                tmp=tmp_path).status == 200
    assert p.wait_log(r"before\.test")
    logrotate(tmp_path, p, pid_file,
              ("nobody nogroup" if root_parent else "root root")
              if older else None)
    assert fwtest.wait_for(lambda: os.path.exists(p.log_path), 5), \
        "SIGHUP did not create a new log"
    assert curl(p, world.origin_url("after.test", "/2"),
                tmp=tmp_path).status == 200
    assert p.wait_log(r"after\.test"), p.log_text()
    if older:
        with open(p.log_path + ".1") as f:
            old = f.read()
    else:
        with gzip.open(p.log_path + ".1.gz", "rt") as f:
            old = f.read()
    assert "before.test" in old and "after.test" not in old
    assert "before.test" not in p.log_text()
    assert "Cannot reopen" not in old + p.log_text()
    if root_parent:
        st = os.stat(p.log_path)
        assert st.st_uid == (65534 if older else 0), \
            "logrotate or else the root parent creates the new log"
        # The parent writes to the new file too.
        os.kill(hostile.children(p.pid)[0], signal.SIGKILL)
        assert p.wait_log(r"Worker ended by signal 9"), p.log_text()


def test_sigusr1_under_root_parent(fwproxy, world, tmp_path):
    p, _ = start(fwproxy, tmp_path, True)
    worker = hostile.children(p.pid)[0]
    assert curl(p, world.origin_url("before.test", "/1"),
                tmp=tmp_path).status == 200
    assert p.wait_log(r"before\.test")
    os.rename(p.log_path, p.log_path + ".1")
    # Sent to the worker itself, as an operator reading ps might.
    os.kill(worker, signal.SIGUSR1)
    assert fwtest.wait_for(lambda: os.path.exists(p.log_path), 5)
    assert curl(p, world.origin_url("after.test", "/2"),
                tmp=tmp_path).status == 200
    assert p.wait_log(r"after\.test"), p.log_text()
    with open(p.log_path + ".1") as f:
        old = f.read()
    assert "after.test" not in old
    assert "Cannot reopen" not in old + p.log_text()


@pytest.mark.parametrize("root_parent", [False, True],
                         ids=["single", "root-parent"])
def test_log_max_size_rotates(fwproxy, world, tmp_path, root_parent):
    p, _ = start(fwproxy, tmp_path, root_parent, "LogMaxSize 8")
    rotated = p.log_path + ".1"
    for i in range(120):
        curl(p, world.origin_url("fill%03d.test" % i, "/"), tmp=tmp_path)
        if os.path.exists(rotated) and i >= 100:
            break
    assert p.wait_log(r"fill1\d\d\.test")
    assert os.path.exists(rotated), "no rotation past LogMaxSize"
    assert 8 * 1024 <= os.path.getsize(rotated) < 10 * 1024
    assert os.path.getsize(p.log_path) < 10 * 1024
    # Rotated once more past the cap, the oldest lines are gone; none is
    # cut in two.
    for path in (rotated, p.log_path):
        with open(path) as f:
            for line in f.read().splitlines():
                assert fwtest.LOG_LINE.match(line), line


def test_log_max_size_checked(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("Port 8100\nLogMaxSize -1\n")
    r = fwtest.run_fwproxy("-t", "-c", str(conf))
    assert r.returncode == 1
    assert "c.conf:2" in r.stderr, r.stderr
