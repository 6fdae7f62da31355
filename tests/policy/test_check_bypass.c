// SPDX-License-Identifier: MIT
/*
 * Manifests a cluster reads one way and a lenient gate another: each of
 * these passed `capdiet check` before its fix (docs/check.md).
 */
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
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_render.h"

static char err[512];
static char tmpdir[] = "/tmp/capdiet-bypass-XXXXXX";

static struct check_inventory parse_ok(const char *yaml)
{
	struct check_inventory inv = { 0 };

	if (check__parse_buffer(&inv, yaml, strlen(yaml), "m.yaml", err, sizeof(err)))
		fail_msg("parse failed: %s", err);
	return inv;
}

/* yaml is refused (-EINVAL, nothing kept) with an error starting with prefix. */
static void parse_fails(const char *yaml, const char *prefix)
{
	struct check_inventory inv = { 0 };

	err[0] = '\0';
	assert_int_equal(check__parse_buffer(&inv, yaml, strlen(yaml), "m.yaml", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(inv.n, 0);
	check_inventory__clear(&inv);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error '%s' does not start with '%s'", err, prefix);
}

/* A Pod whose one container has the securityContext sc (flow YAML). */
static const char *pod(const char *sc)
{
	static char yaml[1024];

	snprintf(yaml, sizeof(yaml), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
		 "spec:\n  containers:\n    - name: c\n      securityContext: %s\n", sc);
	return yaml;
}

static void test_bare_names(void **state)
{
	(void)state;
	assert_true(caps__name_is_bare("ALL"));
	assert_true(caps__name_is_bare("net_raw"));
	assert_false(caps__name_is_bare("CAP_ALL"));
	assert_false(caps__name_is_bare("Cap_Net_Raw"));
	assert_false(caps__name_is_bare(" ALL"));
	assert_false(caps__name_is_bare("ALL\t"));
}

/* containerd drops "CAP_" + the name: CAP_ALL and " all " drop nothing. */
static void test_kubernetes_drop_spelling(void **state)
{
	struct check_inventory inv;

	(void)state;
	parse_fails(pod("{capabilities: {drop: [CAP_ALL]}}"),
		    "m.yaml:7: drop entry 'CAP_ALL' of Pod/p container c: Kubernetes runtimes "
		    "add CAP_ themselves and take the name as written, so this drops nothing; write ALL");
	parse_fails(pod("{capabilities: {drop: [\" all \"]}}"), "m.yaml:7: drop entry ' all '");
	parse_fails(pod("{capabilities: {drop: [ALL, CAP_NET_RAW]}}"), "m.yaml:7: drop entry 'CAP_NET_RAW'");
	/* an unknown name stays the unknown-name error */
	parse_fails(pod("{capabilities: {drop: [CAP_NET_RAWW]}}"), "m.yaml:7: unknown capability 'CAP_NET_RAWW'");
	/* case is the runtime's to fold; an add spelled with CAP_ is read (strict side) */
	inv = parse_ok(pod("{capabilities: {drop: [all], add: [CAP_NET_BIND_SERVICE]}}"));
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].caps == CAPSET_BIT(CAP_NET_BIND_SERVICE));
	check_inventory__clear(&inv);
	/* Compose is read as Docker reads it: CAP_ optional */
	inv = parse_ok("services: {web: {cap_drop: [CAP_ALL], cap_add: [CAP_NET_RAW]}}\n");
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].caps == CAPSET_BIT(CAP_NET_RAW));
	check_inventory__clear(&inv);
}

/* kubectl's go-yaml applies merge keys in order, the later winning. */
static void test_merge_order(void **state)
{
	struct check_inventory inv;

	(void)state;
	parse_fails(pod("{capabilities: {drop: [ALL]}, privileged: false, <<: {privileged: true}}"),
		    "m.yaml:7: merge key '<<' brings 'privileged', written before it at line 7");
	parse_fails(pod("{capabilities: {drop: [ALL]}, <<: {privileged: false}, <<: {privileged: true}}"),
		    "m.yaml:7: a second merge key '<<' in one mapping (the first at line 7)");
	/* the same through aliases, in a Compose file */
	parse_fails("x: &p {privileged: true}\nservices:\n  web:\n    privileged: false\n    <<: *p\n",
		    "m.yaml:5: merge key '<<' brings 'privileged', written before it at line 4");
	/* '<<' first, overrides after it: one meaning to every reader */
	inv = parse_ok(pod("{<<: {privileged: true, capabilities: {drop: [ALL]}}, privileged: false}"));
	assert_int_equal(inv.n, 1);
	assert_false(inv.v[0].privileged);
	assert_true(inv.v[0].caps == 0);
	check_inventory__clear(&inv);
	/* a list of mappings in one '<<': the earlier wins, for go-yaml too */
	inv = parse_ok(pod("{<<: [{privileged: true}, {privileged: false}], capabilities: {drop: [ALL]}}"));
	assert_true(inv.v[0].privileged);
	check_inventory__clear(&inv);
}

