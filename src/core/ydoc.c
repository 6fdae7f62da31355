// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "capdiet/core/ydoc.h"
#include "ydoc_internal.h"

/* "<<" with this tag is a merge key even when quoted (go-yaml reads it so). */
#define YDOC_MERGE_TAG "tag:yaml.org,2002:merge"
#define YDOC_BINARY_TAG "tag:yaml.org,2002:binary"

struct frame {
	struct ydoc_node *node;
	char *anchor;      /* registered when the collection ends */
	size_t alloc;      /* capacity of node->items */
};

struct anchor {
	char *name;
	struct ydoc_node *node;
};

struct builder {
	struct ydoc *tree;
	struct frame stack[YDOC_MAX_DEPTH];
	size_t depth;
	struct anchor *anchors;
	size_t n_anchors, anchor_alloc;
	struct ydoc_node *root;
	int doc_line;
	unsigned int flags;  /* enum ydoc_flags */
	size_t nodes;      /* in this document so far, aliases at their expanded size */
	size_t alias_nodes; /* added by aliases in the whole input */
	size_t max_nodes;  /* limit of nodes and of alias_nodes */
	ydoc_each_fn each; /* set: each document is handed to it, then freed */
	void *each_ctx;
	bool each_failed;  /* each stopped the parse, and said why */
	size_t doc_first;  /* the document's first node in tree->all */
	const struct ydoc_joined *joined; /* where surrogate pairs moved columns */
	struct ydoc_error *err;
};

/* A mapping entry while merge keys are resolved. */
struct pair_ref {
	struct ydoc_node *key, *value;
	size_t rank;       /* 0: written in the mapping; n: from the n-th merge */
	size_t order;      /* in the mapping's order, merged pairs where their '<<' is */
	int merge_line;    /* merged: the line of the '<<' that brought it */
	bool keep;
};

