// SPDX-License-Identifier: MIT
/* The observation block of a profile (capdiet observe): YAML both ways,
 * what it refuses, the times and workload names it reads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/core/file.h"
#include "capdiet/profile/profile.h"

/* The repository's top, from where this file was compiled. */
static const char *repo_file(const char *rel)
{
	static char path[4096];
	const char *self = __FILE__;
	size_t keep = strlen(self) - strlen("tests/profile/test_observation.c");

	snprintf(path, sizeof(path), "%.*s%s", (int)keep, self, rel);
	return path;
}

static char *render(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(profile__write(p, out), 0);
	fclose(out);
	return buf;
}

static struct profile *parse_text(const char *text, char *err, size_t err_len)
{
	return profile__parse(text, strlen(text), "t.yaml", err, err_len);
}

static capset_t docker14(void)
{
	return caps__docker_default();
}

/* One container of a Deployment, as observe writes it. */
static struct profile *observed_profile(void)
{
	struct profile *p = profile__new();
	struct profile_observation *o;

	assert_non_null(p);
	p->name = strdup("web-7d9f8c6b5-x2x4z.nginx");
	p->date = strdup("2026-11-29T13:00:00Z");
	o = profile__add_observation(p);
	assert_non_null(o);
	assert_ptr_equal(profile__add_observation(p), o); /* one per profile */
	o->runtime = strdup("kubernetes");
	o->node = strdup("node-a");
	o->namespace = strdup("shop");
	o->pod = strdup("web-7d9f8c6b5-x2x4z");
	o->container = strdup("nginx");
	o->start = strdup("2026-11-29T12:00:00Z");
	o->end = strdup("2026-11-29T13:00:00Z");
	o->seconds = 3600;
	o->checks = 10;
	o->held = docker14();
	o->used = CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_SETGID);
	o->denied = CAPSET_BIT(CAP_SYS_ADMIN);
	o->unused = o->held & ~o->used;
	o->counts[CAP_NET_BIND_SERVICE] = 2;
	o->counts[CAP_SETGID] = 6;
	o->counts[CAP_SYS_ADMIN] = 2;
	p->caps = o->used;
	return p;
}

static void test_round_trip(void **state)
{
	struct profile *p = observed_profile(), *q;
	char err[256] = "", *text = render(p), *again;
	const struct profile_observation *o;

	(void)state;
	assert_non_null(strstr(text, "\nobservation:\n  runtime: kubernetes\n  node: node-a\n"
				     "  namespace: shop\n  pod: web-7d9f8c6b5-x2x4z\n"));
	/* Quoted: YAML 1.1 readers (PyYAML, go-yaml v2) take a plain one for a timestamp. */
	assert_non_null(strstr(text, "  start: \"2026-11-29T12:00:00Z\"\n  end: "));
	assert_non_null(strstr(text, "  used: [SETGID, NET_BIND_SERVICE]\n  denied: [SYS_ADMIN]\n"));
	assert_non_null(strstr(text, "  counts: {SETGID: 6, NET_BIND_SERVICE: 2, SYS_ADMIN: 2}\n"));
	assert_non_null(strstr(text, "  image: null\n"));     /* unknown, said so */
	assert_null(strstr(text, "workload:"));              /* optional: left out */
	assert_null(strstr(text, "nodes:"));                 /* only after a merge */
	assert_true(strstr(text, "\nobservation:") < strstr(text, "\ncaps:"));
	q = parse_text(text, err, sizeof(err));
	if (!q)
		fail_msg("parse failed: %s", err);
	o = q->observation;
	assert_non_null(o);
	assert_string_equal(o->node, "node-a");
	assert_string_equal(o->end, "2026-11-29T13:00:00Z");
	assert_null(o->image);
	assert_true(o->held == docker14());
	assert_true(o->unused == p->observation->unused);
	assert_true(o->denied == CAPSET_BIT(CAP_SYS_ADMIN));
	assert_int_equal(o->counts[CAP_SETGID], 6);
	assert_int_equal(o->counts[CAP_CHOWN], 0);
	assert_int_equal(o->checks, 10);
	assert_true(o->seconds > 3599.9 && o->seconds < 3600.1);
	again = render(q);
	assert_string_equal(again, text);
	free(again);
	free(text);
	profile__free(q);
	profile__free(p);
}

