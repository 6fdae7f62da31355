// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * capdiet's recorder: every capability check made by the target aggregated in
 * the kernel, one entry per (capability, outcome, syscall, executable).  The
 * expensive evidence (stack, path argument) is taken once per entry, when it
 * is first seen; the per-check cost of a known entry is two hash lookups.
 *
 * One of four programs sees the check (user space picks one by probing the
 * kernel): tp_btf or tracepoint on the 6.14+ cap_capable tracepoint, fexit or
 * kprobe+kretprobe on cap_capable() for older kernels.  A denied check's
 * outcome is settled when its syscall returns (sys_exit).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "capdiet/observe/events.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define CAP_OPT_NOAUDIT (1U << 1)
#define EEXIST 17
#define EPERM 1

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#else
#error "capdiet's recorder knows how to read the syscall number on x86 and arm64 only"
#endif

/* Set by user space before load. */
const volatile __s32 nr_capset = -1;       /* -1: not recorded */
const volatile __s32 nr_execve = -1;
const volatile __s32 nr_execveat = -1;
const volatile bool cgroup_scope = false;  /* also record tasks under cgroup_filter */
const volatile bool live = false;          /* send first-seen entries to live_events */
const volatile bool stack_noaudit = false; /* no opts: find noaudit callers on the stack */
const volatile bool track_outcomes = true; /* settle denied checks at sys_exit */
const volatile bool node_wide = false;     /* capdiet observe: every task, by cgroup */
const volatile __u32 self_tgid = 0;        /* node_wide: the observer, not observed */
const volatile __u32 n_noaudit_ranges = 0;
const volatile struct noaudit_range noaudit_ranges[CD_NOAUDIT_RANGES] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct cd_track);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cd_key);
	__type(value, struct cd_count);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cd_evkey);
	__type(value, struct cd_evidence);
} evidence SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct cd_pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct cd_exe);
} exes SEC(".maps");

/*
 * node_wide only: each new cgroup v2's path, taken at its mkdir, so a
 * container that came and went between two reads of the hierarchy is
 * still named.  User space deletes a path once its cgroup is gone; a full
 * map is counted (CD_STAT_LOST_PATH).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct cd_cgpath);
} cgroup_paths SEC(".maps");

/*
 * node_wide only: processes a runtime moved into a cgroup (or forked into
 * one), until they exec.  That is the runtime's own setup in the
 * container's cgroup (runc init mounting, creating devices, dropping
 * capabilities with every capability), not the workload: its checks are
 * not the container's.  A fork inherits the mark.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);   /* the executable it ran when marked */
} setup_tasks SEC(".maps");

__s64 n_setup_tasks = 0; /* while 0, a check skips the setup_tasks lookup */

/*
 * node_wide only (sized 1 otherwise): running totals, read by user space;
 * only a gone cgroup's entries are deleted.  Not preallocated: a deleted
 * element is freed after an RCU grace period, never reused under a program
 * that still holds it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cd_cgkey);
	__type(value, struct cd_cgcount);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} node_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, CD_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Per syscall number: 0, or (enum cd_arg_kind << 8) | argument index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CD_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} path_args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CD_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} live_events SEC(".maps");

/* kprobe method: cap_capable()'s arguments, kept for the kretprobe. */
struct kprobe_args {
	__u32 cap;
	__u32 opts;
	const struct user_namespace *ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct kprobe_args);
} kprobe_calls SEC(".maps");

struct scratch {
	struct cd_evidence evidence;
	struct cd_exe exe;
	struct cd_cgpath cgpath;
	__u64 frames[CD_NOAUDIT_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct cd_syskey);
	__type(value, struct cd_sysevent);
} sysevents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cd_sysevent);
} sysevent_scratch SEC(".maps");

static const struct cd_pending empty_pending = {};

/* Entries in pending: while it is 0, sys_exit has nothing to look up. */
__s64 n_pending = 0;

static __always_inline void stat_add(__u32 index, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &index);

	if (v)
		*v += n;
}

