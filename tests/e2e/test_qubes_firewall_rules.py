"""Qube Settings as the editor: a VM whose rules file says
"@qubes-firewall" takes its allow-list from its Qubes firewall rules in
QubesDB, and follows them as they change.

QubesDB is served by stand-ins for Qubes' four command-line tools
(tests/e2e/qubesdb), with the keys laid out as Qubes lays them out: dom0
writes /qubes-firewall/IP/policy and the rules 0000, 0001, ... and then
/qubes-firewall/IP itself, the write that tells the firewall VM to apply
them. Every step is checked by what the client VM gets."""
import json
import os
import re
import time

import pytest

from conftest import ctl_under_systemd, systemd_run_stand_in

WORK = ("work", "10.137.0.13")
SOCIAL = ("social", "10.137.2.13")
STANDINS = os.path.join(os.path.dirname(__file__), "qubesdb")
PREFIX = "/qubes-firewall/%s/" % WORK[1]


class QubesDB:
    """The test side of the stand-in: writes keys as dom0 does."""

    def __init__(self, base):
        self.dir = os.path.join(base, "qubesdb")
        os.makedirs(self.dir, exist_ok=True)
        self.db = {}
        self.save()

    def save(self):
        tmp = os.path.join(self.dir, "db.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.db, f)
        os.rename(tmp, os.path.join(self.dir, "db.json"))

    def fire(self, path):
        with open(os.path.join(self.dir, "events"), "a") as f:
            f.write(path + "\n")

    def set_rules(self, ip, policy, rules):
        """Replaces ip's rules, then makes Qubes' final write."""
        prefix = "/qubes-firewall/%s/" % ip
        for key in [k for k in self.db if k.startswith(prefix)]:
            del self.db[key]
        if policy is not None:
            self.db[prefix + "policy"] = policy
        for i, rule in enumerate(rules):
            self.db[prefix + "%04d" % i] = rule
        self.db[prefix.rstrip("/")] = ""
        self.save()
        for key in sorted(k for k in self.db if k.startswith(prefix)):
            self.fire(key)
        self.fire(prefix.rstrip("/"))


@pytest.fixture(scope="module")
def qdb(env):
    q = QubesDB(env.base)
    env.qubes_env = ("env", "PATH=%s:%s" % (STANDINS, os.environ["PATH"]),
                     "QUBESDB_DIR=" + q.dir)
    return q


def ctl(env, *args, check=True, qubes=True):
    prefix = env.qubes_env if qubes else ("env",)
    r = env.ex("fw", *prefix, env.ctl_bin, "--config-dir", env.config_dir,
               "--run-dir", env.run_dir, *args, check=False, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError("fwproxyctl %s: rc %d\n%s%s" % (
            " ".join(args), r.returncode, r.stdout, r.stderr))
    return r


def until(cond, seconds):
    """Seconds it took cond() to hold, or None."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if cond():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def log(env):
    with open(os.path.join(env.run_dir, WORK[0], "log")) as f:
        return f.read()


def test_standins_answer_as_qubes_tools(env, qdb):
    qdb.set_rules(WORK[1], "drop",
                  ["action=accept dsthost=work.test proto=tcp "
                   "dstports=80-80"])
    r = env.ex("fw", *env.qubes_env, "qubesdb-multiread", PREFIX)
    assert r.stdout == ("0000 = action=accept dsthost=work.test proto=tcp "
                        "dstports=80-80\npolicy = drop\n")
    r = env.ex("fw", *env.qubes_env, "qubesdb-list", "/qubes-firewall/")
    assert r.stdout.splitlines() == [WORK[1], WORK[1] + "/0000",
                                     WORK[1] + "/policy"]
    r = env.ex("fw", *env.qubes_env, "qubesdb-read", "/nope", check=False)
    assert r.returncode == 1 and "Failed to read /nope" in r.stderr


def test_rules_appear(env, qdb):
    env.write_rules(*WORK, "@qubes-firewall\n")
    env.write_rules(*SOCIAL, "=social.test\n")
    env.ctl("--firewall", "none", "show")  # the directory reads
    r = ctl(env, "update")
    assert "work: started" in r.stdout, r.stdout + r.stderr
    assert "started the Qubes firewall watch" in r.stdout
    assert env.fetch("vm1", "http://work.test/") == 200
    # Port 443 is not in the Qubes rule; other names are not either.
    assert env.fetch("vm1", "https://work.test/") in (0, 403)
    assert env.fetch("vm1", "http://social.test/") == 403
    rows = ctl(env, "show").stdout.splitlines()
    col = rows[0].split().index("Rules_From")
    from_ = {f[0]: f[col] for f in (r.split() for r in rows[1:])}
    assert from_ == {"work": "qubes", "social": "file"}


def test_changes_in_qube_settings_reach_the_proxy_within_2s(env, qdb):
    pid = ctl(env, "show").stdout.split("work")[1].split()[2]
    qdb.set_rules(WORK[1], "drop", [
        "action=accept dsthost=work.test proto=tcp dstports=80-80",
        "action=accept dsthost=social.test proto=tcp",
    ])
    took = until(lambda: env.fetch("vm1", "http://social.test/", timeout=2)
                 == 200, 5)
    assert took is not None and took < 2, took
    assert env.fetch("vm1", "http://work.test/") == 200
    # A reload, not a restart: the same process.
    assert ctl(env, "show").stdout.split("work")[1].split()[2] == pid


def test_a_broken_entry_keeps_the_rules_in_force(env, qdb):
    # Qubes itself refuses an unknown option; the proxy keeps what it had.
    qdb.set_rules(WORK[1], "drop", [
        "action=accept dsthost=work.test proto=tcp dstports=80-80",
        "action=accept dsthost=other.test bogus=1",
    ])
    assert until(lambda: "cannot be used" in log(env), 5) is not None
    assert "unsupported rule option" in log(env)
    assert env.fetch("vm1", "http://social.test/") == 200
    assert env.fetch("vm1", "http://other.test/") == 403


def test_rules_change_again_after_the_fix(env, qdb):
    qdb.set_rules(WORK[1], "drop", [
        "action=accept dsthost=other.test proto=tcp",
    ])
    assert until(lambda: env.fetch("vm1", "http://other.test/", timeout=2)
                 == 200, 5) is not None
    assert env.fetch("vm1", "http://social.test/") == 403
    assert env.fetch("vm1", "http://work.test/") == 403


def test_test_check_and_denied_speak_qubes(env, qdb):
    qdb.set_rules(WORK[1], "drop", [
        "action=accept dsthost=other.test proto=tcp",
        "action=accept proto=tcp dstports=22-22",
        "action=accept",
    ])
    # "accept" last: everything is allowed (Qubes' usual unrestricted VM).
    assert until(lambda: env.fetch("vm1", "http://social.test/", timeout=2)
                 == 200, 5) is not None
    qdb.set_rules(WORK[1], "drop", [
        "action=accept dsthost=other.test proto=tcp",
        "action=accept proto=tcp dstports=22-22",
        "action=drop",
    ])
    assert until(lambda: env.fetch("vm1", "http://social.test/", timeout=2)
                 == 403, 5) is not None
    r = ctl(env, "test", "work", "http://social.test/", check=False)
    assert r.returncode == 1, r.stdout + r.stderr
    assert ("to allow it, in dom0: qvm-firewall work add --before 2 "
            "action=accept dsthost=social.test proto=tcp dstports=80"
            in r.stdout), r.stdout
    r = ctl(env, "test", "work", "http://other.test/")
    assert "allowed by %s" % os.path.join(env.run_dir, "work", "rules") \
        in r.stdout, r.stdout
    r = ctl(env, "check", "work")
    assert ("work.10.137.0.13:1: warning: Qubes firewall rule "
            "/qubes-firewall/10.137.0.13/0001: allows every name on some "
            "ports" in r.stdout), r.stdout
    r = ctl(env, "denied", "work", "--add", "social.test")
    assert ("qvm-firewall work add --before 2 action=accept "
            "dsthost=social.test proto=tcp dstports=443" in r.stdout), \
        r.stdout
    with open(os.path.join(env.config_dir, "work.%s" % WORK[1])) as f:
        assert f.read() == "@qubes-firewall\n"


def test_file_and_qubes_rules_together(env, qdb):
    env.write_rules(*WORK, "=social.test\n@qubes-firewall\n")
    ctl(env, "reload", "work")
    assert env.fetch("vm1", "http://social.test/") == 200
    assert env.fetch("vm1", "http://other.test/") == 200
    assert env.fetch("vm1", "http://work.test/") == 403
    rows = ctl(env, "show").stdout.splitlines()
    col = rows[0].split().index("Rules_From")
    assert [r.split()[col] for r in rows if r.startswith("work ")] == \
        ["file+qubes"]


def test_rules_disappear(env, qdb):
    qdb.set_rules(WORK[1], "drop", [])
    assert until(lambda: env.fetch("vm1", "http://other.test/", timeout=2)
                 == 403, 5) is not None
    assert env.fetch("vm1", "http://social.test/") == 200  # the file's own


def watches_of(qdb):
    """Pids of stand-in qubesdb-watch processes serving this test's
    database."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
            with open("/proc/%s/environ" % pid, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if (b"qubesdb-watch" in cmd and
                ("QUBESDB_DIR=" + qdb.dir).encode() in environ):
            found.append(int(pid))
    return found


def gone(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return "\nState:\tZ" in f.read()
    except OSError:
        return True


def test_a_watch_whose_pid_file_is_gone_ends(env, qdb):
    """A watch left behind (its run directory cleared) does not run on
    unseen; the next update starts one again."""
    pidfile = os.path.join(env.run_dir, ".watch-qubes-firewall.pid")
    with open(pidfile) as f:
        pid = int(f.read())
    os.unlink(pidfile)
    assert until(lambda: gone(pid), 6) is not None
    assert until(lambda: not watches_of(qdb), 5) is not None
    r = ctl(env, "update")
    assert "started the Qubes firewall watch" in r.stdout, r.stdout


def test_kill_all_ends_the_watch(env, qdb):
    assert until(lambda: watches_of(qdb), 5) is not None, \
        "the watch follows QubesDB while VMs use it"
    r = ctl(env, "kill-all")
    assert "stopped the Qubes firewall watch" in r.stdout, r.stdout
    assert until(lambda: not watches_of(qdb), 5) is not None, \
        "qubesdb-watch outlived the watch"


def test_the_watch_runs_in_a_systemd_scope(env, qdb, tmp_path):
    """Started by an update from a Qubes hook, the watch leaves the hook's
    service as the proxies do, and still follows Qube Settings."""
    stand_in, calls = systemd_run_stand_in(tmp_path)
    r = ctl_under_systemd(env, ["PATH=%s:%s:%s" % (stand_in, STANDINS,
                                                   os.environ["PATH"]),
                                "QUBESDB_DIR=" + qdb.dir], "update")
    m = re.search(r"started the Qubes firewall watch \(pid (\d+)\)",
                  r.stdout)
    assert m, r.stdout + r.stderr
    pid = m.group(1)

    def calls_of_the_watch():
        text = calls.read_text() if calls.exists() else ""
        return [l.split() for l in text.splitlines()
                if l.split()[0] == pid]

    # update does not wait for the watch to get going.
    until(calls_of_the_watch, 5)
    line = calls_of_the_watch()
    assert line and line[0][1:6] == [
        "--scope", "--quiet", "--collect", "--unit=fwproxy-watch-" + pid,
        "--"], line
    assert line[0][6].endswith("/fwproxyctl"), line
    assert line[0][-1] == "watch-qubes-firewall", line
    qdb.set_rules(WORK[1], "drop", [
        "action=accept dsthost=other.test proto=tcp dstports=80-80"])
    assert until(lambda: env.fetch("vm1", "http://other.test/", timeout=2)
                 == 200, 5) is not None
    r = ctl(env, "kill-all")
    assert "stopped the Qubes firewall watch (pid %s)" % pid in r.stdout


def test_a_write_while_the_watch_starts_is_not_lost(env, qdb):
    """dom0 writes after the watch's first catch-up but before
    qubesdb-watch has registered (it says nothing when it has): the next
    catch-up, once the watch is quiet, applies it."""
    rule = "action=accept dsthost=%s proto=tcp dstports=80-80"
    qdb.set_rules(WORK[1], "drop", [rule % "work.test"])
    r = env.ex("fw", *env.qubes_env, "QUBESDB_WATCH_DELAY=1.5", env.ctl_bin,
               "--config-dir", env.config_dir, "--run-dir", env.run_dir,
               "update", check=False)
    assert "started the Qubes firewall watch" in r.stdout, \
        r.stdout + r.stderr
    time.sleep(0.5)
    assert env.fetch("vm1", "http://late.test/") == 403
    qdb.set_rules(WORK[1], "drop", [rule % "work.test", rule % "late.test"])
    assert until(lambda: env.fetch("vm1", "http://late.test/", timeout=2)
                 == 200, 8) is not None
    ctl(env, "kill-all")


def test_outside_qubes_it_is_an_error(env, qdb):
    r = ctl(env, "update", check=False, qubes=False)
    assert r.returncode != 0
    assert ("asks for the Qubes firewall rules: qubesdb-multiread not "
            "found" in r.stderr), r.stderr
    assert "social: started" in r.stdout
    # Fails closed: no proxy for the VM at all.
    assert env.fetch("vm1", "http://social.test/") == 0
    r = ctl(env, "check", "work", check=False, qubes=False)
    assert r.returncode == 1 and "qubesdb-multiread not found" in r.stdout
