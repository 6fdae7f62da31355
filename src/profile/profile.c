// SPDX-License-Identifier: MIT
/* The profile data model; YAML lives in profile_yaml.c. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capdiet/profile/profile.h"

struct profile *profile__new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->schema = PROFILE_SCHEMA_VERSION;
	/* Nothing is lost until the recorder says so. */
	p->complete = true;
	return p;
}

static void profile_path__clear(struct profile_path *pp)
{
	free(pp->path);
	free(pp->owner);
	free(pp->group);
	free(pp->type);
	memset(pp, 0, sizeof(*pp));
}

void profile_evidence__clear(struct profile_evidence *e)
{
	if (!e)
		return;
	free(e->klass);
	free(e->reason);
	strlist__clear(&e->syscalls);
	strlist__clear(&e->call_sites);
	strlist__clear(&e->stacks);
	strlist__clear(&e->exes);
	strlist__clear(&e->errors);
	for (size_t i = 0; i < e->n_paths; i++)
		profile_path__clear(&e->paths[i]);
	free(e->paths);
	strlist__clear(&e->args);
	memset(e, 0, sizeof(*e));
	e->trial = -1;
}

static void profile__free_evidence(struct profile_evidence *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_evidence__clear(&v[i]);
	free(v);
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	strlist__clear(&p->command);
	free(p->probe);
	free(p->user);
	free(p->kernel);
	free(p->capdiet_version);
	free(p->date);
	free(p->attach);
	free(p->runtime);
	free(p->bundle);
	free(p->image);
	free(p->unit);
	profile__free_evidence(p->needed, p->n_needed);
	profile__free_evidence(p->observed, p->n_observed);
	for (size_t i = 0; i < p->n_trials; i++) {
		free(p->trials[i].outcome);
		free(p->trials[i].detail);
	}
	free(p->trials);
	strlist__clear(&p->failed_ops);
	profile_observation__free(p->observation);
	free(p);
}

/* Grows *v by one zeroed element of size bytes; NULL with errno on failure. */
static void *profile__grow(void **v, size_t *n, size_t size)
{
	char *bigger = realloc(*v, (*n + 1) * size);

	if (!bigger) {
		errno = ENOMEM;
		return NULL;
	}
	*v = bigger;
	memset(bigger + *n * size, 0, size);
	return bigger + (*n)++ * size;
}

static struct profile_evidence *profile__add_evidence(struct profile_evidence **v,
						      size_t *n, int cap)
{
	struct profile_evidence *e;

	if (!caps__name(cap)) {
		errno = EINVAL;
		return NULL;
	}
	e = profile__grow((void **)v, n, sizeof(**v));
	if (!e)
		return NULL;
	e->cap = cap;
	e->trial = -1;
	return e;
}

struct profile_evidence *profile__add_needed(struct profile *p, int cap)
{
	return profile__add_evidence(&p->needed, &p->n_needed, cap);
}

struct profile_evidence *profile__add_observed(struct profile *p, int cap)
{
	return profile__add_evidence(&p->observed, &p->n_observed, cap);
}

struct profile_trial *profile__add_trial(struct profile *p)
{
	struct profile_trial *t = profile__grow((void **)&p->trials, &p->n_trials,
						sizeof(*p->trials));

	if (t)
		t->index = (int)p->n_trials - 1;
	return t;
}

struct profile_evidence *profile__find_needed(const struct profile *p, int cap)
{
	for (size_t i = 0; i < p->n_needed; i++)
		if (p->needed[i].cap == cap)
			return &p->needed[i];
	return NULL;
}

static const char *profile_path__type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFSOCK: return "socket";
	case S_IFIFO: return "fifo";
	case S_IFCHR: return "char-device";
	case S_IFBLK: return "block-device";
	default: return "unknown";
	}
}

/* The name, or the id as text when it has none on this machine. */
static char *profile_path__name(const char *name, unsigned int id)
{
	char *s;

	if (name)
		return strdup(name);
	return asprintf(&s, "%u", id) < 0 ? NULL : s;
}

static char *profile_path__owner_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return profile_path__name(pw ? pw->pw_name : NULL, uid);
}

static char *profile_path__group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);

	return profile_path__name(gr ? gr->gr_name : NULL, gid);
}

/* What is true of path now; a missing path is a fact too (exists false). */
static int profile_path__fill(struct profile_path *pp, const char *path)
{
	struct stat st;

	pp->path = strdup(path);
	if (!pp->path)
		return -ENOMEM;
	if (lstat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	pp->exists = true;
	pp->owner = profile_path__owner_name(st.st_uid);
	pp->group = profile_path__group_name(st.st_gid);
	pp->type = strdup(profile_path__type_name(st.st_mode));
	pp->mode = st.st_mode & 07777;
	return pp->owner && pp->group && pp->type ? 0 : -ENOMEM;
}

int profile_evidence__add_path(struct profile_evidence *e, const char *path)
{
	struct profile_path pp = { 0 }, *slot;
	int err;

	if (!path || !*path)
		return -EINVAL;
	for (size_t i = 0; i < e->n_paths; i++)
		if (!strcmp(e->paths[i].path, path))
			return 0;
	err = profile_path__fill(&pp, path);
	if (err)
		goto cleanup;
	slot = profile__grow((void **)&e->paths, &e->n_paths, sizeof(*e->paths));
	if (!slot) {
		err = -ENOMEM;
		goto cleanup;
	}
	*slot = pp;
	return 0;
cleanup:
	profile_path__clear(&pp);
	return err;
}

struct profile_path *profile_evidence__new_path(struct profile_evidence *e)
{
	return profile__grow((void **)&e->paths, &e->n_paths, sizeof(*e->paths));
}

static bool name__char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._-+@:", c);
}

