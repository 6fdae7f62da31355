/* SPDX-License-Identifier: MIT */
/*
 * A small YAML (and so JSON) document tree read with libyaml's event parser,
 * for input capdiet does not trust: aliases are refused (no "billion laughs"),
 * and size, nesting and node count are capped.  Every node keeps its line so
 * errors can say FILE:LINE.
 */
#ifndef CAPDIET_YTREE_H
#define CAPDIET_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#define YTREE_MAX_SIZE  (16u << 20) /* bytes of input */
#define YTREE_MAX_DEPTH 64          /* nested collections */
#define YTREE_MAX_NODES (1u << 20)

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	int line;              /* 1-based */
	char *value;           /* scalar text */
	bool plain;            /* unquoted and untagged: null, true, 12 resolve */
	struct ynode **items;  /* seq: elements; map: key, value, key, value... */
	size_t n;              /* entries in items */
};

/*
 * Parses the one document in buf.  Returns NULL with errno set (EINVAL for
 * bad input, EFBIG over the size cap, ENOMEM) and "NAME:LINE: problem" in err.
 */
struct ynode *ytree__parse(const char *buf, size_t len, const char *name,
			   char *err, size_t err_len);
void ynode__free(struct ynode *n);

/* A plain null, ~ or empty scalar. */
bool ynode__is_null(const struct ynode *n);
/* The value for key in a mapping, or NULL. */
const struct ynode *ynode__get(const struct ynode *map, const char *key);
/* "scalar", "sequence", "mapping": for error messages. */
const char *ynode__kind_name(const struct ynode *n);

#endif
