"""One grace period for stopping: the numbers in src/common/stop_grace.h
are the ones the README, the manuals, docs/fwproxyctl.md and the systemd
unit state (fwproxyctl and the daemon compile them in)."""

import os
import re

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def read(*path):
    with open(os.path.join(TOP, *path)) as f:
        return f.read()


def seconds():
    text = read("src", "common", "stop_grace.h")
    grace = int(re.search(r"#define STOP_GRACE_SECONDS\s+(\d+)", text)[1])
    margin = int(re.search(r"#define STOP_MARGIN_SECONDS\s+(\d+)", text)[1])
    return grace, grace + margin


def test_documents_state_the_grace_period():
    grace, kill = seconds()
    assert "(%d s grace period at most" % grace in read("README.md")
    assert re.search(r"for up to\s+%d seconds \(the grace period" % grace,
                     read("docs", "man", "fwproxy.8"))
    ctl = read("docs", "man", "fwproxyctl.8")
    assert re.search(r"%d second\s+grace period" % grace, ctl)
    assert "SIGKILL only after %d seconds" % kill in ctl
    md = read("docs", "fwproxyctl.md")
    assert "SIGKILL after %d s: the\nproxy's %d s grace period" % (
        kill, grace) in md


def test_systemd_unit_waits_as_long_as_fwproxyctl():
    _, kill = seconds()
    unit = read("contrib", "fwproxy@.service")
    assert re.search(r"(?m)^TimeoutStopSec=%ds$" % kill, unit)
