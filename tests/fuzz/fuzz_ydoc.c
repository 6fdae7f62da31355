// SPDX-License-Identifier: MIT
/*
 * The YAML/JSON reader on any bytes, as the tree (ydoc__parse_max) and as
 * the stream of documents the gate reads (ydoc__load_each): both accept
 * and refuse the same inputs and see the same documents, no document goes
 * over the node limit, and every node has a place.  The seeds and the dict
 * hold JSON's surrogate pairs, whose joining moves columns back.
 */
#include <errno.h>
#include <stdbool.h>

#include "capdiet/core/ydoc.h"
#include "fuzz.h"

struct seen {
	size_t docs;
	size_t sum;     /* of each document's size, line and column, in order */
	size_t max_nodes;
};

static size_t doc_mark(const struct ydoc_node *root, size_t i)
{
	if (!root)
		return i * 7919;
	return (i + 1) * (root->size * 31 + (size_t)root->line * 7 + (size_t)root->col);
}

static int on_document(const struct ydoc_node *root, void *ctx)
{
	struct seen *s = ctx;

	FUZZ_ASSERT(!root || root->size <= s->max_nodes);
	s->sum += doc_mark(root, s->docs++);
	return 0;
}

static void check_nodes(const struct ydoc *t, struct seen *s)
{
	for (size_t i = 0; i < t->n_all; i++)
		FUZZ_ASSERT(t->all[i]->col >= 1 && t->all[i]->line >= 1);
	for (size_t i = 0; i < t->n_docs; i++) {
		FUZZ_ASSERT(!t->docs[i].root || t->docs[i].root->size <= s->max_nodes);
		s->sum += doc_mark(t->docs[i].root, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small limits, chosen by the input, so the fuzzer meets them. */
	size_t max = 16 + (size ? (size_t)data[0] * 8 : 0);
	struct seen tree = { .max_nodes = max }, each = { .max_nodes = max };
	char err[256] = "";
	const struct ydoc_where where = { "f.yaml", err, sizeof(err) };
	struct ydoc_error ye;
	struct ydoc *t = NULL;
	int rc = ydoc__parse_max((const char *)data, size, 0, max, &t, &ye);
	int rc_each = ydoc__load_each((const char *)data, size, 0, max, &where, on_document, &each);

	FUZZ_ASSERT(rc == rc_each);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM);
	if (rc) {
		FUZZ_ASSERT(!t);
		FUZZ_ASSERT(rc == -ENOMEM || (ye.msg[0] && !strncmp(err, "f.yaml", 6)));
		return 0;
	}
	check_nodes(t, &tree);
	FUZZ_ASSERT(tree.sum == each.sum && t->n_docs == each.docs);
	ydoc__free(t);
	return 0;
}
