// SPDX-License-Identifier: MIT
/*
 * JSON's surrogate pairs ("\ud83d\ude00") in the YAML/JSON reader: a pair
 * in a double-quoted scalar is the character it encodes, the same text
 * anywhere else stays as written, half a pair is an error naming it, and
 * the nodes keep the input's columns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/ydoc.h"

#define GRIN "\xF0\x9F\x98\x80" /* U+1F600 in UTF-8 */

static struct ydoc *parse_ok(const char *text)
{
	struct ydoc_error ye;
	struct ydoc *t = NULL;

	if (ydoc__parse(text, strlen(text), 0, &t, &ye))
		fail_msg("'%s' did not parse: %d: %s", text, ye.line, ye.msg);
	return t;
}

static void parse_fails(const char *text, int line, const char *what)
{
	struct ydoc_error ye;
	struct ydoc *t = NULL;

	assert_int_equal(ydoc__parse(text, strlen(text), 0, &t, &ye), -EINVAL);
	assert_null(t);
	if (ye.line != line || !strstr(ye.msg, what))
		fail_msg("'%s': %d: '%s', want %d: '%s'", text, ye.line, ye.msg, line, what);
}

/* The key of the root mapping whose text is key, for its column. */
static const struct ydoc_node *key_node(const struct ydoc *t, const char *key)
{
	const struct ydoc_node *root = t->docs[0].root;

	for (size_t i = 0; i < root->n; i++)
		if (ydoc__is(ydoc__key(root, i), key))
			return ydoc__key(root, i);
	fail_msg("no key '%s'", key);
	return NULL;
}

/* The 1-based column of the first `needle` on its line, in characters as libyaml counts. */
static int column_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle), *line = at;
	int col = 1;

	assert_non_null(at);
	while (line > text && line[-1] != '\n')
		line--;
	for (; line < at; line++)
		col += ((unsigned char)*line & 0xC0) != 0x80;
	return col;
}

