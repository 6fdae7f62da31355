// SPDX-License-Identifier: MIT
/*
 * Kubernetes: a strategic-merge patch that `kubectl patch --type strategic`
 * applies to a workload with a pod template (its one container; init
 * containers are left as they are), or the container's securityContext
 * block alone.  Every field the profile allows is set, and
 * the comment names the Pod Security level the result fits, "restricted"
 * only when every field that level requires is there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/log.h"
#include "capdiet/policy/k8s_kinds.h"
#include "export_internal.h"

struct k8s_job {
	const struct profile *p;
	const struct export_user *u;
	const char *container;
	const struct k8s_kind *kind; /* what the patch is for; NULL: not a known kind */
};

/* allowPrivilegeEscalation: false is no_new_privs; Kubernetes refuses it
 * next to SYS_ADMIN, and it makes the file capabilities of a non-root
 * service inert. */
static bool k8s__no_escalation(const struct profile *p, const struct export_user *u)
{
	return !caps__has(p->caps, CAP_SYS_ADMIN) && export__no_new_privs_ok(p, u);
}

/* The Pod Security level of the securityContext, and why not a stricter one. */
static const char *k8s__level(const struct profile *p, const struct export_user *u,
			      const char **why)
{
	const char *level = export__psa_level_of(p->caps);

	*why = NULL;
	if (level[0] == 'b')
		*why = "it adds capabilities beyond NET_BIND_SERVICE";
	if (level[0] != 'r') /* baseline or privileged: the capabilities decide */
		return level;
	if (u->root)
		*why = "it runs as root (restricted needs runAsNonRoot: true)";
	else if (!k8s__no_escalation(p, u))
		*why = "allowPrivilegeEscalation is left out (restricted needs false)";
	return *why ? "baseline" : "restricted";
}

static void k8s__header(const struct k8s_job *j, bool patch, FILE *out)
{
	const char *name = EXPORT_CLEAN(export__name(j->p));

	if (patch)
		fprintf(out, "# capdiet profile %s: strategic-merge patch for container %s of "
			"a %s (another kind: --kind):\n"
			"#   kubectl patch -f FILE --type strategic -p \"$(capdiet export "
			"--format k8s PROFILE)\"\n"
			"# it sets only that container: initContainers and the other containers "
			"keep what they have\n", name, EXPORT_CLEAN(j->container), j->kind->kind);
	else
		fprintf(out, "# capdiet profile %s: securityContext of its container "
			"(spec.containers[] in a Pod, spec.template.spec.containers[] in a "
			"Deployment)\n", name);
}

static void k8s__comments(const struct k8s_job *j, bool patch, FILE *out)
{
	const struct profile *p = j->p;
	const struct export_user *u = j->u;
	const char *why, *level = k8s__level(p, u, &why);

	k8s__header(j, patch, out);
	export__forced_comment(p, out);
	fprintf(out, "# this securityContext fits the Pod Security '%s' level%s%s\n", level,
		why ? ", not 'restricted': " : "", why ? why : "");
	if (export__needs_ambient(p, u))
		fprintf(out, "# WARNING: %s runs as user '%s', and Kubernetes does not set the "
			"ambient set: a non-root process gets none of these capabilities unless "
			"the binary has file capabilities (setcap), which allowPrivilegeEscalation: "
			"false would make inert, so it is left out. Run it as root with these "
			"capabilities, or add them to the binary.\n",
			EXPORT_CLEAN(export__name(p)), EXPORT_CLEAN(u->user));
	/* A name means what the image's /etc/passwd says, not this machine's. */
	if (!u->root && !u->has_uid)
		fprintf(out, "# user '%s' is a name and runAsUser takes a number: set runAsUser "
			"to its uid in the image\n", EXPORT_CLEAN(u->user));
	if (!u->root && u->group[0] && !u->has_gid)
		fprintf(out, "# group '%s' is a name and runAsGroup takes a number: set "
			"runAsGroup to its gid in the image\n", EXPORT_CLEAN(u->group));
	if (caps__has(p->caps, CAP_SYS_ADMIN))
		fprintf(out, "# allowPrivilegeEscalation is left out: with SYS_ADMIN it is no "
			"boundary (Kubernetes treats it as true)\n");
}

