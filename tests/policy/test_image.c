// SPDX-License-Identifier: MIT
/*
 * Images at the gate: the security.capability decoder, the label, layers
 * and whole images built in memory with libarchive's write API (never a
 * file on disk: archives go to a memfd; only the layout test needs a
 * directory, made and removed under /tmp), and their judgement by
 * check__evaluate.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/strlist.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/image.h"

#define BIT(c) CAPSET_BIT(c)
#define TAR_MAX (8 << 20)
#define HEX64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
		 c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static char err[640];

/* One entry of a tar built in memory. */
struct ent {
	const char *path;
	unsigned int mode;       /* with the type: AE_IFREG | 04755 */
	int uid, gid;
	const char *data;        /* a regular file's content (NULL: empty) */
	size_t data_len;         /* 0: strlen(data) */
	const void *xattr;       /* security.capability */
	size_t xattr_len;
	const char *hardlink, *symlink;
};

#define REG(p, m) { .path = (p), .mode = AE_IFREG | (m) }

static void ent__write(struct archive *a, const struct ent *e)
{
	struct archive_entry *ae = archive_entry_new();
	size_t len = e->data ? (e->data_len ? e->data_len : strlen(e->data)) : 0;

	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_mode(ae, e->mode);
	archive_entry_set_uid(ae, e->uid);
	archive_entry_set_gid(ae, e->gid);
	archive_entry_set_size(ae, (e->mode & AE_IFMT) == AE_IFREG && !e->hardlink ? len : 0);
	if (e->xattr)
		archive_entry_xattr_add_entry(ae, "security.capability", e->xattr, e->xattr_len);
	if (e->hardlink)
		archive_entry_set_hardlink(ae, e->hardlink);
	if (e->symlink)
		archive_entry_set_symlink(ae, e->symlink);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	if (len && !e->hardlink)
		assert_int_equal(archive_write_data(a, e->data, len), (la_ssize_t)len);
	archive_entry_free(ae);
}

/* A pax tar of n entries (gzip'd when gz) in a malloc'd buffer of *len bytes. */
static char *tar_build(const struct ent *ents, size_t n, bool gz, size_t *len)
{
	struct archive *a = archive_write_new();
	char *buf = malloc(TAR_MAX);

	assert_non_null(buf);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	if (gz)
		assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, TAR_MAX, len), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++)
		ent__write(a, &ents[i]);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return buf;
}

/* A v2 or v3 security.capability value, as setcap writes it. */
static size_t vfs_caps(unsigned char *out, int version, capset_t permitted, capset_t inheritable,
		       bool effective, uint32_t rootid)
{
	uint32_t w[6] = {
		(uint32_t)version << 24 | (effective ? 1 : 0),
		(uint32_t)permitted, (uint32_t)inheritable,
		(uint32_t)(permitted >> 32), (uint32_t)(inheritable >> 32), rootid,
	};

	memcpy(out, w, sizeof(w)); /* little-endian machines only, as the kernel stores it */
	return version == 3 ? 24 : version == 2 ? 20 : 12;
}

static void test_decode_filecaps(void **state)
{
	struct image_filecaps fc;
	unsigned char v[32];
	size_t len;
	char *text;

	(void)state;
	len = vfs_caps(v, 2, BIT(CAP_NET_RAW), 0, true, 0);
	assert_int_equal(image__decode_filecaps(v, len, &fc, err, sizeof(err)), 0);
	assert_int_equal(fc.version, 2);
	assert_true(fc.permitted == BIT(CAP_NET_RAW) && fc.inheritable == 0 && fc.effective);
	text = image_filecaps__text(&fc);
	assert_string_equal(text, "cap_net_raw=ep");
	free(text);
	/* Version 3: a capability above 31 and the namespace's root. */
	len = vfs_caps(v, 3, BIT(CAP_NET_ADMIN) | BIT(CAP_BPF), BIT(CAP_CHOWN), false, 1000);
	assert_int_equal(image__decode_filecaps(v, len, &fc, err, sizeof(err)), 0);
	assert_int_equal(fc.version, 3);
	assert_true(fc.permitted == (BIT(CAP_NET_ADMIN) | BIT(CAP_BPF)));
	assert_true(fc.inheritable == BIT(CAP_CHOWN) && !fc.effective && fc.rootid == 1000);
	text = image_filecaps__text(&fc);
	assert_non_null(strstr(text, "cap_bpf"));
	assert_non_null(strstr(text, "[rootid=1000]"));
	free(text);
	/* Version 1: 32 bits only. */
	len = vfs_caps(v, 1, BIT(CAP_SETUID), 0, true, 0);
	assert_int_equal(image__decode_filecaps(v, len, &fc, err, sizeof(err)), 0);
	assert_true(fc.version == 1 && fc.permitted == BIT(CAP_SETUID));
}

