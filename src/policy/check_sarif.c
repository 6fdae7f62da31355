// SPDX-License-Identifier: MIT
/*
 * The gate's verdict as SARIF 2.1.0, the format GitHub code scanning reads
 * (github/codeql-action/upload-sarif): one rule per kind of finding, one
 * result per finding at its file, line and column, an excepted finding as a
 * result with an external suppression (listed, never hidden), problems with
 * the inputs as tool execution notifications and stale exceptions as tool
 * configuration notifications.
 *
 * Code scanning places a result only in a file of the repository, at a
 * line: a rendered chart or overlay points at its Chart.yaml or
 * kustomization file (line 1; the rendered line is in the location's
 * description), stdin at the relative URI "stdin", said to be no file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capdiet/core/emit.h"
#include "capdiet/policy/check.h"
#include "check_words.h"

#ifndef CAPDIET_VERSION
#define CAPDIET_VERSION "unknown"
#endif

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
/* A partial fingerprint of our own: GitHub matches alerts across commits by it. */
#define SARIF_FINGERPRINT "capdietFinding/v1"

static bool uri__unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
}

/*
 * A path as a URI reference (RFC 3986): every byte but the unreserved ones
 * and '/' percent-encoded, so a space, '#', '?', ':' or a control character
 * in a file name cannot change what the URI means.  An absolute path
 * becomes a file:// URI; a relative one stays relative (to %SRCROOT%,
 * the repository checkout), without a leading "./".
 */
static char *sarif__uri(const char *path, bool *relative)
{
	static const char hex[] = "0123456789ABCDEF";
	char *uri = malloc(strlen(path) * 3 + sizeof("file://")), *o = uri;

	if (!uri)
		return NULL;
	*relative = path[0] != '/';
	if (!*relative)
		o = stpcpy(o, "file://");
	while (*relative && path[0] == '.' && path[1] == '/')
		path += 2;
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if (uri__unreserved(*s)) {
			*o++ = (char)*s;
			continue;
		}
		*o++ = '%';
		*o++ = hex[*s >> 4];
		*o++ = hex[*s & 15];
	}
	*o = '\0';
	return uri;
}

/* What check_files.c calls the input of "capdiet check -". */
#define SARIF_STDIN_NAME "<stdin>"

/* check_render.c names a rendered chart or overlay "DIR (TOOL)". */
static const char *const render_labels[] = {
	" (helm template)", " (kustomize build)", " (kubectl kustomize)",
};
/* The files that make DIR a chart or an overlay (check_render.c), a chart's first. */
static const char *const render_files[] = {
	"Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization",
};

/* DIR/NAME of the first render_files that dir has, malloc'd; NULL: none. */
static char *sarif__render_file(const char *dir, size_t dir_len)
{
	for (size_t i = 0; i < sizeof(render_files) / sizeof(render_files[0]); i++) {
		struct stat st;
		char *path = NULL;

		if (asprintf(&path, "%.*s/%s", (int)dir_len, dir, render_files[i]) < 0)
			return NULL;
		if (!stat(path, &st) && S_ISREG(st.st_mode))
			return path;
		free(path);
	}
	return NULL;
}

/*
 * A rendered input's name as a file of the repository: its chart's
 * Chart.yaml or its overlay's kustomization file, malloc'd.  NULL when name
 * is no rendered input's (or out of memory).  The rendered text is no file
 * code scanning could show, and its line numbers are not Chart.yaml's.
 */
static char *sarif__rendered(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(render_labels) / sizeof(render_labels[0]); i++) {
		size_t label = strlen(render_labels[i]);

		if (len > label && !strcmp(name + len - label, render_labels[i]))
			return sarif__render_file(name, len - label);
	}
	return NULL;
}

/* Where a location points: a file of the repository and a region in it. */
struct sarif_where {
	const char *file;
	int line, col;
	bool relative_ok;  /* a relative uri is under %SRCROOT% */
	char *note;        /* artifactLocation.description, malloc'd; NULL: none */
	char *owned;       /* file, when it is a mapped name */
};

/*
 * file at line and col, as code scanning can place it: a rendered input at
 * line 1 of its Chart.yaml or kustomization file (GitHub shows no result
 * without a region), stdin as "stdin", outside %SRCROOT%, and said so.
 */
static int sarif__where(struct sarif_where *w, const char *file, int line, int col)
{
	int n = 0;

	*w = (struct sarif_where){ .file = file ? file : "", .line = line, .col = col,
				   .relative_ok = true };
	if (file && !strcmp(file, SARIF_STDIN_NAME)) {
		w->file = "stdin";
		w->relative_ok = false;
		n = asprintf(&w->note, "standard input (capdiet check -), not a file of the "
			     "repository");
	} else if (file && (w->owned = sarif__rendered(file))) {
		w->file = w->owned;
		w->line = line > 0 ? 1 : 0;
		w->col = 0;
		n = line > 0 ? asprintf(&w->note, "%s: line %d of its output", file, line) :
			       asprintf(&w->note, "%s", file);
	}
	if (n < 0) {
		w->note = NULL;
		free(w->owned);
		return -ENOMEM;
	}
	return 0;
}

