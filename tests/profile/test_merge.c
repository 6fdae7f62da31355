// SPDX-License-Identifier: MIT
/* capdiet merge's logic on the observed fixtures in tests/fixtures/observe:
 * three replicas of shop/web on two nodes, another workload, a trial's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/profile/merge.h"

#define A1 "web-node-a-x2x4z.yaml"
#define A2 "web-node-a-zz9w2.yaml"
#define B1 "web-node-b-k8p2q.yaml"
#define API "api-node-b-q2w4r.yaml"
#define TRIAL "trial-learned.yaml"

static struct profile *fixture(const char *name)
{
	static const char suffix[] = "tests/profile/test_merge.c";
	char path[4096], err[512] = "";
	size_t keep = strlen(__FILE__) - strlen(suffix);
	struct profile *p;

	snprintf(path, sizeof(path), "%.*stests/fixtures/observe/%s", (int)keep, __FILE__, name);
	p = profile__load(path, err, sizeof(err));
	if (!p)
		fail_msg("%s", err);
	return p;
}

/* Merges the fixtures named, in order; rc is what profile__merge said. */
static struct profile *merge(const char *const *names, size_t n, const char *name, int *rc,
			     char *err, size_t err_len)
{
	struct merge_input in[8];
	struct profile *out = NULL;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++)
		in[i] = (struct merge_input){ fixture(names[i]), names[i] };
	*rc = profile__merge(in, n, name, &out, err, err_len);
	for (size_t i = 0; i < n; i++)
		profile__free((struct profile *)in[i].profile);
	return out;
}

static struct profile *merge_ok(const char *const *names, size_t n, const char *name)
{
	char err[512] = "";
	int rc;
	struct profile *p = merge(names, n, name, &rc, err, sizeof(err));

	if (rc)
		fail_msg("merge failed: %s", err);
	assert_non_null(p);
	return p;
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

#define BIT(c) CAPSET_BIT(CAP_##c)

static void test_three_replicas_two_nodes(void **state)
{
	static const char *const names[] = { A1, A2, B1 };
	struct profile *p = merge_ok(names, 3, NULL);
	const struct profile_observation *o = p->observation;
	capset_t used = BIT(CHOWN) | BIT(SETGID) | BIT(SETUID) | BIT(NET_BIND_SERVICE);

	(void)state;
	assert_non_null(o);
	assert_true(o->used == used);
	assert_true(p->caps == used);
	assert_true(o->held == caps__docker_default());
	assert_true(o->denied == BIT(SYS_ADMIN));
	/* SETGID is unused on two replicas, used on one: not unused. */
	assert_true(o->unused == (caps__docker_default() & ~used));
	assert_int_equal(o->counts[CAP_NET_BIND_SERVICE], 2 + 1 + 3);
	assert_int_equal(o->counts[CAP_SETGID], 4);
	assert_int_equal(o->counts[CAP_SYS_ADMIN], 2);
	assert_int_equal(o->checks, 10 + 1 + 6);
	assert_string_equal(o->start, "2026-11-29T12:00:00Z");
	assert_string_equal(o->end, "2026-11-29T14:00:00Z");
	assert_true(o->seconds > 7199.9 && o->seconds < 7200.1);
	assert_int_equal(o->n_nodes, 2);
	assert_string_equal(o->nodes[0].node, "node-a");
	assert_int_equal(o->nodes[0].replicas, 2);
	assert_int_equal(o->nodes[0].checks, 11);
	assert_true(o->nodes[0].seconds > 5399.9 && o->nodes[0].seconds < 5400.1);
	assert_string_equal(o->nodes[1].node, "node-b");
	assert_int_equal(o->nodes[1].replicas, 1);
	/* What the replicas share is kept; what differs is unknown. */
	assert_null(o->node);
	assert_null(o->pod);
	assert_null(o->id);
	assert_string_equal(o->namespace, "shop");
	assert_string_equal(o->container, "nginx");
	assert_string_equal(o->workload, "web");
	assert_string_equal(o->image, "registry.example/shop/web:1.4");
	assert_string_equal(p->name, "shop.web.nginx");
	assert_string_equal(p->date, "2026-11-29T14:00:00Z");
	/* node-b lost decisions: the merge is not complete either. */
	assert_false(p->complete);
	assert_int_equal(p->lost, 2);
	profile__free(p);
}

static void test_evidence(void **state)
{
	static const char *const names[] = { A1, A2, B1 };
	struct profile *p = merge_ok(names, 3, NULL);
	const struct profile_evidence *e;

	(void)state;
	assert_int_equal(p->n_needed, 2);
	assert_int_equal(p->needed[0].cap, CAP_CHOWN); /* number order */
	assert_int_equal(p->needed[0].n_paths, 1);
	e = profile__find_needed(p, CAP_NET_BIND_SERVICE);
	assert_non_null(e);
	assert_int_equal(e->count, 2 + 1 + 3);
	assert_int_equal(e->args.n, 2); /* 0.0.0.0:80 once, [::]:80 */
	assert_int_equal(e->syscalls.n, 1);
	assert_int_equal(e->trial, -1);
	assert_int_equal(p->n_observed, 1);
	assert_int_equal(p->observed[0].cap, CAP_SYS_ADMIN);
	profile__free(p);
}

/* A merge of node views is the cluster view: merging merges, in any
 * grouping, gives the same profile. */
static void test_merge_of_merges(void **state)
{
	static const char *const all[] = { A1, A2, B1 };
	static const char *const node_a[] = { A1, A2 };
	struct profile *whole = merge_ok(all, 3, NULL);
	struct profile *a = merge_ok(node_a, 2, NULL), *b = fixture(B1), *again = NULL;
	struct merge_input in[2] = { { a, "node-a.yaml" }, { b, B1 } };
	char err[256] = "", *x, *y;

	(void)state;
	assert_int_equal(a->observation->n_nodes, 1);
	assert_string_equal(a->observation->node, "node-a"); /* one node: kept */
	assert_int_equal(profile__merge(in, 2, NULL, &again, err, sizeof(err)), 0);
	x = render(whole);
	y = render(again);
	assert_string_equal(x, y);
	free(x);
	free(y);
	profile__free(again);
	profile__free(whole);
	profile__free(a);
	profile__free(b);
}

/* Merges the profiles given, in order; fails the test when refused. */
static struct profile *merge_these(struct profile *const *p, const char *const *names, size_t n)
{
	struct merge_input in[8];
	struct profile *out = NULL;
	char err[512] = "";

