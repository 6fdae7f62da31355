// SPDX-License-Identifier: MIT
/*
 * Gatekeeper: a ConstraintTemplate (templates.gatekeeper.sh/v1) in the
 * style of the gatekeeper-library's k8spspcapabilities, with the same
 * parameters (allowedCapabilities, requiredDropCapabilities) plus
 * per-container allowances, and a Constraint (constraints.gatekeeper.sh/
 * v1beta1) of it with the set, matching Pods but those of the excluded
 * namespaces (spec.match.excludedNamespaces).  The template is capdiet's own kind
 * (CapdietCapabilities), so installing it never replaces the library's.
 * Unlike the library's it also checks ephemeral containers, compares names
 * in any case and refuses privileged containers, which get every
 * capability whatever they add.
 */
#include <errno.h>
#include <stdio.h>

#include "capdiet/core/emit.h"
#include "export_internal.h"

#define GK_KIND "CapdietCapabilities"
#define GK_NAME "capdietcapabilities" /* Gatekeeper requires the kind in lowercase */

static const char gk_rego[] =
	"package capdietcapabilities\n"
	"\n"
	"containers[c] { c := input.review.object.spec.containers[_] }\n"
	"containers[c] { c := input.review.object.spec.initContainers[_] }\n"
	"containers[c] { c := input.review.object.spec.ephemeralContainers[_] }\n"
	"\n"
	"upper_set(list) = s {\n"
	"  s := {upper(x) | x := list[_]}\n"
	"}\n"
	"\n"
	"allowed(name) = s {\n"
	"  base := upper_set(object.get(input.parameters, \"allowedCapabilities\", []))\n"
	"  more := {upper(x) | e := object.get(input.parameters, \"containerExceptions\", [])[_]; "
	"e.name == name; x := e.allowedCapabilities[_]}\n"
	"  s := base | more\n"
	"}\n"
	"\n"
	"violation[{\"msg\": msg}] {\n"
	"  c := containers[_]\n"
	"  c.securityContext.privileged\n"
	"  msg := sprintf(\"container <%v> is privileged: that grants every capability\", "
	"[c.name])\n"
	"}\n"
	"\n"
	"violation[{\"msg\": msg}] {\n"
	"  c := containers[_]\n"
	"  added := upper_set(object.get(object.get(object.get(c, \"securityContext\", {}), "
	"\"capabilities\", {}), \"add\", []))\n"
	"  extra := added - allowed(c.name)\n"
	"  count(extra) > 0\n"
	"  msg := sprintf(\"container <%v> adds %v; allowed are %v\", "
	"[c.name, sort(extra), sort(allowed(c.name))])\n"
	"}\n"
	"\n"
	"violation[{\"msg\": msg}] {\n"
	"  c := containers[_]\n"
	"  dropped := upper_set(object.get(object.get(object.get(c, \"securityContext\", {}), "
	"\"capabilities\", {}), \"drop\", []))\n"
	"  not dropped[\"ALL\"]\n"
	"  missing := upper_set(object.get(input.parameters, \"requiredDropCapabilities\", [])) "
	"- dropped\n"
	"  count(missing) > 0\n"
	"  msg := sprintf(\"container <%v> must drop %v or ALL\", [c.name, sort(missing)])\n"
	"}\n";

/* name: {type: array, items: {type: string}} */
static int gk__string_array(struct emit *e, const char *name, const char *description)
{
	int err = emit__plain(e, name);

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "array");
	err = err ?: emit__kv_str(e, "description", description);
	err = err ?: emit__plain(e, "items");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "string");
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

/* containerExceptions: [{name, allowedCapabilities}].  Not "containers":
 * a list of that name holds containers wherever it is (capdiet check reads
 * a custom resource so, and so may other tools). */
static int gk__containers_schema(struct emit *e)
{
	int err = emit__plain(e, "containerExceptions");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "array");
	err = err ?: emit__kv_str(e, "description", "Capabilities the container of this name "
				  "may add beyond allowedCapabilities.");
	err = err ?: emit__plain(e, "items");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "object");
	err = err ?: emit__plain(e, "properties");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "name");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "string");
	err = err ?: emit__map_end(e);
	err = err ?: gk__string_array(e, "allowedCapabilities", "What it may add.");
	err = err ?: emit__map_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

/* spec.crd.spec: names and the schema of the parameters. */
static int gk__crd(struct emit *e)
{
	int err = emit__plain(e, "crd");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "spec");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "names");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "kind", GK_KIND);
	err = err ?: emit__map_end(e);
	err = err ?: emit__plain(e, "validation");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "openAPIV3Schema");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "object");
	err = err ?: emit__plain(e, "properties");
	err = err ?: emit__map_start(e, false);
	err = err ?: gk__string_array(e, "allowedCapabilities",
				      "Capabilities every container may add.");
	err = err ?: gk__string_array(e, "requiredDropCapabilities",
				      "Capabilities every container must drop (or ALL).");
	err = err ?: gk__containers_schema(e);
	/* properties, openAPIV3Schema, validation, crd.spec, crd */
	for (int i = 0; i < 5 && !err; i++)
		err = emit__map_end(e);
	return err;
}

