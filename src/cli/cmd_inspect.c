// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/caps.h"
#include "capdiet/core/log.h"
#include "capdiet/core/proc.h"

static const char *const set_names[] = { "inheritable", "permitted", "effective", "bounding", "ambient" };
#define N_SETS PROC_CAP_SETS

static int inspect_option(int opt, const char *arg, void *ctx)
{
	struct inspect_opts *o = ctx;

	(void)arg;
	if (opt != 'h')
		return -EINVAL; /* getopt has said what is wrong */
	o->help = true;
	return CLI_STOP;
}

static int inspect_finish(int n, char **rest, void *ctx)
{
	struct inspect_opts *o = ctx;
	char *end;

	if (n != 1) {
		log_error("inspect takes one PID, e.g. 'capdiet inspect 1234'");
		return -EINVAL;
	}
	errno = 0;
	o->pid = strtol(rest[0], &end, 10);
	if (errno || *end || o->pid <= 0) {
		log_error("'%s' is not a process id; give a positive number", rest[0]);
		return -EINVAL;
	}
	return 0;
}

static const struct cli_parser inspect_parser = {
	"+h", cli__help_options, inspect_option, NULL, inspect_finish,
};

int cmd_inspect__parse(int argc, char **argv, struct inspect_opts *o)
{
	*o = (struct inspect_opts){ 0 };
	return cli__parse_options(&inspect_parser, argc, argv, o);
}

static void inspect_usage(FILE *out)
{
	fprintf(out, "usage: capdiet inspect PID\n\n"
		     "Prints the five capability sets of a running process by name.\n");
}

int do_inspect(int argc, char **argv)
{
	capset_t sets[N_SETS] = { 0 };
	struct inspect_opts o;
	int err, code = cli__parsed(cmd_inspect__parse(argc, argv, &o), &o.help, inspect_usage);

	if (code >= 0)
		return code;
	err = proc__read_caps(o.pid, sets);
	if (err) {
		log_error("cannot read the capability sets of process %ld: %s", o.pid,
			  err == -ENOENT ? "no such process" : strerror(-err));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < N_SETS; i++) {
		char *names = caps__format(sets[i] & caps__all(), ",", false);

		printf("%-12s %s\n", set_names[i], names && *names ? names : "-");
		free(names);
	}
	return EXIT_OK;
}