	for (size_t i = 0; i < n; i++)
		in[i] = (struct merge_input){ p[i], names[i] };
	if (profile__merge(in, n, NULL, &out, err, sizeof(err)))
		fail_msg("merge failed: %s", err);
	return out;
}

static void set_text(char **field, const char *text)
{
	free(*field);
	*field = strdup(text);
	assert_non_null(*field);
}

static void add_path(struct profile_evidence *e, const char *path, const char *owner)
{
	struct profile_path *pp = profile_evidence__new_path(e);

	assert_non_null(pp);
	pp->path = strdup(path);
	pp->owner = strdup(owner);
	assert_true(pp->path && pp->owner);
	pp->exists = true;
	pp->mode = 0755;
}

/* What the replicas say differently: another reason and a stronger class,
 * lists in another order, one path with another owner. */
static void make_replicas_disagree(struct profile *a2, struct profile *b1)
{
	struct profile_evidence *e = profile__find_needed(a2, CAP_NET_BIND_SERVICE);
	struct profile_evidence *f = profile__find_needed(b1, CAP_NET_BIND_SERVICE);

	assert_non_null(e);
	assert_non_null(f);
	set_text(&e->reason, "accept on port 80");
	set_text(&f->klass, "required");
	set_text(&f->reason, "bind failed with EACCES");
	strlist__clear(&f->syscalls);
	assert_int_equal(strlist__add(&f->syscalls, "listen"), 0);
	assert_int_equal(strlist__add(&f->syscalls, "bind"), 0);
	assert_int_equal(strlist__add(&e->args, "[::1]:80"), 0);
	assert_int_equal(strlist__add(&a2->failed_ops, "write /run/nginx.pid"), 0);
	assert_int_equal(strlist__add(&b1->failed_ops, "chown /var/log/nginx"), 0);
	add_path(e, "/run/nginx.sock", "nginx");
	add_path(f, "/run/nginx.sock", "root");
	add_path(f, "/run/a.sock", "root");
}

/* docs/fleet.md: the result is the same bytes whatever the inputs' order. */
static void test_order_does_not_matter(void **state)
{
	static const size_t orders[][3] = { { 0, 1, 2 }, { 2, 1, 0 }, { 1, 2, 0 }, { 2, 0, 1 } };
	static const char *const names[] = { A1, A2, B1 };
	struct profile *in[3] = { fixture(A1), fixture(A2), fixture(B1) };
	char *first = NULL, klass[64] = "", reason[128] = "";
	const struct profile_evidence *e;

	(void)state;
	make_replicas_disagree(in[1], in[2]);
	for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
		struct profile *p[3];
		const char *n[3];
		struct profile *out;
		char *text;

		for (size_t i = 0; i < 3; i++) {
			p[i] = in[orders[k][i]];
			n[i] = names[orders[k][i]];
		}
		out = merge_these(p, n, 3);
		text = render(out);
		if (first && strcmp(first, text))
			fail_msg("merge in order %zu,%zu,%zu differs:\n%s\n--- from ---\n%s",
				 orders[k][0], orders[k][1], orders[k][2], text, first);
		if (!first) {
			first = text;
			e = profile__find_needed(out, CAP_NET_BIND_SERVICE);
			snprintf(klass, sizeof(klass), "%s", e->klass);
			snprintf(reason, sizeof(reason), "%s", e->reason);
		} else {
			free(text);
		}
		profile__free(out);
	}
	/* The strongest class and its reason, whoever said it. */
	assert_string_equal(klass, "required");
	assert_string_equal(reason, "bind failed with EACCES");
	free(first);
	for (size_t i = 0; i < 3; i++)
		profile__free(in[i]);
}

