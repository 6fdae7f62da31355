/* SPDX-License-Identifier: MIT */
/*
 * The one monotonic clock every stage measures with (trial durations,
 * deadlines, benchmarks' start-up phases).
 */
#ifndef CAPDIET_CLOCK_H
#define CAPDIET_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. */
double clock__now_ms(void);
/* Seconds on CLOCK_MONOTONIC. */
double clock__now_s(void);

#endif
