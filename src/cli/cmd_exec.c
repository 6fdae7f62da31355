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
#include <unistd.h>

#include "capdiet/core/caps.h"
#include "capdiet/cli/cli.h"
#include "capdiet/profile/profile.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/observe/launch.h"
#include "capdiet/core/log.h"
#include "capdiet/core/proc.h"
#include "capdiet/core/user.h"

#define EXEC_STOP_GRACE_MS 5000

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

static int exec_option(int opt, const char *arg, void *ctx)
{
	struct exec_opts *o = ctx;

	switch (opt) {
	case 'c':
		o->caps_given = true;
		return cli__caps("--caps", arg, &o->caps);
	case 'p':
		o->profile = arg;
		return 0;
	case 'u':
		o->user = arg;
		return 0;
	case 'N':
		o->allow_new_privs = true;
		return 0;
	case 'h':
		o->help = true;
		return CLI_STOP;
	}
	/* getopt has named the option; say where the right ones are. */
	log_error("see 'capdiet exec --help' for the options");
	return -EINVAL;
}

static int exec_finish(int n, char **rest, void *ctx)
{
	struct exec_opts *o = ctx;

	if (n == 0) {
		log_error("exec needs a command: capdiet exec [--caps LIST] -- CMD [ARGS...]");
		return -EINVAL;
	}
	if (o->caps_given && o->profile) {
		log_error("give either --caps or --profile, not both");
		return -EINVAL;
	}
	o->argv = rest;
	return 0;
}

static const struct option exec_options[] = {
	{ "caps", required_argument, NULL, 'c' },
	{ "profile", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ "allow-new-privs", no_argument, NULL, 'N' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct cli_parser exec_parser = {
	"+c:p:u:h", exec_options, exec_option, NULL, exec_finish,
};

int cmd_exec__parse(int argc, char **argv, struct exec_opts *o)
{
	*o = (struct exec_opts){ 0 };
	return cli__parse_options(&exec_parser, argc, argv, o);
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
	return err ? EXIT_FAIL : proc__exit_code(status);
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
	struct exec_opts o;
	struct user_spec *user = NULL;
	struct profile *profile = NULL;
	int code = cli__parsed(cmd_exec__parse(argc, argv, &o), &o.help, exec_usage);

	if (code >= 0)
		return code;
	if (o.profile && (code = exec__load_profile(&o, &profile)) != EXIT_OK)
		return code;
	code = exec__with_profile(&o, &user);
	profile__free(profile);
	user_spec__free(user);
	return code;
}
