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
#include <sys/types.h>

/*
 * Runs argv (argv[0] searched in PATH) with stdout to out_fd and stderr to
 * err_fd (-1: /dev/null).  Its exit code (128 + the signal that killed
 * it), -ENOENT when argv[0] cannot be found, or -errno.
 */
int spawn__run(char *const *argv, int out_fd, int err_fd);
/* spawn__run in two steps: the child's pid (its own process group), or -errno... */
pid_t spawn__start(char *const *argv, int out_fd, int err_fd);
/* ...and what spawn__run returns, once it has exited. */
int spawn__wait(pid_t pid);

/* What a command printed, through pipes (spawn__capture). */
struct spawn_output {
	char *out;                 /* stdout, NUL-terminated (malloc'd) */
	size_t out_len;
	char err[2048];            /* the end of stderr, NUL-terminated */
};

/*
 * Runs argv as spawn__run does and reads what it prints: stdout up to limit
 * bytes, the last sizeof(err) - 1 bytes of stderr.  Returns its exit code
 * (out filled in either way), -ENOENT when argv[0] is not found, -EFBIG
 * when stdout passes limit or -ETIMEDOUT after timeout_ms (its process
 * group is killed then), -ENOMEM or -errno.  Free with spawn_output__clear.
 */
int spawn__capture(char *const *argv, size_t limit, int timeout_ms, struct spawn_output *o);
void spawn_output__clear(struct spawn_output *o);
/* An anonymous file in $TMPDIR, else dir: gone once closed.  fd or -errno. */
int spawn__tmpfile(const char *dir);
/* The last non-empty line of the file fd (a command's stderr), in out. */
void spawn__last_line(int fd, char *out, size_t len);
/* In a child before exec: default handlers, nothing blocked. */
void spawn__reset_signals(void);

#endif
