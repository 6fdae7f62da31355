/* SPDX-License-Identifier: MIT */
/*
 * Who a service's processes run as: the real, effective, saved and
 * filesystem uid and gid of each process of its tree, by executable.  A
 * trial is only as good as the reference run with every capability: a
 * server whose workers failed to switch user may still pass its probe, as
 * root.  Comparing snapshots is what catches it.
 */
#ifndef CAPDIET_CREDS_H
#define CAPDIET_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CREDS_EXE_MAX 256

struct cred_entry {
	char exe[CREDS_EXE_MAX];
	uint32_t uid[4];      /* real, effective, saved, filesystem */
	uint32_t gid[4];
};

/* Distinct entries, sorted: two processes alike count once. */
struct cred_snapshot {
	struct cred_entry *v;
	size_t n;
	bool taken;           /* false: nothing was looked at (batch, no cgroup) */
};

/* The processes listed in CGROUP_DIR/cgroup.procs; 0 or -errno. */
int creds__snapshot_cgroup(const char *cgroup_dir, struct cred_snapshot *out);
/* Adds one entry from the text of /proc/PID/status and the exe path. */
int creds__add_status(struct cred_snapshot *s, const char *exe, const char *status_text);
/*
 * Compares two snapshots of the same service on the executables both hold
 * (a short-lived helper seen in one only is not a difference).  True when
 * they match; otherwise why[] says the first difference.
 */
bool creds__match(const struct cred_snapshot *ref, const struct cred_snapshot *s,
		  char *why, size_t why_len);
void creds__clear(struct cred_snapshot *s);
/* Deep copy; 0 or -ENOMEM. */
int creds__copy(struct cred_snapshot *dst, const struct cred_snapshot *src);

#endif
