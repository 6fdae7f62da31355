// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/core/unit_file.h"

static char err[512];

static struct unit_file *parse(const char *text)
{
	err[0] = '\0';
	return unit_file__parse(text, strlen(text), "web.service", err, sizeof(err));
}

/* Parsing text fails with errno e and a message holding want. */
static void parse_fails(const char *text, int e, const char *want)
{
	struct unit_file *u = parse(text);

	assert_null(u);
	assert_int_equal(errno, e);
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void assert_words(const struct strlist *l, const char *const *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->v[i], want[i]);
}

static void test_sections_and_comments(void **state)
{
	struct unit_file *u = parse("# a comment\n; another\n[Unit]\nDescription=x\n"
				    "ExecStart=/bin/false\n\n[Service]\n  Type = simple  \r\n"
				    "ExecStart=/bin/true\nUser=www-data\nGroup=web\n[Install]\n"
				    "User=nobody\n");

	(void)state;
	assert_non_null(u);
	assert_string_equal(u->path, "web.service");
	assert_string_equal(u->exec.v[0], "/bin/true");
	assert_int_equal(u->exec.n, 1);
	assert_int_equal(u->exec_line, 9);
	assert_string_equal(u->type, "simple");
	assert_string_equal(u->user, "www-data"); /* [Install]'s User= is not the service's */
	assert_string_equal(u->group, "web");
	assert_false(u->has_bounding);
	assert_true(u->bounding == caps__all());
	assert_false(u->no_new_privs);
	unit_file__free(u);
	unit_file__free(NULL);
}

static void test_quoting(void **state)
{
	static const char *const want[] = {
		"/bin/echo", "a b", "c d", "e f", "e\\ f", "x\"y", "A", "tab\there", "50%", ";",
		"mid quoted", "", "\\d", "\xc3\xa9",
	};
	struct unit_file *u = parse("[Service]\nExecStart=/bin/echo \"a b\" 'c d' e\\sf e\\ f "
				    "\"x\\\"y\" \\x41 tab\\there 50%% \\; mid\" \"quoted \"\" "
				    "\\d \\u00e9\n");

	(void)state;
	assert_non_null(u);
	assert_words(&u->exec, want, sizeof(want) / sizeof(want[0]));
	unit_file__free(u);
	parse_fails("[Service]\nExecStart=/bin/echo \"open\n", EINVAL, "web.service:2:");
	parse_fails("[Service]\nExecStart=/bin/echo \"open\n", EINVAL, "unbalanced quotes");
}

static void test_continuation(void **state)
{
	static const char *const want[] = { "/bin/echo", "one", "two", "three\\" };
	struct unit_file *u = parse("[Service]\nExecStart=/bin/echo one \\\n# a comment\n"
				    "; another\n   two \\\n three\\\\\nUser=daemon\n");

	(void)state;
	assert_non_null(u);
	assert_words(&u->exec, want, 4);
	assert_int_equal(u->exec_line, 2);
	assert_string_equal(u->user, "daemon"); /* an escaped backslash ends the line */
	unit_file__free(u);
	/* A last line with a backslash still counts. */
	u = parse("[Service]\nExecStart=/bin/true \\");
	assert_non_null(u);
	assert_int_equal(u->exec.n, 1);
	unit_file__free(u);
	/* A comment line is skipped whole, even with a last backslash; a blank
	 * line ends a continued one. */
	u = parse("[Service]\n# note \\\nExecStart=/bin/echo a \\\n\nUser=daemon\n");
	assert_non_null(u);
	assert_int_equal(u->exec.n, 2);
	assert_string_equal(u->user, "daemon");
	unit_file__free(u);
}

