// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/file.h"

/* Doubles the buffer, but never past limit + 2: one byte to see that the
 * input is over the limit, one for the NUL. */
static int file__grow(char **buf, size_t *alloc, size_t limit)
{
	size_t want = *alloc <= (limit + 2) / 2 ? *alloc * 2 : limit + 2;
	char *bigger = realloc(*buf, want);

	if (!bigger)
		return -ENOMEM;
	*buf = bigger;
	*alloc = want;
	return 0;
}

int file__read_fd(int fd, size_t limit, size_t hint, char **buf, size_t *len)
{
	size_t alloc = (hint < limit ? hint : limit) + 2, used = 0;
	int err = 0;

	*buf = malloc(alloc);
	if (!*buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (used + 1 == alloc && (err = file__grow(buf, &alloc, limit)))
			goto cleanup;
		n = read(fd, *buf + used, alloc - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			goto cleanup;
		}
		used += (size_t)n;
		if (used > limit) {
			err = -EFBIG;
			goto cleanup;
		}
	}
cleanup:
	if (err) {
		free(*buf);
		*buf = NULL;
		return err;
	}
	(*buf)[used] = '\0';
	*len = used;
	return 0;
}

int file__read(const char *path, size_t limit, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	int err = 0;

	*buf = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		err = -errno;
	else if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((unsigned long long)st.st_size > limit)
		err = -EFBIG;
	else
		err = file__read_fd(fd, limit, (size_t)st.st_size, buf, len);
	close(fd);
	return err;
}
