// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/cli/run_unit.h"
#include "capdiet/core/clock.h"
#include "capdiet/core/oci_config.h"
#include "capdiet/observe/launch.h"
#include "capdiet/learn/learn.h"
#include "capdiet/core/log.h"
#include "capdiet/profile/profile.h"
#include "capdiet/observe/record.h"
#include "capdiet/learn/trial.h"
#include "capdiet/core/user.h"

#define EXIT_INTERRUPTED 130

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet run [options] -- CMD [ARGS...]\n"
		"       capdiet run [options] --oci BUNDLE [--runtime RUNTIME]\n"
		"       capdiet run [options] --image IMAGE [--engine podman] [-- CMD [ARGS...]]\n"
		"       capdiet run [options] --unit FILE.service\n\n"
		"Finds the minimum capability set CMD needs.  Trial 0 runs it with every\n"
		"capability capdiet holds: the reference (does it work at all, how long it\n"
		"takes to be ready, who its processes run as).  Then from none (as docker\n"
		"run --cap-drop=ALL), each failing trial adds the capabilities whose denial\n"
		"made an operation fail; if that stalls, it starts from every capability\n"
		"the reference checked.  Each capability of the answer is then removed once\n"
		"to prove it is needed, and the answer is run once more.  A trial works when\n"
		"CMD exits 0 (or its probe passes) and its processes run as in the\n"
		"reference.  Writes the profile (YAML) to -o FILE or stdout; progress goes\n"
		"to stderr.\n\n"
		"  -p, --probe CMD        CMD is a service: it works when this shell command\n"
		"                         exits 0 while it runs (e.g. 'curl -sf http://127.0.0.1/')\n"
		"  -t, --timeout SECS     batch: time to exit 0; service: time for the probe\n"
		"                         to pass (default 10)\n"
		"      --no-minimize      keep the first working set found from none, without\n"
		"                         proving each capability needed (fewer trials)\n"
		"  -m, --minimize         prove each capability needed (the default)\n"
		"      --strict           every operation that failed for lack of a capability\n"
		"                         is a need, even when the service works without it\n"
		"  -b, --before-each CMD  shell command run before every trial, to reset state\n"
		"  -u, --user USER[:GROUP]  run CMD as USER, holding the set as ambient\n"
		"  -n, --name NAME        service name (default: CMD's base name)\n"
		"  -o, --output FILE      write the profile there (atomically)\n"
		"      --max-trials N     bound on the search up from none (default 10); the\n"
		"                         search down from the reference always ends\n"
		"      --grace SECS       SIGTERM to SIGKILL when stopping a trial (default 3)\n"
		"  -a, --attach METHOD    auto (default), tp_btf, tracepoint, fexit, kprobe\n"
		"      --allow-new-privs  do not set no_new_privs for CMD\n"
		"      --max-entries N    size of the in-kernel aggregation maps (a full map\n"
		"                         marks the profile incomplete)\n"
		"  -v, --verbose          more detail on stderr\n"
		"  -h, --help             this help\n\n"
		"      --unit FILE        a systemd service: its ExecStart=, User=/Group=,\n"
		"                         WorkingDirectory= (default /), environment (PATH,\n"
		"                         Environment=, EnvironmentFile=) and NoNewPrivileges=\n"
		"                         (new privileges allowed unless it says yes); every\n"
		"                         trial is held within its CapabilityBoundingSet=\n\n"
		"In a container (the probe runs on the host; stop: SIGTERM to the first\n"
		"process, SIGKILL after --grace; each trial's container is deleted after it):\n"
		"      --oci BUNDLE       run the bundle's config.json with an OCI runtime,\n"
		"                         process.capabilities (all five lists) set to the\n"
		"                         trial's set, in its own cgroup\n"
		"      --runtime RUNTIME  OCI runtime: runc (default), crun or a path; with\n"
		"                         --image, Podman's --runtime\n"
		"      --image IMAGE      a local image (never pulled), through Podman with\n"
		"                         --cap-drop=all --cap-add=..., host network; the\n"
		"                         image's entrypoint and user unless CMD/--user\n"
		"      --engine podman    the engine for --image (the only one)\n"
		"      --userns MODE      with --image: Podman's --userns (e.g.\n"
		"                         auto:uidmapping=0:300000:65536,gidmapping=...);\n"
		"                         checks in the container's own user namespace are\n"
		"                         marked, and the profile says it is namespaced\n\n"
		"exit status: 0 a working set was found, 1 it was not (or a failure),\n"
		"2 bad usage, 130 interrupted (no profile is written)\n");
}

