"""Start-up errors are never silent: fwproxy -t checks what start-up will
need (User, Group, the folders of PidFile and LogFile), and a start in
the background exits 1 with the error on stderr and in the log, or 0 only
once it serves."""

import os
import pathlib
import shutil
import signal
import socket
import tempfile

import pytest

import fwtest
from fwtest import run_fwproxy


def conf(tmp_path, port, extra):
    path = tmp_path / "fwproxy.conf"
    path.write_text("Port %d\nListen 127.0.0.1\nLogFile \"%s\"\n"
                    "ConnectPort 443\n%s\n"
                    % (port, tmp_path / "fwproxy.log", extra))
    return str(path)


def test_t_checks_what_start_up_needs(tmp_path):
    c = conf(tmp_path, 8100,
             "User nosuchuser\nGroup nosuchgroup\n"
             "PidFile \"%s/missing/fwproxy.pid\"" % tmp_path)
    r = run_fwproxy("-t", "-c", c)
    assert r.returncode == 1, r.stderr
    assert '%s: User "nosuchuser": no such user' % c in r.stderr
    assert '%s: Group "nosuchgroup": no such group' % c in r.stderr
    assert ('%s: PidFile "%s/missing/fwproxy.pid": its folder %s/missing '
            "does not exist" % (c, tmp_path, tmp_path)) in r.stderr
    c = conf(tmp_path, 8100, "")
    with open(c, "a") as f:
        f.write("LogFile \"%s/missing/log\"\n" % tmp_path)
    r = run_fwproxy("-t", "-c", c)
    assert r.returncode == 1
    assert "LogFile \"%s/missing/log\": its folder" % tmp_path in r.stderr
    c = conf(tmp_path, 8100, "User nobody\nPidFile \"%s/p.pid\"" % tmp_path)
    r = run_fwproxy("-t", "-c", c)
    assert r.returncode == 0, r.stderr


def pid_of(path):
    with open(path) as f:
        return int(f.read())


def stop(pid_file):
    """SIGTERM to the daemon named by pid_file; waits until it is gone."""
    pid = pid_of(pid_file)
    os.kill(pid, signal.SIGTERM)
    assert fwtest.wait_for(lambda: not os.path.exists("/proc/%d" % pid),
                           10.0)


def test_background_start_reports_an_unknown_user(tmp_path):
    port = fwtest.free_port()
    c = conf(tmp_path, port, "User nosuchuser")
    r = run_fwproxy("-c", c)
    assert r.returncode == 1
    assert 'User "nosuchuser": no such user' in r.stderr
    assert not listening(port)


def test_background_start_reports_what_fails_after_forking(tmp_path):
    """The pid file is written in the background: its failure comes back
    through the process that waits."""
    port = fwtest.free_port()
    (tmp_path / "pid").mkdir()
    c = conf(tmp_path, port, "PidFile \"%s/pid\"" % tmp_path)
    r = run_fwproxy("-c", c)
    assert r.returncode == 1, r.stderr
    assert r.stderr == ("fwproxy: PidFile %s/pid: Is a directory\n"
                        % tmp_path)
    with open(tmp_path / "fwproxy.log") as f:
        assert ("PidFile %s/pid: Is a directory" % tmp_path) in f.read()
    assert fwtest.wait_for(lambda: not listening(port), 5.0)


def listening(port):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def start_and_stop(directory, extra=""):
    port = fwtest.free_port()
    pid_file = os.path.join(str(directory), "p%d.pid" % port)
    c = conf(directory, port, "PidFile \"%s\"\n%s" % (pid_file, extra))
    r = run_fwproxy("-c", c)
    try:
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        assert listening(port)  # at once, no waiting
    finally:
        if os.path.exists(pid_file):
            stop(pid_file)
    assert not os.path.exists(pid_file)


def test_background_start_exits_0_once_serving(tmp_path):
    start_and_stop(tmp_path)


def test_background_start_with_a_worker(tmp_path):
    """As root with User, the worker ends the start-up: its verdict comes
    back through the root parent."""
    shared = tempfile.mkdtemp(prefix="fwproxy-startup-")
    try:
        os.chmod(shared, 0o755)
        start_and_stop(pathlib.Path(shared), "User nobody")
    finally:
        shutil.rmtree(shared)


def test_background_start_reports_a_worker_that_fails(tmp_path):
    """The worker (User nobody) enters a sandbox that grants the config's
    folder; a folder only root may enter makes that fail after the fork.
    The command used to exit 0 with nothing listening."""
    port = fwtest.free_port()
    os.chmod(tmp_path, 0o700)
    c = conf(tmp_path, port, "User nobody\nPidFile \"%s/p.pid\"" % tmp_path)
    r = run_fwproxy("-c", c)
    if r.returncode == 0 and listening(port):
        stop(str(tmp_path / "p.pid"))
        pytest.skip("the worker started: its sandbox did not need the folder")
    assert r.returncode == 1, "exit 0 with nothing listening"
    assert r.stderr.startswith("fwproxy: landlock: "), r.stderr
    with open(tmp_path / "fwproxy.log") as f:
        assert "landlock: " in f.read()
    assert fwtest.wait_for(lambda: not listening(port), 5.0)
