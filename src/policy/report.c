// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "capdiet/core/text.h"
#include "capdiet/core/user.h"
#include "capdiet/policy/report.h"

/* ---- Markdown helpers ---- */

/*
 * Text for a table cell or a line: '|' would end the cell, a newline the
 * row, and a terminal acts on escape sequences and other control
 * characters, and a reader does not see invisible ones (read from a pod's
 * name, an image, a path): those are written as text__escape writes them
 * ("\x1b"), as is a byte that is not UTF-8.
 */
static void md_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p && *p) {
		char one[TEXT_ESCAPE_MAX + 1], escaped[TEXT_ESCAPE_MAX + 1];
		uint32_t cp = 0;
		size_t n = text__utf8_decode(p, &cp);

		if (*p == '|' || *p == '\n' || *p == '\r') {
			fputs(*p == '|' ? "\\|" : " ", out);
		} else if (n && !text__is_unsafe(cp)) {
			fwrite(p, 1, n, out);
		} else {
			n = n ? n : 1;
			snprintf(one, sizeof(one), "%.*s", (int)n, (const char *)p);
			text__escape(one, escaped, sizeof(escaped));
			fputs(escaped, out);
		}
		p += n;
	}
}

/* An inline code span that survives backticks and table pipes inside s. */
static void md_code(FILE *out, const char *s)
{
	bool tick = s && strchr(s, '`');

	fputs(tick ? "`` " : "`", out);
	md_text(out, s ? s : "");
	fputs(tick ? " ``" : "`", out);
}

static void md_code_list(FILE *out, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		fputs(i ? ", " : "", out);
		md_code(out, l->v[i]);
	}
}

static void md_caps(FILE *out, capset_t set, const char *none)
{
	bool first = true;

	for (int cap = 0; cap < 64; cap++) {
		if (!caps__has(set, cap) || !caps__name(cap))
			continue;
		fputs(first ? "" : ", ", out);
		md_code(out, caps__name(cap));
		first = false;
	}
	if (first)
		fputs(none, out);
}

/* lead, the names in set (none when it is empty), tail. */
static void md_caps_line(FILE *out, const char *lead, capset_t set, const char *none,
			 const char *tail)
{
	fputs(lead, out);
	md_caps(out, set, none);
	fputs(tail, out);
}

/* s (fallback when NULL), then sep, note and end when there is a note. */
static void md_with_note(FILE *out, const char *s, const char *fallback, const char *sep,
			 const char *note, const char *end)
{
	md_text(out, s ? s : fallback);
	if (!note)
		return;
	fputs(sep, out);
	md_text(out, note);
	fputs(end, out);
}

/* One table cell's text ("-" for none) and the bar after it. */
static void md_cell(FILE *out, const char *s)
{
	md_text(out, s ? s : "-");
	fputs(" | ", out);
}

/* The command as one shell-like line: arguments with spaces are quoted. */
static char *report__command_line(const struct strlist *cmd)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < cmd->n; i++) {
		bool quote = !*cmd->v[i] || strpbrk(cmd->v[i], " 	;&|'\"$`<>*?()");

		fprintf(f, quote ? "%s'%s'" : "%s%s", i ? " " : "", cmd->v[i]);
	}
	if (fclose(f) != 0) {
		free(line);
		return NULL;
	}
	return line;
}

static const char *report__name(const struct profile *p)
{
	return p->name && *p->name ? p->name : "unnamed service";
}

static bool report__is_root(const struct profile *p)
{
	return user_spec__is_root(p->user);
}

/* ---- header and warnings ---- */

/* Where it was learned: a container runtime, from a bundle or an image. */
static void report__runtime_row(const struct profile *p, FILE *out)
{
	if (!p->runtime)
		return;
	fputs(" |\n| Runtime | ", out);
	md_text(out, p->runtime);
	if (p->bundle || p->image) {
		fputs(p->bundle ? ", bundle " : ", image ", out);
		md_code(out, p->bundle ? p->bundle : p->image);
	}
}

/* Learned from a systemd unit (run --unit). */
static void report__unit_row(const struct profile *p, FILE *out)
{
	if (!p->unit)
		return;
	fputs(" |\n| Unit | ", out);
	md_code(out, p->unit);
}

