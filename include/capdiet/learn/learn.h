/* SPDX-License-Identifier: MIT */
/*
 * The learner: trials from cap-drop=ALL until the service works, adding
 * only capabilities whose denial made an operation fail, then (optionally)
 * removing each one that proves unnecessary.  The trial itself is a
 * callback, so the loop is tested without a kernel.
 */
#ifndef CAPDIET_LEARN_H
#define CAPDIET_LEARN_H

#include <stdbool.h>

#include "capdiet/core/caps.h"
#include "capdiet/observe/observation.h"
#include "capdiet/profile/profile.h"

enum trial_outcome {
	TRIAL_WORKS,       /* exit 0 / probe passed, and nothing required denied */
	TRIAL_DEGRADED,    /* probe passed, but required denials happened */
	TRIAL_FAILS,       /* exit status != 0, or the probe never passed */
	TRIAL_TIMEOUT,     /* batch command still running at --timeout */
	TRIAL_NOT_FOUND,   /* the command could not be started */
	TRIAL_INTERRUPTED, /* capdiet was asked to stop */
};

struct trial_result {
	enum trial_outcome outcome;
	char detail[160];          /* "exit 1", "probe passed", ... */
	struct observations obs;   /* classified */
	char stderr_tail[2048];    /* last lines of CMD's stderr */
	double seconds;
};

/* Runs CMD once with caps; fills res (outcome, detail, classified obs). */
typedef int (*trial_fn)(capset_t caps, int index, struct trial_result *res, void *ctx);
/* Told about each finished trial, for progress output. */
typedef void (*trial_report_fn)(const struct profile_trial *t, const struct trial_result *res,
				capset_t new_required, bool minimizing, void *ctx);

enum learn_stop {
	LEARN_WORKS,          /* found a working set */
	LEARN_DEGRADED,       /* --accept-degraded stopped at a degraded trial */
	LEARN_NOT_CAPS,       /* failed with no new required denial */
	LEARN_MAX_TRIALS,     /* --max-trials reached */
	LEARN_NOT_FOUND,      /* CMD cannot be started */
	LEARN_INTERRUPTED,
};

struct learn_opts {
	int max_trials;        /* bound on the search (minimisation not counted) */
	bool minimize;
	bool accept_degraded;
	trial_fn run;
	trial_report_fn report; /* may be NULL */
	void *ctx;
};

struct learn_result {
	enum learn_stop stop;
	capset_t caps;
	int trials;            /* trials run, minimisation included */
	struct trial_result last; /* the last failing trial, for diagnosis */
};

/* Fills p->caps, needed, observed, trials, unnecessary, degraded, failed_ops. */
int learn__run(const struct learn_opts *o, struct profile *p, struct learn_result *res);
void learn_result__clear(struct learn_result *res);
const char *trial_outcome__name(enum trial_outcome o);
void trial_result__clear(struct trial_result *r);
/* Capabilities with a required denial in obs. */
capset_t learn__required(const struct observations *obs);
/* Adds what o shows to evidence e (syscall, call site, exe, path, ...). */
int learn__merge_evidence(struct profile_evidence *e, const struct observation *o, int trial);

#endif
