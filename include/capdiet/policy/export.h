/* SPDX-License-Identifier: MIT */
/*
 * Exporters: a profile's minimum set as the configuration of the runtimes
 * people use, and as the admission policies that make it the default in a
 * cluster (Kyverno, Gatekeeper, Pod Security Admission; docs/policies.md).
 * Where a runtime cannot express the profile (a non-root service needs the
 * ambient set, which Docker and Kubernetes do not set), the output says so
 * instead of silently not working.
 */
#ifndef CAPDIET_EXPORT_H
#define CAPDIET_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "capdiet/policy/check.h"
#include "capdiet/profile/profile.h"

enum export_format {
	EXPORT_DOCKER, EXPORT_PODMAN, EXPORT_COMPOSE, EXPORT_K8S, EXPORT_OCI, EXPORT_SYSTEMD,
	EXPORT_LABEL,           /* Containerfile LABEL io.containers.capabilities */
	EXPORT_CONTAINERS_CONF, /* containers.conf [containers] default_capabilities */
	EXPORT_SECURITY_CONTEXT, /* one container's securityContext block */
	EXPORT_KYVERNO,         /* a Kyverno ClusterPolicy */
	EXPORT_GATEKEEPER,      /* a Gatekeeper ConstraintTemplate and its Constraint */
	EXPORT_PSA,             /* a Namespace with Pod Security Admission labels */
};

/* The namespaces of the cluster's own pods (CNI, kube-proxy) and of
 * capdiet's observer, which a policy for every pod must leave alone. */
#define EXPORT_DEFAULT_EXCLUDES { "kube-system", "capdiet-system" }
#define EXPORT_MAX_EXCLUDES 32

/* What the command line adds to a profile (all zero: the defaults). */
struct export_options {
	bool force;             /* export an incomplete or degraded profile, saying so */
	bool mutate;            /* kyverno: also a rule that sets drop ALL and the set */
	bool audit;             /* kyverno Audit, gatekeeper dryrun, psa warn+audit only */
	const char *namespace;  /* kyverno, gatekeeper: only this namespace; psa: the one labelled */
	const char *selector;   /* kyverno, gatekeeper: "KEY=VALUE", the pods with this label */
	/* kyverno, gatekeeper: namespaces left out (--exclude-namespace); without
	 * --namespace EXPORT_DEFAULT_EXCLUDES are left out too, unless
	 * no_default_excludes. */
	const char *exclude[EXPORT_MAX_EXCLUDES];
	size_t n_exclude;
	bool no_default_excludes;
	const char *container;  /* k8s, securitycontext, compose: the container (service) name */
	const char *kind;       /* k8s: the workload kind the patch is for (Deployment) */
};

/* "docker", "podman", "compose", "k8s" (or "kubernetes"), "oci", "systemd",
 * "label", "containers-conf", "securitycontext", "kyverno", "gatekeeper",
 * "psa"; -EINVAL for anything else. */
int export__parse_format(const char *name, enum export_format *out);
/* "docker, podman, ...": the accepted names, for messages. */
const char *export__format_names(void);
/* The cluster policies, which an allowlist can be exported as too. */
bool export__is_policy(enum export_format f);

/*
 * Writes the profile for one runtime; 0 or -errno (-EIO on a write error).
 * -EBADMSG, after one log_error line and before any output, when something
 * of the profile cannot be written safely or meaningfully in the format (a
 * user name that would break out of a systemd line, a name Kubernetes
 * refuses, a set no Pod Security level admits), or when the profile is
 * incomplete or degraded and o->force is not set.  Comments never carry a
 * control character from the profile.
 */
int export__write_with(const struct profile *p, enum export_format f,
		       const struct export_options *o, FILE *out);
/* export__write_with with the default options. */
int export__write(const struct profile *p, enum export_format f, FILE *out);
/*
 * 0 when the profile may be exported; -EBADMSG after one log_error line
 * when it is incomplete or degraded and o->force is not set (with force: a
 * log_warn line, and 0).
 */
int export__admit(const struct profile *p, const struct export_options *o);
/*
 * An allowlist (its default set, and its exceptions that name only a
 * container) as a cluster policy: f is EXPORT_KYVERNO, EXPORT_GATEKEEPER or
 * EXPORT_PSA.  file is where it was read, for the policy's name and
 * comments.  0, -errno, or -EBADMSG after one log_error line.
 */
int export__write_allowlist(const struct check_allowlist *al, const char *file,
			    enum export_format f, const struct export_options *o, FILE *out);
/*
 * Writes BUNDLE/config.json as it is, but for process.capabilities: all five
 * lists the profile's set.  0, -errno, or -EBADMSG after one log_error line
 * when the bundle's config cannot be read.
 */
int export__oci_bundle(const struct profile *p, const char *bundle, FILE *out);

#endif