static __always_inline struct scratch *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

static __always_inline __u64 file_exe_id(struct file *file)
{
	__u64 ino = BPF_CORE_READ(file, f_inode, i_ino);
	__u64 dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);

	return ino ^ (dev << 40) ^ (dev >> 24);
}

static __always_inline void live_emit(const struct cd_key *key)
{
	struct cd_live_event *e;

	if (!live)
		return;
	e = bpf_ringbuf_reserve(&live_events, sizeof(*e), 0);
	if (!e)
		return;
	e->key = *key;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void count_add(const struct cd_key *key, __u64 n, __s64 ret)
{
	struct cd_count *c = bpf_map_lookup_elem(&counts, key);
	struct cd_count init = {};
	long err;

	if (c) {
		__sync_fetch_and_add(&c->count, n);
		return;
	}
	init.count = n;
	init.first_ns = bpf_ktime_get_ns();
	init.ret = ret;
	err = bpf_map_update_elem(&counts, key, &init, BPF_NOEXIST);
	if (err == -EEXIST) {
		c = bpf_map_lookup_elem(&counts, key);
		if (c)
			__sync_fetch_and_add(&c->count, n);
		else
			stat_add(CD_STAT_LOST_COUNT, n);
	} else if (err) {
		stat_add(CD_STAT_LOST_COUNT, n);
	} else {
		live_emit(key);
	}
}

static __always_inline unsigned long syscall_arg(struct pt_regs *regs, __u32 index)
{
	switch (index) {
	case 0: return PT_REGS_PARM1_CORE_SYSCALL(regs);
	case 1: return PT_REGS_PARM2_CORE_SYSCALL(regs);
	case 2: return PT_REGS_PARM3_CORE_SYSCALL(regs);
	case 3: return PT_REGS_PARM4_CORE_SYSCALL(regs);
	default: return PT_REGS_PARM5_CORE_SYSCALL(regs);
	}
}

static __always_inline void read_syscall_arg(struct cd_evidence *ev, __s32 nr,
					     struct pt_regs *regs)
{
	__u32 key = nr, *spec, kind;
	unsigned long ptr;
	long n;

	ev->arg_kind = CD_ARG_NONE;
	ev->arg_len = 0;
	if (nr < 0 || nr >= CD_SYSCALL_MAX)
		return;
	spec = bpf_map_lookup_elem(&path_args, &key);
	if (!spec || !*spec)
		return;
	kind = *spec >> 8;
	ptr = syscall_arg(regs, *spec & 0xff);
	if (!ptr)
		return;
	if (kind == CD_ARG_PATH) {
		n = bpf_probe_read_user_str(ev->arg, sizeof(ev->arg), (void *)ptr);
		if (n > 0) {
			ev->arg_kind = CD_ARG_PATH;
			ev->arg_len = n;
		}
	} else if (kind == CD_ARG_SOCKADDR) {
		/* sockaddr_in6 is the largest address a bind needs here. */
		if (!bpf_probe_read_user(ev->arg, 28, (void *)ptr)) {
			ev->arg_kind = CD_ARG_SOCKADDR;
			ev->arg_len = 28;
		}
	}
}

static __always_inline bool stack_shows_noaudit(void *ctx);

/* How deep the user namespace a check targets is: a container's own
 * (rootless Podman, --userns) is not the host's. */
static __always_inline __u32 userns_level(const struct user_namespace *ns)
{
	return ns ? (__u32)BPF_CORE_READ(ns, level) : 0;
}

/*
 * Takes the evidence of a decision the first time its key is seen.  Returns
 * whether that first stack showed a noaudit caller: later denied checks of
 * the same (capability, syscall, executable) reuse the verdict instead of
 * walking the stack again, which cost ~2 us per mmap of a dieting process.
 */
static __always_inline bool record_evidence(void *ctx, const struct cd_key *key,
					    struct pt_regs *regs, __u32 opts,
					    bool has_opts, const struct user_namespace *ns)
{
	struct cd_evkey ek = {
		.exe_id = key->exe_id,
		.syscall = key->syscall,
		.cap = key->cap,
		.denied = key->outcome != CD_OUT_GRANTED,
	};
	struct cd_evidence *ev = bpf_map_lookup_elem(&evidence, &ek);
	struct scratch *s;
	__u64 id;
	long err;

	if (ev)
		return ev->stack_noaudit;
	s = scratch_get();
	if (!s)
		return false;
	ev = &s->evidence;
	id = bpf_get_current_pid_tgid();
	ev->first_ns = bpf_ktime_get_ns();
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->opts = opts;
	ev->has_opts = has_opts;
	/* Read here, once per new key: not on every check of the machine. */
	ev->userns_level = userns_level(ns);
	ev->stack_noaudit = ek.denied && !has_opts && stack_noaudit &&
			    stack_shows_noaudit(ctx);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->stack_id = bpf_get_stackid(ctx, &stacks, 0);
	read_syscall_arg(ev, key->syscall, regs);
	err = bpf_map_update_elem(&evidence, &ek, ev, BPF_NOEXIST);
	if (err && err != -EEXIST)
		stat_add(CD_STAT_LOST_EVIDENCE, 1);
	return ev->stack_noaudit;
}

/* The tracepoint has no opts: a noaudit caller on the stack tells instead. */
static __always_inline bool stack_shows_noaudit(void *ctx)
{
	struct scratch *s = scratch_get();
	long bytes;
	__u32 n;

	if (!s || !n_noaudit_ranges)
		return false;
	bytes = bpf_get_stack(ctx, s->frames, sizeof(s->frames), 0);
	if (bytes <= 0)
		return false;
	n = bytes / sizeof(__u64);
	for (__u32 i = 0; i < CD_NOAUDIT_DEPTH; i++) {
		if (i >= n)
			break;
		for (__u32 j = 0; j < CD_NOAUDIT_RANGES; j++) {
			if (j >= n_noaudit_ranges)
				break;
			if (s->frames[i] >= noaudit_ranges[j].start &&
			    s->frames[i] < noaudit_ranges[j].end)
				return true;
		}
	}
	return false;
}

static __always_inline void pending_add(const struct cd_key *key)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cd_pending *p = bpf_map_lookup_elem(&pending, &tid);
	__u32 n;

	if (!p) {
		if (!bpf_map_update_elem(&pending, &tid, &empty_pending, BPF_NOEXIST))
			__sync_fetch_and_add(&n_pending, 1);
		p = bpf_map_lookup_elem(&pending, &tid);
		if (!p) {
			stat_add(CD_STAT_LOST_PENDING, 1);
			return;
		}
	}
	n = p->n;
	for (__u32 i = 0; i < CD_PENDING_MAX; i++) {
		if (i >= n)
			break;
		if (p->checks[i].key.cap == key->cap &&
		    p->checks[i].key.exe_id == key->exe_id &&
		    p->checks[i].key.syscall == key->syscall) {
			p->checks[i].count++;
			return;
		}
	}
	if (n >= CD_PENDING_MAX) {
		stat_add(CD_STAT_LOST_PENDING, 1);
		return;
	}
	p->checks[n].key = *key;
	p->checks[n].count = 1;
	p->n = n + 1;
}

