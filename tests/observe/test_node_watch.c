// SPDX-License-Identifier: MIT
/*
 * capdiet observe's containers over a cgroup tree made of plain
 * directories: which directory is a container, what its processes hold
 * (cgroup.procs lists this test's own pid), checks attributed by the
 * directory's inode (a cgroup's id), exit, eviction and no comeback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/proc.h"
#include "capdiet/observe/node_watch.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char root[64];

static void mkcg(const char *rel, bool with_self)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	if (with_self)
		fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

static void empty_procs(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s/cgroup.procs", root, rel);
	assert_int_equal(truncate(path, 0), 0);
}

static uint64_t ino(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/capdiet-nw.XXXXXX");
	assert_non_null(mkdtemp(root));
	mkcg("/machine.slice", false);
	mkcg("/machine.slice/libpod-" ID_A ".scope", true);
	mkcg("/machine.slice/libpod-" ID_A ".scope/container", false);
	mkcg("/machine.slice/libpod-" ID_B ".scope", true);
	mkcg("/user.slice", true);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static struct watched *find(struct node_watch *w, const char *id)
{
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].id.id, id))
			return &w->v[i];
	return NULL;
}

static void test_walk_and_attribute(void **state)
{
	struct node_watch w;
	capset_t sets[PROC_CAP_SETS];
	struct node_count nc = { .cap = 10, .count = 3, .audited = 1, .pid = 7,
				 .syscall = 49, .comm = "httpd" };
	struct watched *a;

	(void)state;
	assert_int_equal(proc__read_caps(getpid(), sets), 0);
	assert_int_equal(node_watch__init(&w, root, 8, NULL), 0);
	assert_int_equal(node_watch__refresh(&w, 100), 0);
	/* Two containers; user.slice and the sub-cgroup are none. */
	assert_int_equal(w.n, 2);
	a = find(&w, ID_A);
	assert_non_null(a);
	assert_string_equal(a->cgroup, "/machine.slice/libpod-" ID_A ".scope");
	assert_true(a->held == sets[PROC_CAP_BND]);
	/* A check in its sub-cgroup is the container's; a noaudit one is no use. */
	nc.cgroup = ino("/machine.slice/libpod-" ID_A ".scope/container");
	assert_int_equal(node_watch__count(&w, &nc, 101), 0);
	nc.cap = 21;
	nc.audited = 0;
	assert_int_equal(node_watch__count(&w, &nc, 101), 0);
	a = find(&w, ID_A);
	assert_true(a->used == CAPSET_BIT(10));
	assert_int_equal(a->granted[10] + a->granted[21], 6);
	assert_int_equal(a->use[10].syscall, 49);
	assert_string_equal(a->use[10].comm, "httpd");
	assert_true(watched__unused(a) == (a->held & ~CAPSET_BIT(10)));
	/* user.slice is no container: counted as unattributed, not lost. */
	nc.cgroup = ino("/user.slice");
	assert_int_equal(node_watch__count(&w, &nc, 101), 0);
	assert_int_equal(w.unattributed, 3);
	node_watch__clear(&w);
}

static void test_exit_evict_no_comeback(void **state)
{
	struct node_watch w;
	struct watched *b;

	(void)state;
	assert_int_equal(node_watch__init(&w, root, 8, NULL), 0);
	assert_int_equal(node_watch__refresh(&w, 100), 0);
	/* Its processes gone, its directory still there (a stopped container). */
	empty_procs("/machine.slice/libpod-" ID_B ".scope");
	assert_int_equal(node_watch__refresh(&w, 110), 0);
	b = find(&w, ID_B);
	assert_non_null(b);
	assert_true(b->exited);
	b->reported = true;
	assert_int_equal(node_watch__evict(&w), 1);
	assert_int_equal(w.evicted, 1);
	assert_null(find(&w, ID_B));
	/* The next walk still finds the directory: it stays buried. */
	assert_int_equal(node_watch__refresh(&w, 120), 0);
	assert_null(find(&w, ID_B));
	assert_non_null(find(&w, ID_A));
	node_watch__clear(&w);
}

static void test_table_full(void **state)
{
	struct node_watch w;
	struct node_count nc = { .cap = 0, .count = 5, .audited = 5 };

	(void)state;
	assert_int_equal(node_watch__init(&w, root, 1, NULL), 0);
	assert_int_equal(node_watch__refresh(&w, 100), 0);
	assert_int_equal(w.n, 1);
	nc.cgroup = ino(find(&w, ID_A) ? "/machine.slice/libpod-" ID_B ".scope" :
			"/machine.slice/libpod-" ID_A ".scope");
	assert_int_equal(node_watch__count(&w, &nc, 101), 0);
	assert_int_equal(w.dropped, 5);
	node_watch__clear(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_walk_and_attribute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_evict_no_comeback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
