// SPDX-License-Identifier: MIT
/*
 * Fork, wait for go, drop to the capability set, exec.  The order in the
 * child is runc's: bounding set, keep-caps + user, capset, ambient,
 * no_new_privs, execve.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capdiet/observe/launch.h"
#include "capdiet/core/log.h"
#include "capdiet/core/spawn.h"
#include "launch_internal.h"

/* The byte launch__go() sends: whether the child should ask for SIGKILL when
 * capdiet dies (process-group mode, where the watchdog can only kill the
 * group the child may leave). */
enum { GO_PLAIN = 'g', GO_PDEATHSIG = 'p' };

/* Runs in the child: the spec's descriptors become 0, 1 and 2. */
static int child__setup_stdio(const struct launch_spec *spec)
{
	const int want[3] = { spec->stdin_fd, spec->stdout_fd, spec->stderr_fd };
	int moved[3];

	/* Move them out of 0..2 first so one cannot overwrite another. */
	for (int i = 0; i < 3; i++) {
		moved[i] = want[i] < 0 ? -1 : fcntl(want[i], F_DUPFD_CLOEXEC, 3);
		if (want[i] >= 0 && moved[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++)
		if (moved[i] >= 0 && dup2(moved[i], i) < 0)
			return -errno;
	return 0;
}

static int child__drop_bounding(capset_t caps)
{
	/* Up to what the kernel knows, even past libcap's own list. */
	int last = (int)cap_max_bits() - 1;

	for (int cap = 0; cap <= last; cap++)
		if (!caps__has(caps, cap) && cap_drop_bound((cap_value_t)cap) != 0)
			return -errno;
	return 0;
}

static int child__switch_user(const struct user_spec *u)
{
	if (setgroups((size_t)u->n_groups, u->groups) != 0)
		return -errno;
	/* Without keep-caps, setresuid() to non-root would clear permitted. */
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0)
		return -errno;
	if (setresgid(u->gid, u->gid, u->gid) != 0)
		return -errno;
	if (setresuid(u->uid, u->uid, u->uid) != 0)
		return -errno;
	return 0;
}

static int child__set_ambient(capset_t caps)
{
	if (cap_reset_ambient() != 0)
		return -errno;
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(caps, cap) && cap_set_ambient((cap_value_t)cap, CAP_SET) != 0)
			return -errno;
	return 0;
}

static int child__apply(const struct launch_spec *spec, cap_t caps, bool pdeathsig)
{
	int err = child__drop_bounding(spec->caps);

	if (!err && spec->user)
		err = child__switch_user(spec->user);
	if (!err && cap_set_proc(caps) != 0)
		err = -errno;
	if (!err)
		err = child__set_ambient(spec->caps);
	if (!err && !spec->allow_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
		err = -errno;
	/* Set last: changing the uid clears it. */
	if (!err && pdeathsig && prctl(PR_SET_PDEATHSIG, (long)SIGKILL, 0L, 0L, 0L) != 0)
		err = -errno;
	return err;
}

static __attribute__((noreturn)) void child__fail(int err_fd, int err)
{
	int code = -err;

	if (write(err_fd, &code, sizeof(code)) < 0) {
		/* Nobody to tell: the exit status still says it. */
	}
	_exit(code == ENOENT ? 127 : 126);
}

static __attribute__((noreturn)) void child__run(const struct launch_spec *spec,
						  cap_t caps, int go_fd, int err_fd)
{
	char go = 0;
	int err;

	/* Before anything: capdiet's handlers must not run in the child. */
	spawn__reset_signals();
	err = child__setup_stdio(spec);
	/* capdiet's other descriptors (BPF maps, other launches' pipes) must
	 * neither reach the service nor keep another launch's pipe open. */
	fds__close_except(3, go_fd, err_fd);
	while (read(go_fd, &go, 1) < 0 && errno == EINTR)
		;
	if (go != GO_PLAIN && go != GO_PDEATHSIG)
		_exit(1); /* capdiet gave up on this launch, or died */
	close(go_fd);
	if (err)
		child__fail(err_fd, err);
	err = child__apply(spec, caps, go == GO_PDEATHSIG);
	if (err)
		child__fail(err_fd, err);
	/* Last, as the user the command runs as: systemd enters WorkingDirectory=
	 * with the service's credentials too. */
	if (spec->cwd && chdir(spec->cwd) != 0)
		child__fail(err_fd, -errno);
	if (spec->envp)
		execvpe(spec->argv[0], spec->argv, spec->envp);
	else
		execvp(spec->argv[0], spec->argv);
	child__fail(err_fd, -errno);
}

static cap_t caps__to_libcap(capset_t set)
{
	cap_value_t list[64];
	int n = 0;
	cap_t caps = cap_init();

	if (!caps)
		return NULL;
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(set, cap))
			list[n++] = (cap_value_t)cap;
	if (n && (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) ||
		  cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) ||
		  cap_set_flag(caps, CAP_INHERITABLE, n, list, CAP_SET))) {
		int err = errno;

		cap_free(caps);
		errno = err;
		return NULL;
	}
	return caps;
}

static struct launch *launch__new(capset_t set)
{
	struct launch *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->pid = -1;
	l->pidfd = l->go_fd = l->err_fd = l->watchdog.fd = -1;
	l->child_caps = caps__to_libcap(set);
	if (!l->child_caps) {
		int err = errno;

		free(l);
		errno = err;
		return NULL;
	}
	return l;
}

