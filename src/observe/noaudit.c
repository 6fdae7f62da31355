// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "capdiet/observe/noaudit.h"

static const char *const callers[] = {
	"security_vm_enough_memory_mm", "cap_vm_enough_memory", "__vm_enough_memory",
	"ns_capable_noaudit", "has_capability_noaudit", "has_ns_capability_noaudit",
};
#define N_CALLERS (sizeof(callers) / sizeof(callers[0]))

/* The BPF side has room for this many ranges: one more caller would go unseen. */
_Static_assert(N_CALLERS <= CD_NOAUDIT_RANGES, "raise CD_NOAUDIT_RANGES in events.h");

static bool noaudit__is_caller(const char *name)
{
	for (size_t i = 0; i < N_CALLERS; i++)
		if (!strcmp(name, callers[i]))
			return true;
	return false;
}

const char *noaudit__caller(const char *const *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (frames[i] && noaudit__is_caller(frames[i]))
			return frames[i];
	return NULL;
}

size_t noaudit__ranges(const struct ksyms *ks, struct noaudit_range *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < N_CALLERS && n < max; i++) {
		uint64_t start, end;

		/* A function the kernel inlined or lacks has no range: skip it. */
		if (ksyms__range(ks, callers[i], &start, &end))
			continue;
		out[n].start = start;
		out[n].end = end;
		n++;
	}
	return n;
}
