// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/observe/launch.h"
#include "capdiet/core/log.h"
#include "capdiet/core/outfile.h"

int cli__user(const char *text, struct user_spec **out)
{
	int err = user_spec__parse(text, out);

	if (!err)
		return EXIT_OK;
	if (err == -ENOENT)
		log_error("--user %s: no such user or group; give an existing name or a "
			  "numeric id", text);
	else if (err == -EINVAL)
		log_error("--user '%s' is not USER, USER:GROUP, UID or UID:GID", text);
	else
		log_error("--user %s: %s", text, strerror(-err));
	return err == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
}

int cli__attach(const char *text, enum attach_method *out)
{
	if (!attach__parse(text, out))
		return 0;
	log_error("unknown --attach method '%s'; use auto, tp_btf, tracepoint, fexit or kprobe",
		  text);
	return -EINVAL;
}

int cli__caps(const char *option, const char *text, capset_t *out)
{
	char bad[128] = "";

	if (!caps__parse_list(text, out, bad, sizeof(bad)))
		return 0;
	log_error("%s: unknown capability '%s'; use names from capabilities(7) "
		  "(CAP_ prefix optional), ALL or NONE", option, bad);
	return -EINVAL;
}

int cli__fit_caps(capset_t *caps)
{
	capset_t missing = *caps & ~launch__available_caps();
	char *names;

	if (!missing)
		return EXIT_OK;
	names = caps__format(missing, ",", false);
	if (*caps == caps__all()) {
		log_info("ALL: capdiet itself does not hold %s here; running without",
			 names ? names : "some capabilities");
		*caps &= ~missing;
		free(names);
		return EXIT_OK;
	}
	log_error("cannot grant %s: capdiet itself does not hold it (this host or container "
		  "withholds it); drop it from --caps", names ? names : "some capabilities");
	free(names);
	return EXIT_FAIL;
}

int cli__seconds(const char *option, const char *text, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	if (!errno && !*end && *out > 0 && *out <= 86400)
		return 0;
	log_error("%s needs a number of seconds (up to 86400), not '%s'", option, text);
	return -EINVAL;
}

int cli__count(const char *option, const char *text, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 10);
	if (!errno && end != text && !*end && *out >= min && *out <= max)
		return 0;
	log_error("%s needs a whole number from %ld to %ld, not '%s'", option, min, max, text);
	return -EINVAL;
}

void cli__more_verbose(void)
{
	log_set_level(log_level() >= LOG_INFO ? LOG_DEBUG : LOG_INFO);
}

int cli__max_entries(const char *text, unsigned int *out)
{
	long n;

	if (cli__count("--max-entries", text, 16, 1 << 22, &n))
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

const struct option cli__help_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cli__parse_options(const struct cli_parser *p, int argc, char **argv, void *opts)
{
	int opt, rc = 0;

	optind = 0; /* a fresh scan, also for a second command line in one process */
	/* With on_operand, step over each operand so options may follow it. */
	while (!rc && ((opt = getopt_long(argc, argv, p->optstring, p->options, NULL)) != -1 ||
		       (p->on_operand && optind < argc))) {
		if (opt == -1) {
			rc = p->on_operand(argv[optind++], opts);
		} else if (opt == '?' || opt == ':') {
			p->on_option(opt, argv[optind - 1], opts); /* its words; a failure */
			rc = -EINVAL;
		} else {
			rc = p->on_option(opt, optarg, opts);
		}
	}
	if (rc == 0 && p->finish)
		rc = p->finish(argc - optind, argv + optind, opts);
	return rc < 0 ? -EINVAL : 0;
}

int cli__parsed(int parse_rc, const bool *help, void (*usage)(FILE *out))
{
	if (parse_rc)
		return EXIT_USAGE;
	if (!*help)
		return -1;
	usage(stdout);
	return EXIT_OK;
}

struct profile_parse {
	const struct profile_cmd *cmd;
	struct profile_args *args;
	void *opts;
};

static int profile_option(int opt, const char *arg, void *ctx)
{
	struct profile_parse *pp = ctx;

	switch (opt) {
	case 'o':
		pp->args->output = arg;
		return 0;
	case 'h':
		pp->args->help = true;
		return CLI_STOP;
	case ':':
	case '?':
		log_error("%s '%s'; see 'capdiet %s --help'",
			  opt == ':' ? "missing value for" : "unknown option", arg, pp->cmd->name);
		return -EINVAL;
	}
	return pp->cmd->on_option ? pp->cmd->on_option(opt, arg, pp->opts) : -EINVAL;
}

static int profile_operand(const char *arg, void *ctx)
{
	struct profile_parse *pp = ctx;

	if (pp->args->profile) {
		log_error("%s takes one PROFILE; '%s' is one too many", pp->cmd->name, arg);
		return -EINVAL;
	}
	pp->args->profile = arg;
	return 0;
}

static int profile_finish(int n, char **rest, void *ctx)
{
	struct profile_parse *pp = ctx;

	(void)n; /* profile_operand took every operand */
	(void)rest;
	return pp->cmd->finish(pp->args, pp->opts);
}

int cli__profile_parse(const struct profile_cmd *c, int argc, char **argv,
		       struct profile_args *args, void *opts)
{
	const struct cli_parser parser = {
		c->optstring, c->options, profile_option, profile_operand, profile_finish,
	};
	struct profile_parse pp = { c, args, opts };

	*args = (struct profile_args){ 0 };
	return cli__parse_options(&parser, argc, argv, &pp);
}

struct profile_job {
	const struct profile_cmd *cmd;
	const void *opts;
	struct profile *profile;
};

static int profile_fill(FILE *out, void *ctx)
{
	const struct profile_job *job = ctx;

	return job->cmd->fill(out, job->profile, job->opts);
}

int cli__profile_run(const struct profile_cmd *c, const struct profile_args *args,
		     const void *opts)
{
	struct profile_job job = { .cmd = c, .opts = opts };
	const char *output = args->output;
	char err[512];
	int rc;

	job.profile = profile__load(args->profile, err, sizeof(err));
	if (!job.profile) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (output && args->replace)
		rc = outfile__replace(output, profile_fill, &job);
	else
		rc = output ? outfile__write(output, profile_fill, &job) : profile_fill(stdout, &job);
	if (!rc && !output && fflush(stdout) != 0)
		rc = -errno;
	if (rc == -EBADMSG) { /* the profile cannot be written so; fill said why */
		profile__free(job.profile);
		return EXIT_USAGE;
	}
	if (rc)
		log_error("cannot write %s: %s", output ? output : "to stdout",
			  rc == -ELOOP ? "it is a symlink; remove it or choose another path"
				       : strerror(-rc));
	profile__free(job.profile);
	return rc ? EXIT_FAIL : EXIT_OK;
}
