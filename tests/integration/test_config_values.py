"""Values that would mean something else than they say, or would not work,
are caught by fwproxy -t as FILE:LINE: a ViaProxyName too long for the Via
line (every request used to wait for Timeout and get 504), a range with
host bits set (a warning), an IPv6 DNSServer that reads as address and
port (an error)."""

import re

from fwtest import curl, run_fwproxy


def check(tmp_path, text):
    conf = tmp_path / "v.conf"
    conf.write_text("Port 8100\nConnectPort 443\n" + text)
    return str(conf), run_fwproxy("-t", "-c", str(conf))


def test_via_proxy_name_is_limited(tmp_path):
    conf, r = check(tmp_path, "ViaProxyName %s\n" % ("a" * 484))
    assert r.returncode == 1
    assert ("%s:3: ViaProxyName: the name is 484 bytes long (at most 255)"
            % conf) in r.stderr, r.stderr


def test_via_proxy_name_at_the_limit_works(fwproxy, world, tmp_path):
    name = "v" * 255
    p = fwproxy("ViaProxyName %s" % name)
    r = curl(p, world.origin_url("x.test", "/echo"), tmp=tmp_path)
    assert r.status == 200
    via = world.origin.requests[-1].header("Via")
    assert re.match(r"1\.1 %s \(fwproxy/" % name, via), via


def test_every_value_is_limited(tmp_path):
    conf, r = check(tmp_path, "AddHeader X-Big %s\n" % ("b" * 5000))
    assert r.returncode == 1
    assert ("%s:3: AddHeader: value 2 is 5000 bytes long (at most 4095)"
            % conf) in r.stderr, r.stderr


def test_host_bits_warn(tmp_path):
    conf, r = check(tmp_path, "Allow 10.0.0.1/8\n")
    assert r.returncode == 0, r.stderr
    assert ('%s:3: warning: Allow: "10.0.0.1/8" has host bits set: it '
            "stands for the whole network 10.0.0.0/8; write that, or the "
            "address alone" % conf) in r.stderr, r.stderr


def test_ambiguous_dns_server_is_an_error(tmp_path):
    conf, r = check(tmp_path, 'DNSServer "::1:53"\n')
    assert r.returncode == 1
    assert ('%s:3: DNSServer: "::1:53" is ambiguous: write "[::1]:53" for '
            'port 53, or "[::1:53]:53" for the address ::1:53' % conf) \
        in r.stderr, r.stderr
