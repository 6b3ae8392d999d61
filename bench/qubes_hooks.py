"""Proxies following VMs through Qubes' hotplug path: the benchmark's own
namespace plays the firewall VM (an uplink veth with the firewall's address,
one veth "vifN.0" per client VM namespace), and VMs come online in
vif-route-qubes' order: route, the installed network hook, then the gateway
address on the vif. Figures: time from the online hook to the first request
the VM's proxy answers; 50 VMs coming online at once (every hook run in
parallel) until each is answered, with the proxies left without a pid file
counted; `fwproxyctl update` with 50 running VMs and nothing to change;
with Qubes' ipv6 feature, the time from the first online hook to the first
answer on the IPv6 gateway (vif-route-qubes calls the hook a second time,
with the VM's IPv6 address, and fwproxyctl moves the proxy onto both
gateway addresses).

Requests ask for a host the allow-list does not name, so the proxy's own 403
answers them: no origin or DNS server is needed, and what is timed is the
control path, not forwarding. The firewall backend is nft in fwproxyctl's
own table (the namespace has no Qubes ruleset)."""

import ctypes
import os
import shutil
import socket
import statistics
import subprocess
import threading
import time

SECTION = "Qubes hook path (fwproxyctl)"
GATEWAY = "10.138.24.91"
GATEWAY6 = "fd09:24ef:4179::a8a:185b"  # Qubes' IPv6 twin of GATEWAY
VMS = 50
REPS = 5
SERVED_LIMIT_S = 10
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True,
                          **kw)


