/* SPDX-License-Identifier: MIT */
/*
 * The CI gate: reads Kubernetes manifests, Compose files, OCI config.json
 * and capdiet profiles, works out the capability set each container can
 * get, and reports every capability outside the team's allowlist.
 *
 * Plain data in, plain data out: check__parse_buffer() turns text into
 * containers, check__evaluate() turns containers and an allowlist into
 * violations, the writers format them.  Only check__collect_path() and the
 * *__load functions touch the file system.
 */
#ifndef CAPDIET_CHECK_H
#define CAPDIET_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/strlist.h"

#define CHECK_MAX_FILE_SIZE (16u << 20)

/* One container (a Compose service, an OCI process, a profile) and its set. */
struct check_container {
	char *file;
	int line;           /* of the container's entry (1-based) */
	char *kind;         /* "Deployment", "compose", "oci", "Profile", ... */
	char *name;         /* metadata.name, service, bundle dir, profile name */
	char *container;    /* container name (service / bundle / profile name) */
	capset_t caps;      /* everything the process can get */
	int cap_line[64];   /* line that grants each capability, 0: use line */
};

struct check_inventory {
	struct check_container *v;
	size_t n, alloc;
	size_t files;       /* files read */
};

/*
 * Reads every document in buf (the content of file) and appends one entry
 * per container.  Returns 0, -EINVAL with "FILE:LINE: problem" in err (bad
 * YAML/JSON, an unknown capability name, a wrong type), or -ENOMEM.  On
 * error nothing from this buffer stays in inv.
 */
int check__parse_buffer(struct check_inventory *inv, const char *buf, size_t len,
			const char *file, char *err, size_t err_len);
/*
 * Reads path into a malloc'd buffer, refusing what is not a regular file,
 * is empty, larger than CHECK_MAX_FILE_SIZE or binary (has a NUL byte).
 */
int check__read_file(const char *path, char **buf, size_t *len, char *err, size_t err_len);
/* check__read_file + check__parse_buffer; counts the file in inv->files. */
int check__load_file(struct check_inventory *inv, const char *path, char *err, size_t err_len);
/* Reads fd to its end (a pipe: stdin) and parses it as a file called name. */
int check__load_fd(struct check_inventory *inv, int fd, const char *name, char *err,
		   size_t err_len);
/*
 * Loads "-" (stdin), a file, or every *.yaml, *.yml and *.json under a directory (sorted,
 * skipping hidden files and directories and not following symlinked
 * directories).  Problems with single files are appended to errors and the
 * walk goes on; returns -ENOMEM only.
 */
int check__collect_path(struct check_inventory *inv, const char *path, struct strlist *errors);
void check_inventory__clear(struct check_inventory *inv);

struct check_exception {
	char *kind, *name, *container; /* NULL: matches any */
	capset_t add;
	char *reason;
	int line;
};

struct check_allowlist {
	capset_t base;      /* allowed for every container */
	struct check_exception *ex;
	size_t n;
};

/* Only NET_BIND_SERVICE: the Kubernetes restricted profile. */
struct check_allowlist *check_allowlist__restricted(void);
/* From "NET_BIND_SERVICE,CHOWN" ("" allows nothing); NULL, EINVAL + err. */
struct check_allowlist *check_allowlist__from_list(const char *list, char *err, size_t err_len);
/* From the YAML allowlist format (see docs/check.md); NULL, EINVAL + err. */
struct check_allowlist *check_allowlist__parse(const char *buf, size_t len, const char *file,
					       char *err, size_t err_len);
struct check_allowlist *check_allowlist__load(const char *path, char *err, size_t err_len);
/* What c may have: the base set plus every matching exception's add. */
capset_t check_allowlist__allowed(const struct check_allowlist *al,
				  const struct check_container *c);
void check_allowlist__free(struct check_allowlist *al);

struct check_violation {
	const struct check_container *container; /* points into the inventory */
	int cap;
	int line;
};

struct check_report {
	struct check_violation *v;
	size_t n;
	size_t files, containers, errors;
};

/* Fills out with every capability outside the allowlist; 0 or -ENOMEM. */
int check__evaluate(const struct check_inventory *inv, const struct check_allowlist *al,
		    struct check_report *out);
void check_report__clear(struct check_report *r);
/* "FILE:LINE: KIND/NAME container C: capability X is not in the allowlist"
 * lines, then "checked N files, N containers: N violations". */
int check_report__write_text(const struct check_report *r, FILE *out);
/* One JSON object: violations, files, containers, violation_count, errors. */
int check_report__write_json(const struct check_report *r, FILE *out);

#endif