static void report__header(const struct profile *p, FILE *out)
{
	char *command = report__command_line(&p->command);

	fputs("# Capability justification: ", out);
	md_text(out, report__name(p));
	fputs("\n\n| | |\n|---|---|\n| Command | ", out);
	md_code(out, command && *command ? command : "(not recorded)");
	fputs(" |\n| Probe | ", out);
	if (p->probe)
		md_code(out, p->probe);
	else
		fputs("none: a batch command, judged by its exit status", out);
	fputs(" |\n| User | ", out);
	if (report__is_root(p))
		fputs("root", out);
	else
		md_code(out, p->user);
	report__runtime_row(p, out);
	report__unit_row(p, out);
	fputs(" |\n| Date | ", out);
	md_text(out, p->date ? p->date : "unknown");
	fputs(" |\n| Kernel | ", out);
	md_text(out, p->kernel ? p->kernel : "unknown");
	fputs(" |\n| capdiet | ", out);
	md_text(out, p->capdiet_version ? p->capdiet_version : "unknown");
	if (p->attach) {
		fputs(" (recorder: ", out);
		md_text(out, p->attach);
		fputc(')', out);
	}
	fprintf(out, " |\n| Complete | %s |\n| Minimized | %s |\n\n",
		p->complete && !p->lost ? "yes" : "**no**",
		p->minimized ? "yes: every capability was removed once to prove it is needed"
			     : "no (run without --no-minimize to prove each capability is needed)");
	free(command);
}

