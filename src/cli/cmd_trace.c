// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/clock.h"
#include "capdiet/core/proc.h"
#include "capdiet/observe/classify.h"
#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/observe/launch.h"
#include "capdiet/core/user.h"
#include "capdiet/core/log.h"
#include "capdiet/core/outfile.h"
#include "capdiet/profile/output.h"
#include "capdiet/observe/record.h"
#include "capdiet/core/timing.h"

#define STOP_GRACE_MS 3000

/* The signal that asked capdiet to stop, once one arrived. */
static int stop_signal;

static bool stop_requested(void)
{
	int sig = launch__take_signal(NULL);

	if (sig)
		stop_signal = sig;
	return stop_signal != 0;
}

static void trace_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet trace [options] -- CMD [ARGS...]\n"
		"       capdiet trace [options] --pid PID | --cgroup PATH\n\n"
		"Runs CMD once with exactly the given capabilities (default: none, as\n"
		"docker run --cap-drop=ALL) and prints every capability check it made:\n"
		"capability, verdict, class, count, syscall, executable, kernel call site\n"
		"and path.  Exits with CMD's status (127 when CMD is not found).\n\n"
		"  -c, --caps LIST       capabilities to keep: NONE (default), ALL, or a\n"
		"                        comma list (chown,CAP_NET_BIND_SERVICE)\n"
		"  -u, --user USER[:GROUP]  run CMD as USER, holding the set as ambient\n"
		"  -a, --attach METHOD   auto (default), tp_btf, tracepoint, fexit, kprobe\n"
		"  -p, --pid PID         observe a running process and its descendants\n"
		"  -g, --cgroup PATH     observe every process in a cgroup v2 directory\n"
		"  -d, --duration SECS   with --pid/--cgroup: stop after SECS (default: until\n"
		"                        the process exits, or Ctrl-C)\n"
		"  -j, --json            print JSON instead of a table\n"
		"  -o, --output FILE     write the result to FILE (whole, when the trace\n"
		"                        ends) instead of stdout, which CMD shares\n"
		"  -l, --live            also print each decision when first seen (stderr)\n"
		"      --allow-new-privs do not set no_new_privs for CMD\n"
		"      --max-entries N   size of the in-kernel aggregation maps\n"
		"  -v, --verbose         say which attach method was chosen and why\n"
		"  -h, --help            this help\n");
}

static void on_first_seen(const struct observation *o, void *ctx)
{
	struct observation copy = *o;

	(void)ctx;
	classify__one(&copy, NULL, 0);
	output__live_line(&copy, stderr);
}

static int trace_option(int opt, const char *arg, void *ctx)
{
	struct trace_opts *o = ctx;
	long num;

	switch (opt) {
	case 'c': return cli__caps("--caps", arg, &o->caps);
	case 'u': o->user = arg; return 0;
	case 'j': o->json = true; return 0;
	case 'o': o->output = arg; return 0;
	case 'l': o->live = true; return 0;
	case 'v': o->verbose++; return 0;
	case 'g': o->cgroup = arg; return 0;
	case 'N': o->allow_new_privs = true; return 0;
	case 'h': o->help = true; return CLI_STOP;
	case 'a': return cli__attach(arg, &o->rec.method);
	case 'd': return cli__seconds("--duration", arg, &o->duration);
	case 'M': return cli__max_entries(arg, &o->rec.max_entries);
	case 'p':
		if (cli__count("--pid", arg, 1, INT32_MAX, &num))
			return -EINVAL;
		o->pid = (pid_t)num;
		return 0;
	}
	return -EINVAL; /* getopt has said what is wrong */
}

static int trace_finish(int n, char **rest, void *ctx)
{
	struct trace_opts *o = ctx;

	(void)n; /* rest ends with NULL, as CMD's argv must */
	o->argv = rest;
	if (!!*o->argv + !!o->pid + !!o->cgroup != 1) {
		log_error("trace needs exactly one of: -- CMD [ARGS...], --pid PID, --cgroup PATH");
		return -EINVAL;
	}
	if (o->user && !*o->argv) {
		log_error("--user applies to a command capdiet starts, not to --pid/--cgroup");
		return -EINVAL;
	}
	return 0;
}

