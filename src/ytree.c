// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "capdiet/ytree.h"

struct builder {
	struct ynode *root;
	struct ynode *stack[YTREE_MAX_DEPTH];
	int depth;
	size_t nodes;
	int documents;
	int line;              /* of the event that failed */
	const char *why;       /* what was wrong with it */
};

void ynode__free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode__free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n);
}

bool ynode__is_null(const struct ynode *n)
{
	if (!n || n->kind != YNODE_SCALAR || !n->plain)
		return false;
	return !*n->value || !strcmp(n->value, "~") || !strcmp(n->value, "null") ||
	       !strcmp(n->value, "Null") || !strcmp(n->value, "NULL");
}

const struct ynode *ynode__get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->items[i]->kind == YNODE_SCALAR && !strcmp(map->items[i]->value, key))
			return map->items[i + 1];
	return NULL;
}

const char *ynode__kind_name(const struct ynode *n)
{
	static const char *const names[] = { "scalar", "sequence", "mapping" };

	return n ? names[n->kind] : "nothing";
}

static int ynode__append(struct ynode *parent, struct ynode *child)
{
	struct ynode **items = realloc(parent->items, (parent->n + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	parent->items = items;
	parent->items[parent->n++] = child;
	return 0;
}

static int builder__fail(struct builder *b, const yaml_event_t *ev, const char *why, int err)
{
	b->line = (int)ev->start_mark.line + 1;
	b->why = why;
	return err;
}

/* Hangs a new node under the open collection (or makes it the root). */
static int builder__attach(struct builder *b, const yaml_event_t *ev, struct ynode *node)
{
	int err = 0;

	node->line = (int)ev->start_mark.line + 1;
	if (++b->nodes > YTREE_MAX_NODES)
		err = builder__fail(b, ev, "too many nodes for a capdiet file", -EFBIG);
	else if (b->depth > 0)
		err = ynode__append(b->stack[b->depth - 1], node);
	else if (b->root)
		err = builder__fail(b, ev, "more than one root node", -EINVAL);
	else
		b->root = node;
	if (err) {
		ynode__free(node);
		return err;
	}
	if (node->kind == YNODE_SCALAR)
		return 0;
	if (b->depth == YTREE_MAX_DEPTH)
		return builder__fail(b, ev, "nested too deeply", -EINVAL);
	b->stack[b->depth++] = node;
	return 0;
}

static int builder__node(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
	struct ynode *node = calloc(1, sizeof(*node));

	if (!node)
		return -ENOMEM;
	node->kind = kind;
	if (kind == YNODE_SCALAR) {
		node->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		if (!node->value) {
			free(node);
			return -ENOMEM;
		}
		if (strlen(node->value) != ev->data.scalar.length) {
			ynode__free(node);
			return builder__fail(b, ev, "NUL character in a string", -EINVAL);
		}
		node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			      ev->data.scalar.plain_implicit;
	}
	return builder__attach(b, ev, node);
}

static int builder__event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (b->documents++)
			return builder__fail(b, ev, "more than one YAML document", -EINVAL);
		return 0;
	case YAML_ALIAS_EVENT:
		return builder__fail(b, ev, "YAML aliases (*name) are not allowed here", -EINVAL);
	case YAML_SCALAR_EVENT:
		return builder__node(b, ev, YNODE_SCALAR);
	case YAML_SEQUENCE_START_EVENT:
		return builder__node(b, ev, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return builder__node(b, ev, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return 0;
	default:
		return 0;
	}
}

static void ytree__message(char *err, size_t err_len, const char *name, int line,
			   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void ytree__message(char *err, size_t err_len, const char *name, int line,
			   const char *fmt, ...)
{
	va_list ap;
	int used;

	if (!err || !err_len)
		return;
	used = line > 0 ? snprintf(err, err_len, "%s:%d: ", name, line)
			: snprintf(err, err_len, "%s: ", name);
	if (used < 0 || (size_t)used >= err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, err_len - used, fmt, ap);
	va_end(ap);
}

/* Feeds every event to the builder; 0, or -errno with b->line/why set. */
static int ytree__run(yaml_parser_t *parser, struct builder *b)
{
	yaml_event_t ev;
	int err = 0, done = 0;

	while (!err && !done) {
		if (!yaml_parser_parse(parser, &ev)) {
			b->line = (int)parser->problem_mark.line + 1;
			b->why = parser->problem ? parser->problem : "invalid YAML";
			return parser->error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		err = builder__event(b, &ev);
		yaml_event_delete(&ev);
	}
	return err;
}

struct ynode *ytree__parse(const char *buf, size_t len, const char *name,
			   char *err, size_t err_len)
{
	struct builder b = { 0 };
	yaml_parser_t parser;
	int rc;

	if (len > YTREE_MAX_SIZE) {
		ytree__message(err, err_len, name, 0, "larger than %u MiB; not a capdiet file",
			       YTREE_MAX_SIZE >> 20);
		errno = EFBIG;
		return NULL;
	}
	if (!yaml_parser_initialize(&parser)) {
		errno = ENOMEM;
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	rc = ytree__run(&parser, &b);
	yaml_parser_delete(&parser);
	if (!rc && !b.root) {
		b.why = "empty document";
		rc = -EINVAL;
	}
	if (rc) {
		ytree__message(err, err_len, name, b.line, "%s",
			       b.why ? b.why : strerror(-rc));
		ynode__free(b.root);
		errno = -rc;
		return NULL;
	}
	return b.root;
}
