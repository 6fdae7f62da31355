// SPDX-License-Identifier: MIT
/* The gate's verdict: violations, and their text and JSON forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/check.h"

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

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8__sequence(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string: control characters escaped, invalid UTF-8 as U+FFFD. */
static void json__string(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		size_t n = *s >= 0x80 ? utf8__sequence(s) : 1;

		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\u%04x", *s);
		else if (n == 0)
			fputs("\\ufffd", out);
		else
			fwrite(s, 1, n, out);
		s += n ? n : 1;
	}
	fputc('"', out);
}

static void json__violation(FILE *out, const struct check_violation *v)
{
	const struct check_container *c = v->container;

	fputs("{\"file\": ", out);
	json__string(out, c->file);
	fprintf(out, ", \"line\": %d, \"kind\": ", v->line);
	json__string(out, c->kind);
	fputs(", \"name\": ", out);
	json__string(out, c->name);
	fputs(", \"container\": ", out);
	json__string(out, c->container);
	fputs(", \"capability\": ", out);
	json__string(out, caps__name(v->cap));
	fputc('}', out);
}

int check_report__write_json(const struct check_report *r, FILE *out)
{
	fputs("{\"violations\": [", out);
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			fputs(", ", out);
		json__violation(out, &r->v[i]);
	}
	fprintf(out, "], \"files\": %zu, \"containers\": %zu, \"violation_count\": %zu, \"errors\": %zu}\n",
		r->files, r->containers, r->n, r->errors);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
