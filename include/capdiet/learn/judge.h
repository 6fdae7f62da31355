/* SPDX-License-Identifier: MIT */
/*
 * What a trial means, judged against the baseline: the same service run
 * with every capability capdiet holds.  Pure functions of recorded data, so
 * every rule is tested without a kernel.
 *
 *  - A trial works when CMD did its job (exit 0 / probe) and its processes
 *    ran with the credentials they have in the baseline.
 *  - A denial is a candidate need when its operation failed, it does not
 *    happen in the baseline too (a process that dropped its own privileges
 *    fails the same way with everything granted), and it did not happen
 *    while the service was being stopped, unless the service then failed
 *    to stop within the grace period.
 *  - A failed operation is evidence, not a verdict: the search proves a
 *    candidate needed only by a trial that fails without it.
 */
#ifndef CAPDIET_JUDGE_H
#define CAPDIET_JUDGE_H

#include <stdbool.h>

#include "capdiet/core/caps.h"
#include "capdiet/learn/trial.h"

struct denial_key {
	int cap;
	int syscall;
	char exe[OBS_TEXT_MAX];
};

struct baseline {
	bool taken;
	double ready_s;
	struct cred_snapshot creds;
	capset_t checked;          /* checked, asked for (capset), or carried by an exec'd file */
	struct denial_key *denials; /* denied even with every capability */
	size_t n_denials;
};

enum obs_phase { PHASE_START, PHASE_SERVING, PHASE_STOP };

struct verdict {
	bool works;
	bool degraded;        /* --strict alone made it fail */
	capset_t candidates;  /* required denials that may be needs */
	capset_t quiet;       /* denied, yet the syscall succeeded, not in the baseline:
			       * needs whose error comes back another way (a
			       * netlink ack), tried when no candidate is left */
	capset_t untestable;  /* candidates capdiet cannot grant here */
	capset_t denied;      /* every capability denied, whatever became of it */
	char why[320];        /* why it does not work, when it does not */
};

int baseline__take(struct baseline *b, const struct trial_result *tr);
void baseline__clear(struct baseline *b);
/* True when o is denied the same way in the baseline. */
bool baseline__denies(const struct baseline *b, const struct observation *o);
/* When o was first seen: before the probe passed, while serving, or after
 * capdiet asked the service to stop. */
enum obs_phase judge__phase(const struct trial_result *tr, const struct observation *o);
const char *obs_phase__name(enum obs_phase p);
/* True when o counts as a candidate need (the rules above). */
bool judge__is_candidate(const struct baseline *b, const struct trial_result *tr,
			 const struct observation *o);
/* True when o was denied, its syscall succeeded, it is not a noaudit check
 * and the baseline does not deny it too. */
bool judge__is_quiet(const struct baseline *b, const struct observation *o);
/* Judges a finished trial of caps; strict: any candidate makes it fail. */
void judge__trial(const struct baseline *b, const struct trial_result *tr, capset_t caps,
		  capset_t available, bool strict, struct verdict *v);
/* Seconds a diet trial waits for its probe, after a required denial, before
 * it is judged failing: relative to how long the baseline took to be ready. */
double judge__cutoff(const struct baseline *b);

#endif
