/* SPDX-License-Identifier: MIT */
/* What ydoc.c asks of ydoc_unicode.c: JSON's surrogate pairs made YAML. */
#ifndef CAPDIET_YDOC_INTERNAL_H
#define CAPDIET_YDOC_INTERNAL_H

#include <stddef.h>

#include "capdiet/core/ydoc.h"

/* Where a pair was joined: from col (0-based, in the joined text) of line
 * (0-based) on, the joined text is 2 characters shorter than the input. */
struct ydoc_shift {
	size_t line, col;
};

struct ydoc_joined {
	char *buf;                 /* the text to parse; NULL: the input as it is */
	size_t len;
	struct ydoc_shift *shifts; /* in text order */
	size_t n_shifts, alloc;
};

/*
 * Joins every surrogate pair escape of a double-quoted scalar in buf
 * ("\ud83d\ude00") into the escape YAML reads (\U0001F600), into j->buf;
 * j->buf stays NULL when buf has none.  Returns 0, -EINVAL for half a pair
 * (described in *err), or -ENOMEM.
 */
int ydoc_joined__make(struct ydoc_joined *j, const char *buf, size_t len,
		      struct ydoc_error *err);
/* Moves the columns of t's nodes from t->all[from] on back to where they
 * are in the input (j NULL: nothing to move). */
void ydoc_joined__columns(const struct ydoc_joined *j, struct ydoc *t, size_t from);
void ydoc_joined__clear(struct ydoc_joined *j);

#endif
