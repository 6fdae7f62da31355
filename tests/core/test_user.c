// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/user.h"

static bool has_group(const struct user_spec *u, gid_t gid)
{
	for (int i = 0; i < u->n_groups; i++)
		if (u->groups[i] == gid)
			return true;
	return false;
}

static void test_root_by_name_and_number(void **state)
{
	struct user_spec *u = NULL;

	(void)state;
	assert_int_equal(user_spec__parse("root", &u), 0);
	assert_int_equal(u->uid, 0);
	assert_int_equal(u->gid, 0);
	assert_string_equal(u->name, "root");
	assert_string_equal(u->text, "root");
	assert_true(has_group(u, 0));
	user_spec__free(u);

	assert_int_equal(user_spec__parse("0", &u), 0);
	assert_int_equal(u->uid, 0);
	assert_string_equal(u->name, "root"); /* a known uid gets its name */
	assert_string_equal(u->text, "0");
	user_spec__free(u);
}

/* "nobody" exists on every Debian system; compare with what libc says. */
static void test_named_user_and_group(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("root");
	struct user_spec *u = NULL;
	uid_t uid;
	gid_t gid, root_gid;

	(void)state;
	assert_non_null(pw);
	uid = pw->pw_uid; /* copied: libc reuses its buffers */
	gid = pw->pw_gid;
	assert_non_null(gr);
	root_gid = gr->gr_gid;
	assert_int_equal(user_spec__parse("nobody", &u), 0);
	assert_int_equal(u->uid, uid);
	assert_int_equal(u->gid, gid);
	assert_true(has_group(u, gid));
	assert_false(has_group(u, 0));
	user_spec__free(u);

	assert_int_equal(user_spec__parse("nobody:root", &u), 0);
	assert_int_equal(u->uid, uid);
	assert_int_equal(u->gid, root_gid);
	user_spec__free(u);
}

static void test_numeric(void **state)
{
	struct user_spec *u = NULL;

	(void)state;
	assert_int_equal(user_spec__parse("4242:4343", &u), 0);
	assert_int_equal(u->uid, 4242);
	assert_int_equal(u->gid, 4343);
	user_spec__free(u);

	/* A uid with no passwd entry: accepted as Docker does, group 0, no name. */
	assert_null(getpwuid(54321));
	assert_int_equal(user_spec__parse("54321", &u), 0);
	assert_int_equal(u->uid, 54321);
	assert_int_equal(u->gid, 0);
	assert_null(u->name);
	assert_int_equal(u->n_groups, 0);
	user_spec__free(u);
}

static void test_unknown_names(void **state)
{
	struct user_spec *u = (struct user_spec *)&u; /* must be reset to NULL */

	(void)state;
	assert_int_equal(user_spec__parse("capdiet-no-such-user", &u), -ENOENT);
	assert_null(u);
	assert_int_equal(user_spec__parse("root:capdiet-no-such-group", &u), -ENOENT);
	assert_int_equal(user_spec__parse("capdiet-no-such-user:root", &u), -ENOENT);
	assert_null(u);
}

static void test_bad_syntax(void **state)
{
	static const char *const bad[] = {
		"", ":", "root:", ":root", "root:root:root", "4294967295",
		"99999999999", "0:4294967295",
	};
	struct user_spec *u = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(user_spec__parse(bad[i], &u), -EINVAL);
		assert_null(u);
	}
	assert_int_equal(user_spec__parse(NULL, &u), -EINVAL);
	user_spec__free(NULL);
}

/* The parts as written, for readers that print them: no judgement. */
static void test_split(void **state)
{
	static const struct {
		const char *text, *user, *group;
	} cases[] = {
		{ "www-data", "www-data", NULL },
		{ "www-data:adm", "www-data", "adm" },
		{ "0:0", "0", "0" },
		{ "u:", "u", "" },
		{ ":g", "", "g" },
		{ "a:b:c", "a", "b:c" },
		{ "", "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *group = "unset";
		size_t len = 99;

		user_spec__split(cases[i].text, &len, &group);
		assert_int_equal(len, strlen(cases[i].user));
		assert_memory_equal(cases[i].text, cases[i].user, len);
		if (cases[i].group)
			assert_string_equal(group, cases[i].group);
		else
			assert_null(group);
	}
}

static void test_is_root(void **state)
{
	(void)state;
	assert_true(user_spec__is_root(NULL));
	assert_true(user_spec__is_root(""));
	assert_true(user_spec__is_root("root"));
	assert_true(user_spec__is_root("0"));
	assert_true(user_spec__is_root("root:root"));
	assert_true(user_spec__is_root("0:www-data"));
	assert_false(user_spec__is_root("rootless"));
	assert_false(user_spec__is_root("00"));
	assert_false(user_spec__is_root("33:0"));
	assert_false(user_spec__is_root("www-data:root"));
}

static void test_valid_text(void **state)
{
	(void)state;
	assert_true(user_spec__valid_text("www-data"));
	assert_true(user_spec__valid_text("33:33"));
	assert_true(user_spec__valid_text("nginx:adm"));
	assert_true(user_spec__valid_text("host$"));
	assert_false(user_spec__valid_text(NULL));
	assert_false(user_spec__valid_text(""));
	assert_false(user_spec__valid_text("www\nExecStartPre=/bin/sh"));
	assert_false(user_spec__valid_text("web:%n"));
	assert_false(user_spec__valid_text("-rf"));
	assert_false(user_spec__valid_text("a:"));
	assert_false(user_spec__valid_text("a b"));
	assert_false(user_spec__valid_text("a$b"));
	assert_false(user_spec__valid_text("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 33 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_by_name_and_number),
		cmocka_unit_test(test_named_user_and_group),
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_bad_syntax),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_is_root),
		cmocka_unit_test(test_valid_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
