"""Transparent mode end to end: a client VM with no proxy setting at all,
its TCP 80, 443 and a listed port redirected to its own proxy by
fwproxyctl's rules, its UDP 443 (QUIC) rejected; decided by Host header,
TLS server name and original address; the rules gone when the VM stops.

The firewall namespace forwards like a Qubes firewall VM, so that without
the redirect a VM reaches the net namespace directly."""
import os
import shutil
import time

import pytest

import probes
from conftest import GATEWAY, NET_IP

WORK = ("work", "10.137.0.13")
OTHER = ("other", "10.137.2.13")
RULES = "^work\\.test$\n^%s$\n" % NET_IP.replace(".", "\\.")
SETTING = "# fwproxy: Transparent 80 443 8000/ip 8001/http\n"
RULES = RULES + "^repo\\.test$\n"
NAMES = ("work.test", "social.test", "repo.test", "blocked.test")
# The built-in template and a statistics page.
TEMPLATE = """Port {port}
Listen {bind_ip}
Timeout 600
MaxClients 100
LogFile "{log_file}"
LogLevel Notice
PidFile "{pid_file}"
Allow {vm_ip}
Filter "{rules_file}"
FilterDefaultDeny Yes
ConnectPort 443
StatHost "fwproxy.stats"
"""

@pytest.fixture(scope="module")
def tenv(env):
    # Forwarding as a firewall VM does, and a way back for the VMs'
    # addresses unless the replica masquerades them already.
    env.ex("fw", "sysctl", "-qw", "net.ipv4.ip_forward=1")
    uplink = env.ex("fw", "ip", "-4", "-o", "addr", "show", "dev",
                    "eth0").stdout.split()[3].split("/")[0]
    env.ip("net", "route", "add", "10.137.0.0/16", "via", uplink, "dev",
           "eth0", "onlink", check=False)
    # The VMs' Qubes firewall allowing everything (Qubes' default), where
    # the replica has qubes-firewall's table.
    env.ex("fw", "nft", "add", "rule", "ip", "qubes-firewall", "forward",
           "iifname", "vif*", "accept", check=False)
    for vm in ("vm1", "vm2"):
        etc = "/etc/netns/" + env.ns[vm]
        os.makedirs(etc, exist_ok=True)
        with open(etc + "/resolv.conf", "w") as f:
            f.write("nameserver %s\n" % NET_IP)
        with open(etc + "/hosts", "w") as f:
            f.write("127.0.0.1 localhost\n%s %s\n" % (NET_IP, " ".join(
                NAMES)))
    write_template(env)
    env.spawn("net", "python3", "-c", probes.UDP_ECHO % NET_IP)
    web = os.path.join(env.base, "web")
    os.makedirs(web)
    with open(os.path.join(web, "index.html"), "w") as f:
        f.write("port 8000 reached\n")
    env.spawn("net", "python3", "-m", "http.server", "8000", "--bind",
              NET_IP, "--directory", web)
    env.spawn("net", "python3", "-m", "http.server", "8001", "--bind",
              NET_IP, "--directory", apt_repo(env.base))
    time.sleep(0.5)
    yield env
    for vm in ("vm1", "vm2"):
        shutil.rmtree("/etc/netns/" + env.ns[vm], ignore_errors=True)


def write_template(env, extra=""):
    with open(os.path.join(env.config_dir, "config"), "w") as f:
        f.write(TEMPLATE + extra)


def apt_repo(base):
    """A flat Debian repository with no package: what apt-get update needs
    (Release, Packages), unsigned."""
    d = os.path.join(base, "repo")
    os.makedirs(d)
    with open(os.path.join(d, "Packages"), "w"):
        pass
    with open(os.path.join(d, "Release"), "w") as f:
        f.write("Origin: fwproxy-test\nLabel: fwproxy-test\nSuite: test\n"
                "Codename: test\nDate: Tue, 01 Dec 2026 00:00:00 UTC\n"
                "SHA256:\n e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca"
                "495991b7852b855 0 Packages\n")
    return d


