// SPDX-License-Identifier: MIT
/*
 * A bundle's config.json, as `run --oci` and `export --bundle` read it:
 * besides not crashing, whatever loads is written back as JSON that loads
 * again, with the capability lists exactly the set asked for.
 */
#include <errno.h>

#include "capdiet/core/oci_config.h"
#include "fuzz.h"

/* The longest mapping key in the document. */
static size_t longest_key(const struct ydoc_node *n)
{
	size_t max = 0, k;

	for (size_t i = 0; n->type != YDOC_SCALAR && i < n->n; i++) {
		if (n->type == YDOC_MAP) {
			k = strlen(ydoc__key(n, i)->value);
			max = k > max ? k : max;
			k = longest_key(ydoc__value(n, i));
		} else {
			k = longest_key(n->items[i]);
		}
		max = k > max ? k : max;
	}
	return max;
}

static void check_rewrite(const struct ydoc *doc, capset_t caps)
{
	struct oci_overrides o = { .set_caps = true, .caps = caps, .no_terminal = true,
				   .bundle_dir = "/b", .cgroups_path = "/capdiet/x" };
	char err[128] = "", *text = NULL;
	struct ydoc_where where = { "out.json", err, sizeof(err) };
	struct ydoc *back = NULL;
	const struct ydoc_node *list, *bad;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	capset_t got = 0;
	size_t max_key = longest_key(doc->docs[0].root);

	FUZZ_ASSERT(out);
	FUZZ_ASSERT(oci_config__write(doc, &o, out) == 0);
	fclose(out);
	/* libyaml reads a key of a flow mapping only up to 1024 characters (the
	 * YAML limit on implicit keys); escapes may triple a key's length. */
	if (oci_config__load(text, len, &where, &back) != 0) {
		FUZZ_ASSERT(max_key > 1024 / 3);
		free(text);
		return;
	}
	list = ydoc__get(ydoc__get(ydoc__get(back->docs[0].root, "process"), "capabilities"),
			 "ambient");
	/* A config without a process map gets none: nothing to check then. */
	if (list)
		FUZZ_ASSERT(ydoc__caps(list, &got, NULL, &bad) == 0 && got == caps);
	ydoc__free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	struct ydoc_where where = { "config.json", err, sizeof(err) };
	struct ydoc *doc = NULL;
	struct oci_process proc;
	int rc;

	if (size > OCI_CONFIG_MAX_SIZE)
		return 0;
	rc = oci_config__load((const char *)data, size, &where, &doc);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EFBIG);
	if (rc) {
		FUZZ_ASSERT(err[0]);
		return 0;
	}
	rc = oci_config__process(doc, &where, &proc);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	check_rewrite(doc, size ? (capset_t)data[0] << (data[size - 1] % 33) : 0);
	ydoc__free(doc);
	return 0;
}
