// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
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

#include "capdiet/policy/check.h"
#include "capdiet/core/ydoc.h"

#define BIT(c) CAPSET_BIT(c)

static char err[512];

/* Parses yaml as file name; asserts success and returns the inventory. */
static struct check_inventory parse_ok(const char *yaml, const char *file)
{
	struct check_inventory inv = { 0 };
	int rc = check__parse_buffer(&inv, yaml, strlen(yaml), file, err, sizeof(err));

	if (rc)
		fail_msg("parse of %s failed (%d): %s", file, rc, err);
	return inv;
}

/* Parses yaml, asserts -EINVAL, nothing kept, and err starting with prefix. */
static void parse_fails(const char *yaml, const char *prefix, const char *needle)
{
	struct check_inventory inv = { 0 };

	err[0] = '\0';
	assert_int_equal(check__parse_buffer(&inv, yaml, strlen(yaml), "f.yaml", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(inv.n, 0);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, needle))
		fail_msg("error '%s' does not start with '%s' and name '%s'", err, prefix, needle);
	check_inventory__clear(&inv);
}

static const char pod_all_lists[] =
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata:\n"
	"  name: web\n"
	"spec:\n"
	"  containers:\n"
	"    - name: app\n"                     /* 7 */
	"      securityContext:\n"
	"        capabilities:\n"
	"          drop: [ALL]\n"
	"          add:\n"
	"            - NET_BIND_SERVICE\n"      /* 12 */
	"            - SYS_TIME\n"              /* 13 */
	"  initContainers:\n"
	"    - name: init\n"                    /* 15 */
	"      securityContext: {capabilities: {drop: [ALL], add: [CHOWN]}}\n"
	"  ephemeralContainers:\n"
	"    - name: debug\n"                   /* 18 */
	"      securityContext: {capabilities: {drop: [ALL], add: [SYS_PTRACE]}}\n";

static void test_pod_container_lists(void **state)
{
	struct check_inventory inv = parse_ok(pod_all_lists, "pod.yaml");

	(void)state;
	assert_int_equal(inv.n, 3);
	assert_string_equal(inv.v[0].kind, "Pod");
	assert_string_equal(inv.v[0].name, "web");
	assert_string_equal(inv.v[0].container, "app");
	assert_int_equal(inv.v[0].line, 7);
	assert_true(inv.v[0].caps == (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_TIME)));
	assert_int_equal(inv.v[0].cap_line[CAP_SYS_TIME], 13);
	assert_string_equal(inv.v[1].container, "init");
	assert_int_equal(inv.v[1].line, 15);
	assert_true(inv.v[1].caps == BIT(CAP_CHOWN));
	assert_string_equal(inv.v[2].container, "debug");
	assert_true(inv.v[2].caps == BIT(CAP_SYS_PTRACE));
	check_inventory__clear(&inv);
}

/* Every workload kind, with its pod spec at its own path. */
static void test_workload_paths(void **state)
{
	static const struct {
		const char *kind, *path; /* path: where the pod spec (%s) goes */
	} cases[] = {
		{ "Deployment", "spec: {template: {spec: %s}}" },
		{ "StatefulSet", "spec: {template: {spec: %s}}" },
		{ "DaemonSet", "spec: {template: {spec: %s}}" },
		{ "ReplicaSet", "spec: {template: {spec: %s}}" },
		{ "Job", "spec: {template: {spec: %s}}" },
		{ "CronJob", "spec: {jobTemplate: {spec: {template: {spec: %s}}}}" },
		{ "PodTemplate", "template: {spec: %s}" },
	};
	static const char pod_spec[] =
		"{containers: [{name: c, securityContext: {capabilities: {drop: [ALL], add: [SYS_NICE]}}}]}";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[512], yaml[1024];
		struct check_inventory inv;

		snprintf(spec, sizeof(spec), cases[i].path, pod_spec);
		snprintf(yaml, sizeof(yaml), "apiVersion: v1\nkind: %s\nmetadata: {name: w%zu}\n%s\n",
			 cases[i].kind, i, spec);
		inv = parse_ok(yaml, "w.yaml");
		assert_int_equal(inv.n, 1);
		assert_string_equal(inv.v[0].kind, cases[i].kind);
		assert_string_equal(inv.v[0].container, "c");
		assert_true(inv.v[0].caps == BIT(CAP_SYS_NICE));
		check_inventory__clear(&inv);
		/* The same spec one level off its path is not a workload's pod spec. */
		snprintf(yaml, sizeof(yaml), "kind: %s\nother: {%s}\n", cases[i].kind, spec);
		inv = parse_ok(yaml, "w.yaml");
		assert_int_equal(inv.n, 0);
	}
}

