// SPDX-License-Identifier: MIT
/*
 * capdiet merge's logic (merge.h); the command line is cli/cmd_merge.c.
 * Every sum and union here is associative, so merging merged profiles gives
 * what merging all their inputs at once gives.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/text.h"
#include "capdiet/profile/merge.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- messages ---- */

/* One input string, escaped for a one-line message ("-" for none). */
struct merge_text {
	char s[160];
};

static const char *merge__esc(struct merge_text *t, const char *s)
{
	text__escape(s ? s : "-", t->s, sizeof(t->s)); /* too long: cut cleanly */
	return t->s;
}

/* "FILE: problem" into err; returns -EINVAL. */
static int merge__fail(char *err, size_t err_len, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int merge__fail(char *err, size_t err_len, const char *file, const char *fmt, ...)
{
	struct merge_text name;
	va_list ap;
	int n;

	if (!err || !err_len)
		return -EINVAL;
	n = snprintf(err, err_len, "%s: ", merge__esc(&name, file));
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < err_len)
		vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* *dst becomes a copy of src (NULL too). */
static int merge__replace(char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	if (src && !copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static bool merge__same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* ---- what may be merged ---- */

/* A workload: its namespace, the pod's owner and the container's name. */
struct merge_id {
	const char *namespace;
	char *workload;        /* owned; NULL: not a pod */
	const char *container;
	const char *name;      /* the profile's, when nothing else names it */
};

static int merge_id__get(const struct profile *p, struct merge_id *id)
{
	const struct profile_observation *o = p->observation;

	*id = (struct merge_id){ o->namespace, NULL, o->container, p->name };
	id->workload = profile_observation__workload(o);
	return id->workload || errno == ENOENT ? 0 : -ENOMEM;
}

static bool merge_id__anonymous(const struct merge_id *id)
{
	return !id->namespace && !id->workload && !id->container;
}

static bool merge_id__equal(const struct merge_id *a, const struct merge_id *b)
{
	if (merge_id__anonymous(a) && merge_id__anonymous(b))
		return merge__same(a->name, b->name);
	return merge__same(a->namespace, b->namespace) && merge__same(a->workload, b->workload) &&
	       merge__same(a->container, b->container);
}

static void merge_id__describe(const struct merge_id *id, char *buf, size_t len)
{
	struct merge_text ns, workload, container;

	if (merge_id__anonymous(id))
		snprintf(buf, len, "profile %s", merge__esc(&ns, id->name));
	else
		snprintf(buf, len, "namespace %s, workload %s, container %s",
			 merge__esc(&ns, id->namespace), merge__esc(&workload, id->workload),
			 merge__esc(&container, id->container));
}

static int merge__check_observed(const struct merge_input *in, size_t n, char *err,
				 size_t err_len)
{
	for (size_t i = 0; i < n; i++) {
		const struct profile_observation *o = in[i].profile->observation;

		if (!o)
			return merge__fail(err, err_len, in[i].file, "not an observed profile "
					   "(learned by trials): merge combines what capdiet "
					   "observe saw, never with a trial's minimum");
		if (!o->node && !o->n_nodes)
			return merge__fail(err, err_len, in[i].file, "the observation names "
					   "no node it was watched on");
	}
	return 0;
}

static int merge__check_workload(const struct merge_input *in, size_t n, char *err,
				 size_t err_len)
{
	struct merge_id first, id = { 0 };
	char a[512], b[512];
	int rc = merge_id__get(in[0].profile, &first);

	for (size_t i = 1; !rc && i < n; i++) {
		rc = merge_id__get(in[i].profile, &id);
		if (!rc && !merge_id__equal(&first, &id)) {
			merge_id__describe(&id, a, sizeof(a));
			merge_id__describe(&first, b, sizeof(b));
			rc = merge__fail(err, err_len, in[i].file, "another workload (%s) than "
					 "the first profile's (%s); merge combines the replicas "
					 "of one workload: give --name NAME to merge them anyway",
					 a, b);
		}
		free(id.workload);
		id.workload = NULL;
	}
	free(first.workload);
	return rc;
}

/* ---- one container given twice ---- */

/* Whether o covers container id on node: its own, or one of a merge's. */
static bool merge__holds(const struct profile_observation *o, const char *node, const char *id)
{
	if (!o->n_nodes)
		return merge__same(o->node, node) && merge__same(o->id, id);
	for (size_t i = 0; i < o->n_nodes; i++)
		if (!strcmp(o->nodes[i].node, node) && strlist__contains(&o->nodes[i].ids, id))
			return true;
	return false;
}

/* The first container (node, id) of a that b covers too; false: none. */
static bool merge__shared(const struct profile_observation *a,
			  const struct profile_observation *b, const char **node, const char **id)
{
	if (!a->n_nodes) {
		*node = a->node;
		*id = a->id;
		return a->node && a->id && merge__holds(b, a->node, a->id);
	}
	for (size_t i = 0; i < a->n_nodes; i++) {
		for (size_t k = 0; k < a->nodes[i].ids.n; k++) {
			*node = a->nodes[i].node;
			*id = a->nodes[i].ids.v[k];
			if (merge__holds(b, *node, *id))
				return true;
		}
	}
	return false;
}

/*
 * The observer rewrites a container's profile every interval, counting from
 * when it first saw it: two copies share a start, or their windows overlap,
 * and the later one already holds the earlier one's checks.
 */
static bool merge__overlap(const struct profile_observation *a,
			   const struct profile_observation *b)
{
	double as, ae, bs, be;

	if (profile__parse_time(a->start, &as) || profile__parse_time(a->end, &ae) ||
	    profile__parse_time(b->start, &bs) || profile__parse_time(b->end, &be))
		return false; /* merge__window refuses the input */
	return as == bs || (as < be && bs < ae);
}

static int merge__check_twice(const struct merge_input *in, size_t n, char *err, size_t err_len)
{
	struct merge_text first, node, id;
	const char *on, *cid;
	char short_id[13]; /* as docker ps shows it */

	for (size_t i = 1; i < n; i++) {
		const struct profile_observation *o = in[i].profile->observation;

		for (size_t j = 0; j < i; j++) {
			const struct profile_observation *q = in[j].profile->observation;

			if (!merge__shared(o, q, &on, &cid) || !merge__overlap(o, q))
				continue;
			snprintf(short_id, sizeof(short_id), "%s", cid);
			return merge__fail(err, err_len, in[i].file, "the same container "
					   "as %s (node %s, id %s) in an overlapping window: "
					   "its checks would be counted twice; merge only the "
					   "latest profile of a container",
					   merge__esc(&first, in[j].file), merge__esc(&node, on),
					   merge__esc(&id, short_id));
		}
	}
	return 0;
}

/* ---- strings: kept where every input agrees ---- */

static const size_t profile_strings[] = {
	offsetof(struct profile, name), offsetof(struct profile, probe),
	offsetof(struct profile, user), offsetof(struct profile, kernel),
	offsetof(struct profile, capdiet_version), offsetof(struct profile, attach),
	offsetof(struct profile, runtime), offsetof(struct profile, bundle),
	offsetof(struct profile, image), offsetof(struct profile, unit),
};

static const size_t observation_strings[] = {
	offsetof(struct profile_observation, runtime), offsetof(struct profile_observation, node),
	offsetof(struct profile_observation, namespace), offsetof(struct profile_observation, pod),
	offsetof(struct profile_observation, pod_uid),
	offsetof(struct profile_observation, container),
	offsetof(struct profile_observation, image), offsetof(struct profile_observation, id),
	offsetof(struct profile_observation, cgroup),
	offsetof(struct profile_observation, workload),
};

#define STR_AT(base, off) ((char **)((char *)(base) + (off)))
#define CSTR_AT(base, off) (*(const char *const *)((const char *)(base) + (off)))

static int merge__copy_strings(void *dst, const void *src, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = CSTR_AT(src, offs[i]);

		if (s && !(*STR_AT(dst, offs[i]) = strdup(s)))
			return -ENOMEM;
	}
	return 0;
}

/* A string two inputs disagree on is unknown (NULL) from then on. */
static void merge__keep_common(void *dst, const void *src, const size_t *offs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char **d = STR_AT(dst, offs[i]);

		if (*d && !merge__same(*d, CSTR_AT(src, offs[i]))) {
			free(*d);
			*d = NULL;
		}
	}
}

static bool merge__same_strlist(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

static int merge__start(struct profile *p, const struct profile *first)
{
	int rc = merge__copy_strings(p, first, profile_strings, N_OF(profile_strings));

	if (!rc)
		rc = merge__copy_strings(p->observation, first->observation, observation_strings,
					 N_OF(observation_strings));
	for (size_t i = 0; !rc && i < first->command.n; i++)
		rc = strlist__add(&p->command, first->command.v[i]);
	return rc;
}

/* *dst becomes src when src is the later (earlier) time; of two spellings
 * of one time, the smaller text. */
static int merge__later(char **dst, const char *src, bool later)
{
	double a = 0, b;

	if (!src || profile__parse_time(src, &b))
		return 0;
	if (*dst && !profile__parse_time(*dst, &a) &&
	    (b == a ? strcmp(src, *dst) >= 0 : later ? b < a : b > a))
		return 0;
	return merge__replace(dst, src);
}

/* ---- sets and numbers ---- */

static double merge__max(double a, double b)
{
	return a > b ? a : b;
}

static uint64_t merge__add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void merge__numbers(struct profile *p, const struct profile *q)
{
	struct profile_observation *o = p->observation;
	const struct profile_observation *s = q->observation;

	/* caps is the used set, and keeps what a person added to an input. */
	p->caps |= q->caps | s->used;
	p->unnecessary |= q->unnecessary;
	p->untestable |= q->untestable;
	p->complete = p->complete && q->complete;
	p->degraded |= q->degraded;
	p->flaky |= q->flaky;
	p->namespaced |= q->namespaced;
	p->lost = merge__add(p->lost, q->lost);
	o->held |= s->held;
	o->used |= s->used;
	o->denied |= s->denied;
	o->checks = merge__add(o->checks, s->checks);
	o->seconds = merge__max(o->seconds, s->seconds);
	for (int cap = 0; cap < 64; cap++)
		o->counts[cap] = merge__add(o->counts[cap], s->counts[cap]);
}

static int merge__window(struct profile_observation *o, const struct profile_observation *s,
			 const char *file, char *err, size_t err_len)
{
	double t;

	if (profile__parse_time(s->start, &t) || profile__parse_time(s->end, &t))
		return merge__fail(err, err_len, file, "observation: start and end must be UTC "
				   "times like 2026-11-29T12:00:00Z");
	if (merge__later(&o->start, s->start, false) || merge__later(&o->end, s->end, true))
		return -ENOMEM;
	return 0;
}

/* ---- nodes ---- */

static int merge__strlist(struct strlist *dst, const struct strlist *src)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < src->n; i++)
		rc = strlist__add_unique(dst, src->v[i]);
	return rc;
}

