// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/observe/creds.h"

static const char master[] = "Name:\tnginx\nUmask:\t0022\nState:\tS\n"
			     "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\n";
static const char worker[] = "Name:\tnginx\nUid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\n";
static const char half[] = "Name:\tnginx\nUid:\t33\t0\t0\t0\nGid:\t33\t33\t33\t33\n";

static void add(struct cred_snapshot *s, const char *exe, const char *status)
{
	char text[512];

	snprintf(text, sizeof(text), "\n%s", status);
	assert_int_equal(creds__add_status(s, exe, text), 0);
	s->taken = true;
}

static void test_parse_and_dedupe(void **state)
{
	struct cred_snapshot s = { 0 };

	(void)state;
	add(&s, "/usr/sbin/nginx", master);
	add(&s, "/usr/sbin/nginx", worker);
	add(&s, "/usr/sbin/nginx", worker);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[1].uid[0], 33);
	assert_int_equal(s.v[1].gid[3], 33);
	assert_int_equal(creds__add_status(&s, "/x", "\nName:\tx\n"), -22);
	creds__clear(&s);
	assert_int_equal(s.n, 0);
	creds__clear(NULL);
}

static void test_match_rules(void **state)
{
	struct cred_snapshot ref = { 0 }, same = { 0 }, root = { 0 }, saved = { 0 }, extra = { 0 };
	char why[256] = "";

	(void)state;
	add(&ref, "/usr/sbin/nginx", master);
	add(&ref, "/usr/sbin/nginx", worker);
	add(&same, "/usr/sbin/nginx", worker);
	add(&same, "/usr/sbin/nginx", master);
	assert_true(creds__match(&ref, &same, why, sizeof(why)));
	/* workers that kept root */
	add(&root, "/usr/sbin/nginx", master);
	assert_false(creds__match(&ref, &root, why, sizeof(why)));
	assert_non_null(strstr(why, "uid 33"));
	/* a saved uid of 0 is not the same user switch */
	add(&saved, "/usr/sbin/nginx", master);
	add(&saved, "/usr/sbin/nginx", half);
	assert_false(creds__match(&ref, &saved, why, sizeof(why)));
	/* a short-lived helper seen once is not a difference */
	add(&extra, "/usr/sbin/nginx", master);
	add(&extra, "/usr/sbin/nginx", worker);
	add(&extra, "/bin/sh", master);
	assert_true(creds__match(&ref, &extra, why, sizeof(why)));
	/* nothing taken: nothing to compare (batch commands) */
	extra.taken = false;
	assert_true(creds__match(&ref, &extra, why, sizeof(why)));
	creds__clear(&ref);
	creds__clear(&same);
	creds__clear(&root);
	creds__clear(&saved);
	creds__clear(&extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_dedupe),
		cmocka_unit_test(test_match_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
