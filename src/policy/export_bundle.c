// SPDX-License-Identifier: MIT
/*
 * `export --format oci --bundle DIR`: the bundle's own config.json with the
 * minimum set in process.capabilities, everything else as it was -- the
 * same rewrite capdiet ran each trial with (core/oci_config.c).
 */
#include <errno.h>
#include <stdio.h>

#include "capdiet/core/log.h"
#include "capdiet/core/oci_config.h"
#include "capdiet/policy/export.h"

int export__oci_bundle(const struct profile *p, const char *bundle, FILE *out)
{
	struct oci_overrides o = { .set_caps = true, .caps = p->caps };
	struct oci_bundle b;
	char err[512];
	int rc = oci_bundle__read(bundle, &b, err, sizeof(err));

	if (rc) {
		log_error("--bundle: %s", err);
		return rc == -ENOMEM ? rc : -EBADMSG;
	}
	rc = oci_config__write(b.doc, &o, out);
	if (!rc && fputc('\n', out) == EOF)
		rc = -EIO;
	oci_bundle__clear(&b);
	return rc;
}
