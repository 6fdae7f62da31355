// SPDX-License-Identifier: MIT
/*
 * The profile as YAML.  One table per record type lists its keys in the
 * order they are written; the writer and the reader both walk these tables,
 * so the two cannot drift apart.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/core/file.h"
#include "capdiet/core/outfile.h"
#include "capdiet/core/user.h"
#include "capdiet/profile/profile.h"
#include "capdiet/core/emit.h"
#include "capdiet/core/ydoc.h"

enum field_kind {
	F_STR,      /* char *, null allowed */
	F_OPT_STR,  /* char *, left out when NULL (what only some profiles have) */
	F_OPT_BOOL, /* bool, left out when false */
	F_NAME,     /* char *, must be a non-empty string */
	F_BOOL,     /* bool */
	F_U64,      /* uint64_t */
	F_INT,      /* int */
	F_DOUBLE,   /* double */
	F_STRLIST,  /* struct strlist, written [a, b] */
	F_CAPSET,   /* capset_t, written [NAME, ...] in number order */
	F_OPT_CAPSET, /* capset_t, left out when empty */
	F_CAP,      /* int capability number, written NAME */
	F_MODE,     /* unsigned int, written "0640" */
	F_SCHEMA,   /* int, must be PROFILE_SCHEMA_VERSION */
	F_LIST,     /* an array of records, see struct list_spec */
	F_TIME,     /* char *, ISO 8601 UTC (profile__parse_time), not null */
	F_COUNTS,   /* uint64_t[64], written {NAME: n, ...} for each n > 0 */
	F_RECORD,   /* one record behind a pointer, left out when NULL */
};

struct list_spec;

/* Which records a list holds; list__add appends one. */
enum list_kind { L_PATHS, L_NEEDED, L_OBSERVED, L_TRIALS, L_NODES, L_OBSERVATION };

struct field {
	const char *key;
	enum field_kind kind;
	size_t offset;
	bool required;
	const struct list_spec *list; /* F_LIST, F_RECORD */
};

/* An array of records: T *items at the field's offset, size_t count here.
 * F_RECORD uses the same description for T *one (count_offset unused). */
struct list_spec {
	const struct field *fields;
	size_t n_fields;
	size_t elem_size;
	size_t count_offset;
	bool flow;                           /* one {k: v, ...} per line */
	enum list_kind kind;
	bool (*omit)(const void *elem, const struct field *f);
};

#define FIELD(type, key, kind, member, req) \
	{ key, kind, offsetof(type, member), req, NULL }
#define LIST(type, key, member, spec) \
	{ key, F_LIST, offsetof(type, member), false, spec }
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct field path_fields[] = {
	FIELD(struct profile_path, "path", F_NAME, path, true),
	FIELD(struct profile_path, "exists", F_BOOL, exists, false),
	FIELD(struct profile_path, "owner", F_STR, owner, false),
	FIELD(struct profile_path, "group", F_STR, group, false),
	FIELD(struct profile_path, "mode", F_MODE, mode, false),
	FIELD(struct profile_path, "type", F_STR, type, false),
};

/* A missing path has no owner, mode or type to report. */
static bool path__omit(const void *elem, const struct field *f)
{
	const struct profile_path *pp = elem;

	return !pp->exists && strcmp(f->key, "path") && strcmp(f->key, "exists");
}

static const struct list_spec path_list = {
	path_fields, N_OF(path_fields), sizeof(struct profile_path),
	offsetof(struct profile_evidence, n_paths), true, L_PATHS, path__omit,
};

#define EV(key, kind, member, req) FIELD(struct profile_evidence, key, kind, member, req)
static const struct field evidence_fields[] = {
	EV("cap", F_CAP, cap, true),
	EV("class", F_STR, klass, false),
	EV("reason", F_STR, reason, false),
	EV("count", F_U64, count, false),
	EV("trial", F_INT, trial, false),
	EV("syscalls", F_STRLIST, syscalls, false),
	EV("call_sites", F_STRLIST, call_sites, false),
	EV("stacks", F_STRLIST, stacks, false),
	EV("exes", F_STRLIST, exes, false),
	EV("errors", F_STRLIST, errors, false),
	LIST(struct profile_evidence, "paths", paths, &path_list),
	EV("args", F_STRLIST, args, false),
	EV("user_namespace", F_OPT_BOOL, user_ns, false),
};