static void test_tags(void **state)
{
	struct check_inventory inv;

	(void)state;
	/* kubectl reads this key as privileged */
	parse_fails(pod("{capabilities: {drop: [ALL]}, !!binary cHJpdmlsZWdlZA==: true}"),
		    "m.yaml:7: tag !!binary is not allowed in a manifest");
	/* ... also where a written key of the same text would drop it from the tree */
	parse_fails(pod("{<<: {!!binary cHJpdmlsZWdlZA==: true}, cHJpdmlsZWdlZA==: 1}"),
		    "m.yaml:7: tag !!binary is not allowed in a manifest");
	/* ... and in a document that would otherwise be skipped: it can hide apiVersion */
	parse_fails("!!binary YXBpVmVyc2lvbg==: v1\nkind: Pod\n", "m.yaml:1: tag !!binary");
	parse_fails(pod("{capabilities: {drop: !odd [ALL]}}"), "m.yaml:7: tag !odd is not allowed in a manifest");
	parse_fails(pod("{privileged: !<tag:yaml.org,2002:timestamp> 2001-01-01}"),
		    "m.yaml:7: tag !!timestamp is not allowed in a manifest");
	parse_fails("services: {web: {cap_add: !Ref Caps}}\n", "m.yaml:1: tag !Ref is not allowed");
	/* core tags and Compose's own are read; another tool's file is skipped with its tags */
	inv = parse_ok(pod("{privileged: !!bool false, capabilities: !!map {drop: !!seq [!!str ALL]}}"));
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].caps == 0);
	check_inventory__clear(&inv);
	inv = parse_ok("services: {web: {cap_drop: [ALL], cap_add: !reset []}}\n"
		       "---\nResources: {B: {Properties: {Name: !Ref N}}}\n");
	assert_int_equal(inv.n, 1);
	check_inventory__clear(&inv);
}

