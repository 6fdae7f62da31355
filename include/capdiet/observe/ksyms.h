/* SPDX-License-Identifier: MIT */
/* Kernel addresses to function names, from /proc/kallsyms. */
#ifndef CAPDIET_KSYMS_H
#define CAPDIET_KSYMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ksyms;

/* Reads /proc/kallsyms. NULL with errno set; -EPERM when every address
 * reads as zero (kptr_restrict: needs root). */
struct ksyms *ksyms__load(void);
/* Parses kallsyms-format text (for tests and fuzzing). */
struct ksyms *ksyms__parse(FILE *in);
void ksyms__free(struct ksyms *ks);
size_t ksyms__count(const struct ksyms *ks);

/* The function containing addr, or NULL; *offset is addr - its start. */
const char *ksyms__resolve(const struct ksyms *ks, uint64_t addr, uint64_t *offset);
/* [*start, *end) of the function named name; -ENOENT if absent. */
int ksyms__range(const struct ksyms *ks, const char *name, uint64_t *start, uint64_t *end);

#endif
