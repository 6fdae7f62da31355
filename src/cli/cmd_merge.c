// SPDX-License-Identifier: MIT
/* capdiet merge: the command line; what merging means is profile/merge.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"
#include "capdiet/profile/merge.h"

static void merge_usage(FILE *out)
{
	fprintf(out, "usage: capdiet merge [-o FILE] [--name NAME] PROFILE...\n\n"
		     "Merges the observed profiles (capdiet observe) of the replicas of one\n"
		     "workload, from one node or many, into one: what any replica used,\n"
		     "held or was denied; checks added up; the window from the earliest\n"
		     "start to the latest end; per node, its replicas, checks and seconds.\n"
		     "A capability used by any replica is not unused.  Profiles learned by\n"
		     "trials (capdiet run) are refused, and so are profiles of another\n"
		     "workload (namespace, pod owner, container) unless --name is given,\n"
		     "and two profiles of one container (node and container id) whose\n"
		     "windows overlap: the observer rewrites a container's profile as it\n"
		     "goes, so merge only its latest.  The result is the same whatever\n"
		     "the order of the PROFILEs.\n\n"
		     "  -o, --output FILE  write FILE atomically instead of stdout\n"
		     "  -n, --name NAME    name the result; merges different workloads too\n"
		     "  -h, --help         show this help\n");
}

static const struct option merge_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "name", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int merge_option(int opt, const char *arg, void *ctx)
{
	struct merge_opts *o = ctx;

	switch (opt) {
	case 'o':
		o->output = arg;
		return 0;
	case 'n':
		if (profile__valid_name(arg)) {
			o->name = arg;
			return 0;
		}
		log_error("--name: 1 to %d letters, digits and . _ - + @ : only",
			  PROFILE_NAME_MAX);
		return -EINVAL;
	case 'h':
		o->help = true;
		return CLI_STOP;
	}
	log_error("%s '%s'; see 'capdiet merge --help'",
		  opt == ':' ? "missing value for" : "unknown option", arg);
	return -EINVAL;
}

static int merge_operand(const char *arg, void *ctx)
{
	struct merge_opts *o = ctx;

	o->profiles[o->n_profiles++] = arg;
	return 0;
}

static int merge_finish(int n, char **rest, void *ctx)
{
	const struct merge_opts *o = ctx;

	(void)n; /* merge_operand took every operand */
	(void)rest;
	if (o->n_profiles)
		return 0;
	log_error("merge needs observed PROFILEs, e.g. 'capdiet merge -o web.yaml "
		  "node-a/web.yaml node-b/web.yaml'");
	return -EINVAL;
}

static const struct cli_parser merge_parser = {
	"+:o:n:h", merge_options, merge_option, merge_operand, merge_finish,
};

int cmd_merge__parse(int argc, char **argv, struct merge_opts *o)
{
	*o = (struct merge_opts){ 0 };
	/* Every operand fits: there are fewer than argc. */
	o->profiles = calloc((size_t)argc, sizeof(*o->profiles));
	if (!o->profiles) {
		log_error("out of memory");
		return -EINVAL;
	}
	return cli__parse_options(&merge_parser, argc, argv, o);
}

void cmd_merge__free(struct merge_opts *o)
{
	free(o->profiles);
	o->profiles = NULL;
}

/* Loads every PROFILE into in[]: EXIT_OK, or EXIT_USAGE after its line. */
static int merge_load(const struct merge_opts *o, struct merge_input *in)
{
	char err[512];

	for (int i = 0; i < o->n_profiles; i++) {
		in[i].file = o->profiles[i];
		in[i].profile = profile__load(o->profiles[i], err, sizeof(err));
		if (!in[i].profile) {
			log_error("%s", err);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int merge_write(const struct merge_opts *o, const struct profile *p)
{
	int rc = o->output ? profile__save(p, o->output) : profile__write(p, stdout);

	if (!rc && !o->output && fflush(stdout) != 0)
		rc = -errno;
	if (!rc)
		return EXIT_OK;
	log_error("cannot write %s: %s", o->output ? o->output : "to stdout",
		  rc == -ELOOP ? "it is a symlink; remove it or choose another path"
			       : strerror(-rc));
	return EXIT_FAIL;
}

static int merge_run(const struct merge_opts *o)
{
	struct merge_input *in = calloc((size_t)o->n_profiles, sizeof(*in));
	struct profile *merged = NULL;
	char err[1024] = "";
	int code, rc;

	if (!in) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	code = merge_load(o, in);
	if (code != EXIT_OK)
		goto cleanup;
	rc = profile__merge(in, (size_t)o->n_profiles, o->name, &merged, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		code = rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
		goto cleanup;
	}
	code = merge_write(o, merged);
cleanup:
	for (int i = 0; i < o->n_profiles; i++)
		profile__free((struct profile *)in[i].profile); /* merge_load's own */
	free(in);
	profile__free(merged);
	return code;
}

int do_merge(int argc, char **argv)
{
	struct merge_opts o;
	int code = cli__parsed(cmd_merge__parse(argc, argv, &o), &o.help, merge_usage);

	if (code < 0)
		code = merge_run(&o);
	cmd_merge__free(&o);
	return code;
}
