// SPDX-License-Identifier: MIT
/*
 * Where an image's blobs come from: files of an OCI layout directory,
 * opened without leaving it (openat2 RESOLVE_BENEATH), or members of an
 * archive, streamed from it.  Nothing is written anywhere: a nested layer
 * tar is read by a second libarchive reader pulling from the first.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "capdiet/core/file.h"
#include "image_internal.h"

#define BLOCK (64 << 10)

/* A blob being read: a file of the layout, or the member an archive reader stands at. */
struct blob {
	struct image_src *src;
	int fd;
	struct archive *outer;
	char buf[BLOCK];
};

int src__fail(const struct image_src *src, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(src->err, src->err_len, "%s: %s", src->input, msg);
	return rc;
}

/* Only the formats and filters an image uses, all built into libarchive:
 * no filter may fall back to running an external program. */
static struct archive *archive__reader(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int archive__errno(struct archive *a)
{
	return archive_errno(a) == ENOMEM ? -ENOMEM : -EINVAL;
}

/*
 * "./a//b/../c" in directory dir → "a/c".  A path that climbs above the
 * root is refused; an absolute target counts from the root.
 */
static int member__path(const char *dir, const char *rel, char *out, size_t len)
{
	size_t used = 0;
	char joined[IMAGE_MAX_PATH * 2 + 2];

	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", rel[0] == '/' ? "" : dir, rel) >=
	    sizeof(joined))
		return -ENAMETOOLONG;
	for (const char *p = joined; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && !strncmp(p, "..", 2)) {
			if (!used)
				return -EXDEV;
			while (used && out[--used] != '/')
				;
		} else if (n && !(n == 1 && *p == '.')) {
			if (used + n + 2 > len)
				return -ENAMETOOLONG;
			if (used)
				out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
		}
		p += n + (p[n] == '/');
	}
	out[used] = '\0';
	return 0;
}