static int builder__fail(struct builder *b, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int builder__fail(struct builder *b, int line, const char *fmt, ...)
{
	va_list ap;

	b->err->line = line;
	va_start(ap, fmt);
	vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int grow(void **v, size_t *alloc, size_t need, size_t elem)
{
	size_t n = *alloc ? *alloc : 4;
	void *p;

	if (need <= *alloc)
		return 0;
	while (n < need)
		n *= 2;
	p = reallocarray(*v, n, elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*alloc = n;
	return 0;
}

static int line_of(const yaml_mark_t *mark)
{
	return mark->line < 0x7fffffff ? (int)mark->line + 1 : 0;
}

static struct ydoc_node *builder__new_node(struct builder *b, enum ydoc_type type,
					    const yaml_mark_t *mark)
{
	struct ydoc *t = b->tree;
	struct ydoc_node *node;

	if (++b->nodes > b->max_nodes) {
		builder__fail(b, line_of(mark), "more than %zu nodes in one document", b->max_nodes);
		errno = E2BIG;
		return NULL;
	}
	if (grow((void **)&t->all, &t->all_alloc, t->n_all + 1, sizeof(*t->all)))
		return NULL;
	node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	node->type = type;
	node->line = line_of(mark);
	node->col = (int)mark->column + 1;
	node->height = 1;
	node->size = 1;
	t->all[t->n_all++] = node;
	return node;
}

static int builder__add_anchor(struct builder *b, char *name, struct ydoc_node *node)
{
	if (grow((void **)&b->anchors, &b->anchor_alloc, b->n_anchors + 1,
		 sizeof(*b->anchors))) {
		free(name);
		return -ENOMEM;
	}
	b->anchors[b->n_anchors].name = name;
	b->anchors[b->n_anchors++].node = node;
	return 0;
}

/* Appends a finished node to the open collection, or makes it the root. */
static int builder__attach(struct builder *b, struct ydoc_node *node)
{
	struct frame *top;
	struct ydoc_node *parent;

	if (b->depth == 0) {
		b->root = node;
		return 0;
	}
	top = &b->stack[b->depth - 1];
	parent = top->node;
	if (grow((void **)&parent->items, &top->alloc, parent->n + 1, sizeof(*parent->items)))
		return -ENOMEM;
	parent->items[parent->n++] = node;
	return 0;
}

/* Checked as the node is read: a !!binary key dropped by a merge still counts. */
static int builder__tag_fits(struct builder *b, const yaml_char_t *tag, const yaml_mark_t *mark)
{
	if ((b->flags & YDOC_NO_BINARY) && tag && !strcmp((const char *)tag, YDOC_BINARY_TAG))
		return builder__fail(b, line_of(mark), "tag !!binary is not allowed in a manifest "
				     "(kubectl decodes it to other text than it shows); write the text");
	return 0;
}

static int builder__on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *mark = &ev->start_mark;
	struct ydoc_node *node;
	char *anchor = NULL;

	/* A NUL would make "SYS_ADMIN\0x" look like SYS_ADMIN to strcmp. */
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return builder__fail(b, line_of(mark), "NUL character in a string");
	if (builder__tag_fits(b, ev->data.scalar.tag, mark))
		return -EINVAL;
	node = builder__new_node(b, YDOC_SCALAR, mark);
	if (!node)
		return -errno;
	/* A tag decides the type, so "!!str true" is not resolved as a boolean. */
	node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
	node->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	if (!node->value)
		return -ENOMEM;
	if (ev->data.scalar.tag && !(node->tag = strdup((const char *)ev->data.scalar.tag)))
		return -ENOMEM;
	if (ev->data.scalar.anchor) {
		anchor = strdup((const char *)ev->data.scalar.anchor);
		if (!anchor || builder__add_anchor(b, anchor, node))
			return -ENOMEM;
	}
	return builder__attach(b, node);
}

static int builder__on_start(struct builder *b, const yaml_event_t *ev,
			     enum ydoc_type type, const yaml_char_t *anchor,
			     const yaml_char_t *tag)
{
	const yaml_mark_t *mark = &ev->start_mark;
	struct frame *f;

	if (b->depth >= YDOC_MAX_DEPTH)
		return builder__fail(b, line_of(mark),
				     "nesting deeper than %d levels: nested too deeply to read safely",
				     YDOC_MAX_DEPTH);
	if (builder__tag_fits(b, tag, mark))
		return -EINVAL;
	f = &b->stack[b->depth];
	memset(f, 0, sizeof(*f));
	f->node = builder__new_node(b, type, mark);
	if (!f->node)
		return -errno;
	/* Compose's !reset and !override tag whole lists and services. */
	if (tag && !(f->node->tag = strdup((const char *)tag)))
		return -ENOMEM;
	if (anchor) {
		f->anchor = strdup((const char *)anchor);
		if (!f->anchor)
			return -ENOMEM;
	}
	b->depth++;
	return 0;
}

static int pair_ref__compare(const void *pa, const void *pb)
{
	const struct pair_ref *a = pa, *b = pb;
	bool sa = a->key->type == YDOC_SCALAR, sb = b->key->type == YDOC_SCALAR;
	int c;

	if (sa != sb)
		return sa ? -1 : 1;
	if (sa && (c = strcmp(a->key->value, b->key->value)))
		return c;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static bool is_merge_key(const struct ydoc_node *key)
{
	return key->type == YDOC_SCALAR && !strcmp(key->value, "<<") &&
	       (key->plain || (key->tag && !strcmp(key->tag, YDOC_MERGE_TAG)));
}

static int refs__add(struct pair_ref **refs, size_t *n, size_t *alloc,
		     struct ydoc_node *key, struct ydoc_node *value, size_t rank, int merge_line)
{
	if (grow((void **)refs, alloc, *n + 1, sizeof(**refs)))
		return -ENOMEM;
	(*refs)[*n] = (struct pair_ref){ key, value, rank, *n, merge_line, true };
	(*n)++;
	return 0;
}

/* Adds the pairs of the mappings a merge key names, each with its own rank. */
static int refs__add_merged(struct builder *b, const struct ydoc_node *key,
			    const struct ydoc_node *v, struct pair_ref **refs,
			    size_t *n, size_t *alloc, size_t *rank)
{
	bool one = v->type == YDOC_MAP;

	if (!one && v->type != YDOC_SEQ)
		return builder__fail(b, key->line, "a merge key '<<' needs a mapping or a list of mappings");
	for (size_t j = 0; j < (one ? 1 : v->n); j++) {
		const struct ydoc_node *m = one ? v : v->items[j];

		if (m->type != YDOC_MAP)
			return builder__fail(b, m->line, "a merge key '<<' needs a mapping or a list of mappings");
		for (size_t i = 0; i < m->n; i++)
			if (refs__add(refs, n, alloc, m->items[2 * i], m->items[2 * i + 1], *rank,
				      key->line))
				return -ENOMEM;
		(*rank)++;
	}
	return 0;
}

/*
 * Collects the pairs written in map (rank 0) and those its merge key brings.
 * Two merge keys are refused: go-yaml (kubectl) applies them in order, the
 * later winning, where YAML's rule and this reader let the first win.
 */
static int refs__collect(struct builder *b, const struct ydoc_node *map,
			 struct pair_ref **refs, size_t *n, size_t *alloc)
{
	const struct ydoc_node *merge = NULL;
	size_t rank = 1;
	int err = 0;

	for (size_t i = 0; i < map->n && !err; i++) {
		struct ydoc_node *key = map->items[2 * i], *v = map->items[2 * i + 1];

		if (is_merge_key(key) && merge)
			err = builder__fail(b, key->line, "a second merge key '<<' in one mapping "
					    "(the first at line %d): YAML readers disagree on which "
					    "wins; merge both in one: <<: [*a, *b]", merge->line);
		else if (is_merge_key(key))
			err = refs__add_merged(b, merge = key, v, refs, n, alloc, &rank);
		else
			err = refs__add(refs, n, alloc, key, v, 0, 0);
	}
	return err;
}

/*
 * first and cur have the same key, first sorted first (written before
 * merged).  A key written before the '<<' that brings it again means one
 * thing to kubectl (go-yaml: the merged value, applied later) and another
 * to YAML's rule (the written one): refused, whatever the values.
 */
static int refs__order_fits(struct builder *b, const struct pair_ref *first,
			    const struct pair_ref *cur)
{
	if (cur->rank == 0)
		return builder__fail(b, cur->key->line,
				     "duplicate key '%s': it appears twice, first at line %d",
				     cur->key->value, first->key->line);
	if (first->rank == 0 && first->order < cur->order)
		return builder__fail(b, cur->merge_line, "merge key '<<' brings '%s', written "
				     "before it at line %d: YAML readers disagree on which wins; "
				     "write '<<' first, then what overrides it",
				     cur->key->value, first->key->line);
	return 0;
}

/* Keeps the first of equal keys (written after '<<' beats merged, an
 * earlier merged mapping a later one); two written = error. */
static int refs__dedupe(struct builder *b, struct pair_ref *refs, size_t n)
{
	struct pair_ref *tmp, *first;
	int err = 0;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, refs, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), pair_ref__compare);
	first = &tmp[0];
	for (size_t i = 1; i < n && !err; i++) {
		struct pair_ref *cur = &tmp[i];

		if (cur->key->type != YDOC_SCALAR || strcmp(first->key->value, cur->key->value)) {
			first = cur;
			continue;
		}
		err = refs__order_fits(b, first, cur);
		refs[cur->order].keep = false;
	}
	free(tmp);
	return err;
}

static void node__measure(struct ydoc_node *node)
{
	size_t count = node->type == YDOC_MAP ? 2 * node->n : node->n;

	node->height = 1;
	node->size = 1;
	for (size_t i = 0; i < count; i++) {
		if (node->items[i]->height + 1 > node->height)
			node->height = node->items[i]->height + 1;
		node->size += node->items[i]->size;
	}
}

/* Resolves merge keys and rejects duplicate keys. */
static int builder__finish_map(struct builder *b, struct frame *f)
{
	struct ydoc_node *map = f->node;
	struct pair_ref *refs = NULL;
	size_t n = 0, alloc = 0, kept = 0;
	int err;

	map->n /= 2; /* items were appended one by one: key, value, ... */
	err = refs__collect(b, map, &refs, &n, &alloc);
	if (!err)
		err = refs__dedupe(b, refs, n);
	if (!err && grow((void **)&map->items, &f->alloc, 2 * n, sizeof(*map->items)))
		err = -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		if (!refs[i].keep)
			continue;
		map->items[2 * kept] = refs[i].key;
		map->items[2 * kept + 1] = refs[i].value;
		kept++;
	}
	if (!err)
		map->n = kept;
	free(refs);
	return err;
}

