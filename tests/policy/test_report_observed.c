// SPDX-License-Identifier: MIT
/* The report of a profile made by capdiet observe: shown as observed, with
 * its window, nodes and sets, and never as a learned minimum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/policy/report.h"

#define CAVEAT "Observation shows what was used in the window, not what is needed: a " \
	       "capability used only on a rare path may be missing, and a trial (`capdiet " \
	       "run`) gives the minimum with evidence."

static struct profile *observed(void)
{
	struct profile *p = profile__new();
	struct profile_observation *o = profile__add_observation(p);
	struct profile_evidence *e;

	assert_non_null(o);
	p->name = strdup("shop.web.nginx");
	o->runtime = strdup("kubernetes");
	o->node = strdup("node-a");
	o->namespace = strdup("shop");
	o->pod = strdup("web-7d9f8c6b5-x2x4z");
	o->container = strdup("nginx");
	o->start = strdup("2026-11-29T12:00:00Z");
	o->end = strdup("2026-11-29T13:00:00Z");
	o->seconds = 3600;
	o->checks = 12;
	o->held = caps__docker_default();
	o->used = CAPSET_BIT(CAP_NET_BIND_SERVICE);
	o->denied = CAPSET_BIT(CAP_SYS_ADMIN);
	o->unused = o->held & ~o->used;
	o->counts[CAP_NET_BIND_SERVICE] = 10;
	o->counts[CAP_SYS_ADMIN] = 2;
	p->caps = o->used;
	e = profile__add_needed(p, CAP_NET_BIND_SERVICE);
	e->count = 10;
	strlist__add(&e->syscalls, "bind");
	return p;
}

static char *report(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(report__write(p, out), 0);
	fclose(out);
	return buf;
}

static void has(const char *text, const char *piece)
{
	if (!strstr(text, piece))
		fail_msg("no '%s' in:\n%s", piece, text);
}

static void test_observed_report(void **state)
{
	struct profile *p = observed();
	char *md = report(p);

	(void)state;
	has(md, "# Observed capability use: shop.web.nginx\n");
	has(md, CAVEAT);
	has(md, "| Window | 2026-11-29T12:00:00Z to 2026-11-29T13:00:00Z (3600 s) |");
	has(md, "| Node | `node-a` |");
	has(md, "| Workload | namespace `shop`, pod `web-7d9f8c6b5-x2x4z`, container `nginx` |");
	has(md, "| Used (granted checks) | `NET_BIND_SERVICE` |");
	has(md, "| Denied (failed checks) | `SYS_ADMIN` |");
	has(md, "| **Unused: held, never checked; can be dropped** | `CHOWN`, `DAC_OVERRIDE`");
	has(md, "| NET_BIND_SERVICE | yes | 10 | used |");
	has(md, "| SYS_ADMIN | no | 2 | denied |");
	has(md, "| KILL | yes | 0 | unused: can be dropped |");
	has(md, "--cap-drop=ALL --cap-add=NET_BIND_SERVICE");
	has(md, "### NET_BIND_SERVICE");
	/* Never presented as a learned minimum. */
	assert_null(strstr(md, "## Minimum set"));
	assert_null(strstr(md, "Trial history"));
	assert_null(strstr(md, "## Nodes")); /* one node: in the header */
	free(md);
	profile__free(p);
}

static void test_merged_nodes(void **state)
{
	struct profile *p = observed();
	struct profile_node_count *n;
	char *md;

	(void)state;
	free(p->observation->node);
	p->observation->node = NULL;
	n = profile_observation__add_node(p->observation);
	n->node = strdup("node-a");
	n->replicas = 2;
	n->checks = 9;
	n->seconds = 5400;
	n = profile_observation__add_node(p->observation);
	n->node = strdup("node|b");
	n->replicas = 1;
	n->checks = 3;
	n->seconds = 3600;
	md = report(p);
	has(md, "| Nodes | `node-a` (2 replicas), `node\\|b` (1 replica) |");
	has(md, "## Nodes\n\n| Node | Replicas | Checks | Seconds watched |\n|---|---|---|---|\n"
		"| node-a | 2 | 9 | 5400 |\n| node\\|b | 1 | 3 | 3600 |\n");
	free(md);
	profile__free(p);
}

static void set(char **field, const char *text)
{
	free(*field);
	*field = strdup(text);
	assert_non_null(*field);
}

/* Names from the cluster reach a terminal or a CI log: no escape sequence,
 * C1 control or line break of theirs is written as is. */
static void test_control_characters_escaped(void **state)
{
	struct profile *p = observed();
	struct profile_observation *o = p->observation;
	char *md;

	(void)state;
	set(&o->node, "node-a\x1b]0;pwned\x07");
	set(&o->pod, "web\x1b[2J");
	set(&o->container, "nginx\xc2\x9b" "31m\x7f");
	set(&o->runtime, "kube\rrnetes\x08");
	set(&o->namespace, "sh\xffop");
	md = report(p);
	for (const unsigned char *c = (const unsigned char *)md; *c; c++) {
		if ((*c < 0x20 && *c != '\n') || *c == 0x7f || *c == 0xff ||
		    (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f))
			fail_msg("control byte 0x%02x at offset %td of:\n%s", *c,
				 (const char *)c - md, md);
	}
	has(md, "`node-a\\x1b]0;pwned\\x07`");
	has(md, "pod `web\\x1b[2J`");
	has(md, "container `nginx\\xc2\\x9b" "31m\\x7f`");
	has(md, "namespace `sh\\xffop`");
	free(md);
	profile__free(p);
}

/* A trial's profile reads as it did. */
static void test_learned_unchanged(void **state)
{
	struct profile *p = observed();
	char *md;

	(void)state;
	profile_observation__free(p->observation);
	p->observation = NULL;
	md = report(p);
	has(md, "# Capability justification: shop.web.nginx");
	has(md, "## Minimum set");
	assert_null(strstr(md, "Observed, not learned"));
	assert_null(strstr(md, "Observed capability use"));
	assert_null(strstr(md, "Window"));
	free(md);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observed_report),
		cmocka_unit_test(test_merged_nodes),
		cmocka_unit_test(test_learned_unchanged),
		cmocka_unit_test(test_control_characters_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
