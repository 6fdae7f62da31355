// SPDX-License-Identifier: MIT
/*
 * The cluster policies of `capdiet export` (kyverno, gatekeeper, psa),
 * parsed back with ydoc and checked field by field against what each
 * admission controller's own documentation requires:
 *
 *  [K1] kyverno.io/docs/writing-policies/ (ClusterPolicy: apiVersion
 *       kyverno.io/v1, kind ClusterPolicy, spec.rules[] with name, match and
 *       one of validate/mutate)
 *  [K2] kyverno.io/docs/writing-policies/policy-settings/
 *       (spec.validationFailureAction Enforce|Audit, spec.background)
 *  [K3] kyverno.io/docs/writing-policies/validate/ (validate.message,
 *       validate.foreach[].list and deny.conditions, operators AnyNotIn, Equals)
 *  [K4] kyverno.io/docs/writing-policies/autogen/ (no names, selector or
 *       annotations in match, or the rules for pod controllers are not made)
 *  [K5] kyverno.io/docs/writing-policies/mutate/#foreach (foreach[].list
 *       and patchStrategicMerge with the (name) anchor)
 *  [K6] kyverno/policies: pod-security/restricted/disallow-capabilities-strict
 *       and best-practices/require-drop-all (the list and the conditions)
 *  [G1] open-policy-agent.github.io/gatekeeper/website/docs/howto/
 *       (ConstraintTemplate templates.gatekeeper.sh/v1: spec.crd.spec.names.kind,
 *       targets[].target admission.k8s.gatekeeper.sh, rego with violation[];
 *       the Constraint constraints.gatekeeper.sh/v1beta1 of that kind with
 *       spec.match.kinds and spec.parameters)
 *  [G2] .../gatekeeper/website/docs/constrainttemplates/ (v1 requires a
 *       structural schema: a type at every level of openAPIV3Schema)
 *  [G3] .../gatekeeper/website/docs/violations/ (enforcementAction deny|dryrun)
 *  [G4] gatekeeper-library library/pod-security-policy/capabilities
 *       (allowedCapabilities, requiredDropCapabilities)
 *  [P1] kubernetes.io/docs/concepts/security/pod-security-admission/ and
 *       .../tasks/configure-pod-container/enforce-standards-namespace-labels/
 *       (pod-security.kubernetes.io/<enforce|warn|audit>[-version] labels)
 *  [P2] k8s.io/pod-security-admission policy/check_capabilities_baseline.go
 *       and check_capabilities_restricted.go (the 13 baseline capabilities;
 *       restricted: drop ALL, add only NET_BIND_SERVICE)
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"
#include "capdiet/policy/export.h"

#define SET (CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_SETGID) | CAPSET_BIT(CAP_NET_BIND_SERVICE))
#define SET_NAMES "CHOWN,SETGID,NET_BIND_SERVICE"
#define CONTAINERS "request.object.spec.[ephemeralContainers, initContainers, containers][]"

struct out {
	int rc;
	char *text;
	char err[2048];
	struct ydoc *tree;
};

static struct profile *make(const char *name, capset_t caps, const char *user)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	p->name = strdup(name);
	p->caps = caps;
	p->user = user ? strdup(user) : NULL;
	return p;
}

/* Runs fn with stderr captured; parses stdout when fn succeeded. */
static void capture(struct out *o, int (*fn)(const void *, FILE *), const void *ctx)
{
	size_t len = 0, n;
	FILE *out = open_memstream(&o->text, &len), *err = tmpfile();
	int saved = dup(STDERR_FILENO);
	struct ydoc_error yerr;

	assert_non_null(out);
	assert_non_null(err);
	fflush(stderr);
	dup2(fileno(err), STDERR_FILENO);
	o->rc = fn(ctx, out);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(out);
	rewind(err);
	n = fread(o->err, 1, sizeof(o->err) - 1, err);
	o->err[n] = '\0';
	fclose(err);
	o->tree = NULL;
	if (o->rc == 0 && ydoc__parse(o->text, strlen(o->text), 0, &o->tree, &yerr))
		fail_msg("the export is no YAML (line %d: %s):\n%s", yerr.line, yerr.msg, o->text);
}

struct profile_job {
	const struct profile *p;
	enum export_format f;
	const struct export_options *opts;
};

static int profile_fn(const void *ctx, FILE *out)
{
	const struct profile_job *j = ctx;

	return export__write_with(j->p, j->f, j->opts, out);
}

static void run(struct out *o, const struct profile *p, enum export_format f,
		const struct export_options *opts)
{
	const struct profile_job j = { p, f, opts };

	capture(o, profile_fn, &j);
}

static void done(struct out *o)
{
	ydoc__free(o->tree);
	free(o->text);
}

static const struct ydoc_node *doc(const struct out *o, size_t i)
{
	assert_non_null(o->tree);
	assert_true(i < o->tree->n_docs);
	return o->tree->docs[i].root;
}