static void test_nodes_round_trip(void **state)
{
	struct profile *p = observed_profile(), *q;
	struct profile_node_count *n;
	char err[256] = "", *text, *again;

	(void)state;
	free(p->observation->node);
	p->observation->node = NULL; /* many nodes */
	p->observation->workload = strdup("web");
	n = profile_observation__add_node(p->observation);
	n->node = strdup("node-a");
	n->replicas = 2;
	n->checks = 11;
	n->seconds = 5400;
	assert_int_equal(strlist__add(&n->ids, "c0ffee01"), 0);
	assert_int_equal(strlist__add(&n->ids, "c0ffee02"), 0);
	n = profile_observation__add_node(p->observation);
	n->node = strdup("node-b");
	n->replicas = 1;
	text = render(p);
	assert_non_null(strstr(text, "  node: null\n"));
	assert_non_null(strstr(text, "  workload: web\n"));
	assert_non_null(strstr(text, "  nodes:\n  - {node: node-a, replicas: 2, checks: 11, "
				     "seconds: 5400.00, ids: [c0ffee01, c0ffee02]}\n"
				     "  - {node: node-b, replicas: 1,"));
	q = parse_text(text, err, sizeof(err));
	if (!q)
		fail_msg("parse failed: %s", err);
	assert_int_equal(q->observation->n_nodes, 2);
	assert_string_equal(q->observation->nodes[1].node, "node-b");
	assert_int_equal(q->observation->nodes[0].ids.n, 2);
	assert_string_equal(q->observation->nodes[0].ids.v[1], "c0ffee02");
	assert_int_equal(q->observation->nodes[1].ids.n, 0);
	assert_int_equal(q->observation->nodes[0].replicas, 2);
	assert_string_equal(q->observation->workload, "web");
	again = render(q);
	assert_string_equal(again, text);
	free(again);
	free(text);
	profile__free(q);
	profile__free(p);
}

/* Reads rel and writes it back: the same bytes. */
static void assert_rewrites_same(const char *rel)
{
	char err[512] = "", *buf = NULL, *text;
	size_t len = 0;
	struct profile *p;

	assert_int_equal(file__read(repo_file(rel), 1 << 20, &buf, &len), 0);
	p = profile__parse(buf, len, rel, err, sizeof(err));
	if (!p)
		fail_msg("%s: %s", rel, err);
	text = render(p);
	if (strlen(text) != len || memcmp(text, buf, len))
		fail_msg("%s is not written back as it was:\n%s", rel, text);
	free(text);
	free(buf);
	profile__free(p);
}

/* Profiles written before observations existed are read and written
 * byte for byte as before; the fixtures are what the writer writes. */
static void test_old_profiles_unchanged(void **state)
{
	static const char *const files[] = {
		"profiles/nginx-proxy.yaml", "profiles/go-http.yaml", "profiles/node-app.yaml",
		"tests/fixtures/observe/trial-learned.yaml",
		"tests/fixtures/observe/web-node-a-x2x4z.yaml",
		"tests/fixtures/observe/web-node-b-k8p2q.yaml",
		"tests/fixtures/observe/api-node-b-q2w4r.yaml",
	};
	struct profile *p;
	char err[256] = "", *text;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		assert_rewrites_same(files[i]);
	p = profile__load(repo_file("profiles/nginx-proxy.yaml"), err, sizeof(err));
	assert_non_null(p);
	assert_null(p->observation);
	text = render(p);
	assert_null(strstr(text, "observation"));
	free(text);
	profile__free(p);
}

#define HEAD "capdiet_profile: 1\nname: x\ncaps: []\nobservation:\n"
#define WINDOW "  start: 2026-11-29T12:00:00Z\n  end: 2026-11-29T13:00:00Z\n"
#define SETS "  seconds: 3600\n  checks: 1\n  held: [CHOWN, KILL]\n  used: [CHOWN]\n" \
	     "  denied: []\n"
#define GOOD HEAD "  node: n1\n" WINDOW SETS "  unused: [KILL]\n"

