/* SPDX-License-Identifier: MIT */
/*
 * Container images as the gate sees them: what an image declares
 * (the io.containers.capabilities label, its User) and what its layers
 * carry (files with file capabilities, setuid/setgid-root executables).
 *
 * Read with libarchive, never extracted: an OCI image layout directory, an
 * OCI archive or a docker-archive tarball (`podman save`, `docker save`),
 * each told by content.  Layers are read in the manifest's order, so a
 * whiteout or a later file at the same path removes an earlier layer's
 * finding, as the image's root file system would.  Every input is hostile:
 * sizes and counts are bounded (IMAGE_MAX_*), a path that leaves the
 * image's root, a symlink loop, a missing blob or a malformed capability
 * xattr is an error that names the problem.
 */
#ifndef CAPDIET_IMAGE_H
#define CAPDIET_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capdiet/core/caps.h"

#define IMAGE_CAPS_LABEL      "io.containers.capabilities"
#define IMAGE_MAX_JSON        (16u << 20)   /* oci-layout, index, manifest, config */
#define IMAGE_MAX_MEMBERS     100000        /* entries of an outer archive */
#define IMAGE_MAX_ENTRIES     2000000       /* entries of one image's layers together */
#define IMAGE_MAX_BYTES       (64ull << 30) /* uncompressed bytes of one image's layers */
#define IMAGE_MAX_LAYERS      512
#define IMAGE_MAX_IMAGES      256           /* manifests in one input */
#define IMAGE_MAX_FINDINGS    4096          /* per image */
#define IMAGE_MAX_INDEX_DEPTH 4             /* an index of indexes of ... */
#define IMAGE_MAX_LINKS       16            /* symlink hops to a member of an archive */
#define IMAGE_MAX_PATH        4096
/*
 * What one input (a layout, an archive) may cost in all, whatever its
 * images: each blob of an archive is found by reading the archive again
 * from its start, and an index may list the same blobs over and over.
 */
#define IMAGE_MAX_OPENS       4096          /* blobs read: manifests, configs, layers */
#define IMAGE_MAX_WALK        1000000       /* archive headers read to find them */
#define IMAGE_MAX_JSON_TOTAL  (64u << 20)   /* bytes of JSON parsed */

/* What an input is, by content (image__detect). */
enum image_kind {
	IMAGE_NOT,      /* not an image: a manifest file or directory */
	IMAGE_LAYOUT,   /* a directory with oci-layout and index.json */
	IMAGE_ARCHIVE,  /* a tar (maybe gzip or zstd): docker-archive or OCI archive */
};

enum image_source {
	IMAGE_FILE_CAPS,    /* security.capability xattr */
	IMAGE_SETUID_ROOT,  /* S_ISUID, owner 0, executable */
	IMAGE_SETGID_ROOT,  /* S_ISGID, group 0, group-executable */
};

/* A security.capability xattr: the kernel's struct vfs_(ns_)cap_data. */
struct image_filecaps {
	int version;           /* 1, 2 or 3 */
	capset_t permitted, inheritable;
	bool effective;
	uint32_t rootid;       /* version 3: the user namespace's root, as a host uid */
};

struct image_finding {
	enum image_source source;
	char *path;            /* "/usr/bin/ping" */
	size_t layer;          /* index into image->layers */
	capset_t caps;         /* what it can give: permitted | inheritable, SETUID, SETGID */
	struct image_filecaps fcaps;
	unsigned int mode;     /* permission bits, with S_ISUID/S_ISGID */
};

struct image {
	char *name;            /* a tag (RepoTags, ref.name), else "sha256:" + 12 hex */
	char *user;            /* the config's User; NULL when unset */
	char *label;           /* the io.containers.capabilities text; NULL when unset */
	capset_t label_caps;
	char **layers;         /* layer digests, base first */
	size_t n_layers;
	struct image_finding *v; /* sorted by path, then source */
	size_t n, alloc;
	size_t entries;        /* tar entries read from the layers */
	uint64_t bytes;        /* their uncompressed bytes */
};

struct image_list {
	struct image *v;
	size_t n, alloc;
};

/*
 * Decodes value (len bytes of a security.capability xattr): version 1
 * (12 bytes), 2 (20) or 3 (24, with the namespace root), little-endian as
 * the kernel stores it.  Returns 0, or -EINVAL with the reason in err: a
 * size or version that does not match, a capability this system does not
 * know.
 */
int image__decode_filecaps(const void *value, size_t len, struct image_filecaps *out,
			   char *err, size_t err_len);
/* As getcap prints it ("cap_net_raw=ep", " [rootid=1000]" for version 3); malloc'd or NULL. */
char *image_filecaps__text(const struct image_filecaps *fc);
/*
 * Parses the io.containers.capabilities label ("NET_RAW,CAP_CHOWN", as
 * Podman splits it: commas, any case, CAP_ optional).  -EINVAL with the
 * unknown name copied into bad.
 */
int image__parse_label(const char *value, capset_t *set, char *bad, size_t bad_len);

/*
 * What path is, by content: a directory with oci-layout and index.json, a
 * file that starts as a tar, gzip or zstd stream, or neither.  Returns 0,
 * or the -errno of stat/open/read.
 */
int image__detect(const char *path, enum image_kind *kind);
/*
 * Reads every image of path (kind from image__detect) into out.  Returns
 * 0, -ENOMEM, or another -errno with a one-line "PATH: problem" in err:
 * -EINVAL for bad, hostile or truncated input, -ENOENT for a missing blob,
 * -ELOOP for a symlink loop, the errno of a failed open.  On error nothing
 * of path stays in out.  err quotes the input's names (members, entries,
 * tags) as they are: escape it before printing it (text.h).  An input that
 * costs more than IMAGE_MAX_OPENS, _WALK or _JSON_TOTAL is -EINVAL; an
 * index that lists a manifest or index again reads it only once.
 */
int image__read(const char *path, enum image_kind kind, struct image_list *out, char *err,
		size_t err_len);
/* The same for an archive already open (seekable: a file, a memfd); name is for messages. */
int image__read_archive_fd(int fd, const char *name, struct image_list *out, char *err,
			   size_t err_len);
/*
 * A local image of Podman: `podman save` into an unlinked temporary file,
 * read as above, closed (and so gone) before returning.
 */
int image__read_podman(const char *name, struct image_list *out, char *err, size_t err_len);
void image_list__clear(struct image_list *l);

struct archive;
/*
 * Reads one layer (a tar stream opened on a) as the next layer of img:
 * applies its whiteouts and replacements to the findings of the layers
 * before it and adds its own.  digest names the layer in findings and
 * messages.  Returns 0, -EINVAL with "layer DIGEST: problem" in err, or
 * -ENOMEM.
 */
int image__scan_layer(struct image *img, struct archive *a, const char *digest, char *err,
		      size_t err_len);
void image__clear(struct image *img);

#endif
