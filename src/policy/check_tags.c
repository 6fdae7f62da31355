// SPDX-License-Identifier: MIT
/*
 * Tags in manifests.  kubectl (go-yaml) decodes !!binary to the bytes it
 * encodes, so "!!binary cHJpdmlsZWdlZA==: true" is privileged: true to it
 * and a key named cHJpdmlsZWdlZA== to a reader that does not; other tags
 * are a reader's own (CloudFormation's !Ref, GitLab's !reference) and mean
 * nothing in a Kubernetes object or a Compose file.  So a manifest may
 * carry only the tags every reader reads alike.
 */
#include <stdbool.h>
#include <string.h>

#include "check_doc.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

static bool tag__allowed(const char *tag)
{
	static const char *const core[] = { "str", "int", "float", "bool", "null",
					    "seq", "map", "merge" };
	static const char *const compose[] = { "!reset", "!override" };
	size_t plen = strlen(YAML_TAG_PREFIX);

	for (size_t i = 0; i < sizeof(compose) / sizeof(compose[0]); i++)
		if (!strcmp(tag, compose[i]))
			return true;
	if (strncmp(tag, YAML_TAG_PREFIX, plen))
		return false;
	for (size_t i = 0; i < sizeof(core) / sizeof(core[0]); i++)
		if (!strcmp(tag + plen, core[i]))
			return true;
	return false;
}

/* The first node under n (n too) with a tag that is not allowed; depth is
 * bounded by the reader (YDOC_MAX_DEPTH), aliases included. */
static const struct ydoc_node *tags__first_foreign(const struct ydoc_node *n)
{
	size_t count;

	if (!n)
		return NULL;
	if (n->tag && !tag__allowed(n->tag))
		return n;
	count = n->type == YDOC_MAP ? 2 * n->n : n->type == YDOC_SEQ ? n->n : 0;
	for (size_t i = 0; i < count; i++) {
		const struct ydoc_node *bad = tags__first_foreign(n->items[i]);

		if (bad)
			return bad;
	}
	return NULL;
}

int check_tags__fit(const struct ydoc_node *root, const struct ydoc_where *where)
{
	const struct ydoc_node *bad = tags__first_foreign(root);
	size_t plen = strlen(YAML_TAG_PREFIX);

	if (!bad)
		return 0;
	if (!strncmp(bad->tag, YAML_TAG_PREFIX, plen))
		return ydoc_where__fail(where, bad->line, "tag !!%s is not allowed in a manifest "
					"(readers disagree on what it means); write the plain value",
					bad->tag + plen);
	return ydoc_where__fail(where, bad->line, "tag %s is not allowed in a manifest "
				"(readers disagree on what it means); write the plain value", bad->tag);
}
