/* SPDX-License-Identifier: MIT */
/*
 * `capdiet run --unit FILE.service`: the service a systemd unit describes,
 * started as systemd would start it (ExecStart=, User=/Group=,
 * WorkingDirectory=, the environment, NoNewPrivileges=), each trial held
 * within the unit's CapabilityBoundingSet=.
 */
#ifndef CAPDIET_RUN_UNIT_H
#define CAPDIET_RUN_UNIT_H

#include <stdbool.h>

#include "capdiet/cli/cmd.h"
#include "capdiet/core/caps.h"
#include "capdiet/profile/profile.h"

/* --unit against the rest of the command line (-- CMD, --user, --oci,
 * --image): 0, or -EINVAL after one log_error line. */
int run_unit__check_options(const struct run_opts *o, int n);
/*
 * Reads o->unit into o->run_unit and points o->env (argv, cwd, envp,
 * allow_new_privs), o->user and o->name (unless --name) at what it says.
 * EXIT_OK, or the exit code after one log_error line.
 */
int run_unit__prepare(struct run_opts *o);
/* What every trial is held within: the unit's bounding set (all: no unit). */
capset_t run_unit__limit(const struct run_unit *u);
/* The profile's unit and unit_excludes; 0 or -ENOMEM.  NULL u: nothing. */
int run_unit__fill_profile(const struct run_unit *u, struct profile *p);
/*
 * After learning: says how the unit's bounding set held the trials, and
 * takes what it leaves out from p->untestable (capdiet could have granted
 * it; the unit forbids it).  NULL u: nothing.
 */
void run_unit__report(const struct run_unit *u, struct profile *p, bool baseline_failed);
void run_unit__free(struct run_unit *u);

#endif