class _Fw:
    def __init__(self, bench, log):
        self.log = log
        self.bin = os.path.join(os.path.dirname(bench.fwproxy), "fwproxyctl")
        self.base = os.path.join(bench.work, "qubes")
        self.rules = os.path.join(self.base, "rules")
        self.run_dir = os.path.join(self.base, "run")
        self.rw = os.path.join(self.base, "rw")
        self.sfx = str(os.getpid())
        self.vms = []  # (ns, vif, ip, name)
        self.net = "fwbqnet-" + self.sfx
        os.makedirs(self.rules)
        for i in range(VMS):
            ip = "10.137.%d.%d" % (i // 200, 10 + i % 200)
            name = "vm%d" % i
            self.vms.append(("fwbq%d-%s" % (i, self.sfx), "vif%d.0" % (100 + i),
                             ip, name))
            with open(os.path.join(self.rules, "%s.%s" % (name, ip)),
                      "w") as f:
                f.write("^allowed\\.test$\n")
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)

    def ctl(self, *args):
        return _sh(self.bin, "--config-dir", self.rules, "--run-dir",
                   self.run_dir, "--firewall", "nft", *args)

    def up(self):
        # The uplink: a veth whose other end sits in a net VM namespace.
        _sh("ip", "netns", "add", self.net)
        _sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name",
            "eth0", "netns", self.net)
        _sh("ip", "addr", "add", GATEWAY + "/32", "dev", "eth0")
        _sh("ip", "link", "set", "eth0", "up")
        _sh("ip", "route", "add", "default", "dev", "eth0")
        _sh("ip", "-6", "addr", "add", GATEWAY6 + "/128", "dev", "eth0",
            "nodad")
        os.makedirs(self.rw)
        self.ctl("--rw-config", self.rw, "install-qubes")
        self.hook = os.path.join(self.rw, "network-hooks.d", "90-fwproxy")
        for ns, vif, ip, _ in self.vms:
            _sh("ip", "netns", "add", ns)
            _sh("ip", "link", "add", vif, "type", "veth", "peer", "name",
                "eth0", "netns", ns)
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
            _sh("ip", "-n", ns, "addr", "add", ip + "/32", "dev", "eth0")
            _sh("ip", "-n", ns, "link", "set", "eth0", "up")
            _sh("ip", "-n", ns, "route", "add", GATEWAY, "dev", "eth0")
            # Up before the route, as vif-route-qubes has it.
            _sh("ip", "link", "set", vif, "up")

    def online_script(self, vm):
        """vif-route-qubes' online steps after the vif is up, for vm, as one
        shell command."""
        _, vif, ip, _ = vm
        metric = 32752 - int(vif[3:].split(".")[0])
        return ("ip route add %s dev %s metric %d && "
                "vif=%s '%s' online %s vif %s >/dev/null 2>&1; "
                "ip addr add %s/32 dev %s" % (ip, vif, metric, vif,
                                               self.hook, vif, ip, GATEWAY,
                                               vif))

    @staticmethod
    def ip6(vm):
        """Qubes' IPv6 address of vm: its IPv4 address as the last 32 bits
        of fd09:24ef:4179::/64."""
        a, b, c, d = (int(x) for x in vm[2].split("."))
        return "fd09:24ef:4179::%x:%x" % (a << 8 | b, c << 8 | d)

    def online_script6(self, vm):
        """The online steps with Qubes' ipv6 feature: the IPv4 route and
        hook, the IPv6 route and hook, then both gateway addresses."""
        ns, vif, ip, _ = vm
        metric = 32752 - int(vif[3:].split(".")[0])
        return ("ip -n %s -6 addr replace %s/128 dev eth0 nodad && "
                "ip -n %s -6 route replace %s dev eth0 && "
                "ip route add %s dev %s metric %d && "
                "vif=%s '%s' online %s vif %s >/dev/null 2>&1; "
                "ip -6 route add %s dev %s metric %d && "
                "vif=%s '%s' online %s vif %s >/dev/null 2>&1; "
                "ip addr add %s/32 dev %s; "
                "ip -6 addr add %s/128 dev %s nodad"
                % (ns, self.ip6(vm), ns, GATEWAY6, ip, vif, metric, vif,
                   self.hook, vif, ip, self.ip6(vm), vif, metric, vif,
                   self.hook, vif, self.ip6(vm), GATEWAY, vif, GATEWAY6,
                   vif))

    def offline6(self, vm):
        _, vif, ip, _ = vm
        _sh("sh", "-c", "ip route del %s dev %s; vif=%s '%s' offline %s vif "
            "%s >/dev/null 2>&1; ip -6 route del %s dev %s; vif=%s '%s' "
            "offline %s vif %s >/dev/null 2>&1; ip addr del %s/32 dev %s; "
            "ip -6 addr del %s/128 dev %s"
            % (ip, vif, vif, self.hook, vif, ip, self.ip6(vm), vif, vif,
               self.hook, vif, self.ip6(vm), GATEWAY, vif, GATEWAY6, vif))

    def offline(self, vm):
        _, vif, ip, _ = vm
        _sh("sh", "-c", "ip route del %s dev %s; vif=%s '%s' offline %s vif "
            "%s >/dev/null 2>&1; ip addr del %s/32 dev %s"
            % (ip, vif, vif, self.hook, vif, ip, GATEWAY, vif))

    def served(self, vm, timeout=0.5, gateway=GATEWAY):
        """1 when vm's proxy answers a request from inside vm, sent to
        gateway (GATEWAY6: over IPv6)."""
        family = socket.AF_INET6 if ":" in gateway else socket.AF_INET
        fd = os.open("/run/netns/" + vm[0], os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns")
            s = socket.socket(family, socket.SOCK_STREAM)
        finally:
            _libc.setns(self.home, CLONE_NEWNET)
            os.close(fd)
        try:
            s.settimeout(timeout)
            s.connect((gateway, 8100))
            s.sendall(b"GET http://refused.test/ HTTP/1.1\r\n"
                      b"Host: refused.test\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 403")
        except OSError:
            return False
        finally:
            s.close()

    def until_served(self, vm, t0, out, stop, gateway=GATEWAY):
        while not stop.is_set() and time.time() - t0 < SERVED_LIMIT_S:
            if self.served(vm, 0.02, gateway):
                out.append(time.time() - t0)
                return
            time.sleep(0.002)

    def proxies(self):
        """{config path: pids} of every running fwproxy of ours."""
        found = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    args = f.read().decode(errors="replace").split("\0")
            except OSError:
                continue
            if os.path.basename(args[0]) == "fwproxy" and "-c" in args and \
                    args[args.index("-c") + 1].startswith(self.run_dir) and \
                    "-t" not in args:
                found.setdefault(args[args.index("-c") + 1], []).append(int(d))
        return found

    def orphans(self):
        """Proxies whose config has no live pid file naming one of them."""
        bad = 0
        for config, pids in self.proxies().items():
            try:
                with open(os.path.join(os.path.dirname(config), "pid")) as f:
                    pid = int(f.read())
            except (OSError, ValueError):
                pid = 0
            if pid not in pids:
                bad += 1
        return bad

    def down(self):
        try:
            self.ctl("kill-all")
        except subprocess.CalledProcessError as e:
            self.log("  kill-all: %s" % e.stderr.strip())
        for ns, vif, _, _ in self.vms:
            subprocess.run(["ip", "link", "del", vif], capture_output=True)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "link", "del", "eth0"], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.net], capture_output=True)
        os.close(self.home)
        shutil.rmtree(self.base, ignore_errors=True)