/* A path of keys and [index]es: at(n, "spec", "rules", "#1", "name", NULL). */
static const struct ydoc_node *at(const struct ydoc_node *n, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, n);
	while (n && (k = va_arg(ap, const char *)))
		n = k[0] == '#' ? ((size_t)atoi(k + 1) < n->n && n->type == YDOC_SEQ
				   ? n->items[atoi(k + 1)] : NULL)
				: ydoc__get(n, k);
	va_end(ap);
	return n;
}

static const char *text_at(const struct ydoc_node *n)
{
	if (!n || n->type != YDOC_SCALAR)
		fail_msg("not a scalar");
	return n->value;
}

/* A sequence of scalars as "A,B,C". */
static const char *joined(const struct ydoc_node *seq)
{
	static char buf[1024];

	buf[0] = '\0';
	if (!seq || seq->type != YDOC_SEQ)
		fail_msg("not a sequence");
	for (size_t i = 0; i < seq->n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, text_at(seq->items[i]));
	}
	return buf;
}

/* ---- Kyverno ---- */

/* The rule of that name, or NULL. */
static const struct ydoc_node *kyv_rule(const struct ydoc_node *policy, const char *name)
{
	const struct ydoc_node *rules = at(policy, "spec", "rules", NULL);

	assert_non_null(rules);
	for (size_t i = 0; i < rules->n; i++)
		if (ydoc__is(ydoc__get(rules->items[i], "name"), name))
			return rules->items[i];
	return NULL;
}

/* [K1][K4] every rule matches Pods only, by nothing that stops autogen. */
static void assert_kyv_match(const struct ydoc_node *rule, const char *ns)
{
	const struct ydoc_node *res = at(rule, "match", "any", "#0", "resources", NULL);

	assert_non_null(res);
	assert_string_equal(joined(ydoc__get(res, "kinds")), "Pod");
	assert_null(ydoc__get(res, "names"));
	assert_null(ydoc__get(res, "selector"));
	assert_null(ydoc__get(res, "annotations"));
	if (ns)
		assert_string_equal(joined(ydoc__get(res, "namespaces")), ns);
	else
		assert_null(ydoc__get(res, "namespaces"));
}

/* The precondition whose key mentions needle (in list all or any). */
static const struct ydoc_node *kyv_condition(const struct ydoc_node *conds, const char *needle)
{
	for (size_t i = 0; conds && i < conds->n; i++)
		if (strstr(text_at(ydoc__get(conds->items[i], "key")), needle))
			return conds->items[i];
	return NULL;
}

static void assert_kyv_label(const struct ydoc_node *rule, const char *key, const char *value)
{
	char want[400];
	const struct ydoc_node *c;

	snprintf(want, sizeof(want), "request.object.metadata.labels.\"%s\"", key);
	c = kyv_condition(at(rule, "preconditions", "all", NULL), want);
	if (!c)
		fail_msg("rule %s has no precondition on label %s", text_at(ydoc__get(rule, "name")), key);
	assert_string_equal(text_at(ydoc__get(c, "operator")), "Equals");
	assert_string_equal(text_at(ydoc__get(c, "value")), value);
}

