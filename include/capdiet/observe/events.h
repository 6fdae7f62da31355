/* SPDX-License-Identifier: MIT */
/*
 * Structures shared by the BPF recorder (bpf/recorder.bpf.c) and user space
 * (src/observe/record*.c; record_decode.c turns map entries into
 * observations).  Fixed-width fields only: both sides must agree on layout.
 */
#ifndef CAPDIET_EVENTS_H
#define CAPDIET_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CD_ARG_MAX 128        /* bytes of a path or sockaddr kept as evidence */
#define CD_EXE_MAX 256        /* bytes of an executable's path */
#define CD_COMM_LEN 16
#define CD_PENDING_MAX 8      /* distinct denied checks held per syscall */
#define CD_NOAUDIT_RANGES 8   /* kernel functions that make noaudit checks */
#define CD_NOAUDIT_DEPTH 12   /* stack frames searched for them */
#define CD_STACK_DEPTH 32     /* frames kept as evidence */
#define CD_SYSCALL_MAX 512    /* syscall numbers with a path argument table */
#define CD_NO_SYSCALL (-1)    /* check made outside a syscall */

/* What happened to one capability check, as far as the kernel side knows. */
enum cd_outcome {
	CD_OUT_GRANTED = 0,        /* the check passed */
	CD_OUT_SYSCALL_FAILED = 1, /* denied; the syscall then returned an error */
	CD_OUT_SYSCALL_OK = 2,     /* denied; the syscall still succeeded */
	CD_OUT_NOAUDIT = 3,        /* denied; a noaudit check (opts or stack) */
	CD_OUT_UNKNOWN = 4,        /* denied; no syscall exit was seen */
	CD_OUT_UNTRACKED = 5,      /* denied; outcomes were not tracked */
};

/* How the arg bytes of an evidence record are to be read. */
enum cd_arg_kind {
	CD_ARG_NONE = 0,
	CD_ARG_PATH = 1,     /* NUL-terminated path as passed to the syscall */
	CD_ARG_SOCKADDR = 2, /* struct sockaddr bytes */
};

/* Tracked-process states. */
enum cd_track_state {
	CD_TRACK_WAIT_EXEC = 1, /* launcher's child: ignore until it execs */
	CD_TRACK_ACTIVE = 2,
};

/* Indexes of the stats per-CPU array: decisions that were not recorded. */
enum cd_stat {
	CD_STAT_LOST_COUNT = 0,   /* counts map full */
	CD_STAT_LOST_PENDING = 1, /* pending map full, or too many per syscall */
	CD_STAT_LOST_TRACK = 2,   /* a new process could not be tracked */
	CD_STAT_LOST_EVIDENCE = 3,/* evidence map full (counts still exact) */
	CD_STAT_LOST_NODE = 4,    /* node_counts full (capdiet observe) */
	CD_STAT_LOST_SETUP = 5,   /* setup_tasks full: a runtime's setup counted as use */
	CD_STAT_LOST_PATH = 6,    /* cgroup_paths full: a new cgroup's path not kept */
	CD_STAT_MAX = 7,
};

/* [start, end) of a kernel function that makes noaudit checks. */
struct noaudit_range {
	__u64 start;
	__u64 end;
};

/* Value of the tracked map (key: tgid). */
struct cd_track {
	__u64 exe_id;
	__u32 state;
	__u32 pad;
};

/* Aggregation key: one entry per distinct decision. */
struct cd_key {
	__u64 exe_id;
	__s32 syscall;  /* CD_NO_SYSCALL outside a syscall */
	__u32 cap;
	__u32 outcome;  /* enum cd_outcome */
	__u32 pad;
};

struct cd_count {
	__u64 count;
	__u64 first_ns;
	__s64 ret;      /* first syscall return value seen (denied checks) */
};

/* Evidence key: the aggregation key without the outcome, which is only
 * known at syscall exit, while the evidence must be taken at check time. */
struct cd_evkey {
	__u64 exe_id;
	__s32 syscall;
	__u32 cap;
	__u32 denied;
	__u32 pad;
};

struct cd_evidence {
	__u64 first_ns;
	__s64 stack_id;  /* id in the stacks map, or -errno */
	__u32 pid;
	__u32 tid;
	__u32 opts;      /* CAP_OPT_* when has_opts */
	__u32 has_opts;
	__u32 arg_kind;  /* enum cd_arg_kind */
	__u32 arg_len;
	__u32 stack_noaudit; /* no opts: a noaudit caller was on the stack */
	__u32 userns_level;  /* of the namespace checked against; 0: the initial */
	char comm[CD_COMM_LEN];
	__u8 arg[CD_ARG_MAX];
};

struct cd_pending_check {
	struct cd_key key; /* outcome not yet set */
	__u64 count;
};

/* Denied checks of one thread waiting for its syscall to return. */
struct cd_pending {
	__u32 n;
	__u32 pad;
	struct cd_pending_check checks[CD_PENDING_MAX];
};

struct cd_exe {
	char path[CD_EXE_MAX];
};

/*
 * Syscalls whose refusal the cap_capable hook never sees, recorded at
 * sys_exit from their arguments: capset (EPERM when the permitted set asked
 * for is not within the current one) and an execve refused with EPERM (a
 * file whose file capabilities the bounding set lacks).
 */
struct cd_syskey {
	__u64 exe_id;
	__s32 syscall;
	__s32 ret;       /* 0, or the -errno it returned */
};

struct cd_sysevent {
	__u64 count;
	__u64 first_ns;
	__u64 asked_effective;   /* capset: union of the masks asked for */
	__u64 asked_permitted;
	__u64 asked_inheritable;
	__u64 cur_permitted;     /* the task's sets when first seen */
	__u64 cur_bounding;
	__u32 pid;
	__u32 pad;
	char path[CD_ARG_MAX];   /* execve: the file, as passed */
};

/*
 * capdiet observe: every check on the node, one entry per (cgroup,
 * capability, granted or denied, syscall).  Entries hold running totals;
 * user space reads differences and deletes only the entries of cgroups
 * that are gone, so a BPF program never adds to an entry being reused.
 * A noaudit check (a kernel path asking only to choose a behaviour, such as
 * every mmap asking for SYS_ADMIN) is counted but is no use.  With opts
 * (fexit, kprobe) `audited` counts the others; without (tp_btf) a key's
 * first check decides for every later one, as trace does per (capability,
 * syscall, executable), and a check costs one atomic add.
 */
struct cd_cgkey {
	__u64 cgroup;   /* cgroup v2 id of the task */
	__s32 syscall;  /* CD_NO_SYSCALL outside a syscall */
	__u32 cap;
	__u32 denied;
	__u32 pad;
};

struct cd_cgcount {
	__u64 count;    /* every check, noaudit ones too */
	__u64 audited;  /* has_opts: checks that were not noaudit */
	__u32 noaudit;  /* the first check's verdict: without opts, every check's */
	__u32 has_opts; /* the hook passes opts: audited is counted */
	__u32 pid;      /* evidence: the first check's process */
	__u32 pad;
	char comm[CD_COMM_LEN];
};

#define CD_CGROUP_PATH_MAX 256 /* bytes of a cgroup's path kept at its mkdir */

struct cd_cgpath {
	char path[CD_CGROUP_PATH_MAX]; /* relative to the cgroup v2 root, "/a/b" */
};

/* Sent on the live ring buffer when an aggregation key is first seen. */
struct cd_live_event {
	struct cd_key key;
	__u32 pid;
	__u32 pad;
	char comm[CD_COMM_LEN];
};

#endif
