// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/core/caps.h"
#include "capdiet/observe/classify.h"
#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/observe/launch.h"
#include "capdiet/core/user.h"
#include "capdiet/core/log.h"
#include "capdiet/profile/output.h"
#include "capdiet/observe/record.h"
#include "capdiet/core/timing.h"

#define STOP_GRACE_MS 3000

struct trace_opts {
	capset_t caps;
	const char *user;
	bool json;
	bool live;
	bool allow_new_privs;
	pid_t pid;
	const char *cgroup;
	double duration;
	unsigned int max_entries;
	struct recorder_opts rec;
	char **argv;
};

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

static int parse_trace_option(int opt, struct trace_opts *o)
{
	long num;

	switch (opt) {
	case 'c': return cli__caps("--caps", optarg, &o->caps);
	case 'u': o->user = optarg; return 0;
	case 'j': o->json = true; return 0;
	case 'l': o->live = true; return 0;
	case 'v': cli__more_verbose(); return 0;
	case 'g': o->cgroup = optarg; return 0;
	case 'N': o->allow_new_privs = true; return 0;
	case 'a': return cli__attach(optarg, &o->rec.method);
	case 'p':
		if (cli__count("--pid", optarg, 1, INT32_MAX, &num))
			return -EINVAL;
		o->pid = (pid_t)num;
		return 0;
	case 'd': return cli__seconds("--duration", optarg, &o->duration);
	case 'M':
		if (cli__count("--max-entries", optarg, 16, 1 << 22, &num))
			return -EINVAL;
		o->max_entries = (unsigned int)num;
		return 0;
	}
	return -EINVAL;
}

static int parse_trace_args(int argc, char **argv, struct trace_opts *o)
{
	static const struct option options[] = {
		{ "caps", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "attach", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "live", no_argument, NULL, 'l' },
		{ "allow-new-privs", no_argument, NULL, 'N' },
		{ "max-entries", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+c:u:a:p:g:d:jlvh", options, NULL)) != -1) {
		if (opt == 'h') {
			trace_usage(stdout);
			return 1;
		}
		if (opt == '?' || parse_trace_option(opt, o))
			return -EINVAL;
	}
	o->argv = argv + optind;
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

static int shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAIL;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs CMD until its whole tree is gone, or a stop signal. */
static int trace_launch(struct trace_opts *o, struct recorder *rec,
			const struct user_spec *user, struct trace_summary *sum)
{
	struct launch_spec spec = {
		.argv = o->argv, .caps = o->caps, .user = user,
		.allow_new_privs = o->allow_new_privs,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
	};
	struct launch *l = NULL;
	int err, status = 0;
	bool exited = false;
	err = launch__start(&spec, &l);
	if (!err)
		err = recorder__track_exec(rec, launch__pid(l));
	if (!err)
		err = launch__go(l);
	if (!err)
		timing__mark("CMD exec'd");
	if (err == -ENOENT) {
		log_error("%s: command not found", o->argv[0]);
		sum->exit_status = 127;
		err = 0;
		goto cleanup;
	}
	if (err) {
		log_error("cannot start %s: %s", o->argv[0], strerror(-err));
		sum->exit_status = 126;
		err = 0;
		goto cleanup;
	}
	while (!stop_requested() && (!exited || launch__alive(l))) {
		recorder__poll(rec, o->live ? 50 : 0);
		if (exited) {
			usleep(50 * 1000);
			continue;
		}
		err = launch__wait(l, 100, &status);
		if (!err) {
			exited = true;
			sum->exit_status = shell_status(status);
		}
	}
	if (stop_signal) {
		sum->interrupted = true;
		if (!exited)
			sum->exit_status = 128 + stop_signal;
		log_warn("interrupted: stopping %s and printing what was recorded", o->argv[0]);
	}
	err = 0;
cleanup:
	if (l)
		launch__stop(l, STOP_GRACE_MS);
	launch__free(l);
	return err;
}

/* --pid / --cgroup: observe until the process is gone, the duration ends,
 * or a stop signal. */
static int trace_observe(struct trace_opts *o, struct recorder *rec,
			 struct trace_summary *sum)
{
	double end = o->duration > 0 ? now_seconds() + o->duration : 0;
	int err = o->pid ? recorder__track_pid(rec, o->pid) : 0;

	if (err) {
		log_error("cannot observe process %d: %s", o->pid,
			  err == -ENOENT ? "no such process" : strerror(-err));
		return err;
	}
	while (!stop_requested() && (!end || now_seconds() < end)) {
		if (o->pid && kill(o->pid, 0) && errno == ESRCH)
			break;
		recorder__poll(rec, o->live ? 100 : 0);
		if (!o->live)
			usleep(100 * 1000);
	}
	sum->interrupted = stop_signal != 0;
	return 0;
}

static int print_result(struct trace_opts *o, struct recorder *rec,
			struct trace_summary *sum)
{
	struct observations obs = { 0 };
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
	err = o->json ? output__json(&obs, sum, stdout) : output__table(&obs, stdout);
cleanup:
	observations__clear(&obs);
	return err;
}

int do_trace(int argc, char **argv)
{
	struct trace_opts o = { 0 };
	struct trace_summary sum = { 0 };
	struct user_spec *user = NULL;
	struct recorder *rec = NULL;
	int err, ret = EXIT_FAIL;

	err = parse_trace_args(argc, argv, &o);
	if (err)
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	timing__mark("options parsed");
	if (o.user && (err = cli__user(o.user, &user)))
		return err;
	if (*o.argv && (err = cli__fit_caps(&o.caps)))
		return err;
	o.rec.cgroup_path = o.cgroup;
	/* Holding all it can be given, CMD's denials cannot be acted on. */
	o.rec.untracked_outcomes = *o.argv && o.caps &&
				   !(launch__available_caps() & ~o.caps);
	if (o.rec.untracked_outcomes)
		log_info("every capability capdiet can give is granted: syscall outcomes "
			 "of denied checks are not tracked");
	o.rec.max_entries = o.max_entries;
	if (o.live)
		o.rec.on_first_seen = on_first_seen;
	launch__catch_signals();
	rec = recorder__open(&o.rec);
	if (!rec)
		goto cleanup;
	timing__mark("recorder attached");
	sum.argv = o.argv;
	sum.attach = attach__name(recorder__method(rec));
	sum.caps = o.caps;
	err = *o.argv ? trace_launch(&o, rec, user, &sum) : trace_observe(&o, rec, &sum);
	if (err)
		goto cleanup;
	if (o.live)
		recorder__poll(rec, 0); /* what the last moments added */
	timing__mark("CMD finished");
	if (print_result(&o, rec, &sum))
		goto cleanup;
	timing__mark("result printed");
	ret = *o.argv ? sum.exit_status : EXIT_OK;
cleanup:
	recorder__free(rec);
	timing__mark("recorder detached");
	user_spec__free(user);
	return ret;
}
