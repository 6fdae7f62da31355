/* SPDX-License-Identifier: MIT */
/*
 * A systemd service unit, read the way systemd reads it (systemd.syntax(7),
 * systemd.service(5), systemd.exec(5)): sections, # and ; comments, lines
 * continued with a backslash, repeated keys (an empty assignment resets a
 * list), quoting and C escapes.  Only what decides how the service starts
 * and which capabilities it may hold is kept: ExecStart=, User=, Group=,
 * WorkingDirectory=, Environment=, EnvironmentFile=, CapabilityBoundingSet=,
 * AmbientCapabilities=, NoNewPrivileges=, Type=.
 *
 * What capdiet cannot reproduce is refused with FILE:LINE and what to do:
 * %-specifiers other than %% (they need a running manager to expand), the
 * + and ! prefixes of ExecStart= (they change the privilege rules), more
 * than one command, and a bare program name that is not in systemd's fixed
 * search path (systemd would not find it; capdiet's own PATH never counts).
 * Capability names go through caps__parse_name() and must carry the CAP_
 * prefix, as systemd requires; systemd skips an unknown name silently,
 * capdiet refuses it, so the two never disagree on what a set holds.
 */
#ifndef CAPDIET_UNIT_FILE_H
#define CAPDIET_UNIT_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/strlist.h"

/* A unit is a few KiB; systemd's own limit for one line is 1 MiB. */
#define UNIT_FILE_MAX_SIZE (1024 * 1024)

struct unit_file {
	char *path;                 /* as given to unit_file__load/parse */
	struct strlist exec;        /* ExecStart='s words, unquoted, %% resolved,
				     * $VAR not yet substituted; a bare program
				     * already found in systemd's search path */
	int exec_line;              /* where ExecStart= was, 0: missing */
	bool exec_ignore_failure;   /* the - prefix: systemd ignores the exit status */
	bool exec_no_env;           /* the : prefix: no $VAR substitution */
	bool exec_argv0;            /* the @ prefix: exec[1] is argv[0], exec[0] the path */
	char *type;                 /* Type=, NULL: unset (simple) */
	char *user;                 /* User=, NULL: root */
	char *group;                /* Group=, NULL: the user's */
	char *working_dir;          /* WorkingDirectory= without its -, or "~" */
	bool working_dir_optional;  /* it had the - prefix */
	struct strlist environment; /* Environment=: NAME=VALUE, in order */
	struct strlist env_files;   /* EnvironmentFile=: paths or glob patterns,
				     * "-" first if optional */
	bool has_bounding;          /* CapabilityBoundingSet= was given */
	capset_t bounding;          /* every capability when not given */
	capset_t ambient;           /* AmbientCapabilities= */
	bool no_new_privs;          /* NoNewPrivileges=yes */
};

/*
 * Reads the unit at path (a regular file up to UNIT_FILE_MAX_SIZE).  NULL
 * with errno set and a one-line "FILE:LINE: problem; what to do" in err:
 * EINVAL for what systemd would refuse or capdiet cannot reproduce, ENOENT
 * without ExecStart=, and the errno of a failed read.
 */
struct unit_file *unit_file__load(const char *path, char *err, size_t err_len);
/* The same for len bytes at buf; name is the FILE of messages. */
struct unit_file *unit_file__parse(const char *buf, size_t len, const char *name,
				   char *err, size_t err_len);
void unit_file__free(struct unit_file *u);

/*
 * The environment systemd gives the service: PATH (systemd's default
 * search path), USER, LOGNAME, HOME and SHELL when User= is set, then
 * Environment=, then each EnvironmentFile= (files win, later ones over
 * earlier ones; a glob pattern is every file it matches, sorted; with "-"
 * a pattern may match nothing and a file that cannot be read is skipped).
 * A NULL-terminated vector of "NAME=VALUE" (free with
 * unit_file__strv_free), or NULL with errno set and the reason in err
 * (ENOENT: a required EnvironmentFile= matches nothing, or the User= is
 * missing).
 */
char **unit_file__environment(const struct unit_file *u, char *err, size_t err_len);
/*
 * The command to run: ExecStart= with $NAME and ${NAME} substituted from
 * env (as systemd does: a word that is only $NAME becomes the value split
 * at blanks, ${NAME} stays one word, $$ is $); argv[0] is the program's
 * absolute path (unit_file__parse resolved a bare name), so running it
 * searches no PATH.  NULL-terminated and malloc'd, or NULL with errno set
 * and the reason in err.
 */
char **unit_file__argv(const struct unit_file *u, char *const *env, char *err,
		       size_t err_len);
/* The value of NAME in a "NAME=VALUE" vector, NULL when unset. */
const char *unit_file__getenv(char *const *env, const char *name);
void unit_file__strv_free(char **v);

/* Parses a systemd boolean (yes/no, true/false, on/off, 1/0, y/n, t/f). */
int unit_file__parse_bool(const char *s, bool *out);
/* How unit_file__split reads a value. */
enum {
	UNIT_SPLIT_C_ESCAPES = 1, /* decode \n, \t, \xNN, \NNN, \uXXXX, \s, ... */
	UNIT_SPLIT_RELAX = 2,     /* an open quote or a last backslash ends the word */
};
/*
 * Splits one value into words as systemd does: blanks separate words,
 * single and double quotes group (anywhere in a word), a backslash escapes
 * the next character; an escape systemd cannot decode (\q, \x00) stays as
 * written, as systemd keeps it.  Appends the words to out; 0, -EINVAL (an
 * open quote or a last backslash, unless relaxed) with the reason in err,
 * or -ENOMEM.
 */
int unit_file__split(const char *value, unsigned flags, struct strlist *out,
		     char *err, size_t err_len);

#endif
