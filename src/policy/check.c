// SPDX-License-Identifier: MIT
/*
 * Manifests → containers: which capability set each container declared.
 * The file type is told by content, so a repository's manifests can be
 * checked without naming conventions.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/k8s_kinds.h"
#include "capdiet/policy/check_compose.h"
#include "capdiet/policy/check_exceptions.h"
#include "capdiet/profile/profile.h"
#include "check_doc.h"

#define UNNAMED "(unnamed)"
#define MAX_LIST_NESTING 8

struct doc_ctx {
	struct check_inventory *inv;
	struct ydoc_where where;   /* the file, and where its errors go */
};

/* Where a manifest format keeps a container's capabilities, for messages. */
struct grant_fields {
	const char *add, *drop, *privileged;
	bool drop_bare;     /* the runtime adds CAP_ to each drop (caps__name_is_bare) */
};

static const struct grant_fields k8s_fields = {
	"securityContext.capabilities.add", "securityContext.capabilities.drop",
	"securityContext.privileged", true,
};

/* What a container or service declares about capabilities. */
struct grant {
	const struct ydoc_node *privileged, *add, *drop;
	const struct grant_fields *fields;
};

/* value as a mapping: NULL (absent or null) is fine, another type is not. */
static int want_map(struct doc_ctx *d, const struct ydoc_node *value, const char *what,
		    int line, const struct ydoc_node **out)
{
	*out = NULL;
	if (ydoc__is_null(value))
		return 0;
	if (value->type != YDOC_MAP)
		return ydoc_where__fail(&d->where, value->line ? value->line : line,
					"%s must be a mapping", what);
	*out = value;
	return 0;
}

