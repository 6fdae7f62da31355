// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/outfile.h"

/* "dir/.name.XXXXXX": same directory, so rename() stays on one filesystem. */
static char *outfile__temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dir_len;
	char *tmpl;

	if (!*base) {
		errno = EISDIR;
		return NULL;
	}
	if (asprintf(&tmpl, "%.*s.%s.XXXXXX", (int)dir_len, path, base) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return tmpl;
}

static int outfile__refuse_symlink(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return S_ISLNK(st.st_mode) ? -ELOOP : 0;
	return errno == ENOENT ? 0 : -errno;
}

/* Fills and closes out; 0 only when every byte reached the disk.  The
 * file gets keep's owner and mode, else 0644. */
static int outfile__fill_and_close(FILE *out, int (*fill)(FILE *, void *), void *ctx,
				   const struct stat *keep)
{
	int err = fill(out, ctx);

	if (!err && fflush(out) != 0)
		err = -errno;
	if (!err && fsync(fileno(out)) != 0)
		err = -errno;
	if (!err && keep && fchown(fileno(out), keep->st_uid, keep->st_gid) != 0)
		err = -errno;
	/* mkstemp creates 0600; output is meant to be read by others. */
	if (!err && fchmod(fileno(out), keep ? keep->st_mode & 07777 : 0644) != 0)
		err = -errno;
	if (fclose(out) != 0 && !err)
		err = -errno;
	return err;
}

static int outfile__write_as(const char *path, int (*fill)(FILE *out, void *ctx), void *ctx,
			     const struct stat *keep)
{
	char *tmp = NULL;
	FILE *out;
	int fd, err;

	err = outfile__refuse_symlink(path);
	if (err)
		return err;
	tmp = outfile__temp_name(path);
	if (!tmp)
		return -errno;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	out = fdopen(fd, "w");
	if (!out) {
		err = -errno;
		close(fd);
		goto cleanup;
	}
	err = outfile__fill_and_close(out, fill, ctx, keep);
	/* A symlink planted after the check is replaced, never followed:
	 * rename() acts on the link itself. */
	if (!err && rename(tmp, path) != 0)
		err = -errno;
cleanup:
	if (err && fd >= 0)
		unlink(tmp);
	free(tmp);
	return err;
}

int outfile__write(const char *path, int (*fill)(FILE *out, void *ctx), void *ctx)
{
	return outfile__write_as(path, fill, ctx, NULL);
}

int outfile__replace(const char *path, int (*fill)(FILE *out, void *ctx), void *ctx)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;
	return outfile__write_as(path, fill, ctx, &st);
}
