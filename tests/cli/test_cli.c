// SPDX-License-Identifier: MIT
/*
 * The subcommands' command lines, parsed without acting: what each option
 * fills in, bad options, missing values, options after an operand, --help,
 * and the one message each mistake prints on stderr.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/cli/cmd.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static char errbuf[4096];

/* Runs parse with stderr in errbuf; returns what it returned. */
#define PARSE(fn, argv, opts) parse_quietly((int (*)(int, char **, void *))(fn), \
					    ARGC(argv), argv, opts)

static int parse_quietly(int (*fn)(int, char **, void *), int argc, char **argv, void *opts)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	rc = fn(argc, argv, opts);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, tmp);
	errbuf[n] = '\0';
	fclose(tmp);
	return rc;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Failed with one stderr line holding needle (plus getopt's own, if any). */
static void failed_saying(int rc, const char *needle, int n_lines)
{
	assert_int_equal(rc, -EINVAL);
	if (!strstr(errbuf, needle))
		fail_msg("stderr '%s' does not say '%s'", errbuf, needle);
	assert_int_equal(lines(errbuf), n_lines);
}

static void test_check(void **state)
{
	char *ok[] = { "check", "--allow", "NET_BIND_SERVICE", "--format", "json", "k8s/", "x.yaml", NULL };
	char *after[] = { "check", "k8s/", "--format", "json", NULL };
	char *bad_format[] = { "check", "--format", "yaml", "k8s/", NULL };
	char *missing[] = { "check", "--allow", NULL };
	char *unknown[] = { "check", "--foo", "k8s/", NULL };
	char *none[] = { "check", "--format", "text", NULL };
	char *both[] = { "check", "--allow", "", "--allowlist", "a.yaml", "k8s/", NULL };
	char *help[] = { "check", "--help", "--foo", NULL };
	struct check_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_check__parse, ok, &o), 0);
	assert_string_equal(o.allow, "NET_BIND_SERVICE");
	assert_null(o.allowlist);
	assert_int_equal(o.format, CHECK_FORMAT_JSON);
	assert_false(o.help);
	assert_int_equal(o.n_paths, 2);
	assert_string_equal(o.paths[0], "k8s/");
	assert_string_equal(o.paths[1], "x.yaml");
	assert_string_equal(errbuf, "");
	/* An option after a PATH is an option (more in test_check_args.c). */
	assert_int_equal(PARSE(cmd_check__parse, after, &o), 0);
	assert_int_equal(o.format, CHECK_FORMAT_JSON);
	assert_int_equal(o.n_paths, 1);
	assert_string_equal(o.paths[0], "k8s/");
	failed_saying(PARSE(cmd_check__parse, bad_format, &o), "--format takes text, json, sarif, junit or github, not 'yaml'", 1);
	failed_saying(PARSE(cmd_check__parse, missing, &o), "see 'capdiet check --help'", 2);
	assert_non_null(strstr(errbuf, "'--allow' requires an argument"));
	failed_saying(PARSE(cmd_check__parse, unknown, &o), "see 'capdiet check --help'", 2);
	assert_non_null(strstr(errbuf, "unrecognized option '--foo'"));
	failed_saying(PARSE(cmd_check__parse, none, &o), "check needs a manifest file or directory", 1);
	failed_saying(PARSE(cmd_check__parse, both, &o), "give --allow or --allowlist, not both", 1);
	/* --help ends the parse: what follows is not looked at. */
	assert_int_equal(PARSE(cmd_check__parse, help, &o), 0);
	assert_true(o.help);
	assert_string_equal(errbuf, "");
}

