"""Sockets handed over at start (LISTEN_FDS, systemd's protocol): every
one of them serves, as fwproxyctl hands a VM's proxy its IPv4 and IPv6
gateway sockets; a bad hand-over is refused with a clear error."""

import fcntl
import os
import signal
import socket
import subprocess

import fwtest
from fwtest import curl


def listening(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(16)
    return s


def start_handed(tmp_path, socks, listen_fds, world=None):
    """fwproxy -d with socks as fds 3, 4, ... and LISTEN_PID its own pid,
    LISTEN_FDS=listen_fds, as fwproxyctl and systemd start it. Its own
    Listen/Port name a port nothing uses."""
    conf = fwtest.write_config(str(tmp_path), fwtest.free_port(),
                               rules="refused\\.test\n",
                               dns_port=world.dns.port if world else None)
    sh = 'LISTEN_PID=$$ LISTEN_FDS=%s exec "$0" -d -c "$1"' % listen_fds
    err = open(tmp_path / "stderr", "wb")

    def place():
        high = [fcntl.fcntl(s.fileno(), fcntl.F_DUPFD, 100) for s in socks]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
            os.close(fd)

    proc = subprocess.Popen(["sh", "-c", sh, fwtest.FWPROXY, conf],
                            stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                            preexec_fn=place, close_fds=False)
    for s in socks:
        s.close()
    return proc


def stderr_of(tmp_path):
    return (tmp_path / "stderr").read_text()


def test_every_socket_handed_over_serves(world, tmp_path):
    s4 = listening(socket.AF_INET, "127.0.0.1")
    s6 = listening(socket.AF_INET6, "::1")
    proxies = ["http://127.0.0.1:%d" % s4.getsockname()[1],
               "http://[::1]:%d" % s6.getsockname()[1]]
    proc = start_handed(tmp_path, [s4, s6], "2", world)
    try:
        for proxy in proxies:
            ok = curl(None, world.origin_url("ok.test"), "-x", proxy,
                      tmp=tmp_path)
            assert ok.status == 200, (proxy, ok, stderr_of(tmp_path))
            no = curl(None, world.origin_url("refused.test"), "-x", proxy,
                      tmp=tmp_path)
            assert no.status == 403, (proxy, no)
        log = (tmp_path / "fwproxy.log").read_text()
        assert fwtest.log_lines(log, r"refused.*::1"), log
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, stderr_of(tmp_path)
    assert not any(m in stderr_of(tmp_path) for m in fwtest.SANITIZER_MARKS)


def test_bad_listen_fds_is_an_error(tmp_path):
    proc = start_handed(tmp_path, [listening(socket.AF_INET, "127.0.0.1")],
                        "9")
    assert proc.wait(15) == 1
    assert ("fwproxy: LISTEN_FDS is not a number from 1 to 8 "
            "(LISTEN_FDS=9, LISTEN_PID=" in stderr_of(tmp_path))
    # One socket handed over, two announced: fd 4 is not a socket.
    proc = start_handed(tmp_path, [listening(socket.AF_INET, "127.0.0.1")],
                        "2")
    assert proc.wait(15) == 1
    assert ("fwproxy: a LISTEN_FDS descriptor is not a stream socket"
            in stderr_of(tmp_path))
