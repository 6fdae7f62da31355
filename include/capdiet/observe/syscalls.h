/* SPDX-License-Identifier: MIT */
/* Syscall numbers and names of the native architecture (libseccomp). */
#ifndef CAPDIET_SYSCALLS_H
#define CAPDIET_SYSCALLS_H

#include <stddef.h>

/* Writes the name of syscall nr ("openat"), or "-" outside a syscall, or
 * "syscall_N" when unknown. Always NUL-terminates buf. */
void syscalls__name(int nr, char *buf, size_t len);
/* The number of a syscall by name, or -ENOENT. */
int syscalls__number(const char *name);

#endif
