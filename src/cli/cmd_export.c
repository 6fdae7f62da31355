// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/policy/export.h"
#include "capdiet/core/log.h"

struct export_opts {
	const char *format_name;
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

static int export_option(int opt, const char *arg, void *ctx)
{
	struct export_opts *o = ctx;

	if (opt != 'f')
		return EXIT_USAGE;
	o->format_name = arg;
	return 0;
}

static int export_fill(FILE *out, const struct profile *p, void *ctx)
{
	const struct export_opts *o = ctx;

	return export__write(p, o->format, out);
}

int do_export(int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct export_opts o = { 0 };
	struct profile_cmd c = {
		.name = "export", .optstring = "f:o:h", .options = options,
		.usage = export_usage, .on_option = export_option,
		.fill = export_fill, .ctx = &o,
	};
	int code = cli__profile_args(&c, argc, argv);

	if (code >= 0)
		return code;
	if (!o.format_name || !c.profile) {
		log_error("export needs --format FORMAT and a PROFILE, e.g. "
			  "'capdiet export --format docker nginx.yaml'");
		return EXIT_USAGE;
	}
	if (export__parse_format(o.format_name, &o.format) != 0) {
		log_error("unknown format '%s'; use one of: %s", o.format_name,
			  export__format_names());
		return EXIT_USAGE;
	}
	return cli__profile_run(&c);
}
