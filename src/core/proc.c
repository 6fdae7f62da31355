// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "capdiet/core/proc.h"

int proc__parse_stat(const char *text, struct proc_stat *out)
{
	/* The command name may hold spaces and ')': skip to the last ')'. */
	const char *p = strrchr(text, ')');
	int ppid, pgid;

	if (!p || sscanf(p + 1, " %c %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
			 " %*s %*s %*s %*s %*s %*s %llu",
			 &out->state, &ppid, &pgid, &out->start) != 4)
		return -EINVAL;
	out->ppid = ppid;
	out->pgid = pgid;
	return 0;
}

int proc__read_stat(pid_t pid, struct proc_stat *out)
{
	char path[64], buf[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	out->pid = pid;
	return proc__parse_stat(buf, out);
}

int proc__exit_code(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}
