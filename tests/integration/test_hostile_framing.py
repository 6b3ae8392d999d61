"""Request framing attacks (RFC 9112 6): every head whose body length two
parsers could read differently is answered 400 and the connection closed,
with nothing forwarded."""

import pytest

import fwtest
import hostile


@pytest.fixture(scope="module")
def proxy(world, tmp_path_factory):
    with hostile.running(tmp_path_factory.mktemp("framing"), world) as p:
        yield p


@pytest.fixture(autouse=True)
def fresh(proxy, world):
    world.origin.clear()
    yield
    assert proxy.alive(), proxy.stderr_text()[-3000:]


def post(world, fields, body=b"hello"):
    head = "POST %s HTTP/1.1\r\nHost: h.test\r\n" % hostile.target(world)
    return head.encode() + fields + b"\r\n" + body


# (name, field lines, body)
BAD = [
    ("cl_and_te", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
     b"0\r\n\r\n"),
    ("te_and_cl", b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
     b"0\r\n\r\n"),
    ("cl_zero_and_te", b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
     b"5\r\nhello\r\n0\r\n\r\n"),
    ("te_identity", b"Transfer-Encoding: identity\r\n", b"hello"),
    ("te_gzip", b"Transfer-Encoding: gzip\r\n", b"hello"),
    ("te_gzip_chunked", b"Transfer-Encoding: gzip, chunked\r\n",
     b"0\r\n\r\n"),
    ("te_chunked_gzip", b"Transfer-Encoding: chunked, gzip\r\n",
     b"0\r\n\r\n"),
    ("te_chunked_twice_list", b"Transfer-Encoding: chunked, chunked\r\n",
     b"0\r\n\r\n"),
    ("te_two_fields", b"Transfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n"),
    ("te_two_fields_differing", b"Transfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: identity\r\n", b"0\r\n\r\n"),
    ("te_chunked_suffix", b"Transfer-Encoding: chunkedx\r\n", b"0\r\n\r\n"),
    ("te_chunked_quoted", b"Transfer-Encoding: \"chunked\"\r\n",
     b"0\r\n\r\n"),
    ("te_chunked_param", b"Transfer-Encoding: chunked;q=1\r\n",
     b"0\r\n\r\n"),
    ("te_empty", b"Transfer-Encoding: \r\n", b""),
    ("te_comma_only", b"Transfer-Encoding: ,\r\n", b""),
    ("te_vertical_tab", b"Transfer-Encoding:\x0bchunked\r\n", b"0\r\n\r\n"),
    ("te_form_feed", b"Transfer-Encoding: chunked\x0c\r\n", b"0\r\n\r\n"),
    ("cl_duplicate_same", b"Content-Length: 5\r\nContent-Length: 5\r\n",
     b"hello"),
    ("cl_duplicate_differing", b"Content-Length: 5\r\nContent-Length: 6\r\n",
     b"hello!"),
    ("cl_list_same", b"Content-Length: 5, 5\r\n", b"hello"),
    ("cl_list_differing", b"Content-Length: 5, 6\r\n", b"hello!"),
    ("cl_plus", b"Content-Length: +5\r\n", b"hello"),
    ("cl_minus", b"Content-Length: -5\r\n", b"hello"),
    ("cl_minus_zero", b"Content-Length: -0\r\n", b""),
    ("cl_hex", b"Content-Length: 0x5\r\n", b"hello"),
    ("cl_letter", b"Content-Length: 5a\r\n", b"hello"),
    ("cl_decimal", b"Content-Length: 5.0\r\n", b"hello"),
    ("cl_exponent", b"Content-Length: 5e0\r\n", b"hello"),
    ("cl_space_inside", b"Content-Length: 1 2\r\n", b"hello"),
    ("cl_empty", b"Content-Length: \r\n", b""),
    ("cl_overflow_u64", b"Content-Length: 18446744073709551617\r\n",
     b"hello"),
    ("cl_overflow_i64", b"Content-Length: 9223372036854775808\r\n",
     b"hello"),
    ("cl_overflow_long", b"Content-Length: " + b"9" * 40 + b"\r\n", b"hello"),
    ("cl_unicode_digit", b"Content-Length: \xd9\xa5\r\n", b"hello"),
]


@pytest.mark.parametrize("fields,body", [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_ambiguous_framing_is_400(proxy, world, fields, body):
    hostile.assert_rejected(proxy, world, post(world, fields, body))


def test_smuggled_request_never_reaches_origin(proxy, world):
    # The classic CL.TE smuggle: a parser trusting Content-Length would
    # forward "GET /smuggled" as a second request.
    inner = ("GET %s HTTP/1.1\r\nHost: h.test\r\n\r\n"
             % hostile.target(world, "/smuggled")).encode()
    body = b"0\r\n\r\n" + inner
    fields = (b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n"
              % len(body))
    r = hostile.assert_rejected(proxy, world, post(world, fields, body))
    assert b"/smuggled" not in r.data


def test_chunked_any_case_is_chunked(proxy, world):
    # The coding name is case-insensitive: "CHUNKED" frames a chunked body
    # (tinyproxy compared case-sensitively and read it as "until close").
    data = post(world, b"Transfer-Encoding: CHUNKED\r\n",
                b"5\r\nhello\r\n0\r\n\r\n").replace(b"/x", b"/echo")
    r = hostile.assert_served(proxy, world, data)
    req = world.origin.requests[0]
    assert req.chunked and req.body == b"hello", req.as_dict()
    assert b"CHUNKED" not in r.body or b"chunked" in r.body.lower()


def test_valid_framing_controls(proxy, world):
    # The same proxy forwards the well-formed forms: the rejections above
    # are for the flaw alone.
    r = hostile.assert_served(proxy, world, post(
        world, b"Content-Length: 5\r\n").replace(b"/x", b"/echo"))
    assert world.origin.requests[0].body == b"hello", r
    world.origin.clear()
    hostile.assert_served(proxy, world, post(
        world, b"Transfer-Encoding: chunked\r\n",
        b"5\r\nhello\r\n0\r\n\r\n"))
    assert world.origin.requests[0].body == b"hello"


def test_rejection_ends_a_keepalive_connection(proxy, world):
    # After a good request on the connection, a bad one is answered 400
    # and the connection closes: nothing after it is read as a request.
    good = ("GET %s HTTP/1.1\r\nHost: h.test\r\n\r\n"
            % hostile.target(world, "/first")).encode()
    bad = post(world, b"Content-Length: 5\r\nContent-Length: 6\r\n", b"x")
    after = ("GET %s HTTP/1.1\r\nHost: h.test\r\n\r\n"
             % hostile.target(world, "/after")).encode()
    with fwtest.connect(proxy.port) as s:
        s.sendall(good)
        rd = fwtest.Reader(s)
        assert rd.response().status == 200
        s.sendall(bad + after)
        r = rd.response()
        assert r.status == 400, r
        assert rd.read_all() == b""
    assert [q.target for q in world.origin.requests] == ["/first"]