static void test_custom_resources(void **state)
{
	struct check_inventory inv;

	(void)state;
	/* a Volcano Job is not batch's Job: its pods are under spec.tasks[] */
	inv = parse_ok("apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nmetadata: {name: train}\n"
		       "spec: {tasks: [{name: w, template: {spec: {containers: [\n"
		       "  {name: t, securityContext: {capabilities: {drop: [ALL], add: [SYS_ADMIN]}}},\n"
		       "  {name: u, image: u}]}}}]}\n");
	assert_int_equal(inv.n, 2);
	assert_string_equal(inv.v[0].kind, "Job");
	assert_string_equal(inv.v[0].name, "train");
	assert_string_equal(inv.v[0].container, "t");
	assert_true(inv.v[0].caps == CAPSET_BIT(CAP_SYS_ADMIN));
	assert_true(inv.v[1].caps == caps__docker_default()); /* no securityContext: defaults */
	check_inventory__clear(&inv);
	/* a Tekton Task: steps are containers, the stepTemplate too; each once */
	inv = parse_ok("apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: build}\n"
		       "spec:\n  stepTemplate: {securityContext: {capabilities: {drop: [ALL]}}}\n"
		       "  steps:\n    - {name: a, securityContext: {privileged: true}}\n"
		       "    - {name: b, image: x}\n");
	assert_int_equal(inv.n, 2);
	assert_string_equal(inv.v[0].container, "(unnamed)");
	assert_true(inv.v[0].caps == 0);
	assert_string_equal(inv.v[1].container, "a");
	assert_true(inv.v[1].privileged);
	check_inventory__clear(&inv);
	/* entries without an image grant nothing of their own: a policy's
	 * parameters, a pattern that is no image; a securityContext still counts */
	inv = parse_ok("apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K\nmetadata: {name: k}\n"
		       "spec: {parameters: {containers: [{name: web, allowedCapabilities: [SETUID]}]}}\n"
		       "---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: k}\n"
		       "spec: {rules: [{validate: {pattern: {spec: {containers: [{image: \"!*:latest\"}]}}}},\n"
		       "  {mutate: {patchStrategicMerge: {spec: {containers: [{(name): \"*\",\n"
		       "    securityContext: {capabilities: {add: [NET_ADMIN]}}}]}}}}]}\n");
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].kind, "ClusterPolicy");
	assert_true(caps__has(inv.v[0].caps, CAP_NET_ADMIN));
	check_inventory__clear(&inv);
	/* a List of another group is searched whole too */
	inv = parse_ok("apiVersion: example.com/v1\nkind: WorkloadList\nspec: {template: {spec: "
		       "{containers: [{name: c, securityContext: {privileged: true}}]}}}\n");
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].privileged);
	check_inventory__clear(&inv);
	/* a built-in kind without a pod spec has no containers */
	inv = parse_ok("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n");
	assert_int_equal(inv.n, 0);
	check_inventory__clear(&inv);
	/* apiVersion and containers, no kind: refused, as documented */
	parse_fails("apiVersion: apps/v1\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: c}]\n",
		    "m.yaml:1: an object without kind, with a container at line 5: add kind");
	parse_fails("apiVersion: v1\nkind: List\nitems:\n  - metadata: {name: x}\n"
		    "    spec: {containers: [{name: c, image: c}]}\n", "m.yaml:4: an object without kind");
	/* apiVersion without containers (a Helm Chart.yaml) is no workload */
	inv = parse_ok("apiVersion: v2\nname: chart\nversion: 0.1.0\n");
	assert_int_equal(inv.n, 0);
	check_inventory__clear(&inv);
}

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
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes tmpdir/name, making its directories. */
static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	for (char *p = path + strlen(tmpdir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct check_inventory collect(const char *dir, struct strlist *errors)
{
	struct check_inventory inv = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, dir);
	assert_int_equal(check__collect_path(&inv, path, errors), 0);
	return inv;
}

static const char privileged_pod[] =
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	"spec: {containers: [{name: c, securityContext: {privileged: true}}]}\n";

/* kubectl apply -f reads .x.yaml, and with -R .x/; .git is no manifest's. */
static void test_hidden_files(void **state)
{
	struct strlist errors = { 0 };
	struct check_inventory inv;

	(void)state;
	put("h/.evil.yaml", privileged_pod);
	put("h/.x/evil.yaml", privileged_pod);
	put("h/.git/evil.yaml", privileged_pod);
	inv = collect("h", &errors);
	assert_int_equal(errors.n, 0);
	assert_int_equal(inv.files, 2);
	assert_int_equal(inv.n, 2);
	assert_true(inv.v[0].privileged && inv.v[1].privileged);
	check_inventory__clear(&inv);
}

/* A marker file must not hide the manifests beside it. */
static void test_beside_charts_and_overlays(void **state)
{
	struct strlist errors = { 0 };
	struct check_inventory inv;

	(void)state;
	put("k/Kustomization", "resources: []\n");
	put("k/deploy.yaml", privileged_pod);
	put("k/base/kustomization.yaml", "resources: []\n");
	put("k/base/pod.yaml", privileged_pod);
	/* no Kubernetes object: kubectl apply -f would not apply these */
	put("k/profile.yaml", "capdiet_profile: 1\nname: x\ncaps: [SYS_ADMIN]\n");
	put("k/compose.yaml", "services: {web: {privileged: true}}\n");
	inv = collect("k", &errors);
	assert_int_equal(errors.n, 1); /* not rendered: named, exit 2 */
	assert_non_null(strstr(errors.v[0], "a Kustomize overlay, not checked"));
	assert_int_equal(inv.files, 4); /* all but the kustomization files; 2 with objects */
	assert_int_equal(inv.n, 2);
	assert_true(inv.v[0].privileged && inv.v[1].privileged);
	check_inventory__clear(&inv);
	strlist__clear(&errors);

	put("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n");
	put("c/templates/pod.yaml", "{{ if .Values.x }}\nkind: [\n");
	put("c/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
	put("c/charts/sub/templates/pod.yaml", "{{ end }}\n");
	put("c/extra/deploy.yaml", privileged_pod);
	inv = collect("c", &errors);
	assert_int_equal(errors.n, 1); /* the chart; no template read, no subchart on its own */
	assert_non_null(strstr(errors.v[0], "a Helm chart, not checked"));
	assert_int_equal(inv.files, 3); /* two Chart.yaml and extra/deploy.yaml */
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].privileged);
	check_inventory__clear(&inv);
	strlist__clear(&errors);
	assert_true(check_render__tool_reads("any", "kustomization.yml"));
	assert_false(check_render__tool_reads("any", "templates")); /* no Chart.yaml there */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_names),
		cmocka_unit_test(test_kubernetes_drop_spelling),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_custom_resources),
		cmocka_unit_test(test_hidden_files),
		cmocka_unit_test(test_beside_charts_and_overlays),
	};

	return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
