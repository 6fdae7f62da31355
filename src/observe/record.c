// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "capdiet/observe/classify.h"
#include "capdiet/observe/ksyms.h"
#include "capdiet/core/log.h"
#include "capdiet/observe/record.h"
#include "capdiet/observe/syscalls.h"
#include "capdiet/core/timing.h"
#include "recorder.skel.h"

struct recorder {
	struct recorder_bpf *skel;
	enum attach_method method;
	struct ring_buffer *live;
	struct ksyms *ksyms;
	int cgroup_fd;
	void (*on_first_seen)(const struct observation *o, void *ctx);
	void *ctx;
};

static const char *const method_names[] = {
	[ATTACH_AUTO] = "auto",
	[ATTACH_TP_BTF] = "tp_btf",
	[ATTACH_TRACEPOINT] = "tracepoint",
	[ATTACH_FEXIT] = "fexit",
	[ATTACH_KPROBE] = "kprobe",
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

/* Root, or CAP_BPF+CAP_PERFMON+CAP_SYS_ADMIN (SYS_ADMIN for tracing
 * programs and reading kernel addresses). */
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
	return admin == CAP_SET && (bpf == CAP_SET || perfmon == CAP_SET);
}

static bool tracefs_has_cap_capable(void)
{
	return access("/sys/kernel/tracing/events/capability/cap_capable", F_OK) == 0 ||
	       access("/sys/kernel/debug/tracing/events/capability/cap_capable", F_OK) == 0;
}

/* Why the kernel cannot do method, or NULL if it looks able to. */
static const char *method_missing(enum attach_method m, const struct btf *vmlinux)
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

static void set_programs(struct recorder_bpf *skel, enum attach_method m)
{
	bpf_program__set_autoload(skel->progs.cap_capable_tp_btf, m == ATTACH_TP_BTF);
	bpf_program__set_autoload(skel->progs.cap_capable_tracepoint, m == ATTACH_TRACEPOINT);
	bpf_program__set_autoload(skel->progs.cap_capable_fexit, m == ATTACH_FEXIT);
	bpf_program__set_autoload(skel->progs.cap_capable_kprobe, m == ATTACH_KPROBE);
	bpf_program__set_autoload(skel->progs.cap_capable_kretprobe, m == ATTACH_KPROBE);
}

static int set_noaudit_ranges(struct recorder *r)
{
	struct recorder_bpf *skel = r->skel;
	__u32 n = 0;

	if (!r->ksyms)
		r->ksyms = ksyms__load();
	if (!r->ksyms)
		return -errno;
	for (size_t i = 0; i < classify__n_noaudit_callers && n < CD_NOAUDIT_RANGES; i++) {
		uint64_t start, end;

		if (ksyms__range(r->ksyms, classify__noaudit_callers[i], &start, &end))
			continue;
		skel->rodata->noaudit_ranges[n].start = start;
		skel->rodata->noaudit_ranges[n].end = end;
		n++;
	}
	skel->rodata->n_noaudit_ranges = n;
	skel->rodata->stack_noaudit = true;
	return 0;
}

static int configure(struct recorder *r, enum attach_method m,
		     const struct recorder_opts *opts)
{
	struct recorder_bpf *skel = r->skel;
	int err;

	set_programs(skel, m);
	skel->rodata->live = opts->on_first_seen != NULL;
	skel->rodata->cgroup_scope = opts->cgroup_path != NULL;
	skel->rodata->track_outcomes = !opts->untracked_outcomes;
	bpf_program__set_autoload(skel->progs.on_sys_exit, !opts->untracked_outcomes);
	if (m == ATTACH_TP_BTF || m == ATTACH_TRACEPOINT) {
		err = set_noaudit_ranges(r);
		if (err)
			log_warn("cannot read /proc/kallsyms (%s): noaudit checks are "
				 "told apart by their syscall's outcome only", strerror(-err));
	}
	/* Maps a run will not use still cost locked memory: keep them tiny. */
	if (m != ATTACH_KPROBE)
		bpf_map__set_max_entries(skel->maps.kprobe_calls, 1);
	if (!opts->on_first_seen)
		bpf_map__set_max_entries(skel->maps.live_events, getpagesize());
	if (opts->max_entries) {
		bpf_map__set_max_entries(skel->maps.counts, opts->max_entries);
		bpf_map__set_max_entries(skel->maps.evidence, opts->max_entries);
		bpf_map__set_max_entries(skel->maps.exes, opts->max_entries);
	}
	return 0;
}

