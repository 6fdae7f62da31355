// SPDX-License-Identifier: MIT
/*
 * A Kyverno ClusterPolicy (kyverno.io/v1) in the shape of Kyverno's own
 * "require-drop-all" and "disallow-capabilities-strict" samples: rules that
 * match Pods (Kyverno generates the rules for Deployments, Jobs, CronJobs
 * and the other pod controllers from them), each a foreach over
 * request.object.spec.[ephemeralContainers, initContainers, containers][]
 * with deny conditions.  Pods are selected by a precondition on their
 * labels, not by match.resources.selector, which would turn that
 * generation off; the namespaces left out (export_policy.c: kube-system
 * and capdiet-system by default) are each rule's exclude.  With --mutate a
 * first rule sets drop [ALL] and the set.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/emit.h"
#include "export_internal.h"

#define KYV_CONTAINERS "request.object.spec.[ephemeralContainers, initContainers, containers][]"

/* One foreach entry's audience: the containers without an exception of
 * their own (only NULL), or the one named. */
struct kyv_target {
	const char *only;
	capset_t add;
};

static int kyv__condition(struct emit *e, const char *key, const char *op, const char *value)
{
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "key", key);
	err = err ?: emit__kv_str(e, "operator", op);
	err = err ?: emit__kv_str(e, "value", value);
	return err ?: emit__map_end(e);
}

/* namespaces: [NS, ...] */
static int kyv__namespaces(struct emit *e, const char *const *ns, size_t n)
{
	int err = emit__plain(e, "namespaces");

	err = err ?: emit__seq_start(e, true);
	for (size_t i = 0; i < n; i++)
		err = err ?: emit__str(e, ns[i]);
	return err ?: emit__seq_end(e);
}

/* KEY: any: [resources: {kinds: [Pod], namespaces: [NS, ...]}]; an
 * exclude names no kind, so it holds for the pod controllers autogen
 * makes rules for as well. */
static int kyv__resources(struct emit *e, const char *key, bool pods, const char *const *ns,
			  size_t n)
{
	int err = emit__plain(e, key);

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "any");
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "resources");
	err = err ?: emit__map_start(e, false);
	if (pods) {
		err = err ?: emit__plain(e, "kinds");
		err = err ?: emit__seq_start(e, true);
		err = err ?: emit__plain(e, "Pod");
		err = err ?: emit__seq_end(e);
	}
	if (n)
		err = err ?: kyv__namespaces(e, ns, n);
	err = err ?: emit__map_end(e);
	err = err ?: emit__map_end(e);
	err = err ?: emit__seq_end(e);
	return err ?: emit__map_end(e);
}

/* match: the Pods (of the namespace); exclude: those of the excluded namespaces. */
static int kyv__match(const struct export_policy *pol, struct emit *e)
{
	int err = kyv__resources(e, "match", true, &pol->namespace, pol->namespace ? 1 : 0);

	if (pol->n_excluded)
		err = err ?: kyv__resources(e, "exclude", false, pol->excluded, pol->n_excluded);
	return err;
}

/* The label condition; the key is a checked label key, so it holds no '"'.
 * Kyverno rewrites request.object.metadata to the pod template's. */
static int kyv__label_condition(const struct export_policy *pol, struct emit *e)
{
	char key[sizeof(pol->label_key) + 64];

	if (!pol->label_key[0])
		return 0;
	snprintf(key, sizeof(key), "{{ request.object.metadata.labels.\"%s\" || '' }}",
		 pol->label_key);
	return kyv__condition(e, key, "Equals", pol->label_value);
}

static int kyv__validate_preconditions(const struct export_policy *pol, struct emit *e)
{
	int err = emit__plain(e, "preconditions");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "all");
	err = err ?: emit__seq_start(e, false);
	err = err ?: kyv__condition(e, "{{ request.operation || 'BACKGROUND' }}", "NotEquals",
				    "DELETE");
	err = err ?: kyv__label_condition(pol, e);
	err = err ?: emit__seq_end(e);
	return err ?: emit__map_end(e);
}

/* A rule's head: its name, match and preconditions. */
static int kyv__rule_start(const struct export_policy *pol, const char *name, struct emit *e)
{
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "name", name);
	err = err ?: kyv__match(pol, e);
	return err ?: kyv__validate_preconditions(pol, e);
}

/* The per-element precondition that picks t's containers. */
static int kyv__target_precondition(const struct export_policy *pol,
				    const struct kyv_target *t, struct emit *e)
{
	int err;

	if (!t->only && !pol->n_containers)
		return 0;
	err = emit__plain(e, "preconditions");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "all");
	err = err ?: emit__seq_start(e, false);
	if (t->only) {
		err = err ?: kyv__condition(e, "{{ element.name }}", "Equals", t->only);
	} else {
		err = err ?: emit__map_start(e, false);
		err = err ?: emit__kv_str(e, "key", "{{ element.name }}");
		err = err ?: emit__kv_str(e, "operator", "AnyNotIn");
		err = err ?: emit__plain(e, "value");
		err = err ?: emit__seq_start(e, true);
		for (size_t i = 0; i < pol->n_containers; i++)
			err = err ?: emit__str(e, pol->containers[i].name);
		err = err ?: emit__seq_end(e);
		err = err ?: emit__map_end(e);
	}
	err = err ?: emit__seq_end(e);
	return err ?: emit__map_end(e);
}

