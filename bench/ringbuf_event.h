/* SPDX-License-Identifier: MIT */
/* One capability check as bench/ringbuf.bpf.c sends it to user space. */
#ifndef CAPDIET_BENCH_RINGBUF_EVENT_H
#define CAPDIET_BENCH_RINGBUF_EVENT_H

struct rb_event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__s32 cap;
	__s32 ret;
	char comm[16];
};

#endif
