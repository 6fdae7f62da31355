// SPDX-License-Identifier: MIT
/*
 * ksyms__parse() on any text, then lookups: addresses taken from the input
 * itself and the edges of the address space.  A resolved address must lie
 * in its symbol: the symbol's start resolves to the same name at offset 0.
 */
#include <errno.h>

#include "capdiet/observe/ksyms.h"
#include "fuzz.h"

#define MAX_LOOKUPS 32

static void check_lookup(const struct ksyms *ks, uint64_t addr)
{
	uint64_t offset = UINT64_MAX, again = UINT64_MAX, start = 0, end = 0;
	const char *name = ksyms__resolve(ks, addr, &offset), *at_start;

	if (!name)
		return;
	FUZZ_ASSERT(*name && offset <= addr);
	at_start = ksyms__resolve(ks, addr - offset, &again);
	FUZZ_ASSERT(at_start == name && again == 0);
	FUZZ_ASSERT(ksyms__range(ks, name, &start, &end) == 0);
	FUZZ_ASSERT(start < end);
}

static void check_lookups(const struct ksyms *ks, const uint8_t *data, size_t size)
{
	uint64_t edges[] = { 0, 1, UINT64_MAX, 0xffffffff81000000ULL };

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_lookup(ks, edges[i]);
	for (size_t i = 0; i < MAX_LOOKUPS && (i + 1) * 8 <= size; i++) {
		uint64_t addr;

		memcpy(&addr, data + size - (i + 1) * 8, 8);
		check_lookup(ks, addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in;
	struct ksyms *ks;

	if (size == 0)
		return 0; /* fmemopen() refuses an empty buffer */
	in = fmemopen((void *)data, size, "r");
	FUZZ_ASSERT(in);
	ks = ksyms__parse(in);
	fclose(in);
	FUZZ_ASSERT(ks || errno == ENOMEM);
	if (ks)
		check_lookups(ks, data, size);
	ksyms__free(ks);
	return 0;
}