static const struct list_spec needed_list = {
	evidence_fields, N_OF(evidence_fields), sizeof(struct profile_evidence),
	offsetof(struct profile, n_needed), false, L_NEEDED, NULL,
};

static const struct list_spec observed_list = {
	evidence_fields, N_OF(evidence_fields), sizeof(struct profile_evidence),
	offsetof(struct profile, n_observed), false, L_OBSERVED, NULL,
};

#define TR(key, kind, member, req) FIELD(struct profile_trial, key, kind, member, req)
static const struct field trial_fields[] = {
	TR("index", F_INT, index, true),
	TR("caps", F_CAPSET, caps, false),
	TR("outcome", F_STR, outcome, false),
	TR("detail", F_STR, detail, false),
	TR("new_required", F_CAPSET, new_required, false),
	TR("seconds", F_DOUBLE, seconds, false),
};

static const struct list_spec trial_list = {
	trial_fields, N_OF(trial_fields), sizeof(struct profile_trial),
	offsetof(struct profile, n_trials), true, L_TRIALS, NULL,
};

#define NC(key, kind, member, req) FIELD(struct profile_node_count, key, kind, member, req)
static const struct field node_fields[] = {
	NC("node", F_NAME, node, true),
	NC("replicas", F_U64, replicas, false),
	NC("checks", F_U64, checks, false),
	NC("seconds", F_DOUBLE, seconds, false),
	NC("ids", F_STRLIST, ids, false),
};

static const struct list_spec node_list = {
	node_fields, N_OF(node_fields), sizeof(struct profile_node_count),
	offsetof(struct profile_observation, n_nodes), true, L_NODES, NULL,
};

/* Only a merged observation has nodes. */
static bool observation__omit(const void *elem, const struct field *f)
{
	const struct profile_observation *o = elem;

	return f->kind == F_LIST && !o->n_nodes;
}

#define OB(key, kind, member, req) FIELD(struct profile_observation, key, kind, member, req)
static const struct field observation_fields[] = {
	OB("runtime", F_STR, runtime, false),
	OB("node", F_STR, node, false),
	OB("namespace", F_STR, namespace, false),
	OB("pod", F_STR, pod, false),
	OB("pod_uid", F_STR, pod_uid, false),
	OB("workload", F_OPT_STR, workload, false),
	OB("container", F_STR, container, false),
	OB("image", F_STR, image, false),
	OB("id", F_STR, id, false),
	OB("cgroup", F_STR, cgroup, false),
	OB("start", F_TIME, start, true),
	OB("end", F_TIME, end, true),
	OB("seconds", F_DOUBLE, seconds, true),
	OB("checks", F_U64, checks, true),
	OB("held", F_CAPSET, held, true),
	OB("used", F_CAPSET, used, true),
	OB("denied", F_CAPSET, denied, true),
	OB("unused", F_CAPSET, unused, true),
	OB("counts", F_COUNTS, counts, false),
	LIST(struct profile_observation, "nodes", nodes, &node_list),
};

static const struct list_spec observation_record = {
	observation_fields, N_OF(observation_fields), sizeof(struct profile_observation),
	0, false, L_OBSERVATION, observation__omit,
};

