"""Answers the proxy writes itself (refusals, 407, the statistics page,
TRACE and OPTIONS at Max-Forwards 0): the connection stays open when the
request was read whole, and says Connection: close whenever it closes.
Real clients: git and curl logging in to a BasicAuth proxy for an HTTPS
origin retry the CONNECT on the connection that got the 407."""

import base64
import os
import subprocess

import pytest

import fwtest
import hostile
import peers

GOOD = "Proxy-Authorization: Basic %s\r\n" % base64.b64encode(
    b"alice:s3cret").decode()
AUTH = 'BasicAuth alice s3cret\nBasicAuthRealm "corp"'


def req(method, url, extra="", body=b""):
    return ("%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n"
            % (method, url, extra)).encode() + body


def answers(port, data, n, timeout=5):
    """Sends data on one connection and reads n responses; returns them
    and whether the proxy then closed the connection."""
    with fwtest.connect(port, timeout=timeout) as s:
        s.sendall(data)
        rd = fwtest.Reader(s)
        got = [rd.response() for _ in range(n)]
        s.settimeout(0.5)
        try:
            closed = s.recv(1) == b""
        except TimeoutError:
            closed = False
        return got, closed


def tls_url(world, path="/who"):
    return "https://tls.test:%d%s" % (world.nginx.tls_port, path)


def test_curl_connect_407_retry_on_one_connection(fwproxy, world, tmp_path):
    p = fwproxy(AUTH + "\nConnectPort %d" % world.nginx.tls_port)
    r = fwtest.curl(p, tls_url(world), "--proxy-anyauth", "-U",
                    "alice:s3cret", tmp=tmp_path, cacert=world.certs["ca"])
    assert r.rc == 0 and r.status == 200, r
    assert r.text == "tls host=tls.test uri=/who\n", r
    # The CONNECT after the 407 went over the same connection.
    assert r.num_connects == 1, r


