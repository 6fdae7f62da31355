/* SPDX-License-Identifier: MIT */
/*
 * Facts about a process from /proc, and what a wait status means, for
 * every stage that starts or follows processes.
 */
#ifndef CAPDIET_PROC_H
#define CAPDIET_PROC_H

#include <sys/types.h>

#include "capdiet/core/caps.h"

struct proc_stat {
	pid_t pid;
	char state;                 /* R, S, D, Z, ... */
	pid_t ppid;
	pid_t pgid;
	unsigned long long start;   /* start time, clock ticks after boot */
};

/* Parses /proc/PID/stat; -errno (-ENOENT: gone, -EINVAL: unreadable). */
int proc__read_stat(pid_t pid, struct proc_stat *out);
/* Parses the text of a stat file (the command name may hold ')' and spaces). */
int proc__parse_stat(const char *text, struct proc_stat *out);
/* The five sets of /proc/PID/status, in its order: CapInh, CapPrm, CapEff, CapBnd, CapAmb. */
enum { PROC_CAP_INH, PROC_CAP_PRM, PROC_CAP_EFF, PROC_CAP_BND, PROC_CAP_AMB, PROC_CAP_SETS };
/* Reads them; -errno (-ENOENT: gone), -ENODATA when a line is missing. */
int proc__read_caps(pid_t pid, capset_t sets[PROC_CAP_SETS]);
/* A shell's convention: the exit status, or 128 + the signal that killed it. */
int proc__exit_code(int wait_status);

#endif
