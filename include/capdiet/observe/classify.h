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
/* "EPERM" for a syscall's return value -EPERM; "an error" if unnamed. */
const char *classify__errno_name(int64_t ret);

#endif
