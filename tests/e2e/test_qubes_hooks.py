"""Proxies that follow VMs through Qubes' own hotplug path: install-qubes,
then VMs start, stop and restart as vif-route-qubes runs them (route,
hooks with Qubes' arguments and environment, then the gateway address on
the vif), on Qubes 4.2 (nftables) and 4.1 (iptables)."""
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import VMS, make_env

WORK = ("work", VMS["vm1"][1])
SOCIAL = ("social", VMS["vm2"][1])
SERVED_WITHIN = 2.0
STANDINS = os.path.join(os.path.dirname(__file__), "qubesdb")


@pytest.fixture(scope="module", params=["nft", "iptables"])
def qenv(request):
    yield from make_env(request.param)


def ctl(env, *args, **kw):
    return env.ctl("--firewall", "auto", *args, **kw)


def until_status(env, vm, url, want, limit):
    """Seconds until a fetch through the proxy answers want, or None."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if env.fetch(vm, url, timeout=1) == want:
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def hook_log(env):
    return env.hook_log()


def proxies_of(env, name):
    """Pids of every fwproxy process running name's config, pid file or
    not (fwproxyctl's "fwproxy -t" check aside)."""
    config = os.path.join(env.run_dir, name, "config")
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(args[0]) == b"fwproxy" and \
                config.encode() in args and b"-t" not in args:
            found.append(int(d))
    return found


def leaders(env, name):
    """The root parents among name's proxy processes (a worker's parent
    is another of them)."""
    pids = proxies_of(env, name)
    out = []
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid not in pids:
            out.append(pid)
    return out


def own_rules(env):
    return re.findall(r'fwproxy:([A-Za-z0-9_.-]+)', env.full_ruleset())


def test_install_qubes_before_any_vm(qenv):
    qenv.write_rules(*WORK, "^work\\.test$\n")
    qenv.write_rules(*SOCIAL, "^social\\.test$\n")
    for vm in VMS:
        qenv.vm_down(vm)
    qenv.before_install = qenv.full_ruleset()
    os.makedirs(qenv.rw_config)
    # In a disposable sys-firewall (QubesDB says so) nothing is written.
    qdb = os.path.join(qenv.base, "qubesdb-install")
    os.makedirs(qdb)
    for persistence, vm_type, refused in (("none", "DispVM", True),
                                          ("full", "TemplateVM", True),
                                          ("rw-only", "AppVM", False)):
        with open(os.path.join(qdb, "db.json"), "w") as f:
            json.dump({"/qubes-vm-persistence": persistence,
                       "/qubes-vm-type": vm_type, "/name": "sys-firewall"},
                      f)
        r = qenv.ex("fw", "env", "PATH=%s:%s" % (STANDINS,
                                                 os.environ["PATH"]),
                    "QUBESDB_DIR=" + qdb, qenv.ctl_bin, "--config-dir",
                    qenv.config_dir, "--run-dir", qenv.run_dir,
                    "--rw-config", qenv.rw_config, "--dry-run",
                    "install-qubes", check=False)
        assert (r.returncode != 0) == refused, r.stdout + r.stderr
        if refused:
            assert "install-qubes: sys-firewall is" in r.stderr, r.stderr
        assert os.listdir(qenv.rw_config) == []
    r = ctl(qenv, "--rw-config", qenv.rw_config, "install-qubes")
    assert "network-hooks.d/90-fwproxy" in r.stdout
    assert qenv.full_ruleset() == qenv.before_install


def test_vm_online_through_the_hook_is_served(qenv):
    start = time.monotonic()
    qenv.vm_up("vm1")
    took = until_status(qenv, "vm1", "http://work.test/", 200,
                        SERVED_WITHIN)
    assert took is not None, hook_log(qenv)
    assert time.monotonic() - start < SERVED_WITHIN + 0.5
    assert qenv.fetch("vm1", "http://social.test/") == 403
    assert qenv.show()["work"] == (WORK[1], "vif12.0",
                                   str(leaders(qenv, "work")[0]))
    assert own_rules(qenv) == ["work"]
    # The hook ran before the gateway address was on the vif.
    assert re.search(r"online vif12\.0 %s work: firewall rule added; "
                     r"started \(pid \d+\) on [0-9.]+:8100 via vif12\.0$"
                     % WORK[1],
                     hook_log(qenv), re.M), hook_log(qenv)
    qenv.vm_up("vm2")
    assert until_status(qenv, "vm2", "http://social.test/", 200,
                        SERVED_WITHIN) is not None
    assert qenv.fetch("vm2", "http://work.test/") == 403


def test_vm_offline_removes_proxy_and_rule(qenv):
    qenv.vm_down("vm2")
    assert qenv.show()["social"] == (SOCIAL[1], "--", "--")
    assert proxies_of(qenv, "social") == []
    assert own_rules(qenv) == ["work"]
    assert "offline vif14.0 %s social: " % SOCIAL[1] in hook_log(qenv)
    assert qenv.fetch("vm1", "http://work.test/") == 200


def test_restart_with_a_new_vif_while_the_old_one_exists(qenv):
    old = leaders(qenv, "work")
    qenv.vm_up("vm1", "vif31.0")
    # Both vifs route the VM's address; the newer one (lower metric) wins.
    assert qenv.show()["work"][1] == "vif31.0"
    assert leaders(qenv, "work") != old and len(leaders(qenv, "work")) == 1
    assert "interface changed" in hook_log(qenv)
    qenv.vm_down("vm1", "vif12.0")
    assert qenv.show()["work"][1] == "vif31.0", hook_log(qenv)
    assert own_rules(qenv) == ["work"]
    qenv.vm_net("vm1")
    assert until_status(qenv, "vm1", "http://work.test/", 200,
                        SERVED_WITHIN) is not None


def test_update_moves_a_proxy_whose_vif_changed(qenv):
    """Without the hook (say, it was not installed yet), update moves it."""
    hooks = os.path.join(qenv.rw_config, "network-hooks.d")
    os.rename(hooks, hooks + ".off")
    try:
        qenv.vm_up("vm1", "vif33.0")
        assert qenv.show()["work"][1] == "vif33.0"
        r = ctl(qenv, "update")
        assert "work: interface changed, moving to vif33.0" in r.stdout
        assert "work: started" in r.stdout
        qenv.vm_down("vm1", "vif31.0")
        qenv.vm_net("vm1")
        assert qenv.fetch("vm1", "http://work.test/") == 200
    finally:
        os.rename(hooks + ".off", hooks)


def test_hook_failure_is_logged_with_the_vm_and_reason(qenv):
    template = os.path.join(qenv.config_dir, "config")
    with open(template, "w") as f:
        f.write("Port {port}\nAllow {vm_ip}\nFilter \"{rules_file}\"\n"
                "Bogus {nonsense}\n")
    try:
        qenv.vm_up("vm2")
        log = hook_log(qenv)
        line = [l for l in log.splitlines()
                if "online vif14.0" in l][-1]
        assert "social: FAILED:" in line and "{nonsense}" in line, log
        assert proxies_of(qenv, "social") == []
        assert own_rules(qenv) == ["work"]
    finally:
        os.unlink(template)
    r = subprocess.run(
        ["ip", "netns", "exec", qenv.ns["fw"], "env", "vif=vif14.0",
         os.path.join(qenv.rw_config, "network-hooks.d", "90-fwproxy"),
         "online", "vif14.0", "vif", "not-an-address"],
        capture_output=True, text=True)
    assert r.stdout == "" and r.stderr == ""
    assert "the address is not an IP address" in hook_log(qenv)


SYSLOG_RUN = """set -e
mount --bind /dev "$1/olddev"
mount -t tmpfs tmpfs /dev
for n in null zero random urandom; do
    touch /dev/$n
    mount --bind "$1/olddev/$n" /dev/$n
done
touch /dev/log
mount --bind "$1/log.sock" /dev/log
shift
exec env vif="$3" "$@"
"""


def test_hook_failure_reaches_syslog(qenv):
    """The journal gets the same line: the hook runs with /dev/log bound
    to the test's socket in a mount namespace of its own."""
    d = os.path.join(qenv.base, "syslog")
    os.makedirs(os.path.join(d, "olddev"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(d, "log.sock"))
    sock.settimeout(5)
    template = os.path.join(qenv.config_dir, "config")
    with open(template, "w") as f:
        f.write("Port {port}\nAllow {vm_ip}\nBogus {nonsense}\n")
    try:
        r = subprocess.run(
            ["ip", "netns", "exec", qenv.ns["fw"], "unshare", "-m",
             "--propagation", "private", "sh", "-c", SYSLOG_RUN, "sh", d,
             os.path.join(qenv.rw_config, "network-hooks.d", "90-fwproxy"),
             "online", "vif14.0", "vif", SOCIAL[1]],
            capture_output=True, text=True, timeout=60)
        assert r.returncode != 0 and r.stdout == "", r.stdout + r.stderr
        msg = sock.recv(4096).decode()
    finally:
        os.unlink(template)
        sock.close()
    assert "fwproxyctl[" in msg, msg
    assert ("hook online vif14.0 %s: social: FAILED: " % SOCIAL[1]) in msg
    assert "{nonsense}" in msg, msg


def test_hook_proxy_outlives_the_service_that_ran_it(qenv):
    """Without systemd the proxy runs in its own session: killing the
    hook's whole process group (as a service stop would) spares it."""
    ctl(qenv, "stop", "social")
    hook = os.path.join(qenv.rw_config, "network-hooks.d", "90-fwproxy")
    logged = len(hook_log(qenv).splitlines())
    service = subprocess.Popen(
        ["ip", "netns", "exec", qenv.ns["fw"], "sh", "-c",
         "'%s' online vif14.0 vif %s; exec sleep 60" % (hook, SOCIAL[1])],
        start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(hook_log(qenv).splitlines()) == logged and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        pid = leaders(qenv, "social")
        assert pid, hook_log(qenv)
    finally:
        os.killpg(service.pid, signal.SIGKILL)
        service.wait()
    time.sleep(0.2)
    assert leaders(qenv, "social") == pid
    assert qenv.fetch("vm2", "http://social.test/") == 200


def test_concurrent_updates_end_in_the_one_run_state(qenv):
    """3 updates at once, 40 times: one proxy per VM, each with its pid
    file, one rule per VM, as after a single run."""
    for i in range(40):
        ctl(qenv, "kill-all")
        runs = [subprocess.Popen(
            ["ip", "netns", "exec", qenv.ns["fw"], qenv.ctl_bin,
             "--config-dir", qenv.config_dir, "--run-dir", qenv.run_dir,
             "update"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True) for _ in range(3)]
        outs = [p.communicate(timeout=60) for p in runs]
        assert all(p.returncode == 0 for p in runs), (i, outs)
        for name, _ in (WORK, SOCIAL):
            pids = leaders(qenv, name)
            assert len(pids) == 1, (i, name, pids, outs)
            assert qenv.show()[name][2] == str(pids[0]), (i, outs)
        assert sorted(own_rules(qenv)) == ["social", "work"], (i, outs)
    assert qenv.fetch("vm1", "http://work.test/") == 200
    assert qenv.fetch("vm2", "http://social.test/") == 200


def test_ruleset_after_the_last_vm_stops_equals_the_one_before(qenv):
    for vm in list(qenv.vif):
        qenv.vm_down(vm)
    assert proxies_of(qenv, "work") == [] == proxies_of(qenv, "social")
    assert qenv.full_ruleset() == qenv.before_install
