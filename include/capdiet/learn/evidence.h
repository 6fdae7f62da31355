/* SPDX-License-Identifier: MIT */
/*
 * Evidence gathered over all trials, per capability, before it is known
 * which capabilities end up in the set; then turned into the profile's
 * needed and observed records.
 */
#ifndef CAPDIET_EVIDENCE_H
#define CAPDIET_EVIDENCE_H

#include "capdiet/learn/judge.h"
#include "capdiet/profile/profile.h"

struct evidence_acc {
	struct profile_evidence used[64];      /* required or granted */
	struct profile_evidence tolerated[64];
	capset_t ever_required;
};

void evidence__init(struct evidence_acc *acc);
void evidence__clear(struct evidence_acc *acc);
/* Adds every observation of trial index. */
int evidence__add(struct evidence_acc *acc, const struct observations *obs, int index);
/* Adds what o shows to e (syscall, call site, exe, path, ...). */
int evidence__merge(struct profile_evidence *e, const struct observation *o, int trial);
/* Fills p->needed and p->observed from acc, given p->caps and p->unnecessary. */
int evidence__build(struct profile *p, struct evidence_acc *acc);
/*
 * Lists in p->failed_ops each operation of a working trial that failed for
 * lack of a capability outside p->caps: the service did its job without it.
 */
int evidence__failed_ops(struct profile *p, const struct trial_result *tr);

#endif