def _hook_to_served(fw, vm, ipv6=False):
    """Seconds from the start of vm's online steps to its first answer (on
    the IPv6 gateway with ipv6), and how long the steps themselves took."""
    out, stop = [], threading.Event()
    t0 = time.time()
    t = threading.Thread(target=fw.until_served, args=(
        vm, t0, out, stop, GATEWAY6 if ipv6 else GATEWAY))
    t.start()
    _sh("sh", "-c", fw.online_script6(vm) if ipv6 else fw.online_script(vm))
    steps = time.time() - t0
    t.join(SERVED_LIMIT_S + 1)
    stop.set()
    return (out[0] if out else None), steps


def run(bench, log):
    fw = _Fw(bench, log)
    try:
        fw.up()
        first = fw.vms[0]
        times, steps = [], []
        for _ in range(REPS):
            took, step = _hook_to_served(fw, first)
            if took is None:
                raise RuntimeError("%s not served within %d s" %
                                   (first[3], SERVED_LIMIT_S))
            times.append(took * 1000)
            steps.append(step * 1000)
            fw.offline(first)
        log("  hook to first answer: median %.0f ms, max %.0f ms; the "
            "online steps took %.0f ms" % (statistics.median(times),
                                           max(times),
                                           statistics.median(steps)))
        bench.record(SECTION, "online hook to first answered request: "
                     "median of %d" % REPS, "fwproxy",
                     statistics.median(times), "ms", "low")
        bench.record(SECTION, "online hook to first answered request: max",
                     "fwproxy", max(times), "ms", "low")

        times, steps = [], []
        for _ in range(REPS):
            took, step = _hook_to_served(fw, first, ipv6=True)
            if took is None:
                raise RuntimeError("%s not served on %s within %d s" %
                                   (first[3], GATEWAY6, SERVED_LIMIT_S))
            times.append(took * 1000)
            steps.append(step * 1000)
            fw.offline6(first)
        log("  with IPv6, first online hook to first answer on the IPv6 "
            "gateway: median %.0f ms, max %.0f ms; the online steps (two "
            "hook calls) took %.0f ms" % (statistics.median(times),
                                          max(times),
                                          statistics.median(steps)))
        bench.record(SECTION, "with IPv6, online hook to first answered "
                     "request on the IPv6 gateway: median of %d" % REPS,
                     "fwproxy", statistics.median(times), "ms", "low")

        # Every VM at once, each hook in its own process as xl devd runs
        # them.
        t0 = time.time()
        hooks = [subprocess.Popen(["sh", "-c", fw.online_script(vm)],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
                 for vm in fw.vms]
        waiting = list(fw.vms)
        while waiting and time.time() - t0 < 120:
            waiting = [vm for vm in waiting if not fw.served(vm, 0.2)]
            if waiting:
                time.sleep(0.05)
        for p in hooks:
            p.wait()
        all_served = time.time() - t0
        orphans = fw.orphans()
        running = len(fw.proxies())
        log("  %d VMs at once: %d served in %.2f s, %d proxies, %d without "
            "a pid file" % (VMS, VMS - len(waiting), all_served, running,
                            orphans))
        bench.record(SECTION, "%d VMs online at once: all answered after"
                     % VMS, "fwproxy", all_served, "s", "low")
        bench.record(SECTION, "%d VMs online at once: VMs never answered"
                     % VMS, "fwproxy", len(waiting), "VMs", "low")
        bench.record(SECTION, "%d VMs online at once: proxies without pid "
                     "file" % VMS, "fwproxy", orphans, "proxies", "low")
        if waiting or orphans or running != VMS:
            bench.note("qubes hooks: %d VMs unanswered, %d orphans, %d "
                       "proxies for %d VMs" % (len(waiting), orphans,
                                               running, VMS))

        took = []
        for _ in range(REPS):
            t = time.time()
            out = fw.ctl("update").stdout
            took.append((time.time() - t) * 1000)
            if "nothing to do" not in out:
                bench.note("qubes hooks: update with %d VMs changed "
                           "something: %s" % (VMS, out.strip()[:200]))
        log("  update with %d running VMs: median %.0f ms" %
            (VMS, statistics.median(took)))
        bench.record(SECTION, "fwproxyctl update, %d running VMs, nothing "
                     "to change: median of %d" % (VMS, REPS), "fwproxy",
                     statistics.median(took), "ms", "low")
    finally:
        fw.down()