#define PR(key, kind, member, req) FIELD(struct profile, key, kind, member, req)
static const struct field profile_fields[] = {
	PR("capdiet_profile", F_SCHEMA, schema, true),
	PR("name", F_NAME, name, true),
	PR("command", F_STRLIST, command, false),
	PR("probe", F_STR, probe, false),
	PR("user", F_STR, user, false),
	PR("kernel", F_STR, kernel, false),
	PR("capdiet_version", F_STR, capdiet_version, false),
	PR("date", F_STR, date, false),
	PR("attach", F_STR, attach, false),
	PR("runtime", F_OPT_STR, runtime, false),
	PR("bundle", F_OPT_STR, bundle, false),
	PR("image", F_OPT_STR, image, false),
	PR("namespaced", F_OPT_BOOL, namespaced, false),
	PR("unit", F_OPT_STR, unit, false),
	PR("unit_excludes", F_OPT_CAPSET, unit_excludes, false),
	PR("complete", F_BOOL, complete, false),
	PR("degraded", F_BOOL, degraded, false),
	PR("minimized", F_BOOL, minimized, false),
	PR("flaky", F_BOOL, flaky, false),
	PR("lost", F_U64, lost, false),
	{ "observation", F_RECORD, offsetof(struct profile, observation), false,
	  &observation_record },
	PR("caps", F_CAPSET, caps, true),
	PR("unnecessary", F_CAPSET, unnecessary, false),
	PR("untestable", F_CAPSET, untestable, false),
	LIST(struct profile, "needed", needed, &needed_list),
	LIST(struct profile, "observed", observed, &observed_list),
	LIST(struct profile, "trials", trials, &trial_list),
	PR("failed_operations", F_STRLIST, failed_ops, false),
};

/* ---- writing ---- */

#define AT(base, f, type) ((type *)((char *)(base) + (f)->offset))

static int write_record(struct emit *e, const struct field *fields, size_t n,
			const void *base, bool flow, const struct list_spec *spec);

static int write_strlist(struct emit *e, const struct strlist *l)
{
	int err = emit__seq_start(e, true);

	for (size_t i = 0; !err && i < l->n; i++)
		err = emit__str(e, l->v[i]);
	return err ? err : emit__seq_end(e);
}

static int write_list(struct emit *e, const struct field *f, const void *base)
{
	const struct list_spec *spec = f->list;
	const char *items = *AT(base, f, char *const);
	size_t n = *(const size_t *)((const char *)base + spec->count_offset);
	int err = emit__seq_start(e, false);

	for (size_t i = 0; !err && i < n; i++)
		err = write_record(e, spec->fields, spec->n_fields,
				   items + i * spec->elem_size, spec->flow, spec);
	return err ? err : emit__seq_end(e);
}

/* {NAME: n} for each capability with checks, in number order; as in the
 * sets (emit__caps), a number without a name could not be read back. */
static int write_counts(struct emit *e, const uint64_t *counts)
{
	int err = emit__map_start(e, true);

	for (int cap = 0; !err && cap < 64; cap++) {
		if (!counts[cap] || !caps__name(cap))
			continue;
		err = emit__plain(e, caps__name(cap));
		if (!err)
			err = emit__uint(e, counts[cap]);
	}
	return err ? err : emit__map_end(e);
}

static int write_value(struct emit *e, const struct field *f, const void *base)
{
	char buf[32];

	switch (f->kind) {
	case F_STR:
	case F_OPT_STR:
	case F_TIME:
		return emit__str(e, *AT(base, f, char *const));
	case F_NAME:
		return emit__str(e, *AT(base, f, char *const) ? *AT(base, f, char *const) : "");
	case F_BOOL:
	case F_OPT_BOOL:
		return emit__bool(e, *AT(base, f, const bool));
	case F_U64:
		return emit__uint(e, *AT(base, f, const uint64_t));
	case F_INT:
	case F_SCHEMA:
		return emit__int(e, *AT(base, f, const int));
	case F_DOUBLE:
		snprintf(buf, sizeof(buf), "%.2f", *AT(base, f, const double));
		return emit__plain(e, buf);
	case F_STRLIST:
		return write_strlist(e, AT(base, f, const struct strlist));
	case F_CAPSET:
	case F_OPT_CAPSET:
		return emit__caps(e, *AT(base, f, const capset_t), false);
	case F_CAP:
		return emit__plain(e, caps__name(*AT(base, f, const int)) ?: "?");
	case F_MODE:
		snprintf(buf, sizeof(buf), "%04o", *AT(base, f, const unsigned int) & 07777);
		return emit__quoted(e, buf);
	case F_LIST:
		return write_list(e, f, base);
	case F_COUNTS:
		return write_counts(e, AT(base, f, const uint64_t));
	case F_RECORD:
		return write_record(e, f->list->fields, f->list->n_fields,
				    *AT(base, f, const void *const), f->list->flow, f->list);
	}
	return -EINVAL;
}

