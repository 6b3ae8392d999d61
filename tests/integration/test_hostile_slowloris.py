"""Slowloris: 600 clients each hold an unfinished request head open and
trickle a byte now and then. A normal client is still served within its
usual latency (the figures are printed)."""

import resource
import statistics
import time

import fwtest
import hostile

SLOW = 600


def raise_nofile(want=4096):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def latencies(p, world, n=30):
    out = []
    data = ("GET %s HTTP/1.1\r\nHost: h.test\r\n\r\n"
            % hostile.target(world, "/normal")).encode()
    for _ in range(n):
        t0 = time.monotonic()
        r = fwtest.exchange(p.port, data, timeout=10)
        out.append(time.monotonic() - t0)
        assert r.status == 200, r
    return out


def figure(xs):
    xs = sorted(xs)
    return "median %.1f ms, p90 %.1f ms, max %.1f ms" % (
        statistics.median(xs) * 1000, xs[int(len(xs) * 0.9)] * 1000,
        xs[-1] * 1000)


def test_slowloris_does_not_starve_normal_clients(fwproxy, world):
    assert raise_nofile() >= 2000, "need RLIMIT_NOFILE >= 2000"
    # Room for every slow client: the point is that holding a slot costs
    # the others nothing, not that MaxClients turns them away.
    p = fwproxy("MaxClients 2000\nHeaderTimeout 60")
    base = latencies(p, world)
    slow = []
    try:
        head = ("GET %s HTTP/1.1\r\nHost: h.test\r\nX-Slow: "
                % hostile.target(world, "/slow")).encode()
        for _ in range(SLOW):
            s = fwtest.connect(p.port)
            s.sendall(head)
            slow.append(s)
        # Each slow client trickles one more byte between the samples.
        loaded = []
        for _ in range(3):
            for s in slow:
                s.sendall(b"a")
            loaded += latencies(p, world, 10)
        still_open = 0
        for s in slow:
            s.setblocking(False)
            try:
                s.recv(1)  # an answer or a close: not waiting any more
            except BlockingIOError:
                still_open += 1
            except OSError:
                pass
    finally:
        for s in slow:
            s.close()
    print("\nnormal client alone:           %s" % figure(base))
    print("normal client beside %d slow: %s" % (SLOW, figure(loaded)))
    # Every slow client was still being waited for, none was answered.
    assert still_open == SLOW, still_open
    assert not any(r.target == "/slow" for r in world.origin.requests)
    assert statistics.median(loaded) <= 3 * statistics.median(base) + 0.02, (
        figure(base), figure(loaded))
    assert max(loaded) < 1.0, figure(loaded)
    # The proxy recovers its descriptors once they leave.
    assert fwtest.wait_for(lambda: hostile.open_fds(p.pid) < 50, 5), \
        hostile.open_fds(p.pid)
