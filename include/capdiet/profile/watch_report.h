/* SPDX-License-Identifier: MIT */
/*
 * What capdiet observe writes about the containers it watches: one JSON
 * line per container for a log pipeline, and the OpenMetrics text a
 * Prometheus scrape reads.  The profile of a container: observed.h.
 */
#ifndef CAPDIET_WATCH_REPORT_H
#define CAPDIET_WATCH_REPORT_H

#include <stdio.h>

#include "capdiet/observe/node_watch.h"
#include "capdiet/profile/profile.h"

/* The observation window of a report. */
struct watch_window {
	const char *node;   /* hostname */
	double start;       /* CLOCK_REALTIME seconds the observer started */
	double now;
};

/* "2026-12-03T11:00:00Z" */
void watch_report__iso_time(double t, char *buf, size_t len);
/* When c's window ends: now, or when it was found exited. */
double watched__end(const struct watched *c, const struct watch_window *win);
/* The name to show for c: the runtime's name, else the unit or the id's first 12 digits. */
const char *watched__display_name(const struct watched *c, char *buf, size_t len);
/* One line of JSON for c; 0 or -errno. */
int watch_report__json_line(const struct watched *c, const struct node_watch *w,
			    const struct watch_window *win, FILE *out);
/*
 * c as an observed profile: caps is what it used, the observation block
 * the window and the rest; complete unless checks were lost on the node.
 * The caller fills the run's own fields (date, kernel, version, attach).
 * NULL with errno set.
 */
struct profile *watch_report__profile(const struct watched *c, const struct node_watch *w,
				      const struct watch_window *win);
/* Every container's counters, and the observer's own, as OpenMetrics text. */
int watch_report__metrics(const struct node_watch *w, const struct watch_window *win, FILE *out);

#endif
