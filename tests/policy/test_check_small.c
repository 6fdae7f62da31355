// SPDX-License-Identifier: MIT
/*
 * The gate's smaller defects of issue 13: the node limit is per document
 * (and --max-nodes sets it), an empty file is a placeholder, JSON's
 * surrogate pairs read as their character, names from the static table.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"

static char tmpdir[] = "/tmp/capdiet-check-small.XXXXXX";
static char err[1024];

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static const char *write_file(const char *name, const char *data, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A flow sequence of n plain scalars: n + 1 nodes. */
static char *wide_list(size_t n)
{
	char *s = malloc(2 * n + 2), *p = s;

	assert_non_null(s);
	*p++ = '[';
	for (size_t i = 0; i < n; i++) {
		*p++ = 'a';
		*p++ = i + 1 < n ? ',' : ']';
	}
	*p = '\0';
	return s;
}

/* A Pod whose one container adds what it is given, then a document of
 * `filler` nodes: what a long `kubectl get -o yaml` or helm output holds. */
static char *docs_with_filler(int docs, size_t filler)
{
	char *list = wide_list(filler), *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	for (int i = 0; i < docs; i++)
		fprintf(f, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n"
			"  containers:\n  - name: c\n    securityContext:\n"
			"      capabilities: {drop: [ALL], add: [NET_RAW]}\n"
			"---\nkind: ConfigMap\ndata: {list: %s}\n", i, list);
	fclose(f);
	free(list);
	return text;
}

static int parse(struct check_inventory *inv, const char *text)
{
	err[0] = '\0';
	return check__parse_buffer(inv, text, strlen(text), "f.yaml", err, sizeof(err));
}

/* More than YDOC_MAX_NODES in the file, each document well under it. */
static void test_node_limit_is_per_document(void **state)
{
	char *text = docs_with_filler(3, YDOC_MAX_NODES / 2);
	struct check_inventory inv = { 0 };

	(void)state;
	if (parse(&inv, text))
		fail_msg("a long multi-document file was refused: %s", err);
	assert_int_equal(inv.n, 3);
	assert_true(inv.v[2].caps == CAPSET_BIT(13)); /* NET_RAW */
	check_inventory__clear(&inv);
	free(text);
}

/* --max-nodes: check_inventory.max_nodes, with a message that names it. */
static void test_max_nodes_sets_the_limit(void **state)
{
	char *text = docs_with_filler(2, 500);
	struct check_inventory inv = { .max_nodes = 400 };

	(void)state;
	assert_int_equal(parse(&inv, text), -EINVAL);
	assert_non_null(strstr(err, "f.yaml:"));
	assert_non_null(strstr(err, "more than 400 nodes in one document"));
	assert_non_null(strstr(err, "--max-nodes"));
	/* The first Pod was read before the limit was met: nothing stays. */
	assert_int_equal(inv.n, 0);
	inv.max_nodes = 600;
	assert_int_equal(parse(&inv, text), 0);
	assert_int_equal(inv.n, 2);
	check_inventory__clear(&inv);
	free(text);
}

/* Aliases may not add more than the limit to a whole file: a billion laughs
 * split over documents that each fit is still refused. */
static void test_aliases_are_limited_per_file(void **state)
{
	/* 817 nodes, 800 of them added by aliases: two such documents fit
	 * the limit of 2000, three do not. */
	static const char laugh[] =
		"---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: [*b, *b, *b, *b, *b, *b, *b, *b]\n";
	struct check_inventory inv = { .max_nodes = 2000 };
	char text[sizeof(laugh) * 3];

	(void)state;
	snprintf(text, sizeof(text), "%s%s", laugh, laugh);
	assert_int_equal(parse(&inv, text), 0);
	snprintf(text, sizeof(text), "%s%s%s", laugh, laugh, laugh);
	assert_int_equal(parse(&inv, text), -EINVAL);
	assert_non_null(strstr(err, "aliases expand to more than 2000 nodes in this input"));
	check_inventory__clear(&inv);
}

/* An empty placeholder is a file with no documents; binary is still refused. */
static void test_empty_file_is_a_placeholder(void **state)
{
	struct check_inventory inv = { 0 };
	struct strlist errors = { 0 };
	char dir[256];

	(void)state;
	assert_int_equal(check__load_file(&inv, write_file("empty.yaml", "", 0), err, sizeof(err)), 0);
	assert_int_equal(check__load_file(&inv, write_file("blank.yml", " \n# only\n", 9), err,
					  sizeof(err)), 0);
	assert_int_equal(inv.files, 2);
	assert_int_equal(inv.n, 0);
	assert_int_equal(check__load_file(&inv, write_file("bin.yaml", "a: 1\n\0", 6), err,
					  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "binary file"));
	/* A directory with a placeholder beside a manifest: no error. */
	snprintf(dir, sizeof(dir), "%s/repo", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file("repo/placeholder.yaml", "", 0);
	write_file("repo/compose.yaml", "services: {a: {cap_add: [CHOWN]}}\n",
		   strlen("services: {a: {cap_add: [CHOWN]}}\n"));
	assert_int_equal(check__collect_path(&inv, dir, &errors), 0);
	assert_int_equal(errors.n, 0);
	assert_int_equal(inv.files, 4);
	assert_int_equal(inv.n, 1);
	check_inventory__clear(&inv);
	strlist__clear(&errors);
}

/* Nothing on a pipe is the command before it failing, not an empty chart. */
static void test_empty_stdin_is_an_error(void **state)
{
	struct check_inventory inv = { 0 };
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	close(fds[1]);
	assert_int_equal(check__load_fd(&inv, fds[0], "<stdin>", err, sizeof(err)), -EINVAL);
	close(fds[0]);
	assert_non_null(strstr(err, "<stdin>: no input (0 bytes)"));
}

/* kubectl and jq write non-BMP characters as surrogate pairs. */
static void test_surrogate_pairs_in_a_manifest(void **state)
{
	static const char json[] =
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"web\\ud83d\\ude00\"},"
		" \"spec\": {\"containers\": [{\"name\": \"c\", \"securityContext\": {\"capabilities\":"
		" {\"drop\": [\"ALL\"], \"add\": [\"CHECKPOINT_RESTORE\"]}}}]}}\n";
	struct check_inventory inv = { 0 };

	(void)state;
	if (parse(&inv, json))
		fail_msg("refused: %s", err);
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].name, "web\xF0\x9F\x98\x80");
	/* The newest name in the table, on any kernel. */
	assert_true(inv.v[0].caps == CAPSET_BIT(40));
	check_inventory__clear(&inv);
	assert_int_equal(parse(&inv, "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"\\ud83d\"}}\n"),
			 -EINVAL);
	assert_non_null(strstr(err, "f.yaml:1: U+D83D is half a UTF-16 surrogate pair"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_limit_is_per_document),
		cmocka_unit_test(test_max_nodes_sets_the_limit),
		cmocka_unit_test(test_aliases_are_limited_per_file),
		cmocka_unit_test(test_empty_file_is_a_placeholder),
		cmocka_unit_test(test_empty_stdin_is_an_error),
		cmocka_unit_test(test_surrogate_pairs_in_a_manifest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