static void test_kyverno_profile(void **state)
{
	struct profile *p = make("web", SET, NULL);
	const struct export_options opts = { 0 };
	const struct ydoc_node *pol, *rule, *each, *cond;
	struct out o;

	(void)state;
	run(&o, p, EXPORT_KYVERNO, &opts);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.tree->n_docs, 1);
	pol = doc(&o, 0);
	/* [K1] */
	assert_string_equal(text_at(ydoc__get(pol, "apiVersion")), "kyverno.io/v1");
	assert_string_equal(text_at(ydoc__get(pol, "kind")), "ClusterPolicy");
	assert_string_equal(text_at(at(pol, "metadata", "name", NULL)), "capdiet-web");
	assert_null(at(pol, "metadata", "namespace", NULL)); /* cluster-scoped */
	/* [K2] */
	assert_string_equal(text_at(at(pol, "spec", "validationFailureAction", NULL)), "Enforce");
	assert_string_equal(text_at(at(pol, "spec", "background", NULL)), "true");
	assert_int_equal(at(pol, "spec", "rules", NULL)->n, 3);
	assert_null(kyv_rule(pol, "set-capabilities")); /* only with --mutate */
	/* [K6] require-drop-all as Kyverno's sample writes it */
	rule = kyv_rule(pol, "require-drop-all");
	assert_non_null(rule);
	assert_kyv_match(rule, NULL);
	assert_kyv_label(rule, "app.kubernetes.io/name", "web");
	cond = kyv_condition(at(rule, "preconditions", "all", NULL), "request.operation");
	assert_string_equal(text_at(ydoc__get(cond, "operator")), "NotEquals");
	assert_string_equal(text_at(ydoc__get(cond, "value")), "DELETE");
	each = at(rule, "validate", "foreach", "#0", NULL);
	assert_non_null(at(rule, "validate", "message", NULL)); /* [K3] */
	assert_string_equal(text_at(ydoc__get(each, "list")), CONTAINERS);
	cond = at(each, "deny", "conditions", "all", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(cond, "key")), "ALL");
	assert_string_equal(text_at(ydoc__get(cond, "operator")), "AnyNotIn");
	assert_non_null(strstr(text_at(ydoc__get(cond, "value")),
			       "element.securityContext.capabilities.drop[]"));
	/* the set, and "" for a container that adds nothing ([K6]) */
	rule = kyv_rule(pol, "restrict-added-capabilities");
	assert_kyv_match(rule, NULL);
	each = at(rule, "validate", "foreach", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(each, "list")), CONTAINERS);
	assert_null(ydoc__get(each, "preconditions")); /* no container exceptions */
	cond = at(each, "deny", "conditions", "all", "#0", NULL);
	assert_non_null(strstr(text_at(ydoc__get(cond, "key")),
			       "element.securityContext.capabilities.add[]"));
	assert_string_equal(text_at(ydoc__get(cond, "operator")), "AnyNotIn");
	assert_string_equal(joined(ydoc__get(cond, "value")), SET_NAMES ",");
	/* privileged: true gets every capability, whatever it adds */
	rule = kyv_rule(pol, "disallow-privileged");
	cond = at(rule, "validate", "foreach", "#0", "deny", "conditions", "all", "#0", NULL);
	assert_non_null(strstr(text_at(ydoc__get(cond, "key")), "element.securityContext.privileged"));
	assert_true(ydoc__get(cond, "value")->plain);
	assert_string_equal(text_at(ydoc__get(cond, "value")), "true");
	done(&o);
	profile__free(p);
}

static void test_kyverno_options(void **state)
{
	struct profile *p = make("web", 0, NULL);
	struct export_options opts = { .audit = true, .namespace = "prod",
				       .selector = "team.example.com/app=api_1" };
	const struct ydoc_node *pol, *rule;
	struct out o;

	(void)state;
	run(&o, p, EXPORT_KYVERNO, &opts);
	assert_int_equal(o.rc, 0);
	pol = doc(&o, 0);
	assert_string_equal(text_at(at(pol, "spec", "validationFailureAction", NULL)), "Audit");
	rule = kyv_rule(pol, "restrict-added-capabilities");
	assert_kyv_match(rule, "prod");
	assert_kyv_label(rule, "team.example.com/app", "api_1");
	/* nothing allowed: only a container that adds nothing passes */
	assert_string_equal(joined(at(rule, "validate", "foreach", "#0", "deny", "conditions",
				      "all", "#0", "value", NULL)), "");
	done(&o);
	/* Names Kubernetes refuses, or that would be read as an expression. */
	static const char *const bad_selectors[] = {
		"app", "=x", "app=", "app={{ request.object }}", "a\"b=c", "-app=x", "app=x y",
		"Example.COM/app=x",
	};
	for (size_t i = 0; i < sizeof(bad_selectors) / sizeof(bad_selectors[0]); i++) {
		opts.selector = bad_selectors[i];
		run(&o, p, EXPORT_KYVERNO, &opts);
		assert_int_equal(o.rc, -EBADMSG);
		assert_string_equal(o.text, "");
		assert_non_null(strstr(o.err, "--selector"));
		done(&o);
	}
	opts.selector = NULL;
	opts.namespace = "Prod_1";
	run(&o, p, EXPORT_KYVERNO, &opts);
	assert_int_equal(o.rc, -EBADMSG);
	assert_non_null(strstr(o.err, "--namespace 'Prod_1'"));
	done(&o);
	profile__free(p);
}

static void test_kyverno_mutate(void **state)
{
	struct profile *p = make("web", SET, NULL);
	const struct export_options opts = { .mutate = true };
	const struct ydoc_node *rule, *each, *ctr, *cond;
	struct out o;

	(void)state;
	run(&o, p, EXPORT_KYVERNO, &opts);
	assert_int_equal(o.rc, 0);
	rule = at(doc(&o, 0), "spec", "rules", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(rule, "name")), "set-capabilities");
	assert_kyv_match(rule, NULL);
	assert_kyv_label(rule, "app.kubernetes.io/name", "web");
	/* A Pod's securityContext can only be set when it is created. */
	cond = kyv_condition(at(rule, "preconditions", "any", NULL), "request.operation");
	assert_string_equal(text_at(ydoc__get(cond, "value")), "CREATE");
	/* [K5] */
	each = at(rule, "mutate", "foreach", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(each, "list")), "request.object.spec.containers || `[]`");
	ctr = at(each, "patchStrategicMerge", "spec", "containers", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(ctr, "(name)")), "{{ element.name }}");
	assert_string_equal(text_at(at(ctr, "securityContext", "privileged", NULL)), "false");
	assert_string_equal(joined(at(ctr, "securityContext", "capabilities", "drop", NULL)), "ALL");
	assert_string_equal(joined(at(ctr, "securityContext", "capabilities", "add", NULL)),
			    SET_NAMES);
	each = at(rule, "mutate", "foreach", "#1", NULL);
	assert_non_null(at(each, "patchStrategicMerge", "spec", "initContainers", "#0", NULL));
	/* The validation stays: a mutation can be switched off. */
	assert_non_null(kyv_rule(doc(&o, 0), "restrict-added-capabilities"));
	done(&o);
	profile__free(p);
}

