// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/observe/classify.h"
#include "capdiet/observe/noaudit.h"
#include "capdiet/observe/syscalls.h"

static struct observation make(int cap, enum cd_outcome outcome, const char *syscall, int64_t ret)
{
	struct observation o;

	memset(&o, 0, sizeof(o));
	o.cap = cap;
	o.outcome = outcome;
	o.syscall = syscall ? syscalls__number(syscall) : CD_NO_SYSCALL;
	o.ret = ret;
	return o;
}

static void test_mmap_noaudit_is_tolerated_even_if_syscall_failed(void **state)
{
	const char *frames[] = { "bpf_trace_run5", "__bpf_trace_cap_capable", "cap_capable",
				 "cap_vm_enough_memory", "security_vm_enough_memory_mm",
				 "mmap_region", "do_mmap" };
	struct observation o = make(CAP_SYS_ADMIN, CD_OUT_SYSCALL_FAILED, "mmap", -ENOMEM);

	(void)state;
	classify__one(&o, frames, 7);
	assert_int_equal(o.klass, OBS_TOLERATED);
	assert_non_null(strstr(o.reason, "noaudit"));
	assert_string_equal(o.call_site, "security_vm_enough_memory_mm");
	assert_true(strncmp(o.stack_text, "cap_capable <- ", 15) == 0);
}

static void test_outcomes(void **state)
{
	const char *frames[] = { "cap_capable", "security_capable", "ns_capable_setid", "__sys_setgid" };
	struct observation o;

	(void)state;
	o = make(CAP_SETGID, CD_OUT_SYSCALL_FAILED, "setgid", -EPERM);
	classify__one(&o, frames, 4);
	assert_int_equal(o.klass, OBS_REQUIRED);
	assert_string_equal(o.reason, "setgid failed with EPERM");
	assert_string_equal(o.call_site, "__sys_setgid");
	assert_string_equal(o.syscall_name, "setgid");

	o = make(CAP_SETUID, CD_OUT_SYSCALL_OK, "setuid", 0);
	classify__one(&o, frames, 4);
	assert_int_equal(o.klass, OBS_TOLERATED);
	assert_string_equal(o.reason, "denied, but setuid succeeded");

	o = make(CAP_CHOWN, CD_OUT_GRANTED, "chown", 0);
	classify__one(&o, NULL, 0);
	assert_int_equal(o.klass, OBS_GRANTED);

	o = make(CAP_NET_ADMIN, CD_OUT_NOAUDIT, "socket", 0);
	classify__one(&o, NULL, 0);
	assert_int_equal(o.klass, OBS_TOLERATED);

	o = make(CAP_KILL, CD_OUT_UNKNOWN, "kill", 0);
	classify__one(&o, NULL, 0);
	assert_int_equal(o.klass, OBS_REQUIRED);
	assert_non_null(strstr(o.reason, "never returned"));

	o = make(CAP_SYS_RESOURCE, CD_OUT_UNTRACKED, "setrlimit", 0);
	classify__one(&o, NULL, 0);
	assert_int_equal(o.klass, OBS_REQUIRED);
	assert_non_null(strstr(o.reason, "outcome not tracked"));

	o = make(CAP_SYS_ADMIN, CD_OUT_UNKNOWN, NULL, 0);
	classify__one(&o, NULL, 0);
	assert_int_equal(o.klass, OBS_REQUIRED);
	assert_string_equal(o.syscall_name, "-");
}

static void test_unknown_outcome_with_noaudit_stack(void **state)
{
	const char *frames[] = { "cap_capable", "security_capable", "ns_capable_noaudit", "ptrace_may_access" };
	struct observation o = make(CAP_SYS_PTRACE, CD_OUT_UNKNOWN, "openat", 0);

	(void)state;
	classify__one(&o, frames, 4);
	assert_int_equal(o.klass, OBS_TOLERATED);
	assert_string_equal(o.call_site, "ptrace_may_access");
	assert_null(noaudit__caller(frames, 2));
}

static void test_call_site_skips_helpers(void **state)
{
	const char *frames[] = { "cap_capable", "security_capable", "capable_wrt_inode_uidgid",
				 "setattr_prepare", "ext4_setattr", "notify_change" };
	struct observation o = make(CAP_CHOWN, CD_OUT_SYSCALL_FAILED, "fchownat", -EPERM);

	(void)state;
	classify__one(&o, frames, 6);
	assert_string_equal(o.call_site, "setattr_prepare");
	assert_string_equal(o.reason, "fchownat failed with EPERM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap_noaudit_is_tolerated_even_if_syscall_failed),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_unknown_outcome_with_noaudit_stack),
		cmocka_unit_test(test_call_site_skips_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
