// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"
#include "capdiet/core/outfile.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"
#include "capdiet/policy/export.h"

static void export_usage(FILE *out)
{
	fputs("usage: capdiet export --format FORMAT [options] PROFILE\n"
	      "       capdiet export --format kyverno|gatekeeper|psa --allowlist FILE [options]\n\n"
	      "Writes a profile's minimum capability set as runtime configuration, or a\n"
	      "profile or allowlist as a cluster admission policy (docs/policies.md).\n\n"
	      "  -f, --format FORMAT  one of:\n"
	      "                       docker, podman: run flags; compose: an override\n"
	      "                       file (-f base -f override); k8s: a strategic-merge\n"
	      "                       patch for kubectl patch; securitycontext: the\n"
	      "                       container's block alone; oci: process.capabilities;\n"
	      "                       systemd: a [Service] drop-in (named after the\n"
	      "                       profile's unit with run --unit); label: the\n"
	      "                       Containerfile LABEL io.containers.capabilities;\n"
	      "                       containers-conf: Podman's default_capabilities;\n"
	      "                       kyverno: a ClusterPolicy; gatekeeper: a\n"
	      "                       ConstraintTemplate and Constraint; psa: a Namespace\n"
	      "                       with Pod Security Admission labels\n"
	      "  -o, --output FILE    write FILE atomically instead of stdout\n"
	      "      --force          export an incomplete or degraded profile (the output\n"
	      "                       says so); without it such a profile is exit 2\n"
	      "      --container NAME k8s, securitycontext, compose: the container or\n"
	      "                       service (default: the profile's name)\n"
	      "      --kind KIND      k8s: the kind the patch is for (default Deployment;\n"
	      "                       StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,\n"
	      "                       ReplicationController, Pod)\n"
	      "      --allowlist FILE kyverno, gatekeeper, psa: export the allowlist's\n"
	      "                       default and its container exceptions, not a profile\n"
	      "      --namespace NS   kyverno, gatekeeper: only pods in NS; psa: the\n"
	      "                       namespace to label (required); default for an\n"
	      "                       observed profile: the namespace it was seen in\n"
	      "      --selector K=V   kyverno, gatekeeper: the pods with label K=V (default\n"
	      "                       for a profile: app.kubernetes.io/name=NAME; for an\n"
	      "                       allowlist: every pod; required for an observed\n"
	      "                       profile)\n"
	      "      --exclude-namespace NS  kyverno, gatekeeper: leave out the pods in NS\n"
	      "                       (repeatable); without --namespace, kube-system and\n"
	      "                       capdiet-system are left out too\n"
	      "      --no-default-excludes  match kube-system and capdiet-system as well\n"
	      "      --mutate         kyverno: also set drop [ALL] and the set on the pods\n"
	      "                       (with --allowlist only with --selector or --namespace)\n"
	      "      --audit          kyverno Audit, gatekeeper dryrun, psa warn and audit\n"
	      "                       only: report, do not refuse\n"
	      "      --bundle DIR     with --format oci: rewrite DIR/config.json\n"
	      "                       (atomically) with the set in all five lists of\n"
	      "                       process.capabilities, the rest unchanged\n"
	      "  -h, --help           show this help\n", out);
}

enum { OPT_BUNDLE = 'B', OPT_FORCE = 256, OPT_CONTAINER, OPT_KIND, OPT_ALLOWLIST,
       OPT_NAMESPACE, OPT_SELECTOR, OPT_MUTATE, OPT_AUDIT, OPT_EXCLUDE_NS,
       OPT_NO_DEFAULT_EXCLUDES };

static int export_exclude(struct export_options *o, const char *ns)
{
	if (o->n_exclude == EXPORT_MAX_EXCLUDES) {
		log_error("--exclude-namespace: at most %d namespaces", EXPORT_MAX_EXCLUDES);
		return -EINVAL;
	}
	o->exclude[o->n_exclude++] = ns;
	return 0;
}

static int export_option(int opt, const char *arg, void *ctx)
{
	struct export_opts *o = ctx;

	switch (opt) {
	case 'f': o->format_name = arg; return 0;
	case OPT_BUNDLE: o->bundle = arg; return 0;
	case OPT_FORCE: o->opts.force = true; return 0;
	case OPT_CONTAINER: o->opts.container = arg; return 0;
	case OPT_KIND: o->opts.kind = arg; return 0;
	case OPT_ALLOWLIST: o->allowlist = arg; return 0;
	case OPT_NAMESPACE: o->opts.namespace = arg; return 0;
	case OPT_SELECTOR: o->opts.selector = arg; return 0;
	case OPT_MUTATE: o->opts.mutate = true; return 0;
	case OPT_AUDIT: o->opts.audit = true; return 0;
	case OPT_EXCLUDE_NS: return export_exclude(&o->opts, arg);
	case OPT_NO_DEFAULT_EXCLUDES: o->opts.no_default_excludes = true; return 0;
	}
	return -EINVAL;
}