def apt_update(env, vm, host):
    """apt-get update in vm from http://HOST:8001/ with no proxy at all:
    (exit status, output)."""
    d = os.path.join(env.base, "apt-" + host)
    os.makedirs(os.path.join(d, "lists", "partial"), exist_ok=True)
    os.makedirs(os.path.join(d, "cache", "archives", "partial"),
                exist_ok=True)
    with open(os.path.join(d, "sources.list"), "w") as f:
        f.write("deb [trusted=yes] http://%s:8001/ ./\n" % host)
    r = env.ex(vm, "apt-get", "-o", "Dir::Etc::SourceList=%s/sources.list" % d,
               "-o", "Dir::Etc::SourceParts=/nonexistent",
               "-o", "Dir::State::Lists=%s/lists" % d,
               "-o", "Dir::Cache=%s/cache" % d,
               "-o", "Acquire::http::Proxy=DIRECT",
               "-o", "APT::Sandbox::User=root", "-o", "Debug::NoLocking=1",
               "update", check=False, timeout=60)
    return r.returncode, r.stdout + r.stderr


def curl(env, vm, url, *args):
    """(rc, body) of curl in vm, with no proxy."""
    r = env.ex(vm, "curl", "-s", "-k", "-m", "5", "--noproxy", "*", *args,
               url, check=False, timeout=20)
    return r.returncode, r.stdout


def log(env, name="work"):
    with open(os.path.join(env.run_dir, name, "log")) as f:
        return f.read()


def wait_log(env, text, name="work"):
    for _ in range(50):
        if text in log(env, name):
            return True
        time.sleep(0.1)
    return False


def test_without_the_setting_traffic_goes_around_the_proxy(tenv):
    tenv.write_rules(*WORK, RULES)
    tenv.write_rules(*OTHER, RULES)
    r = tenv.ctl("update")
    assert "transparent" not in r.stdout
    assert "fwproxy-transparent" not in tenv.ex("fw", "nft", "list",
                                                "ruleset").stdout
    assert curl(tenv, "vm1", "http://social.test/") == \
        (0, "hello from social.test\n")
    assert probes.udp(tenv, "vm1") == "echo"


def test_setting_adds_redirect_rules_for_that_vm_only(tenv):
    tenv.write_rules(*WORK, SETTING + RULES)
    r = tenv.ctl("update")
    assert "work: transparent redirect set" in r.stdout, r.stdout
    assert "other: transparent" not in r.stdout
    table = tenv.ex("fw", "nft", "list", "table", "ip",
                    "fwproxy-transparent").stdout
    for port in (80, 443, 8000, 8001):
        assert ('iifname "vif12.0" ip saddr 10.137.0.13 tcp dport %d '
                'dnat to %s:8100 comment "fwproxy-transparent:work"'
                % (port, GATEWAY)) in table, table
    assert "udp dport 443 reject" in table
    assert "10.137.2.13" not in table
    with open(os.path.join(tenv.run_dir, "work", "config")) as f:
        assert "\nTransparent 80 443 8000/ip 8001/http\n" in f.read()
    # Idempotent.
    assert "transparent" not in tenv.ctl("update").stdout


def test_http_decided_by_host_with_the_refusal_page(tenv):
    assert curl(tenv, "vm1", "http://work.test/") == \
        (0, "hello from work.test\n")
    rc, page = curl(tenv, "vm1", "http://social.test/")
    assert rc == 0 and "social.test" in page and "403" in page, page
    assert wait_log(tenv, 'Proxying refused on filtered domain "social.test" '
                          '(client 10.137.0.13, GET social.test:80 transparent')
    # The other VM is not redirected.
    assert curl(tenv, "vm2", "http://social.test/") == \
        (0, "hello from social.test\n")


