/* SPDX-License-Identifier: MIT */
/* Option values shared by several subcommands, read and reported alike. */
#ifndef CAPDIET_CLI_H
#define CAPDIET_CLI_H

#include <getopt.h>
#include <stdbool.h>
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
/* --max-entries N: the in-kernel maps' size; 0, or -EINVAL after one line. */
int cli__max_entries(const char *text, unsigned int *out);

/*
 * The long options run and trace share, spelled once: how CMD is started
 * and recorded, and -v.  Each command's table lists them after its own.
 */
#define CLI_LAUNCH_OPTIONS \
	{ "user", required_argument, NULL, 'u' }, \
	{ "attach", required_argument, NULL, 'a' }, \
	{ "allow-new-privs", no_argument, NULL, 'N' }, \
	{ "max-entries", required_argument, NULL, 'M' }, \
	{ "verbose", no_argument, NULL, 'v' }

/* The options of a command that has no others: -h, --help. */
extern const struct option cli__help_options[];

/* on_option's answer for --help: stop reading, the command prints usage. */
#define CLI_STOP 1

/* One subcommand's command line, for cli__parse_options(). */
struct cli_parser {
	/* getopt_long's: "+" first, so operands end the options (a command
	 * that runs CMD); without "+", getopt moves operands after the options
	 * (check's PATHs); "+:" to word unknown options and missing values in
	 * on_option instead of getopt. */
	const char *optstring;
	const struct option *options;
	/*
	 * One option as getopt_long returns it, with its value: 0 to go on,
	 * CLI_STOP, or -EINVAL after one log_error line.  An unknown option
	 * ('?') or a missing value (':') comes here too, arg the offending
	 * word, so the command can say its piece; the parse then fails.
	 */
	int (*on_option)(int opt, const char *arg, void *opts);
	/* One operand, options may follow it; NULL: the first operand (or --)
	 * ends the options, as for CMD [ARGS...]. */
	int (*on_operand)(const char *arg, void *opts);
	/* The n arguments left after the options, unless CLI_STOP ended the
	 * parse: 0, or -EINVAL after one log_error line.  NULL: none to check. */
	int (*finish)(int n, char **rest, void *opts);
};

/*
 * Reads argv (argv[0] is the subcommand) with getopt_long from the start,
 * handing each option and operand to p, then the rest to p->finish.
 * Returns 0 (also when --help stopped it), or -EINVAL.
 */
int cli__parse_options(const struct cli_parser *p, int argc, char **argv, void *opts);
/*
 * What a do_* makes of its parse: -1 to go on and act, EXIT_USAGE for a bad
 * command line, EXIT_OK after printing usage to stdout for --help.  help is
 * a pointer so it is read after the parse that fills it.
 */
int cli__parsed(int parse_rc, const bool *help, void (*usage)(FILE *out));

/*
 * Commands that read one PROFILE and write to -o FILE or stdout (export,
 * report).  Their options must include -o/--output and -h/--help; every
 * other option goes to on_option.  Options may come after PROFILE.
 */
struct profile_args {
	const char *output;            /* -o FILE; NULL: stdout */
	bool replace;                  /* output exists: keep its owner and mode */
	const char *profile;           /* the operand */
	bool help;                     /* -h: print usage, nothing else */
};

struct profile_cmd {
	const char *name;
	const char *optstring;         /* getopt_long's, "+:" first */
	const struct option *options;
	/* The command's own options: 0, or -EINVAL after one log_error line. */
	int (*on_option)(int opt, const char *arg, void *opts);
	/* After the options, unless --help: 0, or -EINVAL after one line. */
	int (*finish)(const struct profile_args *args, void *opts);
	/* Writes the result for p to out: 0 or -errno; -EBADMSG after its own
	 * log_error line: the profile is bad input for it (exit 2). */
	int (*fill)(FILE *out, const struct profile *p, const void *opts);
};

/* 0, or -EINVAL after one log_error line. */
int cli__profile_parse(const struct profile_cmd *c, int argc, char **argv,
		       struct profile_args *args, void *opts);
/* Loads args->profile and writes c->fill's output: the exit code. */
int cli__profile_run(const struct profile_cmd *c, const struct profile_args *args,
		     const void *opts);

/* Each -v: info, then debug. */
void cli__more_verbose(void);

#endif
