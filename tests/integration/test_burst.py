"""A burst of 2,000 new clients at once for one allowed host the proxy has
not resolved yet: every one is served (no 504 while the lookups pile up),
within a bounded time, and the real DNS server (dnsmasq, --log-queries)
sees one query per address type, not one per client."""

import asyncio
import re
import resource
import time

import pytest

import fwtest
import peers
from peers import ORIGIN_ADDR

CLIENTS = 2000
BOUND_S = 60
HOST = "burst.test"


@pytest.fixture
def origin(tmp_path, world):
    # Every *.test name but a few is ORIGIN_ADDR: this nginx there takes
    # the whole burst (the session's nginx is kept small).
    n = peers.Nginx(tmp_path / "nginx", ORIGIN_ADDR, world.certs, world.big,
                    worker_connections=CLIENTS + 500)
    yield n
    n.stop()


@pytest.fixture
def nofile():
    # Client sockets here, and client plus server sockets in the proxy
    # (which inherits the limit).
    old = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 3 * CLIENTS + 500
    if old[1] != resource.RLIM_INFINITY and old[1] < want:
        pytest.skip("the open-files limit (%d) is below %d" % (old[1], want))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, old[1]))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, old)


async def fetch(port, req):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        return "connect: %s" % e.__class__.__name__
    try:
        w.write(req)
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
        if m:
            await r.readexactly(int(m.group(1)))
        return status
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        return "read: %s" % e.__class__.__name__
    finally:
        w.close()


async def burst(port, req):
    return await asyncio.wait_for(
        asyncio.gather(*(fetch(port, req) for _ in range(CLIENTS))), BOUND_S)


def dns_queries(world, qtype):
    with open(world.dns.log) as f:
        return len(re.findall(r"query\[%s\] %s " % (qtype, re.escape(HOST)),
                              f.read()))


def test_burst_of_new_clients_for_one_host(fwproxy, world, origin, nofile):
    p = fwproxy("MaxClients %d" % (CLIENTS + 100), log_level="Notice")
    req = ("GET http://%s:%d/index.html HTTP/1.1\r\nHost: %s\r\n"
           "Connection: close\r\n\r\n" % (HOST, origin.port, HOST)).encode()
    before = dns_queries(world, "A")
    t0 = time.monotonic()
    statuses = asyncio.run(burst(p.port, req))
    took = time.monotonic() - t0
    counts = {s: statuses.count(s) for s in set(statuses)}
    print("%d clients in %.2f s: %s; dnsmasq queries for %s: %d A, %d AAAA" % (
        CLIENTS, took, counts, HOST, dns_queries(world, "A") - before,
        dns_queries(world, "AAAA")))
    assert counts == {200: CLIENTS}, counts
    # One lookup answered them all; a burst longer than the cached answer's
    # 5 s may ask once more.
    assert 1 <= dns_queries(world, "A") - before <= 1 + int(took // 5), \
        dns_queries(world, "A") - before
    assert p.alive()
