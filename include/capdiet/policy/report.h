/* SPDX-License-Identifier: MIT */
/*
 * The justification report: a Markdown page a reviewer can read in a minute,
 * saying which capabilities a service needs, the evidence for each, what was
 * dropped, and specific advice where the evidence points to a better fix.
 */
#ifndef CAPDIET_REPORT_H
#define CAPDIET_REPORT_H

#include <stdio.h>

#include "capdiet/profile/profile.h"

/* A service with more capabilities than this needs a written justification. */
#define REPORT_JUSTIFY_ABOVE 3

/* Writes the report; 0 or -errno (-EIO on a write error). */
int report__write(const struct profile *p, FILE *out);

#endif