/* deny: conditions: all: [one condition with a list value] */
static int kyv__deny_not_in(struct emit *e, const char *key, capset_t allowed)
{
	int err = emit__plain(e, "deny");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "conditions");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "all");
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "key", key);
	err = err ?: emit__kv_str(e, "operator", "AnyNotIn");
	err = err ?: emit__plain(e, "value");
	err = err ?: emit__seq_start(e, true);
	for (int cap = 0; cap < 64 && !err; cap++)
		if (caps__has(allowed, cap) && caps__name(cap))
			err = emit__plain(e, caps__name(cap));
	err = err ?: emit__quoted(e, ""); /* what a container without add: gives */
	err = err ?: emit__seq_end(e);
	err = err ?: emit__map_end(e);
	err = err ?: emit__seq_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

static int kyv__add_entry(const struct export_policy *pol, const struct kyv_target *t,
			  struct emit *e)
{
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "list", KYV_CONTAINERS);
	err = err ?: kyv__target_precondition(pol, t, e);
	err = err ?: kyv__deny_not_in(e, "{{ element.securityContext.capabilities.add[]"
				      ".to_upper(@) || '' }}", pol->allowed | t->add);
	return err ?: emit__map_end(e);
}

static int kyv__validate_start(struct emit *e, const char *message)
{
	int err = emit__plain(e, "validate");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "message", message);
	err = err ?: emit__plain(e, "foreach");
	return err ?: emit__seq_start(e, false);
}

/* Ends the foreach list, validate and the rule. */
static int kyv__validate_end(struct emit *e)
{
	int err = emit__seq_end(e);

	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

static int kyv__rule_added(const struct export_policy *pol, struct emit *e)
{
	char *message = NULL, *names = caps__format(pol->allowed, ", ", false);
	int err;

	/* Every capability's name fits: no fixed buffer to cut the list. */
	if (!names || asprintf(&message, "%s: containers may add only the capabilities "
			       "capdiet allows them ([%s]%s)", pol->name, names,
			       pol->n_containers ? " and their named exceptions" : "") < 0) {
		free(names);
		return -ENOMEM;
	}
	free(names);
	err = kyv__rule_start(pol, "restrict-added-capabilities", e);
	err = err ?: kyv__validate_start(e, message);
	err = err ?: kyv__add_entry(pol, &(struct kyv_target){ NULL, 0 }, e);
	for (size_t i = 0; i < pol->n_containers; i++)
		err = err ?: kyv__add_entry(pol, &(struct kyv_target){ pol->containers[i].name,
								      pol->containers[i].add }, e);
	free(message);
	return err ?: kyv__validate_end(e);
}

/* A rule with one foreach entry denying when key op value holds; value is
 * a string, or (plain) YAML as written: true. */
struct kyv_deny {
	const char *name, *message, *key, *op, *value;
	bool plain;
};

static int kyv__rule_each(const struct export_policy *pol, const struct kyv_deny *d,
			  struct emit *e)
{
	int err = kyv__rule_start(pol, d->name, e);

	err = err ?: kyv__validate_start(e, d->message);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "list", KYV_CONTAINERS);
	err = err ?: emit__plain(e, "deny");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "conditions");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "all");
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "key", d->key);
	err = err ?: emit__kv_str(e, "operator", d->op);
	err = err ?: emit__plain(e, "value");
	err = err ?: (d->plain ? emit__plain(e, d->value) : emit__str(e, d->value));
	for (int i = 0; i < 4 && !err; i++) /* condition, all, conditions, deny */
		err = i == 1 ? emit__seq_end(e) : emit__map_end(e);
	err = err ?: emit__map_end(e); /* the foreach entry */
	return err ?: kyv__validate_end(e);
}

/* ---- --mutate ---- */

/* One foreach entry of the mutation: t's containers of one list get
 * privileged: false, drop [ALL] and the set (lists are replaced). */
static int kyv__patch_entry(const struct export_policy *pol, const struct kyv_target *t,
			    const char *field, struct emit *e)
{
	char list[96];
	int err = emit__map_start(e, false);

	snprintf(list, sizeof(list), "request.object.spec.%s || `[]`", field);
	err = err ?: emit__kv_str(e, "list", list);
	err = err ?: kyv__target_precondition(pol, t, e);
	err = err ?: emit__plain(e, "patchStrategicMerge");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "spec");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, field);
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "(name)", "{{ element.name }}");
	err = err ?: emit__plain(e, "securityContext");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_bool(e, "privileged", false);
	err = err ?: emit__plain(e, "capabilities");
	err = err ?: emit__map_start(e, false);
	err = err ?: export__emit_drop_all(e, "drop");
	err = err ?: emit__plain(e, "add");
	err = err ?: emit__caps(e, pol->allowed | t->add, false);
	/* capabilities, securityContext, the element, the list, spec, the patch, the entry */
	for (int i = 0; i < 7 && !err; i++)
		err = i == 3 ? emit__seq_end(e) : emit__map_end(e);
	return err;
}

