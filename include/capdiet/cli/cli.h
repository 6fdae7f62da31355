/* SPDX-License-Identifier: MIT */
/* Option values shared by several subcommands, read and reported alike. */
#ifndef CAPDIET_CLI_H
#define CAPDIET_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "capdiet/core/caps.h"
#include "capdiet/profile/profile.h"
#include "capdiet/observe/record.h"
#include "capdiet/core/user.h"

/* --user: EXIT_OK, or the exit code after one log_error line. */
int cli__user(const char *text, struct user_spec **out);
/* --attach: 0, or -EINVAL after one log_error line. */
int cli__attach(const char *text, enum attach_method *out);
/* --caps LIST (or NONE): 0, or -EINVAL after one log_error line. */
int cli__caps(const char *option, const char *text, capset_t *out);
/*
 * Fits a requested set to what capdiet itself holds (a container may
 * withhold some from root): ALL becomes all it can give; a named capability
 * it lacks is an error.  EXIT_OK, or EXIT_FAIL after one log_error line.
 */
int cli__fit_caps(capset_t *caps);
/* A positive number of seconds up to a day: 0, or -EINVAL after one line. */
int cli__seconds(const char *option, const char *text, double *out);
/* A whole number in [min, max]: 0, or -EINVAL after one log_error line. */
int cli__count(const char *option, const char *text, long min, long max, long *out);
/*
 * Commands that read one PROFILE and write to -o FILE or stdout (export,
 * report).  options must include -o/--output and -h/--help; every other
 * option goes to on_option, which returns 0 or an exit code.
 */
struct profile_cmd {
	const char *name;
	const char *optstring;         /* without the leading "+:" */
	const struct option *options;
	void (*usage)(FILE *out);
	int (*on_option)(int opt, const char *arg, void *ctx);
	/* Writes the result for p to out: 0 or -errno. */
	int (*fill)(FILE *out, const struct profile *p, void *ctx);
	void *ctx;
	const char *output;            /* set from -o */
	const char *profile;           /* set from the operand */
};

/* -1 to go on, or the exit code (help, bad usage). */
int cli__profile_args(struct profile_cmd *c, int argc, char **argv);
/* Loads c->profile and writes c->fill's output: the exit code. */
int cli__profile_run(struct profile_cmd *c);

/* Each -v: info, then debug. */
void cli__more_verbose(void);

#endif
