// SPDX-License-Identifier: MIT
/*
 * The service's environment: Environment= assignments, EnvironmentFile=
 * files (read as systemd's env-file parser of v252 reads them) and the
 * variables systemd itself sets, merged in systemd's order.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/file.h"
#include "capdiet/core/log.h"
#include "unit_file_internal.h"

bool unit__env_name_valid(const char *s, size_t len)
{
	if (!len || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

const char *unit_file__getenv(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; env && *env; env++)
		if (!strncmp(*env, name, len) && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

char **unit__strv_take(struct strlist *l)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	v[l->n] = NULL;
	l->v = NULL;
	l->n = l->cap = 0;
	return v;
}

void unit_file__strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Sets "NAME=VALUE" (assignment) in env, replacing an earlier NAME. */
static int env_put(struct strlist *env, const char *assignment)
{
	size_t len = strcspn(assignment, "=") + 1;

	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], assignment, len))
			continue;
		char *copy = strdup(assignment);

		if (!copy)
			return -ENOMEM;
		free(env->v[i]);
		env->v[i] = copy;
		return 0;
	}
	return strlist__add(env, assignment);
}

static int env_set(struct strlist *env, const char *name, const char *value)
{
	char *s;
	int err;

	if (asprintf(&s, "%s=%s", name, value ? value : "") < 0)
		return -ENOMEM;
	err = env_put(env, s);
	free(s);
	return err;
}

/* ---- Environment=, EnvironmentFile= ---- */

int unit__parse_environment(struct unit_file *u, const char *value,
			    const struct unit_where *w)
{
	struct strlist words = { 0 };
	char msg[160];
	int err;

	if (!*value) {
		strlist__clear(&u->environment);
		return 0;
	}
	err = unit_file__split(value, UNIT_SPLIT_C_ESCAPES, &words, msg, sizeof(msg));
	if (err == -EINVAL)
		err = unit__fail(w, "Environment=: %s; fix the quoting", msg);
	for (size_t i = 0; !err && i < words.n; i++) {
		char *word = words.v[i];

		err = unit__specifiers(word, w);
		if (!err && !unit__env_name_valid(word, strcspn(word, "=")))
			err = unit__fail(w, "Environment=: '%s' is not NAME=VALUE; write it so",
					 word);
		if (!err && !strchr(word, '='))
			err = unit__fail(w, "Environment=: '%s' has no '='; write NAME=VALUE", word);
		err = err ?: env_put(&u->environment, word);
	}
	strlist__clear(&words);
	return err;
}

int unit__parse_env_file(struct unit_file *u, const char *value, const struct unit_where *w)
{
	char *copy;
	int err;

	if (!*value) {
		strlist__clear(&u->env_files);
		return 0;
	}
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	err = unit__specifiers(copy, w);
	if (!err && copy[copy[0] == '-'] != '/')
		err = unit__fail(w, "EnvironmentFile=%s is not an absolute path; write one", copy);
	err = err ?: strlist__add(&u->env_files, copy);
	free(copy);
	return err;
}

/* ---- an environment file ---- */

enum envf_state {
	ENVF_PRE_KEY, ENVF_KEY, ENVF_PRE_VALUE, ENVF_VALUE, ENVF_VALUE_ESCAPE,
	ENVF_SQUOTE, ENVF_DQUOTE, ENVF_DQUOTE_ESCAPE, ENVF_COMMENT, ENVF_COMMENT_ESCAPE,
};

#define ENVF_NONE SIZE_MAX

struct envf {
	enum envf_state state;
	struct unit_buf key, value;
	size_t key_blank, value_blank; /* where trailing blanks start; ENVF_NONE */
	const char *file;
	int line;
	struct strlist *env;
};

static bool envf_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool envf_newline(char c)
{
	return c == '\n' || c == '\r';
}

/* Notes where a run of trailing blanks starts in b (at *blank). */
static int envf_track(struct unit_buf *b, size_t *blank, char c)
{
	if (!envf_blank(c))
		*blank = ENVF_NONE;
	else if (*blank == ENVF_NONE)
		*blank = b->n;
	return unit_buf__put(b, c);
}

static void envf_cut(struct unit_buf *b, size_t at)
{
	if (at != ENVF_NONE && at < b->n) {
		b->n = at;
		b->s[at] = '\0';
	}
}

