// SPDX-License-Identifier: MIT
/*
 * The launcher API end to end: real processes, so most cases need root
 * (setting the bounding set needs CAP_SETPCAP) and skip without it, saying
 * what is missing; under CI (CI=true) they fail instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/caps.h"
#include "capdiet/observe/launch.h"
#include "capdiet/core/user.h"

/* What this process lacks to launch with an exact set, or NULL. */
static const char *missing_rights(void)
{
	static const struct { cap_value_t cap; const char *why; } needed[] = {
		{ CAP_SETPCAP, "CAP_SETPCAP (root without it): dropping the bounding set needs it" },
		{ CAP_SETUID, "CAP_SETUID (root without it): switching users needs it" },
		{ CAP_SETGID, "CAP_SETGID (root without it): switching groups needs it" },
	};
	const char *missing = NULL;
	cap_flag_value_t on;
	cap_t self;

	if (geteuid() != 0)
		return "root (euid 0): dropping the bounding set and switching users need it";
	self = cap_get_proc();
	for (size_t i = 0; self && !missing && i < sizeof(needed) / sizeof(needed[0]); i++)
		if (cap_get_flag(self, needed[i].cap, CAP_EFFECTIVE, &on) == 0 && on != CAP_SET)
			missing = needed[i].why;
	cap_free(self);
	return missing;
}

/*
 * Skips a test that needs root, saying once what is missing; under CI
 * (CI=true) fails instead, as a skipped launch test would hide a broken
 * launcher behind a green run.
 */
static void need_root(void)
{
	static bool said;
	const char *ci = getenv("CI");
	const char *missing = missing_rights();

	if (!missing)
		return;
	if (ci && !strcmp(ci, "true"))
		fail_msg("test_launch needs %s, and CI=true: it must run, not skip", missing);
	if (!said)
		print_message("test_launch: skipping the tests that launch: needs %s\n", missing);
	said = true;
	skip();
}

static struct launch *start(char **argv, capset_t caps, const struct user_spec *user,
			    int stdout_fd)
{
	struct launch_spec spec = {
		.argv = argv, .caps = caps, .user = user,
		.stdin_fd = -1, .stdout_fd = stdout_fd, .stderr_fd = -1,
	};
	struct launch *l = NULL;

	assert_int_equal(launch__start(&spec, &l), 0);
	assert_non_null(l);
	assert_true(launch__pid(l) > 0);
	return l;
}

/* The value of one "Field:\t<hex>" line in a captured /proc/self/status. */
static capset_t status_field(const char *text, const char *field)
{
	const char *p = strstr(text, field);
	capset_t set = ~(capset_t)0;

	assert_non_null(p);
	assert_int_equal(caps__parse_hex(p + strlen(field) + 1 + strspn(p + strlen(field) + 1, " \t"), &set), 0);
	return set;
}