static void test_resets(void **state)
{
	struct unit_file *u = parse("[Service]\nExecStart=/bin/false\nExecStart=\n"
				    "ExecStart=/bin/true x\nEnvironment=A=1 B=2\nEnvironment=\n"
				    "Environment=C=3\nEnvironment=C=4\nUser=nobody\nUser=\n"
				    "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=\n"
				    "CapabilityBoundingSet=CAP_KILL\nCapabilityBoundingSet=CAP_SETUID\n"
				    "EnvironmentFile=/etc/a\nEnvironmentFile=\nEnvironmentFile=-/etc/b\n");
	static const char *const env[] = { "C=4" };
	static const char *const files[] = { "-/etc/b" };

	(void)state;
	assert_non_null(u);
	assert_string_equal(u->exec.v[0], "/bin/true");
	assert_int_equal(u->exec_line, 4);
	assert_words(&u->environment, env, 1);
	assert_words(&u->env_files, files, 1);
	assert_null(u->user);
	assert_true(u->has_bounding);
	assert_true(u->bounding == (CAPSET_BIT(CAP_KILL) | CAPSET_BIT(CAP_SETUID)));
	unit_file__free(u);
	/* An empty CapabilityBoundingSet= is a set: the empty one. */
	u = parse("[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=\n");
	assert_true(u->has_bounding);
	assert_true(u->bounding == 0);
	unit_file__free(u);
}

static void test_inverted_lists(void **state)
{
	capset_t all = caps__all();
	struct unit_file *u = parse("[Service]\nExecStart=/bin/true\n"
				    "CapabilityBoundingSet=~CAP_SYS_ADMIN cap_net_raw\n"
				    "CapabilityBoundingSet=~CAP_CHOWN\n"
				    "AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
				    "AmbientCapabilities=\"CAP_KILL\"\n");

	(void)state;
	assert_non_null(u);
	assert_true(u->bounding == (all & ~(CAPSET_BIT(CAP_SYS_ADMIN) | CAPSET_BIT(CAP_NET_RAW) |
					    CAPSET_BIT(CAP_CHOWN))));
	assert_true(u->ambient == (CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_KILL)));
	unit_file__free(u);
	u = parse("[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=CAP_KILL\n"
		  "CapabilityBoundingSet=~CAP_KILL\nAmbientCapabilities=~\n");
	assert_true(u->bounding == 0);
	assert_true(u->ambient == all); /* a lone ~: everything */
	unit_file__free(u);
	u = parse("[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=CAP_KILL\n"
		  "CapabilityBoundingSet=~\n");
	assert_true(u->bounding == all);
	unit_file__free(u);
}

/* The set a sequence of KEY= lines leaves, as systemd 252 reads them. */
static capset_t caps_after(const char *key, const char *const *values, size_t n)
{
	char text[4096];
	int len = snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n");
	struct unit_file *u;
	capset_t set;

	for (size_t i = 0; i < n; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "%s=%s\n", key, values[i]);
	assert_true(len > 0 && (size_t)len < sizeof(text));
	u = parse(text);
	assert_non_null(u);
	set = strcmp(key, "AmbientCapabilities") ? u->bounding : u->ambient;
	unit_file__free(u);
	return set;
}

#define BOUNDING(...) caps_after("CapabilityBoundingSet", (const char *const[]){ __VA_ARGS__ }, \
				 sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))
#define AMBIENT(...) caps_after("AmbientCapabilities", (const char *const[]){ __VA_ARGS__ }, \
				sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

/*
 * systemd replaces the set while it still equals its initial value (all 64
 * bits for the bounding set, none for ambient) and merges otherwise; `~`
 * sets the bits beyond the last capability too, so they count.
 */