static struct check_container *inventory__add(struct check_inventory *inv, const char *file,
					      int line, const char *kind, const char *name,
					      const char *container)
{
	struct check_container *c;

	if (inv->n == inv->alloc) {
		size_t alloc = inv->alloc ? inv->alloc * 2 : 8;
		struct check_container *v = reallocarray(inv->v, alloc, sizeof(*v));

		if (!v)
			return NULL;
		inv->v = v;
		inv->alloc = alloc;
	}
	c = &inv->v[inv->n];
	memset(c, 0, sizeof(*c));
	c->line = line;
	c->file = strdup(file);
	c->kind = strdup(kind);
	c->name = strdup(name);
	c->container = strdup(container);
	inv->n++; /* counted before the check, so clearing frees what was copied */
	if (!c->file || !c->kind || !c->name || !c->container) {
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

static void inventory__truncate(struct check_inventory *inv, size_t n)
{
	while (inv->n > n) {
		struct check_container *c = &inv->v[--inv->n];

		free(c->file);
		free(c->kind);
		free(c->name);
		free(c->container);
		free(c->layer);
		free(c->path);
		free(c->detail);
		free(c->user);
		free(c->allow_note);
		for (int cap = 0; c->cap_file && cap < 64; cap++)
			free(c->cap_file[cap]);
		free(c->cap_file);
	}
}

struct check_container *check_inventory__add(struct check_inventory *inv, const char *file,
					     int line, const char *kind, const char *name,
					     const char *container)
{
	return inventory__add(inv, file, line, kind, name, container);
}

void check_inventory__truncate(struct check_inventory *inv, size_t n)
{
	inventory__truncate(inv, n);
}

void check_inventory__clear(struct check_inventory *inv)
{
	if (!inv)
		return;
	inventory__truncate(inv, 0);
	free(inv->v);
	memset(inv, 0, sizeof(*inv));
}

/* The column of the item cap_line points at (the first naming each capability), for reports. */
static void names__cols(struct check_container *c, const struct ydoc_node *list)
{
	for (size_t i = 0; list && list->type == YDOC_SEQ && i < list->n; i++) {
		const struct ydoc_node *item = list->items[i];
		capset_t one = 0;

		if (caps__add_name(&one, item->value))
			continue;
		for (int cap = 0; cap < 64; cap++)
			if (caps__has(one, cap) && !c->cap_col[cap] && c->cap_line[cap] == item->line)
				c->cap_col[cap] = item->col;
	}
}

/* Adds the names of a list to *set; with lines, remembers where each was granted. */
static int names__add(struct doc_ctx *d, struct check_container *c,
		      const struct ydoc_node *list, const char *field, capset_t *set,
		      bool lines)
{
	const struct ydoc_node *bad;

	if (!ydoc__caps(list, set, lines ? c->cap_line : NULL, &bad)) {
		if (lines)
			names__cols(c, list);
		return 0;
	}
	if (bad == list)
		return ydoc_where__fail(&d->where, list->line,
					"%s of %s/%s container %s must be a list of capability names",
					field, c->kind, c->name, c->container);
	return ydoc_where__fail(&d->where, bad->line,
				"unknown capability '%s' in %s of %s/%s container %s; use a name from capabilities(7), e.g. NET_BIND_SERVICE",
				ydoc__text(bad) ?: "(not a name)", field, c->kind, c->name,
				c->container);
}

/*
 * containerd drops "CAP_" + the name as written (CRI-O keeps a CAP_ the
 * name has, yet misses CAP_ALL), so a drop of CAP_ALL, CAP_NET_RAW or
 * " all " drops nothing there: refused, never read as a drop.
 * An add spelled so fails the container's start instead, so adds stay
 * lenient (read as the capability: the strict side).
 */
static int drop__want_bare(struct doc_ctx *d, const struct check_container *c,
			   const struct ydoc_node *list)
{
	for (size_t i = 0; list && list->type == YDOC_SEQ && i < list->n; i++) {
		const struct ydoc_node *item = list->items[i];
		int cap;

		if (item->type != YDOC_SCALAR || caps__name_is_bare(item->value))
			continue;
		cap = caps__parse_name(item->value);
		if (cap == -EINVAL)
			continue; /* unknown: names__add says so */
		return ydoc_where__fail(&d->where, item->line,
					"drop entry '%s' of %s/%s container %s: Kubernetes runtimes add CAP_ themselves and take the name as written, so this drops nothing; write %s",
					item->value, c->kind, c->name, c->container,
					cap == -EDOM ? "ALL" : caps__name(cap));
	}
	return 0;
}

/* true/false as YAML 1.1 spells them (Kubernetes and Compose accept these). */
static int flag__parse(struct doc_ctx *d, const struct check_container *c,
		       const struct ydoc_node *n, const char *field, bool *out)
{
	if (!ydoc__bool(n, out))
		return 0;
	return ydoc_where__fail(&d->where, n->line,
				"%s of %s/%s container %s must be true or false",
				field, c->kind, c->name, c->container);
}

/*
 * privileged: everything; else the runtime's defaults minus drops plus adds
 * (a drop of ALL leaves only the adds).  Names are checked even when
 * privileged, so a typo is caught before someone removes privileged.
 */
static int container__grant(struct doc_ctx *d, struct check_container *c,
			    const struct grant *g)
{
	capset_t add = 0, drop = 0;
	bool privileged;
	int err;

	err = flag__parse(d, c, g->privileged, g->fields->privileged, &privileged);
	if (!err && g->fields->drop_bare)
		err = drop__want_bare(d, c, g->drop);
	if (!err)
		err = names__add(d, c, g->drop, g->fields->drop, &drop, false);
	if (!err)
		err = names__add(d, c, g->add, g->fields->add, &add, true);
	if (err)
		return err;
	/* Docker's defaults, which containerd shares; Podman's are a subset, so
	 * the gate errs on the strict side. */
	if (!privileged) {
		c->caps = (caps__docker_default() & ~drop) | add;
		return 0;
	}
	c->caps = caps__all();
	c->privileged = true;
	for (int cap = 0; cap < 64; cap++) {
		c->cap_line[cap] = g->privileged->line;
		c->cap_col[cap] = g->privileged->col;
	}
	return 0;
}

/* securityContext.{privileged,capabilities.{add,drop}} of one container. */
static int k8s__grant(struct doc_ctx *d, struct check_container *c,
		      const struct ydoc_node *entry)
{
	const struct ydoc_node *sc, *caps;
	struct grant g = { .fields = &k8s_fields };
	int err;

	err = want_map(d, ydoc__get(entry, "securityContext"), "securityContext", entry->line, &sc);
	if (!err)
		err = want_map(d, ydoc__get(sc, "capabilities"), "securityContext.capabilities",
			       entry->line, &caps);
	if (err)
		return err;
	g.privileged = ydoc__get(sc, "privileged");
	g.add = ydoc__get(caps, "add");
	g.drop = ydoc__get(caps, "drop");
	return container__grant(d, c, &g);
}

static int k8s__container(struct doc_ctx *d, const char *kind, const char *name,
			  const char *list, const struct ydoc_node *entry)
{
	struct check_container *c;

	if (entry->type != YDOC_MAP)
		return ydoc_where__fail(&d->where, entry->line,
					"each entry of %s in %s/%s must be a mapping",
					list, kind, name);
	c = inventory__add(d->inv, d->where.file, entry->line, kind, name,
			   ydoc__text(ydoc__get(entry, "name")) ?: UNNAMED);
	if (!c)
		return -ENOMEM;
	c->col = entry->col;
	return k8s__grant(d, c, entry);
}

/* The shapes of the built-in workloads' pod templates: a document with
 * one and no apiVersion or kind is a workload missing them. */
static const char *const generic_pod_paths[][6] = {
	{ "spec", "template", "spec" },
	{ "spec", "jobTemplate", "spec", "template", "spec" },
};

/* A map with a containers or initContainers list: a pod spec. */
static bool k8s__looks_like_pod_spec(const struct ydoc_node *n)
{
	const struct ydoc_node *c = ydoc__get(n, "containers");
	const struct ydoc_node *i = ydoc__get(n, "initContainers");

	return n && n->type == YDOC_MAP && ((c && c->type == YDOC_SEQ) ||
					    (i && i->type == YDOC_SEQ));
}

/* The pod spec of an object of a kind capdiet does not know, if it has one. */
static const struct ydoc_node *k8s__generic_pod_spec(const struct ydoc_node *obj)
{
	for (size_t i = 0; i < sizeof(generic_pod_paths) / sizeof(generic_pod_paths[0]); i++) {
		const struct ydoc_node *node = obj;

		for (size_t j = 0; j < 6 && generic_pod_paths[i][j] && node; j++)
			node = ydoc__get(node, generic_pod_paths[i][j]);
		if (k8s__looks_like_pod_spec(node))
			return node;
	}
	return NULL;
}

/*
 * The groups of the built-in workloads: a Job of batch.volcano.sh is not
 * batch's.  No apiVersion at all is read as built-in: kubectl applies no
 * such object, and the built-in reading names a wrong type where it is.
 */
static bool k8s__builtin_api(const char *api)
{
	static const char *const groups[] = { "apps/", "batch/", "extensions/" };

	if (!api || !strcmp(api, "v1"))
		return true;
	for (size_t i = 0; api && i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strncmp(api, groups[i], strlen(groups[i])))
			return true;
	return false;
}

/* Where a built-in workload keeps its pod spec; NULL for any other object. */
static const struct k8s_kind *k8s__pod_path(const char *api, const char *kind)
{
	return k8s__builtin_api(api) ? k8s_kind__find(kind) : NULL;
}

/* The pod spec of a built-in workload; *spec NULL when it has none. */
static int k8s__pod_spec(struct doc_ctx *d, const struct ydoc_node *obj,
			 const struct k8s_kind *p, const struct ydoc_node **spec)
{
	const struct ydoc_node *node = obj;

	*spec = NULL;
	for (size_t i = 0; i < 6 && p->path[i] && node; i++) {
		int err = want_map(d, ydoc__get(node, p->path[i]), p->path[i], node->line, &node);

		if (err)
			return err;
	}
	*spec = node;
	return 0;
}

static int k8s__containers(struct doc_ctx *d, const char *kind, const char *name,
			   const struct ydoc_node *spec, const char *list)
{
	const struct ydoc_node *seq = ydoc__get(spec, list);
	int err = 0;

	if (ydoc__is_null(seq))
		return 0;
	if (seq->type != YDOC_SEQ)
		return ydoc_where__fail(&d->where, seq->line,
					"%s of %s/%s must be a list", list, kind, name);
	for (size_t i = 0; i < seq->n && !err; i++)
		err = k8s__container(d, kind, name, list, seq->items[i]);
	return err;
}

static int k8s__object(struct doc_ctx *d, const struct ydoc_node *obj, int nesting);

static int k8s__list(struct doc_ctx *d, const struct ydoc_node *obj, int nesting)
{
	const struct ydoc_node *items = ydoc__get(obj, "items");
	int err = 0;

	if (nesting >= MAX_LIST_NESTING)
		return ydoc_where__fail(&d->where, obj->line,
					"Lists nested more than %d deep", MAX_LIST_NESTING);
	if (ydoc__is_null(items))
		return 0;
	if (items->type != YDOC_SEQ)
		return ydoc_where__fail(&d->where, items->line, "items of a List must be a list");
	for (size_t i = 0; i < items->n && !err; i++) {
		if (items->items[i]->type != YDOC_MAP)
			return ydoc_where__fail(&d->where, items->items[i]->line,
						"each item of a List must be a mapping");
		err = k8s__object(d, items->items[i], nesting + 1);
	}
	return err;
}

static int k8s__builtin(struct doc_ctx *d, const struct ydoc_node *obj,
			const struct k8s_kind *p, const char *name)
{
	static const char *const lists[] = { "containers", "initContainers", "ephemeralContainers" };
	const struct ydoc_node *spec;
	int err = k8s__pod_spec(d, obj, p, &spec);

	for (size_t i = 0; !err && spec && i < sizeof(lists) / sizeof(lists[0]); i++)
		err = k8s__containers(d, p->kind, name, spec, lists[i]);
	return err;
}

/* Any other object (a custom resource): whatever in it can be a container. */
static int k8s__custom(struct doc_ctx *d, const struct ydoc_node *obj, const char *kind,
		       const char *name)
{
	struct check_found found = { 0 };
	int err = check_custom__find(obj, &found);

	for (size_t i = 0; !err && i < found.n; i++)
		err = k8s__container(d, kind, name, "containers", found.v[i]);
	check_found__clear(&found);
	return err;
}

/* No kind: nothing tells what its containers are, so one that has any is refused. */
static int k8s__kindless(struct doc_ctx *d, const struct ydoc_node *obj)
{
	struct check_found found = { 0 };
	int err = check_custom__find(obj, &found);

	if (!err && found.n)
		err = ydoc_where__fail(&d->where, obj->line, "an object without kind, with a "
				       "container at line %d: add kind (and apiVersion) so it "
				       "can be checked", found.v[0]->line);
	check_found__clear(&found);
	return err;
}

/* kubectl get -o yaml writes List; the API, DeploymentList and kin. */
static bool k8s__is_list(const char *kind)
{
	size_t len = strlen(kind);

	return len >= 4 && !strcmp(kind + len - 4, "List");
}

/* Built-in kinds by their paths; anything else, a List's items too, searched whole. */
static int k8s__object(struct doc_ctx *d, const struct ydoc_node *obj, int nesting)
{
	const char *kind = ydoc__text(ydoc__get(obj, "kind"));
	const char *api = ydoc__text(ydoc__get(obj, "apiVersion"));
	const struct k8s_kind *p;
	const char *name;
	size_t first = d->inv->n;
	int err;

	if (!kind)
		return k8s__kindless(d, obj);
	if (k8s__builtin_api(api) && k8s__is_list(kind))
		return k8s__list(d, obj, nesting);
	name = ydoc__text(ydoc__get(ydoc__get(obj, "metadata"), "name")) ?: UNNAMED;
	p = k8s__pod_path(api, kind);
	err = p ? k8s__builtin(d, obj, p, name) : k8s__custom(d, obj, kind, name);
	if (!err && d->inv->n > first)
		err = check_inline__k8s(&d->where, d->inv, first, obj);
	return err;
}

/* Compose's extends and merge rules decide what a service gets (check_compose.c). */
static int compose__file(struct doc_ctx *d, const struct ydoc_node *services)
{
	return check_compose__document(d->inv, &d->where, services);
}

/* An OCI bundle is named after its directory: "web" for web/config.json. */
static int bundle__name(const char *file, char *out, size_t len)
{
	char *copy = strdup(file), *dir, resolved[PATH_MAX];
	const char *base;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	base = basename(dir);
	if ((!strcmp(base, ".") || !strcmp(base, "..") || !strcmp(base, "/")) &&
	    realpath(dir, resolved))
		base = basename(resolved);
	snprintf(out, len, "%s", *base ? base : "/");
	free(copy);
	return 0;
}

static int oci__file(struct doc_ctx *d, const struct ydoc_node *root)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable",
					    "permitted", "ambient" };
	const struct ydoc_node *process, *caps;
	struct check_container *c;
	char name[NAME_MAX + 1];
	int err;

	err = want_map(d, ydoc__get(root, "process"), "process", root->line, &process);
	if (!err)
		err = want_map(d, ydoc__get(process, "capabilities"), "process.capabilities",
			       root->line, &caps);
	if (!err)
		err = bundle__name(d->where.file, name, sizeof(name));
	if (err)
		return err;
	c = inventory__add(d->inv, d->where.file, caps ? caps->line : root->line, "oci", name, name);
	if (!c)
		return -ENOMEM;
	c->col = caps ? caps->col : root->col;
	/* The union: what the process has or can raise or pass on. */
	for (size_t i = 0; !err && i < sizeof(sets) / sizeof(sets[0]); i++)
		err = names__add(d, c, ydoc__get(caps, sets[i]), sets[i], &c->caps, true);
	return err;
}