static void test_one_profile(void **state)
{
	static const char *const names[] = { B1 };
	struct profile *p = merge_ok(names, 1, NULL);

	(void)state;
	assert_int_equal(p->observation->n_nodes, 1);
	assert_int_equal(p->observation->nodes[0].replicas, 1);
	assert_int_equal(p->observation->nodes[0].checks, 6);
	assert_string_equal(p->observation->pod, "web-7d9f8c6b5-k8p2q");
	assert_string_equal(p->name, "web-7d9f8c6b5-k8p2q.nginx");
	profile__free(p);
}

static void expect_refused(const char *const *names, size_t n, const char *file,
			   const char *what)
{
	char err[512] = "";
	int rc;
	struct profile *p = merge(names, n, NULL, &rc, err, sizeof(err));

	assert_int_equal(rc, -EINVAL);
	assert_null(p);
	if (strncmp(err, file, strlen(file)) || !strstr(err, what))
		fail_msg("message '%s', want '%s: ... %s'", err, file, what);
}

static void test_refused(void **state)
{
	static const char *const trial[] = { A1, TRIAL };
	static const char *const other[] = { A1, API };
	static const char *const twice[] = { A1, B1, A1 };
	struct profile *p;

	(void)state;
	expect_refused(trial, 2, TRIAL ":", "not an observed profile");
	expect_refused(other, 2, API ":", "another workload (namespace shop, workload api, "
		       "container api) than the first profile's (namespace shop, workload web");
	expect_refused(twice, 3, A1 ":", "the same container as " A1 " (node node-a, id "
		       "3f9a1c0d2b7e) in an overlapping window");
	/* --name: another workload is merged, and what differs is unknown. */
	p = merge(other, 2, "shop-all", &(int){ 0 }, NULL, 0);
	assert_non_null(p);
	assert_string_equal(p->name, "shop-all");
	assert_null(p->observation->container);
	assert_null(p->observation->workload);
	assert_null(p->observation->node); /* node-a and node-b */
	assert_int_equal(p->observation->n_nodes, 2);
	assert_string_equal(p->observation->namespace, "shop");
	profile__free(p);
}