static const struct bad_case {
	const char *yaml;
	const char *where;    /* "t.yaml:LINE:" the message starts with; NULL: fine */
	const char *what;     /* and a piece it contains */
} bad_cases[] = {
	{ GOOD, NULL, NULL },
	{ GOOD "  counts: {CHOWN: 1}\n", NULL, NULL },
	{ GOOD "  counts: {}\n", NULL, NULL },
	{ HEAD "  node: n1\n  start: 2026-11-29T12:00:00.250Z\n  end: 2026-11-29T13:00:00Z\n"
	  SETS "  unused: []\n", NULL, NULL },
	{ GOOD "  nod: n2\n", "t.yaml:14:", "unknown key 'nod'" },
	{ HEAD "  node: n1\n  start: yesterday\n  end: 2026-11-29T13:00:00Z\n" SETS
	  "  unused: []\n", "t.yaml:6:", "start: expected a UTC time" },
	{ HEAD "  node: n1\n  start: 2026-11-29 12:00:00\n  end: 2026-11-29T13:00:00Z\n" SETS
	  "  unused: []\n", "t.yaml:6:", "start: expected a UTC time" },
	{ HEAD "  node: n1\n  start: 2026-11-29T12:00:00+01:00\n  end: 2026-11-29T13:00:00Z\n"
	  SETS "  unused: []\n", "t.yaml:6:", "start: expected a UTC time" },
	{ HEAD "  node: n1\n  start: 2026-11-29T14:00:00Z\n  end: 2026-11-29T13:00:00Z\n" SETS
	  "  unused: []\n", "t.yaml:7:", "is before start" },
	{ HEAD "  node: n1\n" WINDOW "  checks: 1\n  held: []\n  used: []\n  denied: []\n"
	  "  unused: []\n", "t.yaml:5:", "missing key 'seconds'" },
	{ HEAD "  node: n1\n" WINDOW SETS "  unused: [CHOWN]\n", "t.yaml:13:",
	  "unused: only what was held and never checked" },
	{ HEAD "  node: n1\n" WINDOW SETS "  unused: [SYS_ADMIN]\n", "t.yaml:13:",
	  "unused: only what was held" },
	{ HEAD WINDOW SETS "  unused: []\n", "t.yaml:5:", "node: name the host" },
	{ HEAD "  node: null\n" WINDOW SETS "  unused: []\n", "t.yaml:5:", "node: name the host" },
	{ GOOD "  counts: {NOPE: 1}\n", "t.yaml:14:", "'NOPE' is not a capability name" },
	{ GOOD "  counts: {CHOWN: -1}\n", "t.yaml:14:", "counts: expected a number" },
	{ GOOD "  counts: {CHOWN: 1, cap_chown: 2}\n", "t.yaml:14:", "CHOWN appears twice" },
	{ GOOD "  counts: [CHOWN]\n", "t.yaml:14:", "counts: expected a mapping" },
	{ GOOD "  nodes:\n  - {replicas: 1}\n", "t.yaml:15:", "missing key 'node'" },
	{ GOOD "  nodes:\n  - {node: n2, seconds: -1}\n", "t.yaml:15:", "seconds" },
	{ "capdiet_profile: 1\nname: x\ncaps: []\nobservation: []\n", "t.yaml:4:",
	  "observation: expected a mapping" },
	{ "capdiet_profile: 1\nname: x\ncaps: []\nobservation:\n", "t.yaml:4:",
	  "observation: expected a mapping" },
	{ GOOD "  held: [NOPE]\n", "t.yaml:14:", "appears twice" },
};

static void test_bad_input(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[256] = "";
		struct profile *q = parse_text(c->yaml, err, sizeof(err));

		if (!c->where) {
			if (!q)
				fail_msg("case %zu should parse: %s", i, err);
			profile__free(q);
			continue;
		}
		if (q)
			fail_msg("case %zu parsed but should not:\n%s", i, c->yaml);
		assert_int_equal(errno, EINVAL);
		if (strncmp(err, c->where, strlen(c->where)) || !strstr(err, c->what))
			fail_msg("case %zu: message '%s', want '%s ... %s'", i, err, c->where, c->what);
	}
}

static void test_parse_time(void **state)
{
	static const char *const bad[] = {
		"2026-11-29T12:00:00", "2026-11-29T12:00:00+00:00", "2026-11-29T25:00:00Z",
		"02026-11-29T12:00:00Z", " 2026-11-29T12:00:00Z", "2026-1-29T12:00:00Z",
		"2026-11-29T12:00:00.Z", "2026-11-29T12:00:00Zjunk", "", "yesterday",
	};
	double t;

	(void)state;
	assert_int_equal(profile__parse_time("2026-11-29T12:00:00Z", &t), 0);
	assert_true(t == 1795953600.0);
	assert_int_equal(profile__parse_time("2026-11-29T12:00:01.5Z", &t), 0);
	assert_true(t == 1795953601.5);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (profile__parse_time(bad[i], &t) != -EINVAL)
			fail_msg("'%s' was read as a time", bad[i]);
	assert_int_equal(profile__parse_time(NULL, &t), -EINVAL);
}

static void test_workload(void **state)
{
	static const struct {
		const char *pod, *want;
	} cases[] = {
		{ "web-7d9f8c6b5-x2x4z", "web" },           /* Deployment */
		{ "api-2-7d9f8c6b5-x2x4z", "api-2" },       /* a digit in its name */
		{ "node-exporter-q2w4r", "node-exporter" }, /* DaemonSet */
		{ "backup-28948320-q2w4r", "backup" },      /* CronJob's Job */
		{ "db-0", "db" },                           /* StatefulSet */
		{ "db-12", "db" },
		{ "web-abcde", "web-abcde" },               /* vowels: not generated */
		{ "debug", "debug" },                       /* a bare Pod */
		{ "-x2x4z", "-x2x4z" },
	};
	struct profile_observation o = { 0 };
	char *w;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.pod = (char *)cases[i].pod;
		w = profile_observation__workload(&o);
		assert_non_null(w);
		if (strcmp(w, cases[i].want))
			fail_msg("%s: workload '%s', want '%s'", cases[i].pod, w, cases[i].want);
		free(w);
	}
	o.workload = (char *)"shop-frontend"; /* what the observer knew wins */
	w = profile_observation__workload(&o);
	assert_string_equal(w, "shop-frontend");
	free(w);
	o.workload = o.pod = NULL;
	errno = 0;
	assert_null(profile_observation__workload(&o));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_nodes_round_trip),
		cmocka_unit_test(test_old_profiles_unchanged),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_workload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