bool profile__valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > PROFILE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name__char_ok((unsigned char)name[i]))
			return false;
	return true;
}

char *profile__clean_name(const char *name)
{
	size_t n = name ? strnlen(name, PROFILE_NAME_MAX) : 0;
	char *out = n ? strndup(name, n) : NULL;

	if (!n)
		errno = EINVAL;
	for (size_t i = 0; out && i < n; i++)
		if (!name__char_ok((unsigned char)out[i]))
			out[i] = '-';
	return out;
}

/* ---- observations (capdiet observe, capdiet merge) ---- */

struct profile_observation *profile__add_observation(struct profile *p)
{
	if (!p->observation)
		p->observation = calloc(1, sizeof(*p->observation));
	if (!p->observation)
		errno = ENOMEM;
	return p->observation;
}

void profile_observation__free(struct profile_observation *o)
{
	if (!o)
		return;
	free(o->node);
	free(o->start);
	free(o->end);
	free(o->runtime);
	free(o->id);
	free(o->pod);
	free(o->pod_uid);
	free(o->namespace);
	free(o->container);
	free(o->image);
	free(o->cgroup);
	free(o->workload);
	for (size_t i = 0; i < o->n_nodes; i++) {
		free(o->nodes[i].node);
		strlist__clear(&o->nodes[i].ids);
	}
	free(o->nodes);
	free(o);
}

struct profile_node_count *profile_observation__add_node(struct profile_observation *o)
{
	return profile__grow((void **)&o->nodes, &o->n_nodes, sizeof(*o->nodes));
}

/* Digits of a fraction of a second, then Z: ".250Z", or "Z" alone. */
static int profile__time_tail(const char *s, double *frac)
{
	char *end;

	*frac = 0;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -EINVAL;
		*frac = strtod(s, &end);
		s = end;
	}
	return !strcmp(s, "Z") ? 0 : -EINVAL;
}

int profile__parse_time(const char *text, double *out)
{
	struct tm tm = { 0 };
	const char *rest;
	double frac;
	time_t t;

	/* strptime takes "%Y" of any width and skips spaces: check the shape. */
	if (!text || strspn(text, "0123456789") != 4 || text[4] != '-')
		return -EINVAL;
	rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest || rest - text != 19 || strchr(text, ' ') ||
	    profile__time_tail(rest, &frac))
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (double)t + frac;
	return 0;
}

/* Kubernetes' generated suffixes use this alphabet: no vowels, no 0 1 3. */
static bool workload__generated(const char *s, size_t n, size_t min, size_t max)
{
	return n >= min && n <= max && strspn(s, "bcdfghjklmnpqrstvwxz2456789") >= n;
}

static bool workload__digits(const char *s, size_t n, size_t min)
{
	return n >= min && strspn(s, "0123456789") >= n;
}

/* A pod's random suffix (every controller's pods have one). */
static bool workload__pod_suffix(const char *s, size_t n)
{
	return workload__generated(s, n, 5, 5);
}

/* A ReplicaSet's pod-template-hash, or the time in a CronJob's Job name. */
static bool workload__owner_suffix(const char *s, size_t n)
{
	return workload__generated(s, n, 6, 10) || workload__digits(s, n, 8);
}

/* A StatefulSet's ordinal. */
static bool workload__ordinal(const char *s, size_t n)
{
	return workload__digits(s, n, 1);
}

/* Length of name[0..len) without its last "-WORD" when word(WORD), else 0. */
static size_t workload__strip(const char *name, size_t len, bool (*word)(const char *, size_t))
{
	const char *dash = memrchr(name, '-', len);

	if (!dash || dash == name)
		return 0;
	return word(dash + 1, len - (size_t)(dash - name) - 1) ? (size_t)(dash - name) : 0;
}

char *profile_observation__workload(const struct profile_observation *o)
{
	size_t len, cut;
	char *s;

	if (!o->workload && !o->pod) {
		errno = ENOENT;
		return NULL;
	}
	if (o->workload) {
		len = strlen(o->workload);
	} else {
		len = strlen(o->pod);
		cut = workload__strip(o->pod, len, workload__pod_suffix);
		if (cut)
			len = workload__strip(o->pod, cut, workload__owner_suffix) ?: cut;
		else
			len = workload__strip(o->pod, len, workload__ordinal) ?: len;
	}
	s = strndup(o->workload ? o->workload : o->pod, len);
	if (!s)
		errno = ENOMEM;
	return s;
}
