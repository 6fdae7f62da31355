// SPDX-License-Identifier: MIT
/*
 * Which argument of a syscall is worth keeping as evidence of a capability
 * check made inside it: the path chown(2) changed, the address bind(2) took.
 * The BPF side reads it from the path_args map, by syscall number.
 */
#include <bpf/bpf.h>
#include <errno.h>

#include "capdiet/observe/events.h"
#include "capdiet/observe/syscalls.h"
#include "record_internal.h"

struct path_arg {
	const char *syscall;
	__u32 kind;  /* enum cd_arg_kind */
	__u32 index; /* of the argument, from 0 */
};

static const struct path_arg table[] = {
	{ "open", CD_ARG_PATH, 0 }, { "openat", CD_ARG_PATH, 1 },
	{ "openat2", CD_ARG_PATH, 1 }, { "creat", CD_ARG_PATH, 0 },
	{ "chown", CD_ARG_PATH, 0 }, { "lchown", CD_ARG_PATH, 0 },
	{ "fchownat", CD_ARG_PATH, 1 }, { "chmod", CD_ARG_PATH, 0 },
	{ "fchmodat", CD_ARG_PATH, 1 }, { "fchmodat2", CD_ARG_PATH, 1 },
	{ "mkdir", CD_ARG_PATH, 0 }, { "mkdirat", CD_ARG_PATH, 1 },
	{ "mknod", CD_ARG_PATH, 0 }, { "mknodat", CD_ARG_PATH, 1 },
	{ "unlink", CD_ARG_PATH, 0 }, { "unlinkat", CD_ARG_PATH, 1 },
	{ "rmdir", CD_ARG_PATH, 0 }, { "rename", CD_ARG_PATH, 0 },
	{ "renameat", CD_ARG_PATH, 1 }, { "renameat2", CD_ARG_PATH, 1 },
	{ "link", CD_ARG_PATH, 0 }, { "linkat", CD_ARG_PATH, 1 },
	{ "symlink", CD_ARG_PATH, 1 }, { "symlinkat", CD_ARG_PATH, 2 },
	{ "truncate", CD_ARG_PATH, 0 }, { "utime", CD_ARG_PATH, 0 },
	{ "utimes", CD_ARG_PATH, 0 }, { "utimensat", CD_ARG_PATH, 1 },
	{ "execve", CD_ARG_PATH, 0 }, { "execveat", CD_ARG_PATH, 1 },
	{ "chdir", CD_ARG_PATH, 0 }, { "chroot", CD_ARG_PATH, 0 },
	{ "mount", CD_ARG_PATH, 1 }, { "umount2", CD_ARG_PATH, 0 },
	{ "access", CD_ARG_PATH, 0 }, { "faccessat", CD_ARG_PATH, 1 },
	{ "faccessat2", CD_ARG_PATH, 1 }, { "stat", CD_ARG_PATH, 0 },
	{ "lstat", CD_ARG_PATH, 0 }, { "newfstatat", CD_ARG_PATH, 1 },
	{ "statx", CD_ARG_PATH, 1 }, { "setxattr", CD_ARG_PATH, 0 },
	{ "lsetxattr", CD_ARG_PATH, 0 }, { "removexattr", CD_ARG_PATH, 0 },
	{ "lremovexattr", CD_ARG_PATH, 0 }, { "readlink", CD_ARG_PATH, 0 },
	{ "readlinkat", CD_ARG_PATH, 1 }, { "swapon", CD_ARG_PATH, 0 },
	{ "pivot_root", CD_ARG_PATH, 0 }, { "acct", CD_ARG_PATH, 0 },
	{ "name_to_handle_at", CD_ARG_PATH, 1 }, { "quotactl", CD_ARG_PATH, 1 },
	{ "bind", CD_ARG_SOCKADDR, 1 }, { "connect", CD_ARG_SOCKADDR, 1 },
};

int record_args__fill(int map_fd)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int nr = syscalls__number(table[i].syscall);
		__u32 key, value = table[i].kind << 8 | table[i].index;

		if (nr < 0 || nr >= CD_SYSCALL_MAX)
			continue; /* not a syscall on this architecture */
		key = nr;
		if (bpf_map_update_elem(map_fd, &key, &value, BPF_ANY))
			return -errno;
	}
	return 0;
}
