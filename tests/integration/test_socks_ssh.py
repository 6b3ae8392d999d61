"""OpenSSH and git over ssh through the SOCKS port, as a Qubes VM's
ssh_config would send them: ProxyCommand ncat --proxy-type socks5, the
name resolved by the proxy, decided by the VM's allow-list."""

import os
import shutil
import subprocess

import pytest

import fwtest
import peers
from peers import ORIGIN_ADDR, stop_process

pytestmark = pytest.mark.skipif(
    not (os.access(peers.SSHD, os.X_OK) and shutil.which("ncat")
         and shutil.which("git")),
    reason="needs openssh-server, ncat and git (tools/install-deps)")


class Sshd:
    """sshd on ORIGIN_ADDR (every unlisted *.test name resolves there),
    admitting root with a key made for the test; stopped by PID."""

    def __init__(self, directory):
        self.port = fwtest.free_port(ORIGIN_ADDR)
        conf, self.client_key = peers.sshd_setup(directory, ORIGIN_ADDR,
                                                 self.port)
        self.log = os.path.join(str(directory), "sshd.log")
        self.proc = subprocess.Popen([peers.SSHD, "-D", "-e", "-f", conf],
                                     stdout=open(self.log, "wb"),
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        fwtest.wait_port(ORIGIN_ADDR, self.port, 10, self.proc)

    def ssh_command(self, proxy_port):
        return peers.ssh_command(self.client_key, self.port,
                                 "127.0.0.1:%d" % proxy_port)

    def stop(self):
        stop_process(self.proc)


@pytest.fixture
def sshd(tmp_path):
    s = Sshd(tmp_path / "sshd")
    yield s
    s.stop()


def allow_only(host, port):
    return ("FilterDefaultDeny Yes\nFilterType domain\nConnectPort %d" % port,
            "%s:%d\n" % (host, port))


def test_ssh_through_socks5(fwproxy, sshd):
    directives, rules = allow_only("ssh.test", sshd.port)
    p = fwproxy(directives, rules=rules)
    cp = subprocess.run(sshd.ssh_command(p.port) + ["root@ssh.test",
                                                    "echo over-socks"],
                        capture_output=True, text=True, timeout=60,
                        stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "over-socks\n"
    assert p.wait_log(r'Request 127\.0\.0\.1 "SOCKS5 ssh\.test:%d" 200 '
                      % sshd.port), p.log_text()
    # Another name for the same server is not on the list.
    cp = subprocess.run(sshd.ssh_command(p.port) + ["root@other.test",
                                                    "echo no"],
                        capture_output=True, text=True, timeout=60,
                        stdin=subprocess.DEVNULL)
    assert cp.returncode == 255 and cp.stdout == "", cp
    assert p.wait_log(r'Proxying refused on filtered domain "other\.test" '
                      r'\(client 127\.0\.0\.1, SOCKS5 other\.test:%d, rule '
                      r'default\)' % sshd.port), p.log_text()


def test_git_clone_over_ssh_through_socks5(fwproxy, sshd, tmp_path):
    directives, rules = allow_only("git.test", sshd.port)
    p = fwproxy(directives, rules=rules)
    work = tmp_path / "work"
    bare = tmp_path / "repo.git"
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@test",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@test",
               GIT_CONFIG_NOSYSTEM="1", HOME=str(tmp_path))
    git = lambda *a, **kw: subprocess.run(  # noqa: E731
        ["git", *a], check=True, capture_output=True, text=True, env=env,
        timeout=60, **kw)
    git("init", "-q", "-b", "main", str(work))
    (work / "README").write_text("through the SOCKS port\n")
    git("-C", str(work), "add", "README")
    git("-C", str(work), "commit", "-q", "-m", "first")
    git("clone", "-q", "--bare", str(work), str(bare))
    env["GIT_SSH_COMMAND"] = " ".join(
        "'%s'" % a for a in sshd.ssh_command(p.port))
    clone = tmp_path / "clone"
    git("clone", "-q", "ssh://root@git.test:%d%s" % (sshd.port, bare),
        str(clone))
    assert (clone / "README").read_text() == "through the SOCKS port\n"
    assert p.wait_log(r'"SOCKS5 git\.test:%d" 200' % sshd.port)
    # Not on the list: git fails, the proxy says why.
    bad = subprocess.run(["git", "clone", "-q", "ssh://root@other.test:%d%s"
                          % (sshd.port, bare), str(tmp_path / "no")],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode != 0
    assert not (tmp_path / "no" / "README").exists()
    assert p.wait_log(r'refused on filtered domain "other\.test"')
