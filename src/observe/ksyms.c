// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/observe/ksyms.h"

#define MAX_FUNCTION_SIZE (1 << 20)

struct ksym {
	uint64_t addr;
	char *name;
};

struct ksyms {
	struct ksym *syms;
	size_t n;
	size_t cap;
	char *names;      /* one arena for every name */
	size_t names_len;
	size_t names_cap;
};

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks);
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks ? ks->n : 0;
}

/* Names are stored as offsets while the arena grows, pointers at the end. */
static int ksyms__add(struct ksyms *ks, uint64_t addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct ksym *s = realloc(ks->syms, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		ks->syms = s;
		ks->cap = cap;
	}
	if (ks->names_len + len > ks->names_cap) {
		size_t cap = ks->names_cap ? ks->names_cap * 2 : 1 << 20;
		char *p;

		while (cap < ks->names_len + len)
			cap *= 2;
		p = realloc(ks->names, cap);
		if (!p)
			return -ENOMEM;
		ks->names = p;
		ks->names_cap = cap;
	}
	memcpy(ks->names + ks->names_len, name, len);
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name = (char *)(uintptr_t)ks->names_len;
	ks->names_len += len;
	ks->n++;
	return 0;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Only text symbols: stacks point into functions.  An address must fit in
 * 64 bits with room for a function after it: a saturated one would make
 * ksyms__range() wrap around to an empty range.
 */
static int ksyms__parse_line(struct ksyms *ks, const char *line)
{
	char name[256], type, *rest;
	unsigned long long addr;

	if (!isxdigit((unsigned char)line[0]))
		return -EINVAL;
	errno = 0;
	addr = strtoull(line, &rest, 16);
	if (errno || addr >= UINT64_MAX)
		return -EINVAL;
	if (sscanf(rest, " %c %255s", &type, name) != 2)
		return -EINVAL;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	return ksyms__add(ks, addr, name);
}

struct ksyms *ksyms__parse(FILE *in)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	char line[512];
	int err = 0;

	if (!ks)
		return NULL;
	while (!err && fgets(line, sizeof(line), in))
		err = ksyms__parse_line(ks, line) == -ENOMEM ? -ENOMEM : 0;
	if (err)
		goto cleanup;
	for (size_t i = 0; i < ks->n; i++)
		ks->syms[i].name = ks->names + (uintptr_t)ks->syms[i].name;
	if (ks->n)
		qsort(ks->syms, ks->n, sizeof(*ks->syms), ksym_cmp);
	return ks;
cleanup:
	ksyms__free(ks);
	errno = -err;
	return NULL;
}

struct ksyms *ksyms__load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct ksyms *ks;

	if (!f)
		return NULL;
	ks = ksyms__parse(f);
	fclose(f);
	if (ks && ks->n && ks->syms[ks->n - 1].addr == 0) {
		ksyms__free(ks);
		errno = EPERM;
		return NULL;
	}
	return ks;
}

static const struct ksym *ksyms__find(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	/* The last symbol starting at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->syms[lo - 1] : NULL;
}

const char *ksyms__resolve(const struct ksyms *ks, uint64_t addr, uint64_t *offset)
{
	const struct ksym *s = ksyms__find(ks, addr);

	/* Past the last symbol (e.g. a BPF program loaded after reading
	 * kallsyms) the nearest symbol is not the function. */
	if (!s || s->addr == 0 || addr - s->addr > MAX_FUNCTION_SIZE)
		return NULL;
	if (offset)
		*offset = addr - s->addr;
	return s->name;
}

int ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start, uint64_t *end)
{
	for (size_t i = 0; ks && i < ks->n; i++) {
		if (strcmp(ks->syms[i].name, name))
			continue;
		*start = ks->syms[i].addr;
		/* The next distinct address ends it; aliases share a start. */
		*end = *start + 1;
		for (size_t j = i + 1; j < ks->n; j++) {
			if (ks->syms[j].addr > *start) {
				*end = ks->syms[j].addr;
				break;
			}
		}
		return 0;
	}
	return -ENOENT;
}
