/* SPDX-License-Identifier: MIT */
/*
 * Reviewed exceptions to the CI gate, beyond the allowlist's own list
 * (check.h): expiry dates, inline capdiet.io/allow annotations, the
 * --baseline file, and --exclude.  Each one is listed in the output with
 * where it was written and why: an exception never hides a finding, and
 * an exclusion never hides a file.
 */
#ifndef CAPDIET_CHECK_EXCEPTIONS_H
#define CAPDIET_CHECK_EXCEPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "capdiet/core/strlist.h"
#include "capdiet/policy/check.h"

struct ydoc_node;
struct ydoc_where;

#define CHECK_ALLOW_ANNOTATION "capdiet.io/allow"
#define CHECK_DATE_LEN 10 /* YYYY-MM-DD */

/* ---- dates (check_allowlist.c) ---- */

/* "YYYY-MM-DD", a real calendar date (2026-02-30 is not). */
bool check_date__valid(const char *s);
/* now's date in UTC, as "YYYY-MM-DD" into out (at least CHECK_DATE_LEN + 1). */
void check_date__today(time_t now, char *out, size_t len);
/*
 * Marks each exception whose expires date is before now's date (UTC) as
 * expired: through the date it names, an exception is live.  cmd_check
 * passes time(NULL); tests pass the day they need.
 */
void check_allowlist__expire(struct check_allowlist *al, time_t now);
/* A new, zeroed exception at the end of al->ex; NULL (ENOMEM). */
struct check_exception *check_allowlist__append(struct check_allowlist *al);
/* Drops the exceptions from n on: a reader that failed halfway leaves nothing. */
void check_allowlist__truncate(struct check_allowlist *al, size_t n);

/* ---- inline annotations (check_inline.c) ---- */

/*
 * What an annotation may allow unless the allowlist says inline_max:
 * every capability but those whose effect reaches past the container's own
 * namespaces and resources (SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_PTRACE,
 * SYS_BOOT, DAC_READ_SEARCH, BPF, PERFMON, NET_ADMIN, MAC_ADMIN,
 * MAC_OVERRIDE, SYSLOG, AUDIT_CONTROL, AUDIT_WRITE, AUDIT_READ, SYS_TIME,
 * WAKE_ALARM, BLOCK_SUSPEND, SYS_NICE, SYS_RESOURCE, SYS_PACCT,
 * SYS_TTY_CONFIG, LINUX_IMMUTABLE; check_inline.c says why for each).
 */
capset_t check_inline__default_max(void);

/*
 * The capdiet.io/allow annotation of a Kubernetes object (its
 * metadata.annotations, or its pod template's) onto the containers
 * inv->v[first..n) read from it; checked for its grammar now, so a
 * malformed one fails the file as any bad input does.  0 or -EINVAL (in
 * where) or -ENOMEM.
 */
int check_inline__k8s(const struct ydoc_where *where, struct check_inventory *inv, size_t first,
		      const struct ydoc_node *obj);
/* The same for a Compose service's labels (a mapping or KEY=VALUE list). */
int check_inline__compose(const struct ydoc_where *where, struct check_container *c,
			  const struct ydoc_node *service);
/*
 * One annotation's items: "CAPS: reason" separated by ';' or newlines,
 * CAPS a comma list of names.  Calls item(caps, reason, ctx) for each;
 * returns 0, the first non-zero item result, or -EINVAL with "FILE:LINE:
 * problem" in err.
 */
int check_inline__parse(const char *note, const char *file, int line, char *err, size_t err_len,
			int (*item)(capset_t caps, const char *reason, void *ctx), void *ctx);
/*
 * Turns the annotations of inv into exceptions of al (origin INLINE, each
 * matching the containers of its own workload only) when al->inline_ok,
 * within al->inline_max and never for a privileged: true container.  What
 * is not honoured, and why, is appended to notices (one line each, once
 * per annotation).  0, -ENOMEM, or -EINVAL (an annotation that does not
 * parse: only when the inventory was not built by check__parse_buffer,
 * which refuses those; the problem is appended to notices).
 */
int check_inline__add_exceptions(struct check_allowlist *al, const struct check_inventory *inv,
				 struct strlist *notices);

/* ---- --baseline (check_baseline.c) ---- */

struct check_baseline_counts {
	size_t recorded;       /* VIOLATION findings written */
	size_t expired;        /* EXPIRED ones: not written, a baseline never renews a review */
};

/*
 * Writes r's VIOLATION findings to path (outfile: temp + rename) as a
 * baseline dated now (UTC): kind, name, container, file and capability (or
 * privileged: true), no line numbers.  0 or -errno.
 */
int check_baseline__write(const struct check_report *r, const char *path, time_t now,
			  struct check_baseline_counts *counts);
/* Reads a baseline and appends each entry to al (origin BASELINE); -EINVAL + err. */
int check_baseline__parse(struct check_allowlist *al, const char *buf, size_t len,
			  const char *file, char *err, size_t err_len);
int check_baseline__load(struct check_allowlist *al, const char *path, char *err,
			 size_t err_len);

/* ---- --exclude (check_exclude.c) ---- */

struct check_exclude {
	const char *const *globs; /* --exclude GLOB, as given */
	size_t n;
	struct strlist paths;  /* every path left out ... */
	struct strlist by;     /* ... and the glob that matched it */
};

/*
 * Whether path (as walked, or a PATH argument) matches a glob: fnmatch
 * without FNM_PATHNAME, so '*' spans directories, tried on the path (a
 * leading "./" dropped) and on its basename.  A match is recorded in x.
 * 0 or -ENOMEM.
 */
int check_exclude__test(struct check_exclude *x, const char *path, bool *excluded);
void check_exclude__clear(struct check_exclude *x);

#endif
