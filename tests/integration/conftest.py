"""Fixtures: the session's peers (dnsmasq, nginx with TLS, a recording
Python origin) and a factory that starts fwproxy instances and checks, at
the end of each test, that every one exits 0 on SIGTERM without a
sanitizer report."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fwtest  # noqa: E402
import peers  # noqa: E402

from peers import DEAD_ADDR, NGINX_ADDR, ORIGIN_ADDR  # noqa: E402


class World:
    """The peers every test shares. Names: nginx.test and tls.test are
    nginx; two.test has DEAD_ADDR (nothing listens) then ORIGIN_ADDR;
    dead.test only DEAD_ADDR; every other *.test name is the Python
    origin; *.invalid does not exist."""

    def origin_url(self, host="origin.test", path="/"):
        return "http://%s:%d%s" % (host, self.origin.port, path)

    def nginx_url(self, path="/", host="nginx.test"):
        return "http://%s:%d%s" % (host, self.nginx.port, path)


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    if not os.access(fwtest.FWPROXY, os.X_OK):
        pytest.exit("no fwproxy binary at %s (set FWPROXY_BIN)" % fwtest.FWPROXY, 2)
    base = tmp_path_factory.mktemp("world")
    w = World()
    w.dir = str(base)
    w.big = os.path.join(w.dir, "big.bin")
    w.big_sha256 = peers.make_big_file(w.big)
    w.certs = peers.make_ca(base, ("tls.test",))
    started = []
    try:
        w.origin = peers.Origin(ORIGIN_ADDR, files={"big": w.big})
        started.append(w.origin)
        w.nginx = peers.Nginx(base / "nginx", NGINX_ADDR, w.certs, w.big)
        started.append(w.nginx)
        w.dns = peers.Dns(base / "dns", {
            "nginx.test": [NGINX_ADDR],
            "tls.test": [NGINX_ADDR],
            "two.test": [DEAD_ADDR, ORIGIN_ADDR],
            "dead.test": [DEAD_ADDR],
        }, ORIGIN_ADDR)
        started.append(w.dns)
        yield w
    finally:
        for s in reversed(started):
            s.stop()
        os.unlink(w.big)


@pytest.fixture
def fwproxy(tmp_path, world):
    """start(directives="", rules=None, **kw) -> fwtest.Proxy, with the
    DNSServer line, AllowDestination 127.0.0.0/8 and a log file in
    tmp_path. All are stopped after the test; each must exit 0."""
    started = []
    world.origin.clear()

    def start(directives="", rules=None, **kw):
        d = tmp_path / ("proxy%d" % len(started))
        kw.setdefault("dns_port", world.dns.port)
        p = fwtest.start_proxy(d, directives, rules, **kw)
        started.append(p)
        return p

    yield start
    problems = []
    for p in started:
        rc = p.stop()
        if rc != 0:
            problems.append("fwproxy pid %d exited %r on SIGTERM\nstderr:\n%s"
                            % (p.pid, rc, p.stderr_text()[-3000:]))
        report = p.sanitizer_report()
        if report:
            problems.append("sanitizer report from pid %d:\n%s"
                            % (p.pid, report[-6000:]))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