/* ---- Gatekeeper ---- */

/* [G2] every schema node has a type; objects' properties each have one too. */
static void assert_structural(const struct ydoc_node *schema)
{
	const struct ydoc_node *props = ydoc__get(schema, "properties");

	assert_non_null(ydoc__get(schema, "type"));
	for (size_t i = 0; props && i < props->n; i++)
		assert_structural(ydoc__value(props, i));
	if (ydoc__get(schema, "items"))
		assert_structural(ydoc__get(schema, "items"));
}

static void assert_lowercase_of(const char *name, const char *kind)
{
	assert_int_equal(strlen(name), strlen(kind));
	for (size_t i = 0; kind[i]; i++)
		assert_int_equal(name[i], tolower((unsigned char)kind[i]));
}

static void test_gatekeeper_profile(void **state)
{
	struct profile *p = make("web", SET, NULL);
	struct export_options opts = { .namespace = "prod" };
	const struct ydoc_node *tpl, *con, *schema, *params, *target;
	const char *kind;
	struct out o;

	(void)state;
	run(&o, p, EXPORT_GATEKEEPER, &opts);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.tree->n_docs, 2);
	tpl = doc(&o, 0);
	con = doc(&o, 1);
	/* [G1] the template */
	assert_string_equal(text_at(ydoc__get(tpl, "apiVersion")), "templates.gatekeeper.sh/v1");
	assert_string_equal(text_at(ydoc__get(tpl, "kind")), "ConstraintTemplate");
	kind = text_at(at(tpl, "spec", "crd", "spec", "names", "kind", NULL));
	assert_lowercase_of(text_at(at(tpl, "metadata", "name", NULL)), kind);
	assert_string_not_equal(kind, "K8sPSPCapabilities"); /* never replaces the library's */
	schema = at(tpl, "spec", "crd", "spec", "validation", "openAPIV3Schema", NULL);
	assert_string_equal(text_at(ydoc__get(schema, "type")), "object");
	assert_structural(schema);
	target = at(tpl, "spec", "targets", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(target, "target")), "admission.k8s.gatekeeper.sh");
	assert_non_null(strstr(text_at(ydoc__get(target, "rego")), "\nviolation[{\"msg\": msg}] {"));
	assert_non_null(strstr(text_at(ydoc__get(target, "rego")), "ephemeralContainers"));
	/* [G1] the Constraint, of the template's kind */
	assert_string_equal(text_at(ydoc__get(con, "apiVersion")), "constraints.gatekeeper.sh/v1beta1");
	assert_string_equal(text_at(ydoc__get(con, "kind")), kind);
	assert_string_equal(text_at(at(con, "metadata", "name", NULL)), "capdiet-web");
	assert_string_equal(text_at(at(con, "spec", "enforcementAction", NULL)), "deny"); /* [G3] */
	assert_string_equal(joined(at(con, "spec", "match", "kinds", "#0", "apiGroups", NULL)), "");
	assert_string_equal(joined(at(con, "spec", "match", "kinds", "#0", "kinds", NULL)), "Pod");
	assert_string_equal(joined(at(con, "spec", "match", "namespaces", NULL)), "prod");
	assert_string_equal(text_at(at(con, "spec", "match", "labelSelector", "matchLabels",
				       "app.kubernetes.io/name", NULL)), "web");
	/* [G4] */
	params = at(con, "spec", "parameters", NULL);
	assert_string_equal(joined(ydoc__get(params, "allowedCapabilities")), SET_NAMES);
	assert_string_equal(joined(ydoc__get(params, "requiredDropCapabilities")), "ALL");
	/* Every parameter is declared in the schema (else the API server refuses it). */
	for (size_t i = 0; i < params->n; i++)
		assert_non_null(at(schema, "properties", text_at(ydoc__key(params, i)), NULL));
	done(&o);
	opts.audit = true;
	run(&o, p, EXPORT_GATEKEEPER, &opts);
	assert_string_equal(text_at(at(doc(&o, 1), "spec", "enforcementAction", NULL)), "dryrun");
	done(&o);
	profile__free(p);
}

/* ---- Pod Security Admission ---- */