static int builder__on_end(struct builder *b)
{
	struct frame *f = &b->stack[--b->depth];
	struct ydoc_node *node = f->node;
	char *anchor = f->anchor;
	int err = 0;

	f->anchor = NULL;
	if (node->type == YDOC_MAP)
		err = builder__finish_map(b, f);
	if (err) {
		free(anchor);
		return err;
	}
	node__measure(node);
	if (anchor && builder__add_anchor(b, anchor, node))
		return -ENOMEM;
	return builder__attach(b, node);
}

/*
 * The node limit counts a document's nodes, aliases at their expanded size
 * ("billion laughs"); what aliases add is also limited for the whole input,
 * which could repeat a document that fits many times.
 */
static int builder__alias_fits(struct builder *b, int line)
{
	if (b->nodes > b->max_nodes)
		builder__fail(b, line, "aliases expand to more than %zu nodes in one document",
			      b->max_nodes);
	else if (b->alias_nodes > b->max_nodes)
		builder__fail(b, line, "aliases expand to more than %zu nodes in this input "
			      "(every document's together)", b->max_nodes);
	return b->nodes > b->max_nodes || b->alias_nodes > b->max_nodes ? -E2BIG : 0;
}

/* An alias shares the anchored node; its expanded size counts to the limit. */
static int builder__on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	int line = line_of(&ev->start_mark);

	if (b->flags & YDOC_NO_ALIASES)
		return builder__fail(b, line, "YAML alias *%s: aliases are not allowed here", name);
	for (size_t i = b->n_anchors; i-- > 0;) {
		struct ydoc_node *node = b->anchors[i].node;

		if (strcmp(b->anchors[i].name, name))
			continue;
		if (b->depth + node->height > YDOC_MAX_DEPTH)
			return builder__fail(b, line, "alias *%s nests deeper than %d levels",
					     name, YDOC_MAX_DEPTH);
		b->nodes += node->size;
		b->alias_nodes += node->size;
		return builder__alias_fits(b, line) ?: builder__attach(b, node);
	}
	return builder__fail(b, line, "alias *%s has no anchor before it", name);
}

