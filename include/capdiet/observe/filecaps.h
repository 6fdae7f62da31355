/* SPDX-License-Identifier: MIT */
/*
 * File capabilities (setcap cap_net_raw+ep): the kernel refuses to execve
 * a file whose effective bit is set when the bounding set lacks one of its
 * permitted capabilities, with EPERM and no capability check at all.  So
 * the recorder cannot see that need; the file's xattr says it.
 */
#ifndef CAPDIET_FILECAPS_H
#define CAPDIET_FILECAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "capdiet/core/caps.h"

/* The permitted capabilities the file at path carries, and its effective
 * bit; 0 (empty when it carries none) or -errno.  (An exec can also get a
 * capability through the file's inheritable set; capdiet does not use that.) */
int filecaps__read(const char *path, capset_t *permitted, bool *effective);
/* argv0 as execvp would find it in PATH, into out; 0 or -ENOENT. */
int filecaps__resolve(const char *argv0, char *out, size_t len);

#endif
