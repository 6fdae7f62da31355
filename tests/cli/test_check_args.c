// SPDX-License-Identifier: MIT
/*
 * Issue 13's smaller command-line defects: check reads an option after a
 * PATH as an option (-- still ends the options), --max-nodes takes a
 * bounded number, and trace -o FILE keeps the result off CMD's stdout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/cli/cmd.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static char errbuf[4096];

/* Runs parse with stderr in errbuf; returns what it returned. */
static int parse_quietly(int (*fn)(int, char **, void *), int argc, char **argv, void *opts)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	rc = fn(argc, argv, opts);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
	errbuf[n] = '\0';
	fclose(tmp);
	return rc;
}

#define PARSE(fn, argv, opts) parse_quietly((int (*)(int, char **, void *))(fn), \
					    ARGC(argv), argv, opts)

static void paths_are(const struct check_opts *o, int n, const char *const *want)
{
	assert_int_equal(o->n_paths, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(o->paths[i], want[i]);
}

static void test_options_after_paths(void **state)
{
	char *after[] = { "check", "k8s/", "--format", "json", NULL };
	char *between[] = { "check", "a.yaml", "--allow", "CHOWN", "b.yaml", "--max-nodes", "5000",
			    NULL };
	char *bad_after[] = { "check", "k8s/", "--format", "xml", NULL };
	char *unknown_after[] = { "check", "k8s/", "--bogus", NULL };
	struct check_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_check__parse, after, &o), 0);
	assert_int_equal(o.format, CHECK_FORMAT_JSON);
	paths_are(&o, 1, (const char *const[]){ "k8s/" });
	assert_int_equal(PARSE(cmd_check__parse, between, &o), 0);
	assert_string_equal(o.allow, "CHOWN");
	assert_int_equal(o.max_nodes, 5000);
	paths_are(&o, 2, (const char *const[]){ "a.yaml", "b.yaml" });
	/* An option after a PATH is checked as any option is. */
	assert_int_equal(PARSE(cmd_check__parse, bad_after, &o), -EINVAL);
	assert_non_null(strstr(errbuf, "--format takes"));
	assert_int_equal(PARSE(cmd_check__parse, unknown_after, &o), -EINVAL);
	assert_non_null(strstr(errbuf, "unrecognized option '--bogus'"));
}

/* After --, a PATH may look like an option: that is what -- is for. */
static void test_double_dash_ends_options(void **state)
{
	char *dash[] = { "check", "--format", "json", "--", "--x.yaml", "-", NULL };
	char *mixed[] = { "check", "a.yaml", "--", "--format", "json", NULL };
	struct check_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_check__parse, dash, &o), 0);
	assert_int_equal(o.format, CHECK_FORMAT_JSON);
	paths_are(&o, 2, (const char *const[]){ "--x.yaml", "-" });
	assert_int_equal(PARSE(cmd_check__parse, mixed, &o), 0);
	assert_int_equal(o.format, CHECK_FORMAT_TEXT);
	paths_are(&o, 3, (const char *const[]){ "a.yaml", "--format", "json" });
}

static void test_max_nodes_range(void **state)
{
	char *none[] = { "check", "k8s/", NULL };
	char *one[] = { "check", "--max-nodes", "1", "k8s/", NULL };
	char *top[] = { "check", "--max-nodes", "100000000", "k8s/", NULL };
	char *bad[][5] = {
		{ "check", "--max-nodes", "0", "k8s/", NULL },
		{ "check", "--max-nodes", "100000001", "k8s/", NULL },
		{ "check", "--max-nodes", "-5", "k8s/", NULL },
		{ "check", "--max-nodes", "1e6", "k8s/", NULL },
	};
	struct check_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_check__parse, none, &o), 0);
	assert_int_equal(o.max_nodes, 0); /* the default, YDOC_MAX_NODES */
	assert_int_equal(PARSE(cmd_check__parse, one, &o), 0);
	assert_int_equal(o.max_nodes, 1);
	assert_int_equal(PARSE(cmd_check__parse, top, &o), 0);
	assert_int_equal(o.max_nodes, 100000000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(cmd_check__parse, bad[i], &o), -EINVAL);
		if (!strstr(errbuf, "--max-nodes needs a whole number from 1 to 100000000, not '") ||
		    !strstr(errbuf, bad[i][2]))
			fail_msg("--max-nodes %s: '%s'", bad[i][2], errbuf);
	}
}

/* -o FILE before CMD is trace's; after CMD it is CMD's own argument. */
static void test_trace_output(void **state)
{
	char *out[] = { "trace", "--json", "-o", "t.json", "--", "ls", "-o", NULL };
	char *long_out[] = { "trace", "--output=t.txt", "--pid", "1", NULL };
	char *missing[] = { "trace", "-o", NULL };
	struct trace_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_trace__parse, out, &o), 0);
	assert_string_equal(o.output, "t.json");
	assert_true(o.json);
	assert_string_equal(o.argv[0], "ls");
	assert_string_equal(o.argv[1], "-o");
	assert_int_equal(PARSE(cmd_trace__parse, long_out, &o), 0);
	assert_string_equal(o.output, "t.txt");
	assert_false(o.json);
	assert_int_equal(PARSE(cmd_trace__parse, missing, &o), -EINVAL);
	assert_non_null(strstr(errbuf, "requires an argument"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_after_paths),
		cmocka_unit_test(test_double_dash_ends_options),
		cmocka_unit_test(test_max_nodes_range),
		cmocka_unit_test(test_trace_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
