/* SPDX-License-Identifier: MIT */
/*
 * Running another program to its end: a container runtime (runc, podman),
 * an engine's `save`.  One place for what every such child needs: no
 * handler or blocked signal of capdiet's, its own process group (a Ctrl-C
 * is capdiet's to act on, not a half-done `runc create`'s), stdin from
 * /dev/null, and death with capdiet.
 */
#ifndef CAPDIET_SPAWN_H
#define CAPDIET_SPAWN_H

#include <stddef.h>

/*
 * Runs argv (argv[0] searched in PATH) with stdout to out_fd and stderr to
 * err_fd (-1: /dev/null).  Its exit code (128 + the signal that killed
 * it), -ENOENT when argv[0] cannot be found, or -errno.
 */
int spawn__run(char *const *argv, int out_fd, int err_fd);
/* An anonymous file in $TMPDIR, else dir: gone once closed.  fd or -errno. */
int spawn__tmpfile(const char *dir);
/* The last non-empty line of the file fd (a command's stderr), in out. */
void spawn__last_line(int fd, char *out, size_t len);
/* In a child before exec: default handlers, nothing blocked. */
void spawn__reset_signals(void);

#endif
