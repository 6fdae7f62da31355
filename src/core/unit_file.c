// SPDX-License-Identifier: MIT
/*
 * A systemd service unit: lines, sections and the [Service] keys that
 * decide how the service starts and what it may hold.  Words and the
 * command are unit_file_words.c's, the environment unit_file_env.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/core/file.h"
#include "capdiet/core/log.h"
#include "unit_file_internal.h"

#define BLANKS " \t\n\r"

/* systemd 252's CAP_ALL: all 64 bits, the bounding set before any assignment. */
#define SYSTEMD_CAP_ALL (~(capset_t)0)

int unit__fail(const struct unit_where *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!w->err || !w->err_len)
		return -EINVAL;
	n = snprintf(w->err, w->err_len, "%s:%d: ", w->file, w->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < w->err_len)
		vsnprintf(w->err + n, w->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int unit_buf__puts(struct unit_buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->n + len + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
	return 0;
}

int unit_buf__put(struct unit_buf *b, char c)
{
	return unit_buf__puts(b, &c, 1);
}

void unit_buf__clear(struct unit_buf *b)
{
	free(b->s);
	*b = (struct unit_buf){ 0 };
}

int unit_file__parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- the [Service] keys read here ---- */

/*
 * CapabilityBoundingSet= and AmbientCapabilities=, as systemd 252's
 * config_parse_capability_set: a leading ~ inverts the list; an empty list
 * (or a lone ~) replaces the set, and so does any list while the set still
 * equals initial, its value before the first assignment; otherwise the list
 * is added (inverted: taken away).  While parsing, *set is systemd's own
 * 64-bit value: an inverted list sets the bits beyond the last capability
 * too, and they decide whether the set is still initial (`~` then
 * `CAP_CHOWN` is {CHOWN}); unit_file__parse masks them off at the end.
 */
static int parse_caps(const char *value, capset_t initial, capset_t *set,
		      const struct unit_where *w, const char *key)
{
	struct strlist names = { 0 };
	bool invert = value[0] == '~';
	capset_t sum = 0;
	int err = unit_file__split(value + invert, UNIT_SPLIT_RELAX, &names, NULL, 0);

	for (size_t i = 0; !err && i < names.n; i++) {
		const char *n = names.v[i];
		int cap = strncasecmp(n, "CAP_", 4) ? -EINVAL : caps__parse_name(n);

		if (cap < 0)
			err = unit__fail(w, "%s=: '%s' is not a capability systemd knows; write "
					 "names like CAP_NET_BIND_SERVICE (capabilities(7))", key, n);
		else
			sum |= CAPSET_BIT(cap);
	}
	strlist__clear(&names);
	if (err)
		return err;
	if (!sum || *set == initial)
		*set = invert ? ~sum : sum;
	else
		*set = invert ? *set & ~sum : *set | sum;
	return 0;
}

static int parse_bounding(struct unit_file *u, const char *value, const struct unit_where *w)
{
	u->has_bounding = true;
	return parse_caps(value, SYSTEMD_CAP_ALL, &u->bounding, w, "CapabilityBoundingSet");
}

static int parse_ambient(struct unit_file *u, const char *value, const struct unit_where *w)
{
	return parse_caps(value, 0, &u->ambient, w, "AmbientCapabilities");
}

static int parse_nnp(struct unit_file *u, const char *value, const struct unit_where *w)
{
	if (unit_file__parse_bool(value, &u->no_new_privs))
		return unit__fail(w, "NoNewPrivileges=%s: write yes or no", value);
	return 0;
}

/* A value kept as a string, %% resolved; the empty value resets it. */
static int set_string(char **field, const char *value, const struct unit_where *w)
{
	char *copy = *value ? strdup(value) : NULL;
	int err = *value && !copy ? -ENOMEM : 0;

	if (!err && copy)
		err = unit__specifiers(copy, w);
	if (err) {
		free(copy);
		return err;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* User= and Group=: a name or a number; what systemd refuses, refused. */
static int parse_ident(char **field, const char *value, const struct unit_where *w,
		       const char *key)
{
	int err = set_string(field, value, w);

	if (err || !*field)
		return err;
	if ((*field)[0] == '-' || strpbrk(*field, ":/" BLANKS))
		return unit__fail(w, "%s=%s is not a user or group name systemd accepts; fix it",
				  key, *field);
	for (const char *c = *field; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return unit__fail(w, "%s=: a control character in the name; fix it", key);
	return 0;
}

static int parse_user(struct unit_file *u, const char *value, const struct unit_where *w)
{
	return parse_ident(&u->user, value, w, "User");
}

static int parse_group(struct unit_file *u, const char *value, const struct unit_where *w)
{
	return parse_ident(&u->group, value, w, "Group");
}

static int parse_type(struct unit_file *u, const char *value, const struct unit_where *w)
{
	return set_string(&u->type, value, w);
}

/* WorkingDirectory=[-]PATH or [-]~. */
static int parse_workdir(struct unit_file *u, const char *value, const struct unit_where *w)
{
	bool optional = value[0] == '-';
	int err = set_string(&u->working_dir, value + optional, w);

	u->working_dir_optional = optional && u->working_dir;
	if (err || !u->working_dir)
		return err;
	if (strcmp(u->working_dir, "~") && u->working_dir[0] != '/')
		return unit__fail(w, "WorkingDirectory=%s is neither an absolute path nor ~; "
				  "write an absolute path", u->working_dir);
	return 0;
}

/* Keys that change how the service runs, which `capdiet run` does not
 * reproduce: said once each, so a difference under systemd is no surprise. */
static const char *const not_reproduced[] = {
	"ExecStartPre", "ExecStartPost", "ExecCondition", "DynamicUser",
	"SupplementaryGroups", "SecureBits", "PrivateUsers", "RootDirectory",
	"RootImage", "PAMName", "PassEnvironment", "UnsetEnvironment",
};

static const struct {
	const char *key;
	int (*parse)(struct unit_file *u, const char *value, const struct unit_where *w);
} service_keys[] = {
	{ "ExecStart", unit__parse_exec },
	{ "Type", parse_type },
	{ "User", parse_user },
	{ "Group", parse_group },
	{ "WorkingDirectory", parse_workdir },
	{ "Environment", unit__parse_environment },
	{ "EnvironmentFile", unit__parse_env_file },
	{ "CapabilityBoundingSet", parse_bounding },
	{ "AmbientCapabilities", parse_ambient },
	{ "NoNewPrivileges", parse_nnp },
};

static int service_key(struct unit_file *u, const char *key, const char *value,
		       const struct unit_where *w)
{
	for (size_t i = 0; i < sizeof(service_keys) / sizeof(service_keys[0]); i++)
		if (!strcmp(key, service_keys[i].key))
			return service_keys[i].parse(u, value, w);
	for (size_t i = 0; i < sizeof(not_reproduced) / sizeof(not_reproduced[0]); i++)
		if (!strcmp(key, not_reproduced[i]))
			log_warn("%s:%d: %s= is not reproduced by capdiet run; under systemd the "
				 "service may behave differently", w->file, w->line, key);
	return 0;
}

/* ---- lines and sections ---- */

struct unit_parse {
	struct unit_file *u;
	struct unit_where where;
	char section[64];      /* "" before the first section header */
	struct unit_buf line;  /* the logical line, continuations joined */
	int first_line;        /* where it started */
};

static char *strip(char *s)
{
	size_t n;

	s += strspn(s, BLANKS);
	n = strlen(s);
	while (n && strchr(BLANKS, s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int parse_section(struct unit_parse *ps, char *s)
{
	size_t n = strlen(s);

	if (n < 3 || s[n - 1] != ']' || memchr(s + 1, '[', n - 2) || memchr(s + 1, ']', n - 2))
		return unit__fail(&ps->where, "'%s' is not a section header like [Service]; fix it",
				  s);
	snprintf(ps->section, sizeof(ps->section), "%.*s", (int)(n - 2), s + 1);
	return 0;
}

/* One logical line: a comment, a [section] or a Key=value. */
static int parse_line(struct unit_parse *ps, char *text)
{
	char *s = strip(text), *eq;

	ps->where.line = ps->first_line;
	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_section(ps, s);
	eq = strchr(s, '=');
	if (!eq)
		return unit__fail(&ps->where, "'%s' has no '='; write Key=value", s);
	*eq = '\0';
	if (!ps->section[0]) {
		log_warn("%s:%d: %s= comes before any section; ignored, as systemd ignores it",
			 ps->where.file, ps->where.line, strip(s));
		return 0;
	}
	if (strcmp(ps->section, "Service"))
		return 0;
	return service_key(ps->u, strip(s), strip(eq + 1), &ps->where);
}

/* Ends with a backslash that is not itself escaped: the line goes on. */
static bool continues(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && s[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

/* One physical line.  A comment line is skipped, even inside a continued
 * line or ending in a backslash; a blank line ends a continued one (what
 * systemd's config_parse does). */
static int physical_line(struct unit_parse *ps, const char *s, size_t n, int lineno)
{
	size_t lead = 0;
	int err;

	while (lead < n && (s[lead] == ' ' || s[lead] == '\t')) /* s is not NUL-terminated */
		lead++;
	if (lead < n && (s[lead] == '#' || s[lead] == ';'))
		return 0;
	if (!ps->line.n)
		ps->first_line = lineno;
	err = unit_buf__puts(&ps->line, s, n);
	if (err)
		return err;
	if (continues(ps->line.s, ps->line.n)) {
		ps->line.s[ps->line.n - 1] = ' ';
		return 0;
	}
	err = parse_line(ps, ps->line.s);
	ps->line.n = 0;
	return err;
}

static int parse_lines(struct unit_parse *ps, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int lineno = 0, err = 0;

	const char *nul = memchr(buf, '\0', len);

	if (nul) {
		ps->where.line = 1;
		for (const char *c = buf; c < nul; c++)
			ps->where.line += *c == '\n';
		return unit__fail(&ps->where, "a NUL byte: this is not a unit file");
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte order mark */
	while (!err && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		ps->where.line = ++lineno;
		err = physical_line(ps, p, n && p[n - 1] == '\r' ? n - 1 : n, lineno);
		p += n + 1;
	}
	if (!err && ps->line.n) /* the last line ended in a backslash */
		err = parse_line(ps, ps->line.s);
	return err;
}

/* ---- the unit ---- */

void unit_file__free(struct unit_file *u)
{
	if (!u)
		return;
	free(u->path);
	strlist__clear(&u->exec);
	free(u->type);
	free(u->user);
	free(u->group);
	free(u->working_dir);
	strlist__clear(&u->environment);
	strlist__clear(&u->env_files);
	free(u);
}

static struct unit_file *unit_file__new(const char *name)
{
	struct unit_file *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->path = strdup(name);
	if (!u->path) {
		free(u);
		return NULL;
	}
	u->bounding = SYSTEMD_CAP_ALL;
	return u;
}

struct unit_file *unit_file__parse(const char *buf, size_t len, const char *name,
				   char *err, size_t err_len)
{
	struct unit_parse ps = { .where = { name ? name : "<unit>", 0, err, err_len } };
	int rc = -ENOMEM;

	ps.u = unit_file__new(ps.where.file);
	if (!ps.u)
		goto cleanup;
	rc = parse_lines(&ps, buf, len);
	ps.u->bounding &= caps__all(); /* systemd's bits beyond the last capability */
	ps.u->ambient &= caps__all();
	if (!rc && !ps.u->exec_line) {
		rc = -ENOENT;
		if (err && err_len)
			snprintf(err, err_len, "%s: no ExecStart= in [Service]; add the command "
				 "the service runs", ps.where.file);
	}
cleanup:
	if (rc == -ENOMEM && err && err_len)
		snprintf(err, err_len, "%s: out of memory", ps.where.file);
	unit_buf__clear(&ps.line);
	if (rc) {
		unit_file__free(ps.u);
		errno = -rc;
		return NULL;
	}
	return ps.u;
}

struct unit_file *unit_file__load(const char *path, char *err, size_t err_len)
{
	struct unit_file *u = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc = file__read(path, UNIT_FILE_MAX_SIZE, &buf, &len);

	if (!rc)
		u = unit_file__parse(buf, len, path, err, err_len);
	else if (err && err_len)
		snprintf(err, err_len, "%s: cannot read: %s", path,
			 rc == -EISDIR || rc == -EINVAL ? "not a regular file" :
			 rc == -EFBIG ? "larger than 1 MiB, not a unit file" : strerror(-rc));
	free(buf);
	if (rc)
		errno = -rc;
	return u;
}
