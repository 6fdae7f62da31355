// SPDX-License-Identifier: MIT
/*
 * The escape for untrusted text: nothing a terminal acts on survives, the
 * escapes give back the exact bytes, printable UTF-8 stays as it is, and a
 * short buffer never ends in half an escape.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/text.h"

static const struct {
	const char *in, *out;
} cases[] = {
	{ "plain /usr/bin/ping", "plain /usr/bin/ping" },
	{ "", "" },
	{ "a\\b", "a\\\\b" },
	{ "\\x0a", "\\\\x0a" },            /* a literal "\x0a" cannot pass for an escape */
	{ "tag\r\n\x1b[2Kchecked", "tag\\x0d\\x0a\\x1b[2Kchecked" },
	{ "\x01\x1f\x7f", "\\x01\\x1f\\x7f" },
	{ "\t", "\\x09" },
	{ "c1 \xc2\x80\xc2\x85\xc2\x9b\xc2\x9f", "c1 \\xc2\\x80\\xc2\\x85\\xc2\\x9b\\xc2\\x9f" },
	{ "nbsp\xc2\xa0 caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", "nbsp\xc2\xa0 caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80" },
	{ "lone\x9b[2K", "lone\\x9b[2K" },  /* CSI of an 8-bit terminal */
	{ "bad\xff\xc0\xaf", "bad\\xff\\xc0\\xaf" },
	{ "cut\xe2\x82", "cut\\xe2\\x82" },
	{ "surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80" },
};

static void test_escape(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'X', sizeof(out));
		assert_int_equal(text__escape(cases[i].in, out, sizeof(out)), 0);
		if (strcmp(out, cases[i].out))
			fail_msg("case %zu: got '%s', want '%s'", i, out, cases[i].out);
	}
	assert_int_equal(text__escape(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* No byte below 0x20, no DEL and no C1 control comes out, whatever goes in. */
static void test_escape_every_byte(void **state)
{
	char in[3] = "", out[32];
	uint32_t cp;

	(void)state;
	for (int a = 1; a < 256; a++) {
		for (int b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			assert_int_equal(text__escape(in, out, sizeof(out)), 0);
			for (const unsigned char *p = (unsigned char *)out; *p;) {
				size_t n = text__utf8_decode(p, &cp);

				if (!n || text__is_control(cp))
					fail_msg("0x%02x 0x%02x: '%s' has byte 0x%02x raw", a, b, out, *p);
				p += n;
			}
		}
	}
}

/* Too short: -E2BIG, NUL-terminated, and whole escapes and characters only. */
static void test_escape_short(void **state)
{
	const char *in = "ab\x1b\xc3\xa9\xc2\x9b\\";
	const char *full = "ab\\x1b\xc3\xa9\\xc2\\x9b\\\\";
	char out[64];

	(void)state;
	assert_int_equal(text__escape(in, out, 0), -E2BIG);
	for (size_t len = 1; len <= strlen(full); len++) {
		size_t got;

		memset(out, 'X', sizeof(out));
		assert_int_equal(text__escape(in, out, len), -E2BIG);
		got = strlen(out);
		assert_true(got < len);
		assert_memory_equal(out, full, got);
		/* it stops where an escape or character of full ends */
		assert_true(got == 0 || got == 1 || got == 2 || got == 6 || got == 8 ||
			    got == 16 || got == 18);
	}
	assert_int_equal(text__escape(in, out, strlen(full) + 1), 0);
	assert_string_equal(out, full);
}

static void test_fputs(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(text__fputs("x\ny\\", f), 0);
	assert_int_equal(text__fputs(NULL, f), 0);
	fclose(f);
	assert_string_equal(text, "x\\x0ay\\\\");
	free(text);
}

/*
 * GitHub Actions reads "##[cmd]data" anywhere in a line and "::cmd::data"
 * at its start after white space (actions/runner ActionCommand.TryParse,
 * TryParseV2): a name must not start either.
 */
static const struct {
	const char *in, *out;
} commands[] = {
	{ "a##[stop-commands]tok", "a#\\x23[stop-commands]tok" },
	{ "##[add-mask]x", "#\\x23[add-mask]x" },
	{ "###[x]", "##\\x23[x]" },
	{ "#[", "\\x23[" },
	{ "# [ #a[ ##", "# [ #a[ ##" },
	{ "::stop-commands::x.yaml", "\\x3a:stop-commands::x.yaml" },
	{ ":x", "\\x3ax" },
	{ "  ::error::x", "  \\x3a:error::x" },
	{ "\xc2\xa0\xe3\x80\x80\xe2\x80\x89::x", "\xc2\xa0\xe3\x80\x80\xe2\x80\x89\\x3a:x" },
	{ "a::b", "a::b" },
	{ "x ::y", "x ::y" },
	{ "\xe2\x80\x8b::x", "\\xe2\\x80\\x8b::x" }, /* a zero-width space is escaped itself */
};

static void test_workflow_commands(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		assert_int_equal(text__escape(commands[i].in, out, sizeof(out)), 0);
		if (strcmp(out, commands[i].out))
			fail_msg("case %zu: got '%s', want '%s'", i, out, commands[i].out);
	}
}

/* .NET's white space that the escape lets through, as the runner's TrimStart skips it. */
static size_t dotnet_blank(const char *s)
{
	static const char *const blanks[] = { " ", "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\x89" };

	for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++)
		if (!strncmp(s, blanks[i], strlen(blanks[i])))
			return strlen(blanks[i]);
	return 0;
}