static void test_kinds_without_pods_and_multidoc(void **state)
{
	const char *yaml =
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n"
		"---\n"
		"---\n# only a comment\n"
		"---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n"
		"---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
		"spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL]}}}]}\n"
		"---\n- just\n- a list\n";
	struct check_inventory inv = parse_ok(yaml, "multi.yaml");

	(void)state;
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].name, "p");
	assert_int_equal(inv.v[0].line, 17);
	assert_true(inv.v[0].caps == 0);
	check_inventory__clear(&inv);
}

static void test_list_kind(void **state)
{
	const char *yaml =
		"apiVersion: v1\nkind: List\nitems:\n"
		"  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: one}\n"
		"    spec: {template: {spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [KILL]}}}]}}}\n"
		"  - apiVersion: v1\n    kind: Pod\n    metadata: {name: two}\n"
		"    spec: {containers: [{name: b, securityContext: {capabilities: {drop: [ALL]}}}]}\n";
	struct check_inventory inv = parse_ok(yaml, "list.yaml");

	(void)state;
	assert_int_equal(inv.n, 2);
	assert_string_equal(inv.v[0].kind, "Deployment");
	assert_string_equal(inv.v[0].name, "one");
	assert_true(inv.v[0].caps == BIT(CAP_KILL));
	assert_string_equal(inv.v[1].kind, "Pod");
	assert_string_equal(inv.v[1].name, "two");
	check_inventory__clear(&inv);
}

/* Workloads that used to be skipped: ReplicationController, *List, and
 * custom resources with a pod template (Argo Rollout, a CronJob-shaped CRD). */
static void test_more_workload_kinds(void **state)
{
	const char *yaml =
		"apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\n"
		"spec: {template: {spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [KILL]}}}]}}}\n"
		"---\napiVersion: apps/v1\nkind: DeploymentList\nitems:\n"
		"  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: d}\n"
		"    spec: {template: {spec: {containers: [{name: b, securityContext: {capabilities: {drop: [ALL], add: [CHOWN]}}}]}}}\n"
		"---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
		"spec: {template: {spec: {containers: [{name: c, securityContext: {capabilities: {drop: [ALL], add: [NET_RAW]}}}]}}}\n"
		"---\napiVersion: example.com/v1\nkind: Batch\nmetadata: {name: b}\n"
		"spec: {jobTemplate: {spec: {template: {spec: {initContainers: [{name: i, securityContext: {capabilities: {drop: [ALL], add: [FOWNER]}}}]}}}}}\n"
		"---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {template: {size: 3}}\n";
	struct check_inventory inv = parse_ok(yaml, "kinds.yaml");

	(void)state;
	assert_int_equal(inv.n, 4);
	assert_string_equal(inv.v[0].kind, "ReplicationController");
	assert_true(inv.v[0].caps == BIT(CAP_KILL));
	assert_string_equal(inv.v[1].kind, "Deployment");
	assert_true(inv.v[1].caps == BIT(CAP_CHOWN));
	assert_string_equal(inv.v[2].kind, "Rollout");
	assert_true(inv.v[2].caps == BIT(CAP_NET_RAW));
	assert_string_equal(inv.v[3].kind, "Batch");
	assert_string_equal(inv.v[3].container, "i");
	assert_true(inv.v[3].caps == BIT(CAP_FOWNER));
	check_inventory__clear(&inv);
}

/* A manifest can never be read as something more lenient: a privileged
 * Deployment wearing a profile's keys was a clean profile before. */
