// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"
#include "capdiet/core/text.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_compose.h"
#include "capdiet/policy/check_exceptions.h"
#include "capdiet/policy/check_render.h"

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet check [--allow LIST | --allowlist FILE] [--format FORMAT] PATH...\n"
		"       capdiet check [options] --engine podman IMAGE...\n"
		"       capdiet check [options] -f COMPOSE-FILE [-f COMPOSE-FILE]... [PATH...]\n\n"
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
		"Images are read, never extracted.\n"
		"A directory with Chart.yaml (a Helm chart) or kustomization.yaml (a\n"
		"Kustomize overlay) is not read as plain YAML: without --render it is an\n"
		"error saying how to render it; with --render its rendered output is\n"
		"checked, line numbers being the rendered output's.  Compose extends are\n"
		"resolved, in the file and across files.\n\n"
		"  --allow LIST       allowed capabilities, e.g. NET_BIND_SERVICE,CHOWN, or NONE\n"
		"  --allowlist FILE   YAML allowlist: default: [..] and exceptions: [..]\n"
		"  --engine podman    every PATH is a local Podman image, read via podman save\n"
		"  --format FORMAT    text (default), json, sarif (SARIF 2.1.0, GitHub code\n"
		"                     scanning), junit (JUnit XML, GitLab) or github (GitHub\n"
		"                     Actions annotations)\n"
		"  --baseline FILE    findings recorded in FILE are excepted; new ones fail\n"
		"  --write-baseline FILE  record today's violations in FILE and exit 0\n"
		"  --exclude GLOB     skip paths matching GLOB ('*' spans '/'; tried on the\n"
		"                     path and its basename); repeatable; each is reported\n"
		"  --fail-stale       exit 1 also when an exception matched nothing\n"
		"  --max-nodes N      a YAML/JSON document may have N nodes, aliases counted\n"
		"                     expanded (default 1000000; 1 to 100000000)\n"
		"  --render           render charts (helm template NAME DIR) and overlays\n"
		"                     (kustomize build DIR, else kubectl kustomize DIR)\n"
		"  --helm-values FILE with --render: helm template --values FILE; repeatable\n"
		"  -f, --compose-file FILE  Compose files of one project, merged as docker\n"
		"                     compose -f merges them (!reset, !override); repeatable\n"
		"  -h, --help         show this help\n\n"
		"Options may come before or after the PATHs; after -- every argument is a PATH\n"
		"(a hook that passes file names: capdiet check [options] -- FILE...).\n"
		"--allow, --allowlist, --format, --baseline and --write-baseline may each\n"
		"be given once.\n"
		"Without --allow or --allowlist only NET_BIND_SERVICE is allowed\n"
		"(the Kubernetes restricted profile).  In an allowlist exception, an\n"
		"image is kind: image, name: its tag, container: a file's path (or\n"
		"io.containers.capabilities for the label).  An exception may say\n"
		"expires: YYYY-MM-DD (after that day, UTC, what it allows fails again);\n"
		"with inline_exceptions: true a workload's capdiet.io/allow annotation\n"
		"(\"NET_RAW: reason; SETUID,SETGID: reason\") excepts its own containers,\n"
		"within inline_max, never privileged: true.  Excepted findings are\n"
		"listed, exceptions that matched nothing are reported as stale.\n"
		"exit status: 0 clean, 1 violations, 2 bad input or usage\n");
}

/*
 * A message that quotes an argument or an input, escaped whole (text.h): a
 * PATH is often a file's name, and a name may hold a newline or a
 * workflow command ("##[stop-commands]") that a CI log would act on.
 */