/* Settles a thread's pending denied checks with its syscall's result. */
static __always_inline void pending_settle(__u32 tid, __u32 outcome, __s64 ret)
{
	struct cd_pending *p = bpf_map_lookup_elem(&pending, &tid);
	struct cd_key key;

	if (!p)
		return;
	for (__u32 i = 0; i < CD_PENDING_MAX; i++) {
		if (i >= p->n)
			break;
		key = p->checks[i].key;
		key.outcome = outcome;
		count_add(&key, p->checks[i].count, ret);
	}
	if (!bpf_map_delete_elem(&pending, &tid))
		__sync_fetch_and_add(&n_pending, -1);
}

/* A task in the observed cgroup that was never tracked: identify its exe. */
static __always_inline bool cgroup_member(__u64 *exe_id)
{
	struct task_struct *task;
	struct file *file;
	struct scratch *s;
	const unsigned char *name;

	if (!cgroup_scope || bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	task = bpf_get_current_task_btf();
	file = BPF_CORE_READ(task, mm, exe_file);
	if (!file)
		return false;
	*exe_id = file_exe_id(file);
	if (bpf_map_lookup_elem(&exes, exe_id))
		return true;
	s = scratch_get();
	if (!s)
		return true;
	/* Only the base name is reachable here; user space finds the path. */
	name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel_str(s->exe.path, sizeof(s->exe.path), name) < 0)
		s->exe.path[0] = '\0';
	bpf_map_update_elem(&exes, exe_id, &s->exe, BPF_NOEXIST);
	return true;
}

