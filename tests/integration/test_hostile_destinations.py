"""Destinations a client must not reach through the proxy: loopback,
link-local (cloud metadata), unspecified and the proxy's own addresses, in
every spelling (inet_aton shorthand, decimal, hex, octal, IPv4-mapped
IPv6) and behind names that resolve to them. Run WITHOUT AllowDestination:
the policy applies to the address actually dialled, after resolution, so
403 and nothing reaches any listener."""

import pytest

import fwtest
import hostile
import peers


@pytest.fixture(scope="module")
def env(world, tmp_path_factory):
    base = tmp_path_factory.mktemp("destinations")
    dns = peers.Dns(base / "dns", {
        "zero.test": ["0.0.0.0"],
        "meta.test": ["169.254.169.254"],
        "six.test": ["::1"],
        "mapped.test": ["::ffff:127.0.0.3"],
        "loop.test": ["127.0.0.1"],
        "many.test": ["127.0.0.3", "127.0.0.1", "169.254.1.1"],
    }, peers.ORIGIN_ADDR)
    sink = hostile.Sink()
    try:
        with hostile.running(base / "proxy", world, dns_port=dns.port,
                             allow_destination=False) as p:
            p.sink = sink
            yield p
    finally:
        sink.stop()
        dns.stop()


@pytest.fixture(autouse=True)
def fresh(env, world):
    world.origin.clear()
    env.sink.peers.clear()
    yield
    assert env.alive(), env.stderr_text()[-3000:]


def refused(env, world, data):
    r = hostile.assert_rejected(env, world, data, status=403)
    assert env.sink.peers == [], env.sink.peers
    return r


# Spellings of the recording origin's address 127.0.0.3.
ORIGIN_SPELLINGS = ["127.0.0.3", "127.3", "127.0.3", "2130706435",
                    "0x7f.3", "0x7f000003", "0177.0.0.3", "0177.03",
                    "0x7F.0x0.0x0.0x3", "[::ffff:127.0.0.3]",
                    "[::ffff:7f00:3]", "[0:0:0:0:0:ffff:127.0.0.3]"]


@pytest.mark.parametrize("host", ORIGIN_SPELLINGS)
def test_origin_address_spellings_refused(env, world, host):
    refused(env, world, ("GET http://%s:%d/x HTTP/1.1\r\nHost: x\r\n\r\n"
                         % (host, world.origin.port)).encode())


@pytest.mark.parametrize("host", ORIGIN_SPELLINGS[:6])
def test_connect_to_origin_spellings_refused(env, world, host):
    refused(env, world, ("CONNECT %s:%d HTTP/1.1\r\nHost: x\r\n\r\n"
                         % (host, world.origin.port)).encode())


# Spellings that reach the catch-all listener (every local address).
SINK_SPELLINGS = ["127.1", "2130706433", "0x7f.1", "017700000001",
                  "[::ffff:127.0.0.1]", "[::1]", "[::]", "0.0.0.0", "0",
                  "127.255.255.254", "localhost", "LOCALHOST.",
                  "169.254.169.254", "169.254.0.1", "[fe80::1]",
                  "224.0.0.1", "255.255.255.255"]


@pytest.mark.parametrize("host", SINK_SPELLINGS)
def test_local_spellings_refused(env, world, host):
    data = ("GET http://%s:%d/x HTTP/1.1\r\nHost: x\r\n\r\n"
            % (host, env.sink.port)).encode()
    if host.lower().startswith("localhost"):
        # Resolved from /etc/hosts or not at all: 403 or 502, never sent.
        r = hostile.attack(env.port, data)
        assert r.status in (403, 502) and r.closed, r
        assert env.sink.peers == []
    else:
        refused(env, world, data)


@pytest.mark.parametrize("name", ["h.test", "zero.test", "meta.test",
                                  "six.test", "mapped.test", "loop.test",
                                  "many.test", "two.test"])
def test_names_resolving_to_forbidden_addresses(env, world, name):
    port = world.origin.port if name in ("h.test", "mapped.test",
                                         "many.test") else env.sink.port
    refused(env, world, ("GET http://%s:%d/x HTTP/1.1\r\nHost: %s\r\n\r\n"
                         % (name, port, name)).encode())


def test_connect_by_name_refused(env, world):
    refused(env, world, ("CONNECT loop.test:%d HTTP/1.1\r\nHost: x\r\n\r\n"
                         % env.sink.port).encode())


def test_proxy_itself_refused(env, world):
    # A request to the proxy's own listening address must not loop.
    refused(env, world, ("GET http://127.0.0.1:%d/x HTTP/1.1\r\nHost: x"
                         "\r\n\r\n" % env.port).encode())


def test_refusal_is_logged(env, world):
    refused(env, world, ("GET http://0x7f.1:%d/x HTTP/1.1\r\nHost: x\r\n\r\n"
                         % env.sink.port).encode())
    assert env.wait_log(r"Refused destination .*127\.0\.0\.1|"
                        r"Refused destination 0x7f\.1")


def test_destinations_control(env, world, tmp_path):
    # The same origin is reachable when AllowDestination admits it: the
    # refusals above come from the destination policy alone.
    with hostile.running(tmp_path, world) as p:
        r = fwtest.exchange(p.port, ("GET http://2130706435:%d/x HTTP/1.1\r\n"
                                     "Host: x\r\n\r\n" % world.origin.port
                                     ).encode())
    assert r.status == 200, r
    assert world.origin.wait_requests(1)
