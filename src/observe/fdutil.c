// SPDX-License-Identifier: MIT
/*
 * Descriptor chores of the launcher, its watchdog and its signal pipe: a
 * forked child must hold only what it was meant to, and capdiet's own pipes
 * must never take the numbers 0..2 a child expects to be its stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launch_internal.h"

static void close_span(unsigned int lo, unsigned int hi)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (lo > hi || close_range(lo, hi, 0) == 0)
		return;
	/* Kernels before 5.9: close one by one up to the descriptor limit. */
	for (long fd = lo; fd <= (long)hi && fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

void fds__close_except(int from, int keep_a, int keep_b)
{
	int keep[2] = { keep_a < keep_b ? keep_a : keep_b,
			keep_a < keep_b ? keep_b : keep_a };
	unsigned int next = (unsigned int)from;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < 0 || (unsigned int)keep[i] < next)
			continue;
		if ((unsigned int)keep[i] > next)
			close_span(next, (unsigned int)keep[i] - 1);
		next = (unsigned int)keep[i] + 1;
	}
	close_span(next, ~0U);
}

int fd__lift(int fd)
{
	int high;

	if (fd > 2)
		return fd;
	/* capdiet started with a standard stream closed: keep 0..2 for the child. */
	high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (high < 0)
		return -errno;
	close(fd);
	return high;
}

int fdpair__make(int fds[2], bool socket)
{
	int err = 0;

	/* A socket so that send(MSG_NOSIGNAL) to a dead peer is EPIPE, not SIGPIPE. */
	if (socket ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)
		   : pipe2(fds, O_CLOEXEC))
		return -errno;
	for (int i = 0; i < 2 && !err; i++) {
		int fd = fd__lift(fds[i]);

		if (fd < 0)
			err = fd;
		else
			fds[i] = fd;
	}
	if (err) {
		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
	}
	return err;
}