static void builder__clear_anchors(struct builder *b)
{
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	b->n_anchors = 0;
}

static void tree__free_nodes(struct ydoc *t, size_t from);

/* Keeps the document, or hands it to b->each and frees it: one in memory. */
static int builder__on_document_end(struct builder *b)
{
	struct ydoc *t = b->tree;
	int rc = 0;

	ydoc_joined__columns(b->joined, t, b->doc_first);
	if (b->each) {
		rc = b->each(b->root, b->each_ctx);
		b->each_failed = rc != 0;
		tree__free_nodes(t, b->doc_first);
		t->n_docs++;
	} else if (grow((void **)&t->docs, &t->doc_alloc, t->n_docs + 1, sizeof(*t->docs))) {
		return -ENOMEM;
	} else {
		t->docs[t->n_docs].root = b->root;
		t->docs[t->n_docs++].line = b->doc_line;
	}
	b->doc_first = t->n_all;
	b->root = NULL;
	b->nodes = 0; /* the limit is per document */
	builder__clear_anchors(b); /* anchors do not reach the next document */
	return rc;
}

static int builder__on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		b->doc_line = line_of(&ev->start_mark);
		if ((b->flags & YDOC_ONE_DOCUMENT) && b->tree->n_docs)
			return builder__fail(b, b->doc_line, "more than one YAML document");
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return builder__on_document_end(b);
	case YAML_SCALAR_EVENT:
		return builder__on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return builder__on_start(b, ev, YDOC_SEQ, ev->data.sequence_start.anchor,
					 ev->data.sequence_start.tag);
	case YAML_MAPPING_START_EVENT:
		return builder__on_start(b, ev, YDOC_MAP, ev->data.mapping_start.anchor,
					 ev->data.mapping_start.tag);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return builder__on_end(b);
	case YAML_ALIAS_EVENT:
		return builder__on_alias(b, ev);
	default:
		return 0;
	}
}

