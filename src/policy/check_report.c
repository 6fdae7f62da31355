// SPDX-License-Identifier: MIT
/* The gate's verdict in text and JSON, and the choice of format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/core/emit.h"
#include "capdiet/core/text.h"
#include "check_words.h"

static const char *const format_names[] = {
	[CHECK_FORMAT_TEXT] = "text", [CHECK_FORMAT_JSON] = "json",
	[CHECK_FORMAT_SARIF] = "sarif", [CHECK_FORMAT_JUNIT] = "junit",
	[CHECK_FORMAT_GITHUB] = "github",
};

int check_format__parse(const char *name, enum check_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (enum check_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

int check_report__write(const struct check_report *r, enum check_format format, FILE *out)
{
	static int (*const writers[])(const struct check_report *, FILE *) = {
		[CHECK_FORMAT_TEXT] = check_report__write_text,
		[CHECK_FORMAT_JSON] = check_report__write_json,
		[CHECK_FORMAT_SARIF] = check_report__write_sarif,
		[CHECK_FORMAT_JUNIT] = check_report__write_junit,
		[CHECK_FORMAT_GITHUB] = check_report__write_github,
	};

	if ((size_t)format >= sizeof(writers) / sizeof(writers[0]))
		return -EINVAL;
	return writers[format](r, out);
}

/*
 * Findings in inventory order, so a container's findings are together;
 * stale exceptions after them; problems with the inputs went to stderr.
 */
int check_report__write_text(const struct check_report *r, FILE *out)
{
	for (size_t i = 0; i < r->n; i++) {
		check_words__line(&r->v[i], out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < r->n_stale; i++) {
		text__fputs(r->stale[i]->file ? r->stale[i]->file : "the allowlist", out);
		if (r->stale[i]->line > 0)
			fprintf(out, ":%d", r->stale[i]->line);
		fputs(": ", out);
		check_words__stale(r->stale[i], out);
		fputc('\n', out);
	}
	check_words__summary(r, out);
	fputc('\n', out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

static void json__exception(struct emit *e, const struct check_exception *ex)
{
	emit__map_start(e, true);
	emit__kv_str(e, "file", ex->file);
	emit__kv_int(e, "line", ex->line);
	emit__kv_str(e, "origin", check_words__origin(ex->origin));
	emit__kv_str(e, "kind", ex->kind);
	emit__kv_str(e, "name", ex->name);
	emit__kv_str(e, "container", ex->container);
	emit__plain(e, "capabilities");
	emit__caps(e, ex->add, false);
	emit__kv_str(e, "reason", ex->reason);
	emit__kv_str(e, "expires", ex->expires);
	emit__kv_bool(e, "expired", ex->expired);
	emit__map_end(e);
}

static void json__finding(struct emit *e, const struct check_violation *v)
{
	const struct check_container *c = v->container;
	int col = check_words__col(v);

	emit__map_start(e, true);
	emit__kv_str(e, "file", check_words__file(v));
	if (c->source == CHECK_MANIFEST)
		emit__kv_int(e, "line", v->line);
	if (c->source == CHECK_MANIFEST && col > 0)
		emit__kv_int(e, "column", col);
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
		emit__kv_str(e, "source", check_words__source(c->source));
	if (c->layer)
		emit__kv_str(e, "layer", c->layer);
	if (c->path)
		emit__kv_str(e, "path", c->path);
	emit__kv_str(e, "rule", check_rules[check_words__rule(v)].id);
	emit__kv_str(e, "outcome", check_words__outcome(v->outcome));
	if (v->exception) {
		emit__plain(e, "exception");
		json__exception(e, v->exception);
	}
	emit__map_end(e);
}

/* The failing findings (violations) or the excepted ones. */
static void json__findings(struct emit *e, const struct check_report *r, const char *key,
			   bool failing)
{
	emit__plain(e, key);
	emit__seq_start(e, true);
	for (size_t i = 0; i < r->n; i++)
		if (check_words__failing(&r->v[i]) == failing)
			json__finding(e, &r->v[i]);
	emit__seq_end(e);
}

static void json__stale(struct emit *e, const struct check_report *r)
{
	emit__plain(e, "stale");
	emit__seq_start(e, true);
	for (size_t i = 0; i < r->n_stale; i++)
		json__exception(e, r->stale[i]);
	emit__seq_end(e);
}

/* Each problem with an input, taken apart: what CI shows next to the file. */
static int json__problems(struct emit *e, const struct check_report *r)
{
	int err = 0;

	emit__plain(e, "problems");
	emit__seq_start(e, true);
	for (size_t i = 0; i < check_words__n_problems(r) && !err; i++) {
		struct check_problem p;

		err = check_problem__split(r->problems->v[i], &p);
		if (err)
			break;
		emit__map_start(e, true);
		emit__kv_str(e, "file", p.file);
		if (p.line > 0)
			emit__kv_int(e, "line", p.line);
		emit__kv_str(e, "message", p.message);
		emit__map_end(e);
		check_problem__clear(&p);
	}
	emit__seq_end(e);
	return err;
}

/* The capabilities of c that are violations. */
static capset_t json__violating(const struct check_report *r, const struct check_container *c)
{
	capset_t set = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].container == c && check_words__failing(&r->v[i]))
			set |= r->v[i].caps;
	return set;
}

static void json__image_entry(struct emit *e, const struct check_report *r,
			      const struct check_container *c)
{
	emit__map_start(e, true);
	emit__kv_str(e, "source", check_words__source(c->source));
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
		json__image_entry(e, r, &r->inv->v[i]);
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
	int err = emit__begin(&e, out, EMIT_JSON);

	if (err)
		return err;
	emit__map_start(&e, true);
	json__findings(&e, r, "violations", true);
	json__findings(&e, r, "excepted", false);
	json__stale(&e, r);
	err = json__problems(&e, r);
	if (err) {
		emit__abort(&e);
		return err;
	}
	emit__kv_uint(&e, "files", r->files);
	emit__kv_uint(&e, "containers", r->containers);
	emit__kv_uint(&e, "violation_count", r->n_failing);
	emit__kv_uint(&e, "excepted_count", r->n_excepted);
	emit__kv_uint(&e, "stale_count", r->n_stale);
	emit__kv_uint(&e, "excluded", r->excluded);
	emit__kv_uint(&e, "errors", r->errors);
	json__images(&e, r);
	emit__map_end(&e);
	return emit__end(&e);
}
