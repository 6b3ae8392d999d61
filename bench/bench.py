"""fwproxy benchmark driver (issue 5). Run through bench/run, which creates
the private network namespace this expects: it binds port 53 and fixed
loopback ports and relies on the namespace's own resolv.conf."""

import argparse
import datetime
import os
import platform
import pwd
import grp
import re
import resource
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lists  # noqa: E402
import qubes_hooks  # noqa: E402
import reloading  # noqa: E402
import transparent  # noqa: E402
import tunnels  # noqa: E402

ORIGIN_PORT = 8080
ORIGIN_HOST = "origin.example.com"
REFUSED_HOST = "refused.example.org"
PORTS = {"fwproxy": 8101, "tinyproxy": 8102, "privoxy": 8103, "squid": 8104}
PEERS = ["tinyproxy", "privoxy", "squid"]
SUBJECTS = ["direct", "fwproxy"] + PEERS
# fwproxy-only sections: rule scaling, idle connections, list directives,
# transparent mode, latency while reloading, the Qubes hook path.
EXTRA = ["rules", "idle", "lists", "transparent", "reload", "qubes"]
NOFILE = 200000
ONE_K = 1024
BIG = 100 * 1024 * 1024

HERE = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    print(msg, flush=True)


def clean_env():
    env = dict(os.environ)
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del env[k]
    return env


def nofile_limit():
    """The open-files limit every process of the run gets: NOFILE, or less
    where the hard limit is lower and cannot be raised (a container)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or hard >= NOFILE:
        return NOFILE
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
        return NOFILE
    except (ValueError, OSError):
        return hard


def raise_nofile():
    n = nofile_limit()
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


class Cpus:
    """wrk, curl and the idle client on the first CPU, the proxy on the
    last; nginx and dnsmasq float. With one CPU nothing is pinned."""

    def __init__(self, enabled):
        n = os.cpu_count() or 1
        self.enabled = enabled and n >= 2
        self.client = "0"
        self.server = str(n - 1)

    def wrap(self, cmd, which):
        if not self.enabled:
            return cmd
        cpu = self.client if which == "client" else self.server
        return ["taskset", "-c", cpu] + cmd

    def describe(self):
        if not self.enabled:
            return "no CPU pinning"
        return ("CPU pinning (taskset): wrk, curl and the idle-connection "
                "client on CPU %s; the proxy under test on CPU %s; nginx "
                "(1 worker) and dnsmasq not pinned" % (self.client, self.server))


class Procs:
    """Processes this run started; each is ended by its own PID."""

    def __init__(self):
        self.procs = []

    def start(self, name, cmd, logpath):
        out = open(logpath, "ab")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, env=clean_env(),
                             preexec_fn=raise_nofile, start_new_session=True)
        out.close()
        p.bench_name = name
        self.procs.append(p)
        return p

    def stop(self, p, timeout=10):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(reversed(self.procs)):
            self.stop(p, 5)


def tree(pid):
    pids = [pid]
    i = 0
    while i < len(pids):
        try:
            for task in os.listdir("/proc/%d/task" % pids[i]):
                with open("/proc/%d/task/%s/children" % (pids[i], task)) as f:
                    pids += [int(x) for x in f.read().split()]
        except OSError:
            pass
        i += 1
    return pids


def mem_kib(pid, field):
    """Sum of FIELD (VmRSS, VmHWM) over PID and its descendants, in KiB."""
    total = 0
    for p in tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def smaps_kib(pid):
    """Rss, Pss and private (Private_Clean + Private_Dirty) in KiB, summed
    over PID and its descendants, from /proc/PID/smaps_rollup. RSS counts
    every page a process maps, the C library's shared pages included; PSS
    shares them out among the processes mapping them; private counts only
    pages no other process maps: what one more instance costs."""
    total = {"rss": 0, "pss": 0, "private": 0}
    for p in tree(pid):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k == "Rss":
                        total["rss"] += int(v.split()[0])
                    elif k == "Pss":
                        total["pss"] += int(v.split()[0])
                    elif k in ("Private_Clean", "Private_Dirty"):
                        total["private"] += int(v.split()[0])
        except OSError:
            pass
    return total


def wait_port(port, t0, timeout, proc=None):
    """Seconds from T0 until PORT accepts a connection, or None."""
    while time.monotonic() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            return None
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            return time.monotonic() - t0
        except OSError:
            time.sleep(0.001)
        finally:
            s.close()
    return None


def read_response(s, want_body=True):
    """Read one HTTP/1.1 response with Content-Length from socket S; return
    (status, body length) or (None, 0)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            return (None, 0)
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return (None, 0)
    length = None
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        if not want_body:
            return (status, len(rest))
        while True:
            d = s.recv(65536)
            if not d:
                return (status, len(rest))
            rest += d
    while len(rest) < length:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    return (status, len(rest))


