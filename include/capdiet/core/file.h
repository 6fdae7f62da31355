/* SPDX-License-Identifier: MIT */
/*
 * Whole-file reads with a size limit: every reader of input a user hands
 * capdiet (profiles, manifests, allowlists, stdin) goes through here, so no
 * input can make it allocate more than its limit, and none allocates the
 * limit for a small file.
 */
#ifndef CAPDIET_FILE_H
#define CAPDIET_FILE_H

#include <stddef.h>

/*
 * Reads fd to its end into a malloc'd buffer, NUL-terminated for text, that
 * starts at hint bytes and grows as needed.  Returns 0, -EFBIG when fd holds
 * more than limit bytes, -ENOMEM, or the -errno of a failed read; on error
 * *buf is NULL.
 */
int file__read_fd(int fd, size_t limit, size_t hint, char **buf, size_t *len);
/*
 * Reads the regular file at path as file__read_fd does.  Opening never
 * blocks (a FIFO is refused, not waited on).  Also returns -EISDIR for a
 * directory, -EINVAL for anything else that is not a regular file, and the
 * -errno of open or fstat.
 */
int file__read(const char *path, size_t limit, char **buf, size_t *len);

#endif