/* One NAME=VALUE is complete; a bad name is skipped, as systemd skips it. */
static int envf_push(struct envf *s)
{
	int err = unit_buf__puts(&s->key, "", 0) ?: unit_buf__puts(&s->value, "", 0);

	if (s->state == ENVF_VALUE)
		envf_cut(&s->value, s->value_blank);
	envf_cut(&s->key, s->key_blank);
	if (!err && unit__env_name_valid(s->key.s, s->key.n))
		err = env_set(s->env, s->key.s, s->value.s);
	else if (!err)
		log_warn("%s:%d: '%s' is not a variable name; ignored, as systemd ignores it",
			 s->file, s->line, s->key.s);
	s->key.n = s->value.n = 0;
	s->state = ENVF_PRE_KEY;
	return err;
}

static int envf_key_char(struct envf *s, char c)
{
	if (s->state == ENVF_PRE_KEY) {
		if (c == '#' || c == ';')
			s->state = ENVF_COMMENT;
		else if (!envf_blank(c)) {
			s->state = ENVF_KEY;
			s->key_blank = ENVF_NONE;
			return unit_buf__put(&s->key, c);
		}
		return 0;
	}
	if (envf_newline(c)) { /* a line without '=' is skipped */
		s->state = ENVF_PRE_KEY;
		s->key.n = 0;
	} else if (c == '=') {
		s->state = ENVF_PRE_VALUE;
		s->value_blank = ENVF_NONE;
	} else {
		return envf_track(&s->key, &s->key_blank, c);
	}
	return 0;
}

static int envf_value_char(struct envf *s, char c)
{
	if (s->state == ENVF_VALUE_ESCAPE) {
		s->state = ENVF_VALUE;
		return envf_newline(c) ? 0 : unit_buf__put(&s->value, c); /* \ newline: joined */
	}
	if (envf_newline(c))
		return envf_push(s);
	if (c == '\\') {
		s->state = ENVF_VALUE_ESCAPE;
		s->value_blank = ENVF_NONE;
	} else if (s->state == ENVF_PRE_VALUE && (c == '\'' || c == '"')) {
		s->state = c == '"' ? ENVF_DQUOTE : ENVF_SQUOTE;
	} else if (s->state == ENVF_VALUE || !envf_blank(c)) {
		s->state = ENVF_VALUE;
		return envf_track(&s->value, &s->value_blank, c);
	}
	return 0;
}

static int envf_quote_char(struct envf *s, char c)
{
	switch (s->state) {
	case ENVF_SQUOTE:
		if (c == '\'')
			s->state = ENVF_PRE_VALUE;
		return c == '\'' ? 0 : unit_buf__put(&s->value, c);
	case ENVF_DQUOTE:
		if (c == '"' || c == '\\')
			s->state = c == '"' ? ENVF_PRE_VALUE : ENVF_DQUOTE_ESCAPE;
		return c == '"' || c == '\\' ? 0 : unit_buf__put(&s->value, c);
	default: /* ENVF_DQUOTE_ESCAPE: as the shell, keep \ before what needs none */
		s->state = ENVF_DQUOTE;
		if (strchr("\"\\`$", c))
			return unit_buf__put(&s->value, c);
		return c == '\n' ? 0 : unit_buf__put(&s->value, '\\') ?: unit_buf__put(&s->value, c);
	}
}

static int envf_char(struct envf *s, char c)
{
	switch (s->state) {
	case ENVF_PRE_KEY:
	case ENVF_KEY:
		return envf_key_char(s, c);
	case ENVF_PRE_VALUE:
	case ENVF_VALUE:
	case ENVF_VALUE_ESCAPE:
		return envf_value_char(s, c);
	case ENVF_COMMENT:
		if (c == '\\' || envf_newline(c))
			s->state = c == '\\' ? ENVF_COMMENT_ESCAPE : ENVF_PRE_KEY;
		return 0;
	case ENVF_COMMENT_ESCAPE: /* v252: a comment's \ newline goes on commenting */
		s->state = ENVF_COMMENT;
		return 0;
	default:
		return envf_quote_char(s, c);
	}
}

/* Parses the text of an environment file into env. */
static int envf_parse(const char *text, const char *file, struct strlist *env)
{
	struct envf s = { .state = ENVF_PRE_KEY, .file = file, .line = 1, .env = env,
			  .key_blank = ENVF_NONE, .value_blank = ENVF_NONE };
	int err = 0;

	for (const char *p = text; !err && *p; p++) {
		err = envf_char(&s, *p);
		s.line += *p == '\n';
	}
	if (!err && s.state != ENVF_PRE_KEY && s.state != ENVF_KEY &&
	    s.state != ENVF_COMMENT && s.state != ENVF_COMMENT_ESCAPE)
		err = envf_push(&s);
	unit_buf__clear(&s.key);
	unit_buf__clear(&s.value);
	return err;
}

