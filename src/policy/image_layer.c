// SPDX-License-Identifier: MIT
/*
 * One layer of an image: the files that give privileges (file capabilities,
 * setuid/setgid root) and the whiteouts and replacements that take an
 * earlier layer's files away.  Findings stay sorted by path, so a whiteout
 * of a directory removes a contiguous range and every entry costs a binary
 * search, whatever the layer's size.
 */
#include <archive.h>
#include <archive_entry.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <linux/capability.h>

#include "capdiet/policy/image.h"

#define WHITEOUT        ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define WHITEOUT_META   ".wh..wh."   /* aufs's own files: no path of the image */
#define ALL_LAYERS      ((size_t)-1)

struct scan {
	struct image *img;
	size_t layer;              /* index of the layer being read */
	const char *digest;
	char *err;
	size_t err_len;
};

static int scan__fail(const struct scan *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "layer DIGEST: problem", returned as -EINVAL. */
static int scan__fail(const struct scan *s, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err, s->err_len, "layer %s: %s", s->digest, msg);
	return -EINVAL;
}

static uint32_t le32_at(const unsigned char *p, size_t i)
{
	uint32_t v;

	memcpy(&v, p + 4 * i, sizeof(v));
	return le32toh(v);
}

/* One 64-bit set from its low and high words; bits beyond the last known capability fail. */
static int filecaps__set(uint32_t lo, uint32_t hi, capset_t *set)
{
	*set = (capset_t)lo | (capset_t)hi << 32;
	return (*set & ~caps__all()) ? -EINVAL : 0;
}

int image__decode_filecaps(const void *value, size_t len, struct image_filecaps *out,
			   char *err, size_t err_len)
{
	const unsigned char *p = value;
	uint32_t magic, rev;
	size_t want;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(uint32_t)) {
		snprintf(err, err_len, "capability xattr of %zu bytes; too short for a version", len);
		return -EINVAL;
	}
	magic = le32_at(p, 0);
	rev = magic & VFS_CAP_REVISION_MASK;
	want = rev == VFS_CAP_REVISION_1 ? XATTR_CAPS_SZ_1 : rev == VFS_CAP_REVISION_2 ?
	       XATTR_CAPS_SZ_2 : rev == VFS_CAP_REVISION_3 ? XATTR_CAPS_SZ_3 : 0;
	if (!want || len != want || (magic & VFS_CAP_FLAGS_MASK & ~VFS_CAP_FLAGS_EFFECTIVE)) {
		snprintf(err, err_len,
			 "capability xattr of %zu bytes with header 0x%08x; the kernel reads version 1 (12 bytes), 2 (20) or 3 (24)",
			 len, magic);
		return -EINVAL;
	}
	out->version = (int)(rev >> VFS_CAP_REVISION_SHIFT);
	out->effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
	if (filecaps__set(le32_at(p, 1), want > XATTR_CAPS_SZ_1 ? le32_at(p, 3) : 0,
			  &out->permitted) ||
	    filecaps__set(le32_at(p, 2), want > XATTR_CAPS_SZ_1 ? le32_at(p, 4) : 0,
			  &out->inheritable)) {
		snprintf(err, err_len, "capability xattr names a capability above %s, which "
			 "capdiet does not know", caps__name(caps__last_cap()));
		return -EINVAL;
	}
	out->rootid = rev == VFS_CAP_REVISION_3 ? le32_at(p, 5) : 0;
	return 0;
}

/* The sets as a libcap cap_t: libcap words them as getcap does. */
static cap_t filecaps__cap(const struct image_filecaps *fc)
{
	cap_t c = cap_init();

	for (int cap = 0; c && cap <= caps__last_cap(); cap++) {
		cap_value_t v = cap;

		if (caps__has(fc->permitted, cap))
			cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET);
		if (caps__has(fc->inheritable, cap))
			cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET);
		if (fc->effective && caps__has(fc->permitted | fc->inheritable, cap))
			cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET);
	}
	return c;
}

char *image_filecaps__text(const struct image_filecaps *fc)
{
	cap_t c = filecaps__cap(fc);
	char *text = c ? cap_to_text(c, NULL) : NULL, *out = NULL;
	int n = -1;

	if (text && fc->rootid)
		n = asprintf(&out, "%s [rootid=%u]", text, fc->rootid);
	else if (text)
		n = asprintf(&out, "%s", text);
	cap_free(text);
	cap_free(c);
	return n < 0 ? NULL : out;
}

int image__parse_label(const char *value, capset_t *set, char *bad, size_t bad_len)
{
	*set = 0;
	return caps__parse_list(value, set, bad, bad_len);
}

void image__clear(struct image *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->n; i++)
		free(img->v[i].path);
	for (size_t i = 0; i < img->n_layers; i++)
		free(img->layers[i]);
	free(img->v);
	free(img->layers);
	free(img->name);
	free(img->user);
	free(img->label);
	memset(img, 0, sizeof(*img));
}

