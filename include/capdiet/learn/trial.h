/* SPDX-License-Identifier: MIT */
/*
 * One trial for real: reset state, launch CMD with a set under the
 * recorder, decide whether it works (exit status or probe), stop the whole
 * tree, and hand back the classified decisions.  Plugs into learn__run().
 */
#ifndef CAPDIET_TRIAL_H
#define CAPDIET_TRIAL_H

#include <stdbool.h>

#include "capdiet/learn/learn.h"
#include "capdiet/observe/record.h"
#include "capdiet/core/user.h"

struct trial_env {
	struct recorder *rec;
	char **argv;
	const char *probe;         /* shell command; NULL: a batch command */
	const char *before_each;   /* shell command run before every trial */
	const struct user_spec *user;
	bool allow_new_privs;
	int timeout_ms;            /* batch: to exit; service: for the probe to pass */
	int grace_ms;              /* SIGTERM to SIGKILL when stopping the tree */
	int settle_ms;             /* after the probe passed, before stopping */
	bool wait_for_probe;       /* keep probing after a required denial
				    * (--accept-degraded: a passing probe ends it) */
};

/* A trial_fn: ctx is a struct trial_env. */
int trial__run(capset_t caps, int index, struct trial_result *res, void *ctx);
/* Runs a shell command with a time limit; its exit status, or -errno
 * (-ETIMEDOUT: it was killed at the limit; -EINTR: capdiet was asked to stop). */
int trial__shell(const char *command, int timeout_ms, int out_fd);

#endif
