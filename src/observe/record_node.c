// SPDX-License-Identifier: MIT
/*
 * capdiet observe's side of the recorder.  The kernel's entries hold
 * running totals and are never deleted while their cgroup lives (a BPF
 * program may hold a pointer to one); each read hands on what was added
 * since the last read, from the totals kept here.  Entries of cgroups that
 * are gone are deleted, here and in the kernel, after their last read.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/observe/record.h"
#include "capdiet/observe/record_decode.h"
#include "record_internal.h"
#include "recorder.skel.h"

/* What the last read saw of one kernel entry. */
struct node_seen {
	struct cd_cgkey key;
	__u64 count, audited;
	bool used;            /* slot taken */
};

static size_t seen__slot(const struct node_table *t, const struct cd_cgkey *k)
{
	const unsigned char *b = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return (size_t)h & (t->cap - 1);
}

static int seen__grow(struct node_table *t);

/* The record of key, added (zeroed) when new; NULL when out of memory. */
static struct node_seen *seen__get(struct node_table *t, const struct cd_cgkey *key)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap && seen__grow(t))
		return NULL;
	for (i = seen__slot(t, key); t->v[i].used; i = (i + 1) & (t->cap - 1))
		if (!memcmp(&t->v[i].key, key, sizeof(*key)))
			return &t->v[i];
	t->v[i] = (struct node_seen){ .key = *key, .used = true };
	t->n++;
	return &t->v[i];
}

/* Rebuilt at twice the size, or the same size (keep NULL: nothing dropped). */
static int seen__rebuild(struct node_table *t, size_t cap,
			 bool (*keep)(const struct cd_cgkey *, void *), void *ctx)
{
	struct node_table old = *t;

	t->v = calloc(cap, sizeof(*t->v));
	if (!t->v) {
		*t = old;
		return -ENOMEM;
	}
	t->cap = cap;
	t->n = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.v[i].used || (keep && !keep(&old.v[i].key, ctx)))
			continue;
		*seen__get(t, &old.v[i].key) = old.v[i];
	}
	free(old.v);
	return 0;
}

static int seen__grow(struct node_table *t)
{
	return seen__rebuild(t, t->cap ? t->cap * 2 : 1024, NULL, NULL);
}

void node_table__free(struct node_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The difference since the last read, as a node_count. */
static int node__delta(struct node_table *t, const struct cd_cgkey *k,
		       const struct cd_cgcount *v, struct node_count *out)
{
	struct node_seen *seen = seen__get(t, k);

	if (!seen)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	out->cgroup = k->cgroup;
	out->cap = (int)k->cap;
	out->denied = k->denied;
	out->syscall = k->syscall;
	out->count = v->count - seen->count;
	/* Without opts a key's checks all share its first check's verdict. */
	out->audited = v->has_opts ? v->audited - seen->audited : v->noaudit ? 0 : out->count;
	out->pid = v->pid;
	memcpy(out->comm, v->comm, sizeof(out->comm) - 1);
	seen->count = v->count;
	seen->audited = v->audited;
	return 0;
}

/* Checks the full map refused since the last call. */
static uint64_t node__lost_since(struct recorder *r)
{
	uint64_t total = recorder__read_stat(r, CD_STAT_LOST_NODE);
	uint64_t delta = total - r->node_lost_seen;

	r->node_lost_seen = total;
	return delta;
}

int recorder__drain_node(struct recorder *r, int (*fn)(const struct node_count *c, void *ctx),
			 void *ctx, uint64_t *lost)
{
	int fd = bpf_map__fd(r->skel->maps.node_counts);
	struct cd_cgkey key, next, *prev = NULL;
	struct cd_cgcount v;
	struct node_count c;
	int err = 0;

	/* One pass: nothing is deleted, so the cursor stays valid. */
	while (!err && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		err = node__delta(&r->node_seen, &key, &v, &c);
		if (!err && c.count)
			err = fn(&c, ctx);
	}
	*lost = node__lost_since(r);
	return err;
}

/*
 * The keys of map fd (key_size bytes each, the cgroup id first: both
 * node_counts' and cgroup_paths' are so) whose cgroup gone() says is gone.
 * One pass, nothing deleted during it.
 */
static int map__gone_keys(int fd, size_t key_size, bool (*gone)(uint64_t id, void *ctx),
			  void *ctx, unsigned char **keys, size_t *n)
{
	unsigned char key[sizeof(struct cd_cgkey)], next[sizeof(key)], *more;
	size_t alloc = 0;
	bool first = true;
	uint64_t id;

	*keys = NULL;
	*n = 0;
	while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		memcpy(key, next, key_size);
		first = false;
		memcpy(&id, key, sizeof(id));
		if (!gone(id, ctx))
			continue;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			more = reallocarray(*keys, alloc, key_size);
			if (!more)
				return -ENOMEM;
			*keys = more;
		}
		memcpy(*keys + (*n)++ * key_size, key, key_size);
	}
	return 0;
}

/* The keys deleted from the kernel, sorted: their records go too. */
struct deleted_keys {
	const struct cd_cgkey *v;
	size_t n;
};

static int key__compare(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cd_cgkey));
}

/* Only what was deleted is forgotten: asking gone() again could answer
 * otherwise for a cgroup made meanwhile, and its total be counted twice. */
static bool node__keep(const struct cd_cgkey *key, void *ctx)
{
	const struct deleted_keys *d = ctx;

	return !bsearch(key, d->v, d->n, sizeof(*d->v), key__compare);
}

int recorder__forget_node_cgroups(struct recorder *r, bool (*gone)(uint64_t id, void *ctx),
				  int (*fn)(const struct node_count *c, void *ctx), void *ctx)
{
	int fd = bpf_map__fd(r->skel->maps.node_counts);
	struct cd_cgkey *keys;
	struct cd_cgcount v;
	struct node_count c;
	size_t n, deleted = 0;
	int err = map__gone_keys(fd, sizeof(*keys), gone, ctx, (unsigned char **)&keys, &n);

	/* A gone cgroup has no task left to add to its entries: read and delete. */
	for (size_t i = 0; i < n && !err; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &v))
			continue;
		err = node__delta(&r->node_seen, &keys[i], &v, &c);
		if (!err && c.count)
			err = fn(&c, ctx);
		keys[deleted++] = keys[i];
	}
	qsort(keys, deleted, sizeof(*keys), key__compare);
	if (!err && deleted)
		err = seen__rebuild(&r->node_seen, r->node_seen.cap, node__keep,
				    &(struct deleted_keys){ keys, deleted });
	free(keys);
	return err;
}

int recorder__cgroup_path(struct recorder *r, uint64_t id, char *path, size_t len)
{
	struct cd_cgpath v;

	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.cgroup_paths), &id, &v))
		return -ENOENT;
	v.path[sizeof(v.path) - 1] = '\0';
	snprintf(path, len, "%s", v.path);
	return 0;
}

int recorder__take_gone_cgroups(struct recorder *r, bool (*gone)(uint64_t id, void *ctx),
				int (*fn)(const char *path, void *ctx), void *ctx)
{
	int fd = bpf_map__fd(r->skel->maps.cgroup_paths);
	struct cd_cgpath v;
	__u64 *ids;
	size_t n;
	int err = map__gone_keys(fd, sizeof(*ids), gone, ctx, (unsigned char **)&ids, &n);

	for (size_t i = 0; i < n && !err; i++) {
		if (bpf_map_lookup_and_delete_elem(fd, &ids[i], &v))
			continue;
		v.path[sizeof(v.path) - 1] = '\0';
		err = fn(v.path, ctx);
	}
	free(ids);
	return err;
}
