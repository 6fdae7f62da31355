// SPDX-License-Identifier: MIT
/*
 * deploy/kubernetes, read as Kubernetes reads it: the fields that make the
 * DaemonSet, Service and ServiceMonitor work together (selectors that match
 * labels, mounts that have volumes, ports that name ports), the observer's
 * capabilities equal to its profile and to its allowlist exception, and no
 * RBAC.  The checks are tried on broken copies too, so each can fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/core/file.h"
#include "capdiet/core/ydoc.h"
#include "capdiet/profile/profile.h"

#define DEPLOY "deploy/kubernetes/"
#define MAX_TREES 16

/* ---- reading ---- */

static const char *repo_file(const char *rel)
{
	static char path[4096];
	size_t keep = strlen(__FILE__) - strlen("tests/policy/test_deploy.c");

	snprintf(path, sizeof(path), "%.*s%s", (int)keep, __FILE__, rel);
	return path;
}

static struct ydoc *parse(const char *text, size_t len, const char *name)
{
	char err[256] = "";
	const struct ydoc_where where = { name, err, sizeof(err) };
	struct ydoc *tree = NULL;

	if (ydoc__load(text, len, 0, &where, &tree))
		fail_msg("%s", err);
	return tree;
}

static struct ydoc *load(const char *rel)
{
	char *buf = NULL;
	size_t len = 0;
	struct ydoc *tree;

	if (file__read(repo_file(rel), YDOC_MAX_SIZE, &buf, &len))
		fail_msg("cannot read %s", rel);
	tree = parse(buf, len, rel);
	free(buf);
	return tree;
}

/* The kustomization and every resource it lists, as applied. */
struct deploy {
	struct ydoc *kustomization;
	struct ydoc *trees[MAX_TREES];
	size_t n;
};

static struct deploy *deploy_load(void)
{
	struct deploy *d = calloc(1, sizeof(*d));
	const struct ydoc_node *resources;
	char rel[512];

	assert_non_null(d);
	d->kustomization = load(DEPLOY "kustomization.yaml");
	resources = ydoc__get(d->kustomization->docs[0].root, "resources");
	assert_non_null(resources);
	assert_int_equal(resources->type, YDOC_SEQ);
	for (size_t i = 0; i < resources->n && i < MAX_TREES; i++) {
		snprintf(rel, sizeof(rel), DEPLOY "%s", ydoc__text(resources->items[i]));
		d->trees[d->n++] = load(rel);
	}
	return d;
}

static void deploy_free(struct deploy *d)
{
	ydoc__free(d->kustomization);
	for (size_t i = 0; i < d->n; i++)
		ydoc__free(d->trees[i]);
	free(d);
}

/* The one document of kind; fails the test when there is none or two. */
static const struct ydoc_node *deploy_kind(const struct deploy *d, const char *kind)
{
	const struct ydoc_node *found = NULL;

	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < d->trees[i]->n_docs; j++) {
			const struct ydoc_node *root = d->trees[i]->docs[j].root;

			if (!ydoc__is(ydoc__get(root, "kind"), kind))
				continue;
			if (found)
				fail_msg("two documents of kind %s", kind);
			found = root;
		}
	if (!found)
		fail_msg("no %s in the kustomization's resources", kind);
	return found;
}

/* The node at a dotted path of mapping keys ("spec.template.spec"). */
static const struct ydoc_node *at(const struct ydoc_node *n, const char *path)
{
	char key[64];

	while (n && *path) {
		size_t len = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)len, path);
		n = ydoc__get(n, key);
		path += len + (path[len] == '.');
	}
	return n;
}

static const char *text_at(const struct ydoc_node *n, const char *path)
{
	return ydoc__text(at(n, path));
}

/* ---- the checks (each returns what is wrong, NULL when nothing) ---- */

/* A key of selector that labels lacks or gives another value. */
static const char *selector__unmatched(const struct ydoc_node *selector,
				       const struct ydoc_node *labels)
{
	if (!selector || selector->type != YDOC_MAP || !selector->n)
		return "(an empty selector)";
	for (size_t i = 0; i < selector->n; i++) {
		const char *key = ydoc__text(ydoc__key(selector, i));

		if (!ydoc__is(ydoc__get(labels, key), ydoc__text(ydoc__value(selector, i))))
			return key;
	}
	return NULL;
}

static const struct ydoc_node *list_item_named(const struct ydoc_node *list, const char *name)
{
	for (size_t i = 0; list && list->type == YDOC_SEQ && i < list->n; i++)
		if (ydoc__is(ydoc__get(list->items[i], "name"), name))
			return list->items[i];
	return NULL;
}

