// SPDX-License-Identifier: MIT
/* The gate's file system side: reading one file safely, walking directories. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/file.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"
#include "capdiet/policy/check_render.h"

#define MAX_DIR_DEPTH 64

static int fail(char *err, size_t err_len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return rc;
}

/* The gate's words for what file__read refused; typed: it judged the type. */
static int read__fail(const char *path, int rc, bool typed, char *err, size_t err_len)
{
	if (typed && rc == -EISDIR)
		return fail(err, err_len, rc, "%s: is a directory", path);
	if (typed && rc == -EINVAL)
		return fail(err, err_len, rc, "%s: not a regular file; give a manifest file", path);
	if (rc == -EFBIG)
		return fail(err, err_len, rc, "%s: larger than %u MiB; not a manifest", path,
			    CHECK_MAX_FILE_SIZE >> 20);
	return fail(err, err_len, rc, "%s: cannot read: %s", path, strerror(-rc));
}

/*
 * A binary file is no manifest: say so, keep nothing.  Nor is an empty one,
 * when if_empty says why not; NULL: it is a file with no documents (a
 * repository's placeholder must not fail the gate).
 */
static int content__check(const char *path, char **buf, size_t len, const char *if_empty,
			  char *err, size_t err_len)
{
	if (len ? !memchr(*buf, '\0', len) : !if_empty)
		return 0;
	fail(err, err_len, -EINVAL, "%s: %s", path,
	     len == 0 ? if_empty : "binary file (it has NUL bytes); not a manifest");
	free(*buf);
	*buf = NULL;
	return -EINVAL;
}

static int read__file(const char *path, const char *if_empty, char **buf, size_t *len,
		      char *err, size_t err_len)
{
	int rc = file__read(path, CHECK_MAX_FILE_SIZE, buf, len);

	if (rc)
		return read__fail(path, rc, true, err, err_len);
	return content__check(path, buf, *len, if_empty, err, err_len);
}

int check__read_file(const char *path, char **buf, size_t *len, char *err, size_t err_len)
{
	return read__file(path, "empty file (0 bytes); give it content", buf, len, err, err_len);
}

/* Parses what a read returned (rc) and counts the file; frees buf. */
static int load__buffer(struct check_inventory *inv, int rc, char *buf, size_t len,
			const char *name, char *err, size_t err_len)
{
	if (!rc) {
		inv->files++;
		rc = check__parse_buffer(inv, buf, len, name, err, err_len);
	}
	free(buf);
	return rc;
}

int check__load_fd(struct check_inventory *inv, int fd, const char *name, char *err,
		   size_t err_len)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = file__read_fd(fd, CHECK_MAX_FILE_SIZE, 64 << 10, &buf, &len);

	if (rc)
		rc = read__fail(name, rc, false, err, err_len);
	else
		/* Nothing on a pipe is more likely a failed helm than an empty chart. */
		rc = content__check(name, &buf, len, "no input (0 bytes); did the command "
				    "before the pipe fail?", err, err_len);
	return load__buffer(inv, rc, buf, len, name, err, err_len);
}

int check__load_file(struct check_inventory *inv, const char *path, char *err, size_t err_len)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = read__file(path, NULL, &buf, &len, err, err_len);

	return load__buffer(inv, rc, buf, len, path, err, err_len);
}

static bool is_manifest_name(const char *name)
{
	static const char *const exts[] = { ".yaml", ".yml", ".json" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t elen = strlen(exts[i]);

		if (len > elen && !strcmp(name + len - elen, exts[i]))
			return true;
	}
	return false;
}

/* Loads one file and turns a problem with it into an entry of errors. */
static int collect__file(struct check_inventory *inv, const char *path, struct strlist *errors)
{
	char err[512];
	int rc = check__load_file(inv, path, err, sizeof(err));

	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return strlist__add(errors, err);
	return 0;
}

/* How a directory is walked. */
enum walk_mode {
	WALK_MANIFESTS = 0, /* a chart or overlay met is rendered or named (check_render.h) */
	WALK_BESIDE_RENDER, /* in a chart or overlay: the Kubernetes objects its tool does
			     * not read, as kubectl apply -f would apply them */
	WALK_IMAGE_LAYOUT,  /* an OCI layout's top: its manifests, not its own files */
};

static int collect__dir(struct check_inventory *inv, const char *dir, int depth,
			enum walk_mode mode, struct strlist *errors);

/*
 * What the walk leaves out: "." and "..", .git (hidden files are read:
 * kubectl apply -f reads .x.yaml, and -R .x/), what a chart's or an
 * overlay's tool reads as its own, an OCI layout's index.json and blobs.
 */
