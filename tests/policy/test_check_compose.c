// SPDX-License-Identifier: MIT
/* Compose's merge at the gate: -f files as one project, extends, !reset, !override. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_compose.h"

#define BIT(c) CAPSET_BIT(c)

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tmp_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/capdiet-compose-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes text to tmpdir/name (a directory on the way is made); its path in out. */
static const char *write_file(const char *name, const char *text, char *out, size_t len)
{
	char dir[256], *slash;
	FILE *f;

	snprintf(out, len, "%s/%s", tmpdir, name);
	snprintf(dir, sizeof(dir), "%s", out);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdir(dir, 0700);
	f = fopen(out, "we");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* -f files...: asserts no problem, returns the inventory. */
static struct check_inventory project_ok(const char *const *files, size_t n)
{
	struct check_inventory inv = { 0 };
	struct strlist errors = { 0 };

	assert_int_equal(check__collect_compose(&inv, files, n, &errors), 0);
	if (errors.n)
		fail_msg("unexpected problem: %s", errors.v[0]);
	strlist__clear(&errors);
	assert_int_equal(inv.files, n);
	return inv;
}

/* -f files...: asserts one problem naming each needle, and nothing kept. */
static void project_fails(const char *const *files, size_t n, const char *a, const char *b)
{
	struct check_inventory inv = { 0 };
	struct strlist errors = { 0 };

	assert_int_equal(check__collect_compose(&inv, files, n, &errors), 0);
	assert_int_equal(errors.n, 1);
	if (!strstr(errors.v[0], a) || (b && !strstr(errors.v[0], b)))
		fail_msg("problem '%s' does not name '%s' and '%s'", errors.v[0], a, b ? b : "");
	assert_int_equal(inv.n, 0);
	assert_int_equal(inv.files, 0);
	strlist__clear(&errors);
	check_inventory__clear(&inv);
}

static const struct check_container *find(const struct check_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n; i++)
		if (!strcmp(inv->v[i].name, name))
			return &inv->v[i];
	fail_msg("no service %s", name);
	return NULL;
}

/* The file a capability is reported in. */
static const char *cap_file(const struct check_container *c, int cap)
{
	return c->cap_file && c->cap_file[cap] ? c->cap_file[cap] : c->file;
}

static const char base_yml[] =
	"services:\n"
	"  web:\n"                 /* 2 */
	"    image: nginx\n"
	"    cap_drop: [ALL]\n"
	"    cap_add:\n"
	"      - NET_BIND_SERVICE\n" /* 6 */
	"  worker:\n"              /* 7 */
	"    cap_drop: [ALL]\n"
	"    cap_add:\n"
	"      - CHOWN\n";         /* 10 */

/* A later file's cap_add adds to the base's, reported where it was written. */
static void test_override_adds(void **state)
{
	char a[256], b[256];
	const char *files[] = { write_file("add/base.yml", base_yml, a, sizeof(a)),
				write_file("add/admin.yml", "services:\n  web:\n    cap_add:\n"
					   "      - SYS_ADMIN\n", b, sizeof(b)) };
	struct check_inventory inv = project_ok(files, 2);
	const struct check_container *web = find(&inv, "web");

	(void)state;
	assert_int_equal(inv.n, 2);
	assert_string_equal(web->file, a);      /* reported at its first definition */
	assert_int_equal(web->line, 2);
	assert_true(web->caps == (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_ADMIN)));
	assert_int_equal(web->cap_line[CAP_SYS_ADMIN], 4);
	assert_string_equal(cap_file(web, CAP_SYS_ADMIN), b);
	assert_int_equal(web->cap_line[CAP_NET_BIND_SERVICE], 6);
	assert_string_equal(cap_file(web, CAP_NET_BIND_SERVICE), a);
	assert_true(find(&inv, "worker")->caps == BIT(CAP_CHOWN));
	check_inventory__clear(&inv);
}