static void test_capability_sequences(void **state)
{
	const capset_t all = caps__all(), chown = CAPSET_BIT(CAP_CHOWN);
	const capset_t kill = CAPSET_BIT(CAP_KILL);
	char *every = caps__format(all, " ", true), *not_every;

	(void)state;
	assert_non_null(every);
	assert_true(asprintf(&not_every, "~%s", every) > 0);
	/* ~ is systemd's initial value again: the next list replaces it. */
	assert_true(BOUNDING("~", "CAP_CHOWN") == chown);
	assert_true(BOUNDING("~", "~", "CAP_KILL CAP_CHOWN") == (chown | kill));
	/* ~CAP_CHOWN then CAP_CHOWN is every bit again, so CAP_KILL replaces. */
	assert_true(BOUNDING("~CAP_CHOWN", "CAP_CHOWN", "CAP_KILL") == kill);
	assert_true(BOUNDING("~CAP_CHOWN", "CAP_KILL") == (all & ~chown));
	/* A list, then an inverted one, takes away. */
	assert_true(BOUNDING("CAP_CHOWN CAP_KILL", "~CAP_KILL") == chown);
	assert_true(BOUNDING("CAP_CHOWN", "~CAP_CHOWN", "CAP_KILL") == kill);
	assert_true(BOUNDING("CAP_CHOWN", "~CAP_CHOWN", "~CAP_KILL") == 0);
	/* The empty value resets to nothing, which is not initial: lists add. */
	assert_true(BOUNDING("CAP_CHOWN", "", "CAP_KILL") == kill);
	assert_true(BOUNDING("", "CAP_KILL", "CAP_CHOWN") == (chown | kill));
	assert_true(BOUNDING("", "~CAP_KILL") == 0);
	assert_true(BOUNDING("CAP_KILL", "~") == all);
	/* Ambient starts empty: ~ is every bit and is not replaced after. */
	assert_true(AMBIENT("~", "CAP_CHOWN") == all);
	assert_true(AMBIENT("CAP_KILL", "~CAP_KILL", "CAP_CHOWN") == chown);
	assert_true(AMBIENT("", "~CAP_KILL") == (all & ~kill));
	/* ~ then ~(every name) leaves only bits beyond the last capability:
	 * empty to see, yet not systemd's initial 0, so ~CAP_KILL takes away. */
	assert_true(AMBIENT("~", not_every) == 0);
	assert_true(AMBIENT("~", not_every, "~CAP_KILL") == 0);
	assert_true(BOUNDING("~", not_every, "CAP_KILL") == kill);
	free(every);
	free(not_every);
}

static void test_bad_capabilities(void **state)
{
	(void)state;
	parse_fails("[Service]\nExecStart=/bin/true\n\nCapabilityBoundingSet=CAP_NET_BIND_SERVCE\n",
		    EINVAL, "web.service:4: CapabilityBoundingSet=: 'CAP_NET_BIND_SERVCE'");
	/* systemd wants the CAP_ prefix: without it, it would skip the name. */
	parse_fails("[Service]\nExecStart=/bin/true\nAmbientCapabilities=chown\n", EINVAL,
		    "'chown' is not a capability systemd knows");
	parse_fails("[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=12\n", EINVAL, "'12'");
	parse_fails("[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=CAP_ALL\n", EINVAL,
		    "CAP_ALL");
}

static void test_specifiers_refused(void **state)
{
	(void)state;
	parse_fails("[Service]\nExecStart=/usr/bin/app --name %i\n", EINVAL,
		    "web.service:2: the specifier '%i' needs systemd to expand it");
	parse_fails("[Service]\nExecStart=/bin/true\nUser=%u\n", EINVAL, "'%u'");
	parse_fails("[Service]\nExecStart=/bin/true\nWorkingDirectory=%h\n", EINVAL, "'%h'");
	parse_fails("[Service]\nExecStart=/bin/true\nEnvironment=HOME=%h\n", EINVAL, "'%h'");
	parse_fails("[Service]\nExecStart=/bin/true 100%\n", EINVAL, "specifier '%'");
	/* \x25 is a % too once unescaped: systemd expands specifiers after that. */
	parse_fails("[Service]\nExecStart=/bin/true \\x25n\n", EINVAL, "'%n'");
}

static void test_exec_prefixes(void **state)
{
	struct unit_file *u = parse("[Service]\nExecStart=-:/bin/echo $HOME\n");
	char **argv;

	(void)state;
	assert_non_null(u);
	assert_true(u->exec_ignore_failure);
	assert_true(u->exec_no_env);
	assert_string_equal(u->exec.v[0], "/bin/echo");
	argv = unit_file__argv(u, NULL, err, sizeof(err));
	assert_non_null(argv);
	assert_string_equal(argv[1], "$HOME"); /* ':' : no substitution */
	unit_file__strv_free(argv);
	unit_file__free(u);
	parse_fails("[Service]\nExecStart=+/bin/true\n", EINVAL, "ExecStart=+ runs the command");
	parse_fails("[Service]\nExecStart=!!/bin/true\n", EINVAL, "drop the '!'");
	parse_fails("[Service]\nExecStart=-\n", EINVAL, "names no program");
	parse_fails("[Service]\nExecStart=bin/true\n", EINVAL, "absolute path or a bare name");
	u = parse("[Service]\nExecStart=@/bin/busybox httpd -f\n");
	assert_non_null(u);
	assert_true(u->exec_argv0);
	assert_null(unit_file__argv(u, NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "web.service:2: ExecStart=@"));
	unit_file__free(u);
}

