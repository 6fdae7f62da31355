// SPDX-License-Identifier: MIT
/*
 * Containers of custom resources.  An operator's object keeps its pods
 * where its author chose (Volcano: spec.tasks[].template.spec; Tekton:
 * spec.steps[], each a container), so no list of paths can be complete:
 * the whole object is searched for the shapes a container has.  A mapping
 * in a containers/initContainers/ephemeralContainers list, wherever it
 * is, is a container when it names an image; any mapping whose
 * securityContext sets privileged or capabilities is checked as one too.
 * Finding too much errs on the strict side; finding too little would pass
 * what runs.  An entry without an image (a policy's parameters, an
 * operator's patch of the containers it makes) grants nothing of its own
 * unless its securityContext does, and that is found.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check_doc.h"

static const char *const container_lists[] = { "containers", "initContainers",
						"ephemeralContainers" };

static int found__add(struct check_found *f, const struct ydoc_node *n)
{
	if (f->n == f->alloc) {
		size_t alloc = f->alloc ? 2 * f->alloc : 8;
		const struct ydoc_node **v = reallocarray(f->v, alloc, sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->v = v;
		f->alloc = alloc;
	}
	f->v[f->n++] = n;
	return 0;
}

void check_found__clear(struct check_found *f)
{
	if (!f)
		return;
	free(f->v);
	f->v = NULL;
	f->n = f->alloc = 0;
}

static bool key__is_container_list(const struct ydoc_node *key)
{
	for (size_t i = 0; i < sizeof(container_lists) / sizeof(container_lists[0]); i++)
		if (ydoc__is(key, container_lists[i]))
			return true;
	return false;
}

/*
 * An image a runtime could pull: a policy's pattern (Kyverno's "!*:latest")
 * is no image, and no registry accepts these characters in a reference.
 */
static bool map__names_image(const struct ydoc_node *map)
{
	const char *image = ydoc__text(ydoc__get(map, "image"));

	return image && *image && !strpbrk(image, "*?!|&");
}

/* securityContext: {privileged: ...} or {capabilities: ...}. */
static bool map__sets_security(const struct ydoc_node *map)
{
	const struct ydoc_node *sc = ydoc__get(map, "securityContext");

	return sc && sc->type == YDOC_MAP &&
	       (ydoc__get(sc, "privileged") || ydoc__get(sc, "capabilities"));
}

static int custom__visit(const struct ydoc_node *n, bool entry, struct check_found *f);

/* A mapping of a container list that names an image is a container,
 * securityContext or not; any other item is searched like the rest. */
static int custom__list(const struct ydoc_node *seq, struct check_found *f)
{
	int err = 0;

	for (size_t i = 0; i < seq->n && !err; i++) {
		const struct ydoc_node *item = seq->items[i];
		bool entry = map__names_image(item);

		err = entry ? found__add(f, item) : 0;
		if (!err)
			err = custom__visit(item, entry, f);
	}
	return err;
}

/* entry: n is a container already, its own securityContext is taken. The
 * depth is bounded by the reader (YDOC_MAX_DEPTH), aliases included. */
static int custom__visit(const struct ydoc_node *n, bool entry, struct check_found *f)
{
	int err = 0;

	if (n->type == YDOC_SEQ)
		for (size_t i = 0; i < n->n && !err; i++)
			err = custom__visit(n->items[i], false, f);
	if (n->type != YDOC_MAP)
		return err;
	if (!entry && map__sets_security(n)) {
		err = found__add(f, n);
		entry = true;
	}
	for (size_t i = 0; i < n->n && !err; i++) {
		const struct ydoc_node *key = ydoc__key(n, i), *value = ydoc__value(n, i);

		if (key__is_container_list(key) && value->type == YDOC_SEQ)
			err = custom__list(value, f);
		else if (!(entry && ydoc__is(key, "securityContext")))
			err = custom__visit(value, false, f);
	}
	return err;
}

int check_custom__find(const struct ydoc_node *obj, struct check_found *out)
{
	return obj ? custom__visit(obj, false, out) : 0;
}
