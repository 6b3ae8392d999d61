"""Qubes' ipv6 feature: vif-route-qubes calls the hooks a second time with
the VM's IPv6 address (after its IPv4 route and hooks), and puts the IPv6
gateway address on the vif last. The VM's proxy then serves it on
[GATEWAY6]:8100 too, behind a rule in table ip6 qubes (4.2) or ip6tables
(4.1) that goes when the VM stops, on nftables and iptables alike."""
import os
import re
import subprocess
import time

import pytest

from conftest import GATEWAY6, NET_IP, NET_IP6, VM6, VMS, make_env
from test_qubes_firewall_rules import STANDINS, QubesDB

WORK = ("work", VMS["vm1"][1])


@pytest.fixture(scope="module", params=["nft", "iptables"])
def qenv(request):
    yield from make_env(request.param, ipv6=True)


def ctl(env, *args, **kw):
    return env.ctl("--firewall", "auto", *args, **kw)


def hook_log(env):
    return env.hook_log()


def ip6_rules(env):
    """Our tagged rules in the IPv6 firewall: table ip6 qubes's
    custom-input (4.2) or ip6tables' INPUT (4.1)."""
    if env.firewall == "iptables":
        text = env.ex("fw", "ip6tables", "-w", "-S", "INPUT").stdout
    else:
        text = env.ex("fw", "nft", "list", "chain", "ip6", "qubes",
                      "custom-input").stdout
    return [l.strip() for l in text.splitlines() if "fwproxy:" in l]


def fetch6(env, vm, url):
    return env.fetch(vm, url, proxy="[%s]" % GATEWAY6)


def test_install_then_vm_online_serves_both_addresses(qenv):
    qenv.write_rules(*WORK, "^work\\.test$\n")
    for vm in VMS:
        qenv.vm_down(vm)
    qenv.before_install = qenv.full_ruleset()
    os.makedirs(qenv.rw_config)
    ctl(qenv, "--rw-config", qenv.rw_config, "install-qubes")
    qenv.vm_up("vm1")
    assert fetch6(qenv, "vm1", "http://work.test/") == 200, hook_log(qenv)
    assert fetch6(qenv, "vm1", "http://social.test/") == 403
    assert qenv.fetch("vm1", "http://work.test/") == 200
    assert qenv.fetch("vm1", "http://social.test/") == 403
    # The second call, with the IPv6 address, moved the proxy onto both.
    assert re.search(r"online vif12\.0 %s work: .*started \(pid \d+\) on "
                     r"[0-9.]+:8100 and \[%s\]:8100 via vif12\.0$"
                     % (re.escape(VM6["vm1"]), re.escape(GATEWAY6)),
                     hook_log(qenv), re.M), hook_log(qenv)
    rules = ip6_rules(qenv)
    assert len(rules) == 1, rules
    assert VM6["vm1"] in rules[0] and GATEWAY6 in rules[0], rules
    assert "vif12.0" in rules[0] and "8100" in rules[0], rules
    row = ctl(qenv, "show").stdout.splitlines()
    head = row[0].split()
    work = [l.split() for l in row[1:] if l.startswith("work ")][0]
    assert work[head.index("IPv6")] == VM6["vm1"], row
    assert work[head.index("Proxy_Address6")] == "[%s]:8100" % GATEWAY6


def test_update_changes_nothing_more(qenv):
    r = ctl(qenv, "update")
    assert "running" in r.stdout and "unchanged" in r.stdout, r.stdout
    assert "started" not in r.stdout, r.stdout
    assert fetch6(qenv, "vm1", "http://work.test/") == 200


def test_offline_removes_both_rules(qenv):
    qenv.vm_down("vm1")
    assert ip6_rules(qenv) == []
    assert qenv.full_ruleset() == qenv.before_install
    assert "offline vif12.0 %s" % VM6["vm1"] in hook_log(qenv)


