/* SPDX-License-Identifier: MIT */
/* Option values shared by several subcommands, read and reported alike. */
#ifndef CAPDIET_CLI_H
#define CAPDIET_CLI_H

#include "capdiet/caps.h"
#include "capdiet/record.h"
#include "capdiet/user.h"

/* --user: EXIT_OK, or the exit code after one log_error line. */
int cli__user(const char *text, struct user_spec **out);
/* --attach: 0, or -EINVAL after one log_error line. */
int cli__attach(const char *text, enum attach_method *out);
/* --caps LIST (or NONE): 0, or -EINVAL after one log_error line. */
int cli__caps(const char *option, const char *text, capset_t *out);
/* A positive number of seconds up to a day: 0, or -EINVAL after one line. */
int cli__seconds(const char *option, const char *text, double *out);
/* A whole number in [min, max]: 0, or -EINVAL after one log_error line. */
int cli__count(const char *option, const char *text, long min, long max, long *out);
/* Each -v: info, then debug. */
void cli__more_verbose(void);

#endif
