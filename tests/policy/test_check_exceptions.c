// SPDX-License-Identifier: MIT
/*
 * Reviewed exceptions to the gate: expires dates judged against an
 * injected today, the first matching exception deciding, stale ones,
 * inline capdiet.io/allow annotations (permitted, not, malformed, beyond
 * inline_max, on a privileged container), the baseline written and read
 * back, and --exclude.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"

#define BIT(c) CAPSET_BIT(c)

static char err[512];

/* 2026-03-01 at the given hour, UTC. */
static time_t day_2026_03_01(int hour)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 2, .tm_mday = 1, .tm_hour = hour };

	return timegm(&tm);
}

static struct check_allowlist *allowlist_ok(const char *yaml)
{
	struct check_allowlist *al = check_allowlist__parse(yaml, strlen(yaml), "al.yaml", err,
							    sizeof(err));

	if (!al)
		fail_msg("allowlist refused: %s", err);
	return al;
}

/* The allowlist is refused with an error that starts with prefix and names needle. */
static void allowlist_fails(const char *yaml, const char *prefix, const char *needle)
{
	err[0] = '\0';
	assert_null(check_allowlist__parse(yaml, strlen(yaml), "al.yaml", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, needle))
		fail_msg("error '%s' does not start with '%s' and name '%s'", err, prefix, needle);
}

static struct check_inventory parse_ok(const char *yaml, const char *file)
{
	struct check_inventory inv = { 0 };

	if (check__parse_buffer(&inv, yaml, strlen(yaml), file, err, sizeof(err)))
		fail_msg("parse of %s failed: %s", file, err);
	return inv;
}

static void parse_fails(const char *yaml, const char *prefix, const char *needle)
{
	struct check_inventory inv = { 0 };

	err[0] = '\0';
	assert_int_equal(check__parse_buffer(&inv, yaml, strlen(yaml), "m.yaml", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(inv.n, 0);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, needle))
		fail_msg("error '%s' does not start with '%s' and name '%s'", err, prefix, needle);
	check_inventory__clear(&inv);
}

/* The one finding of r about cap (or privileged) of the container named name. */
static const struct check_violation *finding(const struct check_report *r, const char *name,
					     int cap)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].container->name, name) && r->v[i].cap == cap)
			return &r->v[i];
	fail_msg("no finding for %s capability %d", name, cap);
	return NULL;
}

static const char two_deployments[] =
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
	"spec: {template: {spec: {containers: [{name: app, securityContext: "
	"{capabilities: {drop: [ALL], add: [NET_RAW, SETUID]}}}]}}}\n"
	"---\n"
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db}\n"
	"spec: {template: {spec: {containers: [{name: pg, securityContext: "
	"{capabilities: {drop: [ALL], add: [NET_RAW]}}}]}}}\n";

static void test_expires_dates(void **state)
{
	static const char *const good[] = { "2026-12-31", "2024-02-29", "2000-02-29", "0001-01-01" };
	static const char *const bad[] = { "2026-02-30", "2025-02-29", "1900-02-29", "2026-13-01",
					   "2026-00-10", "2026-04-31", "2026-1-01", "26-01-01",
					   "2026/01/01", "tomorrow", "2026-01-01T00:00", "0000-01-01" };
	char yaml[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct check_allowlist *al;

		assert_true(check_date__valid(good[i]));
		snprintf(yaml, sizeof(yaml),
			 "exceptions:\n  - add: [NET_RAW]\n    reason: ping\n    expires: %s\n", good[i]);
		al = allowlist_ok(yaml);
		assert_string_equal(al->ex[0].expires, good[i]);
		assert_string_equal(al->ex[0].file, "al.yaml");
		assert_int_equal(al->ex[0].line, 2);
		check_allowlist__free(al);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(check_date__valid(bad[i]));
		snprintf(yaml, sizeof(yaml),
			 "exceptions:\n  - add: [NET_RAW]\n    reason: ping\n    expires: %s\n", bad[i]);
		allowlist_fails(yaml, "al.yaml:4: expires must be a date as YYYY-MM-DD", bad[i]);
	}
	allowlist_fails("exceptions:\n  - add: [NET_RAW]\n    reason: ping\n    expires: [2026-01-01]\n",
			"al.yaml:4: expires must be a date", "sequence");
	allowlist_fails("exceptions:\n  - add: [NET_RAW]\n    reason: ping\n    expires:\n",
			"al.yaml:4: expires must be a date", "");
	allowlist_fails("exceptions:\n  - add: [NET_RAW]\n    reason: ping\n    expire: 2026-01-01\n",
			"al.yaml:4: unknown key 'expire' in an exception", "expires");
}

