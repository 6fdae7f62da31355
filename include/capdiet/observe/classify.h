/* SPDX-License-Identifier: MIT */
/*
 * From what the kernel saw to what it means: granted, required (denied and
 * the operation did not happen) or tolerated (denied, yet harmless).
 */
#ifndef CAPDIET_CLASSIFY_H
#define CAPDIET_CLASSIFY_H

#include <stddef.h>

#include "capdiet/observe/ksyms.h"
#include "capdiet/observe/observation.h"

/* Classifies o from its outcome and its stack's function names (innermost
 * first; frames may be NULL when unknown).  Fills call_site, stack_text,
 * syscall_name, klass and reason. */
void classify__one(struct observation *o, const char *const *frames, size_t n);
/* Symbolises every observation's stack with ks (may be NULL) and classifies. */
void classify__all(struct observations *obs, const struct ksyms *ks);
/* Kernel functions whose capability checks are noaudit by design. */
extern const char *const classify__noaudit_callers[];
extern const size_t classify__n_noaudit_callers;
/* "EPERM" for a syscall's return value -EPERM; "an error" if unnamed. */
const char *classify__errno_name(int64_t ret);
/* The kernel function that makes noaudit checks found in frames, or NULL. */
const char *classify__noaudit_caller(const char *const *frames, size_t n);

#endif