static void test_ambiguous_documents(void **state)
{
	(void)state;
	parse_fails("capdiet_profile: 1\nname: x\ncaps: []\napiVersion: apps/v1\nkind: Deployment\n"
		    "metadata: {name: d}\nspec: {template: {spec: {containers: [{name: a, "
		    "securityContext: {privileged: true}}]}}}\n", "f.yaml:1: ",
		    "keys of a capdiet profile (capdiet_profile:) and of a Kubernetes object");
	parse_fails("capdiet_profile: 1\nname: x\ncaps: []\nociVersion: 1.0.2\n"
		    "process: {capabilities: {bounding: [CAP_SYS_ADMIN]}}\n", "f.yaml:1: ",
		    "and of a OCI config");
	parse_fails("kind: Pod\nservices: {web: {image: x}}\nspec: {containers: []}\n",
		    "f.yaml:1: ", "Kubernetes object (apiVersion:/kind:) and of a Compose file");
	parse_fails("metadata: {name: d}\nspec: {template: {spec: {containers: [{name: a}]}}}\n",
		    "f.yaml:1: ", "a pod spec (spec...containers) without apiVersion and kind");
	parse_fails("spec: {containers: [{name: a}]}\n", "f.yaml:1: ", "without apiVersion and kind");
}

static void test_defaults_without_drop_all(void **state)
{
	const char *yaml =
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
		"  - name: plain\n"
		"  - name: dropped\n    securityContext: {capabilities: {drop: [NET_RAW, MKNOD], add: [NET_ADMIN]}}\n";
	struct check_inventory inv = parse_ok(yaml, "d.yaml");

	(void)state;
	assert_int_equal(inv.n, 2);
	assert_true(inv.v[0].caps == caps__docker_default());
	assert_int_equal(caps__count(inv.v[0].caps), 14);
	assert_true(inv.v[1].caps == ((caps__docker_default() & ~(BIT(CAP_NET_RAW) | BIT(CAP_MKNOD))) |
				      BIT(CAP_NET_ADMIN)));
	assert_int_equal(inv.v[1].cap_line[CAP_NET_ADMIN], 7);
	assert_int_equal(inv.v[1].cap_line[CAP_CHOWN], 0);
	check_inventory__clear(&inv);
}

static void test_privileged_k8s(void **state)
{
	const char *yaml =
		"kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n"
		"    securityContext:\n      capabilities: {drop: [ALL]}\n      privileged: true\n"
		"  - name: b\n    securityContext: {privileged: false, capabilities: {drop: [ALL]}}\n";
	struct check_inventory inv = parse_ok(yaml, "p.yaml");

	(void)state;
	assert_int_equal(inv.n, 2);
	assert_true(inv.v[0].caps == caps__all());
	assert_int_equal(inv.v[0].cap_line[CAP_SYS_ADMIN], 8);
	assert_true(inv.v[1].caps == 0);
	check_inventory__clear(&inv);
}

static void test_compose(void **state)
{
	const char *yaml =
		"services:\n"
		"  web:\n"                                /* 2 */
		"    image: nginx\n"
		"    cap_drop: [ALL]\n"
		"    cap_add:\n      - CAP_NET_BIND_SERVICE\n      - chown\n" /* 6, 7 */
		"  admin:\n    image: x\n    privileged: true\n"
		"  plain:\n    image: y\n"
		"  empty:\n";
	struct check_inventory inv = parse_ok(yaml, "compose.yaml");

	(void)state;
	assert_int_equal(inv.n, 4);
	assert_string_equal(inv.v[0].kind, "compose");
	assert_string_equal(inv.v[0].name, "web");
	assert_string_equal(inv.v[0].container, "web");
	assert_int_equal(inv.v[0].line, 2);
	assert_true(inv.v[0].caps == (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN)));
	assert_int_equal(inv.v[0].cap_line[CAP_CHOWN], 7);
	assert_true(inv.v[1].caps == caps__all());
	assert_true(inv.v[2].caps == caps__docker_default());
	assert_true(inv.v[3].caps == caps__docker_default());
	check_inventory__clear(&inv);
}

