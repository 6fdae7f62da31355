// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"
#include "capdiet/core/text.h"
#include "capdiet/policy/check.h"

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet check [--allow LIST | --allowlist FILE] [--format text|json] PATH...\n"
		"       capdiet check [options] --engine podman IMAGE...\n\n"
		"Fails manifests and images whose capabilities exceed the allowlist.\n"
		"PATH is a file, a directory (searched for *.yaml, *.yml, *.json,\n"
		"skipping hidden entries) or - for stdin (helm template . | capdiet check -).\n"
		"Kubernetes workloads, Compose files, OCI config.json and capdiet\n"
		"profiles are recognised by their content.\n"
		"PATH may also be an image: an OCI layout directory (oci-layout and\n"
		"index.json), or a docker-archive or OCI archive tarball (podman save,\n"
		"docker save; gzip and zstd too).  Each image is judged by its\n"
		"io.containers.capabilities label, every file with file capabilities\n"
		"(its permitted and inheritable sets) and every setuid-root (as SETUID)\n"
		"or setgid-root (as SETGID) executable, after the layers' whiteouts.\n"
		"Images are read, never extracted.\n\n"
		"  --allow LIST       allowed capabilities, e.g. NET_BIND_SERVICE,CHOWN, or NONE\n"
		"  --allowlist FILE   YAML allowlist: default: [..] and exceptions: [..]\n"
		"  --engine podman    every PATH is a local Podman image, read via podman save\n"
		"  --format FORMAT    text (default) or json\n"
		"  -h, --help         show this help\n\n"
		"Without --allow or --allowlist only NET_BIND_SERVICE is allowed\n"
		"(the Kubernetes restricted profile).  In an allowlist exception, an\n"
		"image is kind: image, name: its tag, container: a file's path (or\n"
		"io.containers.capabilities for the label).\n"
		"exit status: 0 clean, 1 violations, 2 bad input or usage\n");
}

static int check_option(int opt, const char *arg, void *ctx)
{
	struct check_opts *o = ctx;

	switch (opt) {
	case 'h':
		o->help = true;
		return CLI_STOP;
	case 'a':
		o->allow = arg;
		return 0;
	case 'l':
		o->allowlist = arg;
		return 0;
	case 'e':
		if (strcmp(arg, "podman")) {
			log_error("--engine takes podman, not '%s'", arg);
			return -EINVAL;
		}
		o->engine = arg;
		return 0;
	case 'f':
		if (strcmp(arg, "text") && strcmp(arg, "json")) {
			log_error("--format takes text or json, not '%s'", arg);
			return -EINVAL;
		}
		o->json = !strcmp(arg, "json");
		return 0;
	}
	/* getopt has named the option; say where the right ones are. */
	log_error("see 'capdiet check --help' for the options");
	return -EINVAL;
}

/* Every argument after the options is a PATH, even one that looks like one. */
static int check_finish(int n, char **rest, void *ctx)
{
	struct check_opts *o = ctx;

	if (o->allow && o->allowlist) {
		log_error("give --allow or --allowlist, not both");
		return -EINVAL;
	}
	if (n == 0 && o->engine) {
		log_error("--engine podman needs an image name, e.g. 'capdiet check --engine podman localhost/web:1'");
		return -EINVAL;
	}
	if (n == 0) {
		log_error("check needs a manifest file or directory, e.g. 'capdiet check k8s/'");
		return -EINVAL;
	}
	o->paths = rest;
	o->n_paths = n;
	return 0;
}

static const struct option check_options[] = {
	{ "allow", required_argument, NULL, 'a' },
	{ "allowlist", required_argument, NULL, 'l' },
	{ "engine", required_argument, NULL, 'e' },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct cli_parser check_parser = {
	"+h", check_options, check_option, NULL, check_finish,
};

int cmd_check__parse(int argc, char **argv, struct check_opts *o)
{
	*o = (struct check_opts){ 0 };
	return cli__parse_options(&check_parser, argc, argv, o);
}

/*
 * A problem with an input, escaped: it quotes the input's own names (a
 * member or entry of an image, a tag, a manifest's file), which could hold
 * a CR, LF or escape sequence that forges a line of the CI log.
 */
static void cmd_check__problem(const char *msg)
{
	char safe[4096];

	text__escape(msg, safe, sizeof(safe)); /* a longer message ends early, cut cleanly */
	log_error("%s", safe);
}

static struct check_allowlist *cmd_check__allowlist(const struct check_opts *o)
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
		cmd_check__problem(*err ? err : strerror(errno));
	return al;
}

/* Loads every path; problems with single files are logged, not fatal. */
static int cmd_check__collect(const struct check_opts *o, struct check_inventory *inv,
			      size_t *errors)
{
	struct strlist errs = { 0 };
	int rc = 0;

	for (int i = 0; i < o->n_paths && !rc; i++) {
		size_t before = inv->files, entries = inv->n;

		if (o->engine)
			rc = check__collect_engine(inv, o->engine, o->paths[i], &errs);
		else
			rc = check__collect_input(inv, o->paths[i], &errs);
		if (!rc && inv->files == before && inv->n == entries && errs.n == 0)
			log_warn("%s: no *.yaml, *.yml or *.json files in it", o->paths[i]);
	}
	for (size_t i = 0; i < errs.n; i++)
		cmd_check__problem(errs.v[i]);
	*errors = errs.n;
	strlist__clear(&errs);
	return rc;
}

static int cmd_check__run(const struct check_opts *o)
{
	struct check_inventory inv = { 0 };
	struct check_report report = { 0 };
	struct check_allowlist *al = NULL;
	size_t errors = 0;
	int rc = EXIT_USAGE;

	al = cmd_check__allowlist(o);
	if (!al)
		goto cleanup;
	if (cmd_check__collect(o, &inv, &errors) || check__evaluate(&inv, al, &report)) {
		log_error("out of memory");
		goto cleanup;
	}
	report.errors = errors;
	if ((o->json ? check_report__write_json : check_report__write_text)(&report, stdout)) {
		log_error("cannot write the report: %s", strerror(errno));
		goto cleanup;
	}
	rc = errors ? EXIT_USAGE : report.n_failing ? EXIT_FAIL : EXIT_OK;
cleanup:
	check_report__clear(&report);
	check_inventory__clear(&inv);
	check_allowlist__free(al);
	return rc;
}

int do_check(int argc, char **argv)
{
	struct check_opts o;
	int code = cli__parsed(cmd_check__parse(argc, argv, &o), &o.help, check_usage);

	return code >= 0 ? code : cmd_check__run(&o);
}
