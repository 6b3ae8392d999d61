"""Network namespaces standing in for a Qubes firewall VM and its clients.

fw-PID   the firewall VM: vif12.0 and vif14.0 (gateway 10.137.0.1/32 on
         each, a /32 route to each VM), uplink eth0 10.200.0.2/24, and a
         Qubes-4.2-style nft base ruleset (input policy drop, jump
         custom-input) so that a missing rule really blocks; or, for the
         iptables tests, Qubes 4.1's iptables INPUT chain, which ends in a
         reject for the VMs' interfaces.
vm1-PID  client 10.137.0.13 behind vif12.0
vm2-PID  client 10.137.2.13 behind vif14.0 (same last octet)
net-PID  10.200.0.1: nginx (HTTP 80, HTTPS 443) and dnsmasq for *.test
"""
import os
import shutil
import signal
import subprocess
import time

import pytest

GATEWAY = "10.137.0.1"
NET_IP = "10.200.0.1"
VMS = {"vm1": ("vif12.0", "10.137.0.13"), "vm2": ("vif14.0", "10.137.2.13")}

BASE_RULESET = """
table ip qubes {
    chain custom-input {
    }
    chain input {
        type filter hook input priority filter; policy drop;
        jump custom-input
        ct state established,related accept
        iifname "lo" accept
        meta l4proto icmp accept
    }
}
"""

# Qubes 4.1's INPUT chain (iptables-save form): a rule appended after it
# would never match, so fwproxyctl must insert its own in front.
BASE_IPTABLES = """*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i vif+ -p udp -m udp --dport 68 -j DROP
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i vif+ -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -i vif+ -j REJECT --reject-with icmp-host-prohibited
-A INPUT -j DROP
COMMIT
"""

NGINX_CONF = """
daemon off;
master_process off;
user root;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/nginx-access.log;
    server {{
        listen {ip}:80;
        listen {ip}:443 ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{ return 200 "hello from $host\\n"; }}
    }}
}}
"""


def run(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True,
                          **kw)


