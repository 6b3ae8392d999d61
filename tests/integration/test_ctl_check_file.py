"""`fwproxyctl check FILE`, the lint the allow-list docs teach, with and
without a `config` template in the rules directory (the built-in template
stands in), and with the shipped Qubes template, whose comments hold
placeholders."""

import os
import shutil
import subprocess

from fwtest import BIN, REPO

FWPROXYCTL = os.path.join(BIN, "fwproxyctl")
QUBES_TEMPLATE = os.path.join(REPO, "contrib", "qubes", "config.example")

GOOD = "^example\\.com$\n^(.+\\.)?debian\\.org$\n"
BAD = "^example\\.com$\n[bad\nexample\\.org$\n"


def ctl(config_dir, *args):
    return subprocess.run(
        [FWPROXYCTL, "--config-dir", str(config_dir), *args],
        capture_output=True, text=True, timeout=20,
        stdin=subprocess.DEVNULL)


def rules_dir(tmp_path, template=None):
    d = tmp_path / "rules"
    d.mkdir()
    if template is not None:
        shutil.copy(template, d / "config")
    return d


def write(path, text):
    path.write_text(text)
    return str(path)


def check_good_and_bad(config_dir, tmp_path):
    good = write(tmp_path / "good.list", GOOD)
    r = ctl(config_dir, "check", good)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    bad = write(tmp_path / "bad.list", BAD)
    r = ctl(config_dir, "check", bad)
    assert r.returncode == 1, r
    assert r.stdout.startswith('%s:2: bad rule "[bad"' % bad), r.stdout
    assert "%s:3: warning: not anchored at the start" % bad in r.stdout
    assert "template" not in r.stdout + r.stderr


def test_no_rules_directory(tmp_path):
    check_good_and_bad(tmp_path / "absent", tmp_path)


def test_rules_directory_without_template(tmp_path):
    check_good_and_bad(rules_dir(tmp_path), tmp_path)


def test_rules_directory_with_the_qubes_template(tmp_path):
    check_good_and_bad(rules_dir(tmp_path, QUBES_TEMPLATE), tmp_path)


def test_the_qubes_template_sets_the_rule_type(tmp_path):
    """The file is read as the template says: "\\(" opens a group in a
    basic regex (the built-in template's type) and is unmatched here; in
    the Qubes template's extended regexes it is a literal parenthesis."""
    d = rules_dir(tmp_path)
    rules = write(tmp_path / "ere.list", "^\\(a\\.example$\n")
    assert ctl(d, "check", rules).returncode == 1
    (d / "config").write_bytes(open(QUBES_TEMPLATE, "rb").read())
    r = ctl(d, "check", rules)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_a_vm_in_a_directory_without_template(tmp_path):
    d = rules_dir(tmp_path)
    path = write(d / "work.10.137.0.13", BAD)
    r = ctl(d, "check", "work")
    assert r.returncode == 1
    assert '%s:2: bad rule "[bad"' % path in r.stdout
    write(d / "work.10.137.0.13", GOOD)
    r = ctl(d, "check")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_relative_paths_in_a_template_start_from_the_run_directory(tmp_path):
    """The proxy reads RUN_DIR/NAME/config, so a relative path in the
    template starts there: Filter "rules" is the copy of the VM's rules,
    and check reads the VM's file for it, as it does for {rules_file}."""
    d = rules_dir(tmp_path)
    (d / "config").write_text(
        'Port {port}\nListen {bind_ip}\nAllow {vm_ip}\n'
        'Filter "rules"\nFilterDefaultDeny Yes\nConnectPort 443\n')
    path = write(d / "work.10.137.0.13", BAD)
    r = ctl(d, "--run-dir", str(tmp_path / "run"), "check", "work")
    assert r.returncode == 1, r
    assert '%s:2: bad rule "[bad"' % path in r.stdout, r.stdout
