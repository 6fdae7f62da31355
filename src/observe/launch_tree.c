// SPDX-License-Identifier: MIT
/*
 * The launched process tree: waiting for the main child, reaping orphans
 * re-parented to capdiet (a child subreaper), telling whether anything is
 * left and stopping it all.  With a cgroup the tree is the cgroup; in
 * process-group mode it is what /proc shows below the main child, in its
 * process group, or already seen there.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/core/clock.h"
#include "capdiet/core/proc.h"
#include "launch_internal.h"

#define WAIT_SLICE_MS 100   /* how often launch__wait() reaps orphans */
#define STOP_POLL_MS 10
#define KILL_WAIT_MS 5000   /* after SIGKILL, before giving up with -EBUSY */

static int procs__by_pid(const void *a, const void *b)
{
	const struct proc_stat *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process /proc shows, sorted by pid for procs__find(). */
static int procs__scan(struct proc_stat **out, size_t *n)
{
	struct proc_stat *v = NULL;
	size_t cap = 0;
	struct dirent *d;
	DIR *dir = opendir("/proc");

	*out = NULL;
	*n = 0;
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		long pid = strtol(d->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		if (*n == cap) {
			struct proc_stat *bigger = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));

			if (!bigger)
				break;
			v = bigger;
		}
		if (proc__read_stat((pid_t)pid, &v[*n]) == 0)
			(*n)++;
	}
	closedir(dir);
	qsort(v, *n, sizeof(*v), procs__by_pid);
	*out = v;
	return 0;
}

static const struct proc_stat *procs__find(const struct proc_stat *v, size_t n, pid_t pid)
{
	struct proc_stat key = { .pid = pid };

	return bsearch(&key, v, n, sizeof(*v), procs__by_pid);
}

static bool pid_track__has(const struct pid_track *t, const struct proc_stat *e)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == e->pid && t->v[i].start == e->start)
			return true;
	return false;
}

static void pid_track__add(struct pid_track *t, const struct proc_stat *e)
{
	if (pid_track__has(t, e))
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct proc_stat *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return; /* best effort: the process group still finds most */
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = *e;
}

/* Process-group mode: below the main child, in its group, or seen before. */
static bool tree__contains(const struct launch *l, const struct proc_stat *v, size_t n,
			   const struct proc_stat *e)
{
	pid_t self = getpid();

	for (int depth = 0; e && depth < 64; depth++) {
		if (e->pid == l->pid || e->pgid == l->pid || pid_track__has(&l->tracked, e))
			return true;
		if (e->ppid == self || e->ppid <= 1)
			return false;
		e = procs__find(v, n, e->ppid);
	}
	return false;
}

static bool launch__owns(const struct launch *l, const struct proc_stat *v, size_t n,
			 const struct proc_stat *e)
{
	if (l->cgroup)
		return launch_cgroup__holds(l, e->pid);
	return tree__contains(l, v, n, e);
}

/* Alive and not a zombie (a zombie waits for its parent, not for us). */
static bool pid__running(pid_t pid)
{
	struct proc_stat st;

	return proc__read_stat(pid, &st) == 0 && st.state != 'Z' && st.state != 'X';
}

