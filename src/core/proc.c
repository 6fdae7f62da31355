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

int proc__read_caps(pid_t pid, capset_t sets[PROC_CAP_SETS])
{
	static const char *const fields[PROC_CAP_SETS] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	};
	char path[64], line[256];
	int found = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < PROC_CAP_SETS; i++) {
			size_t len = strlen(fields[i]);

			if (strncmp(line, fields[i], len) || line[len] != ':')
				continue;
			if (caps__parse_hex(line + len + 1 + strspn(line + len + 1, " \t"), &sets[i]))
				err = -EINVAL;
			found++;
		}
	}
	fclose(f);
	if (err)
		return err;
	return found == PROC_CAP_SETS ? 0 : -ENODATA;
}

int proc__exit_code(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}
