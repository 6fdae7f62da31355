// SPDX-License-Identifier: MIT
/* The cgroup v2 hierarchy: its mount, every cgroup's id and path, and caps held. */
#include <errno.h>
#include <fts.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/proc.h"
#include "capdiet/observe/cgroup_tree.h"

/* Undoes mountinfo's octal escapes ("\040" is a space) in place. */
static void mountinfo__unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int cgroup2__find_mount(char *mnt, size_t mnt_len, char *root, size_t root_len)
{
	char *line = NULL, r[PATH_MAX], m[PATH_MAX];
	size_t size = 0;
	int err = -ENOENT;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (err && getline(&line, &size, f) > 0) {
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0 ||
		    sscanf(line, "%*d %*d %*s %4095s %4095s", r, m) != 2)
			continue;
		mountinfo__unescape(r);
		mountinfo__unescape(m);
		snprintf(mnt, mnt_len, "%s", m);
		snprintf(root, root_len, "%s", r);
		err = 0;
	}
	free(line);
	fclose(f);
	return err;
}

static int entry__compare(const void *pa, const void *pb)
{
	const struct cgroup_entry *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

static int tree__add(struct cgroup_tree *t, uint64_t id, const char *rel)
{
	if (t->n == CGROUP_TREE_MAX)
		return -E2BIG;
	if (t->n == t->alloc) {
		size_t bigger = t->alloc ? t->alloc * 2 : 256;
		struct cgroup_entry *more = reallocarray(t->v, bigger, sizeof(*more));

		if (!more)
			return -ENOMEM;
		t->v = more;
		t->alloc = bigger;
	}
	t->v[t->n].id = id;
	t->v[t->n].path = strdup(*rel ? rel : "/");
	if (!t->v[t->n].path)
		return -ENOMEM;
	t->n++;
	return 0;
}

static int tree__walk(struct cgroup_tree *t, FTS *fts, size_t mount_len)
{
	FTSENT *e;
	int err = 0;

	while (!err && (e = fts_read(fts))) {
		if (e->fts_info != FTS_D)
			continue;
		if (e->fts_level >= CGROUP_TREE_MAX_DEPTH)
			fts_set(fts, e, FTS_SKIP);
		err = tree__add(t, (uint64_t)e->fts_statp->st_ino, e->fts_path + mount_len);
	}
	return err;
}

int cgroup_tree__scan(struct cgroup_tree *t, const char *mount)
{
	char *paths[] = { (char *)mount, NULL };
	size_t mount_len = strlen(mount);
	FTS *fts;
	int err;

	cgroup_tree__clear(t);
	while (mount_len > 1 && mount[mount_len - 1] == '/')
		mount_len--;
	/* FTS_PHYSICAL: a symlink is not followed; a cgroup gone mid-walk is FTS_DNR/ERR. */
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	if (!fts)
		return -errno;
	err = tree__walk(t, fts, mount_len);
	fts_close(fts);
	if (err) {
		cgroup_tree__clear(t);
		return err;
	}
	qsort(t->v, t->n, sizeof(*t->v), entry__compare);
	return 0;
}

const struct cgroup_entry *cgroup_tree__find(const struct cgroup_tree *t, uint64_t id)
{
	struct cgroup_entry key = { .id = id };

	return t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), entry__compare) : NULL;
}

void cgroup_tree__clear(struct cgroup_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].path);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The processes listed in dir/cgroup.procs; one that exits meanwhile is skipped. */
static int caps__add_procs(const char *dir, struct cgroup_caps *out)
{
	char path[PATH_MAX];
	capset_t sets[PROC_CAP_SETS];
	FILE *f;
	int pid;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &pid) == 1) {
		if (proc__read_caps(pid, sets))
			continue;
		out->bounding |= sets[PROC_CAP_BND];
		out->effective |= sets[PROC_CAP_EFF];
		out->procs++;
	}
	fclose(f);
	return 0;
}

int cgroup__read_caps(const char *dir, struct cgroup_caps *out)
{
	char *paths[] = { (char *)dir, NULL };
	FTS *fts;
	FTSENT *e;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (access(dir, F_OK))
		return -errno;
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	if (!fts)
		return -errno;
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_D && e->fts_level < CGROUP_TREE_MAX_DEPTH) {
			int rc = caps__add_procs(e->fts_path, out);

			if (rc && e->fts_level == 0)
				err = rc; /* the container's own cgroup is gone */
		}
	}
	fts_close(fts);
	return err;
}
