// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/observe/ksyms.h"
#include "ksyms_text.h"

static const char sample[] =
	"ffffffff81a80b10 T cap_vm_enough_memory\n"
	"ffffffff81a80900 T cap_capable\n"
	"ffffffff81000000 D some_data\n"
	"ffffffff81a85b30 T security_vm_enough_memory_mm\n"
	"ffffffff81a85c00 t static_helper\t[ext4]\n"
	"garbage line\n";

static void test_resolve(void **state)
{
	struct ksyms *ks = ksyms_text__load(sample);
	uint64_t off = 0;

	(void)state;
	assert_int_equal(ksyms__count(ks), 4); /* data symbol and garbage skipped */
	assert_string_equal(ksyms__resolve(ks, 0xffffffff81a80900, &off), "cap_capable");
	assert_int_equal(off, 0);
	assert_string_equal(ksyms__resolve(ks, 0xffffffff81a80a00, &off), "cap_capable");
	assert_int_equal(off, 0x100);
	assert_string_equal(ksyms__resolve(ks, 0xffffffff81a85b31, NULL),
			    "security_vm_enough_memory_mm");
	assert_string_equal(ksyms__resolve(ks, 0xffffffff81a85c10, NULL), "static_helper");
	assert_null(ksyms__resolve(ks, 0x1000, NULL));
	ksyms__free(ks);
}

static void test_range(void **state)
{
	struct ksyms *ks = ksyms_text__load(sample);
	uint64_t start, end;

	(void)state;
	assert_int_equal(ksyms__range(ks, "cap_capable", &start, &end), 0);
	assert_true(start == 0xffffffff81a80900ULL);
	assert_true(end == 0xffffffff81a80b10ULL);
	assert_int_equal(ksyms__range(ks, "nope", &start, &end), -ENOENT);
	ksyms__free(ks);
	ksyms__free(NULL);
}

static void test_empty(void **state)
{
	FILE *f = fmemopen((void *)"", 0, "r");
	struct ksyms *ks;

	(void)state;
	ks = ksyms__parse(f ? f : stdin);
	if (f)
		fclose(f);
	assert_non_null(ks);
	assert_int_equal(ksyms__count(ks), 0);
	assert_null(ksyms__resolve(ks, 0xffffffff81a80900, NULL));
	ksyms__free(ks);
}

/* Found by fuzz_ksyms: a 17-digit address saturated to 2^64-1 and its
 * range wrapped around to end at 0. */
static void test_address_past_64_bits(void **state)
{
	static const char text[] = "ffff8837cd0000000 T too_wide\n"
				   "ffffffffffffffff T at_the_top\n"
				   "ffffffff81000000 T fits\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct ksyms *ks;
	uint64_t start, end;

	(void)state;
	assert_non_null(f);
	ks = ksyms__parse(f);
	fclose(f);
	assert_non_null(ks);
	assert_int_equal(ksyms__count(ks), 1);
	assert_int_equal(ksyms__range(ks, "too_wide", &start, &end), -ENOENT);
	assert_int_equal(ksyms__range(ks, "at_the_top", &start, &end), -ENOENT);
	assert_int_equal(ksyms__range(ks, "fits", &start, &end), 0);
	assert_true(start < end);
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_address_past_64_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
