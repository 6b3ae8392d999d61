"""Network namespaces standing in for a Qubes firewall VM and its clients,
made as Qubes makes them (qubes-core-agent-linux: network/setup-ip,
vif-route-qubes, qubes-antispoof.nft, qubes-ipv4.nft, qubes-ipv6.nft,
iptables, qubesagent/firewall.py).

fw-PID   the firewall VM: uplink eth0 with its own address GATEWAY/32 (a
         host route to the net VM, default route through it), in interface
         group 1; one vif per client VM in group 2, which gets a /32 route
         to the VM and, last, GATEWAY/32 again. Qubes 4.2's nft base ruleset
         (antispoof sets, input policy drop with jump custom-input, the
         qubes-firewall tables) or Qubes 4.1's iptables rules.
vm1-PID  client 10.137.0.13 behind vif12.0
vm2-PID  client 10.137.2.13 behind vif14.0 (same last octet)
net-PID  NET_IP: nginx (HTTP 80, HTTPS 443) and dnsmasq for *.test

With ipv6 (Qubes' ipv6 feature on the firewall VM and its clients), every
address has an IPv6 twin in Qubes' prefix fd09:24ef:4179::/64 (the IPv4
address as its last 32 bits): GATEWAY6 on eth0 (setup-ip), VM6 per VM, and
vif-route-qubes handles the VM's IPv6 address after its IPv4 one (route,
hooks "HOOK online vifN.M vif IP6"), then puts GATEWAY6/128 on the vif after
GATEWAY/32; offline removes them in the same order.

A VM comes online in vif-route-qubes' order: vif up in group 2, antispoof
entry, route (metric 32752 - domid), then every executable in
RW/network-hooks.d as "HOOK online vifN.M vif IP" with vif and XENBUS_PATH
in the environment and its output discarded, and only then the gateway
address on the vif. Offline runs the same steps backwards (hooks after the
route is gone), then the vif disappears.
"""
import os
import shutil
import signal
import subprocess
import time

import pytest

GATEWAY = "10.138.24.91"
NET_IP = "10.138.7.1"
BIG_SIZE = 32 << 20
VMS = {"vm1": ("vif12.0", "10.137.0.13"), "vm2": ("vif14.0", "10.137.2.13")}
MAX_DOMID = 32752


def qubes_ip6(ip4):
    """Qubes' IPv6 address for an IPv4 one (qubes.vm.mix.net: the prefix
    fd09:24ef:4179::/64 and the IPv4 address as the last 32 bits)."""
    a, b, c, d = (int(x) for x in ip4.split("."))
    return "fd09:24ef:4179::%x:%x" % (a << 8 | b, c << 8 | d)


GATEWAY6 = qubes_ip6(GATEWAY)
NET_IP6 = qubes_ip6(NET_IP)
VM6 = {vm: qubes_ip6(ip) for vm, (_, ip) in VMS.items()}

# network/qubes-antispoof.nft, qubes-ipv4.nft and qubes-ipv6.nft as Qubes
# 4.2 loads them, and the tables qubes-firewall (qubesagent/firewall.py,
# NftablesWorker.init) makes when it starts.
BASE_RULESET = """
table ip qubes {
   set downstream {
      type ipv4_addr
   }
   set allowed {
      type ifname . ipv4_addr
   }
   chain prerouting {
      type filter hook prerouting priority raw; policy accept;
      iifgroup 2 goto antispoof
      ip saddr @downstream counter drop
   }
   chain antispoof {
      iifname . ip saddr @allowed accept
      counter drop
   }
   chain postrouting {
      type nat hook postrouting priority srcnat; policy accept;
      oifgroup 2 accept
      oif lo accept
      masquerade
   }
   chain input {
      type filter hook input priority filter; policy drop;
      jump custom-input
      ct state invalid counter drop
      iifgroup 2 meta l4proto udp udp dport 68 counter drop
      ct state related,established accept
      iifgroup 2 meta l4proto icmp accept
      iif lo accept
      iifgroup 2 counter reject with icmp type host-prohibited
      counter
   }
   chain forward {
      type filter hook forward priority filter; policy accept;
      jump custom-forward
      ct state invalid counter drop
      ct state related,established accept
      iifgroup != 2 counter drop
      oifgroup 2 counter drop
   }
   chain custom-input {}
   chain custom-forward {}
}
table ip6 qubes {
   set downstream {
      type ipv6_addr
   }
   set allowed {
      type ifname . ipv6_addr
   }
   chain antispoof {
      iifname . ip6 saddr @allowed accept
      counter drop
   }
   chain prerouting {
      type filter hook prerouting priority raw; policy accept;
      iifgroup 2 goto antispoof
      ip6 saddr @downstream counter drop
   }
   chain postrouting {
      type nat hook postrouting priority srcnat; policy accept;
      oifgroup 2 accept
      oif lo accept
      masquerade
   }
   chain _icmpv6 {
      meta l4proto != ipv6-icmp counter reject with icmpv6 type admin-prohibited
      icmpv6 type { nd-router-advert, nd-redirect } counter drop
      accept
   }
   chain input {
      type filter hook input priority filter; policy drop;
      jump custom-input
      ct state invalid counter drop
      ct state related,established accept
      iifgroup 2 goto _icmpv6
      iif lo accept
      meta l4proto udp ip6 saddr fe80::/64 ip6 daddr fe80::/64 udp dport 546 accept
      meta l4proto ipv6-icmp accept
      counter
   }
   chain forward {
      type filter hook forward priority filter; policy accept;
      ct state invalid counter drop
      ct state related,established accept
      iifgroup != 2 counter drop
      oifgroup 2 counter drop
   }
   chain custom-input {}
   chain custom-forward {}
}
"""

