// SPDX-License-Identifier: MIT
/*
 * What a capdiet.io/allow annotation may allow when the allowlist permits
 * annotations but says no inline_max: nothing whose effect reaches past
 * the container (the node's clock, power, audit log, scheduler, the
 * kernel), everything that stays inside it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/caps.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"

/* Each reaches past the container's namespaces and resources. */
static const char *const host_level[] = {
	"SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "SYS_BOOT", "DAC_READ_SEARCH",
	"BPF", "PERFMON", "NET_ADMIN", "MAC_ADMIN", "MAC_OVERRIDE", "SYSLOG", "AUDIT_CONTROL",
	"AUDIT_WRITE", "AUDIT_READ", "SYS_TIME", "WAKE_ALARM", "BLOCK_SUSPEND", "SYS_NICE",
	"SYS_RESOURCE", "SYS_PACCT", "SYS_TTY_CONFIG", "LINUX_IMMUTABLE",
};

/* Each stays inside: its files, processes, network and IPC namespaces. */
static const char *const inside[] = {
	"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETUID", "SETGID", "SETPCAP",
	"SETFCAP", "SYS_CHROOT", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "IPC_OWNER",
	"IPC_LOCK", "MKNOD", "LEASE", "CHECKPOINT_RESTORE",
};

static capset_t one(const char *name)
{
	capset_t set = 0;

	assert_int_equal(caps__parse_list(name, &set, NULL, 0), 0);
	assert_int_equal(caps__count(set), 1);
	return set;
}

/* Every capability is decided: denied inline or allowed inline, none forgotten. */
static void test_default_max(void **state)
{
	capset_t max = check_inline__default_max(), seen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(host_level) / sizeof(host_level[0]); i++) {
		if (max & one(host_level[i]))
			fail_msg("an annotation may allow %s by default", host_level[i]);
		seen |= one(host_level[i]);
	}
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		if (!(max & one(inside[i])))
			fail_msg("an annotation may not allow %s by default", inside[i]);
		seen |= one(inside[i]);
	}
	assert_true(seen == caps__all());
}

static const char clock_pod[] =
	"apiVersion: v1\nkind: Pod\n"
	"metadata:\n  name: ntp\n  annotations:\n"
	"    capdiet.io/allow: \"SYS_TIME: keeps the clock; NET_BIND_SERVICE,NET_RAW: port 123\"\n"
	"spec: {containers: [{name: ntpd, securityContext: {capabilities: "
	"{drop: [ALL], add: [SYS_TIME, NET_RAW]}}}]}\n";

/* The annotation's SYS_TIME is named on stderr and stays a violation; NET_RAW is excepted. */
static void test_annotation_cannot_set_the_clock(void **state)
{
	static const char allow[] = "inline_exceptions: true\n";
	struct check_inventory inv = { 0 };
	struct check_allowlist *al;
	struct strlist notices = { 0 };
	struct check_report r;
	char err[512] = "";
	size_t excepted = 0, failing = 0;

	(void)state;
	assert_int_equal(check__parse_buffer(&inv, clock_pod, strlen(clock_pod), "ntp.yaml", err,
					     sizeof(err)), 0);
	al = check_allowlist__parse(allow, strlen(allow), "al.yaml", err, sizeof(err));
	assert_non_null(al);
	assert_int_equal(check_inline__add_exceptions(al, &inv, &notices), 0);
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	for (size_t i = 0; i < r.n; i++) {
		bool sys_time = !strcmp(caps__name(r.v[i].cap), "SYS_TIME");

		assert_int_equal(r.v[i].outcome, sys_time ? CHECK_VIOLATION : CHECK_EXCEPTED);
		failing += sys_time;
		excepted += !sys_time;
	}
	assert_int_equal(failing, 1);
	assert_int_equal(excepted, 1);
	assert_int_equal(notices.n, 1);
	assert_non_null(strstr(notices.v[0], "ntp.yaml:6: capdiet.io/allow ignored for SYS_TIME"));
	check_report__clear(&r);
	strlist__clear(&notices);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_max),
		cmocka_unit_test(test_annotation_cannot_set_the_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