/* A volumeMount with no volume of its name. */
static const char *pod__mount_without_volume(const struct ydoc_node *pod)
{
	const struct ydoc_node *containers = ydoc__get(pod, "containers");

	for (size_t i = 0; containers && i < containers->n; i++) {
		const struct ydoc_node *mounts = ydoc__get(containers->items[i], "volumeMounts");

		for (size_t j = 0; mounts && j < mounts->n; j++) {
			const char *name = text_at(mounts->items[j], "name");

			if (!list_item_named(ydoc__get(pod, "volumes"), name))
				return name ? name : "(unnamed)";
		}
	}
	return NULL;
}

/* A volume no container mounts. */
static const char *pod__unmounted_volume(const struct ydoc_node *pod)
{
	const struct ydoc_node *volumes = ydoc__get(pod, "volumes");
	const struct ydoc_node *containers = ydoc__get(pod, "containers");

	for (size_t i = 0; volumes && i < volumes->n; i++) {
		const char *name = text_at(volumes->items[i], "name");
		bool used = false;

		for (size_t j = 0; containers && j < containers->n && !used; j++)
			used = list_item_named(ydoc__get(containers->items[j], "volumeMounts"), name);
		if (!used)
			return name ? name : "(unnamed)";
	}
	return NULL;
}

/* A container port that targetPort names (by name or number), or NULL. */
static const struct ydoc_node *container__port(const struct ydoc_node *container,
					       const struct ydoc_node *target)
{
	const struct ydoc_node *ports = ydoc__get(container, "ports");

	for (size_t i = 0; ports && i < ports->n; i++)
		if (ydoc__is(ydoc__get(ports->items[i], "name"), ydoc__text(target)) ||
		    ydoc__is(ydoc__get(ports->items[i], "containerPort"), ydoc__text(target)))
			return ports->items[i];
	return NULL;
}

/* A Service port whose targetPort no container of pod has. */
static const char *service__port_unmatched(const struct ydoc_node *service,
					   const struct ydoc_node *pod)
{
	const struct ydoc_node *ports = at(service, "spec.ports");
	const struct ydoc_node *containers = ydoc__get(pod, "containers");

	for (size_t i = 0; ports && i < ports->n; i++) {
		const struct ydoc_node *target = ydoc__get(ports->items[i], "targetPort");
		bool found = false;

		if (!target)
			target = ydoc__get(ports->items[i], "port");
		for (size_t j = 0; containers && j < containers->n && !found; j++)
			found = container__port(containers->items[j], target);
		if (!found || !text_at(ports->items[i], "name"))
			return ydoc__text(target) ? ydoc__text(target) : "(none)";
	}
	return ports && ports->n ? NULL : "(no ports)";
}

/* A ServiceMonitor endpoint whose port is not a port name of service. */
static const char *monitor__port_unmatched(const struct ydoc_node *monitor,
					   const struct ydoc_node *service)
{
	const struct ydoc_node *endpoints = at(monitor, "spec.endpoints");

	for (size_t i = 0; endpoints && i < endpoints->n; i++) {
		const char *port = text_at(endpoints->items[i], "port");

		if (!list_item_named(at(service, "spec.ports"), port))
			return port ? port : "(none)";
	}
	return endpoints && endpoints->n ? NULL : "(no endpoints)";
}

/* The value after option in a container's args, or NULL. */
static const char *arg_after(const struct ydoc_node *container, const char *option)
{
	const struct ydoc_node *args = ydoc__get(container, "args");

	for (size_t i = 0; args && i + 1 < args->n; i++)
		if (ydoc__is(args->items[i], option))
			return ydoc__text(args->items[i + 1]);
	return NULL;
}

static capset_t caps_of(const struct ydoc_node *list)
{
	const struct ydoc_node *bad;
	capset_t set = 0;

	if (!list || ydoc__caps(list, &set, NULL, &bad))
		fail_msg("not a capability list");
	return set;
}

/* ---- the real manifests ---- */

static const struct ydoc_node *observer(const struct ydoc_node *daemonset)
{
	const struct ydoc_node *c = list_item_named(at(daemonset, "spec.template.spec.containers"),
						    "observer");

	assert_non_null(c);
	return c;
}

static void test_resources(void **state)
{
	static const char *const rbac[] = { "Role", "ClusterRole", "RoleBinding",
					    "ClusterRoleBinding" };
	struct deploy *d = deploy_load();
	const char *ns = text_at(d->kustomization->docs[0].root, "namespace");

	(void)state;
	assert_non_null(ns);
	assert_string_equal(text_at(deploy_kind(d, "Namespace"), "metadata.name"), ns);
	for (size_t i = 0; i < d->n; i++)
		for (size_t j = 0; j < d->trees[i]->n_docs; j++) {
			const struct ydoc_node *root = d->trees[i]->docs[j].root;
			const char *its = text_at(root, "metadata.namespace");

			for (size_t r = 0; r < sizeof(rbac) / sizeof(rbac[0]); r++)
				if (ydoc__is(ydoc__get(root, "kind"), rbac[r]))
					fail_msg("%s: the observer uses no API", rbac[r]);
			if (its && strcmp(its, ns))
				fail_msg("%s in namespace %s, not %s", text_at(root, "kind"), its, ns);
		}
	deploy_free(d);
}