/* One attempt: open, configure, load and attach with method m. */
static int try_method(struct recorder *r, enum attach_method m,
		      const struct recorder_opts *opts)
{
	int err;

	recorder_bpf__destroy(r->skel);
	r->skel = recorder_bpf__open();
	if (!r->skel)
		return -errno;
	err = configure(r, m, opts);
	timing__mark("configured (kallsyms read for the noaudit ranges)");
	if (!err)
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

static const char *attach_error(int err)
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

static int choose_method(struct recorder *r, const struct recorder_opts *opts)
{
	static const enum attach_method order[] = {
		ATTACH_TP_BTF, ATTACH_TRACEPOINT, ATTACH_FEXIT, ATTACH_KPROBE,
	};
	/* CAPDIET_VMLINUX_BTF: lets the tests play a kernel without BTF. */
	const char *btf_path = getenv("CAPDIET_VMLINUX_BTF");
	struct btf *vmlinux = btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
	const char *missing_of[sizeof(order) / sizeof(order[0])];
	int err = -ENOTSUP;

	timing__mark("vmlinux BTF parsed (method probe)");
	if (!vmlinux || libbpf_get_error(vmlinux)) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): capdiet's "
			  "recorder needs a kernel built with CONFIG_DEBUG_INFO_BTF");
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		missing_of[i] = method_missing(order[i], vmlinux);
	/* libbpf parses its own copy to load: one copy at a time (peak RSS). */
	btf__free(vmlinux);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum attach_method m = order[i];
		const char *missing = missing_of[i];

		if (opts->method != ATTACH_AUTO && opts->method != m)
			continue;
		if (!missing) {
			err = try_method(r, m, opts);
			missing = err ? attach_error(err) : NULL;
		}
		if (!missing) {
			log_info("recording with --attach=%s%s", attach__name(m),
				 opts->method == ATTACH_AUTO ? " (first method this kernel supports)" : "");
			break;
		}
		if (opts->method != ATTACH_AUTO)
			log_error("--attach=%s cannot be used here: %s", attach__name(m), missing);
		else
			log_info("--attach=%s not usable: %s", attach__name(m), missing);
		err = err ? err : -ENOTSUP;
	}
	if (err && opts->method == ATTACH_AUTO)
		log_error("no attach method works on this kernel (tried tp_btf, tracepoint, "
			  "fexit, kprobe; run with -v to see why each failed)");
	return err;
}

static int fill_path_args(struct recorder *r)
{
	static const struct { const char *name; __u32 kind, index; } table[] = {
		{ "open", CD_ARG_PATH, 0 }, { "openat", CD_ARG_PATH, 1 },
		{ "openat2", CD_ARG_PATH, 1 }, { "creat", CD_ARG_PATH, 0 },
		{ "chown", CD_ARG_PATH, 0 }, { "lchown", CD_ARG_PATH, 0 },
		{ "fchownat", CD_ARG_PATH, 1 }, { "chmod", CD_ARG_PATH, 0 },
		{ "fchmodat", CD_ARG_PATH, 1 }, { "fchmodat2", CD_ARG_PATH, 1 },
		{ "mkdir", CD_ARG_PATH, 0 }, { "mkdirat", CD_ARG_PATH, 1 },
		{ "mknod", CD_ARG_PATH, 0 }, { "mknodat", CD_ARG_PATH, 1 },
		{ "unlink", CD_ARG_PATH, 0 }, { "unlinkat", CD_ARG_PATH, 1 },
		{ "rmdir", CD_ARG_PATH, 0 }, { "rename", CD_ARG_PATH, 0 },
		{ "renameat", CD_ARG_PATH, 1 }, { "renameat2", CD_ARG_PATH, 1 },
		{ "link", CD_ARG_PATH, 0 }, { "linkat", CD_ARG_PATH, 1 },
		{ "symlink", CD_ARG_PATH, 1 }, { "symlinkat", CD_ARG_PATH, 2 },
		{ "truncate", CD_ARG_PATH, 0 }, { "utime", CD_ARG_PATH, 0 },
		{ "utimes", CD_ARG_PATH, 0 }, { "utimensat", CD_ARG_PATH, 1 },
		{ "execve", CD_ARG_PATH, 0 }, { "execveat", CD_ARG_PATH, 1 },
		{ "chdir", CD_ARG_PATH, 0 }, { "chroot", CD_ARG_PATH, 0 },
		{ "mount", CD_ARG_PATH, 1 }, { "umount2", CD_ARG_PATH, 0 },
		{ "access", CD_ARG_PATH, 0 }, { "faccessat", CD_ARG_PATH, 1 },
		{ "faccessat2", CD_ARG_PATH, 1 }, { "stat", CD_ARG_PATH, 0 },
		{ "lstat", CD_ARG_PATH, 0 }, { "newfstatat", CD_ARG_PATH, 1 },
		{ "statx", CD_ARG_PATH, 1 }, { "setxattr", CD_ARG_PATH, 0 },
		{ "lsetxattr", CD_ARG_PATH, 0 }, { "removexattr", CD_ARG_PATH, 0 },
		{ "lremovexattr", CD_ARG_PATH, 0 }, { "readlink", CD_ARG_PATH, 0 },
		{ "readlinkat", CD_ARG_PATH, 1 }, { "swapon", CD_ARG_PATH, 0 },
		{ "pivot_root", CD_ARG_PATH, 0 }, { "acct", CD_ARG_PATH, 0 },
		{ "name_to_handle_at", CD_ARG_PATH, 1 }, { "quotactl", CD_ARG_PATH, 1 },
		{ "bind", CD_ARG_SOCKADDR, 1 }, { "connect", CD_ARG_SOCKADDR, 1 },
	};
	int fd = bpf_map__fd(r->skel->maps.path_args);

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int nr = syscalls__number(table[i].name);
		__u32 key, value = table[i].kind << 8 | table[i].index;

		if (nr < 0 || nr >= CD_SYSCALL_MAX)
			continue; /* not a syscall on this architecture */
		key = nr;
		if (bpf_map_update_elem(fd, &key, &value, BPF_ANY))
			return -errno;
	}
	return 0;
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
		log_error("recording needs root (or CAP_BPF+CAP_PERFMON+CAP_SYS_ADMIN); "
			  "run it with sudo");
		err = -EPERM;
		goto cleanup;
	}
	err = choose_method(r, opts);
	if (!err)
		err = fill_path_args(r);
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
	recorder_bpf__destroy(r->skel);
	ksyms__free(r->ksyms);
	if (r->cgroup_fd >= 0)
		close(r->cgroup_fd);
	free(r);
}