static int member__compare(const void *pa, const void *pb)
{
	const struct image_member *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* The last member called name (a later one replaces it, as tar extracts), or NULL. */
static const struct image_member *member__find(const struct image_src *src, const char *name)
{
	size_t lo = 0, hi = src->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(src->m[mid].name, name) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && !strcmp(src->m[lo - 1].name, name) ? &src->m[lo - 1] : NULL;
}

/* Follows symlinks and hard links to the member that holds ref's data. */
static int member__resolve(const struct image_src *src, const char *ref, const char *what,
			   const struct image_member **out)
{
	char name[IMAGE_MAX_PATH], dir[IMAGE_MAX_PATH];
	const struct image_member *m;
	int rc = member__path("", ref, name, sizeof(name));

	for (int hops = 0; !rc; hops++) {
		m = member__find(src, name);
		if (!m)
			return src__fail(src, -ENOENT, "%s %s is missing", what, ref);
		if (m->regular && !m->hardlink) {
			*out = m;
			return 0;
		}
		if (!m->link)
			return src__fail(src, -EINVAL, "%s %s is not a file", what, ref);
		if (hops >= IMAGE_MAX_LINKS)
			return src__fail(src, -ELOOP, "%s %s: more than %d links to follow (a symlink loop)",
					 what, ref, IMAGE_MAX_LINKS);
		snprintf(dir, sizeof(dir), "%s", m->name);
		*(strrchr(dir, '/') ?: dir) = '\0';
		rc = member__path(m->symlink ? dir : "", m->link, name, sizeof(name));
	}
	return src__fail(src, -EINVAL, "%s %s %s", what, ref,
			 rc == -EXDEV ? "leads outside the archive ('..' or a link)" :
			 "leads to a name too long");
}

static int member__add(struct image_src *src, size_t *alloc, struct archive_entry *e, size_t index)
{
	const char *link = archive_entry_hardlink(e) ?: archive_entry_symlink(e);
	struct image_member *m;
	char name[IMAGE_MAX_PATH];

	if (member__path("", archive_entry_pathname(e) ?: "", name, sizeof(name)))
		return src__fail(src, -EINVAL, "member '%.200s' leaves the archive or is too long",
				 archive_entry_pathname(e) ?: "");
	if (src->n == *alloc) {
		size_t bigger = *alloc ? *alloc * 2 : 64;

		m = reallocarray(src->m, bigger, sizeof(*m));
		if (!m)
			return -ENOMEM;
		src->m = m;
		*alloc = bigger;
	}
	m = &src->m[src->n];
	*m = (struct image_member){ .index = index, .hardlink = archive_entry_hardlink(e),
				    .symlink = archive_entry_filetype(e) == AE_IFLNK,
				    .regular = archive_entry_filetype(e) == AE_IFREG };
	m->name = strdup(name);
	m->link = link ? strdup(link) : NULL;
	src->n++;
	return m->name && (!link || m->link) ? 0 : -ENOMEM;
}

/* Opens the archive from its start on a fresh reader. */
static int archive__rewind(struct image_src *src, struct archive **out)
{
	struct archive *a;

	*out = NULL;
	if (lseek(src->fd, 0, SEEK_SET) < 0)
		return src__fail(src, -errno, "cannot seek: %s (give a file, not a pipe)",
				 strerror(errno));
	a = archive__reader();
	if (!a)
		return -ENOMEM;
	if (archive_read_open_fd(a, src->fd, BLOCK) != ARCHIVE_OK) {
		int rc = src__fail(src, archive__errno(a), "not a readable tar (corrupt or truncated): %s",
				   archive_error_string(a) ?: "unknown error");

		archive_read_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

static int archive__corrupt(struct image_src *src, struct archive *a)
{
	return src__fail(src, archive__errno(a), "not a readable tar (corrupt or truncated): %s",
			 archive_error_string(a) ?: "unexpected end of data");
}

int src__open_archive(struct image_src *src, int fd)
{
	struct archive_entry *e;
	struct archive *a = NULL;
	size_t alloc = 0, index = 0;
	int rc, r;

	src->fd = fd;
	rc = archive__rewind(src, &a);
	while (!rc && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN)
			rc = archive__corrupt(src, a);
		else if (index >= IMAGE_MAX_MEMBERS)
			rc = src__fail(src, -EINVAL, "more than %d members; not an image",
				       IMAGE_MAX_MEMBERS);
		else
			rc = member__add(src, &alloc, e, index++);
	}
	archive_read_free(a);
	if (!rc && src->n)
		qsort(src->m, src->n, sizeof(*src->m), member__compare);
	return rc;
}

int src__open_dir(struct image_src *src, const char *path)
{
	src->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src->dirfd < 0)
		return src__fail(src, -errno, "cannot open: %s", strerror(errno));
	return 0;
}

/* A directory of a path being walked, itself no symlink; its fd or -errno. */
static int dir__step(int fd, const char *part)
{
	struct stat st;
	/* O_PATH | O_NOFOLLOW opens a symlink as it is, so fstat can tell it. */
	int next = openat(fd, part, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int rc = next < 0 || fstat(next, &st) ? -errno : 0;

	if (!rc && S_ISLNK(st.st_mode))
		rc = -ELOOP;
	else if (!rc && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (rc && next >= 0)
		close(next);
	return rc ? rc : next;
}

/*
 * Before Linux 5.6 there is no openat2: ref is opened one component at a
 * time and none may be a symlink, since O_NOFOLLOW alone guards only the
 * last one and "blobs -> /" would lead out.  An fd or -errno; -ELOOP for a
 * symlink, -EXDEV for "..".
 */
static int dir__walk(int dirfd, const char *ref)
{
	char part[NAME_MAX + 1];
	int fd = dirfd, next;

	for (const char *p = ref;; p += strlen(part) + 1) {
		size_t n = strcspn(p, "/");

		if (!n || n > NAME_MAX || (n <= 2 && !strncmp(p, "..", n))) {
			next = -EXDEV; /* "", "." or "..": never in a ref made from a digest */
		} else {
			snprintf(part, sizeof(part), "%.*s", (int)n, p);
			next = p[n] ? dir__step(fd, part) :
			       openat(fd, part, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
			next = next < 0 && !p[n] ? -errno : next;
		}
		if (fd != dirfd)
			close(fd);
		if (next < 0 || !p[n])
			return next;
		fd = next;
	}
}

/* Opens ref without leaving the layout and through no magic link; an fd or -errno. */
static int dir__openat(const struct image_src *src, const char *ref, bool *walked)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, src->dirfd, ref, &how, sizeof(how));

	*walked = fd < 0 && errno == ENOSYS;
	if (*walked)
		return dir__walk(src->dirfd, ref);
	return fd < 0 ? -errno : fd;
}

static int dir__open(struct image_src *src, const char *ref, const char *what)
{
	struct stat st;
	bool walked;
	int fd = dir__openat(src, ref, &walked);

	if (fd == -ENOENT)
		return src__fail(src, -ENOENT, "%s %s is missing", what, ref);
	if (fd == -ELOOP && walked)
		return src__fail(src, -ELOOP, "%s %s is or passes a symlink, which is followed safely only on Linux 5.6 and later (openat2)",
				 what, ref);
	if (fd == -ELOOP)
		return src__fail(src, -ELOOP, "%s %s: too many symlinks (a symlink loop)", what, ref);
	if (fd == -EXDEV)
		return src__fail(src, -EXDEV, "%s %s: a symlink that leads outside the layout", what, ref);
	if (fd < 0)
		return src__fail(src, fd, "%s %s: %s", what, ref, strerror(-fd));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return src__fail(src, -EINVAL, "%s %s is not a regular file", what, ref);
	}
	return fd;
}

bool src__has(const struct image_src *src, const char *ref)
{
	struct stat st;

	if (src->dirfd >= 0)
		return !fstatat(src->dirfd, ref, &st, AT_SYMLINK_NOFOLLOW);
	return member__find(src, ref) != NULL;
}

/*
 * Each blob costs an open and, in an archive, a read of the headers from its
 * start to the member: a few per image in a real one, but an image list that
 * names its blobs thousands of times in an archive of many members would
 * keep the gate busy for hours.
 */
static int budget__open(struct image_src *src, const struct image_member *m, const char *what,
			const char *ref)
{
	if (++src->opens > IMAGE_MAX_OPENS)
		return src__fail(src, -EINVAL, "%s %s: more than %d blobs to read (manifests, configs and layers together); refused",
				 what, ref, IMAGE_MAX_OPENS);
	src->walked += m ? m->index + 1 : 0;
	if (src->walked > IMAGE_MAX_WALK)
		return src__fail(src, -EINVAL, "%s %s: more than %d archive headers read to find its blobs (each is found from the archive's start); refused",
				 what, ref, IMAGE_MAX_WALK);
	return 0;
}

/* Positions a reader of the archive at the member that holds ref. */
static int blob__open(struct image_src *src, const char *ref, const char *what, struct blob *b)
{
	const struct image_member *m = NULL;
	struct archive_entry *e;
	int rc;

	*b = (struct blob){ .src = src, .fd = -1 };
	if (src->dirfd >= 0) {
		rc = budget__open(src, NULL, what, ref);
		if (!rc && (b->fd = dir__open(src, ref, what)) < 0)
			rc = b->fd;
		return rc;
	}
	rc = member__resolve(src, ref, what, &m);
	if (!rc)
		rc = budget__open(src, m, what, ref);
	if (!rc)
		rc = archive__rewind(src, &b->outer);
	for (size_t i = 0; !rc && m && i <= m->index; i++) {
		int r = archive_read_next_header(b->outer, &e);

		if (r < ARCHIVE_WARN || r == ARCHIVE_EOF)
			rc = archive__corrupt(src, b->outer);
	}
	return rc;
}

static void blob__close(struct blob *b)
{
	archive_read_free(b->outer);
	if (b->fd >= 0)
		close(b->fd);
}

/* The outer reader's data, block by block, for the nested layer reader. */
static la_ssize_t blob__pull(struct archive *inner, void *data, const void **buf)
{
	struct blob *b = data;
	la_ssize_t n = archive_read_data(b->outer, b->buf, sizeof(b->buf));

	if (n < 0) {
		archive_set_error(inner, EINVAL, "%s", archive_error_string(b->outer) ?:
				  "the outer archive is truncated");
		return -1;
	}
	*buf = b->buf;
	return n;
}

/* An archive member's data into a malloc'd, NUL-terminated buffer of at most limit bytes. */
static int blob__slurp(struct blob *b, size_t limit, char **buf, size_t *len)
{
	size_t used = 0, alloc = 0;
	la_ssize_t n;

	*buf = NULL;
	do {
		if (alloc - used < sizeof(b->buf) + 1) {
			size_t bigger = alloc ? alloc * 2 : sizeof(b->buf) + 1;
			char *more = realloc(*buf, bigger);

			if (!more)
				return -ENOMEM;
			*buf = more;
			alloc = bigger;
		}
		n = archive_read_data(b->outer, *buf + used, sizeof(b->buf));
		used += n > 0 ? (size_t)n : 0;
	} while (n > 0 && used <= limit);
	if (n < 0)
		return archive__corrupt(b->src, b->outer);
	(*buf)[used] = '\0';
	*len = used;
	return used > limit ? -EFBIG : 0;
}

static int blob__read_all(struct blob *b, const char *ref, const char *what, char **buf,
			  size_t *len)
{
	int rc = b->fd >= 0 ? file__read_fd(b->fd, IMAGE_MAX_JSON, BLOCK, buf, len) :
		 blob__slurp(b, IMAGE_MAX_JSON, buf, len);

	if (rc == -EFBIG)
		rc = src__fail(b->src, -EFBIG, "%s %s is larger than %u MiB", what, ref,
			       IMAGE_MAX_JSON >> 20);
	else if (rc && rc != -ENOMEM && b->fd >= 0)
		rc = src__fail(b->src, rc, "%s %s: cannot read: %s", what, ref, strerror(-rc));
	return rc;
}

int src__read_json(struct image_src *src, const char *ref, const char *what, struct ydoc **tree)
{
	struct ydoc_where where = { NULL, src->err, src->err_len };
	char *buf = NULL, *file = NULL;
	struct blob b;
	size_t len = 0;
	int rc = blob__open(src, ref, what, &b);

	*tree = NULL;
	if (!rc)
		rc = blob__read_all(&b, ref, what, &buf, &len);
	if (!rc && (src->json += len) > IMAGE_MAX_JSON_TOTAL)
		rc = src__fail(src, -EINVAL, "%s %s: more than %u MiB of JSON to parse (index, manifests and configs together); refused",
			       what, ref, IMAGE_MAX_JSON_TOTAL >> 20);
	if (!rc && asprintf(&file, "%s: %s %s", src->input, what, ref) < 0)
		rc = -ENOMEM;
	where.file = file;
	if (!rc)
		rc = ydoc__load(buf, len, YDOC_ONE_DOCUMENT, &where, tree);
	if (!rc && (!(*tree)->n_docs || !(*tree)->docs[0].root))
		rc = src__fail(src, -EINVAL, "%s %s is empty", what, ref);
	if (rc) {
		ydoc__free(*tree);
		*tree = NULL;
	}
	blob__close(&b);
	free(file);
	free(buf);
	return rc;
}

int src__scan_layer(struct image_src *src, const char *ref, struct image *img, const char *digest)
{
	struct archive *a = NULL;
	struct blob b;
	char msg[512];
	int rc = blob__open(src, ref, "layer", &b);

	if (!rc && !(a = archive__reader()))
		rc = -ENOMEM;
	if (!rc && (b.fd >= 0 ? archive_read_open_fd(a, b.fd, BLOCK) :
		    archive_read_open(a, &b, NULL, blob__pull, NULL)) != ARCHIVE_OK)
		rc = src__fail(src, archive__errno(a), "layer %s: not a readable tar (corrupt or truncated): %s", digest,
			       archive_error_string(a) ?: "unknown error");
	if (!rc) {
		rc = image__scan_layer(img, a, digest, msg, sizeof(msg));
		if (rc && rc != -ENOMEM)
			src__fail(src, rc, "%s", msg);
	}
	archive_read_free(a);
	blob__close(&b);
	return rc;
}

void src__close(struct image_src *src)
{
	for (size_t i = 0; i < src->n; i++) {
		free(src->m[i].name);
		free(src->m[i].link);
	}
	free(src->m);
	src->m = NULL;
	src->n = 0;
	if (src->dirfd >= 0)
		close(src->dirfd);
	if (src->fd >= 0)
		close(src->fd);
	src->dirfd = src->fd = -1;
}
