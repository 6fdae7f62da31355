// SPDX-License-Identifier: MIT
/*
 * How the recorder hooks cap_capable(): four methods, best first.  Each is
 * probed against the kernel's BTF and tracefs before it is tried, so that
 * a method the kernel cannot do is reported with the reason, not with the
 * verifier's error, and the next one is tried.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/core/log.h"
#include "capdiet/core/timing.h"
#include "capdiet/observe/ksyms.h"
#include "capdiet/observe/noaudit.h"
#include "capdiet/observe/record.h"
#include "capdiet/observe/syscalls.h"
#include "record_internal.h"
#include "recorder.skel.h"

#define N_ORDER (sizeof(order) / sizeof(order[0]))

static const char *const method_names[] = {
	[ATTACH_AUTO] = "auto",
	[ATTACH_TP_BTF] = "tp_btf",
	[ATTACH_TRACEPOINT] = "tracepoint",
	[ATTACH_FEXIT] = "fexit",
	[ATTACH_KPROBE] = "kprobe",
};

/* What auto tries, best first: tracepoints see the check's outcome and
 * cost least; fexit and kprobes work on older kernels. */
static const enum attach_method order[] = {
	ATTACH_TP_BTF, ATTACH_TRACEPOINT, ATTACH_FEXIT, ATTACH_KPROBE,
};