static int merge__add_node(struct profile_observation *o, const struct profile_node_count *c)
{
	struct profile_node_count *d = NULL;

	for (size_t i = 0; i < o->n_nodes && !d; i++)
		if (!strcmp(o->nodes[i].node, c->node))
			d = &o->nodes[i];
	if (!d) {
		d = profile_observation__add_node(o);
		if (!d || !(d->node = strdup(c->node)))
			return -ENOMEM;
	}
	d->replicas = merge__add(d->replicas, c->replicas);
	d->checks = merge__add(d->checks, c->checks);
	d->seconds += c->seconds;
	return merge__strlist(&d->ids, &c->ids);
}

/* A node's view is one replica; a merged one brings its nodes. */
static int merge__nodes(struct profile_observation *o, const struct profile_observation *s)
{
	char *id = s->id;
	struct profile_node_count one = { s->node, 1, s->checks, s->seconds,
					  { s->id ? &id : NULL, s->id ? 1 : 0, 0 } };
	int rc = s->n_nodes ? 0 : merge__add_node(o, &one);

	for (size_t i = 0; !rc && i < s->n_nodes; i++)
		rc = merge__add_node(o, &s->nodes[i]);
	return rc;
}

static int merge__node_order(const void *a, const void *b)
{
	return strcmp(((const struct profile_node_count *)a)->node,
		      ((const struct profile_node_count *)b)->node);
}