/* Runs cat /proc/self/status with caps as user; returns what it printed. */
static char *status_of_launched(capset_t caps, const struct user_spec *user)
{
	char path[] = "/tmp/capdiet-test-launch.XXXXXX", *text = calloc(1, 8192);
	char *argv[] = { "cat", "/proc/self/status", NULL };
	int fd = mkstemp(path), status = -1;
	struct launch *l;

	assert_true(fd >= 0);
	unlink(path);
	l = start(argv, caps, user, fd);
	assert_int_equal(launch__go(l), 0);
	assert_int_equal(launch__wait(l, 5000, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	launch__free(l);
	assert_true(pread(fd, text, 8191, 0) > 0);
	close(fd);
	return text;
}

static void assert_exact_sets(const char *text, capset_t caps)
{
	static const char *const fields[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (status_field(text, fields[i]) != caps)
			fail_msg("%s is %016llx, want %016llx", fields[i],
				 (unsigned long long)status_field(text, fields[i]),
				 (unsigned long long)caps);
}

static void test_rejects_bad_spec(void **state)
{
	struct launch_spec spec = { .argv = NULL, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };
	struct launch *l = (struct launch *)&spec;

	(void)state;
	assert_int_equal(launch__start(&spec, &l), -EINVAL);
	assert_null(l);
	launch__free(NULL);
}

static void test_exact_sets_root_and_user(void **state)
{
	capset_t caps = CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_CHOWN);
	struct user_spec *nobody = NULL;
	char *text;

	(void)state;
	need_root();
	text = status_of_launched(caps, NULL);
	assert_exact_sets(text, caps);
	assert_non_null(strstr(text, "NoNewPrivs:\t1"));
	free(text);
	assert_int_equal(user_spec__parse("nobody", &nobody), 0);
	text = status_of_launched(caps, nobody);
	assert_exact_sets(text, caps);
	free(text);
	text = status_of_launched(0, nobody);
	assert_exact_sets(text, 0);
	free(text);
	user_spec__free(nobody);
}

static void test_missing_command(void **state)
{
	char *argv[] = { "capdiet-test-no-such-command", NULL };
	struct launch *l;
	int status = -1;

	(void)state;
	need_root();
	l = start(argv, 0, NULL, -1);
	assert_int_equal(launch__go(l), -ENOENT);
	assert_int_equal(launch__wait(l, 5000, &status), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 127);
	launch__free(l);
}

static void test_timeout_then_stop(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct launch *l;
	int status = -1;

	(void)state;
	need_root();
	l = start(argv, 0, NULL, -1);
	assert_int_equal(launch__go(l), 0);
	assert_int_equal(launch__wait(l, 50, &status), -ETIMEDOUT);
	assert_true(launch__alive(l));
	assert_int_equal(launch__stop(l, 2000), 0);
	assert_false(launch__alive(l));
	assert_int_equal(launch__wait(l, 0, &status), 0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	launch__free(l);
}

/* A daemon that left the process group and was orphaned is still stopped. */
static void test_stop_reaches_daemon(void **state)
{
	char *argv[] = { "sh", "-c", "setsid sleep 30 & exit 7", NULL };
	char *cgroup = NULL;
	struct launch *l;
	int status = -1;

	(void)state;
	need_root();
	l = start(argv, 0, NULL, -1);
	if (launch__cgroup_path(l))
		cgroup = strdup(launch__cgroup_path(l));
	assert_int_equal(launch__go(l), 0);
	assert_int_equal(launch__wait(l, 5000, &status), 0);
	assert_int_equal(WEXITSTATUS(status), 7);
	assert_true(launch__alive(l)); /* the setsid'd sleep */
	assert_int_equal(launch__stop(l, 2000), 0);
	assert_false(launch__alive(l));
	launch__free(l);
	if (cgroup)
		assert_int_equal(access(cgroup, F_OK), -1); /* removed */
	free(cgroup);
}

static void test_two_launches_apart(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct launch *a, *b;

	(void)state;
	need_root();
	a = start(argv, 0, NULL, -1);
	b = start(argv, 0, NULL, -1);
	if (launch__cgroup_path(a)) {
		assert_non_null(launch__cgroup_path(b));
		assert_string_not_equal(launch__cgroup_path(a), launch__cgroup_path(b));
		assert_true(launch__cgroup_id(a) != 0);
		assert_true(launch__cgroup_id(a) != launch__cgroup_id(b));
	}
	assert_int_equal(launch__go(a), 0);
	assert_int_equal(launch__go(b), 0);
	assert_int_equal(launch__stop(a, 2000), 0);
	assert_false(launch__alive(a));
	assert_true(launch__alive(b));
	launch__free(a);
	assert_true(launch__alive(b));
	launch__free(b);
}

/* Freed before go: the waiting child goes away and nothing was exec'd. */
static void test_free_before_go(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	struct launch *l;
	pid_t pid;

	(void)state;
	need_root();
	l = start(argv, 0, NULL, -1);
	pid = launch__pid(l);
	assert_true(launch__alive(l));
	launch__free(l);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void test_signal_interrupts_wait(void **state)
{
	char *argv[] = { "sleep", "30", NULL };
	bool from_terminal = true;
	struct launch *l;
	int status = -1;

	(void)state;
	need_root();
	assert_int_equal(launch__catch_signals(), 0);
	l = start(argv, 0, NULL, -1);
	assert_int_equal(launch__go(l), 0);
	assert_int_equal(launch__take_signal(NULL), 0);
	raise(SIGTERM);
	assert_int_equal(launch__wait(l, 5000, &status), -EINTR);
	assert_int_equal(launch__take_signal(&from_terminal), SIGTERM);
	assert_false(from_terminal);
	assert_int_equal(launch__forward_signal(l, SIGTERM, from_terminal), 0);
	assert_int_equal(launch__wait(l, 5000, &status), 0);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	launch__free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_bad_spec),
		cmocka_unit_test(test_exact_sets_root_and_user),
		cmocka_unit_test(test_missing_command),
		cmocka_unit_test(test_timeout_then_stop),
		cmocka_unit_test(test_stop_reaches_daemon),
		cmocka_unit_test(test_two_launches_apart),
		cmocka_unit_test(test_free_before_go),
		cmocka_unit_test(test_signal_interrupts_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