static int gk__template_body(const void *ctx, struct emit *e)
{
	int err = emit__map_start(e, false);

	(void)ctx;
	err = err ?: emit__kv_str(e, "apiVersion", "templates.gatekeeper.sh/v1");
	err = err ?: emit__kv_str(e, "kind", "ConstraintTemplate");
	err = err ?: emit__plain(e, "metadata");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "name", GK_NAME);
	err = err ?: emit__map_end(e);
	err = err ?: emit__plain(e, "spec");
	err = err ?: emit__map_start(e, false);
	err = err ?: gk__crd(e);
	err = err ?: emit__plain(e, "targets");
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "target", "admission.k8s.gatekeeper.sh");
	err = err ?: emit__plain(e, "rego");
	err = err ?: emit__literal(e, gk_rego);
	err = err ?: emit__map_end(e);
	err = err ?: emit__seq_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

/* key: [NS, ...] */
static int gk__namespaces(struct emit *e, const char *key, const char *const *ns, size_t n)
{
	int err = emit__plain(e, key);

	err = err ?: emit__seq_start(e, true);
	for (size_t i = 0; i < n; i++)
		err = err ?: emit__str(e, ns[i]);
	return err ?: emit__seq_end(e);
}

/* spec.match: Pods, in the namespace (not the excluded ones), with the label. */
static int gk__match(const struct export_policy *pol, struct emit *e)
{
	int err = emit__plain(e, "match");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "kinds");
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "apiGroups");
	err = err ?: emit__seq_start(e, true);
	err = err ?: emit__quoted(e, "");
	err = err ?: emit__seq_end(e);
	err = err ?: emit__plain(e, "kinds");
	err = err ?: emit__seq_start(e, true);
	err = err ?: emit__plain(e, "Pod");
	err = err ?: emit__seq_end(e);
	err = err ?: emit__map_end(e);
	err = err ?: emit__seq_end(e);
	if (pol->namespace)
		err = err ?: gk__namespaces(e, "namespaces", &pol->namespace, 1);
	if (pol->n_excluded)
		err = err ?: gk__namespaces(e, "excludedNamespaces", pol->excluded, pol->n_excluded);
	if (pol->label_key[0]) {
		err = err ?: emit__plain(e, "labelSelector");
		err = err ?: emit__map_start(e, false);
		err = err ?: emit__plain(e, "matchLabels");
		err = err ?: emit__map_start(e, false);
		err = err ?: emit__kv_str(e, pol->label_key, pol->label_value);
		err = err ?: emit__map_end(e);
		err = err ?: emit__map_end(e);
	}
	return err ?: emit__map_end(e);
}

static int gk__parameters(const struct export_policy *pol, struct emit *e)
{
	int err = emit__plain(e, "parameters");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__plain(e, "allowedCapabilities");
	err = err ?: emit__caps(e, pol->allowed, false);
	err = err ?: export__emit_drop_all(e, "requiredDropCapabilities");
	if (pol->n_containers) {
		err = err ?: emit__plain(e, "containerExceptions");
		err = err ?: emit__seq_start(e, false);
	}
	for (size_t i = 0; i < pol->n_containers; i++) {
		err = err ?: emit__map_start(e, false);
		err = err ?: emit__kv_str(e, "name", pol->containers[i].name);
		err = err ?: emit__plain(e, "allowedCapabilities");
		err = err ?: emit__caps(e, pol->containers[i].add, false);
		err = err ?: emit__map_end(e);
	}
	if (pol->n_containers)
		err = err ?: emit__seq_end(e);
	return err ?: emit__map_end(e);
}

static int gk__constraint_body(const void *ctx, struct emit *e)
{
	const struct export_policy *pol = ctx;
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "apiVersion", "constraints.gatekeeper.sh/v1beta1");
	err = err ?: emit__kv_str(e, "kind", GK_KIND);
	err = err ?: emit__plain(e, "metadata");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "name", pol->name);
	err = err ?: emit__map_end(e);
	err = err ?: emit__plain(e, "spec");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "enforcementAction", pol->o->audit ? "dryrun" : "deny");
	err = err ?: gk__match(pol, e);
	err = err ?: gk__parameters(pol, e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

int export__gatekeeper(const struct export_policy *pol, FILE *out)
{
	int err;

	export_policy__comments(pol, "Gatekeeper ConstraintTemplate and Constraint", out);
	fputs("# Gatekeeper judges Pods: a Deployment beyond the set is admitted, its pods "
	      "are refused\n# (apply the template first; the Constraint's kind exists once "
	      "Gatekeeper has read it)\n", out);
	err = export__emit_document(gk__template_body, pol, EMIT_YAML, out);
	if (!err && fputs("---\n", out) == EOF)
		err = -EIO;
	return err ?: export__emit_document(gk__constraint_body, pol, EMIT_YAML, out);
}
