"""Stop and supervise: SIGTERM closes the listening socket at once while a
100 MB transfer finishes within the grace period; a worker killed with -9
is started again by the root parent, with back-off, and logged."""

import hashlib
import os
import re
import signal
import socket
import subprocess
import time

import pytest

import fwtest
import hostile

GRACE_S = 10  # STOP_GRACE_SECONDS in src/common/stop_grace.h
ROOT_PARENT = "User nobody\nGroup nogroup"


def worker(p):
    """The root parent's worker, None while there is none."""
    kids = hostile.children(p.pid)
    return kids[0] if kids else None


@pytest.mark.parametrize("root_parent", [False, True],
                         ids=["single", "root-parent"])
def test_sigterm_during_100mb_transfer(fwproxy, world, tmp_path, root_parent):
    if root_parent:
        if os.geteuid() != 0:
            pytest.skip("needs root")
        fwtest.traversable(tmp_path)
    p = fwproxy(ROOT_PARENT if root_parent else "")
    out = tmp_path / "big.out"
    # 25 MB/s: the 100 MB take about 4 s, well inside the grace period.
    dl = subprocess.Popen(
        ["curl", "-sS", "-o", str(out), "--limit-rate", "25M", "-w",
         "%{http_code} %{size_download}", "-x", p.url,
         world.nginx_url("/big.bin")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert fwtest.wait_for(
            lambda: out.exists() and out.stat().st_size > (10 << 20), 10)
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        # A new client is refused at once, not queued until the end.
        refused = None
        while time.monotonic() - t0 < 3 and refused is None:
            try:
                s = socket.create_connection(("127.0.0.1", p.port), 1)
                s.close()
                time.sleep(0.02)
            except (ConnectionRefusedError, ConnectionResetError):
                # A handshake that meets the listener while it closes is
                # reset rather than refused: either way, not queued.
                refused = time.monotonic() - t0
        assert refused is not None and refused < 2.0, \
            "a new client was still accepted after SIGTERM"
        assert p.alive(), "it must not exit before the transfer is done"
        stdout, stderr = dl.communicate(timeout=GRACE_S + 5)
    finally:
        if dl.poll() is None:
            dl.kill()
    assert dl.returncode == 0, stderr
    assert stdout.split() == ["200", str(100 << 20)]
    h = hashlib.sha256()
    with open(out, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    assert h.hexdigest() == world.big_sha256
    p.proc.wait(GRACE_S)
    assert time.monotonic() - t0 < GRACE_S
    assert p.proc.returncode == 0
    assert p.wait_log(r"Request 127\.0\.0\.1 \"GET .*/big\.bin\" 200 "
                      r"up=0 down=%d" % (100 << 20))


def test_sigterm_grace_cuts_and_logs(fwproxy, world, tmp_path):
    # A client that stops reading keeps its transfer open: the grace period
    # ends it, and the log says so.
    p = fwproxy()
    s = fwtest.connect(p.port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("GET %s HTTP/1.1\r\nHost: nginx.test\r\n\r\n"
               % world.nginx_url("/big.bin")).encode())
    s.recv(1000)
    time.sleep(0.5)
    t0 = time.monotonic()
    p.signal(signal.SIGTERM)
    p.proc.wait(GRACE_S + 5)
    took = time.monotonic() - t0
    s.close()
    assert GRACE_S - 1 < took < GRACE_S + 2, took
    assert p.proc.returncode == 0
    assert p.wait_log(r"WARNING .*Transfer cut short by the shutdown: "
                      r"127\.0\.0\.1 \"GET .*/big\.bin\" 200 up=0 down=\d+")


def test_kill9_worker_is_started_again(fwproxy, world, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    fwtest.traversable(tmp_path)
    p = fwproxy(ROOT_PARENT)
    assert fwtest.wait_for(lambda: worker(p) is not None, 10)
    first = worker(p)
    os.kill(first, signal.SIGKILL)
    assert p.wait_log(r"CRITICAL .*Worker ended by signal 9 \(Killed\) "
                      r"after \d+ s; starting a new one in 1 s"), p.log_text()
    assert fwtest.wait_for(lambda: worker(p) not in (None, first), 10), \
        p.log_text()
    assert p.wait_log(r"Worker \d+ started again \(restart 1\)")
    r = fwtest.curl(p, world.origin_url("again.test", "/"), tmp=tmp_path)
    assert r.status == 200
    # Dying again at once: the wait doubles.
    second = worker(p)
    os.kill(second, signal.SIGKILL)
    assert p.wait_log(r"starting a new one in 2 s"), p.log_text()
    t0 = time.monotonic()
    assert fwtest.wait_for(lambda: worker(p) not in (None, second), 10), \
        p.log_text()
    assert time.monotonic() - t0 > 1.5
    assert fwtest.curl(p, world.origin_url("again.test", "/"),
                       tmp=tmp_path).status == 200
    # SIGTERM while waiting to start one ends the parent at once.
    third = worker(p)
    os.kill(third, signal.SIGKILL)
    assert p.wait_log(r"starting a new one in 4 s")
    t0 = time.monotonic()
    p.signal(signal.SIGTERM)
    p.proc.wait(5)
    assert time.monotonic() - t0 < 2
    assert p.proc.returncode == 0
    assert len(re.findall(r"Worker ended by signal 9", p.log_text())) == 3
