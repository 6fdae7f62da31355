/* SPDX-License-Identifier: MIT */
/*
 * Needs the kernel enforces without a capability check, turned into
 * observations like any other: a capset(2) that asked for capabilities the
 * permitted set lacks (EPERM), a successful capset's kept capabilities
 * (evidence), and an execve(2) refused because the file's capabilities are
 * not in the bounding set.  They arrive classified (preclassified).
 */
#ifndef CAPDIET_SYSEVENT_H
#define CAPDIET_SYSEVENT_H

#include "capdiet/core/caps.h"
#include "capdiet/observe/events.h"
#include "capdiet/observe/observation.h"

/* The observations one sysevents map entry stands for; exe is its file.
 * 0 or -ENOMEM. */
int sysevent__decode(const struct cd_syskey *key, const struct cd_sysevent *v,
		     const char *exe, struct observations *out);
/* One required observation per capability of lacking: path's execve was
 * refused because its file capabilities ask for them.  0 or -ENOMEM. */
int sysevent__exec_refused(const char *path, capset_t lacking, int syscall,
			   struct observations *out);

#endif
