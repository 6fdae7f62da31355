// SPDX-License-Identifier: MIT
/*
 * The gate's verdict: each capability a container can get beyond the
 * allowlist's default, and what became of it.  An exception decides only
 * for the capabilities it adds, so one exception never hides another
 * capability of the same container; an expired one still names itself, so
 * the output says which review lapsed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"

static bool field__matches(const char *want, const char *have)
{
	return !want || (have && !strcmp(want, have));
}

/* The same file, however the path was spelled: "./k8s//a.yaml" is "k8s/a.yaml". */
static bool path__same(const char *a, const char *b)
{
	for (;;) {
		while (a[0] == '.' && a[1] == '/')
			a += 2;
		while (b[0] == '.' && b[1] == '/')
			b += 2;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		if (*a++ == '/')
			while (*a == '/')
				a++;
		if (*b++ == '/')
			while (*b == '/')
				b++;
	}
}

/*
 * An inline exception belongs to the annotation it was written in: it
 * matches the containers of that workload only, and never a privileged
 * one.  A baseline entry also names its file, and one recorded for
 * privileged: true matches only a container that is still privileged.
 */
bool check_exception__matches(const struct check_exception *ex, const struct check_container *c)
{
	if (ex->origin == CHECK_FROM_INLINE &&
	    (c->privileged || !c->allow_note || c->allow_note_line != ex->line ||
	     !ex->file || strcmp(ex->file, c->file)))
		return false;
	if (ex->input && !path__same(ex->input, c->file))
		return false;
	if (ex->privileged && !c->privileged)
		return false;
	return field__matches(ex->kind, c->kind) && field__matches(ex->name, c->name) &&
	       field__matches(ex->container, c->container);
}

/* The first exception that matches c and adds cap; its index in used[] is marked. */
static const struct check_exception *evaluate__exception(const struct check_allowlist *al,
							 const struct check_container *c,
							 int cap, bool *used)
{
	for (size_t i = 0; i < al->n; i++) {
		if (caps__has(al->ex[i].add, cap) && check_exception__matches(&al->ex[i], c)) {
			used[i] = true;
			return &al->ex[i];
		}
	}
	return NULL;
}

static int report__push(struct check_report *r, size_t *alloc, struct check_violation v)
{
	if (r->n == *alloc) {
		size_t bigger = *alloc ? *alloc * 2 : 16;
		struct check_violation *more = reallocarray(r->v, bigger, sizeof(*more));

		if (!more)
			return -ENOMEM;
		r->v = more;
		*alloc = bigger;
	}
	r->n_failing += v.outcome != CHECK_EXCEPTED;
	r->n_excepted += v.outcome == CHECK_EXCEPTED;
	r->v[r->n++] = v;
	return 0;
}

/*
 * A privileged container's findings merge into one per (outcome,
 * exception): "privileged: true grants every capability" once, not forty
 * times.
 */
static int report__add(struct check_report *r, size_t *alloc, struct check_violation v,
		       size_t first)
{
	if (v.container->privileged) {
		for (size_t i = first; i < r->n; i++) {
			if (r->v[i].outcome == v.outcome && r->v[i].exception == v.exception) {
				r->v[i].caps |= v.caps;
				return 0;
			}
		}
		v.cap = CHECK_CAP_PRIVILEGED;
	}
	return report__push(r, alloc, v);
}

/* Within a container: in file order, then by capability number. */
static int violation__compare(const void *pa, const void *pb)
{
	const struct check_violation *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->cap - b->cap;
}

static int evaluate__container(const struct check_container *c, const struct check_allowlist *al,
			       bool *used, struct check_report *out, size_t *alloc)
{
	capset_t extra = c->caps & ~al->base;
	size_t first = out->n;

	for (int cap = 0; cap < 64; cap++) {
		const struct check_exception *ex;
		struct check_violation v = {
			.container = c, .cap = cap, .caps = CAPSET_BIT(cap),
			.line = c->cap_line[cap] ? c->cap_line[cap] : c->line,
			.file = c->cap_file && c->cap_file[cap] ? c->cap_file[cap] : c->file,
		};

		if (!caps__has(extra, cap))
			continue;
		ex = evaluate__exception(al, c, cap, used);
		v.exception = ex;
		v.outcome = !ex ? CHECK_VIOLATION : ex->expired ? CHECK_EXPIRED : CHECK_EXCEPTED;
		if (report__add(out, alloc, v, first))
			return -ENOMEM;
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(*out->v), violation__compare);
	return 0;
}

static int evaluate__stale(const struct check_allowlist *al, const bool *used,
			   struct check_report *out)
{
	out->stale = calloc(al->n ? al->n : 1, sizeof(*out->stale));
	if (!out->stale)
		return -ENOMEM;
	for (size_t i = 0; i < al->n; i++)
		if (!used[i])
			out->stale[out->n_stale++] = &al->ex[i];
	return 0;
}

int check__evaluate(const struct check_inventory *inv, const struct check_allowlist *al,
		    struct check_report *out)
{
	size_t alloc = 0;
	bool *used = calloc(al->n ? al->n : 1, sizeof(*used));
	int err = used ? 0 : -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->files = inv->files;
	out->excluded = inv->exclude ? inv->exclude->paths.n : 0;
	out->inv = inv;
	for (size_t i = 0; i < inv->n; i++) {
		enum check_source source = inv->v[i].source;

		out->containers += source == CHECK_MANIFEST;
		out->images += source == CHECK_IMAGE;
		out->findings += source != CHECK_MANIFEST && source != CHECK_IMAGE;
	}
	for (size_t i = 0; i < inv->n && !err; i++)
		err = evaluate__container(&inv->v[i], al, used, out, &alloc);
	if (!err)
		err = evaluate__stale(al, used, out);
	free(used);
	if (err)
		check_report__clear(out);
	return err;
}

void check_report__clear(struct check_report *r)
{
	if (!r)
		return;
	free(r->v);
	free(r->stale);
	memset(r, 0, sizeof(*r));
}
