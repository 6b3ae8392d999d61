"""fwproxyctl end to end: one proxy per running VM on gateway:8100, the
firewall kept in step, the classic faults not repeated."""
import os
import re
import signal
import subprocess
import time

from conftest import GATEWAY, ctl_under_systemd, systemd_run_stand_in

WORK = ("work", "10.137.0.13")
SOCIAL = ("social", "10.137.2.13")


def pids(env):
    return {n: v[2] for n, v in env.show().items()}


def test_setup_rules(env):
    env.write_rules(*WORK, "^work\\.test$\n")
    env.write_rules(*SOCIAL, "^social\\.test$\n")
    env.ruleset_before = env.ruleset()
    rows = env.show()
    assert list(rows) == ["social", "work"]
    assert rows["work"] == ("10.137.0.13", "vif12.0", "--")
    assert rows["social"] == ("10.137.2.13", "vif14.0", "--")


def test_update_gives_each_vm_its_own_allow_list(env):
    r = env.ctl("update")
    assert "work: started" in r.stdout and "social: started" in r.stdout
    p = pids(env)
    assert p["work"] != "--" and p["social"] != "--"
    rules = env.ruleset()
    assert rules.count('comment "fwproxy:work"') == 1
    assert rules.count('comment "fwproxy:social"') == 1
    # Same gateway address and port, same last octet, own proxy each.
    assert env.fetch("vm1", "http://work.test/") == 200
    assert env.fetch("vm1", "http://social.test/") == 403
    assert env.fetch("vm2", "http://social.test/") == 200
    assert env.fetch("vm2", "http://work.test/") == 403
    assert env.fetch("vm1", "https://work.test/") == 200
    assert env.fetch("vm1", "https://social.test/") in (0, 403)
    assert env.fetch("vm2", "https://social.test/") == 200
    assert env.fetch("vm2", "https://work.test/") in (0, 403)


def test_refusal_names_the_rules_file_the_user_edits(env):
    """The proxy reads a copy in the run directory; its refusal page names
    the file under --config-dir instead."""
    source = os.path.join(env.config_dir, "work.%s" % WORK[1])
    page = env.ex("vm1", "curl", "-s", "-m", "5", "-x",
                  "http://%s:8100" % GATEWAY, "http://social.test/").stdout
    assert "add this line to <code>%s</code>" % source in page, page
    assert "<pre>^social\\.test$</pre>" in page, page
    assert os.path.join(env.run_dir, "work") not in page, page
    with open(os.path.join(env.run_dir, "work", "config")) as f:
        assert 'FilterSource "%s"' % source in f.read()


def test_update_is_idempotent(env):
    before_rules, before_pids = env.ruleset(), pids(env)
    r = env.ctl("update")
    assert "nothing to do" in r.stdout
    assert env.ruleset() == before_rules
    assert pids(env) == before_pids


def test_missing_rule_really_blocks(env):
    out = env.ex("fw", "nft", "-a", "list", "chain", "ip", "qubes",
                 "custom-input").stdout
    handle = re.search(r'"fwproxy:work" # handle (\d+)', out).group(1)
    env.ex("fw", "nft", "delete", "rule", "ip", "qubes", "custom-input",
           "handle", handle)
    assert env.fetch("vm1", "http://work.test/", timeout=2) == 0
    r = env.ctl("update")
    assert "work: firewall rule added" in r.stdout
    assert env.fetch("vm1", "http://work.test/") == 200


def test_vm_down_and_up(env):
    env.vm_down("vm2")
    r = env.ctl("update")
    assert "social: stopped" in r.stdout
    assert "social: firewall rule removed" in r.stdout
    assert env.show()["social"] == ("10.137.2.13", "--", "--")
    assert "fwproxy:social" not in env.ruleset()
    assert pids(env)["work"] != "--"
    env.vm_up("vm2")
    r = env.ctl("update")
    assert "social: started" in r.stdout
    assert env.fetch("vm2", "http://social.test/") == 200


def test_kill9_then_update_restores(env):
    pid = int(pids(env)["work"])
    os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if pids(env)["work"] == "--":
            break
        time.sleep(0.1)
    assert pids(env)["work"] == "--", "a stale pid file counts as running"
    r = env.ctl("update")
    assert "work: started" in r.stdout
    assert pids(env)["work"] not in ("--", str(pid))
    assert env.fetch("vm1", "http://work.test/") == 200


def test_restart_picks_up_new_rules(env):
    env.write_rules(*WORK, "^work\\.test$\n^social\\.test$\n")
    old = pids(env)["work"]
    env.ctl("restart", "work")
    assert pids(env)["work"] != old
    assert env.fetch("vm1", "http://social.test/") == 200
    assert env.fetch("vm2", "http://work.test/") == 403