static void sarif__artifact(struct emit *e, const struct sarif_where *w, const char *uri,
			    bool relative)
{
	emit__plain(e, "artifactLocation");
	emit__map_start(e, true);
	emit__kv_str(e, "uri", uri);
	if (relative && w->relative_ok)
		emit__kv_str(e, "uriBaseId", "%SRCROOT%");
	if (w->note) {
		emit__plain(e, "description");
		emit__map_start(e, true);
		emit__kv_str(e, "text", w->note);
		emit__map_end(e);
	}
	emit__map_end(e);
}

/* { "physicalLocation": { "artifactLocation": {...}, "region": {...} } } */
static int sarif__location(struct emit *e, const char *file, int line, int col)
{
	struct sarif_where w;
	bool relative;
	char *uri;
	int err = sarif__where(&w, file, line, col);

	if (err)
		return err;
	uri = sarif__uri(w.file, &relative);
	if (uri) {
		emit__map_start(e, true);
		emit__plain(e, "physicalLocation");
		emit__map_start(e, true);
		sarif__artifact(e, &w, uri, relative);
		if (w.line > 0) {
			emit__plain(e, "region");
			emit__map_start(e, true);
			emit__kv_int(e, "startLine", w.line);
			if (w.col > 0)
				emit__kv_int(e, "startColumn", w.col);
			emit__map_end(e);
		}
		emit__map_end(e);
		emit__map_end(e);
	}
	free(uri);
	free(w.note);
	free(w.owned);
	return uri ? 0 : -ENOMEM;
}

static void sarif__text(struct emit *e, const char *key, const char *text)
{
	emit__plain(e, key);
	emit__map_start(e, true);
	emit__kv_str(e, "text", text);
	emit__map_end(e);
}

static void sarif__rule(struct emit *e, const struct check_rule_text *rule)
{
	emit__map_start(e, true);
	emit__kv_str(e, "id", rule->id);
	emit__kv_str(e, "name", rule->name);
	sarif__text(e, "shortDescription", rule->brief);
	sarif__text(e, "fullDescription", rule->full);
	sarif__text(e, "help", rule->help);
	emit__plain(e, "defaultConfiguration");
	emit__map_start(e, true);
	emit__kv_str(e, "level", "error");
	emit__map_end(e);
	emit__map_end(e);
}

static void sarif__tool(struct emit *e)
{
	emit__plain(e, "tool");
	emit__map_start(e, true);
	emit__plain(e, "driver");
	emit__map_start(e, true);
	emit__kv_str(e, "name", "capdiet");
	emit__kv_str(e, "version", CAPDIET_VERSION);
	emit__kv_str(e, "semanticVersion", CAPDIET_VERSION);
	emit__plain(e, "rules");
	emit__seq_start(e, true);
	for (size_t i = 0; i < CHECK_RULES; i++)
		sarif__rule(e, &check_rules[i]);
	emit__seq_end(e);
	emit__map_end(e);
	emit__map_end(e);
}

/* FNV-1a over a NUL-terminated field (NULL as empty), the NUL included. */
static uint64_t fnv__add(uint64_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	do {
		h ^= *p;
		h *= 0x100000001b3ULL;
	} while (*p++);
	return h;
}

/*
 * What the finding is about, not where: the rule, the file, the container
 * and the capability.  A line moved by an edit keeps the alert; a renamed
 * container makes a new one.
 */
static void sarif__fingerprint(struct emit *e, const struct check_violation *v)
{
	const struct check_container *c = v->container;
	const char *fields[] = {
		check_rules[check_words__rule(v)].id, c->file, c->kind, c->name, c->container,
		v->cap == CHECK_CAP_PRIVILEGED ? "privileged" : caps__name(v->cap), c->layer,
		c->path,
	};
	uint64_t h = 0xcbf29ce484222325ULL;
	char hex[17];

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		h = fnv__add(h, fields[i]);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
	emit__plain(e, "partialFingerprints");
	emit__map_start(e, true);
	emit__kv_str(e, SARIF_FINGERPRINT, hex);
	emit__map_end(e);
}

static void sarif__suppression(struct emit *e, const struct check_exception *ex)
{
	char *why = check_words__escaped(ex->reason ? ex->reason : "");

	emit__plain(e, "suppressions");
	emit__seq_start(e, true);
	emit__map_start(e, true);
	emit__kv_str(e, "kind", "external");
	emit__kv_str(e, "status", "accepted");
	emit__kv_str(e, "justification", why ? why : "");
	emit__map_end(e);
	emit__seq_end(e);
	free(why);
}

