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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_every_byte),
		cmocka_unit_test(test_escape_short),
		cmocka_unit_test(test_fputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