/* Sizes and headers the kernel would not read are errors, with the size named. */
static void test_decode_filecaps_bad(void **state)
{
	struct image_filecaps fc;
	unsigned char v[64] = { 0 };
	static const struct {
		int version;
		size_t len;
		const char *needle;
	} bad[] = {
		{ 2, 0, "0 bytes" }, { 2, 3, "3 bytes" }, { 2, 24, "24 bytes" }, { 2, 16, "16 bytes" },
		{ 3, 20, "20 bytes" }, { 1, 20, "20 bytes" }, { 4, 24, "header 0x04" },
		{ 0, 20, "header 0x00" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vfs_caps(v, bad[i].version, BIT(CAP_CHOWN), 0, true, 0);
		err[0] = '\0';
		assert_int_equal(image__decode_filecaps(v, bad[i].len, &fc, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].needle))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].needle);
	}
	/* Flags other than the effective bit. */
	vfs_caps(v, 2, BIT(CAP_CHOWN), 0, true, 0);
	v[0] |= 0x02;
	assert_int_equal(image__decode_filecaps(v, 20, &fc, err, sizeof(err)), -EINVAL);
	/* A capability bit beyond capdiet's table (caps.c), on any kernel. */
	vfs_caps(v, 2, (capset_t)1 << 63, 0, true, 0);
	assert_int_equal(image__decode_filecaps(v, 20, &fc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "above CHECKPOINT_RESTORE, which capdiet does not know"));
}