static void test_today_utc(void **state)
{
	char today[CHECK_DATE_LEN + 1];

	(void)state;
	check_date__today(day_2026_03_01(0), today, sizeof(today));
	assert_string_equal(today, "2026-03-01");
	check_date__today(day_2026_03_01(0) - 1, today, sizeof(today));
	assert_string_equal(today, "2026-02-28");
}

/* Live through the day it names, expired the day after, in UTC. */
static void test_expired_and_live(void **state)
{
	struct check_inventory inv = parse_ok(two_deployments, "m.yaml");
	struct check_allowlist *al = allowlist_ok(
		"exceptions:\n"
		"  - {name: web, add: [NET_RAW, SETUID], reason: ping, expires: 2026-03-01}\n"
		"  - {name: db, add: [NET_RAW], reason: health checks}\n");
	const struct check_violation *v;
	struct check_report r;

	(void)state;
	check_allowlist__expire(al, day_2026_03_01(23));
	assert_false(al->ex[0].expired);
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n_failing, 0);
	assert_int_equal(r.n_excepted, 3);
	check_report__clear(&r);

	check_allowlist__expire(al, day_2026_03_01(24));
	assert_true(al->ex[0].expired);
	assert_false(al->ex[1].expired);
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n_failing, 2);
	v = finding(&r, "web", CAP_NET_RAW);
	assert_int_equal(v->outcome, CHECK_EXPIRED);
	assert_ptr_equal(v->exception, &al->ex[0]);
	assert_string_equal(v->exception->expires, "2026-03-01");
	assert_int_equal(finding(&r, "web", CAP_SETUID)->outcome, CHECK_EXPIRED);
	assert_int_equal(finding(&r, "db", CAP_NET_RAW)->outcome, CHECK_EXCEPTED);
	assert_int_equal(r.n_stale, 0);
	check_report__clear(&r);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

/* The first exception that matches and adds the capability decides, expired or not. */
static void test_first_match_decides(void **state)
{
	static const char *const orders[] = {
		"exceptions:\n"
		"  - {name: web, add: [SETUID], reason: su}\n"
		"  - {name: web, add: [NET_RAW], reason: old ping, expires: 2020-01-01}\n"
		"  - {kind: Deployment, add: [NET_RAW], reason: every deployment pings}\n",
		"exceptions:\n"
		"  - {name: web, add: [SETUID], reason: su}\n"
		"  - {kind: Deployment, add: [NET_RAW], reason: every deployment pings}\n"
		"  - {name: web, add: [NET_RAW], reason: old ping, expires: 2020-01-01}\n",
	};
	struct check_inventory inv = parse_ok(two_deployments, "m.yaml");

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct check_allowlist *al = allowlist_ok(orders[i]);
		const struct check_violation *v;
		struct check_report r;

		check_allowlist__expire(al, day_2026_03_01(12));
		assert_int_equal(check__evaluate(&inv, al, &r), 0);
		v = finding(&r, "web", CAP_NET_RAW);
		/* the SETUID exception matches web but does not add NET_RAW: not it */
		assert_ptr_equal(v->exception, &al->ex[1]);
		assert_int_equal(v->outcome, i == 0 ? CHECK_EXPIRED : CHECK_EXCEPTED);
		assert_ptr_equal(finding(&r, "web", CAP_SETUID)->exception, &al->ex[0]);
		assert_ptr_equal(finding(&r, "db", CAP_NET_RAW)->exception,
				 i == 0 ? &al->ex[2] : &al->ex[1]);
		/* the third decided nothing in the second order: it is stale */
		assert_int_equal(r.n_stale, i);
		if (i)
			assert_ptr_equal(r.stale[0], &al->ex[2]);
		check_report__clear(&r);
		check_allowlist__free(al);
	}
	check_inventory__clear(&inv);
}

