/* SPDX-License-Identifier: MIT */
/* The eBPF recorder: attach, scope to the target, read the aggregates. */
#ifndef CAPDIET_RECORD_H
#define CAPDIET_RECORD_H

#include <stdbool.h>
#include <stdint.h>
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
	 * capdiet observe: every task of the node, aggregated per cgroup into
	 * node_counts (read with recorder__drain_node); the per-process maps
	 * stay empty.  Set untracked_outcomes with it: a node-wide sys_exit
	 * would tax every syscall of the machine.
	 */
	bool node_wide;
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
 * CAP_BPF+CAP_PERFMON, or CAP_SYS_ADMIN), -ENOTSUP (no BTF, or no method works).
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
/* What a cgroup's checks of one capability in one syscall added since the last read. */
struct node_count {
	uint64_t cgroup;       /* cgroup v2 id (the directory's inode number) */
	int cap;
	bool denied;
	int syscall;           /* -1 outside one */
	uint64_t count;        /* checks, noaudit ones too */
	uint64_t audited;      /* of them, not noaudit: uses (or real denials) */
	uint32_t pid;          /* evidence: the key's first check's process */
	char comm[16];
};

/*
 * node_wide: hands fn what each kernel entry gained since the last read
 * (entries are running totals, never deleted while their cgroup lives).
 * *lost gets the checks the full map could not count since the last call.
 * 0 or -errno.
 */
int recorder__drain_node(struct recorder *r, int (*fn)(const struct node_count *c, void *ctx),
			 void *ctx, uint64_t *lost);
/*
 * node_wide: the entries of every cgroup gone(id) says is gone: their last
 * gains to fn, then deleted.  gone must be sure (the directory with that
 * inode no longer exists): a living cgroup's entry may be in use.
 */
int recorder__forget_node_cgroups(struct recorder *r, bool (*gone)(uint64_t id, void *ctx),
				  int (*fn)(const struct node_count *c, void *ctx), void *ctx);
/* node_wide: the path a cgroup had at its mkdir, if it was made while
 * recording; 0 or -ENOENT. */
int recorder__cgroup_path(struct recorder *r, uint64_t id, char *path, size_t len);
/*
 * node_wide: the cgroups made while recording that are gone now (gone(id)
 * true), each handed to fn and forgotten.  Call it after the last drain
 * that could still hold their checks.  0 or fn's error.
 */
int recorder__take_gone_cgroups(struct recorder *r, bool (*gone)(uint64_t id, void *ctx),
				int (*fn)(const char *path, void *ctx), void *ctx);
/* Kernel symbols (loaded on first use); NULL when unreadable. */
const struct ksyms *recorder__ksyms(struct recorder *r);
/* Empties every map, for the next trial. */
int recorder__reset(struct recorder *r);

#endif