def proxy_get(port, host, path="/1k", close=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        req = "GET http://%s:%d%s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n" % (
            host, ORIGIN_PORT, path, host, ORIGIN_PORT,
            "Connection: close\r\n" if close else "")
        s.sendall(req.encode())
        return read_response(s)
    except OSError:
        return (None, 0)
    finally:
        s.close()


def fill(template, dest, **kw):
    with open(os.path.join(HERE, "conf", template)) as f:
        text = string.Template(f.read()).substitute(**kw)
    with open(dest, "w") as f:
        f.write(text)


def chown_tree(path, user, group):
    uid = pwd.getpwnam(user).pw_uid
    gid = grp.getgrnam(group).gr_gid
    for d, _, files in os.walk(path):
        os.chown(d, uid, gid)
        for f in files:
            os.chown(os.path.join(d, f), uid, gid)


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.duration = args.duration or (2 if self.quick else 10)
        self.reps = 3
        if args.rules:
            self.rule_counts = [int(x) for x in args.rules.split(",")]
        else:
            self.rule_counts = [10, 1000] if self.quick else [10, 1000, 10000, 100000]
        self.idle_count = args.idle or (1000 if self.quick else 10000)
        self.cpus = Cpus(not args.no_pin)
        self.procs = Procs()
        self.work = tempfile.mkdtemp(prefix="fwproxy-bench-")
        os.chmod(self.work, 0o755)
        self.results = []
        self.notes = []
        self.fwproxy = args.fwproxy or os.path.join(args.root, "bin", "fwproxy")
        only = args.only.split(",") if args.only else SUBJECTS + EXTRA
        self.only = set(only)
        if "fwproxy" in self.only and not os.access(self.fwproxy, os.X_OK):
            self.note("fwproxy skipped: %s not found (make bin/fwproxy)" % self.fwproxy)
            self.only.discard("fwproxy")
            self.only.discard("lists")
            self.only.discard("transparent")
            self.only.discard("reload")
            self.only.discard("qubes")

    def note(self, msg):
        self.notes.append(msg)
        log("  note: " + msg)

    def record(self, section, figure, subject, value, unit, better):
        self.results.append(dict(section=section, figure=figure, subject=subject,
                                 value=value, unit=unit, better=better))

    # ---- environment ----------------------------------------------------

    def start_dns(self):
        d = os.path.join(self.work, "dnsmasq")
        os.makedirs(d)
        cmd = ["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
               "--listen-address=127.0.0.1", "--bind-interfaces", "--port=53",
               # --local: answer AAAA with NODATA instead of REFUSED.
               "--local=/example.com/", "--local=/example.org/",
               "--address=/example.com/127.0.0.1", "--address=/example.org/127.0.0.1",
               "--cache-size=10000", "--pid-file=" + os.path.join(d, "pid"),
               "--user=root"]
        p = self.procs.start("dnsmasq", cmd, os.path.join(d, "log"))
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5:
            try:
                socket.getaddrinfo(ORIGIN_HOST, ORIGIN_PORT, socket.AF_INET)
                return p
            except socket.gaierror:
                time.sleep(0.05)
        raise SystemExit("bench: dnsmasq does not answer (see %s/log)" % d)

    def start_origin(self):
        d = os.path.join(self.work, "nginx")
        www = os.path.join(d, "www")
        for sub in ("tmp", "www"):
            os.makedirs(os.path.join(d, sub))
        with open(os.path.join(www, "1k"), "wb") as f:
            f.write(b"x" * ONE_K)
        with open(os.path.join(www, "100m"), "wb") as f:
            for _ in range(BIG // (1 << 20)):
                f.write(os.urandom(1 << 20))
        os.chmod(d, 0o755)
        os.chmod(www, 0o755)
        conf = os.path.join(d, "nginx.conf")
        fill("nginx.conf", conf, dir=d, www=www, origin_port=ORIGIN_PORT,
             nofile=nofile_limit())
        p = self.procs.start("nginx", ["nginx", "-p", d, "-c", conf, "-e",
                                       os.path.join(d, "error.log")],
                             os.path.join(d, "stderr.log"))
        if wait_port(ORIGIN_PORT, time.monotonic(), 10, p) is None:
            raise SystemExit("bench: nginx did not start (see %s)" % d)
        return p

    # ---- proxies --------------------------------------------------------

    def proxy_dir(self, name):
        d = os.path.join(self.work, name)
        n = 1
        while os.path.exists(d):
            n += 1
            d = os.path.join(self.work, "%s.%d" % (name, n))
        os.makedirs(d)
        return d

    def write_filter(self, d, count, kind):
        path = os.path.join(d, "filter")
        with open(path, "w") as f:
            if count == 0:
                if kind == "domain":
                    f.write("=%s\n" % ORIGIN_HOST)
                else:
                    f.write("^%s$\n" % re.escape(ORIGIN_HOST).replace("\\-", "-"))
            else:
                for i in range(1, count + 1):
                    if kind == "domain":
                        f.write("=host%d.example.com\n" % i)
                    else:
                        f.write("^host%d\\.example\\.com$\n" % i)
        return path

    def start_proxy(self, name, rules=0, kind="ere", port=None, extra_conf="",
                    extra_rules=""):
        """Start NAME with the allow-list (ORIGIN_HOST, or host1..hostRULES,
        then extra_rules), on port (default its own), with extra_conf after
        its config; return (process, seconds until the port accepted,
        directory)."""
        d = self.proxy_dir(name)
        port = port or PORTS[name]
        user, group = self.args.user, self.args.group
        if name in ("tinyproxy", "fwproxy"):
            filt = self.write_filter(d, rules, kind)
            with open(filt, "a") as f:
                f.write(extra_rules)
            conf = os.path.join(d, name + ".conf")
            fill(name + ".conf", conf, dir=d, port=port, user=user, group=group,
                 filter=filt, filter_type=kind, origin_port=ORIGIN_PORT)
            with open(conf, "a") as f:
                f.write(extra_conf)
            chown_tree(d, user, group)
            binary = self.fwproxy if name == "fwproxy" else "tinyproxy"
            cmd = [binary, "-d", "-c", conf]
        elif name == "privoxy":
            conf = os.path.join(d, "privoxy.conf")
            fill("privoxy.conf", conf, dir=d, port=port)
            fill("privoxy.action", os.path.join(d, "allow.action"),
                 privoxy_hosts=ORIGIN_HOST)
            chown_tree(d, user, group)
            cmd = ["privoxy", "--no-daemon", "--user", "%s.%s" % (user, group), conf]
        elif name == "squid":
            conf = os.path.join(d, "squid.conf")
            fill("squid.conf", conf, dir=d, port=port, squid_user="proxy",
                 squid_hosts=ORIGIN_HOST)
            chown_tree(d, "proxy", "proxy")
            cmd = ["squid", "-N", "-f", conf]
        t0 = time.monotonic()
        p = self.procs.start(name, self.cpus.wrap(cmd, "server"),
                             os.path.join(d, "stderr.log"))
        up = wait_port(port, t0, 120, p)
        if up is None:
            tail = ""
            for f in ("stderr.log", "proxy.log", "cache.log"):
                path = os.path.join(d, f)
                if os.path.exists(path):
                    with open(path, errors="replace") as fh:
                        tail += fh.read()[-2000:]
            self.procs.stop(p)
            raise RuntimeError("%s did not start:\n%s" % (name, tail))
        return p, up, d

    def check_proxy(self, name, d):
        """The allowed host answers 200 with 1 KiB, the refused one 403."""
        port = PORTS[name]
        ok = proxy_get(port, ORIGIN_HOST)
        refused = proxy_get(port, REFUSED_HOST)
        good = ok == (200, ONE_K) and refused[0] == 403
        log("  check %s: allowed -> %s, refused -> %s%s" % (
            name, ok[0], refused[0], "" if good else "  (UNEXPECTED)"))
        if not good:
            self.note("%s: allowed host gave %s, refused host gave %s" % (
                name, ok, refused[0]))
        return good

    def check_refusal_logged(self, name, d):
        # privoxy in --no-daemon mode logs to stderr, the others to their file.
        text = ""
        for f in ("proxy.log", "stderr.log"):
            path = os.path.join(d, f)
            if os.path.exists(path):
                with open(path, errors="replace") as fh:
                    text += fh.read()
        if REFUSED_HOST not in text:
            self.note("%s: the refusal of %s is not in its log (%s)" % (name, REFUSED_HOST, d))
            return False
        log("  check %s: refusal logged" % name)
        return True

    # ---- load generators ------------------------------------------------

    def wrk(self, port, conns, close=False, host=ORIGIN_HOST, direct=False, duration=None):
        if direct:
            target, url = "/1k", "http://127.0.0.1:%d" % ORIGIN_PORT
        else:
            target = "http://%s:%d/1k" % (host, ORIGIN_PORT)
            url = "http://127.0.0.1:%d" % port
        cmd = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % (duration or self.duration), "--timeout", "10s",
               "--latency", "-s", os.path.join(HERE, "wrk.lua")]
        if close:
            cmd += ["-H", "Connection: close"]
        cmd += [url, "--", target, "%s:%d" % (host, ORIGIN_PORT)]
        out = subprocess.run(self.cpus.wrap(cmd, "client"), capture_output=True,
                             text=True, env=clean_env(), preexec_fn=raise_nofile).stdout
        m = re.search(r"^BENCHRESULT (.*)$", out, re.M)
        if not m:
            raise RuntimeError("wrk gave no result:\n" + out)
        r = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
        secs = r["duration_us"] / 1e6
        good = r["requests"] - r["status"]
        if good <= 0:
            raise RuntimeError("no successful request in wrk run (%s)" % m.group(1))
        errs = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["status"]
        return dict(rps=good / secs, p50=r["p50_us"] / 1000.0, p99=r["p99_us"] / 1000.0,
                    errors=errs, raw=r)

    def download_cmd(self, port, how):
        """curl fetching /100m: how is "plain", "connect" or "socks5"."""
        url = "http://%s:%d/100m" % (ORIGIN_HOST, ORIGIN_PORT)
        cmd = ["curl", "-s", "--max-time", "120", "-o", "/dev/null", "-w",
               "%{http_code} %{size_download} %{speed_download}"]
        if port is None:
            cmd += ["--noproxy", "*"]
        elif how == "socks5":
            cmd += ["--socks5-hostname", "127.0.0.1:%d" % port]
        else:
            cmd += ["-x", "http://127.0.0.1:%d" % port]
            if how == "connect":
                cmd += ["--proxytunnel"]
        return cmd + [url]

    def downloads(self, port, hows):
        """The median MB/s of each way in hows; the runs of the ways
        alternate, so that a change in the machine's load weighs on all."""
        speeds = {how: [] for how in hows}
        # The first round warms the page cache and the proxy's buffers.
        for i in range(self.reps + 1):
            for how in hows:
                out = subprocess.run(self.cpus.wrap(self.download_cmd(port, how), "client"),
                                     capture_output=True, text=True,
                                     env=clean_env()).stdout.split()
                if len(out) != 3 or out[0] != "200" or int(out[1]) != BIG:
                    raise RuntimeError("download failed: %s" % " ".join(out))
                if i > 0:
                    speeds[how].append(float(out[2]) / 1e6)
        return {how: sorted(v)[len(v) // 2] for how, v in speeds.items()}

    # ---- sections -------------------------------------------------------

    def load_tests(self, subject, port, pid=None):
        sec = "1 KiB responses (wrk, %d s each)" % self.duration
        for label, conns, close in (("50 keep-alive", 50, False),
                                    ("500 keep-alive", 500, False),
                                    ("no keep-alive, 50", 50, True)):
            if not self.quick:
                self.wrk(port, conns, close, direct=port is None, duration=2)
            r = self.wrk(port, conns, close, direct=port is None)
            log("  %-18s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms%s" % (
                label, r["rps"], r["p50"], r["p99"],
                "  errors %d" % r["errors"] if r["errors"] else ""))
            if r["errors"]:
                self.note("%s, %s: %s" % (subject, label, wrk_errors(r["raw"])))
            self.record(sec, label + ": req/s", subject, r["rps"], "req/s", "high")
            self.record(sec, label + ": p50", subject, r["p50"], "ms", "low")
            self.record(sec, label + ": p99", subject, r["p99"], "ms", "low")
        sec = "100 MiB download (curl, median of %d)" % self.reps
        ways = [("plain HTTP", "plain"), ("CONNECT tunnel", "connect")]
        if subject == "fwproxy":
            ways.append(("SOCKS5 tunnel", "socks5"))
        mbs = self.downloads(port, [how for _, how in ways])
        for label, how in ways:
            log("  %-18s %9.1f MB/s" % (label, mbs[how]))
            self.record(sec, label, subject, mbs[how], "MB/s", "high")
        if port is not None:
            tunnels.run(self, subject, port, tree(pid), ORIGIN_HOST, ORIGIN_PORT, log)

    def run_direct(self):
        log("direct (nginx)")
        self.load_tests("direct", None)

    def run_proxy(self, name):
        log(name)
        p, up, d = self.start_proxy(name)
        try:
            time.sleep(0.3)
            idle = smaps_kib(p.pid)
            log("  started in %.3f s, idle RSS %.2f MiB, PSS %.2f MiB, "
                "private %.2f MiB" % (up, idle["rss"] / 1024,
                                      idle["pss"] / 1024, idle["private"] / 1024))
            if not self.check_proxy(name, d):
                raise RuntimeError("check failed, not measured")
            self.load_tests(name, PORTS[name], p.pid)
            peak = mem_kib(p.pid, "VmHWM")
            log("  peak RSS %.1f MiB" % (peak / 1024))
        finally:
            self.procs.stop(p)
        self.check_refusal_logged(name, d)
        sec = "Memory"
        self.record(sec, "idle RSS", name, idle["rss"] / 1024, "MiB", "low")
        self.record(sec, "idle PSS", name, idle["pss"] / 1024, "MiB", "low")
        self.record(sec, "idle private", name, idle["private"] / 1024, "MiB", "low")
        self.record(sec, "peak RSS", name, peak / 1024, "MiB", "low")

    def run_floor(self):
        """The memory of the smallest dynamically linked process, sleep(1),
        measured like the proxies: the floor the C library sets here."""
        p = self.procs.start("sleep", ["sleep", "60"], os.path.join(self.work, "sleep.log"))
        try:
            time.sleep(0.3)
            m = smaps_kib(p.pid)
        finally:
            self.procs.stop(p)
        log("sleep(1): RSS %.2f MiB, PSS %.2f MiB, private %.2f MiB" % (
            m["rss"] / 1024, m["pss"] / 1024, m["private"] / 1024))
        sec = "Memory"
        self.record(sec, "idle RSS", "sleep(1)", m["rss"] / 1024, "MiB", "low")
        self.record(sec, "idle PSS", "sleep(1)", m["pss"] / 1024, "MiB", "low")
        self.record(sec, "idle private", "sleep(1)", m["private"] / 1024, "MiB", "low")

    def idle_connections(self):
        """The requested count, or as many as the open-files limit lets the
        proxy hold: two descriptors each (client and origin) and a margin."""
        fit = (nofile_limit() - 100) // 2
        if fit >= self.idle_count:
            return self.idle_count
        self.note("the open-files limit (%d) holds %d idle connections with "
                  "their origin connections, not %d: measured with %d" % (
                      nofile_limit(), fit, self.idle_count, fit))
        return fit

    def run_idle(self):
        n = self.idle_connections()
        log("fwproxy with %d idle keep-alive connections" % n)
        p, _, d = self.start_proxy("fwproxy")
        socks = []
        try:
            time.sleep(0.3)
            before = mem_kib(p.pid, "VmRSS")
            req = ("GET http://%s:%d/1k HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (
                ORIGIN_HOST, ORIGIN_PORT, ORIGIN_HOST, ORIGIN_PORT)).encode()
            for i in range(n):
                try:
                    s = socket.create_connection(("127.0.0.1", PORTS["fwproxy"]), timeout=10)
                except OSError as e:
                    raise RuntimeError("connection %d: %s" % (i, e))
                socks.append(s)
                s.sendall(req)
                try:
                    st = read_response(s)
                except OSError as e:
                    raise RuntimeError("connection %d: %s" % (i, e))
                if st != (200, ONE_K):
                    raise RuntimeError("connection %d: no 1 KiB answer (%s)" % (i, st[0]))
            time.sleep(1)
            alive = sum(1 for s in socks if not closed(s))
            after = mem_kib(p.pid, "VmRSS")
        finally:
            for s in socks:
                s.close()
            self.procs.stop(p)
        if alive != n:
            raise RuntimeError("fwproxy closed %d of the %d idle connections, "
                               "not measured" % (n - alive, n))
        per = (after - before) / n
        log("  RSS %.2f MiB before, %.2f MiB with %d open, %.2f KiB each" % (
            before / 1024, after / 1024, n, per))
        sec = "Memory"
        self.record(sec, "RSS with %d idle keep-alive" % n, "fwproxy", after / 1024, "MiB", "low")
        self.record(sec, "RSS per idle keep-alive", "fwproxy", per, "KiB", "low")

    def run_rules(self):
        variants = [("fwproxy", "ere"), ("fwproxy", "domain"), ("tinyproxy", "ere")]
        sec = "Rule scaling (50 keep-alive, request matches only the last rule)"
        for name, kind in variants:
            if name not in self.only:
                continue
            subject = "%s (%s)" % (name, "regex" if kind == "ere" else "domain")
            for n in self.rule_counts:
                log("%s, %d rules" % (subject, n))
                host = "host%d.example.com" % n
                try:
                    p, up, d = self.start_proxy(name, n, kind)
                except RuntimeError as e:
                    self.note("%s, %d rules: %s" % (subject, n, e))
                    continue
                try:
                    st = proxy_get(PORTS[name], host)
                    if st != (200, ONE_K):
                        raise RuntimeError("%s answered %s, not measured" % (host, st[0]))
                    r = self.wrk(PORTS[name], 50, host=host)
                    peak = mem_kib(p.pid, "VmHWM")
                except RuntimeError as e:
                    self.note("%s, %d rules: %s" % (subject, n, e))
                    continue
                finally:
                    self.procs.stop(p)
                log("  start-up %.3f s, %.0f req/s, peak RSS %.1f MiB" % (up, r["rps"], peak / 1024))
                if r["errors"]:
                    self.note("%s, %d rules: %s" % (subject, n, wrk_errors(r["raw"])))
                self.record(sec, "%s rules: req/s" % fmt_int(n), subject, r["rps"], "req/s", "high")
                self.record(sec, "%s rules: start-up" % fmt_int(n), subject, up * 1000, "ms", "low")
                self.record(sec, "%s rules: peak RSS" % fmt_int(n), subject, peak / 1024, "MiB", "low")

    def run(self):
        raise_nofile()
        self.loadavg = loadavg()
        log("bench: work directory %s, load average %s" % (self.work, self.loadavg))
        log("bench: " + self.cpus.describe())
        log("bench: open-files limit %d" % nofile_limit())
        self.start_dns()
        self.start_origin()
        try:
            self.run_floor()
            for s in SUBJECTS:
                if s not in self.only:
                    continue
                try:
                    if s == "direct":
                        self.run_direct()
                    else:
                        self.run_proxy(s)
                except RuntimeError as e:
                    self.note("%s failed: %s" % (s, e))
            if "idle" in self.only and "fwproxy" in self.only:
                try:
                    self.run_idle()
                except RuntimeError as e:
                    self.note("idle connections failed: %s" % e)
            if "rules" in self.only:
                try:
                    self.run_rules()
                except RuntimeError as e:
                    self.note("rule scaling failed: %s" % e)
            if "transparent" in self.only:
                log("fwproxy: transparent mode beside CONNECT, ClientHello cost")
                try:
                    transparent.run(self, ORIGIN_HOST, ORIGIN_PORT, BIG, clean_env())
                except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
                    self.note("transparent mode failed: %s" % e)
            if "reload" in self.only:
                log("fwproxy reloading %d rules under load" % reloading.RULES)
                try:
                    reloading.run(self, PORTS["fwproxy"], ORIGIN_PORT, log)
                except RuntimeError as e:
                    self.note("reload under load failed: %s" % e)
            if "lists" in self.only:
                log("fwproxy -t with 100k and 200k lines of each list directive")
                lists.run(self)
            if "qubes" in self.only:
                log("fwproxyctl: Qubes hook to first answer, %d VMs at once, "
                    "update with %d VMs" % (qubes_hooks.VMS, qubes_hooks.VMS))
                try:
                    qubes_hooks.run(self, log)
                except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
                    self.note("Qubes hook path failed: %s" % e)
        finally:
            self.procs.stop_all()
        return self.report()

    # ---- report ---------------------------------------------------------

    def report(self):
        import report
        md = report.markdown(self.results, self.notes, machine(self), self.cpus.describe(),
                             self.quick)
        print()
        print(md)
        out = self.args.out or os.path.join(self.args.root, "bench", "results")
        os.makedirs(out, exist_ok=True)
        name = "quick" if self.quick else "latest"
        with open(os.path.join(out, name + ".md"), "w") as f:
            f.write(md)
        with open(os.path.join(out, name + ".tsv"), "w") as f:
            f.write("section\tfigure\tsubject\tvalue\tunit\n")
            for r in self.results:
                f.write("%s\t%s\t%s\t%.6g\t%s\n" % (r["section"], r["figure"], r["subject"],
                                                   r["value"], r["unit"]))
        log("bench: written to %s/%s.md and %s.tsv" % (out, name, name))
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return 0


def wrk_errors(raw):
    other = ["%s %d" % (k, raw[k]) for k in ("connect", "write", "status", "timeout")
             if raw[k]]
    parts = []
    if raw["read"]:
        parts.append("the proxy closed the connection after %d responses without "
                     "announcing it (wrk read errors)" % raw["read"])
    if other:
        parts.append("wrk errors: " + ", ".join(other) +
                     (" (non-2xx/3xx answers are not counted in req/s)" if raw["status"] else ""))
    return "; ".join(parts)


def closed(s):
    try:
        s.setblocking(False)
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def fmt_int(n):
    if n >= 1000 and n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    text = (out.stdout + out.stderr).strip().splitlines()
    return text[0].strip() if text else "?"


def machine(b):
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info = [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPUs (nproc)", str(os.cpu_count())),
        ("CPU model", model),
        ("kernel", platform.release()),
        ("load average (1, 5, 15 min) at start", b.loadavg),
        ("load average at end", loadavg()),
        ("nginx", version(["nginx", "-v"])),
        ("wrk", version(["wrk", "-v"]).split(" Copyright")[0]),
        ("tinyproxy", version(["tinyproxy", "-v"])),
        ("privoxy", version(["privoxy", "--version"])),
        ("squid", version(["squid", "-v"])),
    ]
    if "fwproxy" in b.only:
        info.append(("fwproxy", version([b.fwproxy, "-v"])))
    return info


def main():
    ap = argparse.ArgumentParser(
        prog="bench/run",
        description="Measure fwproxy against tinyproxy, privoxy, squid and direct nginx.")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 2 s per figure, 10 and 1k rules, 1,000 idle connections")
    ap.add_argument("--only", help="comma list of: direct,fwproxy,tinyproxy,privoxy,squid,"
                    "idle,rules,lists,reload,transparent,qubes (default all)")
    ap.add_argument("--duration", type=int, help="seconds per wrk figure")
    ap.add_argument("--rules", help="comma list of rule counts")
    ap.add_argument("--idle", type=int, help="number of idle keep-alive connections")
    ap.add_argument("--fwproxy", help="fwproxy binary (default ROOT/bin/fwproxy)")
    ap.add_argument("--out", help="results directory (default ROOT/bench/results)")
    ap.add_argument("--user", default="nobody", help="user the proxies run as")
    ap.add_argument("--group", default="nogroup", help="group the proxies run as")
    ap.add_argument("--no-pin", action="store_true", help="no taskset pinning")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--no-install", action="store_true", help="(handled by bench/run)")
    ap.add_argument("--root", default=os.path.dirname(HERE), help=argparse.SUPPRESS)
    args = ap.parse_args()
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
