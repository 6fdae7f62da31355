// SPDX-License-Identifier: MIT
/*
 * One cgroup v2 per launch, <cgroup2 mount>/capdiet/<capdiet pid>-<n>: it
 * holds the whole tree however it forks, can be killed in one write
 * (cgroup.kill, Linux 5.14), and is what the watchdog (launch_watchdog.c)
 * kills when capdiet dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/log.h"
#include "capdiet/observe/cgroup_tree.h"
#include "launch_internal.h"

/* mkdir <base>/<pid>-<n> with the first n not taken (by a dead capdiet). */
static int cgroup__mkdir_unique(const char *base, char *name, size_t name_len)
{
	static unsigned int counter;
	char dir[2 * PATH_MAX];

	for (int tries = 0; tries < 1000; tries++) {
		snprintf(name, name_len, "%d-%u", (int)getpid(), counter++);
		snprintf(dir, sizeof(dir), "%s/%s", base, name);
		if (mkdir(dir, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int launch_cgroup__create(struct launch *l)
{
	char mnt[PATH_MAX], root[PATH_MAX], base[PATH_MAX + 16], name[64];
	char dir[2 * PATH_MAX];
	struct stat st;
	int err = cgroup2__find_mount(mnt, sizeof(mnt), root, sizeof(root));

	if (err)
		return err;
	snprintf(base, sizeof(base), "%s/capdiet", mnt);
	if (mkdir(base, 0755) != 0 && errno != EEXIST)
		return -errno;
	err = cgroup__mkdir_unique(base, name, sizeof(name));
	if (err)
		return err;
	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	l->cgroup = strdup(dir);
	if (asprintf(&l->cgroup_rel, "%s/capdiet/%s", strcmp(root, "/") ? root : "", name) < 0)
		l->cgroup_rel = NULL;
	if (!l->cgroup || !l->cgroup_rel) {
		rmdir(dir);
		launch_cgroup__remove(l);
		return -ENOMEM;
	}
	/* A cgroup's id, as BPF sees it, is its directory's inode number. */
	if (stat(l->cgroup, &st) == 0)
		l->cgroup_id = (uint64_t)st.st_ino;
	return 0;
}

/* "0::/path" of /proc/PID/cgroup: the process's cgroup v2, relative. */
static int cgroup__of_pid(pid_t pid, char *rel, size_t rel_len)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (err && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3) && strlen(line + 3) < rel_len) {
			strcpy(rel, line + 3);
			err = 0;
		}
	}
	free(line);
	fclose(f);
	return err;
}

/* a is b, or one of its ancestors: "/x" holds "/x" and "/x/y", not "/xy". */
static bool cgroup__holds(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return true;
	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

/*
 * The tree's cgroup is what launch__stop kills whole: never capdiet's own
 * or one that holds it (a runtime that left the process where capdiet is),
 * and, when the runtime was told the path, that one.
 */
static int cgroup__adoptable(const char *rel, const char *expect)
{
	char self[PATH_MAX];
	int err = cgroup__of_pid(getpid(), self, sizeof(self));

	if (err)
		return err;
	if (cgroup__holds(rel, self))
		return -EBUSY;
	return expect && strcmp(rel + (strlen(rel) > strlen(expect) ? strlen(rel) -
		strlen(expect) : 0), expect) ? -ENOENT : 0;
}

int launch_cgroup__adopt(struct launch *l, pid_t pid, const char *expect)
{
	char mnt[PATH_MAX], root[PATH_MAX], rel[PATH_MAX];
	struct stat st;
	int err = cgroup2__find_mount(mnt, sizeof(mnt), root, sizeof(root));

	if (!err)
		err = cgroup__of_pid(pid, rel, sizeof(rel));
	if (!err)
		err = cgroup__adoptable(rel, expect);
	if (err)
		return err;
	/* The mount shows the hierarchy from root on; rel is from the top. */
	if (strcmp(root, "/") && !cgroup__holds(root, rel))
		return -ENOENT;
	if (asprintf(&l->cgroup, "%s%s", mnt, strcmp(root, "/") ? rel + strlen(root) : rel) < 0)
		l->cgroup = NULL;
	l->cgroup_rel = strdup(rel);
	if (!l->cgroup || !l->cgroup_rel)
		return -ENOMEM;
	if (stat(l->cgroup, &st) != 0)
		return -errno;
	l->cgroup_id = (uint64_t)st.st_ino;
	return 0;
}

static int cgroup__write(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];
	int fd, err = 0;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

int launch_cgroup__add(const struct launch *l, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%d\n", (int)pid);
	return cgroup__write(l->cgroup, "cgroup.procs", text);
}

int cgroup__populated(const char *dir)
{
	char path[PATH_MAX], line[128];
	int populated = -ENODATA;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "populated ", 10))
			populated = line[10] == '1';
	fclose(f);
	return populated;
}

int launch_cgroup__populated(const struct launch *l)
{
	return cgroup__populated(l->cgroup);
}

/* Signals every process listed in cgroup.procs. */
static int cgroup__signal_each(const char *dir, int sig)
{
	char path[PATH_MAX];
	int pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &pid) == 1)
		if (pid > 0)
			kill(pid, sig);
	fclose(f);
	return 0;
}

int cgroup__signal(const char *dir, int sig)
{
	/* cgroup.kill cannot miss a process forking at the same time. */
	if (sig == SIGKILL && cgroup__write(dir, "cgroup.kill", "1") == 0)
		return 0;
	return cgroup__signal_each(dir, sig);
}

int launch_cgroup__signal(const struct launch *l, int sig)
{
	return cgroup__signal(l->cgroup, sig);
}

bool launch_cgroup__holds(const struct launch *l, pid_t pid)
{
	char path[64], line[PATH_MAX + 8];
	bool holds = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!holds && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		holds = !strncmp(line, "0::", 3) && !strcmp(line + 3, l->cgroup_rel);
	}
	fclose(f);
	return holds;
}

void launch_cgroup__remove(struct launch *l)
{
	if (l->cgroup && rmdir(l->cgroup) != 0 && errno != ENOENT)
		log_debug("cannot remove cgroup %s: %s", l->cgroup, strerror(errno));
	free(l->cgroup);
	free(l->cgroup_rel);
	l->cgroup = l->cgroup_rel = NULL;
	l->cgroup_id = 0;
}
