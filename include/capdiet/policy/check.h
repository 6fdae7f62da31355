/* SPDX-License-Identifier: MIT */
/*
 * The CI gate: reads Kubernetes manifests, Compose files, OCI config.json
 * and capdiet profiles, works out the capability set each container can
 * get, and reports every capability outside the team's allowlist.
 *
 * Plain data in, plain data out: check__parse_buffer() turns text into
 * containers, check__evaluate() turns containers and an allowlist into
 * violations, the writers format them.  Only check__collect_path() and the
 * *__load functions touch the file system, and a Compose file's extends of
 * another file (check_compose.h).
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
	int col;            /* its column (1-based); 0: unknown */
	char *kind;         /* "Deployment", "compose", "oci", "Profile", "image", ... */
	char *name;         /* metadata.name, service, bundle dir, profile name, image tag */
	char *container;    /* container name (service / bundle / profile name); in an
			     * image the file's path, or the label's name */
	capset_t caps;      /* everything the process can get */
	int cap_line[64];   /* line that grants each capability, 0: use line */
	int cap_col[64];    /* its column where cap_line is set, 0: unknown */
	char **cap_file;    /* NULL, or 64 entries: the file that grants each capability
			     * when it is not file (a merged Compose service's base or
			     * override file, check_compose.c); NULL entry: file */
	bool privileged;    /* privileged: true (caps is every capability): one
			     * finding, at cap_line of any capability */
	enum check_source source;
	char *layer;        /* image files: the layer's digest */
	char *path;         /* image files: the path in the image */
	char *detail;       /* image files: "cap_net_raw=ep", "setuid root, mode 4755";
			     * an image: its label's text */
	char *user;         /* an image: its config's User */
	char *allow_note;   /* its workload's capdiet.io/allow annotation (check_inline.c) */
	int allow_note_line;
};

struct check_exclude;
struct check_render;

struct check_inventory {
	struct check_container *v;
	size_t n, alloc;
	size_t files;       /* files read */
	size_t max_nodes;   /* --max-nodes: a document's limit; 0: YDOC_MAX_NODES */
	struct check_exclude *exclude; /* --exclude: what the walk skips (check_exceptions.h) */
	const struct check_render *render; /* --render: charts and overlays (check_render.h) */
	bool k8s_only;      /* reading the files beside a chart or overlay: only what
			     * kubectl apply -f would apply (Kubernetes objects) counts */
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
/* check__read_file + check__parse_buffer; counts the file in inv->files.  An
 * empty file is read as one with no documents, as whitespace is. */
int check__load_file(struct check_inventory *inv, const char *path, char *err, size_t err_len);
/* Reads fd to its end (a pipe: stdin) and parses it as a file called name;
 * no input at all is an error (the command before the pipe failed). */
int check__load_fd(struct check_inventory *inv, int fd, const char *name, char *err,
		   size_t err_len);
/*
 * Loads "-" (stdin), a file, or every *.yaml, *.yml and *.json under a directory (sorted,
 * hidden ones too, skipping .git and not following symlinked
 * directories).  A directory that is a Helm chart or a Kustomize overlay is
 * rendered or reported as not checked (check_render.h), and then the
 * Kubernetes objects in its files that the tool does not read
 * (check_render__tool_reads) are checked as they are.
 * Problems with single files are appended to errors and the walk goes on;
 * returns -ENOMEM only.
 */
int check__collect_path(struct check_inventory *inv, const char *path, struct strlist *errors);
/* The manifests in an OCI layout directory (dir), beside its index.json and
 * blobs/, which are the image's; as check__collect_path. */
int check__collect_beside_image(struct check_inventory *inv, const char *dir,
				struct strlist *errors);
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
	char *input;        /* baseline: the file the finding was in (NULL: any) */
	bool privileged;    /* baseline: matches a privileged: true container only */
};

struct check_allowlist {
	capset_t base;      /* allowed for every container */
	struct check_exception *ex;
	size_t n;
	bool inline_ok;     /* inline_exceptions: true: honour capdiet.io/allow */
	capset_t inline_max; /* what an annotation may allow (inline_max:) */
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
	const char *file;   /* where line is: the container's file, or its cap_file */
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
	size_t excluded;           /* paths --exclude left out (never silently) */
	const struct check_inventory *inv; /* what was judged, for the JSON image list */
	const struct strlist *problems; /* "FILE:LINE: problem" with the inputs (errors of them) */
};

/*
 * Fills out with every capability outside the allowlist's default, each
 * with its outcome: the first matching exception that adds it decides.
 * Returns 0 or -ENOMEM.
 */
int check__evaluate(const struct check_inventory *inv, const struct check_allowlist *al,
		    struct check_report *out);
void check_report__clear(struct check_report *r);
/*
 * The report's formats (docs/check.md, "Output").  Every writer escapes
 * every string from an input in its format's own rules, so no name from a
 * manifest or image forges a line, an element or a workflow command; each
 * returns 0 or -EIO (-ENOMEM).
 */
enum check_format {
	CHECK_FORMAT_TEXT = 0,
	CHECK_FORMAT_JSON,
	CHECK_FORMAT_SARIF,  /* SARIF 2.1.0, for GitHub code scanning */
	CHECK_FORMAT_JUNIT,  /* JUnit XML, for GitLab and other CI test reports */
	CHECK_FORMAT_GITHUB, /* GitHub Actions workflow commands (annotations) */
};

/* "text", "json", "sarif", "junit", "github": 0, or -EINVAL for another name. */
int check_format__parse(const char *name, enum check_format *out);
int check_report__write(const struct check_report *r, enum check_format format, FILE *out);
/*
 * One line per finding, the findings of a container together:
 * "FILE:LINE:COL: KIND/NAME container C: capability X is not in the
 * allowlist" (for images "FILE: image NAME layer L file P (DETAIL): ..."),
 * excepted and expired ones saying which exception; then one line per stale
 * exception and "checked N files, N containers: N violations in N
 * containers (CAPS); N excepted; N stale exceptions".  Strings from inputs
 * are escaped with text__fputs.
 */
int check_report__write_text(const struct check_report *r, FILE *out);
/* One JSON object: violations, excepted, stale, problems, files, containers,
 * violation_count, errors, images. */
int check_report__write_json(const struct check_report *r, FILE *out);
/* SARIF 2.1.0: one rule per kind of finding, a result per finding
 * (excepted ones suppressed), problems as tool execution notifications. */
int check_report__write_sarif(const struct check_report *r, FILE *out);
/* JUnit XML: a testsuite per file, a testcase per container, a failure per
 * failing container, an error per problem. */
int check_report__write_junit(const struct check_report *r, FILE *out);
/* GitHub workflow commands: ::error per failing finding and problem,
 * ::notice per excepted one, ::warning per stale exception, then the summary. */
int check_report__write_github(const struct check_report *r, FILE *out);

#endif
