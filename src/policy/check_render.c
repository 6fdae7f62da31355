// SPDX-License-Identifier: MIT
/*
 * Charts and overlays: detected by the file that makes a directory one,
 * never read as plain YAML, and either rendered by the real tool or named
 * as not checked.  The gate must never pass what it did not look at, so
 * "not checked" is an input problem (exit 2), not a skip.
 *
 * The tools run without a shell, argv only, through spawn__capture: their
 * output is bounded (CHECK_MAX_FILE_SIZE) and so is their time
 * (CHECK_RENDER_TIMEOUT_MS); what they print on stderr is quoted in the
 * error, escaped by whoever prints it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capdiet/core/spawn.h"
#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_render.h"

#define RELEASE_NAME_MAX 53 /* Helm's limit for a release name */

struct render_tool {
	const char *label;    /* what ran, for the input's name: "helm template" */
	char **argv;
};

static const char *const overlay_files[] = { "kustomization.yaml", "kustomization.yml",
					     "Kustomization" };

static bool dir__has_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

enum check_render_kind check_render__kind(const char *dir)
{
	if (dir__has_file(dir, "Chart.yaml"))
		return CHECK_RENDER_HELM;
	for (size_t i = 0; i < sizeof(overlay_files) / sizeof(overlay_files[0]); i++)
		if (dir__has_file(dir, overlay_files[i]))
			return CHECK_RENDER_KUSTOMIZE;
	return CHECK_RENDER_NONE;
}

/* s names entry name of the overlay's directory: "name", "./name", "name/...". */
static bool ref__names(const char *s, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(s, "./", 2))
		s += 2;
	return !strncmp(s, name, n) && (s[n] == '\0' || s[n] == '/');
}

/* Any string of the tree (resources, patches, components, generators'
 * files...) that names name: the tool reads it, as a whole or a patch. */
static bool node__names(const struct ydoc_node *n, const char *name)
{
	if (!n)
		return false;
	if (n->type == YDOC_SCALAR)
		return n->value && ref__names(n->value, name);
	for (size_t i = 0; i < (n->type == YDOC_MAP ? 2 * n->n : n->n); i++)
		if ((n->type == YDOC_SEQ || i % 2) && node__names(n->items[i], name))
			return true;
	return false;
}

/* The overlay of dir names name in its kustomization file.  An unreadable
 * kustomization names nothing: its files are then checked as they are. */
static bool overlay__names(const char *dir, const char *name)
{
	char path[PATH_MAX], err[256];
	struct ydoc *tree = NULL;
	char *buf = NULL;
	size_t len = 0;
	bool named = false;

	for (size_t i = 0; i < sizeof(overlay_files) / sizeof(overlay_files[0]) && !buf; i++) {
		if (!dir__has_file(dir, overlay_files[i]) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, overlay_files[i]) >= (int)sizeof(path))
			continue;
		if (check__read_file(path, &buf, &len, err, sizeof(err)))
			buf = NULL;
	}
	if (buf && !ydoc__parse(buf, len, 0, &tree, &(struct ydoc_error){ 0 }))
		for (size_t d = 0; d < tree->n_docs && !named; d++)
			named = node__names(tree->docs[d].root, name);
	ydoc__free(tree);
	free(buf);
	return named;
}

bool check_render__tool_reads(const char *dir, const char *name)
{
	for (size_t i = 0; i < sizeof(overlay_files) / sizeof(overlay_files[0]); i++)
		if (!strcmp(name, overlay_files[i]))
			return true;
	if (dir__has_file(dir, "Chart.yaml"))
		return !strcmp(name, "templates");
	return overlay__names(dir, name);
}

