/* SPDX-License-Identifier: MIT */
/*
 * The kernel functions whose capability checks are noaudit by design: they
 * probe whether a task holds a capability (to pick a limit, say) rather than
 * ask for it, so a denial there takes nothing away.  One list, two readers:
 * the recorder hands the functions' address ranges to the BPF side, which
 * finds them on the stack at check time, and the classifier finds their
 * names in a symbolised stack afterwards.
 */
#ifndef CAPDIET_NOAUDIT_H
#define CAPDIET_NOAUDIT_H

#include <stddef.h>

#include "capdiet/observe/events.h"
#include "capdiet/observe/ksyms.h"

/* The first of frames (names, innermost first; NULL: unknown) that makes
 * noaudit checks, or NULL. */
const char *noaudit__caller(const char *const *frames, size_t n);
/* Fills out with the address ranges of those functions ks knows, in the
 * list's order; returns how many (at most max). */
size_t noaudit__ranges(const struct ksyms *ks, struct noaudit_range *out, size_t max);

#endif