static const struct option trace_options[] = {
	{ "caps", required_argument, NULL, 'c' },
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, 'g' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "live", no_argument, NULL, 'l' },
	CLI_LAUNCH_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct cli_parser trace_parser = {
	"+c:u:a:p:g:d:jo:lvh", trace_options, trace_option, NULL, trace_finish,
};

int cmd_trace__parse(int argc, char **argv, struct trace_opts *o)
{
	*o = (struct trace_opts){ 0 };
	return cli__parse_options(&trace_parser, argc, argv, o);
}

/* Starts CMD under the recorder; a failure becomes CMD's exit status, as a
 * shell reports it: 127 not found, 126 cannot run. */
static int trace_start(const struct trace_opts *o, struct recorder *rec,
		       const struct user_spec *user, struct launch **l,
		       struct trace_summary *sum)
{
	struct launch_spec spec = {
		.argv = o->argv, .caps = o->caps, .user = user,
		.allow_new_privs = o->allow_new_privs,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
	};
	int err = launch__start(&spec, l);

	if (!err)
		err = recorder__track_exec(rec, launch__pid(*l));
	if (!err)
		err = launch__go(*l);
	if (!err) {
		timing__mark("CMD exec'd");
		return 0;
	}
	if (err == -ENOENT)
		log_error("%s: command not found", o->argv[0]);
	else
		log_error("cannot start %s: %s", o->argv[0], strerror(-err));
	sum->exit_status = err == -ENOENT ? 127 : 126;
	return err;
}

/* Records until CMD's whole tree is gone, or a stop signal. */
static void trace_follow(const struct trace_opts *o, struct recorder *rec, struct launch *l,
			 struct trace_summary *sum)
{
	bool exited = false;
	int status = 0;

	while (!stop_requested() && (!exited || launch__alive(l))) {
		recorder__poll(rec, o->live ? 50 : 0);
		if (exited) {
			usleep(50 * 1000);
			continue;
		}
		if (!launch__wait(l, 100, &status)) {
			exited = true;
			sum->exit_status = proc__exit_code(status);
		}
	}
	if (stop_signal) {
		sum->interrupted = true;
		if (!exited)
			sum->exit_status = 128 + stop_signal;
		log_warn("interrupted: stopping %s and printing what was recorded", o->argv[0]);
	}
}

/* Runs CMD, then stops whatever it left; what happened is in sum. */
static int trace_launch(struct trace_opts *o, struct recorder *rec,
			const struct user_spec *user, struct trace_summary *sum)
{
	struct launch *l = NULL;

	if (!trace_start(o, rec, user, &l, sum))
		trace_follow(o, rec, l, sum);
	if (l)
		launch__stop(l, STOP_GRACE_MS);
	launch__free(l);
	return 0;
}

/* --pid / --cgroup: observe until the process is gone, the duration ends,
 * or a stop signal. */
static int trace_observe(struct trace_opts *o, struct recorder *rec,
			 struct trace_summary *sum)
{
	double end = o->duration > 0 ? clock__now_s() + o->duration : 0;
	int err = o->pid ? recorder__track_pid(rec, o->pid) : 0;

	if (err) {
		log_error("cannot observe process %d: %s", o->pid,
			  err == -ENOENT ? "no such process" : strerror(-err));
		return err;
	}
	while (!stop_requested() && (!end || clock__now_s() < end)) {
		if (o->pid && kill(o->pid, 0) && errno == ESRCH)
			break;
		recorder__poll(rec, o->live ? 100 : 0);
		if (!o->live)
			usleep(100 * 1000);
	}
	sum->interrupted = stop_signal != 0;
	return 0;
}

struct trace_result {
	const struct trace_opts *o;
	const struct observations *obs;
	const struct trace_summary *sum;
};

static int trace_fill(FILE *out, void *ctx)
{
	const struct trace_result *r = ctx;

	return r->o->json ? output__json(r->obs, r->sum, out) : output__table(r->obs, out);
}

