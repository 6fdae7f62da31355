/* SPDX-License-Identifier: MIT */
/* capdiet observe's loop: recorder, containers, reports (cli/observer.c). */
#ifndef CAPDIET_OBSERVER_H
#define CAPDIET_OBSERVER_H

#include "capdiet/cli/cmd.h"

/* Runs until --duration or SIGINT/SIGTERM; an exit code. */
int observer__run(const struct observe_opts *o);

#endif