static void sarif__properties(struct emit *e, const struct check_violation *v)
{
	emit__plain(e, "properties");
	emit__map_start(e, true);
	emit__kv_str(e, "outcome", check_words__outcome(v->outcome));
	emit__plain(e, "capabilities");
	emit__caps(e, v->caps, false);
	if (v->exception)
		emit__kv_str(e, "exception", check_words__origin(v->exception->origin));
	emit__map_end(e);
}

static int sarif__result(struct emit *e, const struct check_violation *v)
{
	const struct check_container *c = v->container;
	enum check_rule rule = check_words__rule(v);
	char *text = check_words__finding_text(v);
	int err;

	if (!text)
		return -ENOMEM;
	emit__map_start(e, true);
	emit__kv_str(e, "ruleId", check_rules[rule].id);
	emit__kv_int(e, "ruleIndex", rule);
	emit__kv_str(e, "level", "error");
	sarif__text(e, "message", text);
	emit__plain(e, "locations");
	emit__seq_start(e, true);
	/* an image is no text file: its findings point at the archive's line 1,
	 * which code scanning needs to show them at all */
	if (c->source == CHECK_MANIFEST)
		err = sarif__location(e, check_words__file(v), v->line, check_words__col(v));
	else
		err = sarif__location(e, check_words__file(v), 1, 0);
	emit__seq_end(e);
	sarif__fingerprint(e, v);
	if (v->outcome == CHECK_EXCEPTED && v->exception)
		sarif__suppression(e, v->exception);
	sarif__properties(e, v);
	emit__map_end(e);
	free(text);
	return err;
}

static int sarif__results(struct emit *e, const struct check_report *r)
{
	int err = 0;

	emit__plain(e, "results");
	emit__seq_start(e, true);
	for (size_t i = 0; i < r->n && !err; i++)
		err = sarif__result(e, &r->v[i]);
	emit__seq_end(e);
	return err;
}

/* { "level", "message": {"text"}, "locations": [...] } */
static int sarif__notification(struct emit *e, const char *level, const char *text,
			       const char *file, int line)
{
	int err = 0;

	emit__map_start(e, true);
	emit__kv_str(e, "level", level);
	sarif__text(e, "message", text);
	if (file) {
		emit__plain(e, "locations");
		emit__seq_start(e, true);
		err = sarif__location(e, file, line, 0);
		emit__seq_end(e);
	}
	emit__map_end(e);
	return err;
}

/* A problem with an input: an error of the run, not a finding. */
static int sarif__problem(struct emit *e, const char *problem)
{
	struct check_problem p;
	char *text;
	int err = check_problem__split(problem, &p);

	if (err)
		return err;
	text = check_words__escaped(p.message);
	err = text ? sarif__notification(e, "error", text, p.file, p.line) : -ENOMEM;
	free(text);
	check_problem__clear(&p);
	return err;
}

static int sarif__stale(struct emit *e, const struct check_exception *ex)
{
	char *text = check_words__stale_text(ex);
	int err;

	if (!text)
		return -ENOMEM;
	err = sarif__notification(e, "warning", text, ex->file, ex->line);
	free(text);
	return err;
}

/* The run fails to be successful only when an input could not be judged. */
static int sarif__invocation(struct emit *e, const struct check_report *r)
{
	int err = 0;

	emit__plain(e, "invocations");
	emit__seq_start(e, true);
	emit__map_start(e, true);
	emit__kv_bool(e, "executionSuccessful", r->errors == 0 && check_words__n_problems(r) == 0);
	emit__plain(e, "toolExecutionNotifications");
	emit__seq_start(e, true);
	for (size_t i = 0; i < check_words__n_problems(r) && !err; i++)
		err = sarif__problem(e, r->problems->v[i]);
	emit__seq_end(e);
	emit__plain(e, "toolConfigurationNotifications");
	emit__seq_start(e, true);
	for (size_t i = 0; i < r->n_stale && !err; i++)
		err = sarif__stale(e, r->stale[i]);
	emit__seq_end(e);
	emit__map_end(e);
	emit__seq_end(e);
	return err;
}

int check_report__write_sarif(const struct check_report *r, FILE *out)
{
	struct emit e;
	int err = emit__begin(&e, out, EMIT_JSON);

	if (err)
		return err;
	emit__map_start(&e, true);
	emit__kv_str(&e, "$schema", SARIF_SCHEMA);
	emit__kv_str(&e, "version", "2.1.0");
	emit__plain(&e, "runs");
	emit__seq_start(&e, true);
	emit__map_start(&e, true);
	sarif__tool(&e);
	err = sarif__invocation(&e, r);
	if (!err)
		err = sarif__results(&e, r);
	if (err) {
		emit__abort(&e);
		return err;
	}
	emit__kv_str(&e, "columnKind", "unicodeCodePoints");
	emit__map_end(&e);
	emit__seq_end(&e);
	emit__map_end(&e);
	return emit__end(&e);
}