static int run_option(int opt, const char *arg, void *ctx)
{
	struct run_opts *o = ctx;
	long n;

	switch (opt) {
	case 'p': o->env.probe = arg; return 0;
	case 'b': o->env.before_each = arg; return 0;
	case 'u':
		if (!user_spec__valid_text(arg)) {
			log_error("--user '%.64s': USER[:GROUP], each a number or a name of "
				  "letters, digits, . _ -", arg);
			return -EINVAL;
		}
		o->user = arg;
		return 0;
	case 'n':
		if (!profile__valid_name(arg)) {
			log_error("--name '%.64s': 1 to %d letters, digits and . _ - + @ : only",
				  arg, PROFILE_NAME_MAX);
			return -EINVAL;
		}
		o->name = arg;
		return 0;
	case 'o': o->output = arg; return 0;
	case 'm': o->minimize = true; return 0;
	case 'D': o->minimize = false; return 0;
	case 'S': o->strict = true; return 0;
	case 'N': o->env.allow_new_privs = true; return 0;
	case 'v': o->verbose++; return 0;
	case 'h': o->help = true; return CLI_STOP;
	case 't': return cli__seconds("--timeout", arg, &o->timeout);
	case 'g': return cli__seconds("--grace", arg, &o->grace);
	case 'T':
		if (cli__count("--max-trials", arg, 1, 100, &n))
			return -EINVAL;
		o->max_trials = (int)n;
		return 0;
	case 'M': return cli__max_entries(arg, &o->rec.max_entries);
	case 'a': return cli__attach(arg, &o->rec.method);
	case 'U': o->unit = arg; return 0;
	case 'O': o->container.bundle = arg; return 0;
	case 'I': o->container.image = arg; return 0;
	case 'R': o->container.runtime = arg; return 0;
	case 'Y': o->container.userns = arg; return 0;
	case 'E':
		if (strcmp(arg, "podman")) {
			log_error("--engine %s: podman is the only engine (an OCI bundle runs "
				  "with --oci BUNDLE --runtime runc|crun)", arg);
			return -EINVAL;
		}
		o->engine_given = true;
		return 0;
	}
	return -EINVAL; /* getopt has said what is wrong */
}

/* --oci, --image and what goes with them; 0 or -EINVAL after one line. */
static int run_check_container(struct run_opts *o, int n)
{
	const char *what = o->container.bundle ? "--oci" : "--image";

	if (o->container.bundle && o->container.image) {
		log_error("--oci and --image exclude each other: give one");
		return -EINVAL;
	}
	if ((o->engine_given || o->container.runtime) && !o->container.bundle &&
	    !o->container.image) {
		log_error("%s needs --oci BUNDLE or --image IMAGE",
			  o->engine_given ? "--engine" : "--runtime");
		return -EINVAL;
	}
	if (o->container.userns && !o->container.image) {
		log_error("--userns needs --image (a bundle sets its user namespace in "
			  "config.json)");
		return -EINVAL;
	}
	if (!o->container.bundle && !o->container.image)
		return 0;
	if (o->container.runtime && (strlen(o->container.runtime) > 200 ||
				     strpbrk(o->container.runtime, "'\n"))) {
		log_error("--runtime: a name or path of at most 200 bytes, without quotes");
		return -EINVAL;
	}
	if (o->container.bundle && (n > 0 || o->user)) {
		log_error("--oci runs the bundle's process (args, user): leave out %s and "
			  "edit config.json instead", n > 0 ? "-- CMD" : "--user");
		return -EINVAL;
	}
	if (o->env.allow_new_privs && o->container.bundle) {
		log_error("--allow-new-privs: with --oci, process.noNewPrivileges in "
			  "config.json decides");
		return -EINVAL;
	}
	o->container.engine = o->container.bundle ? LAUNCH_OCI : LAUNCH_PODMAN;
	o->container.user = o->container.image ? o->user : NULL;
	log_debug("%s: in a container", what);
	return 0;
}