int attach__parse(const char *name, enum attach_method *out)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (!strcmp(name, method_names[i])) {
			*out = (enum attach_method)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *attach__name(enum attach_method m)
{
	return (size_t)m < sizeof(method_names) / sizeof(method_names[0]) ?
		       method_names[m] : "?";
}

static bool tracefs_has_cap_capable(void)
{
	return access("/sys/kernel/tracing/events/capability/cap_capable", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/events/capability/cap_capable", F_OK) == 0;
}

/* Why the kernel cannot do method, or NULL if it looks able to. */
static const char *attach__missing(enum attach_method m, const struct btf *vmlinux)
{
	switch (m) {
	case ATTACH_TP_BTF:
		if (btf__find_by_name_kind(vmlinux, "btf_trace_cap_capable", BTF_KIND_TYPEDEF) < 0)
			return "the kernel has no cap_capable tracepoint (needs Linux 6.14 or later)";
		return NULL;
	case ATTACH_TRACEPOINT:
		if (btf__find_by_name_kind(vmlinux, "btf_trace_cap_capable", BTF_KIND_TYPEDEF) < 0)
			return "the kernel has no cap_capable tracepoint (needs Linux 6.14 or later)";
		if (!tracefs_has_cap_capable())
			return "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)";
		return NULL;
	case ATTACH_FEXIT:
		if (btf__find_by_name_kind(vmlinux, "cap_capable", BTF_KIND_FUNC) < 0)
			return "cap_capable() is not in the kernel's BTF";
		return NULL;
	case ATTACH_KPROBE:
		if (access("/sys/bus/event_source/devices/kprobe", F_OK) != 0)
			return "the kernel has no kprobes (CONFIG_KPROBES is off)";
		return NULL;
	default:
		return "unknown method";
	}
}

static void attach__set_programs(struct recorder_bpf *skel, enum attach_method m)
{
	bpf_program__set_autoload(skel->progs.cap_capable_tp_btf, m == ATTACH_TP_BTF);
	bpf_program__set_autoload(skel->progs.cap_capable_tracepoint, m == ATTACH_TRACEPOINT);
	bpf_program__set_autoload(skel->progs.cap_capable_fexit, m == ATTACH_FEXIT);
	bpf_program__set_autoload(skel->progs.cap_capable_kprobe, m == ATTACH_KPROBE);
	bpf_program__set_autoload(skel->progs.cap_capable_kretprobe, m == ATTACH_KPROBE);
}

static int attach__set_noaudit_ranges(struct recorder *r)
{
	struct recorder_bpf *skel = r->skel;

	if (!r->ksyms)
		r->ksyms = ksyms__load();
	if (!r->ksyms)
		return -errno;
	skel->rodata->n_noaudit_ranges =
		(__u32)noaudit__ranges(r->ksyms, skel->rodata->noaudit_ranges, CD_NOAUDIT_RANGES);
	skel->rodata->stack_noaudit = true;
	return 0;
}

/* Map sizes: maps a run will not use still cost locked memory. */
static void attach__size_maps(struct recorder_bpf *skel, enum attach_method m,
			      const struct recorder_opts *opts)
{
	if (m != ATTACH_KPROBE)
		bpf_map__set_max_entries(skel->maps.kprobe_calls, 1);
	if (!opts->on_first_seen)
		bpf_map__set_max_entries(skel->maps.live_events, getpagesize());
	if (opts->node_wide) {
		/* The per-process maps stay empty: memory charged for nothing. */
		bpf_map__set_max_entries(skel->maps.tracked, 1);
		bpf_map__set_max_entries(skel->maps.counts, 1);
		bpf_map__set_max_entries(skel->maps.evidence, 1);
		bpf_map__set_max_entries(skel->maps.pending, 1);
		bpf_map__set_max_entries(skel->maps.exes, 1);
		bpf_map__set_max_entries(skel->maps.stacks, 1);
		if (opts->max_entries)
			bpf_map__set_max_entries(skel->maps.node_counts, opts->max_entries);
		return;
	}
	bpf_map__set_max_entries(skel->maps.node_counts, 1);
	bpf_map__set_max_entries(skel->maps.cgroup_paths, 1);
	bpf_map__set_max_entries(skel->maps.setup_tasks, 1);
	if (opts->max_entries) {
		bpf_map__set_max_entries(skel->maps.counts, opts->max_entries);
		bpf_map__set_max_entries(skel->maps.evidence, opts->max_entries);
		bpf_map__set_max_entries(skel->maps.exes, opts->max_entries);
	}
}

/* capdiet observe's programs, or the per-process ones: never both. */
static void attach__set_scope(struct recorder_bpf *skel, const struct recorder_opts *opts)
{
	bool node = opts->node_wide;

	skel->rodata->node_wide = node;
	skel->rodata->self_tgid = node ? (__u32)getpid() : 0;
	bpf_program__set_autoload(skel->progs.on_cgroup_mkdir, node);
	/* Node wide, processes are not tracked one by one: the per-process
	 * programs give way to the node's (setup marks, cgroup paths). */
	bpf_program__set_autoload(skel->progs.on_fork, !node);
	bpf_program__set_autoload(skel->progs.on_exec, !node);
	bpf_program__set_autoload(skel->progs.on_exit, !node);
	bpf_program__set_autoload(skel->progs.on_node_attach, node);
	bpf_program__set_autoload(skel->progs.on_node_fork, node);
	bpf_program__set_autoload(skel->progs.on_node_exec, node);
	bpf_program__set_autoload(skel->progs.on_node_exit, node);
}

static int attach__configure(struct recorder *r, enum attach_method m,
			     const struct recorder_opts *opts)
{
	struct recorder_bpf *skel = r->skel;
	int err;

	attach__set_programs(skel, m);
	skel->rodata->live = opts->on_first_seen != NULL;
	skel->rodata->cgroup_scope = opts->cgroup_path != NULL;
	skel->rodata->track_outcomes = !opts->untracked_outcomes;
	attach__set_scope(skel, opts);
	bpf_program__set_autoload(skel->progs.on_sys_exit, !opts->untracked_outcomes);
	if (!opts->untracked_outcomes) {
		skel->rodata->nr_capset = syscalls__number("capset");
		skel->rodata->nr_execve = syscalls__number("execve");
		skel->rodata->nr_execveat = syscalls__number("execveat");
	}
	if (m == ATTACH_TP_BTF || m == ATTACH_TRACEPOINT) {
		err = attach__set_noaudit_ranges(r);
		/* Node wide no syscall's outcome is waited for: without the
		 * noaudit callers every mmap of a process holding SYS_ADMIN
		 * would read as a use of it. */
		if (err && opts->node_wide) {
			log_error("cannot read /proc/kallsyms (%s): observe tells noaudit checks "
				  "by their kernel callers; give it CAP_SYSLOG", strerror(-err));
			return -EPERM;
		}
		if (err)
			log_warn("cannot read /proc/kallsyms (%s): noaudit checks are "
				 "told apart by their syscall's outcome only", strerror(-err));
	}
	attach__size_maps(skel, m, opts);
	return 0;
}

/* One attempt: open, configure, load and attach with method m. */
static int attach__try(struct recorder *r, enum attach_method m,
		       const struct recorder_opts *opts)
{
	int err;

	recorder_bpf__destroy(r->skel);
	r->skel = recorder_bpf__open();
	if (!r->skel)
		return -errno;
	err = attach__configure(r, m, opts);
	if (err) {
		recorder_bpf__destroy(r->skel);
		r->skel = NULL;
		return err;
	}
	timing__mark("configured (kallsyms read for the noaudit ranges)");
	err = recorder_bpf__load(r->skel);
	timing__mark("BPF object loaded (maps created, programs verified)");
	if (!err)
		err = recorder_bpf__attach(r->skel);
	timing__mark("programs attached");
	if (err) {
		recorder_bpf__destroy(r->skel);
		r->skel = NULL;
		return err;
	}
	r->method = m;
	return 0;
}

static const char *attach__strerror(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "the kernel refused it (EPERM)";
	case -ENOENT:
		return "the attach point does not exist (ENOENT)";
	case -EOPNOTSUPP:
		return "not supported by this kernel";
	default:
		return strerror(-err);
	}
}

/* Fills missing[i] with why order[i] cannot work here (NULL: it may). */
static int attach__probe(const char *missing[N_ORDER])
{
	/* CAPDIET_VMLINUX_BTF: lets the tests play a kernel without BTF. */
	const char *btf_path = getenv("CAPDIET_VMLINUX_BTF");
	struct btf *vmlinux = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();

	timing__mark("vmlinux BTF parsed (method probe)");
	if (!vmlinux || libbpf_get_error(vmlinux)) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): capdiet's "
			  "recorder needs a kernel built with CONFIG_DEBUG_INFO_BTF");
		return -ENOTSUP;
	}
	for (size_t i = 0; i < N_ORDER; i++)
		missing[i] = attach__missing(order[i], vmlinux);
	/* libbpf parses its own copy to load: one copy at a time (peak RSS). */
	btf__free(vmlinux);
	return 0;
}

