// SPDX-License-Identifier: MIT
/*
 * Images at the gate: each image becomes entries of the inventory, judged
 * by check__evaluate like a manifest's containers.
 *
 *  - the image itself (kind "image", container "io.containers.capabilities"):
 *    the label's capabilities, which Podman gives its containers by default;
 *  - each file with file capabilities: its permitted and inheritable sets,
 *    what an exec of it can raise within the bounding set;
 *  - each setuid-root executable as SETUID, each setgid-root one as SETGID:
 *    it lets any user of the container become root (or group root) and so
 *    get every capability of the bounding set, which is what CAP_SETUID
 *    would allow.  An allowlist exception for the path (container:) with
 *    add: [SETUID] accepts it, with a reason like any other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/strlist.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/image.h"

#define IMAGE_KIND "image"

static const enum check_source sources[] = {
	[IMAGE_FILE_CAPS] = CHECK_FILE_CAPS,
	[IMAGE_SETUID_ROOT] = CHECK_SETUID_ROOT,
	[IMAGE_SETGID_ROOT] = CHECK_SETGID_ROOT,
};

/* "cap_net_raw=ep", or "setuid root, mode 4755". */
static char *finding__detail(const struct image_finding *f)
{
	char *detail = NULL;

	if (f->source == IMAGE_FILE_CAPS)
		return image_filecaps__text(&f->fcaps);
	if (asprintf(&detail, "%s root, mode %04o",
		     f->source == IMAGE_SETUID_ROOT ? "setuid" : "setgid", f->mode & 07777) < 0)
		return NULL;
	return detail;
}

static int finding__add(struct check_inventory *inv, const char *file, const struct image *img,
			const struct image_finding *f)
{
	struct check_container *c = check_inventory__add(inv, file, 0, IMAGE_KIND, img->name,
							 f->path);

	if (!c)
		return -ENOMEM;
	c->source = sources[f->source];
	c->caps = f->caps;
	c->layer = strdup(img->layers[f->layer]);
	c->path = strdup(f->path);
	c->detail = finding__detail(f);
	return c->layer && c->path && c->detail ? 0 : -ENOMEM;
}

static int image__add(struct check_inventory *inv, const char *file, const struct image *img)
{
	struct check_container *c = check_inventory__add(inv, file, 0, IMAGE_KIND, img->name,
							 IMAGE_CAPS_LABEL);
	int rc = 0;

	if (!c)
		return -ENOMEM;
	c->source = CHECK_IMAGE;
	c->caps = img->label_caps;
	if ((img->label && !(c->detail = strdup(img->label))) ||
	    (img->user && !(c->user = strdup(img->user))))
		return -ENOMEM;
	for (size_t i = 0; i < img->n && !rc; i++)
		rc = finding__add(inv, file, img, &img->v[i]);
	return rc;
}

/* Moves what was read into the inventory, or the reason it could not be into errors. */
static int images__collect(struct check_inventory *inv, const char *file, int rc,
			   const struct image_list *images, const char *err,
			   struct strlist *errors)
{
	size_t start = inv->n;

	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return strlist__add(errors, err);
	for (size_t i = 0; i < images->n && !rc; i++)
		rc = image__add(inv, file, &images->v[i]);
	if (rc)
		check_inventory__truncate(inv, start);
	return rc;
}

int check__collect_input(struct check_inventory *inv, const char *path, struct strlist *errors)
{
	struct image_list images = { 0 };
	enum image_kind kind = IMAGE_NOT;
	char err[640] = "";
	int rc;

	if (strcmp(path, "-") && image__detect(path, &kind) == 0 && kind != IMAGE_NOT) {
		rc = image__read(path, kind, &images, err, sizeof(err));
		rc = images__collect(inv, path, rc, &images, err, errors);
		image_list__clear(&images);
		/* A manifest directory that also holds a layout: its manifests still count. */
		if (!rc && kind == IMAGE_LAYOUT)
			rc = check__collect_beside_image(inv, path, errors);
		return rc;
	}
	/* Not an image (or not readable): the manifest walk words its own errors. */
	return check__collect_path(inv, path, errors);
}

int check__collect_engine(struct check_inventory *inv, const char *engine, const char *name,
			  struct strlist *errors)
{
	struct image_list images = { 0 };
	char err[640] = "";
	int rc;

	if (strcmp(engine, "podman")) {
		snprintf(err, sizeof(err), "%s: engine '%s' is not supported; use podman", name, engine);
		return strlist__add(errors, err);
	}
	rc = image__read_podman(name, &images, err, sizeof(err));
	rc = images__collect(inv, name, rc, &images, err, errors);
	image_list__clear(&images);
	return rc;
}
