/* SPDX-License-Identifier: MIT */
/*
 * capdiet merge: the observed profiles of the replicas of one workload,
 * watched on one node or many, as one profile.  A merge of merges is the
 * merge of their inputs (counts add, windows widen, nodes add up), so a
 * cluster view is a merge of node views.
 */
#ifndef CAPDIET_PROFILE_MERGE_H
#define CAPDIET_PROFILE_MERGE_H

#include <stddef.h>

#include "capdiet/profile/profile.h"

struct merge_input {
	const struct profile *profile;
	const char *file;       /* for messages */
};

/*
 * Merges n >= 1 observed profiles into *out:
 *   caps and used: the union of what each used (caps keeps what a person
 *   added to an input); held, denied: unions; unused: held minus used and
 *   denied of the union, so what one replica used is not unused;
 *   checks, counts, lost: sums; the window: earliest start to latest end;
 *   nodes: per node, replicas, checks and replica-seconds; identity strings
 *   (pod, container id, image, ...): kept where every input agrees.
 * The workload's identity (namespace, pod owner, container) must be the same
 * in every input unless name is given; name (or the inputs' common name, or
 * one made of the identity) names the result.
 * Returns 0, -EINVAL with "FILE: problem" in err (an input learned by
 * trials, another workload, the same observation twice), or -ENOMEM.
 */
int profile__merge(const struct merge_input *in, size_t n, const char *name,
		   struct profile **out, char *err, size_t err_len);

#endif
