// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Comparison points for bench/run.sh, not part of capdiet.  Same attach
 * point (tp_btf/cap_capable) and scope test (one hash lookup on the tgid) as
 * capdiet's recorder; the loader attaches one of:
 *   ringbuf_cap_capable  the design capdiet does not use: every check sent
 *                        to user space through a ring buffer;
 *   count_cap_capable    the floor of in-kernel aggregation: one counter per
 *                        (capability, verdict) in a hash map, no evidence,
 *                        no syscall outcome.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "ringbuf_event.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct count_key {
	__s32 cap;
	__s32 ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct count_key);
	__type(value, __u64);
} counts SEC(".maps");

/* Events the ring buffer had no room for: what this design loses. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

SEC("tp_btf/cap_capable")
int BPF_PROG(ringbuf_cap_capable, const struct cred *cred,
	     struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, zero = 0;
	struct rb_event *e;
	__u64 *n;

	if (!bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		n = bpf_map_lookup_elem(&dropped, &zero);
		if (n)
			*n += 1;
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = tgid;
	e->tid = (__u32)id;
	e->cap = cap;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(count_cap_capable, const struct cred *cred,
	     struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct count_key key = { .cap = cap, .ret = ret };
	__u64 one = 1, *n;

	if (!bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	n = bpf_map_lookup_elem(&counts, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}
