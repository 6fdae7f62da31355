/* SPDX-License-Identifier: MIT */
/*
 * The learner: a baseline trial with every capability capdiet holds, then
 * a search that always ends with an answer when the baseline works.
 *
 *  1. bottom-up from cap-drop=ALL, adding the candidates each failing trial
 *     shows (judge.h), until a trial works;
 *  2. when that stalls (a failed trial with no new candidate), top-down from
 *     every capability the baseline checked or asked for;
 *  3. then without each capability in turn, most dangerous first, keeping
 *     every removal that still works: no single capability of the answer
 *     can go;
 *  4. one more run of the answer; a different outcome is reported as flaky.
 *
 * No set runs twice, and a set within one that failed is not run at all.
 * The trial itself is a callback, so the search is tested without a kernel.
 */
#ifndef CAPDIET_LEARN_H
#define CAPDIET_LEARN_H

#include <stdbool.h>

#include "capdiet/core/caps.h"
#include "capdiet/learn/judge.h"
#include "capdiet/learn/trial.h"
#include "capdiet/profile/profile.h"

/* Told about each finished trial, for progress output. */
typedef void (*trial_report_fn)(const struct profile_trial *t, const struct trial_result *res,
				const struct verdict *v, const char *phase, void *ctx);

enum learn_stop {
	LEARN_WORKS,          /* found a working set */
	LEARN_BASELINE_FAILS, /* fails even with every capability */
	LEARN_NOT_FOUND,      /* CMD cannot be started */
	LEARN_INTERRUPTED,
};

struct learn_opts {
	int max_trials;        /* bound on the bottom-up phase; then top-down */
	bool minimize;         /* step 3 (top-down always minimizes) */
	bool strict;           /* every failed operation is a need */
	capset_t available;    /* what capdiet can grant here */
	trial_fn run;
	trial_report_fn report; /* may be NULL */
	void *ctx;
};

struct learn_result {
	enum learn_stop stop;
	capset_t caps;
	int trials;            /* trials run, baseline and confirmation included */
	bool top_down;         /* the bottom-up search stalled */
	struct trial_result last; /* the last failing trial, for diagnosis */
	char flaky[320];       /* non-empty: the confirmation disagreed */
};

/* Fills p->caps, needed, observed, trials, unnecessary, failed_ops, flaky,
 * untestable. */
int learn__run(const struct learn_opts *o, struct profile *p, struct learn_result *res);
void learn_result__clear(struct learn_result *res);

#endif
