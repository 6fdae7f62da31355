/* SPDX-License-Identifier: MIT */
/*
 * A bounded YAML (and JSON) document tree built from libyaml's event parser.
 *
 * Built for untrusted input (manifests in a pull request): nesting deeper
 * than YDOC_MAX_DEPTH, more than YDOC_MAX_NODES nodes once aliases are
 * counted at their expanded size ("billion laughs"), NUL characters in
 * strings and duplicate mapping keys are errors, never a crash or a hang.
 * Aliases share the anchored node instead of copying it; merge keys
 * ("<<: *defaults") are resolved, so a merged "privileged: true" is seen.
 */
#ifndef CAPDIET_YDOC_H
#define CAPDIET_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_NODES 1000000

enum ydoc_type { YDOC_SCALAR, YDOC_SEQ, YDOC_MAP };

struct ydoc_node {
	enum ydoc_type type;
	int line;                  /* 1-based line where the node starts */
	bool plain;                /* scalar written without quotes */
	char *value;               /* scalar text, NUL-terminated */
	struct ydoc_node **items; /* sequence: n items; mapping: key, value, ... */
	size_t n;                  /* items (sequence) or pairs (mapping) */
	size_t height;             /* 1 for a scalar */
	size_t size;               /* nodes in the subtree, aliases expanded */
};

struct ydoc_doc {
	struct ydoc_node *root;   /* NULL for an empty document */
	int line;
};

struct ydoc {
	struct ydoc_doc *docs;
	size_t n_docs;
	size_t doc_alloc;
	struct ydoc_node **all;   /* every node, for freeing (aliases share) */
	size_t n_all;
	size_t all_alloc;
};

struct ydoc_error {
	int line;                  /* 1-based, 0 when unknown */
	char msg[192];
};

/*
 * Parses every document in buf.  Returns 0 and a tree in *out, or -EINVAL
 * (bad or hostile input, described in *err) or -ENOMEM.
 */
int ydoc__parse(const char *buf, size_t len, struct ydoc **out,
		 struct ydoc_error *err);
void ydoc__free(struct ydoc *t);

/* The value for key in a mapping, or NULL (not a mapping, or no such key). */
const struct ydoc_node *ydoc__get(const struct ydoc_node *map, const char *key);
/* Key and value of pair i of a mapping. */
const struct ydoc_node *ydoc__key(const struct ydoc_node *map, size_t i);
const struct ydoc_node *ydoc__value(const struct ydoc_node *map, size_t i);
/* An absent value, or a plain "", "~", "null", "Null", "NULL". */
bool ydoc__is_null(const struct ydoc_node *n);
/* A scalar equal to s. */
bool ydoc__is(const struct ydoc_node *n, const char *s);

#endif