static void test_daemonset(void **state)
{
	struct deploy *d = deploy_load();
	const struct ydoc_node *ds = deploy_kind(d, "DaemonSet");
	const struct ydoc_node *pod = at(ds, "spec.template.spec");
	const struct ydoc_node *sa = deploy_kind(d, "ServiceAccount");
	const char *bad = selector__unmatched(at(ds, "spec.selector.matchLabels"),
					      at(ds, "spec.template.metadata.labels"));
	const struct ydoc_node *args;

	(void)state;
	if (bad)
		fail_msg("DaemonSet selector %s does not match its pods' labels", bad);
	assert_true(ydoc__is(ydoc__get(pod, "hostPID"), "true"));
	assert_string_equal(text_at(pod, "serviceAccountName"), text_at(sa, "metadata.name"));
	assert_true(ydoc__is(ydoc__get(pod, "automountServiceAccountToken"), "false"));
	assert_true(ydoc__is(ydoc__get(sa, "automountServiceAccountToken"), "false"));
	args = ydoc__get(observer(ds), "args");
	assert_true(args && args->n && ydoc__is(args->items[0], "observe"));
	deploy_free(d);
}

static void test_mounts(void **state)
{
	static const char *const host_ro[] = { "/sys/fs/cgroup", "/sys/kernel/btf",
					       "/sys/kernel/tracing" };
	struct deploy *d = deploy_load();
	const struct ydoc_node *pod = at(deploy_kind(d, "DaemonSet"), "spec.template.spec");
	const struct ydoc_node *mounts = ydoc__get(observer(deploy_kind(d, "DaemonSet")),
						   "volumeMounts");
	const char *bad = pod__mount_without_volume(pod);
	const struct ydoc_node *profiles;

	(void)state;
	if (bad || (bad = pod__unmounted_volume(pod)))
		fail_msg("volume or mount %s has no counterpart", bad);
	for (size_t i = 0; i < sizeof(host_ro) / sizeof(host_ro[0]); i++) {
		const struct ydoc_node *volumes = ydoc__get(pod, "volumes"), *m = NULL;

		for (size_t j = 0; j < volumes->n && !m; j++)
			if (ydoc__is(at(volumes->items[j], "hostPath.path"), host_ro[i]))
				m = list_item_named(mounts, text_at(volumes->items[j], "name"));
		if (!m || !ydoc__is(ydoc__get(m, "readOnly"), "true"))
			fail_msg("%s is not mounted read-only from the host", host_ro[i]);
	}
	/* --profiles is the one writable host directory. */
	profiles = NULL;
	for (size_t i = 0; i < mounts->n; i++)
		if (ydoc__is(ydoc__get(mounts->items[i], "mountPath"),
			     arg_after(observer(deploy_kind(d, "DaemonSet")), "--profiles")))
			profiles = mounts->items[i];
	assert_non_null(profiles);
	assert_false(ydoc__is(ydoc__get(profiles, "readOnly"), "true"));
	deploy_free(d);
}

static void test_capabilities(void **state)
{
	struct deploy *d = deploy_load();
	const struct ydoc_node *ctx = ydoc__get(observer(deploy_kind(d, "DaemonSet")),
						"securityContext");
	struct ydoc *allow = load(DEPLOY "allowlist.yaml");
	const struct ydoc_node *exceptions = ydoc__get(allow->docs[0].root, "exceptions");
	char err[256] = "";
	struct profile *p = profile__load(repo_file(DEPLOY "observer.profile.yaml"), err,
					  sizeof(err));
	capset_t add;

	(void)state;
	if (!p)
		fail_msg("%s", err);
	add = caps_of(at(ctx, "capabilities.add"));
	assert_true(add == p->caps);
	assert_true(caps_of(at(ctx, "capabilities.drop")) == caps__all());
	assert_true(ydoc__is(ydoc__get(ctx, "readOnlyRootFilesystem"), "true"));
	assert_true(ydoc__is(ydoc__get(ctx, "runAsUser"), "0"));
	assert_true(ydoc__is(ydoc__get(ctx, "allowPrivilegeEscalation"), "false"));
	assert_false(ydoc__is(ydoc__get(ctx, "privileged"), "true"));
	assert_non_null(exceptions);
	assert_int_equal(exceptions->n, 1); /* the observer's, nothing else */
	assert_true(ydoc__is(ydoc__get(exceptions->items[0], "kind"), "DaemonSet"));
	assert_true(ydoc__is(ydoc__get(exceptions->items[0], "name"),
			     text_at(deploy_kind(d, "DaemonSet"), "metadata.name")));
	assert_true(caps_of(ydoc__get(exceptions->items[0], "add")) == add);
	profile__free(p);
	ydoc__free(allow);
	deploy_free(d);
}