/* The id the BPF side computes from the kernel's inode and s_dev. */
static __u64 exe_id_of(const struct stat *st)
{
	__u64 dev = ((__u64)major(st->st_dev) << 20) | minor(st->st_dev);

	return (__u64)st->st_ino ^ (dev << 40) ^ (dev >> 24);
}

static int track(struct recorder *r, pid_t pid, __u32 state, __u64 exe_id)
{
	struct cd_track t = { .exe_id = exe_id, .state = state };
	__u32 key = pid;

	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.tracked), &key, &t, BPF_ANY))
		return -errno;
	return 0;
}

int recorder__track_exec(struct recorder *r, pid_t pid)
{
	return track(r, pid, CD_TRACK_WAIT_EXEC, 0);
}

/* Tracks one running process as it is now: its exe read from /proc. */
static int track_running(struct recorder *r, pid_t pid)
{
	struct cd_exe exe = { 0 };
	char link[64];
	struct stat st;
	__u64 id;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (stat(link, &st))
		return -errno;
	id = exe_id_of(&st);
	n = readlink(link, exe.path, sizeof(exe.path) - 1);
	if (n > 0)
		bpf_map_update_elem(bpf_map__fd(r->skel->maps.exes), &id, &exe, BPF_NOEXIST);
	return track(r, pid, CD_TRACK_ACTIVE, id);
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %d", &ppid);
	fclose(f);
	return ppid;
}

static bool descends_from(pid_t pid, pid_t root)
{
	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (pid == root)
			return true;
		pid = parent_of(pid);
	}
	return false;
}

int recorder__track_pid(struct recorder *r, pid_t pid)
{
	struct dirent *de;
	DIR *proc;
	int err = track_running(r, pid);

	if (err)
		return err;
	/* Children forked from now on are tracked by the kernel side; those
	 * that exist already are found by walking /proc once. */
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		pid_t p = atoi(de->d_name);

		if (p > 0 && p != pid && descends_from(p, pid))
			track_running(r, p);
	}
	closedir(proc);
	return 0;
}

static void format_sockaddr(const __u8 *raw, char *out, size_t len)
{
	sa_family_t family;
	char addr[INET6_ADDRSTRLEN] = "?";

	memcpy(&family, raw, sizeof(family));
	if (family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, raw, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
		snprintf(out, len, "%s:%u", addr, ntohs(sin.sin_port));
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, raw, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, addr, sizeof(addr));
		snprintf(out, len, "[%s]:%u", addr, ntohs(sin6.sin6_port));
	} else if (family == AF_UNIX) {
		snprintf(out, len, "unix:%.*s", CD_ARG_MAX - 2, (const char *)raw + 2);
	} else {
		snprintf(out, len, "family %u", family);
	}
}