/* Merges a and b as inputs named "a" and "b": the return of profile__merge. */
static int merge_two(struct profile *a, struct profile *b, char *err, size_t err_len)
{
	struct merge_input in[2] = { { a, "a.yaml" }, { b, "b.yaml" } };
	struct profile *out = NULL;
	int rc = profile__merge(in, 2, NULL, &out, err, err_len);

	profile__free(out);
	return rc;
}

/*
 * The observer rewrites a container's profile as it goes, from when it
 * first saw it: two copies of it are one container, not two replicas,
 * also once one of them is inside a merge.
 */
static void test_one_container_twice(void **state)
{
	static const char *const node_a[] = { A1, A2 };
	struct profile *early = fixture(A1), *later = fixture(A1), *next = fixture(A1);
	struct profile *merged = merge_ok(node_a, 2, NULL);
	char err[512] = "";

	(void)state;
	/* The same start, a later end: the later copy holds the earlier one. */
	set_text(&later->observation->end, "2026-11-29T13:30:00Z");
	later->observation->checks = 14;
	assert_int_equal(merge_two(early, later, err, sizeof(err)), -EINVAL);
	if (strncmp(err, "b.yaml: the same container as a.yaml (node node-a, id 3f9a1c0d2b7e)",
		    strlen("b.yaml: the same container as a.yaml (node node-a, id 3f9a1c0d2b7e)")))
		fail_msg("message: %s", err);
	/* The merge keeps each node's container ids, so merging it again with
	 * one of its replicas is caught too. */
	assert_int_equal(merged->observation->n_nodes, 1);
	assert_int_equal(merged->observation->nodes[0].ids.n, 2);
	assert_int_equal(merge_two(merged, early, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the same container as a.yaml"));
	/* A window after the first one (the observer restarted) is new checks. */
	set_text(&next->observation->start, "2026-11-29T13:00:00Z");
	set_text(&next->observation->end, "2026-11-29T14:00:00Z");
	assert_int_equal(merge_two(early, next, err, sizeof(err)), 0);
	profile__free(early);
	profile__free(later);
	profile__free(next);
	profile__free(merged);
}

/* The ids a merge keeps are read back from its YAML. */
static void test_node_ids_round_trip(void **state)
{
	static const char *const all[] = { A1, A2, B1 };
	struct profile *p = merge_ok(all, 3, NULL), *back;
	char *text = render(p), err[512] = "";
	const struct profile_node_count *a;

	(void)state;
	back = profile__parse(text, strlen(text), "merged.yaml", err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	a = &back->observation->nodes[0];
	assert_string_equal(a->node, "node-a");
	assert_int_equal(a->ids.n, 2);
	assert_string_equal(a->ids.v[0], p->observation->nodes[0].ids.v[0]);
	assert_true(strcmp(a->ids.v[0], a->ids.v[1]) < 0); /* sorted */
	assert_int_equal(back->observation->nodes[1].ids.n, 1);
	free(text);
	profile__free(back);
	profile__free(p);
}

static void test_nothing_and_hostile_names(void **state)
{
	struct profile *p = fixture(A1), *q = fixture(API), *out = (struct profile *)1;
	struct merge_input in[2] = { { p, A1 }, { q, "a\x1b[2Jb.yaml" } };
	char err[512] = "";

	(void)state;
	assert_int_equal(profile__merge(in, 0, NULL, &out, err, sizeof(err)), -EINVAL);
	assert_null(out);
	free(q->observation->container);
	q->observation->container = strdup("api\n\x1b[31mforged");
	assert_int_equal(profile__merge(in, 2, NULL, &out, err, sizeof(err)), -EINVAL);
	for (const char *c = err; *c; c++)
		if ((unsigned char)*c < 0x20)
			fail_msg("a control character reached the message: %s", err);
	assert_non_null(strstr(err, "a\\x1b[2Jb.yaml: another workload"));
	assert_non_null(strstr(err, "container api\\x0a\\x1b[31mforged"));
	profile__free(p);
	profile__free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_replicas_two_nodes),
		cmocka_unit_test(test_evidence),
		cmocka_unit_test(test_merge_of_merges),
		cmocka_unit_test(test_order_does_not_matter),
		cmocka_unit_test(test_one_profile),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_one_container_twice),
		cmocka_unit_test(test_node_ids_round_trip),
		cmocka_unit_test(test_nothing_and_hostile_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
