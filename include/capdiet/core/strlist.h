/* SPDX-License-Identifier: MIT */
/* A growable list of owned strings, used all over the profile model. */
#ifndef CAPDIET_STRLIST_H
#define CAPDIET_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **v;
	size_t n;
	size_t cap;
};

/* Appends a copy of s; 0 or -ENOMEM. */
int strlist__add(struct strlist *l, const char *s);
/* Appends a copy of s unless an equal string is already there. */
int strlist__add_unique(struct strlist *l, const char *s);
bool strlist__contains(const struct strlist *l, const char *s);
/* Frees the strings and the array; the list is then empty.  NULL is fine. */
void strlist__clear(struct strlist *l);

#endif