/* An exception that decides nothing is stale, even when it matches a container. */
static void test_stale(void **state)
{
	struct check_inventory inv = parse_ok(two_deployments, "m.yaml");
	struct check_allowlist *al = allowlist_ok(
		"exceptions:\n"
		"  - {name: web, add: [NET_RAW], reason: ping}\n"
		"  - {name: web, add: [SYS_TIME], reason: ntp, expires: 2999-01-01}\n"
		"  - {name: gone, add: [NET_RAW], reason: removed service}\n");
	struct check_report r;

	(void)state;
	check_allowlist__expire(al, day_2026_03_01(12));
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n_stale, 2);
	assert_ptr_equal(r.stale[0], &al->ex[1]);
	assert_ptr_equal(r.stale[1], &al->ex[2]);
	assert_int_equal(r.n_failing, 2); /* web SETUID, db NET_RAW */
	check_report__clear(&r);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

static const char annotated[] =
	"apiVersion: apps/v1\nkind: Deployment\n"
	"metadata:\n  name: web\n  annotations:\n"
	"    capdiet.io/allow: \"NET_RAW: sends ICMP echo; cap_setuid,SETGID: drops to www\"\n" /* 6 */
	"spec: {template: {spec: {containers: [\n"
	"  {name: app, securityContext: {capabilities: {drop: [ALL], add: [NET_RAW, SETUID, SYS_ADMIN]}}},\n"
	"  {name: side, securityContext: {capabilities: {drop: [ALL], add: [NET_RAW]}}}]}}}\n"
	"---\n"
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\n"
	"spec: {template: {spec: {containers: [{name: o, securityContext: "
	"{capabilities: {drop: [ALL], add: [NET_RAW]}}}]}}}\n";

static void test_inline_recorded(void **state)
{
	struct check_inventory inv = parse_ok(annotated, "m.yaml");

	(void)state;
	assert_int_equal(inv.n, 3);
	for (size_t i = 0; i < 2; i++) {
		assert_non_null(inv.v[i].allow_note);
		assert_int_equal(inv.v[i].allow_note_line, 6);
		assert_non_null(strstr(inv.v[i].allow_note, "NET_RAW: sends ICMP echo"));
	}
	assert_null(inv.v[2].allow_note);
	check_inventory__clear(&inv);
}

/* Runs annotations through an allowlist; notices to *notices. */
static void inline_evaluate(const struct check_inventory *inv, struct check_allowlist *al,
			    struct strlist *notices, struct check_report *r)
{
	assert_int_equal(check_inline__add_exceptions(al, inv, notices), 0);
	assert_int_equal(check__evaluate(inv, al, r), 0);
}

static void test_inline_permitted(void **state)
{
	struct check_inventory inv = parse_ok(annotated, "m.yaml");
	struct check_allowlist *al = allowlist_ok("inline_exceptions: true\n");
	struct strlist notices = { 0 };
	const struct check_violation *v;
	struct check_report r;

	(void)state;
	inline_evaluate(&inv, al, &notices, &r);
	assert_int_equal(al->n, 2); /* one per item, not per container */
	v = finding(&r, "web", CAP_NET_RAW);
	assert_int_equal(v->outcome, CHECK_EXCEPTED);
	assert_int_equal(v->exception->origin, CHECK_FROM_INLINE);
	assert_string_equal(v->exception->file, "m.yaml");
	assert_int_equal(v->exception->line, 6);
	assert_string_equal(v->exception->reason, "sends ICMP echo");
	assert_int_equal(finding(&r, "web", CAP_SETUID)->exception->origin, CHECK_FROM_INLINE);
	assert_string_equal(finding(&r, "web", CAP_SETUID)->exception->reason, "drops to www");
	/* beyond inline_max by default, and another workload's caps: violations */
	assert_int_equal(finding(&r, "web", CAP_SYS_ADMIN)->outcome, CHECK_VIOLATION);
	assert_int_equal(finding(&r, "other", CAP_NET_RAW)->outcome, CHECK_VIOLATION);
	assert_int_equal(r.n_failing, 2);
	assert_int_equal(r.n_excepted, 3); /* app NET_RAW and SETUID, side NET_RAW */
	/* the SETUID,SETGID item decided SETUID: not stale though no container has SETGID */
	assert_int_equal(r.n_stale, 0);
	assert_int_equal(notices.n, 0);
	check_report__clear(&r);
	strlist__clear(&notices);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

static void test_inline_not_permitted(void **state)
{
	static const char *const allowlists[] = { "default: [NET_BIND_SERVICE]\n",
						  "inline_exceptions: false\n" };
	struct check_inventory inv = parse_ok(annotated, "m.yaml");

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct check_allowlist *al = allowlist_ok(allowlists[i]);
		struct strlist notices = { 0 };
		struct check_report r;

		inline_evaluate(&inv, al, &notices, &r);
		assert_int_equal(al->n, 0);
		assert_int_equal(r.n_excepted, 0);
		assert_int_equal(r.n_failing, 5);
		/* once per annotation, not per container */
		assert_int_equal(notices.n, 1);
		assert_string_equal(notices.v[0],
				    "m.yaml:6: capdiet.io/allow ignored: the allowlist does not permit "
				    "inline exceptions (inline_exceptions: true)");
		check_report__clear(&r);
		strlist__clear(&notices);
		check_allowlist__free(al);
	}
	allowlist_fails("inline_exceptions: yes please\n", "al.yaml:1: inline_exceptions must be true or false", "");
	allowlist_fails("inline_max: [NET_RAWW]\n", "al.yaml:1: unknown capability 'NET_RAWW' in inline_max", "");
	check_inventory__clear(&inv);
}

