// SPDX-License-Identifier: MIT
/*
 * One static table of capability names, up to CHECKPOINT_RESTORE (40),
 * whatever the host's libcap or kernel knows: the same manifest gets the
 * same verdict on every CI runner.  An older kernel is played with a
 * seccomp filter under which libcap finds only 40 capabilities (0-39), as
 * it would on Linux before 5.9; a number beyond the table prints as such.
 */
#include <errno.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/caps.h"

#define OLD_KERNEL_CAPS 40 /* 0..39: a kernel without CHECKPOINT_RESTORE */
#define AS_OLD_KERNEL "--as-old-kernel"

/* What must hold on any host; false, with why on stderr, when it does not. */
static bool names_are_the_tables(void)
{
	capset_t all = 0;

	if (caps__last_cap() != CAP_CHECKPOINT_RESTORE) {
		fprintf(stderr, "last capability %d\n", caps__last_cap());
		return false;
	}
	for (int cap = 0; cap <= caps__last_cap(); cap++) {
		if (!caps__name(cap) || caps__parse_name(caps__name(cap)) != cap ||
		    caps__parse_name(caps__full_name(cap)) != cap) {
			fprintf(stderr, "capability %d does not round-trip\n", cap);
			return false;
		}
	}
	if (caps__parse_name("checkpoint_restore") != CAP_CHECKPOINT_RESTORE ||
	    strcmp(caps__name(CAP_CHECKPOINT_RESTORE), "CHECKPOINT_RESTORE") ||
	    caps__parse_list("ALL", &all, NULL, 0) || all != caps__all() ||
	    caps__count(all) != CAP_CHECKPOINT_RESTORE + 1) {
		fprintf(stderr, "CHECKPOINT_RESTORE or ALL depends on the host\n");
		return false;
	}
	return true;
}

/* libcap counts the kernel's capabilities with PR_CAPBSET_READ: make the
 * ones from OLD_KERNEL_CAPS on look unknown, as an older kernel says. */
static int play_old_kernel(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!f)
		return -ENOMEM;
	rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(prctl), 2,
			      SCMP_A0(SCMP_CMP_EQ, PR_CAPBSET_READ),
			      SCMP_A1(SCMP_CMP_GE, OLD_KERNEL_CAPS));
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		rc = -errno;
	if (!rc)
		rc = seccomp_load(f);
	seccomp_release(f);
	return rc;
}

static void test_the_table_here(void **state)
{
	(void)state;
	assert_true(names_are_the_tables());
}

/* valgrind runs this binary as its own /proc/self/exe, and has no seccomp(2). */
static bool under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload");
}

/* Re-executed under the filter, so libcap meets the old kernel from its start. */
static void test_the_table_on_an_older_kernel(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (under_valgrind())
		skip(); /* the sanitizer and plain runs of the unit tests run it */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (play_old_kernel())
			_exit(3);
		execl("/proc/self/exe", "test_caps_table", AS_OLD_KERNEL, (char *)NULL);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Beyond the table: printed by number, refused as a name, not in ALL. */
static void test_beyond_the_table(void **state)
{
	capset_t set = 0;

	(void)state;
	assert_string_equal(caps__name(CAP_CHECKPOINT_RESTORE + 1), "cap_41");
	assert_string_equal(caps__full_name(63), "cap_63");
	assert_null(caps__name(64));
	assert_int_equal(caps__parse_name("cap_41"), -EINVAL);
	assert_int_equal(caps__parse_name("41"), -EINVAL);
	assert_false(caps__all() & CAPSET_BIT(41));
	assert_int_equal(caps__parse_list("CHOWN,cap_41", &set, NULL, 0), -EINVAL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_table_here),
		cmocka_unit_test(test_the_table_on_an_older_kernel),
		cmocka_unit_test(test_beyond_the_table),
	};

	if (argc == 2 && !strcmp(argv[1], AS_OLD_KERNEL)) {
		/* The filter must have worked, or this proves nothing. */
		if (cap_max_bits() != OLD_KERNEL_CAPS) {
			fprintf(stderr, "libcap sees %u capabilities, not %d\n", cap_max_bits(),
				OLD_KERNEL_CAPS);
			return 5;
		}
		return names_are_the_tables() ? 0 : 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
