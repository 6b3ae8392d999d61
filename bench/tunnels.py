"""Tunnels per second: bench/tunnel_rate.c, 50 clients each opening a
tunnel (HTTP CONNECT, or SOCKS5 as real clients speak it: greeting, then
request), fetching 1 KiB through it with Connection: close and closing.
CONNECT for every proxy, SOCKS5 for fwproxy, the only one that serves it
(issue 15's goal: SOCKS5 within 10% of CONNECT). Beside the rate, the
proxy's own CPU time per tunnel, which the machine's load and the round
trips of the handshake do not blur."""

import os
import re
import subprocess

CLIENTS = 50
SECTION = "Tunnels (%d clients, 1 KiB each, median of 3)" % CLIENTS
REPS = 3
TICK = os.sysconf("SC_CLK_TCK")


def client(b):
    """The load generator, compiled once per run into the work folder."""
    path = os.path.join(b.work, "tunnel_rate")
    if not os.path.exists(path):
        subprocess.run(["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-o", path,
                        os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "tunnel_rate.c")], check=True)
    return path


def cpu_ticks(pids):
    """User and system time of pids, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def rate(b, port, mode, host, origin_port, seconds, pids):
    """(tunnels per second, failed tunnels, proxy CPU µs per tunnel)."""
    cmd = [client(b), mode, str(port), host, str(origin_port), "/1k",
           str(CLIENTS), str(seconds)]
    before = cpu_ticks(pids)
    out = subprocess.run(b.cpus.wrap(cmd, "client"), capture_output=True,
                         text=True).stdout
    used = cpu_ticks(pids) - before
    m = re.search(r"^BENCHRESULT tunnels=(\d+) errors=(\d+) duration_us=(\d+)",
                  out, re.M)
    if not m:
        raise RuntimeError("tunnel_rate gave no result: %s" % out)
    tunnels, errors, us = (int(x) for x in m.groups())
    if tunnels == 0:
        raise RuntimeError("no tunnel completed (%d errors)" % errors)
    return tunnels / (us / 1e6), errors, used * 1e6 / TICK / tunnels


def run(b, subject, port, pids, host, origin_port, log):
    modes = [("CONNECT", "connect")]
    if subject == "fwproxy":
        modes.append(("SOCKS5", "socks5"))
    if not b.quick:
        for _, mode in modes:
            rate(b, port, mode, host, origin_port, 2, pids)  # warm-up
    # Runs alternate between the modes, so that a change in the machine's
    # load during the section weighs on both alike.
    runs = {label: [] for label, _ in modes}
    for _ in range(REPS):
        for label, mode in modes:
            runs[label].append(rate(b, port, mode, host, origin_port,
                                    b.duration, pids))
    for label, _ in modes:
        tps = sorted(r[0] for r in runs[label])[REPS // 2]
        cpu = sorted(r[2] for r in runs[label])[REPS // 2]
        errors = sum(r[1] for r in runs[label])
        log("  %-18s %9.0f tunnels/s  %6.1f us proxy CPU each%s" % (
            label + " tunnels", tps, cpu, "  errors %d" % errors if errors else ""))
        if errors:
            b.note("%s, %s tunnels: %d failed" % (subject, label, errors))
        b.record(SECTION, label + ": tunnels/s", subject, tps, "tunnels/s", "high")
        b.record(SECTION, label + ": proxy CPU per tunnel", subject, cpu, "us", "low")