/* The last component of dir, "web" for "charts/web/"; a real name for ".". */
static void dir__base_name(const char *dir, char *out, size_t len)
{
	char resolved[PATH_MAX];
	const char *end = dir + strlen(dir), *start;

	while (end > dir + 1 && end[-1] == '/')
		end--;
	start = end;
	while (start > dir && start[-1] != '/')
		start--;
	if ((end - start == 1 && *start == '.') || (end - start == 2 && !strncmp(start, "..", 2)) ||
	    end == start || *start == '/') {
		if (realpath(dir, resolved) && strrchr(resolved, '/')) {
			snprintf(out, len, "%s", strrchr(resolved, '/') + 1);
			return;
		}
	}
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

void check_render__release_name(const char *dir, char *out, size_t len)
{
	char base[NAME_MAX + 1];
	size_t n = 0;

	dir__base_name(dir, base, sizeof(base));
	for (const char *p = base; *p && n + 1 < len && n < RELEASE_NAME_MAX; p++) {
		char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (ok || (n > 0 && out[n - 1] != '-'))
			out[n++] = ok ? ch : '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	snprintf(out + n, len - n, "%s", n ? "" : "release");
}

/* dir as one shell word, for a hint meant to be pasted into a shell. */
static void shell__word(const char *in, char *out, size_t len)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_./+,=:@%-";
	size_t n;

	if (*in && *in != '-' && strspn(in, plain) == strlen(in)) {
		snprintf(out, len, "%s", in);
		return;
	}
	/* '...', each ' as '\''; "./" first so a leading - is not an option */
	n = (size_t)snprintf(out, len, "%s'", *in == '-' ? "./" : "");
	for (const char *p = in; *p && n + 6 < len; p++) {
		if (*p == '\'') {
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			out[n++] = *p;
		}
	}
	snprintf(out + n, len - n, "'");
}

static int render__not_checked(const char *dir, enum check_render_kind kind,
			       struct strlist *errors)
{
	char word[PATH_MAX + 64], msg[2 * PATH_MAX + 256];

	shell__word(dir, word, sizeof(word));
	if (kind == CHECK_RENDER_HELM)
		snprintf(msg, sizeof(msg), "%s: a Helm chart, not checked; render it: helm template %s | capdiet check -  (or capdiet check --render)",
			 dir, word);
	else
		snprintf(msg, sizeof(msg), "%s: a Kustomize overlay, not checked; render it: kubectl kustomize %s | capdiet check -  (or capdiet check --render)",
			 dir, word);
	return strlist__add(errors, msg);
}

/* stderr's lines as one: "Error: ...; Error: ...". */
static void stderr__one_line(const char *in, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *p = in; *p && n + 3 < len; p++) {
		if (*p != '\n' && *p != '\r') {
			out[n++] = *p;
			continue;
		}
		if (n && p[1] && p[1] != '\n' && strncmp(out + n - 2, "; ", 2)) {
			out[n++] = ';';
			out[n++] = ' ';
		}
	}
	while (n && (out[n - 1] == ' ' || out[n - 1] == ';'))
		n--;
	out[n] = '\0';
}

/* Why a tool's run gave no manifests, as one error. */
static int render__failed(const char *dir, const struct render_tool *t, int rc,
			  const struct spawn_output *o, struct strlist *errors)
{
	char why[sizeof(o->err)], msg[PATH_MAX + sizeof(why) + 128];

	if (rc == -ETIMEDOUT)
		snprintf(msg, sizeof(msg), "%s: %s did not finish in %d s; stopped it, not checked",
			 dir, t->label, CHECK_RENDER_TIMEOUT_MS / 1000);
	else if (rc == -EFBIG)
		snprintf(msg, sizeof(msg), "%s: %s printed more than %u MiB; stopped it, not checked",
			 dir, t->label, CHECK_MAX_FILE_SIZE >> 20);
	else if (rc < 0)
		snprintf(msg, sizeof(msg), "%s: cannot run %s: %s", dir, t->label, strerror(-rc));
	else {
		stderr__one_line(o->err, why, sizeof(why));
		snprintf(msg, sizeof(msg), "%s: %s failed (exit %d): %s", dir, t->label, rc,
			 *why ? why : "no message");
	}
	return strlist__add(errors, msg);
}

/* The rendered text as one input named "DIR (TOOL)"; an empty render has no containers. */
static int render__parse(struct check_inventory *inv, const char *dir, const char *label,
			 const struct spawn_output *o, struct strlist *errors)
{
	char name[PATH_MAX + 64], err[PATH_MAX + 1024];
	int rc;

	snprintf(name, sizeof(name), "%s (%s)", dir, label);
	if (memchr(o->out, '\0', o->out_len)) {
		snprintf(err, sizeof(err), "%s: binary output (it has NUL bytes); not manifests", name);
		return strlist__add(errors, err);
	}
	inv->files++;
	if (o->out_len == 0)
		return 0;
	rc = check__parse_buffer(inv, o->out, o->out_len, name, err, sizeof(err));
	if (rc == -ENOMEM)
		return rc;
	return rc ? strlist__add(errors, err) : 0;
}