static void check_say(void (*logger)(const char *fmt, ...), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check_say(void (*logger)(const char *fmt, ...), const char *fmt, ...)
{
	char msg[4096], safe[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text__escape(msg, safe, sizeof(safe)); /* a longer message ends early, cut cleanly */
	logger("%s", safe);
}

/*
 * An option that takes one value, given twice, is an error rather than
 * last-one-wins: a file name that reaches the parse as an option (a hook
 * that passes its files without "--", a file named --allowlist=x.yaml)
 * must not replace the allowlist, the format or the baseline.
 */
static int check_twice(const char *option)
{
	log_error("%s given twice; give it once, and put file names after --", option);
	return -EINVAL;
}

/* *slot = value, the first time. */
static int check_once(const char **slot, const char *value, const char *option)
{
	if (*slot)
		return check_twice(option);
	*slot = value;
	return 0;
}

/* getopt's own words are unescaped, so it is silenced (":" first) and these say them. */
static int check_bad_option(int opt, const char *arg)
{
	if (opt == ':')
		check_say(log_error, "option '%s' requires an argument", arg);
	else if (optopt)
		check_say(log_error, "unrecognized option '-%c'", optopt);
	else
		check_say(log_error, "unrecognized option '%s'", arg);
	log_error("see 'capdiet check --help' for the options");
	return -EINVAL;
}

/* -f FILE and --helm-values FILE: kept in order, as Compose and helm read them. */
static int check_repeated(int opt, const char *arg, struct check_opts *o)
{
	bool compose = opt == 'f';
	size_t *n = compose ? &o->n_compose_files : &o->n_helm_values;

	if (*n == (compose ? CHECK_MAX_COMPOSE_FILES : CHECK_MAX_HELM_VALUES)) {
		log_error("at most %d %s options", compose ? CHECK_MAX_COMPOSE_FILES :
			  CHECK_MAX_HELM_VALUES, compose ? "-f" : "--helm-values");
		return -EINVAL;
	}
	(compose ? o->compose_files : o->helm_values)[(*n)++] = arg;
	return 0;
}

/* What --max-nodes may raise the limit to: a walk of that many still takes seconds. */
#define MAX_NODES_CEILING 100000000L

static int check_option(int opt, const char *arg, void *ctx)
{
	struct check_opts *o = ctx;

	switch (opt) {
	case 'h':
		o->help = true;
		return CLI_STOP;
	case 'a':
		return check_once(&o->allow, arg, "--allow");
	case 'l':
		return check_once(&o->allowlist, arg, "--allowlist");
	case 'e':
		if (strcmp(arg, "podman")) {
			check_say(log_error, "--engine takes podman, not '%s'", arg);
			return -EINVAL;
		}
		o->engine = arg;
		return 0;
	case 'B':
		return check_once(&o->baseline, arg, "--baseline");
	case 'W':
		return check_once(&o->write_baseline, arg, "--write-baseline");
	case 'S':
		o->fail_stale = true;
		return 0;
	case 'X':
		if (o->n_exclude == CHECK_MAX_EXCLUDES) {
			log_error("at most %d --exclude options; use a broader GLOB", CHECK_MAX_EXCLUDES);
			return -EINVAL;
		}
		o->exclude[o->n_exclude++] = arg;
		return 0;
	case 'f':
	case 'V':
		return check_repeated(opt, arg, o);
	case 'r':
		o->render = true;
		return 0;
	case 'N':
		return cli__count("--max-nodes", arg, 1, MAX_NODES_CEILING, &o->max_nodes);
	case 'F':
		if (o->format_given)
			return check_twice("--format");
		if (check_format__parse(arg, &o->format)) {
			check_say(log_error, "--format takes text, json, sarif, junit or github, not '%s'",
				  arg);
			return -EINVAL;
		}
		o->format_given = true;
		return 0;
	}
	return check_bad_option(opt, arg);
}

/* The arguments that are not options, in order: getopt moved them after the
 * options.  After "--" each is one, even one that looks like an option. */
static int check_finish(int n, char **rest, void *ctx)
{
	struct check_opts *o = ctx;

	if (o->allow && o->allowlist) {
		log_error("give --allow or --allowlist, not both");
		return -EINVAL;
	}
	if (o->baseline && o->write_baseline) {
		log_error("give --baseline or --write-baseline, not both; to regenerate a baseline, "
			  "run --write-baseline alone");
		return -EINVAL;
	}
	if (o->n_helm_values && !o->render) {
		log_error("--helm-values is for charts rendered with --render; add --render");
		return -EINVAL;
	}
	if (o->n_compose_files && o->engine) {
		log_error("-f takes Compose files; --engine podman reads images: give one or the other");
		return -EINVAL;
	}
	if (n == 0 && o->n_compose_files) {
		o->paths = rest;
		return 0;
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
	{ "format", required_argument, NULL, 'F' },
	{ "compose-file", required_argument, NULL, 'f' },
	{ "render", no_argument, NULL, 'r' },
	{ "helm-values", required_argument, NULL, 'V' },
	{ "baseline", required_argument, NULL, 'B' },
	{ "write-baseline", required_argument, NULL, 'W' },
	{ "exclude", required_argument, NULL, 'X' },
	{ "fail-stale", no_argument, NULL, 'S' },
	{ "max-nodes", required_argument, NULL, 'N' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* No "+": getopt permutes, so options may follow a PATH (check k8s/ --format json);
 * ":" first: check_bad_option words what getopt would print raw. */
static const struct cli_parser check_parser = {
	":hf:", check_options, check_option, NULL, check_finish,
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
	check_say(log_error, "%s", msg);
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
	else
		check_allowlist__expire(al, time(NULL));
	return al;
}

/*
 * Loads every path; problems with single files are logged, not fatal, and
 * kept in errs for the report (CI shows them next to the file).
 */
static int cmd_check__collect(const struct check_opts *o, struct check_inventory *inv,
			      struct strlist *errs)
{
	int rc = 0;

	for (int i = 0; i < o->n_paths && !rc; i++) {
		size_t before = inv->files, entries = inv->n, excluded = inv->exclude->paths.n;
		bool skip = false;

		if (!o->engine && strcmp(o->paths[i], "-"))
			rc = check_exclude__test(inv->exclude, o->paths[i], &skip);
		if (rc || skip)
			continue;
		if (o->engine)
			rc = check__collect_engine(inv, o->engine, o->paths[i], errs);
		else
			rc = check__collect_input(inv, o->paths[i], errs);
		if (!rc && inv->files == before && inv->n == entries && errs->n == 0 &&
		    inv->exclude->paths.n == excluded)
			check_say(log_warn, "%s: no *.yaml, *.yml or *.json files in it",
				  o->paths[i]);
	}
	if (!rc && o->n_compose_files)
		rc = check__collect_compose(inv, o->compose_files, o->n_compose_files, errs);
	for (size_t i = 0; i < errs->n; i++)
		cmd_check__problem(errs->v[i]);
	return rc;
}

/* Every path --exclude left out, so none is a silent hole in the check. */
static void cmd_check__excluded(const struct check_exclude *x)
{
	for (size_t i = 0; i < x->paths.n; i++)
		check_say(log_progress, "excluded: %s (--exclude %s)", x->paths.v[i], x->by.v[i]);
}

/*
 * The exceptions beyond the allowlist's own, in the order they decide
 * (the first that matches a finding does): the annotations, then the
 * baseline.  What is not honoured is said on stderr.  0; -EINVAL after
 * the message (a bad baseline, exit 2); -ENOMEM.
 */
static int cmd_check__exceptions(const struct check_opts *o, struct check_allowlist *al,
				 const struct check_inventory *inv)
{
	struct strlist notices = { 0 };
	char err[512] = "";
	int rc = check_inline__add_exceptions(al, inv, &notices);

	for (size_t i = 0; i < notices.n; i++)
		check_say(log_warn, "%s", notices.v[i]);
	strlist__clear(&notices);
	if (!rc && o->baseline) {
		rc = check_baseline__load(al, o->baseline, err, sizeof(err));
		if (rc && rc != -ENOMEM)
			cmd_check__problem(err);
	}
	return rc;
}

/* --write-baseline: only from a complete check; a partial one would hide files. */
static int cmd_check__write_baseline(const struct check_opts *o, const struct check_report *r)
{
	struct check_baseline_counts counts;
	int rc;

	if (r->errors) {
		check_say(log_error, "not writing %s: %zu %s could not be checked; fix them first",
			  o->write_baseline, r->errors, r->errors == 1 ? "input" : "inputs");
		return EXIT_USAGE;
	}
	rc = check_baseline__write(r, o->write_baseline, time(NULL), &counts);
	if (rc) {
		check_say(log_error, "cannot write %s: %s", o->write_baseline, strerror(-rc));
		return EXIT_USAGE;
	}
	check_say(log_progress, "recorded %zu %s in %s", counts.recorded,
		     counts.recorded == 1 ? "violation" : "violations", o->write_baseline);
	if (counts.expired)
		log_warn("%zu %s not recorded: an allowlist exception for it expired, and a "
			 "baseline does not renew a review; renew or remove the exception",
			 counts.expired, counts.expired == 1 ? "finding is" : "findings are");
	return EXIT_OK;
}

static int cmd_check__verdict(const struct check_opts *o, const struct check_report *r)
{
	if (o->write_baseline)
		return cmd_check__write_baseline(o, r);
	if (check_report__write(r, o->format, stdout)) {
		log_error("cannot write the report: %s", strerror(errno));
		return EXIT_USAGE;
	}
	if (r->errors)
		return EXIT_USAGE;
	return r->n_failing || (o->fail_stale && r->n_stale) ? EXIT_FAIL : EXIT_OK;
}

static int cmd_check__run(const struct check_opts *o)
{
	struct check_exclude exclude = { .globs = o->exclude, .n = o->n_exclude };
	struct check_render render = { o->render, o->helm_values, o->n_helm_values };
	struct check_inventory inv = { .exclude = &exclude, .render = &render,
					.max_nodes = (size_t)o->max_nodes };
	struct check_report report = { 0 };
	struct check_allowlist *al = NULL;
	struct strlist problems = { 0 };
	int rc = EXIT_USAGE, err;

	al = cmd_check__allowlist(o);
	if (!al)
		goto cleanup;
	err = cmd_check__collect(o, &inv, &problems);
	cmd_check__excluded(&exclude);
	if (!err)
		err = cmd_check__exceptions(o, al, &inv);
	if (!err)
		err = check__evaluate(&inv, al, &report);
	if (err) {
		if (err == -ENOMEM)
			log_error("out of memory");
		goto cleanup;
	}
	report.errors = problems.n;
	report.problems = &problems;
	rc = cmd_check__verdict(o, &report);
cleanup:
	check_report__clear(&report);
	check_inventory__clear(&inv);
	check_exclude__clear(&exclude);
	check_allowlist__free(al);
	strlist__clear(&problems);
	return rc;
}

int do_check(int argc, char **argv)
{
	struct check_opts o;
	int code = cli__parsed(cmd_check__parse(argc, argv, &o), &o.help, check_usage);

	return code >= 0 ? code : cmd_check__run(&o);
}
