/* Whether the bytes of a text file are what its reader sees: byte order
 * marks, NUL and control bytes, malformed UTF-8, invisible characters.
 * Pure functions. */
#ifndef FWPROXY_TEXT_H
#define FWPROXY_TEXT_H

#include <stddef.h>

enum text_bom {
	TEXT_BOM_NONE,
	TEXT_BOM_UTF8,
	TEXT_BOM_UTF16LE,
	TEXT_BOM_UTF16BE,
	TEXT_BOM_UTF32LE,
	TEXT_BOM_UTF32BE,
};

/* The byte order mark the n bytes at s start with; *len gets its length
 * (0 for none). */
enum text_bom text_bom(const char *s, size_t n, size_t *len);

/* "UTF-8", "UTF-16LE", ... for a byte order mark. */
const char *text_bom_name(enum text_bom bom);

/* The first control byte in (s, n): NUL, C0 controls other than tab, and
 * DEL; a CR is allowed only as the last byte. Returns its offset, or n. */
size_t text_find_control(const char *s, size_t n);

/* The line (from 1) of the first NUL byte in (s, n), 0 when there is
 * none; *col gets its column (from 1). For text handled as C strings
 * afterwards, where a NUL would silently cut it. */
int text_nul_line(const char *s, size_t n, size_t *col);

/* The first byte in (s, n) that a reader does not see as it is: a control
 * byte as text_find_control (CR included), malformed UTF-8, or an
 * invisible or reordering character (soft hyphen, zero-width characters,
 * bidirectional controls, a byte order mark). Returns its offset, or n;
 * *clen gets the length of the bad sequence (1 for a malformed byte). */
size_t text_find_invisible(const char *s, size_t n, size_t *clen);

/* Describes the bad sequence found at s (clen bytes) in out: "NUL byte",
 * "control character 0x1B", "malformed UTF-8 (byte 0xFF)", "invisible
 * character U+200B". Returns out. */
const char *text_describe(const char *s, size_t clen, char *out, size_t size);

#endif
