// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/policy/check.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"

struct check_opts {
	const char *allow;      /* --allow LIST */
	const char *allowlist;  /* --allowlist FILE */
	bool json;
};

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet check [--allow LIST | --allowlist FILE] [--format text|json] PATH...\n\n"
		"Fails manifests whose declared capability set exceeds the allowlist.\n"
		"PATH is a file, a directory (searched for *.yaml, *.yml, *.json,\n"
		"skipping hidden entries) or - for stdin (helm template . | capdiet check -).\n"
		"Kubernetes workloads, Compose files, OCI config.json and capdiet\n"
		"profiles are recognised by their content.\n\n"
		"  --allow LIST       allowed capabilities, e.g. NET_BIND_SERVICE,CHOWN ('' = none)\n"
		"  --allowlist FILE   YAML allowlist: default: [..] and exceptions: [..]\n"
		"  --format FORMAT    text (default) or json\n"
		"  -h, --help         show this help\n\n"
		"Without --allow or --allowlist only NET_BIND_SERVICE is allowed\n"
		"(the Kubernetes restricted profile).\n"
		"exit status: 0 clean, 1 violations, 2 bad input or usage\n");
}

/* Returns -1 to go on, or the exit code (help, usage error). */
static int check__parse_args(int argc, char **argv, struct check_opts *o)
{
	static const struct option options[] = {
		{ "allow", required_argument, NULL, 'a' },
		{ "allowlist", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'h') {
			check_usage(stdout);
			return EXIT_OK;
		} else if (opt == 'a') {
			o->allow = optarg;
		} else if (opt == 'l') {
			o->allowlist = optarg;
		} else if (opt == 'f' && (!strcmp(optarg, "text") || !strcmp(optarg, "json"))) {
			o->json = !strcmp(optarg, "json");
		} else if (opt == 'f') {
			log_error("--format takes text or json, not '%s'", optarg);
			return EXIT_USAGE;
		} else {
			log_error("see 'capdiet check --help' for the options");
			return EXIT_USAGE;
		}
	}
	if (o->allow && o->allowlist) {
		log_error("give --allow or --allowlist, not both");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		log_error("check needs a manifest file or directory, e.g. 'capdiet check k8s/'");
		return EXIT_USAGE;
	}
	return -1;
}

static struct check_allowlist *check__allowlist(const struct check_opts *o)
{
	struct check_allowlist *al;
	char err[512] = "";

	if (o->allowlist)
		al = check_allowlist__load(o->allowlist, err, sizeof(err));
	else if (o->allow)
		al = check_allowlist__from_list(o->allow, err, sizeof(err));
	else
		al = check_allowlist__restricted();
	if (!al)
		log_error("%s", *err ? err : strerror(errno));
	return al;
}

/* Loads every path; problems with single files are logged, not fatal. */
static int check__collect(char **paths, int n, struct check_inventory *inv, size_t *errors)
{
	struct strlist errs = { 0 };
	int rc = 0;

	for (int i = 0; i < n && !rc; i++) {
		size_t before = inv->files;

		rc = check__collect_path(inv, paths[i], &errs);
		if (!rc && inv->files == before && errs.n == 0)
			log_warn("%s: no *.yaml, *.yml or *.json files in it", paths[i]);
	}
	for (size_t i = 0; i < errs.n; i++)
		log_error("%s", errs.v[i]);
	*errors = errs.n;
	strlist__clear(&errs);
	return rc;
}

int do_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct check_inventory inv = { 0 };
	struct check_report report = { 0 };
	struct check_allowlist *al = NULL;
	size_t errors = 0;
	int rc = check__parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = EXIT_USAGE;
	al = check__allowlist(&o);
	if (!al)
		goto cleanup;
	if (check__collect(argv + optind, argc - optind, &inv, &errors) ||
	    check__evaluate(&inv, al, &report)) {
		log_error("out of memory");
		goto cleanup;
	}
	report.errors = errors;
	if ((o.json ? check_report__write_json : check_report__write_text)(&report, stdout)) {
		log_error("cannot write the report: %s", strerror(errno));
		goto cleanup;
	}
	rc = errors ? EXIT_USAGE : report.n ? EXIT_FAIL : EXIT_OK;
cleanup:
	check_report__clear(&report);
	check_inventory__clear(&inv);
	check_allowlist__free(al);
	return rc;
}