static int write_record(struct emit *e, const struct field *fields, size_t n,
			const void *base, bool flow, const struct list_spec *spec)
{
	int err = emit__map_start(e, flow);

	for (size_t i = 0; !err && i < n; i++) {
		if (spec && spec->omit && spec->omit(base, &fields[i]))
			continue;
		if (fields[i].kind == F_OPT_STR && !*AT(base, &fields[i], char *const))
			continue;
		if (fields[i].kind == F_OPT_BOOL && !*AT(base, &fields[i], const bool))
			continue;
		if (fields[i].kind == F_OPT_CAPSET && !*AT(base, &fields[i], const capset_t))
			continue;
		if (fields[i].kind == F_RECORD && !*AT(base, &fields[i], const void *const))
			continue;
		err = emit__plain(e, fields[i].key);
		if (!err)
			err = write_value(e, &fields[i], base);
	}
	return err ? err : emit__map_end(e);
}

int profile__write(const struct profile *p, FILE *out)
{
	struct emit e;
	int err;

	err = emit__begin(&e, out, EMIT_YAML);
	if (err)
		return err;
	err = write_record(&e, profile_fields, N_OF(profile_fields), p, false, NULL);
	if (err) {
		emit__abort(&e);
		return err;
	}
	return emit__end(&e);
}

static int profile__fill(FILE *out, void *ctx)
{
	return profile__write(ctx, out);
}

int profile__save(const struct profile *p, const char *path)
{
	return outfile__write(path, profile__fill, (void *)p);
}

/* ---- reading ---- */

static int read_record(const struct ydoc_where *where, const struct ydoc_node *map,
		       const struct field *fields, size_t n, void *base);

static int expect(const struct ydoc_where *where, const struct field *f, const struct ydoc_node *n,
		  enum ydoc_type type)
{
	static const char *const what[] = { "a single value", "a list", "a mapping" };

	if (n->type == type)
		return 0;
	return ydoc_where__fail(where, n->line, "%s: expected %s, found a %s", f->key, what[type],
				ydoc__type_name(n));
}

static int read_str(const struct ydoc_where *where, const struct field *f,
		    const struct ydoc_node *n, char **out)
{
	int err = expect(where, f, n, YDOC_SCALAR);

	if (err)
		return err;
	if (ydoc__is_null(n)) {
		if (f->kind == F_NAME)
			return ydoc_where__fail(where, n->line, "%s: must not be empty", f->key);
		return 0;
	}
	if (f->kind == F_NAME && !*n->value)
		return ydoc_where__fail(where, n->line, "%s: must not be empty", f->key);
	*out = strdup(n->value);
	return *out ? 0 : -ENOMEM;
}

static int read_bool(const struct ydoc_where *where, const struct field *f,
		     const struct ydoc_node *n, bool *out)
{
	int err = expect(where, f, n, YDOC_SCALAR);

	if (err)
		return err;
	if (n->plain && strcasecmp(n->value, "true") == 0)
		*out = true;
	else if (n->plain && strcasecmp(n->value, "false") == 0)
		*out = false;
	else
		return ydoc_where__fail(where, n->line,
					"%s: expected true or false, found '%s'", f->key, n->value);
	return 0;
}

