/* SPDX-License-Identifier: MIT */
/* What `capdiet trace` prints: a table or JSON of classified observations. */
#ifndef CAPDIET_OUTPUT_H
#define CAPDIET_OUTPUT_H

#include <stdio.h>

#include "capdiet/core/caps.h"
#include "capdiet/observe/observation.h"

struct trace_summary {
	char *const *argv;      /* the command */
	const char *attach;     /* method used */
	capset_t caps;          /* set it ran with */
	int exit_status;        /* as a shell reports it */
	bool interrupted;
};

/* Orders observations: required, tolerated, granted; then capability. */
void output__sort(struct observations *obs);
int output__table(const struct observations *obs, FILE *out);
int output__json(const struct observations *obs, const struct trace_summary *s, FILE *out);
/* One line for --live: the first time a decision is seen. */
void output__live_line(const struct observation *o, FILE *out);

#endif
