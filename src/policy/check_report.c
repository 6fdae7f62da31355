// SPDX-License-Identifier: MIT
/* The gate's verdict: violations, and their text and JSON forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/core/emit.h"

/* Within a container: in file order, then by capability number. */
static int violation__compare(const void *pa, const void *pb)
{
	const struct check_violation *a = pa, *b = pb;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->cap - b->cap;
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
	r->v[r->n++] = v;
	return 0;
}

int check__evaluate(const struct check_inventory *inv, const struct check_allowlist *al,
		    struct check_report *out)
{
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	out->files = inv->files;
	out->containers = inv->n;
	for (size_t i = 0; i < inv->n; i++) {
		const struct check_container *c = &inv->v[i];
		capset_t extra = c->caps & ~check_allowlist__allowed(al, c);
		size_t first = out->n;

		for (int cap = 0; cap < 64; cap++) {
			struct check_violation v = {
				.container = c,
				.cap = cap,
				.line = c->cap_line[cap] ? c->cap_line[cap] : c->line,
			};

			if (caps__has(extra, cap) && report__push(out, &alloc, v))
				return -ENOMEM;
		}
		if (out->n - first > 1)
			qsort(out->v + first, out->n - first, sizeof(*out->v),
			      violation__compare);
	}
	return 0;
}

void check_report__clear(struct check_report *r)
{
	if (!r)
		return;
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int check_report__write_text(const struct check_report *r, FILE *out)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct check_violation *v = &r->v[i];
		const struct check_container *c = v->container;

		fprintf(out, "%s:%d: %s/%s container %s: capability %s is not in the allowlist\n",
			c->file, v->line, c->kind, c->name, c->container, caps__name(v->cap));
	}
	fprintf(out, "checked %zu %s, %zu %s: %zu %s", r->files, plural(r->files, "file", "files"),
		r->containers, plural(r->containers, "container", "containers"), r->n,
		plural(r->n, "violation", "violations"));
	if (r->errors)
		fprintf(out, ", %zu %s", r->errors, plural(r->errors, "error", "errors"));
	fputc('\n', out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

static void json__violation(struct emit *e, const struct check_violation *v)
{
	const struct check_container *c = v->container;

	emit__map_start(e, true);
	emit__kv_str(e, "file", c->file);
	emit__kv_int(e, "line", v->line);
	emit__kv_str(e, "kind", c->kind);
	emit__kv_str(e, "name", c->name);
	emit__kv_str(e, "container", c->container);
	emit__kv_str(e, "capability", caps__name(v->cap));
	emit__map_end(e);
}

int check_report__write_json(const struct check_report *r, FILE *out)
{
	struct emit e;

	emit__begin(&e, out, EMIT_JSON);
	emit__map_start(&e, true);
	emit__plain(&e, "violations");
	emit__seq_start(&e, true);
	for (size_t i = 0; i < r->n; i++)
		json__violation(&e, &r->v[i]);
	emit__seq_end(&e);
	emit__kv_uint(&e, "files", r->files);
	emit__kv_uint(&e, "containers", r->containers);
	emit__kv_uint(&e, "violation_count", r->n);
	emit__kv_uint(&e, "errors", r->errors);
	emit__map_end(&e);
	return emit__end(&e);
}
