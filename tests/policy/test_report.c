// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/policy/report.h"

static struct profile *base_profile(void)
{
	struct profile *p = profile__new();
	struct profile_trial *t;

	assert_non_null(p);
	p->name = strdup("nginx");
	strlist__add(&p->command, "nginx");
	strlist__add(&p->command, "-g");
	strlist__add(&p->command, "daemon off;");
	p->kernel = strdup("6.18.44");
	p->capdiet_version = strdup("0.1.0");
	p->date = strdup("2026-11-29T12:00:00Z");
	t = profile__add_trial(p);
	t->outcome = strdup("fails");
	t->detail = strdup("exit 1");
	t->seconds = 0.41;
	return p;
}

/* Adds cap to the set with one piece of evidence found in trial 0. */
static struct profile_evidence *need(struct profile *p, int cap, const char *syscall)
{
	struct profile_evidence *e = profile__add_needed(p, cap);

	assert_non_null(e);
	p->caps |= CAPSET_BIT(cap);
	p->trials[0].new_required |= CAPSET_BIT(cap);
	e->klass = strdup("required");
	e->count = 2;
	e->trial = 0;
	if (syscall)
		strlist__add(&e->syscalls, syscall);
	return e;
}

static void add_path(struct profile_evidence *e, const char *path, bool exists)
{
	struct profile_path *pp = profile_evidence__new_path(e);

	assert_non_null(pp);
	pp->path = strdup(path);
	pp->exists = exists;
	if (exists) {
		pp->owner = strdup("www-data");
		pp->group = strdup("adm");
		pp->mode = 0640;
		pp->type = strdup("file");
	}
}

static char *report_of(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(report__write(p, out), 0);
	fclose(out);
	return buf;
}

static bool has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

static void test_header_and_plain_sections(void **state)
{
	struct profile *p = base_profile();
	char *r;

	(void)state;
	need(p, CAP_NET_BIND_SERVICE, "bind");
	r = report_of(p);
	assert_memory_equal(r, "# Capability justification: nginx\n", 34);
	assert_true(has(r, "`nginx -g 'daemon off;'`"));
	assert_true(has(r, "| User | root |"));
	assert_true(has(r, "2026-11-29T12:00:00Z"));
	assert_true(has(r, "6.18.44"));
	assert_true(has(r, "| Complete | yes |"));
	assert_true(has(r, "**1 capability:** `NET_BIND_SERVICE`"));
	assert_true(has(r, "### NET_BIND_SERVICE\n"));
	assert_true(has(r, caps__describe(CAP_NET_BIND_SERVICE)));
	assert_true(has(r, "| Syscalls | `bind` |"));
	assert_true(has(r, "**Found in:** trial 0 (set tried: none; outcome: fails, exit 1)"));
	assert_true(has(r, "**Risk:**"));
	/* Dropped against Docker: 13 of the 14, CHOWN among them. */
	assert_true(has(r, "keeps 1 of them and drops 13: `CHOWN`"));
	assert_true(has(r, "| 0 | none | fails | exit 1 | `NET_BIND_SERVICE` | 0.41 |"));
	assert_true(has(r, "No other capability checks were recorded."));
	/* Nothing here calls for warnings or special advice. */
	assert_false(has(r, "Warning"));
	assert_false(has(r, "Justification required"));
	assert_false(has(r, "Fix the ownership"));
	assert_false(has(r, "kitchen sink"));
	free(r);
	profile__free(p);
}

static void test_incomplete_and_degraded(void **state)
{
	struct profile *p = base_profile();
	char *r;

	(void)state;
	p->complete = false;
	p->lost = 7;
	r = report_of(p);
	assert_true(has(r, "**Warning: this profile is incomplete.**"));
	assert_true(has(r, "lost 7 capability checks"));
	assert_true(has(r, "| Complete | **no** |"));
	assert_false(has(r, "Warning: degraded"));
	free(r);
	p->complete = true;
	p->lost = 0;
	p->degraded = true;
	strlist__add(&p->failed_ops, "setgid(33) failed with EPERM in /usr/sbin/nginx");
	r = report_of(p);
	assert_false(has(r, "incomplete"));
	assert_true(has(r, "**Warning: degraded.**"));
	assert_true(has(r, "- `setgid(33) failed with EPERM in /usr/sbin/nginx`"));
	free(r);
	profile__free(p);
}