static void test_lower_case_cap_names(void **state)
{
	const char *yaml =
		"kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, securityContext: "
		"{capabilities: {drop: [all], add: [cap_net_admin, Cap_Chown, sys_time]}}}]}\n";
	struct check_inventory inv = parse_ok(yaml, "l.yaml");

	(void)state;
	assert_true(inv.v[0].caps == (BIT(CAP_NET_ADMIN) | BIT(CAP_CHOWN) | BIT(CAP_SYS_TIME)));
	check_inventory__clear(&inv);
}

static void test_typos_are_errors(void **state)
{
	(void)state;
	parse_fails("kind: Pod\nspec:\n  containers:\n  - name: a\n    securityContext:\n"
		    "      capabilities:\n        add:\n        - NET_ADMN\n",
		    "f.yaml:8: ", "NET_ADMN");
	parse_fails("services:\n  a:\n    cap_drop: [ALLL]\n", "f.yaml:3: ", "ALLL");
	/* Checked even when privileged makes the list moot. */
	parse_fails("services:\n  a:\n    privileged: true\n    cap_add: [SYS_ADMINN]\n",
		    "f.yaml:4: ", "SYS_ADMINN");
	parse_fails("services:\n  a:\n    cap_add: [[CHOWN]]\n", "f.yaml:3: ", "unknown capability");
	parse_fails("services:\n  a:\n    cap_add: CHOWN\n", "f.yaml:3: ", "must be a list");
	parse_fails("kind: Pod\nspec: {containers: [{name: a, securityContext: {privileged: sure}}]}\n",
		    "f.yaml:2: ", "true or false");
}

static void test_broken_files(void **state)
{
	(void)state;
	parse_fails("apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n", "f.yaml:5: ", "expected");
	parse_fails("a: b\n  c: d\ne: f\n", "f.yaml:2: ", "mapping values");
	parse_fails("{\"ociVersion\": \"1.0\", \"process\": {\"capabilities\": {\"bounding\": [}}\n",
		    "f.yaml:1: ", "(while parsing");
	parse_fails("a: \xff\xfe\n", "f.yaml:1: ", "UTF-8");
	parse_fails("x: 1\n---\nkind: Pod\nspec: {containers: {name: a}}\n", "f.yaml:4: ",
		    "containers of Pod");
	parse_fails("kind: Deployment\nspec:\n  template: [1]\n", "f.yaml:3: ", "template must be a mapping");
	parse_fails("services:\n  a:\n    cap_add: [CHOWN]\n    cap_add: []\n", "f.yaml:4: ",
		    "duplicate key 'cap_add'");
}

static void test_aliases(void **state)
{
	const char *ok = "x: &list [SYS_TIME]\nservices:\n  a:\n    cap_drop: [ALL]\n    cap_add: *list\n";
	struct check_inventory inv = parse_ok(ok, "ok.yaml");

	(void)state;
	assert_int_equal(inv.n, 1);
	assert_true(inv.v[0].caps == BIT(CAP_SYS_TIME));
	check_inventory__clear(&inv);
	/* An alias before its anchor is an error, not an empty list. */
	parse_fails("services:\n  a:\n    cap_add: *list\nx: &list [SYS_TIME]\n", "f.yaml:3: ",
		    "no anchor");
	/* A collection cannot contain itself. */
	parse_fails("a: &a [*a]\n", "f.yaml:1: ", "no anchor");
}

static void test_merge_keys(void **state)
{
	const char *yaml =
		"x-priv: &priv\n  privileged: true\n"
		"x-caps: &caps\n  cap_add: [NET_ADMIN]\n"
		"services:\n"
		"  sneaky:\n    <<: [*priv, *caps]\n"
		"  override:\n    <<: *caps\n    cap_add: []\n    cap_drop: [ALL]\n";
	struct check_inventory inv = parse_ok(yaml, "m.yaml");

	(void)state;
	assert_int_equal(inv.n, 2);
	assert_string_equal(inv.v[0].name, "sneaky");
	assert_true(inv.v[0].caps == caps__all());
	assert_string_equal(inv.v[1].name, "override");
	assert_true(inv.v[1].caps == 0);
	check_inventory__clear(&inv);
}

