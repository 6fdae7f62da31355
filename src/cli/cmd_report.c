// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"
#include "capdiet/policy/report.h"

static void report_usage(FILE *out)
{
	fprintf(out, "usage: capdiet report [-o FILE.md] PROFILE\n\n"
		     "Writes a Markdown justification of a profile: the minimum set, the\n"
		     "evidence for each capability, what was dropped and the trial history.\n\n"
		     "  -o, --output FILE  write FILE atomically instead of stdout\n"
		     "  -h, --help         show this help\n");
}

static int report_fill(FILE *out, const struct profile *p, void *ctx)
{
	(void)ctx;
	return report__write(p, out);
}

int do_report(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct profile_cmd c = {
		.name = "report", .optstring = "o:h", .options = options,
		.usage = report_usage, .fill = report_fill,
	};
	int code = cli__profile_args(&c, argc, argv);

	if (code >= 0)
		return code;
	if (!c.profile) {
		log_error("report needs a PROFILE, e.g. 'capdiet report nginx.yaml -o nginx.md'");
		return EXIT_USAGE;
	}
	return cli__profile_run(&c);
}
