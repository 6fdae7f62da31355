// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", do_run, "find the minimum capability set of a command or service" },
	{ "trace", do_trace, "run a command with a capability set and record every check" },
	{ "export", do_export, "write a profile as runtime configuration (docker, k8s, oci...)" },
	{ "report", do_report, "write a Markdown justification of a profile" },
	{ "exec", do_exec, "run a command with exactly a capability set" },
	{ "check", do_check, "fail manifests that declare capabilities outside an allowlist" },
	{ "decode", do_decode, "print the capability names in a hex mask" },
	{ "inspect", do_inspect, "print the capability sets of a running process" },
	{ "observe", do_observe, "watch every container of this node: what each uses, what it can drop" },
	{ "merge", do_merge, "merge observed profiles of one workload's replicas into one" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: capdiet [--version] [--help] <command> [<args>]\n\n"
		     "Puts a service on a capability diet: runs it with every capability\n"
		     "dropped, records each capability check with eBPF and finds the\n"
		     "minimum set it needs.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'capdiet <command> --help' describes a command.\n"
		     "exit status: 0 ok, 1 failure or violations, 2 usage or bad input\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("capdiet %s\n", CAPDIET_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	log_error("'%s' is not a capdiet command; see 'capdiet --help'", argv[1]);
	return EXIT_USAGE;
}