static void assert_psa(const struct out *o, const char *ns, const char *level, bool enforce)
{
	static const char *const modes[] = { "enforce", "warn", "audit" };
	const struct ydoc_node *ns_doc = doc(o, 0), *labels = at(ns_doc, "metadata", "labels", NULL);
	char key[96];

	assert_string_equal(text_at(ydoc__get(ns_doc, "apiVersion")), "v1");
	assert_string_equal(text_at(ydoc__get(ns_doc, "kind")), "Namespace");
	assert_string_equal(text_at(at(ns_doc, "metadata", "name", NULL)), ns);
	/* [P1] */
	for (size_t i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "pod-security.kubernetes.io/%s", modes[i]);
		if (i == 0 && !enforce) {
			assert_null(ydoc__get(labels, key));
			continue;
		}
		assert_string_equal(text_at(ydoc__get(labels, key)), level);
		strcat(key, "-version");
		assert_string_equal(text_at(ydoc__get(labels, key)), "latest");
	}
	assert_int_equal(labels->n, enforce ? 6 : 4);
}

static void test_psa_levels(void **state)
{
	struct profile *p = make("web", 0, "nobody");
	struct export_options opts = { .namespace = "web" };
	struct out o;

	(void)state;
	/* [P2] restricted: non-root, nothing added (so allowPrivilegeEscalation: false holds) */
	run(&o, p, EXPORT_PSA, &opts);
	assert_int_equal(o.rc, 0);
	assert_psa(&o, "web", "restricted", true);
	done(&o);
	/* Non-root with NET_BIND_SERVICE needs file capabilities, which restricted's
	 * allowPrivilegeEscalation: false makes inert. */
	p->caps = CAPSET_BIT(CAP_NET_BIND_SERVICE);
	run(&o, p, EXPORT_PSA, &opts);
	assert_psa(&o, "web", "baseline", true);
	done(&o);
	/* Root: restricted needs runAsNonRoot. */
	free(p->user);
	p->user = NULL;
	p->caps = 0;
	run(&o, p, EXPORT_PSA, &opts);
	assert_psa(&o, "web", "baseline", true);
	assert_non_null(strstr(o.text, "not 'restricted'"));
	done(&o);
	opts.audit = true;
	p->caps = SET;
	run(&o, p, EXPORT_PSA, &opts);
	assert_psa(&o, "web", "baseline", false);
	done(&o);
	profile__free(p);
}

/* [P2] the 13 capabilities baseline admits, and no other. */
static void test_psa_baseline_capabilities(void **state)
{
	static const char *const baseline[] = {
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
	};
	struct profile *p = make("web", 0, NULL);
	const struct export_options opts = { .namespace = "web" };
	capset_t listed = 0;
	struct out o;

	(void)state;
	for (size_t i = 0; i < sizeof(baseline) / sizeof(baseline[0]); i++) {
		p->caps = CAPSET_BIT(caps__parse_name(baseline[i]));
		listed |= p->caps;
		run(&o, p, EXPORT_PSA, &opts);
		assert_int_equal(o.rc, 0);
		assert_psa(&o, "web", "baseline", true);
		done(&o);
	}
	for (int cap = 0; cap < 64; cap++) {
		if ((listed & CAPSET_BIT(cap)) || !caps__name(cap))
			continue;
		p->caps = CAPSET_BIT(cap) | CAPSET_BIT(CAP_CHOWN);
		run(&o, p, EXPORT_PSA, &opts);
		assert_int_equal(o.rc, -EBADMSG);
		assert_string_equal(o.text, "");
		if (!strstr(o.err, caps__name(cap)) || strstr(o.err, "CHOWN"))
			fail_msg("stderr should name %s alone: %s", caps__name(cap), o.err);
		done(&o);
	}
	profile__free(p);
}

static void test_psa_needs_a_namespace(void **state)
{
	struct profile *p = make("web", 0, NULL);
	struct export_options opts = { 0 };
	struct out o;

	(void)state;
	run(&o, p, EXPORT_PSA, &opts);
	assert_int_equal(o.rc, -EBADMSG);
	assert_non_null(strstr(o.err, "--namespace"));
	done(&o);
	opts.namespace = "web";
	opts.selector = "app=web";
	run(&o, p, EXPORT_PSA, &opts);
	assert_int_equal(o.rc, -EBADMSG);
	done(&o);
	profile__free(p);
}

/* ---- from an allowlist ---- */

struct allowlist_job {
	const struct check_allowlist *al;
	enum export_format f;
	const struct export_options *opts;
};

static int allowlist_fn(const void *ctx, FILE *out)
{
	const struct allowlist_job *j = ctx;

	return export__write_allowlist(j->al, "ci/.team-allowlist.yaml", j->f, j->opts, out);
}