/* ---- evidence ---- */

/* Text order, NULL after any text. */
static int merge__text_order(const char *a, const char *b)
{
	if (!a || !b)
		return !a - !b;
	return strcmp(a, b);
}

/* How strongly a class says the capability is needed (0: none). */
static int merge__class_rank(const char *klass)
{
	static const char *const strongest_first[] = { "required", "tolerated", "denied",
							  "granted" };

	if (!klass)
		return 0;
	for (size_t i = 0; i < N_OF(strongest_first); i++)
		if (!strcmp(klass, strongest_first[i]))
			return (int)(N_OF(strongest_first) - i) + 1;
	return 1;
}

/*
 * Whether s's class and reason explain the capability before d's: the
 * stronger class, then the smaller text of class and reason.  A total
 * order, so which input came first never decides.
 */
static bool merge__explains_first(const struct profile_evidence *s,
				  const struct profile_evidence *d)
{
	int by_rank = merge__class_rank(s->klass) - merge__class_rank(d->klass);
	int by_class = merge__text_order(s->klass, d->klass);

	if (by_rank)
		return by_rank > 0;
	if (by_class)
		return by_class < 0;
	return merge__text_order(s->reason, d->reason) < 0;
}

/* Two inputs' records of one path: the smaller one, in a fixed order. */
static int merge__path_order(const struct profile_path *a, const struct profile_path *b)
{
	int by = (int)b->exists - (int)a->exists;

	by = by ?: (a->mode > b->mode) - (a->mode < b->mode);
	by = by ?: merge__text_order(a->owner, b->owner);
	by = by ?: merge__text_order(a->group, b->group);
	return by ?: merge__text_order(a->type, b->type);
}