class Env:
    def __init__(self, base, firewall="nft"):
        self.firewall = firewall
        sfx = str(os.getpid())
        self.ns = {n: "fwp%s-%s" % (n, sfx) for n in ("fw", "vm1", "vm2",
                                                      "net")}
        self.base = base
        self.procs = []
        bindir = os.environ.get("FWPROXY_BIN")
        if not bindir:
            pytest.skip("FWPROXY_BIN not set")
        self.ctl_bin = os.path.join(bindir, "fwproxyctl")
        self.fwproxy_bin = os.path.join(bindir, "fwproxy")
        self.config_dir = os.path.join(base, "rules")
        self.run_dir = os.path.join(base, "run")
        os.makedirs(self.config_dir)

    # --- plumbing -------------------------------------------------------
    def ip(self, ns, *args, check=True):
        return run("ip", "-n", self.ns[ns], *args, check=check)

    def ex(self, ns, *args, check=True, timeout=30, **kw):
        return run("ip", "netns", "exec", self.ns[ns], *args, check=check,
                   timeout=timeout, **kw)

    def up(self):
        for ns in self.ns.values():
            run("ip", "netns", "add", ns)
        for ns in self.ns:
            self.ip(ns, "link", "set", "lo", "up")
        self.ip("fw", "link", "add", "eth0", "type", "veth", "peer", "name",
                "eth0", "netns", self.ns["net"])
        self.ip("fw", "addr", "add", "10.200.0.2/24", "dev", "eth0")
        self.ip("fw", "link", "set", "eth0", "up")
        self.ip("fw", "route", "add", "default", "via", NET_IP)
        self.ip("net", "addr", "add", NET_IP + "/24", "dev", "eth0")
        self.ip("net", "link", "set", "eth0", "up")
        for vm in VMS:
            self.vm_up(vm)
        if self.firewall == "iptables":
            self.ex("fw", "iptables-restore", input=BASE_IPTABLES)
        else:
            self.ex("fw", "nft", "-f", "-", input=BASE_RULESET)
        # c-ares in the fw namespace reads this resolv.conf: ip netns exec
        # bind-mounts /etc/netns/NAME/ over /etc.
        etc = "/etc/netns/" + self.ns["fw"]
        os.makedirs(etc, exist_ok=True)
        with open(etc + "/resolv.conf", "w") as f:
            f.write("nameserver %s\n" % NET_IP)
        self.start_servers()

    def vm_up(self, vm):
        vif, addr = VMS[vm]
        self.ip("fw", "link", "add", vif, "type", "veth", "peer", "name",
                "eth0", "netns", self.ns[vm])
        self.ip("fw", "addr", "add", GATEWAY + "/32", "dev", vif)
        self.ip("fw", "link", "set", vif, "up")
        self.ip("fw", "route", "add", addr + "/32", "dev", vif)
        self.ip(vm, "addr", "add", addr + "/32", "dev", "eth0")
        self.ip(vm, "link", "set", "eth0", "up")
        self.ip(vm, "route", "add", GATEWAY, "dev", "eth0")
        self.ip(vm, "route", "add", "default", "via", GATEWAY)

    def vm_down(self, vm):
        self.ip("fw", "link", "del", VMS[vm][0])

    def start_servers(self):
        d = os.path.join(self.base, "net")
        os.makedirs(d)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", d + "/key.pem", "-out", d + "/cert.pem", "-days", "2",
            "-subj", "/CN=test")
        with open(d + "/nginx.conf", "w") as f:
            f.write(NGINX_CONF.format(dir=d, ip=NET_IP))
        self.spawn("net", "nginx", "-c", d + "/nginx.conf", "-p", d)
        self.spawn("net", "dnsmasq", "--no-daemon", "--no-resolv",
                   "--no-hosts", "--user=root", "--bind-interfaces",
                   "--listen-address=" + NET_IP, "--pid-file=",
                   "--address=/test/" + NET_IP)
        for _ in range(100):
            r = self.ex("net", "curl", "-s", "-m", "2",
                        "http://%s/" % NET_IP, check=False)
            if r.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("nginx did not start")

    def spawn(self, ns, *args):
        p = subprocess.Popen(("ip", "netns", "exec", self.ns[ns]) + args,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def down(self):
        try:
            self.ctl("kill-all", check=False)
        except Exception:
            pass
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        for ns in self.ns.values():
            run("ip", "netns", "del", ns, check=False)
        shutil.rmtree("/etc/netns/" + self.ns["fw"], ignore_errors=True)

    # --- what the tests use ---------------------------------------------
    def ctl(self, *args, check=True, config_dir=None, run_dir=None):
        r = self.ex("fw", self.ctl_bin, "--config-dir",
                    config_dir or self.config_dir, "--run-dir",
                    run_dir or self.run_dir, *args, check=False, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError("fwproxyctl %s: rc %d\n%s%s" % (
                " ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def show(self, **kw):
        """{name: (ip, iface, pid)} from fwproxyctl show."""
        lines = self.ctl("show", **kw).stdout.splitlines()
        assert lines[0].split()[:4] == ["Name", "IP", "Interface",
                                        "Proxy_Pid"]
        return {f[0]: tuple(f[1:4]) for f in (l.split() for l in lines[1:])}

    def ruleset(self):
        if self.firewall == "iptables":
            return self.ex("fw", "iptables", "-w", "-S", "INPUT").stdout
        return self.ex("fw", "nft", "list", "ruleset").stdout

    def fetch(self, vm, url, proxy_port=8100, timeout=5):
        """The HTTP status code curl saw through the proxy, or 0."""
        r = self.ex(vm, "curl", "-s", "-k", "-o", "/dev/null", "-w",
                    "%{http_code}", "-m", str(timeout), "-x",
                    "http://%s:%d" % (GATEWAY, proxy_port), url, check=False,
                    timeout=timeout + 10)
        try:
            return int(r.stdout.strip() or 0)
        except ValueError:
            return 0

    def write_rules(self, name, ip, text, config_dir=None):
        with open(os.path.join(config_dir or self.config_dir,
                               "%s.%s" % (name, ip)), "w") as f:
            f.write(text)


def make_env(firewall):
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    base = "/tmp/fwproxy-e2e-%d" % os.getpid()
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    os.chmod(base, 0o755)
    e = Env(base, firewall)
    try:
        e.up()
        yield e
    finally:
        e.down()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def env():
    yield from make_env("nft")


@pytest.fixture(scope="module")
def ipt_env():
    yield from make_env("iptables")