static void test_exec_refusals(void **state)
{
	(void)state;
	parse_fails("[Service]\nExecStart=/bin/true\nExecStart=/bin/false\n", EINVAL,
		    "web.service:3: a second ExecStart= (the first is on line 2)");
	parse_fails("[Service]\nExecStart=/bin/echo a ; /bin/echo b\n", EINVAL,
		    "several commands");
	parse_fails("[Unit]\nExecStart=/bin/true\n[Service]\nType=oneshot\n", ENOENT,
		    "web.service: no ExecStart= in [Service]");
	parse_fails("[Service]\nExecStart\n", EINVAL, "web.service:2: 'ExecStart' has no '='");
	parse_fails("[Service\nExecStart=/bin/true\n", EINVAL, "not a section header");
	parse_fails("[Service]\nExecStart=/bin/true\nNoNewPrivileges=maybe\n", EINVAL,
		    "web.service:3: NoNewPrivileges=maybe: write yes or no");
	parse_fails("[Service]\nExecStart=/bin/true\nWorkingDirectory=srv\n", EINVAL,
		    "neither an absolute path nor ~");
	parse_fails("[Service]\nExecStart=/bin/true\nUser=a:b\n", EINVAL, "User=a:b");
	parse_fails("[Service]\nExecStart=/bin/true\nEnvironment=1A=x\n", EINVAL,
		    "'1A=x' is not NAME=VALUE");
	parse_fails("[Service]\nExecStart=/bin/true\nEnvironmentFile=etc/x\n", EINVAL,
		    "not an absolute path");
}

static void test_flags_and_dirs(void **state)
{
	struct unit_file *u = parse("[Service]\nExecStart=/bin/true\nNoNewPrivileges=yes\n"
				    "WorkingDirectory=-/srv/missing\n");

	(void)state;
	assert_true(u->no_new_privs);
	assert_string_equal(u->working_dir, "/srv/missing");
	assert_true(u->working_dir_optional);
	unit_file__free(u);
	u = parse("[Service]\nExecStart=/bin/true\nNoNewPrivileges=on\nNoNewPrivileges=0\n"
		  "WorkingDirectory=~\n");
	assert_false(u->no_new_privs);
	assert_string_equal(u->working_dir, "~");
	assert_false(u->working_dir_optional);
	unit_file__free(u);
}

static void test_environment_and_substitution(void **state)
{
	static const char *const want[] = {
		"/bin/echo", "one", "two", "words", "two words", "$x", "", "pre-3-post", "${1bad}",
		"$",
	};
	struct unit_file *u = parse("[Service]\nEnvironment=\"A=one\" 'B=two words' C=3\n"
				    "ExecStart=/bin/echo $A $B ${B} $$x ${UNSET} $UNSET "
				    "pre-${C}-post ${1bad} $$\n");
	char **env, **argv;

	(void)state;
	assert_non_null(u);
	env = unit_file__environment(u, err, sizeof(err));
	assert_non_null(env);
	assert_string_equal(unit_file__getenv(env, "PATH"),
			    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_string_equal(unit_file__getenv(env, "B"), "two words");
	assert_null(unit_file__getenv(env, "USER")); /* no User=: systemd sets none */
	argv = unit_file__argv(u, env, err, sizeof(err));
	assert_non_null(argv);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[sizeof(want) / sizeof(want[0])]);
	unit_file__strv_free(argv);
	unit_file__strv_free(env);
	unit_file__free(u);
}

