"""Under fwproxyctl (root parent, worker as nobody, logs in a root-owned
run directory): Debian's logrotate stanza for tinyproxy rotates a VM's log;
each log is capped and its size shown; a stopped worker does not count as
running and update replaces it; a killed worker is started again by its
parent without an update."""
import gzip
import os
import re
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "integration"))
import fwtest  # noqa: E402  Debian's logrotate stanza for tinyproxy
from conftest import BIG_SIZE, GATEWAY  # noqa: E402

WORK = ("work", "10.137.0.13")

TEMPLATE = ("User nobody\nGroup nogroup\nPort {port}\nListen {bind_ip}\n"
            "Timeout 600\nLogFile \"{log_file}\"\nLogLevel Info\n"
            "PidFile \"{pid_file}\"\nAllow {vm_ip}\n"
            "Filter \"{rules_file}\"\nFilterExtended On\n"
            "FilterDefaultDeny Yes\n")

@pytest.fixture(scope="module")
def ops(env):
    d = os.path.join(env.base, "rules-ops")
    os.makedirs(d)
    with open(os.path.join(d, "config"), "w") as f:
        f.write(TEMPLATE)
    env.write_rules(*WORK, "^work\\.test$\n", config_dir=d)
    run_dir = os.path.join(env.base, "run-ops")
    env.ops = {"config_dir": d, "run_dir": run_dir}
    r = env.ctl("update", **env.ops)
    assert "work: started" in r.stdout, r.stdout + r.stderr
    try:
        yield env
    finally:
        env.ctl("kill-all", **env.ops)


def path(env, name):
    return os.path.join(env.ops["run_dir"], "work", name)


def show(env):
    lines = env.ctl("show", **env.ops).stdout.splitlines()
    assert lines[0].split() == ["Name", "IP", "Interface", "Proxy_Pid",
                                "Proxy_Address", "Firewall_Rule",
                                "Rules_From", "Log_Size", "IPv6",
                                "Proxy_Address6"]
    return {f[0]: f for f in (l.split() for l in lines[1:])}


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(x) for x in f.read().split()]


def wait_for(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


def log_text(env):
    with open(path(env, "log")) as f:
        return f.read()


def test_log_capped_and_size_shown(ops):
    with open(path(ops, "config")) as f:
        assert re.search(r"^LogMaxSize 1024$", f.read(), re.M)
    assert ops.fetch("vm1", "http://work.test/") == 200
    row = show(ops)["work"]
    assert row[7] == str(os.path.getsize(path(ops, "log"))) or \
        re.fullmatch(r"\d+K", row[7]), row


def test_debian_logrotate_stanza(ops, tmp_path):
    assert ops.fetch("vm1", "http://work.test/before") == 200
    assert wait_for(lambda: "/before" in log_text(ops))
    conf = tmp_path / "logrotate.conf"
    conf.write_text(fwtest.debian_logrotate_stanza(path(ops, "log"),
                                                  path(ops, "pid")))
    r = subprocess.run(["logrotate", "-f", "-s", str(tmp_path / "state"),
                        str(conf)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: os.path.exists(path(ops, "log")))
    assert ops.fetch("vm1", "http://work.test/after") == 200
    assert wait_for(lambda: "/after" in log_text(ops)), log_text(ops)
    with gzip.open(path(ops, "log.1.gz"), "rt") as f:
        old = f.read()
    assert "/before" in old and "/after" not in old
    assert "Cannot reopen" not in old + log_text(ops)


def test_sigusr1_to_the_pid_file(ops):
    assert ops.fetch("vm1", "http://work.test/usr1-before") == 200
    assert wait_for(lambda: "/usr1-before" in log_text(ops))
    os.rename(path(ops, "log"), path(ops, "log.old"))
    with open(path(ops, "pid")) as f:
        os.kill(int(f.read()), signal.SIGUSR1)
    assert wait_for(lambda: os.path.exists(path(ops, "log")))
    assert ops.fetch("vm1", "http://work.test/usr1-after") == 200
    assert wait_for(lambda: "/usr1-after" in log_text(ops)), log_text(ops)
    with open(path(ops, "log.old")) as f:
        old = f.read()
    assert "/usr1-after" not in old
    assert "Cannot reopen" not in old + log_text(ops)


def test_killed_worker_started_again_without_update(ops):
    pid = int(show(ops)["work"][3])
    worker = children(pid)[0]
    os.kill(worker, signal.SIGKILL)
    assert wait_for(lambda: children(pid) and children(pid)[0] != worker, 5)
    assert ops.fetch("vm1", "http://work.test/") == 200
    assert int(show(ops)["work"][3]) == pid
    assert re.search(r"Worker ended by signal 9 \(Killed\)", log_text(ops))


def test_stopped_worker_is_not_running(ops):
    pid = int(show(ops)["work"][3])
    worker = children(pid)[0]
    os.kill(worker, signal.SIGSTOP)
    try:
        assert show(ops)["work"][3] == "--"
        r = ops.ctl("update", **ops.ops)
        assert "work: started" in r.stdout, r.stdout + r.stderr
        new = int(show(ops)["work"][3])
        assert new != pid
        assert ops.fetch("vm1", "http://work.test/") == 200
        assert wait_for(lambda: not os.path.exists("/proc/%d" % worker))
    finally:
        if os.path.exists("/proc/%d" % worker):
            os.kill(worker, signal.SIGCONT)


# A client that reads 4 MiB/s through a small receive buffer, so that the
# proxy's part of the transfer lasts as long as the client's.
SLOW_CLIENT = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.connect((sys.argv[1], 8100))
s.sendall(b"GET http://work.test/big.bin HTTP/1.1\\r\\nHost: work.test\\r\\n"
          b"Connection: close\\r\\n\\r\\n")
got, t0 = b"", time.monotonic()
while b"\\r\\n\\r\\n" not in got:
    got += s.recv(4096)
head, body = got.split(b"\\r\\n\\r\\n", 1)
n = len(body)
while True:
    d = s.recv(65536)
    if not d:
        break
    n += len(d)
    time.sleep(max(0, n / (4 << 20) - (time.monotonic() - t0)))
print(head.split()[1].decode(), n)
"""


def test_restart_lets_a_running_transfer_finish(ops):
    # 32 MiB at 4 MiB/s: 8 s, longer than the 5 s after which restart
    # used to send SIGKILL, within the 10 s grace period it now waits for.
    dl = subprocess.Popen(
        ("ip", "netns", "exec", ops.ns["vm1"], sys.executable, "-c",
         SLOW_CLIENT, GATEWAY),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        r = ops.ctl("restart", "work", **ops.ops)
        took = time.monotonic() - t0
        out, err = dl.communicate(timeout=30)
    finally:
        if dl.poll() is None:
            dl.kill()
    assert "work: started" in r.stdout, r.stdout + r.stderr
    assert out.split() == ["200", str(BIG_SIZE)], (out, err)
    assert took > 5, took
    assert ops.fetch("vm1", "http://work.test/") == 200
