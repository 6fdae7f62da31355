/* SPDX-License-Identifier: MIT */
/* For the tests of observe: kernel symbols from kallsyms-format text.
 * Include after <cmocka.h>. */
#ifndef CAPDIET_TESTS_KSYMS_TEXT_H
#define CAPDIET_TESTS_KSYMS_TEXT_H

#include <stdio.h>
#include <string.h>

#include "capdiet/observe/ksyms.h"

/* The symbols of text; fails the test when it cannot be parsed. */
static inline struct ksyms *ksyms_text__load(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct ksyms *ks;

	assert_non_null(f);
	ks = ksyms__parse(f);
	fclose(f);
	assert_non_null(ks);
	return ks;
}

#endif
