// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capdiet/core/log.h"
#include "capdiet/core/timing.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void timing__mark(const char *phase)
{
	static int enabled = -1;
	static double first, last;
	const char *env;
	double now;

	if (enabled < 0) {
		env = getenv("CAPDIET_TIMING");
		enabled = env && *env && strcmp(env, "0") != 0;
	}
	if (!enabled)
		return;
	now = now_ms();
	if (!first)
		first = last = now;
	log_info("timing: %s +%.1f ms (%.1f ms since the first mark)", phase,
		 now - last, now - first);
	last = now;
}
