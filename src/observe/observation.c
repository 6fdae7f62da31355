// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/observe/observation.h"

struct observation *observations__add(struct observations *obs)
{
	if (obs->n == obs->cap) {
		size_t cap = obs->cap ? obs->cap * 2 : 64;
		struct observation *v = realloc(obs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		obs->v = v;
		obs->cap = cap;
	}
	memset(&obs->v[obs->n], 0, sizeof(obs->v[obs->n]));
	obs->v[obs->n].syscall = CD_NO_SYSCALL;
	return &obs->v[obs->n++];
}

uint64_t observations__lost(const struct observations *obs)
{
	/* Lost evidence does not lose a decision: its count is exact. */
	return obs->lost[CD_STAT_LOST_COUNT] + obs->lost[CD_STAT_LOST_PENDING] +
	       obs->lost[CD_STAT_LOST_TRACK];
}

void observations__clear(struct observations *obs)
{
	if (!obs)
		return;
	free(obs->v);
	memset(obs, 0, sizeof(*obs));
}

const char *obs_class__name(enum obs_class c)
{
	switch (c) {
	case OBS_GRANTED: return "granted";
	case OBS_REQUIRED: return "required";
	case OBS_TOLERATED: return "tolerated";
	}
	return "?";
}
