"""Allow-list tools end to end: real requests refused by a real fwproxy
started by fwproxyctl, then `denied` (text and JSON logs), `denied --add`
(the line appended to the rules directory's file, the proxy reloaded),
`test`, `check`, and learning mode."""
import os
import re
import time

WORK = ("work", "10.137.0.13")
RULES = "^work\\.test$\n"

LEARN_TEMPLATE = """Port {port}
Listen {bind_ip}
Timeout 600
LogFile "{log_file}"
LogLevel Notice
PidFile "{pid_file}"
Allow {vm_ip}
Filter "{rules_file}"
FilterDefaultDeny Yes
ConnectPort 443
FilterMode learn
LogFormat json
"""


def rules_path(env):
    return os.path.join(env.config_dir, "%s.%s" % WORK)


def denied_rows(out):
    """{host: (count, ports, seen, line)} from the denied table."""
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["COUNT", "HOST", "PORTS"], out
    rows = {}
    for line in lines[1:]:
        f = line.split()
        # COUNT HOST PORTS FIRST(2) LAST(2) SEEN LINE...
        rows[f[1]] = (int(f[0]), f[2], f[7], " ".join(f[8:]))
    return rows


def wait_status(env, url, want, tries=30):
    got = None
    for _ in range(tries):
        got = env.fetch("vm1", url)
        if got == want:
            return got
        time.sleep(0.1)
    return got


def test_start(env):
    env.write_rules(*WORK, RULES)
    r = env.ctl("update")
    assert "work: started" in r.stdout
    assert env.fetch("vm1", "http://work.test/") == 200


def test_refused_requests_are_listed_with_the_line_to_add(env):
    for _ in range(3):
        assert env.fetch("vm1", "http://evil.test/") == 403
    assert env.fetch("vm1", "https://evil.test/") in (0, 403)
    assert env.fetch("vm1", "http://other.test/") == 403
    r = env.ctl("denied", "work")
    rows = denied_rows(r.stdout)
    assert list(rows) == ["evil.test", "other.test"], r.stdout
    assert rows["evil.test"] == (4, "80,443", "refused", "^evil\\.test$")
    assert rows["other.test"] == (1, "80", "refused", "^other\\.test$")
    assert "work.test" not in r.stdout
    # Everything above happened within the last hour.
    assert denied_rows(env.ctl("denied", "work", "--since", "1h")
                       .stdout) == rows


def test_denied_arguments(env):
    r = env.ctl("denied", "work", "--since", "1x", check=False)
    assert r.returncode == 2
    assert "--since 1x is not a duration" in r.stderr
    r = env.ctl("denied", "nosuchvm", check=False)
    assert r.returncode == 2 and "nosuchvm" in r.stderr
    r = env.ctl("denied", "work", "--add", check=False)
    assert r.returncode == 2


def test_test_names_the_deciding_rule(env):
    path = rules_path(env)
    r = env.ctl("test", "work", "http://work.test/index.html")
    assert r.stdout == "allowed by %s:1: ^work\\.test$\n" % path
    r = env.ctl("test", "work", "https://evil.test/", check=False)
    assert r.returncode == 1
    assert r.stdout == ("refused by the default (FilterDefaultDeny Yes)\n"
                        "to allow it, add to %s: ^evil\\.test$\n" % path)
    r = env.ctl("test", "work", "work.test:8443", check=False)
    assert r.returncode == 1
    assert "ConnectPort" in r.stdout
    # The trick hosts of the classic guide.
    for host in ("notwork.test", "work.test.evil.net", "workxtest"):
        r = env.ctl("test", "work", host, check=False)
        assert r.returncode == 1, host
    r = env.ctl("test", "work", "ftp://work.test/", check=False)
    assert r.returncode == 2 and "only http:// and https://" in r.stderr


def test_add_appends_the_line_and_reloads(env):
    before = env.show()["work"][2]
    r = env.ctl("denied", "work", "--add", "evil.test")
    assert "work: added ^evil\\.test$ to %s" % rules_path(env) in r.stdout
    assert "work: reloaded" in r.stdout
    with open(rules_path(env)) as f:
        assert f.read() == RULES + "^evil\\.test$\n"
    assert env.show()["work"][2] == before  # reloaded, not restarted
    assert wait_status(env, "http://evil.test/", 200) == 200
    assert env.fetch("vm1", "https://evil.test/") == 200
    r = env.ctl("test", "work", "evil.test")
    assert r.stdout.startswith("allowed by %s:2: " % rules_path(env))
    # Once is enough.
    r = env.ctl("denied", "work", "--add", "evil.test")
    assert "already allowed by %s:2" % rules_path(env) in r.stdout
    with open(rules_path(env)) as f:
        assert f.read().count("evil") == 1


def test_add_to_a_file_without_final_newline(env):
    with open(rules_path(env), "a") as f:
        f.write("^third\\.test$")
    env.ctl("denied", "work", "--add", "other.test")
    with open(rules_path(env)) as f:
        assert f.read().endswith("^third\\.test$\n^other\\.test$\n")
    assert wait_status(env, "http://other.test/", 200) == 200


def test_check(env):
    r = env.ctl("check", "work")
    assert r.returncode == 0 and r.stdout == ""
    env.write_rules(*WORK, RULES + "google\\.com$\n")
    r = env.ctl("check", "work")
    assert r.returncode == 0
    assert r.stdout.startswith(
        "%s:2: warning: not anchored at the start" % rules_path(env))
    r = env.ctl("check", "work", "--fix")
    assert r.stdout == RULES + "^google\\.com$\n\\.google\\.com$\n"
    env.write_rules(*WORK, RULES + "[bad\n")
    r = env.ctl("check", check=False)
    assert r.returncode == 1
    assert "%s:2: bad rule \"[bad\"" % rules_path(env) in r.stdout
    env.write_rules(*WORK, RULES)


def test_learning_mode(env):
    with open(os.path.join(env.config_dir, "config"), "w") as f:
        f.write(LEARN_TEMPLATE)
    r = env.ctl("update")
    assert "work: started" in r.stdout
    # Allowed, and logged as a request that would have been refused.
    assert env.fetch("vm1", "http://learn.test/") == 200
    assert env.fetch("vm1", "https://learn.test/") == 200
    assert env.fetch("vm1", "http://work.test/") == 200
    with open(os.path.join(env.run_dir, "work", "log")) as f:
        log = f.read()
    assert '"event":"would-refuse"' in log
    r = env.ctl("denied", "work")
    rows = denied_rows(r.stdout)
    assert rows["learn.test"] == (2, "80,443", "learn", "^learn\\.test$")
    # The text lines from before the switch to JSON still count.
    assert rows["evil.test"][0] == 4
    r = env.ctl("test", "work", "http://learn.test/")
    assert r.returncode == 0
    assert r.stdout.startswith("allowed (FilterMode learn), would be "
                               "refused by the default")
    env.ctl("denied", "work", "--add", "learn.test")
    with open(rules_path(env)) as f:
        assert f.read().endswith("^learn\\.test$\n")
    r = env.ctl("test", "work", "http://learn.test/")
    assert re.match(r"allowed by .*:\d+: \^learn\\\.test\$", r.stdout)
    os.unlink(os.path.join(env.config_dir, "config"))