def test_tls_decided_by_server_name(tenv):
    assert curl(tenv, "vm1", "https://work.test/") == \
        (0, "hello from work.test\n")
    rc, out = curl(tenv, "vm1", "https://social.test/")
    assert rc != 0 and out == ""
    assert wait_log(tenv, 'Proxying refused on filtered domain "social.test" '
                          '(client 10.137.0.13, TLS social.test:443 '
                          'transparent')


def test_allowed_name_sent_to_another_address_is_refused(tenv):
    rc, out = curl(tenv, "vm1", "https://work.test/", "--resolve",
                   "work.test:443:192.0.2.7")
    assert rc != 0 and out == ""
    assert wait_log(tenv, 'Refused transparent TLS from 10.137.0.13 to '
                          'work.test:443: the TLS server name "work.test" '
                          'does not resolve to 192.0.2.7')


def test_tls_without_server_name_is_refused(tenv):
    rc, out = curl(tenv, "vm1", "https://%s/" % NET_IP)
    assert rc != 0 and out == ""
    assert wait_log(tenv, "Refused transparent TLS from 10.137.0.13 to "
                          "%s:443: no server name (SNI)" % NET_IP)


def test_other_port_decided_by_address(tenv):
    assert curl(tenv, "vm1", "http://%s:8000/" % NET_IP) == \
        (0, "port 8000 reached\n")
    rc, out = curl(tenv, "vm1", "http://192.0.2.7:8000/")
    assert rc != 0 and out == ""
    assert wait_log(tenv, 'Proxying refused on filtered domain "192.0.2.7" '
                          '(client 10.137.0.13, TCP 192.0.2.7:8000 '
                          'transparent')


def test_apt_without_proxy_setting(tenv):
    rc, out = apt_update(tenv, "vm1", "repo.test")
    assert rc == 0 and "Err" not in out, out
    rc, out = apt_update(tenv, "vm1", "blocked.test")
    assert "403" in out, out
    assert wait_log(tenv, 'Proxying refused on filtered domain "blocked.test" '
                          '(client 10.137.0.13, GET blocked.test:8001 '
                          'transparent')