static void test_label(void **state)
{
	char bad[64] = "";
	capset_t set;

	(void)state;
	assert_int_equal(image__parse_label("NET_RAW,CAP_CHOWN", &set, bad, sizeof(bad)), 0);
	assert_true(set == (BIT(CAP_NET_RAW) | BIT(CAP_CHOWN)));
	assert_int_equal(image__parse_label(" net_raw , cap_setuid", &set, bad, sizeof(bad)), 0);
	assert_true(set == (BIT(CAP_NET_RAW) | BIT(CAP_SETUID)));
	assert_int_equal(image__parse_label("", &set, bad, sizeof(bad)), 0);
	assert_true(set == 0);
	assert_int_equal(image__parse_label("NET_RAW,NET_RAWW", &set, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "NET_RAWW");
}

/* Reads buf as the next layer of img; returns image__scan_layer's result. */
static int scan(struct image *img, const char *buf, size_t len, const char *digest)
{
	struct archive *a = archive_read_new();
	int rc;

	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	assert_int_equal(archive_read_open_memory(a, buf, len), ARCHIVE_OK);
	err[0] = '\0';
	rc = image__scan_layer(img, a, digest, err, sizeof(err));
	archive_read_free(a);
	return rc;
}

static int scan_ents(struct image *img, const struct ent *ents, size_t n, const char *digest)
{
	size_t len = 0;
	char *buf = tar_build(ents, n, false, &len);
	int rc = scan(img, buf, len, digest);

	free(buf);
	return rc;
}

#define SCAN_OK(img, ents, digest) \
	assert_int_equal(scan_ents(img, ents, sizeof(ents) / sizeof(ents[0]), digest), 0)

static const struct image_finding *finding(const struct image *img, const char *path,
					   enum image_source source)
{
	for (size_t i = 0; i < img->n; i++)
		if (!strcmp(img->v[i].path, path) && img->v[i].source == source)
			return &img->v[i];
	return NULL;
}

static void test_layer_findings(void **state)
{
	unsigned char caps[32];
	size_t caps_len = vfs_caps(caps, 2, BIT(CAP_NET_RAW), 0, true, 0);
	const struct ent ents[] = {
		{ .path = "./", .mode = AE_IFDIR | 0755 },
		{ .path = "./usr/bin/ping", .mode = AE_IFREG | 0755, .data = "elf",
		  .xattr = caps, .xattr_len = caps_len },
		REG("./usr/bin/su", 04755),
		REG("usr/bin/wall", 02755),
		REG("usr/bin/noexec", 04644),                   /* nobody can run it */
		REG("usr/bin/lock", 02744),                     /* setgid without g+x: a lock mark */
		{ .path = "usr/bin/mine", .mode = AE_IFREG | 04755, .uid = 1000 }, /* not root's */
		{ .path = "usr//bin/./both", .mode = AE_IFREG | 06755 },
		{ .path = "usr/bin/ping-link", .mode = AE_IFREG | 0755, .hardlink = "usr/bin/ping" },
		{ .path = "usr/bin/sym", .mode = AE_IFLNK | 0777, .symlink = "su" },
	};
	struct image img = { 0 };
	const struct image_finding *f;

	(void)state;
	SCAN_OK(&img, ents, "sha256:" HEX64("a"));
	assert_int_equal(img.n_layers, 1);
	assert_int_equal(img.entries, sizeof(ents) / sizeof(ents[0]));
	f = finding(&img, "/usr/bin/ping", IMAGE_FILE_CAPS);
	assert_non_null(f);
	assert_true(f->caps == BIT(CAP_NET_RAW) && f->fcaps.effective && f->layer == 0);
	f = finding(&img, "/usr/bin/ping-link", IMAGE_FILE_CAPS);
	assert_non_null(f); /* a hard link is the same file */
	f = finding(&img, "/usr/bin/su", IMAGE_SETUID_ROOT);
	assert_true(f && f->caps == BIT(CAP_SETUID) && (f->mode & 07777) == 04755);
	f = finding(&img, "/usr/bin/wall", IMAGE_SETGID_ROOT);
	assert_true(f && f->caps == BIT(CAP_SETGID));
	assert_non_null(finding(&img, "/usr/bin/both", IMAGE_SETUID_ROOT));
	assert_non_null(finding(&img, "/usr/bin/both", IMAGE_SETGID_ROOT));
	assert_int_equal(img.n, 6);
	for (size_t i = 1; i < img.n; i++) /* sorted by path */
		assert_true(strcmp(img.v[i - 1].path, img.v[i].path) <= 0);
	image__clear(&img);
}

static void test_layer_whiteouts(void **state)
{
	const struct ent base[] = {
		REG("bin/su", 04755), REG("bin/mount", 04755), REG("sbin/x", 04755),
		REG("opt/a/b", 04755), REG("opt/keep", 04755), REG("usr/bin/new", 04755),
	};
	const struct ent top[] = {
		REG("bin/.wh.su", 0644),                  /* removes bin/su */
		REG("sbin", 0755),                        /* a file where a directory was */
		REG("opt/a/.wh..wh..opq", 0644),          /* empties opt/a */
		REG("opt/a/mine", 04755),                 /* ...but not this layer's own files */
		REG("usr/bin/new", 0755),                 /* replaced, no longer setuid */
		REG("bin/.wh..wh.plnk", 0644),            /* aufs's own: ignored */
	};
	struct image img = { 0 };

	(void)state;
	SCAN_OK(&img, base, "sha256:" HEX64("a"));
	assert_int_equal(img.n, 6);
	SCAN_OK(&img, top, "sha256:" HEX64("b"));
	assert_null(finding(&img, "/bin/su", IMAGE_SETUID_ROOT));
	assert_non_null(finding(&img, "/bin/mount", IMAGE_SETUID_ROOT));
	assert_null(finding(&img, "/sbin/x", IMAGE_SETUID_ROOT));
	assert_null(finding(&img, "/opt/a/b", IMAGE_SETUID_ROOT));
	assert_non_null(finding(&img, "/opt/a/mine", IMAGE_SETUID_ROOT));
	assert_non_null(finding(&img, "/opt/keep", IMAGE_SETUID_ROOT));
	assert_null(finding(&img, "/usr/bin/new", IMAGE_SETUID_ROOT));
	assert_int_equal(img.n, 3);
	assert_int_equal(finding(&img, "/opt/a/mine", IMAGE_SETUID_ROOT)->layer, 1);
	assert_string_equal(img.layers[1], "sha256:" HEX64("b"));
	image__clear(&img);
}

/* scan_ents fails with -EINVAL and a message naming the layer and needle. */
static void layer_fails(const struct ent *ents, size_t n, const char *needle)
{
	struct image img = { 0 };

	assert_int_equal(scan_ents(&img, ents, n, "sha256:bad"), -EINVAL);
	if (strncmp(err, "layer sha256:bad: ", 18) || !strstr(err, needle))
		fail_msg("'%s' does not name the layer and '%s'", err, needle);
	image__clear(&img);
}

static void test_layer_hostile(void **state)
{
	unsigned char big[100000];
	const struct ent dotdot[] = { REG("a/../../etc/passwd", 0644) };
	const struct ent abs[] = { REG("/etc/passwd", 0644) };
	const struct ent link[] = { { .path = "x", .mode = AE_IFREG | 0644, .hardlink = "../../x" } };
	const struct ent huge[] = { { .path = "bin/x", .mode = AE_IFREG | 0755, .xattr = big,
				      .xattr_len = sizeof(big) } };
	const struct ent empty_wh[] = { REG("bin/.wh.", 0644) };
	static char noise[200000]; /* does not compress: a cut lands inside the data */
	const struct ent ok[] = { { .path = "bin/a", .mode = AE_IFREG | 0644, .data = noise,
				    .data_len = sizeof(noise) }, REG("bin/b", 0644) };
	struct image img = { 0 };
	size_t len = 0;
	char *buf;

	(void)state;
	memset(big, 'A', sizeof(big));
	srandom(1);
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (char)random();
	layer_fails(dotdot, 1, "'..' component (path traversal)");
	layer_fails(abs, 1, "'/etc/passwd' is absolute");
	layer_fails(link, 1, "hard link target '../../x'");
	layer_fails(huge, 1, "bin/x: capability xattr of 100000 bytes");
	layer_fails(empty_wh, 1, "names no file");
	/* Truncated: plain and gzip'd. */
	for (int gz = 0; gz < 2; gz++) {
		buf = tar_build(ok, 2, gz, &len);
		assert_int_equal(scan(&img, buf, len / 2, "sha256:cut"), -EINVAL);
		assert_non_null(strstr(err, "corrupt or truncated"));
		image__clear(&img);
		free(buf);
	}
}

/* More findings or layers than an image may have are errors, not a slow gate. */
static void test_layer_limits(void **state)
{
	static struct ent many[IMAGE_MAX_FINDINGS + 1];
	static char names[IMAGE_MAX_FINDINGS + 1][16];
	const struct ent none[] = { { .path = "./", .mode = AE_IFDIR | 0755 } };
	struct image img = { 0 };
	int rc = 0;

	(void)state;
	for (size_t i = 0; i < IMAGE_MAX_FINDINGS + 1; i++) {
		snprintf(names[i], sizeof(names[i]), "bin/s%zu", i);
		many[i] = (struct ent)REG(names[i], 04755);
	}
	assert_int_equal(scan_ents(&img, many, IMAGE_MAX_FINDINGS + 1, "sha256:many"), -EINVAL);
	assert_non_null(strstr(err, "more than 4096 files"));
	image__clear(&img);
	for (int i = 0; i <= IMAGE_MAX_LAYERS && !rc; i++)
		rc = scan_ents(&img, none, 1, "sha256:empty");
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(img.n_layers, IMAGE_MAX_LAYERS);
	assert_non_null(strstr(err, "more than 512 layers"));
	image__clear(&img);
}

/* Appends a member to an outer archive being written. */
static void member(struct archive *a, const char *name, const char *data, size_t len)
{
	struct ent e = { .path = name, .mode = AE_IFREG | 0644, .data = data, .data_len = len };

	if (!len) {
		e.data = NULL;
	}
	ent__write(a, &e);
}

/* The outer archive, written into a memfd: an image file that never touches a disk. */
struct outer {
	struct archive *a;
	char *buf;
	size_t len;
};

static void outer_start(struct outer *o)
{
	o->a = archive_write_new();
	o->buf = malloc(TAR_MAX);
	assert_non_null(o->buf);
	archive_write_set_format_pax_restricted(o->a);
	assert_int_equal(archive_write_open_memory(o->a, o->buf, TAR_MAX, &o->len), ARCHIVE_OK);
}

static int outer_fd(struct outer *o)
{
	int fd = memfd_create("image", MFD_CLOEXEC);

	assert_int_equal(archive_write_close(o->a), ARCHIVE_OK);
	archive_write_free(o->a);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, o->buf, o->len), (ssize_t)o->len);
	free(o->buf);
	return fd;
}