static int merge__set_path(struct profile_path *d, const struct profile_path *s)
{
	if (merge__replace(&d->owner, s->owner) || merge__replace(&d->group, s->group) ||
	    merge__replace(&d->type, s->type))
		return -ENOMEM;
	d->exists = s->exists;
	d->mode = s->mode;
	return 0;
}

static int merge__paths(struct profile_evidence *d, const struct profile_evidence *s)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < s->n_paths; i++) {
		const struct profile_path *sp = &s->paths[i];
		struct profile_path *dp = NULL;

		for (size_t j = 0; j < d->n_paths && !dp; j++)
			dp = !strcmp(d->paths[j].path, sp->path) ? &d->paths[j] : NULL;
		if (dp && merge__path_order(sp, dp) >= 0)
			continue;
		if (!dp && (!(dp = profile_evidence__new_path(d)) ||
			    merge__replace(&dp->path, sp->path)))
			return -ENOMEM;
		rc = merge__set_path(dp, sp);
	}
	return rc;
}

static int merge__evidence(struct profile_evidence *d, const struct profile_evidence *s)
{
	int rc = 0;

	if (merge__explains_first(s, d))
		rc = merge__replace(&d->klass, s->klass) ?: merge__replace(&d->reason, s->reason);
	d->count = merge__add(d->count, s->count);
	d->user_ns |= s->user_ns;
	if (!rc)
		rc = merge__strlist(&d->syscalls, &s->syscalls);
	if (!rc)
		rc = merge__strlist(&d->call_sites, &s->call_sites);
	if (!rc)
		rc = merge__strlist(&d->stacks, &s->stacks);
	if (!rc)
		rc = merge__strlist(&d->exes, &s->exes);
	if (!rc)
		rc = merge__strlist(&d->errors, &s->errors);
	if (!rc)
		rc = merge__strlist(&d->args, &s->args);
	return rc ? rc : merge__paths(d, s);
}

/* One capability's evidence from every input, in one record. */
static int merge__evidence_list(struct profile *p, const struct profile *q, bool needed)
{
	const struct profile_evidence *v = needed ? q->needed : q->observed;
	size_t n = needed ? q->n_needed : q->n_observed;
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		struct profile_evidence *d = NULL, *have = needed ? p->needed : p->observed;
		size_t n_have = needed ? p->n_needed : p->n_observed;

		for (size_t j = 0; j < n_have && !d; j++)
			d = have[j].cap == v[i].cap ? &have[j] : NULL;
		if (!d)
			d = needed ? profile__add_needed(p, v[i].cap)
				   : profile__add_observed(p, v[i].cap);
		rc = d ? merge__evidence(d, &v[i]) : -ENOMEM;
	}
	return rc;
}

static int merge__evidence_order(const void *a, const void *b)
{
	return ((const struct profile_evidence *)a)->cap - ((const struct profile_evidence *)b)->cap;
}

/* qsort, which must not be given the NULL of an empty list. */
static void merge__sort(void *v, size_t n, size_t size, int (*order)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, order);
}

static int merge__string_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void merge__sort_strlist(struct strlist *l)
{
	merge__sort(l->v, l->n, sizeof(*l->v), merge__string_order);
}

static int merge__path_name_order(const void *a, const void *b)
{
	return strcmp(((const struct profile_path *)a)->path, ((const struct profile_path *)b)->path);
}

/* Every list of the evidence in text order: the union is a set, so the
 * result is the same bytes whatever order the inputs came in. */
static void merge__sort_evidence(struct profile_evidence *v, size_t n)
{
	merge__sort(v, n, sizeof(*v), merge__evidence_order);
	for (size_t i = 0; i < n; i++) {
		merge__sort_strlist(&v[i].syscalls);
		merge__sort_strlist(&v[i].call_sites);
		merge__sort_strlist(&v[i].stacks);
		merge__sort_strlist(&v[i].exes);
		merge__sort_strlist(&v[i].errors);
		merge__sort_strlist(&v[i].args);
		merge__sort(v[i].paths, v[i].n_paths, sizeof(*v[i].paths), merge__path_name_order);
	}
}

/* ---- the result ---- */

