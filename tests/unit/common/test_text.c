#include <string.h>

#include "tap.h"
#include "text.h"

#define S(lit) (lit), sizeof(lit) - 1

static void test_bom(void)
{
	size_t n;

	is_int(text_bom(S("\xef\xbb\xbf^a$"), &n), TEXT_BOM_UTF8, "UTF-8 BOM");
	is_int(n, 3, "three bytes");
	is_int(text_bom(S("\xff\xfe^\0"), &n), TEXT_BOM_UTF16LE, "UTF-16LE");
	is_int(n, 2, "two bytes");
	is_int(text_bom(S("\xfe\xff\0^"), &n), TEXT_BOM_UTF16BE, "UTF-16BE");
	is_int(text_bom(S("\xff\xfe\0\0^\0\0\0"), &n), TEXT_BOM_UTF32LE,
	       "UTF-32LE before UTF-16LE");
	is_int(n, 4, "four bytes");
	is_int(text_bom(S("\0\0\xfe\xff"), &n), TEXT_BOM_UTF32BE, "UTF-32BE");
	is_int(text_bom(S("\xef\xbb"), &n), TEXT_BOM_NONE, "cut short: none");
	is_int(n, 0, "length 0");
	is_int(text_bom(S("^a$"), &n), TEXT_BOM_NONE, "plain text: none");
	is_int(text_bom("", 0, &n), TEXT_BOM_NONE, "empty: none");
	is_str(text_bom_name(TEXT_BOM_UTF16LE), "UTF-16LE", "name");
}

static void test_control(void)
{
	is_int(text_find_control(S("^a\\.test$")), 9, "none in plain text");
	is_int(text_find_control(S("a\tb")), 3, "tab is text");
	is_int(text_find_control(S("^b\0\\.test$")), 2, "NUL found");
	is_int(text_find_control(S("ab\r")), 3, "CR as the last byte is text");
	is_int(text_find_control(S("a\rb")), 1, "CR inside is not");
	is_int(text_find_control(S("a\x0b")), 1, "vertical tab");
	is_int(text_find_control(S("a\x7f")), 1, "DEL");
	is_int(text_find_control(S("\x1b[2J")), 0, "escape");
	is_int(text_find_control(S("b\xc3\xbc")), 3, "UTF-8 passes");
}

static void test_invisible(void)
{
	char what[64];
	size_t len;

	is_int(text_find_invisible(S("b\xc3\xbc"
	                             "cher.example"),
	                           &len),
	       15, "visible UTF-8 passes");
	is_int(len, 0, "length 0 when none");
	is_int(text_find_invisible(S("ex\xe2\x80\x8b"
	                             "ample"),
	                           &len),
	       2, "zero-width space");
	is_int(len, 3, "its length");
	is_str(text_describe("\xe2\x80\x8b", 3, what, sizeof(what)),
	       "invisible character U+200B", "described");
	is_int(text_find_invisible(S("a\xe2\x80\xae"), &len), 1,
	       "right-to-left override");
	is_int(text_find_invisible(S("a\xef\xbb\xbf"), &len), 1,
	       "byte order mark inside");
	is_int(text_find_invisible(S("a\xc2\xad"), &len), 1, "soft hyphen");
	is_int(text_find_invisible(S("a\xff"), &len), 1, "0xFF");
	is_int(len, 1, "one byte");
	is_str(text_describe("\xff", 1, what, sizeof(what)),
	       "malformed UTF-8 (byte 0xFF)", "described");
	is_int(text_find_invisible(S("a\xc3"), &len), 1, "cut short");
	is_int(text_find_invisible(S("\xc0\xaf"), &len), 0, "overlong");
	is_int(text_find_invisible(S("\xed\xa0\x80"), &len), 0, "surrogate");
	is_int(text_find_invisible(S("\xf4\x90\x80\x80"), &len), 0,
	       "above U+10FFFF");
	is_int(text_find_invisible(S("\xf0\x9f\x98\x80"), &len), 4,
	       "an emoji is visible");
	is_int(text_find_invisible(S("a\rb"), &len), 1, "CR anywhere");
	is_str(text_describe("\0", 1, what, sizeof(what)), "NUL byte",
	       "NUL described");
	is_str(text_describe("\x1b", 1, what, sizeof(what)),
	       "control character 0x1B", "control described");
}

static void test_nul_line(void)
{
	size_t col = 0;

	is_int(text_nul_line(S("a\nb\n"), &col), 0, "no NUL: 0");
	is_int(text_nul_line(S("^a$\n^b\0$\n"), &col), 2, "NUL on line 2");
	is_int(col, 3, "column 3");
	is_int(text_nul_line(S("\0"), &col), 1, "NUL first");
	is_int(col, 1, "column 1");
}

int main(void)
{
	test_bom();
	test_control();
	test_invisible();
	test_nul_line();
	return done();
}
