"""A transfer that ends early leaves a log line with the bytes moved and
the side that ended it: the client giving up, the server closing before the
promised length, a CONNECT tunnel reset."""

import re
import socket
import subprocess

import fwtest
import hostile

CUT = (r"Transfer cut short by the %s: 127\.0\.0\.1 \"GET %s\" %d "
       r"up=0 down=(\d+) \d+ms rule=default")


def short_answer(sock, head):
    """Promises Content-Length 1000000 and closes after 100 body bytes."""
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" +
                 b"x" * 100)


def test_server_cuts_short(fwproxy, tmp_path):
    origin = hostile.RawOrigin(short_answer)
    try:
        p = fwproxy()
        url = origin.url("/file")
        r = fwtest.curl(p, url, tmp=tmp_path)
        assert r.status == 200
        m = p.wait_log(r"WARNING .*" + CUT % ("server", re.escape(url), 200))
        assert m, p.log_text()
        assert int(m.group(1)) >= 100
        assert not fwtest.log_lines(p.log_text(), r"INFO .*Request .*/file")
    finally:
        origin.stop()


def test_client_gives_up(fwproxy, world, tmp_path):
    p = fwproxy()
    url = world.nginx_url("/big.bin")
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "--limit-rate",
                        "2M", "--max-time", "1", "-x", p.url, url],
                       capture_output=True, timeout=20)
    assert r.returncode == 28  # curl's timeout
    m = p.wait_log(r"NOTICE .*" + CUT % ("client", re.escape(url), 200))
    assert m, p.log_text()[-2000:]
    assert 0 < int(m.group(1)) < (100 << 20)


def test_tunnel_reset_by_client(fwproxy, world):
    p = fwproxy("ConnectPort %d" % world.nginx.port)
    s = fwtest.connect(p.port)
    s.sendall(b"CONNECT nginx.test:%d HTTP/1.1\r\nHost: nginx.test\r\n\r\n"
              % world.nginx.port)
    assert b" 200 " in s.recv(1000)
    s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: nginx.test\r\n\r\n")
    s.recv(100000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    s.close()  # a reset
    assert p.wait_log(r"Transfer cut short by the client: 127\.0\.0\.1 "
                      r"\"CONNECT nginx\.test:\d+\" 200 up=\d+ down=\d+"), \
        p.log_text()[-2000:]
