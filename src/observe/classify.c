// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/observe/classify.h"
#include "capdiet/observe/noaudit.h"
#include "capdiet/observe/syscalls.h"

/* Plumbing between the operation and cap_capable(): never the call site. */
static const char *const helpers[] = {
	"cap_capable", "security_capable", "ns_capable", "ns_capable_noaudit",
	"ns_capable_setid", "capable", "has_capability", "has_ns_capability",
	"has_capability_noaudit", "has_ns_capability_noaudit", "file_ns_capable",
	"capable_wrt_inode_uidgid", "privileged_wrt_inode_uidgid",
	"inode_owner_or_capable", "sk_capable", "sk_ns_capable", "sk_net_capable",
	"netlink_capable", "netlink_ns_capable", "__netlink_ns_capable",
	"ns_capable_common", "cap_vm_enough_memory",
};

/* Frames of the tracing machinery itself, above cap_capable. */
static const char *const tracing_prefixes[] = {
	"bpf_", "__bpf_", "__traceiter_", "perf_trace_", "trace_event_raw_event_",
	"trace_call_bpf", "kprobe_", "kretprobe_", "rethook_", "arch_rethook_",
	"__kretprobe_", "ftrace_", "__probestub_", "trace_cap_capable",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

static bool is_tracing_frame(const char *name)
{
	for (size_t i = 0; i < sizeof(tracing_prefixes) / sizeof(tracing_prefixes[0]); i++)
		if (!strncmp(name, tracing_prefixes[i], strlen(tracing_prefixes[i])))
			return true;
	return false;
}

/* Fills call_site and stack_text ("cap_capable <- security_capable <- ..."). */
static void describe_stack(struct observation *o, const char *const *frames, size_t n)
{
	size_t used = 0, shown = 0, first = 0;

	o->call_site[0] = '\0';
	o->stack_text[0] = '\0';
	/* Frames above cap_capable are the tracing machinery. */
	for (size_t i = 0; i < n; i++)
		if (frames[i] && !strcmp(frames[i], "cap_capable"))
			first = i;
	for (size_t i = first; i < n; i++) {
		const char *f = frames[i];

		if (!f || (!shown && is_tracing_frame(f)))
			continue;
		if (!o->call_site[0] && !in_list(f, helpers, sizeof(helpers) / sizeof(helpers[0])))
			snprintf(o->call_site, sizeof(o->call_site), "%s", f);
		if (shown < 10 && used + strlen(f) + 5 < sizeof(o->stack_text))
			used += snprintf(o->stack_text + used, sizeof(o->stack_text) - used,
					 "%s%s", shown ? " <- " : "", f);
		shown++;
	}
}

static void set_class(struct observation *o, enum obs_class c, const char *fmt,
		      const char *a, const char *b)
{
	o->klass = c;
	snprintf(o->reason, sizeof(o->reason), fmt, a, b);
}

const char *classify__errno_name(int64_t ret)
{
	const char *name = ret < 0 && ret > -4096 ? strerrorname_np((int)-ret) : NULL;

	return name ? name : "an error";
}

void classify__one(struct observation *o, const char *const *frames, size_t n)
{
	const char *noaudit = noaudit__caller(frames, n);

	syscalls__name(o->syscall, o->syscall_name, sizeof(o->syscall_name));
	describe_stack(o, frames, n);
	if (o->outcome == CD_OUT_GRANTED)
		set_class(o, OBS_GRANTED, "granted%s%s", "", "");
	else if ((o->noaudit = o->outcome == CD_OUT_NOAUDIT || noaudit))
		set_class(o, OBS_TOLERATED, "noaudit check (%s)%s",
			  noaudit ? noaudit : "CAP_OPT_NOAUDIT", "");
	else if (o->outcome == CD_OUT_SYSCALL_OK)
		set_class(o, OBS_TOLERATED, "denied, but %s succeeded%s", o->syscall_name, "");
	else if (o->outcome == CD_OUT_SYSCALL_FAILED)
		set_class(o, OBS_REQUIRED, "%s failed with %s", o->syscall_name,
			  classify__errno_name(o->ret));
	else if (o->outcome == CD_OUT_UNTRACKED)
		set_class(o, OBS_REQUIRED, "denied while every capability capdiet can give was "
			  "granted (outcome not tracked)%s%s", "", "");
	else if (o->syscall < 0)
		set_class(o, OBS_REQUIRED, "denied outside a syscall%s%s", "", "");
	else
		set_class(o, OBS_REQUIRED, "denied in %s, which never returned (task exited)%s",
			  o->syscall_name, "");
}

void classify__all(struct observations *obs, const struct ksyms *ks)
{
	for (size_t i = 0; i < obs->n; i++) {
		struct observation *o = &obs->v[i];
		const char *frames[CD_STACK_DEPTH];
		size_t n = 0;

		if (o->preclassified)
			continue;
		for (int d = 0; d < o->stack_depth && d < CD_STACK_DEPTH; d++)
			frames[n++] = ks ? ksyms__resolve(ks, o->stack[d], NULL) : NULL;
		classify__one(o, frames, n);
	}
}