static bool entry__skipped(const char *dir, const char *name, enum walk_mode mode)
{
	if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
		return true;
	if (mode == WALK_BESIDE_RENDER)
		return check_render__tool_reads(dir, name);
	return mode == WALK_IMAGE_LAYOUT && (!strcmp(name, "index.json") || !strcmp(name, "blobs"));
}

/* One directory entry: subdirectories (not symlinked ones) and manifests, unless excluded. */
static int collect__entry(struct check_inventory *inv, const char *dir, const char *name,
			  int depth, enum walk_mode mode, struct strlist *errors)
{
	struct stat st;
	char *path = NULL;
	bool excluded = false;
	int rc = 0;

	if (entry__skipped(dir, name, mode))
		return 0;
	if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return -ENOMEM;
	if (lstat(path, &st)) {
		char err[512];

		snprintf(err, sizeof(err), "%s: cannot read: %s", path, strerror(errno));
		rc = strlist__add(errors, err);
	} else if (S_ISDIR(st.st_mode)) {
		rc = check_exclude__test(inv->exclude, path, &excluded);
		/* below a layout's top, a directory is any directory */
		if (!rc && !excluded)
			rc = collect__dir(inv, path, depth + 1,
					  mode == WALK_IMAGE_LAYOUT ? WALK_MANIFESTS : mode, errors);
	} else if (is_manifest_name(name) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
		rc = check_exclude__test(inv->exclude, path, &excluded);
		inv->k8s_only = mode == WALK_BESIDE_RENDER;
		if (!rc && !excluded)
			rc = collect__file(inv, path, errors);
		inv->k8s_only = false;
	}
	free(path);
	return rc;
}

/*
 * A chart or overlay is rendered (or named as not checked), and the files
 * beside what its tool reads are checked as they are: kubectl apply -f DIR
 * would apply them, and an empty render must not pass them unread.
 */
static int collect__rendered(struct check_inventory *inv, const char *dir,
			     enum check_render_kind kind, int depth, struct strlist *errors)
{
	int rc = check__collect_rendered(inv, dir, kind, errors);

	return rc ? rc : collect__dir(inv, dir, depth, WALK_BESIDE_RENDER, errors);
}

static int collect__dir(struct check_inventory *inv, const char *dir, int depth,
			enum walk_mode mode, struct strlist *errors)
{
	enum check_render_kind kind = mode == WALK_MANIFESTS ? check_render__kind(dir) :
				      CHECK_RENDER_NONE;
	struct dirent **entries = NULL;
	char err[512];
	int n, rc = 0;

	if (depth > MAX_DIR_DEPTH) {
		snprintf(err, sizeof(err), "%s: directories nested more than %d deep", dir,
			 MAX_DIR_DEPTH);
		return strlist__add(errors, err);
	}
	/* Its subdirectories (a chart's charts/) belong to it: not rendered again. */
	if (kind != CHECK_RENDER_NONE)
		return collect__rendered(inv, dir, kind, depth, errors);
	n = scandir(dir, &entries, NULL, alphasort);
	if (n < 0) {
		snprintf(err, sizeof(err), "%s: cannot read: %s", dir, strerror(errno));
		return strlist__add(errors, err);
	}
	for (int i = 0; i < n; i++) {
		if (!rc)
			rc = collect__entry(inv, dir, entries[i]->d_name, depth, mode, errors);
		free(entries[i]);
	}
	free(entries);
	return rc;
}

int check__collect_path(struct check_inventory *inv, const char *path, struct strlist *errors)
{
	struct stat st;
	char err[512];
	int rc;

	if (!strcmp(path, "-")) {
		/* Rendered manifests: helm template . | capdiet check - */
		rc = check__load_fd(inv, STDIN_FILENO, "<stdin>", err, sizeof(err));
		return rc && rc != -ENOMEM ? strlist__add(errors, err) : rc;
	}
	if (stat(path, &st)) {
		snprintf(err, sizeof(err), "%s: cannot read: %s", path, strerror(errno));
		return strlist__add(errors, err);
	}
	if (S_ISDIR(st.st_mode))
		return collect__dir(inv, path, 0, WALK_MANIFESTS, errors);
	return collect__file(inv, path, errors);
}

int check__collect_beside_image(struct check_inventory *inv, const char *dir,
				struct strlist *errors)
{
	return collect__dir(inv, dir, 0, WALK_IMAGE_LAYOUT, errors);
}
