"""A full disk: the log on a small tmpfs that fills. Lines that do not fit
are counted, none is left half written, and the first line written once
there is room again says how many were lost."""

import os
import re
import subprocess

import pytest

import fwtest
from fwtest import curl

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")

LOST = re.compile(r"^WARNING .*\]: (\d+) log lines were lost: the log could "
                  r"not be written \(No space left on device\)$")


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755",
                    "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(mnt, leave):
    """Fills the tmpfs with a file, leaving about leave bytes free."""
    filler = mnt / "filler"
    st = os.statvfs(str(mnt))
    free = st.f_bavail * st.f_frsize
    with open(filler, "ab") as f:
        f.write(b"x" * max(0, free - leave))
    return filler


def test_full_disk_counts_lost_lines(fwproxy, world, tmp_path, small_disk):
    log = small_disk / "fwproxy.log"
    p = fwproxy('LogFile "%s"' % log)
    p.log_path = str(log)
    assert p.wait_log(r"serving")
    filler = fill(small_disk, 0)
    # The log's last page still has room for some lines; one of them ends
    # up written in part, the rest do not fit at all.
    for i in range(60):
        assert curl(p, world.origin_url("lost%02d.test" % i, "/"),
                    tmp=tmp_path).status == 200
    os.unlink(filler)
    assert curl(p, world.origin_url("back.test", "/"),
                tmp=tmp_path).status == 200
    assert p.wait_log(r"back\.test")
    text = p.log_text()
    assert text.endswith("\n")
    lines = text.splitlines()
    for line in lines:
        assert fwtest.LOG_LINE.match(line), "a cut line: %r" % line
    lost = [int(m.group(1)) for m in map(LOST.match, lines) if m]
    assert len(lost) == 1, text[-3000:]
    written = len([l for l in lines if re.search(r"Request .*lost\d\d", l)])
    assert written < 60
    # Each request also logs a CONNECT line.
    assert lost[0] >= 60 - written, (lost, written)
    back = [i for i, l in enumerate(lines) if "back.test" in l]
    note = [i for i, l in enumerate(lines) if LOST.match(l)]
    assert note[0] < back[0]
