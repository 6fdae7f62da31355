// SPDX-License-Identifier: MIT
/* The one YAML reader: the flags profiles use, tags, and FILE:LINE messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/ydoc.h"

static struct ydoc *parse_ok(const char *text, unsigned int flags)
{
	struct ydoc_error ye;
	struct ydoc *t = NULL;

	if (ydoc__parse(text, strlen(text), flags, &t, &ye))
		fail_msg("'%s' did not parse: %d: %s", text, ye.line, ye.msg);
	return t;
}

/* Parses text, expecting rc and a message "f.yaml:LINE: ...what...". */
static void parse_fails(const char *text, unsigned int flags, int rc, const char *where,
			const char *what)
{
	char err[256] = "";
	const struct ydoc_where at = { "f.yaml", err, sizeof(err) };
	struct ydoc *t = NULL;

	assert_int_equal(ydoc__load(text, strlen(text), flags, &at, &t), rc);
	assert_null(t);
	if (strncmp(err, where, strlen(where)) || !strstr(err, what))
		fail_msg("'%s': message '%s', want '%s ... %s'", text, err, where, what);
}

static void test_one_document(void **state)
{
	struct ydoc *t;

	(void)state;
	t = parse_ok("a: 1\n---\nb: 2\n", 0);
	assert_int_equal(t->n_docs, 2);
	ydoc__free(t);
	parse_fails("a: 1\n---\nb: 2\n", YDOC_ONE_DOCUMENT, -EINVAL, "f.yaml:2: ",
		    "more than one YAML document");
	parse_fails("# only a comment\n", YDOC_ONE_DOCUMENT, -EINVAL, "f.yaml:1: ",
		    "empty document");
	t = parse_ok("", 0);
	assert_int_equal(t->n_docs, 0);
	ydoc__free(t);
}

static void test_no_aliases(void **state)
{
	const char *yaml = "a: &x [1]\nb: *x\n";
	struct ydoc *t;

	(void)state;
	t = parse_ok(yaml, 0);
	assert_ptr_equal(ydoc__get(t->docs[0].root, "a"), ydoc__get(t->docs[0].root, "b"));
	ydoc__free(t);
	parse_fails(yaml, YDOC_NO_ALIASES, -EINVAL, "f.yaml:2: ", "*x: aliases are not allowed");
	/* An anchor alone changes nothing. */
	ydoc__free(parse_ok("a: &x [1]\n", YDOC_NO_ALIASES));
}

/* A tag decides the type: !!str true is text, !!null is null, !!merge << merges. */
static void test_tags(void **state)
{
	const char *yaml = "s: !!str true\nn: !!null ''\nq: 'null'\np: null\n"
			   "base: &b {x: 1}\nm: {!!merge <<: *b}\nk: {!!str <<: 2}\n";
	const struct ydoc_node *root;
	struct ydoc *t;

	(void)state;
	t = parse_ok(yaml, 0);
	root = t->docs[0].root;
	assert_false(ydoc__get(root, "s")->plain);
	assert_string_equal(ydoc__get(root, "s")->tag, "tag:yaml.org,2002:str");
	assert_true(ydoc__is_null(ydoc__get(root, "n")));
	assert_false(ydoc__is_null(ydoc__get(root, "q")));
	assert_true(ydoc__is_null(ydoc__get(root, "p")));
	assert_true(ydoc__get(root, "p")->plain);
	assert_null(ydoc__get(root, "p")->tag);
	assert_true(ydoc__is(ydoc__get(ydoc__get(root, "m"), "x"), "1"));
	assert_true(ydoc__is(ydoc__get(ydoc__get(root, "k"), "<<"), "2"));
	ydoc__free(t);
}

static void test_limits_and_messages(void **state)
{
	size_t len = YDOC_MAX_SIZE + 1;
	char *big = malloc(len), err[64] = "";
	const struct ydoc_where at = { "x.yaml", err, sizeof(err) };
	const struct ydoc_where nowhere = { "x.yaml", NULL, 0 };
	struct ydoc *t = NULL;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);
	assert_int_equal(ydoc__load(big, len, 0, &at, &t), -EFBIG);
	assert_string_equal(err, "x.yaml: larger than 16 MiB");
	free(big);
	parse_fails("a: 1\na: 2\n", 0, -EINVAL, "f.yaml:2: ", "duplicate key 'a'");
	parse_fails("a: 1\nb: [\n", 0, -EINVAL, "f.yaml:3: ", "expected");
	assert_int_equal(ydoc_where__fail(&at, 7, "bad %s", "thing"), -EINVAL);
	assert_string_equal(err, "x.yaml:7: bad thing");
	assert_int_equal(ydoc_where__fail(&nowhere, 7, "bad"), -EINVAL);
	assert_string_equal(ydoc__type_name(NULL), "nothing");
}

/* The one reading of a capability list, and the node it blames. */
static void test_caps(void **state)
{
	struct ydoc *t = parse_ok("ok: [chown, CAP_SETUID, chown]\n"
				  "all: [ALL]\n"
				  "none: ~\n"
				  "map: {a: b}\n"
				  "typo: [CHOWN, SETUIDD]\n"
				  "nested: [CHOWN, [SETUID]]\n", 0);
	const struct ydoc_node *root = t->docs[0].root, *bad = NULL;
	int lines[64] = { 0 };
	capset_t set = 0;

	(void)state;
	assert_int_equal(ydoc__caps(ydoc__get(root, "ok"), &set, lines, &bad), 0);
	assert_true(set == (CAPSET_BIT(0) | CAPSET_BIT(7))); /* CHOWN, SETUID */
	assert_int_equal(lines[0], 1);
	assert_int_equal(lines[7], 1);
	assert_int_equal(lines[1], 0);
	/* It adds to the set; lines already known stay. */
	assert_int_equal(ydoc__caps(ydoc__get(root, "all"), &set, lines, &bad), 0);
	assert_true(set == caps__all());
	assert_int_equal(lines[0], 1);
	assert_int_equal(lines[1], 2);
	set = 0;
	assert_int_equal(ydoc__caps(ydoc__get(root, "none"), &set, NULL, &bad), 0);
	assert_int_equal(ydoc__caps(ydoc__get(root, "absent"), &set, NULL, &bad), 0);
	assert_true(set == 0);
	assert_int_equal(ydoc__caps(ydoc__get(root, "map"), &set, NULL, &bad), -EINVAL);
	assert_ptr_equal(bad, ydoc__get(root, "map"));
	assert_int_equal(ydoc__caps(ydoc__get(root, "typo"), &set, NULL, &bad), -EINVAL);
	assert_string_equal(bad->value, "SETUIDD");
	assert_int_equal(ydoc__caps(ydoc__get(root, "nested"), &set, NULL, &bad), -EINVAL);
	assert_int_equal(bad->type, YDOC_SEQ);
	ydoc__free(t);
}

static void test_text(void **state)
{
	struct ydoc *t = parse_ok("a: x\nb: ~\nc: [1]\nd: ''\n", 0);
	const struct ydoc_node *root = t->docs[0].root;

	(void)state;
	assert_string_equal(ydoc__text(ydoc__get(root, "a")), "x");
	assert_null(ydoc__text(ydoc__get(root, "b")));
	assert_null(ydoc__text(ydoc__get(root, "c")));
	assert_string_equal(ydoc__text(ydoc__get(root, "d")), "");
	assert_null(ydoc__text(NULL));
	ydoc__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_document),
		cmocka_unit_test(test_no_aliases),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_limits_and_messages),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
