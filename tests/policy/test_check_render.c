// SPDX-License-Identifier: MIT
/*
 * Charts and overlays in the directory walk: told by their marker file,
 * never read as plain YAML, reported as not checked without --render, and
 * a missing tool named with --render.  Rendering itself with the real
 * helm and kubectl is in tests/integration/test_check_render.sh.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capdiet/policy/check.h"
#include "capdiet/policy/check_render.h"

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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/capdiet-render-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir/name, its directories made on the way. */
static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	for (char *p = path + strlen(tmpdir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const char *at(const char *name)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

/* A template that is no manifest as YAML, and one that looks like a privileged Pod. */
static void put_chart(const char *dir)
{
	char name[128];

	snprintf(name, sizeof(name), "%s/Chart.yaml", dir);
	put(name, "apiVersion: v2\nname: web\nversion: 0.1.0\n");
	snprintf(name, sizeof(name), "%s/templates/broken.yaml", dir);
	put(name, "{{- if .Values.x }}\nkind: [\n{{- end }}\n");
	snprintf(name, sizeof(name), "%s/templates/pod.yaml", dir);
	put(name, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	    "spec: {containers: [{name: c, securityContext: {privileged: true}}]}\n");
}

static void test_kind(void **state)
{
	(void)state;
	put("kind/chart/Chart.yaml", "name: x\n");
	put("kind/yaml/kustomization.yaml", "resources: []\n");
	put("kind/yml/kustomization.yml", "resources: []\n");
	put("kind/cap/Kustomization", "resources: []\n");
	put("kind/both/Chart.yaml", "name: x\n");
	put("kind/both/kustomization.yaml", "resources: []\n");
	put("kind/plain/pod.yaml", "kind: Pod\n");
	put("kind/fake/Chart.yaml/x", "a directory named Chart.yaml is no chart\n");
	assert_int_equal(check_render__kind(at("kind/chart")), CHECK_RENDER_HELM);
	assert_int_equal(check_render__kind(at("kind/yaml")), CHECK_RENDER_KUSTOMIZE);
	assert_int_equal(check_render__kind(at("kind/yml")), CHECK_RENDER_KUSTOMIZE);
	assert_int_equal(check_render__kind(at("kind/cap")), CHECK_RENDER_KUSTOMIZE);
	assert_int_equal(check_render__kind(at("kind/both")), CHECK_RENDER_HELM);
	assert_int_equal(check_render__kind(at("kind/plain")), CHECK_RENDER_NONE);
	assert_int_equal(check_render__kind(at("kind/fake")), CHECK_RENDER_NONE);
}

static void test_release_name(void **state)
{
	char name[64];

	(void)state;
	check_render__release_name("charts/web/", name, sizeof(name));
	assert_string_equal(name, "web");
	check_render__release_name("charts/My_App..v2", name, sizeof(name));
	assert_string_equal(name, "my-app-v2");
	check_render__release_name("--", name, sizeof(name));
	assert_string_equal(name, "release");
	check_render__release_name("/x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", name,
				   sizeof(name));
	assert_int_equal(strlen(name), 53);
}

/* Collects path as the walk does; the problems in errors. */
static struct check_inventory collect(const char *path, const struct check_render *render,
				      struct strlist *errors)
{
	struct check_inventory inv = { .render = render };

	assert_int_equal(check__collect_path(&inv, path, errors), 0);
	return inv;
}

static void assert_has(const struct strlist *l, const char *a, const char *b)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->v[i], a) && strstr(l->v[i], b))
			return;
	fail_msg("no problem names '%s' and '%s' (%zu problems, first: %s)", a, b, l->n,
		 l->n ? l->v[0] : "none");
}

