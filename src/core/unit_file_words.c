// SPDX-License-Identifier: MIT
/*
 * Words of a unit's values and the command of ExecStart=, split, unescaped
 * and substituted by systemd's rules (systemd.syntax(7) "Quoting",
 * systemd.service(5) "Command lines").
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/log.h"
#include "unit_file_internal.h"

#define BLANKS " \t\n\r"

/* systemd's fixed search path for a program given without a directory,
 * UNIT_DEFAULT_PATH split. */
static const char *const search_path[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* n hex digits at s into *out; false if one is not a hex digit. */
static bool hex_digits(const char *s, int n, unsigned long *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		int v = hexval(s[i]);

		if (v < 0)
			return false;
		*out = *out << 4 | (unsigned long)v;
	}
	return true;
}

static int put_utf8(struct unit_buf *b, unsigned long u)
{
	char s[4];
	size_t n;

	if (u < 0x80) {
		s[0] = (char)u;
		n = 1;
	} else if (u < 0x800) {
		s[0] = (char)(0xc0 | u >> 6);
		s[1] = (char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		s[0] = (char)(0xe0 | u >> 12);
		s[1] = (char)(0x80 | (u >> 6 & 0x3f));
		s[2] = (char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | u >> 18);
		s[1] = (char)(0x80 | (u >> 12 & 0x3f));
		s[2] = (char)(0x80 | (u >> 6 & 0x3f));
		s[3] = (char)(0x80 | (u & 0x3f));
		n = 4;
	}
	return unit_buf__puts(b, s, n);
}

/* \xNN, \NNN, \uXXXX, \UXXXXXXXX at s (after the backslash): the length
 * used, or 0 if s is none of them or makes a NUL or an invalid code point. */
static int numeric_escape(const char *s, unsigned long *v)
{
	if (*s == 'x')
		return hex_digits(s + 1, 2, v) && *v ? 3 : 0;
	if (*s == 'u')
		return hex_digits(s + 1, 4, v) && *v && (*v < 0xd800 || *v > 0xdfff) ? 5 : 0;
	if (*s == 'U')
		return hex_digits(s + 1, 8, v) && *v && *v <= 0x10ffff &&
		       (*v < 0xd800 || *v > 0xdfff) ? 9 : 0;
	if (*s >= '0' && *s <= '7' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
		*v = (unsigned long)((s[0] - '0') << 6 | (s[1] - '0') << 3 | (s[2] - '0'));
		return *v && *v < 256 ? 3 : 0;
	}
	return 0;
}

/*
 * One C escape at s (after the backslash), as systemd's cunescape_one:
 * appends it and returns how many characters it used, or -ENOMEM.  One
 * systemd cannot decode (unknown, or one that would make a NUL) stays as
 * written, backslash and all, as systemd keeps it (with a warning).
 */
static int c_escape(const char *s, struct unit_buf *b)
{
	static const char from[] = "abfnrtv\\\"'s", to[] = "\a\b\f\n\r\t\v\\\"' ";
	const char *hit = *s ? strchr(from, *s) : NULL;
	unsigned long v;
	int used;

	if (hit)
		return unit_buf__put(b, to[hit - from]) ?: 1;
	used = numeric_escape(s, &v);
	if (used)
		return ((*s == 'x' || (*s >= '0' && *s <= '7')) ? unit_buf__put(b, (char)v)
								 : put_utf8(b, v)) ?: used;
	log_warn("unit file: escape '\\%c' kept as written, as systemd keeps it", *s);
	return unit_buf__put(b, '\\') ?: unit_buf__put(b, *s) ?: 1;
}

/* After a backslash at **p: the escaped character(s) into b. */
static int word_escape(const char **p, unsigned flags, struct unit_buf *b)
{
	int used;

	if (!**p)
		return flags & UNIT_SPLIT_RELAX ? 0 : -EINVAL;
	if (!(flags & UNIT_SPLIT_C_ESCAPES)) {
		(*p)++;
		return unit_buf__put(b, (*p)[-1]);
	}
	used = c_escape(*p, b);
	if (used < 0)
		return used;
	*p += used;
	return 0;
}

/* The characters of one word from *p (past its leading blanks) into b. */
static int word_chars(const char **p, unsigned flags, struct unit_buf *b)
{
	char quote = 0;
	int err = 0;

	while (!err && **p && (quote || !strchr(BLANKS, **p))) {
		char c = *(*p)++;

		if (c == '\\')
			err = word_escape(p, flags, b);
		else if (quote && c == quote)
			quote = 0;
		else if (!quote && (c == '"' || c == '\''))
			quote = c;
		else
			err = unit_buf__put(b, c);
	}
	if (!err && quote && !(flags & UNIT_SPLIT_RELAX))
		err = -EINVAL;
	return err;
}

int unit__next_word(const char **p, unsigned flags, char **word, char *err, size_t err_len)
{
	struct unit_buf b = { 0 };
	int rc;

	*word = NULL;
	*p += strspn(*p, BLANKS);
	if (!**p)
		return 0;
	rc = unit_buf__puts(&b, "", 0); /* an empty word ("") is still a word */
	if (!rc)
		rc = word_chars(p, flags, &b);
	if (rc == -EINVAL && err && err_len)
		snprintf(err, err_len, "unbalanced quotes or a last backslash");
	if (rc) {
		unit_buf__clear(&b);
		return rc;
	}
	*word = b.s;
	return 1;
}

int unit_file__split(const char *value, unsigned flags, struct strlist *out,
		     char *err, size_t err_len)
{
	const char *p = value;
	char *word;
	int rc;

	while ((rc = unit__next_word(&p, flags, &word, err, err_len)) > 0) {
		rc = strlist__add(out, word);
		free(word);
		if (rc)
			return rc;
	}
	return rc;
}

int unit__specifiers(char *s, const struct unit_where *w)
{
	char *out = s;

	for (const char *in = s; *in; in++) {
		if (*in != '%') {
			*out++ = *in;
			continue;
		}
		if (in[1] != '%')
			return unit__fail(w, "the specifier '%%%.1s' needs systemd to expand it; "
					  "write its value instead (capdiet reads only %%%%)",
					  in[1] ? in + 1 : "");
		*out++ = '%';
		in++;
	}
	*out = '\0';
	return 0;
}

/* ---- ExecStart= ---- */

/* The prefixes before the program: each of - @ : once, in any order. */
static int exec_prefixes(struct unit_file *u, const char **f, const struct unit_where *w)
{
	for (;; (*f)++) {
		if (**f == '-' && !u->exec_ignore_failure)
			u->exec_ignore_failure = true;
		else if (**f == '@' && !u->exec_argv0)
			u->exec_argv0 = true;
		else if (**f == ':' && !u->exec_no_env)
			u->exec_no_env = true;
		else if (**f == '+' || **f == '!')
			return unit__fail(w, "ExecStart=%c runs the command with other privilege "
					  "rules than the unit's; capdiet cannot learn it that way: "
					  "drop the '%c'", **f, **f);
		else
			return 0;
	}
}

static void exec_reset(struct unit_file *u)
{
	strlist__clear(&u->exec);
	u->exec_line = 0;
	u->exec_ignore_failure = u->exec_no_env = u->exec_argv0 = false;
}

/*
 * A bare program name, found where systemd 252 looks when it starts the
 * service (find_executable_full: its fixed search path, never $PATH; a
 * regular file it may execute): 0 and the path in *found, or -ENOENT.
 */
static int exec_search(const char *name, char **found)
{
	char path[4096];
	struct stat st;

	if (strlen(name) > NAME_MAX) /* systemd: not a valid file name */
		return -ENOENT;
	for (size_t i = 0; i < sizeof(search_path) / sizeof(search_path[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", search_path[i], name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0) {
			*found = strdup(path);
			return *found ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

/* The program: what is left of the first word after its prefixes, a bare
 * name resolved now, so that nothing later searches capdiet's own PATH. */
static int exec_program(struct unit_file *u, char *first, const struct unit_where *w)
{
	const char *f = first;
	char *found = NULL;
	int err = exec_prefixes(u, &f, w);

	if (!err && !*f)
		err = unit__fail(w, "ExecStart= names no program; write its path");
	for (const char *c = f; !err && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			err = unit__fail(w, "ExecStart=: a control character in the program's "
					 "name; write its path");
	if (!err)
		err = unit__specifiers((char *)f, w);
	if (!err && *f != '/' && strchr(f, '/'))
		err = unit__fail(w, "ExecStart=%s: a program is an absolute path or a bare "
				 "name; write its absolute path", f);
	if (!err && *f != '/' && (err = exec_search(f, &found)) == -ENOENT)
		err = unit__fail(w, "ExecStart=%s: not in systemd's search path (%s), so "
				 "systemd would not find it; write its absolute path", f,
				 UNIT_DEFAULT_PATH);
	err = err ?: strlist__add(&u->exec, found ? found : f);
	free(found);
	return err;
}

/* One argument word at *p; a lone ; starts another command, \; is a ";". */
static int exec_argument(struct unit_file *u, const char **p, const struct unit_where *w)
{
	char *word = NULL, msg[160];
	int rc;

	*p += strspn(*p, BLANKS);
	if (**p == ';' && (!(*p)[1] || strchr(BLANKS, (*p)[1])))
		return unit__fail(w, "ExecStart= holds several commands (a lone ';'); capdiet "
				  "learns one: put them in a script, or escape it as \\;");
	if ((*p)[0] == '\\' && (*p)[1] == ';' && (!(*p)[2] || strchr(BLANKS, (*p)[2]))) {
		*p += 2;
		return strlist__add(&u->exec, ";") ?: 1;
	}
	rc = unit__next_word(p, UNIT_SPLIT_C_ESCAPES, &word, msg, sizeof(msg));
	if (rc == -EINVAL)
		return unit__fail(w, "ExecStart=: %s; fix the quoting", msg);
	if (rc > 0) {
		int err = unit__specifiers(word, w) ?: strlist__add(&u->exec, word);

		rc = err ? err : 1;
	}
	free(word);
	return rc;
}

int unit__parse_exec(struct unit_file *u, const char *value, const struct unit_where *w)
{
	const char *p = value;
	char *first = NULL, msg[160];
	int rc;

	if (!*value) {
		exec_reset(u); /* the empty assignment: what a drop-in writes first */
		return 0;
	}
	if (u->exec_line)
		return unit__fail(w, "a second ExecStart= (the first is on line %d); capdiet "
				  "learns one command: keep one, or reset with an empty "
				  "ExecStart= first", u->exec_line);
	rc = unit__next_word(&p, UNIT_SPLIT_C_ESCAPES, &first, msg, sizeof(msg));
	if (rc == -EINVAL)
		return unit__fail(w, "ExecStart=: %s; fix the quoting", msg);
	if (rc > 0)
		rc = exec_program(u, first, w);
	free(first);
	while (rc >= 0 && *p)
		rc = exec_argument(u, &p, w);
	if (rc >= 0 && u->exec_argv0 && u->exec.n < 2)
		rc = unit__fail(w, "ExecStart=@ needs argv[0] after the program");
	if (rc >= 0)
		u->exec_line = w->line;
	return rc < 0 ? rc : 0;
}

/* ---- the command, substituted ---- */

/* ${NAME} at s (past "${"): appends the value; returns the length used
 * after "${", or 0 when s is no such reference (it then stays as written). */
static int brace_ref(const char *s, char *const *env, struct unit_buf *b, int *err)
{
	const char *close = strchr(s, '}');
	char name[256];
	const char *value;

	if (!close || close == s || (size_t)(close - s) >= sizeof(name) ||
	    !unit__env_name_valid(s, (size_t)(close - s)))
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(close - s), s);
	value = unit_file__getenv(env, name);
	*err = value ? unit_buf__puts(b, value, strlen(value)) : 0;
	return (int)(close - s) + 1;
}

/* One word with $$ and ${NAME} replaced (systemd's replace_env). */
static int exec_replace(const char *word, char *const *env, struct strlist *out)
{
	struct unit_buf b = { 0 };
	const char *s = word;
	int used, err = unit_buf__puts(&b, "", 0);

	while (!err && *s) {
		if (s[0] == '$' && s[1] == '$') {
			err = unit_buf__put(&b, '$');
			s += 2;
		} else if (s[0] == '$' && s[1] == '{' && (used = brace_ref(s + 2, env, &b, &err))) {
			s += 2 + used;
		} else {
			err = unit_buf__put(&b, *s++);
		}
	}
	if (!err)
		err = strlist__add(out, b.s);
	unit_buf__clear(&b);
	return err;
}

/* A word that is only $NAME: the value split at blanks (quotes respected,
 * as systemd does), no word at all when NAME is unset. */
static int exec_split_var(const char *name, char *const *env, struct strlist *out)
{
	const char *value = unit_file__getenv(env, name);

	return value ? unit_file__split(value, UNIT_SPLIT_RELAX, out, NULL, 0) : 0;
}

static int exec_words(const struct unit_file *u, char *const *env, struct strlist *out)
{
	int err = strlist__add(out, u->exec.v[0]);

	for (size_t i = 1; !err && i < u->exec.n; i++) {
		const char *w = u->exec.v[i];

		if (u->exec_no_env)
			err = strlist__add(out, w);
		else if (w[0] == '$' && w[1] != '{' && w[1] != '$')
			err = exec_split_var(w + 1, env, out);
		else
			err = exec_replace(w, env, out);
	}
	return err;
}

char **unit_file__argv(const struct unit_file *u, char *const *env, char *err, size_t err_len)
{
	const struct unit_where w = { u->path, u->exec_line, err, err_len };
	struct strlist words = { 0 };
	char **argv = NULL;
	int rc = 0;

	if (!u->exec.n)
		rc = -ENOENT;
	else if (u->exec_argv0)
		rc = unit__fail(&w, "ExecStart=@ gives argv[0] apart from the program; capdiet "
				"starts the program under its own name: drop the @ and argv[0]");
	if (rc == -ENOENT && err && err_len)
		snprintf(err, err_len, "%s: no ExecStart=; add the command the service runs",
			 u->path);
	if (!rc)
		rc = exec_words(u, env, &words);
	if (!rc && !(argv = unit__strv_take(&words)))
		rc = -ENOMEM;
	strlist__clear(&words);
	if (rc)
		errno = -rc;
	return argv;
}
