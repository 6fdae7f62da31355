/* SPDX-License-Identifier: MIT */
/*
 * Untrusted text on a terminal or in a CI log: tags, paths and names read
 * from images and manifests.  A raw CR, LF or escape sequence there could
 * erase a line or print a forged one ("checked 0 files: 0 violations"), so
 * every such string is escaped before it is printed as text.  JSON has its
 * own escapes (emit.h), built on the same UTF-8 decoder and control test.
 *
 * The escape: a backslash becomes "\\"; each byte of an unsafe character
 * (text__is_unsafe) and any byte that is not part of well-formed UTF-8
 * becomes "\xNN".  So do the characters that would let a name start a
 * GitHub Actions workflow command in a CI log (the runner reads a line
 * that starts "::cmd::", after white space, and "##[cmd]" anywhere in a
 * line; "##[stop-commands]" or "::add-mask::" from a container's name
 * would change what the job does): a '#' before '[' ("##[" reads
 * "#\x23[") and a ':' that is the first character of the string but
 * blanks (":x" reads "\x3ax").  Everything else, printable UTF-8
 * included, is copied as it is.  A backslash is always escaped, so every
 * "\x" in the output is an escape and gives back the exact bytes.
 */
#ifndef CAPDIET_TEXT_H
#define CAPDIET_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most bytes one character can take once escaped: "\xf3\xa0\x80\x81" (a tag). */
#define TEXT_ESCAPE_MAX 16

/*
 * Length of the well-formed UTF-8 sequence at s and its code point in *cp,
 * or 0: overlong forms, surrogates, values past U+10FFFF and a sequence cut
 * by the terminating NUL are not.
 */
size_t text__utf8_decode(const unsigned char *s, uint32_t *cp);
/* C0 controls, DEL and C1 controls: what a terminal acts on instead of printing. */
bool text__is_control(uint32_t cp);
/*
 * What the escape writes as "\xNN": the controls, and the characters a
 * reader does not see as what they are: Unicode's default ignorables
 * (zero-width characters, the bidi controls U+202A..U+202E and
 * U+2066..U+2069, variation selectors, tags), U+2028 and U+2029, and the
 * noncharacters U+FFFE and U+FFFF (not XML characters).
 */
bool text__is_unsafe(uint32_t cp);
/*
 * Escapes in into out (out_len bytes, always NUL-terminated when out_len >
 * 0).  Returns 0, or -E2BIG when out is too small: it then holds the
 * escapes of a prefix of in, never half an escape or half a character.
 */
int text__escape(const char *in, char *out, size_t out_len);
/* fputs of in, escaped; NULL writes nothing.  0 or -EIO. */
int text__fputs(const char *in, FILE *out);
/*
 * fputs of in into XML 1.0 character data or an attribute value: escaped
 * as text__fputs does (so no control character, which XML 1.0 forbids or
 * an attribute would normalise away, is ever written), then & < > " ' as
 * entities.  NULL writes nothing.  0 or -EIO.
 */
int text__xml_fputs(const char *in, FILE *out);
/*
 * Text escaped by text__escape or text__fputs already (so nothing XML 1.0
 * forbids is left in it) into XML: only & < > " ' as entities.  0 or -EIO.
 */
int text__xml_markup(const char *escaped, FILE *out);

#endif
