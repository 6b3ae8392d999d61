"""Request-line shapes a forward proxy must refuse (RFC 9112 3): missing
method, extra spaces, origin-form, userinfo, bad ports, and CONNECT
targets that are not a bare host:port. 400, close, nothing forwarded."""

import pytest

import fwtest
import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("targets"), world,
                         "ConnectPort 443\nConnectPort %d" % world.origin.port
                         ) as p:
        yield p


@pytest.fixture(autouse=True)
def fresh(proxy, world):
    world.origin.clear()
    yield
    assert proxy.alive(), proxy.stderr_text()[-3000:]


# Request lines; {t} is a valid absolute target on the origin, {hp} its
# host:port, {port} the origin's port.
BAD_LINES = [
    ("no_method", " {t} HTTP/1.1"),
    ("only_target", "{t} HTTP/1.1"),
    ("leading_space", " GET {t} HTTP/1.1"),
    ("double_space_after_method", "GET  {t} HTTP/1.1"),
    ("double_space_before_version", "GET {t}  HTTP/1.1"),
    ("trailing_space", "GET {t} HTTP/1.1 "),
    ("tab_separator", "GET\t{t}\tHTTP/1.1"),
    ("no_version", "GET {t}"),
    ("version_lower_case", "GET {t} http/1.1"),
    ("version_2", "GET {t} HTTP/2.0"),
    ("version_1_2", "GET {t} HTTP/1.2"),
    ("version_short", "GET {t} HTTP/1"),
    ("version_long", "GET {t} HTTP/1.10"),
    ("extra_word", "GET {t} HTTP/1.1 extra"),
    ("method_non_token", "G(T {t} HTTP/1.1"),
    ("method_nul", "G\0T {t} HTTP/1.1"),
    ("origin_form", "GET /x HTTP/1.1"),
    ("origin_form_query", "GET /?u=http://h.test/ HTTP/1.1"),
    ("asterisk", "OPTIONS * HTTP/1.1"),
    ("empty_target", "GET  HTTP/1.1"),
    ("scheme_https", "GET https://{hp}/x HTTP/1.1"),
    ("scheme_ftp", "GET ftp://{hp}/x HTTP/1.1"),
    ("scheme_only", "GET http:// HTTP/1.1"),
    ("scheme_no_slashes", "GET http:{hp}/x HTTP/1.1"),
    ("empty_host", "GET http:///x HTTP/1.1"),
    ("empty_host_port", "GET http://:{port}/x HTTP/1.1"),
    ("userinfo", "GET http://user:pw@{hp}/x HTTP/1.1"),
    ("userinfo_user_only", "GET http://user@{hp}/x HTTP/1.1"),
    ("userinfo_empty", "GET http://@{hp}/x HTTP/1.1"),
    ("userinfo_host_confusion", "GET http://{hp}@evil.test/x HTTP/1.1"),
    ("port_zero", "GET http://h.test:0/x HTTP/1.1"),
    ("port_65536", "GET http://h.test:65536/x HTTP/1.1"),
    ("port_overflow", "GET http://h.test:18446744073709551696/x HTTP/1.1"),
    ("port_sign", "GET http://h.test:+{port}/x HTTP/1.1"),
    ("port_negative", "GET http://h.test:-1/x HTTP/1.1"),
    ("port_hex", "GET http://h.test:0x50/x HTTP/1.1"),
    ("port_letters", "GET http://h.test:80a/x HTTP/1.1"),
    ("host_percent", "GET http://h%2etest:{port}/x HTTP/1.1"),
    ("host_backslash", "GET http://h.test\\@evil.test:{port}/x HTTP/1.1"),
    ("host_unclosed_bracket", "GET http://[::1:{port}/x HTTP/1.1"),
    ("fragment", "GET {t}#frag HTTP/1.1"),
    ("connect_no_port", "CONNECT h.test HTTP/1.1"),
    ("connect_empty_port", "CONNECT h.test: HTTP/1.1"),
    ("connect_port_zero", "CONNECT h.test:0 HTTP/1.1"),
    ("connect_port_65536", "CONNECT h.test:65536 HTTP/1.1"),
    ("connect_port_wraps_to_443", "CONNECT h.test:66979 HTTP/1.1"),
    ("connect_port_sign", "CONNECT h.test:+443 HTTP/1.1"),
    ("connect_userinfo", "CONNECT user:pw@h.test:443 HTTP/1.1"),
    ("connect_userinfo_port", "CONNECT h.test:443@h.test:{port} HTTP/1.1"),
    ("connect_path", "CONNECT h.test:443/x HTTP/1.1"),
    ("connect_slash", "CONNECT h.test:443/ HTTP/1.1"),
    ("connect_scheme", "CONNECT http://h.test:443 HTTP/1.1"),
    ("connect_scheme_https", "CONNECT https://h.test:443 HTTP/1.1"),
    ("connect_query", "CONNECT h.test:443?x HTTP/1.1"),
    ("connect_empty_host", "CONNECT :443 HTTP/1.1"),
    ("connect_origin_form", "CONNECT / HTTP/1.1"),
    ("connect_ipv6_unbracketed", "CONNECT ::1:443 HTTP/1.1"),
]


def fill(line, world):
    hp = "h.test:%d" % world.origin.port
    return line.format(t="http://%s/x" % hp, hp=hp, port=world.origin.port)


@pytest.mark.parametrize("line", [b[1] for b in BAD_LINES],
                         ids=[b[0] for b in BAD_LINES])
def test_bad_request_line_is_400(proxy, world, line):
    data = fill(line, world).encode("latin-1") + b"\r\nHost: h.test\r\n\r\n"
    hostile.assert_rejected(proxy, world, data)


def test_targets_controls(proxy, world):
    # The accepted forms: absolute http:// (scheme and host in any case)
    # and CONNECT host:port.
    data = ("GET HTTP://H.TEST:%d/x HTTP/1.1\r\nHost: h.test\r\n\r\n"
            % world.origin.port).encode()
    hostile.assert_served(proxy, world, data)
    world.origin.clear()
    r = hostile.attack(proxy.port, ("CONNECT h.test:%d HTTP/1.1\r\n"
                                    "Host: h.test:%d\r\n\r\n"
                                    % (world.origin.port, world.origin.port)
                                    ).encode(), timeout=1)
    assert r.status == 200, r
    assert fwtest.wait_for(lambda: world.origin.connections == 1)
