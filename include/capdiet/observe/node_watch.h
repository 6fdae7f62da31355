/* SPDX-License-Identifier: MIT */
/*
 * capdiet observe's picture of a node: one entry per container (a cgroup
 * that container_id.h recognises), with what its processes hold and the
 * capability checks the node-wide recorder counted for it.  Bounded: at
 * most `max` containers at once; an exited one is kept until it has been
 * reported once, then evicted and counted.
 */
#ifndef CAPDIET_NODE_WATCH_H
#define CAPDIET_NODE_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "capdiet/core/caps.h"
#include "capdiet/observe/cgroup_tree.h"
#include "capdiet/observe/container_id.h"
#include "capdiet/observe/record.h"

/* The first check that showed a capability used (or denied). */
struct watched_evidence {
	uint32_t pid;
	int syscall;
	char comm[16];
};

struct watched {
	struct container_id id;
	char *cgroup;            /* its own cgroup, relative to the cgroup2 mount */
	uint64_t ino;            /* its own cgroup's inode (its id), 0: gone when seen */
	char *name, *image, *pod, *pod_namespace; /* from the runtime; NULL: unknown */
	bool names_tried;
	double first_seen, last_seen; /* CLOCK_REALTIME seconds */
	capset_t held;           /* union of its processes' bounding sets */
	capset_t effective;      /* union of their effective sets */
	capset_t used;           /* granted checks that were not noaudit */
	capset_t denied;         /* denied checks that were not noaudit */
	uint64_t granted[64], refused[64]; /* checks per capability, noaudit ones too */
	uint64_t checks;
	struct watched_evidence use[64], denial[64];
	bool had_procs;          /* processes were seen in it */
	bool exited;             /* its cgroup is gone, or empty after having processes */
	bool reported;           /* written out since it exited */
};

/*
 * An evicted container, remembered so that a later walk that still finds
 * its cgroup (stopped, not yet removed) does not bring it back empty.  A
 * restart makes a new cgroup: another inode, a new entry.
 */
struct node_watch_tomb {
	enum container_runtime runtime;
	uint64_t ino;
	char id[CONTAINER_UNIT_MAX];
};
#define NODE_WATCH_TOMBS 4096

struct node_watch {
	char mount[PATH_MAX];    /* the cgroup2 mount */
	struct cgroup_tree tree;
	struct watched *v;
	size_t n, alloc, max;
	uint64_t evicted;        /* exited containers removed once reported */
	uint64_t dropped;        /* checks of containers not kept: the table was full */
	uint64_t unattributed;   /* checks of cgroups that are no container's */
	uint64_t lost;           /* checks the kernel map could not count */
	struct recorder *rec;    /* for cgroup paths taken at mkdir; may be NULL */
	struct node_watch_tomb *tombs; /* the last NODE_WATCH_TOMBS evicted */
	size_t n_tombs;          /* evicted so far (the ring's next slot, mod) */
	double now;              /* of the refresh under way */
};

/*
 * Finds the cgroup2 mount (mount NULL) or uses mount (tests).  0 or -errno:
 * -EXDEV when the mount shows a subtree only (a cgroup namespace).
 */
int node_watch__init(struct node_watch *w, const char *mount, size_t max, struct recorder *rec);
void node_watch__clear(struct node_watch *w);
/*
 * Reads the hierarchy again: containers that appeared (with no check
 * yet), what each one's processes hold now, which ones are gone, and
 * (from the recorder) the ones made and removed since the last refresh.
 * Call it after draining: a gone cgroup's path is forgotten here.
 */
int node_watch__refresh(struct node_watch *w, double now);
/* Adds one drained aggregate to its container. 0 or -ENOMEM. */
int node_watch__count(struct node_watch *w, const struct node_count *c, double now);
/* Removes the exited containers already reported; returns how many. */
size_t node_watch__evict(struct node_watch *w);
/* held, and never checked (granted or denied) in the window: can be dropped. */
capset_t watched__unused(const struct watched *c);

#endif
