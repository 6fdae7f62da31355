// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/learn/judge.h"

/* A diet trial gets this many times the baseline's time to be ready, plus
 * a floor, before a required denial and no passing probe end it. */
#define CUTOFF_FACTOR 2.0
#define CUTOFF_FLOOR_S 0.5

static bool same_denial(const struct denial_key *k, const struct observation *o)
{
	return k->cap == o->cap && k->syscall == o->syscall && !strcmp(k->exe, o->exe);
}

bool baseline__denies(const struct baseline *b, const struct observation *o)
{
	for (size_t i = 0; i < b->n_denials; i++)
		if (same_denial(&b->denials[i], o))
			return true;
	return false;
}

static int add_denial(struct baseline *b, const struct observation *o)
{
	struct denial_key *grown;

	if (baseline__denies(b, o))
		return 0;
	grown = realloc(b->denials, (b->n_denials + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	b->denials = grown;
	b->denials[b->n_denials].cap = o->cap;
	b->denials[b->n_denials].syscall = o->syscall;
	snprintf(b->denials[b->n_denials].exe, OBS_TEXT_MAX, "%s", o->exe);
	b->n_denials++;
	return 0;
}

int baseline__take(struct baseline *b, const struct trial_result *tr)
{
	int err;

	baseline__clear(b);
	err = creds__copy(&b->creds, &tr->creds);
	for (size_t i = 0; i < tr->obs.n && !err; i++) {
		const struct observation *o = &tr->obs.v[i];

		if (o->cap < 0 || o->cap >= 64)
			continue;
		b->checked |= CAPSET_BIT(o->cap);
		if (o->outcome != CD_OUT_GRANTED)
			err = add_denial(b, o);
	}
	b->ready_s = tr->ready_s;
	b->taken = !err;
	return err;
}

void baseline__clear(struct baseline *b)
{
	if (!b)
		return;
	creds__clear(&b->creds);
	free(b->denials);
	memset(b, 0, sizeof(*b));
}

enum obs_phase judge__phase(const struct trial_result *tr, const struct observation *o)
{
	if (tr->stop_ns && o->first_ns >= tr->stop_ns)
		return PHASE_STOP;
	if (tr->ready_ns && o->first_ns >= tr->ready_ns)
		return PHASE_SERVING;
	return PHASE_START;
}

const char *obs_phase__name(enum obs_phase p)
{
	switch (p) {
	case PHASE_START: return "start";
	case PHASE_SERVING: return "serving";
	case PHASE_STOP: return "stop";
	}
	return "?";
}

bool judge__is_candidate(const struct baseline *b, const struct trial_result *tr,
			 const struct observation *o)
{
	if (o->klass != OBS_REQUIRED || o->cap < 0 || o->cap >= 64)
		return false;
	if (b && baseline__denies(b, o))
		return false;
	return judge__phase(tr, o) != PHASE_STOP || tr->stop_forced;
}

bool judge__is_quiet(const struct baseline *b, const struct observation *o)
{
	if (o->klass != OBS_TOLERATED || o->noaudit || o->outcome != CD_OUT_SYSCALL_OK)
		return false;
	return !(b && baseline__denies(b, o));
}

static void collect(const struct baseline *b, const struct trial_result *tr, capset_t caps,
		    capset_t available, struct verdict *v)
{
	for (size_t i = 0; i < tr->obs.n; i++) {
		const struct observation *o = &tr->obs.v[i];

		if (o->cap < 0 || o->cap >= 64)
			continue;
		if (o->outcome != CD_OUT_GRANTED)
			v->denied |= CAPSET_BIT(o->cap);
		if (judge__is_quiet(b, o) && !caps__has(caps, o->cap))
			v->quiet |= CAPSET_BIT(o->cap) & available;
		if (!judge__is_candidate(b, tr, o) || caps__has(caps, o->cap))
			continue;
		if (caps__has(available, o->cap))
			v->candidates |= CAPSET_BIT(o->cap);
		else
			v->untestable |= CAPSET_BIT(o->cap);
	}
}

void judge__trial(const struct baseline *b, const struct trial_result *tr, capset_t caps,
		  capset_t available, bool strict, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	collect(b, tr, caps, available, v);
	if (tr->outcome != TRIAL_WORKS) {
		snprintf(v->why, sizeof(v->why), "%s", tr->detail);
		return;
	}
	if (b && !creds__match(&b->creds, &tr->creds, v->why, sizeof(v->why)))
		return;
	/* The baseline (b NULL) is the reference: --strict judges the others. */
	if (strict && b && v->candidates) {
		snprintf(v->why, sizeof(v->why), "an operation failed for lack of a capability (--strict)");
		v->degraded = true;
		return;
	}
	v->works = true;
}

double judge__cutoff(const struct baseline *b)
{
	return b->ready_s * CUTOFF_FACTOR + CUTOFF_FLOOR_S;
}
