/* SPDX-License-Identifier: MIT */
/*
 * Untrusted text on a terminal or in a CI log: tags, paths and names read
 * from images and manifests.  A raw CR, LF or escape sequence there could
 * erase a line or print a forged one ("checked 0 files: 0 violations"), so
 * every such string is escaped before it is printed as text.  JSON has its
 * own escapes (emit.h), built on the same UTF-8 decoder and control test.
 *
 * The escape: a backslash becomes "\\"; a C0 control (below 0x20), DEL,
 * a C1 control (U+0080..U+009F, two bytes in UTF-8) and any byte that is
 * not part of well-formed UTF-8 become "\xNN", one per byte.  Everything
 * else, printable UTF-8 included, is copied as it is.
 */
#ifndef CAPDIET_TEXT_H
#define CAPDIET_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most bytes one character can take once escaped: "\xc2\x85". */
#define TEXT_ESCAPE_MAX 8

/*
 * Length of the well-formed UTF-8 sequence at s and its code point in *cp,
 * or 0: overlong forms, surrogates, values past U+10FFFF and a sequence cut
 * by the terminating NUL are not.
 */
size_t text__utf8_decode(const unsigned char *s, uint32_t *cp);
/* C0 controls, DEL and C1 controls: what a terminal acts on instead of printing. */
bool text__is_control(uint32_t cp);
/*
 * Escapes in into out (out_len bytes, always NUL-terminated when out_len >
 * 0).  Returns 0, or -E2BIG when out is too small: it then holds the
 * escapes of a prefix of in, never half an escape or half a character.
 */
int text__escape(const char *in, char *out, size_t out_len);
/* fputs of in, escaped; NULL writes nothing.  0 or -EIO. */
int text__fputs(const char *in, FILE *out);

#endif