/* One file an EnvironmentFile= entry names, into env.  With the '-' prefix
 * systemd skips a file it cannot read, whatever the reason. */
static int env_file_read(const struct unit_file *u, const char *path, bool optional,
			 struct strlist *env, char *err, size_t err_len)
{
	char *text = NULL;
	size_t len;
	int rc = file__read(path, UNIT_FILE_MAX_SIZE, &text, &len);

	if (rc && rc != -ENOMEM && optional) {
		log_warn("%s: EnvironmentFile=-%s: cannot read: %s; skipped, as systemd skips it",
			 u->path, path, rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
		rc = 0;
	} else if (rc && err && err_len) {
		snprintf(err, err_len, "%s: EnvironmentFile=%s: cannot read: %s; fix it or "
			 "prefix it with '-'", u->path, path,
			 rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
	} else if (!rc) {
		rc = envf_parse(text, path, env);
	}
	free(text);
	return rc;
}

/*
 * An EnvironmentFile= entry into env: a path or a glob(3) pattern, every
 * match read in sorted order, as systemd 252's load_environment_files does
 * (glob() without flags, so a literal path matches only if it exists).  A
 * leading '-' lets it match nothing.
 */
static int env_file(const struct unit_file *u, const char *entry, struct strlist *env,
		    char *err, size_t err_len)
{
	bool optional = entry[0] == '-';
	const char *pattern = entry + optional;
	glob_t g = { 0 };
	int rc = glob(pattern, 0, NULL, &g);

	if (rc == GLOB_NOSPACE) {
		rc = -ENOMEM;
	} else if (rc) { /* GLOB_NOMATCH: GLOB_ERR is not asked for */
		rc = optional ? 0 : -ENOENT;
		if (rc && err && err_len)
			snprintf(err, err_len, "%s: EnvironmentFile=%s: %s; create it or prefix it "
				 "with '-'", u->path, pattern, strpbrk(pattern, "*?[") ?
				 "no file matches" : "no such file");
	}
	for (size_t i = 0; !rc && i < g.gl_pathc; i++)
		rc = env_file_read(u, g.gl_pathv[i], optional, env, err, err_len);
	globfree(&g);
	return rc;
}

/* USER, LOGNAME, HOME, SHELL: what systemd sets for a unit with User=. */
static int env_user(const struct unit_file *u, struct strlist *env, char *err, size_t err_len)
{
	const struct passwd *pw;
	char *end;
	unsigned long uid;

	if (!u->user)
		return 0;
	uid = strtoul(u->user, &end, 10);
	pw = *u->user && !*end ? getpwuid((uid_t)uid) : getpwnam(u->user);
	if (!pw && *u->user && !*end)
		return 0; /* a uid without a passwd entry: nothing to tell */
	if (!pw) {
		if (err && err_len)
			snprintf(err, err_len, "%s: User=%s does not exist on this machine; "
				 "create the user or change User=", u->path, u->user);
		return -ENOENT;
	}
	return env_set(env, "USER", pw->pw_name) ?: env_set(env, "LOGNAME", pw->pw_name) ?:
	       env_set(env, "HOME", pw->pw_dir) ?: env_set(env, "SHELL", pw->pw_shell);
}

char **unit_file__environment(const struct unit_file *u, char *err, size_t err_len)
{
	struct strlist env = { 0 };
	char **v = NULL;
	int rc = env_set(&env, "PATH", UNIT_DEFAULT_PATH) ?: env_user(u, &env, err, err_len);

	for (size_t i = 0; !rc && i < u->environment.n; i++)
		rc = env_put(&env, u->environment.v[i]);
	for (size_t i = 0; !rc && i < u->env_files.n; i++)
		rc = env_file(u, u->env_files.v[i], &env, err, err_len);
	if (!rc && !(v = unit__strv_take(&env)))
		rc = -ENOMEM;
	if (rc == -ENOMEM && err && err_len)
		snprintf(err, err_len, "%s: out of memory", u->path);
	strlist__clear(&env);
	if (rc)
		errno = -rc;
	return v;
}