/* !reset removes the base's list; !override replaces it; the whole service too. */
static void test_reset_and_override(void **state)
{
	static const char base[] = "services:\n"
				   "  web:\n    cap_drop: [ALL]\n    cap_add: [NET_BIND_SERVICE]\n"
				   "  worker:\n    cap_drop: [ALL]\n    cap_add: [CHOWN]\n"
				   "  db:\n    cap_drop: [ALL]\n";
	char a[256], b[256], c[256];
	const char *prod[] = {
		write_file("reset/base.yml", base, a, sizeof(a)),
		write_file("reset/prod.yml",
			   "services:\n"
			   "  worker:\n"
			   "    cap_add: !reset []\n"
			   "  web:\n"
			   "    cap_add: !override\n"
			   "      - SYS_TIME\n"            /* 6 */
			   "  db:\n"
			   "    cap_drop: !reset null\n", b, sizeof(b)),
	};
	const char *gone[] = { a, write_file("reset/gone.yml", "services:\n  worker: !reset {}\n",
					     c, sizeof(c)) };
	struct check_inventory inv = project_ok(prod, 2);
	const struct check_container *web = find(&inv, "web");

	(void)state;
	assert_true(find(&inv, "worker")->caps == 0);
	assert_true(web->caps == BIT(CAP_SYS_TIME)); /* the base's NET_BIND_SERVICE is gone */
	assert_string_equal(cap_file(web, CAP_SYS_TIME), b);
	assert_int_equal(web->cap_line[CAP_SYS_TIME], 6);
	assert_true(find(&inv, "db")->caps == caps__docker_default());
	check_inventory__clear(&inv);

	inv = project_ok(gone, 2);
	assert_int_equal(inv.n, 2);
	assert_string_equal(inv.v[0].name, "web");
	assert_string_equal(inv.v[1].name, "db");
	check_inventory__clear(&inv);
}

/* A later scalar replaces an earlier one: privileged can be turned off, or reset. */
static void test_privileged_replaced(void **state)
{
	char a[256], b[256], c[256];
	const char *files[] = {
		write_file("priv/base.yml", "services:\n  a:\n    privileged: true\n"
			   "  b:\n    privileged: true\n  c:\n    cap_drop: [ALL]\n", a, sizeof(a)),
		write_file("priv/off.yml", "services:\n  a:\n    privileged: false\n"
			   "  b:\n    privileged: !reset true\n", b, sizeof(b)),
		write_file("priv/on.yml", "services:\n  c:\n    privileged: yes\n", c, sizeof(c)),
	};
	struct check_inventory inv = project_ok(files, 3);

	(void)state;
	assert_false(find(&inv, "a")->privileged);
	assert_false(find(&inv, "b")->privileged);
	assert_true(find(&inv, "c")->privileged);
	assert_string_equal(cap_file(find(&inv, "c"), CAP_SYS_ADMIN), c);
	assert_int_equal(find(&inv, "c")->cap_line[CAP_SYS_ADMIN], 3);
	check_inventory__clear(&inv);
}

/* extends within a file (short form) and from another file, relative to the extending one. */
static void test_extends(void **state)
{
	char a[256], b[256];
	const char *files[] = {
		write_file("ext/app.yml",
			   "services:\n"
			   "  base:\n"
			   "    cap_drop: [ALL]\n"
			   "    cap_add: [NET_RAW]\n"      /* 4 */
			   "  web:\n"
			   "    extends: base\n"
			   "    cap_add: [NET_BIND_SERVICE]\n"
			   "  api:\n"                       /* 8 */
			   "    extends: {file: common/agent.yml, service: agent}\n"
			   "    cap_drop: [ALL]\n", a, sizeof(a)),
	};
	struct check_inventory inv;
	const struct check_container *web, *api;

	(void)state;
	write_file("ext/common/agent.yml", "services:\n  agent:\n    image: x\n"
		   "    privileged: true\n", b, sizeof(b));
	inv = project_ok(files, 1);
	web = find(&inv, "web");
	api = find(&inv, "api");
	assert_true(web->caps == (BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE)));
	assert_int_equal(web->cap_line[CAP_NET_RAW], 4);
	assert_int_equal(web->line, 5);
	/* a service that extends a privileged one is privileged, where the base says so */
	assert_true(api->privileged);
	assert_int_equal(api->line, 8);
	assert_string_equal(api->file, a);
	assert_string_equal(cap_file(api, CAP_SYS_ADMIN), b);
	assert_int_equal(api->cap_line[CAP_SYS_ADMIN], 4);
	check_inventory__clear(&inv);
}