/* One atomic add per check: audited is kept only where a check can differ
 * from the key's first (a hook with opts); else it is count or nothing. */
static __always_inline void node_add(struct cd_cgcount *c, bool has_opts, __u32 opts)
{
	__sync_fetch_and_add(&c->count, 1);
	if (has_opts && !(opts & CAP_OPT_NOAUDIT))
		__sync_fetch_and_add(&c->audited, 1);
}

/* A key's first check: whether it is noaudit (opts when the hook has them,
 * else the stack, once), and its process as evidence. */
static __always_inline void node_first(void *ctx, struct cd_cgcount *init, __u32 opts,
				       bool has_opts)
{
	bool noaudit = has_opts ? opts & CAP_OPT_NOAUDIT :
		       stack_noaudit && stack_shows_noaudit(ctx);

	init->count = 1;
	init->audited = has_opts && !noaudit;
	init->noaudit = noaudit;
	init->has_opts = has_opts;
	init->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(init->comm, sizeof(init->comm));
}

/*
 * capdiet observe.  A known entry costs a lookup and one add (two with
 * opts); the stack is looked at only for a key's first check (tp_btf has
 * no opts).
 */
static __always_inline int handle_node_check(void *ctx, int cap, int ret, __u32 opts,
					     bool has_opts)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pt_regs *regs;
	struct cd_cgkey key = {};
	struct cd_cgcount *c, init = {};
	long err;

	if (tgid == self_tgid || (n_setup_tasks > 0 && bpf_map_lookup_elem(&setup_tasks, &tgid)))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	key.cgroup = bpf_get_current_cgroup_id();
	key.syscall = SYSCALL_NR(regs);
	key.cap = cap;
	key.denied = ret != 0;
	c = bpf_map_lookup_elem(&node_counts, &key);
	if (c) {
		node_add(c, has_opts, opts);
		return 0;
	}
	node_first(ctx, &init, opts, has_opts);
	err = bpf_map_update_elem(&node_counts, &key, &init, BPF_NOEXIST);
	if (err == -EEXIST && (c = bpf_map_lookup_elem(&node_counts, &key)))
		node_add(c, has_opts, opts);
	else if (err)
		stat_add(CD_STAT_LOST_NODE, 1);
	return 0;
}

