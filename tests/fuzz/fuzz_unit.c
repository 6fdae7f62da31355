// SPDX-License-Identifier: MIT
/*
 * unit_file__parse() and unit_file__split() on any text.  Besides not
 * crashing or leaking: a unit that parses has a program given by its
 * absolute path (a bare name is resolved while parsing, so no PATH is ever
 * searched), every set is within the capabilities the kernel knows, and its
 * command substitutes without reading anything (EnvironmentFile= is never
 * opened here).
 */
#include <errno.h>

#include "capdiet/core/log.h"
#include "capdiet/core/unit_file.h"
#include "fuzz.h"

static void check_split(const char *text)
{
	for (unsigned flags = 0; flags < 4; flags++) {
		struct strlist words = { 0 };
		char err[64];
		int rc = unit_file__split(text, flags, &words, err, sizeof(err));

		FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
		FUZZ_ASSERT(rc == 0 || (flags & UNIT_SPLIT_RELAX) == 0);
		strlist__clear(&words);
	}
}

static void check_unit(const uint8_t *data, size_t size)
{
	static char *const env[] = { "A=one two", "B='q u' x", "PATH=/bin", NULL };
	char err[256] = "";
	struct unit_file *u = unit_file__parse((const char *)data, size, "f.service", err,
					       sizeof(err));
	char **argv;

	if (!u) {
		FUZZ_ASSERT(errno == EINVAL || errno == ENOENT);
		FUZZ_ASSERT(!strncmp(err, "f.service:", 10));
		return;
	}
	FUZZ_ASSERT(u->exec.n >= 1 && u->exec.v[0][0] == '/' && u->exec_line > 0);
	FUZZ_ASSERT(!(u->bounding & ~caps__all()) && !(u->ambient & ~caps__all()));
	argv = unit_file__argv(u, env, err, sizeof(err));
	FUZZ_ASSERT(argv || (u->exec_argv0 && errno == EINVAL));
	FUZZ_ASSERT(!argv || argv[0][0] == '/');
	unit_file__strv_free(argv);
	unit_file__free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz__cstring(data, size);

	log_set_level(LOG_QUIET);
	check_split(text);
	check_unit(data, size);
	free(text);
	return 0;
}
