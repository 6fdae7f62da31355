// SPDX-License-Identifier: MIT
/*
 * The team's allowlist: a default set for every container and exceptions
 * that must say why.  A typo in a key is an error, not a silently wider or
 * narrower policy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/core/ydoc.h"

struct check_allowlist *check_allowlist__restricted(void)
{
	struct check_allowlist *al = calloc(1, sizeof(*al));

	if (al)
		al->base = CAPSET_BIT(caps__parse_name("NET_BIND_SERVICE"));
	return al;
}

struct check_allowlist *check_allowlist__from_list(const char *list, char *err, size_t err_len)
{
	struct check_allowlist *al = calloc(1, sizeof(*al));
	char bad[128] = "";

	if (!al)
		return NULL;
	if (caps__parse_list(list, &al->base, bad, sizeof(bad))) {
		snprintf(err, err_len,
			 "unknown capability '%s' in the allow list; use names such as NET_BIND_SERVICE,CHOWN, or NONE",
			 bad);
		free(al);
		errno = EINVAL;
		return NULL;
	}
	return al;
}

void check_allowlist__free(struct check_allowlist *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->n; i++) {
		free(al->ex[i].kind);
		free(al->ex[i].name);
		free(al->ex[i].container);
		free(al->ex[i].reason);
		free(al->ex[i].file);
		free(al->ex[i].expires);
	}
	free(al->ex);
	free(al);
}

static int al__names(const struct ydoc_where *where, const struct ydoc_node *list,
		     const char *field, capset_t *set)
{
	const struct ydoc_node *bad;

	*set = 0;
	if (!ydoc__caps(list, set, NULL, &bad))
		return 0;
	if (bad == list)
		return ydoc_where__fail(where, list->line,
					"%s must be a list of capability names, e.g. [NET_BIND_SERVICE]",
					field);
	return ydoc_where__fail(where, bad->line,
				"unknown capability '%s' in %s; use a name from capabilities(7), e.g. NET_BIND_SERVICE",
				bad->type == YDOC_SCALAR ? bad->value : "(not a name)", field);
}

/* Every key of map must be one of known (NULL-terminated). */
static int al__known_keys(const struct ydoc_where *where, const struct ydoc_node *map,
			  const char *const *known, const char *place, const char *hint)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ydoc_node *key = ydoc__key(map, i);
		bool ok = false;

		for (size_t k = 0; known[k] && !ok; k++)
			ok = ydoc__is(key, known[k]);
		if (!ok)
			return ydoc_where__fail(where, key->line, "unknown key '%s' in %s; use %s",
						key->type == YDOC_SCALAR ? key->value : "?", place, hint);
	}
	return 0;
}

/* An optional match field: absent matches any, otherwise a string. */
static int al__match(const struct ydoc_where *where, const struct ydoc_node *ex, const char *key,
		     char **out)
{
	const struct ydoc_node *v = ydoc__get(ex, key);

	*out = NULL;
	if (!v)
		return 0;
	if (v->type != YDOC_SCALAR || ydoc__is_null(v))
		return ydoc_where__fail(where, v->line, "%s of an exception must be a string", key);
	*out = strdup(v->value);
	return *out ? 0 : -ENOMEM;
}

static int al__reason(const struct ydoc_where *where, const struct ydoc_node *node,
		      struct check_exception *ex)
{
	const struct ydoc_node *v = ydoc__get(node, "reason");
	char *names;

	if (v && v->type == YDOC_SCALAR && v->value[strspn(v->value, " \t\r\n")]) {
		ex->reason = strdup(v->value);
		return ex->reason ? 0 : -ENOMEM;
	}
	names = caps__format(ex->add, ",", false);
	ydoc_where__fail(where, v ? v->line : node->line,
			 "exception for %s/%s container %s has no reason; add 'reason:' saying why it needs %s",
			 ex->kind ? ex->kind : "*", ex->name ? ex->name : "*",
			 ex->container ? ex->container : "*", names ? names : "these capabilities");
	free(names);
	return -EINVAL;
}

static int al__exception(const struct ydoc_where *where, const struct ydoc_node *node,
			 struct check_exception *ex)
{
	static const char *const keys[] = { "kind", "name", "container", "add", "reason", NULL };
	int err;