/* libyaml's own message, with the line of the problem (1-based). */
static int builder__parser_error(struct builder *b, const yaml_parser_t *p,
				 const char *buf, size_t len)
{
	int line = line_of(&p->problem_mark);
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a mark. */
		line = 1;
		for (size_t i = 0; i < p->problem_offset && i < len; i++)
			line += buf[i] == '\n';
	}
	if (p->context)
		return builder__fail(b, line, "%s (%s)", problem, p->context);
	return builder__fail(b, line, "%s", problem);
}

static void builder__clear(struct builder *b)
{
	for (size_t i = 0; i < b->depth; i++)
		free(b->stack[i].anchor);
	builder__clear_anchors(b);
	free(b->anchors);
}

/* Feeds every event to the builder; 0 or -errno with b->err filled in. */
static int builder__run(struct builder *b, yaml_parser_t *parser, const char *buf, size_t len)
{
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	while (!done && !rc) {
		if (!yaml_parser_parse(parser, &ev))
			return builder__parser_error(b, parser, buf, len);
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = builder__on_event(b, &ev);
		yaml_event_delete(&ev);
	}
	if (!rc && (b->flags & YDOC_ONE_DOCUMENT) && !b->tree->n_docs)
		rc = builder__fail(b, 1, "empty document");
	return rc;
}

/* Builds the tree of text libyaml reads as it is: surrogate pairs joined. */
static int builder__build(struct builder *b, const char *buf, size_t len, struct ydoc **out)
{
	yaml_parser_t parser;
	int rc;

	b->tree = calloc(1, sizeof(*b->tree));
	if (!b->tree || !yaml_parser_initialize(&parser)) {
		free(b->tree);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = builder__run(b, &parser, buf, len);
	yaml_parser_delete(&parser);
	builder__clear(b);
	if (rc) {
		ydoc__free(b->tree);
		return rc;
	}
	*out = b->tree;
	return 0;
}

/* The one way in: the size limit, JSON's surrogate pairs joined, the tree built. */
static int builder__read(struct builder *b, const char *buf, size_t len, struct ydoc **out)
{
	struct ydoc_joined joined;
	int rc;

	memset(b->err, 0, sizeof(*b->err));
	if (len > YDOC_MAX_SIZE) {
		builder__fail(b, 0, "larger than %u MiB", YDOC_MAX_SIZE >> 20);
		return -EFBIG;
	}
	rc = ydoc_joined__make(&joined, buf, len, b->err);
	b->joined = &joined;
	if (!rc)
		rc = builder__build(b, joined.buf ? joined.buf : buf,
				    joined.buf ? joined.len : len, out);
	ydoc_joined__clear(&joined);
	return rc;
}

int ydoc__parse_max(const char *buf, size_t len, unsigned int flags, size_t max_nodes,
		    struct ydoc **out, struct ydoc_error *err)
{
	struct builder b = { .err = err, .flags = flags, .max_nodes = max_nodes };

	return builder__read(&b, buf, len, out);
}

int ydoc__parse(const char *buf, size_t len, unsigned int flags, struct ydoc **out,
		struct ydoc_error *err)
{
	int rc = ydoc__parse_max(buf, len, flags, YDOC_MAX_NODES, out, err);

	return rc == -E2BIG ? -EINVAL : rc;
}

int ydoc__load(const char *buf, size_t len, unsigned int flags,
	       const struct ydoc_where *where, struct ydoc **out)
{
	struct ydoc_error ye;
	int rc = ydoc__parse(buf, len, flags, out, &ye);

	if (rc && rc != -ENOMEM)
		ydoc_where__fail(where, ye.line, "%s", ye.msg);
	return rc;
}

int ydoc__load_each(const char *buf, size_t len, unsigned int flags, size_t max_nodes,
		    const struct ydoc_where *where, ydoc_each_fn fn, void *ctx)
{
	struct ydoc_error ye;
	struct builder b = { .err = &ye, .flags = flags, .max_nodes = max_nodes,
			     .each = fn, .each_ctx = ctx };
	struct ydoc *t = NULL;
	int rc = builder__read(&b, buf, len, &t);

	if (rc && rc != -ENOMEM && !b.each_failed) /* fn wrote its own message */
		ydoc_where__fail(where, ye.line, "%s", ye.msg);
	ydoc__free(t);
	return rc;
}

/* Frees the nodes from `from` on: a whole tree, or the document just handed over. */
static void tree__free_nodes(struct ydoc *t, size_t from)
{
	for (size_t i = from; i < t->n_all; i++) {
		free(t->all[i]->items);
		free(t->all[i]->value);
		free(t->all[i]->tag);
		free(t->all[i]);
	}
	t->n_all = from;
}

void ydoc__free(struct ydoc *t)
{
	if (!t)
		return;
	tree__free_nodes(t, 0);
	free(t->all);
	free(t->docs);
	free(t);
}

const struct ydoc_node *ydoc__get(const struct ydoc_node *map, const char *key)
{
	if (!map || map->type != YDOC_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (ydoc__is(map->items[2 * i], key))
			return map->items[2 * i + 1];
	return NULL;
}

const struct ydoc_node *ydoc__key(const struct ydoc_node *map, size_t i)
{
	return map && map->type == YDOC_MAP && i < map->n ? map->items[2 * i] : NULL;
}

const struct ydoc_node *ydoc__value(const struct ydoc_node *map, size_t i)
{
	return map && map->type == YDOC_MAP && i < map->n ? map->items[2 * i + 1] : NULL;
}

bool ydoc__is_null(const struct ydoc_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!n)
		return true;
	if (n->type != YDOC_SCALAR)
		return false;
	if (n->tag)
		return !strcmp(n->tag, YAML_NULL_TAG);
	if (!n->plain)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(n->value, nulls[i]))
			return true;
	return false;
}