/* A plain integer in [min, max]; no signs or spaces where none belong. */
static int read_integer(const struct ydoc_where *where, const struct field *f,
			const struct ydoc_node *n, long long min, unsigned long long max,
			unsigned long long *out, bool *negative)
{
	const char *s = n->value;
	char *end;
	int err = expect(where, f, n, YDOC_SCALAR);

	if (err)
		return err;
	*negative = *s == '-' && min < 0;
	s += *negative;
	if (!n->plain || *s < '0' || *s > '9')
		return ydoc_where__fail(where, n->line,
					"%s: expected a number, found '%s'", f->key, n->value);
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*end)
		return ydoc_where__fail(where, n->line,
					"%s: expected a number, found '%s'", f->key, n->value);
	if (errno || (*negative ? *out > (unsigned long long)-min : *out > max))
		return ydoc_where__fail(where, n->line, "%s: %s is out of range", f->key, n->value);
	return 0;
}

static int read_u64(const struct ydoc_where *where, const struct field *f,
		    const struct ydoc_node *n, uint64_t *out)
{
	unsigned long long v;
	bool neg;
	int err = read_integer(where, f, n, 0, UINT64_MAX, &v, &neg);

	if (!err)
		*out = v;
	return err;
}

static int read_int(const struct ydoc_where *where, const struct field *f,
		    const struct ydoc_node *n, int *out)
{
	unsigned long long v;
	bool neg;
	int err = read_integer(where, f, n, -1, INT32_MAX, &v, &neg);

	if (!err)
		*out = neg ? -(int)v : (int)v;
	return err;
}

static int read_double(const struct ydoc_where *where, const struct field *f,
		       const struct ydoc_node *n, double *out)
{
	char *end;
	int err = expect(where, f, n, YDOC_SCALAR);

	if (err)
		return err;
	errno = 0;
	*out = strtod(n->value, &end);
	if (!n->plain || !*n->value || *end || errno || !isfinite(*out) || *out < 0)
		return ydoc_where__fail(where, n->line,
					"%s: expected a number of seconds, found '%s'", f->key,
					n->value);
	return 0;
}

/* A list, or null for an empty one; each item must be a scalar. */
static int expect_list(const struct ydoc_where *where, const struct field *f,
		       const struct ydoc_node *n)
{
	if (ydoc__is_null(n))
		return 0;
	int err = expect(where, f, n, YDOC_SEQ);

	for (size_t i = 0; !err && i < n->n; i++)
		if (f->kind != F_LIST && n->items[i]->type != YDOC_SCALAR)
			err = ydoc_where__fail(where, n->items[i]->line,
					       "%s: expected a list of single values, found a %s",
					       f->key, ydoc__type_name(n->items[i]));
	return err;
}

static int read_strlist(const struct ydoc_where *where, const struct field *f,
			const struct ydoc_node *n, struct strlist *out)
{
	int err = expect_list(where, f, n);

	for (size_t i = 0; !err && i < n->n; i++) {
		if (ydoc__is_null(n->items[i]))
			return ydoc_where__fail(where, n->items[i]->line,
						"%s: null in a list of strings", f->key);
		err = strlist__add(out, n->items[i]->value);
	}
	return err;
}

static int read_capset(const struct ydoc_where *where, const struct field *f,
		       const struct ydoc_node *n, capset_t *out)
{
	const struct ydoc_node *bad;
	int err = expect_list(where, f, n);

	*out = 0;
	/* expect_list let through only scalars: what is bad is a name. */
	if (!err && ydoc__caps(n, out, NULL, &bad))
		err = ydoc_where__fail(where, bad->line, "%s: '%s' is not a capability name",
				       f->key, bad->value);
	return err;
}

static int read_cap(const struct ydoc_where *where, const struct field *f,
		    const struct ydoc_node *n, int *out)
{
	int err = expect(where, f, n, YDOC_SCALAR);

	if (err)
		return err;
	*out = caps__parse_name(n->value);
	if (*out < 0)
		return ydoc_where__fail(where, n->line,
					"%s: '%s' is not a capability name", f->key, n->value);
	return 0;
}

static int read_mode(const struct ydoc_where *where, const struct field *f,
		     const struct ydoc_node *n, unsigned int *out)
{
	char *end;
	unsigned long v;
	int err = expect(where, f, n, YDOC_SCALAR);

	if (err)
		return err;
	errno = 0;
	v = strtoul(n->value, &end, 8);
	if (!*n->value || *end || errno || v > 07777 || strchr(n->value, '-'))
		return ydoc_where__fail(where, n->line,
					"%s: expected an octal mode like \"0640\", found '%s'",
					f->key, n->value);
	*out = (unsigned int)v;
	return 0;
}