static void test_exec(void **state)
{
	char *ok[] = { "exec", "-c", "chown,CAP_SETUID", "--user", "nobody:nogroup",
		       "--allow-new-privs", "--", "id", "-u", NULL };
	char *after[] = { "exec", "id", "-c", "CHOWN", NULL };
	char *profile[] = { "exec", "--profile", "nginx.yaml", "nginx", NULL };
	char *missing[] = { "exec", "-c", NULL };
	char *bad_caps[] = { "exec", "--caps", "CHOWNN", "--", "true", NULL };
	char *unknown[] = { "exec", "--bogus", "--", "true", NULL };
	char *both[] = { "exec", "-c", "CHOWN", "-p", "x.yaml", "--", "true", NULL };
	char *none[] = { "exec", "-c", "CHOWN", NULL };
	char *help[] = { "exec", "-h", "--bogus", NULL };
	struct exec_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_exec__parse, ok, &o), 0);
	assert_true(o.caps_given);
	assert_true(o.caps == (CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_SETUID)));
	assert_string_equal(o.user, "nobody:nogroup");
	assert_true(o.allow_new_privs);
	assert_string_equal(o.argv[0], "id");
	assert_string_equal(o.argv[1], "-u");
	assert_null(o.argv[2]);
	/* After CMD, options are CMD's. */
	assert_int_equal(PARSE(cmd_exec__parse, after, &o), 0);
	assert_false(o.caps_given);
	assert_string_equal(o.argv[1], "-c");
	assert_int_equal(PARSE(cmd_exec__parse, profile, &o), 0);
	assert_string_equal(o.profile, "nginx.yaml");
	assert_null(o.user);
	failed_saying(PARSE(cmd_exec__parse, missing, &o), "see 'capdiet exec --help'", 2);
	assert_non_null(strstr(errbuf, "option requires an argument -- 'c'"));
	failed_saying(PARSE(cmd_exec__parse, bad_caps, &o), "unknown capability 'CHOWNN'", 1);
	failed_saying(PARSE(cmd_exec__parse, unknown, &o), "see 'capdiet exec --help'", 2);
	failed_saying(PARSE(cmd_exec__parse, both, &o), "either --caps or --profile", 1);
	failed_saying(PARSE(cmd_exec__parse, none, &o), "exec needs a command", 1);
	assert_int_equal(PARSE(cmd_exec__parse, help, &o), 0);
	assert_true(o.help);
}

static void test_trace(void **state)
{
	char *ok[] = { "trace", "-c", "net_bind_service", "-j", "-l", "-v", "--verbose",
		       "--max-entries", "64", "--attach", "kprobe", "--user", "nobody",
		       "--allow-new-privs", "--", "ls", "-l", NULL };
	char *pid[] = { "trace", "--pid", "12", "--duration", "1.5", NULL };
	char *after[] = { "trace", "ls", "--json", NULL };
	char *two[] = { "trace", "--pid", "1", "--cgroup", "/sys/fs/cgroup/x", NULL };
	char *none[] = { "trace", "-j", NULL };
	char *user_pid[] = { "trace", "--user", "nobody", "--pid", "1", NULL };
	char *bad_pid[] = { "trace", "--pid", "abc", NULL };
	char *bad_entries[] = { "trace", "--max-entries", "3", "--", "true", NULL };
	char *bad_attach[] = { "trace", "--attach", "uprobe", "--", "true", NULL };
	char *missing[] = { "trace", "-c", NULL };
	char *unknown[] = { "trace", "--bogus", "--", "true", NULL };
	char *help[] = { "trace", "--help", NULL };
	struct trace_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_trace__parse, ok, &o), 0);
	assert_true(o.caps == CAPSET_BIT(CAP_NET_BIND_SERVICE));
	assert_true(o.json && o.live && o.allow_new_privs);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.rec.max_entries, 64);
	assert_int_equal(o.rec.method, ATTACH_KPROBE);
	assert_string_equal(o.user, "nobody");
	assert_string_equal(o.argv[0], "ls");
	assert_string_equal(o.argv[1], "-l");
	assert_int_equal(PARSE(cmd_trace__parse, pid, &o), 0);
	assert_int_equal(o.pid, 12);
	assert_true(o.duration > 1.49 && o.duration < 1.51);
	assert_null(o.argv[0]);
	assert_int_equal(PARSE(cmd_trace__parse, after, &o), 0);
	assert_false(o.json);
	assert_string_equal(o.argv[1], "--json");
	failed_saying(PARSE(cmd_trace__parse, two, &o), "exactly one of", 1);
	failed_saying(PARSE(cmd_trace__parse, none, &o), "exactly one of", 1);
	failed_saying(PARSE(cmd_trace__parse, user_pid, &o), "--user applies to a command", 1);
	failed_saying(PARSE(cmd_trace__parse, bad_pid, &o), "--pid needs a whole number", 1);
	failed_saying(PARSE(cmd_trace__parse, bad_entries, &o), "--max-entries needs a whole number", 1);
	failed_saying(PARSE(cmd_trace__parse, bad_attach, &o), "unknown --attach method 'uprobe'", 1);
	/* getopt's own line is the only one. */
	failed_saying(PARSE(cmd_trace__parse, missing, &o), "option requires an argument -- 'c'", 1);
	failed_saying(PARSE(cmd_trace__parse, unknown, &o), "unrecognized option '--bogus'", 1);
	assert_int_equal(PARSE(cmd_trace__parse, help, &o), 0);
	assert_true(o.help);
}