	if (node->type != YDOC_MAP)
		return ydoc_where__fail(where, node->line,
					"each exception must be a mapping with add: and reason:");
	ex->line = node->line;
	err = al__known_keys(where, node, keys, "an exception", "kind, name, container, add and reason");
	if (!err)
		err = al__match(where, node, "kind", &ex->kind);
	if (!err)
		err = al__match(where, node, "name", &ex->name);
	if (!err)
		err = al__match(where, node, "container", &ex->container);
	if (!err && !ydoc__get(node, "add"))
		err = ydoc_where__fail(where, node->line,
				       "exception has no add list; say which capabilities it allows");
	if (!err)
		err = al__names(where, ydoc__get(node, "add"), "add", &ex->add);
	if (!err)
		err = al__reason(where, node, ex);
	return err;
}

static int al__exceptions(const struct ydoc_where *where, const struct ydoc_node *list,
			  struct check_allowlist *al)
{
	int err = 0;

	if (ydoc__is_null(list))
		return 0;
	if (list->type != YDOC_SEQ)
		return ydoc_where__fail(where, list->line, "exceptions must be a list");
	al->ex = calloc(list->n ? list->n : 1, sizeof(*al->ex));
	if (!al->ex)
		return -ENOMEM;
	for (size_t i = 0; i < list->n && !err; i++) {
		al->n++; /* counted first, so a half-filled entry is freed */
		err = al__exception(where, list->items[i], &al->ex[i]);
	}
	return err;
}

static int al__root(const struct ydoc_where *where, const struct ydoc_node *root,
		    struct check_allowlist *al)
{
	static const char *const keys[] = { "default", "exceptions", NULL };
	const struct ydoc_node *def = ydoc__get(root, "default");
	int err;

	if (root->type != YDOC_MAP)
		return ydoc_where__fail(where, root->line,
					"an allowlist is a mapping with default: and exceptions:");
	err = al__known_keys(where, root, keys, "the allowlist", "default and exceptions");
	if (!err && def)
		err = al__names(where, def, "default", &al->base);
	if (!err)
		err = al__exceptions(where, ydoc__get(root, "exceptions"), al);
	return err;
}

/* The one non-empty document of the file. */
static int al__document(const struct ydoc_where *where, const struct ydoc *t,
			const struct ydoc_node **root)
{
	*root = NULL;
	for (size_t i = 0; i < t->n_docs; i++) {
		if (!t->docs[i].root)
			continue;
		if (*root)
			return ydoc_where__fail(where, t->docs[i].root->line,
						"an allowlist is one YAML document");
		*root = t->docs[i].root;
	}
	if (!*root)
		return ydoc_where__fail(where, 1,
					"no allowlist in it; write default: [NET_BIND_SERVICE]");
	return 0;
}

struct check_allowlist *check_allowlist__parse(const char *buf, size_t len, const char *file,
					       char *err, size_t err_len)
{
	const struct ydoc_where where = { file, err, err_len };
	struct check_allowlist *al = check_allowlist__restricted();
	const struct ydoc_node *root;
	struct ydoc *tree = NULL;
	int rc;

	if (!al)
		return NULL;
	rc = ydoc__load(buf, len, 0, &where, &tree);
	if (!rc)
		rc = al__document(&where, tree, &root);
	if (!rc)
		rc = al__root(&where, root, al);
	ydoc__free(tree);
	if (rc) {
		check_allowlist__free(al);
		errno = -rc;
		return NULL;
	}
	return al;
}

struct check_allowlist *check_allowlist__load(const char *path, char *err, size_t err_len)
{
	struct check_allowlist *al;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = check__read_file(path, &buf, &len, err, err_len);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	al = check_allowlist__parse(buf, len, path, err, err_len);
	free(buf);
	return al;
}

capset_t check_allowlist__allowed(const struct check_allowlist *al,
				  const struct check_container *c)
{
	capset_t allowed = al->base;

	for (size_t i = 0; i < al->n; i++)
		if (check_exception__matches(&al->ex[i], c) && !al->ex[i].expired)
			allowed |= al->ex[i].add;
	return allowed;
}
