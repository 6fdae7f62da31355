/* SPDX-License-Identifier: MIT */
/*
 * Private to the image readers (image.c, image_src.c, image_engine.c):
 * where an image's blobs come from.  An OCI layout directory gives files
 * under it; an archive gives members, found again by re-reading the archive
 * from its start, since a docker-archive names its layers only in
 * manifest.json, its last member.
 */
#ifndef CAPDIET_IMAGE_INTERNAL_H
#define CAPDIET_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/image.h"

struct image_member {
	char *name;        /* normalised: "blobs/sha256/ab..", "abc/layer.tar" */
	char *link;        /* a symlink's target (from its directory) or a hard link's (from the root) */
	bool symlink, hardlink, regular;
	size_t index;      /* its header's number in the archive */
};

struct image_src {
	const char *input; /* the path or name the user gave, for messages */
	char *err;
	size_t err_len;
	int dirfd;         /* an OCI layout directory, else -1 */
	int fd;            /* an archive, else -1 */
	struct image_member *m; /* the archive's members, sorted by name then index */
	size_t n;
	/* What this input has cost so far, against IMAGE_MAX_OPENS, _WALK and _JSON_TOTAL: */
	size_t opens;      /* blobs opened */
	size_t walked;     /* archive headers read to reach them */
	size_t json;       /* bytes of JSON parsed */
};

/* Writes "INPUT: message" to src->err and returns rc. */
int src__fail(const struct image_src *src, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A layout directory; 0 or -errno with the reason in err. */
int src__open_dir(struct image_src *src, const char *path);
/* An archive on fd (taken over: src__close closes it); lists its members. */
int src__open_archive(struct image_src *src, int fd);
/* Whether ref (a path inside the layout or archive) exists. */
bool src__has(const struct image_src *src, const char *ref);
/* Reads ref (at most IMAGE_MAX_JSON bytes) and parses it as JSON; what names it in messages. */
int src__read_json(struct image_src *src, const char *ref, const char *what, struct ydoc **tree);
/* Reads ref as a (gzip, zstd or plain) tar layer of img, named digest. */
int src__scan_layer(struct image_src *src, const char *ref, struct image *img, const char *digest);
void src__close(struct image_src *src);

/* Reads every image the layout or archive of src holds into out. */
int image__read_src(struct image_src *src, struct image_list *out);

#endif