static void test_run(void **state)
{
	char *defaults[] = { "run", "--", "true", NULL };
	char *ok[] = { "run", "-p", "curl -sf http://127.0.0.1/", "-t", "2.5", "--max-trials", "5",
		       "-n", "web", "-o", "web.yaml", "-u", "www-data", "-b", "rm -f /tmp/x",
		       "--grace", "1", "--max-entries", "128", "-a", "fexit", "-v",
		       "nginx", "-g", "daemon off;", NULL };
	char *after[] = { "run", "sleep", "-t", "5", NULL };
	char *missing[] = { "run", "-t", NULL };
	char *bad_timeout[] = { "run", "-t", "abc", "--", "true", NULL };
	char *bad_trials[] = { "run", "--max-trials", "0", "--", "true", NULL };
	char *none[] = { "run", "-v", NULL };
	char *unknown[] = { "run", "--bogus", "--", "true", NULL };
	char *help[] = { "run", "-t", "3", "-h", "-t", "abc", NULL };
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_run__parse, defaults, &o), 0);
	assert_true(o.timeout == 10 && o.grace == 3);
	assert_int_equal(o.max_trials, 10);
	assert_true(o.minimize);
	assert_null(o.env.probe);
	assert_string_equal(o.env.argv[0], "true");
	assert_int_equal(PARSE(cmd_run__parse, ok, &o), 0);
	assert_string_equal(o.env.probe, "curl -sf http://127.0.0.1/");
	assert_true(o.timeout == 2.5 && o.grace == 1);
	assert_int_equal(o.max_trials, 5);
	assert_string_equal(o.name, "web");
	assert_string_equal(o.output, "web.yaml");
	assert_string_equal(o.user, "www-data");
	assert_string_equal(o.env.before_each, "rm -f /tmp/x");
	assert_int_equal(o.rec.max_entries, 128);
	assert_int_equal(o.rec.method, ATTACH_FEXIT);
	assert_int_equal(o.verbose, 1);
	assert_string_equal(o.env.argv[2], "daemon off;");
	assert_int_equal(PARSE(cmd_run__parse, after, &o), 0);
	assert_true(o.timeout == 10);
	assert_string_equal(o.env.argv[1], "-t");
	failed_saying(PARSE(cmd_run__parse, missing, &o), "option requires an argument -- 't'", 1);
	failed_saying(PARSE(cmd_run__parse, bad_timeout, &o), "--timeout needs a number of seconds", 1);
	failed_saying(PARSE(cmd_run__parse, bad_trials, &o), "--max-trials needs a whole number", 1);
	failed_saying(PARSE(cmd_run__parse, none, &o), "run needs a command", 1);
	failed_saying(PARSE(cmd_run__parse, unknown, &o), "unrecognized option '--bogus'", 1);
	assert_int_equal(PARSE(cmd_run__parse, help, &o), 0);
	assert_true(o.help);
}