def test_qubes_firewall_lists_of_both_addresses_are_merged(qenv):
    """dom0 writes one list under both addresses, numbered alike, without
    the dst6 rules under the IPv4 address and the dst4 rules under the
    IPv6 one (qubes.firewall.Firewall.qdb_entries); the proxy connects
    over both families, so it follows the whole list."""
    qdb = QubesDB(qenv.base)
    both = "proto=tcp dstports=80-80"
    qdb.db.update({
        "/qubes-firewall/%s/policy" % WORK[1]: "drop",
        "/qubes-firewall/%s/0000" % WORK[1]:
            "action=accept dst4=%s/32 %s" % (NET_IP, both),
        "/qubes-firewall/%s/policy" % VM6["vm1"]: "drop",
        "/qubes-firewall/%s/0001" % VM6["vm1"]:
            "action=accept dst6=%s/128 %s" % (NET_IP6, both),
    })
    qdb.save()
    qenv.write_rules(*WORK, "@qubes-firewall\n")
    hooks = os.path.join(qenv.rw_config, "network-hooks.d")
    os.rename(hooks, hooks + ".off")  # the hook's QubesDB is not the test's
    try:
        qenv.vm_up("vm1")
        r = qenv.ex("fw", "env", "PATH=%s:%s" % (STANDINS,
                                                 os.environ["PATH"]),
                    "QUBESDB_DIR=" + qdb.dir, qenv.ctl_bin, "--config-dir",
                    qenv.config_dir, "--run-dir", qenv.run_dir, "update",
                    check=False)
        assert "work: started" in r.stdout, r.stdout + r.stderr
        for proxy in (lambda u: qenv.fetch("vm1", u), lambda u: fetch6(
                qenv, "vm1", u)):
            assert proxy("http://%s/" % NET_IP) == 200
            assert proxy("http://[%s]/" % NET_IP6) == 200
            assert proxy("http://work.test/") == 403
        qenv.vm_down("vm1")
        ctl(qenv, "update")
    finally:
        os.rename(hooks + ".off", hooks)
        r = qenv.ex("fw", "env", "PATH=%s:%s" % (STANDINS,
                                                 os.environ["PATH"]),
                    "QUBESDB_DIR=" + qdb.dir, qenv.ctl_bin, "--config-dir",
                    qenv.config_dir, "--run-dir", qenv.run_dir, "kill-all",
                    check=False)
    time.sleep(0.1)
    assert qenv.full_ruleset() == qenv.before_install


def test_the_routers_anycast_route_is_no_vm(qenv):
    """A forwarding firewall VM gets an anycast fe80::/128 route (metric 0)
    on each vif once its link-local address is up: it is not the VM's
    IPv6 address, which stays the /128 route Qubes added."""
    qenv.write_rules(*WORK, "^work\\.test$\n")
    qenv.vm_up("vm1")
    try:
        deadline = time.monotonic() + 10
        while ("anycast fe80:: dev vif12.0" not in qenv.ex(
                "fw", "ip", "-6", "route", "show", "table", "local").stdout
               and time.monotonic() < deadline):
            time.sleep(0.1)
        rows = ctl(qenv, "show").stdout.splitlines()
        head = rows[0].split()
        work = [l.split() for l in rows[1:] if l.startswith("work ")][0]
        assert work[head.index("IPv6")] == VM6["vm1"], rows
        r = ctl(qenv, "update")
        assert "started" not in r.stdout, r.stdout
        assert fetch6(qenv, "vm1", "http://work.test/") == 200
    finally:
        qenv.vm_down("vm1")


def test_the_watch_follows_dom0_writing_the_ipv6_list_last(qenv):
    """Qube Settings adds a rule for an IPv6 destination: dom0 rewrites the
    IPv4 key's list (unchanged: it leaves out dst6 rules) and fires it,
    then the IPv6 key's list and fires that; the second fire is the one
    that brings the new rule."""
    qdb = QubesDB(qenv.base)
    v4, v6 = "/qubes-firewall/%s" % WORK[1], "/qubes-firewall/%s" % VM6["vm1"]
    http = "proto=tcp dstports=80-80"
    qdb.db.update({
        v4 + "/policy": "drop",
        v4 + "/0000": "action=accept dst4=%s/32 %s" % (NET_IP, http),
        v4: "",
        v6 + "/policy": "drop",
        v6: "",
    })
    qdb.save()
    qenv.write_rules(*WORK, "@qubes-firewall\n")
    qubes = ("env", "PATH=%s:%s" % (STANDINS, os.environ["PATH"]),
             "QUBESDB_DIR=" + qdb.dir)
    hooks = os.path.join(qenv.rw_config, "network-hooks.d")
    os.rename(hooks, hooks + ".off")
    try:
        qenv.vm_up("vm1")
        r = qenv.ex("fw", *qubes, qenv.ctl_bin, "--config-dir",
                    qenv.config_dir, "--run-dir", qenv.run_dir, "update",
                    check=False)
        assert "started the Qubes firewall watch" in r.stdout, \
            r.stdout + r.stderr
        assert fetch6(qenv, "vm1", "http://[%s]/" % NET_IP6) == 403
        for key in (v4 + "/policy", v4 + "/0000", v4):
            qdb.fire(key)
        time.sleep(1)
        qdb.db[v6 + "/0001"] = "action=accept dst6=%s/128 %s" % (NET_IP6,
                                                                 http)
        qdb.save()
        for key in (v6 + "/0001", v6 + "/policy", v6):
            qdb.fire(key)
        deadline = time.monotonic() + 3
        while (fetch6(qenv, "vm1", "http://[%s]/" % NET_IP6) != 200 and
               time.monotonic() < deadline):
            time.sleep(0.1)
        with open(os.path.join(qenv.run_dir,
                               ".watch-qubes-firewall.log")) as f:
            watch_log = f.read()
        with open(os.path.join(qenv.run_dir, "work", "log")) as f:
            proxy_log = f.read()
        assert fetch6(qenv, "vm1", "http://[%s]/" % NET_IP6) == 200, \
            watch_log + proxy_log[-3000:]
        assert qenv.fetch("vm1", "http://%s/" % NET_IP) == 200
        qenv.vm_down("vm1")
    finally:
        os.rename(hooks + ".off", hooks)
        r = qenv.ex("fw", *qubes, qenv.ctl_bin, "--config-dir",
                    qenv.config_dir, "--run-dir", qenv.run_dir, "kill-all",
                    check=False)
        qenv.write_rules(*WORK, "^work\\.test$\n")
    assert r.returncode == 0 and "work: stopped" in r.stdout, \
        r.stdout + r.stderr
    time.sleep(0.1)
    assert qenv.full_ruleset() == qenv.before_install