static const char config_json[] =
	"{\"architecture\": \"amd64\", \"config\": {\"User\": \"app\", \"Labels\": "
	"{\"io.containers.capabilities\": \"NET_RAW,CHOWN\", \"other\": \"x\"}},"
	" \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"sha256:" HEX64("1") "\", \"sha256:" HEX64("2") "\"]}}";

/* A docker-archive: two layers (setuid su, then its whiteout and a ping with file caps). */
static int docker_archive(const char *manifest)
{
	unsigned char caps[32];
	size_t caps_len = vfs_caps(caps, 2, BIT(CAP_NET_RAW), 0, true, 0);
	const struct ent l1[] = { REG("bin/su", 04755), REG("bin/mount", 04755) };
	const struct ent l2[] = { REG("bin/.wh.su", 0644),
				  { .path = "bin/ping", .mode = AE_IFREG | 0755, .xattr = caps,
				    .xattr_len = caps_len } };
	struct outer o;
	size_t len1, len2;
	char *t1 = tar_build(l1, 2, false, &len1), *t2 = tar_build(l2, 2, false, &len2);

	outer_start(&o);
	member(o.a, "l1.tar", t1, len1);
	member(o.a, "l2/layer.tar", t2, len2);
	member(o.a, "cfg.json", config_json, strlen(config_json));
	member(o.a, "manifest.json", manifest, strlen(manifest));
	free(t1);
	free(t2);
	return outer_fd(&o);
}

static void test_docker_archive(void **state)
{
	int fd = docker_archive("[{\"Config\": \"cfg.json\", \"RepoTags\": [\"localhost/web:1\"],"
				" \"Layers\": [\"l1.tar\", \"l2/layer.tar\"]}]");
	struct image_list list = { 0 };
	const struct image *img;

	(void)state;
	assert_int_equal(image__read_archive_fd(fd, "web.tar", &list, err, sizeof(err)), 0);
	assert_int_equal(list.n, 1);
	img = &list.v[0];
	assert_string_equal(img->name, "localhost/web:1");
	assert_string_equal(img->user, "app");
	assert_string_equal(img->label, "NET_RAW,CHOWN");
	assert_true(img->label_caps == (BIT(CAP_NET_RAW) | BIT(CAP_CHOWN)));
	assert_int_equal(img->n_layers, 2);
	assert_string_equal(img->layers[1], "sha256:" HEX64("2")); /* the diff_id */
	assert_int_equal(img->n, 2); /* su is whited out */
	assert_non_null(finding(img, "/bin/mount", IMAGE_SETUID_ROOT));
	assert_int_equal(finding(img, "/bin/ping", IMAGE_FILE_CAPS)->layer, 1);
	image_list__clear(&list);
	close(fd);
}