def test_garbage_gets_a_close_or_an_error_and_a_log_line(tenv):
    closed = ("b''", "b'<ConnectionResetError>'")
    assert probes.tcp(tenv, "vm1", 443,
                      b"GET / HTTP/1.1\r\nHost: work.test\r\n\r\n") in closed
    assert wait_log(tenv, "Refused transparent TLS from 10.137.0.13 to "
                          "%s:443: not a TLS ClientHello" % NET_IP)
    assert probes.tcp(tenv, "vm1", 443,
                      b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00") in closed
    assert wait_log(tenv, "malformed TLS ClientHello: the first handshake "
                          "message is not a ClientHello")
    out = probes.tcp(tenv, "vm1", 80, b"GET / HTTP/1.0\r\n\r\n")
    assert out.startswith("b'HTTP/1.1 400"), out
    assert "request without Host" in out
    out = probes.tcp(tenv, "vm1", 80, b"CONNECT work.test:443 HTTP/1.1\r\n"
                                       b"Host: work.test:443\r\n\r\n")
    assert out.startswith("b'HTTP/1.1 400"), out
    # The proxy is still there for the next one.
    assert curl(tenv, "vm1", "https://work.test/") == \
        (0, "hello from work.test\n")


def test_redirected_connection_is_never_socks(tenv):
    # SOCKS shares the proxy port, but a redirected connection speaks the
    # protocol of its original port: a SOCKS5 greeting sent to port 80 is
    # a malformed HTTP request, one sent to 443 is not a ClientHello.
    greeting = b"\x05\x01\x00\r\n\r\n"
    out = probes.tcp(tenv, "vm1", 80, greeting)
    assert out.startswith("b'HTTP/1.1 400"), out
    assert probes.tcp(tenv, "vm1", 443, greeting) in \
        ("b''", "b'<ConnectionResetError>'")
    assert wait_log(tenv, "Refused transparent TLS from 10.137.0.13 to "
                          "%s:443: not a TLS ClientHello" % NET_IP)


def test_quic_is_rejected(tenv):
    assert probes.udp(tenv, "vm1") == "refused"
    assert probes.udp(tenv, "vm2") == "echo"


def test_stats_page_marks_transparent_refusals(tenv):
    r = tenv.ex("vm1", "curl", "-s", "-m", "5", "-x",
                "http://%s:8100" % GATEWAY, "http://fwproxy.stats/",
                check=False)
    page = r.stdout
    assert "<th>Transparent connections</th>" in page, page
    assert "<td>TLS (transparent)</td>" in page, page
    assert "<td>GET (transparent)</td>" in page, page
    assert "<td>TCP (transparent)</td>" in page, page


def test_template_directive_for_every_vm_rules_file_overrides(tenv):
    write_template(tenv, "Transparent 80\n")
    r = tenv.ctl("update")
    assert "other: transparent redirect set" in r.stdout, r.stdout
    assert "work: transparent" not in r.stdout, r.stdout
    assert curl(tenv, "vm2", "http://work.test/") == \
        (0, "hello from work.test\n")
    rc, page = curl(tenv, "vm2", "http://social.test/")
    assert "403" in page, page
    assert probes.udp(tenv, "vm2") == "refused"
    tenv.write_rules(*OTHER, "# fwproxy: Transparent none\n" + RULES)
    r = tenv.ctl("update")
    assert "other: transparent redirect removed" in r.stdout, r.stdout
    assert curl(tenv, "vm2", "http://social.test/") == \
        (0, "hello from social.test\n")
    tenv.write_rules(*OTHER, "# fwproxy: Transparent 80 x\n" + RULES)
    r = tenv.ctl("update", check=False)
    assert r.returncode != 0
    assert "other.10.137.2.13:1: Transparent: \"x\" is not a port" in \
        r.stderr, r.stderr
    r = tenv.ctl("check", "other", check=False)
    assert r.returncode != 0
    assert r.stderr.startswith("fwproxyctl: %s/other.10.137.2.13:1: "
                               "Transparent:" % tenv.config_dir), r.stderr
    assert "10.137.2.13" not in tenv.ex("fw", "nft", "list", "table", "ip",
                                        "fwproxy-transparent").stdout
    tenv.write_rules(*OTHER, RULES)
    write_template(tenv)
    assert "transparent" not in tenv.ctl("update").stdout


def test_no_sni_decided_by_address_when_asked(tenv):
    write_template(tenv, "TransparentNoSNI address\n")
    tenv.ctl("update")
    assert curl(tenv, "vm1", "https://%s/" % NET_IP) == \
        (0, "hello from %s\n" % NET_IP)
    rc, out = curl(tenv, "vm1", "https://192.0.2.7/")
    assert rc != 0 and out == ""
    assert wait_log(tenv, 'Proxying refused on filtered domain "192.0.2.7" '
                          '(client 10.137.0.13, TLS 192.0.2.7:443 '
                          'transparent')
    write_template(tenv)
    tenv.ctl("update")


def test_chromium_without_proxy_flag(tenv):
    chromium = "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        pytest.skip("no chromium")

    def dom(url):
        profile = os.path.join(tenv.base, "chromium-profile")
        r = tenv.ex("vm1", chromium, "--headless", "--no-sandbox",
                    "--disable-gpu", "--ignore-certificate-errors",
                    "--user-data-dir=" + profile, "--dump-dom", url,
                    check=False, timeout=60)
        return r.stdout

    assert "hello from work.test" in dom("https://work.test/")
    assert "hello from work.test" in dom("http://work.test/")
    page = dom("http://social.test/")
    assert "social.test" in page and "hello from" not in page, page


def test_stopped_vm_loses_its_redirect(tenv):
    tenv.vm_down("vm1")
    tenv.ctl("update")
    assert "fwproxy-transparent" not in tenv.ex("fw", "nft", "list",
                                                "ruleset").stdout
    tenv.vm_up("vm1")