/* A file checked as a PATH (check.c's compose path) resolves its extends too. */
static void test_extends_in_parse(void **state)
{
	char a[256], b[256], err[1024];
	struct check_inventory inv = { 0 };
	static const char app[] = "services:\n  api:\n    extends:\n      file: agent.yml\n"
				  "      service: agent\n    cap_drop: [ALL]\n";

	(void)state;
	write_file("parse/app.yml", app, a, sizeof(a));
	write_file("parse/agent.yml", "services:\n  agent:\n    privileged: true\n", b, sizeof(b));
	assert_int_equal(check__parse_buffer(&inv, app, strlen(app), a, err, sizeof(err)), 0);
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].privileged);
	assert_string_equal(cap_file(&inv.v[0], CAP_CHOWN), b);
	check_inventory__clear(&inv);
}

/* Cycles, missing bases and bad names are errors naming file and line. */
static void test_extends_refused(void **state)
{
	char a[256], b[256], c[256], d[256], e[256], f[256], g[256];
	const char *cycle[] = { write_file("bad/a.yml", "services:\n  web:\n    extends:\n"
					   "      file: b.yml\n      service: base\n", a, sizeof(a)) };
	const char *self[] = { write_file("bad/self.yml", "services:\n  web:\n    extends: web\n",
					  b, sizeof(b)) };
	const char *missing[] = { write_file("bad/missing.yml", "services:\n  web:\n"
					     "    extends: nothere\n", c, sizeof(c)) };
	const char *typo[] = { write_file("bad/ok.yml", "services:\n  web:\n    cap_drop: [ALL]\n",
					  d, sizeof(d)),
			       write_file("bad/typo.yml", "services:\n  web:\n    cap_add:\n"
					  "      - SYS_ADMN\n", e, sizeof(e)) };
	const char *k8s[] = { d, write_file("bad/k8s.yml", "apiVersion: v1\nkind: Pod\n", f,
					    sizeof(f)) };
	const char *absent[] = { d, "/nonexistent/compose.yml" };

	(void)state;
	write_file("bad/b.yml", "services:\n  base:\n    extends:\n      file: a.yml\n"
		   "      service: web\n", g, sizeof(g));
	project_fails(cycle, 1, "extends cycle", "b.yml:3:");
	project_fails(self, 1, "extends cycle", "self.yml:3:");
	project_fails(missing, 1, "missing.yml:3:", "nothere");
	project_fails(typo, 2, "typo.yml:4:", "SYS_ADMN");
	project_fails(k8s, 2, "not a Compose file", "k8s.yml");
	project_fails(absent, 2, "/nonexistent/compose.yml", "cannot read");
}

/* The parser keeps tags of sequences and mappings, which !reset and !override need. */
static void test_ydoc_keeps_collection_tags(void **state)
{
	static const char yaml[] = "a: !reset []\nb: !override {x: 1}\nc: [1]\n";
	struct ydoc_error e;
	struct ydoc *t;

	(void)state;
	assert_int_equal(ydoc__parse(yaml, strlen(yaml), 0, &t, &e), 0);
	assert_string_equal(ydoc__get(t->docs[0].root, "a")->tag, "!reset");
	assert_string_equal(ydoc__get(t->docs[0].root, "b")->tag, "!override");
	assert_null(ydoc__get(t->docs[0].root, "c")->tag);
	ydoc__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_adds),
		cmocka_unit_test(test_reset_and_override),
		cmocka_unit_test(test_privileged_replaced),
		cmocka_unit_test(test_extends),
		cmocka_unit_test(test_extends_in_parse),
		cmocka_unit_test(test_extends_refused),
		cmocka_unit_test(test_ydoc_keeps_collection_tags),
	};

	return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
