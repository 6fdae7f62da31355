// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/caps.h"
#include "capdiet/core/log.h"

static void decode_usage(FILE *out)
{
	fprintf(out, "usage: capdiet decode HEX\n\n"
		     "Prints the capability names in a mask as /proc/PID/status shows it\n"
		     "(e.g. 00000000a80425fb), one per line, as capsh --decode would.\n");
}

static int decode_option(int opt, const char *arg, void *ctx)
{
	struct decode_opts *o = ctx;

	(void)arg;
	if (opt == 'h') {
		o->help = true;
		return CLI_STOP;
	}
	decode_usage(stderr); /* under getopt's line about the option */
	return -EINVAL;
}

static int decode_finish(int n, char **rest, void *ctx)
{
	struct decode_opts *o = ctx;

	if (n != 1) {
		log_error("decode takes one hex mask, e.g. 'capdiet decode 00000000a80425fb'");
		return -EINVAL;
	}
	if (caps__parse_hex(rest[0], &o->set) != 0) {
		log_error("'%s' is not a hex capability mask; give e.g. 00000000a80425fb",
			  rest[0]);
		return -EINVAL;
	}
	return 0;
}

static const struct cli_parser decode_parser = {
	"+h", cli__help_options, decode_option, NULL, decode_finish,
};

int cmd_decode__parse(int argc, char **argv, struct decode_opts *o)
{
	*o = (struct decode_opts){ 0 };
	return cli__parse_options(&decode_parser, argc, argv, o);
}

static void decode_print(capset_t set)
{
	printf("0x%016llx=", (unsigned long long)set);
	for (int cap = 0, first = 1; cap < 64; cap++) {
		if (!caps__has(set, cap))
			continue;
		if (caps__name(cap))
			printf("%s%s", first ? "" : ",", caps__full_name(cap));
		else
			printf("%s%d", first ? "" : ",", cap);
		first = 0;
	}
	printf("\n");
}

int do_decode(int argc, char **argv)
{
	struct decode_opts o;
	int code = cli__parsed(cmd_decode__parse(argc, argv, &o), &o.help, decode_usage);

	if (code >= 0)
		return code;
	if (o.set & ~caps__all())
		log_warn("mask 0x%016llx has bits this kernel does not know",
			 (unsigned long long)(o.set & ~caps__all()));
	decode_print(o.set);
	return EXIT_OK;
}