/* Puts the forked child in the tree's cgroup, or else in its own group. */
static void launch__contain(struct launch *l)
{
	int err = l->cgroup ? launch_cgroup__add(l, l->pid) : 0;

	if (err) {
		log_debug("cgroup %s unusable (%s); using a process group",
			  l->cgroup, strerror(-err));
		launch_cgroup__remove(l);
	}
	if (!l->cgroup) {
		l->own_pgrp = true;
		if (setpgid(l->pid, l->pid) != 0)
			log_debug("setpgid(%d): %s", (int)l->pid, strerror(errno));
	}
	err = launch_watchdog__start(&l->watchdog, l->cgroup, l->pid);
	if (err)
		log_warn("no watchdog (%s): if capdiet is killed, the command's processes "
			 "survive it", strerror(-err));
}

static int launch__fork(struct launch *l, const struct launch_spec *spec)
{
	int fds[4] = { -1, -1, -1, -1 }; /* go read, go write, error read, error write */
	int err = fdpair__make(&fds[0], true);

	if (!err)
		err = fdpair__make(&fds[2], false);
	if (!err) {
		l->pid = fork();
		if (l->pid == 0)
			child__run(spec, l->child_caps, fds[0], fds[3]);
		err = l->pid < 0 ? -errno : 0;
	}
	if (!err) {
		l->go_fd = fds[1];
		l->err_fd = fds[2];
		fds[1] = fds[2] = -1;
	}
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}

capset_t launch__available_caps(void)
{
	capset_t set = 0;
	cap_flag_value_t permitted;
	cap_t self = cap_get_proc();

	if (!self)
		return 0;
	for (int cap = 0; cap <= caps__last_cap(); cap++)
		if (cap_get_flag(self, (cap_value_t)cap, CAP_PERMITTED, &permitted) == 0 &&
		    permitted == CAP_SET && cap_get_bound((cap_value_t)cap) == 1)
			set |= CAPSET_BIT(cap);
	cap_free(self);
	return set;
}

static int launch__start_container(const struct launch_spec *spec, struct launch *l,
				   struct launch **out)
{
	int err = launch_ctr__start(spec, l);

	if (err) {
		launch__free(l);
		return err;
	}
	*out = l;
	return 0;
}

int launch__start(const struct launch_spec *spec, struct launch **out)
{
	struct launch *l;
	int err;

	*out = NULL;
	if (!spec || !spec->argv || (!spec->argv[0] && !spec->container))
		return -EINVAL;
	if (spec->caps & ~launch__available_caps())
		return -EPERM;
	l = launch__new(spec->caps);
	if (!l)
		return -errno;
	if (spec->container)
		return launch__start_container(spec, l, out);
	/* Daemonising double-forks are re-parented to capdiet, not to init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0)
		log_debug("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (launch_cgroup__create(l) != 0)
		log_debug("no cgroup v2 for the launch; using a process group");
	err = launch__fork(l, spec);
	if (err) {
		launch__free(l);
		return err;
	}
	launch__contain(l);
	l->pidfd = (int)syscall(SYS_pidfd_open, l->pid, 0);
	if (l->pidfd >= 0)
		l->pidfd = fd__lift(l->pidfd);
	*out = l;
	return 0;
}

pid_t launch__pid(const struct launch *l)
{
	return l ? l->pid : -1;
}

const char *launch__cgroup_path(const struct launch *l)
{
	return l ? l->cgroup : NULL;
}

uint64_t launch__cgroup_id(const struct launch *l)
{
	return l ? l->cgroup_id : 0;
}

int launch__go(struct launch *l)
{
	char go = l->own_pgrp ? GO_PDEATHSIG : GO_PLAIN;
	int code = 0;
	ssize_t n;

	if (l->ctr)
		return launch_ctr__go(l);
	if (l->go_fd < 0)
		return -EALREADY;
	n = send(l->go_fd, &go, 1, MSG_NOSIGNAL);
	close(l->go_fd);
	l->go_fd = -1;
	if (n != 1)
		return -EPIPE;
	/* EOF: the pipe closed on exec.  Otherwise the child's errno. */
	while ((n = read(l->err_fd, &code, sizeof(code))) < 0 && errno == EINTR)
		;
	close(l->err_fd);
	l->err_fd = -1;
	if (n == (ssize_t)sizeof(code) && code > 0)
		return -code;
	return n == 0 ? 0 : -EIO;
}

void launch__free(struct launch *l)
{
	if (!l)
		return;
	if (l->go_fd >= 0)
		close(l->go_fd); /* an unreleased child exits on EOF */
	l->go_fd = -1;
	if (l->pid > 0 && launch__stop(l, 0) != 0)
		log_warn("process tree of pid %d did not stop", (int)l->pid);
	launch__reap(l);
	launch_ctr__free(l);
	launch_watchdog__stop(&l->watchdog);
	launch_cgroup__remove(l);
	if (l->err_fd >= 0)
		close(l->err_fd);
	if (l->pidfd >= 0)
		close(l->pidfd);
	cap_free(l->child_caps);
	free(l->tracked.v);
	free(l);
}
