/* SPDX-License-Identifier: MIT */
/*
 * The cgroup v2 hierarchy as a node-wide observer needs it: where it is
 * mounted, every cgroup's id (what bpf_get_current_cgroup_id() returns: the
 * directory's inode number) and path, and what a cgroup's processes hold.
 */
#ifndef CAPDIET_CGROUP_TREE_H
#define CAPDIET_CGROUP_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "capdiet/core/caps.h"

/* The cgroup2 mount point and the cgroup it shows as its root. 0 or -errno. */
int cgroup2__find_mount(char *mnt, size_t mnt_len, char *root, size_t root_len);

struct cgroup_entry {
	uint64_t id;
	char *path;   /* relative to the mount, "/system.slice/x.service"; "/" the root */
};

struct cgroup_tree {
	struct cgroup_entry *v;  /* sorted by id */
	size_t n, alloc;
};

#define CGROUP_TREE_MAX_DEPTH 32
#define CGROUP_TREE_MAX 1000000

/*
 * Every cgroup under mount (not following symlinks, at most
 * CGROUP_TREE_MAX_DEPTH deep and CGROUP_TREE_MAX entries: -E2BIG beyond).
 * A cgroup removed during the walk is skipped.  0 or -errno; on error t
 * is empty.
 */
int cgroup_tree__scan(struct cgroup_tree *t, const char *mount);
const struct cgroup_entry *cgroup_tree__find(const struct cgroup_tree *t, uint64_t id);
void cgroup_tree__clear(struct cgroup_tree *t);

/* What the processes of the cgroup dir and its descendants hold. */
struct cgroup_caps {
	capset_t bounding;   /* union of CapBnd */
	capset_t effective;  /* union of CapEff */
	size_t procs;        /* processes read */
};
/* 0 (no process: all zero) or -errno (-ENOENT: the cgroup is gone). */
int cgroup__read_caps(const char *dir, struct cgroup_caps *out);

#endif
