// SPDX-License-Identifier: MIT
/* capdiet observe's containers: see node_watch.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capdiet/observe/events.h"
#include "capdiet/observe/node_watch.h"

int node_watch__init(struct node_watch *w, const char *mount, size_t max, struct recorder *rec)
{
	char root[PATH_MAX];
	int err;

	memset(w, 0, sizeof(*w));
	w->max = max;
	w->rec = rec;
	if (mount) {
		snprintf(w->mount, sizeof(w->mount), "%s", mount);
		return 0;
	}
	err = cgroup2__find_mount(w->mount, sizeof(w->mount), root, sizeof(root));
	/* Inside a cgroup namespace the mount shows a subtree: the runtimes'
	 * paths, and the kernel's at mkdir, are the whole hierarchy's. */
	return err ? err : strcmp(root, "/") ? -EXDEV : 0;
}

static void watched__clear(struct watched *c)
{
	free(c->cgroup);
	free(c->name);
	free(c->image);
	free(c->pod);
	free(c->pod_namespace);
	memset(c, 0, sizeof(*c));
}

void node_watch__clear(struct node_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		watched__clear(&w->v[i]);
	free(w->v);
	free(w->tombs);
	cgroup_tree__clear(&w->tree);
	memset(w, 0, sizeof(*w));
}

capset_t watched__unused(const struct watched *c)
{
	return c->held & ~c->used & ~c->denied;
}

/* The inode of the cgroup directory at path (relative), 0 when it is gone. */
static uint64_t watch__ino(const struct node_watch *w, const char *path)
{
	char dir[3 * PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s%s", w->mount, path);
	return stat(dir, &st) ? 0 : (uint64_t)st.st_ino;
}

static bool watch__tombstoned(const struct node_watch *w, const struct container_id *id,
			      uint64_t ino)
{
	for (size_t i = 0; i < NODE_WATCH_TOMBS && i < w->n_tombs; i++)
		if (w->tombs[i].ino == ino && w->tombs[i].runtime == id->runtime &&
		    !strcmp(w->tombs[i].id, id->id))
			return true;
	return false;
}

static struct watched *watch__find(struct node_watch *w, const struct container_id *id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].id.runtime == id->runtime && !strcmp(w->v[i].id.id, id->id))
			return &w->v[i];
	return NULL;
}

static struct watched *watch__append(struct node_watch *w)
{
	if (w->n == w->alloc) {
		size_t bigger = w->alloc ? w->alloc * 2 : 16;
		struct watched *more = reallocarray(w->v, bigger, sizeof(*more));

		if (!more)
			return NULL;
		w->v = more;
		w->alloc = bigger;
	}
	memset(&w->v[w->n], 0, sizeof(w->v[w->n]));
	return &w->v[w->n];
}

/*
 * The container of path (relative to the mount), added when new; NULL with
 * errno ENOENT (no container's), ESTALE (one already reported exited and
 * evicted), ENOSPC (table full) or ENOMEM.
 */
static struct watched *watch__get(struct node_watch *w, const char *path, double now)
{
	struct container_id id;
	struct watched *c;
	char own[PATH_MAX];
	uint64_t ino;

	if (container_id__parse(path, &id))
		return errno = ENOENT, NULL;
	c = watch__find(w, &id);
	if (c)
		return c;
	snprintf(own, sizeof(own), "%.*s", (int)id.path_len, path);
	ino = watch__ino(w, own);
	if (watch__tombstoned(w, &id, ino))
		return errno = ESTALE, NULL;
	if (w->n == w->max)
		return errno = ENOSPC, NULL;
	c = watch__append(w);
	if (!c || !(c->cgroup = strdup(own)))
		return errno = ENOMEM, NULL;
	c->id = id;
	c->ino = ino;
	c->first_seen = c->last_seen = now;
	w->n++;
	return c;
}

/* What the container's processes hold now, added to what they held. */
static void watched__read_caps(const struct node_watch *w, struct watched *c, double now)
{
	char dir[2 * PATH_MAX];
	struct cgroup_caps caps;

	snprintf(dir, sizeof(dir), "%s%s", w->mount, c->cgroup);
	/* Gone, or empty after it had processes (a stopped container that
	 * its engine has not removed yet). */
	if (cgroup__read_caps(dir, &caps) == -ENOENT || (c->had_procs && !caps.procs) ||
	    watch__ino(w, c->cgroup) != c->ino) {
		c->exited = true;
		c->last_seen = now;
		return;
	}
	c->had_procs |= caps.procs > 0;
	c->held |= caps.bounding;
	c->effective |= caps.effective;
}

/* The path of cgroup id: from the last walk, else from its mkdir. */
static const char *watch__path(struct node_watch *w, uint64_t id, char *buf, size_t len)
{
	const struct cgroup_entry *e = cgroup_tree__find(&w->tree, id);

	if (e)
		return e->path;
	if (w->rec && !recorder__cgroup_path(w->rec, id, buf, len))
		return buf;
	return NULL;
}

