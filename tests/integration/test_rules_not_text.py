"""Rules files whose bytes are not what their reader sees: a NUL byte that
cut a rule short, UTF-16 text that read as the rule "^", invisible
characters. Each is an error naming FILE:LINE through fwproxy -t, a
running proxy (start and reload), fwproxyctl check and fwproxyctl test;
a UTF-8 byte order mark is skipped with a warning."""

import os
import re

import fwtest
from fwtest import curl, run_fwproxy, run_fwproxyctl


NUL_RULE = b"^a\\.test$\n^b\0\\.test$\n"
UTF16 = "^a\\.test$\n".encode("utf-16")  # with its byte order mark
INVISIBLE = "^a\\.test$\n^b\u200b\\.test$\n".encode()
UTF8_BOM = b"\xef\xbb\xbf^a\\.test$\n"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


def check_conf(tmp_path, data):
    rules = write(tmp_path / "rules", data)
    conf = write(tmp_path / "c.conf",
                 b'Port 8100\nFilter "%s"\nFilterDefaultDeny Yes\n'
                 b"ConnectPort 443\n" % rules.encode())
    return rules, run_fwproxy("-t", "-c", conf)


def test_t_refuses_a_nul_byte(tmp_path):
    rules, r = check_conf(tmp_path, NUL_RULE)
    assert r.returncode == 1, r.stderr
    assert ("%s:2: NUL byte at column 3: not a text file" % rules) in r.stderr


def test_t_refuses_utf16(tmp_path):
    rules, r = check_conf(tmp_path, UTF16)
    assert r.returncode == 1, r.stderr
    assert ("%s:1: UTF-16LE text (byte order mark): rules files are ASCII "
            "or UTF-8; convert it with iconv -f UTF-16 -t UTF-8" % rules) \
        in r.stderr


def test_t_refuses_an_invisible_character(tmp_path):
    rules, r = check_conf(tmp_path, INVISIBLE)
    assert r.returncode == 1, r.stderr
    assert ("%s:2: invisible character U+200B at column 3 in the rule"
            % rules) in r.stderr


def test_t_skips_a_utf8_bom_with_a_warning(tmp_path):
    rules, r = check_conf(tmp_path, UTF8_BOM)
    assert r.returncode == 0, r.stderr
    assert ("%s:1: warning: UTF-8 byte order mark skipped" % rules) \
        in r.stderr


def status(p, world, host, tmp):
    return curl(p, world.origin_url(host, "/r"), tmp=tmp).status


def test_running_proxy_keeps_its_rules_on_reload(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="^a\\.test$\n")
    filt = os.path.join(p.dir, "filter")
    for data, where in ((NUL_RULE, ":2: NUL byte"), (UTF16, ":1: UTF-16LE"),
                        (INVISIBLE, ":2: invisible character U+200B")):
        write(filt, data)
        text = "\n".join(p.reload())
        assert re.search(re.escape(filt + where), text), text
        assert "Reload failed" in text, text
        # "^b" or "^" would admit these.
        assert status(p, world, "bogus.test", tmp_path) == 403
        assert status(p, world, "a.test", tmp_path) == 200
    write(filt, UTF8_BOM + b"^b\\.test$\n")
    text = "\n".join(p.reload())
    assert re.search(re.escape(filt) + ":1: UTF-8 byte order mark skipped",
                     text), text
    assert "Reloaded" in text, text
    assert status(p, world, "a.test", tmp_path) == 200
    assert status(p, world, "b.test", tmp_path) == 200
    assert status(p, world, "bogus.test", tmp_path) == 403


def test_proxy_refuses_to_start(tmp_path):
    rules, _ = check_conf(tmp_path, NUL_RULE)
    conf = write(tmp_path / "d.conf",
                 b'Port %d\nListen 127.0.0.1\nFilter "%s"\n'
                 b"FilterDefaultDeny Yes\n" % (fwtest.free_port(),
                                                rules.encode()))
    r = run_fwproxy("-d", "-c", conf)
    assert r.returncode == 1
    assert ("%s:2: NUL byte" % rules) in r.stderr


def rules_dir(tmp_path, data):
    d = tmp_path / "rules.d"
    d.mkdir()
    return d, write(d / "work.10.137.0.13", data)


def test_ctl_check_and_test_refuse_a_nul_byte(tmp_path):
    d, path = rules_dir(tmp_path, NUL_RULE)
    r = run_fwproxyctl(d, "check")
    assert r.returncode == 1, r.stdout + r.stderr
    assert ("%s:2: NUL byte at column 3" % path) in r.stdout
    r = run_fwproxyctl(d, "check", "work")
    assert r.returncode == 1 and ("%s:2: NUL byte" % path) in r.stdout
    r = run_fwproxyctl(d, "test", "work", "bx.test")
    assert r.returncode == 2, r.stdout
    assert r.stdout == ""
    assert ("%s:2: NUL byte" % path) in r.stderr


def test_ctl_check_and_test_refuse_utf16(tmp_path):
    d, path = rules_dir(tmp_path, UTF16)
    r = run_fwproxyctl(d, "check", path)
    assert r.returncode == 1
    assert ("%s:1: UTF-16LE text" % path) in r.stdout
    r = run_fwproxyctl(d, "test", "work", "anything.test")
    assert r.returncode == 2 and "allowed" not in r.stdout
    assert ("%s:1: UTF-16LE text" % path) in r.stderr


def test_ctl_check_warns_about_a_utf8_bom(tmp_path):
    d, path = rules_dir(tmp_path, UTF8_BOM + b"google\\.com$\n")
    r = run_fwproxyctl(d, "check", "work")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "%s:1: warning: UTF-8 byte order mark skipped" % path
    assert lines[1].startswith("%s:2: warning: not anchored at the start"
                               % path)
    r = run_fwproxyctl(d, "check", "work", "--fix")
    assert r.stdout == "^a\\.test$\n^google\\.com$\n\\.google\\.com$\n"
    r = run_fwproxyctl(d, "test", "work", "a.test")
    assert r.returncode == 0
    assert r.stdout == "allowed by %s:1: ^a\\.test$\n" % path
