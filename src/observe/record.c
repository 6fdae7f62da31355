// SPDX-License-Identifier: MIT
/*
 * The recorder object: opens the BPF side (record_attach.c chooses how),
 * scopes it, and reads its maps back as observations (record_decode.c
 * decodes them).  The order of the recorder's files: record_internal.h.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "capdiet/core/log.h"
#include "capdiet/observe/ksyms.h"
#include "capdiet/observe/record.h"
#include "capdiet/observe/record_decode.h"
#include "capdiet/observe/sysevent.h"
#include "record_internal.h"
#include "recorder.skel.h"

enum attach_method recorder__method(const struct recorder *r)
{
	return r->method;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || log_level() < LOG_DEBUG)
		return 0;
	fputs("capdiet: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/*
 * CAP_BPF+CAP_PERFMON load and attach tracing programs (Linux 5.8+); the
 * kernel falls back to CAP_SYS_ADMIN for both.  Reading kernel addresses
 * (noaudit callers, stacks) is CAP_SYSLOG's, and degrades with a warning.
 */
static bool have_bpf_rights(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t bpf = CAP_CLEAR, perfmon = CAP_CLEAR, admin = CAP_CLEAR;

	if (!caps)
		return false;
	cap_get_flag(caps, CAP_BPF, CAP_EFFECTIVE, &bpf);
	cap_get_flag(caps, CAP_PERFMON, CAP_EFFECTIVE, &perfmon);
	cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
	cap_free(caps);
	return admin == CAP_SET || (bpf == CAP_SET && perfmon == CAP_SET);
}

static int live_event(void *ctx, void *data, size_t size);

static int setup_cgroup(struct recorder *r, const char *path)
{
	__u32 zero = 0;

	r->cgroup_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->cgroup_fd < 0) {
		int err = -errno;

		log_error("cannot open cgroup %s: %s; give a cgroup v2 directory, e.g. "
			  "/sys/fs/cgroup/system.slice/NAME", path, strerror(errno));
		return err;
	}
	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.cgroup_filter), &zero,
				&r->cgroup_fd, BPF_ANY)) {
		int err = -errno;

		log_error("%s is not a cgroup v2 directory (%s)", path, strerror(errno));
		return err;
	}
	return 0;
}

struct recorder *recorder__open(const struct recorder_opts *opts)
{
	struct recorder *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return NULL;
	r->cgroup_fd = -1;
	r->on_first_seen = opts->on_first_seen;
	r->ctx = opts->ctx;
	libbpf_set_print(libbpf_print);
	if (!have_bpf_rights()) {
		log_error("recording needs root (or CAP_BPF+CAP_PERFMON, or CAP_SYS_ADMIN); "
			  "run it with sudo");
		err = -EPERM;
		goto cleanup;
	}
	err = record_attach__choose(r, opts);
	if (!err)
		err = record_args__fill(bpf_map__fd(r->skel->maps.path_args));
	if (!err && opts->cgroup_path)
		err = setup_cgroup(r, opts->cgroup_path);
	if (!err && opts->on_first_seen) {
		r->live = ring_buffer__new(bpf_map__fd(r->skel->maps.live_events),
					   live_event, r, NULL);
		err = r->live ? 0 : -errno;
	}
	if (err)
		goto cleanup;
	return r;
cleanup:
	recorder__free(r);
	errno = -err;
	return NULL;
}

void recorder__free(struct recorder *r)
{
	if (!r)
		return;
	ring_buffer__free(r->live);
	node_table__free(&r->node_seen);
	recorder_bpf__destroy(r->skel);
	ksyms__free(r->ksyms);
	if (r->cgroup_fd >= 0)
		close(r->cgroup_fd);
	free(r);
}

static void recorder__fill_exe(struct recorder *r, struct observation *o)
{
	struct cd_exe exe;

	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.exes), &o->exe_id, &exe)) {
		record_decode__exe(NULL, o);
		return;
	}
	record_decode__exe(&exe, o);
	record_track__complete_exe(o->exe_id, o->exe, sizeof(o->exe));
}

static void recorder__fill_evidence(struct recorder *r, struct observation *o)
{
	struct cd_evkey ek = record_decode__evkey(o);
	__u64 ips[CD_STACK_DEPTH];
	struct cd_evidence ev;
	__u32 stack_id;

	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.evidence), &ek, &ev))
		return;
	record_decode__evidence(&ev, o);
	if (ev.stack_id < 0)
		return;
	stack_id = ev.stack_id;
	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.stacks), &stack_id, ips))
		return;
	record_decode__stack(ips, o);
}

