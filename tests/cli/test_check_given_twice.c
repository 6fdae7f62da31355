// SPDX-License-Identifier: MIT
/*
 * check's options and file names: an option that takes one value is an
 * error when given twice (a file named --allowlist=x.yaml, passed by a hook
 * without "--", must not replace the allowlist), repeatable ones stay
 * repeatable, and what the parse says about an unknown option quotes it
 * escaped (a file's name may hold "##[stop-commands]").
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

static char errbuf[4096];

/* cmd_check__parse with stderr in errbuf. */
static int parse(char **argv, struct check_opts *o)
{
	FILE *tmp = tmpfile();
	int argc = 0, saved, rc;
	size_t n;

	while (argv[argc])
		argc++;
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	rc = cmd_check__parse(argc, argv, o);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
	errbuf[n] = '\0';
	fclose(tmp);
	return rc;
}

static void test_single_valued_twice(void **state)
{
	static const char *const options[][3] = {
		{ "--allow", "NONE", "--allow=ALL" },
		{ "--allowlist", "team.yaml", "--allowlist=al.yaml" },
		{ "--format", "text", "--format=json" },
		{ "--baseline", "b.yaml", "--baseline=empty.yaml" },
		{ "--write-baseline", "b.yaml", "--write-baseline=other.yaml" },
	};
	struct check_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		char *argv[] = { "check", (char *)options[i][0], (char *)options[i][1], "k8s/",
				 (char *)options[i][2], NULL };
		char want[64];

		snprintf(want, sizeof(want), "%s given twice", options[i][0]);
		assert_int_equal(parse(argv, &o), -EINVAL);
		if (!strstr(errbuf, want))
			fail_msg("%s twice: '%s'", options[i][0], errbuf);
	}
}

/* Repeatable options stay so; after -- an option's look-alike is a file. */
static void test_repeatable_and_double_dash(void **state)
{
	char *excludes[] = { "check", "--exclude", "a/*", "--exclude=b/*", "k8s/", NULL };
	char *dashed[] = { "check", "--allowlist", "team.yaml", "--", "--allowlist=al.yaml",
			   "--exclude=*.yaml", "k8s/", NULL };
	struct check_opts o;

	(void)state;
	assert_int_equal(parse(excludes, &o), 0);
	assert_int_equal(o.n_exclude, 2);
	assert_int_equal(parse(dashed, &o), 0);
	assert_string_equal(o.allowlist, "team.yaml");
	assert_int_equal(o.n_exclude, 0);
	assert_int_equal(o.n_paths, 3);
	assert_string_equal(o.paths[0], "--allowlist=al.yaml");
	assert_string_equal(o.paths[1], "--exclude=*.yaml");
}

/* getopt would print an unknown option raw: a file named so reaches a CI log. */
static void test_unknown_option_escaped(void **state)
{
	char *unknown[] = { "check", "--##[stop-commands]tok.yaml", "k8s/", NULL };
	char *missing[] = { "check", "k8s/", "--allowlist", NULL };
	char *short_opt[] = { "check", "-z", "k8s/", NULL };
	struct check_opts o;

	(void)state;
	assert_int_equal(parse(unknown, &o), -EINVAL);
	assert_null(strstr(errbuf, "##["));
	assert_non_null(strstr(errbuf, "unrecognized option '--#\\x23[stop-commands]tok.yaml'"));
	assert_non_null(strstr(errbuf, "see 'capdiet check --help'"));
	assert_int_equal(parse(missing, &o), -EINVAL);
	assert_non_null(strstr(errbuf, "option '--allowlist' requires an argument"));
	assert_int_equal(parse(short_opt, &o), -EINVAL);
	assert_non_null(strstr(errbuf, "unrecognized option '-z'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_valued_twice),
		cmocka_unit_test(test_repeatable_and_double_dash),
		cmocka_unit_test(test_unknown_option_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
