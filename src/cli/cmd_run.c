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
#include "capdiet/core/clock.h"
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
		"usage: capdiet run [options] -- CMD [ARGS...]\n\n"
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
	case 'u': o->user = arg; return 0;
	case 'n': o->name = arg; return 0;
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
	}
	return -EINVAL; /* getopt has said what is wrong */
}

static int run_finish(int n, char **rest, void *ctx)
{
	struct run_opts *o = ctx;

	o->env.argv = rest;
	if (n > 0)
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

static int explain_failure(const struct run_opts *o, const struct learn_result *res)
{
	switch (res->stop) {
	case LEARN_BASELINE_FAILS:
		print_tail(res->last.stderr_tail);
		log_error("%s fails even with every capability capdiet holds (%s): this is "
			  "not a capability problem", o->env.argv[0], res->last.detail);
		print_denials(&res->last.obs);
		return EXIT_FAIL;
	case LEARN_NOT_FOUND:
		log_error("%s; check the command and its path", res->last.detail);
		return EXIT_FAIL;
	case LEARN_INTERRUPTED:
		log_error("interrupted: every process of the trial was stopped; no profile written");
		return EXIT_INTERRUPTED;
	default:
		return EXIT_OK;
	}
}

static int fill_metadata(struct profile *p, const struct run_opts *o, struct recorder *rec)
{
	char date[32], *base = strdup(o->env.argv[0]);
	struct utsname u;
	time_t now = time(NULL);
	int err = 0;

	if (!base)
		return -ENOMEM;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	uname(&u);
	p->name = strdup(o->name ? o->name : basename(base));
	p->probe = o->env.probe ? strdup(o->env.probe) : NULL;
	p->user = o->user ? strdup(o->user) : NULL;
	p->kernel = strdup(u.release);
	p->capdiet_version = strdup(CAPDIET_VERSION);
	p->date = strdup(date);
	p->attach = strdup(attach__name(recorder__method(rec)));
	for (char **a = o->env.argv; *a && !err; a++)
		err = strlist__add(&p->command, *a);
	free(base);
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
		.available = launch__available_caps(), .run = trial__run,
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
	if (o.user && (err = cli__user(o.user, &user)))
		return err;
	o.env.user = user;
	o.env.timeout_ms = (int)(o.timeout * 1000);
	o.env.grace_ms = (int)(o.grace * 1000);
	o.env.settle_ms = 300;
	launch__catch_signals();
	rec = recorder__open(&o.rec);
	if (rec)
		ret = learn_and_write(&o, rec);
	recorder__free(rec);
	user_spec__free(user);
	return ret;
}