/*
 * Sure to be gone: the last walk did not see it, and the directory its
 * mkdir named holds another inode or none (a cgroup made during the walk
 * is still there).  Without a known path it cannot be attributed anyway.
 */
static bool watch__gone(uint64_t id, void *ctx)
{
	struct node_watch *w = ctx;
	char buf[CD_CGROUP_PATH_MAX];

	if (cgroup_tree__find(&w->tree, id))
		return false;
	if (!w->rec || recorder__cgroup_path(w->rec, id, buf, sizeof(buf)))
		return true;
	return watch__ino(w, buf) != id;
}

static void watched__add(struct watched *c, const struct node_count *nc, double now)
{
	struct watched_evidence *ev = nc->denied ? &c->denial[nc->cap] : &c->use[nc->cap];
	capset_t *set = nc->denied ? &c->denied : &c->used;

	(nc->denied ? c->refused : c->granted)[nc->cap] += nc->count;
	c->checks += nc->count;
	c->last_seen = now;
	if (!nc->audited || caps__has(*set, nc->cap))
		return;
	*set |= CAPSET_BIT(nc->cap);
	ev->pid = nc->pid;
	ev->syscall = nc->syscall;
	memcpy(ev->comm, nc->comm, sizeof(ev->comm));
}

int node_watch__count(struct node_watch *w, const struct node_count *nc, double now)
{
	char buf[CD_CGROUP_PATH_MAX];
	const char *path;
	struct watched *c;

	if (nc->cap < 0 || nc->cap >= 64)
		return 0;
	path = watch__path(w, nc->cgroup, buf, sizeof(buf));
	c = path ? watch__get(w, path, now) : NULL;
	if (c) {
		/* First seen by a check: read what it holds while it still runs. */
		if (!c->checks && !c->had_procs && !c->exited)
			watched__read_caps(w, c, now);
		watched__add(c, nc, now);
		return 0;
	}
	if (path && errno == ENOMEM)
		return -ENOMEM;
	if (path && errno == ENOSPC)
		w->dropped += nc->count;
	else
		w->unattributed += nc->count;
	return 0;
}

static int watch__count_cb(const struct node_count *nc, void *ctx)
{
	struct node_watch *w = ctx;

	return node_watch__count(w, nc, w->now);
}

/* A container that came and went between two reports, maybe with no check. */
static int watch__add_gone(const char *path, void *ctx)
{
	struct node_watch *w = ctx;
	struct container_id id;
	struct watched *c;

	if (container_id__parse(path, &id) || id.path_len != strlen(path))
		return 0;
	c = watch__get(w, path, w->now);
	if (c && !c->exited) {
		c->exited = true;
		c->last_seen = w->now;
	}
	return c || errno != ENOMEM ? 0 : -ENOMEM;
}

/* Containers of the walk: their own cgroups, not their sub-cgroups. */
static int watch__add_walked(struct node_watch *w)
{
	for (size_t i = 0; i < w->tree.n; i++) {
		struct container_id id;

		if (container_id__parse(w->tree.v[i].path, &id) ||
		    id.path_len != strlen(w->tree.v[i].path))
			continue;
		if (!watch__get(w, w->tree.v[i].path, w->now) && errno == ENOMEM)
			return -ENOMEM;
	}
	return 0;
}

int node_watch__refresh(struct node_watch *w, double now)
{
	int err = cgroup_tree__scan(&w->tree, w->mount);

	w->now = now;
	/* Gone cgroups: their last checks first, while their paths are known. */
	if (!err && w->rec)
		err = recorder__forget_node_cgroups(w->rec, watch__gone, watch__count_cb, w);
	if (!err && w->rec)
		err = recorder__take_gone_cgroups(w->rec, watch__gone, watch__add_gone, w);
	if (!err)
		err = watch__add_walked(w);
	for (size_t i = 0; i < w->n && !err; i++)
		if (!w->v[i].exited)
			watched__read_caps(w, &w->v[i], now);
	return err;
}

static void watch__bury(struct node_watch *w, const struct watched *c)
{
	struct node_watch_tomb *t = &w->tombs[w->n_tombs++ % NODE_WATCH_TOMBS];

	t->runtime = c->id.runtime;
	t->ino = c->ino;
	snprintf(t->id, sizeof(t->id), "%s", c->id.id);
}

size_t node_watch__evict(struct node_watch *w)
{
	size_t kept = 0, gone = 0;

	if (!w->tombs)
		w->tombs = calloc(NODE_WATCH_TOMBS, sizeof(*w->tombs));
	for (size_t i = 0; i < w->n; i++) {
		if (w->v[i].exited && w->v[i].reported) {
			if (w->tombs)
				watch__bury(w, &w->v[i]);
			watched__clear(&w->v[i]);
			gone++;
			continue;
		}
		w->v[kept++] = w->v[i];
	}
	w->n = kept;
	w->evicted += gone;
	return gone;
}
