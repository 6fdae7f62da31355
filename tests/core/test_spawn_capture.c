// SPDX-License-Identifier: MIT
/* spawn__capture: a command's output, bounded in size and time (sh, coreutils). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/clock.h"
#include "capdiet/core/spawn.h"

static int run(const char *script, size_t limit, int timeout_ms, struct spawn_output *o)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };

	return spawn__capture(argv, limit, timeout_ms, o);
}

static void test_both_streams(void **state)
{
	struct spawn_output o;

	(void)state;
	assert_int_equal(run("echo out; echo err >&2; exit 3", 1024, 5000, &o), 3);
	assert_string_equal(o.out, "out\n");
	assert_int_equal(o.out_len, 4);
	assert_string_equal(o.err, "err\n");
	spawn_output__clear(&o);
	spawn_output__clear(NULL);
}

/* More than fits the pipes at once, from both streams: no deadlock. */
static void test_large_output(void **state)
{
	struct spawn_output o;

	(void)state;
	assert_int_equal(run("head -c 300000 /dev/zero | tr '\\0' a; head -c 300000 /dev/zero >&2",
			     1 << 20, 10000, &o), 0);
	assert_int_equal(o.out_len, 300000);
	assert_int_equal(o.out[299999], 'a');
	assert_int_equal(strlen(o.err), 0); /* NULs: the tail is kept, as bytes */
	spawn_output__clear(&o);
}

static void test_stderr_keeps_end(void **state)
{
	struct spawn_output o;

	(void)state;
	assert_int_equal(run("head -c 10000 /dev/zero | tr '\\0' x >&2; echo; echo 'Error: last' >&2",
			     1024, 5000, &o), 0);
	assert_int_equal(strlen(o.err), sizeof(o.err) - 1);
	assert_non_null(strstr(o.err, "Error: last\n"));
	spawn_output__clear(&o);
}

static void test_limits(void **state)
{
	struct spawn_output o;
	double start = clock__now_ms();

	(void)state;
	assert_int_equal(run("yes", 100000, 10000, &o), -EFBIG);
	spawn_output__clear(&o);
	assert_int_equal(run("sleep 30", 1024, 300, &o), -ETIMEDOUT);
	spawn_output__clear(&o);
	/* a child of the command is stopped too: its group is killed */
	assert_int_equal(run("sleep 30 & wait", 1024, 300, &o), -ETIMEDOUT);
	spawn_output__clear(&o);
	assert_true(clock__now_ms() - start < 10000);
}

static void test_not_found(void **state)
{
	char *argv[] = { "capdiet-no-such-program", NULL };
	struct spawn_output o;

	(void)state;
	assert_int_equal(spawn__capture(argv, 1024, 5000, &o), -ENOENT);
	spawn_output__clear(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_streams),
		cmocka_unit_test(test_large_output),
		cmocka_unit_test(test_stderr_keeps_end),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
