"""A FIFO, a directory, a device or a dangling symbolic link where a rules
file or config should be: a clear error at once, from fwproxy -t, at
start, on reload (the proxy keeps serving and still stops on SIGTERM) and
from fwproxyctl, which used to skip such rules files in silence."""

import os
import re

from fwtest import curl, run_fwproxy, run_fwproxyctl

KINDS = {
    "fifo": "is a FIFO (named pipe), not a regular file",
    "directory": "is a directory",
    "device": "is a character device, not a regular file",
    "dangling": "is a dangling symbolic link",
}


def make(path, kind):
    """Makes path a special file of kind; returns path."""
    path = str(path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "device":
        os.symlink("/dev/zero", path)  # 526 MB were read from it
    else:
        os.symlink(path + ".missing", path)
    return path


def conf_with_filter(tmp_path, rules):
    conf = tmp_path / "c.conf"
    conf.write_text('Port 8100\nFilter "%s"\nFilterDefaultDeny Yes\n'
                    "ConnectPort 443\n" % rules)
    return str(conf)


def test_t_refuses_each_kind_as_rules_file(tmp_path):
    for kind, why in KINDS.items():
        rules = make(tmp_path / ("rules-" + kind), kind)
        r = run_fwproxy("-t", "-c", conf_with_filter(tmp_path, rules),
                        timeout=10)
        assert r.returncode == 1, (kind, r.stderr)
        assert "%s: cannot read rules file: %s" % (rules, why) in r.stderr, \
            r.stderr


def test_t_refuses_each_kind_as_config(tmp_path):
    for kind, why in KINDS.items():
        conf = make(tmp_path / ("conf-" + kind), kind)
        r = run_fwproxy("-t", "-c", conf, timeout=10)
        assert r.returncode == 1, (kind, r.stderr)
        assert "%s: cannot open: %s" % (conf, why) in r.stderr, r.stderr
        r = run_fwproxy("-d", "-c", conf, timeout=10)
        assert r.returncode == 1 and why in r.stderr, (kind, r.stderr)


def test_t_refuses_each_kind_as_page(tmp_path):
    """Error pages and the statistics page are read like the rules."""
    for kind, why in KINDS.items():
        for directive in ("DefaultErrorFile", "ErrorFile 404", "StatFile"):
            page = make(tmp_path / ("page-%s-%s" % (kind, directive[:5])),
                        kind)
            conf = tmp_path / "p.conf"
            conf.write_text('Port 8100\nConnectPort 443\n%s "%s"\n'
                            % (directive, page))
            r = run_fwproxy("-t", "-c", str(conf), timeout=10)
            assert r.returncode == 1, (kind, directive, r.stderr)
            assert "%s: cannot open: %s" % (page, why) in r.stderr, \
                r.stderr


def test_reload_refuses_each_kind_and_keeps_serving(fwproxy, world,
                                                    tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="^a\\.test$\n")
    filt = os.path.join(p.dir, "filter")
    for kind, why in KINDS.items():
        os.unlink(filt) if not os.path.isdir(filt) else os.rmdir(filt)
        make(filt, kind)
        text = "\n".join(p.reload())
        assert re.search(re.escape("%s: cannot read rules file: %s"
                                   % (filt, why)), text), text
        assert "Reload failed" in text, text
        r = curl(p, world.origin_url("a.test", "/r"), tmp=tmp_path)
        assert r.status == 200, kind
    # The fixture then checks that SIGTERM still ends it with status 0.


def test_ctl_reports_each_kind_in_the_rules_directory(tmp_path):
    for kind, why in KINDS.items():
        d = tmp_path / kind
        d.mkdir()
        (d / "good.10.137.0.14").write_text("^a\\.test$\n")
        path = make(d / "work.10.137.0.13", kind)
        for args in (("check",), ("test", "good", "a.test")):
            r = run_fwproxyctl(d, *args)
            assert r.returncode != 0, (kind, args, r.stdout)
            assert "fwproxyctl: %s: %s" % (path, why) in r.stderr, r.stderr
        # Names the tool skips on purpose stay skipped, special or not.
        os.rename(path, str(d / "work.10.137.0.13~"))
        r = run_fwproxyctl(d, "check")
        assert r.returncode == 0, (kind, r.stdout + r.stderr)


def test_ctl_reports_each_kind_as_template(tmp_path):
    for kind, why in KINDS.items():
        d = tmp_path / kind
        d.mkdir()
        (d / "work.10.137.0.13").write_text("^a\\.test$\n")
        path = make(d / "config", kind)
        r = run_fwproxyctl(d, "test", "work", "a.test")
        assert r.returncode != 0, (kind, r.stdout)
        assert "fwproxyctl: %s: %s" % (path, why) in r.stderr, r.stderr