static __always_inline int handle_target_check(void *ctx, int cap, int ret, __u32 opts,
					       bool has_opts, const struct user_namespace *ns)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct cd_track *t = bpf_map_lookup_elem(&tracked, &tgid);
	struct pt_regs *regs;
	struct cd_key key = {};
	struct cd_count *c;
	bool noaudit;

	if (t) {
		if (t->state != CD_TRACK_ACTIVE)
			return 0;
		key.exe_id = t->exe_id;
	} else if (!cgroup_member(&key.exe_id)) {
		return 0;
	}
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	key.syscall = SYSCALL_NR(regs);
	key.cap = cap;
	if (ret == 0) {
		key.outcome = CD_OUT_GRANTED;
		/* The common case, a known entry: one lookup and an add. */
		c = bpf_map_lookup_elem(&counts, &key);
		if (c) {
			__sync_fetch_and_add(&c->count, 1);
			return 0;
		}
		record_evidence(ctx, &key, regs, opts, has_opts, ns);
		count_add(&key, 1, 0);
		return 0;
	}
	key.outcome = CD_OUT_UNKNOWN;
	noaudit = record_evidence(ctx, &key, regs, opts, has_opts, ns);
	if (has_opts)
		noaudit = opts & CAP_OPT_NOAUDIT;
	if (noaudit) {
		key.outcome = CD_OUT_NOAUDIT;
		count_add(&key, 1, 0);
	} else if (!track_outcomes) {
		key.outcome = CD_OUT_UNTRACKED;
		count_add(&key, 1, 0);
	} else if (key.syscall < 0) {
		count_add(&key, 1, 0);
	} else {
		pending_add(&key);
	}
	return 0;
}

static __always_inline int handle_check(void *ctx, int cap, int ret, __u32 opts,
					bool has_opts, const struct user_namespace *ns)
{
	if (node_wide)
		return handle_node_check(ctx, cap, ret, opts, has_opts);
	return handle_target_check(ctx, cap, ret, opts, has_opts, ns);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable_tp_btf, const struct cred *cred,
	     struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return handle_check(ctx, cap, ret, 0, false, target_ns);
}

SEC("tracepoint/capability/cap_capable")
int cap_capable_tracepoint(struct trace_event_raw_cap_capable *ctx)
{
	return handle_check(ctx, ctx->cap, ctx->ret, 0, false, ctx->target_ns);
}

SEC("fexit/cap_capable")
int BPF_PROG(cap_capable_fexit, const struct cred *cred,
	     struct user_namespace *target_ns, int cap, unsigned int opts, int ret)
{
	return handle_check(ctx, cap, ret, opts, true, target_ns);
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(cap_capable_kprobe, const struct cred *cred,
	       struct user_namespace *target_ns, int cap, unsigned int opts)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kprobe_args args = { .cap = cap, .opts = opts,
				    .ns = target_ns };

	bpf_map_update_elem(&kprobe_calls, &tid, &args, BPF_ANY);
	return 0;
}

SEC("kretprobe/cap_capable")
int BPF_KRETPROBE(cap_capable_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct kprobe_args *args = bpf_map_lookup_elem(&kprobe_calls, &tid);
	struct kprobe_args copy;

	if (!args)
		return 0;
	copy = *args;
	bpf_map_delete_elem(&kprobe_calls, &tid);
	return handle_check(ctx, copy.cap, ret, copy.opts, true, copy.ns);
}

static __always_inline bool wants_sysevent(__s32 nr, long ret)
{
	if (nr < 0)
		return false;
	return nr == nr_capset || ((nr == nr_execve || nr == nr_execveat) && ret == -EPERM);
}

#define CAPSET_VERSION_1 0x19980330 /* one 32-bit struct; later versions two */

/* The masks a capset asked for: one or two struct __user_cap_data_struct,
 * as the header's version says. */
static __always_inline void read_capset_masks(struct cd_sysevent *v, struct pt_regs *regs)
{
	__u32 d[6] = {}, version = 0;

	if (bpf_probe_read_user(&version, sizeof(version), (void *)syscall_arg(regs, 0)))
		return;
	if (bpf_probe_read_user(d, version == CAPSET_VERSION_1 ? 3 * sizeof(__u32) : sizeof(d),
				(void *)syscall_arg(regs, 1)))
		return;
	v->asked_effective |= d[0] | (__u64)d[3] << 32;
	v->asked_permitted |= d[1] | (__u64)d[4] << 32;
	v->asked_inheritable |= d[2] | (__u64)d[5] << 32;
}