/* Written keys beat merged ones; an earlier merged mapping beats a later one. */
static void test_ytree_merge_precedence(void **state)
{
	const char *yaml = "a: &a {x: 1, y: 1, z: 1}\nb: &b {y: 2, w: 2}\n"
			   "c:\n  <<: [*a, *b]\n  z: 3\n";
	const struct ydoc_node *c;
	struct ydoc_error ye;
	struct ydoc *t;

	(void)state;
	assert_int_equal(ydoc__parse(yaml, strlen(yaml), 0, &t, &ye), 0);
	c = ydoc__get(t->docs[0].root, "c");
	assert_int_equal(c->n, 4);
	assert_null(ydoc__get(c, "<<"));
	assert_true(ydoc__is(ydoc__get(c, "x"), "1"));
	assert_true(ydoc__is(ydoc__get(c, "y"), "1"));
	assert_true(ydoc__is(ydoc__get(c, "z"), "3"));
	assert_true(ydoc__is(ydoc__get(c, "w"), "2"));
	ydoc__free(t);
	assert_int_equal(ydoc__parse("a: {<<: [1]}\n", 12, 0, &t, &ye), -EINVAL);
	assert_int_equal(ye.line, 1);
	assert_non_null(strstr(ye.msg, "merge key"));
}

static void test_oci_five_sets(void **state)
{
	const char *json =
		"{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"capabilities\": {\n"
		"\t\t\t\"bounding\": [\"CAP_CHOWN\"],\n"
		"\t\t\t\"effective\": [\"CAP_KILL\"],\n"
		"\t\t\t\"inheritable\": [\"CAP_SETUID\"],\n"
		"\t\t\t\"permitted\": [\"CAP_SETGID\"],\n"
		"\t\t\t\"ambient\": [\"CAP_NET_RAW\"]\n"
		"\t\t}\n\t}\n}\n";
	struct check_inventory inv = parse_ok(json, "bundles/web/config.json");

	(void)state;
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].kind, "oci");
	assert_string_equal(inv.v[0].name, "web");
	assert_string_equal(inv.v[0].container, "web");
	assert_true(inv.v[0].caps == (BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SETUID) |
				      BIT(CAP_SETGID) | BIT(CAP_NET_RAW)));
	assert_int_equal(inv.v[0].cap_line[CAP_NET_RAW], 9);
	assert_int_equal(inv.v[0].cap_line[CAP_SETUID], 7);
	check_inventory__clear(&inv);
	parse_fails("{\"ociVersion\": \"1.0\", \"process\": {\"capabilities\": {\"ambient\": [\"CAP_FOO\"]}}}",
		    "f.yaml:1: ", "CAP_FOO");
}

static void test_profile(void **state)
{
	const char *yaml =
		"capdiet_profile: 1\nname: nginx\ncommand: [nginx]\n"
		"caps:\n  - NET_BIND_SERVICE\n  - SETUID\n"
		"evidence: {SETUID: {count: 3}}\n";
	struct check_inventory inv = parse_ok(yaml, "nginx.capdiet.yaml");

	(void)state;
	assert_int_equal(inv.n, 1);
	assert_string_equal(inv.v[0].kind, "Profile");
	assert_string_equal(inv.v[0].name, "nginx");
	assert_true(inv.v[0].caps == (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID)));
	assert_int_equal(inv.v[0].cap_line[CAP_SETUID], 6);
	check_inventory__clear(&inv);
	parse_fails("capdiet_profile: 2\ncaps: []\n", "f.yaml:1: ",
		    "capdiet_profile 2 is not a version this capdiet reads (1)");
	parse_fails("capdiet_profile: {v: 1}\ncaps: []\n", "f.yaml:1: ",
		    "capdiet_profile ? is not a version");
	parse_fails("capdiet_profile: 1\nname: x\ncaps: [SETUIDD]\n", "f.yaml:3: ",
		    "unknown capability 'SETUIDD' in caps of Profile/x container x");
	parse_fails("capdiet_profile: 1\nname: x\n", "f.yaml:1: ", "profile x has no caps list");
	parse_fails("capdiet_profile: 1\ncaps: {a: b}\n", "f.yaml:2: ",
		    "caps of Profile/(unnamed) container (unnamed) must be a list");
}

