"""Every example the release and `make install` ship works as its
comments say: each configuration passes `fwproxy -t` where the docs put
it, the allow-list passes `fwproxyctl check` as the configurations read
it, and the Qubes template, copied as a rules directory's `config`,
renders for a VM and passes `fwproxyctl check` (placeholders in its
comments included)."""

import glob
import os
import shutil
import subprocess

from fwtest import BIN, FWPROXY, REPO

FWPROXYCTL = os.path.join(BIN, "fwproxyctl")
ALLOW_LIST = os.path.join(REPO, "examples", "allow-list")


def run(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                          timeout=20, stdin=subprocess.DEVNULL)


def clean(r):
    """Exit 0 with nothing said: no error and no warning."""
    return (r.returncode, r.stdout, r.stderr) == (0, "", "")


def quickstart(path, tmp_path):
    """As the README runs it, from the source tree and from elsewhere."""
    for cwd in (REPO, str(tmp_path)):
        r = run([FWPROXY, "-t", "-c", os.path.relpath(path, cwd)], cwd=cwd)
        assert clean(r), (cwd, r)


def gateway_config(path, tmp_path):
    """As docs/install.md installs it: /etc/fwproxy/NAME.conf beside
    NAME.rules, here in a folder of its own."""
    etc = tmp_path / "etc-fwproxy"
    etc.mkdir()
    shutil.copy(path, etc / "NAME.conf")
    shutil.copy(ALLOW_LIST, etc / "NAME.rules")
    r = run([FWPROXY, "-t", "-c", str(etc / "NAME.conf")], cwd="/")
    assert clean(r), r


def qubes_template(path, tmp_path):
    """As docs/install.md installs it: /rw/config/fwproxy/config, with a
    VM's rules file beside it."""
    rules_dir = tmp_path / "rw-config-fwproxy"
    rules_dir.mkdir()
    shutil.copy(path, rules_dir / "config")
    shutil.copy(ALLOW_LIST, rules_dir / "work.10.137.0.13")
    ctl = [FWPROXYCTL, "--config-dir", str(rules_dir),
           "--run-dir", str(tmp_path / "run")]
    r = run(ctl + ["check"])
    assert clean(r), r
    r = run(ctl + ["check", "work"])
    assert clean(r), r
    r = run(ctl + ["test", "work", "http://www.debian.org/"])
    assert r.returncode == 0 and r.stdout.startswith("allowed by "), r
    r = run(ctl + ["test", "work", "https://notdebian.org/"])
    assert r.returncode == 1 and "refused" in r.stdout, r


def allow_list(path, tmp_path):
    """Read as every shipped configuration reads it: extended regexes."""
    r = run([FWPROXYCTL, "--config-dir", str(tmp_path / "none"), "check",
             path, "--type", "ere"])
    assert clean(r), r


KINDS = {
    "examples/quickstart.conf": quickstart,
    "examples/allow-list": allow_list,
    "contrib/fwproxy.conf.example": gateway_config,
    "contrib/qubes/config.example": qubes_template,
}


def shipped():
    """What mk/install.mk and mk/dist.mk install as examples."""
    found = glob.glob(os.path.join(REPO, "examples", "*")) + \
        glob.glob(os.path.join(REPO, "contrib", "**", "*.example"),
                  recursive=True)
    return sorted(os.path.relpath(f, REPO) for f in found)


def test_every_shipped_example_has_a_check():
    assert shipped() == sorted(KINDS)


def test_quickstart(tmp_path):
    quickstart(os.path.join(REPO, "examples/quickstart.conf"), tmp_path)


def test_allow_list(tmp_path):
    allow_list(ALLOW_LIST, tmp_path)


def test_gateway_config(tmp_path):
    gateway_config(os.path.join(REPO, "contrib/fwproxy.conf.example"),
                   tmp_path)


def test_qubes_template(tmp_path):
    qubes_template(os.path.join(REPO, "contrib/qubes/config.example"),
                   tmp_path)
