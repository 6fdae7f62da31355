// SPDX-License-Identifier: MIT
/* The gate's verdict: violations, and their text and JSON forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/core/emit.h"
#include "capdiet/core/text.h"

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
	out->inv = inv;
	for (size_t i = 0; i < inv->n; i++) {
		enum check_source source = inv->v[i].source;

		out->containers += source == CHECK_MANIFEST;
		out->images += source == CHECK_IMAGE;
		out->findings += source != CHECK_MANIFEST && source != CHECK_IMAGE;
	}
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

/*
 * Where a capability comes from: a manifest's line, or an image's label or
 * file.  Every string is escaped: a tag, a layer's name or a path of an
 * image (and a manifest's names) could hold a CR, LF or escape sequence that
 * forges or erases a line of a CI log.
 */
static void text__origin(const struct check_violation *v, FILE *out)
{
	const struct check_container *c = v->container;
	char layer[20];

	text__fputs(c->file, out);
	if (c->source == CHECK_MANIFEST) {
		fprintf(out, ":%d: ", v->line);
		text__fputs(c->kind, out);
		fputc('/', out);
		text__fputs(c->name, out);
		fputs(" container ", out);
		text__fputs(c->container, out);
		return;
	}
	fputs(": image ", out);
	text__fputs(c->name, out);
	if (c->source == CHECK_IMAGE) {
		fputs(" label ", out);
		text__fputs(c->container, out);
		return;
	}
	fputs(" layer ", out);
	/* a digest is long; its first 12 digits name it, as `podman images` does */
	snprintf(layer, sizeof(layer), "%s", c->layer);
	text__fputs(strncmp(c->layer, "sha256:", 7) ? c->layer : layer, out);
	fputs(" file ", out);
	text__fputs(c->path, out);
	fputs(" (", out);
	text__fputs(c->detail, out);
	fputc(')', out);
}

/* "checked 2 files, 3 containers, 1 image, 2 findings"; files only when images are not alone. */
static void text__checked(const struct check_report *r, FILE *out)
{
	fputs("checked ", out);
	if (r->files || !r->images)
		fprintf(out, "%zu %s, %zu %s%s", r->files, plural(r->files, "file", "files"),
			r->containers, plural(r->containers, "container", "containers"),
			r->images ? ", " : "");
	if (r->images)
		fprintf(out, "%zu %s, %zu %s", r->images, plural(r->images, "image", "images"),
			r->findings, plural(r->findings, "finding", "findings"));
}

int check_report__write_text(const struct check_report *r, FILE *out)
{
	for (size_t i = 0; i < r->n; i++) {
		text__origin(&r->v[i], out);
		fprintf(out, ": capability %s is not in the allowlist\n", caps__name(r->v[i].cap));
	}
	text__checked(r, out);
	fprintf(out, ": %zu %s", r->n, plural(r->n, "violation", "violations"));
	if (r->errors)
		fprintf(out, ", %zu %s", r->errors, plural(r->errors, "error", "errors"));
	fputc('\n', out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

static const char *source__name(enum check_source source)
{
	static const char *const names[] = {
		[CHECK_MANIFEST] = "manifest", [CHECK_IMAGE] = "label",
		[CHECK_FILE_CAPS] = "file-capabilities", [CHECK_SETUID_ROOT] = "setuid-root",
		[CHECK_SETGID_ROOT] = "setgid-root",
	};

	return names[source];
}

static void json__violation(struct emit *e, const struct check_violation *v)
{
	const struct check_container *c = v->container;

	emit__map_start(e, true);
	emit__kv_str(e, "file", c->file);
	if (c->source == CHECK_MANIFEST)
		emit__kv_int(e, "line", v->line);
	emit__kv_str(e, "kind", c->kind);
	emit__kv_str(e, "name", c->name);
	emit__kv_str(e, "container", c->container);
	emit__kv_str(e, "capability", caps__name(v->cap));
	if (c->source != CHECK_MANIFEST)
		emit__kv_str(e, "source", source__name(c->source));
	if (c->layer)
		emit__kv_str(e, "layer", c->layer);
	if (c->path)
		emit__kv_str(e, "path", c->path);
	emit__map_end(e);
}

/* The capabilities of c that are violations. */
static capset_t json__violating(const struct check_report *r, const struct check_container *c)
{
	capset_t set = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].container == c)
			set |= CAPSET_BIT(r->v[i].cap);
	return set;
}

static void json__finding(struct emit *e, const struct check_report *r,
			  const struct check_container *c)
{
	emit__map_start(e, true);
	emit__kv_str(e, "source", source__name(c->source));
	emit__kv_str(e, "layer", c->layer);
	emit__kv_str(e, "path", c->path);
	emit__kv_str(e, "detail", c->detail);
	emit__plain(e, "capabilities");
	emit__caps(e, c->caps, false);
	emit__plain(e, "violations");
	emit__caps(e, json__violating(r, c), false);
	emit__map_end(e);
}

/* An image and its findings: the entries after it, up to the next image or manifest. */
static size_t json__image(struct emit *e, const struct check_report *r, size_t i)
{
	const struct check_container *img = &r->inv->v[i];

	emit__map_start(e, true);
	emit__kv_str(e, "file", img->file);
	emit__kv_str(e, "name", img->name);
	emit__kv_str(e, "user", img->user);
	emit__kv_str(e, "label", img->detail);
	emit__plain(e, "label_capabilities");
	emit__caps(e, img->caps, false);
	emit__plain(e, "violations");
	emit__caps(e, json__violating(r, img), false);
	emit__plain(e, "findings");
	emit__seq_start(e, true);
	for (i++; i < r->inv->n && r->inv->v[i].source > CHECK_IMAGE; i++)
		json__finding(e, r, &r->inv->v[i]);
	emit__seq_end(e);
	emit__map_end(e);
	return i;
}

static void json__images(struct emit *e, const struct check_report *r)
{
	size_t i = 0;

	emit__plain(e, "images");
	emit__seq_start(e, true);
	while (r->inv && i < r->inv->n) {
		if (r->inv->v[i].source == CHECK_IMAGE)
			i = json__image(e, r, i);
		else
			i++;
	}
	emit__seq_end(e);
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
	json__images(&e, r);
	emit__map_end(&e);
	return emit__end(&e);
}
