// SPDX-License-Identifier: MIT
/*
 * Signals capdiet catches while a launch runs go through a self-pipe, so
 * launch__wait() cannot miss one that arrives just before it blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/observe/launch.h"
#include "launch_internal.h"

static int signal_pipe[2] = { -1, -1 };

static void signal__handler(int sig, siginfo_t *info, void *ctx)
{
	/* The terminal's signals come from the kernel to the whole group. */
	unsigned char msg[2] = { (unsigned char)sig, info && info->si_code == SI_KERNEL };
	int saved = errno;

	(void)ctx;
	if (write(signal_pipe[1], msg, sizeof(msg)) < 0) {
		/* Pipe full: enough of them are pending already. */
	}
	errno = saved;
}

static int signal__make_pipe(void)
{
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		int fd = fd__lift(signal_pipe[i]);

		if (fd < 0)
			return fd;
		signal_pipe[i] = fd;
	}
	return 0;
}

int launch__catch_signals(void)
{
	static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	int err;

	if (signal_pipe[0] >= 0)
		return 0;
	err = signal__make_pipe();
	if (err)
		return err;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = signal__handler;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: blocking calls see EINTR */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		if (sigaction(caught[i], &sa, NULL) != 0)
			return -errno;
	return 0;
}

int launch_signal__fd(void)
{
	return signal_pipe[0];
}

int launch__take_signal(bool *from_terminal)
{
	unsigned char msg[2];

	if (signal_pipe[0] < 0 || read(signal_pipe[0], msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		return 0;
	if (from_terminal)
		*from_terminal = msg[1];
	return msg[0];
}

int launch__forward_signal(struct launch *l, int sig, bool from_terminal)
{
	if (!l || l->pid <= 0 || l->exited)
		return -ESRCH;
	/* Sharing capdiet's process group, the child got the terminal's copy. */
	if (from_terminal && !l->own_pgrp)
		return 0;
	return kill(l->pid, sig) == 0 ? 0 : -errno;
}
