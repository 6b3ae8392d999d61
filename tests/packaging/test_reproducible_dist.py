"""`make dist` is reproducible: the same sources checked out in two
different folders (different names, different depths) give byte-identical
tarballs, binaries and build-ids included.

Each copy holds the files git knows (tracked, and new ones not ignored),
as a checkout would, without .git: the date comes from SOURCE_DATE_EPOCH,
set as a release build sets it, to the last commit's."""

import hashlib
import os
import shutil
import subprocess
import tarfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def source_files():
    out = subprocess.run(
        ["git", "-C", REPO, "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"], capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0")
            if f and os.path.isfile(os.path.join(REPO, f))]


def checkout(dest):
    for f in source_files():
        target = os.path.join(dest, f)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(REPO, f), target, follow_symlinks=False)
    return dest


def make_dist(tree, epoch):
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch, LC_ALL="C")
    r = subprocess.run(["make", "-j2", "dist"], cwd=tree, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    tarballs = [n for n in os.listdir(os.path.join(tree, "dist"))
                if n.endswith(".tar.gz")]
    assert len(tarballs) == 1, tarballs
    return os.path.join(tree, "dist", tarballs[0])


def members(path):
    """{name: (mode, mtime, sha256 of the content)}"""
    out = {}
    with tarfile.open(path) as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isfile() else b""
            out[m.name] = (oct(m.mode), m.mtime,
                           hashlib.sha256(data).hexdigest())
    return out


def build_id(path):
    r = subprocess.run(["readelf", "-n", path], capture_output=True,
                       text=True, check=True)
    return [ln.split()[-1] for ln in r.stdout.splitlines()
            if "Build ID" in ln]


def test_two_checkouts_give_the_same_tarball(tmp_path):
    epoch = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%ct"],
                           capture_output=True, text=True,
                           check=True).stdout.strip()
    a = checkout(str(tmp_path / "a"))
    b = checkout(str(tmp_path / "second" / "checkout" / "of-fwproxy"))
    tar_a, tar_b = make_dist(a, epoch), make_dist(b, epoch)
    assert os.path.basename(tar_a) == os.path.basename(tar_b)
    with open(tar_a, "rb") as f:
        bytes_a = f.read()
    with open(tar_b, "rb") as f:
        bytes_b = f.read()
    if bytes_a != bytes_b:
        ma, mb = members(tar_a), members(tar_b)
        differ = sorted(n for n in set(ma) | set(mb)
                        if ma.get(n) != mb.get(n))
        ids = [build_id(os.path.join(t, "build-dist", "bin", "fwproxy"))
               for t in (a, b)]
        raise AssertionError("tarballs differ in %s; fwproxy build-ids %s"
                             % (differ, ids))
    # The checkout's path is nowhere in what ships.
    with tarfile.open(tar_a) as t:
        for m in t.getmembers():
            if m.isfile():
                assert a.encode() not in t.extractfile(m).read(), m.name
    # And the .sha256 beside it says so.
    with open(tar_a + ".sha256") as f:
        assert f.read().split()[0] == hashlib.sha256(bytes_a).hexdigest()