static void report__warnings(const struct profile *p, FILE *out)
{
	if (!p->complete || p->lost)
		fprintf(out, "> **Warning: this profile is incomplete.** The recording was "
			"interrupted or lost %llu capability checks, so a capability the service "
			"needs may be missing. Record it again before relying on it.\n\n",
			(unsigned long long)p->lost);
	if (p->degraded)
		fputs("> **Warning: degraded.** The service was accepted although some of its "
		      "operations failed (--accept-degraded). It may be running with less "
		      "than it needs.\n\n", out);
	if (p->flaky)
		fputs("> **Warning: flaky.** Two runs with the minimum set disagreed (see the "
		      "trials). Run it again, with --before-each to reset state, before "
		      "relying on it.\n\n", out);
	if (p->namespaced)
		fputs("> **Namespaced set.** The needed capabilities marked `user_namespace` "
		      "were checked against the container's own user namespace (rootless "
		      "Podman, `--userns`), where its root is an unprivileged host user and "
		      "the capability reaches only what that namespace owns. A rootful "
		      "deployment (no user namespace) checks the same capability against the "
		      "host's namespace, with power over the whole machine: learn it again "
		      "there before granting it rootful, and prefer keeping the user "
		      "namespace.\n\n", out);
	if (p->unit_excludes)
		md_caps_line(out, "> **Held within the unit's CapabilityBoundingSet=:** every "
			     "trial had at most ", caps__all() & ~p->unit_excludes, "none",
			     ", as systemd holds the service. It can never have more; what the "
			     "unit leaves out was not tried.\n\n");
	if (p->untestable)
		md_caps_line(out, "> **Not tested here:** capdiet itself does not hold ",
			     p->untestable, "", "; the service was denied it and worked without "
			     "it, but a machine that grants it may behave differently.\n\n");
	if (!p->failed_ops.n)
		return;
	fputs("Operations that failed without a capability while the service still did "
	      "its job (phase in parentheses): evidence, not needs. Fix the cause (the "
	      "path's owner or mode) or accept the failure:\n\n", out);
	for (size_t i = 0; i < p->failed_ops.n; i++) {
		fputs("- ", out);
		md_code(out, p->failed_ops.v[i]);
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void report__minimum_set(const struct profile *p, FILE *out)
{
	char *flags = caps__format(p->caps, " --cap-add=", false);

	fputs("## Minimum set\n\n", out);
	if (!p->caps) {
		fputs("**None.** The service works with every capability dropped "
		      "(`--cap-drop=ALL`).\n\n", out);
	} else {
		fprintf(out, "**%d capabilit%s:** ", caps__count(p->caps),
			caps__count(p->caps) == 1 ? "y" : "ies");
		md_caps(out, p->caps, "");
		fprintf(out, "\n\nDocker: `--cap-drop=ALL --cap-add=%s` "
			"(`capdiet export` writes this for other runtimes).\n\n", flags ? flags : "");
	}
	if (p->unnecessary)
		md_caps_line(out, "Removed once and proved unnecessary: ",
			     p->unnecessary, "", ".\n\n");
	free(flags);
}

/* ---- per capability ---- */

static const char *const risk_notes[CAP_LAST_CAP + 1] = {
	[CAP_SYS_ADMIN] = "critical: close to full root; many container escapes start here",
	[CAP_SYS_MODULE] = "critical: loading a kernel module is running code in the kernel",
	[CAP_SYS_RAWIO] = "critical: raw device and memory access bypasses every other control",
	[CAP_SYS_PTRACE] = "high: reads and changes the memory of other processes it can see",
	[CAP_DAC_READ_SEARCH] = "high: reads any file; open_by_handle_at has been used to escape containers",
	[CAP_BPF] = "high: loads BPF programs that can read kernel memory",
	[CAP_PERFMON] = "high: observes the whole system, including kernel addresses",
	[CAP_NET_ADMIN] = "high: reconfigures the network, firewall and routes of its namespace",
	[CAP_MAC_ADMIN] = "high: changes the mandatory access control policy",
	[CAP_MAC_OVERRIDE] = "high: bypasses mandatory access control",
	[CAP_SYS_BOOT] = "high: reboots the machine",
	[CAP_SYS_TIME] = "high: changes the clock of the whole host",
	[CAP_SETFCAP] = "medium: gives capabilities to files, which later run with them",
	[CAP_SETPCAP] = "medium: changes capability sets of itself",
	[CAP_DAC_OVERRIDE] = "medium: reads and writes any file regardless of its permissions",
	[CAP_SETUID] = "medium: becomes any user, including root if it dropped to another user",
	[CAP_SETGID] = "medium: joins any group",
	[CAP_FOWNER] = "medium: changes mode and attributes of files it does not own",
	[CAP_CHOWN] = "medium: takes ownership of any file",
	[CAP_NET_RAW] = "medium: forges packets, sniffs and spoofs on the local network",
	[CAP_MKNOD] = "medium: creates device nodes (limited by the device cgroup)",
	[CAP_FSETID] = "low: keeps set-user-ID bits when modifying files",
	[CAP_KILL] = "low: signals processes of other users in its PID namespace",
	[CAP_SYS_CHROOT] = "low: chroot, mostly used to confine itself",
	[CAP_NET_BIND_SERVICE] = "low: binds ports below 1024; the safest capability to grant",
	[CAP_AUDIT_WRITE] = "low: writes audit records",
	[CAP_SYS_NICE] = "low: raises its priority, can starve other processes",
	[CAP_SYS_RESOURCE] = "medium: exceeds resource limits and quotas",
	[CAP_IPC_LOCK] = "low: locks memory, can exhaust RAM",
};

static const char *report__risk(int cap)
{
	if (cap >= 0 && cap <= CAP_LAST_CAP && risk_notes[cap])
		return risk_notes[cap];
	return "review: not commonly needed by services";
}

static const struct profile_trial *report__trial(const struct profile *p, int index)
{
	for (size_t i = 0; i < p->n_trials; i++)
		if (p->trials[i].index == index)
			return &p->trials[i];
	return NULL;
}

static void report__row_list(FILE *out, const char *label, const struct strlist *l)
{
	if (!l->n)
		return;
	fprintf(out, "| %s | ", label);
	md_code_list(out, l);
	fputs(" |\n", out);
}

static void report__path_line(FILE *out, const struct profile_path *pp)
{
	md_code(out, pp->path);
	if (!pp->exists) {
		fputs(" (did not exist when recorded)", out);
		return;
	}
	fputs(" (owner ", out);
	md_text(out, pp->owner ? pp->owner : "?");
	fputs(", group ", out);
	md_text(out, pp->group ? pp->group : "?");
	fprintf(out, ", mode %04o, ", pp->mode & 07777);
	md_text(out, pp->type ? pp->type : "?");
	fputc(')', out);
}

static void report__evidence_table(const struct profile_evidence *e, FILE *out)
{
	fprintf(out, "| Evidence | |\n|---|---|\n| Checks | %llu |\n",
		(unsigned long long)e->count);
	report__row_list(out, "Syscalls", &e->syscalls);
	report__row_list(out, "Kernel call sites", &e->call_sites);
	report__row_list(out, "Executables", &e->exes);
	report__row_list(out, "Errors without it", &e->errors);
	report__row_list(out, "Arguments", &e->args);
	for (size_t i = 0; i < e->n_paths; i++) {
		fputs(i ? "| | " : "| Paths | ", out);
		report__path_line(out, &e->paths[i]);
		fputs(" |\n", out);
	}
	report__row_list(out, "Kernel stack", &e->stacks);
	fputc('\n', out);
}

static void report__found_in(const struct profile *p, const struct profile_evidence *e,
			     FILE *out)
{
	const struct profile_trial *t = report__trial(p, e->trial);

	if (e->trial < 0) {
		fputs("**Found in:** no trial recorded  \n", out);
		return;
	}
	fprintf(out, "**Found in:** trial %d", e->trial);
	if (t) {
		fputs(" (set tried: ", out);
		md_caps(out, t->caps, "none");
		fputs("; outcome: ", out);
		md_with_note(out, t->outcome, "?", ", ", t->detail, "");
		fputc(')', out);
	}
	fputs("  \n", out);
}

/* ---- advice where the evidence points to it ---- */

static bool report__is_file_cap(int cap)
{
	return cap == CAP_DAC_OVERRIDE || cap == CAP_DAC_READ_SEARCH || cap == CAP_FOWNER ||
	       cap == CAP_CHOWN;
}

/* Whether the service's user owns the file already, by name or number as
 * recorded: then no chown can be the fix. */
static bool report__owns(const struct profile *p, const struct profile_path *pp)
{
	const char *group;
	size_t len;

	if (!pp->exists || !pp->owner)
		return false;
	if (report__is_root(p))
		return user_spec__is_root(pp->owner);
	user_spec__split(p->user, &len, &group);
	return strlen(pp->owner) == len && !strncmp(pp->owner, p->user, len);
}

/* The files someone else owns: give them to the service's user. */
static void report__chown_advice(const struct profile *p, const struct profile_evidence *e,
				 const char *who, FILE *out)
{
	bool any = false;

	for (size_t i = 0; i < e->n_paths; i++)
		any |= e->paths[i].exists && !report__owns(p, &e->paths[i]);
	if (!any)
		return;
	fprintf(out, "**Fix the ownership instead.** The service runs as %s and needed "
		"CAP_%s on files it does not own:\n\n", who, caps__name(e->cap));
	for (size_t i = 0; i < e->n_paths; i++) {
		const struct profile_path *pp = &e->paths[i];

		if (!pp->exists || report__owns(p, pp))
			continue;
		fputs("- ", out);
		report__path_line(out, pp);
		fputs(": `chown ", out);
		md_text(out, who);
		fputc(' ', out);
		md_text(out, pp->path);
		fputs("` (in the image or volume), or run the service as ", out);
		md_code(out, pp->owner ? pp->owner : "its owner");
		fputs(".\n", out);
	}
	fprintf(out, "\nThen CAP_%s can be dropped.\n\n", caps__name(e->cap));
}

/* Why a file capability was needed on a file the service owns, and the fix. */
static const struct {
	int cap;
	const char *why;
	const char *file_mode, *dir_mode; /* chmod that lets the owner; NULL: none does */
} owned_fixes[] = {
	{ CAP_DAC_OVERRIDE, "Their mode denies their owner what it did:", "u+rw", "u+rwx" },
	{ CAP_DAC_READ_SEARCH, "Their mode denies their owner reading or searching them:",
	  "u+r", "u+rx" },
	{ CAP_FOWNER, "The kernel checks FOWNER only for a file system user that is not the "
	  "owner, so the service acted on them as another user (setfsuid, a worker's): give "
	  "that user the files.", NULL, NULL },
	{ CAP_CHOWN, "It gives them to another owner, which takes CHOWN even from their owner: "
	  "create them with that owner in the image or volume, so that a service which leaves "
	  "a right owner alone has nothing to change.", NULL, NULL },
};

/* The files the service's user owns already: a chown would change nothing. */
static void report__owned_advice(const struct profile *p, const struct profile_evidence *e,
				 const char *who, FILE *out)
{
	size_t k = 0, n = sizeof(owned_fixes) / sizeof(owned_fixes[0]);
	bool any = false;

	while (k < n && owned_fixes[k].cap != e->cap)
		k++;
	for (size_t i = 0; i < e->n_paths; i++)
		any |= report__owns(p, &e->paths[i]);
	if (!any || k == n)
		return;
	fprintf(out, "**%s** The service runs as %s and owns these files already, yet needed "
		"CAP_%s. %s\n\n", owned_fixes[k].file_mode ? "Fix the mode instead." :
		"A chown would change nothing.", who, caps__name(e->cap), owned_fixes[k].why);
	for (size_t i = 0; i < e->n_paths; i++) {
		const struct profile_path *pp = &e->paths[i];
		bool dir = pp->type && !strcmp(pp->type, "directory");

		if (!report__owns(p, pp))
			continue;
		fputs("- ", out);
		report__path_line(out, pp);
		if (owned_fixes[k].file_mode) {
			fprintf(out, ": `chmod %s ", dir ? owned_fixes[k].dir_mode : owned_fixes[k].file_mode);
			md_text(out, pp->path);
			fputs("` (in the image or volume)", out);
		}
		fputs(".\n", out);
	}
	if (owned_fixes[k].file_mode)
		fprintf(out, "\nThen CAP_%s can be dropped.", caps__name(e->cap));
	fputs("\n\n", out);
}

static void report__ownership_advice(const struct profile *p, const struct profile_evidence *e,
				     FILE *out)
{
	const char *who = report__is_root(p) ? "root" : p->user;

	report__chown_advice(p, e, who, out);
	report__owned_advice(p, e, who, out);
}

/* Operations that once needed SYS_ADMIN and what is narrower today. */
static const struct {
	const char *op;
	const char *narrower;
} sys_admin_ops[] = {
	{ "mount", "none narrower: declare the mount in the runtime (volume, tmpfs)" },
	{ "umount2", "none narrower: let the runtime manage the mount" },
	{ "pivot_root", "none narrower: leave root switching to the runtime" },
	{ "sethostname", "none narrower: set the hostname in the runtime (--hostname)" },
	{ "setdomainname", "none narrower: set it in the runtime" },
	{ "unshare", "none narrower: unprivileged user namespaces may do instead" },
	{ "setns", "none narrower" },
	{ "perf_event_open", "CAP_PERFMON (Linux 5.8+)" },
	{ "bpf", "CAP_BPF, with CAP_PERFMON for tracing (Linux 5.8+)" },
	{ "syslog", "CAP_SYSLOG" },
	{ "ioprio_set", "CAP_SYS_NICE" },
	{ "quotactl", "none narrower" },
	{ "swapon", "none narrower: a host task, not a service's" },
	{ "security_vm_enough_memory_mm", "none needed: a noaudit overcommit check, harmless when denied" },
};

static void report__sys_admin_advice(const struct profile_evidence *e, FILE *out)
{
	bool header = false;

	fputs("**SYS_ADMIN is the kitchen sink:** it guards mount, namespaces, devices and "
	      "dozens of unrelated operations, and is close to full root. What this service "
	      "actually did with it: ", out);
	if (e->syscalls.n || e->call_sites.n) {
		md_code_list(out, &e->syscalls);
		fputs(e->syscalls.n && e->call_sites.n ? "; in the kernel: " : "", out);
		md_code_list(out, &e->call_sites);
	} else {
		fputs("not recorded", out);
	}
	fputs(".\n\n", out);
	for (size_t i = 0; i < sizeof(sys_admin_ops) / sizeof(sys_admin_ops[0]); i++) {
		if (!strlist__contains(&e->syscalls, sys_admin_ops[i].op) &&
		    !strlist__contains(&e->call_sites, sys_admin_ops[i].op))
			continue;
		if (!header)
			fputs("| Operation | Narrower option |\n|---|---|\n", out);
		header = true;
		fprintf(out, "| `%s` | %s |\n", sys_admin_ops[i].op, sys_admin_ops[i].narrower);
	}
	fputs(header ? "\n" : "No narrower capability is known for these operations; "
			      "consider moving them out of the service (runtime, init container).\n\n",
	      out);
}

static void report__ptrace_advice(FILE *out)
{
	fputs("**Debug containers only.** SYS_PTRACE reads and rewrites the memory of "
	      "every process the service can see. Give it to a short-lived debug container "
	      "(`kubectl debug`, `docker run --pid=container:...`), not to the service.\n\n",
	      out);
}

static void report__network_advice(int cap, FILE *out)
{
	fprintf(out, "**Application containers should not hold %s.** %s Network setup "
		"belongs to the runtime or CNI plugin, or an init container.\n\n",
		caps__name(cap), cap == CAP_NET_RAW
		? "Raw sockets let a compromised service forge packets and spoof ARP or DNS "
		  "on the node's network; ping works without it through ICMP sockets "
		  "(net.ipv4.ping_group_range)."
		: "It reconfigures interfaces, routes and firewall rules, and with host "
		  "networking those of the host.");
}

static void report__worker_user_advice(int cap, FILE *out)
{
	fprintf(out, "**Dropping to a worker user.** %s lets the master process, started "
		"as root, switch its workers to an unprivileged user (setuid/setgid to e.g. "
		"www-data). That drop is worth keeping; the alternative is to start the "
		"service as that user (with NET_BIND_SERVICE for a low port), which needs "
		"neither SETUID nor SETGID.\n\n", caps__name(cap));
}

static void report__cap_advice(const struct profile *p, const struct profile_evidence *e,
			       FILE *out)
{
	if (report__is_file_cap(e->cap))
		report__ownership_advice(p, e, out);
	switch (e->cap) {
	case CAP_SYS_ADMIN:
		report__sys_admin_advice(e, out);
		break;
	case CAP_SYS_PTRACE:
		report__ptrace_advice(out);
		break;
	case CAP_NET_ADMIN:
	case CAP_NET_RAW:
		report__network_advice(e->cap, out);
		break;
	case CAP_SETUID:
	case CAP_SETGID:
		report__worker_user_advice(e->cap, out);
		break;
	default:
		break;
	}
}

static void report__capability(const struct profile *p, const struct profile_evidence *e,
			       FILE *out)
{
	fprintf(out, "### %s\n\n**Unlocks:** %s  \n", caps__name(e->cap) ?: "?",
		caps__describe(e->cap));
	report__found_in(p, e, out);
	if (e->reason || e->klass) {
		fputs("**Why:** ", out);
		md_with_note(out, e->reason, "-", " (", e->klass, ")");
		fputs("  \n", out);
	}
	if (e->user_ns)
		fputs("**Namespace:** checked against the container's own user namespace, "
		      "not the host's  \n", out);
	fprintf(out, "**Risk:** %s\n\n", report__risk(e->cap));
	report__evidence_table(e, out);
	report__cap_advice(p, e, out);
}

static void report__capabilities(const struct profile *p, FILE *out)
{
	capset_t described = 0;

	if (!p->caps && !p->n_needed)
		return;
	fputs("## Why each capability is needed\n\n", out);
	for (size_t i = 0; i < p->n_needed; i++) {
		report__capability(p, &p->needed[i], out);
		described |= CAPSET_BIT(p->needed[i].cap);
	}
	if (p->caps & ~described)
		md_caps_line(out, "No evidence was recorded for: ", p->caps & ~described, "",
			     ". Find out why they are in the profile before granting them.\n\n");
}

/* ---- comparisons and history ---- */

static void report__docker_comparison(const struct profile *p, FILE *out)
{
	capset_t docker = caps__docker_default();
	capset_t dropped = docker & ~p->caps, extra = p->caps & ~docker;

	fprintf(out, "## Compared with Docker's defaults\n\n"
		"Docker grants %d capabilities by default. This profile keeps %d of them and "
		"drops %d: ", caps__count(docker), caps__count(docker & p->caps),
		caps__count(dropped));
	md_caps_line(out, "", dropped, "none", ".\n\n");
	if (extra)
		md_caps_line(out, "Not in Docker's defaults, so they must be added explicitly: ",
			     extra, "", ".\n\n");
}

static void report__observed(const struct profile *p, FILE *out)
{
	fputs("## Observed but not required\n\n", out);
	if (!p->n_observed) {
		fputs("No other capability checks were recorded.\n\n", out);
		return;
	}
	fputs("| Capability | Class | Checks | Why it is not required |\n|---|---|---|---|\n", out);
	for (size_t i = 0; i < p->n_observed; i++) {
		const struct profile_evidence *e = &p->observed[i];

		fprintf(out, "| %s | ", caps__name(e->cap) ?: "?");
		md_cell(out, e->klass);
		fprintf(out, "%llu | ", (unsigned long long)e->count);
		md_text(out, e->reason ? e->reason : "-");
		fputs(" |\n", out);
	}
	fputc('\n', out);
}

static void report__trials(const struct profile *p, FILE *out)
{
	fputs("## Trial history\n\n", out);
	if (!p->n_trials) {
		fputs("No trials were recorded.\n\n", out);
		return;
	}
	fputs("| Trial | Set tried | Outcome | Detail | New required | Seconds |\n"
	      "|---|---|---|---|---|---|\n", out);
	for (size_t i = 0; i < p->n_trials; i++) {
		const struct profile_trial *t = &p->trials[i];

		fprintf(out, "| %d | ", t->index);
		md_caps_line(out, "", t->caps, "none", " | ");
		md_cell(out, t->outcome);
		md_cell(out, t->detail);
		md_caps(out, t->new_required, "-");
		fprintf(out, " | %.2f |\n", t->seconds);
	}
	fputc('\n', out);
}

/* One capability's evidence in a sentence, to start a justification from. */
static void report__evidence_line(int cap, const struct profile_evidence *e, FILE *out)
{
	fprintf(out, "- **%s** (%s): ", caps__name(cap), caps__describe(cap));
	if (!e) {
		fputs("no evidence recorded.\n", out);
		return;
	}
	md_text(out, e->reason ? e->reason : "required");
	if (e->syscalls.n) {
		fputs("; syscalls ", out);
		md_code_list(out, &e->syscalls);
	}
	if (e->exes.n) {
		fputs("; in ", out);
		md_code_list(out, &e->exes);
	}
	fprintf(out, "; %llu check%s.\n", (unsigned long long)e->count,
		e->count == 1 ? "" : "s");
}

static void report__justification(const struct profile *p, FILE *out)
{
	if (caps__count(p->caps) <= REPORT_JUSTIFY_ABOVE)
		return;
	fprintf(out, "## Justification required (more than %d capabilities)\n\n"
		"%s needs %d capabilities. Write one paragraph saying why it cannot run with "
		"fewer. The evidence, to start from:\n\n", REPORT_JUSTIFY_ABOVE,
		report__name(p), caps__count(p->caps));
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(p->caps, cap))
			report__evidence_line(cap, profile__find_needed(p, cap), out);
	fputs("\n> TODO: the justification, by a person who knows the service: why each "
	      "capability above cannot be removed, and what limits the risk.\n\n", out);
}

/* ---- a profile made by capdiet observe ---- */

/* namespace `shop`, workload `web`, pod `web-...`, container `nginx`; or its cgroup. */
static void report__workload_cell(const struct profile_observation *o, FILE *out)
{
	const char *const label[] = { "namespace", "workload", "pod", "container" };
	const char *const value[] = { o->namespace, o->workload, o->pod, o->container };
	bool any = false;

	for (size_t i = 0; i < sizeof(value) / sizeof(value[0]); i++) {
		if (!value[i])
			continue;
		fprintf(out, "%s%s ", any ? ", " : "", label[i]);
		md_code(out, value[i]);
		any = true;
	}
	if (any)
		return;
	if (!o->cgroup) {
		fputs("unknown", out);
		return;
	}
	fputs("cgroup ", out);
	md_code(out, o->cgroup);
}

static void report__nodes_cell(const struct profile_observation *o, FILE *out)
{
	if (!o->n_nodes) {
		md_code(out, o->node);
		return;
	}
	for (size_t i = 0; i < o->n_nodes; i++) {
		fputs(i ? ", " : "", out);
		md_code(out, o->nodes[i].node);
		fprintf(out, " (%llu replica%s)", (unsigned long long)o->nodes[i].replicas,
			o->nodes[i].replicas == 1 ? "" : "s");
	}
}

static void report__observation_header(const struct profile *p, FILE *out)
{
	const struct profile_observation *o = p->observation;

	fputs("# Observed capability use: ", out);
	md_text(out, report__name(p));
	fputs("\n\n| | |\n|---|---|\n| Runtime | ", out);
	md_text(out, o->runtime ? o->runtime : "unknown");
	fputs(" |\n| Workload | ", out);
	report__workload_cell(o, out);
	if (o->image) {
		fputs(" |\n| Image | ", out);
		md_code(out, o->image);
	}
	fputs(o->n_nodes ? " |\n| Nodes | " : " |\n| Node | ", out);
	report__nodes_cell(o, out);
	fputs(" |\n| Window | ", out);
	md_text(out, o->start);
	fputs(" to ", out);
	md_text(out, o->end);
	fprintf(out, " (%.0f s) |\n| Checks seen | %llu |\n| Complete | %s |\n| capdiet | ",
		o->seconds, (unsigned long long)o->checks,
		p->complete && !p->lost ? "yes" : "**no**");
	md_text(out, p->capdiet_version ? p->capdiet_version : "unknown");
	fputs(" |\n\n", out);
}

static void report__observation_caveat(const struct profile_observation *o, FILE *out)
{
	fprintf(out, "> **Observed, not learned.** Observation shows what was used in the "
		"window, not what is needed: a capability used only on a rare path may be "
		"missing, and a trial (`capdiet run`) gives the minimum with evidence. The "
		"longer the window and the more of the service's work it saw, the more the "
		"unused list can be trusted: this one is %.0f seconds with %llu capability "
		"checks.\n\n", o->seconds, (unsigned long long)o->checks);
}

static void report__observation_sets(const struct profile *p, FILE *out)
{
	const struct profile_observation *o = p->observation;
	char *flags = caps__format(o->used, " --cap-add=", false);

	fputs("## Held, used and unused\n\n| | Capabilities |\n|---|---|\n", out);
	md_caps_line(out, "| Held (bounding set of its processes) | ", o->held, "none", " |\n");
	md_caps_line(out, "| Used (granted checks) | ", o->used, "none", " |\n");
	md_caps_line(out, "| Denied (failed checks) | ", o->denied, "none", " |\n");
	md_caps_line(out, "| **Unused: held, never checked; can be dropped** | ", o->unused,
		     "none", " |\n\n");
	if (o->used)
		fprintf(out, "Docker, with what was used in the window: `--cap-drop=ALL "
			"--cap-add=%s` (`capdiet export` writes it for other runtimes).\n\n",
			flags ? flags : "");
	else
		fputs("Nothing was used in the window: `--cap-drop=ALL` is where a trial "
		      "should start.\n\n", out);
	if (p->caps & ~o->used)
		md_caps_line(out, "The profile's set also has ", p->caps & ~o->used, "",
			     ", added to what was observed.\n\n");
	if (o->denied)
		md_caps_line(out, "Denied checks show what the service tried without holding "
			     "it: ", o->denied, "", ". It went on without them here; a trial "
			     "says whether it works as it should.\n\n");
	free(flags);
}

static const char *report__verdict(const struct profile_observation *o, int cap)
{
	if (caps__has(o->used, cap))
		return caps__has(o->denied, cap) ? "used, and denied too" : "used";
	if (caps__has(o->denied, cap))
		return "denied";
	if (caps__has(o->unused, cap))
		return "unused: can be dropped";
	return caps__has(o->held, cap) ? "held" : "checked";
}

static void report__observation_counts(const struct profile_observation *o, FILE *out)
{
	capset_t rows = o->held | o->used | o->denied;

	for (int cap = 0; cap < 64; cap++)
		rows |= o->counts[cap] ? CAPSET_BIT(cap) : 0;
	if (!rows)
		return;
	fputs("## Per capability\n\n| Capability | Held | Checks | In the window |\n"
	      "|---|---|---|---|\n", out);
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(rows, cap))
			fprintf(out, "| %s | %s | %llu | %s |\n", caps__name(cap) ?: "?",
				caps__has(o->held, cap) ? "yes" : "no",
				(unsigned long long)o->counts[cap], report__verdict(o, cap));
	fputc('\n', out);
}

