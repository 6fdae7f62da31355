/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets.  A broken invariant aborts, so libFuzzer
 * saves the input as a crash just as it does for a sanitizer report.
 */
#ifndef CAPDIET_FUZZ_H
#define CAPDIET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
			fuzz__fail(__FILE__, __LINE__, #cond); \
	} while (0)

static inline __attribute__((noreturn)) void fuzz__fail(const char *file, int line,
							 const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* The input as a C string: what a command line or a YAML scalar would hold. */
static inline char *fuzz__cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_ASSERT(s);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