/* One bad docker-archive manifest: an error, nothing kept, err names needle. */
static void docker_fails(const char *manifest, const char *needle)
{
	int fd = docker_archive(manifest);
	struct image_list list = { 0 };
	int rc;

	err[0] = '\0';
	rc = image__read_archive_fd(fd, "bad.tar", &list, err, sizeof(err));
	assert_true(rc < 0 && rc != -ENOMEM);
	assert_int_equal(list.n, 0);
	if (strncmp(err, "bad.tar: ", 9) || !strstr(err, needle))
		fail_msg("'%s' does not name '%s'", err, needle);
	image_list__clear(&list);
	close(fd);
}

static void test_docker_archive_hostile(void **state)
{
	(void)state;
	docker_fails("[{\"Config\": \"cfg.json\", \"Layers\": [\"l1.tar\", \"nope.tar\"]}]",
		     "layer nope.tar is missing");
	docker_fails("[{\"Config\": \"missing.json\", \"Layers\": []}]", "config missing.json is missing");
	docker_fails("[{\"Config\": \"cfg.json\", \"Layers\": [\"../l1.tar\"]}]", "leads outside the archive");
	docker_fails("[{\"Config\": \"cfg.json\", \"Layers\": [\"l2\"]}]", "is missing");
	docker_fails("[{\"Config\": \"cfg.json\", \"Layers\": [\"cfg.json\"]}]", "corrupt or truncated");
	docker_fails("{\"Config\": \"cfg.json\"}", "must be a list of images");
	docker_fails("[{\"Config\": \"cfg.json\", \"Layers\": [}]", "bad.tar: image list manifest.json:1:");
}

static const char oci_index[] =
	"{\"schemaVersion\": 2, \"manifests\": [{\"digest\": \"sha256:" HEX64("a") "\"}]}";

/*
 * An OCI archive with a gzip'd layer, index as its index.json, the index
 * "a" of the manifest "b" as tool:2 and of an attestation to skip.
 */
static int oci_archive_with(const char *layout, const char *index)
{
	unsigned char caps[32];
	size_t caps_len = vfs_caps(caps, 3, BIT(CAP_SYS_ADMIN), 0, true, 0);
	const struct ent l1[] = { { .path = "usr/sbin/tool", .mode = AE_IFREG | 0750,
				    .xattr = caps, .xattr_len = caps_len } };
	static const char nested[] =
		"{\"manifests\": [{\"digest\": \"sha256:" HEX64("b") "\", \"annotations\":"
		" {\"org.opencontainers.image.ref.name\": \"tool:2\"}},"
		" {\"digest\": \"sha256:" HEX64("f") "\", \"annotations\":"
		" {\"vnd.docker.reference.type\": \"attestation-manifest\"}}]}";
	static const char manifest[] =
		"{\"config\": {\"digest\": \"sha256:" HEX64("c") "\"}, \"layers\": ["
		"{\"digest\": \"sha256:" HEX64("d") "\"}]}";
	static const char config[] = "{\"config\": null}";
	struct outer o;
	size_t len;
	char *t1 = tar_build(l1, 1, true, &len);

	outer_start(&o);
	member(o.a, "oci-layout", layout, strlen(layout));
	member(o.a, "index.json", index, strlen(index));
	member(o.a, "blobs/sha256/" HEX64("a"), nested, strlen(nested));
	member(o.a, "blobs/sha256/" HEX64("b"), manifest, strlen(manifest));
	member(o.a, "blobs/sha256/" HEX64("c"), config, strlen(config));
	member(o.a, "blobs/sha256/" HEX64("d"), t1, len);
	free(t1);
	return outer_fd(&o);
}

/* The same, its index.json listing the index "a". */
static int oci_archive(const char *layout)
{
	return oci_archive_with(layout, oci_index);
}

