// SPDX-License-Identifier: MIT
#include <errno.h>
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

static int report_fill(FILE *out, const struct profile *p, const void *ctx)
{
	(void)ctx;
	return report__write(p, out);
}

static const struct option report_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int report_finish(const struct profile_args *args, void *ctx)
{
	(void)ctx;
	if (args->profile)
		return 0;
	log_error("report needs a PROFILE, e.g. 'capdiet report nginx.yaml -o nginx.md'");
	return -EINVAL;
}

static const struct profile_cmd report_cmd = {
	.name = "report", .optstring = "+:o:h", .options = report_options,
	.finish = report_finish, .fill = report_fill,
};

int cmd_report__parse(int argc, char **argv, struct report_opts *o)
{
	*o = (struct report_opts){ 0 };
	return cli__profile_parse(&report_cmd, argc, argv, &o->args, o);
}

int do_report(int argc, char **argv)
{
	struct report_opts o;
	int code = cli__parsed(cmd_report__parse(argc, argv, &o), &o.args.help, report_usage);

	return code >= 0 ? code : cli__profile_run(&report_cmd, &o.args, &o);
}
