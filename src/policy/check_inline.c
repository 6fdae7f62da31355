// SPDX-License-Identifier: MIT
/*
 * Inline exceptions: a workload's capdiet.io/allow annotation (a Compose
 * service's label), written next to what it excuses.  The manifest's
 * author writes it, so it counts only when the reviewed allowlist says
 * inline_exceptions: true, only up to the allowlist's inline_max, only for
 * that workload, and never for privileged: true.
 *
 * Grammar: items separated by ';' or newlines, each "CAPS: reason" with
 * CAPS a comma list of capability names (as everywhere: any case, CAP_
 * optional), the reason everything after the first ':'.  Blank items are
 * skipped; an item without a reason or with an unknown name is an error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check_exceptions.h"

#define BLANKS " \t\r"

capset_t check_inline__default_max(void)
{
	/*
	 * What an annotation may not allow unless the allowlist's inline_max
	 * says so: every capability whose effect reaches past the container's
	 * own namespaces and resources, to the kernel, the node's clock,
	 * power, logs, devices or scheduler, or other containers.  A reviewer,
	 * not a manifest's author, grants these (in the allowlist).  Allowed
	 * inline, as their effect stays inside: CHOWN, DAC_OVERRIDE, FOWNER,
	 * FSETID, KILL, SETUID, SETGID, SETPCAP, SETFCAP, SYS_CHROOT,
	 * NET_BIND_SERVICE, NET_BROADCAST, NET_RAW (its network namespace),
	 * IPC_OWNER (its IPC namespace), IPC_LOCK (locked pages are charged to
	 * its memory cgroup), MKNOD (the device cgroup decides what a node
	 * opens), LEASE (files it can open) and CHECKPOINT_RESTORE (its PID
	 * namespace).
	 */
	static const char host_level[] =
		"SYS_ADMIN,"       /* mounts, namespaces: most of the kernel's administration */
		"SYS_MODULE,"      /* loads kernel modules */
		"SYS_RAWIO,"       /* raw I/O ports and memory (/dev/mem) */
		"SYS_PTRACE,"      /* other processes' memory, past seccomp */
		"SYS_BOOT,"        /* reboot, kexec_load a new kernel */
		"DAC_READ_SEARCH," /* open_by_handle_at reaches host files ("shocker") */
		"BPF,"             /* loads BPF programs into the kernel */
		"PERFMON,"         /* perf events of the whole system */
		"NET_ADMIN,"       /* the network of a shared or host namespace */
		"MAC_ADMIN,"       /* changes the LSM (AppArmor, SELinux) policy */
		"MAC_OVERRIDE,"    /* bypasses the LSM policy */
		"SYSLOG,"          /* the kernel's log, kernel addresses */
		"AUDIT_CONTROL,"   /* the host's audit rules */
		"AUDIT_WRITE,"     /* records into the host's audit log */
		"AUDIT_READ,"      /* the host's audit log, of every process */
		"SYS_TIME,"        /* sets the node's clock: no namespace has its own */
		"WAKE_ALARM,"      /* timers that wake the node from suspend */
		"BLOCK_SUSPEND,"   /* keeps the node from suspending */
		"SYS_NICE,"        /* real-time scheduling, which CPU limits do not bound */
		"SYS_RESOURCE,"    /* the node's file systems' reserved blocks, over rlimits */
		"SYS_PACCT,"       /* kernel process accounting, written by the kernel */
		"SYS_TTY_CONFIG,"  /* vhangup and the node's virtual terminals */
		"LINUX_IMMUTABLE"; /* immutable files the node's runtime cannot remove */
	capset_t deny = 0;

	if (caps__parse_list(host_level, &deny, NULL, 0))
		return 0; /* a name this build lacks: allow nothing inline rather than guess */
	return caps__all() & ~deny;
}

/* s without leading and trailing blanks, in place. */
static char *trim(char *s)
{
	char *end;

	s += strspn(s, BLANKS);
	end = s + strlen(s);
	while (end > s && strchr(BLANKS, end[-1]))
		*--end = '\0';
	return s;
}

struct item_where {
	const char *file;
	int line;
	char *err;
	size_t err_len;
};

static int item__fail(const struct item_where *w, const char *item, const char *why)
{
	snprintf(w->err, w->err_len,
		 "%s:%d: " CHECK_ALLOW_ANNOTATION " item '%.80s' %s; write 'CAPS: reason', e.g. 'NET_RAW: sends ICMP echo'",
		 w->file, w->line, item, why);
	return -EINVAL;
}

