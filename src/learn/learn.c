// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/learn/evidence.h"
#include "capdiet/learn/learn.h"

#define MEMO_MAX 256

/* Sets already run, so none runs twice. */
struct memo {
	capset_t caps[MEMO_MAX];
	bool works[MEMO_MAX];
	size_t n;
};

/* Everything one search carries between trials. */
struct search {
	const struct learn_opts *o;
	struct profile *p;
	struct learn_result *res;
	struct evidence_acc acc;
	struct baseline base;
	struct memo memo;
	capset_t seen;         /* every capability a trial checked or denied */
	capset_t untestable;
};

static void memo_add(struct memo *m, capset_t caps, bool works)
{
	if (m->n < MEMO_MAX) {
		m->caps[m->n] = caps;
		m->works[m->n++] = works;
	}
}

/* True when caps lies within a set that failed: fewer capabilities do not
 * make a service work. */
static bool memo_fails(const struct memo *m, capset_t caps)
{
	for (size_t i = 0; i < m->n; i++)
		if (!m->works[i] && (caps & ~m->caps[i]) == 0)
			return true;
	return false;
}

static bool memo_works(const struct memo *m, capset_t caps)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->works[i] && m->caps[i] == caps)
			return true;
	return false;
}

static bool memo_ran(const struct memo *m, capset_t caps)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->caps[i] == caps)
			return true;
	return false;
}

static int record_trial(struct profile *p, const struct trial_request *req,
			const struct trial_result *tr, const struct verdict *v, const char *phase)
{
	struct profile_trial *t = profile__add_trial(p);
	char detail[sizeof(tr->detail) + sizeof(v->why) + 64];

	if (!t)
		return -ENOMEM;
	snprintf(detail, sizeof(detail), "%s: %s%s%s", phase, tr->detail,
		 !v->works && v->why[0] && strcmp(v->why, tr->detail) ? "; " : "",
		 !v->works && strcmp(v->why, tr->detail) ? v->why : "");
	t->index = req->index;
	t->caps = req->caps;
	t->new_required = v->candidates;
	t->seconds = tr->seconds;
	t->outcome = strdup(v->works ? "works" : tr->outcome == TRIAL_WORKS ?
			    "fails" : trial_outcome__name(tr->outcome));
	t->detail = strdup(detail);
	return t->outcome && t->detail ? 0 : -ENOMEM;
}

/* Runs caps once and judges it; tr is the caller's to clear. */
static int run_one(struct search *s, capset_t caps, const char *phase,
		   struct trial_result *tr, struct verdict *v)
{
	struct trial_request req = {
		.caps = caps, .index = s->res->trials,
		.cutoff_s = s->base.taken ? judge__cutoff(&s->base) : 0,
		.baseline_ready_s = s->base.ready_s,
	};
	int err;

	memset(tr, 0, sizeof(*tr));
	err = s->o->run(&req, tr, s->o->ctx);
	s->res->trials++;
	if (err)
		return err;
	/* Exec permission can hang on DAC capabilities: after a baseline that
	 * started, a trial that cannot is a failing trial, not a wrong command. */
	if (tr->outcome == TRIAL_NOT_FOUND && s->base.taken)
		tr->outcome = TRIAL_FAILS;
	judge__trial(s->base.taken ? &s->base : NULL, tr, caps, s->o->available,
		     s->o->strict, v);
	if (v->degraded)
		tr->outcome = TRIAL_DEGRADED;
	s->p->lost += observations__lost(&tr->obs);
	s->seen |= v->denied | v->candidates;
	for (size_t i = 0; i < tr->obs.n; i++)
		if (tr->obs.v[i].cap >= 0 && tr->obs.v[i].cap < 64)
			s->seen |= CAPSET_BIT(tr->obs.v[i].cap);
	s->untestable |= v->untestable;
	if (tr->outcome != TRIAL_INTERRUPTED && tr->outcome != TRIAL_NOT_FOUND)
		memo_add(&s->memo, caps, v->works);
	err = evidence__add(&s->acc, tr, req.index, s->base.taken ? &s->base : NULL);
	if (!err)
		err = record_trial(s->p, &req, tr, v, phase);
	if (!err && s->o->report)
		s->o->report(&s->p->trials[s->p->n_trials - 1], tr, v, phase, s->o->ctx);
	return err;
}

/* The stop a trial forces on the whole search, or -1. */
static int forced_stop(const struct trial_result *tr)
{
	if (tr->outcome == TRIAL_INTERRUPTED)
		return LEARN_INTERRUPTED;
	if (tr->outcome == TRIAL_NOT_FOUND)
		return LEARN_NOT_FOUND;
	return -1;
}

/* Keeps tr as the last failing trial, for the diagnosis. */
static void keep_last(struct search *s, struct trial_result *tr)
{
	trial_result__clear(&s->res->last);
	s->res->last = *tr;
	memset(tr, 0, sizeof(*tr));
}