/* A profile is read by the profile module; its caps list like any container's. */
static int check__profile(struct doc_ctx *d, const struct ydoc_node *root)
{
	struct profile_head head;
	struct check_container *c;
	const char *name;
	int err = profile__read_head(root, &d->where, &head);

	if (err)
		return err;
	name = head.name ? head.name : UNNAMED;
	c = inventory__add(d->inv, d->where.file, head.caps->line, "Profile", name, name);
	if (!c)
		return -ENOMEM;
	c->col = head.caps->col;
	return names__add(d, c, head.caps, "caps", &c->caps, true);
}

enum doc_kind { DOC_PROFILE, DOC_K8S, DOC_OCI, DOC_COMPOSE, DOC_KINDS };

static const char *const doc_kind_names[DOC_KINDS] = {
	"capdiet profile (capdiet_profile:)", "Kubernetes object (apiVersion:/kind:)",
	"OCI config (ociVersion:/process.capabilities)", "Compose file (services:)",
};

/* Every kind whose keys the document has, as bits of enum doc_kind. */
static unsigned int doc__kinds(const struct ydoc_node *root)
{
	const struct ydoc_node *services = ydoc__get(root, "services");
	unsigned int kinds = 0;

	if (profile__is_document(root))
		kinds |= 1u << DOC_PROFILE;
	if (ydoc__get(root, "apiVersion") || ydoc__get(root, "kind"))
		kinds |= 1u << DOC_K8S;
	if (ydoc__get(root, "ociVersion") || ydoc__get(ydoc__get(root, "process"), "capabilities"))
		kinds |= 1u << DOC_OCI;
	if (services && (services->type == YDOC_MAP || ydoc__is_null(services)))
		kinds |= 1u << DOC_COMPOSE;
	return kinds;
}