/*
 * The result is printed once, when the trace ends (--live lines go to
 * stderr as they come): so -o FILE is written as every output file is,
 * through a temporary file renamed over it, whole or not at all.
 */
static int trace_write(const struct trace_result *r)
{
	int err;

	if (!r->o->output)
		return trace_fill(stdout, (void *)r);
	err = outfile__write(r->o->output, trace_fill, (void *)r);
	if (err)
		log_error("cannot write %s: %s", r->o->output, err == -ELOOP ?
			  "it is a symlink; remove it or choose another path" : strerror(-err));
	return err;
}

static int print_result(struct trace_opts *o, struct recorder *rec,
			struct trace_summary *sum)
{
	struct observations obs = { 0 };
	struct trace_result result = { o, &obs, sum };
	int err = recorder__collect(rec, &obs);
	uint64_t lost;

	if (err)
		goto cleanup;
	classify__all(&obs, recorder__ksyms(rec));
	output__sort(&obs);
	lost = observations__lost(&obs);
	if (lost)
		log_warn("%llu capability decisions could not be recorded (in-kernel "
			 "maps full): this result is incomplete; raise --max-entries",
			 (unsigned long long)lost);
	err = trace_write(&result);
cleanup:
	observations__clear(&obs);
	return err;
}

/* What the recorder needs to know of the command line. */
static void trace_setup(struct trace_opts *o)
{
	o->rec.cgroup_path = o->cgroup;
	/* Holding all it can be given, CMD's denials cannot be acted on. */
	o->rec.untracked_outcomes = *o->argv && o->caps &&
				    !(launch__available_caps() & ~o->caps);
	if (o->rec.untracked_outcomes)
		log_info("every capability capdiet can give is granted: syscall outcomes "
			 "of denied checks are not tracked");
	if (o->live)
		o->rec.on_first_seen = on_first_seen;
}

/* Records CMD, the process or the cgroup and prints what it did: the exit code. */
static int trace_record(struct trace_opts *o, const struct user_spec *user)
{
	struct trace_summary sum = { .argv = o->argv, .caps = o->caps };
	struct recorder *rec;
	int ret = EXIT_FAIL;

	launch__catch_signals();
	rec = recorder__open(&o->rec);
	if (!rec)
		goto cleanup;
	timing__mark("recorder attached");
	sum.attach = attach__name(recorder__method(rec));
	if (*o->argv ? trace_launch(o, rec, user, &sum) : trace_observe(o, rec, &sum))
		goto cleanup;
	if (o->live)
		recorder__poll(rec, 0); /* what the last moments added */
	timing__mark("CMD finished");
	if (print_result(o, rec, &sum))
		goto cleanup;
	timing__mark("result printed");
	ret = *o->argv ? sum.exit_status : EXIT_OK;
cleanup:
	recorder__free(rec);
	timing__mark("recorder detached");
	return ret;
}

/* -o FILE can be written: checked before CMD runs, not found out after. */
static int trace_output_ok(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	if (access(dir, W_OK | X_OK)) {
		log_error("--output %s: cannot write in %s: %s", path, dir, strerror(errno));
		return EXIT_USAGE;
	}
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		log_error("--output %s: %s; give a file's name", path, S_ISLNK(st.st_mode) ?
			  "a symlink, which capdiet does not follow" : "not a regular file");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int do_trace(int argc, char **argv)
{
	struct trace_opts o;
	struct user_spec *user = NULL;
	int code = cli__parsed(cmd_trace__parse(argc, argv, &o), &o.help, trace_usage);

	if (code >= 0)
		return code;
	while (o.verbose-- > 0)
		cli__more_verbose();
	timing__mark("options parsed");
	if (o.output && (code = trace_output_ok(o.output)))
		return code;
	if (o.user && (code = cli__user(o.user, &user)))
		return code;
	code = *o.argv ? cli__fit_caps(&o.caps) : EXIT_OK;
	if (code == EXIT_OK) {
		trace_setup(&o);
		code = trace_record(&o, user);
	}
	user_spec__free(user);
	return code;
}