static void test_hostile_yaml(void **state)
{
	char *deep = malloc(100001), *huge;
	struct check_inventory inv = { 0 };
	const size_t huge_len = 4u << 20;

	(void)state;
	if (!deep) {
		fail_msg("no memory for the deep document");
		return;
	}
	memset(deep, '[', 100000);
	deep[100000] = '\0';
	parse_fails(deep, "f.yaml:1: ", "nesting deeper than 64");
	free(deep);
	parse_fails("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
		    "f.yaml:", "aliases expand to more than");
	parse_fails("kind: \"Pod\\0x\"\n", "f.yaml:1: ", "NUL");
	huge = malloc(huge_len + 16);
	if (!huge) {
		fail_msg("no memory for the huge scalar");
		return;
	}
	memcpy(huge, "a: \"", 4);
	memset(huge + 4, 'x', huge_len);
	strcpy(huge + 4 + huge_len, "\"\n");
	assert_int_equal(check__parse_buffer(&inv, huge, strlen(huge), "h.yaml", err, sizeof(err)), 0);
	assert_int_equal(inv.n, 0);
	free(huge);
}

/* Temp directory helpers for the file tests. */
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/capdiet-check-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void load_fails(const char *name, const char *needle)
{
	struct check_inventory inv = { 0 };
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	err[0] = '\0';
	assert_true(check__load_file(&inv, path, err, sizeof(err)) < 0);
	if (!strstr(err, needle) || strncmp(err, path, strlen(path)))
		fail_msg("error '%s' does not name %s and '%s'", err, path, needle);
	assert_int_equal(inv.n, 0);
}

static void test_hostile_files(void **state)
{
	char path[256];
	int fd;

	(void)state;
	/* An empty file is a placeholder, not hostile: test_check_small.c. */
	write_file("bin.yaml", "kind: Pod\n\0\x01\x02", 13);
	load_fails("bin.yaml", "binary");
	snprintf(path, sizeof(path), "%s/big.yaml", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CHECK_MAX_FILE_SIZE + 1), 0); /* sparse */
	close(fd);
	load_fails("big.yaml", "larger than 16 MiB");
	snprintf(path, sizeof(path), "%s/fifo.yaml", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	load_fails("fifo.yaml", "not a regular file");
	load_fails("missing.yaml", "No such file");
}