/* inline_max bounds what an annotation allows; the rest is named. */
static void test_inline_max(void **state)
{
	struct check_inventory inv = parse_ok(annotated, "m.yaml");
	struct check_allowlist *al = allowlist_ok("inline_exceptions: true\ninline_max: [NET_RAW]\n");
	struct strlist notices = { 0 };
	struct check_report r;

	(void)state;
	assert_false(caps__has(check_inline__default_max(), CAP_SYS_ADMIN));
	assert_false(caps__has(check_inline__default_max(), CAP_SYS_MODULE));
	assert_true(caps__has(check_inline__default_max(), CAP_NET_RAW));
	inline_evaluate(&inv, al, &notices, &r);
	assert_int_equal(finding(&r, "web", CAP_NET_RAW)->outcome, CHECK_EXCEPTED);
	assert_int_equal(finding(&r, "web", CAP_SETUID)->outcome, CHECK_VIOLATION);
	assert_int_equal(notices.n, 1);
	assert_non_null(strstr(notices.v[0], "m.yaml:6: capdiet.io/allow ignored for SETGID,SETUID"));
	assert_non_null(strstr(notices.v[0], "(inline_max)"));
	check_report__clear(&r);
	strlist__clear(&notices);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

/* No annotation excuses privileged: true, whatever inline_max says. */
static void test_inline_privileged(void **state)
{
	static const char yaml[] =
		"services:\n"
		"  agent:\n"
		"    privileged: true\n"
		"    labels: [\"capdiet.io/allow=ALL: it is an agent\"]\n"
		"  ping:\n"
		"    cap_drop: [ALL]\n"
		"    cap_add: [NET_RAW]\n"
		"    labels: {capdiet.io/allow: \"NET_RAW: ping\"}\n";
	struct check_inventory inv = parse_ok(yaml, "compose.yml");
	struct check_allowlist *al = allowlist_ok("inline_exceptions: true\ninline_max: [ALL]\n");
	struct strlist notices = { 0 };
	struct check_report r;

	(void)state;
	assert_int_equal(inv.v[0].allow_note_line, 4);
	assert_int_equal(inv.v[1].allow_note_line, 8);
	inline_evaluate(&inv, al, &notices, &r);
	assert_int_equal(finding(&r, "agent", CHECK_CAP_PRIVILEGED)->outcome, CHECK_VIOLATION);
	assert_int_equal(finding(&r, "ping", CAP_NET_RAW)->outcome, CHECK_EXCEPTED);
	assert_int_equal(r.n_failing, 1);
	assert_int_equal(notices.n, 1);
	assert_string_equal(notices.v[0], "compose.yml:4: capdiet.io/allow cannot excuse "
			    "privileged: true (compose/agent container agent)");
	check_report__clear(&r);
	strlist__clear(&notices);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

static void test_inline_template_and_malformed(void **state)
{
	static const char pod[] =
		"spec: {containers: [{name: c, securityContext: {capabilities: {drop: [ALL], add: [NET_RAW]}}}]}}}}}\n";
	char yaml[1024];
	struct check_inventory inv;

	(void)state;
	snprintf(yaml, sizeof(yaml), "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\n"
		 "spec: {jobTemplate: {spec: {template: {metadata: {annotations: "
		 "{capdiet.io/allow: \"\\nNET_RAW: ping\\n\\n\"}},\n  %s", pod);
	inv = parse_ok(yaml, "m.yaml");
	assert_int_equal(inv.n, 1);
	assert_int_equal(inv.v[0].allow_note_line, 4);
	check_inventory__clear(&inv);

	parse_fails("kind: Pod\nmetadata: {annotations: {capdiet.io/allow: \"NET_RAW\"}}\n"
		    "spec: {containers: [{name: c}]}\n", "m.yaml:2: capdiet.io/allow item 'NET_RAW' has no reason", "");
	parse_fails("kind: Pod\nmetadata: {annotations: {capdiet.io/allow: \"NET_RAW:  \"}}\n"
		    "spec: {containers: [{name: c}]}\n", "m.yaml:2: capdiet.io/allow item 'NET_RAW' has no reason", "");
	parse_fails("kind: Pod\nmetadata:\n  annotations:\n    capdiet.io/allow: \"NET_RAW: ok; NET_RAWW: typo\"\n"
		    "spec: {containers: [{name: c}]}\n", "m.yaml:4: unknown capability 'NET_RAWW' in capdiet.io/allow", "");
	parse_fails("kind: Pod\nmetadata: {annotations: {capdiet.io/allow: \": why\"}}\n"
		    "spec: {containers: [{name: c}]}\n", "m.yaml:2: capdiet.io/allow item", "names no capability");
	parse_fails("kind: Pod\nmetadata: {annotations: {capdiet.io/allow: \" ; \"}}\n"
		    "spec: {containers: [{name: c}]}\n", "m.yaml:2: capdiet.io/allow is empty", "");
	parse_fails("kind: Pod\nmetadata: {annotations: {capdiet.io/allow: [NET_RAW]}}\n"
		    "spec: {containers: [{name: c}]}\n", "m.yaml:2: capdiet.io/allow must be a string", "");
	parse_fails("kind: Deployment\nmetadata: {annotations: {capdiet.io/allow: \"KILL: k\"}}\n"
		    "spec: {template: {metadata: {annotations: {capdiet.io/allow: \"KILL: k\"}},\n"
		    "  spec: {containers: [{name: c}]}}}\n", "m.yaml:3: capdiet.io/allow is on the workload (line 2)", "");
	parse_fails("services: {s: {labels: [\"capdiet.io/allow=KILL\"]}}\n",
		    "m.yaml:1: capdiet.io/allow item 'KILL' has no reason", "");
}

/* Writes r as a baseline into a temporary file; returns its path (free it). */
static char *baseline_write(const struct check_report *r, struct check_baseline_counts *counts)
{
	char *path = strdup("/tmp/capdiet-baseline-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(check_baseline__write(r, path, day_2026_03_01(9), counts), 0);
	return path;
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(check__read_file(path, &buf, &len, err, sizeof(err)), 0);
	return buf;
}

static const char baseline_manifests[] =
	"services:\n"
	"  agent: {privileged: true}\n"
	"  web: {cap_drop: [ALL], cap_add: [NET_RAW, SETUID]}\n"
	"  old: {cap_drop: [ALL], cap_add: [SETGID]}\n";

/* What a baseline records: today's violations, no lines, privileged as one. */
static void test_baseline_write(void **state)
{
	struct check_inventory inv = parse_ok(baseline_manifests, "./app/compose.yml");
	struct check_allowlist *al = allowlist_ok(
		"exceptions: [{name: old, add: [SETGID], reason: x, expires: 2020-01-01}]\n");
	struct check_baseline_counts counts;
	struct check_report r;
	char *path, *text;

	(void)state;
	check_allowlist__expire(al, day_2026_03_01(9));
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	path = baseline_write(&r, &counts);
	assert_int_equal(counts.recorded, 3);
	assert_int_equal(counts.expired, 1);
	text = slurp(path);
	assert_non_null(strstr(text, "# capdiet check baseline"));
	assert_non_null(strstr(text, "date: \"2026-03-01\"\n"));
	assert_non_null(strstr(text, "{file: ./app/compose.yml, kind: compose, name: agent, "
				     "container: agent, privileged: true}"));
	assert_non_null(strstr(text, "name: web, container: web, capability: NET_RAW}"));
	assert_non_null(strstr(text, "capability: SETUID}"));
	assert_null(strstr(text, "SETGID")); /* expired: a baseline does not renew it */
	assert_null(strstr(text, " line:"));
	free(text);
	unlink(path);
	free(path);
	check_report__clear(&r);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

/* Written, read back: yesterday's violations pass, a new one fails, a fixed one is stale. */
static void test_baseline_round_trip(void **state)
{
	struct check_inventory inv = parse_ok(baseline_manifests, "./app/compose.yml"), later;
	struct check_allowlist *al = check_allowlist__restricted();
	struct check_baseline_counts counts;
	struct check_report r;
	char *path;

	(void)state;
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n_failing, 4);
	path = baseline_write(&r, &counts);
	check_report__clear(&r);
	assert_int_equal(check_baseline__load(al, path, err, sizeof(err)), 0);
	assert_int_equal(al->n, 4);
	assert_int_equal(al->ex[0].origin, CHECK_FROM_BASELINE);
	assert_non_null(strstr(al->ex[0].reason, "recorded in baseline /tmp/capdiet-baseline-"));
	assert_non_null(strstr(al->ex[0].reason, " on 2026-03-01"));
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n_failing, 0);
	assert_int_equal(finding(&r, "agent", CHECK_CAP_PRIVILEGED)->outcome, CHECK_EXCEPTED);
	check_report__clear(&r);

	/* Lines moved, the path spelled without ./, web gained KILL, old lost SETGID,
	 * agent is no longer privileged but has SYS_ADMIN. */
	later = parse_ok("# a comment moves every line\nservices:\n"
			 "  web: {cap_drop: [ALL], cap_add: [SETUID, NET_RAW, KILL]}\n"
			 "  agent: {cap_drop: [ALL], cap_add: [SYS_ADMIN]}\n"
			 "  old: {cap_drop: [ALL]}\n", "app//compose.yml");
	assert_int_equal(check__evaluate(&later, al, &r), 0);
	assert_int_equal(finding(&r, "web", CAP_NET_RAW)->outcome, CHECK_EXCEPTED);
	assert_int_equal(finding(&r, "web", CAP_KILL)->outcome, CHECK_VIOLATION);
	assert_int_equal(finding(&r, "agent", CAP_SYS_ADMIN)->outcome, CHECK_VIOLATION);
	assert_int_equal(r.n_failing, 2);
	assert_int_equal(r.n_stale, 2); /* agent's privileged entry, old's SETGID */
	check_report__clear(&r);
	check_inventory__clear(&later);
	unlink(path);
	free(path);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

static void baseline_fails(const char *yaml, const char *prefix)
{
	struct check_allowlist *al = check_allowlist__restricted();

	err[0] = '\0';
	assert_int_equal(check_baseline__parse(al, yaml, strlen(yaml), "b.yaml", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(al->n, 0);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error '%s' does not start with '%s'", err, prefix);
	check_allowlist__free(al);
}

static void test_baseline_errors(void **state)
{
	(void)state;
	baseline_fails("default: [NET_RAW]\n", "b.yaml:1: not a capdiet baseline");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-30\nfindings: []\n",
		       "b.yaml:2: the baseline's date must be YYYY-MM-DD");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-03\nfinding: []\n",
		       "b.yaml:3: unknown key 'finding' in the baseline");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-03\nfindings:\n"
		       "  - {file: a, kind: Pod, name: p, container: c, capability: NET_RAW}\n"
		       "  - {file: a, kind: Pod, name: p, container: c, capabilty: NET_RAW}\n",
		       "b.yaml:5: unknown key 'capabilty' in a baseline entry");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-03\nfindings:\n"
		       "  - {file: a, kind: Pod, name: p, capability: NET_RAW}\n",
		       "b.yaml:4: baseline entry has no container");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-03\nfindings:\n"
		       "  - {file: a, kind: Pod, name: p, container: c, capability: ALL}\n",
		       "b.yaml:4: unknown capability 'ALL' in the baseline");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-03\nfindings:\n"
		       "  - {file: a, kind: Pod, name: p, container: c, capability: KILL, privileged: true}\n",
		       "b.yaml:4: a baseline entry has capability: NAME or privileged: true");
	baseline_fails("capdiet_baseline: 1\ndate: 2026-02-03\nfindings: {a: b}\n",
		       "b.yaml:3: findings must be a list");
}