static const char allowlist_text[] =
	"default: [NET_BIND_SERVICE]\n"
	"exceptions:\n"
	"  - container: nginx\n"
	"    add: [SETUID, SETGID]\n"
	"    reason: master drops to www-data\n"
	"  - add: [KILL]\n"
	"    reason: every container signals its children\n"
	"  - kind: Deployment\n"
	"    name: ping\n"
	"    add: [NET_RAW]\n"
	"    reason: ping\n"
	"  - container: 'x{{ request.object.metadata.name }}'\n"
	"    add: [SYS_ADMIN]\n"
	"    reason: odd\n"
	"  - container: old\n"
	"    add: [SYS_TIME]\n"
	"    reason: gone\n"
	"    expires: 2020-01-31\n";

static struct check_allowlist *allowlist(void)
{
	char err[256];
	struct check_allowlist *al = check_allowlist__parse(allowlist_text, strlen(allowlist_text),
							    "allow.yaml", err, sizeof(err));

	if (!al)
		fail_msg("%s", err);
	check_allowlist__expire(al, 1700000000); /* 2023-11-14 */
	return al;
}

static void test_allowlist_kyverno(void **state)
{
	struct check_allowlist *al = allowlist();
	const struct export_options opts = { 0 };
	const struct allowlist_job j = { al, EXPORT_KYVERNO, &opts };
	const struct ydoc_node *rule, *each, *cond;
	struct out o;

	(void)state;
	capture(&o, allowlist_fn, &j);
	assert_int_equal(o.rc, 0);
	assert_string_equal(text_at(at(doc(&o, 0), "metadata", "name", NULL)),
			    "capdiet-team-allowlist");
	rule = kyv_rule(doc(&o, 0), "restrict-added-capabilities");
	/* An allowlist is the cluster's default: every pod, no label condition. */
	assert_null(kyv_condition(at(rule, "preconditions", "all", NULL), "labels"));
	/* The default and the container-less exception, for every other container. */
	each = at(rule, "validate", "foreach", "#0", NULL);
	cond = at(each, "preconditions", "all", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(cond, "operator")), "AnyNotIn");
	assert_string_equal(joined(ydoc__get(cond, "value")), "nginx");
	assert_string_equal(joined(at(each, "deny", "conditions", "all", "#0", "value", NULL)),
			    "KILL,NET_BIND_SERVICE,");
	/* The container exception, for that container. */
	each = at(rule, "validate", "foreach", "#1", NULL);
	cond = at(each, "preconditions", "all", "#0", NULL);
	assert_string_equal(text_at(ydoc__get(cond, "operator")), "Equals");
	assert_string_equal(text_at(ydoc__get(cond, "value")), "nginx");
	assert_string_equal(joined(at(each, "deny", "conditions", "all", "#0", "value", NULL)),
			    "KILL,SETGID,SETUID,NET_BIND_SERVICE,");
	assert_null(at(rule, "validate", "foreach", "#2", NULL));
	/* Workload, odd-named and expired exceptions allow nothing, and say so. */
	assert_null(strstr(o.text, "NET_RAW,"));
	assert_null(strstr(o.text, "SYS_TIME,"));
	assert_null(strstr(o.text, "SYS_ADMIN,"));
	assert_non_null(strstr(o.text, "\n# left out: exception Deployment/ping container *"));
	assert_non_null(strstr(o.text, "SYS_TIME]: it has expired\n"));
	assert_non_null(strstr(o.err, "2 exceptions of ci/.team-allowlist.yaml"));
	done(&o);
	check_allowlist__free(al);
}

static void test_allowlist_gatekeeper_and_psa(void **state)
{
	struct check_allowlist *al = allowlist();
	struct export_options opts = { .namespace = "team" };
	struct allowlist_job j = { al, EXPORT_GATEKEEPER, &opts };
	const struct ydoc_node *params;
	struct out o;

	(void)state;
	capture(&o, allowlist_fn, &j);
	assert_int_equal(o.rc, 0);
	assert_null(at(doc(&o, 1), "spec", "match", "labelSelector", NULL));
	params = at(doc(&o, 1), "spec", "parameters", NULL);
	assert_string_equal(joined(ydoc__get(params, "allowedCapabilities")), "KILL,NET_BIND_SERVICE");
	assert_string_equal(text_at(at(params, "containerExceptions", "#0", "name", NULL)), "nginx");
	assert_string_equal(joined(at(params, "containerExceptions", "#0", "allowedCapabilities", NULL)),
			    "SETGID,SETUID");
	assert_null(at(params, "containerExceptions", "#1", NULL));
	done(&o);
	/* A namespace's level must admit every live exception: SYS_ADMIN is beyond. */
	j.f = EXPORT_PSA;
	capture(&o, allowlist_fn, &j);
	assert_int_equal(o.rc, -EBADMSG);
	assert_non_null(strstr(o.err, "NET_RAW,SYS_ADMIN is beyond"));
	done(&o);
	check_allowlist__free(al);
}

/* ---- which namespaces, and which pods ---- */