/* Runs caps and judges it; a forced stop ends the search. */
static int try_set(struct search *s, capset_t caps, const char *phase, struct verdict *v)
{
	struct trial_result tr;
	bool baseline = !s->base.taken;
	int err = run_one(s, caps, phase, &tr, v), stop = forced_stop(&tr);

	if (err)
		v->works = false;
	if (!err && stop >= 0)
		s->res->stop = stop;
	if (!err && v->works && !baseline)
		err = evidence__failed_ops(s->p, &tr, caps, &s->base);
	if (!err && v->works && baseline)
		err = baseline__take(&s->base, &tr);
	if (!err && !v->works)
		keep_last(s, &tr);
	trial_result__clear(&tr);
	return err;
}

static bool stopped(const struct search *s)
{
	return s->res->stop != LEARN_WORKS;
}

/* Bottom-up from none: adds each failing trial's new candidates. */
static int bottom_up(struct search *s, capset_t *found, bool *stalled)
{
	capset_t caps = 0;
	struct verdict v;

	*stalled = false;
	for (int i = 0; i < s->o->max_trials && !memo_ran(&s->memo, caps); i++) {
		int err = try_set(s, caps, "bottom-up", &v);

		if (err || stopped(s))
			return err;
		if (v.works) {
			*found = caps;
			return 0;
		}
		if (!(v.candidates & ~caps) && !(v.quiet & ~caps)) {
			*stalled = true;
			return 0;
		}
		caps |= v.candidates & ~caps ? v.candidates : v.quiet;
	}
	/* Out of bottom-up trials, or back at a set that ran (the baseline's):
	 * the search down from the baseline ends. */
	*stalled = true;
	return 0;
}

/* Top-down: every capability checked or asked for anywhere, else all. */
static int top_down(struct search *s, capset_t *found)
{
	capset_t from = (s->base.checked | s->seen) & s->o->available;
	struct verdict v = { 0 };
	int err = 0;

	s->res->top_down = true;
	if (from != s->o->available && !memo_fails(&s->memo, from))
		err = try_set(s, from, "top-down", &v);
	*found = !err && v.works ? from : s->o->available;
	return err;
}

/* Without each capability in turn, most dangerous first. */
static int minimize(struct search *s, capset_t *found)
{
	int order[64];
	size_t n = caps__by_danger(*found, order, 64);
	char phase[64];

	for (size_t i = 0; i < n; i++) {
		capset_t without = *found & ~CAPSET_BIT(order[i]);
		struct verdict v;
		int err;

		if (memo_fails(&s->memo, without))
			continue;
		if (memo_works(&s->memo, without)) {
			*found = without;
			s->p->unnecessary |= CAPSET_BIT(order[i]);
			continue;
		}
		snprintf(phase, sizeof(phase), "without %s", caps__name(order[i]));
		err = try_set(s, without, phase, &v);
		if (err || stopped(s))
			return err;
		if (v.works) {
			*found = without;
			s->p->unnecessary |= CAPSET_BIT(order[i]);
		}
	}
	s->p->minimized = true;
	return 0;
}

/* One more run of the answer: identical runs must agree. */
static int confirm(struct search *s, capset_t found)
{
	struct verdict v;
	int err = try_set(s, found, "confirm", &v);

	if (!err && !stopped(s) && !v.works)
		snprintf(s->res->flaky, sizeof(s->res->flaky), "the same set worked once and "
			 "failed once (%.200s)", v.why[0] ? v.why : s->res->last.detail);
	return err;
}

static int search_all(struct search *s)
{
	capset_t found = 0;
	bool stalled = false;
	struct verdict v;
	int err = try_set(s, s->o->available, "baseline", &v);

	if (!err && !stopped(s) && !v.works)
		s->res->stop = LEARN_BASELINE_FAILS;
	if (!err && !stopped(s))
		err = bottom_up(s, &found, &stalled);
	if (!err && !stopped(s) && stalled)
		err = top_down(s, &found);
	if (!err && !stopped(s) && (s->o->minimize || stalled))
		err = minimize(s, &found);
	if (!err && !stopped(s))
		err = confirm(s, found);
	s->res->caps = found;
	return err;
}

int learn__run(const struct learn_opts *o, struct profile *p, struct learn_result *res)
{
	struct search *s = calloc(1, sizeof(*s));
	int err;

	memset(res, 0, sizeof(*res));
	if (!s)
		return -ENOMEM;
	s->o = o;
	s->p = p;
	s->res = res;
	evidence__init(&s->acc);
	err = search_all(s);
	if (err)
		goto cleanup;
	p->caps = res->stop == LEARN_WORKS ? res->caps : 0;
	p->untestable = s->untestable & ~o->available;
	p->flaky = res->flaky[0] != '\0';
	p->complete = res->stop == LEARN_WORKS;
	err = evidence__build(p, &s->acc);
cleanup:
	evidence__clear(&s->acc);
	baseline__clear(&s->base);
	free(s);
	return err;
}

void learn_result__clear(struct learn_result *res)
{
	if (res)
		trial_result__clear(&res->last);
}
