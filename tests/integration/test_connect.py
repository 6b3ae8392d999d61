"""CONNECT: a TLS origin verified by curl through the tunnel, ConnectPort,
and the raw byte relay."""

import subprocess

import fwtest
from fwtest import curl, sha256_file


def tls_url(world, path="/who"):
    return "https://tls.test:%d%s" % (world.nginx.tls_port, path)


def test_connect_tls_origin_certificate_verified(fwproxy, world, tmp_path):
    p = fwproxy("ConnectPort %d" % world.nginx.tls_port)
    r = curl(p, tls_url(world), tmp=tmp_path, cacert=world.certs["ca"])
    assert r.rc == 0, r
    assert r.status == 200
    assert r.text == "tls host=tls.test uri=/who\n"
    assert p.wait_log(r'"CONNECT tls\.test:%d"' % world.nginx.tls_port) or \
        p.wait_log(r"CONNECT tls\.test:%d" % world.nginx.tls_port), p.log_text()


def test_connect_verification_fails_without_ca(fwproxy, world, tmp_path):
    # The tunnel is transparent: curl sees the origin's own certificate.
    p = fwproxy("ConnectPort %d" % world.nginx.tls_port)
    r = curl(p, tls_url(world), tmp=tmp_path)
    assert r.rc == 60, r


def test_connect_big_download(fwproxy, world, tmp_path):
    p = fwproxy("ConnectPort %d" % world.nginx.tls_port)
    r = curl(p, tls_url(world, "/big.bin"), tmp=tmp_path,
             cacert=world.certs["ca"], timeout=120)
    assert r.status == 200, r
    assert sha256_file(r.body_path) == world.big_sha256


def test_connect_two_requests_in_tunnel(fwproxy, world, tmp_path):
    p = fwproxy("ConnectPort %d" % world.nginx.tls_port)
    out = tmp_path / "o"
    cp = subprocess.run(["curl", "-sS", "--max-time", "20", "-x", p.url,
                         "--cacert", world.certs["ca"],
                         "-w", "::%{http_code} %{num_connects}::",
                         "-o", str(out) + "1", tls_url(world, "/who"),
                         "-o", str(out) + "2", tls_url(world, "/index.html")],
                        capture_output=True, text=True, timeout=30)
    assert cp.stdout == "::200 1::::200 0::", (cp.stdout, cp.stderr)


def test_connect_port_refused(fwproxy, world, tmp_path):
    p = fwproxy("ConnectPort 443\nConnectPort 563")
    r = curl(p, tls_url(world), "-w", "::%{http_connect}::", tmp=tmp_path,
             cacert=world.certs["ca"])
    assert r.rc != 0
    assert "::403::" in r.write_out, (r.write_out, r.stderr)
    raw = fwtest.exchange(p.port, ("CONNECT tls.test:%d HTTP/1.1\r\nHost: tls.test\r\n\r\n"
                                   % world.nginx.tls_port).encode())
    assert raw.status == 403, raw
    assert b"tls.test" in raw.body


def test_connect_filtered_by_host(fwproxy, world, tmp_path):
    p = fwproxy("ConnectPort %d\nFilterDefaultDeny Yes" % world.nginx.tls_port,
                rules="^tls\\.test$\n")
    ok = curl(p, tls_url(world), tmp=tmp_path, cacert=world.certs["ca"])
    assert ok.status == 200, ok
    r = fwtest.exchange(p.port, ("CONNECT other.test:%d HTTP/1.1\r\nHost: other.test\r\n\r\n"
                                 % world.nginx.tls_port).encode())
    assert r.status == 403


def test_connect_raw_relay(fwproxy, world):
    p = fwproxy()
    port = world.origin.port
    with fwtest.connect(p.port) as s:
        s.sendall(("CONNECT tunnel.test:%d HTTP/1.1\r\nHost: tunnel.test:%d\r\n\r\n"
                   % (port, port)).encode())
        rd = fwtest.Reader(s)
        head = rd.read_until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200"), head
        # Bytes in the tunnel are not HTTP to the proxy: sent as they are.
        inner = b"GET /inside HTTP/1.1\r\nHost: whatever\r\nX-Raw: 1\r\n\r\n"
        s.sendall(inner)
        r = rd.response()
        assert r.status == 200 and r.body == b"origin GET /inside\n"
    assert world.origin.wait_requests(1)
    assert bytes(world.origin.streams[-1]) == inner
