"""The sandbox of a running proxy: started as root with User nobody, the
worker runs as nobody with no capabilities, no_new_privs and a seccomp
filter; a forbidden call (execve, made on SIGUSR2 by the test build
fwproxy-testhooks) kills it with SIGSYS; and the whole request path works
under the filter."""

import os
import pwd
import signal
import socket
import time

import pytest

import fwtest
import hostile

TESTHOOKS = os.path.join(fwtest.BIN, "fwproxy-testhooks")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def tcp_states():
    """Socket inode -> TCP state (hex, "0A" is LISTEN)."""
    out = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                out[int(parts[9])] = parts[3]
    return out


def unix_inodes():
    with open("/proc/net/unix") as f:
        return {int(line.split()[6]) for line in f.readlines()[1:]
                if len(line.split()) > 6}


def open_up(path):
    # The worker runs as nobody: as with a log directory owned by the
    # service user, it may create files in its own directory (log
    # rotation re-creates the log) and reach it through the parents.
    nobody = pwd.getpwnam("nobody")
    os.chown(path, nobody.pw_uid, nobody.pw_gid)
    while path != "/":
        os.chmod(path, os.stat(path).st_mode | 0o711)
        path = os.path.dirname(path)


def start(tmp_path, world, binary=None, directives=""):
    open_up(str(tmp_path))
    p = hostile.launch(tmp_path, world, "User nobody\nGroup nogroup\n"
                       "AllowDestination 127.0.0.0/8\n" + directives,
                       binary=binary)
    assert fwtest.wait_for(lambda: hostile.children(p.pid), 5), \
        "no worker process under %d" % p.pid
    assert p.wait_log(r"serving"), p.log_text()
    return p


def stopped_cleanly(p):
    rc = p.stop()
    report = p.sanitizer_report()
    assert not report, report[-6000:]
    return rc


def test_worker_state(tmp_path, world):
    p = start(tmp_path, world)
    try:
        worker = hostile.worker_pid(p)
        assert worker != p.pid
        st = hostile.proc_status(worker)
        nobody = pwd.getpwnam("nobody")
        uids = [int(x) for x in st["Uid"].split()]
        gids = [int(x) for x in st["Gid"].split()]
        print("\nworker %d: Uid %s Gid %s Groups %r CapEff %s CapPrm %s "
              "NoNewPrivs %s Seccomp %s" % (
                  worker, st["Uid"], st["Gid"], st.get("Groups"),
                  st["CapEff"], st["CapPrm"], st["NoNewPrivs"],
                  st["Seccomp"]))
        assert uids == [nobody.pw_uid] * 4, st["Uid"]
        assert 0 not in gids, st["Gid"]
        assert st.get("Groups", "") == "" or "0" not in st["Groups"].split()
        for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
            assert int(st[cap], 16) == 0, (cap, st[cap])
        assert st["NoNewPrivs"] == "1"
        assert st["Seccomp"] == "2"
        # The root parent never touches the network: its only sockets are
        # the listening one, kept to start a new worker, and the log
        # channel to the worker; never a client or a server connection.
        sockets = [os.readlink("/proc/%d/fd/%s" % (p.pid, fd))
                   for fd in os.listdir("/proc/%d/fd" % p.pid)]
        sockets = [int(f[8:-1]) for f in sockets if f.startswith("socket:")]
        tcp = tcp_states()
        unix = unix_inodes()
        assert len(sockets) == 2, sockets
        for inode in sockets:
            assert tcp.get(inode) == "0A" or inode in unix, (inode, tcp)
        assert [tcp.get(i) for i in sockets].count("0A") == 1
    finally:
        assert stopped_cleanly(p) == 0


def test_request_path_under_filter(tmp_path, world):
    # Name lookup, plain GET, chunked POST, a big download, CONNECT and a
    # refusal page, all from the sandboxed worker.
    p = start(tmp_path, world, directives="ConnectPort %d\n"
              "ConnectPort %d" % (world.origin.port, world.nginx.port))
    try:
        world.origin.clear()
        r = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: h.test\r\n"
                                     "\r\n" % hostile.target(world)).encode())
        assert r.status == 200, r
        r = fwtest.exchange(p.port, ("POST %s HTTP/1.1\r\nHost: h.test\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n"
                                     "5\r\nhello\r\n0\r\n\r\n"
                                     % hostile.target(world, "/echo")
                                     ).encode())
        assert r.status == 200 and b'"body_len": 5' in r.body, r
        c = fwtest.curl(p, world.nginx_url("/big.bin"), tmp=tmp_path)
        assert c.status == 200 and len(c.body) == 100 << 20, c
        with fwtest.connect(p.port) as s:
            s.sendall(("CONNECT h.test:%d HTTP/1.1\r\nHost: h.test\r\n\r\n"
                       % world.origin.port).encode())
            rd = fwtest.Reader(s)
            assert rd.read_until(b"\r\n\r\n").startswith(b"HTTP/1.1 200")
            s.sendall(b"GET /tunnel HTTP/1.1\r\nHost: h.test\r\n\r\n")
            assert rd.response().body == b"origin GET /tunnel\n"
        r = fwtest.exchange(p.port, b"GET http://169.254.169.254/ HTTP/1.1\r\n"
                            b"Host: x\r\n\r\n")
        assert r.status == 403, r
        # Log reopening still works under the filter.
        os.rename(p.log_path, p.log_path + ".1")
        os.kill(hostile.worker_pid(p), signal.SIGUSR1)
        # The root parent creates the file and passes it to the worker.
        assert fwtest.wait_for(lambda: os.path.exists(p.log_path), 5)
        fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: h.test\r\n\r\n"
                                 % hostile.target(world, "/after-reopen")
                                 ).encode())
        assert p.wait_log(r"after-reopen"), "log not reopened"
        assert p.alive() and hostile.children(p.pid)
    finally:
        assert stopped_cleanly(p) == 0


