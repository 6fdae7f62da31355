// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "capdiet/core/caps.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"

static void decode_usage(FILE *out)
{
	fprintf(out, "usage: capdiet decode HEX\n\n"
		     "Prints the capability names in a mask as /proc/PID/status shows it\n"
		     "(e.g. 00000000a80425fb), one per line, as capsh --decode would.\n");
}

int do_decode(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	capset_t set;
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'h') {
			decode_usage(stdout);
			return EXIT_OK;
		}
		decode_usage(stderr);
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		log_error("decode takes one hex mask, e.g. 'capdiet decode 00000000a80425fb'");
		return EXIT_USAGE;
	}
	if (caps__parse_hex(argv[optind], &set) != 0) {
		log_error("'%s' is not a hex capability mask; give e.g. 00000000a80425fb",
			  argv[optind]);
		return EXIT_USAGE;
	}
	if (set & ~caps__all())
		log_warn("mask 0x%016llx has bits this kernel does not know",
			 (unsigned long long)(set & ~caps__all()));
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
	return EXIT_OK;
}