def test_proxies_run_in_a_systemd_scope_or_without_one(env, tmp_path):
    stand_in, calls = systemd_run_stand_in(tmp_path)
    r = ctl_under_systemd(env, ["PATH=%s:%s" % (stand_in,
                                                os.environ["PATH"])],
                          "restart", "work")
    assert "work: started" in r.stdout, r.stdout + r.stderr
    pid = pids(env)["work"]
    line = calls.read_text().splitlines()[-1].split()
    assert line[:6] == [pid, "--scope", "--quiet", "--collect",
                        "--unit=fwproxy-work-%s" % pid, "--"], line
    assert line[6].endswith("/fwproxy"), line
    assert line[7:] == ["-d", "-c", os.path.join(env.run_dir, "work",
                                                 "config")], line
    assert env.fetch("vm1", "http://work.test/") == 200
    # systemd booted but no systemd-run on PATH: its own session instead.
    bare = tmp_path / "bare"
    bare.mkdir()
    for tool in ("nft", "iptables", "ip6tables", "ip"):
        found = subprocess.run(["sh", "-c", "command -v " + tool],
                               capture_output=True, text=True).stdout
        if found.strip():
            os.symlink(found.strip(), str(bare / tool))
    r = ctl_under_systemd(env, ["PATH=" + str(bare)], "restart", "work")
    assert "work: started" in r.stdout, r.stdout + r.stderr
    assert pids(env)["work"] != pid
    assert len(calls.read_text().splitlines()) == 1
    assert env.fetch("vm1", "http://work.test/") == 200


def test_reload_keeps_the_process(env):
    env.write_rules(*WORK, "^work\\.test$\n")
    old = pids(env)["work"]
    r = env.ctl("reload", "work")
    assert "work: reloaded" in r.stdout
    time.sleep(0.5)
    assert pids(env)["work"] == old
    assert env.fetch("vm1", "http://social.test/") == 403
    assert env.fetch("vm1", "http://work.test/") == 200


def test_update_reloads_changed_rules(env):
    env.write_rules(*WORK, "^work\\.test$\n^social\\.test$\n")
    old = pids(env)["work"]
    r = env.ctl("update")
    assert "work: reloaded" in r.stdout
    time.sleep(0.5)
    assert pids(env)["work"] == old
    assert env.fetch("vm1", "http://social.test/") == 200
    env.write_rules(*WORK, "^work\\.test$\n")
    env.ctl("update")


def test_errors_leave_nothing_half_done(env):
    r = env.ctl("start", "nosuchvm", check=False)
    assert r.returncode != 0 and "nosuchvm" in r.stderr
    # A bad template: the start fails, no rule and no pid file remain.
    env.ctl("stop", "work")
    before = env.ruleset()
    with open(os.path.join(env.config_dir, "config"), "w") as f:
        f.write("Port {port}\nAllow {vm_ip}\nFilter \"{rules_file}\"\n"
                "Bogus {nonsense}\n")
    r = env.ctl("start", "work", check=False)
    assert r.returncode != 0 and "{nonsense}" in r.stderr
    assert env.ruleset() == before
    assert not os.path.exists(os.path.join(env.run_dir, "work", "pid"))
    os.unlink(os.path.join(env.config_dir, "config"))
    # A name or an address used twice is refused before anything is done.
    env.write_rules("copy", "10.137.0.13", "x\n")
    r = env.ctl("update", check=False)
    assert r.returncode != 0 and "used twice" in r.stderr
    assert env.ruleset() == before
    os.unlink(os.path.join(env.config_dir, "copy.10.137.0.13"))
    env.ctl("start", "work")
    assert env.fetch("vm1", "http://work.test/") == 200


def test_dry_run_does_nothing(env):
    env.ctl("stop", "work")
    before = env.ruleset()
    r = env.ctl("--dry-run", "start", "work")
    assert "would start" in r.stdout
    assert "nft insert rule ip qubes custom-input" in r.stdout
    assert env.ruleset() == before
    assert pids(env)["work"] == "--"
    env.ctl("start", "work")


def test_kill_all_spares_a_foreign_tinyproxy(env):
    fake = os.path.join(env.base, "tinyproxy")
    with open("/bin/sleep", "rb") as src, open(fake, "wb") as dst:
        dst.write(src.read())
    os.chmod(fake, 0o755)
    foreign = subprocess.Popen([fake, "300"])
    try:
        # Also a pid file pointing at the foreign process (a reused pid).
        os.makedirs(os.path.join(env.run_dir, "ghost"), exist_ok=True)
        with open(os.path.join(env.run_dir, "ghost", "pid"), "w") as f:
            f.write("%d\n" % foreign.pid)
        r = env.ctl("kill-all")
        assert "work: stopped" in r.stdout and "social: stopped" in r.stdout
        assert foreign.poll() is None, "kill-all killed a foreign process"
        assert set(pids(env).values()) == {"--"}
        assert env.ruleset() == env.ruleset_before
    finally:
        foreign.kill()
        foreign.wait()