static void test_collect_directory(void **state)
{
	struct check_inventory inv = { 0 };
	struct strlist errors = { 0 };
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/repo", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/repo/k8s", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/repo/.hidden", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("repo/k8s/pod.yml", pod_all_lists, strlen(pod_all_lists));
	write_file("repo/compose.yaml", "services: {a: {cap_drop: [ALL]}}\n", 33);
	write_file("repo/broken.json", "{\"a\": [}\n", 9);
	write_file("repo/notes.txt", "services: {b: {}}\n", 18);
	write_file("repo/.hidden/pod.yaml", "services: {c: {}}\n", 18);
	write_file("repo/.gitlab-ci.yml", "x: *undefined\n", 14);
	snprintf(path, sizeof(path), "%s/repo/.git", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("repo/.git/pod.yaml", "services: {d: {}}\n", 18);
	snprintf(path, sizeof(path), "%s/repo", tmpdir);
	assert_int_equal(check__collect_path(&inv, path, &errors), 0);
	/* hidden ones are read (kubectl apply -f reads them), .git is not */
	assert_int_equal(inv.files, 5);
	assert_int_equal(inv.n, 5);
	assert_string_equal(inv.v[0].container, "c"); /* sorted: .hidden/ first */
	assert_string_equal(inv.v[1].container, "a"); /* compose.yaml before k8s/ */
	assert_int_equal(errors.n, 2);
	assert_non_null(strstr(errors.v[0], "repo/.gitlab-ci.yml:1: "));
	assert_non_null(strstr(errors.v[1], "repo/broken.json:1: "));
	strlist__clear(&errors);
	check_inventory__clear(&inv);
}

static struct check_allowlist *allowlist_ok(const char *yaml)
{
	struct check_allowlist *al = check_allowlist__parse(yaml, strlen(yaml), "al.yaml", err,
							     sizeof(err));

	if (!al)
		fail_msg("allowlist rejected: %s", err);
	return al;
}

static void allowlist_fails(const char *yaml, const char *prefix, const char *needle)
{
	err[0] = '\0';
	assert_null(check_allowlist__parse(yaml, strlen(yaml), "al.yaml", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, needle))
		fail_msg("error '%s' does not start with '%s' and name '%s'", err, prefix, needle);
}

static void test_allowlist_exceptions(void **state)
{
	struct check_allowlist *al = allowlist_ok(
		"default: [NET_BIND_SERVICE]\n"
		"exceptions:\n"
		"  - kind: Deployment\n    name: nginx\n    container: nginx\n"
		"    add: [SETUID, SETGID]\n    reason: \"master drops to www-data workers\"\n"
		"  - name: ping\n    add: [NET_RAW]\n    reason: raw ICMP sockets\n"
		"  - kind: compose\n    add: [cap_chown]\n    reason: volumes owned by root\n");
	struct check_container c = { .kind = "Deployment", .name = "nginx", .container = "nginx" };
	capset_t nbs = BIT(CAP_NET_BIND_SERVICE);

	(void)state;
	assert_int_equal(al->n, 3);
	assert_true(check_allowlist__allowed(al, &c) == (nbs | BIT(CAP_SETUID) | BIT(CAP_SETGID)));
	c.container = "sidecar";
	assert_true(check_allowlist__allowed(al, &c) == nbs);
	c = (struct check_container){ .kind = "StatefulSet", .name = "nginx", .container = "nginx" };
	assert_true(check_allowlist__allowed(al, &c) == nbs);
	c = (struct check_container){ .kind = "Pod", .name = "ping", .container = "x" };
	assert_true(check_allowlist__allowed(al, &c) == (nbs | BIT(CAP_NET_RAW)));
	c = (struct check_container){ .kind = "compose", .name = "db", .container = "db" };
	assert_true(check_allowlist__allowed(al, &c) == (nbs | BIT(CAP_CHOWN)));
	check_allowlist__free(al);
}

static void test_allowlist_errors(void **state)
{
	struct check_allowlist *al;

	(void)state;
	allowlist_fails("default: []\nexceptions:\n  - kind: Pod\n    add: [SYS_TIME]\n",
			"al.yaml:3: ", "no reason");
	allowlist_fails("exceptions:\n  - add: [SYS_TIME]\n    reason: \"  \"\n", "al.yaml:3: ",
			"no reason");
	allowlist_fails("defaults: [CHOWN]\n", "al.yaml:1: ", "unknown key 'defaults'");
	allowlist_fails("exceptions:\n  - add: [CHOWN]\n    reason: x\n    kidn: Pod\n",
			"al.yaml:4: ", "unknown key 'kidn'");
	allowlist_fails("default: [NET_BIND_SERVIC]\n", "al.yaml:1: ", "NET_BIND_SERVIC");
	allowlist_fails("exceptions:\n  - reason: x\n", "al.yaml:2: ", "no add");
	allowlist_fails("default: [\n", "al.yaml:2: ", "expected");
	allowlist_fails("# nothing\n", "al.yaml:1: ", "no allowlist");
	al = check_allowlist__from_list("CHOWN,SETUDI", err, sizeof(err));
	assert_null(al);
	assert_non_null(strstr(err, "SETUDI"));
	al = check_allowlist__from_list("", err, sizeof(err));
	assert_non_null(al);
	assert_true(al->base == 0);
	check_allowlist__free(al);
	al = check_allowlist__restricted();
	assert_true(al->base == BIT(CAP_NET_BIND_SERVICE));
	check_allowlist__free(al);
	al = allowlist_ok("exceptions: []\n"); /* no default: the restricted profile */
	assert_true(al->base == BIT(CAP_NET_BIND_SERVICE));
	check_allowlist__free(al);
}

static char *report_text(const struct check_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal((json ? check_report__write_json : check_report__write_text)(r, f), 0);
	fclose(f);
	return buf;
}

static void test_evaluate_and_text(void **state)
{
	struct check_inventory inv = parse_ok(pod_all_lists, "pod.yaml");
	struct check_allowlist *al = check_allowlist__restricted();
	struct check_report r;
	char *text;

	(void)state;
	inv.files = 1;
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n, 3); /* SYS_TIME, CHOWN, SYS_PTRACE; NET_BIND_SERVICE allowed */
	text = report_text(&r, false);
	assert_string_equal(text,
		"pod.yaml:13:15: Pod/web container app: capability SYS_TIME is not in the allowlist\n"
		"pod.yaml:16:59: Pod/web container init: capability CHOWN is not in the allowlist\n"
		"pod.yaml:19:59: Pod/web container debug: capability SYS_PTRACE is not in the allowlist\n"
		"checked 1 file, 3 containers: 3 violations in 3 containers (CHOWN, SYS_PTRACE, SYS_TIME)\n");
	free(text);
	check_report__clear(&r);
	check_allowlist__free(al);
	al = check_allowlist__from_list("SYS_TIME,CHOWN,SYS_PTRACE,NET_BIND_SERVICE", err, sizeof(err));
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n, 0);
	check_report__clear(&r);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

