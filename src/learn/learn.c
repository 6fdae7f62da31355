// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/observe/classify.h"
#include "capdiet/learn/learn.h"

#define MAX_PATHS 16
#define MAX_STACKS 3
#define MAX_FAILED_OPS 32

/* Evidence gathered over all trials, per capability, before it is known
 * which capabilities end up in the set. */
struct evidence_acc {
	struct profile_evidence used[64];      /* required or granted */
	struct profile_evidence tolerated[64];
	capset_t ever_required;
};

const char *trial_outcome__name(enum trial_outcome o)
{
	switch (o) {
	case TRIAL_WORKS: return "works";
	case TRIAL_DEGRADED: return "degraded";
	case TRIAL_FAILS: return "fails";
	case TRIAL_TIMEOUT: return "timeout";
	case TRIAL_NOT_FOUND: return "not-found";
	case TRIAL_INTERRUPTED: return "interrupted";
	}
	return "?";
}

void trial_result__clear(struct trial_result *r)
{
	if (!r)
		return;
	observations__clear(&r->obs);
	memset(r, 0, sizeof(*r));
}

void learn_result__clear(struct learn_result *res)
{
	if (res)
		trial_result__clear(&res->last);
}

capset_t learn__required(const struct observations *obs)
{
	capset_t set = 0;

	for (size_t i = 0; i < obs->n; i++)
		if (obs->v[i].klass == OBS_REQUIRED && obs->v[i].cap >= 0 && obs->v[i].cap < 64)
			set |= CAPSET_BIT(obs->v[i].cap);
	return set;
}

static int merge_arg(struct profile_evidence *e, const struct observation *o)
{
	char text[OBS_TEXT_MAX + 40];

	if (o->arg_kind == CD_ARG_PATH && e->n_paths < MAX_PATHS)
		return profile_evidence__add_path(e, o->arg);
	if (o->arg_kind == CD_ARG_SOCKADDR) {
		snprintf(text, sizeof(text), "%s %s", o->syscall_name, o->arg);
		return strlist__add_unique(&e->args, text);
	}
	return 0;
}

int learn__merge_evidence(struct profile_evidence *e, const struct observation *o, int trial)
{
	int err = 0;

	e->cap = o->cap;
	e->count += o->count;
	if (o->klass == OBS_REQUIRED && (e->trial < 0 || trial < e->trial))
		e->trial = trial;
	if (!e->reason && o->reason[0] && !(e->reason = strdup(o->reason)))
		return -ENOMEM;
	if (o->syscall_name[0])
		err = err ?: strlist__add_unique(&e->syscalls, o->syscall_name);
	if (o->call_site[0])
		err = err ?: strlist__add_unique(&e->call_sites, o->call_site);
	if (o->stack_text[0] && e->stacks.n < MAX_STACKS)
		err = err ?: strlist__add_unique(&e->stacks, o->stack_text);
	if (o->exe[0])
		err = err ?: strlist__add_unique(&e->exes, o->exe);
	if (o->klass == OBS_REQUIRED && o->outcome == CD_OUT_SYSCALL_FAILED)
		err = err ?: strlist__add_unique(&e->errors, classify__errno_name(o->ret));
	return err ?: merge_arg(e, o);
}

static void acc_init(struct evidence_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
	for (int cap = 0; cap < 64; cap++) {
		acc->used[cap].trial = -1;
		acc->tolerated[cap].trial = -1;
	}
}

static void acc_clear(struct evidence_acc *acc)
{
	for (int cap = 0; cap < 64; cap++) {
		profile_evidence__clear(&acc->used[cap]);
		profile_evidence__clear(&acc->tolerated[cap]);
	}
}

