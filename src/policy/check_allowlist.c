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
#include <time.h>

#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"
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

void check_allowlist__truncate(struct check_allowlist *al, size_t n)
{
	while (al->n > n) {
		struct check_exception *ex = &al->ex[--al->n];

		free(ex->kind);
		free(ex->name);
		free(ex->container);
		free(ex->reason);
		free(ex->file);
		free(ex->expires);
		free(ex->input);
	}
}

void check_allowlist__free(struct check_allowlist *al)
{
	if (!al)
		return;
	check_allowlist__truncate(al, 0);
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

/* expires: YYYY-MM-DD, a real date: a typo must not make a review last forever. */
static int al__expires(const struct ydoc_where *where, const struct ydoc_node *v,
		       struct check_exception *ex)
{
	if (!v)
		return 0;
	if (v->type != YDOC_SCALAR || !check_date__valid(v->value))
		return ydoc_where__fail(where, v->line,
					"expires must be a date as YYYY-MM-DD (e.g. 2026-12-31), not '%s'",
					v->type == YDOC_SCALAR ? v->value : ydoc__type_name(v));
	ex->expires = strdup(v->value);
	return ex->expires ? 0 : -ENOMEM;
}

static int al__exception(const struct ydoc_where *where, const struct ydoc_node *node,
			 struct check_exception *ex)
{
	static const char *const keys[] = { "kind", "name", "container", "add", "reason",
					    "expires", NULL };
	int err;

	if (node->type != YDOC_MAP)
		return ydoc_where__fail(where, node->line,
					"each exception must be a mapping with add: and reason:");
	ex->line = node->line;
	ex->file = strdup(where->file);
	if (!ex->file)
		return -ENOMEM;
	err = ydoc__known_keys(where, node, keys, "an exception",
			     "kind, name, container, add, reason and expires");
	if (!err)
		err = al__expires(where, ydoc__get(node, "expires"), ex);
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

/* inline_exceptions: true or false, nothing looser: it widens who may except. */
static int al__inline_ok(const struct ydoc_where *where, const struct ydoc_node *v, bool *ok)
{
	*ok = false;
	if (!v || ydoc__is(v, "false"))
		return 0;
	if (ydoc__is(v, "true")) {
		*ok = true;
		return 0;
	}
	return ydoc_where__fail(where, v->line, "inline_exceptions must be true or false");
}

static int al__root(const struct ydoc_where *where, const struct ydoc_node *root,
		    struct check_allowlist *al)
{
	static const char *const keys[] = { "default", "exceptions", "inline_exceptions",
					    "inline_max", NULL };
	const struct ydoc_node *def = ydoc__get(root, "default");
	const struct ydoc_node *max = ydoc__get(root, "inline_max");
	int err;

	if (root->type != YDOC_MAP)
		return ydoc_where__fail(where, root->line,
					"an allowlist is a mapping with default: and exceptions:");
	err = ydoc__known_keys(where, root, keys, "the allowlist",
			     "default, exceptions, inline_exceptions and inline_max");
	if (!err && def)
		err = al__names(where, def, "default", &al->base);
	if (!err)
		err = al__inline_ok(where, ydoc__get(root, "inline_exceptions"), &al->inline_ok);
	al->inline_max = check_inline__default_max();
	if (!err && max)
		err = al__names(where, max, "inline_max", &al->inline_max);
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

static bool date__leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

bool check_date__valid(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, month, day;

	if (strlen(s) != CHECK_DATE_LEN || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < CHECK_DATE_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	year = atoi(s);
	month = atoi(s + 5);
	day = atoi(s + 8);
	if (year < 1 || month < 1 || month > 12 || day < 1)
		return false;
	return day <= days[month - 1] + (month == 2 && date__leap(year));
}

void check_date__today(time_t now, char *out, size_t len)
{
	struct tm tm;

	/* A clock outside 4-digit years fails closed: every dated exception has expired. */
	if (!gmtime_r(&now, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1 ||
	    !strftime(out, len, "%Y-%m-%d", &tm))
		snprintf(out, len, "9999-12-31");
}

void check_allowlist__expire(struct check_allowlist *al, time_t now)
{
	char today[CHECK_DATE_LEN + 1];

	check_date__today(now, today, sizeof(today));
	/* Both are YYYY-MM-DD: text order is date order. */
	for (size_t i = 0; i < al->n; i++)
		al->ex[i].expired = al->ex[i].expires && strcmp(al->ex[i].expires, today) < 0;
}

struct check_exception *check_allowlist__append(struct check_allowlist *al)
{
	struct check_exception *more = reallocarray(al->ex, al->n + 1, sizeof(*more));

	if (!more)
		return NULL;
	al->ex = more;
	memset(&al->ex[al->n], 0, sizeof(*more));
	return &al->ex[al->n++];
}
