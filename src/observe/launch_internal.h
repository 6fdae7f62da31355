/* SPDX-License-Identifier: MIT */
/*
 * Private to the launcher's files.  Calls go one way: each file uses only
 * the files above it (and core), never one below, so none of them has to
 * be read to understand those it builds on.  Lowest first:
 *
 *   fdutil.c           descriptors: close all but some, lift out of 0..2, pairs
 *   launch_cgroup.c    the tree's cgroup v2: create, add, signal, remove
 *   launch_watchdog.c  kills the tree if capdiet dies      (fdutil, cgroup)
 *   launch_signal.c    the self-pipe of caught signals     (fdutil)
 *   launch_tree.c      wait, reap, stop the whole tree     (cgroup, watchdog, signal)
 *   launch_container.c the same through runc or Podman     (all above)
 *   launch.c           fork, drop to the set, exec; the public API (all above)
 *
 * The declarations below follow the same order.
 */
#ifndef CAPDIET_LAUNCH_INTERNAL_H
#define CAPDIET_LAUNCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "capdiet/core/proc.h"
#include "capdiet/observe/launch.h"

/* fdutil.c */
/* Closes every descriptor >= from except keep_a and keep_b (-1: none). */
void fds__close_except(int from, int keep_a, int keep_b);
/* A CLOEXEC pipe, or a stream socket pair, both ends out of 0..2. */
int fdpair__make(int fds[2], bool socket);
/* Moves fd out of 0..2 (keeping it CLOEXEC); returns the fd or -errno. */
int fd__lift(int fd);

/* The watchdog process of one launch. */
struct launch_watchdog {
	int fd;              /* write end; EOF makes the watchdog kill the tree */
	pid_t pid;           /* 0: none */
};

/* A launch through a container runtime (launch_container.c). */
struct launch_ctr {
	enum launch_engine engine;
	char *program;       /* runc, crun or podman */
	char *runtime;       /* Podman's --runtime, NULL: its default */
	char id[64];         /* container id (runc) or name (Podman) */
	char tmpdir[64];     /* the trial's bundle: config.json, pid file */
	int log_fd;          /* the runtime's and the command's output */
	char cleanup_script[600]; /* the runtime's delete, as sh -c text */
	char *cleanup[4];    /* argv the watchdog runs after killing the tree */
};

/* Pids seen in the tree, so orphans of process-group mode stay ours. */
struct pid_track {
	struct proc_stat *v;
	size_t n, cap;
};

struct launch {
	pid_t pid;
	int pidfd;           /* -1 without pidfd_open (kernel < 5.3) */
	int go_fd;           /* write end of the go pipe; -1 once released */
	int err_fd;          /* read end of the child's CLOEXEC error pipe */
	bool exited;         /* the main child was reaped; status is valid */
	int status;
	bool own_pgrp;       /* process-group mode: no cgroup for this tree */
	char *cgroup;        /* absolute directory, NULL in process-group mode */
	char *cgroup_rel;    /* as /proc/PID/cgroup names it ("/capdiet/1-0") */
	uint64_t cgroup_id;
	struct launch_watchdog watchdog;
	cap_t child_caps;    /* built before fork: the child only applies it */
	struct pid_track tracked;
	struct launch_ctr *ctr; /* NULL: capdiet forked the command itself */
};

/* launch_cgroup.c */
int launch_cgroup__create(struct launch *l);
int launch_cgroup__add(const struct launch *l, pid_t pid);
/*
 * Takes the cgroup v2 that pid is in (a runtime made it) as the tree's:
 * -EBUSY when that is capdiet's own or an ancestor of it, -ENOENT when
 * expect (a path's last components, NULL: any) does not end it.
 */
int launch_cgroup__adopt(struct launch *l, pid_t pid, const char *expect);
/* 1 when a live process is in the cgroup, 0 when none, -errno. */
int launch_cgroup__populated(const struct launch *l);
int launch_cgroup__signal(const struct launch *l, int sig);
bool launch_cgroup__holds(const struct launch *l, pid_t pid);
void launch_cgroup__remove(struct launch *l);
/* The same by directory, for the watchdog, which outlives struct launch. */
int cgroup__populated(const char *dir);
int cgroup__signal(const char *dir, int sig);

/* launch_watchdog.c */
/*
 * Forks a watchdog that, once capdiet is gone, kills the cgroup (or, when
 * cgroup is NULL, the process group pgid).  w->fd is -1 before the start.
 */
int launch_watchdog__start(struct launch_watchdog *w, const char *cgroup, pid_t pgid);
/* The same, and then runs cleanup (a runtime's delete), if not NULL. */
int launch_watchdog__start_with(struct launch_watchdog *w, const char *cgroup, pid_t pgid,
				char *const *cleanup);
/* Tells the watchdog the tree is stopped (it exits without killing); reaps it. */
void launch_watchdog__stop(struct launch_watchdog *w);
/* Lets the watchdog do its job now (kill, clean up), as if capdiet died,
 * and waits for it: when capdiet's own clean-up failed. */
void launch_watchdog__hand_over(struct launch_watchdog *w);

/* launch_signal.c: the read end of the caught-signal pipe, -1 if none. */
int launch_signal__fd(void);

/* launch_tree.c: reaps what of the tree has exited, without blocking. */
void launch__reap(struct launch *l);

/* launch_container.c: launch__start/go/free for spec->container. */
int launch_ctr__start(const struct launch_spec *spec, struct launch *l);
int launch_ctr__go(struct launch *l);
/* The exit status of a container whose first process is not capdiet's
 * child (Podman's conmon is its parent), as waitpid() would give it. */
int launch_ctr__status(struct launch *l, int *status);
void launch_ctr__free(struct launch *l);

#endif