static int acc_add(struct evidence_acc *acc, const struct observations *obs, int trial)
{
	for (size_t i = 0; i < obs->n; i++) {
		const struct observation *o = &obs->v[i];
		int err;

		if (o->cap < 0 || o->cap >= 64)
			continue;
		if (o->klass == OBS_REQUIRED)
			acc->ever_required |= CAPSET_BIT(o->cap);
		err = learn__merge_evidence(o->klass == OBS_TOLERATED ? &acc->tolerated[o->cap] :
							&acc->used[o->cap], o, trial);
		if (err)
			return err;
	}
	return 0;
}

/* Moves acc's evidence for cap into a new profile record. */
static int take_evidence(struct profile_evidence *dst, struct profile_evidence *src,
			 const char *klass, const char *reason)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
	src->trial = -1;
	dst->klass = strdup(klass);
	if (reason) {
		free(dst->reason);
		dst->reason = strdup(reason);
	}
	return dst->klass && (!reason || dst->reason) ? 0 : -ENOMEM;
}

static int build_evidence(struct profile *p, struct evidence_acc *acc)
{
	int err = 0;

	for (int cap = 0; cap < 64 && !err; cap++) {
		struct profile_evidence *e;

		if (caps__has(p->caps, cap)) {
			e = profile__add_needed(p, cap);
			err = e ? take_evidence(e, &acc->used[cap], "required", NULL) : -ENOMEM;
		} else if (caps__has(p->unnecessary, cap)) {
			e = profile__add_observed(p, cap);
			err = e ? take_evidence(e, &acc->used[cap], "unnecessary",
						"removed by --minimize: the service works without it") : -ENOMEM;
		} else if (acc->used[cap].count) {
			e = profile__add_observed(p, cap);
			err = e ? take_evidence(e, &acc->used[cap],
						caps__has(acc->ever_required, cap) ? "required" : "granted",
						NULL) : -ENOMEM;
		}
		if (!err && acc->tolerated[cap].count) {
			e = profile__add_observed(p, cap);
			err = e ? take_evidence(e, &acc->tolerated[cap], "tolerated", NULL) : -ENOMEM;
		}
	}
	return err;
}

static int record_trial(struct profile *p, int index, capset_t caps,
			const struct trial_result *tr, capset_t new_required,
			const char *note)
{
	struct profile_trial *t = profile__add_trial(p);
	char detail[sizeof(tr->detail) + 64];

	if (!t)
		return -ENOMEM;
	snprintf(detail, sizeof(detail), "%s%s%s", note ? note : "", note ? ": " : "", tr->detail);
	t->index = index;
	t->caps = caps;
	t->new_required = new_required;
	t->seconds = tr->seconds;
	t->outcome = strdup(trial_outcome__name(tr->outcome));
	t->detail = strdup(detail);
	return t->outcome && t->detail ? 0 : -ENOMEM;
}

static int add_failed_ops(struct profile *p, const struct observations *obs)
{
	char line[OBS_TEXT_MAX * 2 + 96];

	for (size_t i = 0; i < obs->n && p->failed_ops.n < MAX_FAILED_OPS; i++) {
		const struct observation *o = &obs->v[i];

		if (o->klass != OBS_REQUIRED)
			continue;
		snprintf(line, sizeof(line), "CAP_%s: %s in %s", caps__name(o->cap),
			 o->reason, o->exe);
		if (strlist__add_unique(&p->failed_ops, line))
			return -ENOMEM;
	}
	return 0;
}

/* Runs one trial and records it; the outcome is downgraded to degraded
 * when it passed with required denials. */
static int one_trial(const struct learn_opts *o, struct profile *p, struct evidence_acc *acc,
		     capset_t caps, int index, struct trial_result *tr, capset_t *new_required,
		     const char *note)
{
	capset_t required;
	int err;

	memset(tr, 0, sizeof(*tr));
	err = o->run(caps, index, tr, o->ctx);
	if (err)
		return err;
	required = learn__required(&tr->obs);
	p->lost += observations__lost(&tr->obs);
	if (tr->outcome == TRIAL_WORKS && required)
		tr->outcome = TRIAL_DEGRADED;
	*new_required = required & ~caps;
	err = acc_add(acc, &tr->obs, index);
	if (!err)
		err = record_trial(p, index, caps, tr, *new_required, note);
	if (!err && o->report)
		o->report(&p->trials[p->n_trials - 1], tr, *new_required, note != NULL, o->ctx);
	return err;
}