static void fill_evidence(struct recorder *r, struct observation *o)
{
	struct cd_evkey ek = {
		.exe_id = o->exe_id, .syscall = o->syscall, .cap = o->cap,
		.denied = o->outcome != CD_OUT_GRANTED,
	};
	struct cd_evidence ev;
	__u32 stack_id;

	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.evidence), &ek, &ev))
		return;
	o->pid = ev.pid;
	o->opts = ev.opts;
	o->has_opts = ev.has_opts;
	memcpy(o->comm, ev.comm, sizeof(o->comm));
	o->comm[sizeof(o->comm) - 1] = '\0';
	o->arg_kind = ev.arg_kind;
	if (ev.arg_kind == CD_ARG_PATH)
		snprintf(o->arg, sizeof(o->arg), "%.*s", CD_ARG_MAX, (const char *)ev.arg);
	else if (ev.arg_kind == CD_ARG_SOCKADDR)
		format_sockaddr(ev.arg, o->arg, sizeof(o->arg));
	if (ev.stack_id < 0)
		return;
	stack_id = ev.stack_id;
	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.stacks), &stack_id, o->stack))
		return;
	while (o->stack_depth < CD_STACK_DEPTH && o->stack[o->stack_depth])
		o->stack_depth++;
}

/* A base name from the cgroup scope: find the full path of a live process
 * running the same file. */
static void resolve_exe(__u64 exe_id, char *path, size_t len)
{
	struct dirent *de;
	DIR *proc;

	if (path[0] == '/' || !(proc = opendir("/proc")))
		return;
	while ((de = readdir(proc))) {
		char link[300], target[OBS_TEXT_MAX];
		struct stat st;
		ssize_t n;

		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
		if (stat(link, &st) || exe_id_of(&st) != exe_id)
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			snprintf(path, len, "%s", target);
			break;
		}
	}
	closedir(proc);
}

/* execve("./prog"): the kernel keeps the path as given. */
static void absolute_exe(__u64 exe_id, char *path, size_t len)
{
	char *abs;
	struct stat st;

	if (path[0] == '/' || !strchr(path, '/') || !(abs = realpath(path, NULL)))
		return;
	if (!stat(abs, &st) && exe_id_of(&st) == exe_id)
		snprintf(path, len, "%s", abs);
	free(abs);
}

static void fill_exe(struct recorder *r, struct observation *o)
{
	struct cd_exe exe;

	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.exes), &o->exe_id, &exe)) {
		snprintf(o->exe, sizeof(o->exe), "?");
		return;
	}
	snprintf(o->exe, sizeof(o->exe), "%.*s", CD_EXE_MAX, exe.path);
	absolute_exe(o->exe_id, o->exe, sizeof(o->exe));
	resolve_exe(o->exe_id, o->exe, sizeof(o->exe));
}

static struct observation *add_observation(struct recorder *r, struct observations *out,
					   const struct cd_key *key)
{
	struct observation *o = observations__add(out);

	if (!o)
		return NULL;
	o->cap = key->cap;
	o->outcome = key->outcome;
	o->syscall = key->syscall;
	o->exe_id = key->exe_id;
	fill_exe(r, o);
	fill_evidence(r, o);
	return o;
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
		o = add_observation(r, out, &key);
		if (!o)
			return -ENOMEM;
		o->count = c.count;
		o->first_ns = c.first_ns;
		o->ret = c.ret;
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
		tid = next;
		prev = &tid;
		if (bpf_map_lookup_elem(fd, &tid, &p))
			continue;
		for (__u32 i = 0; i < p.n && i < CD_PENDING_MAX; i++) {
			struct cd_key key = p.checks[i].key;
			struct observation *o;

			key.outcome = CD_OUT_UNKNOWN;
			o = add_observation(r, out, &key);
			if (!o)
				return -ENOMEM;
			o->count = p.checks[i].count;
		}
	}
	return 0;
}

static void collect_stats(struct recorder *r, struct observations *out)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(r->skel->maps.stats);
	__u64 *values;

	if (ncpu <= 0 || !(values = calloc(ncpu, sizeof(*values))))
		return;
	for (__u32 i = 0; i < CD_STAT_MAX; i++) {
		out->lost[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, values))
			continue;
		for (int c = 0; c < ncpu; c++)
			out->lost[i] += values[c];
	}
	free(values);
}

int recorder__collect(struct recorder *r, struct observations *out)
{
	int err = collect_counts(r, out);

	if (!err)
		err = collect_pending(r, out);
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
	o = add_observation(r, &one, &e->key);
	if (o) {
		o->count = 1;
		o->pid = e->pid;
		memcpy(o->comm, e->comm, sizeof(o->comm));
		o->comm[sizeof(o->comm) - 1] = '\0';
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
