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

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/strlist.h"

#define CHECK_MAX_FILE_SIZE (16u << 20)

/* Where an entry of the inventory comes from: a manifest, or an image (check_image.c). */
enum check_source {
	CHECK_MANIFEST = 0, /* a container of a manifest */
	CHECK_IMAGE,        /* an image: its io.containers.capabilities label */
	CHECK_FILE_CAPS,    /* a file of an image with file capabilities */
	CHECK_SETUID_ROOT,  /* a setuid-root executable of an image: judged as SETUID */
	CHECK_SETGID_ROOT,  /* a setgid-root executable of an image: judged as SETGID */
};

/* One container (a Compose service, an OCI process, a profile) and its set. */
struct check_container {
	char *file;
	int line;           /* of the container's entry (1-based); 0 for images */
	char *kind;         /* "Deployment", "compose", "oci", "Profile", "image", ... */
	char *name;         /* metadata.name, service, bundle dir, profile name, image tag */
	char *container;    /* container name (service / bundle / profile name); in an
			     * image the file's path, or the label's name */
	capset_t caps;      /* everything the process can get */
	int cap_line[64];   /* line that grants each capability, 0: use line */
	bool privileged;    /* privileged: true (caps is every capability): one
			     * finding, at cap_line of any capability */
	enum check_source source;
	char *layer;        /* image files: the layer's digest */
	char *path;         /* image files: the path in the image */
	char *detail;       /* image files: "cap_net_raw=ep", "setuid root, mode 4755";
			     * an image: its label's text */
	char *user;         /* an image: its config's User */
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
/* Appends an entry with copies of the strings; NULL (errno ENOMEM) when out of memory. */
struct check_container *check_inventory__add(struct check_inventory *inv, const char *file,
					     int line, const char *kind, const char *name,
					     const char *container);
/* Drops the entries from n on: an input that failed halfway leaves nothing. */
void check_inventory__truncate(struct check_inventory *inv, size_t n);

/*
 * One PATH of `capdiet check` (check_image.c): an OCI layout directory or
 * an image archive (docker-archive, OCI archive), told by content, is read
 * as images: one entry for each image (its label) and one for each file
 * with file capabilities or setuid/setgid root.  Anything else goes to
 * check__collect_path.  Problems are appended to errors, quoting the
 * input's names as they are (escape them to print, text.h); returns
 * -ENOMEM only.
 */
int check__collect_input(struct check_inventory *inv, const char *path, struct strlist *errors);
/* A local image of an engine ("podman"), by name; as check__collect_input. */
int check__collect_engine(struct check_inventory *inv, const char *engine, const char *name,
			  struct strlist *errors);

/* Where an exception was written. */
enum check_exception_origin {
	CHECK_FROM_ALLOWLIST = 0, /* the allowlist file's exceptions: */
	CHECK_FROM_INLINE,        /* a workload's capdiet.io/allow annotation */
	CHECK_FROM_BASELINE,      /* --baseline FILE: a violation accepted when recorded */
};

struct check_exception {
	char *kind, *name, *container; /* NULL: matches any */
	capset_t add;
	char *reason;
	char *file;         /* where it was written (allowlist, manifest, baseline) */
	int line;
	char *expires;      /* "YYYY-MM-DD" or NULL: never */
	bool expired;       /* expires is before today: what it matches is a violation */
	enum check_exception_origin origin;
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
/* Whether ex's kind, name and container (NULL: any) match c. */
bool check_exception__matches(const struct check_exception *ex, const struct check_container *c);
/* What c may have: the base set plus every matching live exception's add. */
capset_t check_allowlist__allowed(const struct check_allowlist *al,
				  const struct check_container *c);
void check_allowlist__free(struct check_allowlist *al);

/* What became of a capability outside the allowlist's default. */
enum check_outcome {
	CHECK_VIOLATION = 0, /* no exception allows it: fails the gate */
	CHECK_EXPIRED,       /* an exception allowed it until its expires date: fails */
	CHECK_EXCEPTED,      /* a live exception allows it: listed, does not fail */
};

#define CHECK_CAP_PRIVILEGED (-1) /* a finding for privileged: true, caps in .caps */

/*
 * One finding: a capability of a container, or (cap CHECK_CAP_PRIVILEGED) a
 * privileged container's capabilities with the same outcome, as one.
 */
struct check_violation {
	const struct check_container *container; /* points into the inventory */
	int cap;
	capset_t caps;      /* the capabilities it is about: BIT(cap), or privileged's */
	int line;
	enum check_outcome outcome;
	const struct check_exception *exception; /* EXPIRED, EXCEPTED: the one that matched */
};

/*
 * v holds every finding, in inventory order, the excepted ones too: the
 * output lists what was excepted, it never hides it.  n_failing counts
 * VIOLATION and EXPIRED findings: the gate fails when it is not 0.
 */
struct check_report {
	struct check_violation *v;
	size_t n;
	size_t n_failing, n_excepted;
	const struct check_exception **stale; /* exceptions that matched nothing */
	size_t n_stale;
	size_t files, containers, errors;
	size_t images, findings;   /* images, and their files that were judged */
	const struct check_inventory *inv; /* what was judged, for the JSON image list */
};

/*
 * Fills out with every capability outside the allowlist's default, each
 * with its outcome: the first matching exception that adds it decides.
 * Returns 0 or -ENOMEM.
 */
int check__evaluate(const struct check_inventory *inv, const struct check_allowlist *al,
		    struct check_report *out);
void check_report__clear(struct check_report *r);
/* "FILE:LINE: KIND/NAME container C: capability X is not in the allowlist"
 * lines (for images "FILE: image NAME layer L file P (DETAIL): capability
 * X is not in the allowlist"), then "checked N files, N containers: N
 * violations" (", N images, N findings" when images were checked).  Every
 * string from an input is escaped (text__fputs): one line per violation. */
int check_report__write_text(const struct check_report *r, FILE *out);
/* One JSON object: violations, files, containers, violation_count, errors, images. */
int check_report__write_json(const struct check_report *r, FILE *out);

#endif
