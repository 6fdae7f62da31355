/* SPDX-License-Identifier: MIT */
/*
 * The profile: one service's minimum capability set with its evidence.
 * One data model (profile.c), written and read as YAML (profile_yaml.c), and
 * the input of the exporters (export.c), the report (report.c) and the gate
 * (check.c).  Lists are written in capability-number order.
 */
#ifndef CAPDIET_PROFILE_H
#define CAPDIET_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/strlist.h"
#include "capdiet/core/ydoc.h"

#define PROFILE_SCHEMA_VERSION 1

/* A file the evidence points at, with what was true of it at run time. */
struct profile_path {
	char *path;
	bool exists;     /* false: it did not exist when the profile was made */
	char *owner;     /* user name, or the uid as text */
	char *group;     /* group name, or the gid as text */
	unsigned int mode; /* st_mode & 07777 */
	char *type;      /* "file", "directory", "socket", ... */
};

/*
 * Why one capability appears in the profile: every check of it that the
 * recorder aggregated, merged over the trials.
 */
struct profile_evidence {
	int cap;
	char *klass;           /* "required", "tolerated", "granted", "unnecessary" */
	char *reason;          /* one line: "setgid failed with EPERM", "noaudit check" */
	uint64_t count;        /* checks seen */
	int trial;             /* trial that found it (0-based), -1 unknown */
	struct strlist syscalls;   /* "chown", "setgid" */
	struct strlist call_sites; /* "setattr_prepare", "ns_capable_setid" */
	struct strlist stacks;     /* one symbolised stack: "cap_capable <- ..." */
	struct strlist exes;       /* "/usr/sbin/nginx" */
	struct strlist errors;     /* "EPERM": how the syscall failed (required) */
	struct profile_path *paths;
	size_t n_paths;
	struct strlist args;       /* non-path arguments: "bind 0.0.0.0:80" */
	bool user_ns;              /* checked against a user namespace that is not
				    * the initial one (a container's own) */
};

struct profile_trial {
	int index;             /* 0-based */
	capset_t caps;         /* set tried */
	char *outcome;         /* "works", "fails", "degraded", "timeout", ... */
	char *detail;          /* "exit 1", "probe failed", ... */
	capset_t new_required; /* required denials first seen in this trial */
	double seconds;
};

/* One node's share of a merged observation (capdiet merge). */
struct profile_node_count {
	char *node;            /* hostname */
	uint64_t replicas;     /* containers of the workload watched there */
	uint64_t checks;       /* capability checks seen there */
	double seconds;        /* replica-seconds watched there: each replica's
				* window, added, so merging merges is a sum */
	struct strlist ids;    /* the container ids watched there, so a merge
				* refuses one container's profile given twice */
};

/*
 * What `capdiet observe` saw of one container in a window, or, after
 * `capdiet merge`, of the replicas of one workload.  It shows what was used
 * in the window, not what is needed: a capability used only on a rare path
 * may be missing, and a trial (`capdiet run`) gives the minimum.
 * Identity strings are NULL when unknown (and after a merge, when the
 * replicas disagree: a pod's name, its uid, the container id).  In YAML it
 * is the `observation:` mapping (`observed:` is the evidence list), left out
 * when absent, so a profile learned by trials reads and writes as before.
 */
struct profile_observation {
	char *node;            /* hostname it was watched on; NULL: many (nodes) */
	char *start, *end;     /* ISO 8601 UTC window: 2026-11-29T12:00:00Z */
	double seconds;        /* length of the window */
	uint64_t checks;       /* capability checks seen in it */
	capset_t held;         /* what its processes held (bounding set) */
	capset_t used;         /* granted checks seen */
	capset_t denied;       /* denied checks seen (not noaudit) */
	capset_t unused;       /* held and never checked: can be dropped */
	uint64_t counts[64];   /* checks per capability (granted + denied) */
	char *runtime;         /* "kubernetes", "podman", "docker", "systemd", "cgroup" */
	char *id, *pod, *pod_uid, *namespace, *container, *image, *cgroup;
	char *workload;        /* the pod's owner (Deployment, DaemonSet, ...) when
				* known; merge derives it from pod otherwise */
	struct profile_node_count *nodes; /* after merge: one per node */
	size_t n_nodes;
};