static void report__observation_nodes(const struct profile_observation *o, FILE *out)
{
	if (!o->n_nodes)
		return;
	fputs("## Nodes\n\n| Node | Replicas | Checks | Seconds watched |\n|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < o->n_nodes; i++) {
		fputs("| ", out);
		md_text(out, o->nodes[i].node);
		fprintf(out, " | %llu | %llu | %.0f |\n", (unsigned long long)o->nodes[i].replicas,
			(unsigned long long)o->nodes[i].checks, o->nodes[i].seconds);
	}
	fputc('\n', out);
}

/* The evidence of each used capability, as trace records it: no trial. */
static void report__observation_evidence(const struct profile *p, FILE *out)
{
	if (!p->n_needed)
		return;
	fputs("## Evidence for each used capability\n\n", out);
	for (size_t i = 0; i < p->n_needed; i++) {
		const struct profile_evidence *e = &p->needed[i];

		fprintf(out, "### %s\n\n**Unlocks:** %s  \n**Risk:** %s\n\n",
			caps__name(e->cap) ?: "?", caps__describe(e->cap), report__risk(e->cap));
		report__evidence_table(e, out);
		report__cap_advice(p, e, out);
	}
}

static int report__observation(const struct profile *p, FILE *out)
{
	report__observation_header(p, out);
	report__observation_caveat(p->observation, out);
	report__warnings(p, out);
	report__observation_sets(p, out);
	report__observation_counts(p->observation, out);
	report__observation_nodes(p->observation, out);
	report__observation_evidence(p, out);
	report__docker_comparison(p, out);
	return ferror(out) ? -EIO : 0;
}

int report__write(const struct profile *p, FILE *out)
{
	if (p->observation)
		return report__observation(p, out);
	report__header(p, out);
	report__warnings(p, out);
	report__minimum_set(p, out);
	report__justification(p, out);
	report__capabilities(p, out);
	report__docker_comparison(p, out);
	report__observed(p, out);
	report__trials(p, out);
	return ferror(out) ? -EIO : 0;
}
