// SPDX-License-Identifier: MIT
/*
 * A command's output read through pipes, bounded in size and time: a
 * renderer (helm template, kustomize build) run on a pull request's chart
 * must not fill the disk or hang the CI job, whatever the chart does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/core/clock.h"
#include "capdiet/core/spawn.h"

#define CAPTURE_FIRST_ALLOC (64u << 10)

struct capture {
	int fd[2];                 /* read ends: stdout, stderr; -1 once at end */
	size_t limit, alloc;
	size_t err_len;
	double deadline_ms;
	struct spawn_output *o;
};

/* Appends to stdout's buffer; -EFBIG past the limit. */
static int capture__out(struct capture *c, const char *buf, size_t n)
{
	struct spawn_output *o = c->o;

	if (o->out_len + n > c->limit)
		return -EFBIG;
	if (o->out_len + n + 1 > c->alloc) {
		size_t alloc = c->alloc ? c->alloc : CAPTURE_FIRST_ALLOC;
		char *more;

		while (alloc < o->out_len + n + 1)
			alloc *= 2;
		more = realloc(o->out, alloc);
		if (!more)
			return -ENOMEM;
		o->out = more;
		c->alloc = alloc;
	}
	memcpy(o->out + o->out_len, buf, n);
	o->out_len += n;
	o->out[o->out_len] = '\0';
	return 0;
}

/* Keeps the end of stderr: the error is usually its last line. */
static void capture__err(struct capture *c, const char *buf, size_t n)
{
	size_t room = sizeof(c->o->err) - 1;

	if (n >= room) {
		memcpy(c->o->err, buf + n - room, room);
		c->err_len = room;
	} else {
		if (c->err_len + n > room) {
			size_t drop = c->err_len + n - room;

			memmove(c->o->err, c->o->err + drop, c->err_len - drop);
			c->err_len -= drop;
		}
		memcpy(c->o->err + c->err_len, buf, n);
		c->err_len += n;
	}
	c->o->err[c->err_len] = '\0';
}

/* Reads what one pipe has; closes it at its end. */
static int capture__read(struct capture *c, int which)
{
	char buf[16384];
	ssize_t n = read(c->fd[which], buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		close(c->fd[which]);
		c->fd[which] = -1;
		return 0;
	}
	if (which == 0)
		return capture__out(c, buf, (size_t)n);
	capture__err(c, buf, (size_t)n);
	return 0;
}

/* Until both pipes end: 0, or why the command must be stopped. */
static int capture__loop(struct capture *c)
{
	int rc = 0;

	while (!rc && (c->fd[0] >= 0 || c->fd[1] >= 0)) {
		struct pollfd p[2] = { { c->fd[0], POLLIN, 0 }, { c->fd[1], POLLIN, 0 } };
		double left = c->deadline_ms - clock__now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(p, 2, (int)left + 1);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; n > 0 && i < 2 && !rc; i++)
			if (p[i].revents)
				rc = capture__read(c, i);
	}
	return rc;
}

static int capture__pipes(int out[2], int err[2])
{
	if (pipe2(out, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC)) {
		int rc = -errno;

		close(out[0]);
		close(out[1]);
		return rc;
	}
	return 0;
}

int spawn__capture(char *const *argv, size_t limit, int timeout_ms, struct spawn_output *o)
{
	struct capture c = { .limit = limit, .o = o, .deadline_ms = clock__now_ms() + timeout_ms };
	int out[2], err[2], rc;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	rc = capture__pipes(out, err);
	if (rc)
		return rc;
	pid = spawn__start(argv, out[1], err[1]);
	close(out[1]);
	close(err[1]);
	c.fd[0] = out[0];
	c.fd[1] = err[0];
	rc = pid < 0 ? (int)pid : capture__loop(&c);
	if (rc && pid > 0) {
		/* Too much, too long, or capdiet cannot go on: its whole group goes. */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	for (int i = 0; i < 2; i++)
		if (c.fd[i] >= 0)
			close(c.fd[i]);
	if (pid > 0) {
		int status = spawn__wait(pid);

		rc = rc ? rc : status;
	}
	return rc;
}

void spawn_output__clear(struct spawn_output *o)
{
	if (!o)
		return;
	free(o->out);
	memset(o, 0, sizeof(*o));
}