static void test_environment_files(void **state)
{
	char dir[] = "/tmp/capdiet-unit-test.XXXXXX", path[256], text[1024];
	FILE *f;
	struct unit_file *u;
	char **env;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/env", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# comment\nA=from-file\n  B = 'single $x' \nC=\"dq \\\"x\\\" \\$y \\z\"\n"
	      "D=plain value   \nE=cont\\\ninued\n1BAD=x\nnoequals\nF=\n", f);
	fclose(f);
	snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\nUser=root\n"
		 "Environment=A=unit G=unit\nEnvironmentFile=%s\nEnvironmentFile=-%s/none\n",
		 path, dir);
	u = parse(text);
	assert_non_null(u);
	env = unit_file__environment(u, err, sizeof(err));
	assert_non_null(env);
	assert_string_equal(unit_file__getenv(env, "A"), "from-file"); /* files win */
	assert_string_equal(unit_file__getenv(env, "G"), "unit");
	assert_string_equal(unit_file__getenv(env, "B"), "single $x");
	assert_string_equal(unit_file__getenv(env, "C"), "dq \"x\" $y \\z");
	assert_string_equal(unit_file__getenv(env, "D"), "plain value");
	assert_string_equal(unit_file__getenv(env, "E"), "continued");
	assert_string_equal(unit_file__getenv(env, "F"), "");
	assert_null(unit_file__getenv(env, "1BAD"));
	assert_string_equal(unit_file__getenv(env, "USER"), "root");
	assert_string_equal(unit_file__getenv(env, "HOME"), "/root");
	unit_file__strv_free(env);
	unit_file__free(u);
	snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\nEnvironmentFile=%s/none\n",
		 dir);
	u = parse(text);
	assert_null(unit_file__environment(u, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "prefix it with '-'"));
	unit_file__free(u);
	unlink(path);
	rmdir(dir);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The environment of a unit with these lines after ExecStart=; NULL on error. */
static char **environment_of(const char *lines)
{
	char text[1024];
	struct unit_file *u;
	char **env;

	snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n%s", lines);
	u = parse(text);
	assert_non_null(u);
	env = unit_file__environment(u, err, sizeof(err));
	unit_file__free(u);
	return env;
}

/* EnvironmentFile= takes glob patterns: every match, in sorted order. */
static void test_environment_file_globs(void **state)
{
	char dir[] = "/tmp/capdiet-unit-glob.XXXXXX", lines[512], sub[300];
	char **env;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "b.env", "B=b\nLAST=b\n");
	write_file(dir, "a.env", "A=a\nLAST=a\n");
	write_file(dir, ".hidden.env", "HIDDEN=1\n");
	write_file(dir, "c.conf", "C=c\n");
	snprintf(lines, sizeof(lines), "EnvironmentFile=%s/*.env\nEnvironmentFile=-%s/no/*\n",
		 dir, dir);
	env = environment_of(lines);
	assert_non_null(env);
	assert_string_equal(unit_file__getenv(env, "A"), "a");
	assert_string_equal(unit_file__getenv(env, "B"), "b");
	assert_string_equal(unit_file__getenv(env, "LAST"), "b"); /* b.env after a.env */
	assert_null(unit_file__getenv(env, "HIDDEN"));            /* * skips dot files */
	assert_null(unit_file__getenv(env, "C"));
	unit_file__strv_free(env);
	/* A pattern without a match: an error unless '-'. */
	snprintf(lines, sizeof(lines), "EnvironmentFile=%s/*.none\n", dir);
	assert_null(environment_of(lines));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/*.none: no file matches; create it or prefix it with '-'"));
	/* A match that cannot be read: an error, skipped with '-' as systemd does. */
	snprintf(sub, sizeof(sub), "%s/d.env", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(lines, sizeof(lines), "EnvironmentFile=%s/?.env\n", dir);
	assert_null(environment_of(lines));
	assert_non_null(strstr(err, "d.env: cannot read"));
	snprintf(lines, sizeof(lines), "EnvironmentFile=-%s/[a-d].env\n", dir);
	env = environment_of(lines);
	assert_non_null(env);
	assert_string_equal(unit_file__getenv(env, "LAST"), "b");
	unit_file__strv_free(env);
	rmdir(sub);
	for (const char *const *n = (const char *const[]){ "a.env", "b.env", ".hidden.env",
							    "c.conf", NULL }; *n; n++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, *n);
		unlink(sub);
	}
	rmdir(dir);
}