static int run_finish(int n, char **rest, void *ctx)
{
	struct run_opts *o = ctx;

	o->env.argv = rest;
	if (run_check_container(o, n) || run_unit__check_options(o, n))
		return -EINVAL;
	if (n > 0 || o->container.engine || o->unit)
		return 0;
	log_error("run needs a command: capdiet run [options] -- CMD [ARGS...]");
	return -EINVAL;
}

static const struct option run_options[] = {
	{ "probe", required_argument, NULL, 'p' },
	{ "timeout", required_argument, NULL, 't' },
	{ "minimize", no_argument, NULL, 'm' },
	{ "no-minimize", no_argument, NULL, 'D' },
	{ "strict", no_argument, NULL, 'S' },
	{ "before-each", required_argument, NULL, 'b' },
	{ "name", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "max-trials", required_argument, NULL, 'T' },
	{ "grace", required_argument, NULL, 'g' },
	{ "unit", required_argument, NULL, 'U' },
	{ "oci", required_argument, NULL, 'O' },
	{ "image", required_argument, NULL, 'I' },
	{ "runtime", required_argument, NULL, 'R' },
	{ "engine", required_argument, NULL, 'E' },
	{ "userns", required_argument, NULL, 'Y' },
	CLI_LAUNCH_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct cli_parser run_parser = {
	"+p:t:mb:u:n:o:a:vh", run_options, run_option, NULL, run_finish,
};

int cmd_run__parse(int argc, char **argv, struct run_opts *o)
{
	*o = (struct run_opts){ .timeout = 10, .grace = 3, .max_trials = 10, .minimize = true };
	return cli__parse_options(&run_parser, argc, argv, o);
}

static void describe_new(const struct trial_result *res, capset_t new_required,
			 char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < res->obs.n && used < len; i++) {
		const struct observation *o = &res->obs.v[i];

		if (o->klass != OBS_REQUIRED || !caps__has(new_required, o->cap))
			continue;
		used += snprintf(buf + used, len - used, "%s%s (%s in %s)", used ? ", " : "",
				 caps__name(o->cap), o->syscall_name, o->exe);
		new_required &= ~CAPSET_BIT(o->cap);
	}
}

static void report_trial(const struct profile_trial *t, const struct trial_result *res,
			 const struct verdict *v, const char *phase, void *ctx)
{
	char *set = caps__format(t->caps, ",", false);
	char news[1024];
	bool why = !v->works && v->why[0] && strcmp(v->why, res->detail);

	(void)ctx;
	describe_new(res, v->candidates, news, sizeof(news));
	log_progress("trial %d (%s): [%s] %s (%s%s%s)%s%s  %.2f s", t->index, phase,
		     !strcmp(phase, "baseline") ? "every capability capdiet holds" :
		     set && *set ? set : "none", t->outcome, res->detail, why ? "; " : "",
		     why ? v->why : "", *news ? " - candidates: " : "", news, t->seconds);
	free(set);
}

static void print_tail(const char *tail)
{
	const char *p = tail;
	int lines = 0;

	for (const char *q = tail + strlen(tail); q > tail; q--)
		if (*q == '\n' && ++lines > 12) {
			p = q + 1;
			break;
		}
	if (*p)
		log_progress("--- last lines of %s's output ---\n%s%s---", "the command", p,
			     p[strlen(p) - 1] == '\n' ? "" : "\n");
}

static void print_denials(const struct observations *obs)
{
	for (size_t i = 0; i < obs->n; i++) {
		const struct observation *o = &obs->v[i];

		if (o->outcome == CD_OUT_GRANTED)
			continue;
		log_progress("  denied CAP_%s in %s by %s: %s (%s)", caps__name(o->cap),
			     o->syscall_name, o->exe, obs_class__name(o->klass), o->reason);
	}
}