static __always_inline void read_task_sets(struct cd_sysevent *v)
{
	struct task_struct *task = bpf_get_current_task_btf();
	kernel_cap_t c;

	/* kernel_cap_t is 64 bits whatever its layout (u64, or u32[2] before 6.3). */
	BPF_CORE_READ_INTO(&c, task, cred, cap_permitted);
	__builtin_memcpy(&v->cur_permitted, &c, sizeof(__u64));
	BPF_CORE_READ_INTO(&c, task, cred, cap_bset);
	__builtin_memcpy(&v->cur_bounding, &c, sizeof(__u64));
}

static __always_inline void record_sysevent(struct pt_regs *regs, __s32 nr, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	struct cd_track *t = bpf_map_lookup_elem(&tracked, &tgid);
	struct cd_syskey key = { .syscall = nr, .ret = ret < 0 ? (__s32)ret : 0 };
	struct cd_sysevent *v;

	if (t && t->state == CD_TRACK_ACTIVE)
		key.exe_id = t->exe_id;
	else if (t || !cgroup_member(&key.exe_id))
		return;
	v = bpf_map_lookup_elem(&sysevents, &key);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		if (nr == nr_capset)
			read_capset_masks(v, regs);
		return;
	}
	v = bpf_map_lookup_elem(&sysevent_scratch, &zero);
	if (!v)
		return;
	__builtin_memset(v, 0, sizeof(*v));
	v->count = 1;
	v->first_ns = bpf_ktime_get_ns();
	v->pid = tgid;
	read_task_sets(v);
	if (nr == nr_capset)
		read_capset_masks(v, regs);
	else if (bpf_probe_read_user_str(v->path, sizeof(v->path),
					 (void *)syscall_arg(regs, nr == nr_execve ? 0 : 1)) < 0)
		v->path[0] = '\0';
	if (!bpf_map_update_elem(&sysevents, &key, v, BPF_NOEXIST))
		return;
	/* Another CPU added the same key first: count it there. */
	v = bpf_map_lookup_elem(&sysevents, &key);
	if (v)
		__sync_fetch_and_add(&v->count, 1);
	else
		stat_add(CD_STAT_LOST_COUNT, 1);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 tid;
	__s32 nr = nr_capset >= 0 ? (__s32)SYSCALL_NR(regs) : -1;

	/* capset and refused execs: a load and a few compares per syscall. */
	if (wants_sysevent(nr, ret))
		record_sysevent(regs, nr, ret);

	/* What every syscall of every task pays: one load while nothing is
	 * pending anywhere, one lookup otherwise. */
	if (!n_pending)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (!bpf_map_lookup_elem(&pending, &tid))
		return 0;
	pending_settle(tid, ret < 0 ? CD_OUT_SYSCALL_FAILED : CD_OUT_SYSCALL_OK, ret);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = parent->tgid, child_tgid = child->tgid;
	struct cd_track *t, copy;

	if (parent_tgid == child_tgid)
		return 0; /* a thread: tracked through its tgid already */
	t = bpf_map_lookup_elem(&tracked, &parent_tgid);
	if (!t)
		return 0;
	copy = *t;
	if (bpf_map_update_elem(&tracked, &child_tgid, &copy, BPF_ANY))
		stat_add(CD_STAT_LOST_TRACK, 1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	struct cd_track *t = bpf_map_lookup_elem(&tracked, &tgid);
	struct scratch *s;
	__u64 exe_id;
	bool member;

	/* Cgroup members are not tracked; their exec still names the file. */
	member = !t && cgroup_scope &&
		 bpf_current_task_under_cgroup(&cgroup_filter, 0) == 1;
	if (!t && !member)
		return 0;
	exe_id = file_exe_id(BPF_CORE_READ(bprm, file));
	if (t) {
		t->exe_id = exe_id;
		t->state = CD_TRACK_ACTIVE;
		if (bpf_map_lookup_elem(&exes, &exe_id))
			return 0;
	}
	s = scratch_get();
	if (!s)
		return 0;
	if (bpf_probe_read_kernel_str(s->exe.path, sizeof(s->exe.path),
				      BPF_CORE_READ(bprm, filename)) < 0)
		return 0;
	bpf_map_update_elem(&exes, &exe_id, &s->exe, BPF_ANY);
	return 0;
}