static int merge__one(struct profile *p, const struct merge_input *in, char *err,
		      size_t err_len)
{
	const struct profile *q = in->profile;
	int rc;

	merge__keep_common(p, q, profile_strings, N_OF(profile_strings));
	merge__keep_common(p->observation, q->observation, observation_strings,
			   N_OF(observation_strings));
	if (!merge__same_strlist(&p->command, &q->command))
		strlist__clear(&p->command);
	merge__numbers(p, q);
	rc = merge__window(p->observation, q->observation, in->file, err, err_len);
	if (!rc)
		rc = merge__later(&p->date, q->date, true);
	if (!rc)
		rc = merge__nodes(p->observation, q->observation);
	if (!rc)
		rc = merge__evidence_list(p, q, true);
	if (!rc)
		rc = merge__evidence_list(p, q, false);
	return rc ? rc : merge__strlist(&p->failed_ops, &q->failed_ops);
}

/*
 * The pods' names differ between replicas, so the merged profile keeps the
 * workload they share: a later merge with another replica still knows it.
 */
static int merge__workload(struct profile_observation *o, const struct merge_input *in,
			   size_t n)
{
	struct merge_id first, id = { 0 };
	bool same = true;
	int rc = merge_id__get(in[0].profile, &first);

	for (size_t i = 1; !rc && same && i < n; i++) {
		rc = merge_id__get(in[i].profile, &id);
		same = merge__same(first.workload, id.workload);
		free(id.workload);
		id.workload = NULL;
	}
	if (!rc && same && !o->workload) {
		o->workload = first.workload;
		first.workload = NULL;
	}
	free(first.workload);
	return rc;
}

/* NAME, the inputs' common name, or one made of the workload's identity. */
static int merge__name(struct profile *p, const char *name, const char *fallback)
{
	const struct profile_observation *o = p->observation;
	char *made = NULL;

	if (!name && p->name)
		return 0;
	if (!name && (o->namespace || o->workload || o->container) &&
	    asprintf(&made, "%s%s%s%s%s", o->namespace ?: "", o->namespace ? "." : "",
		     o->workload ?: "", o->workload && o->container ? "." : "",
		     o->container ?: "") < 0)
		return -ENOMEM;
	free(p->name);
	p->name = profile__clean_name(name ? name : made ? made : fallback);
	free(made);
	return p->name ? 0 : -ENOMEM;
}

static int merge__finish(struct profile *p, const struct merge_input *in, size_t n,
			 const char *name)
{
	struct profile_observation *o = p->observation;
	double start, end;

	o->unused = o->held & ~o->used & ~o->denied;
	p->unnecessary &= ~p->caps;
	if (!profile__parse_time(o->start, &start) && !profile__parse_time(o->end, &end))
		o->seconds = merge__max(o->seconds, end - start);
	/* Lists in capability-number, node and text order, whatever the inputs' order. */
	merge__sort(o->nodes, o->n_nodes, sizeof(*o->nodes), merge__node_order);
	for (size_t i = 0; i < o->n_nodes; i++)
		merge__sort_strlist(&o->nodes[i].ids);
	merge__sort_evidence(p->needed, p->n_needed);
	merge__sort_evidence(p->observed, p->n_observed);
	merge__sort_strlist(&p->failed_ops);
	if (merge__workload(o, in, n))
		return -ENOMEM;
	return merge__name(p, name, in[0].profile->name ?: "merged");
}

static int merge__build(const struct merge_input *in, size_t n, const char *name,
			struct profile **out, char *err, size_t err_len)
{
	struct profile *p = profile__new();
	int rc = p && profile__add_observation(p) ? merge__start(p, in[0].profile) : -ENOMEM;

	for (size_t i = 0; !rc && i < n; i++)
		rc = merge__one(p, &in[i], err, err_len);
	if (!rc)
		rc = merge__finish(p, in, n, name);
	if (rc) {
		profile__free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int profile__merge(const struct merge_input *in, size_t n, const char *name,
		   struct profile **out, char *err, size_t err_len)
{
	int rc = n ? 0 : -EINVAL;

	*out = NULL;
	if (!n && err && err_len)
		snprintf(err, err_len, "no profile to merge");
	if (!rc)
		rc = merge__check_observed(in, n, err, err_len);
	if (!rc && !name)
		rc = merge__check_workload(in, n, err, err_len);
	if (!rc)
		rc = merge__check_twice(in, n, err, err_len);
	if (!rc)
		rc = merge__build(in, n, name, out, err, err_len);
	if (rc == -ENOMEM && err && err_len)
		snprintf(err, err_len, "out of memory");
	return rc;
}
