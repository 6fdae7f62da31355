// SPDX-License-Identifier: MIT
/* Untrusted text made safe to print: one escape for every text output. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/core/text.h"

size_t text__utf8_decode(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 :
		   (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t c = n == 1 ? s[0] : s[0] & (0x7f >> n);

	if (!n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool text__is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * The character at s (not NUL) as it is printed, into esc; returns the
 * bytes of s it stands for.  A control is escaped byte by byte, so the
 * escapes give back the exact bytes: "\xc2\x9b" is the UTF-8 CSI, "\x9b"
 * a lone byte that a terminal in an 8-bit mode would take for one.
 */
static size_t text__one(const unsigned char *s, char esc[TEXT_ESCAPE_MAX + 1])
{
	uint32_t cp = 0;
	size_t n = text__utf8_decode(s, &cp);

	if (*s == '\\') {
		memcpy(esc, "\\\\", 3);
		return 1;
	}
	if (n && !text__is_control(cp)) {
		memcpy(esc, s, n);
		esc[n] = '\0';
		return n;
	}
	n = n ? n : 1;
	for (size_t i = 0; i < n; i++)
		snprintf(esc + 4 * i, 5, "\\x%02x", s[i]);
	return n;
}

int text__escape(const char *in, char *out, size_t out_len)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	char esc[TEXT_ESCAPE_MAX + 1];
	size_t used = 0;

	if (!out_len)
		return -E2BIG;
	while (*s) {
		size_t n = text__one(s, esc), len = strlen(esc);

		if (used + len >= out_len) {
			out[used] = '\0';
			return -E2BIG;
		}
		memcpy(out + used, esc, len);
		used += len;
		s += n;
	}
	out[used] = '\0';
	return 0;
}

int text__fputs(const char *in, FILE *out)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	char esc[TEXT_ESCAPE_MAX + 1];

	while (*s) {
		s += text__one(s, esc);
		fputs(esc, out);
	}
	return ferror(out) ? -EIO : 0;
}