/* The first finding whose path is not below path in strcmp order. */
static size_t findings__lower(const struct image *img, const char *path)
{
	size_t lo = 0, hi = img->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(img->v[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Drops the findings in [lo, hi) that came from a layer before `before`. */
static void findings__drop(struct image *img, size_t lo, size_t hi, size_t before)
{
	size_t out = lo;

	if (lo == hi)
		return; /* also spares memmove a NULL array */
	for (size_t i = lo; i < hi; i++) {
		if (before == ALL_LAYERS || img->v[i].layer < before)
			free(img->v[i].path);
		else
			img->v[out++] = img->v[i];
	}
	memmove(img->v + out, img->v + hi, (img->n - hi) * sizeof(*img->v));
	img->n -= hi - out;
}

/* path itself (exact), or everything below it (a prefix "path/"). */
static void findings__remove(struct image *img, const char *path, bool below, size_t before)
{
	char prefix[IMAGE_MAX_PATH + 2];
	size_t len, lo, hi;

	if (!below) {
		lo = hi = findings__lower(img, path);
		while (hi < img->n && !strcmp(img->v[hi].path, path))
			hi++;
		findings__drop(img, lo, hi, before);
		return;
	}
	len = (size_t)snprintf(prefix, sizeof(prefix), "%s/", strcmp(path, "/") ? path : "");
	lo = hi = findings__lower(img, prefix);
	while (hi < img->n && !strncmp(img->v[hi].path, prefix, len))
		hi++;
	findings__drop(img, lo, hi, before);
}

/* Adds f (path copied) in order; the same path and source merge. */
static int findings__add(struct scan *s, const struct image_finding *f)
{
	struct image *img = s->img;
	size_t at = findings__lower(img, f->path);

	for (; at < img->n && !strcmp(img->v[at].path, f->path); at++) {
		if (img->v[at].source == f->source) {
			img->v[at].caps |= f->caps;
			return 0;
		}
	}
	if (img->n >= IMAGE_MAX_FINDINGS)
		return scan__fail(s, "more than %d files with file capabilities or setuid/setgid root; not judged",
				  IMAGE_MAX_FINDINGS);
	if (img->n == img->alloc) {
		size_t alloc = img->alloc ? img->alloc * 2 : 16;
		struct image_finding *v = reallocarray(img->v, alloc, sizeof(*v));

		if (!v)
			return -ENOMEM;
		img->v = v;
		img->alloc = alloc;
	}
	memmove(img->v + at + 1, img->v + at, (img->n - at) * sizeof(*img->v));
	img->v[at] = *f;
	img->v[at].path = strdup(f->path);
	img->n++;
	return img->v[at].path ? 0 : -ENOMEM;
}

/*
 * "./usr//bin/./ping" → "/usr/bin/ping".  An absolute name or a ".."
 * component is refused: a runtime would have to decide where it lands,
 * and a gate that guessed differently would judge another file.
 */
static int path__normalize(const struct scan *s, const char *what, const char *in, char *out)
{
	size_t used = 0;

	if (!in || !*in)
		return scan__fail(s, "an entry has no %s", what);
	if (in[0] == '/')
		return scan__fail(s, "%s '%.200s' is absolute; layer entries are relative to the image's root",
				  what, in);
	for (const char *p = in; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && !strncmp(p, "..", 2))
			return scan__fail(s, "%s '%.200s' has a '..' component (path traversal)", what, in);
		if (len && !(len == 1 && *p == '.')) {
			if (used + 1 + len >= IMAGE_MAX_PATH)
				return scan__fail(s, "%s '%.100s...' is longer than %d bytes", what, in,
						  IMAGE_MAX_PATH);
			out[used++] = '/';
			memcpy(out + used, p, len);
			used += len;
		}
		p += len + (p[len] == '/');
	}
	if (!used)
		out[used++] = '/';
	out[used] = '\0';
	return 0;
}

/* A whiteout hides what the layers below have at a path (or, opaque, in a directory). */
static void scan__whiteout(struct scan *s, char *path, const char *base)
{
	char *slash = strrchr(path, '/');

	if (!strcmp(base, WHITEOUT_OPAQUE)) {
		*slash = '\0';
		findings__remove(s->img, *path ? path : "/", true, s->layer);
		return;
	}
	if (!strncmp(base, WHITEOUT_META, strlen(WHITEOUT_META)))
		return;
	memmove(slash + 1, base + strlen(WHITEOUT), strlen(base + strlen(WHITEOUT)) + 1);
	findings__remove(s->img, path, false, s->layer);
	findings__remove(s->img, path, true, s->layer);
}

/* The security.capability xattr of an entry, if any, as a finding. */
static int scan__filecaps(struct scan *s, struct archive_entry *e, const char *path)
{
	struct image_finding f = { .source = IMAGE_FILE_CAPS, .path = (char *)path, .layer = s->layer };
	const char *name;
	const void *value;
	size_t size;
	char why[256];
	int err = 0;

	archive_entry_xattr_reset(e);
	while (!err && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strcmp(name, "security.capability"))
			continue;
		if (image__decode_filecaps(value, size, &f.fcaps, why, sizeof(why)))
			return scan__fail(s, "%.200s: %s", path, why);
		f.caps = f.fcaps.permitted | f.fcaps.inheritable;
		f.mode = archive_entry_perm(e);
		if (f.caps)
			err = findings__add(s, &f);
	}
	return err;
}

/* Setuid root needs an execute bit to matter; setgid without group execute is a lock mark. */
static int scan__setid(struct scan *s, struct archive_entry *e, const char *path)
{
	struct image_finding f = { .path = (char *)path, .layer = s->layer };
	mode_t mode = archive_entry_perm(e);
	int err = 0;

	f.mode = mode;
	if ((mode & S_ISUID) && (mode & 0111) && archive_entry_uid(e) == 0) {
		f.source = IMAGE_SETUID_ROOT;
		f.caps = CAPSET_BIT(CAP_SETUID);
		err = findings__add(s, &f);
	}
	if (!err && (mode & S_ISGID) && (mode & S_IXGRP) && archive_entry_gid(e) == 0) {
		f.source = IMAGE_SETGID_ROOT;
		f.caps = CAPSET_BIT(CAP_SETGID);
		err = findings__add(s, &f);
	}
	return err;
}

/* A hard link shares its target's inode: the target's findings apply to it too. */
static int scan__hardlink(struct scan *s, const char *target, const char *path)
{
	struct image_finding copy[3]; /* one per source */
	char to[IMAGE_MAX_PATH];
	size_t n = 0;
	int err = path__normalize(s, "hard link target", target, to);

	for (size_t at = err ? s->img->n : findings__lower(s->img, to);
	     at < s->img->n && n < 3 && !strcmp(s->img->v[at].path, to); at++)
		copy[n++] = s->img->v[at];
	for (size_t i = 0; !err && i < n; i++) {
		copy[i].path = (char *)path;
		copy[i].layer = s->layer;
		err = findings__add(s, &copy[i]);
	}
	return err;
}

static int scan__entry(struct scan *s, struct archive_entry *e)
{
	char path[IMAGE_MAX_PATH];
	const char *base, *link = archive_entry_hardlink(e);
	int err = path__normalize(s, "entry", archive_entry_pathname(e), path);

	if (err)
		return err;
	base = strrchr(path, '/') + 1;
	if (!strncmp(base, WHITEOUT, strlen(WHITEOUT))) {
		if (!base[strlen(WHITEOUT)])
			return scan__fail(s, "whiteout '%.200s' names no file", path);
		scan__whiteout(s, path, base);
		return 0;
	}
	/* A new entry replaces what was there; a non-directory replaces a whole tree. */
	findings__remove(s->img, path, false, ALL_LAYERS);
	if (archive_entry_filetype(e) != AE_IFDIR)
		findings__remove(s->img, path, true, ALL_LAYERS);
	if (link)
		err = scan__hardlink(s, link, path);
	if (!err && archive_entry_filetype(e) == AE_IFREG)
		err = scan__filecaps(s, e, path);
	if (!err && archive_entry_filetype(e) == AE_IFREG)
		err = scan__setid(s, e, path);
	return err;
}

/* Counts an entry and the bytes read so far against the image's limits. */
static int scan__count(struct scan *s, struct archive *a, uint64_t before)
{
	uint64_t read = (uint64_t)archive_filter_bytes(a, 0);

	if (++s->img->entries > IMAGE_MAX_ENTRIES)
		return scan__fail(s, "more than %d entries in the image's layers", IMAGE_MAX_ENTRIES);
	if (before + read > IMAGE_MAX_BYTES)
		return scan__fail(s, "more than %llu GiB uncompressed in the image's layers",
				  IMAGE_MAX_BYTES >> 30);
	return 0;
}

static int scan__layer_name(struct image *img, const char *digest)
{
	char **layers;

	if (img->n_layers >= IMAGE_MAX_LAYERS)
		return -E2BIG;
	layers = reallocarray(img->layers, img->n_layers + 1, sizeof(*layers));
	if (!layers)
		return -ENOMEM;
	img->layers = layers;
	layers[img->n_layers] = strdup(digest);
	if (!layers[img->n_layers])
		return -ENOMEM;
	img->n_layers++;
	return 0;
}

int image__scan_layer(struct image *img, struct archive *a, const char *digest, char *err,
		      size_t err_len)
{
	struct scan s = { img, img->n_layers, digest, err, err_len };
	uint64_t before = img->bytes;
	struct archive_entry *e;
	int rc = scan__layer_name(img, digest);

	if (rc == -E2BIG)
		return scan__fail(&s, "more than %d layers", IMAGE_MAX_LAYERS);
	while (!rc) {
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return scan__fail(&s, "not a readable tar (corrupt or truncated): %s",
					  archive_error_string(a) ?: "unexpected end of data");
		rc = scan__count(&s, a, before);
		if (!rc)
			rc = scan__entry(&s, e);
	}
	img->bytes = before + (uint64_t)archive_filter_bytes(a, 0);
	return rc;
}
