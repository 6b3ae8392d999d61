"""The SNI check on CONNECT: a tunnel whose TLS ClientHello names another
host than the CONNECT target is closed and logged (domain fronting); on by
default for allow-lists, off with ConnectSNICheck No."""

import socket
import ssl

import fwtest

ALLOW = "FilterDefaultDeny Yes\nConnectPort %d"
RULES = "^tls\\.test$\n^front\\.test$\n"


def tunnel(p, port, host="tls.test"):
    s = fwtest.connect(p.port)
    s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n"
               % (host, port, host, port)).encode())
    head = fwtest.Reader(s).read_until(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return s


def handshake(s, server_name, ca=None):
    """TLS over s naming server_name; the certificate is checked against
    ca when given. Returns the wrapped socket, or the error raised."""
    ctx = ssl.create_default_context(cafile=ca) if ca else \
        ssl._create_unverified_context()
    if ca is None:
        ctx.check_hostname = False
    try:
        return ctx.wrap_socket(s, server_hostname=server_name)
    except (ssl.SSLError, OSError) as e:
        return e


def test_matching_name_goes_through(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy(ALLOW % port, rules=RULES)
    t = handshake(tunnel(p, port), "tls.test", world.certs["ca"])
    assert isinstance(t, ssl.SSLSocket), t
    t.sendall(b"GET /who HTTP/1.1\r\nHost: tls.test\r\nConnection: close\r\n\r\n")
    assert b"tls host=tls.test" in fwtest.Reader(t).read_all()


def test_other_name_is_closed_and_logged(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy(ALLOW % port, rules=RULES)
    before = len(world.nginx.access_log())
    t = handshake(tunnel(p, port), "front.test")
    assert not isinstance(t, ssl.SSLSocket), "handshake through a fronted tunnel"
    assert p.wait_log(r'Refused CONNECT tunnel to tls\.test:%d from 127\.0\.0\.1: '
                      r'the TLS server name "front\.test" is not the CONNECT host'
                      % port), p.log_text()
    # Nothing reached the origin.
    assert len(world.nginx.access_log()) == before


def test_check_is_off_with_the_directive(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy((ALLOW % port) + "\nConnectSNICheck No", rules=RULES)
    t = handshake(tunnel(p, port), "front.test")
    assert isinstance(t, ssl.SSLSocket), t
    assert "Refused CONNECT tunnel" not in p.log_text()


def test_check_is_off_without_an_allow_list(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy("ConnectPort %d" % port)
    t = handshake(tunnel(p, port), "front.test")
    assert isinstance(t, ssl.SSLSocket), t


def test_check_on_by_request_without_an_allow_list(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy("ConnectPort %d\nConnectSNICheck Yes" % port)
    t = handshake(tunnel(p, port), "front.test")
    assert not isinstance(t, ssl.SSLSocket)
    assert p.wait_log(r"Refused CONNECT tunnel"), p.log_text()


def test_other_protocols_are_relayed(fwproxy, world):
    port = world.origin.port
    p = fwproxy("FilterDefaultDeny Yes", rules="^tunnel\\.test$\n")
    s = tunnel(p, port, "tunnel.test")
    s.sendall(b"GET /plain HTTP/1.1\r\nHost: tunnel.test\r\nConnection: close\r\n\r\n")
    r = fwtest.Reader(s).response()
    assert r.status == 200, r


def test_malformed_hello_is_closed(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy(ALLOW % port, rules=RULES)
    s = tunnel(p, port)
    # A handshake record that holds a ServerHello instead.
    s.sendall(b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00")
    data, took = fwtest.until_closed(s, 5, reset_is_close=True)
    assert took is not None and data == b""
    assert p.wait_log(r"malformed TLS ClientHello: the first handshake "
                      r"message is not a ClientHello"), p.log_text()


def test_hello_cut_short_is_closed(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy(ALLOW % port, rules=RULES)
    s = tunnel(p, port)
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    s.shutdown(socket.SHUT_WR)
    data, took = fwtest.until_closed(s, 5, reset_is_close=True)
    assert took is not None and data == b""
    assert p.wait_log(r"did not arrive whole"), p.log_text()


def test_learn_mode_logs_and_lets_through(fwproxy, world):
    port = world.nginx.tls_port
    p = fwproxy((ALLOW % port) + "\nFilterMode learn", rules=RULES)
    t = handshake(tunnel(p, port), "front.test")
    assert isinstance(t, ssl.SSLSocket), t
    assert p.wait_log(r"Learning: would refuse CONNECT tunnel to tls\.test"), \
        p.log_text()
