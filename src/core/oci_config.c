// SPDX-License-Identifier: MIT
/*
 * config.json is copied node by node through the JSON emitter; only the
 * fields named in struct oci_overrides change, so whatever else the bundle
 * says (mounts, namespaces, hooks, seccomp) reaches the runtime unchanged.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/file.h"
#include "capdiet/core/oci_config.h"

static const char *const cap_lists[] = {
	"bounding", "effective", "inheritable", "permitted", "ambient",
};

/*
 * The reader takes YAML, a superset of JSON: a key JSON cannot have (null,
 * empty and unquoted, a sequence) would come out as one it has, or twice.
 * The first such node, or NULL.
 */
static const struct ydoc_node *json__bad_key(const struct ydoc_node *n)
{
	const struct ydoc_node *bad = NULL;

	if (n->type == YDOC_SCALAR)
		return NULL;
	for (size_t i = 0; !bad && n->type == YDOC_SEQ && i < n->n; i++)
		bad = json__bad_key(n->items[i]);
	for (size_t i = 0; !bad && n->type == YDOC_MAP && i < n->n; i++) {
		const struct ydoc_node *k = ydoc__key(n, i);

		if (k->type != YDOC_SCALAR || (k->plain && ydoc__is_null(k)))
			return k;
		bad = json__bad_key(ydoc__value(n, i));
	}
	return bad;
}

int oci_config__load(const char *buf, size_t len, const struct ydoc_where *where,
		     struct ydoc **out)
{
	const struct ydoc_node *bad;
	int err = ydoc__load(buf, len, YDOC_ONE_DOCUMENT | YDOC_NO_ALIASES, where, out);

	if (err)
		return err;
	if (!(*out)->n_docs || !(*out)->docs[0].root ||
	    (*out)->docs[0].root->type != YDOC_MAP) {
		ydoc__free(*out);
		*out = NULL;
		return ydoc_where__fail(where, 1, "not an OCI config.json (no JSON object)");
	}
	bad = json__bad_key((*out)->docs[0].root);
	if (bad) {
		err = ydoc_where__fail(where, bad->line, "not JSON: a key that is not a string");
		ydoc__free(*out);
		*out = NULL;
	}
	return err;
}

