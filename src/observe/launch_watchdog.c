// SPDX-License-Identifier: MIT
/*
 * The watchdog: a small process forked per launch that holds one end of a
 * socket pair.  When capdiet dies, even by SIGKILL, the kernel closes
 * capdiet's end and the watchdog kills the tree, so nothing of it outlives
 * capdiet.  Without a cgroup it can only kill the process group.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/core/log.h"
#include "capdiet/core/spawn.h"
#include "launch_internal.h"

#define WATCHDOG_KILL_WAIT_MS 5000

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Kills the cgroup until it is empty (or it takes too long), removes it. */
static void watchdog__kill_cgroup(const char *cgroup)
{
	cgroup__signal(cgroup, SIGKILL);
	for (int ms = 0; cgroup__populated(cgroup) == 1 && ms < WATCHDOG_KILL_WAIT_MS; ms += 10) {
		sleep_ms(10);
		cgroup__signal(cgroup, SIGKILL);
	}
	rmdir(cgroup);
}

/* A runtime's own state (runc's /run/runc/ID, Podman's container) outlives
 * the processes: its delete command removes it, with the default signal
 * handling the watchdog itself gave up. */
static void watchdog__cleanup(char *const *argv)
{
	if (argv)
		spawn__run(argv, -1, -1);
}

/* Runs in the watchdog process: waits for a byte (released) or EOF (kill). */
static __attribute__((noreturn)) void watchdog__run(int fd, const char *cgroup, pid_t pgid,
						     char *const *cleanup)
{
	static const int ignored[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGTSTP,
				       SIGTTIN, SIGTTOU, SIGPIPE };
	ssize_t got;
	char byte;

	/* Holding capdiet's other descriptors would keep other pipes open. */
	fds__close_except(0, fd, -1);
	/* Ctrl-C reaches the whole foreground group: capdiet decides, not us. */
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	prctl(PR_SET_NAME, "capdiet-watch", 0L, 0L, 0L);
	while ((got = read(fd, &byte, 1)) < 0 && errno == EINTR)
		;
	if (got == 1)
		_exit(0); /* capdiet stopped the tree itself and released us */
	if (cgroup)
		watchdog__kill_cgroup(cgroup);
	else if (pgid > 0)
		kill(-pgid, SIGKILL);
	watchdog__cleanup(cleanup);
	_exit(0);
}

int launch_watchdog__start(struct launch_watchdog *w, const char *cgroup, pid_t pgid)
{
	return launch_watchdog__start_with(w, cgroup, pgid, NULL);
}

int launch_watchdog__start_with(struct launch_watchdog *w, const char *cgroup, pid_t pgid,
				char *const *cleanup)
{
	int fds[2], err = fdpair__make(fds, true);
	pid_t pid;

	if (err)
		return err;
	pid = fork();
	if (pid == 0)
		watchdog__run(fds[0], cgroup, pgid, cleanup);
	err = pid < 0 ? -errno : 0;
	close(fds[0]);
	if (err) {
		close(fds[1]);
		return err;
	}
	w->fd = fds[1];
	w->pid = pid;
	return 0;
}

void launch_watchdog__stop(struct launch_watchdog *w)
{
	if (w->fd >= 0 && send(w->fd, "q", 1, MSG_NOSIGNAL) != 1)
		log_debug("watchdog %d: %s", (int)w->pid, strerror(errno));
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->pid > 0)
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	w->pid = 0;
}

void launch_watchdog__hand_over(struct launch_watchdog *w)
{
	if (w->fd >= 0)
		close(w->fd); /* EOF without the byte: the watchdog acts */
	w->fd = -1;
	if (w->pid > 0)
		while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
			;
	w->pid = 0;
}