static int export_fill(FILE *out, const struct profile *p, const void *ctx)
{
	const struct export_opts *o = ctx;
	int err;

	if (o->bundle) {
		err = export__admit(p, &o->opts);
		return err ?: export__oci_bundle(p, o->bundle, out);
	}
	return export__write_with(p, o->format, &o->opts, out);
}

static const struct option export_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "bundle", required_argument, NULL, OPT_BUNDLE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "allowlist", required_argument, NULL, OPT_ALLOWLIST },
	{ "namespace", required_argument, NULL, OPT_NAMESPACE },
	{ "selector", required_argument, NULL, OPT_SELECTOR },
	{ "mutate", no_argument, NULL, OPT_MUTATE },
	{ "audit", no_argument, NULL, OPT_AUDIT },
	{ "exclude-namespace", required_argument, NULL, OPT_EXCLUDE_NS },
	{ "no-default-excludes", no_argument, NULL, OPT_NO_DEFAULT_EXCLUDES },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* An option given with a format it means nothing to: one line naming both. */
static int export_misplaced(const struct export_opts *o)
{
	enum export_format f = o->format;
	bool policy = export__is_policy(f);
	const char *bad = NULL;

	if (o->opts.mutate && f != EXPORT_KYVERNO)
		bad = "--mutate (kyverno only)";
	else if (o->opts.kind && f != EXPORT_K8S)
		bad = "--kind (k8s only)";
	else if ((o->opts.audit || o->opts.namespace || o->opts.selector) && !policy)
		bad = "--audit, --namespace and --selector (kyverno, gatekeeper, psa)";
	else if ((o->opts.n_exclude || o->opts.no_default_excludes) &&
		 f != EXPORT_KYVERNO && f != EXPORT_GATEKEEPER)
		bad = "--exclude-namespace and --no-default-excludes (kyverno, gatekeeper)";
	else if (o->opts.container && f != EXPORT_K8S && f != EXPORT_SECURITY_CONTEXT &&
		 f != EXPORT_COMPOSE)
		bad = "--container (k8s, securitycontext, compose)";
	else if (o->allowlist && !policy)
		bad = "--allowlist (kyverno, gatekeeper, psa)";
	if (!bad)
		return 0;
	log_error("%s does not go with --format %s", bad, o->format_name);
	return -EINVAL;
}

static int export_bundle_check(const struct profile_args *args, struct export_opts *o)
{
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

static int export_finish(const struct profile_args *args, void *ctx)
{
	struct export_opts *o = ctx;

	if (!o->format_name || !args->profile == !o->allowlist) {
		log_error("export needs --format FORMAT and a PROFILE (or, for kyverno, "
			  "gatekeeper and psa, --allowlist FILE instead), e.g. "
			  "'capdiet export --format docker nginx.yaml'");
		return -EINVAL;
	}
	if (export__parse_format(o->format_name, &o->format) != 0) {
		log_error("unknown format '%s'; use one of: %s", o->format_name,
			  export__format_names());
		return -EINVAL;
	}
	return export_misplaced(o) ?: export_bundle_check(args, o);
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

/* ---- --allowlist: no profile to load ---- */

struct export_allowlist_job {
	const struct export_opts *o;
	const struct check_allowlist *al;
};

static int export_allowlist_fill(FILE *out, void *ctx)
{
	const struct export_allowlist_job *job = ctx;

	return export__write_allowlist(job->al, job->o->allowlist, job->o->format,
				       &job->o->opts, out);
}

static int export_allowlist(const struct export_opts *o)
{
	struct export_allowlist_job job = { o, NULL };
	const char *output = o->args.output;
	struct check_allowlist *al;
	char err[512];
	int rc;

	al = check_allowlist__load(o->allowlist, err, sizeof(err));
	if (!al) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	/* An expired exception allows nothing, as in capdiet check. */
	check_allowlist__expire(al, time(NULL));
	job.al = al;
	rc = output ? outfile__write(output, export_allowlist_fill, &job)
		    : export_allowlist_fill(stdout, &job);
	if (!rc && !output && fflush(stdout) != 0)
		rc = -errno;
	check_allowlist__free(al);
	if (rc == -EBADMSG) /* said why */
		return EXIT_USAGE;
	if (rc)
		log_error("cannot write %s: %s", output ? output : "to stdout",
			  rc == -ELOOP ? "it is a symlink; remove it or choose another path"
				       : strerror(-rc));
	return rc ? EXIT_FAIL : EXIT_OK;
}

int do_export(int argc, char **argv)
{
	struct export_opts o;
	int code = cli__parsed(cmd_export__parse(argc, argv, &o), &o.args.help, export_usage);

	if (code >= 0)
		return code;
	if (o.allowlist)
		return export_allowlist(&o);
	if (o.bundle) {
		o.args.output = o.bundle_config;
		o.args.replace = true;
	}
	return cli__profile_run(&export_cmd, &o.args, &o);
}