static void test_oci_archive(void **state)
{
	int fd = oci_archive("{\"imageLayoutVersion\": \"1.0.0\"}");
	struct image_list list = { 0 };
	const struct image_finding *f;

	(void)state;
	assert_int_equal(image__read_archive_fd(fd, "tool.tar", &list, err, sizeof(err)), 0);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.v[0].name, "tool:2");
	assert_null(list.v[0].user);
	assert_null(list.v[0].label);
	f = finding(&list.v[0], "/usr/sbin/tool", IMAGE_FILE_CAPS);
	assert_true(f && f->caps == BIT(CAP_SYS_ADMIN) && f->fcaps.version == 3);
	assert_string_equal(list.v[0].layers[0], "sha256:" HEX64("d"));
	image_list__clear(&list);
	close(fd);
	fd = oci_archive("[1]");
	assert_int_equal(image__read_archive_fd(fd, "x.tar", &list, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no imageLayoutVersion"));
	close(fd);
}

/* index.json listing the index "a" n times, the manifest "b" as tool:2 n times and as tool:latest 3 times. */
static char *index_repeating(size_t n)
{
	char *text = NULL, hex[65] = "";
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fputs("{\"schemaVersion\": 2, \"manifests\": [", f);
	for (size_t i = 0; i < 2 * n + 3; i++) {
		memset(hex, i < n ? 'a' : 'b', 64);
		fprintf(f, "%s{\"digest\": \"sha256:%s\", \"annotations\": {"
			"\"org.opencontainers.image.ref.name\": \"%s\"}}", i ? ", " : "", hex,
			i < 2 * n ? "tool:2" : "tool:latest");
	}
	fputs("]}", f);
	fclose(f);
	return text;
}

/* An index that lists the same index and manifest thousands of times reads each once. */
static void test_index_repeats(void **state)
{
	char *index = index_repeating(3000);
	int fd = oci_archive_with("{\"imageLayoutVersion\": \"1.0.0\"}", index);
	struct image_list list = { 0 };

	(void)state;
	assert_int_equal(image__read_archive_fd(fd, "tool.tar", &list, err, sizeof(err)), 0);
	/* The same image once per name: an exception for either name judges its own. */
	assert_int_equal(list.n, 2);
	assert_string_equal(list.v[0].name, "tool:2");
	assert_string_equal(list.v[1].name, "tool:latest");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(list.v[i].n, 1);
		assert_non_null(finding(&list.v[i], "/usr/sbin/tool", IMAGE_FILE_CAPS));
		assert_string_equal(list.v[i].layers[0], "sha256:" HEX64("d"));
	}
	image_list__clear(&list);
	close(fd);
	free(index);
}

/*
 * A docker-archive of fillers empty members, then a one-file layer l.tar,
 * the config c.json (pad bytes of padding) and manifest.json with images
 * images of layers layers each.
 */
static int docker_costly(size_t fillers, size_t pad, size_t images, size_t layers)
{
	const struct ent l1[] = { REG("bin/true", 0755) };
	char name[32], *cfg = malloc(pad + 64), *manifest = NULL, *t1;
	size_t len = 0, mlen = 0;
	FILE *f = open_memstream(&manifest, &mlen);
	struct outer o;

	assert_true(cfg && f);
	len = (size_t)snprintf(cfg, pad + 64, "{\"config\": {}, \"pad\": \"%0*d\"}", (int)pad, 0);
	fputc('[', f);
	for (size_t i = 0; i < images; i++) {
		fprintf(f, "%s{\"Config\": \"c.json\", \"Layers\": [", i ? ", " : "");
		for (size_t j = 0; j < layers; j++)
			fprintf(f, "%s\"l.tar\"", j ? ", " : "");
		fputs("]}", f);
	}
	fputc(']', f);
	fclose(f);
	outer_start(&o);
	for (size_t i = 0; i < fillers; i++) {
		snprintf(name, sizeof(name), "fill/%zu", i);
		member(o.a, name, NULL, 0);
	}
	member(o.a, "c.json", cfg, len);
	t1 = tar_build(l1, 1, false, &len);
	member(o.a, "l.tar", t1, len);
	member(o.a, "manifest.json", manifest, mlen);
	free(t1);
	free(cfg);
	free(manifest);
	return outer_fd(&o);
}

static void costly_fails(int fd, const char *needle)
{
	struct image_list list = { 0 };

	err[0] = '\0';
	assert_int_equal(image__read_archive_fd(fd, "bad.tar", &list, err, sizeof(err)), -EINVAL);
	assert_int_equal(list.n, 0);
	if (strncmp(err, "bad.tar: ", 9) || !strstr(err, needle))
		fail_msg("'%s' does not name '%s'", err, needle);
	image_list__clear(&list);
	close(fd);
}

/* What one input may cost in all: JSON parsed, blobs opened, archive headers walked. */
static void test_input_budget(void **state)
{
	struct image_list list = { 0 };
	int fd = docker_costly(100, 1000, 200, 10);

	(void)state;
	/* A big but reasonable one: 200 images of 10 layers in an archive of 100 members. */
	assert_int_equal(image__read_archive_fd(fd, "ok.tar", &list, err, sizeof(err)), 0);
	assert_int_equal(list.n, 200);
	image_list__clear(&list);
	close(fd);
	/* 250 configs of 300 kB: 75 MB of JSON. */
	costly_fails(docker_costly(0, 300000, 250, 0), "more than 64 MiB of JSON to parse");
	/* 256 images of 16 layers: 4352 blobs. */
	costly_fails(docker_costly(0, 10, 256, 16), "more than 4096 blobs to read");
	/* 91 blobs behind 12000 members: each found again from the archive's start. */
	costly_fails(docker_costly(12000, 10, 1, 90), "more than 1000000 archive headers read");
}