const char *ydoc__text(const struct ydoc_node *n)
{
	return n && n->type == YDOC_SCALAR && !ydoc__is_null(n) ? n->value : NULL;
}

bool ydoc__is(const struct ydoc_node *n, const char *s)
{
	return n && n->type == YDOC_SCALAR && !strcmp(n->value, s);
}

int ydoc__bool(const struct ydoc_node *n, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };

	*out = false;
	if (ydoc__is_null(n))
		return 0;
	for (size_t i = 0; n->type == YDOC_SCALAR && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(n->value, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(n->value, no[i]))
			return 0;
	}
	return -EINVAL;
}

int ydoc__caps(const struct ydoc_node *list, capset_t *set, int *lines,
	       const struct ydoc_node **bad)
{
	if (ydoc__is_null(list))
		return 0;
	*bad = list;
	if (list->type != YDOC_SEQ)
		return -EINVAL;
	for (size_t i = 0; i < list->n; i++) {
		const struct ydoc_node *item = list->items[i];
		capset_t one = 0;

		*bad = item;
		if (item->type != YDOC_SCALAR || caps__add_name(&one, item->value))
			return -EINVAL;
		for (int cap = 0; lines && cap < 64; cap++)
			if (caps__has(one, cap) && !lines[cap])
				lines[cap] = item->line;
		*set |= one;
	}
	return 0;
}

const char *ydoc__type_name(const struct ydoc_node *n)
{
	static const char *const names[] = { "scalar", "sequence", "mapping" };

	return n ? names[n->type] : "nothing";
}

int ydoc_where__fail(const struct ydoc_where *where, int line, const char *fmt, ...)
{
	va_list ap;
	int used;

	if (!where->err || !where->err_len)
		return -EINVAL;
	used = line > 0 ? snprintf(where->err, where->err_len, "%s:%d: ", where->file, line)
			: snprintf(where->err, where->err_len, "%s: ", where->file);
	if (used >= 0 && (size_t)used < where->err_len) {
		va_start(ap, fmt);
		vsnprintf(where->err + used, where->err_len - used, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int ydoc__known_keys(const struct ydoc_where *where, const struct ydoc_node *map,
		     const char *const *known, const char *place, const char *hint)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ydoc_node *key = ydoc__key(map, i);
		bool ok = false;

		for (size_t k = 0; known[k] && !ok; k++)
			ok = ydoc__is(key, known[k]);
		if (!ok)
			return ydoc_where__fail(where, key->line, "unknown key '%s' in %s; use %s",
						ydoc__text(key) ?: "?", place, hint);
	}
	return 0;
}