/* The namespaces every Kyverno rule leaves out ("" none), the same in each. */
static const char *kyv_excluded(const struct ydoc_node *policy)
{
	const struct ydoc_node *rules = at(policy, "spec", "rules", NULL);
	static char first[256];

	for (size_t i = 0; i < rules->n; i++) {
		const struct ydoc_node *res = at(rules->items[i], "exclude", "any", "#0",
						 "resources", NULL);
		const char *ns = res ? joined(ydoc__get(res, "namespaces")) : "";

		/* No kinds: autogen's rules for the pod controllers are left out too. */
		assert_null(res ? ydoc__get(res, "kinds") : NULL);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", ns);
		else
			assert_string_equal(ns, first);
	}
	return first;
}

static const char *gk_excluded(const struct out *o)
{
	const struct ydoc_node *ex = at(doc(o, 1), "spec", "match", "excludedNamespaces", NULL);

	return ex ? joined(ex) : "";
}

/* A policy for every pod would judge (with --mutate: change) the cluster's
 * own pods and capdiet's observer: those namespaces are left out unless
 * the policy names its namespace, or --no-default-excludes. */
static void test_excluded_namespaces(void **state)
{
	static const struct {
		struct export_options opts;
		const char *want;
	} cases[] = {
		{ { 0 }, "kube-system,capdiet-system" },
		{ { .exclude = { "monitoring" }, .n_exclude = 1 }, "monitoring,kube-system,capdiet-system" },
		{ { .exclude = { "kube-system" }, .n_exclude = 1 }, "kube-system,capdiet-system" },
		{ { .exclude = { "monitoring" }, .n_exclude = 1, .no_default_excludes = true },
		  "monitoring" },
		{ { .no_default_excludes = true }, "" },
		{ { .namespace = "team" }, "" },
	};
	struct check_allowlist *al = allowlist();
	struct out o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct allowlist_job j = { al, EXPORT_KYVERNO, &cases[i].opts };

		capture(&o, allowlist_fn, &j);
		assert_int_equal(o.rc, 0);
		assert_string_equal(kyv_excluded(doc(&o, 0)), cases[i].want);
		if (cases[i].want[0])
			assert_non_null(strstr(o.text, "\n# not matched: pods in namespace"));
		done(&o);
		j.f = EXPORT_GATEKEEPER;
		capture(&o, allowlist_fn, &j);
		assert_int_equal(o.rc, 0);
		assert_string_equal(gk_excluded(&o), cases[i].want);
		done(&o);
	}
	/* Said in the output, with how to turn it off. */
	capture(&o, allowlist_fn, &(struct allowlist_job){ al, EXPORT_KYVERNO, &cases[0].opts });
	assert_non_null(strstr(o.text, "kube-system and capdiet-system are left out by default"));
	assert_non_null(strstr(o.text, "--no-default-excludes"));
	done(&o);
	/* A name Kubernetes refuses is refused. */
	capture(&o, allowlist_fn, &(struct allowlist_job){ al, EXPORT_GATEKEEPER,
		&(struct export_options){ .exclude = { "Kube_System" }, .n_exclude = 1 } });
	assert_int_equal(o.rc, -EBADMSG);
	assert_non_null(strstr(o.err, "--exclude-namespace 'Kube_System'"));
	done(&o);
	check_allowlist__free(al);
}

/* --mutate from an allowlist rewrites every pod it matches: only when
 * --selector or --namespace narrows it. */
static void test_allowlist_mutate_needs_narrowing(void **state)
{
	struct check_allowlist *al = allowlist();
	struct export_options opts = { .mutate = true };
	struct allowlist_job j = { al, EXPORT_KYVERNO, &opts };
	struct out o;

	(void)state;
	capture(&o, allowlist_fn, &j);
	assert_int_equal(o.rc, -EBADMSG);
	assert_string_equal(o.text, "");
	assert_non_null(strstr(o.err, "--selector"));
	assert_ptr_equal(strchr(o.err, '\n'), o.err + strlen(o.err) - 1); /* one line */
	done(&o);
	opts.selector = "app=web";
	capture(&o, allowlist_fn, &j);
	assert_int_equal(o.rc, 0);
	assert_non_null(kyv_rule(doc(&o, 0), "set-capabilities"));
	done(&o);
	opts.selector = NULL;
	opts.namespace = "team";
	capture(&o, allowlist_fn, &j);
	assert_int_equal(o.rc, 0);
	done(&o);
	check_allowlist__free(al);
}

/* An observed profile's name (namespace.workload.container) is no pod's
 * label: the pods must be named; its namespace is the default. */