static int k8s__user(const struct export_user *u, struct emit *e)
{
	int err = 0;

	if (u->root)
		return 0;
	err = err ?: emit__kv_bool(e, "runAsNonRoot", true);
	if (u->has_uid)
		err = err ?: emit__kv_uint(e, "runAsUser", u->uid);
	if (u->group[0] && u->has_gid)
		err = err ?: emit__kv_uint(e, "runAsGroup", u->gid);
	return err;
}

/* The securityContext mapping; privileged: false undoes a base's true. */
static int k8s__security_context(const struct k8s_job *j, struct emit *e)
{
	int err = emit__plain(e, "securityContext");

	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_bool(e, "privileged", false);
	if (k8s__no_escalation(j->p, j->u))
		err = err ?: emit__kv_bool(e, "allowPrivilegeEscalation", false);
	err = err ?: emit__plain(e, "capabilities");
	err = err ?: emit__map_start(e, false);
	err = err ?: export__emit_drop_all(e, "drop");
	err = err ?: emit__plain(e, "add");
	err = err ?: emit__caps(e, j->p->caps, false);
	err = err ?: emit__map_end(e);
	err = err ?: k8s__user(j->u, e);
	/* The runtime's default seccomp profile allows what a capability of the
	 * set needs (its rules are conditional on the capabilities). */
	err = err ?: emit__plain(e, "seccompProfile");
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "type", "RuntimeDefault");
	err = err ?: emit__map_end(e);
	return err ?: emit__map_end(e);
}

static int k8s__context_body(const void *ctx, struct emit *e)
{
	int err = emit__map_start(e, false);

	err = err ?: k8s__security_context(ctx, e);
	return err ?: emit__map_end(e);
}

/*
 * The path to the pod spec and containers: [{name, securityContext}].  The
 * container list merges by name; the capability lists are replaced.  No
 * apiVersion or kind: a strategic-merge patch sets every field it holds,
 * and one written for a Deployment would turn a StatefulSet into one.
 */
static int k8s__patch_body(const void *ctx, struct emit *e)
{
	const struct k8s_job *j = ctx;
	size_t depth = 0;
	int err = emit__map_start(e, false);

	for (; j->kind->path[depth] && !err; depth++) {
		err = emit__plain(e, j->kind->path[depth]);
		err = err ?: emit__map_start(e, false);
	}
	err = err ?: emit__plain(e, "containers");
	err = err ?: emit__seq_start(e, false);
	err = err ?: emit__map_start(e, false);
	err = err ?: emit__kv_str(e, "name", j->container);
	err = err ?: k8s__security_context(j, e);
	err = err ?: emit__map_end(e);
	err = err ?: emit__seq_end(e);
	while (depth-- > 0 && !err)
		err = emit__map_end(e);
	return err ?: emit__map_end(e);
}

static int k8s__check(const struct k8s_job *j, const char *kind, bool patch)
{
	if (patch && !j->kind) {
		log_error("--kind %s: a patch is written for Deployment, StatefulSet, DaemonSet, "
			  "ReplicaSet, Job, CronJob, ReplicationController or Pod",
			  EXPORT_CLEAN(kind));
		return -EBADMSG;
	}
	/* A patch naming another container would add one without an image. */
	if (patch && !export__k8s_dns_label(j->container)) {
		log_error("'%s' is not a Kubernetes container name (up to 63 lowercase letters, "
			  "digits and '-'); name the container with --container NAME",
			  EXPORT_CLEAN(j->container));
		return -EBADMSG;
	}
	return 0;
}

int export__k8s(const struct profile *p, const struct export_user *u,
		const struct export_options *o, bool patch, FILE *out)
{
	const char *kind = o->kind ? o->kind : "Deployment";
	const struct k8s_job j = { p, u, o->container ? o->container : export__name(p),
				   k8s_kind__find(kind) };
	int err = k8s__check(&j, kind, patch);

	if (err)
		return err;
	k8s__comments(&j, patch, out);
	return export__emit_document(patch ? k8s__patch_body : k8s__context_body, &j,
				     EMIT_YAML, out);
}