/* What the user asked to run, for messages: the bundle, image or CMD. */
static const char *run_what(const struct run_opts *o)
{
	if (o->container.bundle)
		return o->container.bundle;
	return o->container.image ? o->container.image : o->env.argv[0];
}

static int explain_failure(const struct run_opts *o, const struct learn_result *res)
{
	switch (res->stop) {
	case LEARN_BASELINE_FAILS:
		print_tail(res->last.stderr_tail);
		log_error("%s fails even with every capability %s (%s)%s", run_what(o),
			  o->run_unit ? "its unit allows" : "capdiet holds", res->last.detail,
			  o->run_unit ? "" : ": this is not a capability problem");
		print_denials(&res->last.obs);
		return EXIT_FAIL;
	case LEARN_NOT_FOUND:
		if (o->container.engine)
			print_tail(res->last.stderr_tail);
		log_error("%s; check the %s", res->last.detail, o->container.bundle ?
			  "bundle's config.json" : o->container.image ? "image and CMD" :
			  "command and its path");
		return EXIT_FAIL;
	case LEARN_INTERRUPTED:
		log_error("interrupted: every process of the trial was stopped; no profile written");
		return EXIT_INTERRUPTED;
	default:
		return EXIT_OK;
	}
}

/* The profile's name by default: the bundle's directory, the image's name
 * without registry and tag, CMD's base name. */
static char *default_name(const struct run_opts *o)
{
	/* "--oci ." is named after the directory it is. */
	char *text = o->container.bundle ? realpath(o->container.bundle, NULL) :
					   strdup(run_what(o));
	char *name, *colon;

	if (!text)
		return NULL;
	while (strlen(text) > 1 && text[strlen(text) - 1] == '/')
		text[strlen(text) - 1] = '\0';
	name = strrchr(text, '/') ? strrchr(text, '/') + 1 : text;
	colon = o->container.image ? strchr(name, ':') : NULL;
	if (colon && colon != name)
		*colon = '\0';
	name = strdup(name);
	free(text);
	return name;
}

static int fill_container(struct profile *p, const struct run_opts *o)
{
	const struct launch_container *c = &o->container;

	if (!c->engine)
		return 0;
	p->runtime = strdup(c->engine == LAUNCH_PODMAN ? "podman" : c->runtime ? c->runtime : "runc");
	if (c->bundle)
		p->bundle = realpath(c->bundle, NULL);
	if (c->image)
		p->image = strdup(c->image);
	return !p->runtime || (c->bundle && !p->bundle) || (c->image && !p->image) ? -ENOMEM : 0;
}

/* --name, or one made from what runs, in the characters a profile holds. */
static char *profile_name(const struct run_opts *o)
{
	char *name = o->name ? strdup(o->name) : default_name(o), *clean;

	if (!name || profile__valid_name(name))
		return name;
	clean = profile__clean_name(name);
	free(name);
	return clean;
}

/* The bundle's, image's or unit's user as written, or --user. */
static int profile_user(const struct run_opts *o, char **out)
{
	const char *user = o->profile_user[0] ? o->profile_user : o->user;

	*out = NULL;
	if (!user)
		return 0;
	/* A unit's User= is read as written: the profile must be able to hold it. */
	if (!user_spec__valid_text(user)) {
		log_error("user '%.64s' cannot be written in a profile", user);
		return -EINVAL;
	}
	*out = strdup(user);
	return *out ? 0 : -ENOMEM;
}