static int read_schema(const struct ydoc_where *where, const struct field *f,
		       const struct ydoc_node *n, int *out)
{
	int err = read_int(where, f, n, out);

	if (!err && *out != PROFILE_SCHEMA_VERSION)
		return ydoc_where__fail(where, n->line,
					"capdiet_profile: version %d is not supported; this capdiet "
					"reads version %d", *out, PROFILE_SCHEMA_VERSION);
	return err;
}

static void *list__add(const struct list_spec *spec, void *base)
{
	switch (spec->kind) {
	case L_PATHS:
		return profile_evidence__new_path(base);
	case L_NEEDED:
		return profile__add_needed(base, 0);
	case L_OBSERVED:
		return profile__add_observed(base, 0);
	case L_TRIALS:
		return profile__add_trial(base);
	case L_NODES:
		return profile_observation__add_node(base);
	case L_OBSERVATION:
		return profile__add_observation(base);
	}
	errno = EINVAL;
	return NULL;
}

static int read_list(const struct ydoc_where *where, const struct field *f,
		     const struct ydoc_node *n, void *base)
{
	const struct list_spec *spec = f->list;
	int err = expect_list(where, f, n);

	for (size_t i = 0; !err && i < n->n; i++) {
		void *elem = list__add(spec, base);

		if (!elem)
			return -ENOMEM;
		err = read_record(where, n->items[i], spec->fields, spec->n_fields, elem);
	}
	return err;
}

static int read_time(const struct ydoc_where *where, const struct field *f,
		     const struct ydoc_node *n, char **out)
{
	double t;
	int err = expect(where, f, n, YDOC_SCALAR);

	if (!err && (ydoc__is_null(n) || profile__parse_time(n->value, &t)))
		return ydoc_where__fail(where, n->line, "%s: expected a UTC time like "
					"2026-11-29T12:00:00Z, found '%s'", f->key, n->value);
	if (!err)
		*out = strdup(n->value);
	return err ? err : *out ? 0 : -ENOMEM;
}

/* NAME: n pairs; two spellings of one capability are one key twice. */
static int read_counts(const struct ydoc_where *where, const struct field *f,
		       const struct ydoc_node *n, uint64_t *counts)
{
	capset_t seen = 0;
	int err = ydoc__is_null(n) ? 0 : expect(where, f, n, YDOC_MAP);

	for (size_t i = 0; !err && !ydoc__is_null(n) && i < n->n; i++) {
		const struct ydoc_node *key = ydoc__key(n, i);
		int cap;

		err = read_cap(where, f, key, &cap);
		if (!err && caps__has(seen, cap))
			err = ydoc_where__fail(where, key->line, "%s: %s appears twice", f->key,
					       caps__name(cap));
		if (!err)
			err = read_u64(where, f, ydoc__value(n, i), &counts[cap]);
		seen |= err ? 0 : CAPSET_BIT(cap);
	}
	return err;
}

static int read_one(const struct ydoc_where *where, const struct field *f,
		    const struct ydoc_node *n, void *base)
{
	const struct list_spec *spec = f->list;
	int err = expect(where, f, n, YDOC_MAP);
	void *rec = err ? NULL : list__add(spec, base);

	if (err)
		return err;
	if (!rec)
		return -ENOMEM;
	return read_record(where, n, spec->fields, spec->n_fields, rec);
}

