/* SPDX-License-Identifier: MIT */
/*
 * capdiet's one YAML (and JSON) reader: a bounded document tree built from
 * libyaml's event parser, for profiles, allowlists and manifests alike.
 *
 * Built for untrusted input (manifests in a pull request): input larger than
 * YDOC_MAX_SIZE, nesting deeper than YDOC_MAX_DEPTH, a document of more than
 * YDOC_MAX_NODES nodes once aliases are counted at their expanded size
 * ("billion laughs"; what aliases add is limited so for the whole input
 * too), NUL characters in strings and duplicate mapping keys are errors,
 * never a crash or a hang.  JSON's surrogate pairs ("\ud83d\ude00") are
 * read as the character they encode; half a pair is an error.  Aliases share the anchored node
 * instead of copying it; merge keys ("<<: *defaults") are resolved, so a
 * merged "privileged: true" is seen.  Where YAML readers disagree on which
 * value wins (two merge keys in one mapping, or a key written before the
 * '<<' that brings it again: kubectl's go-yaml takes the later), the input
 * is an error.  Every node keeps its line, so errors
 * say FILE:LINE.
 */
#ifndef CAPDIET_YDOC_H
#define CAPDIET_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "capdiet/core/caps.h"

#define YDOC_MAX_SIZE  (16u << 20) /* bytes of input */
#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_NODES 1000000    /* per document, by default */

/* What a file may contain beyond plain YAML; combine with |. */
enum ydoc_flags {
	YDOC_ONE_DOCUMENT = 1 << 0, /* exactly one document (a profile) */
	YDOC_NO_ALIASES   = 1 << 1, /* *alias is an error: capdiet never writes one */
	YDOC_NO_BINARY    = 1 << 2, /* !!binary is an error: kubectl decodes it to other
				     * text than it shows, so a key could hide (manifests) */
};

enum ydoc_type { YDOC_SCALAR, YDOC_SEQ, YDOC_MAP };

struct ydoc_node {
	enum ydoc_type type;
	int line;                  /* 1-based line where the node starts */
	int col;                   /* 1-based column where it starts */
	bool plain;                /* scalar without quotes or tag: null, true, 12 resolve */
	char *value;               /* scalar text, NUL-terminated */
	char *tag;                 /* explicit tag (tag:yaml.org,2002:str, Compose's
				    * !reset), of any node, or NULL */
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
/*
 * ydoc__parse with max_nodes instead of YDOC_MAX_NODES: a document over it,
 * or aliases adding more than it to the whole input, returns -E2BIG
 * (described), so a caller can say how to raise it.
 */
int ydoc__parse_max(const char *buf, size_t len, unsigned int flags, size_t max_nodes,
		    struct ydoc **out, struct ydoc_error *err);
/*
 * What ydoc__load_each hands over: one document's root (NULL when it is
 * empty), valid only during the call.  0 to go on; -errno to stop, after
 * writing why to the where given to ydoc__load_each.
 */
typedef int (*ydoc_each_fn)(const struct ydoc_node *root, void *ctx);
/*
 * As ydoc__load with ydoc__parse_max's limit, but each document goes to fn
 * as it ends and is freed then: one document in memory at a time, however
 * many a file holds.  Returns 0, fn's error, or the parse's (-E2BIG too).
 */
int ydoc__load_each(const char *buf, size_t len, unsigned int flags, size_t max_nodes,
		    const struct ydoc_where *where, ydoc_each_fn fn, void *ctx);
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
 * A boolean as YAML 1.1 spells it, which Kubernetes and Compose accept:
 * true/yes/on/y or false/no/off/n in any case; absent or null is false.
 * Returns 0, or -EINVAL for anything else.
 */
int ydoc__bool(const struct ydoc_node *n, bool *out);
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
 * Every key of the mapping map is one of known (NULL-terminated); else
 * "FILE:LINE: unknown key 'K' in PLACE; use HINT" to where and -EINVAL,
 * so a typo in a key is an error, never a silently other meaning.
 */
int ydoc__known_keys(const struct ydoc_where *where, const struct ydoc_node *map,
		     const char *const *known, const char *place, const char *hint);
/*
 * Writes "FILE:LINE: message" ("FILE: message" when line is 0) to where.
 * Returns -EINVAL, so a reader can `return ydoc_where__fail(...)`.
 */
int ydoc_where__fail(const struct ydoc_where *where, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
