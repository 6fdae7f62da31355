/* SPDX-License-Identifier: MIT */
/* Shared between launch.c (fork, exec), launch_tree.c and launch_cgroup.c. */
#ifndef CAPDIET_LAUNCH_INTERNAL_H
#define CAPDIET_LAUNCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>
#include <sys/types.h>

#include "capdiet/observe/launch.h"

/* A process as /proc/PID/stat shows it. */
struct proc_entry {
	pid_t pid, ppid, pgid;
	char state;
	unsigned long long start; /* tells a pid apart from a later reuse */
};

/* Pids seen in the tree, so orphans of process-group mode stay ours. */
struct pid_track {
	struct proc_entry *v;
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
	int watchdog_fd;     /* write end; EOF makes the watchdog kill the cgroup */
	pid_t watchdog_pid;
	cap_t child_caps;    /* built before fork: the child only applies it */
	struct pid_track tracked;
};

/* launch.c */
/* Closes every descriptor >= from except keep_a and keep_b (-1: none). */
void fds__close_except(int from, int keep_a, int keep_b);
/* A CLOEXEC pipe, or a stream socket pair, both ends out of 0..2. */
int fdpair__make(int fds[2], bool socket);
/* Moves fd out of 0..2 (keeping it CLOEXEC); returns the fd or -errno. */
int fd__lift(int fd);

/* launch_cgroup.c */
int launch_cgroup__create(struct launch *l);
int launch_cgroup__add(const struct launch *l, pid_t pid);
/* 1 when a live process is in the cgroup, 0 when none, -errno. */
int launch_cgroup__populated(const struct launch *l);
int launch_cgroup__signal(const struct launch *l, int sig);
bool launch_cgroup__holds(const struct launch *l, pid_t pid);
void launch_cgroup__remove(struct launch *l);
int launch_watchdog__start(struct launch *l);
/* Tells the watchdog the tree is stopped (it exits without killing); reaps it. */
void launch_watchdog__stop(struct launch *l);

/* launch_signal.c: the read end of the caught-signal pipe, -1 if none. */
int launch_signal__fd(void);

/* launch_tree.c */
int proc__scan(struct proc_entry **out, size_t *n);
void launch__reap(struct launch *l);

#endif