/* --oci and --image: what goes with each, one line for what does not. */
static void test_run_containers(void **state)
{
	char *oci[] = { "run", "--oci", "/b", "--runtime", "crun", "-p", "true", NULL };
	char *image[] = { "run", "--image", "app:1", "--engine", "podman", "-u", "33",
			  "--userns", "auto", "--", "sh", "-c", "x", NULL };
	char *image_no_cmd[] = { "run", "--image", "app:1", NULL };
	char *both[] = { "run", "--oci", "/b", "--image", "app", NULL };
	char *oci_cmd[] = { "run", "--oci", "/b", "--", "true", NULL };
	char *oci_user[] = { "run", "--oci", "/b", "-u", "33", NULL };
	char *oci_userns[] = { "run", "--oci", "/b", "--userns", "auto", NULL };
	char *docker[] = { "run", "--image", "app", "--engine", "docker", NULL };
	char *runtime_alone[] = { "run", "--runtime", "runc", "--", "true", NULL };
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_run__parse, oci, &o), 0);
	assert_int_equal(o.container.engine, LAUNCH_OCI);
	assert_string_equal(o.container.bundle, "/b");
	assert_string_equal(o.container.runtime, "crun");
	assert_null(o.env.argv[0]);
	assert_int_equal(PARSE(cmd_run__parse, image, &o), 0);
	assert_int_equal(o.container.engine, LAUNCH_PODMAN);
	assert_string_equal(o.container.image, "app:1");
	assert_string_equal(o.container.user, "33");
	assert_string_equal(o.container.userns, "auto");
	assert_string_equal(o.env.argv[0], "sh");
	assert_int_equal(PARSE(cmd_run__parse, image_no_cmd, &o), 0);
	assert_null(o.env.argv[0]);
	failed_saying(PARSE(cmd_run__parse, both, &o), "--oci and --image exclude each other", 1);
	failed_saying(PARSE(cmd_run__parse, oci_cmd, &o), "leave out -- CMD", 1);
	failed_saying(PARSE(cmd_run__parse, oci_user, &o), "leave out --user", 1);
	failed_saying(PARSE(cmd_run__parse, oci_userns, &o), "--userns needs --image", 1);
	failed_saying(PARSE(cmd_run__parse, docker, &o), "podman is the only engine", 1);
	failed_saying(PARSE(cmd_run__parse, runtime_alone, &o), "--runtime needs --oci", 1);
}

/* --unit: the command and user are the unit's; what would contradict it
 * is a usage error. */
static void test_run_unit(void **state)
{
	char *ok[] = { "run", "--unit", "/etc/systemd/system/web.service", "-p", "true", NULL };
	char *cmd[] = { "run", "--unit", "web.service", "--", "true", NULL };
	char *user[] = { "run", "--unit", "web.service", "--user", "nobody", NULL };
	char *image[] = { "run", "--unit", "web.service", "--image", "app:1", NULL };
	char *missing[] = { "run", "--unit", NULL };
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_run__parse, ok, &o), 0);
	assert_string_equal(o.unit, "/etc/systemd/system/web.service");
	assert_null(o.env.argv[0]);
	assert_null(o.run_unit);
	failed_saying(PARSE(cmd_run__parse, cmd, &o), "--unit excludes -- CMD", 1);
	failed_saying(PARSE(cmd_run__parse, user, &o), "--unit excludes --user", 1);
	failed_saying(PARSE(cmd_run__parse, image, &o), "--unit excludes --image", 1);
	failed_saying(PARSE(cmd_run__parse, missing, &o), "option '--unit' requires an argument", 1);
}

static void test_export(void **state)
{
	char *ok[] = { "export", "--format", "docker", "nginx.yaml", NULL };
	char *after[] = { "export", "nginx.yaml", "-f", "kubernetes", "-o", "pod.yaml", NULL };
	char *missing[] = { "export", "nginx.yaml", "-f", NULL };
	char *unknown[] = { "export", "--fromat", "docker", "nginx.yaml", NULL };
	char *bad_format[] = { "export", "-f", "lxc", "nginx.yaml", NULL };
	char *no_format[] = { "export", "nginx.yaml", NULL };
	char *two[] = { "export", "-f", "docker", "a.yaml", "b.yaml", NULL };
	char *help[] = { "export", "a.yaml", "--help", "--bogus", NULL };
	struct export_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_export__parse, ok, &o), 0);
	assert_int_equal(o.format, EXPORT_DOCKER);
	assert_string_equal(o.args.profile, "nginx.yaml");
	assert_null(o.args.output);
	/* Options may follow PROFILE. */
	assert_int_equal(PARSE(cmd_export__parse, after, &o), 0);
	assert_int_equal(o.format, EXPORT_K8S);
	assert_string_equal(o.args.output, "pod.yaml");
	assert_string_equal(o.args.profile, "nginx.yaml");
	/* Its own one-line messages, none of getopt's. */
	failed_saying(PARSE(cmd_export__parse, missing, &o), "missing value for '-f'; see 'capdiet export --help'", 1);
	failed_saying(PARSE(cmd_export__parse, unknown, &o), "unknown option '--fromat'", 1);
	failed_saying(PARSE(cmd_export__parse, bad_format, &o), "unknown format 'lxc'", 1);
	failed_saying(PARSE(cmd_export__parse, no_format, &o), "export needs --format FORMAT and a PROFILE", 1);
	failed_saying(PARSE(cmd_export__parse, two, &o), "'b.yaml' is one too many", 1);
	assert_int_equal(PARSE(cmd_export__parse, help, &o), 0);
	assert_true(o.args.help);
}

