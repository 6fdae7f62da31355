// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/clock.h"
#include "capdiet/core/log.h"
#include "capdiet/core/timing.h"

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
	now = clock__now_ms();
	if (!first)
		first = last = now;
	log_info("timing: %s +%.1f ms (%.1f ms since the first mark)", phase,
		 now - last, now - first);
	last = now;
}
