// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/cmd.h"
#include "capdiet/log.h"
#include "capdiet/outfile.h"
#include "capdiet/profile.h"
#include "capdiet/report.h"

static void report_usage(FILE *out)
{
	fprintf(out, "usage: capdiet report [-o FILE.md] PROFILE\n\n"
		     "Writes a Markdown justification of a profile: the minimum set, the\n"
		     "evidence for each capability, what was dropped and the trial history.\n\n"
		     "  -o, --output FILE  write FILE atomically instead of stdout\n"
		     "  -h, --help         show this help\n");
}

static int report_fill(FILE *out, void *ctx)
{
	return report__write(ctx, out);
}

static int report_run(const char *profile_path, const char *output)
{
	struct profile *p;
	char err[512];
	int rc;

	p = profile__load(profile_path, err, sizeof(err));
	if (!p) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	rc = output ? outfile__write(output, report_fill, p) : report_fill(stdout, p);
	if (!rc && !output && fflush(stdout) != 0)
		rc = -errno;
	if (rc)
		log_error("cannot write %s: %s", output ? output : "the report",
			  rc == -ELOOP ? "it is a symlink; remove it or choose another path"
				       : strerror(-rc));
	profile__free(p);
	return rc ? EXIT_FAIL : EXIT_OK;
}

int do_report(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *output = NULL, *profile_path = NULL;
	int opt;

	opterr = 0; /* our own one-line messages, through log_error */
	/* "+" stops at PROFILE; step over it so -o may also follow it. */
	while ((opt = getopt_long(argc, argv, "+:o:h", options, NULL)) != -1 ||
	       optind < argc) {
		if (opt == -1) {
			if (profile_path) {
				log_error("report takes one PROFILE; '%s' is one too many", argv[optind]);
				return EXIT_USAGE;
			}
			profile_path = argv[optind++];
		} else if (opt == 'o') {
			output = optarg;
		} else if (opt == 'h') {
			report_usage(stdout);
			return EXIT_OK;
		} else {
			log_error("%s '%s'; see 'capdiet report --help'",
				  opt == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (!profile_path) {
		log_error("report needs a PROFILE, e.g. 'capdiet report nginx.yaml -o nginx.md'");
		return EXIT_USAGE;
	}
	return report_run(profile_path, output);
}
