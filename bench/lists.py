"""Configuration parsing time against list length: `fwproxy -t` on files
of 100k and 200k lines of one list directive each. Linear parsing shows as
a ratio of about 2 between the two (issue 14: 100k Allow lines took 13 s
and 200k took 63 s when each line walked the list)."""

import os
import statistics
import subprocess
import time

COUNTS = (100000, 200000)
REPS = 3


def _ip(i, net):
    return "10.%d.%d.%d" % (net, (i >> 8) & 255, i & 255)


# Each directive with one line per index; values stay valid at any count
# (at most 65,536 distinct addresses per network, repeated beyond).
LINES = {
    "Allow": lambda i: "Allow %s" % _ip(i, 1 + (i >> 16)),
    "Deny": lambda i: "Deny %s" % _ip(i, 1 + (i >> 16)),
    "ConnectPort": lambda i: "ConnectPort %d" % (i % 65535 + 1),
    "AllowDestination": lambda i: "AllowDestination %s/32" % _ip(i, 1 + (i >> 16)),
    "Upstream": lambda i: "Upstream http proxy.example:3128 \".d%d.example\"" % i,
    "NoUpstream": lambda i: "NoUpstream \".d%d.example\"" % i,
    "AddHeader": lambda i: "AddHeader \"X-H%d\" \"v\"" % i,
    "Anonymous": lambda i: "Anonymous \"X-H%d\"" % i,
    "BasicAuth": lambda i: "BasicAuth user%d secret" % i,
    "ErrorFile": lambda i: "ErrorFile %d \"{page}\"" % (400 + i % 200),
    "DNSServer": lambda i: "DNSServer \"%s\"" % _ip(i, 1 + (i >> 16)),
}


def write_config(path, directive, count, page):
    with open(path, "w") as f:
        f.write("Port 8100\nConnectPort 443\n")
        line = LINES[directive]
        for i in range(count):
            f.write(line(i).replace("{page}", page) + "\n")


def time_check(fwproxy, path):
    """Median wall time of `fwproxy -t -c path`, in ms; raises when the
    check fails."""
    times = []
    for _ in range(REPS):
        t0 = time.monotonic()
        r = subprocess.run([fwproxy, "-t", "-c", path], capture_output=True,
                           text=True)
        times.append((time.monotonic() - t0) * 1000)
        if r.returncode != 0:
            raise RuntimeError("fwproxy -t %s failed: %s" % (path, r.stderr[-500:]))
    return statistics.median(times)


def run(bench):
    """Records, per directive and count, the check time in ms."""
    sec = "Configuration parsing (fwproxy -t, median of %d)" % REPS
    d = bench.proxy_dir("lists")
    page = os.path.join(d, "page.html")
    with open(page, "w") as f:
        f.write("<p>{cause}</p>\n")
    for directive in LINES:
        figures = []
        for n in COUNTS:
            path = os.path.join(d, "%s-%d.conf" % (directive, n))
            write_config(path, directive, n, page)
            try:
                ms = time_check(bench.fwproxy, path)
            except RuntimeError as e:
                bench.note("%s, %d lines: %s" % (directive, n, e))
                break
            finally:
                os.unlink(path)
            figures.append(ms)
            bench.record(sec, "%s: %dk lines" % (directive, n // 1000), "fwproxy",
                         ms, "ms", "low")
        if len(figures) == 2:
            print("  %-16s %8.0f ms for %dk lines, %8.0f ms for %dk (x%.2f)" % (
                directive, figures[0], COUNTS[0] // 1000, figures[1],
                COUNTS[1] // 1000, figures[1] / figures[0]), flush=True)
