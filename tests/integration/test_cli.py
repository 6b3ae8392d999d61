"""The command line: -t, -v, -h, their long forms, unknown options."""

import os
import re
import subprocess

from fwtest import FWPROXY, run_fwproxy


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_check_good_config_exits_0(tmp_path):
    rules = write(tmp_path, "rules", "example\\.com$\n")
    conf = write(tmp_path, "good.conf",
                 'Port 8100\nListen 127.0.0.1\nFilter "%s"\nFilterDefaultDeny Yes\n'
                 "ConnectPort 443\n" % rules)
    r = run_fwproxy("-t", "-c", conf)
    assert r.returncode == 0, r.stderr
    assert "error" not in (r.stdout + r.stderr).lower()


def test_check_reports_each_error_with_file_and_line(tmp_path):
    conf = write(tmp_path, "bad.conf",
                 "# comment\nPort 8100\nNoSuchDirective 1\nTimeout abc\n"
                 "Port 99999\n")
    r = run_fwproxy("-t", "-c", conf)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert re.search(r"^%s:3: .*NoSuchDirective" % re.escape(conf), out, re.M), out
    assert re.search(r"^%s:4: .*abc" % re.escape(conf), out, re.M), out
    assert re.search(r"^%s:5: " % re.escape(conf), out, re.M), out
    assert not re.search(r"^%s:[12]: " % re.escape(conf), out, re.M), out


def test_check_bad_filter_line_names_filter_file(tmp_path):
    rules = write(tmp_path, "rules", "good\\.example$\n# comment\nbad(regex\nfine\n")
    conf = write(tmp_path, "c.conf",
                 'Port 8100\nFilter "%s"\nFilterExtended Yes\nConnectPort 443\n' % rules)
    r = run_fwproxy("-t", "-c", conf)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert re.search(r"^%s:3: " % re.escape(rules), out, re.M), out
    assert not re.search(r"^%s:[124]: " % re.escape(rules), out, re.M), out


def test_check_missing_filter_file(tmp_path):
    missing = str(tmp_path / "nope")
    conf = write(tmp_path, "c.conf", 'Port 8100\nFilter "%s"\nConnectPort 443\n' % missing)
    r = run_fwproxy("-t", "-c", conf)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert missing in out
    assert re.search(r"^%s:2: " % re.escape(conf), out, re.M) or \
        re.search(r"^%s: " % re.escape(missing), out, re.M), out


def test_check_missing_config_file(tmp_path):
    r = run_fwproxy("-t", "-c", str(tmp_path / "absent.conf"))
    assert r.returncode == 1
    assert "absent.conf" in r.stdout + r.stderr


def test_obsolete_directives_warn_and_exit_0(tmp_path):
    conf = write(tmp_path, "old.conf",
                 "Port 8100\nMinSpareServers 5\nMaxSpareServers 20\n"
                 "StartServers 10\nMaxRequestsPerChild 0\nConnectPort 443\n")
    r = run_fwproxy("-t", "-c", conf)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    for n, d in enumerate(["MinSpareServers", "MaxSpareServers", "StartServers",
                           "MaxRequestsPerChild"], start=2):
        line = [ln for ln in out.splitlines() if ln.startswith("%s:%d:" % (conf, n))]
        assert line, out
        assert d in line[0] and "obsolete" in line[0].lower(), line


def test_reverse_directives_refused(tmp_path):
    for d in ["ReversePath \"/x/\" \"http://a.example/\"", "ReverseOnly Yes",
              "ReverseMagic Yes", "ReverseBaseURL \"http://p.example/\""]:
        conf = write(tmp_path, "rev.conf", "Port 8100\nConnectPort 443\n%s\n" % d)
        r = run_fwproxy("-t", "-c", conf)
        out = r.stdout + r.stderr
        assert r.returncode == 1, (d, out)
        assert re.search(r"^%s:3: .*not supported" % re.escape(conf), out, re.M), out


def test_no_connectport_warns(tmp_path):
    conf = write(tmp_path, "c.conf", "Port 8100\n")
    r = run_fwproxy("-t", "-c", conf)
    assert r.returncode == 0
    assert "ConnectPort" in r.stdout + r.stderr


def test_daemon_refuses_to_start_on_bad_config(tmp_path):
    conf = write(tmp_path, "c.conf", "Port 8100\nBogus 1\n")
    r = run_fwproxy("-d", "-c", conf)
    assert r.returncode != 0
    assert "%s:2:" % conf in r.stdout + r.stderr


def test_version():
    r = run_fwproxy("-v")
    assert r.returncode == 0
    assert re.search(r"fwproxy \d+\.\d+\.\d+", r.stdout + r.stderr)


def test_help():
    r = run_fwproxy("-h")
    assert r.returncode == 0
    out = r.stdout + r.stderr
    assert "usage" in out.lower()
    for opt in ("-c", "-d", "-t", "-v", "-h"):
        assert opt in out


def test_unknown_option_is_an_error_with_usage():
    r = run_fwproxy("-Z")
    assert r.returncode != 0
    err = r.stderr
    assert "usage" in err.lower()
    assert "Z" in err


def test_extra_argument_is_an_error(tmp_path):
    r = run_fwproxy("-t", "-c", os.devnull, "extra")
    assert r.returncode != 0


def test_long_help_and_version():
    """--help and --version, as most programs take them, do what -h and
    -v do."""
    short, long = run_fwproxy("-h"), run_fwproxy("--help")
    assert long.returncode == 0, long.stderr
    assert long.stdout == short.stdout and long.stderr == ""
    for opt in ("--help", "--version"):
        assert opt in long.stdout
    v = run_fwproxy("--version")
    assert v.returncode == 0 and v.stdout == run_fwproxy("-v").stdout


def test_unknown_long_option_is_an_error():
    r = run_fwproxy("--bogus")
    assert r.returncode == 2
    assert "--bogus" in r.stderr and "usage" in r.stderr


def test_fwproxyctl_help_before_and_after_a_command():
    ctl = os.path.join(os.path.dirname(FWPROXY), "fwproxyctl")
    main = subprocess.run([ctl, "--help"], capture_output=True, text=True)
    assert main.returncode == 0 and main.stderr == ""
    assert "usage: fwproxyctl" in main.stdout
    for argv in (["-h"], ["check", "--help"], ["show", "-h"],
                 ["denied", "work", "--help"]):
        r = subprocess.run([ctl, *argv], capture_output=True, text=True)
        assert (r.returncode, r.stdout, r.stderr) == (0, main.stdout, ""), \
            argv
    r = subprocess.run([ctl, "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2 and "--bogus" in r.stderr
