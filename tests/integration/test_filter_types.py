"""Filter rules as tinyproxy applies them: BRE, ERE, fnmatch; default deny
both ways; FilterURLs; case sensitivity. Every verdict is checked with a
real request through curl."""

import re

from fwtest import curl


def status(p, world, host, path="/f", tmp=None):
    r = curl(p, world.origin_url(host, path), tmp=tmp)
    assert r.status is not None, r
    return r.status


def verdicts(p, world, tmp, cases):
    got = {h: status(p, world, h, tmp=tmp) for h in cases}
    assert got == cases


def test_bre_allow_list(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes",
                rules="^allowed\\.test$\nab\\{2\\}c\\.test$\n^plus+\\.test$\n"
                      "cnn\\.test$\n")
    verdicts(p, world, tmp_path, {
        "allowed.test": 200,
        "x.allowed.test": 403,
        "abbc.test": 200,       # \{2\} is an interval in BRE
        "abc.test": 403,
        "plusss.test": 403,     # + is a literal in BRE
        "cnn.test": 200,
        "xcnn.test": 200,       # unanchored on the left, as in tinyproxy
        "cnn.test.other.test": 403,
    })
    assert {r.target for r in world.origin.requests} == {"/f"}
    assert len(world.origin.requests) == 4


def test_ere_by_filter_extended(fwproxy, world, tmp_path):
    p = fwproxy("FilterExtended Yes\nFilterDefaultDeny Yes",
                rules="^(www|api)\\.ere\\.test$\n^x+\\.test$\n")
    verdicts(p, world, tmp_path, {
        "www.ere.test": 200, "api.ere.test": 200, "ftp.ere.test": 403,
        "xxx.test": 200, "y.test": 403,
    })


def test_ere_by_filter_type(fwproxy, world, tmp_path):
    p = fwproxy("FilterType ere\nFilterDefaultDeny Yes",
                rules="^(a|b)[0-9]{2}\\.test$\n")
    verdicts(p, world, tmp_path, {"a12.test": 200, "b99.test": 200,
                                  "c12.test": 403, "a1.test": 403})


def test_fnmatch(fwproxy, world, tmp_path):
    p = fwproxy("FilterType fnmatch\nFilterDefaultDeny Yes",
                rules="*.glob.test\nexact.test\nv?.test\n")
    verdicts(p, world, tmp_path, {
        "a.glob.test": 200, "a.b.glob.test": 200, "glob.test": 403,
        "exact.test": 200, "xexact.test": 403, "exact.test.evil.test": 403,
        "v1.test": 200, "v12.test": 403,
    })


def test_default_allow_match_blocks(fwproxy, world, tmp_path):
    p = fwproxy(rules="blocked\n^ads\\.\n")
    verdicts(p, world, tmp_path, {
        "blocked.test": 403, "xblockedx.test": 403, "ads.test": 403,
        "noads.test": 200, "fine.test": 200,
    })
    line = p.wait_log(r'Proxying refused on filtered domain "xblockedx\.test"')
    assert line, p.log_text()


def test_empty_filter_default_deny_refuses_all(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="# nothing allowed\n\n")
    verdicts(p, world, tmp_path, {"a.test": 403, "nginx.test": 403})
    assert world.origin.requests == []


def test_comments_and_whitespace(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes",
                rules="# a comment line\n  ^one\\.test$   # trailing comment\n"
                      "^two\\.test$\tignored-after-whitespace\n\n^three\\.test$#x\n")
    verdicts(p, world, tmp_path, {"one.test": 200, "two.test": 200,
                                  "three.test": 200,
                                  "ignored-after-whitespace.test": 403})


def test_host_normalised_before_matching(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="^norm\\.test$\n")
    verdicts(p, world, tmp_path, {"NORM.TEST": 200, "Norm.Test.": 200})
    # A host that cannot be normalised is refused (as filtered or as bad).
    assert status(p, world, "norm.test..", tmp=tmp_path) in (400, 403)
    assert len(world.origin.requests) == 2


def test_case_insensitive_by_default(fwproxy, world, tmp_path):
    p = fwproxy("FilterURLs Yes\nFilterDefaultDeny Yes",
                rules="/Public/\n")
    for path, want in (("/Public/a", 200), ("/public/a", 200), ("/PUBLIC/a", 200),
                       ("/private/a", 403)):
        r = curl(p, world.origin_url("case.test", path), tmp=tmp_path)
        assert r.status == want, (path, r)


def test_case_sensitive(fwproxy, world, tmp_path):
    p = fwproxy("FilterURLs Yes\nFilterCaseSensitive Yes\nFilterDefaultDeny Yes",
                rules="/Public/\n")
    for path, want in (("/Public/a", 200), ("/public/a", 403), ("/PUBLIC/a", 403)):
        r = curl(p, world.origin_url("case.test", path), tmp=tmp_path)
        assert r.status == want, (path, r)


def test_filter_urls_matches_the_url_not_only_the_host(fwproxy, world, tmp_path):
    p = fwproxy("FilterURLs Yes\nFilterExtended Yes\nFilterDefaultDeny Yes",
                rules="^http://urls\\.test:[0-9]+/open/\n")
    port = world.origin.port
    ok = curl(p, "http://urls.test:%d/open/x" % port, tmp=tmp_path)
    assert ok.status == 200, ok
    no = curl(p, "http://urls.test:%d/closed/x" % port, tmp=tmp_path)
    assert no.status == 403, no
    other = curl(p, "http://other.test:%d/open/x" % port, tmp=tmp_path)
    assert other.status == 403, other
    assert [r.target for r in world.origin.requests] == ["/open/x"]


def test_filter_urls_off_ignores_path(fwproxy, world, tmp_path):
    p = fwproxy("FilterDefaultDeny Yes", rules="open\n")
    assert status(p, world, "urls.test", "/open/x", tmp_path) == 403
    assert status(p, world, "open.test", "/closed", tmp_path) == 200


def test_refusal_names_rule(fwproxy, world, tmp_path):
    p = fwproxy(rules="# line 1\nfirst\\.test\nbad\\.test\n")
    r = curl(p, world.origin_url("bad.test", "/"), tmp=tmp_path)
    assert r.status == 403
    m = p.wait_log(r'Proxying refused on filtered domain "bad\.test".*')
    assert m and re.search(r"filter:3\b", m.group(0)), p.log_text()
