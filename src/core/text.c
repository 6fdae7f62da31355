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
 * Unicode's Default_Ignorable_Code_Point (soft hyphen, zero-width
 * characters, the bidi controls, variation selectors, tags, fillers), the
 * line and paragraph separators U+2028 and U+2029, the interlinear
 * annotation controls and the noncharacters U+FFFE and U+FFFF, which XML
 * forbids.  A viewer shows none of them as what it is: a bidi control
 * reorders the rest of a log line ("trojan source"), a separator starts a
 * new line in some viewers, and a linguistic string match skips the
 * ignorable ones, so "#" U+200B "#[" could still read as "##[".
 */
static bool text__is_hidden(uint32_t cp)
{
	static const struct {
		uint32_t first, last;
	} hidden[] = {
		{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c }, { 0x115f, 0x1160 },
		{ 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200f }, { 0x2028, 0x202e },
		{ 0x2060, 0x206f }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
		{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfffb }, { 0xfffe, 0xffff }, { 0x1bca0, 0x1bca3 },
		{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
	};

	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		if (cp >= hidden[i].first && cp <= hidden[i].last)
			return true;
	return false;
}

bool text__is_unsafe(uint32_t cp)
{
	return text__is_control(cp) || text__is_hidden(cp);
}

/*
 * The white space .NET's TrimStart skips that the escape lets through:
 * the GitHub Actions runner trims it before it looks for "::" (its other
 * white space characters are controls or U+2028/U+2029, escaped).
 */
static bool text__is_blank(uint32_t cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/*
 * The characters of a workflow command a string could start in a CI log:
 * '#' before '[' (the runner's legacy "##[command]" is found anywhere in a
 * line) and a ':' that is the string's first character but blanks (a line
 * that starts "::command::" is one).  at_start: nothing but blanks so far.
 */
static bool text__is_command(const unsigned char *s, bool at_start)
{
	return (s[0] == '#' && s[1] == '[') || (s[0] == ':' && at_start);
}

/*
 * The character at s (not NUL) as it is printed, into esc; returns the
 * bytes of s it stands for.  An unsafe character is escaped byte by byte,
 * so the escapes give back the exact bytes: "\xc2\x9b" is the UTF-8 CSI,
 * "\x9b" a lone byte that a terminal in an 8-bit mode would take for one.
 * *at_start says whether only blanks came before s, and is kept up to date.
 */
static size_t text__one(const unsigned char *s, bool *at_start, char esc[TEXT_ESCAPE_MAX + 1])
{
	uint32_t cp = 0;
	size_t n = text__utf8_decode(s, &cp);
	bool command = text__is_command(s, *at_start);

	*at_start = *at_start && n && text__is_blank(cp);
	if (*s == '\\') {
		memcpy(esc, "\\\\", 3);
		return 1;
	}
	if (n && !command && !text__is_unsafe(cp)) {
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
	bool at_start = true;

	if (!out_len)
		return -E2BIG;
	while (*s) {
		size_t n = text__one(s, &at_start, esc), len = strlen(esc);

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
	bool at_start = true;

	while (*s) {
		s += text__one(s, &at_start, esc);
		fputs(esc, out);
	}
	return ferror(out) ? -EIO : 0;
}

static void text__xml_char(char c, FILE *out)
{
	switch (c) {
	case '&':
		fputs("&amp;", out);
		break;
	case '<':
		fputs("&lt;", out);
		break;
	case '>':
		fputs("&gt;", out);
		break;
	case '"':
		fputs("&quot;", out);
		break;
	case '\'':
		fputs("&apos;", out);
		break;
	default:
		fputc(c, out);
	}
}

int text__xml_markup(const char *escaped, FILE *out)
{
	for (const char *p = escaped ? escaped : ""; *p; p++)
		text__xml_char(*p, out);
	return ferror(out) ? -EIO : 0;
}

int text__xml_fputs(const char *in, FILE *out)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	char esc[TEXT_ESCAPE_MAX + 1];
	bool at_start = true;

	while (*s) {
		s += text__one(s, &at_start, esc);
		text__xml_markup(esc, out);
	}
	return ferror(out) ? -EIO : 0;
}
