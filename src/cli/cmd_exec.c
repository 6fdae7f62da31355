// SPDX-License-Identifier: MIT
/*
 * capdiet exec: a production launcher for hosts without a container
 * runtime.  Runs a command with exactly one capability set and exits with
 * its status.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capdiet/core/caps.h"
#include "capdiet/cli/cli.h"
#include "capdiet/profile/profile.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/observe/launch.h"
#include "capdiet/core/log.h"
#include "capdiet/core/user.h"

#define EXEC_STOP_GRACE_MS 5000

/* What the command line asks for; a --profile option would fill the same. */
struct exec_opts {
	capset_t caps;
	bool caps_given;
	const char *profile;   /* --profile FILE: its set and user */
	const char *user;      /* NULL: root */
	bool allow_new_privs;
	char **argv;
};

static void exec_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet exec [--caps LIST | --profile FILE] [--user USER[:GROUP]]\n"
		"                    [--allow-new-privs] -- CMD [ARGS...]\n\n"
		"Runs CMD with exactly the capability set LIST (bounding, permitted,\n"
		"effective, inheritable and ambient), as `docker run --cap-drop=ALL\n"
		"--cap-add=...` would, with no_new_privs set.  Its whole process tree,\n"
		"daemons included, is stopped when CMD exits or capdiet is killed.\n\n"
		"  -c, --caps LIST        comma-separated names (NET_BIND_SERVICE, CAP_CHOWN)\n"
		"                         or ALL; default: none\n"
		"  -p, --profile FILE     the minimum set (and user) of a capdiet profile\n"
		"  -u, --user U           USER, USER:GROUP, UID or UID:GID; default: root\n"
		"      --allow-new-privs  do not set no_new_privs (setuid binaries work)\n"
		"  -h, --help             this text\n\n"
		"SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to CMD.\n"
		"exit status: CMD's; 128+N when a signal N killed it; 127 when CMD is not\n"
		"found, 126 when it cannot be run; 2 for bad options; 1 when capdiet fails.\n"
		"Needs root.\n");
}

/* Returns -1 to go on, or the exit code when done (help, bad options). */
static int exec__parse_args(int argc, char **argv, struct exec_opts *o)
{
	static const struct option options[] = {
		{ "caps", required_argument, NULL, 'c' },
		{ "profile", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "allow-new-privs", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+c:p:u:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (cli__caps("--caps", optarg, &o->caps))
				return EXIT_USAGE;
			o->caps_given = true;
			break;
		case 'p':
			o->profile = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'N':
			o->allow_new_privs = true;
			break;
		case 'h':
			exec_usage(stdout);
			return EXIT_OK;
		default:
			log_error("see 'capdiet exec --help' for the options");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		log_error("exec needs a command: capdiet exec [--caps LIST] -- CMD [ARGS...]");
		return EXIT_USAGE;
	}
	if (o->caps_given && o->profile) {
		log_error("give either --caps or --profile, not both");
		return EXIT_USAGE;
	}
	o->argv = argv + optind;
	return -1;
}

static void exec__report_go_error(const char *cmd, int err)
{
	if (err == -ENOENT)
		log_error("%s: command not found", cmd);
	else if (err == -EPERM && geteuid() != 0)
		log_error("cannot apply the capability set to %s: %s (capdiet exec needs root)",
			  cmd, strerror(-err));
	else
		log_error("cannot run %s: %s", cmd, strerror(-err));
}

static int exec__exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAIL;
}

/* Passes signals on until the command exits, then stops what it left. */
static int exec__supervise(struct launch *l)
{
	int status = 0, err, sig;
	bool from_terminal = false;

	while ((err = launch__wait(l, -1, &status)) == -EINTR)
		while ((sig = launch__take_signal(&from_terminal)) > 0)
			launch__forward_signal(l, sig, from_terminal);
	if (err)
		log_error("waiting for the command: %s", strerror(-err));
	if (launch__alive(l))
		log_info("the command left processes running; stopping them");
	if (launch__stop(l, EXEC_STOP_GRACE_MS) != 0)
		log_warn("some processes of the command's tree did not stop");
	return err ? EXIT_FAIL : exec__exit_code(status);
}

static int exec__run(const struct exec_opts *o, const struct user_spec *user)
{
	struct launch_spec spec = {
		.argv = o->argv,
		.caps = o->caps,
		.user = user,
		.allow_new_privs = o->allow_new_privs,
		.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
	};
	struct launch *l = NULL;
	int err, code;

	err = launch__catch_signals();
	if (err)
		log_warn("signals will not reach the command: %s", strerror(-err));
	err = launch__start(&spec, &l);
	if (err) {
		log_error("cannot start %s: %s", o->argv[0], strerror(-err));
		return EXIT_FAIL;
	}
	err = launch__go(l);
	if (err)
		exec__report_go_error(o->argv[0], err);
	code = exec__supervise(l);
	launch__free(l);
	return code;
}

/* --profile: the profile's set, and its user unless --user says otherwise. */
static int exec__load_profile(struct exec_opts *o, struct profile **p)
{
	char err[512] = "";

	*p = profile__load(o->profile, err, sizeof(err));
	if (!*p) {
		log_error("%s", err[0] ? err : strerror(errno));
		return EXIT_USAGE;
	}
	if (!(*p)->complete || (*p)->degraded)
		log_warn("%s is %s: its set may be short of what the service needs",
			 o->profile, (*p)->degraded ? "degraded" : "incomplete");
	o->caps = (*p)->caps;
	if (!o->user)
		o->user = (*p)->user;
	return EXIT_OK;
}

static int exec__with_profile(struct exec_opts *o, struct user_spec **user)
{
	int code;

	if ((code = cli__fit_caps(&o->caps)) != EXIT_OK)
		return code;
	if (o->user && (code = cli__user(o->user, user)) != EXIT_OK)
		return code;
	return exec__run(o, *user);
}

int do_exec(int argc, char **argv)
{
	struct exec_opts o = { 0 };
	struct user_spec *user = NULL;
	struct profile *profile = NULL;
	int code = exec__parse_args(argc, argv, &o);

	if (code >= 0)
		return code;
	if (o.profile && (code = exec__load_profile(&o, &profile)) != EXIT_OK)
		return code;
	code = exec__with_profile(&o, &user);
	profile__free(profile);
	user_spec__free(user);
	return code;
}
