// SPDX-License-Identifier: MIT
#include <time.h>

#include "capdiet/core/clock.h"

double clock__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double clock__now_s(void)
{
	return clock__now_ms() / 1e3;
}