static void put_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* DIR/oci-layout and DIR/index.json of one image, its blobs (and so the image) in BLOBS/sha256. */
static void layout_build(const char *dir, const char *blobs)
{
	unsigned char caps[32];
	size_t caps_len = vfs_caps(caps, 2, BIT(CAP_NET_RAW), 0, true, 0), len;
	const struct ent l1[] = { { .path = "bin/ping", .mode = AE_IFREG | 0755,
				    .xattr = caps, .xattr_len = caps_len } };
	static const char index[] = "{\"manifests\": [{\"digest\": \"sha256:" HEX64("b") "\"}]}";
	static const char manifest[] = "{\"config\": {\"digest\": \"sha256:" HEX64("c") "\"},"
				       " \"layers\": [{\"digest\": \"sha256:" HEX64("d") "\"}]}";
	char sha[512], *t1 = tar_build(l1, 1, false, &len);

	snprintf(sha, sizeof(sha), "%s/sha256", blobs);
	assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
	assert_true(mkdir(blobs, 0755) == 0 || errno == EEXIST);
	assert_int_equal(mkdir(sha, 0755), 0);
	put_file(dir, "oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}", 31);
	put_file(dir, "index.json", index, strlen(index));
	put_file(sha, HEX64("b"), manifest, strlen(manifest));
	put_file(sha, HEX64("c"), "{}", 2);
	put_file(sha, HEX64("d"), t1, len);
	free(t1);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* In a child without openat2 (as before Linux 5.6): 0 when good reads and evil is refused. */
static int read_without_openat2(const char *good, const char *evil)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct image_list list = { 0 };
	int rc;

	if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || seccomp_load(ctx))
		return 3;
	seccomp_release(ctx);
	rc = image__read(good, IMAGE_LAYOUT, &list, err, sizeof(err));
	if (rc || list.n != 1 || !finding(&list.v[0], "/bin/ping", IMAGE_FILE_CAPS)) {
		fprintf(stderr, "the fallback cannot read a plain layout: %d %s\n", rc, err);
		return 1;
	}
	image_list__clear(&list);
	err[0] = '\0';
	rc = image__read(evil, IMAGE_LAYOUT, &list, err, sizeof(err));
	if (rc != -ELOOP || !strstr(err, "blobs/sha256/") || !strstr(err, "is or passes a symlink")) {
		fprintf(stderr, "blobs -> outside was followed: %d, %zu images, '%s'\n", rc, list.n, err);
		return 2;
	}
	return 0;
}

/*
 * A layout whose blobs directory is a symlink out of it: refused by
 * openat2 (RESOLVE_BENEATH) and, without openat2, by the walk that opens
 * one component at a time with O_NOFOLLOW.
 */
static void test_layout_symlinked_dir(void **state)
{
	char tmp[] = "/tmp/capdiet-test-layout.XXXXXX", good[128], blobs[160], evil[128], out[128],
	     link[128];
	struct image_list list = { 0 };
	int status, rc;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(good, sizeof(good), "%s/good", tmp);
	snprintf(evil, sizeof(evil), "%s/evil", tmp);
	snprintf(out, sizeof(out), "%s/outside", tmp);
	snprintf(link, sizeof(link), "%s/evil/blobs", tmp);
	snprintf(blobs, sizeof(blobs), "%s/blobs", good);
	layout_build(good, blobs);
	layout_build(evil, out);
	assert_int_equal(symlink(out, link), 0);
	/* openat2 says EXDEV; where it is missing (valgrind), the walk ELOOP,
	 * and what the child below would check has just been checked. */
	rc = image__read(evil, IMAGE_LAYOUT, &list, err, sizeof(err));
	assert_true(rc == -EXDEV || rc == -ELOOP);
	assert_non_null(strstr(err, rc == -EXDEV ? "leads outside the layout" :
				    "is or passes a symlink"));
	pid = rc == -EXDEV ? fork() : 0;
	assert_true(pid >= 0);
	if (rc == -EXDEV && pid == 0)
		_exit(read_without_openat2(good, evil));
	status = 0;
	if (pid > 0)
		assert_int_equal(waitpid(pid, &status, 0), pid);
	else
		assert_int_equal(image__read(good, IMAGE_LAYOUT, &list, err, sizeof(err)), 0);
	image_list__clear(&list);
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* text has a whole line that is prefix followed by rest. */
static void has_line(const char *text, const char *prefix, const char *rest)
{
	char *line = NULL;

	assert_true(asprintf(&line, "%s%s\n", prefix, rest) > 0);
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, line, strlen(line))) {
			free(line);
			return;
		}
	}
	fail_msg("no line '%s' in:\n%s", line, text);
}

