"""fwproxyctl with the iptables backend (Qubes 4.1) end to end: the firewall
VM's INPUT chain ends in a reject for the VMs, so each proxy's rule must go
in front of it, follow the VM up and down, and leave the chain as it found
it."""
import re

from conftest import GATEWAY

WORK = ("work", "10.137.0.13")
SOCIAL = ("social", "10.137.2.13")


def own_rules(env):
    """{name: rule} for the INPUT rules fwproxyctl tagged."""
    out = {}
    for line in env.ruleset().splitlines():
        m = re.search(r'--comment "?fwproxy:([^" ]+)', line)
        if m:
            assert m.group(1) not in out, "two rules for %s" % m.group(1)
            out[m.group(1)] = line
    return out


def rule_args(rule):
    """The iptables arguments of a line of iptables -S, without its "-A":
    ["INPUT", "-s", ...], the comment unquoted (it holds no space)."""
    return rule.replace('"', "").split()[1:]


def ctl(env, *args, **kw):
    return env.ctl("--firewall", "iptables", *args, **kw)


def test_setup(ipt_env):
    ipt_env.write_rules(*WORK, "^work\\.test$\n")
    ipt_env.write_rules(*SOCIAL, "^social\\.test$\n")
    ipt_env.chain_before = ipt_env.ruleset()
    assert "-j REJECT" in ipt_env.chain_before
    # Without a proxy rule the reject really blocks.
    assert ipt_env.fetch("vm1", "http://work.test/", timeout=2) == 0


def test_update_inserts_a_rule_in_front_of_the_reject(ipt_env):
    r = ctl(ipt_env, "update")
    assert "work: started" in r.stdout and "social: started" in r.stdout
    assert "work: firewall rule added" in r.stdout
    chain = ipt_env.ruleset().splitlines()
    rules = own_rules(ipt_env)
    assert rules["work"] == (
        '-A INPUT -s 10.137.0.13/32 -d %s/32 -i vif12.0 -p tcp -m tcp '
        '--dport 8100 -m comment --comment "fwproxy:work" -j ACCEPT' % GATEWAY)
    assert "-s 10.137.2.13/32" in rules["social"]
    assert "-i vif14.0" in rules["social"]
    reject = next(i for i, l in enumerate(chain) if "-j REJECT" in l)
    for rule in rules.values():
        assert chain.index(rule) < reject, chain
    assert ipt_env.fetch("vm1", "http://work.test/") == 200
    assert ipt_env.fetch("vm1", "http://social.test/") == 403
    assert ipt_env.fetch("vm2", "http://social.test/") == 200
    assert ipt_env.fetch("vm2", "http://work.test/") == 403
    assert ipt_env.fetch("vm1", "https://work.test/") == 200


def test_rule_admits_only_its_own_vm(ipt_env):
    """With social's rule gone, work's rule does not let vm2 in (another
    interface, another address); update puts back only the missing rule."""
    rules = own_rules(ipt_env)
    spec = rule_args(rules["social"])
    ipt_env.ex("fw", "iptables", "-w", "-D", *spec)
    assert ipt_env.fetch("vm2", "http://social.test/", timeout=2) == 0
    assert ipt_env.fetch("vm1", "http://work.test/") == 200
    r = ctl(ipt_env, "update")
    assert "social: firewall rule added" in r.stdout
    assert "work: firewall rule" not in r.stdout
    assert ipt_env.fetch("vm2", "http://social.test/") == 200


def test_update_is_idempotent(ipt_env):
    before = ipt_env.ruleset()
    r = ctl(ipt_env, "update")
    assert "nothing to do" in r.stdout
    assert ipt_env.ruleset() == before


def test_auto_picks_iptables_without_the_qubes_nft_table(ipt_env):
    before = ipt_env.ruleset()
    r = ipt_env.ctl("update")
    assert "nothing to do" in r.stdout
    assert ipt_env.ruleset() == before


def test_changed_rule_is_replaced_not_doubled(ipt_env):
    """A rule for the right VM with the wrong port is an old one: update
    swaps it for the right one."""
    rules = own_rules(ipt_env)
    spec = rule_args(rules["work"])
    ipt_env.ex("fw", "iptables", "-w", "-D", *spec)
    stale = [w if w != "8100" else "8101" for w in spec]
    ipt_env.ex("fw", "iptables", "-w", "-I", stale[0], "1", *stale[1:])
    assert "--dport 8101" in own_rules(ipt_env)["work"]
    ctl(ipt_env, "update")
    rules = own_rules(ipt_env)
    assert "--dport 8100" in rules["work"]
    assert ipt_env.fetch("vm1", "http://work.test/") == 200


def test_vm_down_and_up(ipt_env):
    ipt_env.vm_down("vm2")
    r = ctl(ipt_env, "update")
    assert "social: stopped" in r.stdout
    assert "social: firewall rule removed" in r.stdout
    assert sorted(own_rules(ipt_env)) == ["work"]
    ipt_env.vm_up("vm2")
    r = ctl(ipt_env, "update")
    assert "social: started" in r.stdout
    assert sorted(own_rules(ipt_env)) == ["social", "work"]
    assert ipt_env.fetch("vm2", "http://social.test/") == 200


def test_dry_run_prints_the_commands_and_changes_nothing(ipt_env):
    ctl(ipt_env, "stop", "social")
    before = ipt_env.ruleset()
    r = ctl(ipt_env, "--dry-run", "update")
    assert re.search(r"^iptables -w -I INPUT 1 -s 10\.137\.2\.13/32 .*"
                     r"--comment fwproxy:social -j ACCEPT$", r.stdout,
                     re.M), r.stdout
    assert ipt_env.ruleset() == before


def test_kill_all_restores_the_chain(ipt_env):
    ctl(ipt_env, "update")
    assert sorted(own_rules(ipt_env)) == ["social", "work"]
    ctl(ipt_env, "kill-all")
    assert ipt_env.ruleset() == ipt_env.chain_before
    assert ipt_env.fetch("vm1", "http://work.test/", timeout=2) == 0
