"""Each way a name lookup fails gets its own status and a reason that
names it: 504 when the DNS server does not answer in time, whatever
DNSTimeout is; 502 for NXDOMAIN, no address, SERVFAIL and REFUSED; the
log line says the same."""

import time

import pytest

import fwtest
from dnsstub import DnsStub
from peers import ORIGIN_ADDR


@pytest.fixture
def stub():
    s = DnsStub(ORIGIN_ADDR)
    yield s
    s.stop()


def get(p, world, host, timeout=15):
    req = ("GET http://%s:%d/x HTTP/1.1\r\nHost: %s\r\n\r\n"
           % (host, world.origin.port, host)).encode()
    return fwtest.exchange(p.port, req, timeout=timeout)


@pytest.mark.parametrize("first,reason", [
    ("nx", "NXDOMAIN"),
    ("nodata", "NODATA"),
    ("servfail", "SERVFAIL"),
    ("refused", "REFUSED"),
])
def test_failure_is_502_with_its_reason(fwproxy, world, stub, first, reason):
    p = fwproxy(dns_port=stub.port)
    host = "%s.fail.test" % first
    t0 = time.monotonic()
    r = get(p, world, host)
    assert r.status == 502, r
    assert time.monotonic() - t0 < 3, "a DNS failure answered slowly"
    assert reason.encode() in r.body and host.encode() in r.body, r
    assert p.wait_log(r"cannot resolve %s: .*%s" % (host, reason)), p.log_text()
    assert world.origin.requests == []


@pytest.mark.parametrize("dns_timeout", [1, 3])
def test_timeout_is_504_for_every_setting(fwproxy, world, stub, dns_timeout):
    p = fwproxy("DNSTimeout %d" % dns_timeout, dns_port=stub.port)
    t0 = time.monotonic()
    r = get(p, world, "silent.fail.test", timeout=dns_timeout + 10)
    took = time.monotonic() - t0
    assert r.status == 504, r
    assert b"timeout" in r.body and b"silent.fail.test" in r.body, r
    assert dns_timeout - 0.5 < took < dns_timeout + 1.5, took
    assert p.wait_log(r"cannot resolve silent\.fail\.test: .*timeout"), \
        p.log_text()


def test_answer_after_failures_still_served(fwproxy, world, stub):
    # The failures above leave nothing behind: the same proxy then serves.
    p = fwproxy(dns_port=stub.port)
    assert get(p, world, "nx.fail.test").status == 502
    r = get(p, world, "ok.fail.test")
    assert r.status == 200 and r.body == b"origin GET /x\n", r