static int read_value(const struct ydoc_where *where, const struct field *f,
		      const struct ydoc_node *n, void *base)
{
	switch (f->kind) {
	case F_STR:
	case F_OPT_STR:
	case F_NAME:
		return read_str(where, f, n, AT(base, f, char *));
	case F_BOOL:
	case F_OPT_BOOL:
		return read_bool(where, f, n, AT(base, f, bool));
	case F_U64:
		return read_u64(where, f, n, AT(base, f, uint64_t));
	case F_INT:
		return read_int(where, f, n, AT(base, f, int));
	case F_DOUBLE:
		return read_double(where, f, n, AT(base, f, double));
	case F_STRLIST:
		return read_strlist(where, f, n, AT(base, f, struct strlist));
	case F_CAPSET:
	case F_OPT_CAPSET:
		return read_capset(where, f, n, AT(base, f, capset_t));
	case F_CAP:
		return read_cap(where, f, n, AT(base, f, int));
	case F_MODE:
		return read_mode(where, f, n, AT(base, f, unsigned int));
	case F_SCHEMA:
		return read_schema(where, f, n, AT(base, f, int));
	case F_LIST:
		return read_list(where, f, n, base);
	case F_TIME:
		return read_time(where, f, n, AT(base, f, char *));
	case F_COUNTS:
		return read_counts(where, f, n, AT(base, f, uint64_t));
	case F_RECORD:
		return read_one(where, f, n, base);
	}
	return -EINVAL;
}

static const struct field *find_field(const struct field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fields[i].key, key))
			return &fields[i];
	return NULL;
}

/* Reads the keys of one mapping; unknown keys are errors (and the reader
 * refuses repeated ones), so a typo never silently drops evidence. */
static int read_record(const struct ydoc_where *where, const struct ydoc_node *map,
		       const struct field *fields, size_t n, void *base)
{
	uint64_t seen = 0;
	int err = 0;

	if (map->type != YDOC_MAP)
		return ydoc_where__fail(where, map->line,
					"expected a mapping (key: value), found a %s",
					ydoc__type_name(map));
	for (size_t i = 0; !err && i < map->n; i++) {
		const struct ydoc_node *key = ydoc__key(map, i);
		const struct field *f;

		if (key->type != YDOC_SCALAR || !(f = find_field(fields, n, key->value)))
			return ydoc_where__fail(where, key->line, "unknown key '%s'",
						key->type == YDOC_SCALAR ? key->value : "(complex key)");
		seen |= 1ULL << (f - fields);
		err = read_value(where, f, ydoc__value(map, i), base);
	}
	for (size_t i = 0; !err && i < n; i++)
		if (fields[i].required && !(seen & (1ULL << i)))
			err = ydoc_where__fail(where, map->line, "missing key '%s'", fields[i].key);
	return err;
}

/* The one document of a profile; aliases are refused, capdiet writes none. */
static int profile__tree(const char *buf, size_t len, const struct ydoc_where *where,
			 struct ydoc **tree)
{
	int rc = ydoc__load(buf, len, YDOC_ONE_DOCUMENT | YDOC_NO_ALIASES, where, tree);

	if (rc)
		return rc;
	if (!(*tree)->docs[0].root)
		return ydoc_where__fail(where, 1, "empty document");
	if (!ydoc__get((*tree)->docs[0].root, "capdiet_profile"))
		return ydoc_where__fail(where, (*tree)->docs[0].root->line,
					"not a capdiet profile (no 'capdiet_profile' key)");
	return 0;
}

/*
 * name and user reach exports as words of a unit file, a comment, a
 * command line: a newline or a quote there would be a line or an option
 * of its own.  Refused here, before any writer sees them.
 */
static int profile__check_words(const struct ydoc_where *where, const struct ydoc_node *root,
				const struct profile *p)
{
	if (!profile__valid_name(p->name))
		return ydoc_where__fail(where, ydoc__get(root, "name")->line, "name: 1 to %d "
					"letters, digits and . _ - + @ : only", PROFILE_NAME_MAX);
	if (p->user && !user_spec__valid_text(p->user))
		return ydoc_where__fail(where, ydoc__get(root, "user")->line, "user: USER[:GROUP], "
					"each a number or a name of letters, digits, . _ -");
	return 0;
}

/* The line of key in the observation, or of the observation itself. */
static int observation__line(const struct ydoc_node *map, const char *key)
{
	const struct ydoc_node *n = ydoc__get(map, key);

	return n ? n->line : map->line;
}