/* Decides what a finished search trial means; true when the search ends. */
static bool search_step(const struct learn_opts *o, struct profile *p,
			struct trial_result *tr, capset_t new_required,
			capset_t *caps, struct learn_result *res)
{
	switch (tr->outcome) {
	case TRIAL_WORKS:
		res->stop = LEARN_WORKS;
		return true;
	case TRIAL_INTERRUPTED:
		res->stop = LEARN_INTERRUPTED;
		return true;
	case TRIAL_NOT_FOUND:
		res->stop = LEARN_NOT_FOUND;
		return true;
	case TRIAL_DEGRADED:
		if (o->accept_degraded) {
			res->stop = LEARN_DEGRADED;
			p->degraded = true;
			add_failed_ops(p, &tr->obs);
			return true;
		}
		break;
	default:
		break;
	}
	if (!new_required) {
		res->stop = LEARN_NOT_CAPS;
		return true;
	}
	*caps |= new_required;
	return false;
}

static int search(const struct learn_opts *o, struct profile *p, struct evidence_acc *acc,
		  struct learn_result *res)
{
	capset_t caps = 0, new_required;
	struct trial_result tr;
	int err = 0;

	res->stop = LEARN_MAX_TRIALS;
	for (int i = 0; i < o->max_trials; i++) {
		bool done;

		err = one_trial(o, p, acc, caps, res->trials++, &tr, &new_required, NULL);
		if (err) {
			trial_result__clear(&tr);
			break;
		}
		done = search_step(o, p, &tr, new_required, &caps, res);
		trial_result__clear(&res->last);
		res->last = tr; /* kept for the diagnosis of a failure */
		if (done)
			break;
	}
	res->caps = caps;
	return err;
}

/* Drops each capability in turn, most dangerous first, keeping every
 * removal that still works: then no single capability can go. */
static int minimize(const struct learn_opts *o, struct profile *p, struct evidence_acc *acc,
		    struct learn_result *res)
{
	int order[64], err = 0;
	size_t n = caps__by_danger(res->caps, order, 64);
	char note[64];

	for (size_t i = 0; i < n && !err; i++) {
		capset_t without = res->caps & ~CAPSET_BIT(order[i]), new_required;
		struct trial_result tr;

		snprintf(note, sizeof(note), "minimize without %s", caps__name(order[i]));
		err = one_trial(o, p, acc, without, res->trials++, &tr, &new_required, note);
		if (!err && tr.outcome == TRIAL_INTERRUPTED)
			res->stop = LEARN_INTERRUPTED;
		if (!err && tr.outcome == TRIAL_WORKS) {
			res->caps = without;
			p->unnecessary |= CAPSET_BIT(order[i]);
		}
		trial_result__clear(&tr);
		if (res->stop == LEARN_INTERRUPTED)
			break;
	}
	p->minimized = !err && res->stop != LEARN_INTERRUPTED;
	return err;
}

int learn__run(const struct learn_opts *o, struct profile *p, struct learn_result *res)
{
	struct evidence_acc *acc = malloc(sizeof(*acc));
	int err;

	memset(res, 0, sizeof(*res));
	if (!acc)
		return -ENOMEM;
	acc_init(acc);
	err = search(o, p, acc, res);
	if (!err && res->stop == LEARN_WORKS && o->minimize)
		err = minimize(o, p, acc, res);
	if (err)
		goto cleanup;
	p->caps = res->caps;
	p->complete = res->stop == LEARN_WORKS || res->stop == LEARN_DEGRADED;
	err = build_evidence(p, acc);
cleanup:
	acc_clear(acc);
	free(acc);
	return err;
}
