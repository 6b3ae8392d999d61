"""Concurrent lookups of one name share one DNS query: many clients that
ask for a host the proxy has not resolved yet, while the DNS server is
slow to answer, cause one query per address type, and every client gets
its answer when that query does."""

import threading
import time

import pytest

import fwtest
from dnsstub import DnsStub
from peers import NGINX_ADDR

CLIENTS = 200


@pytest.fixture
def stub():
    # Answers with nginx, whose backlog takes the burst of connections.
    s = DnsStub(NGINX_ADDR, delay=0.5)
    yield s
    s.stop()


def test_one_query_for_concurrent_lookups(fwproxy, world, stub):
    p = fwproxy("MaxClients %d" % (CLIENTS + 10), dns_port=stub.port)
    host = "slow.shared.test"
    req = ("GET http://%s:%d/index.html HTTP/1.1\r\nHost: %s\r\n\r\n"
           % (host, world.nginx.port, host)).encode()
    socks = [fwtest.connect(p.port) for _ in range(CLIENTS)]
    statuses = [None] * CLIENTS

    def fetch(i):
        try:
            socks[i].sendall(req)
            statuses[i] = fwtest.Reader(socks[i]).response().status
        except (OSError, EOFError) as e:
            statuses[i] = repr(e)

    t0 = time.monotonic()
    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    took = time.monotonic() - t0
    for s in socks:
        s.close()
    assert statuses == [200] * CLIENTS, \
        {st: statuses.count(st) for st in set(statuses)}
    # Each client waited for the one slow answer, not for one of its own.
    assert took < 5, took
    assert stub.count(host, "A") == 1, stub.count(host, "A")
    assert stub.count(host, "AAAA") == 1, stub.count(host, "AAAA")


def test_failure_reaches_every_waiter(fwproxy, world, stub):
    # Waiters of a lookup that fails all get the failure, and the next
    # request asks again (failures are not cached).
    p = fwproxy("DNSTimeout 1", dns_port=stub.port)
    host = "silent.shared.test"
    req = ("GET http://%s:%d/index.html HTTP/1.1\r\nHost: %s\r\n\r\n"
           % (host, world.nginx.port, host)).encode()
    results = [None] * 20

    def fetch(i):
        try:
            results[i] = fwtest.exchange(p.port, req, timeout=10).status
        except (OSError, EOFError) as e:
            results[i] = repr(e)

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert results == [504] * 20, results
    first = stub.count(host, "A")
    assert 1 <= first <= 2, first  # one query, retried once by c-ares
    assert fwtest.exchange(p.port, req, timeout=10).status == 504
    assert stub.count(host, "A") > first
