// SPDX-License-Identifier: MIT
/*
 * --baseline: today's violations, recorded so a team can adopt the gate and
 * fail only on new ones.  An entry names the finding (file, kind, name,
 * container, capability) but not its line, so an edit that moves lines
 * keeps it; one that matches nothing any more is reported as stale.  A
 * finding whose allowlist exception expired is not recorded: a baseline
 * accepts what was never reviewed, it does not renew a review that lapsed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/outfile.h"
#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check_exceptions.h"

#define BASELINE_VERSION "1"

struct baseline_out {
	const struct check_report *r;
	const struct check_violation **v; /* the VIOLATION findings, sorted, no duplicates */
	size_t n;
	const char *date;
};

static int str__cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* File, kind, name, container, capability: a stable order that diffs well. */
static int finding__cmp(const void *pa, const void *pb)
{
	const struct check_violation *a = *(const struct check_violation *const *)pa;
	const struct check_violation *b = *(const struct check_violation *const *)pb;
	int d = str__cmp(a->container->file, b->container->file);

	if (!d)
		d = str__cmp(a->container->kind, b->container->kind);
	if (!d)
		d = str__cmp(a->container->name, b->container->name);
	if (!d)
		d = str__cmp(a->container->container, b->container->container);
	return d ? d : a->cap - b->cap;
}

/* The findings to record, in order, each once (two containers can share a name). */
static int baseline__select(struct baseline_out *b, struct check_baseline_counts *counts)
{
	size_t n = 0;

	b->v = calloc(b->r->n ? b->r->n : 1, sizeof(*b->v));
	if (!b->v)
		return -ENOMEM;
	for (size_t i = 0; i < b->r->n; i++) {
		counts->expired += b->r->v[i].outcome == CHECK_EXPIRED;
		if (b->r->v[i].outcome == CHECK_VIOLATION)
			b->v[n++] = &b->r->v[i];
	}
	qsort(b->v, n, sizeof(*b->v), finding__cmp);
	for (size_t i = 0; i < n; i++)
		if (!b->n || finding__cmp(&b->v[b->n - 1], &b->v[i]))
			b->v[b->n++] = b->v[i];
	counts->recorded = b->n;
	return 0;
}

static void baseline__entry(struct emit *e, const struct check_violation *v)
{
	const struct check_container *c = v->container;

	emit__map_start(e, true);
	emit__kv_str(e, "file", c->file);
	emit__kv_str(e, "kind", c->kind);
	emit__kv_str(e, "name", c->name);
	emit__kv_str(e, "container", c->container);
	if (v->cap == CHECK_CAP_PRIVILEGED)
		emit__kv_bool(e, "privileged", true);
	else
		emit__kv_str(e, "capability", caps__name(v->cap));
	emit__map_end(e);
}

static int baseline__fill(FILE *out, void *ctx)
{
	const struct baseline_out *b = ctx;
	struct emit e;

	fprintf(out,
		"# capdiet check baseline: the violations of %s (UTC), accepted so that only\n"
		"# new ones fail.  Written by capdiet check --write-baseline; read with\n"
		"# --baseline.  Entries that match nothing any more are reported as stale:\n"
		"# regenerate the file then.  Review changes to it like the allowlist.\n",
		b->date);
	if (emit__begin(&e, out, EMIT_YAML))
		return -EIO;
	emit__map_start(&e, false);
	emit__kv_uint(&e, "capdiet_baseline", 1);
	emit__kv_str(&e, "date", b->date);
	emit__plain(&e, "findings");
	emit__seq_start(&e, false);
	for (size_t i = 0; i < b->n; i++)
		baseline__entry(&e, b->v[i]);
	emit__seq_end(&e);
	emit__map_end(&e);
	return emit__end(&e);
}

int check_baseline__write(const struct check_report *r, const char *path, time_t now,
			  struct check_baseline_counts *counts)
{
	char date[CHECK_DATE_LEN + 1];
	struct baseline_out b = { .r = r, .date = date };
	int rc;

	*counts = (struct check_baseline_counts){ 0 };
	check_date__today(now, date, sizeof(date));
	rc = baseline__select(&b, counts);
	if (!rc)
		rc = outfile__write(path, baseline__fill, &b);
	free(b.v);
	return rc;
}

/* ---- reading ---- */

struct baseline_in {
	const struct ydoc_where *where;
	struct check_allowlist *al;
	const char *date;
};

/* A required string field of an entry, copied. */
static int in__field(const struct baseline_in *in, const struct ydoc_node *entry,
		     const char *key, char **out)
{
	const char *text = ydoc__text(ydoc__get(entry, key));

	if (!text)
		return ydoc_where__fail(in->where, entry->line,
					"baseline entry has no %s; regenerate the file with --write-baseline",
					key);
	*out = strdup(text);
	return *out ? 0 : -ENOMEM;
}

