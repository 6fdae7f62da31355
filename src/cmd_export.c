// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/cmd.h"
#include "capdiet/export.h"
#include "capdiet/log.h"
#include "capdiet/outfile.h"
#include "capdiet/profile.h"

struct export_job {
	const struct profile *profile;
	enum export_format format;
};

static void export_usage(FILE *out)
{
	fprintf(out, "usage: capdiet export --format FORMAT [-o FILE] PROFILE\n\n"
		     "Writes a profile's minimum capability set as runtime configuration.\n\n"
		     "  -f, --format FORMAT  %s\n"
		     "  -o, --output FILE    write FILE atomically instead of stdout\n"
		     "  -h, --help           show this help\n", export__format_names());
}

static int export_fill(FILE *out, void *ctx)
{
	const struct export_job *job = ctx;

	return export__write(job->profile, job->format, out);
}

static int export_run(const char *profile_path, enum export_format format, const char *output)
{
	struct export_job job = { NULL, format };
	struct profile *p;
	char err[512];
	int rc;

	p = profile__load(profile_path, err, sizeof(err));
	if (!p) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	job.profile = p;
	rc = output ? outfile__write(output, export_fill, &job) : export_fill(stdout, &job);
	if (!rc && !output && fflush(stdout) != 0)
		rc = -errno;
	if (rc)
		log_error("cannot write %s: %s", output ? output : "the export",
			  rc == -ELOOP ? "it is a symlink; remove it or choose another path"
				       : strerror(-rc));
	profile__free(p);
	return rc ? EXIT_FAIL : EXIT_OK;
}

int do_export(int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format_name = NULL, *output = NULL, *profile_path = NULL;
	enum export_format format;
	int opt;

	opterr = 0; /* our own one-line messages, through log_error */
	/* "+" stops at PROFILE; step over it so options may also follow it. */
	while ((opt = getopt_long(argc, argv, "+:f:o:h", options, NULL)) != -1 ||
	       optind < argc) {
		if (opt == -1) {
			if (profile_path) {
				log_error("export takes one PROFILE; '%s' is one too many", argv[optind]);
				return EXIT_USAGE;
			}
			profile_path = argv[optind++];
		} else if (opt == 'f') {
			format_name = optarg;
		} else if (opt == 'o') {
			output = optarg;
		} else if (opt == 'h') {
			export_usage(stdout);
			return EXIT_OK;
		} else {
			log_error("%s '%s'; see 'capdiet export --help'",
				  opt == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!format_name || !profile_path) {
		log_error("export needs --format FORMAT and a PROFILE, e.g. "
			  "'capdiet export --format docker nginx.yaml'");
		return EXIT_USAGE;
	}
	if (export__parse_format(format_name, &format) != 0) {
		log_error("unknown format '%s'; use one of: %s", format_name, export__format_names());
		return EXIT_USAGE;
	}
	return export_run(profile_path, format, output);
}
