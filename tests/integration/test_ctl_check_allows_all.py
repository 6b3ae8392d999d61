"""fwproxyctl check warns about an allow-list that allows everything: a
rule that matches every host, or a template without Filter or without
FilterDefaultDeny Yes."""

from fwtest import run_fwproxyctl


def test_rules_that_match_every_host(tmp_path):
    path = tmp_path / "work.10.137.0.13"
    path.write_text("^a\\.test$\n.*\n")
    r = run_fwproxyctl(tmp_path, "check", "work")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        "%s:2: warning: \".*\" matches every host: it admits them all, and "
        "no rule after it decides anything" % path)
    # The proxy would indeed admit anything.
    r = run_fwproxyctl(tmp_path, "test", "work", "anything.example")
    assert r.stdout.startswith("allowed by %s:2: .*" % path)


def test_templates_that_allow_everything(tmp_path):
    (tmp_path / "work.10.137.0.13").write_text("^a\\.test$\n")
    template = tmp_path / "config"
    base = ("Port {port}\nListen {bind_ip}\nLogFile \"{log_file}\"\n"
            "PidFile \"{pid_file}\"\nConnectPort 443\n")
    template.write_text(base)
    r = run_fwproxyctl(tmp_path, "check")
    assert "%s: warning: no Filter: every host is allowed\n" % template \
        in r.stdout, r.stdout
    r = run_fwproxyctl(tmp_path, "check", "work")
    assert "%s: warning: no Filter" % template in r.stdout, r.stdout
    template.write_text(base + "Filter \"{rules_file}\"\n")
    r = run_fwproxyctl(tmp_path, "check")
    assert ("%s: warning: no \"FilterDefaultDeny Yes\": the rules file is "
            "a block-list, and every host it does not name is allowed\n"
            % template) in r.stdout, r.stdout
    template.write_text(base + "Filter \"{rules_file}\"\n"
                        "FilterDefaultDeny Yes\n")
    r = run_fwproxyctl(tmp_path, "check")
    assert r.returncode == 0 and r.stdout == "", r.stdout