static void test_ownership_advice_only_with_a_path(void **state)
{
	struct profile *p = base_profile();
	struct profile_evidence *e;
	char *r;

	(void)state;
	e = need(p, CAP_DAC_OVERRIDE, "openat");
	r = report_of(p);
	assert_false(has(r, "Fix the ownership instead"));
	free(r);
	add_path(e, "/var/lib/gone", false); /* a path that did not exist: nothing to chown */
	r = report_of(p);
	assert_false(has(r, "Fix the ownership instead"));
	assert_true(has(r, "`/var/lib/gone` (did not exist when recorded)"));
	free(r);
	add_path(e, "/var/log/nginx/error.log", true);
	r = report_of(p);
	assert_true(has(r, "**Fix the ownership instead.**"));
	assert_true(has(r, "`chown root /var/log/nginx/error.log`"));
	assert_true(has(r, "owner www-data, group adm, mode 0640, file"));
	assert_true(has(r, "run the service as `www-data`"));
	free(r);
	/* A non-root service is told to chown to its own user. */
	p->user = strdup("app:app");
	r = report_of(p);
	assert_true(has(r, "`chown app:app /var/log/nginx/error.log`"));
	free(r);
	profile__free(p);
}

static void test_ownership_advice_for_each_file_cap(void **state)
{
	static const int file_caps[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct profile *p = base_profile();
		char *r;

		add_path(need(p, file_caps[i], NULL), "/srv/data", true);
		add_path(need(p, CAP_NET_BIND_SERVICE, "bind"), "/srv/sock", true);
		r = report_of(p);
		assert_true(has(r, "`chown root /srv/data`"));
		/* The path of a capability that is not about files gets no such advice. */
		assert_false(has(r, "`chown root /srv/sock`"));
		free(r);
		profile__free(p);
	}
}

static void test_sys_admin_kitchen_sink(void **state)
{
	struct profile *p = base_profile();
	struct profile_evidence *e;
	char *r;

	(void)state;
	e = need(p, CAP_SYS_ADMIN, "sethostname");
	strlist__add(&e->call_sites, "perf_event_open");
	r = report_of(p);
	assert_true(has(r, "**SYS_ADMIN is the kitchen sink:**"));
	assert_true(has(r, "`sethostname`; in the kernel: `perf_event_open`"));
	assert_true(has(r, "| Operation | Narrower option |"));
	assert_true(has(r, "| `perf_event_open` | CAP_PERFMON"));
	assert_true(has(r, "| `sethostname` | none narrower"));
	assert_false(has(r, "| `mount` |"));
	free(r);
	profile__free(p);
	p = base_profile();
	need(p, CAP_SYS_ADMIN, "keyctl");
	r = report_of(p);
	assert_true(has(r, "kitchen sink"));
	assert_false(has(r, "| Operation | Narrower option |"));
	assert_true(has(r, "No narrower capability is known"));
	free(r);
	profile__free(p);
}

