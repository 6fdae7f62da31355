// SPDX-License-Identifier: MIT
/* The gate's verdict in text and JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/core/emit.h"
#include "capdiet/core/text.h"

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
		if (r->v[i].outcome == CHECK_EXCEPTED)
			continue;
		text__origin(&r->v[i], out);
		if (r->v[i].cap == CHECK_CAP_PRIVILEGED)
			fputs(": privileged: true grants every capability\n", out);
		else
			fprintf(out, ": capability %s is not in the allowlist\n",
				caps__name(r->v[i].cap));
	}
	text__checked(r, out);
	fprintf(out, ": %zu %s", r->n_failing, plural(r->n_failing, "violation", "violations"));
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
	if (v->cap == CHECK_CAP_PRIVILEGED) {
		emit__kv_str(e, "privileged", "true");
		emit__plain(e, "capabilities");
		emit__caps(e, v->caps, false);
	} else {
		emit__kv_str(e, "capability", caps__name(v->cap));
	}
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
		if (r->v[i].container == c && r->v[i].outcome != CHECK_EXCEPTED)
			set |= r->v[i].caps;
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
		if (r->v[i].outcome != CHECK_EXCEPTED)
			json__violation(&e, &r->v[i]);
	emit__seq_end(&e);
	emit__kv_uint(&e, "files", r->files);
	emit__kv_uint(&e, "containers", r->containers);
	emit__kv_uint(&e, "violation_count", r->n_failing);
	emit__kv_uint(&e, "errors", r->errors);
	json__images(&e, r);
	emit__map_end(&e);
	return emit__end(&e);
}
