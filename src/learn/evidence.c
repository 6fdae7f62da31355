// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/observe/classify.h"
#include "capdiet/learn/evidence.h"

#define MAX_PATHS 16
#define MAX_STACKS 3
#define MAX_FAILED_OPS 32

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

int evidence__merge(struct profile_evidence *e, const struct observation *o, int trial)
{
	int err = 0;

	e->cap = o->cap;
	e->count += o->count;
	/* The reason a capability is needed is its first failed operation, not
	 * the baseline's granted check that came before it. */
	if (o->klass == OBS_REQUIRED && e->trial < 0) {
		free(e->reason);
		e->reason = NULL;
	}
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

void evidence__init(struct evidence_acc *acc)
{
	memset(acc, 0, sizeof(*acc));
	for (int cap = 0; cap < 64; cap++) {
		acc->used[cap].trial = -1;
		acc->tolerated[cap].trial = -1;
	}
}

void evidence__clear(struct evidence_acc *acc)
{
	for (int cap = 0; cap < 64; cap++) {
		profile_evidence__clear(&acc->used[cap]);
		profile_evidence__clear(&acc->tolerated[cap]);
	}
}

/* A denial with every capability granted: the process had dropped its
 * privileges, or capdiet does not hold the capability.  Never a need. */
static int add_self_denial(struct evidence_acc *acc, const struct observation *o, int trial)
{
	struct observation *copy = malloc(sizeof(*copy));
	int err;

	if (!copy)
		return -ENOMEM;
	*copy = *o;
	copy->klass = OBS_TOLERATED;
	snprintf(copy->reason, sizeof(copy->reason), "%.120s, with every capability capdiet "
		 "holds too (dropped privileges, or one capdiet lacks)", o->reason);
	err = evidence__merge(&acc->tolerated[o->cap], copy, trial);
	free(copy);
	return err;
}

int evidence__add(struct evidence_acc *acc, const struct trial_result *tr, int trial,
		  const struct baseline *base)
{
	for (size_t i = 0; i < tr->obs.n; i++) {
		const struct observation *o = &tr->obs.v[i];
		int err;

		if (o->cap < 0 || o->cap >= 64)
			continue;
		if (o->klass == OBS_REQUIRED && (!base || baseline__denies(base, o))) {
			err = add_self_denial(acc, o, trial);
			if (err)
				return err;
			continue;
		}
		if (o->klass == OBS_REQUIRED) {
			acc->ever_required |= CAPSET_BIT(o->cap);
			if (o->userns_level)
				acc->required_own_ns |= CAPSET_BIT(o->cap);
			else
				acc->required_host_ns |= CAPSET_BIT(o->cap);
		}
		err = evidence__merge(o->klass == OBS_TOLERATED ? &acc->tolerated[o->cap] :
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

int evidence__build(struct profile *p, struct evidence_acc *acc)
{
	int err = 0;

	for (int cap = 0; cap < 64 && !err; cap++) {
		struct profile_evidence *e;

		if (caps__has(p->caps, cap)) {
			e = profile__add_needed(p, cap);
			err = e ? take_evidence(e, &acc->used[cap], "required", NULL) : -ENOMEM;
			/* Namespaced only when no failed operation needed it against
			 * the host's namespace. */
			if (e && caps__has(acc->required_own_ns & ~acc->required_host_ns, cap))
				e->user_ns = p->namespaced = true;
		} else if (caps__has(p->unnecessary, cap)) {
			e = profile__add_observed(p, cap);
			err = e ? take_evidence(e, &acc->used[cap], "unnecessary",
						"the service works without it") : -ENOMEM;
		} else if (acc->used[cap].count) {
			e = profile__add_observed(p, cap);
			err = e ? take_evidence(e, &acc->used[cap],
						caps__has(acc->ever_required, cap) ? "not-needed" : "granted",
						caps__has(acc->ever_required, cap) ?
						"an operation failed without it, and the service worked" :
						"granted while a trial had it; the service works "
						"without it") : -ENOMEM;
		}
		if (!err && acc->tolerated[cap].count) {
			e = profile__add_observed(p, cap);
			err = e ? take_evidence(e, &acc->tolerated[cap], "tolerated", NULL) : -ENOMEM;
		}
	}
	return err;
}

int evidence__failed_ops(struct profile *p, const struct trial_result *tr, capset_t caps,
			 const struct baseline *base)
{
	char line[OBS_TEXT_MAX * 3 + 160];

	for (size_t i = 0; i < tr->obs.n && p->failed_ops.n < MAX_FAILED_OPS; i++) {
		const struct observation *o = &tr->obs.v[i];

		if (o->klass != OBS_REQUIRED || caps__has(caps, o->cap) ||
		    baseline__denies(base, o))
			continue;
		snprintf(line, sizeof(line), "CAP_%s: %s in %s%s%s (%s): failed without it, "
			 "service worked: not needed", caps__name(o->cap), o->reason, o->exe,
			 o->arg[0] ? " on " : "", o->arg, obs_phase__name(judge__phase(tr, o)));
		if (strlist__add_unique(&p->failed_ops, line))
			return -ENOMEM;
	}
	return 0;
}