static void test_observed_profile(void **state)
{
	struct profile *p = make("shop.web.nginx", SET, NULL);
	struct profile_observation *ob = profile__add_observation(p);
	struct export_options opts = { 0 };
	struct out o;

	(void)state;
	ob->namespace = strdup("shop");
	ob->pod = strdup("web-7d9f8c6b5-x2x4z");
	for (enum export_format f = EXPORT_KYVERNO; f <= EXPORT_GATEKEEPER; f++) {
		run(&o, p, f, &opts);
		assert_int_equal(o.rc, -EBADMSG);
		assert_string_equal(o.text, "");
		assert_non_null(strstr(o.err, "--selector app.kubernetes.io/name=web)"));
		assert_ptr_equal(strchr(o.err, '\n'), o.err + strlen(o.err) - 1);
		done(&o);
	}
	opts.selector = "app=web";
	run(&o, p, EXPORT_KYVERNO, &opts);
	assert_int_equal(o.rc, 0);
	assert_kyv_match(kyv_rule(doc(&o, 0), "restrict-added-capabilities"), "shop");
	assert_string_equal(kyv_excluded(doc(&o, 0)), ""); /* one namespace: nothing to leave out */
	done(&o);
	opts.namespace = "shop-canary";
	run(&o, p, EXPORT_GATEKEEPER, &opts);
	assert_int_equal(o.rc, 0);
	assert_string_equal(joined(at(doc(&o, 1), "spec", "match", "namespaces", NULL)),
			    "shop-canary");
	done(&o);
	opts = (struct export_options){ 0 };
	run(&o, p, EXPORT_PSA, &opts);
	assert_int_equal(o.rc, 0);
	assert_string_equal(text_at(at(doc(&o, 0), "metadata", "name", NULL)), "shop");
	done(&o);
	profile__free(p);
}

/* The message names every capability of the set, however many. */
static void test_kyverno_long_message(void **state)
{
	struct profile *p = make("a-service-with-a-rather-long-name", 0, NULL);
	const struct export_options opts = { 0 };
	const char *message;
	struct out o;

	(void)state;
	for (int cap = 0; cap <= caps__parse_name("CHECKPOINT_RESTORE"); cap++)
		p->caps |= CAPSET_BIT(cap);
	run(&o, p, EXPORT_KYVERNO, &opts);
	assert_int_equal(o.rc, 0);
	message = text_at(at(kyv_rule(doc(&o, 0), "restrict-added-capabilities"), "validate",
			     "message", NULL));
	if (!strstr(message, "CHECKPOINT_RESTORE])"))
		fail_msg("the message is cut: %s", message);
	assert_non_null(strstr(message, "[CHOWN, DAC_OVERRIDE, "));
	done(&o);
	profile__free(p);
}

/* ---- what comes from input stays in its place ---- */

static void assert_comments_only_before(const char *text, const char *first_key)
{
	const char *end = strstr(text, first_key);

	assert_non_null(end);
	for (const char *l = text; l < end; l = strchr(l, '\n') + 1)
		assert_int_equal(*l, '#');
}

static void test_odd_names(void **state)
{
	struct profile *p = make("Web\napiVersion: evil/v1\n{{ request.object }}", SET, NULL);
	struct export_options opts = { .selector = "app=web" };
	struct out o;

	(void)state;
	/* The name is no label value: a policy for it must be told which pods. */
	opts.selector = NULL;
	run(&o, p, EXPORT_GATEKEEPER, &opts);
	assert_int_equal(o.rc, -EBADMSG);
	assert_non_null(strstr(o.err, "--selector"));
	assert_ptr_equal(strchr(o.err, '\n'), o.err + strlen(o.err) - 1); /* one line */
	done(&o);
	opts.selector = "app=web";
	for (enum export_format f = EXPORT_KYVERNO; f <= EXPORT_GATEKEEPER; f++) {
		run(&o, p, f, &opts);
		assert_int_equal(o.rc, 0);
		assert_comments_only_before(o.text, "\napiVersion: ");
		assert_null(strstr(o.text, "evil/v1\n"));
		/* Beyond the comments, nothing of it that Kyverno would evaluate. */
		assert_null(strstr(strstr(o.text, "\napiVersion: "), "{{ request.object }}"));
		assert_int_equal(o.tree->n_docs, f == EXPORT_GATEKEEPER ? 2 : 1);
		/* metadata.name: a DNS subdomain made of the name */
		assert_string_equal(text_at(at(doc(&o, f == EXPORT_GATEKEEPER), "metadata", "name",
					       NULL)), "capdiet-web-apiversion--evil-v1----request-object");
		done(&o);
	}
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kyverno_profile),
		cmocka_unit_test(test_kyverno_options),
		cmocka_unit_test(test_kyverno_mutate),
		cmocka_unit_test(test_gatekeeper_profile),
		cmocka_unit_test(test_psa_levels),
		cmocka_unit_test(test_psa_baseline_capabilities),
		cmocka_unit_test(test_psa_needs_a_namespace),
		cmocka_unit_test(test_allowlist_kyverno),
		cmocka_unit_test(test_allowlist_gatekeeper_and_psa),
		cmocka_unit_test(test_odd_names),
		cmocka_unit_test(test_excluded_namespaces),
		cmocka_unit_test(test_allowlist_mutate_needs_narrowing),
		cmocka_unit_test(test_observed_profile),
		cmocka_unit_test(test_kyverno_long_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