static int fill_metadata(struct profile *p, const struct run_opts *o, struct recorder *rec)
{
	char date[32];
	struct utsname u;
	time_t now = time(NULL);
	int err = 0;

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	uname(&u);
	p->name = profile_name(o);
	p->probe = o->env.probe ? strdup(o->env.probe) : NULL;
	err = profile_user(o, &p->user);
	if (err)
		return err;
	p->kernel = strdup(u.release);
	p->capdiet_version = strdup(CAPDIET_VERSION);
	p->date = strdup(date);
	p->attach = strdup(attach__name(recorder__method(rec)));
	for (char **a = o->env.argv; !o->command.n && *a && !err; a++)
		err = strlist__add(&p->command, *a);
	for (size_t i = 0; i < o->command.n && !err; i++)
		err = strlist__add(&p->command, o->command.v[i]);
	if (!err)
		err = fill_container(p, o);
	if (!err)
		err = run_unit__fill_profile(o->run_unit, p);
	if (!err && (!p->name || !p->kernel || !p->capdiet_version || !p->date || !p->attach))
		err = -ENOMEM;
	return err;
}

static int write_profile(const struct profile *p, const char *output)
{
	int err = output ? profile__save(p, output) : profile__write(p, stdout);

	if (err)
		log_error("cannot write the profile%s%s: %s", output ? " to " : "",
			  output ? output : "", strerror(-err));
	return err;
}

static void summarize(const struct profile *p, const struct learn_result *res, double seconds)
{
	char *set = caps__format(p->caps, ",", false);

	log_progress("minimum set: %s  (%d trials, %.1f s%s%s)", set && *set ? set : "none",
		     res->trials, seconds, p->minimized && p->caps ? ", each capability proved needed" : "",
		     res->top_down ? ", found down from the reference" : "");
	for (size_t i = 0; i < p->failed_ops.n; i++)
		log_progress("  failed operation: %s", p->failed_ops.v[i]);
	if (p->untestable) {
		char *names = caps__format(p->untestable, ",", false);

		log_warn("denied %s, which capdiet itself does not hold here: it could not be "
			 "tested; the service worked without it", names ? names : "?");
		free(names);
	}
	if (p->namespaced)
		log_warn("the set is namespaced: its checks targeted the container's own user "
			 "namespace; a rootful deployment is another question (see the report)");
	if (res->flaky[0])
		log_warn("flaky: %s; the profile is marked flaky", res->flaky);
	if (p->lost)
		log_warn("%llu capability decisions could not be recorded: the profile is "
			 "marked incomplete", (unsigned long long)p->lost);
	free(set);
}

static int learn_and_write(struct run_opts *o, struct recorder *rec)
{
	struct learn_opts lo = {
		.max_trials = o->max_trials, .minimize = o->minimize, .strict = o->strict,
		.available = launch__available_caps() & run_unit__limit(o->run_unit),
		.run = trial__run,
		.report = report_trial, .ctx = &o->env,
	};
	struct profile *p = profile__new();
	struct learn_result res = { 0 };
	double t0, seconds = 0;
	int err, ret = EXIT_FAIL;

	if (!p)
		return EXIT_FAIL;
	t0 = clock__now_s();
	o->env.rec = rec;
	err = fill_metadata(p, o, rec);
	if (!err)
		err = learn__run(&lo, p, &res);
	if (err) {
		log_error("learning failed: %s", strerror(-err));
		goto cleanup;
	}
	seconds = clock__now_s() - t0;
	run_unit__report(o->run_unit, p, res.stop == LEARN_BASELINE_FAILS);
	ret = explain_failure(o, &res);
	if (ret != EXIT_OK)
		goto cleanup;
	p->complete = p->complete && !p->lost;
	summarize(p, &res, seconds);
	ret = write_profile(p, o->output) ? EXIT_FAIL : EXIT_OK;
cleanup:
	learn_result__clear(&res);
	profile__free(p);
	return ret;
}

static int bundle_command(struct run_opts *o, const struct oci_bundle *b)
{
	const struct ydoc_node *proc = ydoc__get(b->doc->docs[0].root, "process");
	const struct ydoc_node *args = ydoc__get(proc, "args");
	int err = 0;

	for (size_t i = 0; i < args->n && !err; i++) {
		if (!ydoc__text(args->items[i])) {
			log_error("%s:%d: process.args must be strings", b->path, args->items[i]->line);
			return -EINVAL;
		}
		err = strlist__add(&o->command, args->items[i]->value);
	}
	return err;
}