/* capability: NAME, or privileged: true: exactly one. */
static int in__what(const struct baseline_in *in, const struct ydoc_node *entry,
		    struct check_exception *ex)
{
	const struct ydoc_node *cap = ydoc__get(entry, "capability");
	const struct ydoc_node *priv = ydoc__get(entry, "privileged");
	int n;

	if (!cap == !priv)
		return ydoc_where__fail(in->where, entry->line,
					"a baseline entry has capability: NAME or privileged: true, one of them");
	if (priv) {
		if (!ydoc__is(priv, "true"))
			return ydoc_where__fail(in->where, priv->line, "privileged must be true");
		ex->privileged = true;
		ex->add = caps__all();
		return 0;
	}
	n = ydoc__text(cap) ? caps__parse_name(cap->value) : -EINVAL;
	if (n < 0)
		return ydoc_where__fail(in->where, cap->line,
					"unknown capability '%s' in the baseline; use one name, e.g. NET_RAW",
					ydoc__text(cap) ?: "(not a name)");
	ex->add = CAPSET_BIT(n);
	return 0;
}

static int in__entry(const struct baseline_in *in, const struct ydoc_node *entry)
{
	static const char *const keys[] = { "file", "kind", "name", "container", "capability",
					    "privileged", NULL };
	struct check_exception *ex;
	int err;

	if (entry->type != YDOC_MAP)
		return ydoc_where__fail(in->where, entry->line,
					"each baseline entry must be a mapping (file, kind, name, container, capability)");
	ex = check_allowlist__append(in->al);
	if (!ex)
		return -ENOMEM;
	ex->origin = CHECK_FROM_BASELINE;
	ex->line = entry->line;
	err = ydoc__known_keys(in->where, entry, keys, "a baseline entry",
		       "file, kind, name, container, and capability or privileged");
	if (!err)
		err = in__field(in, entry, "file", &ex->input);
	if (!err)
		err = in__field(in, entry, "kind", &ex->kind);
	if (!err)
		err = in__field(in, entry, "name", &ex->name);
	if (!err)
		err = in__field(in, entry, "container", &ex->container);
	if (!err)
		err = in__what(in, entry, ex);
	if (!err && (asprintf(&ex->reason, "recorded in baseline %s on %s", in->where->file,
			      in->date) < 0 || !(ex->file = strdup(in->where->file))))
		err = -ENOMEM;
	return err;
}

static int in__root(struct baseline_in *in, const struct ydoc_node *root)
{
	static const char *const keys[] = { "capdiet_baseline", "date", "findings", NULL };
	const struct ydoc_node *date, *list;
	int err = 0;

	if (!root || root->type != YDOC_MAP || !ydoc__is(ydoc__get(root, "capdiet_baseline"),
							 BASELINE_VERSION))
		return ydoc_where__fail(in->where, root ? root->line : 1,
					"not a capdiet baseline (capdiet_baseline: 1); write one with --write-baseline");
	err = ydoc__known_keys(in->where, root, keys, "the baseline", "capdiet_baseline, date and findings");
	date = ydoc__get(root, "date");
	if (!err && (!ydoc__text(date) || !check_date__valid(date->value)))
		return ydoc_where__fail(in->where, date ? date->line : root->line,
					"the baseline's date must be YYYY-MM-DD");
	list = ydoc__get(root, "findings");
	if (!err && !ydoc__is_null(list) && list->type != YDOC_SEQ)
		return ydoc_where__fail(in->where, list->line, "findings must be a list");
	in->date = date ? date->value : "";
	for (size_t i = 0; !err && list && list->type == YDOC_SEQ && i < list->n; i++)
		err = in__entry(in, list->items[i]);
	return err;
}

int check_baseline__parse(struct check_allowlist *al, const char *buf, size_t len,
			  const char *file, char *err, size_t err_len)
{
	const struct ydoc_where where = { file, err, err_len };
	struct baseline_in in = { .where = &where, .al = al };
	size_t start = al->n;
	struct ydoc *tree = NULL;
	int rc = ydoc__load(buf, len, YDOC_ONE_DOCUMENT | YDOC_NO_ALIASES, &where, &tree);

	if (!rc)
		rc = in__root(&in, tree->n_docs ? tree->docs[0].root : NULL);
	ydoc__free(tree);
	if (rc)
		check_allowlist__truncate(al, start);
	return rc;
}

int check_baseline__load(struct check_allowlist *al, const char *path, char *err,
			 size_t err_len)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = check__read_file(path, &buf, &len, err, err_len);

	if (!rc)
		rc = check_baseline__parse(al, buf, len, path, err, err_len);
	free(buf);
	return rc;
}