static void test_service(void **state)
{
	struct deploy *d = deploy_load();
	const struct ydoc_node *ds = deploy_kind(d, "DaemonSet");
	const struct ydoc_node *svc = deploy_kind(d, "Service");
	const struct ydoc_node *pod = at(ds, "spec.template.spec");
	const char *bad = selector__unmatched(at(svc, "spec.selector"),
					      at(ds, "spec.template.metadata.labels"));
	const struct ydoc_node *port;
	char metrics[32];

	(void)state;
	if (bad)
		fail_msg("the Service's selector %s does not select the DaemonSet's pods", bad);
	if ((bad = service__port_unmatched(svc, pod)))
		fail_msg("Service targetPort %s names no container port", bad);
	/* The observer serves where the Service sends. */
	port = container__port(observer(ds), ydoc__get(at(svc, "spec.ports")->items[0],
						       "targetPort"));
	assert_non_null(port);
	snprintf(metrics, sizeof(metrics), ":%s", text_at(port, "containerPort"));
	assert_string_equal(arg_after(observer(ds), "--metrics"), metrics);
	deploy_free(d);
}

static void test_servicemonitor(void **state)
{
	struct deploy *d = deploy_load();
	const struct ydoc_node *svc = deploy_kind(d, "Service");
	const struct ydoc_node *sm = deploy_kind(d, "ServiceMonitor");
	const struct ydoc_node *names = at(sm, "spec.namespaceSelector.matchNames");
	const char *bad = selector__unmatched(at(sm, "spec.selector.matchLabels"),
					      at(svc, "metadata.labels"));
	bool ns = false;

	(void)state;
	assert_string_equal(text_at(sm, "apiVersion"), "monitoring.coreos.com/v1");
	if (bad)
		fail_msg("the ServiceMonitor's selector %s does not select the Service", bad);
	if ((bad = monitor__port_unmatched(sm, svc)))
		fail_msg("ServiceMonitor port %s is not a port name of the Service", bad);
	for (size_t i = 0; names && i < names->n; i++)
		ns |= ydoc__is(names->items[i], text_at(svc, "metadata.namespace"));
	assert_true(ns);
	deploy_free(d);
}

/* ---- the checks fail where they should ---- */

static const char broken[] =
	"kind: DaemonSet\n"
	"spec:\n"
	"  selector: {matchLabels: {app: observer}}\n"
	"  template:\n"
	"    metadata: {labels: {app: observr}}\n"
	"    spec:\n"
	"      containers:\n"
	"      - name: observer\n"
	"        ports: [{name: metrics, containerPort: 9464}]\n"
	"        volumeMounts: [{name: cgroup, mountPath: /sys/fs/cgroup}]\n"
	"      volumes: [{name: cgroups, hostPath: {path: /sys/fs/cgroup}}]\n"
	"---\n"
	"kind: Service\n"
	"metadata: {labels: {app: metrics}}\n"
	"spec: {ports: [{name: metrics, port: 9464, targetPort: metric}]}\n"
	"---\n"
	"kind: ServiceMonitor\n"
	"spec: {selector: {matchLabels: {app: metric}}, endpoints: [{port: http}]}\n";

static void test_checks_can_fail(void **state)
{
	struct ydoc *t = parse(broken, sizeof(broken) - 1, "broken.yaml");
	const struct ydoc_node *ds = t->docs[0].root, *svc = t->docs[1].root;
	const struct ydoc_node *sm = t->docs[2].root, *pod = at(ds, "spec.template.spec");
	const char *bad;

	(void)state;
	bad = selector__unmatched(at(ds, "spec.selector.matchLabels"),
				  at(ds, "spec.template.metadata.labels"));
	assert_string_equal(bad, "app");
	assert_string_equal(pod__mount_without_volume(pod), "cgroup");
	assert_string_equal(pod__unmounted_volume(pod), "cgroups");
	assert_string_equal(service__port_unmatched(svc, pod), "metric");
	assert_string_equal(selector__unmatched(at(sm, "spec.selector.matchLabels"),
						at(svc, "metadata.labels")), "app");
	assert_string_equal(monitor__port_unmatched(sm, svc), "http");
	assert_non_null(selector__unmatched(NULL, at(svc, "metadata.labels")));
	ydoc__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_daemonset),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_servicemonitor),
		cmocka_unit_test(test_checks_can_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
