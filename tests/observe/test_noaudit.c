// SPDX-License-Identifier: MIT
/* The one list of noaudit callers, as the classifier and the recorder read it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/observe/noaudit.h"
#include "ksyms_text.h"

/* Three of the callers (out of the list's order) and their neighbours,
 * which end each range. */
static const char kallsyms[] =
	"ffffffff81100000 T ns_capable_noaudit\n"
	"ffffffff81100080 T ns_capable_setid\n"
	"ffffffff81a80b10 T cap_vm_enough_memory\n"
	"ffffffff81a80b90 T cap_mmap_addr\n"
	"ffffffff81a85b30 T security_vm_enough_memory_mm\n"
	"ffffffff81a85bd0 T security_mmap_file\n";

static void test_caller_is_the_innermost_listed_frame(void **state)
{
	const char *frames[] = { "cap_capable", NULL, "cap_vm_enough_memory",
				 "security_vm_enough_memory_mm", "do_mmap" };

	(void)state;
	assert_string_equal(noaudit__caller(frames, 5), "cap_vm_enough_memory");
	/* Only the first n frames count. */
	assert_null(noaudit__caller(frames, 2));
	assert_null(noaudit__caller(frames, 0));
}

static void test_no_caller_in_an_ordinary_stack(void **state)
{
	const char *frames[] = { "cap_capable", "security_capable", "ns_capable",
				 "capable_wrt_inode_uidgid", "chown_common" };

	(void)state;
	assert_null(noaudit__caller(frames, 5));
}

/* Names must match whole: a prefix of a caller is another function. */
static void test_caller_names_match_whole(void **state)
{
	const char *frames[] = { "ns_capable", "has_capability", "__vm_enough_memory_x" };

	(void)state;
	assert_null(noaudit__caller(frames, 3));
}

static void test_ranges_in_list_order_skipping_absent(void **state)
{
	struct ksyms *ks = ksyms_text__load(kallsyms);
	struct noaudit_range r[CD_NOAUDIT_RANGES];

	(void)state;
	memset(r, 0, sizeof(r));
	assert_int_equal(noaudit__ranges(ks, r, CD_NOAUDIT_RANGES), 3);
	assert_true(r[0].start == 0xffffffff81a85b30ULL && r[0].end == 0xffffffff81a85bd0ULL);
	assert_true(r[1].start == 0xffffffff81a80b10ULL && r[1].end == 0xffffffff81a80b90ULL);
	assert_true(r[2].start == 0xffffffff81100000ULL && r[2].end == 0xffffffff81100080ULL);
	assert_true(r[3].start == 0 && r[3].end == 0);
	ksyms__free(ks);
}

static void test_ranges_stop_at_max(void **state)
{
	struct ksyms *ks = ksyms_text__load(kallsyms);
	struct noaudit_range r[2] = { { 0, 0 }, { 7, 7 } };

	(void)state;
	assert_int_equal(noaudit__ranges(ks, r, 1), 1);
	assert_true(r[0].start == 0xffffffff81a85b30ULL);
	assert_true(r[1].start == 7); /* untouched */
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caller_is_the_innermost_listed_frame),
		cmocka_unit_test(test_no_caller_in_an_ordinary_stack),
		cmocka_unit_test(test_caller_names_match_whole),
		cmocka_unit_test(test_ranges_in_list_order_skipping_absent),
		cmocka_unit_test(test_ranges_stop_at_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