/* node_wide: the path of every new cgroup of the v2 hierarchy (hierarchy 0). */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct scratch *s;
	__u64 id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	s = scratch_get();
	if (!s)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	if (bpf_probe_read_kernel_str(s->cgpath.path, sizeof(s->cgpath.path), path) < 0)
		return 0;
	if (bpf_map_update_elem(&cgroup_paths, &id, &s->cgpath, BPF_ANY))
		stat_add(CD_STAT_LOST_PATH, 1);
	return 0;
}

/* Marks tgid as in setup, running exe (0: its current one). */
static __always_inline void setup_mark(struct task_struct *task, __u64 exe)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct file *file;
	long err;

	if (!exe) {
		file = BPF_CORE_READ(task, mm, exe_file);
		exe = file ? file_exe_id(file) : 0;
	}
	err = bpf_map_update_elem(&setup_tasks, &tgid, &exe, BPF_NOEXIST);

	if (!err)
		__sync_fetch_and_add(&n_setup_tasks, 1);
	else if (err != -EEXIST)
		stat_add(CD_STAT_LOST_SETUP, 1);
}

static __always_inline void setup_unmark(__u32 tgid)
{
	if (!bpf_map_delete_elem(&setup_tasks, &tgid))
		__sync_fetch_and_add(&n_setup_tasks, -1);
}

static __always_inline __u64 task_cgroup(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/*
 * A runtime moves the process it will exec the workload from; a process
 * that moves itself (a shell writing its own pid) is already the workload.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(on_node_attach, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	if (BPF_CORE_READ(dst, root, hierarchy_id) == 0 &&
	    BPF_CORE_READ(task, tgid) != (__u32)(bpf_get_current_pid_tgid() >> 32))
		setup_mark(task, 0);
	return 0;
}

/* An exec of the process's own image again (/proc/self/exe) or of a file
 * descriptor (a runtime's sealed copy of itself, fexecve): not yet the workload. */
static __always_inline bool starts_with(const char *s, const char *prefix, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != prefix[i])
			return false;
	return true;
}

static __always_inline bool exec_of_self(struct linux_binprm *bprm)
{
	char name[16] = {};

	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(bprm, filename));
	return starts_with(name, "/proc/self/exe", 14) || starts_with(name, "/dev/fd/", 8) ||
	       starts_with(name, "/proc/self/fd/", 14);
}

/* A child of a process in setup, or one born into another cgroup (clone3's
 * CLONE_INTO_CGROUP, as crun starts a container). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_node_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = parent->tgid;
	__u64 *exe;

	if (parent_tgid == child->tgid)
		return 0;
	exe = n_setup_tasks > 0 ? bpf_map_lookup_elem(&setup_tasks, &parent_tgid) : NULL;
	if (exe)
		setup_mark(child, *exe);
	else if (task_cgroup(parent) != task_cgroup(child))
		setup_mark(child, 0);
	return 0;
}

/*
 * Setup ends when the process execs another program: the workload.  A
 * runtime that execs itself again (runc's init re-executes its own copy,
 * the same file or a sealed memfd of it) is still setting up.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_node_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	__u64 *exe;

	if (n_setup_tasks <= 0)
		return 0;
	exe = bpf_map_lookup_elem(&setup_tasks, &tgid);
	if (exe && *exe != file_exe_id(BPF_CORE_READ(bprm, file)) && !exec_of_self(bprm))
		setup_unmark(tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_node_exit, struct task_struct *task)
{
	if (n_setup_tasks > 0 && BPF_CORE_READ(task, signal, live.counter) == 0)
		setup_unmark(task->tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tid = task->pid, tgid = task->tgid;

	/* The syscall never returned (exit, or killed in it): outcome unknown. */
	pending_settle(tid, CD_OUT_UNKNOWN, 0);
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}