# qubes-firewall's NftablesWorker.init, made for each family from one text.
QUBES_FIREWALL_TABLE = """
table {family} qubes-firewall {{
  chain forward {{
    type filter hook forward priority 0;
    policy drop;
    ct state established,related accept
    meta iifname != "vif*" accept
  }}
  chain prerouting {{
    type filter hook prerouting priority -300;
    policy accept;
  }}
  chain postrouting {{
    type filter hook postrouting priority -300;
    policy accept;
  }}
}}
"""
BASE_RULESET += "".join(QUBES_FIREWALL_TABLE.format(family=f)
                        for f in ("ip", "ip6"))

# Qubes 4.1's network/iptables (iptables-restore form), with the two rules
# qubes-firewall's IptablesWorker.init adds to QBS-FORWARD. Its INPUT chain
# ends in a reject for the VMs' interfaces, so a rule appended after it
# would never match: fwproxyctl must insert its own in front.
BASE_IPTABLES = """*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:PR-QBS - [0:0]
:PR-QBS-SERVICES - [0:0]
-A PREROUTING -j PR-QBS
-A PREROUTING -j PR-QBS-SERVICES
-A POSTROUTING -o vif+ -j ACCEPT
-A POSTROUTING -o lo -j ACCEPT
-A POSTROUTING -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:QBS-FORWARD - [0:0]
-A INPUT -i vif+ -p udp -m udp --dport 68 -j DROP
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i vif+ -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -i vif+ -j REJECT --reject-with icmp-host-prohibited
-A INPUT -j DROP
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -j QBS-FORWARD
-A FORWARD -i vif+ -o vif+ -j DROP
-A FORWARD -i vif+ -j ACCEPT
-A FORWARD -j DROP
-A QBS-FORWARD ! -i vif+ -j RETURN
-A QBS-FORWARD -j DROP
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
        listen {ip}:443 ssl;{listen6}
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{ return 200 "hello from $host\\n"; }}
        location = /big.bin {{ root {dir}; }}
    }}
}}
"""


def run(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True,
                          **kw)


