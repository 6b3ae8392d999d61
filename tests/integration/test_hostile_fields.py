"""Malformed field lines (RFC 9112 5, RFC 9110 5.5): whitespace before a
colon, obs-fold, bare CR, NUL and other control bytes, bare LF. fwproxy
rejects bare LF rather than normalising it: 400, close, nothing sent."""

import pytest

import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("fields"), world) as p:
        yield p


@pytest.fixture(autouse=True)
def fresh(proxy, world):
    world.origin.clear()
    yield
    assert proxy.alive(), proxy.stderr_text()[-3000:]


def get(world, fields, line_end=b"\r\n", blank=b"\r\n"):
    return (b"GET %s HTTP/1.1" % hostile.target(world).encode() + line_end +
            b"Host: h.test\r\n" + fields + blank)


BAD_FIELDS = [
    ("space_before_colon", b"X-A : b\r\n"),
    ("tab_before_colon", b"X-A\t: b\r\n"),
    ("space_before_colon_cl", b"Content-Length : 0\r\n"),
    ("space_before_colon_te", b"Transfer-Encoding : chunked\r\n"),
    ("obs_fold_space", b"X-A: a\r\n b\r\n"),
    ("obs_fold_tab", b"X-A: a\r\n\tb\r\n"),
    ("obs_fold_te", b"Transfer-Encoding:\r\n chunked\r\n"),
    ("bare_cr_in_value", b"X-A: a\rb\r\n"),
    ("bare_cr_at_end", b"X-A: a\r\r\n"),
    ("bare_cr_in_name", b"X\rA: b\r\n"),
    ("nul_in_value", b"X-A: a\x00b\r\n"),
    ("nul_in_name", b"X\x00A: b\r\n"),
    ("nul_at_value_end", b"X-A: a\x00\r\n"),
    ("soh_in_value", b"X-A: a\x01b\r\n"),
    ("esc_in_value", b"X-A: a\x1b[2Jb\r\n"),
    ("del_in_value", b"X-A: a\x7fb\r\n"),
    ("vtab_in_value", b"X-A: a\x0bb\r\n"),
    ("formfeed_in_value", b"X-A: a\x0cb\r\n"),
    ("space_in_name", b"X A: b\r\n"),
    ("paren_in_name", b"X(A): b\r\n"),
    ("slash_in_name", b"X/A: b\r\n"),
    ("high_byte_in_name", b"X\xc3\xa9: b\r\n"),
    ("empty_name", b": b\r\n"),
    ("no_colon", b"X-A b\r\n"),
    ("duplicate_host", b"Host: other.test\r\n"),
    ("duplicate_proxy_authorization", b"Proxy-Authorization: Basic YTpi\r\n"
     b"Proxy-Authorization: Basic Yzpk\r\n"),
]


@pytest.mark.parametrize("fields", [b[1] for b in BAD_FIELDS],
                         ids=[b[0] for b in BAD_FIELDS])
def test_malformed_field_is_400(proxy, world, fields):
    hostile.assert_rejected(proxy, world, get(world, fields))


BARE_LF = [
    ("request_line", dict(fields=b"", line_end=b"\n")),
    ("field_line", dict(fields=b"X-A: b\n")),
    ("blank_line", dict(fields=b"", blank=b"\n")),
    ("all_lines", None),
]


@pytest.mark.parametrize("shape", [b[1] for b in BARE_LF],
                         ids=[b[0] for b in BARE_LF])
def test_bare_lf_is_400(proxy, world, shape):
    if shape is None:
        data = get(world, b"X-A: b\r\n").replace(b"\r\n", b"\n")
    else:
        data = get(world, **shape)
    hostile.assert_rejected(proxy, world, data)


def test_indented_first_field_is_400(proxy, world):
    data = (b"GET %s HTTP/1.1\r\n Host: h.test\r\n\r\n"
            % hostile.target(world).encode())
    hostile.assert_rejected(proxy, world, data)


def test_valid_fields_control(proxy, world):
    # Tabs and spaces around a value, an empty value, a visible value with
    # every tchar in the name: all valid, forwarded.
    data = get(world, b"X-A:\t a b \t\r\nX-!#$%&'*+-.^_`|~09az: v\r\n"
               b"X-Empty:\r\n").replace(b"/x", b"/echo")
    hostile.assert_served(proxy, world, data)
    req = world.origin.requests[0]
    assert req.header("X-A") == "a b"
    assert req.header("X-!#$%&'*+-.^_`|~09az") == "v"
