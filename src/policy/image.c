// SPDX-License-Identifier: MIT
/*
 * Image formats: which file lists the images (index.json of an OCI layout,
 * manifest.json of a docker-archive), where each image's config and layers
 * are, and what the config declares.  The blobs themselves come from
 * image_src.c, the layers' content from image_layer.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capdiet/core/strlist.h"
#include "image_internal.h"

#define REF_MAX 160 /* "blobs/sha512/" and 128 hex digits */

/* How an image names its parts in messages and where the layer digests come from. */
struct image_ctx {
	struct image_src *src;
	struct image_list *out;
	size_t start;              /* out's first image of this input */
	struct strlist diff_ids;   /* the config's rootfs.diff_ids */
	/* What an index may list again and again, read only once: */
	struct strlist indexes;    /* digests of the indexes read */
	struct strlist manifests;  /* the manifest digest of each image, out->v[start + i] */
};

void image_list__clear(struct image_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		image__clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void list__truncate(struct image_list *l, size_t n)
{
	while (l->n > n)
		image__clear(&l->v[--l->n]);
}

static struct image *list__add(struct image_ctx *c)
{
	struct image_list *l = c->out;

	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 4;
		struct image *v = reallocarray(l->v, alloc, sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->alloc = alloc;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

/* "sha256:<64 hex>" or "sha512:<128 hex>" → "blobs/ALG/HEX"; anything else is refused. */
static int digest__ref(const struct image_src *src, const char *digest, const char *what,
		       char *ref)
{
	size_t hex = 0;

	if (digest && !strncmp(digest, "sha256:", 7))
		hex = 64;
	else if (digest && !strncmp(digest, "sha512:", 7))
		hex = 128;
	if (!hex || strlen(digest + 7) != hex || strspn(digest + 7, "0123456789abcdef") != hex)
		return src__fail(src, -EINVAL,
				 "%s has digest '%.80s'; want sha256:<64 hex digits> (or sha512)",
				 what, digest ? digest : "(none)");
	snprintf(ref, REF_MAX, "blobs/%.6s/%s", digest, digest + 7);
	return 0;
}

/* A name for an image without a tag: its digest, shortened as `podman images` does. */
static char *name__from_digest(const char *digest)
{
	char *name = NULL;

	if (asprintf(&name, "%.19s", digest) < 0)
		return NULL;
	return name;
}

/* The label's text, parsed as Podman reads it; an unknown name is bad input. */
static int config__label(struct image_ctx *c, struct image *img, const struct ydoc_node *labels)
{
	const struct ydoc_node *v = ydoc__get(labels, IMAGE_CAPS_LABEL);
	char bad[128] = "";

	if (!v)
		return 0;
	if (v->type != YDOC_SCALAR)
		return src__fail(c->src, -EINVAL, "image %s: label %s must be a string",
				 img->name, IMAGE_CAPS_LABEL);
	img->label = strdup(v->value);
	if (!img->label)
		return -ENOMEM;
	if (image__parse_label(v->value, &img->label_caps, bad, sizeof(bad)))
		return src__fail(c->src, -EINVAL,
				 "image %s: label %s names unknown capability '%s'; use names from capabilities(7)",
				 img->name, IMAGE_CAPS_LABEL, bad);
	return 0;
}

/* rootfs.diff_ids: a docker-archive's layer digests (its members are named otherwise). */
static int config__diff_ids(struct image_ctx *c, const struct ydoc_node *root)
{
	const struct ydoc_node *ids = ydoc__get(ydoc__get(root, "rootfs"), "diff_ids");
	int rc = 0;

	strlist__clear(&c->diff_ids);
	for (size_t i = 0; ids && ids->type == YDOC_SEQ && i < ids->n && !rc; i++)
		rc = strlist__add(&c->diff_ids, ydoc__text(ids->items[i]) ?: "");
	return rc;
}

/* The config's Labels and User, and the layers' diff_ids. */
static int config__read(struct image_ctx *c, struct image *img, const char *ref)
{
	const struct ydoc_node *root, *cfg, *labels, *user;
	struct ydoc *tree;
	int rc = src__read_json(c->src, ref, "config", &tree);

	if (rc)
		return rc;
	root = tree->docs[0].root;
	cfg = ydoc__get(root, "config");
	labels = ydoc__get(cfg, "Labels");
	user = ydoc__get(cfg, "User");
	if (root->type != YDOC_MAP || (cfg && !ydoc__is_null(cfg) && cfg->type != YDOC_MAP) ||
	    (labels && !ydoc__is_null(labels) && labels->type != YDOC_MAP))
		rc = src__fail(c->src, -EINVAL, "config %s of image %s is not an image config (a mapping with config.Labels)",
			       ref, img->name);
	if (!rc && ydoc__text(user) && *ydoc__text(user) && !(img->user = strdup(user->value)))
		rc = -ENOMEM;
	if (!rc)
		rc = config__label(c, img, labels);
	if (!rc)
		rc = config__diff_ids(c, root);
	ydoc__free(tree);
	return rc;
}

static int oci__manifest(struct image_ctx *c, const struct ydoc_node *root, const char *digest,
			 const char *name)
{
	const struct ydoc_node *layers = ydoc__get(root, "layers");
	char ref[REF_MAX];
	struct image *img;
	int rc;

	if (c->out->n >= IMAGE_MAX_IMAGES)
		return src__fail(c->src, -EINVAL, "more than %d images", IMAGE_MAX_IMAGES);
	img = list__add(c);
	if (!img || !(img->name = name ? strdup(name) : name__from_digest(digest)) ||
	    strlist__add(&c->manifests, digest))
		return -ENOMEM;
	if (!layers || layers->type != YDOC_SEQ)
		return src__fail(c->src, -EINVAL, "manifest %s has no layers list", digest);
	rc = digest__ref(c->src, ydoc__text(ydoc__get(ydoc__get(root, "config"), "digest")),
			 "the config of manifest", ref);
	if (!rc)
		rc = config__read(c, img, ref);
	for (size_t i = 0; !rc && i < layers->n; i++) {
		const char *layer = ydoc__text(ydoc__get(layers->items[i], "digest"));

		rc = digest__ref(c->src, layer, "a layer of the manifest", ref);
		if (!rc)
			rc = src__scan_layer(c->src, ref, img, layer);
	}
	return rc;
}

/* A deep copy of from, called name (taken over); on -ENOMEM image__clear frees what was made. */
static int image__copy(struct image *to, const struct image *from, char *name)
{
	*to = (struct image){ .name = name, .label_caps = from->label_caps,
			      .entries = from->entries, .bytes = from->bytes };
	if ((from->user && !(to->user = strdup(from->user))) ||
	    (from->label && !(to->label = strdup(from->label))))
		return -ENOMEM;
	to->layers = calloc(from->n_layers ? from->n_layers : 1, sizeof(*to->layers));
	to->v = calloc(from->n ? from->n : 1, sizeof(*to->v));
	if (!to->layers || !to->v)
		return -ENOMEM;
	to->alloc = from->n ? from->n : 1;
	for (; to->n_layers < from->n_layers; to->n_layers++)
		if (!(to->layers[to->n_layers] = strdup(from->layers[to->n_layers])))
			return -ENOMEM;
	for (; to->n < from->n; to->n++) {
		to->v[to->n] = from->v[to->n];
		if (!(to->v[to->n].path = strdup(from->v[to->n].path)))
			return -ENOMEM;
	}
	return 0;
}

/* The image read from manifest digest and called name, else the first read from it: its index in out, or -1. */
static ssize_t manifest__seen(const struct image_ctx *c, const char *digest, const char *name)
{
	ssize_t first = -1;

	for (size_t i = 0; i < c->manifests.n; i++) {
		if (strcmp(c->manifests.v[i], digest))
			continue;
		if (name && !strcmp(c->out->v[c->start + i].name, name))
			return (ssize_t)(c->start + i);
		if (first < 0)
			first = (ssize_t)(c->start + i);
	}
	return first;
}

/*
 * A manifest listed again (an index may list one thousands of times),
 * first the index in out of an image read from it: under a name it already
 * has, nothing to do; under another (a second tag), a copy of the image,
 * which an allowlist exception for either name judges as its own.  It is
 * never read twice.
 */
static int manifest__again(struct image_ctx *c, size_t first, const char *digest,
			   const char *name)
{
	char *want = name ? strdup(name) : name__from_digest(digest);
	struct image *img;
	int rc = -ENOMEM;

	if (!want)
		goto cleanup;
	rc = 0;
	if (!strcmp(c->out->v[manifest__seen(c, digest, want)].name, want))
		goto cleanup;
	if (c->out->n >= IMAGE_MAX_IMAGES) {
		rc = src__fail(c->src, -EINVAL, "more than %d images", IMAGE_MAX_IMAGES);
		goto cleanup;
	}
	rc = -ENOMEM;
	img = list__add(c); /* may move out->v: first is an index */
	if (!img)
		goto cleanup;
	rc = image__copy(img, &c->out->v[first], want);
	want = NULL; /* the image's name now, freed with it */
	if (!rc)
		rc = strlist__add(&c->manifests, digest);
cleanup:
	free(want);
	return rc;
}

static int oci__index(struct image_ctx *c, const struct ydoc_node *root, const char *what,
		      int depth);

/* An index found in an index: read once, however often it is listed (its images would be the same). */
static int oci__subindex(struct image_ctx *c, const struct ydoc_node *root, const char *digest,
			 const char *ref, int depth)
{
	int rc = strlist__add(&c->indexes, digest);

	if (!rc && depth >= IMAGE_MAX_INDEX_DEPTH)
		rc = src__fail(c->src, -EINVAL, "indexes nested more than %d deep", IMAGE_MAX_INDEX_DEPTH);
	return rc ? rc : oci__index(c, root, ref, depth + 1);
}

/* One entry of an index: a manifest (an image) or another index, each read once. */
static int oci__descriptor(struct image_ctx *c, const struct ydoc_node *desc, int depth)
{
	const struct ydoc_node *notes = ydoc__get(desc, "annotations"), *root;
	const char *digest = ydoc__text(ydoc__get(desc, "digest"));
	const char *name = ydoc__text(ydoc__get(notes, "io.containerd.image.name")) ?:
			   ydoc__text(ydoc__get(notes, "org.opencontainers.image.ref.name"));
	char ref[REF_MAX];
	struct ydoc *tree;
	ssize_t seen;
	int rc;

	/* BuildKit's attestations ride along as manifests whose layers are not tars. */
	if (ydoc__is(ydoc__get(notes, "vnd.docker.reference.type"), "attestation-manifest"))
		return 0;
	rc = digest__ref(c->src, digest, "an entry of the index", ref);
	if (rc || strlist__contains(&c->indexes, digest))
		return rc;
	seen = manifest__seen(c, digest, NULL);
	if (seen >= 0)
		return manifest__again(c, (size_t)seen, digest, name);
	rc = src__read_json(c->src, ref, "manifest", &tree);
	if (rc)
		return rc;
	root = tree->docs[0].root;
	if (ydoc__get(root, "manifests"))
		rc = oci__subindex(c, root, digest, ref, depth);
	else if (ydoc__get(root, "layers"))
		rc = oci__manifest(c, root, digest, name);
	else
		rc = src__fail(c->src, -EINVAL, "%s is neither an image index nor a manifest", ref);
	ydoc__free(tree);
	return rc;
}

static int oci__index(struct image_ctx *c, const struct ydoc_node *root, const char *what,
		      int depth)
{
	const struct ydoc_node *list = ydoc__get(root, "manifests");
	int rc = 0;

	if (!list || list->type != YDOC_SEQ)
		return src__fail(c->src, -EINVAL, "%s has no manifests list", what);
	for (size_t i = 0; i < list->n && !rc; i++)
		rc = oci__descriptor(c, list->items[i], depth);
	return rc;
}

static int oci__read(struct image_ctx *c)
{
	struct ydoc *tree = NULL;
	int rc = src__read_json(c->src, "oci-layout", "layout file", &tree);

	if (!rc && !ydoc__text(ydoc__get(tree->docs[0].root, "imageLayoutVersion")))
		rc = src__fail(c->src, -EINVAL, "oci-layout has no imageLayoutVersion; not an OCI layout");
	ydoc__free(tree);
	tree = NULL;
	if (!rc)
		rc = src__read_json(c->src, "index.json", "index", &tree);
	if (!rc)
		rc = oci__index(c, tree->docs[0].root, "index.json", 0);
	ydoc__free(tree);
	return rc;
}

/* A docker-archive config is "<hex>.json" (or "blobs/sha256/<hex>"): its digest, if it is one. */
static char *docker__name(const char *config)
{
	const char *base = strrchr(config, '/') ? strrchr(config, '/') + 1 : config;
	char *name = NULL;

	if (strspn(base, "0123456789abcdef") >= 12 && asprintf(&name, "sha256:%.12s", base) >= 0)
		return name;
	return strdup(config);
}

/* Layers in the manifest's order, each named by its diff_id when the config has one per layer. */
static int docker__layers(struct image_ctx *c, struct image *img, const struct ydoc_node *layers)
{
	bool ids = c->diff_ids.n == layers->n;
	int rc = 0;

	for (size_t i = 0; i < layers->n && !rc; i++) {
		const char *ref = ydoc__text(layers->items[i]);

		if (!ref)
			return src__fail(c->src, -EINVAL, "manifest.json: Layers of image %s must be file names",
					 img->name);
		rc = src__scan_layer(c->src, ref, img, ids ? c->diff_ids.v[i] : ref);
	}
	return rc;
}

static int docker__image(struct image_ctx *c, const struct ydoc_node *entry)
{
	const char *config = ydoc__text(ydoc__get(entry, "Config"));
	const struct ydoc_node *tags = ydoc__get(entry, "RepoTags");
	const struct ydoc_node *layers = ydoc__get(entry, "Layers");
	const char *tag = tags && tags->type == YDOC_SEQ && tags->n ? ydoc__text(tags->items[0]) : NULL;
	struct image *img;
	int rc;

	if (!config || !layers || layers->type != YDOC_SEQ)
		return src__fail(c->src, -EINVAL, "manifest.json: each image needs Config and a Layers list");
	if (c->out->n >= IMAGE_MAX_IMAGES)
		return src__fail(c->src, -EINVAL, "more than %d images", IMAGE_MAX_IMAGES);
	img = list__add(c);
	if (!img || !(img->name = tag ? strdup(tag) : docker__name(config)))
		return -ENOMEM;
	rc = config__read(c, img, config);
	if (!rc)
		rc = docker__layers(c, img, layers);
	return rc;
}

static int docker__read(struct image_ctx *c)
{
	const struct ydoc_node *root;
	struct ydoc *tree;
	int rc = src__read_json(c->src, "manifest.json", "image list", &tree);

	if (rc)
		return rc;
	root = tree->docs[0].root;
	if (root->type != YDOC_SEQ)
		rc = src__fail(c->src, -EINVAL, "manifest.json must be a list of images");
	for (size_t i = 0; !rc && i < root->n; i++)
		rc = docker__image(c, root->items[i]);
	ydoc__free(tree);
	return rc;
}

int image__read_src(struct image_src *src, struct image_list *out)
{
	struct image_ctx c = { .src = src, .out = out, .start = out->n };
	int rc;

	/* Docker 25 writes both; the OCI index is the richer one. */
	if (src__has(src, "oci-layout") && src__has(src, "index.json"))
		rc = oci__read(&c);
	else if (src__has(src, "manifest.json"))
		rc = docker__read(&c);
	else
		rc = src__fail(src, -EINVAL,
			       "a tar archive but not an image: it has neither oci-layout and index.json (OCI) nor manifest.json (docker-archive)");
	if (!rc && out->n == c.start)
		rc = src__fail(src, -EINVAL, "no image in it (an empty index)");
	strlist__clear(&c.diff_ids);
	strlist__clear(&c.indexes);
	strlist__clear(&c.manifests);
	if (rc)
		list__truncate(out, c.start);
	return rc;
}

/* The first bytes of a tar (the ustar magic), a gzip or a zstd stream. */
static bool looks__archive(const unsigned char *head, size_t len)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd };

	return (len >= 2 && !memcmp(head, gz, 2)) || (len >= 4 && !memcmp(head, zst, 4)) ||
	       (len >= 262 && !memcmp(head + 257, "ustar", 5));
}

int image__detect(const char *path, enum image_kind *kind)
{
	unsigned char head[512];
	struct stat st;
	ssize_t n;
	int fd;

	*kind = IMAGE_NOT;
	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (!fstatat(fd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) &&
		    !fstatat(fd, "index.json", &st, AT_SYMLINK_NOFOLLOW))
			*kind = IMAGE_LAYOUT;
		close(fd);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n < 0)
		return -errno;
	*kind = looks__archive(head, (size_t)n) ? IMAGE_ARCHIVE : IMAGE_NOT;
	return 0;
}

int image__read_archive_fd(int fd, const char *name, struct image_list *out, char *err,
			   size_t err_len)
{
	struct image_src src = { .input = name, .err = err, .err_len = err_len, .dirfd = -1 };
	int rc = src__open_archive(&src, fd);

	if (!rc)
		rc = image__read_src(&src, out);
	src.fd = -1; /* the caller's */
	src__close(&src);
	return rc;
}

int image__read(const char *path, enum image_kind kind, struct image_list *out, char *err,
		size_t err_len)
{
	struct image_src src = { .input = path, .err = err, .err_len = err_len, .dirfd = -1, .fd = -1 };
	int rc, fd;

	if (kind == IMAGE_LAYOUT) {
		rc = src__open_dir(&src, path);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		rc = fd < 0 ? src__fail(&src, -errno, "cannot read: %s", strerror(errno)) :
		     src__open_archive(&src, fd);
	}
	if (!rc)
		rc = image__read_src(&src, out);
	src__close(&src);
	return rc;
}