/* Every string of up to 5 pieces: no "##[" anywhere, no "::" first. */
static void test_workflow_commands_exhaustive(void **state)
{
	static const char *const pieces[] = { "#", "[", ":", " ", "a", "\xc2\xa0", "\xe3\x80\x80",
					      "\xe2\x80\x89", "\xe2\x80\x8b", "\\" };
	enum { N = sizeof(pieces) / sizeof(pieces[0]) };
	char in[64], out[256];

	(void)state;
	for (unsigned code = 0; code < N * N * N * N * N; code++) {
		const char *p = out;

		in[0] = '\0';
		for (unsigned c = code, k = 0; k < 5; k++, c /= N)
			strcat(in, pieces[c % N]);
		assert_int_equal(text__escape(in, out, sizeof(out)), 0);
		if (strstr(out, "##["))
			fail_msg("'%s' escaped to '%s', which has ##[", in, out);
		while (dotnet_blank(p))
			p += dotnet_blank(p);
		if (!strncmp(p, "::", 2))
			fail_msg("'%s' escaped to '%s', which starts ::", in, out);
	}
}

/*
 * What a reader does not see as what it is: the bidi controls (trojan
 * source), U+2028/U+2029, zero-width characters, variation selectors, tags,
 * and U+FFFE/U+FFFF, which XML forbids.  Their visible neighbours stay.
 */
static const struct {
	const char *in, *out;
} hidden[] = {
	{ "a\xe2\x80\xaeZYX", "a\\xe2\\x80\\xaeZYX" },             /* U+202E RLO */
	{ "\xe2\x80\xaa\xe2\x80\xad", "\\xe2\\x80\\xaa\\xe2\\x80\\xad" }, /* LRE, LRO */
	{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9" }, /* LRI .. PDI */
	{ "\xe2\x80\x8f\xd8\x9c", "\\xe2\\x80\\x8f\\xd8\\x9c" },    /* RLM, ALM */
	{ "1\xe2\x80\xa8" "2\xe2\x80\xa9" "3", "1\\xe2\\x80\\xa8" "2\\xe2\\x80\\xa9" "3" },
	{ "z\xe2\x80\x8bw\xe2\x80\x8dj\xc2\xadh", "z\\xe2\\x80\\x8bw\\xe2\\x80\\x8dj\\xc2\\xadh" },
	{ "\xef\xbb\xbf" "bom", "\\xef\\xbb\\xbf" "bom" },
	{ "\xef\xbf\xbe\xef\xbf\xbf", "\\xef\\xbf\\xbe\\xef\\xbf\\xbf" },
	{ "vs\xef\xb8\x8f", "vs\\xef\\xb8\\x8f" },
	{ "tag\xf3\xa0\x81\x81", "tag\\xf3\\xa0\\x81\\x81" },         /* U+E0041 */
	/* visible: hyphenation point, narrow no-break space, replacement character */
	{ "\xe2\x80\xa7\xe2\x80\xaf\xef\xbf\xbd", "\xe2\x80\xa7\xe2\x80\xaf\xef\xbf\xbd" },
};

static void test_hidden_characters(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_int_equal(text__escape(hidden[i].in, out, sizeof(out)), 0);
		if (strcmp(out, hidden[i].out))
			fail_msg("case %zu: got '%s', want '%s'", i, out, hidden[i].out);
	}
}

static size_t utf8_encode(uint32_t cp, char *s)
{
	if (cp < 0x80)
		return (size_t)(s[0] = (char)cp, 1);
	if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	s[0] = (char)(0xf0 | cp >> 18);
	s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	s[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Each code point after a letter: escaped byte by byte exactly when unsafe, else kept. */
static void test_every_code_point(void **state)
{
	char in[8], want[32], out[32];

	(void)state;
	for (uint32_t cp = 1; cp <= 0x10ffff; cp++) {
		size_t n;

		if ((cp >= 0xd800 && cp <= 0xdfff) || cp == '\\')
			continue;
		in[0] = 'a';
		n = utf8_encode(cp, in + 1);
		in[1 + n] = '\0';
		want[0] = 'a';
		want[1] = '\0';
		for (size_t i = 1; i <= n; i++)
			snprintf(want + strlen(want), 5, text__is_unsafe(cp) ? "\\x%02x" : "%c",
				 (unsigned char)in[i]);
		assert_int_equal(text__escape(in, out, sizeof(out)), 0);
		if (strcmp(out, want))
			fail_msg("U+%04X: got '%s', want '%s'", cp, out, want);
	}
	for (uint32_t cp = 0x202a; cp <= 0x202e; cp++)
		assert_true(text__is_unsafe(cp));
	for (uint32_t cp = 0x2066; cp <= 0x2069; cp++)
		assert_true(text__is_unsafe(cp));
	assert_true(text__is_unsafe(0x2028) && text__is_unsafe(0x2029));
	assert_false(text__is_unsafe(0x2027) || text__is_unsafe(0x202f) || text__is_unsafe(0xfffd));
}

/* The longest escape of one character fits: a tag, four bytes, "\xNN" each. */
static void test_escape_max(void **state)
{
	char out[TEXT_ESCAPE_MAX + 1];

	(void)state;
	assert_int_equal(text__escape("\xf3\xa0\x81\x81", out, sizeof(out)), 0);
	assert_int_equal(strlen(out), TEXT_ESCAPE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_every_byte),
		cmocka_unit_test(test_escape_short),
		cmocka_unit_test(test_fputs),
		cmocka_unit_test(test_workflow_commands),
		cmocka_unit_test(test_workflow_commands_exhaustive),
		cmocka_unit_test(test_hidden_characters),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_escape_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
