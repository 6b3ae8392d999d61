"""SOCKS in the Qubes replica: each VM's own proxy on GATEWAY:8100, the
socket fwproxyctl bound to the VM's vif, answers SOCKS5 and SOCKS4a as
well, behind the one firewall rule it already has, decided by that VM's
rules file; ssh and git from a VM reach an sshd in the net namespace
through it, as a VM's ~/.ssh/config would send them."""
import os
import shutil
import sys
import time

import pytest

from conftest import GATEWAY, NET_IP

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import peers  # noqa: E402

WORK = ("work", "10.137.0.13")
SOCIAL = ("social", "10.137.2.13")
# The built-in template with the ports these tunnels go to.
TEMPLATE = ("Port {port}\nListen {bind_ip}\nLogFile \"{log_file}\"\n"
            "LogLevel Info\nPidFile \"{pid_file}\"\nAllow {vm_ip}\n"
            "Filter \"{rules_file}\"\nFilterDefaultDeny Yes\n"
            "ConnectPort 443\nConnectPort 80\nConnectPort 22\n")
PROXY = "%s:8100" % GATEWAY


def socks_curl(env, vm, scheme, url):
    r = env.ex(vm, "curl", "-s", "-m", "5", "-x",
               "%s://%s" % (scheme, PROXY), url, check=False, timeout=20)
    return r.returncode, r.stdout


def log(env, name):
    with open(os.path.join(env.run_dir, name, "log")) as f:
        return f.read()


@pytest.fixture(scope="module")
def senv(env):
    with open(os.path.join(env.config_dir, "config"), "w") as f:
        f.write(TEMPLATE)
    env.write_rules(*WORK, "^work\\.test$\n^git\\.test$\n")
    env.write_rules(*SOCIAL, "^social\\.test$\n")
    env.ctl("update")
    yield env


def test_each_vm_its_own_rules_over_socks(senv):
    rules = senv.ruleset()
    # No second port, no new rule: one accept per VM for port 8100.
    assert rules.count('comment "fwproxy:work"') == 1, rules
    assert "8101" not in rules and "1080" not in rules
    assert socks_curl(senv, "vm1", "socks5h", "http://work.test/") == \
        (0, "hello from work.test\n")
    assert socks_curl(senv, "vm2", "socks4a", "http://social.test/") == \
        (0, "hello from social.test\n")
    rc, out = socks_curl(senv, "vm1", "socks5h", "http://social.test/")
    assert rc == 97 and out == ""
    rc, out = socks_curl(senv, "vm2", "socks4a", "http://work.test/")
    assert rc == 97 and out == ""
    assert 'Proxying refused on filtered domain "social.test" (client ' \
        '10.137.0.13, SOCKS5 social.test:80, rule default)' in log(senv, "work")
    assert 'Proxying refused on filtered domain "work.test" (client ' \
        '10.137.2.13, SOCKS4a work.test:80, rule default)' in log(senv, "social")
    assert 'Request 10.137.0.13 "SOCKS5 work.test:80" 200' in log(senv, "work")


@pytest.mark.skipif(not (os.access(peers.SSHD, os.X_OK)
                         and shutil.which("ncat") and shutil.which("git")),
                    reason="needs openssh-server, ncat and git")
def test_ssh_and_git_from_a_vm(senv):
    conf, key = peers.sshd_setup(os.path.join(senv.base, "sshd"), NET_IP, 22)
    senv.spawn("net", peers.SSHD, "-D", "-e", "-f", conf)
    ssh = peers.ssh_command(key, 22, PROXY)
    for _ in range(50):
        r = senv.ex("vm1", *ssh, "root@git.test", "echo from-vm1",
                    check=False, timeout=30)
        if r.returncode == 0:
            break
        time.sleep(0.1)  # sshd starting
    assert r.stdout == "from-vm1\n", r.stderr
    bare = os.path.join(senv.base, "repo.git")
    senv.ex("net", "git", "init", "-q", "--bare", bare)
    clone = os.path.join(senv.base, "clone")
    r = senv.ex("vm1", "env", "GIT_SSH_COMMAND=" + " ".join(
        "'%s'" % a for a in ssh), "git", "clone", "-q",
        "ssh://root@git.test%s" % bare, clone, check=False, timeout=60)
    assert r.returncode == 0 and os.path.isdir(os.path.join(clone, ".git")), \
        r.stderr
    # The other VM's list does not name git.test.
    r = senv.ex("vm2", *ssh, "root@git.test", "echo no", check=False,
                timeout=30)
    assert r.returncode == 255 and r.stdout == ""
    assert 'Request 10.137.0.13 "SOCKS5 git.test:22" 200' in log(senv, "work")
    assert '"git.test" (client 10.137.2.13, SOCKS5 git.test:22' in \
        log(senv, "social")