/*
 * A document that could be read as two kinds is refused: which one wins
 * must never be the author's choice (a Deployment with a profile's keys
 * would be judged by its lenient caps: list).  One that is none of them
 * yet holds a pod spec is a workload missing its kind, not a CI config.
 */
static int check__ambiguous(struct doc_ctx *d, const struct ydoc_node *root, unsigned int kinds)
{
	if (kinds & (kinds - 1)) {
		int a = __builtin_ctz(kinds), b = __builtin_ctz(kinds & (kinds - 1));

		return ydoc_where__fail(&d->where, root->line, "this document has the keys of a %s "
					"and of a %s: refusing to guess which it is; split it or "
					"remove the other's keys", doc_kind_names[a], doc_kind_names[b]);
	}
	return ydoc_where__fail(&d->where, root->line, "a pod spec (spec...containers) "
				"without apiVersion and kind: add them so it can be checked");
}

/* Tells the type by content; anything else (ConfigMap, CI config) is skipped. */
static int check__document(struct doc_ctx *d, const struct ydoc_node *root)
{
	const struct ydoc_node *services = ydoc__get(root, "services");
	unsigned int kinds;

	if (!root || root->type != YDOC_MAP)
		return 0;
	kinds = doc__kinds(root);
	if (!kinds && !k8s__looks_like_pod_spec(ydoc__get(root, "spec")) &&
	    !k8s__generic_pod_spec(root))
		return 0;
	if (d->inv->k8s_only && !(kinds & (1u << DOC_K8S)))
		return 0; /* beside a render, what kubectl apply -f would not apply */
	if (check_tags__fit(root, &d->where))
		return -EINVAL;
	if (!kinds || (kinds & (kinds - 1)))
		return check__ambiguous(d, root, kinds);
	if (kinds & (1u << DOC_PROFILE))
		return check__profile(d, root);
	if (kinds & (1u << DOC_K8S))
		return k8s__object(d, root, 0);
	if (kinds & (1u << DOC_OCI))
		return oci__file(d, root);
	return compose__file(d, services->type == YDOC_MAP ? services : NULL);
}

static int check__each_document(const struct ydoc_node *root, void *ctx)
{
	return check__document(ctx, root);
}

/* One document at a time, so a long multi-document file is read in the
 * memory of its largest document; the node limit is per document too. */
int check__parse_buffer(struct check_inventory *inv, const char *buf, size_t len,
			const char *file, char *err, size_t err_len)
{
	struct doc_ctx d = { .inv = inv, .where = { file, err, err_len } };
	size_t start = inv->n;
	int rc = ydoc__load_each(buf, len, YDOC_NO_BINARY,
				 inv->max_nodes ? inv->max_nodes : YDOC_MAX_NODES,
				 &d.where, check__each_document, &d);

	if (rc == -E2BIG && err && err_len) /* too large, or a billion laughs: how to allow more */
		snprintf(err + strlen(err), err_len - strlen(err), "; if it is genuine, raise "
			 "the limit with --max-nodes N");
	if (rc)
		inventory__truncate(inv, start);
	return rc == -E2BIG ? -EINVAL : rc;
}