/* The JSON report parses (libyaml reads JSON) and holds the same values. */
static void test_json_report_parses(void **state)
{
	const char *yaml = "services:\n  \"we\\\"b\\u0001\":\n    cap_drop: [ALL]\n    cap_add: [SYS_ADMIN]\n";
	struct check_inventory inv = parse_ok(yaml, "dir/comp\xffose.yaml");
	struct check_allowlist *al = check_allowlist__restricted();
	const struct ydoc_node *root, *v;
	struct ydoc_error ye;
	struct check_report r;
	struct ydoc *tree;
	char *json;

	(void)state;
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	r.errors = 2;
	json = report_text(&r, true);
	assert_int_equal(ydoc__parse(json, strlen(json), 0, &tree, &ye), 0);
	assert_int_equal(tree->n_docs, 1);
	root = tree->docs[0].root;
	assert_true(ydoc__is(ydoc__get(root, "violation_count"), "1"));
	assert_true(ydoc__is(ydoc__get(root, "errors"), "2"));
	assert_true(ydoc__is(ydoc__get(root, "containers"), "1"));
	v = ydoc__get(root, "violations");
	assert_int_equal(v->type, YDOC_SEQ);
	assert_int_equal(v->n, 1);
	assert_true(ydoc__is(ydoc__get(v->items[0], "name"), "we\"b\x01"));
	assert_true(ydoc__is(ydoc__get(v->items[0], "capability"), "SYS_ADMIN"));
	assert_true(ydoc__is(ydoc__get(v->items[0], "line"), "4"));
	assert_true(ydoc__is(ydoc__get(v->items[0], "file"), "dir/comp\xef\xbf\xbdose.yaml"));
	ydoc__free(tree);
	free(json);
	check_report__clear(&r);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_container_lists),
		cmocka_unit_test(test_workload_paths),
		cmocka_unit_test(test_kinds_without_pods_and_multidoc),
		cmocka_unit_test(test_list_kind),
		cmocka_unit_test(test_more_workload_kinds),
		cmocka_unit_test(test_ambiguous_documents),
		cmocka_unit_test(test_defaults_without_drop_all),
		cmocka_unit_test(test_privileged_k8s),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_lower_case_cap_names),
		cmocka_unit_test(test_typos_are_errors),
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_ytree_merge_precedence),
		cmocka_unit_test(test_oci_five_sets),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_hostile_yaml),
		cmocka_unit_test_setup_teardown(test_hostile_files, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_collect_directory, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_allowlist_exceptions),
		cmocka_unit_test(test_allowlist_errors),
		cmocka_unit_test(test_evaluate_and_text),
		cmocka_unit_test(test_json_report_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
