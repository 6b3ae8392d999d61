"""Transparent mode with the iptables backend (Qubes 4.1): the redirects in
a nat chain of fwproxy's own jumped to first from PREROUTING, the QUIC
reject in a filter chain jumped to first from FORWARD (whose policy drops),
both gone with the VM."""
import os
import time

import probes
from conftest import GATEWAY, NET_IP

WORK = ("work", "10.137.0.13")
RESOLVE = ["--resolve", "work.test:80:" + NET_IP, "--resolve",
           "work.test:443:" + NET_IP, "--resolve", "social.test:80:" + NET_IP,
           "--resolve", "social.test:443:" + NET_IP]


def ctl(env, *args):
    return env.ctl("--firewall", "iptables", *args)


def ipt(env, table, *args):
    return env.ex("fw", "iptables", "-w", "-t", table, "-S", *args,
                  check=False).stdout


def curl(env, url):
    r = env.ex("vm1", "curl", "-s", "-k", "-m", "5", *RESOLVE, url,
               check=False, timeout=20)
    return r.returncode, r.stdout


def test_redirect_rules_and_decisions(ipt_env):
    ipt_env.ex("fw", "sysctl", "-qw", "net.ipv4.ip_forward=1")
    ipt_env.write_rules(*WORK, "# fwproxy: Transparent 80 443\n"
                        "^work\\.test$\n")
    ipt_env.spawn("net", "python3", "-c", probes.UDP_ECHO % NET_IP)
    time.sleep(0.3)
    assert probes.udp(ipt_env, "vm1") != "refused"
    r = ctl(ipt_env, "update")
    assert "work: transparent redirect set" in r.stdout, r.stdout
    nat = ipt(ipt_env, "nat")
    assert nat.index("-A PREROUTING -j fwproxy-transparent") < \
        nat.index("-A fwproxy-transparent"), nat
    for p in (80, 443):
        assert ("-A fwproxy-transparent -s 10.137.0.13/32 -i vif12.0 -p tcp "
                "-m tcp --dport %d -m comment --comment "
                "\"fwproxy-transparent:work\" -j DNAT --to-destination "
                "%s:8100" % (p, GATEWAY)) in nat, nat
    forward = ipt(ipt_env, "filter", "FORWARD").splitlines()
    assert forward[1] == "-A FORWARD -j fwproxy-transparent", forward
    assert "udp -m udp --dport 443" in ipt(ipt_env, "filter",
                                            "fwproxy-transparent")
    assert "transparent" not in ctl(ipt_env, "update").stdout

    assert curl(ipt_env, "http://work.test/") == (0, "hello from work.test\n")
    assert curl(ipt_env, "https://work.test/") == (0, "hello from work.test\n")
    rc, page = curl(ipt_env, "http://social.test/")
    assert "social.test" in page and "403" in page, page
    rc, out = curl(ipt_env, "https://social.test/")
    assert rc != 0 and out == ""
    assert probes.udp(ipt_env, "vm1") == "refused"
    with open(os.path.join(ipt_env.run_dir, "work", "log")) as f:
        log = f.read()
    assert "TLS social.test:443 transparent" in log, log


def test_rules_and_chains_go_with_the_vm(ipt_env):
    ipt_env.vm_down("vm1")
    ctl(ipt_env, "update")
    assert "fwproxy-transparent" not in ipt(ipt_env, "nat")
    assert "fwproxy-transparent" not in ipt(ipt_env, "filter")
    ipt_env.vm_up("vm1")
