// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/observe/creds.h"

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cred_entry));
}

static int parse_ids(const char *text, const char *field, uint32_t ids[4])
{
	const char *line = strstr(text, field);
	unsigned int v[4];

	if (!line || sscanf(line + strlen(field), "%u %u %u %u", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		ids[i] = v[i];
	return 0;
}

int creds__add_status(struct cred_snapshot *s, const char *exe, const char *status_text)
{
	struct cred_entry e, *grown;

	memset(&e, 0, sizeof(e));
	snprintf(e.exe, sizeof(e.exe), "%s", exe);
	if (parse_ids(status_text, "\nUid:", e.uid) || parse_ids(status_text, "\nGid:", e.gid))
		return -EINVAL;
	for (size_t i = 0; i < s->n; i++)
		if (!entry_cmp(&s->v[i], &e))
			return 0;
	grown = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	if (!grown)
		return -ENOMEM;
	s->v = grown;
	s->v[s->n++] = e;
	qsort(s->v, s->n, sizeof(*s->v), entry_cmp);
	return 0;
}

/* One process; a process that exited meanwhile is skipped. */
static int add_pid(struct cred_snapshot *s, int pid)
{
	char path[64], exe[CREDS_EXE_MAX] = "?", status[4096];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 1] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	status[0] = '\n';
	n = fread(status + 1, 1, sizeof(status) - 2, f);
	fclose(f);
	status[n > 0 ? n + 1 : 1] = '\0';
	return creds__add_status(s, exe, status) == -ENOMEM ? -ENOMEM : 0;
}

int creds__snapshot_cgroup(const char *cgroup_dir, struct cred_snapshot *out)
{
	char path[4096];
	int pid, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && fscanf(f, "%d", &pid) == 1)
		err = add_pid(out, pid);
	fclose(f);
	out->taken = !err;
	return err;
}

static bool has_exe(const struct cred_snapshot *s, const char *exe)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].exe, exe))
			return true;
	return false;
}

static bool has_entry(const struct cred_snapshot *s, const struct cred_entry *e)
{
	for (size_t i = 0; i < s->n; i++)
		if (!entry_cmp(&s->v[i], e))
			return true;
	return false;
}

/* The first entry of a, of an executable b also runs, that b lacks. */
static const struct cred_entry *first_missing(const struct cred_snapshot *a,
					      const struct cred_snapshot *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (has_exe(b, a->v[i].exe) && !has_entry(b, &a->v[i]))
			return &a->v[i];
	return NULL;
}

bool creds__match(const struct cred_snapshot *ref, const struct cred_snapshot *s,
		  char *why, size_t why_len)
{
	const struct cred_entry *e;

	if (!ref->taken || !s->taken)
		return true;
	if ((e = first_missing(s, ref)))
		snprintf(why, why_len, "%s ran as uid %u gid %u, which it never does with every "
			 "capability", e->exe, e->uid[1], e->gid[1]);
	else if ((e = first_missing(ref, s)))
		snprintf(why, why_len, "no process of %s ran as uid %u gid %u, as it does with "
			 "every capability", e->exe, e->uid[1], e->gid[1]);
	return e == NULL;
}

void creds__clear(struct cred_snapshot *s)
{
	if (!s)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int creds__copy(struct cred_snapshot *dst, const struct cred_snapshot *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n && !(dst->v = malloc(src->n * sizeof(*src->v))))
		return -ENOMEM;
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
	dst->taken = src->taken;
	return 0;
}