/* Says why m was not used: an error when asked for, else a note. */
static void attach__report_unusable(enum attach_method m, const char *missing,
				    const struct recorder_opts *opts)
{
	if (opts->method != ATTACH_AUTO)
		log_error("--attach=%s cannot be used here: %s", attach__name(m), missing);
	else
		log_info("--attach=%s not usable: %s", attach__name(m), missing);
}

int record_attach__choose(struct recorder *r, const struct recorder_opts *opts)
{
	const char *missing_of[N_ORDER];
	int err = attach__probe(missing_of);

	if (err)
		return err;
	err = -ENOTSUP;
	for (size_t i = 0; i < N_ORDER; i++) {
		enum attach_method m = order[i];
		const char *missing = missing_of[i];

		if (opts->method != ATTACH_AUTO && opts->method != m)
			continue;
		if (!missing) {
			err = attach__try(r, m, opts);
			missing = err ? attach__strerror(err) : NULL;
		}
		if (!missing) {
			log_info("recording with --attach=%s%s", attach__name(m),
				 opts->method == ATTACH_AUTO ? " (first method this kernel supports)" : "");
			break;
		}
		attach__report_unusable(m, missing, opts);
		err = err ? err : -ENOTSUP;
	}
	if (err && opts->method == ATTACH_AUTO)
		log_error("no attach method works on this kernel (tried tp_btf, tracepoint, "
			  "fexit, kprobe; run with -v to see why each failed)");
	return err;
}
