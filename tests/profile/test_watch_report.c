// SPDX-License-Identifier: MIT
/* capdiet observe's JSON line, OpenMetrics page and observed profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/profile/watch_report.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void fill(struct node_watch *w, struct watched *c, const char *name)
{
	memset(w, 0, sizeof(*w));
	memset(c, 0, sizeof(*c));
	c->id.runtime = CONTAINER_KUBERNETES;
	snprintf(c->id.id, sizeof(c->id.id), "%s", ID);
	c->cgroup = "/kubepods/pod1/" ID;
	c->name = (char *)name;
	c->pod = "web-7d4b9c6f5-x2x4z";
	c->pod_namespace = "shop";
	c->held = CAPSET_BIT(10) | CAPSET_BIT(0);
	c->used = CAPSET_BIT(10);
	c->granted[10] = 4;
	c->checks = 4;
	c->use[10] = (struct watched_evidence){ .pid = 9, .syscall = -1, .comm = "nginx" };
	c->first_seen = 1000;
	w->v = c;
	w->n = 1;
	w->lost = 2;
	w->dropped = 1;
}

static char *capture(int (*fn)(const struct watched *, const struct node_watch *,
			       const struct watch_window *, FILE *),
		     const struct watched *c, const struct node_watch *w)
{
	struct watch_window win = { .node = "node-a", .start = 1000, .now = 1060 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	assert_non_null(f);
	rc = fn(c, w, &win, f);
	fclose(f);
	assert_int_equal(rc, 0);
	return text;
}

static int metrics(const struct watched *c, const struct node_watch *w,
		   const struct watch_window *win, FILE *f)
{
	(void)c;
	return watch_report__metrics(w, win, f);
}

static void test_json_line(void **state)
{
	struct node_watch w;
	struct watched c;
	char *line;
	struct ydoc *t = NULL;
	const struct ydoc_node *root;

	(void)state;
	fill(&w, &c, "we\"b\nx");
	line = capture(watch_report__json_line, &c, &w);
	/* One line, and valid JSON whatever the runtime named it. */
	assert_true(strchr(line, '\n') == line + strlen(line) - 1);
	assert_int_equal(ydoc__parse(line, strlen(line), YDOC_ONE_DOCUMENT, &t, &(struct ydoc_error){ 0 }), 0);
	root = t->docs[0].root;
	assert_string_equal(ydoc__text(ydoc__get(root, "container")), "we\"b\nx");
	assert_string_equal(ydoc__text(ydoc__get(root, "namespace")), "shop");
	assert_string_equal(ydoc__text(ydoc__get(root, "unused")->items[0]), "CHOWN");
	assert_string_equal(ydoc__text(ydoc__get(root, "window_seconds")), "60");
	/* lost counts what the map and the table could not hold. */
	assert_string_equal(ydoc__text(ydoc__get(root, "lost")), "3");
	ydoc__free(t);
	free(line);
}

static void test_metrics_escaping(void **state)
{
	struct node_watch w;
	struct watched c;
	char *page;

	(void)state;
	fill(&w, &c, "a\"b\\c\nd");
	page = capture(metrics, &c, &w);
	assert_non_null(strstr(page, "container=\"a\\\"b\\\\c\\nd\""));
	assert_non_null(strstr(page, "capability=\"NET_BIND_SERVICE\",verdict=\"granted\"} 4\n"));
	assert_non_null(strstr(page, "capdiet_capability_unused{"));
	assert_non_null(strstr(page, "# TYPE capdiet_capability_checks counter\n"));
	assert_non_null(strstr(page, "capdiet_observer_lost_total{reason=\"map_full\"} 2\n"));
	/* OpenMetrics: the page ends with # EOF, and no raw newline sits in a label. */
	assert_string_equal(page + strlen(page) - 6, "# EOF\n");
	for (char *l = page; (l = strchr(l, '\n')) && l[1]; l++)
		assert_true(l[1] == '#' || !strncmp(l + 1, "capdiet_", 8));
	free(page);
}

static void test_profile(void **state)
{
	struct node_watch w;
	struct watched c;
	struct watch_window win = { .node = "node-a", .start = 1000, .now = 1060 };
	struct profile *p;

	(void)state;
	fill(&w, &c, "nginx");
	p = watch_report__profile(&c, &w, &win);
	assert_non_null(p);
	assert_string_equal(p->name, "shop.web-7d4b9c6f5-x2x4z.nginx");
	assert_true(p->caps == CAPSET_BIT(10));
	assert_false(p->complete); /* checks were lost on the node */
	assert_true(p->observation->unused == CAPSET_BIT(0));
	assert_string_equal(p->observation->start, "1970-01-01T00:16:40Z");
	assert_string_equal(p->observation->end, "1970-01-01T00:17:40Z");
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_metrics_escaping),
		cmocka_unit_test(test_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