class Env:
    def __init__(self, base, firewall="nft", ipv6=False):
        self.firewall = firewall
        self.ipv6 = ipv6
        sfx = str(os.getpid())
        self.ns = {n: "fwp%s-%s" % (n, sfx) for n in ("fw", "vm1", "vm2",
                                                      "net")}
        self.base = base
        self.procs = []
        self.vif = {}
        self.vm_ifaces = {}
        self.qubes_fw_chains = set()
        self.rw_config = os.path.join(base, "rw")
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
        # setup-ip: the firewall VM's own address as /32 on its uplink, a
        # host route to the net VM and the default route through it.
        self.ip("fw", "link", "add", "eth0", "type", "veth", "peer", "name",
                "eth0", "netns", self.ns["net"])
        self.ip("fw", "link", "set", "eth0", "group", "1")
        self.ip("fw", "addr", "add", GATEWAY + "/32", "dev", "eth0")
        self.ip("fw", "link", "set", "eth0", "up")
        self.ip("fw", "route", "add", NET_IP, "dev", "eth0")
        self.ip("fw", "route", "add", "default", "via", NET_IP)
        self.ip("net", "addr", "add", NET_IP + "/32", "dev", "eth0")
        self.ip("net", "link", "set", "eth0", "up")
        self.ip("net", "route", "add", GATEWAY, "dev", "eth0")
        self.ex("fw", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        if self.ipv6:
            # setup-ip with /qubes-ip6 and /qubes-gateway6.
            self.ip("fw", "-6", "addr", "add", GATEWAY6 + "/128", "dev",
                    "eth0", "nodad")
            self.ip("fw", "-6", "route", "add", NET_IP6, "dev", "eth0")
            self.ip("fw", "-6", "route", "add", "default", "via", NET_IP6)
            self.ip("net", "-6", "addr", "add", NET_IP6 + "/128", "dev",
                    "eth0", "nodad")
            self.ip("net", "-6", "route", "add", GATEWAY6, "dev", "eth0")
            self.ex("fw", "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
        if self.firewall == "iptables":
            self.ex("fw", "iptables-restore", input=BASE_IPTABLES)
        else:
            self.ex("fw", "nft", "-f", "-", input=BASE_RULESET)
        for vm in VMS:
            self.vm_up(vm)
        # c-ares in the fw namespace reads this resolv.conf: ip netns exec
        # bind-mounts /etc/netns/NAME/ over /etc.
        etc = "/etc/netns/" + self.ns["fw"]
        os.makedirs(etc, exist_ok=True)
        with open(etc + "/resolv.conf", "w") as f:
            f.write("nameserver %s\n" % NET_IP)
        self.start_servers()

    def antispoof(self, vif, addr, on, last=True):
        """vif-route-qubes' anti-spoofing entry: nft set elements on 4.2,
        raw PREROUTING rules on 4.1. The address stays downstream while
        another vif of the VM (last false) still has it."""
        v6 = ":" in addr
        if self.firewall == "iptables":
            cmd = "ip6tables" if v6 else "iptables"
            op = ["-I", "PREROUTING", "1"] if on else ["-D", "PREROUTING"]
            self.ex("fw", cmd, "-w", "-t", "raw", *op, "-i", vif,
                    "!", "-s", addr, "-j", "DROP")
            self.ex("fw", cmd, "-w", "-t", "raw", *op, "!", "-i",
                    "vif+", "-s", addr, "-j", "DROP")
            return
        verb = "add" if on else "delete"
        family = "ip6" if v6 else "ip"
        script = "%s element %s qubes allowed { \"%s\" . %s }\n" % (
            verb, family, vif, addr)
        if on or last:
            script += "%s element %s qubes downstream { %s }\n" % (
                verb, family, addr)
        self.ex("fw", "nft", "-f", "-", input=script)

    def qubes_firewall(self, addr):
        """What qubes-firewall (qubesagent/firewall.py) applies for a VM
        whose Qubes firewall is left at its default, policy accept: a
        chain for its address, jumped to from the forward chain, kept
        after the VM stops."""
        if addr in self.qubes_fw_chains:
            return
        self.qubes_fw_chains.add(addr)
        chain = "qbs-" + addr.replace(".", "-")
        if self.firewall == "iptables":
            self.ex("fw", "iptables", "-w", "-N", chain)
            self.ex("fw", "iptables", "-w", "-A", chain, "-j", "ACCEPT")
            self.ex("fw", "iptables", "-w", "-I", "QBS-FORWARD", "-s", addr,
                    "-j", chain)
            return
        self.ex("fw", "nft", "-f", "-", input=(
            "table ip qubes-firewall {\n"
            "  chain %s {\n  }\n"
            "  chain forward {\n    ip saddr %s jump %s\n  }\n"
            "}\n"
            "flush chain ip qubes-firewall %s\n"
            "table ip qubes-firewall {\n  chain %s {\n   accept\n  }\n}\n"
            % (chain, addr, chain, chain, chain)))

    def run_hooks(self, command, vif, addr):
        """vif-route-qubes' network_hooks: each executable in order, with
        xl devd's environment, output discarded, failures ignored."""
        hooks = os.path.join(self.rw_config, "network-hooks.d")
        if not os.path.isdir(hooks):
            return
        domid = vif[3:].split(".")[0]
        for name in sorted(os.listdir(hooks)):
            path = os.path.join(hooks, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                self.ex("fw", "env", "vif=" + vif,
                        "XENBUS_PATH=backend/vif/%s/0" % domid, path,
                        command, vif, "vif", addr, check=False, timeout=60)

    def vm_up(self, vm, vif=None):
        """Brings vm online behind vif (default: its usual one), in
        vif-route-qubes' order; an older vif of vm stays as it is."""
        vif = vif or VMS[vm][0]
        addr = VMS[vm][1]
        domid = int(vif[3:].split(".")[0])
        inner = "eth%d" % self.vm_ifaces.get(vm, 0)
        self.vm_ifaces[vm] = self.vm_ifaces.get(vm, 0) + 1
        self.ip("fw", "link", "add", vif, "type", "veth", "peer", "name",
                inner, "netns", self.ns[vm])
        self.ip("fw", "link", "set", vif, "group", "2")
        self.qubes_firewall(addr)
        self.antispoof(vif, addr, True)
        self.ip("fw", "link", "set", vif, "up")
        self.ex("fw", "sysctl", "-qw",
                "net.ipv4.conf.%s.proxy_arp=1" % vif.replace(".", "/"))
        if self.ipv6:
            self.antispoof(vif, VM6[vm], True)
        self.ip("fw", "route", "add", addr, "dev", vif, "metric",
                str(MAX_DOMID - domid))
        self.run_hooks("online", vif, addr)
        if self.ipv6:
            self.ip("fw", "-6", "route", "add", VM6[vm], "dev", vif,
                    "metric", str(MAX_DOMID - domid))
            self.run_hooks("online", vif, VM6[vm])
        self.ip("fw", "addr", "add", GATEWAY + "/32", "dev", vif)
        if self.ipv6:
            self.ip("fw", "-6", "addr", "add", GATEWAY6 + "/128", "dev",
                    vif, "nodad")
            self.ex("fw", "sysctl", "-qw", "net.ipv6.conf.%s.proxy_ndp=1"
                    % vif.replace(".", "/"))
        older = vm in self.vif
        self.vif[vm] = (vif, inner)
        if not older:
            self.vm_net(vm)

    def vm_net(self, vm):
        """The VM side of setup-ip on its newest interface (a restarted VM
        calls it once its old vif is gone)."""
        inner = self.vif[vm][1]
        self.ip(vm, "addr", "add", VMS[vm][1] + "/32", "dev", inner)
        self.ip(vm, "link", "set", inner, "up")
        self.ip(vm, "route", "add", GATEWAY, "dev", inner)
        self.ip(vm, "route", "add", "default", "via", GATEWAY)
        if self.ipv6:
            self.ip(vm, "-6", "addr", "add", VM6[vm] + "/128", "dev", inner,
                    "nodad")
            self.ip(vm, "-6", "route", "add", GATEWAY6, "dev", inner)
            self.ip(vm, "-6", "route", "add", "default", "via", GATEWAY6)

    def vm_down(self, vm, vif=None):
        """Takes vif (default: vm's newest) offline in vif-route-qubes'
        order, then removes it as Xen does."""
        vif = vif or self.vif[vm][0]
        addr = VMS[vm][1]
        domid = int(vif[3:].split(".")[0])
        self.ip("fw", "link", "set", vif, "down")
        last = self.vif.get(vm, ("",))[0] == vif
        self.antispoof(vif, addr, False, last)
        if self.ipv6:
            self.antispoof(vif, VM6[vm], False, last)
        self.ip("fw", "route", "del", addr, "dev", vif, "metric",
                str(MAX_DOMID - domid), check=False)
        self.run_hooks("offline", vif, addr)
        if self.ipv6:
            self.ip("fw", "-6", "route", "del", VM6[vm], "dev", vif,
                    "metric", str(MAX_DOMID - domid), check=False)
            self.run_hooks("offline", vif, VM6[vm])
        self.ip("fw", "addr", "del", GATEWAY + "/32", "dev", vif,
                check=False)
        if self.ipv6:
            self.ip("fw", "-6", "addr", "del", GATEWAY6 + "/128", "dev",
                    vif, check=False)
        self.ip("fw", "link", "del", vif)
        if self.vif.get(vm, ("",))[0] == vif:
            del self.vif[vm]

    def start_servers(self):
        d = os.path.join(self.base, "net")
        os.makedirs(d)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", d + "/key.pem", "-out", d + "/cert.pem", "-days", "2",
            "-subj", "/CN=test")
        with open(d + "/nginx.conf", "w") as f:
            f.write(NGINX_CONF.format(
                dir=d, ip=NET_IP,
                listen6="\n        listen [%s]:80;\n        listen [%s]:443 ssl;"
                % (NET_IP6, NET_IP6) if self.ipv6 else ""))
        with open(d + "/big.bin", "wb") as f:
            f.truncate(BIG_SIZE)  # /big.bin: a long transfer
        self.spawn("net", "nginx", "-c", d + "/nginx.conf", "-p", d)
        self.spawn("net", "dnsmasq", "--no-daemon", "--no-resolv",
                   "--no-hosts", "--user=root", "--bind-interfaces",
                   "--listen-address=" + NET_IP, "--pid-file=",
                   "--address=/test/" + NET_IP,
                   *(["--address=/test/" + NET_IP6] if self.ipv6 else []))
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

    def hook_log(self):
        """RUN_DIR/hook.log, where fwproxyctl hook logs each call."""
        path = os.path.join(self.run_dir, "hook.log")
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def ruleset(self):
        """The firewall's INPUT rules (iptables) or the whole nft ruleset,
        without counters."""
        if self.firewall == "iptables":
            return self.ex("fw", "iptables", "-w", "-S", "INPUT").stdout
        return self.ex("fw", "nft", "-s", "list", "ruleset").stdout

    def full_ruleset(self):
        """Every table of the firewall, without counters."""
        if self.firewall == "iptables":
            return "".join(
                self.ex("fw", cmd, "-w", "-t", t, "-S").stdout
                for cmd in ("iptables", "ip6tables")
                for t in ("raw", "nat", "filter"))
        return self.ruleset()

    def fetch(self, vm, url, proxy_port=8100, timeout=5, proxy=GATEWAY):
        """The HTTP status code curl saw through the proxy (at proxy, an
        IPv6 one in brackets), or 0."""
        r = self.ex(vm, "curl", "-s", "-k", "-o", "/dev/null", "-w",
                    "%{http_code}", "-m", str(timeout), "-x",
                    "http://%s:%d" % (proxy, proxy_port), url, check=False,
                    timeout=timeout + 10)
        try:
            return int(r.stdout.strip() or 0)
        except ValueError:
            return 0

    def write_rules(self, name, ip, text, config_dir=None):
        with open(os.path.join(config_dir or self.config_dir,
                               "%s.%s" % (name, ip)), "w") as f:
            f.write(text)


SYSTEMD_RUN = """#!/bin/sh
# systemd-run --scope as it behaves: the unit made, it execs the command
# in place (same pid, same descriptors).
echo "$$ $*" >> %s
while [ "$1" != "--" ]; do shift; done
shift
exec "$@"
"""


def systemd_run_stand_in(tmp_path):
    """(folder holding a stand-in systemd-run, the file where each of its
    calls is a line "PID ARGS")."""
    calls = tmp_path / "calls"
    folder = tmp_path / "systemd-bin"
    folder.mkdir()
    (folder / "systemd-run").write_text(SYSTEMD_RUN % calls)
    (folder / "systemd-run").chmod(0o755)
    return folder, calls


def ctl_under_systemd(env, environment, *args):
    """fwproxyctl ARGS with systemd seemingly booted: in a mount namespace
    of its own where /run/systemd/system exists, with environment (a list
    of NAME=VALUE; PATH decides which systemd-run, if any, is found). What
    it starts keeps that namespace, which changes nothing it uses."""
    script = ("mount -t tmpfs fwproxy-test /run && mkdir -p "
              "/run/systemd/system && exec env \"$@\"")
    return env.ex("fw", "unshare", "-m", "sh", "-c", script, "sh",
                  *environment, env.ctl_bin, "--config-dir", env.config_dir,
                  "--run-dir", env.run_dir, *args, check=False, timeout=60)


def make_env(firewall, ipv6=False):
    if os.geteuid() != 0:
        pytest.skip("needs root for network namespaces")
    base = "/tmp/fwproxy-e2e-%d" % os.getpid()
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    os.chmod(base, 0o755)
    e = Env(base, firewall, ipv6)
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