/* A decision with its key decoded: the rest from the maps the key leads to. */
static void recorder__fill(struct recorder *r, struct observation *o)
{
	recorder__fill_exe(r, o);
	recorder__fill_evidence(r, o);
}

static int collect_counts(struct recorder *r, struct observations *out)
{
	int fd = bpf_map__fd(r->skel->maps.counts);
	struct cd_key key, next, *prev = NULL;
	struct cd_count c;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct observation *o;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &c))
			continue;
		o = observations__add(out);
		if (!o)
			return -ENOMEM;
		record_decode__key(&key, o);
		recorder__fill(r, o);
		record_decode__count(&c, o);
	}
	return 0;
}

/* Checks whose syscall has not returned yet (the task is blocked in it):
 * their outcome is unknown. */
static int collect_pending(struct recorder *r, struct observations *out)
{
	int fd = bpf_map__fd(r->skel->maps.pending);
	__u32 tid, next, *prev = NULL;
	struct cd_pending p;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		size_t first = out->n;
		int err;

		tid = next;
		prev = &tid;
		if (bpf_map_lookup_elem(fd, &tid, &p))
			continue;
		err = record_decode__pending(&p, out);
		for (size_t i = first; i < out->n; i++)
			recorder__fill(r, &out->v[i]);
		if (err)
			return err;
	}
	return 0;
}

/* capset and refused execs, which no capability check shows. */
static int collect_sysevents(struct recorder *r, struct observations *out)
{
	int fd = bpf_map__fd(r->skel->maps.sysevents);
	struct cd_syskey key, next, *prev = NULL;
	struct cd_sysevent v;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct observation exe = { .exe_id = next.exe_id };
		int err;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		recorder__fill_exe(r, &exe);
		err = sysevent__decode(&key, &v, exe.exe, out);
		if (err)
			return err;
	}
	return 0;
}

uint64_t recorder__read_stat(struct recorder *r, uint32_t stat)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *values;
	uint64_t total = 0;

	if (ncpu <= 0 || !(values = calloc(ncpu, sizeof(*values))))
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.stats), &stat, values))
		total = record_decode__stat(values, ncpu);
	free(values);
	return total;
}

static void collect_stats(struct recorder *r, struct observations *out)
{
	for (__u32 i = 0; i < CD_STAT_MAX; i++)
		out->lost[i] = recorder__read_stat(r, i);
}

int recorder__collect(struct recorder *r, struct observations *out)
{
	int err = collect_counts(r, out);

	if (!err)
		err = collect_pending(r, out);
	if (!err)
		err = collect_sysevents(r, out);
	collect_stats(r, out);
	return err;
}

static int live_event(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	const struct cd_live_event *e = data;
	struct observations one = { 0 };
	struct observation *o;

	if (size < sizeof(*e) || !r->on_first_seen)
		return 0;
	o = observations__add(&one);
	if (o) {
		record_decode__key(&e->key, o);
		recorder__fill(r, o);
		record_decode__live(e, o);
		r->on_first_seen(o, r->ctx);
	}
	observations__clear(&one);
	return 0;
}

int recorder__poll(struct recorder *r, int timeout_ms)
{
	int n;

	if (!r->live) {
		if (timeout_ms > 0)
			usleep(timeout_ms * 1000);
		return 0;
	}
	n = ring_buffer__poll(r->live, timeout_ms);
	return n < 0 && n != -EINTR ? n : 0;
}

static void clear_map(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	size_t key_size = bpf_map__key_size(map);
	char key[64];

	if (key_size > sizeof(key))
		return;
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key))
			break;
}

int recorder__reset(struct recorder *r)
{
	int fd = bpf_map__fd(r->skel->maps.stats);
	int ncpu = libbpf_num_possible_cpus();
	__u64 *zeros = calloc(ncpu > 0 ? ncpu : 1, sizeof(__u64));

	clear_map(r->skel->maps.tracked);
	clear_map(r->skel->maps.counts);
	clear_map(r->skel->maps.evidence);
	clear_map(r->skel->maps.pending);
	clear_map(r->skel->maps.sysevents);
	r->skel->bss->n_pending = 0;
	clear_map(r->skel->maps.stacks);
	if (!zeros)
		return -ENOMEM;
	for (__u32 i = 0; i < CD_STAT_MAX; i++)
		bpf_map_update_elem(fd, &i, zeros, BPF_ANY);
	free(zeros);
	return 0;
}

const struct ksyms *recorder__ksyms(struct recorder *r)
{
	if (!r->ksyms)
		r->ksyms = ksyms__load();
	return r->ksyms;
}