static void test_exclude_match(void **state)
{
	static const char *const globs[] = { "charts/*", "*.json", "test*" };
	static const struct {
		const char *path;
		bool excluded;
	} cases[] = {
		{ "charts/web/templates/deploy.yaml", true }, /* '*' spans directories */
		{ "./charts/web", true },                     /* "./" is dropped */
		{ "k8s/charts/web.yaml", false },             /* the glob is anchored */
		{ "k8s/a/b/config.json", true },
		{ "k8s/testdata", true },                     /* by its basename */
		{ "k8s/testdata/", true },
		{ "k8s/web.yaml", false },
		{ "k8s/mytest.yaml", false },
	};
	const char *const *g = globs;
	struct check_exclude x = { .globs = g, .n = 3 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool excluded = !cases[i].excluded;

		assert_int_equal(check_exclude__test(&x, cases[i].path, &excluded), 0);
		if (excluded != cases[i].excluded)
			fail_msg("%s: excluded %d, want %d", cases[i].path, excluded, cases[i].excluded);
	}
	assert_int_equal(x.paths.n, 5);
	assert_string_equal(x.paths.v[0], "charts/web/templates/deploy.yaml");
	assert_string_equal(x.by.v[0], "charts/*");
	assert_string_equal(x.by.v[3], "test*");
	check_exclude__clear(&x);
}