static void test_report(void **state)
{
	char *ok[] = { "report", "nginx.yaml", "-o", "nginx.md", NULL };
	char *none[] = { "report", "-o", "x.md", NULL };
	char *missing[] = { "report", "nginx.yaml", "--output", NULL };
	char *unknown[] = { "report", "-x", "nginx.yaml", NULL };
	char *two[] = { "report", "a.yaml", "b.yaml", NULL };
	char *help[] = { "report", "-h", NULL };
	struct report_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_report__parse, ok, &o), 0);
	assert_string_equal(o.args.profile, "nginx.yaml");
	assert_string_equal(o.args.output, "nginx.md");
	failed_saying(PARSE(cmd_report__parse, none, &o), "report needs a PROFILE", 1);
	failed_saying(PARSE(cmd_report__parse, missing, &o), "missing value for '--output'", 1);
	failed_saying(PARSE(cmd_report__parse, unknown, &o), "unknown option '-x'", 1);
	failed_saying(PARSE(cmd_report__parse, two, &o), "report takes one PROFILE", 1);
	assert_int_equal(PARSE(cmd_report__parse, help, &o), 0);
	assert_true(o.args.help);
}

static void test_decode(void **state)
{
	char *ok[] = { "decode", "00000000a80425fb", NULL };
	char *after[] = { "decode", "3", "-h", NULL };
	char *bad[] = { "decode", "zz", NULL };
	char *none[] = { "decode", NULL };
	char *unknown[] = { "decode", "-x", NULL };
	char *help[] = { "decode", "--help", NULL };
	struct decode_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_decode__parse, ok, &o), 0);
	assert_true(o.set == caps__docker_default());
	/* An option after HEX is a second operand. */
	failed_saying(PARSE(cmd_decode__parse, after, &o), "decode takes one hex mask", 1);
	failed_saying(PARSE(cmd_decode__parse, bad, &o), "'zz' is not a hex capability mask", 1);
	failed_saying(PARSE(cmd_decode__parse, none, &o), "decode takes one hex mask", 1);
	/* getopt's line, then the usage. */
	failed_saying(PARSE(cmd_decode__parse, unknown, &o), "usage: capdiet decode HEX", 5);
	assert_int_equal(PARSE(cmd_decode__parse, help, &o), 0);
	assert_true(o.help);
}

static void test_inspect(void **state)
{
	char *ok[] = { "inspect", "1234", NULL };
	char *after[] = { "inspect", "1", "-h", NULL };
	char *bad[] = { "inspect", "12ab", NULL };
	char *zero[] = { "inspect", "0", NULL };
	char *none[] = { "inspect", NULL };
	char *unknown[] = { "inspect", "--pid", "1", NULL };
	char *help[] = { "inspect", "-h", NULL };
	struct inspect_opts o;

	(void)state;
	assert_int_equal(PARSE(cmd_inspect__parse, ok, &o), 0);
	assert_int_equal(o.pid, 1234);
	failed_saying(PARSE(cmd_inspect__parse, after, &o), "inspect takes one PID", 1);
	failed_saying(PARSE(cmd_inspect__parse, bad, &o), "'12ab' is not a process id", 1);
	failed_saying(PARSE(cmd_inspect__parse, zero, &o), "'0' is not a process id", 1);
	failed_saying(PARSE(cmd_inspect__parse, none, &o), "inspect takes one PID", 1);
	failed_saying(PARSE(cmd_inspect__parse, unknown, &o), "unrecognized option '--pid'", 1);
	assert_int_equal(PARSE(cmd_inspect__parse, help, &o), 0);
	assert_true(o.help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_run_containers),
		cmocka_unit_test(test_run_unit),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_inspect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
