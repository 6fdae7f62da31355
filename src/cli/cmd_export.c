// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/policy/export.h"
#include "capdiet/core/log.h"

static void export_usage(FILE *out)
{
	fprintf(out, "usage: capdiet export --format FORMAT [-o FILE] PROFILE\n\n"
		     "Writes a profile's minimum capability set as runtime configuration.\n\n"
		     "  -f, --format FORMAT  %s\n"
		     "                       systemd: a [Service] drop-in (named after the\n"
		     "                       profile's unit with run --unit); label: the\n"
		     "                       Containerfile LABEL io.containers.capabilities;\n"
		     "                       containers-conf: Podman's default_capabilities\n"
		     "  -o, --output FILE    write FILE atomically instead of stdout\n"
		     "      --bundle DIR     with --format oci: rewrite DIR/config.json\n"
		     "                       (atomically) with the set in all five lists of\n"
		     "                       process.capabilities, the rest unchanged\n"
		     "  -h, --help           show this help\n", export__format_names());
}

static int export_option(int opt, const char *arg, void *ctx)
{
	struct export_opts *o = ctx;

	if (opt == 'B') {
		o->bundle = arg;
		return 0;
	}
	if (opt != 'f')
		return -EINVAL;
	o->format_name = arg;
	return 0;
}

static int export_fill(FILE *out, const struct profile *p, const void *ctx)
{
	const struct export_opts *o = ctx;

	if (o->bundle)
		return export__oci_bundle(p, o->bundle, out);
	return export__write(p, o->format, out);
}

static const struct option export_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "bundle", required_argument, NULL, 'B' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int export_finish(const struct profile_args *args, void *ctx)
{
	struct export_opts *o = ctx;

	if (!o->format_name || !args->profile) {
		log_error("export needs --format FORMAT and a PROFILE, e.g. "
			  "'capdiet export --format docker nginx.yaml'");
		return -EINVAL;
	}
	if (export__parse_format(o->format_name, &o->format) != 0) {
		log_error("unknown format '%s'; use one of: %s", o->format_name,
			  export__format_names());
		return -EINVAL;
	}
	if (o->bundle && (o->format != EXPORT_OCI || args->output)) {
		log_error("--bundle writes BUNDLE/config.json: it goes with --format oci "
			  "and without -o");
		return -EINVAL;
	}
	if (o->bundle && snprintf(o->bundle_config, sizeof(o->bundle_config), "%s/config.json",
				  o->bundle) >= (int)sizeof(o->bundle_config)) {
		log_error("--bundle %.64s...: path too long", o->bundle);
		return -EINVAL;
	}
	if (o->bundle && access(o->bundle_config, R_OK | W_OK) != 0) {
		log_error("--bundle %s: %s: %s; a bundle is a directory with config.json "
			  "(runc spec writes one)", o->bundle, o->bundle_config, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static const struct profile_cmd export_cmd = {
	.name = "export", .optstring = "+:f:o:h", .options = export_options,
	.on_option = export_option, .finish = export_finish, .fill = export_fill,
};

int cmd_export__parse(int argc, char **argv, struct export_opts *o)
{
	*o = (struct export_opts){ 0 };
	return cli__profile_parse(&export_cmd, argc, argv, &o->args, o);
}

int do_export(int argc, char **argv)
{
	struct export_opts o;
	int code = cli__parsed(cmd_export__parse(argc, argv, &o), &o.args.help, export_usage);

	if (code < 0 && o.bundle) {
		o.args.output = o.bundle_config;
		o.args.replace = true;
	}
	return code >= 0 ? code : cli__profile_run(&export_cmd, &o.args, &o);
}