/* A Pod is mutated when created (its securityContext cannot change later),
 * a pod controller also when updated. */
static int kyv__mutate_preconditions(const struct export_policy *pol, struct emit *e)
{
	int err = emit__plain(e, "preconditions");

	err = err ?: emit__map_start(e, false);
	if (pol->label_key[0]) {
		err = err ?: emit__plain(e, "all");
		err = err ?: emit__seq_start(e, false);
		err = err ?: kyv__label_condition(pol, e);
		err = err ?: emit__seq_end(e);
	}
	err = err ?: emit__plain(e, "any");
	err = err ?: emit__seq_start(e, false);
	err = err ?: kyv__condition(e, "{{ request.operation || 'BACKGROUND' }}", "Equals",
				    "CREATE");
	err = err ?: kyv__condition(e, "{{ request.object.kind }}", "NotEquals", "Pod");
	err = err ?: emit__seq_end(e);
	return err ?: emit__map_end(e);
}

static int kyv__rule_mutate(const struct export_policy *pol, struct emit *e)
{
	static const char *const fields[] = { "containers", "initContainers" };
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "name", "set-capabilities");
	err = err ?: kyv__match(pol, e);
	err = err ?: kyv__mutate_preconditions(pol, e);
	err = err ?: emit__plain(e, "mutate");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "foreach");
	err = err ?: emit__seq_start(e, false);
	for (size_t f = 0; f < 2; f++) {
		err = err ?: kyv__patch_entry(pol, &(struct kyv_target){ NULL, 0 }, fields[f], e);
		for (size_t i = 0; i < pol->n_containers; i++)
			err = err ?: kyv__patch_entry(pol, &(struct kyv_target){
				pol->containers[i].name, pol->containers[i].add }, fields[f], e);
	}
	err = err ?: emit__seq_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

/* ---- the policy ---- */

static int kyv__metadata(const struct export_policy *pol, struct emit *e)
{
	char title[128];
	int err = emit__plain(e, "metadata");

	snprintf(title, sizeof(title), "Capabilities of %s", pol->name);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "name", pol->name);
	err = err ?: emit__plain(e, "annotations");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "policies.kyverno.io/title", title);
	err = err ?: emit__kv_str(e, "policies.kyverno.io/category", "capdiet");
	err = err ?: emit__kv_str(e, "policies.kyverno.io/subject", "Pod");
	err = err ?: emit__kv_str(e, "policies.kyverno.io/description",
				  "Containers must drop ALL capabilities and may add only the "
				  "ones capdiet measured or the team's allowlist allows.");
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

static int kyv__rules(const struct export_policy *pol, struct emit *e)
{
	static const struct kyv_deny drop_all = {
		"require-drop-all", "Containers must drop ALL capabilities.", "ALL", "AnyNotIn",
		"{{ element.securityContext.capabilities.drop[].to_upper(@) || `[]` }}", false,
	};
	static const struct kyv_deny privileged = {
		"disallow-privileged", "Privileged containers get every capability.",
		"{{ element.securityContext.privileged || `false` }}", "Equals", "true", true,
	};
	int err = emit__plain(e, "rules");

	err = err ?: emit__seq_start(e, false);
	if (pol->o->mutate)
		err = err ?: kyv__rule_mutate(pol, e);
	err = err ?: kyv__rule_each(pol, &drop_all, e);
	err = err ?: kyv__rule_each(pol, &privileged, e);
	err = err ?: kyv__rule_added(pol, e);
	return err ?: emit__seq_end(e);
}

static int kyv__body(const void *ctx, struct emit *e)
{
	const struct export_policy *pol = ctx;
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "apiVersion", "kyverno.io/v1");
	err = err ?: emit__kv_str(e, "kind", "ClusterPolicy");
	err = err ?: kyv__metadata(pol, e);
	err = err ?: emit__plain(e, "spec");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "validationFailureAction", pol->o->audit ? "Audit" : "Enforce");
	err = err ?: emit__kv_bool(e, "background", true);
	err = err ?: kyv__rules(pol, e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

int export__kyverno(const struct export_policy *pol, FILE *out)
{
	export_policy__comments(pol, pol->o->mutate
		? "Kyverno ClusterPolicy that sets and validates the capabilities of the pods it matches"
		: "Kyverno ClusterPolicy that validates the capabilities of the pods it matches", out);
	fputs("# Kyverno generates the same rules for the pod controllers (autogen)\n", out);
	return export__emit_document(kyv__body, pol, EMIT_YAML, out);
}
