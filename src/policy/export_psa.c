// SPDX-License-Identifier: MIT
/*
 * Pod Security Admission: a Namespace whose labels enforce the strictest
 * level of the Pod Security Standards that admits the set (checked against
 * k8s.io/pod-security-admission: restricted lets a container add only
 * NET_BIND_SERVICE and needs runAsNonRoot, allowPrivilegeEscalation: false
 * and a seccomp profile; baseline lets it add the 13 capabilities of
 * export__psa_baseline).  warn and audit name the same level, so `kubectl
 * apply` of a Deployment beyond it warns at once, while enforce refuses its
 * pods.  A set beyond baseline has no level but privileged, which enforces
 * nothing: that is refused, naming the capabilities.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/log.h"
#include "export_internal.h"

#define PSA_LABEL "pod-security.kubernetes.io/"

struct psa_job {
	const struct export_policy *pol;
	const char *level;
};

static int psa__mode(struct emit *e, const char *mode, const char *level)
{
	char key[64];
	int err;

	snprintf(key, sizeof(key), PSA_LABEL "%s", mode);
	err = emit__kv_str(e, key, level);
	snprintf(key, sizeof(key), PSA_LABEL "%s-version", mode);
	return err ?: emit__kv_str(e, key, "latest");
}

static int psa__body(const void *ctx, struct emit *e)
{
	const struct psa_job *j = ctx;
	int err = emit__map_start(e, false);

	err = err ?: emit__kv_str(e, "apiVersion", "v1");
	err = err ?: emit__kv_str(e, "kind", "Namespace");
	err = err ?: emit__plain(e, "metadata");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "name", j->pol->namespace);
	err = err ?: emit__plain(e, "labels");
	err = err ?: emit__map_start(e, false);
	if (!j->pol->o->audit)
		err = err ?: psa__mode(e, "enforce", j->level);
	err = err ?: psa__mode(e, "warn", j->level);
	err = err ?: psa__mode(e, "audit", j->level);
	err = err ?: emit__map_end(e);
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

/* The options psa cannot honour, and a set no level holds. */
static int psa__check(const struct export_policy *pol)
{
	capset_t beyond = pol->widest & ~export__psa_baseline();
	char *names;

	if (!pol->namespace || pol->o->selector) {
		log_error("psa labels one whole namespace: name it with --namespace NS, "
			  "without --selector");
		return -EBADMSG;
	}
	if (!beyond)
		return 0;
	names = caps__format(beyond, ",", false);
	log_error("%s is beyond Pod Security's baseline level: only 'privileged' admits it, "
		  "and that enforces nothing; enforce the set with --format kyverno or "
		  "gatekeeper", names ? names : "a capability");
	free(names);
	return -EBADMSG;
}

static const char *psa__why_not_restricted(const struct export_policy *pol)
{
	if (export__psa_level_of(pol->widest)[0] != 'r')
		return "capabilities beyond NET_BIND_SERVICE";
	if (pol->from_allowlist)
		return "an allowlist does not say that its pods run as non-root";
	if (!pol->restricted_ok)
		return "its pods cannot set runAsNonRoot and allowPrivilegeEscalation: false "
		       "(see capdiet export --format k8s)";
	return NULL;
}

int export__psa(const struct export_policy *pol, FILE *out)
{
	const char *why = psa__why_not_restricted(pol);
	struct psa_job j = { pol, why ? "baseline" : "restricted" };
	int err = psa__check(pol);
	char *names;

	if (err)
		return err;
	names = caps__format(pol->widest, ", ", false);
	fprintf(out, "# %s: Namespace %s with Pod Security Admission labels\n", pol->what,
		pol->namespace);
	if (pol->forced)
		fprintf(out, "# WARNING: exported with --force: the profile is %s; its set may "
			"lack what the service needs\n", pol->forced);
	fprintf(out, "# level '%s' admits [%s]%s%s\n", j.level, names ? names : "?",
		why ? "; not 'restricted': " : "", why ? why : "");
	fputs("# a whole namespace gets one level: it is a ceiling, not the set; enforce the "
	      "set itself with --format kyverno or gatekeeper\n", out);
	free(names);
	return export__emit_document(psa__body, &j, EMIT_YAML, out);
}