static void test_capability_specific_advice(void **state)
{
	static const struct { int cap; const char *advice; } cases[] = {
		{ CAP_SYS_PTRACE, "**Debug containers only.**" },
		{ CAP_NET_ADMIN, "**Application containers should not hold NET_ADMIN.**" },
		{ CAP_NET_RAW, "**Application containers should not hold NET_RAW.**" },
		{ CAP_SETUID, "**Dropping to a worker user.** SETUID" },
		{ CAP_SETGID, "**Dropping to a worker user.** SETGID" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = base_profile();
		char *r;

		need(p, CAP_KILL, "kill");
		r = report_of(p);
		assert_false(has(r, cases[i].advice));
		free(r);
		need(p, cases[i].cap, NULL);
		r = report_of(p);
		if (!has(r, cases[i].advice))
			fail_msg("no '%s' for %s", cases[i].advice, caps__name(cases[i].cap));
		free(r);
		profile__free(p);
	}
}

static void test_justification_above_three(void **state)
{
	static const int caps[] = { CAP_CHOWN, CAP_SETUID, CAP_SETGID, CAP_NET_BIND_SERVICE };
	struct profile *p = base_profile();
	char *r;

	(void)state;
	for (size_t i = 0; i < 3; i++)
		need(p, caps[i], "chown");
	r = report_of(p);
	assert_false(has(r, "Justification required"));
	assert_false(has(r, "> TODO:"));
	free(r);
	need(p, caps[3], "bind");
	strlist__add(&p->needed[3].exes, "/usr/sbin/nginx");
	r = report_of(p);
	assert_true(has(r, "\n## Justification required (more than 3 capabilities)\n"));
	assert_true(has(r, "nginx needs 4 capabilities"));
	assert_true(has(r, "- **NET_BIND_SERVICE** (bind to ports below 1024): required; "
			   "syscalls `bind`; in `/usr/sbin/nginx`; 2 checks.\n"));
	assert_true(has(r, "\n> TODO: "));
	free(r);
	profile__free(p);
}

static void test_observed_table_and_escaping(void **state)
{
	struct profile *p = base_profile();
	struct profile_evidence *e;
	char *r;

	(void)state;
	e = profile__add_observed(p, CAP_SYS_ADMIN);
	e->klass = strdup("tolerated");
	e->reason = strdup("noaudit | check");
	e->count = 40;
	p->caps = CAPSET_BIT(CAP_KILL); /* in the set, but no evidence */
	r = report_of(p);
	assert_true(has(r, "| Capability | Class | Checks | Why it is not required |"));
	assert_true(has(r, "| SYS_ADMIN | tolerated | 40 | noaudit \\| check |"));
	assert_false(has(r, "No other capability checks"));
	assert_true(has(r, "No evidence was recorded for: `KILL`."));
	free(r);
	profile__free(p);
}

static void test_empty_set(void **state)
{
	struct profile *p = base_profile();
	char *r;

	(void)state;
	r = report_of(p);
	assert_true(has(r, "**None.** The service works with every capability dropped"));
	assert_true(has(r, "keeps 0 of them and drops 14"));
	assert_false(has(r, "## Why each capability is needed"));
	free(r);
	profile__free(p);
}

static void test_unit_bounding(void **state)
{
	struct profile *p = base_profile();
	char *r;

	(void)state;
	r = report_of(p);
	assert_false(has(r, "| Unit |"));
	assert_false(has(r, "CapabilityBoundingSet="));
	free(r);
	p->unit = strdup("/etc/systemd/system/web.service");
	p->unit_excludes = caps__all() & ~(CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_NET_BIND_SERVICE));
	r = report_of(p);
	assert_true(has(r, "| Unit | `/etc/systemd/system/web.service` |"));
	assert_true(has(r, "> **Held within the unit's CapabilityBoundingSet=:** every trial had "
			   "at most `CHOWN`, `NET_BIND_SERVICE`, as systemd holds the service."));
	free(r);
	profile__free(p);
}

/* Where it was learned, and what a namespaced set means. */
static void test_runtime_and_namespaced(void **state)
{
	struct profile *p = base_profile();
	struct profile_evidence *e;
	char *r;

	(void)state;
	e = need(p, CAP_CHOWN, "chown");
	r = report_of(p);
	assert_false(has(r, "| Runtime |"));
	assert_false(has(r, "Namespaced set"));
	assert_false(has(r, "**Namespace:**"));
	free(r);
	p->runtime = strdup("podman");
	p->image = strdup("localhost/web:1");
	p->namespaced = e->user_ns = true;
	r = report_of(p);
	assert_true(has(r, "| Runtime | podman, image `localhost/web:1` |"));
	assert_true(has(r, "> **Namespaced set.**"));
	assert_true(has(r, "**Namespace:** checked against the container's own user namespace"));
	free(r);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_plain_sections),
		cmocka_unit_test(test_incomplete_and_degraded),
		cmocka_unit_test(test_ownership_advice_only_with_a_path),
		cmocka_unit_test(test_ownership_advice_for_each_file_cap),
		cmocka_unit_test(test_sys_admin_kitchen_sink),
		cmocka_unit_test(test_capability_specific_advice),
		cmocka_unit_test(test_justification_above_three),
		cmocka_unit_test(test_observed_table_and_escaping),
		cmocka_unit_test(test_empty_set),
		cmocka_unit_test(test_unit_bounding),
		cmocka_unit_test(test_runtime_and_namespaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