/* Runs t; -ENOENT (nothing added) when its program is not installed. */
static int render__run(struct check_inventory *inv, const char *dir, const struct render_tool *t,
		       struct strlist *errors)
{
	struct spawn_output o;
	int rc = spawn__capture(t->argv, CHECK_MAX_FILE_SIZE, CHECK_RENDER_TIMEOUT_MS, &o);

	if (!rc)
		rc = render__parse(inv, dir, t->label, &o, errors);
	else if (rc != -ENOENT && rc != -ENOMEM)
		rc = render__failed(dir, t, rc, &o, errors);
	spawn_output__clear(&o);
	return rc;
}

/* The tool is not here: how to install it, or to render elsewhere and pipe. */
static int render__missing(const char *dir, enum check_render_kind kind, struct strlist *errors)
{
	char word[PATH_MAX + 64], msg[2 * PATH_MAX + 512];

	shell__word(dir, word, sizeof(word));
	if (kind == CHECK_RENDER_HELM)
		snprintf(msg, sizeof(msg), "%s: a Helm chart, and helm is not installed (not on PATH): install Helm 3 or later (https://helm.sh/docs/intro/install/), or render it where it is: helm template %s | capdiet check -",
			 dir, word);
	else
		snprintf(msg, sizeof(msg), "%s: a Kustomize overlay, and neither kustomize nor kubectl is installed (not on PATH): install kubectl (Debian: apt-get install kubernetes-client) or kustomize, or render it where one is: kubectl kustomize %s | capdiet check -",
			 dir, word);
	return strlist__add(errors, msg);
}

/* helm template [-f FILE]... -- NAME DIR */
static int render__helm(struct check_inventory *inv, const char *dir, struct strlist *errors)
{
	const struct check_render *r = inv->render;
	size_t n = 0, max = 6 + 2 * r->n_helm_values;
	char name[RELEASE_NAME_MAX + 1], **argv = calloc(max, sizeof(*argv));
	struct render_tool t = { "helm template", argv };
	int rc;

	if (!argv)
		return -ENOMEM;
	check_render__release_name(dir, name, sizeof(name));
	argv[n++] = "helm";
	argv[n++] = "template";
	for (size_t i = 0; i < r->n_helm_values; i++) {
		argv[n++] = "--values";
		argv[n++] = (char *)r->helm_values[i];
	}
	argv[n++] = "--";
	argv[n++] = name;
	argv[n++] = (char *)dir;
	rc = render__run(inv, dir, &t, errors);
	free(argv);
	if (rc == -ENOENT)
		rc = render__missing(dir, CHECK_RENDER_HELM, errors);
	return rc;
}

/* kustomize build -- DIR, else kubectl kustomize -- DIR (kubectl has had it since 1.14). */
static int render__kustomize(struct check_inventory *inv, const char *dir, struct strlist *errors)
{
	char *build[] = { "kustomize", "build", "--", (char *)dir, NULL };
	char *kubectl[] = { "kubectl", "kustomize", "--", (char *)dir, NULL };
	struct render_tool t = { "kustomize build", build };
	int rc = render__run(inv, dir, &t, errors);

	if (rc != -ENOENT)
		return rc;
	t = (struct render_tool){ "kubectl kustomize", kubectl };
	rc = render__run(inv, dir, &t, errors);
	if (rc == -ENOENT)
		rc = render__missing(dir, CHECK_RENDER_KUSTOMIZE, errors);
	return rc;
}

int check__collect_rendered(struct check_inventory *inv, const char *dir,
			    enum check_render_kind kind, struct strlist *errors)
{
	if (!inv->render || !inv->render->render)
		return render__not_checked(dir, kind, errors);
	if (kind == CHECK_RENDER_HELM)
		return render__helm(inv, dir, errors);
	return render__kustomize(inv, dir, errors);
}