/* --oci: the bundle's process, for the profile; 0, or an exit code. */
static int prepare_bundle(struct run_opts *o)
{
	struct oci_bundle b;
	char err[512];
	int rc = oci_bundle__read(o->container.bundle, &b, err, sizeof(err));

	if (rc) {
		log_error("--oci %s: %s; a bundle is a directory with config.json (runc spec "
			  "writes one)", o->container.bundle, err);
		return rc == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	}
	rc = bundle_command(o, &b);
	if (!rc && (b.proc.uid || b.proc.gid))
		snprintf(o->profile_user, sizeof(o->profile_user), "%u:%u", b.proc.uid, b.proc.gid);
	if (!rc && b.proc.terminal)
		log_warn("%s: process.terminal is true; capdiet runs it without a terminal", b.path);
	oci_bundle__clear(&b);
	return rc == -ENOMEM ? EXIT_FAIL : rc ? EXIT_USAGE : 0;
}

/* --image: what the image runs and as whom, for the profile. */
static int prepare_image(struct run_opts *o)
{
	struct launch_image img;
	int err = launch__image_config(o->container.image, &img);
	bool own_cmd = o->env.argv[0] != NULL;

	if (err == -ENOENT) {
		log_error("image %s is not in Podman's local storage: podman load or podman "
			  "import it first (capdiet never pulls)", o->container.image);
		return EXIT_USAGE;
	}
	if (err) {
		log_error("podman cannot inspect image %s; is podman installed "
			  "(scripts/setup.sh)?", o->container.image);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < img.entrypoint.n && !err; i++)
		err = strlist__add(&o->command, img.entrypoint.v[i]);
	for (size_t i = 0; !own_cmd && i < img.cmd.n && !err; i++)
		err = strlist__add(&o->command, img.cmd.v[i]);
	for (char **a = o->env.argv; own_cmd && *a && !err; a++)
		err = strlist__add(&o->command, *a);
	if (!o->user && !user_spec__is_root(img.user)) {
		if (!user_spec__valid_text(img.user)) {
			log_error("image %s: its USER cannot be written in a profile; give --user",
				  o->container.image);
			launch_image__clear(&img);
			return EXIT_USAGE;
		}
		snprintf(o->profile_user, sizeof(o->profile_user), "%s", img.user);
	}
	launch_image__clear(&img);
	if (!err && !o->command.n) {
		log_error("image %s has no entrypoint or command: give one after --",
			  o->container.image);
		return EXIT_USAGE;
	}
	return err ? EXIT_FAIL : 0;
}

int do_run(int argc, char **argv)
{
	struct run_opts o;
	struct user_spec *user = NULL;
	struct recorder *rec = NULL;
	int err, ret = cli__parsed(cmd_run__parse(argc, argv, &o), &o.help, run_usage);

	if (ret >= 0)
		return ret;
	ret = EXIT_FAIL;
	while (o.verbose-- > 0)
		cli__more_verbose();
	if (o.unit && (ret = run_unit__prepare(&o)))
		goto cleanup;
	ret = EXIT_FAIL;
	/* An image's users are the image's, not this machine's. */
	if (o.user && !o.container.image && (err = cli__user(o.user, &user))) {
		ret = err;
		goto cleanup;
	}
	o.env.user = user;
	if (o.container.engine) {
		o.env.container = &o.container;
		ret = o.container.bundle ? prepare_bundle(&o) : prepare_image(&o);
		if (ret)
			goto cleanup;
		ret = EXIT_FAIL;
	}
	o.env.timeout_ms = (int)(o.timeout * 1000);
	o.env.grace_ms = (int)(o.grace * 1000);
	o.env.settle_ms = 300;
	launch__catch_signals();
	rec = recorder__open(&o.rec);
	if (rec)
		ret = learn_and_write(&o, rec);
	recorder__free(rec);
cleanup:
	strlist__clear(&o.command);
	user_spec__free(user);
	run_unit__free(o.run_unit);
	return ret;
}
