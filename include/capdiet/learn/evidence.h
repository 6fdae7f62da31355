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
	/* Required checks by the user namespace they targeted: the host's
	 * (initial) one, or one of the service's own (a container's). */
	capset_t required_host_ns, required_own_ns;
};

void evidence__init(struct evidence_acc *acc);
void evidence__clear(struct evidence_acc *acc);
/* Adds every observation of trial index; base is NULL for the baseline
 * itself.  A denial the baseline has too (a process that dropped its own
 * privileges) is never evidence of a need. */
int evidence__add(struct evidence_acc *acc, const struct trial_result *tr, int index,
		  const struct baseline *base);
/* Adds what o shows to e (syscall, call site, exe, path, ...). */
int evidence__merge(struct profile_evidence *e, const struct observation *o, int trial);
/* Fills p->needed and p->observed from acc, given p->caps and p->unnecessary. */
int evidence__build(struct profile *p, struct evidence_acc *acc);
/*
 * Lists in p->failed_ops each operation of a working trial of caps that
 * failed for lack of a capability outside caps (and not in the baseline
 * too): the service did its job without it.
 */
int evidence__failed_ops(struct profile *p, const struct trial_result *tr, capset_t caps,
			 const struct baseline *base);

#endif