def test_a_vm_named_by_its_ipv6_address_follows_the_hooks(qenv):
    """A rules file NAME.IPV6: the IPv4 hook call finds no file (no IPv6
    route yet), the IPv6 one starts the proxy on both gateways; on stop,
    the IPv4 call (its route gone, the IPv6 one still there) stops it."""
    v4 = os.path.join(qenv.config_dir, "%s.%s" % WORK)
    os.rename(v4, v4 + ".away")
    qenv.write_rules("work6", VM6["vm1"], "^work\\.test$\n")
    try:
        qenv.vm_up("vm1")
        assert qenv.fetch("vm1", "http://work.test/") == 200, hook_log(qenv)
        assert fetch6(qenv, "vm1", "http://work.test/") == 200
        assert qenv.fetch("vm1", "http://social.test/") == 403
        log = hook_log(qenv)
        assert re.search(r"online vif12\.0 %s work6: .*started \(pid \d+\)"
                         r" on [0-9.]+:8100 and \[%s\]:8100 via vif12\.0$"
                         % (re.escape(VM6["vm1"]), re.escape(GATEWAY6)),
                         log, re.M), log
        row = [l.split() for l in ctl(qenv, "show").stdout.splitlines()
               if l.startswith("work6 ")][0]
        assert row[1] == WORK[1] and row[2] == "vif12.0", row
        assert len(ip6_rules(qenv)) == 1
        r = ctl(qenv, "update")
        assert "work6: running" in r.stdout and "started" not in r.stdout, \
            r.stdout + r.stderr
        qenv.vm_down("vm1")
        assert re.search(r"offline vif12\.0 %s work6: stopped"
                         % re.escape(WORK[1]), hook_log(qenv), re.M), \
            hook_log(qenv)
        row = [l.split() for l in ctl(qenv, "show").stdout.splitlines()
               if l.startswith("work6 ")][0]
        assert row[1:4] == ["--", "--", "--"], row
        assert qenv.full_ruleset() == qenv.before_install
    finally:
        os.unlink(os.path.join(qenv.config_dir, "work6." + VM6["vm1"]))
        os.rename(v4 + ".away", v4)


def test_one_vm_named_by_both_addresses_is_refused(qenv):
    """The IPv4 hook call comes before the VM's IPv6 route: it can only
    start the proxy of the IPv4 file. The IPv6 call, and every command
    from then on, refuses the pair and says so; the IPv6 file's rules
    never apply."""
    qenv.write_rules("work6", VM6["vm1"], "^social\\.test$\n")
    try:
        qenv.vm_up("vm1")
        log = hook_log(qenv)
        assert re.search(r"online vif12\.0 %s -: FAILED: .*name the same VM "
                         r"\(%s via vif12\.0\): keep one file$"
                         % (re.escape(VM6["vm1"]), re.escape(WORK[1])), log,
                         re.M), log
        assert qenv.fetch("vm1", "http://work.test/") == 200, log
        assert qenv.fetch("vm1", "http://social.test/") == 403
        assert fetch6(qenv, "vm1", "http://work.test/") == 0
        r = ctl(qenv, "update", check=False)
        assert r.returncode != 0
        assert ("%s.%s and %s/work6.%s name the same VM"
                % (WORK[0], WORK[1], qenv.config_dir, VM6["vm1"])) \
            in r.stderr, r.stderr
        qenv.vm_down("vm1")
    finally:
        os.unlink(os.path.join(qenv.config_dir, "work6." + VM6["vm1"]))
    ctl(qenv, "update")
    assert qenv.full_ruleset() == qenv.before_install


