// SPDX-License-Identifier: MIT
/*
 * Which processes the recorder follows, told to the BPF side through the
 * tracked map, and the paths of the executables it saw them run.  The
 * kernel side follows forks and execs by itself; what it cannot know is
 * read here from /proc.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "capdiet/core/proc.h"
#include "capdiet/observe/observation.h"
#include "capdiet/observe/record.h"
#include "record_internal.h"
#include "recorder.skel.h"

/* The id the BPF side computes from the kernel's inode and s_dev. */
static __u64 exe_id_of(const struct stat *st)
{
	__u64 dev = ((__u64)major(st->st_dev) << 20) | minor(st->st_dev);

	return (__u64)st->st_ino ^ (dev << 40) ^ (dev >> 24);
}

static int track__set(struct recorder *r, pid_t pid, __u32 state, __u64 exe_id)
{
	struct cd_track t = { .exe_id = exe_id, .state = state };
	__u32 key = pid;

	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.tracked), &key, &t, BPF_ANY))
		return -errno;
	return 0;
}

int recorder__track_exec(struct recorder *r, pid_t pid)
{
	return track__set(r, pid, CD_TRACK_WAIT_EXEC, 0);
}

/* Tracks one running process as it is now: its exe read from /proc. */
static int track__running(struct recorder *r, pid_t pid)
{
	struct cd_exe exe = { 0 };
	char link[64];
	struct stat st;
	__u64 id;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	if (stat(link, &st))
		return -errno;
	id = exe_id_of(&st);
	n = readlink(link, exe.path, sizeof(exe.path) - 1);
	if (n > 0)
		bpf_map_update_elem(bpf_map__fd(r->skel->maps.exes), &id, &exe, BPF_NOEXIST);
	return track__set(r, pid, CD_TRACK_ACTIVE, id);
}

static bool track__descends_from(pid_t pid, pid_t root)
{
	struct proc_stat st;

	for (int depth = 0; pid > 1 && depth < 4096; depth++) {
		if (pid == root)
			return true;
		pid = proc__read_stat(pid, &st) == 0 ? st.ppid : -1;
	}
	return false;
}

int recorder__track_pid(struct recorder *r, pid_t pid)
{
	struct dirent *de;
	DIR *proc;
	int err = track__running(r, pid);

	if (err)
		return err;
	/* Children forked from now on are tracked by the kernel side; those
	 * that exist already are found by walking /proc once. */
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		pid_t p = atoi(de->d_name);

		if (p > 0 && p != pid && track__descends_from(p, pid))
			track__running(r, p);
	}
	closedir(proc);
	return 0;
}

/* A base name from the cgroup scope: find the full path of a live process
 * running the same file. */
static void exe__find_running(__u64 exe_id, char *path, size_t len)
{
	struct dirent *de;
	DIR *proc;

	if (path[0] == '/' || !(proc = opendir("/proc")))
		return;
	while ((de = readdir(proc))) {
		char link[300], target[OBS_TEXT_MAX];
		struct stat st;
		ssize_t n;

		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
		if (stat(link, &st) || exe_id_of(&st) != exe_id)
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			snprintf(path, len, "%s", target);
			break;
		}
	}
	closedir(proc);
}

/* execve("./prog"): the kernel keeps the path as given. */
static void exe__make_absolute(__u64 exe_id, char *path, size_t len)
{
	char *abs;
	struct stat st;

	if (path[0] == '/' || !strchr(path, '/') || !(abs = realpath(path, NULL)))
		return;
	if (!stat(abs, &st) && exe_id_of(&st) == exe_id)
		snprintf(path, len, "%s", abs);
	free(abs);
}

void record_track__complete_exe(uint64_t exe_id, char *path, size_t len)
{
	exe__make_absolute(exe_id, path, len);
	exe__find_running(exe_id, path, len);
}
