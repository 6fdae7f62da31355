// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/core/caps.h"

static void test_parse_name_spellings(void **state)
{
	(void)state;
	assert_int_equal(caps__parse_name("CAP_CHOWN"), CAP_CHOWN);
	assert_int_equal(caps__parse_name("chown"), CAP_CHOWN);
	assert_int_equal(caps__parse_name("Cap_Net_Bind_Service"), CAP_NET_BIND_SERVICE);
	assert_int_equal(caps__parse_name(" setuid "), CAP_SETUID);
	assert_int_equal(caps__parse_name("checkpoint_restore"), CAP_CHECKPOINT_RESTORE);
}

static void test_parse_name_rejects(void **state)
{
	(void)state;
	assert_int_equal(caps__parse_name("CAP_CHOWNN"), -EINVAL);
	assert_int_equal(caps__parse_name(""), -EINVAL);
	assert_int_equal(caps__parse_name("CAP_"), -EINVAL);
	assert_int_equal(caps__parse_name("12"), -EINVAL);
	assert_int_equal(caps__parse_name("sys admin"), -EINVAL);
	assert_int_equal(caps__parse_name("all"), -EDOM);
	assert_int_equal(caps__parse_name("CAP_ALL"), -EDOM);
}

static void test_parse_list(void **state)
{
	capset_t set = 123;
	char bad[64] = "";

	(void)state;
	assert_int_equal(caps__parse_list("CHOWN,cap_setuid, NET_BIND_SERVICE", &set, bad, sizeof(bad)), 0);
	assert_true(set == (CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_SETUID) |
			    CAPSET_BIT(CAP_NET_BIND_SERVICE)));
	assert_int_equal(caps__parse_list("", &set, NULL, 0), 0);
	assert_true(set == 0);
	assert_int_equal(caps__parse_list("all", &set, NULL, 0), 0);
	assert_true(set == caps__all());
	set = 1;
	assert_int_equal(caps__parse_list("NONE", &set, NULL, 0), 0);
	assert_true(set == 0);
	set = 1;
	assert_int_equal(caps__parse_list(" none ", &set, NULL, 0), 0);
	assert_true(set == 0);
	/* NONE is the whole list, not a name among others. */
	assert_int_equal(caps__parse_list("NONE,CHOWN", &set, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "NONE");
	assert_int_equal(caps__parse_list("CHOWN,SETUDI", &set, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "SETUDI");
}

/* Found by fuzz_caps: blanks longer than the item buffer hid the name. */
static void test_parse_list_long_padding(void **state)
{
	char list[512], bad[64] = "";
	capset_t set = 0;

	(void)state;
	snprintf(list, sizeof(list), "%200s", "chown");
	assert_int_equal(caps__parse_list(list, &set, bad, sizeof(bad)), 0);
	assert_true(set == CAPSET_BIT(CAP_CHOWN));
	memset(list, '\t', 130);
	snprintf(list + 130, sizeof(list) - 130, "SETUDI");
	assert_int_equal(caps__parse_list(list, &set, bad, sizeof(bad)), -EINVAL);
	snprintf(list, sizeof(list), "chown%200s", "x");
	assert_int_equal(caps__parse_list(list, &set, bad, sizeof(bad)), -EINVAL);
}

static void test_names_and_format(void **state)
{
	char *s;

	(void)state;
	assert_string_equal(caps__name(CAP_NET_BIND_SERVICE), "NET_BIND_SERVICE");
	assert_string_equal(caps__full_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
	assert_null(caps__name(-1));
	/* Beyond the table: named by number, never NULL (a set may hold it). */
	assert_string_equal(caps__name(caps__last_cap() + 1), "cap_41");
	assert_null(caps__name(64));
	s = caps__format(CAPSET_BIT(CAP_SETGID) | CAPSET_BIT(CAP_CHOWN), ",", false);
	assert_string_equal(s, "CHOWN,SETGID");
	free(s);
	s = caps__format(CAPSET_BIT(CAP_KILL), " ", true);
	assert_string_equal(s, "CAP_KILL");
	free(s);
	s = caps__format(0, ",", false);
	assert_string_equal(s, "");
	free(s);
}

static void test_hex_and_defaults(void **state)
{
	capset_t set = 0;

	(void)state;
	assert_int_equal(caps__parse_hex("00000000a80425fb", &set), 0);
	assert_true(set == caps__docker_default());
	assert_int_equal(caps__count(caps__docker_default()), 14);
	assert_int_equal(caps__count(caps__podman_default()), 11);
	assert_int_equal(caps__parse_hex("xyz", &set), -EINVAL);
	assert_int_equal(caps__parse_hex("", &set), -EINVAL);
}

static void test_by_danger(void **state)
{
	int out[64];
	size_t n;

	(void)state;
	n = caps__by_danger(CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_SYS_ADMIN) |
			    CAPSET_BIT(CAP_CHOWN), out, 64);
	assert_int_equal(n, 3);
	assert_int_equal(out[0], CAP_SYS_ADMIN);
	assert_int_equal(out[2], CAP_NET_BIND_SERVICE);
	assert_int_equal(caps__by_danger(caps__all(), out, 64), caps__count(caps__all()));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_name_spellings),
		cmocka_unit_test(test_parse_name_rejects),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_list_long_padding),
		cmocka_unit_test(test_names_and_format),
		cmocka_unit_test(test_hex_and_defaults),
		cmocka_unit_test(test_by_danger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
