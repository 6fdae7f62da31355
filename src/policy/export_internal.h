/* SPDX-License-Identifier: MIT */
/*
 * What the exporters share: who a profile runs as, the comment-safe form of
 * its strings, Kubernetes' name rules, and the policy model the admission
 * exporters (export_kyverno.c, export_gatekeeper.c, export_psa.c) write.
 */
#ifndef CAPDIET_EXPORT_INTERNAL_H
#define CAPDIET_EXPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "capdiet/core/emit.h"
#include "capdiet/policy/export.h"

/* Who the profile runs as.  Ids only from numbers: a name is resolved by
 * the image or host that runs the service, never by the one running export. */
struct export_user {
	bool root;
	char user[128];        /* as written in the profile */
	char group[128];       /* "" when the profile names none */
	bool has_uid, has_gid; /* user, group is a number */
	unsigned long uid, gid;
};

void export__user(const struct profile *p, struct export_user *u);
/* The profile's name, or "service" when it has none. */
const char *export__name(const struct profile *p);
/*
 * s as it may stand in a comment line: a control character (a newline
 * would start a line of its own) or a backslash (which continues a systemd
 * line) becomes '?'.  EXPORT_CLEAN(s) gives it a buffer of its own.
 */
const char *export__clean(const char *s, char *buf, size_t len);
#define EXPORT_CLEAN(s) export__clean((s), (char[256]){ 0 }, 256)

/* Non-root and capabilities: only the ambient set carries them over execve. */
bool export__needs_ambient(const struct profile *p, const struct export_user *u);
/*
 * Whether no_new_privs (Docker's no-new-privileges, Kubernetes'
 * allowPrivilegeEscalation: false) leaves the service its set: not for a
 * non-root one with capabilities, which can only get them from file
 * capabilities, and no_new_privs makes those inert on execve.
 */
bool export__no_new_privs_ok(const struct profile *p, const struct export_user *u);
/* "# WARNING: exported with --force: ..." when the profile is incomplete or degraded. */
void export__forced_comment(const struct profile *p, FILE *out);
int export__finish(FILE *out);

typedef int (*export_body_fn)(const void *ctx, struct emit *e);
/* One YAML or JSON document through the emitter, so quoting is right. */
int export__emit_document(export_body_fn body, const void *ctx, enum emit_format format,
			  FILE *out);
/* key: [ALL] */
int export__emit_drop_all(struct emit *e, const char *key);

/* Kubernetes' names: a DNS-1123 label (container and namespace names), a
 * label key ([prefix/]name) and a label value. */
bool export__k8s_dns_label(const char *s);
bool export__k8s_label_key(const char *s);
bool export__k8s_label_value(const char *s);

/* The capabilities Pod Security's baseline level lets a container add. */
capset_t export__psa_baseline(void);
/* "restricted", "baseline" or "privileged": the least a set of added
 * capabilities needs (restricted also needs the pod's other fields). */
const char *export__psa_level_of(capset_t caps);

/* ---- the policy model of the admission exporters ---- */

/* Capabilities one container (by name) may add beyond the default. */
struct export_container_caps {
	const char *name;
	capset_t add;
};

struct export_policy {
	char name[64];          /* metadata.name: "capdiet-" and a DNS label */
	char what[192];         /* "capdiet profile web", for comments (clean) */
	capset_t allowed;       /* what every matched container may add */
	capset_t widest;        /* allowed and every live exception's add */
	struct export_container_caps *containers; /* container-only exceptions */
	size_t n_containers;
	bool restricted_ok;     /* a profile whose pods can set every field Pod
				 * Security's restricted level requires */
	bool from_allowlist;
	const char *forced;     /* "incomplete"/"degraded": exported with --force */
	bool unmatched;         /* the profile's name is no label value: --selector needed */
	char label_key[320];    /* the pods matched: this label ("" any) */
	char label_value[64];
	const char *namespace;  /* and this namespace: --namespace, else an observed
				 * profile's (NULL: any) */
	const char *excluded[EXPORT_MAX_EXCLUDES + 2]; /* namespaces left out */
	size_t n_excluded;
	bool default_excluded;  /* excluded holds the defaults */
	bool observed;          /* from an observed profile: --selector needed */
	char workload[64];      /* its workload, when a label value: for the hint */
	const struct export_options *o;
	const struct check_allowlist *al; /* the allowlist, for comments */
	const char *file;       /* where it was read */
};

/* 0, or -EBADMSG after one log_error line (a name Kubernetes refuses). */
int export_policy__from_profile(const struct profile *p, const struct export_options *o,
				struct export_policy *out);
int export_policy__from_allowlist(const struct check_allowlist *al, const char *file,
				  const struct export_options *o, struct export_policy *out);
void export_policy__clear(struct export_policy *pol);
/* The comment lines every policy starts with: source, match, what was left out. */
void export_policy__comments(const struct export_policy *pol, const char *kind, FILE *out);
/* Writes the policy in f (kyverno, gatekeeper, psa): 0, -errno or -EBADMSG. */
int export_policy__write(const struct export_policy *pol, enum export_format f, FILE *out);

int export__kyverno(const struct export_policy *pol, FILE *out);
int export__gatekeeper(const struct export_policy *pol, FILE *out);
int export__psa(const struct export_policy *pol, FILE *out);

/* k8s (a strategic-merge patch) and securitycontext: export_k8s.c */
int export__k8s(const struct profile *p, const struct export_user *u,
		const struct export_options *o, bool patch, FILE *out);

#endif