/* The walk leaves excluded files and directories out, and records each. */
static void test_exclude_walk(void **state)
{
	static const char pod[] = "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n";
	static const char *const files[] = { "d/a.yaml", "d/skip.yaml", "d/vendor/b.yaml",
					     "d/keep/c.yaml" };
	const char *globs[] = { "skip.yaml", "d/vendor" };
	struct check_exclude x = { .globs = globs, .n = 2 };
	struct check_inventory inv = { .exclude = &x };
	struct strlist errors = { 0 };
	char dir[] = "/tmp/capdiet-exclude-XXXXXX", path[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("d", 0755) | mkdir("d/vendor", 0755) | mkdir("d/keep", 0755), 0);
	for (size_t i = 0; i < 4; i++) {
		FILE *f = fopen(files[i], "w");

		assert_non_null(f);
		fputs(pod, f);
		fclose(f);
	}
	assert_int_equal(check__collect_path(&inv, "d", &errors), 0);
	assert_int_equal(errors.n, 0);
	assert_int_equal(inv.files, 2);
	assert_int_equal(x.paths.n, 2);
	assert_string_equal(x.paths.v[0], "d/skip.yaml");
	assert_string_equal(x.paths.v[1], "d/vendor");
	for (size_t i = 0; i < 4; i++)
		unlink(files[i]);
	rmdir("d/vendor");
	rmdir("d/keep");
	rmdir("d");
	assert_int_equal(chdir("/"), 0);
	snprintf(path, sizeof(path), "%s", dir);
	rmdir(path);
	check_inventory__clear(&inv);
	check_exclude__clear(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expires_dates),
		cmocka_unit_test(test_today_utc),
		cmocka_unit_test(test_expired_and_live),
		cmocka_unit_test(test_first_match_decides),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_inline_recorded),
		cmocka_unit_test(test_inline_permitted),
		cmocka_unit_test(test_inline_not_permitted),
		cmocka_unit_test(test_inline_max),
		cmocka_unit_test(test_inline_privileged),
		cmocka_unit_test(test_inline_template_and_malformed),
		cmocka_unit_test(test_baseline_write),
		cmocka_unit_test(test_baseline_round_trip),
		cmocka_unit_test(test_baseline_errors),
		cmocka_unit_test(test_exclude_match),
		cmocka_unit_test(test_exclude_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
