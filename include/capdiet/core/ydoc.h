/* SPDX-License-Identifier: MIT */
/*
 * capdiet's one YAML (and JSON) reader: a bounded document tree built from
 * libyaml's event parser, for profiles, allowlists and manifests alike.
 *
 * Built for untrusted input (manifests in a pull request): input larger than
 * YDOC_MAX_SIZE, nesting deeper than YDOC_MAX_DEPTH, more than
 * YDOC_MAX_NODES nodes once aliases are counted at their expanded size
 * ("billion laughs"), NUL characters in strings and duplicate mapping keys
 * are errors, never a crash or a hang.  Aliases share the anchored node
 * instead of copying it; merge keys ("<<: *defaults") are resolved, so a
 * merged "privileged: true" is seen.  Every node keeps its line, so errors
 * say FILE:LINE.
 */
#ifndef CAPDIET_YDOC_H
#define CAPDIET_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "capdiet/core/caps.h"

#define YDOC_MAX_SIZE  (16u << 20) /* bytes of input */
#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_NODES 1000000

/* What a file may contain beyond plain YAML; combine with |. */
enum ydoc_flags {
	YDOC_ONE_DOCUMENT = 1 << 0, /* exactly one document (a profile) */
	YDOC_NO_ALIASES   = 1 << 1, /* *alias is an error: capdiet never writes one */
};

enum ydoc_type { YDOC_SCALAR, YDOC_SEQ, YDOC_MAP };

struct ydoc_node {
	enum ydoc_type type;
	int line;                  /* 1-based line where the node starts */
	int col;                   /* 1-based column where it starts */
	bool plain;                /* scalar without quotes or tag: null, true, 12 resolve */
	char *value;               /* scalar text, NUL-terminated */
	char *tag;                 /* explicit scalar tag (tag:yaml.org,2002:str), or NULL */
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

/* Where messages about one file go, each as "FILE:LINE: problem". */
struct ydoc_where {
	const char *file;
	char *err;                 /* may be NULL */
	size_t err_len;
};

/*
 * Parses every document in buf.  Returns 0 and a tree in *out, or -EINVAL
 * (bad or hostile input, described in *err), -EFBIG (over YDOC_MAX_SIZE,
 * described too) or -ENOMEM.
 */
int ydoc__parse(const char *buf, size_t len, unsigned int flags, struct ydoc **out,
		struct ydoc_error *err);
/* ydoc__parse, with the problem written to where as "FILE:LINE: problem". */
int ydoc__load(const char *buf, size_t len, unsigned int flags,
	       const struct ydoc_where *where, struct ydoc **out);
void ydoc__free(struct ydoc *t);

/* The value for key in a mapping, or NULL (not a mapping, or no such key). */
const struct ydoc_node *ydoc__get(const struct ydoc_node *map, const char *key);
/* Key and value of pair i of a mapping. */
const struct ydoc_node *ydoc__key(const struct ydoc_node *map, size_t i);
const struct ydoc_node *ydoc__value(const struct ydoc_node *map, size_t i);
/* An absent value, a plain "", "~", "null", "Null", "NULL", or a !!null. */
bool ydoc__is_null(const struct ydoc_node *n);
/* The text of a scalar that is not null, else NULL. */
const char *ydoc__text(const struct ydoc_node *n);
/* A scalar equal to s. */
bool ydoc__is(const struct ydoc_node *n, const char *s);
/*
 * Adds the capability names of a list ([NET_BIND_SERVICE, cap_chown, ALL])
 * to *set; an absent or null list adds nothing.  With lines (64 entries),
 * lines[cap] gets the line of the item that first names cap, unless it is
 * set already.  Returns 0, or -EINVAL with *bad at the node to blame: list
 * when it is not a sequence, else the first item that is not a capability
 * name.  Each reader words its own message.
 */
int ydoc__caps(const struct ydoc_node *list, capset_t *set, int *lines,
	       const struct ydoc_node **bad);
/* "scalar", "sequence", "mapping" ("nothing" for NULL): for error messages. */
const char *ydoc__type_name(const struct ydoc_node *n);

/*
 * Writes "FILE:LINE: message" ("FILE: message" when line is 0) to where.
 * Returns -EINVAL, so a reader can `return ydoc_where__fail(...)`.
 */
int ydoc_where__fail(const struct ydoc_where *where, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
