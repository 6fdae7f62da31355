/* SPDX-License-Identifier: MIT */
/*
 * One trial: run CMD once with one capability set under the recorder and
 * hand back what happened (exit status or probe, how long it took to be
 * ready, who its processes ran as, every capability decision).  What that
 * means for the set is the judge's business (judge.h), what to try next
 * the learner's (learn.h).
 */
#ifndef CAPDIET_TRIAL_H
#define CAPDIET_TRIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/user.h"
#include "capdiet/observe/creds.h"
#include "capdiet/observe/launch.h"
#include "capdiet/observe/observation.h"
#include "capdiet/observe/record.h"

enum trial_outcome {
	TRIAL_WORKS,       /* exit 0 / probe passed, same credentials as the baseline */
	TRIAL_DEGRADED,    /* --strict: worked, but an operation failed for lack of a capability */
	TRIAL_FAILS,       /* exit status != 0, the probe never passed, or other credentials */
	TRIAL_TIMEOUT,     /* batch command still running at --timeout */
	TRIAL_NOT_FOUND,   /* the command could not be started */
	TRIAL_INTERRUPTED, /* capdiet was asked to stop */
};

struct trial_request {
	capset_t caps;
	int index;
	double cutoff_s;   /* > 0: a service whose probe has not passed this long
			    * after its start, with a required denial, has failed */
	double baseline_ready_s;
};

struct trial_result {
	enum trial_outcome outcome;
	char detail[240];          /* "exit 1", "probe passed after 0.31 s", ... */
	struct observations obs;   /* classified */
	char stderr_tail[2048];    /* last lines of CMD's stderr */
	double seconds;            /* the whole trial, stop included */
	double ready_s;            /* start to probe passed (service) or exit (batch) */
	uint64_t ready_ns;         /* CLOCK_MONOTONIC ns the probe passed; 0: never */
	uint64_t stop_ns;          /* when capdiet asked the service to stop; 0: never */
	bool stop_forced;          /* the tree outlived the grace period */
	struct cred_snapshot creds; /* taken once the probe passed (services) */
};

/* Runs CMD once as req says; fills res.  0 or -errno (res->outcome tells
 * interruptions and commands that cannot start). */
typedef int (*trial_fn)(const struct trial_request *req, struct trial_result *res, void *ctx);

struct trial_env {
	struct recorder *rec;
	char **argv;               /* with an image: its command when empty */
	const struct launch_container *container; /* NULL: CMD on the host */
	const char *probe;         /* shell command; NULL: a batch command */
	const char *before_each;   /* shell command run before every trial */
	const struct user_spec *user;
	bool allow_new_privs;
	const char *cwd;           /* working directory; NULL: capdiet's */
	char *const *envp;         /* CMD's environment; NULL: capdiet's */
	int timeout_ms;            /* batch: to exit; service: for the probe to pass */
	int grace_ms;              /* SIGTERM to SIGKILL when stopping the tree */
	int settle_ms;             /* after the probe passed, before stopping */
};

/* A trial_fn: ctx is a struct trial_env. */
int trial__run(const struct trial_request *req, struct trial_result *res, void *ctx);
/* Runs a shell command with a time limit; its exit status, or -errno
 * (-ETIMEDOUT: it was killed at the limit; -EINTR: capdiet was asked to stop). */
int trial__shell(const char *command, int timeout_ms, int out_fd);
const char *trial_outcome__name(enum trial_outcome o);
void trial_result__clear(struct trial_result *r);

#endif
