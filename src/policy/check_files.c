// SPDX-License-Identifier: MIT
/* The gate's file system side: reading one file safely, walking directories. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/policy/check.h"

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

/* Reads until EOF, at most CHECK_MAX_FILE_SIZE + 1 bytes (files can grow). */
static int fd__read_all(int fd, size_t hint, char **out, size_t *len)
{
	size_t alloc = hint + 2, used = 0;
	char *buf = malloc(alloc);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (used + 1 == alloc) {
			char *bigger = alloc > CHECK_MAX_FILE_SIZE + 1 ? NULL : realloc(buf, alloc * 2);

			if (!bigger)
				break; /* too big: the caller sees used > the limit */
			buf = bigger;
			alloc *= 2;
		}
		n = read(fd, buf + used, alloc - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

static int fd__check_type(int fd, const char *path, size_t *size, char *err, size_t err_len)
{
	struct stat st;

	if (fstat(fd, &st))
		return fail(err, err_len, -errno, "%s: cannot read: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(err, err_len, -EISDIR, "%s: is a directory", path);
	if (!S_ISREG(st.st_mode))
		return fail(err, err_len, -EINVAL, "%s: not a regular file; give a manifest file",
			    path);
	if ((unsigned long long)st.st_size > CHECK_MAX_FILE_SIZE)
		return fail(err, err_len, -EFBIG, "%s: larger than %u MiB; not a manifest",
			    path, CHECK_MAX_FILE_SIZE >> 20);
	*size = (size_t)st.st_size;
	return 0;
}

/* Reads what fd has left; refuses empty, oversized and binary content. */
static int fd__read_checked(int fd, size_t hint, const char *path, char **buf, size_t *len,
			    char *err, size_t err_len)
{
	int rc = fd__read_all(fd, hint, buf, len);

	if (rc)
		return fail(err, err_len, rc, "%s: cannot read: %s", path, strerror(-rc));
	if (*len == 0 || *len > CHECK_MAX_FILE_SIZE || memchr(*buf, '\0', *len)) {
		rc = fail(err, err_len, -EINVAL, "%s: %s", path,
			  *len == 0 ? "empty file (0 bytes); remove it or give it content" :
			  *len > CHECK_MAX_FILE_SIZE ? "larger than 16 MiB; not a manifest" :
			  "binary file (it has NUL bytes); not a manifest");
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

int check__read_file(const char *path, char **buf, size_t *len, char *err, size_t err_len)
{
	/* O_NONBLOCK: a FIFO must not hang the gate before fstat refuses it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	size_t size = 0;
	int rc;

	if (fd < 0)
		return fail(err, err_len, -errno, "%s: cannot read: %s", path, strerror(errno));
	rc = fd__check_type(fd, path, &size, err, err_len);
	if (!rc)
		rc = fd__read_checked(fd, size, path, buf, len, err, err_len);
	close(fd);
	return rc;
}

int check__load_fd(struct check_inventory *inv, int fd, const char *name, char *err,
		   size_t err_len)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = fd__read_checked(fd, 64 << 10, name, &buf, &len, err, err_len);
	if (rc)
		return rc;
	inv->files++;
	rc = check__parse_buffer(inv, buf, len, name, err, err_len);
	free(buf);
	return rc;
}

int check__load_file(struct check_inventory *inv, const char *path, char *err, size_t err_len)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = check__read_file(path, &buf, &len, err, err_len);
	if (rc)
		return rc;
	inv->files++;
	rc = check__parse_buffer(inv, buf, len, path, err, err_len);
	free(buf);
	return rc;
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

static int collect__dir(struct check_inventory *inv, const char *dir, int depth,
			struct strlist *errors);

/* One directory entry: subdirectories (not symlinked ones) and manifests. */
static int collect__entry(struct check_inventory *inv, const char *dir, const char *name,
			  int depth, struct strlist *errors)
{
	struct stat st;
	char *path = NULL;
	int rc = 0;

	if (name[0] == '.')
		return 0; /* hidden: .git, .github, CI configs with their own anchors */
	if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
		return -ENOMEM;
	if (lstat(path, &st)) {
		char err[512];

		snprintf(err, sizeof(err), "%s: cannot read: %s", path, strerror(errno));
		rc = strlist__add(errors, err);
	} else if (S_ISDIR(st.st_mode)) {
		rc = collect__dir(inv, path, depth + 1, errors);
	} else if (is_manifest_name(name) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
		rc = collect__file(inv, path, errors);
	}
	free(path);
	return rc;
}

static int collect__dir(struct check_inventory *inv, const char *dir, int depth,
			struct strlist *errors)
{
	struct dirent **entries = NULL;
	char err[512];
	int n, rc = 0;

	if (depth > MAX_DIR_DEPTH) {
		snprintf(err, sizeof(err), "%s: directories nested more than %d deep", dir,
			 MAX_DIR_DEPTH);
		return strlist__add(errors, err);
	}
	n = scandir(dir, &entries, NULL, alphasort);
	if (n < 0) {
		snprintf(err, sizeof(err), "%s: cannot read: %s", dir, strerror(errno));
		return strlist__add(errors, err);
	}
	for (int i = 0; i < n; i++) {
		if (!rc)
			rc = collect__entry(inv, dir, entries[i]->d_name, depth, errors);
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
		return collect__dir(inv, path, 0, errors);
	return collect__file(inv, path, errors);
}
