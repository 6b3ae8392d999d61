#!/usr/bin/python3
"""make install / uninstall, the manuals, the bash completion and the
systemd units. Run from the top of the tree after `make`; prints TAP and
exits 1 on any failure."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MAN_PAGES = ["docs/man/fwproxy.8", "docs/man/fwproxy.conf.5",
             "docs/man/fwproxyctl.8"]
results = []


def ok(cond, what):
    results.append(bool(cond))
    print("%s %d - %s" % ("ok" if cond else "not ok", len(results), what),
          flush=True)
    return cond


def run(argv, **kw):
    return subprocess.run(argv, cwd=TOP, capture_output=True, text=True,
                          **kw)


def make(*args):
    return run(["make", "-s", "--no-print-directory"] + list(args))


def tree(root):
    """Every path under root, relative, directories with a trailing /."""
    out = set()
    for d, dirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        for x in dirs:
            out.add(os.path.normpath(os.path.join(rel, x)) + "/")
        for x in files:
            out.add(os.path.normpath(os.path.join(rel, x)))
    return out


def mode(path):
    return os.stat(path).st_mode & 0o777


def test_install(prefix):
    dest = tempfile.mkdtemp(prefix="fwproxy-install-")
    try:
        r = make("install", "DESTDIR=" + dest, "PREFIX=" + prefix)
        if not ok(r.returncode == 0, "make install PREFIX=%s: %s"
                  % (prefix, r.stderr.strip()[-300:])):
            return
        p = dest + prefix
        want = {
            "sbin/fwproxy": 0o755, "sbin/fwproxyctl": 0o755,
            "share/man/man5/fwproxy.conf.5": 0o644,
            "share/man/man8/fwproxy.8": 0o644,
            "share/man/man8/fwproxyctl.8": 0o644,
            "share/doc/fwproxy/README.md": 0o644,
            "share/doc/fwproxy/install.md": 0o644,
            "share/doc/fwproxy/examples/quickstart.conf": 0o644,
            "share/doc/fwproxy/examples/allow-list": 0o644,
            "share/doc/fwproxy/examples/config.example": 0o644,
            "share/doc/fwproxy/examples/fwproxy.conf.example": 0o644,
            "share/bash-completion/completions/fwproxyctl": 0o644,
            "lib/systemd/system/fwproxy@.service": 0o644,
            "lib/systemd/system/fwproxy@.socket": 0o644,
        }
        for rel, m in want.items():
            path = os.path.join(p, rel)
            ok(os.path.isfile(path) and mode(path) == m,
               "installed %s mode %o" % (rel, m))
        files = {f for f in tree(dest) if not f.endswith("/")}
        extra = files - {os.path.join(prefix.lstrip("/"), f) for f in want}
        extra = {f for f in extra if not f.startswith(
            os.path.join(prefix.lstrip("/"), "share/doc/fwproxy/"))}
        ok(not extra, "nothing installed elsewhere %s" % sorted(extra))
        v = subprocess.run([p + "/sbin/fwproxy", "-v"], capture_output=True,
                           text=True)
        ok(v.returncode == 0 and v.stdout.startswith("fwproxy "),
           "the installed fwproxy runs")
        with open(p + "/lib/systemd/system/fwproxy@.service") as f:
            unit = f.read()
        ok("\nExecStart=%s/sbin/fwproxy -d -c /etc/fwproxy/%%i.conf\n"
           % prefix in unit and (prefix == "/usr/local" or
                                 "/usr/local/sbin" not in unit),
           "the unit runs %s/sbin/fwproxy" % prefix)

        # A file of someone else's in a shared directory stays, and so
        # does its directory.
        other = os.path.join(p, "sbin/other-tool")
        with open(other, "w") as f:
            f.write("x")
        r = make("uninstall", "DESTDIR=" + dest, "PREFIX=" + prefix)
        ok(r.returncode == 0, "make uninstall: %s" % r.stderr.strip())
        left = tree(dest)
        ok(left == {os.path.relpath(other, dest)} | {
            d + "/" for d in _parents(os.path.relpath(other, dest))},
           "uninstall leaves only the foreign file %s" % sorted(left))
        os.unlink(other)
        make("install", "DESTDIR=" + dest, "PREFIX=" + prefix)
        r = make("uninstall", "DESTDIR=" + dest, "PREFIX=" + prefix)
        ok(r.returncode == 0 and tree(dest) == set(),
           "install, uninstall leaves nothing %s" % sorted(tree(dest)))
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def _parents(rel):
    out = []
    rel = os.path.dirname(rel)
    while rel:
        out.append(rel)
        rel = os.path.dirname(rel)
    return out


def test_man_pages():
    for page in MAN_PAGES:
        r = run(["groff", "-z", "-wall", "-man", page])
        ok(r.returncode == 0 and r.stderr == "",
           "groff -z -wall %s %s" % (page, r.stderr.strip()))
        if shutil.which("man"):
            r = run(["man", "--warnings", "-l", page],
                    env=dict(os.environ, MANWIDTH="80", MAN_KEEP_STDERR="1"))
            ok(r.returncode == 0 and r.stderr == "",
               "man --warnings -l %s %s" % (page, r.stderr.strip()))


def man_source(page):
    with open(os.path.join(TOP, page)) as f:
        return f.read()


def man_text(page):
    r = run(["groff", "-man", "-Tutf8", "-P-cbou", page])
    # groff writes U+2010 for hyphens in some versions and \- as '-'.
    return r.stdout.replace("\u2010", "-").replace("\u2212", "-")


def directive_table():
    """(name, handler, field, lo, hi) for every directive, from the
    source."""
    with open(os.path.join(TOP, "src/common/config_directives.c")) as f:
        src = f.read()
    consts = dict(re.findall(r"(?m)^#define (\w+)\s+(\d+)$", src))
    table = src[src.index("DIRECTIVES[] = {"):]
    table = table[:table.index("};")]
    rows = re.findall(r'\{"(\w+)", \d+, (?:\d+|ARGS_ANY), (\w+),\s*'
                      r'(?:FIELD\((\w+)\)|0), ([\w-]+),\s*([\w-]+)\}', table)
    return [(n, h, f, consts.get(lo, lo), consts.get(hi, hi))
            for n, h, f, lo, hi in rows]


def defaults():
    """field -> default from config_new()."""
    with open(os.path.join(TOP, "src/common/config.c")) as f:
        src = f.read()
    body = src[src.index("static struct config *config_new"):]
    body = body[:body.index("\n}\n")]
    return dict(re.findall(r"cfg->(\w+) = (\d+);", body))


def test_man_complete():
    conf = man_text("docs/man/fwproxy.conf.5")
    table = directive_table()
    ok(len(table) >= 50, "%d directives read from the source" % len(table))
    # Obsolete and refused directives are named together in one
    # paragraph; every other one has an entry of its own.
    missing = [n for n, h, _, _, _ in table
               if not re.search(r"(?m)^ {7}%s\b" % n, conf) and
               not (h in ("obsolete", "unsupported") and
                    re.search(r"\b%s\b" % n, conf))]
    ok(not missing, "fwproxy.conf(5) describes every directive %s" % missing)

    # Each numeric default and range appears in its directive's entry.
    entries = {}
    for m in re.finditer(r"(?m)^ {7}(\w+)[^\n]*\n((?: {14}.*\n|\n)+)", conf):
        entries.setdefault(m.group(1), m.group(2))
    defs = defaults()
    bad = []
    for name, _, field, lo, hi in table:
        if field in defs and field not in ("log_level", "filter_type"):
            text = " ".join(entries.get(name, "").split())
            if "Default: %s." % defs[field] not in text:
                bad.append("%s default %s" % (name, defs[field]))
            if lo.isdigit() and hi.isdigit() and int(hi) > 0 and \
                    "%s..%s" % (lo, hi) not in text:
                bad.append("%s range %s..%s" % (name, lo, hi))
    ok(not bad, "every default and range in fwproxy.conf(5) %s" % bad)
    text = " ".join(conf.split())
    ok("Default: Info." in text and "Default: bre." in text and
       "Default: 8888." in text and "Default: Tinyproxy." in text,
       "LogLevel, FilterType, Port and BasicAuthRealm defaults")

    usage = run(["bin/fwproxy", "-h"]).stdout
    opts = re.findall(r"^\s+(-\w)", usage, re.M)
    page = man_text("docs/man/fwproxy.8")
    ok(opts and all(re.search(r"(?m)^\s+%s\b" % o, page) for o in opts),
       "fwproxy(8) describes every option %s" % opts)
    ok(all(s in page for s in ["SIGHUP", "SIGUSR1", "SIGTERM", "SIGINT",
                               "EXIT STATUS", "LISTEN_FDS", "FILES"]),
       "fwproxy(8) has signals, exit status, environment and files")

    usage = run(["bin/fwproxyctl", "--help"]).stdout
    cmds = re.findall(r"^  (\w[\w-]*)\s", usage.split("commands:")[1], re.M)
    opts = re.findall(r"^  (--[\w-]+)", usage, re.M)
    page = man_text("docs/man/fwproxyctl.8")
    ok(len(cmds) >= 12 and all(re.search(r"(?m)^ {7}%s\b" % c, page)
                               for c in cmds),
       "fwproxyctl(8) describes every command %s" % cmds)
    ok(opts and all(o in page for o in opts),
       "fwproxyctl(8) describes every option %s" % opts)
    ok(all(s in page for s in ["EXIT STATUS", "FWPROXY_CONFIG_DIR",
                               "FILES"]),
       "fwproxyctl(8) has exit status, environment and files")


def complete(words, env=None):
    """What the completion offers for the words; the last one is the word
    being completed."""
    script = ('source contrib/bash-completion/fwproxyctl\n'
              'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()\n'
              '_fwproxyctl\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    e = dict(os.environ)
    e.pop("FWPROXY_CONFIG_DIR", None)
    e.update(env or {})
    r = run(["bash", "--norc", "-c", script, "bash"] + words, env=e)
    return sorted(x for x in r.stdout.split("\n") if x)


def test_completion():
    d = tempfile.mkdtemp(prefix="fwproxy-rules-")
    try:
        for name in ["work.10.137.0.13", "my.vm.10.137.2.7", "config",
                     ".hidden.10.0.0.1", "notes.txt", "work.10.137.0.13~"]:
            open(os.path.join(d, name), "w").close()
        os.mkdir(os.path.join(d, "bin"))
        ok(complete(["fwproxyctl", ""]) == sorted(
            "show update start stop restart reload kill-all "
            "kill-all-and-restart watch-qubes-firewall install-qubes check "
            "test denied".split()),
           "completes every command")
        ok(complete(["fwproxyctl", "re"]) == ["reload", "restart"],
           "completes a command prefix")
        ok(complete(["fwproxyctl", "--config-dir", d, "stop", ""]) ==
           ["my.vm", "work"], "completes VM names from --config-dir")
        ok(complete(["fwproxyctl", "--config-dir", d, "start", "w"]) ==
           ["work"], "completes a VM name prefix")
        ok(complete(["fwproxyctl", "reload", ""],
                    {"FWPROXY_CONFIG_DIR": d}) == ["my.vm", "work"],
           "honours FWPROXY_CONFIG_DIR")
        ok(complete(["fwproxyctl", "--config-dir", "/nonexistent", "stop",
                     ""]) == [], "no names from a missing directory")
        ok(complete(["fwproxyctl", "--config-dir", d, "test", "work", ""])
           == [], "nothing after test NAME")
        ok(complete(["fwproxyctl", "--firewall", ""]) ==
           ["auto", "iptables", "nft", "none"], "completes --firewall")
        ok(complete(["fwproxyctl", "--config-dir", d, "denied", "work",
                     "--"]) == ["--add", "--since"],
           "completes denied's options")
        ok(complete(["fwproxyctl", "--d"]) == ["--dry-run"],
           "completes global options")
    finally:
        shutil.rmtree(d)


def test_units():
    if not shutil.which("systemd-analyze"):
        ok(True, "# SKIP systemd-analyze not installed")
        return
    d = tempfile.mkdtemp(prefix="fwproxy-units-")
    try:
        for unit in ["fwproxy@.service", "fwproxy@.socket"]:
            with open(os.path.join(TOP, "contrib", unit)) as f:
                text = f.read().replace("/usr/local/sbin/",
                                        os.path.join(TOP, "bin") + "/")
            with open(os.path.join(d, unit.replace("@", "@check")), "w") as f:
                f.write(text)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                            "fwproxy@check.service", "fwproxy@check.socket"],
                           cwd=d, capture_output=True, text=True)
        ok(r.returncode == 0 and r.stderr == "",
           "systemd-analyze verify %s" % r.stderr.strip())
        with open(os.path.join(TOP, "contrib/fwproxy@.service")) as f:
            unit = f.read()
        for line in ["NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ProtectHome=yes", "PrivateTmp=yes",
                     "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
                     "SystemCallFilter=@system-service"]:
            ok(re.search(r"(?m)^%s" % re.escape(line), unit),
               "the unit sets " + line)
        ok(re.search(r"(?m)^CapabilityBoundingSet=$", unit),
           "the capability bounding set is empty")
        r = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                            "fwproxy@check.service"], cwd=d,
                           capture_output=True, text=True)
        m = re.search(r"Overall exposure level.*: (\d+\.\d+)", r.stdout)
        ok(m and float(m.group(1)) <= 2.0,
           "systemd-analyze security rates it 2.0 or better (%s)"
           % (m.group(1) if m else r.stderr.strip()))
    finally:
        shutil.rmtree(d)


def test_hook():
    """The shipped hook is what install-qubes writes for /rw/config."""
    with open(os.path.join(TOP, "contrib/qubes/90-fwproxy")) as f:
        hook = f.read()
    ok(hook.startswith("#!/bin/sh\n") and
       "exec '/rw/config/fwproxy/bin/fwproxyctl' --config-dir "
       "'/rw/config/fwproxy' --run-dir '/run/fwproxy' --firewall 'auto' "
       "hook \"$@\" >/dev/null 2>&1" in hook,
       "the network hook passes Qubes' arguments to fwproxyctl hook")
    r = run(["sh", "-n", "contrib/qubes/90-fwproxy"])
    ok(r.returncode == 0, "the hook is valid sh")


def main():
    if not os.path.exists(os.path.join(TOP, "bin/fwproxy")):
        print("Bail out! run make first")
        return 1
    test_install("/usr/local")
    test_install("/usr")
    test_man_pages()
    test_man_complete()
    test_completion()
    test_units()
    test_hook()
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