static void test_unknown_user_and_search(void **state)
{
	struct unit_file *u = parse("[Service]\nExecStart=true --flag\nUser=no-such-user-xyz\n");
	char **argv;

	(void)state;
	assert_null(unit_file__environment(u, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "User=no-such-user-xyz does not exist"));
	/* A bare name is looked up in systemd's search path, when parsed. */
	assert_true(!strcmp(u->exec.v[0], "/usr/bin/true") || !strcmp(u->exec.v[0], "/bin/true"));
	argv = unit_file__argv(u, NULL, err, sizeof(err));
	assert_non_null(argv);
	assert_string_equal(argv[0], u->exec.v[0]);
	assert_string_equal(argv[1], "--flag");
	unit_file__strv_free(argv);
	unit_file__free(u);
}

/* A bare name systemd would not find is refused: capdiet's PATH never
 * counts, even when the program is there. */
static void test_bare_name_not_found(void **state)
{
	char dir[] = "/tmp/capdiet-unit-path.XXXXXX", prog[256], *path = getenv("PATH");
	char *saved = path ? strdup(path) : NULL, *ours;
	FILE *f;

	(void)state;
	parse_fails("[Service]\nExecStart=-capdiet-no-such-program-xyz\n", EINVAL,
		    "web.service:2: ExecStart=capdiet-no-such-program-xyz: not in systemd's "
		    "search path (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin), "
		    "so systemd would not find it; write its absolute path");
	assert_non_null(mkdtemp(dir));
	snprintf(prog, sizeof(prog), "%s/capdiet-only-in-path", dir);
	f = fopen(prog, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	assert_int_equal(chmod(prog, 0755), 0);
	assert_true(asprintf(&ours, "%s:%s", dir, saved ? saved : "/bin") > 0);
	setenv("PATH", ours, 1);
	parse_fails("[Service]\nExecStart=capdiet-only-in-path\n", EINVAL,
		    "would not find it");
	/* A directory of that name in the search path is no program either. */
	parse_fails("[Service]\nExecStart=..\n", EINVAL, "would not find it");
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	free(ours);
	unlink(prog);
	rmdir(dir);
}

static void test_split_and_bool(void **state)
{
	struct strlist l = { 0 };
	bool b = false;

	(void)state;
	assert_int_equal(unit_file__split("  a \"b c\"d 'e'  ", 0, &l, NULL, 0), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[1], "b cd");
	strlist__clear(&l);
	assert_int_equal(unit_file__split("a \"open", 0, &l, err, sizeof(err)), -EINVAL);
	strlist__clear(&l);
	assert_int_equal(unit_file__split("a \"open", UNIT_SPLIT_RELAX, &l, NULL, 0), 0);
	assert_string_equal(l.v[1], "open");
	strlist__clear(&l);
	assert_int_equal(unit_file__parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(unit_file__parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(unit_file__parse_bool("", &b), -EINVAL);
}

static void test_load(void **state)
{
	struct unit_file *u;

	(void)state;
	u = unit_file__load("/nonexistent/x.service", err, sizeof(err));
	assert_null(u);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.service: cannot read"));
	assert_null(unit_file__load("/tmp", err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	assert_null(unit_file__parse("[Service]\nExecStart=/bin/true\0x\n", 32, "n.service",
				     err, sizeof(err)));
	assert_non_null(strstr(err, "n.service:2: a NUL byte"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_comments),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_resets),
		cmocka_unit_test(test_inverted_lists),
		cmocka_unit_test(test_capability_sequences),
		cmocka_unit_test(test_bad_capabilities),
		cmocka_unit_test(test_specifiers_refused),
		cmocka_unit_test(test_exec_prefixes),
		cmocka_unit_test(test_exec_refusals),
		cmocka_unit_test(test_flags_and_dirs),
		cmocka_unit_test(test_environment_and_substitution),
		cmocka_unit_test(test_environment_files),
		cmocka_unit_test(test_environment_file_globs),
		cmocka_unit_test(test_unknown_user_and_search),
		cmocka_unit_test(test_bare_name_not_found),
		cmocka_unit_test(test_split_and_bool),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
