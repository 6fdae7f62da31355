// SPDX-License-Identifier: MIT
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

#include "capdiet/observe/syscalls.h"

void syscalls__name(int nr, char *buf, size_t len)
{
	char *name;

	if (nr < 0) {
		snprintf(buf, len, "-");
		return;
	}
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "syscall_%d", nr);
	free(name);
}

int syscalls__number(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	return nr < 0 ? -ENOENT : nr;
}
