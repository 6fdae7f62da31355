// SPDX-License-Identifier: MIT
/*
 * A local image of a container engine: `podman save` writes it into a
 * temporary file that has no name (O_TMPFILE, or unlinked at once), which
 * is read like any docker-archive and is gone when its descriptor closes,
 * whatever happens.  A pipe would not do: a docker-archive names its layers
 * in its last member, and layers must be read base first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/core/proc.h"
#include "capdiet/core/spawn.h"
#include "image_internal.h"

/* $TMPDIR, else /var/tmp: an image may not fit in a RAM-backed /tmp. */
#define ENGINE_TMPDIR "/var/tmp"

static int engine__save(struct image_src *src, const char *name, int out_fd)
{
	char *argv[] = { "podman", "save", "--format", "docker-archive", "--", (char *)name, NULL };
	char reason[512];
	int err_fd = spawn__tmpfile(ENGINE_TMPDIR), rc;

	if (err_fd < 0)
		return src__fail(src, err_fd, "cannot make a temporary file: %s", strerror(-err_fd));
	rc = spawn__run(argv, out_fd, err_fd);
	if (rc == -ENOENT)
		rc = src__fail(src, -ENOENT, "podman is not installed (not on PATH); install it, or check a 'podman save' tarball");
	else if (rc < 0)
		rc = src__fail(src, rc, "cannot run podman: %s", strerror(-rc));
	else if (rc > 0) {
		spawn__last_line(err_fd, reason, sizeof(reason));
		rc = src__fail(src, -EINVAL, "podman save failed (exit %d): %s", rc,
			       *reason ? reason : "no message");
	}
	close(err_fd);
	return rc;
}

int image__read_podman(const char *name, struct image_list *out, char *err, size_t err_len)
{
	struct image_src src = { .input = name, .err = err, .err_len = err_len, .dirfd = -1, .fd = -1 };
	int fd, rc;

	if (!*name || name[0] == '-')
		return src__fail(&src, -EINVAL, "not an image name");
	fd = spawn__tmpfile(ENGINE_TMPDIR);
	if (fd < 0)
		return src__fail(&src, fd, "cannot make a temporary file: %s", strerror(-fd));
	rc = engine__save(&src, name, fd);
	if (!rc)
		rc = image__read_archive_fd(fd, name, out, err, err_len);
	close(fd);
	return rc;
}
