/* SPDX-License-Identifier: MIT */
/*
 * An OCI bundle's config.json (runtime-spec), read and written back with a
 * few fields replaced and everything else kept as it was: how capdiet runs
 * a bundle with one trial's set (observe/launch_container.c) and how
 * `export --format oci --bundle` writes the minimum into it.
 */
#ifndef CAPDIET_OCI_CONFIG_H
#define CAPDIET_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/ydoc.h"

#define OCI_CONFIG_MAX_SIZE (4u << 20)

struct oci_overrides {
	bool set_caps;            /* process.capabilities: all five lists = caps */
	capset_t caps;
	bool no_terminal;         /* process.terminal = false */
	const char *bundle_dir;   /* absolute: root.path and relative bind
				   * sources made absolute against it */
	const char *cgroups_path; /* linux.cgroupsPath; NULL: kept */
};

/* What capdiet needs to know of a bundle before it runs it. */
struct oci_process {
	uint32_t uid, gid;        /* process.user */
	bool terminal;
	char root[4096];          /* root.path as written */
	char first_arg[256];      /* process.args[0] */
};

/* Parses buf as a config.json; 0, or -EINVAL with "FILE: problem" in where. */
int oci_config__load(const char *buf, size_t len, const struct ydoc_where *where,
		     struct ydoc **out);
/* Reads process.user, terminal, root.path and args[0]; -EINVAL (where) when
 * the document is not a runtime-spec config (no process.args, no root). */
int oci_config__process(const struct ydoc *doc, const struct ydoc_where *where,
			struct oci_process *out);
/* A bundle's config.json, read and checked. */
struct oci_bundle {
	char path[4096];          /* DIR/config.json */
	struct ydoc *doc;
	struct oci_process proc;
};
/*
 * Reads and checks DIR/config.json.  0, or -errno with "PATH: problem" (or
 * "PATH:LINE: problem") in err: -EINVAL for what is not a runtime config.
 */
int oci_bundle__read(const char *dir, struct oci_bundle *out, char *err, size_t err_len);
void oci_bundle__clear(struct oci_bundle *b);

/* Writes the document as JSON with the overrides applied; 0 or -errno. */
int oci_config__write(const struct ydoc *doc, const struct oci_overrides *o, FILE *out);

#endif