/*
 * An observation holds together: it names the host (or hosts) it was
 * watched on, its window does not end before it starts, and what it calls
 * unused was held and never checked.
 */
static int profile__check_observation(const struct ydoc_where *where,
				      const struct ydoc_node *root,
				      const struct profile_observation *o)
{
	const struct ydoc_node *map = ydoc__get(root, "observation");
	double start = 0, end = 0;

	if (!o)
		return 0;
	if ((!o->node || !*o->node) && !o->n_nodes)
		return ydoc_where__fail(where, observation__line(map, "node"), "observation: "
					"node: name the host it was watched on");
	if (!profile__parse_time(o->start, &start) && !profile__parse_time(o->end, &end) &&
	    end < start)
		return ydoc_where__fail(where, observation__line(map, "end"), "observation: "
					"end: %s is before start %s", o->end, o->start);
	if ((o->unused & ~o->held) || (o->unused & (o->used | o->denied)))
		return ydoc_where__fail(where, observation__line(map, "unused"), "observation: "
					"unused: only what was held and never checked (held "
					"minus used and denied)");
	return 0;
}

struct profile *profile__parse(const char *buf, size_t len, const char *name, char *err,
			       size_t err_len)
{
	const struct ydoc_where where = { name ? name : "<profile>", err, err_len };
	struct profile *p = NULL;
	struct ydoc *tree = NULL;
	int rc;

	rc = profile__tree(buf, len, &where, &tree);
	if (rc)
		goto cleanup;
	p = profile__new();
	if (!p) {
		rc = -ENOMEM;
		goto cleanup;
	}
	rc = read_record(&where, tree->docs[0].root, profile_fields, N_OF(profile_fields), p);
	if (!rc)
		rc = profile__check_words(&where, tree->docs[0].root, p);
	if (!rc)
		rc = profile__check_observation(&where, tree->docs[0].root, p->observation);
cleanup:
	if (rc == -ENOMEM && err && err_len)
		snprintf(err, err_len, "%s: out of memory", where.file);
	ydoc__free(tree);
	if (rc) {
		profile__free(p);
		errno = -rc;
		return NULL;
	}
	return p;
}

struct profile *profile__load(const char *path, char *err, size_t err_len)
{
	struct profile *p = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc = file__read(path, YDOC_MAX_SIZE, &buf, &len);

	if (rc == -EISDIR)
		rc = -EINVAL;
	if (!rc)
		p = profile__parse(buf, len, path, err, err_len);
	else if (err && err_len)
		snprintf(err, err_len, "%s: cannot read: %s", path,
			 rc == -EINVAL ? "not a regular file" :
			 rc == -EFBIG ? "larger than 16 MiB, not a profile" : strerror(-rc));
	free(buf);
	if (rc)
		errno = -rc;
	return p;
}

bool profile__is_document(const struct ydoc_node *root)
{
	return ydoc__get(root, "capdiet_profile") != NULL;
}

/* The version rule is read_schema's; the words are the gate's own. */
int profile__read_head(const struct ydoc_node *root, const struct ydoc_where *where,
		       struct profile_head *out)
{
	const struct ydoc_where quiet = { where->file, NULL, 0 };
	const struct field *f = find_field(profile_fields, N_OF(profile_fields), "capdiet_profile");
	const struct ydoc_node *version = ydoc__get(root, "capdiet_profile");
	int schema;

	out->name = ydoc__text(ydoc__get(root, "name"));
	out->caps = ydoc__get(root, "caps");
	if (!version || read_schema(&quiet, f, version, &schema))
		return ydoc_where__fail(where, version ? version->line : root->line,
					"capdiet_profile %s is not a version this capdiet reads (%d)",
					ydoc__text(version) ?: "?", PROFILE_SCHEMA_VERSION);
	if (!out->caps)
		return ydoc_where__fail(where, root->line, "profile %s has no caps list",
					out->name ? out->name : "(unnamed)");
	return 0;
}