@pytest.fixture(scope="module")
def repo(world):
    """A bare git repository served by nginx over TLS (git's dumb HTTP
    protocol: plain files)."""
    src = os.path.join(world.dir, "repo-src")
    bare = os.path.join(world.nginx.www, "fw-test.git")
    env = dict(os.environ, HOME=world.dir, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    run = lambda *a, **kw: subprocess.run(a, check=True, env=env,
                                          capture_output=True, **kw)
    if not os.path.exists(bare):
        run("git", "init", "-q", "-b", "main", src)
        with open(os.path.join(src, "README"), "w") as f:
            f.write("cloned through fwproxy\n")
        run("git", "-C", src, "add", "README")
        run("git", "-C", src, "commit", "-q", "-m", "one")
        run("git", "clone", "-q", "--bare", src, bare)
        run("git", "-C", bare, "update-server-info")
    return "https://tls.test:%d/fw-test.git" % world.nginx.tls_port


def test_git_clone_https_through_basic_auth_proxy(fwproxy, world, repo,
                                                  tmp_path):
    p = fwproxy(AUTH + "\nConnectPort %d" % world.nginx.tls_port)
    env = dict(os.environ, HOME=str(tmp_path), GIT_CONFIG_NOSYSTEM="1",
               GIT_TERMINAL_PROMPT="0", GIT_SSL_CAINFO=world.certs["ca"])
    env.pop("http_proxy", None)
    env.pop("https_proxy", None)
    dest = str(tmp_path / "clone")
    cp = subprocess.run(
        ["git", "-c", "http.proxy=http://alice:s3cret@127.0.0.1:%d" % p.port,
         "clone", "-q", repo, dest], env=env, capture_output=True, text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    with open(os.path.join(dest, "README")) as f:
        assert f.read() == "cloned through fwproxy\n"
    # git asked without credentials first (curl's "any" auth), got 407 and
    # retried with them.
    assert p.wait_log(r"Proxy authentication required"), p.log_text()


def test_refusal_keeps_the_connection(fwproxy, world):
    p = fwproxy(rules="^refused\\.test$\n")
    got, closed = answers(p.port, req("GET", world.origin_url(
        "refused.test", "/a")) + req("GET", world.origin_url("ok.test", "/b")),
        2)
    assert [r.status for r in got] == [403, 200], got
    assert got[0].header("Connection") is None, got[0]
    assert got[1].body == b"origin GET /b\n", got[1]
    assert not closed


def test_407_keeps_the_connection(fwproxy, world):
    p = fwproxy(AUTH)
    url = world.origin_url("a.test", "/a")
    got, closed = answers(p.port, req("GET", url) + req("GET", url, GOOD), 2)
    assert [r.status for r in got] == [407, 200], got
    assert got[0].header("Connection") is None, got[0]
    assert got[0].header("Proxy-Authenticate") == 'Basic realm="corp"'
    assert not closed


def test_stats_page_keeps_the_connection(fwproxy, world):
    p = fwproxy('StatHost "stats.test"')
    got, closed = answers(p.port, req("GET", "http://stats.test/") +
                          req("GET", world.origin_url("a.test", "/x")), 2)
    assert [r.status for r in got] == [200, 200], got
    assert b"fwproxy" in got[0].body
    assert not closed


def test_refused_post_read_whole_keeps_the_connection(fwproxy, world):
    p = fwproxy(rules="^refused\\.test$\n")
    url = world.origin_url("refused.test", "/post")
    chunked = b"5\r\nhello\r\n0\r\n\r\n"
    got, closed = answers(
        p.port, req("POST", url, "Content-Length: 5\r\n", b"hello") +
        req("POST", url, "Transfer-Encoding: chunked\r\n", chunked) +
        req("GET", world.origin_url("ok.test", "/after")), 3)
    assert [r.status for r in got] == [403, 403, 200], got
    assert got[2].body == b"origin GET /after\n"
    assert not closed


def test_refused_post_still_arriving_says_close(fwproxy, world):
    p = fwproxy(rules="^refused\\.test$\n")
    url = world.origin_url("refused.test", "/post")
    got, closed = answers(p.port, req("POST", url,
                                      "Content-Length: 100\r\n", b"part"), 1)
    assert got[0].status == 403, got
    assert got[0].header("Connection") == "close", got[0]
    assert closed


@pytest.mark.parametrize("case,status", [
    ("origin_form", 400), ("long_uri", 414), ("long_field", 431),
    ("dead_origin", 502)])
def test_errors_that_close_say_so(fwproxy, world, case, status):
    p = fwproxy()
    data = {
        "origin_form": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "long_uri": b"GET http://x/" + b"a" * 9000 +
        b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "long_field": b"GET http://x/ HTTP/1.1\r\nHost: x\r\nX: " +
        b"a" * 9000 + b"\r\n\r\n",
        "dead_origin": req("GET", world.origin_url("dead.test", "/")),
    }[case]
    got, closed = answers(p.port, data, 1)
    assert got[0].status == status, got
    assert got[0].header("Connection") == "close", got[0]
    assert closed


# Max-Forwards (RFC 9110 7.6.2) and OPTIONS * (RFC 9112 3.2.4) -------------

def test_trace_max_forwards_0_answered_by_the_proxy(fwproxy, world):
    p = fwproxy()
    url = world.origin_url("t.test", "/trace")
    got, closed = answers(p.port, req(
        "TRACE", url, "Max-Forwards: 0\r\nX-Mine: 1\r\nCookie: c=1\r\n"
        "Proxy-Authorization: Basic eA==\r\n") +
        req("GET", world.origin_url("t.test", "/next")), 2)
    r = got[0]
    assert r.status == 200 and r.header("Content-Type") == "message/http", r
    assert r.body.startswith(b"TRACE %s HTTP/1.1\r\n" % url.encode()), r
    assert b"X-Mine: 1\r\n" in r.body and b"Max-Forwards: 0\r\n" in r.body
    assert b"Cookie" not in r.body and b"Proxy-Authorization" not in r.body
    assert r.body.endswith(b"\r\n\r\n"), r
    assert got[1].status == 200 and not closed
    assert [q.target for q in world.origin.requests] == ["/next"]


def test_options_max_forwards_0_answered_by_the_proxy(fwproxy, world):
    p = fwproxy()
    r = fwtest.exchange(p.port, req("OPTIONS", world.origin_url("o.test"),
                                    "Max-Forwards: 0\r\n"))
    assert r.status == 200 and r.header("Content-Length") == "0", r
    assert hostile.origin_untouched(world)


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS"])
def test_max_forwards_decremented(fwproxy, world, method):
    p = fwproxy()
    for sent, seen in (("1", "0"), ("12", "11"),
                       ("9223372036854775807", "9223372036854775806")):
        world.origin.clear()
        r = fwtest.exchange(p.port, req(method, world.origin_url(
            "m.test", "/mf"), "Max-Forwards: %s\r\n" % sent))
        assert r.status == 200, r
        assert world.origin.wait_requests(1)
        got = world.origin.requests[0]
        assert got.method == method
        assert [v for k, v in got.headers if k.lower() == "max-forwards"] \
            == [seen], got.headers


def test_max_forwards_on_other_methods_untouched(fwproxy, world):
    p = fwproxy()
    r = fwtest.exchange(p.port, req("GET", world.origin_url("m.test", "/g"),
                                    "Max-Forwards: 0\r\n"))
    assert r.status == 200, r
    assert world.origin.requests[0].header("Max-Forwards") == "0"


@pytest.mark.parametrize("value", ["-1", "x", "", "1, 2",
                                   "9223372036854775808"])
def test_bad_max_forwards_is_400(fwproxy, world, value):
    p = fwproxy()
    hostile.assert_rejected(p, world, req(
        "TRACE", hostile.target(world), "Max-Forwards: %s\r\n" % value))


def test_options_without_path_goes_out_as_asterisk(fwproxy, world):
    p = fwproxy()
    for target, seen in ((world.origin_url("o.test", ""), "*"),
                         (world.origin_url("o.test", "/"), "/"),
                         (world.origin_url("o.test", "?q"), "/?q")):
        world.origin.clear()
        r = fwtest.exchange(p.port, req("OPTIONS", target))
        assert r.status == 200, (target, r)
        assert world.origin.wait_requests(1)
        assert world.origin.requests[0].target == seen, target
    world.origin.clear()
    r = fwtest.exchange(p.port, req("GET", world.origin_url("o.test", "")))
    assert world.origin.requests[0].target == "/", "GET keeps /"


def test_options_without_path_to_an_upstream_stays_absolute(fwproxy, world):
    up = peers.HttpProxy(peers.UPSTREAM_ADDR, {})
    try:
        p = fwproxy("Upstream http %s:%d" % (peers.UPSTREAM_ADDR, up.port))
        url = "http://%s:%d" % (peers.ORIGIN_ADDR, world.origin.port)
        fwtest.exchange(p.port, req("OPTIONS", url))
        assert fwtest.wait_for(lambda: up.seen)
        # The upstream, as the last proxy, is the one to send "*".
        assert up.seen[0].target == url, up.seen[0].target
    finally:
        up.stop()
