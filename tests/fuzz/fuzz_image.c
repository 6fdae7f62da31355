// SPDX-License-Identifier: MIT
/*
 * The image readers on any bytes: once as an image archive (docker-archive
 * or OCI archive, in a memfd: nothing on disk) through
 * image__read_archive_fd(), once as one layer through image__scan_layer().
 * Besides not crashing: a failed read leaves nothing behind and names the
 * input, and every finding is sorted, known and tied to a layer read.
 */
#include <archive.h>
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capdiet/policy/image.h"
#include "fuzz.h"

#define NAME "fuzz.tar"

static void check_image(const struct image *img)
{
	FUZZ_ASSERT(img->name);
	FUZZ_ASSERT(img->n <= IMAGE_MAX_FINDINGS && img->n_layers <= IMAGE_MAX_LAYERS);
	FUZZ_ASSERT((img->label_caps & ~caps__all()) == 0);
	for (size_t i = 0; i < img->n; i++) {
		const struct image_finding *f = &img->v[i];

		FUZZ_ASSERT(f->path && f->path[0] == '/' && !strstr(f->path, "/../"));
		FUZZ_ASSERT(f->layer < img->n_layers);
		FUZZ_ASSERT(f->caps && (f->caps & ~caps__all()) == 0);
		FUZZ_ASSERT(i == 0 || strcmp(img->v[i - 1].path, f->path) <= 0);
	}
}

static void fuzz_archive(const uint8_t *data, size_t size)
{
	struct image_list list = { 0 };
	char err[640] = "";
	int fd = memfd_create("fuzz-image", MFD_CLOEXEC), rc;

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
	rc = image__read_archive_fd(fd, NAME, &list, err, sizeof(err));
	FUZZ_ASSERT(rc <= 0);
	if (rc) {
		FUZZ_ASSERT(list.n == 0);
		FUZZ_ASSERT(rc == -ENOMEM || !strncmp(err, NAME ": ", strlen(NAME ": ")));
	}
	for (size_t i = 0; i < list.n; i++)
		check_image(&list.v[i]);
	image_list__clear(&list);
	close(fd);
}

static void fuzz_layer(const uint8_t *data, size_t size)
{
	struct archive *a = archive_read_new();
	struct image img = { 0 };
	char err[640] = "";
	int rc;

	FUZZ_ASSERT(a);
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	if (archive_read_open_memory(a, data, size) == ARCHIVE_OK) {
		rc = image__scan_layer(&img, a, "sha256:layer", err, sizeof(err));
		FUZZ_ASSERT(rc == 0 || rc == -ENOMEM || !strncmp(err, "layer sha256:layer: ", 20));
		check_image(&(struct image){ .name = "x", .v = img.v, .n = img.n,
					     .n_layers = img.n_layers });
	}
	image__clear(&img);
	archive_read_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_archive(data, size);
	fuzz_layer(data, size);
	return 0;
}
