/* SPDX-License-Identifier: MIT */
/*
 * Atomic output: every file capdiet writes appears whole or not at all, so an
 * interrupted run never leaves a half-written profile, report or manifest.
 */
#ifndef CAPDIET_OUTFILE_H
#define CAPDIET_OUTFILE_H

#include <stdio.h>

/*
 * Writes a file atomically: temp file in the same directory (mkstemp),
 * fill(out, ctx), fflush+fsync, fchmod 0644, rename over path.
 * Refuses (-ELOOP) when path exists and is a symlink (lstat), so a planted
 * symlink is never followed.  On any error the temp file is removed and path
 * is untouched.  fill returns 0 or -errno; its error is returned as is.
 */
int outfile__write(const char *path, int (*fill)(FILE *out, void *ctx), void *ctx);
/*
 * The same for a file that exists and stays someone else's (a bundle's
 * config.json): the new one keeps its owner and mode.  -ENOENT when path
 * does not exist, -ELOOP for a symlink, -EINVAL for what is not a file.
 */
int outfile__replace(const char *path, int (*fill)(FILE *out, void *ctx), void *ctx);

#endif
