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

	if (!strcasecmp(text, "none")) {
		*out = 0;
		return 0;
	}
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

static int profile_option(struct profile_cmd *c, int opt, char **argv)
{
	if (opt == 'o') {
		c->output = optarg;
		return -1;
	}
	if (opt == 'h') {
		c->usage(stdout);
		return EXIT_OK;
	}
	if (opt != ':' && opt != '?' && c->on_option) {
		int code = c->on_option(opt, optarg, c->ctx);

		return code ? code : -1;
	}
	log_error("%s '%s'; see 'capdiet %s --help'",
		  opt == ':' ? "missing value for" : "unknown option", argv[optind - 1], c->name);
	return EXIT_USAGE;
}

int cli__profile_args(struct profile_cmd *c, int argc, char **argv)
{
	char optstring[64];
	int opt, code;

	snprintf(optstring, sizeof(optstring), "+:%s", c->optstring);
	opterr = 0; /* our own one-line messages, through log_error */
	/* "+" stops at PROFILE; step over it so options may also follow it. */
	while ((opt = getopt_long(argc, argv, optstring, c->options, NULL)) != -1 ||
	       optind < argc) {
		if (opt != -1) {
			if ((code = profile_option(c, opt, argv)) >= 0)
				return code;
			continue;
		}
		if (c->profile) {
			log_error("%s takes one PROFILE; '%s' is one too many", c->name, argv[optind]);
			return EXIT_USAGE;
		}
		c->profile = argv[optind++];
	}
	return -1;
}

struct profile_job {
	const struct profile_cmd *cmd;
	struct profile *profile;
};

static int profile_fill(FILE *out, void *ctx)
{
	const struct profile_job *job = ctx;

	return job->cmd->fill(out, job->profile, job->cmd->ctx);
}

int cli__profile_run(struct profile_cmd *c)
{
	struct profile_job job = { .cmd = c };
	char err[512];
	int rc;

	job.profile = profile__load(c->profile, err, sizeof(err));
	if (!job.profile) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	rc = c->output ? outfile__write(c->output, profile_fill, &job) : profile_fill(stdout, &job);
	if (!rc && !c->output && fflush(stdout) != 0)
		rc = -errno;
	if (rc)
		log_error("cannot write %s: %s", c->output ? c->output : "to stdout",
			  rc == -ELOOP ? "it is a symlink; remove it or choose another path"
				       : strerror(-rc));
	profile__free(job.profile);
	return rc ? EXIT_FAIL : EXIT_OK;
}
