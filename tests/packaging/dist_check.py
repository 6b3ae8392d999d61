#!/usr/bin/python3
"""Install check of the release tarball (make dist-check).

Unpacks the tarball under /rw/config of a fresh Debian 12 minbase root
(made once with debootstrap and cached; each run works on a new copy),
then, chrooted there: runs fwproxy as root dropping to nobody, fetches a
page from a local HTTP server through it, gets a refusal, stops it with
SIGTERM, and runs fwproxyctl on a rules directory. Needs root.
"""

import argparse
import glob
import hashlib
import http.server
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import fwtest  # noqa: E402  (free_port: outside the ephemeral range)

SUITE = "bookworm"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
TOKEN = "fwproxy-dist-check-7f3a9c"
FAILURES = []


def check(cond, what):
    print(("ok" if cond else "FAIL") + " - " + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


def mirror():
    """The Debian archive this machine's apt uses for SUITE."""
    if os.environ.get("DIST_MIRROR"):
        return os.environ["DIST_MIRROR"]
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            for stanza in f.read().split("\n\n"):
                fields = dict(
                    line.split(":", 1) for line in stanza.splitlines()
                    if ":" in line and not line.startswith("#"))
                suites = fields.get("Suites", "").split()
                if SUITE in suites and "deb" in fields.get("Types", ""):
                    return fields["URIs"].split()[0]
    for path in ["/etc/apt/sources.list"] + sorted(
            glob.glob("/etc/apt/sources.list.d/*.list")):
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                m = re.match(r"\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m and m.group(2) == SUITE:
                    return m.group(1)
    return FALLBACK_MIRROR


def apt_proxy_env():
    """The environment for debootstrap, with apt's HTTP proxy (if apt has
    one and the environment none), so that it reaches what apt reaches."""
    env = dict(os.environ)
    if env.get("http_proxy"):
        return env
    r = subprocess.run(["apt-config", "shell", "P", "Acquire::http::Proxy"],
                       capture_output=True, text=True)
    m = re.search(r"P='([^']+)'", r.stdout)
    if m and m.group(1).upper() != "DIRECT":
        env["http_proxy"] = m.group(1)
    return env


def base_root(cache):
    """The cached minbase root, made on first use."""
    root = os.path.join(cache, SUITE + "-minbase")
    if os.path.isdir(root):
        return root
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    url = mirror()
    print("# debootstrap --variant=minbase %s from %s (once)" % (SUITE, url),
          flush=True)
    subprocess.run(["debootstrap", "--variant=minbase", SUITE, tmp, url],
                   check=True, stdout=subprocess.DEVNULL, env=apt_proxy_env())
    os.rename(tmp, root)
    return root


def fresh_root(cache):
    base = base_root(cache)
    root = os.path.join(cache, "check-root")
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["cp", "-a", "--reflink=auto", base, root], check=True)
    return root


def in_root(root, argv):
    """argv as a command line run chrooted in root, with /dev and /proc
    mounted in a private mount namespace that ends with the command."""
    script = ('mount --bind /dev "$1/dev" && '
              'mount -t proc proc "$1/proc" && '
              'shift && exec chroot "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            script, "sh", root, root] + argv


def run_in_root(root, argv, **kw):
    return subprocess.run(in_root(root, argv), capture_output=True,
                          text=True, timeout=60, **kw)


class Origin(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("<p>%s %s</p>\n" % (TOKEN, self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def fetch(proxy_port, url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(
        {"http": "http://127.0.0.1:%d" % proxy_port}))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def wait_listening(port, proc, seconds=10):
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def worker_uids(pid):
    """The real uids of pid's children."""
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        children = [int(c) for c in f.read().split()]
    uids = []
    for c in children:
        with open("/proc/%d/status" % c) as f:
            uids += [int(line.split()[1]) for line in f
                     if line.startswith("Uid:")]
    return uids


def check_tarball(path):
    with open(path + ".sha256") as f:
        want, name = f.read().split()
    with open(path, "rb") as f:
        have = hashlib.sha256(f.read()).hexdigest()
    check(name == os.path.basename(path) and have == want,
          "the .sha256 file matches the tarball")
    with tarfile.open(path) as t:
        names = t.getnames()
        files = [m.name for m in t.getmembers() if not m.isdir()]
        owners = {(m.uid, m.gid) for m in t.getmembers()}
    tops = {n.split("/")[0] for n in names}
    check(tops == {"fwproxy", "network-hooks.d"},
          "everything unpacks into fwproxy/ and network-hooks.d/ (%s)"
          % sorted(tops))
    for want_name in ["fwproxy/bin/fwproxy", "fwproxy/bin/fwproxyctl",
                      "fwproxy/man/man8/fwproxy.8",
                      "fwproxy/man/man8/fwproxyctl.8",
                      "fwproxy/man/man5/fwproxy.conf.5",
                      "fwproxy/doc/README.md",
                      "fwproxy/doc/examples/config.example",
                      "fwproxy/bash-completion/fwproxyctl",
                      "network-hooks.d/90-fwproxy"]:
        check(want_name in names, "the tarball holds " + want_name)
    # A file at the top of fwproxy/, the rules directory, would be taken
    # for a rules file or warned about by fwproxyctl.
    check(not [n for n in files if n.count("/") == 1 and
               n.startswith("fwproxy/")],
          "fwproxy/ itself holds only directories")
    check(owners == {(0, 0)}, "every file belongs to root")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tarball", required=True)
    ap.add_argument("--cache", required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("dist-check: needs root (debootstrap, chroot)", file=sys.stderr)
        return 2
    check_tarball(args.tarball)

    t0 = time.monotonic()
    root = fresh_root(args.cache)
    print("# fresh root in %.1fs" % (time.monotonic() - t0), flush=True)
    dpkg = run_in_root(root, ["dpkg-query", "-W", "-f", "${Package}\n"])
    pkgs = set(dpkg.stdout.split())
    check(dpkg.returncode == 0 and "dpkg" in pkgs, "the root is a Debian root")
    check(not {p for p in pkgs if p.endswith("-dev") or
               p.startswith("libc-ares") or p == "build-essential"},
          "the root has no build dependency and no c-ares")

    rw = os.path.join(root, "rw/config")
    os.makedirs(rw)
    with tarfile.open(args.tarball) as t:
        t.extractall(rw)
    bin_dir = "/rw/config/fwproxy/bin"

    libs = run_in_root(root, ["/lib64/ld-linux-x86-64.so.2", "--list",
                              bin_dir + "/fwproxy"])
    needed = re.findall(r"^\s*(\S+)", libs.stdout, re.M)
    extra = [n for n in needed if not re.match(
        r"(linux-vdso|libc\.so|/lib64/ld-linux)", n)]
    check(libs.returncode == 0 and not extra,
          "fwproxy loads no library beyond the C library: %s"
          % " ".join(needed + libs.stderr.split()))
    for b in ["fwproxy", "fwproxyctl"]:
        v = run_in_root(root, [bin_dir + "/" + b, "-v"])
        check(v.returncode == 0 and v.stdout.startswith(b + " "),
              "%s -v runs in the bare root: %r" % (b, v.stdout.strip()))

    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    origin_port = origin.server_address[1]
    proxy_port = fwtest.free_port()
    with open(os.path.join(root, "etc/check.rules"), "w") as f:
        f.write("^127\\.0\\.0\\.1$\n")
    with open(os.path.join(root, "etc/check.conf"), "w") as f:
        f.write("User nobody\nGroup nogroup\n"
                "Port %d\nListen 127.0.0.1\n"
                "PidFile \"/run/check.pid\"\n"
                "LogFile \"/var/log/check.log\"\nLogLevel Info\n"
                "AllowDestination 127.0.0.0/8\n"
                "Filter \"/etc/check.rules\"\nFilterExtended Yes\n"
                "FilterDefaultDeny Yes\nConnectPort 443\n" % proxy_port)
    # The worker, as nobody, appends to the log the root parent opened.
    t = run_in_root(root, [bin_dir + "/fwproxy", "-t", "-c",
                           "/etc/check.conf"])
    check(t.returncode == 0, "fwproxy -t accepts the configuration %s"
          % t.stderr.strip())

    proc = subprocess.Popen(in_root(root, [bin_dir + "/fwproxy", "-d", "-c",
                                           "/etc/check.conf"]),
                            stderr=subprocess.PIPE, text=True)
    try:
        up = check(wait_listening(proxy_port, proc),
                   "fwproxy listens in the chroot")
        if up:
            status, body = fetch(proxy_port, "http://127.0.0.1:%d/page"
                                 % origin_port)
            check(status == 200 and TOKEN + " /page" in body,
                  "a page fetched through the proxy (%d)" % status)
            status, body = fetch(proxy_port, "http://refused.example/")
            check(status == 403 and "refused.example" in body,
                  "a host not on the list is refused (%d)" % status)
            check(os.path.exists(os.path.join(root, "run/check.pid")),
                  "the pid file is written")
            uids = worker_uids(proc.pid)
            check(uids == [65534], "the worker runs as nobody %s" % uids)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        origin.shutdown()
    err = proc.stderr.read()
    check(rc == 0, "SIGTERM stops it with status 0 (%s) %s" % (rc, err))
    check(not os.path.exists(os.path.join(root, "run/check.pid")),
          "the pid file is removed at exit")
    with open(os.path.join(root, "var/log/check.log")) as f:
        log = f.read()
    check('Proxying refused on filtered domain "refused.example"' in log,
          "the refusal is logged")
    check(re.search(r'Request 127\.0\.0\.1 "GET http://127\.0\.0\.1:\d+/page"'
                    r' 200', log) is not None, "the request is logged")

    # fwproxyctl in the same root: the rules directory with the release's
    # own subdirectories in it, and the hook shipped in the tarball being
    # exactly the one install-qubes writes.
    with open(os.path.join(rw, "fwproxy/work.10.137.0.13"), "w") as f:
        f.write("^example\\.com$\n")
    show = run_in_root(root, [bin_dir + "/fwproxyctl", "--firewall", "none",
                              "show"])
    check(show.returncode == 0 and re.search(
        r"^work\s+10\.137\.0\.13\s", show.stdout, re.M) is not None
        and show.stderr == "",
          "fwproxyctl show lists the VM and nothing else %r %r"
          % (show.stdout, show.stderr))
    test = run_in_root(root, [bin_dir + "/fwproxyctl", "test", "work",
                              "http://example.com/"])
    check(test.returncode == 0 and "allowed" in test.stdout,
          "fwproxyctl test runs %r" % test.stdout)
    hook = run_in_root(root, [bin_dir + "/fwproxyctl", "--dry-run",
                              "install-qubes"])
    check(hook.returncode == 0 and
          "/rw/config/network-hooks.d/90-fwproxy: up to date" in hook.stdout,
          "the shipped network hook is the one install-qubes writes %r"
          % hook.stdout)

    shutil.rmtree(root)
    print("# dist-check: %d failure(s) in %.0fs"
          % (len(FAILURES), time.monotonic() - t0))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