/* One "CAPS: reason" item (trimmed, not empty). */
static int item__parse(const struct item_where *w, char *item,
		       int (*cb)(capset_t caps, const char *reason, void *ctx), void *ctx)
{
	char *colon = strchr(item, ':'), *names, *reason, bad[64] = "";
	capset_t caps = 0;

	if (!colon)
		return item__fail(w, item, "has no reason");
	*colon = '\0';
	names = trim(item);
	reason = trim(colon + 1);
	if (!*reason)
		return item__fail(w, names, "has no reason");
	if (caps__parse_list(names, &caps, bad, sizeof(bad))) {
		snprintf(w->err, w->err_len,
			 "%s:%d: unknown capability '%s' in " CHECK_ALLOW_ANNOTATION
			 "; use a name from capabilities(7), e.g. NET_RAW",
			 w->file, w->line, bad);
		return -EINVAL;
	}
	if (!caps)
		return item__fail(w, names, "names no capability");
	return cb(caps, reason, ctx);
}

int check_inline__parse(const char *note, const char *file, int line, char *err, size_t err_len,
			int (*item)(capset_t caps, const char *reason, void *ctx), void *ctx)
{
	const struct item_where w = { file, line, err, err_len };
	char *copy = strdup(note), *rest, *one;
	int rc = 0, items = 0;

	if (!copy)
		return -ENOMEM;
	rest = copy;
	while (!rc && (one = strsep(&rest, ";\n"))) {
		one = trim(one);
		if (*one) {
			items++;
			rc = item__parse(&w, one, item, ctx);
		}
	}
	free(copy);
	if (!rc && !items) {
		snprintf(err, err_len, "%s:%d: " CHECK_ALLOW_ANNOTATION " is empty; write "
			 "'CAPS: reason', e.g. 'NET_RAW: sends ICMP echo', or remove it", file, line);
		rc = -EINVAL;
	}
	return rc;
}

static int item__ignore(capset_t caps, const char *reason, void *ctx)
{
	(void)caps, (void)reason, (void)ctx;
	return 0;
}

/* Checks the note's grammar and gives it to the containers first..n. */
static int note__attach(const struct ydoc_where *where, struct check_inventory *inv,
			size_t first, const char *note, int line)
{
	int rc = check_inline__parse(note, where->file, line, where->err, where->err_len,
				     item__ignore, NULL);

	for (size_t i = first; !rc && i < inv->n; i++) {
		inv->v[i].allow_note = strdup(note);
		inv->v[i].allow_note_line = line;
		if (!inv->v[i].allow_note)
			rc = -ENOMEM;
	}
	return rc;
}

static int note__not_text(const struct ydoc_where *where, int line)
{
	return ydoc_where__fail(where, line, CHECK_ALLOW_ANNOTATION
				" must be a string such as \"NET_RAW: sends ICMP echo\"");
}

/* Where a workload or its pod template keeps annotations. */
static const char *const annotation_paths[][7] = {
	{ "metadata", "annotations" },
	{ "spec", "template", "metadata", "annotations" },
	{ "spec", "jobTemplate", "spec", "template", "metadata", "annotations" },
	{ "template", "metadata", "annotations" },
};

int check_inline__k8s(const struct ydoc_where *where, struct check_inventory *inv, size_t first,
		      const struct ydoc_node *obj)
{
	const struct ydoc_node *note = NULL;

	for (size_t i = 0; i < sizeof(annotation_paths) / sizeof(annotation_paths[0]); i++) {
		const struct ydoc_node *node = obj;

		for (size_t j = 0; node && annotation_paths[i][j]; j++)
			node = ydoc__get(node, annotation_paths[i][j]);
		node = ydoc__get(node, CHECK_ALLOW_ANNOTATION);
		if (!node)
			continue;
		if (!ydoc__text(node))
			return note__not_text(where, node->line);
		if (note)
			return ydoc_where__fail(where, node->line, CHECK_ALLOW_ANNOTATION
						" is on the workload (line %d) and its pod template: keep one",
						note->line);
		note = node;
	}
	return note ? note__attach(where, inv, first, note->value, note->line) : 0;
}

