// SPDX-License-Identifier: MIT
/*
 * run --unit's preparation (cli/run_unit.h): what a unit fills in.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/run_unit.h"
#include "capdiet/core/log.h"

static char dir[] = "/tmp/capdiet-run-unit.XXXXXX";
static char unit_path[256];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(unit_path, sizeof(unit_path), "%s/web.service", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(unit_path);
	return rmdir(dir);
}

static void write_unit(const char *text, size_t pad)
{
	FILE *f = fopen(unit_path, "w");

	assert_non_null(f);
	fputs(text, f);
	for (size_t i = 0; i < pad; i++) /* comment lines: a larger unit */
		fputs("# padding padding padding padding padding padding padding padding\n", f);
	assert_int_equal(fclose(f), 0);
}

static void test_prepare(void **state)
{
	struct run_opts o = { .unit = unit_path };

	(void)state;
	write_unit("[Service]\nType=oneshot\nExecStart=true -x\nUser=nobody\n"
		   "CapabilityBoundingSet=CAP_KILL\n", 0);
	log_set_level(LOG_QUIET);
	assert_int_equal(run_unit__prepare(&o), EXIT_OK);
	log_set_level(LOG_WARN);
	assert_true(!strcmp(o.env.argv[0], "/usr/bin/true") || !strcmp(o.env.argv[0], "/bin/true"));
	assert_string_equal(o.env.argv[1], "-x");
	assert_string_equal(o.user, "nobody");
	assert_string_equal(o.name, "web");
	assert_true(run_unit__limit(o.run_unit) == CAPSET_BIT(CAP_KILL));
	run_unit__free(o.run_unit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepare),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