/* Without --render a chart is not checked, loudly; its templates are not read. */
static void test_chart_not_checked(void **state)
{
	struct strlist errors = { 0 };
	struct check_inventory inv;

	(void)state;
	put_chart("repo/charts/web");
	put_chart("repo/charts/web/charts/sub"); /* a subchart belongs to its parent */
	put("repo/k8s/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
	    "spec: {containers: [{name: a}]}\n");
	inv = collect(at("repo"), NULL, &errors);
	assert_int_equal(errors.n, 1);
	assert_has(&errors, at("repo/charts/web: a Helm chart, not checked"),
		   "render it: helm template ");
	assert_has(&errors, "| capdiet check -", "--render");
	/* k8s/pod.yaml, and each chart's Chart.yaml beside its templates/ (read as
	 * kubectl apply -f would: no containers); no template is read */
	assert_int_equal(inv.files, 3);
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].name, "a");
	check_inventory__clear(&inv);
	strlist__clear(&errors);

	/* given directly, the same */
	inv = collect(at("repo/charts/web"), NULL, &errors);
	assert_int_equal(errors.n, 1);
	assert_int_equal(inv.files, 2);
	assert_int_equal(inv.n, 0);
	check_inventory__clear(&inv);
	strlist__clear(&errors);
}

static void test_overlay_not_checked(void **state)
{
	struct check_render no = { .render = false };
	struct strlist errors = { 0 };
	struct check_inventory inv;

	(void)state;
	put("ov/prod/kustomization.yaml", "resources: [../base]\npatches: [{path: p.yaml}]\n");
	put("ov/prod/p.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n"
	    "spec: {template: {spec: {containers: [{name: w, securityContext: {privileged: true}}]}}}\n");
	put("ov/prod/extra.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"
	    "spec: {containers: [{name: x, securityContext: {privileged: true}}]}\n");
	inv = collect(at("ov"), &no, &errors);
	assert_int_equal(errors.n, 1);
	assert_has(&errors, "a Kustomize overlay, not checked", "kubectl kustomize ");
	/* The patch the kustomization names is the tool's (a patch alone is
	 * partial); a file it does not name is checked as kubectl apply -f
	 * DIR would apply it. */
	assert_int_equal(inv.files, 1);
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].kind, "Pod");
	assert_true(inv.v[0].privileged);
	check_inventory__clear(&inv);
	strlist__clear(&errors);
}

/* A hint is pasted into a shell: an odd directory name is quoted. */
static void test_hint_quotes(void **state)
{
	struct strlist errors = { 0 };
	struct check_inventory inv;

	(void)state;
	put("odd/it's $web/Chart.yaml", "name: x\n");
	inv = collect(at("odd"), NULL, &errors);
	assert_int_equal(errors.n, 1);
	assert_has(&errors, "helm template '", "/odd/it'\\''s $web' | capdiet check -");
	check_inventory__clear(&inv);
	strlist__clear(&errors);
}

/* --render where the tools are not installed: named, with how to get them. */
static void test_render_tool_missing(void **state)
{
	const char *values[] = { "values.yaml" };
	struct check_render render = { true, values, 1 };
	struct strlist errors = { 0 };
	struct check_inventory inv;
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	(void)state;
	put_chart("missing/chart");
	put("missing/overlay/kustomization.yaml", "resources: []\n");
	setenv("PATH", at("missing/no-tools-here"), 1);
	inv = collect(at("missing"), &render, &errors);
	if (path)
		setenv("PATH", path, 1);
	free(path);
	assert_int_equal(errors.n, 2);
	assert_has(&errors, "helm is not installed", "install Helm");
	assert_has(&errors, "neither kustomize nor kubectl is installed", "kubernetes-client");
	assert_int_equal(inv.files, 1); /* the chart's Chart.yaml, beside its templates/ */
	assert_int_equal(inv.n, 0);
	check_inventory__clear(&inv);
	strlist__clear(&errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_release_name),
		cmocka_unit_test(test_chart_not_checked),
		cmocka_unit_test(test_overlay_not_checked),
		cmocka_unit_test(test_hint_quotes),
		cmocka_unit_test(test_render_tool_missing),
	};

	return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