/* labels: {capdiet.io/allow: ...} or [capdiet.io/allow=...], as Compose takes both. */
int check_inline__compose(const struct ydoc_where *where, struct check_container *c,
			  const struct ydoc_node *service)
{
	static const char prefix[] = CHECK_ALLOW_ANNOTATION "=";
	const struct ydoc_node *labels = ydoc__get(service, "labels"), *node;
	struct check_inventory one = { .v = c, .n = 1 };

	if (!labels)
		return 0;
	if (labels->type == YDOC_MAP) {
		node = ydoc__get(labels, CHECK_ALLOW_ANNOTATION);
		if (node && !ydoc__text(node))
			return note__not_text(where, node->line);
		return node ? note__attach(where, &one, 0, node->value, node->line) : 0;
	}
	node = NULL;
	for (size_t i = 0; labels->type == YDOC_SEQ && i < labels->n; i++) {
		const struct ydoc_node *item = labels->items[i];

		if (item->type != YDOC_SCALAR || strncmp(item->value, prefix, strlen(prefix)))
			continue;
		if (node)
			return ydoc_where__fail(where, item->line, CHECK_ALLOW_ANNOTATION
						" is given twice (line %d too): keep one", node->line);
		node = item;
	}
	return node ? note__attach(where, &one, 0, node->value + strlen(prefix), node->line) : 0;
}

struct inline_ctx {
	struct check_allowlist *al;
	const struct check_container *c; /* the first container of the annotation */
	struct strlist *notices;
};

/* "FILE:LINE: capdiet.io/allow ..." about c's annotation, for stderr. */
static int inline__notice(struct strlist *notices, const struct check_container *c,
			  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int inline__notice(struct strlist *notices, const struct check_container *c,
			  const char *fmt, ...)
{
	char msg[512], line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%d: " CHECK_ALLOW_ANNOTATION " %s", c->file,
		 c->allow_note_line, msg);
	return strlist__add(notices, line);
}

/* What lies beyond inline_max is named and left to the gate. */
static int inline__beyond(const struct inline_ctx *x, capset_t beyond)
{
	char *names = caps__format(beyond, ",", false);
	int rc;

	if (!names)
		return -ENOMEM;
	rc = inline__notice(x->notices, x->c,
			    "ignored for %s: more than the allowlist lets an annotation allow "
			    "(inline_max); add a reviewed exception to the allowlist", names);
	free(names);
	return rc;
}

static int inline__item(capset_t caps, const char *reason, void *ctx)
{
	const struct inline_ctx *x = ctx;
	const struct check_container *c = x->c;
	capset_t beyond = caps & ~x->al->inline_max;
	struct check_exception *ex;
	int rc = beyond ? inline__beyond(x, beyond) : 0;

	if (rc || !(caps & x->al->inline_max))
		return rc;
	ex = check_allowlist__append(x->al);
	if (!ex)
		return -ENOMEM;
	ex->origin = CHECK_FROM_INLINE;
	ex->add = caps & x->al->inline_max;
	ex->line = c->allow_note_line;
	ex->kind = strdup(c->kind);
	ex->name = strdup(c->name);
	ex->file = strdup(c->file);
	ex->reason = strdup(reason);
	return ex->kind && ex->name && ex->file && ex->reason ? 0 : -ENOMEM;
}

/* Whether inv->v[i] carries the same annotation as the container before it. */
static bool inline__seen(const struct check_inventory *inv, size_t i)
{
	const struct check_container *a = &inv->v[i], *b = i ? &inv->v[i - 1] : NULL;

	return b && b->allow_note && b->allow_note_line == a->allow_note_line &&
	       !strcmp(b->file, a->file) && !strcmp(b->kind, a->kind) && !strcmp(b->name, a->name);
}

static int inline__honour(struct check_allowlist *al, const struct check_container *c,
			  struct strlist *notices)
{
	struct inline_ctx x = { al, c, notices };
	char err[512] = "";
	int rc = check_inline__parse(c->allow_note, c->file, c->allow_note_line, err,
				     sizeof(err), inline__item, &x);

	if (rc == -EINVAL && strlist__add(notices, err))
		return -ENOMEM;
	return rc;
}

int check_inline__add_exceptions(struct check_allowlist *al, const struct check_inventory *inv,
				 struct strlist *notices)
{
	int rc = 0;

	for (size_t i = 0; i < inv->n && !rc; i++) {
		const struct check_container *c = &inv->v[i];

		if (!c->allow_note)
			continue;
		if (al->inline_ok && c->privileged)
			rc = inline__notice(notices, c, "cannot excuse privileged: true (%s/%s container %s)",
					    c->kind, c->name, c->container);
		if (rc || inline__seen(inv, i))
			continue;
		if (al->inline_ok)
			rc = inline__honour(al, c, notices);
		else
			rc = inline__notice(notices, c, "ignored: the allowlist does not permit inline "
					    "exceptions (inline_exceptions: true)");
	}
	return rc;
}
