/* SPDX-License-Identifier: MIT */
/*
 * Phase timings for the start-up benchmark (bench/run.sh): with
 * CAPDIET_TIMING=1 in the environment, each mark is one log_info line
 * "timing: PHASE +X ms (Y ms since the first mark)"; otherwise a mark costs
 * one branch.  Seen with -v, like every log_info line.
 */
#ifndef CAPDIET_TIMING_H
#define CAPDIET_TIMING_H

void timing__mark(const char *phase);

#endif