static int copy_uint(const struct ydoc_node *n, uint32_t *out)
{
	const char *text = ydoc__text(n);
	char *end;
	unsigned long v;

	if (!text)
		return 0;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || end == text || v > UINT32_MAX || text[0] == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int oci_config__process(const struct ydoc *doc, const struct ydoc_where *where,
			struct oci_process *out)
{
	const struct ydoc_node *root = doc->docs[0].root;
	const struct ydoc_node *proc = ydoc__get(root, "process");
	const struct ydoc_node *args = ydoc__get(proc, "args");
	const struct ydoc_node *user = ydoc__get(proc, "user");
	const char *rootfs = ydoc__text(ydoc__get(ydoc__get(root, "root"), "path"));

	memset(out, 0, sizeof(*out));
	if (!proc || proc->type != YDOC_MAP || !args || args->type != YDOC_SEQ || !args->n ||
	    !ydoc__text(args->items[0]))
		return ydoc_where__fail(where, proc ? proc->line : 1,
					"no process.args: not an OCI runtime config");
	if (!rootfs)
		return ydoc_where__fail(where, 1, "no root.path: not an OCI runtime config");
	if (copy_uint(ydoc__get(user, "uid"), &out->uid) ||
	    copy_uint(ydoc__get(user, "gid"), &out->gid))
		return ydoc_where__fail(where, user->line, "process.user: uid and gid must be "
					"numbers");
	out->terminal = ydoc__is(ydoc__get(proc, "terminal"), "true");
	snprintf(out->root, sizeof(out->root), "%s", rootfs);
	snprintf(out->first_arg, sizeof(out->first_arg), "%s", ydoc__text(args->items[0]));
	return 0;
}

int oci_bundle__read(const char *dir, struct oci_bundle *out, char *err, size_t err_len)
{
	struct ydoc_where where = { .file = out->path, .err = err, .err_len = err_len };
	char *buf = NULL;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (snprintf(out->path, sizeof(out->path), "%s/config.json", dir) >= (int)sizeof(out->path))
		return ydoc_where__fail(&where, 0, "path too long");
	rc = file__read(out->path, OCI_CONFIG_MAX_SIZE, &buf, &len);
	if (rc) {
		snprintf(err, err_len, "%s: %s", out->path, strerror(-rc));
		goto cleanup;
	}
	rc = oci_config__load(buf, len, &where, &out->doc);
	if (!rc)
		rc = oci_config__process(out->doc, &where, &out->proc);
cleanup:
	if (rc)
		oci_bundle__clear(out);
	free(buf);
	return rc;
}

void oci_bundle__clear(struct oci_bundle *b)
{
	if (!b)
		return;
	ydoc__free(b->doc);
	b->doc = NULL;
}

/* ---- writing ---- */

struct copy {
	struct emit e;
	const struct oci_overrides *o;
};

static int copy__node(struct copy *c, const struct ydoc_node *n, const char *path);

static int copy__scalar(struct copy *c, const struct ydoc_node *n)
{
	if (n->plain)
		return emit__plain(&c->e, n->value);
	return emit__quoted(&c->e, n->value);
}

/* "dir/x" for a relative path, the path itself otherwise. */
static int copy__absolute(struct copy *c, const char *path)
{
	char buf[2 * PATH_MAX];

	if (!c->o->bundle_dir || path[0] == '/')
		return emit__quoted(&c->e, path);
	snprintf(buf, sizeof(buf), "%s/%s", c->o->bundle_dir, path);
	return emit__quoted(&c->e, buf);
}

static int copy__caps(struct copy *c)
{
	emit__map_start(&c->e, false);
	for (size_t i = 0; i < sizeof(cap_lists) / sizeof(cap_lists[0]); i++) {
		emit__plain(&c->e, cap_lists[i]);
		emit__caps(&c->e, c->o->caps, true);
	}
	return emit__map_end(&c->e);
}

/* A bind mount's relative source is relative to the bundle. */
static bool mount__is_bind(const struct ydoc_node *m)
{
	const struct ydoc_node *opts = ydoc__get(m, "options");

	if (ydoc__is(ydoc__get(m, "type"), "bind"))
		return true;
	for (size_t i = 0; opts && opts->type == YDOC_SEQ && i < opts->n; i++)
		if (ydoc__is(opts->items[i], "bind") || ydoc__is(opts->items[i], "rbind"))
			return true;
	return false;
}

/* The replacement for the value at path, if there is one: 1 written, 0 not. */
static int copy__override(struct copy *c, const struct ydoc_node *n, const char *path,
			  bool bind_mount)
{
	const struct oci_overrides *o = c->o;

	if (o->set_caps && !strcmp(path, "process.capabilities"))
		return copy__caps(c) ?: 1;
	if (o->no_terminal && !strcmp(path, "process.terminal"))
		return emit__bool(&c->e, false) ?: 1;
	if (o->cgroups_path && !strcmp(path, "linux.cgroupsPath"))
		return emit__quoted(&c->e, o->cgroups_path) ?: 1;
	if ((!strcmp(path, "root.path") || (bind_mount && !strcmp(path, "mounts[].source"))) &&
	    ydoc__text(n))
		return copy__absolute(c, n->value) ?: 1;
	return 0;
}

/* Keys the overrides need that the map lacks, added at its end. */
static int copy__missing(struct copy *c, const struct ydoc_node *map, const char *path)
{
	const struct oci_overrides *o = c->o;

	if (!strcmp(path, "process") && o->set_caps && !ydoc__get(map, "capabilities")) {
		emit__plain(&c->e, "capabilities");
		copy__caps(c);
	}
	if (!strcmp(path, "linux") && o->cgroups_path && !ydoc__get(map, "cgroupsPath"))
		emit__kv_str(&c->e, "cgroupsPath", o->cgroups_path);
	if (!*path && o->cgroups_path && !ydoc__get(map, "linux")) {
		emit__plain(&c->e, "linux");
		emit__map_start(&c->e, false);
		emit__kv_str(&c->e, "cgroupsPath", o->cgroups_path);
		emit__map_end(&c->e);
	}
	return c->e.err;
}

static int copy__map(struct copy *c, const struct ydoc_node *n, const char *path)
{
	bool bind = !strcmp(path, "mounts[]") && mount__is_bind(n);
	char child[128];

	emit__map_start(&c->e, false);
	for (size_t i = 0; i < n->n; i++) {
		const struct ydoc_node *k = ydoc__key(n, i), *v = ydoc__value(n, i);
		int done;

		emit__quoted(&c->e, k->value);
		/* Only the top levels have overrides; deeper paths need no name. */
		snprintf(child, sizeof(child), "%s%s%.64s", path, *path ? "." : "",
			 strlen(path) < 32 ? k->value : "");
		done = copy__override(c, v, child, bind);
		if (done < 0)
			return done;
		if (!done && copy__node(c, v, child))
			return c->e.err;
	}
	copy__missing(c, n, path);
	return emit__map_end(&c->e);
}

static int copy__node(struct copy *c, const struct ydoc_node *n, const char *path)
{
	char item[128];

	if (n->type == YDOC_SCALAR)
		return copy__scalar(c, n);
	if (n->type == YDOC_MAP)
		return copy__map(c, n, path);
	snprintf(item, sizeof(item), "%s[]", strlen(path) < 32 ? path : "");
	emit__seq_start(&c->e, false);
	for (size_t i = 0; i < n->n; i++)
		if (copy__node(c, n->items[i], item))
			return c->e.err;
	return emit__seq_end(&c->e);
}

int oci_config__write(const struct ydoc *doc, const struct oci_overrides *o, FILE *out)
{
	struct copy c = { .o = o };
	int err = emit__begin(&c.e, out, EMIT_JSON);

	if (err)
		return err;
	copy__node(&c, doc->docs[0].root, "");
	return emit__end(&c.e);
}
