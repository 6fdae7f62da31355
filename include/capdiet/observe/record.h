/* SPDX-License-Identifier: MIT */
/* The eBPF recorder: attach, scope to the target, read the aggregates. */
#ifndef CAPDIET_RECORD_H
#define CAPDIET_RECORD_H

#include <stdbool.h>
#include <sys/types.h>

#include "capdiet/observe/ksyms.h"
#include "capdiet/observe/observation.h"

enum attach_method {
	ATTACH_AUTO = 0,
	ATTACH_TP_BTF,
	ATTACH_TRACEPOINT,
	ATTACH_FEXIT,
	ATTACH_KPROBE,
};

/* "auto", "tp_btf", ...; -EINVAL for an unknown name. */
int attach__parse(const char *name, enum attach_method *out);
const char *attach__name(enum attach_method m);

struct recorder_opts {
	enum attach_method method;
	const char *cgroup_path;  /* observe every task under this cgroup v2 dir */
	unsigned int max_entries; /* aggregation map size; 0: default */
	/*
	 * Skip settling denied checks at sys_exit.  That tracepoint sends every
	 * syscall on the host through the kernel's slow exit path (~90 ns
	 * here); it is worth nothing when the target holds every capability
	 * capdiet can give, as no denial could then be acted on.
	 */
	bool untracked_outcomes;
	/* Called from recorder__poll for each decision first seen. */
	void (*on_first_seen)(const struct observation *o, void *ctx);
	void *ctx;
};

struct recorder;

/*
 * Loads and attaches the BPF programs.  NULL with errno set, after one
 * log_error line saying what is missing: -EPERM (needs root or
 * CAP_BPF+CAP_PERFMON+CAP_SYS_ADMIN), -ENOTSUP (no BTF, or no method works).
 */
struct recorder *recorder__open(const struct recorder_opts *opts);
void recorder__free(struct recorder *r);
enum attach_method recorder__method(const struct recorder *r);

/* The launcher's child: recorded from its execve on, with descendants. */
int recorder__track_exec(struct recorder *r, pid_t pid);
/* A running process and every descendant, from now on. */
int recorder__track_pid(struct recorder *r, pid_t pid);
/* Delivers first-seen decisions to on_first_seen; waits up to timeout_ms. */
int recorder__poll(struct recorder *r, int timeout_ms);
/* Reads every aggregate (and settles checks still waiting for a syscall). */
int recorder__collect(struct recorder *r, struct observations *out);
/* Kernel symbols (loaded on first use); NULL when unreadable. */
const struct ksyms *recorder__ksyms(struct recorder *r);
/* Empties every map, for the next trial. */
int recorder__reset(struct recorder *r);

#endif