static void launch__reap_main(struct launch *l, bool block)
{
	int status;
	pid_t got;

	if (l->exited || l->pid <= 0)
		return;
	while ((got = waitpid(l->pid, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	/* Not capdiet's child (a container's, under Podman's monitor): gone
	 * once the pid is, and the runtime knows how it ended. */
	if (got < 0 && errno == ECHILD && l->ctr && !pid__running(l->pid) &&
	    launch_ctr__status(l, &status) == 0)
		got = l->pid;
	if (got == l->pid) {
		l->exited = true;
		l->status = status;
	}
}

/* Reaps the tree's orphans that capdiet inherited; block: also the dying. */
static void launch__reap_orphans(struct launch *l, bool block)
{
	struct proc_stat *v;
	size_t n;
	pid_t self = getpid();

	if (procs__scan(&v, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct proc_stat *e = &v[i];

		if (e->ppid != self || e->pid == l->pid || e->pid == l->watchdog.pid ||
		    (e->state != 'Z' && !block) || !launch__owns(l, v, n, e))
			continue;
		while (waitpid(e->pid, NULL, e->state == 'Z' ? WNOHANG : 0) < 0 && errno == EINTR)
			;
	}
	free(v);
}

/* Whether any child of capdiet is a zombie: most times there is nothing to scan. */
static bool self__has_zombie(void)
{
	siginfo_t info = { 0 };

	return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid > 0;
}

/* Process-group mode: remembers what belongs to the tree, signals it
 * (sig 0: only remembers, so a daemon that leaves the group later stays ours). */
static int tree__signal(struct launch *l, int sig)
{
	struct proc_stat *v;
	size_t n;
	int err = procs__scan(&v, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (v[i].state == 'Z' || !tree__contains(l, v, n, &v[i]))
			continue;
		pid_track__add(&l->tracked, &v[i]);
		kill(v[i].pid, sig);
	}
	free(v);
	if (kill(-l->pid, sig) != 0 && errno != ESRCH)
		return -errno;
	return 0;
}

void launch__reap(struct launch *l)
{
	launch__reap_main(l, false);
	if (!l->cgroup && l->pid > 0)
		tree__signal(l, 0);
	if (self__has_zombie())
		launch__reap_orphans(l, false);
}

static int launch__signal(struct launch *l, int sig)
{
	/* A runtime asks a container to stop through its first process only
	 * (runc kill, podman stop); the rest may follow or be killed. */
	if (l->ctr && sig == SIGTERM)
		return kill(l->pid, sig) != 0 && errno != ESRCH ? -errno : 0;
	if (l->cgroup)
		return launch_cgroup__signal(l, sig);
	return tree__signal(l, sig);
}

static bool tree__any_alive(const struct launch *l)
{
	struct proc_stat *v;
	size_t n;
	bool alive = false;

	if (procs__scan(&v, &n) != 0)
		return kill(l->pid, 0) == 0;
	for (size_t i = 0; i < n && !alive; i++)
		alive = v[i].state != 'Z' && tree__contains(l, v, n, &v[i]);
	free(v);
	return alive;
}

bool launch__alive(const struct launch *l)
{
	if (!l || l->pid <= 0)
		return false;
	if (l->cgroup) {
		int populated = launch_cgroup__populated(l);

		if (populated >= 0)
			return populated == 1;
	}
	return tree__any_alive(l);
}

/* Waits for the pidfd or a caught signal; -EINTR for a signal. */
static int launch__poll(const struct launch *l, int ms)
{
	struct pollfd fds[2];
	nfds_t n = 0;
	int sig_fd = launch_signal__fd();

	if (sig_fd >= 0)
		fds[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
	if (l->pidfd >= 0)
		fds[n++] = (struct pollfd){ .fd = l->pidfd, .events = POLLIN };
	else if (ms > 20)
		ms = 20; /* no pidfd: poll waitpid() often */
	if (poll(fds, n, ms) < 0)
		return errno == EINTR ? -EINTR : -errno;
	if (sig_fd >= 0 && (fds[0].revents & POLLIN))
		return -EINTR;
	return 0;
}

int launch__wait(struct launch *l, int timeout_ms, int *status)
{
	/* Whole milliseconds, as poll() counts them. */
	long deadline = timeout_ms < 0 ? -1 : (long)clock__now_ms() + timeout_ms;

	for (;;) {
		long left = deadline < 0 ? WAIT_SLICE_MS : deadline - (long)clock__now_ms();
		int err;

		launch__reap(l);
		if (l->exited) {
			if (status)
				*status = l->status;
			return 0;
		}
		if (l->pid <= 0)
			return -ECHILD;
		if (left <= 0)
			return -ETIMEDOUT;
		err = launch__poll(l, left < WAIT_SLICE_MS ? (int)left : WAIT_SLICE_MS);
		if (err)
			return err;
	}
}

/* Waits up to ms until no process of the tree is alive. */
static int launch__wait_gone(struct launch *l, int ms)
{
	long deadline = (long)clock__now_ms() + (ms > 0 ? ms : 0);

	for (;;) {
		struct timespec pause = { 0, STOP_POLL_MS * 1000000L };

		launch__reap(l);
		if (!launch__alive(l))
			return 0;
		if ((long)clock__now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}

int launch__stop(struct launch *l, int grace_ms)
{
	if (!l || l->pid <= 0)
		return 0;
	if (launch__alive(l)) {
		launch__signal(l, SIGTERM);
		if (launch__wait_gone(l, grace_ms) != 0) {
			launch__signal(l, SIGKILL);
			if (launch__wait_gone(l, KILL_WAIT_MS) != 0)
				return -EBUSY;
		}
	}
	/* Nothing alive: what still exits is a moment from being a zombie. */
	launch__reap_main(l, true);
	launch__reap_orphans(l, true);
	/* Before the main child's pid (the group's id) can be reused.  A
	 * container's watchdog stays until the runtime deleted it. */
	if (!l->ctr)
		launch_watchdog__stop(&l->watchdog);
	return 0;
}
