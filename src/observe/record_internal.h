/* SPDX-License-Identifier: MIT */
/*
 * Private to the recorder's files.  Calls go one way: each file uses only
 * the files above it (and lower layers).  Lowest first:
 *
 *   record_decode.c  map entries (raw bytes) to observations, no kernel
 *                    needed; its API is public: capdiet/observe/record_decode.h
 *   record_args.c    the syscall-argument table: which argument is evidence
 *   record_track.c   the processes recorded, from /proc; executables' paths
 *   record_attach.c  probing the kernel; choosing, loading, attaching a method
 *   record.c         the recorder itself: open, poll, collect, reset, free
 *   record_node.c    capdiet observe: draining the node-wide aggregates
 *
 * record_args, record_track and record_attach use none of each other.
 * The noaudit callers the attach step hands to the BPF side come from
 * noaudit.c, which the classifier reads too.
 */
#ifndef CAPDIET_RECORD_INTERNAL_H
#define CAPDIET_RECORD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capdiet/observe/record.h"

struct recorder_bpf;
struct node_seen;

/* record.c: one counter of the per-CPU stats map, summed over the CPUs
 * (0 when unreadable). */
uint64_t recorder__read_stat(struct recorder *r, uint32_t stat);

/* record_node.c: what the last read saw of each node-wide kernel entry. */
struct node_table {
	struct node_seen *v;
	size_t cap, n;        /* cap: a power of two */
};
void node_table__free(struct node_table *t);

struct recorder {
	struct recorder_bpf *skel;
	enum attach_method method;
	struct ring_buffer *live;
	struct ksyms *ksyms;
	int cgroup_fd;
	uint64_t node_lost_seen;   /* CD_STAT_LOST_NODE at the last drain */
	struct node_table node_seen;
	void (*on_first_seen)(const struct observation *o, void *ctx);
	void *ctx;
};

/* record_args.c: fills the path_args map (its fd) for this architecture. */
int record_args__fill(int map_fd);

/*
 * record_track.c: makes path, an executable as the kernel named it (as
 * given to execve, or a base name in cgroup scope), absolute when a file
 * with id exe_id is found under that name or run by a live process.
 */
void record_track__complete_exe(uint64_t exe_id, char *path, size_t len);

/*
 * record_attach.c: the first method that works (or opts->method), loaded
 * and attached: sets r->skel and r->method.  0, or -errno after a
 * log_error saying why.
 */
int record_attach__choose(struct recorder *r, const struct recorder_opts *opts);

#endif