def test_kill_all_and_restart(env):
    env.ctl("update")
    old = pids(env)
    r = env.ctl("kill-all-and-restart")
    assert "work: stopped" in r.stdout and "work: started" in r.stdout
    new = pids(env)
    assert "--" not in new.values()
    assert all(new[n] != old[n] for n in new)
    assert env.fetch("vm1", "http://work.test/") == 200
    assert env.fetch("vm2", "http://social.test/") == 200


def test_classic_directory_works_unchanged(env):
    env.ctl("kill-all")
    classic = os.path.join(env.base, "tinyproxy")
    os.makedirs(classic + "d")
    classic += "d"
    with open(os.path.join(classic, "config"), "w") as f:
        f.write("User nobody\nGroup nogroup\nPort {port}\n"
                "Listen {bind_ip}\nTimeout 600\n"
                "LogFile \"{log_file}\"\nLogLevel Info\n"
                "PidFile \"{pid_file}\"\nMaxClients 100\n"
                "MinSpareServers 5\nMaxSpareServers 20\nStartServers 10\n"
                "Allow {vm_ip}\nViaProxyName \"tinyproxy\"\n"
                "Filter \"{rules_file}\"\nFilterURLs Off\n"
                "FilterExtended On\nFilterDefaultDeny Yes\n")
    env.write_rules(*WORK, "^work\\.test$\n", config_dir=classic)
    env.write_rules(*SOCIAL, "^social\\.test$\n", config_dir=classic)
    run_dir = os.path.join(env.base, "run-classic")
    try:
        r = env.ctl("update", config_dir=classic, run_dir=run_dir)
        assert "work: started" in r.stdout, r.stdout + r.stderr
        st = os.stat(os.path.join(run_dir, "work", "log"))
        assert st.st_uid == 65534, "the log belongs to the template's User"
        assert os.stat(os.path.join(run_dir, "work", "config")).st_uid == 0
        assert env.fetch("vm1", "http://work.test/") == 200
        assert env.fetch("vm1", "http://social.test/") == 403
        assert env.fetch("vm2", "https://social.test/") == 200
    finally:
        env.ctl("kill-all", config_dir=classic, run_dir=run_dir)
    assert env.ruleset() == env.ruleset_before


def test_shipped_qubes_template_works_as_docs_install_it(env):
    """contrib/qubes/config.example copied as the rules directory's
    config (docs/install.md): proxies start, filter, and the rendered
    configs keep the template's comments, placeholders in them included."""
    env.ctl("kill-all")
    example = os.path.join(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))), "contrib", "qubes",
        "config.example")
    rules = os.path.join(env.base, "rules-example")
    os.makedirs(rules)
    with open(example) as f:
        template = f.read()
    with open(os.path.join(rules, "config"), "w") as f:
        f.write(template)
    env.write_rules(*WORK, "^work\\.test$\n", config_dir=rules)
    run_dir = os.path.join(env.base, "run-example")
    try:
        r = env.ctl("update", config_dir=rules, run_dir=run_dir)
        assert "work: started" in r.stdout, r.stdout + r.stderr
        assert env.fetch("vm1", "http://work.test/") == 200
        assert env.fetch("vm1", "http://social.test/") == 403
        with open(os.path.join(run_dir, "work", "config")) as f:
            rendered = f.read()
        comments = [ln for ln in template.splitlines() if ln.startswith("#")]
        assert "{port}" in "".join(comments)
        for line in comments:
            assert line + "\n" in rendered, line
        assert "Listen %s\n" % GATEWAY in rendered
    finally:
        env.ctl("kill-all", config_dir=rules, run_dir=run_dir)
    assert env.ruleset() == env.ruleset_before


def test_ruleset_restored_after_stop(env):
    env.ctl("update")
    assert "fwproxy:" in env.ruleset()
    env.ctl("stop", "work", "social")
    assert env.ruleset() == env.ruleset_before


def test_install_qubes(env):
    rw = os.path.join(env.base, "rw-config")
    os.makedirs(rw)
    r = env.ctl("--rw-config", rw, "install-qubes")
    hook = os.path.join(rw, "network-hooks.d", "90-fwproxy")
    assert os.access(hook, os.X_OK)
    with open(os.path.join(rw, "qubes-firewall-user-script")) as f:
        script = f.read()
    assert " update" in script and env.config_dir in script
    r = env.ctl("--rw-config", rw, "install-qubes")
    assert r.stdout.count("up to date") == 2
    with open(os.path.join(rw, "qubes-firewall-user-script")) as f:
        assert f.read() == script
    # The hook really brings a VM's proxy up.
    r = env.ex("fw", hook, "online", "vif12.0", "vif", "10.137.0.13",
               check=False)
    assert r.returncode == 0, r.stderr
    assert env.fetch("vm1", "http://work.test/") == 200
    env.ctl("kill-all")