def direct(env, vm, host, port, scheme):
    """What curl in vm, with no proxy, gets from host at NET_IP6:port."""
    r = env.ex(vm, "curl", "-s", "-k", "-o", "/dev/null", "-w",
               "%{http_code}", "-m", "5", "--noproxy", "*", "--resolve",
               "%s:%d:[%s]" % (host, port, NET_IP6),
               "%s://%s:%d/" % (scheme, host, port), check=False,
               timeout=15)
    return r.stdout.strip()


def redirect6_rules(env):
    if env.firewall == "iptables":
        return "".join(env.ex("fw", "ip6tables", "-w", "-t", t, "-S",
                              "fwproxy-transparent", check=False).stdout
                       for t in ("nat", "filter"))
    return env.ex("fw", "nft", "list", "table", "ip6",
                  "fwproxy-transparent", check=False).stdout


def test_transparent_mode_takes_the_vms_ipv6_traffic_too(qenv):
    """Without the IPv6 redirect the VM's IPv6 connections get nowhere
    (the firewall does not forward them); with it, the proxy decides."""
    qenv.write_rules(*WORK, "# fwproxy: Transparent 80 443\n^work\\.test$\n")
    try:
        qenv.vm_up("vm1")
        assert direct(qenv, "vm1", "work.test", 80, "http") == "200", \
            hook_log(qenv) + redirect6_rules(qenv)
        assert direct(qenv, "vm1", "social.test", 80, "http") == "403"
        assert direct(qenv, "vm1", "work.test", 443, "https") == "200"
        assert direct(qenv, "vm1", "social.test", 443, "https") == "000"
        with open(os.path.join(qenv.run_dir, "work", "log")) as f:
            log = f.read()
        assert re.search(r'refused on filtered domain "social\.test" '
                         r'\(client %s, TLS social\.test:443 transparent'
                         % re.escape(VM6["vm1"]), log), log
        rules = redirect6_rules(qenv)
        assert VM6["vm1"] in rules and GATEWAY6 in rules, rules
        assert ("udp dport 443 reject" in rules or
                "icmp6-port-unreachable" in rules), rules
        qenv.vm_down("vm1")
        assert "fwproxy-transparent:work" not in redirect6_rules(qenv)
        assert qenv.full_ruleset() == qenv.before_install
    finally:
        qenv.write_rules(*WORK, "^work\\.test$\n")


BLOCKER = """
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
s.bind((sys.argv[2], 8100))
s.listen(1)
print("ready", flush=True)
sys.stdin.read()
"""


def test_an_ipv6_gateway_that_cannot_be_bound_costs_ipv6_only(qenv):
    """Something else holds [GATEWAY6]:8100 on the VM's vif: the VM keeps
    its IPv4 proxy, and once the address is free an update adds IPv6."""
    qenv.write_rules(*WORK, "^work\\.test$\n")
    hooks = os.path.join(qenv.rw_config, "network-hooks.d")
    os.rename(hooks, hooks + ".off")
    blocker = None
    try:
        qenv.vm_up("vm1")
        blocker = subprocess.Popen(
            ["ip", "netns", "exec", qenv.ns["fw"], "python3", "-c", BLOCKER,
             "vif12.0", GATEWAY6], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        assert blocker.stdout.readline() == "ready\n"
        r = ctl(qenv, "update")
        assert ("work: listen on [%s]:8100 (vif12.0): Address already in "
                "use; serving IPv4 only" % GATEWAY6) in r.stderr, r.stderr
        assert re.search(r"work: started \(pid \d+\) on [0-9.]+:8100 via "
                         r"vif12\.0$", r.stdout, re.M), r.stdout
        assert qenv.fetch("vm1", "http://work.test/") == 200
        assert ip6_rules(qenv) == []
        blocker.stdin.close()
        blocker.wait(5)
        blocker = None
        r = ctl(qenv, "update")
        assert "and [%s]:8100" % GATEWAY6 in r.stdout, r.stdout + r.stderr
        assert fetch6(qenv, "vm1", "http://work.test/") == 200
        assert len(ip6_rules(qenv)) == 1
        qenv.vm_down("vm1")
        ctl(qenv, "update")
    finally:
        if blocker is not None:
            blocker.kill()
            blocker.wait()
        os.rename(hooks + ".off", hooks)
    assert qenv.full_ruleset() == qenv.before_install
