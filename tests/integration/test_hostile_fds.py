"""Out of file descriptors: with a low RLIMIT_NOFILE and more clients
than it allows, new connections are refused fast with a 503 that says
why (never a reset, never left hanging in the backlog), a request that
needs a descriptor for its lookup gets the same, the proxy neither
crashes nor spins, and it serves again once the load falls."""

import time

import pytest

import fwtest
import hostile

NOFILE = 64


@pytest.fixture
def limited(tmp_path, world):
    world.origin.clear()
    # MaxClients well above what the descriptors allow: the descriptor
    # limit is what gets hit.
    p = hostile.launch(tmp_path, world, "MaxClients 1000\n"
                              "AllowDestination 127.0.0.0/8", nofile=NOFILE)
    yield p
    rc = p.stop()
    report = p.sanitizer_report()
    assert not report, report[-6000:]
    assert rc == 0, (rc, p.stderr_text()[-3000:])


def request(world, path):
    return ("GET %s HTTP/1.1\r\nHost: h.test\r\n\r\n"
            % hostile.target(world, path)).encode()


def test_out_of_descriptors(limited, world):
    p = limited
    assert hostile.proc_status(p.pid)["Name"].startswith("fwproxy")
    with open("/proc/%d/limits" % p.pid) as f:
        assert any(ln.startswith("Max open files") and " %d " % NOFILE in ln
                   for ln in f), "RLIMIT_NOFILE not applied"
    held = []
    try:
        # Unfinished requests, more than the descriptors allow.
        for _ in range(NOFILE * 2):
            s = fwtest.connect(p.port)
            s.sendall(request(world, "/held")[:30])
            held.append(s)
        time.sleep(0.3)
        assert hostile.open_fds(p.pid) <= NOFILE

        # A new client is refused at once with a 503 that says why: not
        # left in the backlog, not reset.
        for _ in range(20):
            with fwtest.connect(p.port) as s:
                s.sendall(request(world, "/new"))
                data, took = fwtest.until_closed(s, 3)
            assert took is not None and took < 1.5, (took, data)
            assert data.startswith(b"HTTP/1.1 503 "), data
            assert b"out of file descriptors" in data, data

        # Exhausted, the proxy does not spin on the listening socket.
        cpu0 = hostile.cpu_seconds(p.pid)
        time.sleep(1.0)
        spent = hostile.cpu_seconds(p.pid) - cpu0
        assert spent < 0.3, "%.2f s of CPU in 1 s while exhausted" % spent

        # An accepted client that finishes its request needs one more
        # descriptor for the name lookup: none is free, so 503 and why.
        s = held[0]
        s.sendall(request(world, "/held")[30:])
        s.settimeout(5)
        r = fwtest.Reader(s).response()
        assert r.status == 503, r
        assert b"out of file descriptors" in r.body, r
        assert p.alive()
    finally:
        for s in held:
            s.close()

    # Recovery: once the load falls, clients are served again.
    def served():
        try:
            return fwtest.exchange(p.port, request(world, "/after"),
                                   timeout=2).status == 200
        except OSError:
            return False
    assert fwtest.wait_for(served, 5, 0.2), "not serving after the load fell"
    assert fwtest.wait_for(lambda: hostile.open_fds(p.pid) < 20, 5), \
        hostile.open_fds(p.pid)
    assert p.alive()
    assert p.wait_log(r"Out of file descriptors")
