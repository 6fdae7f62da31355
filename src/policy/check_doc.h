/* SPDX-License-Identifier: MIT */
/*
 * Private to the manifest readers (check.c, check_compose.c): questions
 * about one document's tree that decide whether it may be read at all
 * (check_tags.c) and where an object of a kind capdiet does not know keeps
 * its containers (check_custom.c).  Pure: no I/O.
 */
#ifndef CAPDIET_CHECK_DOC_H
#define CAPDIET_CHECK_DOC_H

#include <stddef.h>

#include "capdiet/core/ydoc.h"

/*
 * Refuses a document that carries a tag other than YAML's core ones
 * (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map, !!merge) and
 * Compose's !reset and !override: another reader may give it a meaning
 * this one does not.  Returns 0, or -EINVAL with "FILE:LINE: tag X is not
 * allowed in a manifest" written to where.
 */
int check_tags__fit(const struct ydoc_node *root, const struct ydoc_where *where);

/* Mappings to check as containers, in document order. */
struct check_found {
	const struct ydoc_node **v;
	size_t n, alloc;
};

/*
 * Everything in obj (an object of a kind capdiet does not know: a custom
 * resource) that can be a container: each mapping with an image in a
 * containers, initContainers or ephemeralContainers list, wherever it is
 * (a pod spec under spec.tasks[].template, say), and any other mapping
 * whose securityContext sets privileged or capabilities (a Tekton step).
 * Returns 0 or -ENOMEM.
 */
int check_custom__find(const struct ydoc_node *obj, struct check_found *out);
void check_found__clear(struct check_found *f);

#endif