static void test_pair_is_the_character(void **state)
{
	struct ydoc *t = parse_ok("{\"name\": \"\\ud83d\\ude00\", \"upper\": \"a\\uD83D\\uDE00b\","
				  " \"max\": \"\\udbff\\udfff\", \"\\ud83d\\ude00\": 1}\n");
	const struct ydoc_node *root = t->docs[0].root;

	(void)state;
	assert_string_equal(ydoc__text(ydoc__get(root, "name")), GRIN);
	assert_string_equal(ydoc__text(ydoc__get(root, "upper")), "a" GRIN "b");
	assert_string_equal(ydoc__text(ydoc__get(root, "max")), "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
	assert_non_null(ydoc__get(root, GRIN)); /* in a key too */
	ydoc__free(t);
}

/* Only double-quoted scalars have escapes: the same text elsewhere is kept. */
static void test_other_styles_keep_the_text(void **state)
{
	static const char yaml[] =
		"dq: \"\\ud83d\\ude00\"\n"
		"escaped: \"\\\\ud83d\\\\ude00\"\n"          /* "\\ud83d": a backslash, then text */
		"single: '\\ud83d\\ude00'\n"
		"plain: x\\ud83d\\ude00\n"
		"block: |\n  \"\\ud83d\\ude00\"\n"
		"# a comment: \"\\ud83d\"\n"
		"after: \"\\ud83d\\ude00\"\n";
	struct ydoc *t = parse_ok(yaml);
	const struct ydoc_node *root = t->docs[0].root;

	(void)state;
	assert_string_equal(ydoc__text(ydoc__get(root, "dq")), GRIN);
	assert_string_equal(ydoc__text(ydoc__get(root, "escaped")), "\\ud83d\\ude00");
	assert_string_equal(ydoc__text(ydoc__get(root, "single")), "\\ud83d\\ude00");
	assert_string_equal(ydoc__text(ydoc__get(root, "plain")), "x\\ud83d\\ude00");
	assert_string_equal(ydoc__text(ydoc__get(root, "block")), "\"\\ud83d\\ude00\"\n");
	assert_string_equal(ydoc__text(ydoc__get(root, "after")), GRIN);
	ydoc__free(t);
}

/* What follows a pair on its line keeps the input's column (SARIF regions). */
static void test_columns_are_the_inputs(void **state)
{
	static const char json[] =
		"{\"a\": \"\\ud83d\\ude00\\ud83d\\ude00\", \"b\": \"\\ud83d\\ude00\", \"c\": 1,\n"
		" \"d\": \"\xC3\xA9\\ud83d\\ude00\", \"e\": [\"multi\n  line \\ud83d\\ude00\", 2], \"f\": 3}\n";
	struct ydoc *t = parse_ok(json);
	const struct ydoc_node *e;

	(void)state;
	assert_int_equal(key_node(t, "b")->col, column_of(json, "\"b\""));
	assert_int_equal(key_node(t, "c")->col, column_of(json, "\"c\""));
	assert_int_equal(key_node(t, "d")->col, column_of(json, "\"d\""));
	assert_int_equal(key_node(t, "e")->col, column_of(json, "\"e\""));
	assert_int_equal(key_node(t, "f")->col, column_of(json, "\"f\""));
	assert_int_equal(key_node(t, "f")->line, 3);
	e = ydoc__get(t->docs[0].root, "e");
	assert_string_equal(ydoc__text(e->items[0]), "multi line " GRIN);
	assert_int_equal(e->items[1]->col, column_of(json, "2]"));
	assert_string_equal(ydoc__text(ydoc__get(t->docs[0].root, "d")), "\xC3\xA9" GRIN);
	ydoc__free(t);
}

static void test_half_a_pair_is_an_error(void **state)
{
	(void)state;
	parse_fails("a: \"\\ud83d\"\n", 1, "U+D83D is half a UTF-16 surrogate pair");
	parse_fails("a: 1\nb: \"x\\ude00\\ud83d\"\n", 2, "U+DE00 is half");
	parse_fails("a: \"\\ud83d x\"\n", 1, "U+D83D is half");
	parse_fails("a: \"\\ud83d\\ud83d\"\n", 1, "U+D83D is half");
	parse_fails("a: \"line\n  two \\uDE00\"\n", 2, "U+DE00 is half");
	/* Other escapes of a surrogate stay libyaml's error. */
	parse_fails("a: \"\\U0000D83D\"\n", 1, "invalid Unicode character escape");
}

/* The byte order mark, CRLF line ends and a later syntax error. */
static void test_around_the_scalars(void **state)
{
	struct ydoc *t;

	(void)state;
	t = parse_ok("\xEF\xBB\xBF" "a: \"\\ud83d\\ude00\"\r\nb: \"x\\ud83d\\ude00\"\r\n");
	assert_string_equal(ydoc__text(ydoc__get(t->docs[0].root, "b")), "x" GRIN);
	assert_int_equal(key_node(t, "b")->line, 2);
	ydoc__free(t);
	parse_fails("a: \"\\ud83d\\ude00\"\r\nb: \"\\ud83d\"\r\n", 2, "U+D83D is half");
	/* A syntax error after a pair is still found, on its line. */
	parse_fails("a: \"\\ud83d\\ude00\"\nb: [\n", 3, "");
}

/* Deeper than the reader goes: the nesting error, not a scan without end. */
static void test_deep_input_stays_bounded(void **state)
{
	size_t depth = 100000, len = 2 * depth + 32;
	char *text = malloc(len);
	struct ydoc_error ye;
	struct ydoc *t = NULL;

	(void)state;
	assert_non_null(text);
	memset(text, '[', depth);
	strcpy(text + depth, "\"\\ud83d\\ude00\"");
	memset(text + strlen(text), ']', depth);
	text[depth + strlen("\"\\ud83d\\ude00\"") + depth] = '\0';
	assert_int_equal(ydoc__parse(text, strlen(text), 0, &t, &ye), -EINVAL);
	assert_non_null(strstr(ye.msg, "nesting deeper than"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_is_the_character),
		cmocka_unit_test(test_other_styles_keep_the_text),
		cmocka_unit_test(test_columns_are_the_inputs),
		cmocka_unit_test(test_half_a_pair_is_an_error),
		cmocka_unit_test(test_around_the_scalars),
		cmocka_unit_test(test_deep_input_stays_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