struct profile {
	int schema;            /* PROFILE_SCHEMA_VERSION */
	char *name;            /* service name */
	struct strlist command; /* argv */
	char *probe;           /* shell command, NULL for a batch command */
	char *user;            /* USER[:GROUP], NULL for root */
	char *kernel;          /* uname -r */
	char *capdiet_version;
	char *date;            /* ISO 8601 UTC */
	char *attach;          /* recorder method used */
	char *runtime;         /* "runc", "podman"... NULL: run on the host */
	char *bundle;          /* the OCI bundle directory it was learned from */
	char *image;           /* the container image it was learned from */
	bool namespaced;       /* a needed capability was checked in a user
				* namespace of the service's own, not the host's */
	char *unit;            /* the systemd unit it was learned from (run --unit) */
	capset_t unit_excludes; /* what the unit's CapabilityBoundingSet= leaves out:
				 * no trial had it, the service never can */
	bool complete;         /* false: interrupted, or decisions were lost */
	bool degraded;         /* accepted with operations failing (older capdiet) */
	bool flaky;            /* identical runs of the answer disagreed */
	bool minimized;        /* --minimize was run */
	uint64_t lost;         /* decisions the recorder could not record */
	capset_t caps;         /* the minimum set */
	capset_t unnecessary;  /* removed by a trial without it: checked, not needed */
	capset_t untestable;   /* denied, but capdiet could not grant it here */
	struct profile_evidence *needed;   /* one per capability in caps */
	size_t n_needed;
	struct profile_evidence *observed; /* seen, judged not required */
	size_t n_observed;
	struct profile_trial *trials;
	size_t n_trials;
	struct strlist failed_ops; /* operations that failed, the service worked */
	/* Made by `capdiet observe` (caps: the used set; complete: no decision
	 * was lost), NULL: learned by trials. */
	struct profile_observation *observation;
};

/*
 * A service name as profiles hold it: 1 to PROFILE_NAME_MAX bytes of
 * letters, digits and . _ - + @ :, so it is one word in every format an
 * export writes (a unit file's line, a YAML comment, a JSON string).
 */
#define PROFILE_NAME_MAX 128
bool profile__valid_name(const char *name);
/* name made valid: each other byte becomes '-', cut at the maximum; NULL
 * with errno set when nothing of it is left. */
char *profile__clean_name(const char *name);

struct profile *profile__new(void);
void profile__free(struct profile *p);
void profile_evidence__clear(struct profile_evidence *e);

/*
 * Adds an evidence record (a zeroed copy is returned for filling, with cap
 * set and trial -1; a trial gets index = its position).  The pointer is valid
 * until the next add to the same array.  NULL with errno set on failure.
 */
struct profile_evidence *profile__add_needed(struct profile *p, int cap);
struct profile_evidence *profile__add_observed(struct profile *p, int cap);
struct profile_trial *profile__add_trial(struct profile *p);
/*
 * Records path with what lstat says of it now (owner and group by name, else
 * the number; mode; type; exists false when it is missing).  A path already
 * recorded is kept as is.  0 or -errno.
 */
int profile_evidence__add_path(struct profile_evidence *e, const char *path);
/* Adds a zeroed path record, for readers that fill it themselves. */
struct profile_path *profile_evidence__new_path(struct profile_evidence *e);
/* p's observation, made empty when it has none; NULL with errno set. */
struct profile_observation *profile__add_observation(struct profile *p);
void profile_observation__free(struct profile_observation *o);
/* Adds a zeroed node record; NULL with errno set. */
struct profile_node_count *profile_observation__add_node(struct profile_observation *o);
/*
 * Seconds since the epoch of an ISO 8601 UTC time as observations write it,
 * "2026-11-29T12:00:00Z" (a fraction of a second allowed): 0, or -EINVAL
 * for any other text.
 */
int profile__parse_time(const char *text, double *out);
/*
 * The workload a pod belongs to, told by the names Kubernetes gives its
 * pods: NAME-HASH-XXXXX (Deployment), NAME-XXXXX (DaemonSet, Job,
 * ReplicaSet), NAME-N (StatefulSet), else the pod's own name.  An explicit
 * workload wins; NULL when there is no pod (Podman, Docker, systemd).
 * Returns malloc'd text, or NULL with errno ENOENT (no pod) or ENOMEM.
 */
char *profile_observation__workload(const struct profile_observation *o);

/* Finds the evidence for cap in needed, or NULL. */
struct profile_evidence *profile__find_needed(const struct profile *p, int cap);

/*
 * YAML.  profile__write emits to an open stream; profile__save writes a file
 * atomically (temp file in the same directory, fsync, rename, mode 0644,
 * never following a symlink at path).  profile__load returns NULL with errno
 * set and a one-line message in err (file:line: what is wrong).
 */
int profile__write(const struct profile *p, FILE *out);
int profile__save(const struct profile *p, const char *path);
struct profile *profile__load(const char *path, char *err, size_t err_len);
struct profile *profile__parse(const char *buf, size_t len, const char *name,
			       char *err, size_t err_len);

/*
 * A profile among the documents of a file read for other things (capdiet
 * check): what a gate needs of it, and nothing more, so keys it need not
 * judge are not read.
 */
struct profile_head {
	const char *name;              /* NULL when it has none */
	const struct ydoc_node *caps;  /* the caps list, as written */
};

/* root has the capdiet_profile key. */
bool profile__is_document(const struct ydoc_node *root);
/*
 * Checks the schema version by profile__parse's rule and finds the name and
 * the caps list.  0, or -EINVAL with "FILE:LINE: problem" in where.
 */
int profile__read_head(const struct ydoc_node *root, const struct ydoc_where *where,
		       struct profile_head *out);

#endif
