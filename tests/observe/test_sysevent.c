// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/observe/syscalls.h"
#include "capdiet/observe/sysevent.h"

#define BIT(c) CAPSET_BIT(c)

static void test_failed_capset_names_what_permitted_lacks(void **state)
{
	struct cd_syskey key = { .exe_id = 7, .syscall = syscalls__number("capset"), .ret = -EPERM };
	struct cd_sysevent v = {
		.count = 2, .first_ns = 99, .pid = 42,
		.asked_permitted = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID),
		.asked_effective = BIT(CAP_NET_BIND_SERVICE),
		.cur_permitted = BIT(CAP_SETUID), .cur_bounding = BIT(CAP_SETUID),
	};
	struct observations obs = { 0 };

	(void)state;
	assert_int_equal(sysevent__decode(&key, &v, "/usr/sbin/d", &obs), 0);
	assert_int_equal(obs.n, 1);
	assert_int_equal(obs.v[0].cap, CAP_NET_BIND_SERVICE);
	assert_int_equal(obs.v[0].klass, OBS_REQUIRED);
	assert_int_equal(obs.v[0].outcome, CD_OUT_SYSCALL_FAILED);
	assert_true(obs.v[0].preclassified);
	assert_int_equal(obs.v[0].count, 2);
	assert_int_equal(obs.v[0].first_ns, 99);
	assert_string_equal(obs.v[0].syscall_name, "capset");
	assert_string_equal(obs.v[0].exe, "/usr/sbin/d");
	assert_non_null(strstr(obs.v[0].reason, "CAP_NET_BIND_SERVICE"));
	observations__clear(&obs);
}

static void test_inheritable_beyond_bounding(void **state)
{
	struct cd_syskey key = { .syscall = syscalls__number("capset"), .ret = -EPERM };
	struct cd_sysevent v = { .asked_inheritable = BIT(CAP_NET_RAW) };
	struct observations obs = { 0 };

	(void)state;
	assert_int_equal(sysevent__decode(&key, &v, "/x", &obs), 0);
	assert_int_equal(obs.n, 1);
	assert_int_equal(obs.v[0].cap, CAP_NET_RAW);
	observations__clear(&obs);
}

static void test_successful_capset_is_evidence(void **state)
{
	struct cd_syskey key = { .syscall = syscalls__number("capset"), .ret = 0 };
	struct cd_sysevent v = {
		.asked_permitted = BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW),
		.cur_permitted = BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW),
		.cur_bounding = BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_SYS_ADMIN),
	};
	struct observations obs = { 0 };

	(void)state;
	assert_int_equal(sysevent__decode(&key, &v, "/x", &obs), 0);
	assert_int_equal(obs.n, 2);
	for (size_t i = 0; i < obs.n; i++) {
		assert_int_equal(obs.v[i].klass, OBS_GRANTED);
		assert_string_equal(obs.v[i].reason, "kept by capset");
	}
	observations__clear(&obs);
	/* Setting the whole bounding set again (cap_set_proc after clearing
	 * effective) keeps nothing in particular. */
	v.asked_permitted = v.cur_bounding;
	assert_int_equal(sysevent__decode(&key, &v, "/x", &obs), 0);
	assert_int_equal(obs.n, 0);
	/* A broken call is no missing capability. */
	key.ret = -EINVAL;
	v.cur_permitted = 0;
	assert_int_equal(sysevent__decode(&key, &v, "/x", &obs), 0);
	assert_int_equal(obs.n, 0);
}

static void test_refused_exec_without_file_caps_is_nothing(void **state)
{
	struct cd_syskey key = { .syscall = syscalls__number("execve"), .ret = -EPERM };
	struct cd_sysevent v = { .cur_bounding = 0 };
	struct observations obs = { 0 };

	(void)state;
	snprintf(v.path, sizeof(v.path), "/bin/sh"); /* carries no file capabilities */
	assert_int_equal(sysevent__decode(&key, &v, "/bin/sh", &obs), 0);
	assert_int_equal(obs.n, 0);
	assert_int_equal(sysevent__exec_refused("/usr/bin/ping", BIT(CAP_NET_RAW),
						key.syscall, &obs), 0);
	assert_int_equal(obs.n, 1);
	assert_string_equal(obs.v[0].arg, "/usr/bin/ping");
	assert_int_equal(obs.v[0].arg_kind, CD_ARG_PATH);
	assert_int_equal(obs.v[0].ret, -EPERM);
	observations__clear(&obs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_capset_names_what_permitted_lacks),
		cmocka_unit_test(test_inheritable_beyond_bounding),
		cmocka_unit_test(test_successful_capset_is_evidence),
		cmocka_unit_test(test_refused_exec_without_file_caps_is_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