def rss_kib(pid, field="VmRSS"):
    return int(hostile.proc_status(pid)[field].split()[0])


@pytest.mark.skipif(fwtest.SANITIZED, reason="AddressSanitizer keeps freed "
                    "memory in quarantine")
def test_idle_connections_give_memory_back_under_filter(tmp_path, world):
    """Idle keep-alive connections free their buffers, and past 1 MiB the
    worker hands the free pages back (madvise) under the seccomp filter;
    the connections then serve again."""
    p = start(tmp_path, world, directives="MaxClients 400")
    socks = []
    try:
        worker = hostile.worker_pid(p)
        pad = "".join("X-Pad-%d: %s\r\n" % (i, "p" * 2500) for i in range(4))
        req = ("GET %s HTTP/1.1\r\nHost: nginx.test\r\n%s\r\n" % (
            world.nginx_url("/who"), pad)).encode()
        for _ in range(150):
            s = fwtest.connect(p.port)
            s.sendall(req)
            socks.append((s, fwtest.Reader(s)))
        for s, rd in socks:
            assert rd.response().status == 200
        # The first connections may already be idle: the peak is the
        # high-water mark.
        busy = rss_kib(worker, "VmHWM")
        assert fwtest.wait_for(lambda: rss_kib(worker) < busy - 1024, 5), \
            "RSS %d KiB with the buffers, %d KiB after 5 s idle" % (
                busy, rss_kib(worker))
        print("\nworker RSS: %d KiB with the buffers, %d KiB idle" % (
            busy, rss_kib(worker)))
        for s, rd in socks:
            s.sendall(req)
            assert rd.response().status == 200
        assert p.alive() and hostile.children(p.pid) == [worker]
    finally:
        for s, _ in socks:
            s.close()
        assert stopped_cleanly(p) == 0


def test_forbidden_call_kills_worker(tmp_path, world):
    if not os.access(TESTHOOKS, os.X_OK):
        pytest.fail("no %s: build it with make %s" % (TESTHOOKS, TESTHOOKS))
    p = start(tmp_path, world, binary=TESTHOOKS)
    try:
        worker = hostile.worker_pid(p)
        r = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: h.test\r\n"
                                     "\r\n" % hostile.target(world)).encode())
        assert r.status == 200
        os.kill(worker, signal.SIGUSR2)
        # The parent reaps the worker, logs how it died and, after a
        # second, starts a new one; nothing was executed.
        assert p.wait_log(r"Worker ended by signal %d .*starting a new one "
                          r"in 1 s" % signal.SIGSYS, 5), p.log_text()[-2000:]
        assert fwtest.wait_for(
            lambda: not os.path.exists("/proc/%d" % worker), 5)
        assert p.wait_log(r"Worker \d+ started again", 5)
        assert p.alive()
        assert hostile.worker_pid(p) != worker
        r = fwtest.exchange(p.port, ("GET %s HTTP/1.1\r\nHost: h.test\r\n"
                                     "\r\n" % hostile.target(world)).encode())
        assert r.status == 200
    finally:
        assert stopped_cleanly(p) == 0


def test_forbidden_call_kills_unprivileged_proxy(tmp_path, world):
    # Without User the single process is its own worker, under the same
    # filter.
    if not os.access(TESTHOOKS, os.X_OK):
        pytest.fail("no %s" % TESTHOOKS)
    p = hostile.launch(tmp_path, world, "AllowDestination 127.0.0.0/8",
                       binary=TESTHOOKS)
    try:
        assert p.wait_log(r"serving")
        st = hostile.proc_status(p.pid)
        assert st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", st
        time.sleep(0.1)
        p.signal(signal.SIGUSR2)
        rc = p.proc.wait(10)
        assert rc == -signal.SIGSYS, rc
    finally:
        p.stop()