/* The whole gate: an image file (a memfd, by its /proc path) judged with an exception. */
static void test_check_image(void **state)
{
	int fd = docker_archive("[{\"Config\": \"cfg.json\", \"RepoTags\": [\"localhost/web:1\"],"
				" \"Layers\": [\"l1.tar\", \"l2/layer.tar\"]}]");
	static const char al_yaml[] =
		"exceptions:\n"
		"  - kind: image\n    container: /bin/ping\n    add: [NET_RAW]\n    reason: ping\n";
	struct check_allowlist *al = check_allowlist__parse(al_yaml, strlen(al_yaml), "al.yaml",
							     err, sizeof(err));
	struct check_inventory inv = { 0 };
	struct strlist errors = { 0 };
	struct check_report r;
	char path[64], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(al);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	assert_int_equal(check__collect_input(&inv, path, &errors), 0);
	assert_int_equal(errors.n, 0);
	assert_int_equal(inv.n, 3); /* the image, /bin/mount, /bin/ping */
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.images, 1);
	assert_int_equal(r.findings, 2);
	assert_int_equal(check_report__write_text(&r, out), 0);
	fclose(out);
	/* The label's two, mount as SETUID; ping's NET_RAW is excepted for its path only. */
	assert_int_equal(r.n_failing, 3);
	assert_int_equal(r.n_excepted, 1);
	/* Each line names the input as given: "FILE: image ..." */
	has_line(text, path, ": image localhost/web:1 label io.containers.capabilities: capability NET_RAW is not in the allowlist");
	has_line(text, path, ": image localhost/web:1 layer sha256:111111111111 file /bin/mount (setuid root, mode 4755): capability SETUID is not in the allowlist");
	/* the excepted finding is listed, never hidden, with its exception */
	has_line(text, path, ": image localhost/web:1 layer sha256:222222222222 file /bin/ping (cap_net_raw=ep): capability NET_RAW excepted by al.yaml:2: \"ping\"");
	has_line(text, "", "checked 1 image, 2 findings: 3 violations in 1 image (CHOWN, SETUID, NET_RAW); 1 excepted");
	free(text);
	check_report__clear(&r);
	check_inventory__clear(&inv);
	check_allowlist__free(al);
	close(fd);
}

/*
 * A tag and a path that hold CR, LF and an erase-line sequence cannot
 * forge a line of the text report: one line per violation and the summary,
 * no raw control byte, and the names escaped as \xNN.
 */
static void test_check_image_hostile_text(void **state)
{
	const struct ent l1[] = { REG("bin/x\r\nchecked 0 files, 0 containers: 0 violations\x1b[2K", 04755) };
	static const char manifest[] =
		"[{\"Config\": \"c.json\", \"Layers\": [\"l.tar\"], \"RepoTags\": [\"web\\r\\n"
		"checked 0 files, 0 containers: 0 violations\\u001b[2K\\\\\"]}]";
	struct check_allowlist *al = check_allowlist__restricted();
	struct check_inventory inv = { 0 };
	struct strlist errors = { 0 };
	struct check_report r;
	struct outer o;
	char path[64], *text = NULL, *t1;
	size_t len = 0, lines = 0;
	FILE *out = open_memstream(&text, &len);
	int fd;

	(void)state;
	t1 = tar_build(l1, 1, false, &len);
	outer_start(&o);
	member(o.a, "l.tar", t1, len);
	member(o.a, "c.json", "{\"config\": {}}", 14);
	member(o.a, "manifest.json", manifest, strlen(manifest));
	free(t1);
	fd = outer_fd(&o);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	assert_int_equal(check__collect_input(&inv, path, &errors), 0);
	assert_int_equal(errors.n, 0);
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(check_report__write_text(&r, out), 0);
	fclose(out);
	for (const char *p = text; *p; p++) {
		lines += *p == '\n';
		if ((unsigned char)*p < 0x20 && *p != '\n')
			fail_msg("raw byte 0x%02x in:\n%s", *p, text);
	}
	assert_int_equal(lines, 2);
	has_line(text, path, ": image web\\x0d\\x0achecked 0 files, 0 containers: 0 violations\\x1b[2K\\\\"
		 " layer l.tar file /bin/x\\x0d\\x0achecked 0 files, 0 containers: 0 violations\\x1b[2K"
		 " (setuid root, mode 4755): capability SETUID is not in the allowlist");
	has_line(text, "", "checked 1 image, 1 finding: 1 violation in 1 image (SETUID)");
	free(text);
	check_report__clear(&r);
	check_inventory__clear(&inv);
	check_allowlist__free(al);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_filecaps),
		cmocka_unit_test(test_decode_filecaps_bad),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_layer_findings),
		cmocka_unit_test(test_layer_whiteouts),
		cmocka_unit_test(test_layer_hostile),
		cmocka_unit_test(test_layer_limits),
		cmocka_unit_test(test_docker_archive),
		cmocka_unit_test(test_docker_archive_hostile),
		cmocka_unit_test(test_oci_archive),
		cmocka_unit_test(test_check_image),
		cmocka_unit_test(test_check_image_hostile_text),
		cmocka_unit_test(test_index_repeats),
		cmocka_unit_test(test_input_budget),
		cmocka_unit_test(test_layout_symlinked_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
