// SPDX-License-Identifier: MIT
/*
 * caps__parse_name() and caps__parse_list() on any text: besides not
 * crashing, a list must mean exactly the union of its comma-separated names,
 * so no name is ever skipped or invented.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <strings.h>

#include "capdiet/core/caps.h"
#include "fuzz.h"

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Each name on its own, through caps__parse_name(); false if one is unknown. */
static bool union_of_names(const char *list, capset_t *set)
{
	const char *p = list;

	*set = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *name = strndup(p, len);
		int cap;

		FUZZ_ASSERT(name);
		cap = caps__parse_name(name);
		free(name);
		if (cap == -EDOM)
			*set |= caps__all();
		else if (cap >= 0)
			*set |= CAPSET_BIT(cap);
		else if (!blank(p, len))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static void check_name(const char *text)
{
	int cap = caps__parse_name(text);

	FUZZ_ASSERT(cap >= 0 || cap == -EINVAL || cap == -EDOM);
	if (cap < 0)
		return;
	FUZZ_ASSERT(cap <= caps__last_cap());
	FUZZ_ASSERT(caps__parse_name(caps__name(cap)) == cap);
	FUZZ_ASSERT(caps__parse_name(caps__full_name(cap)) == cap);
}

static void check_round_trip(capset_t set, bool prefix)
{
	char *text = caps__format(set, prefix ? ", " : ",", prefix);
	capset_t again = ~set;

	FUZZ_ASSERT(text);
	FUZZ_ASSERT(caps__parse_list(text, &again, NULL, 0) == 0);
	FUZZ_ASSERT(again == set);
	free(text);
}

/* bad_len varies so a short buffer for the offending name is exercised too. */
static void check_list(const char *text, size_t bad_len)
{
	char *bad = malloc(bad_len);
	capset_t set = 0, expected;
	bool valid = union_of_names(text, &expected);
	size_t len = strlen(text);
	const char *word = text;
	int rc;

	/* NONE, as the whole list, is the empty set. */
	while (len && isspace((unsigned char)*word))
		word++, len--;
	while (len && isspace((unsigned char)word[len - 1]))
		len--;
	if (len == 4 && !strncasecmp(word, "none", 4)) {
		valid = true;
		expected = 0;
	}

	FUZZ_ASSERT(bad);
	rc = caps__parse_list(text, &set, bad, bad_len);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	FUZZ_ASSERT((rc == 0) == valid);
	if (rc == 0) {
		FUZZ_ASSERT(set == expected);
		FUZZ_ASSERT((set & ~caps__all()) == 0);
		check_round_trip(set, false);
		check_round_trip(set, true);
	} else {
		FUZZ_ASSERT(memchr(bad, '\0', bad_len));
	}
	free(bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz__cstring(data, size);

	check_name(text);
	check_list(text, 1 + size % 80);
	free(text);
	return 0;
}
