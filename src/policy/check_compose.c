// SPDX-License-Identifier: MIT
/*
 * Compose's merge, for what decides a service's capabilities: privileged,
 * cap_add and cap_drop.  A service is merged from every definition that
 * makes it (an extends base, then the service itself; an earlier -f file,
 * then a later one) as the Compose specification's merge rules say:
 * a later scalar replaces an earlier one, sequences of unique values are
 * unioned, `!reset` removes what came before and `!override` replaces it.
 * Each list keeps its nodes and their files, so a capability is reported
 * where it was granted, in whichever file that was.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check_compose.h"
#include "capdiet/policy/check_exceptions.h"
#include "check_doc.h"

#define KIND "compose"
#define TAG_RESET "!reset"
#define TAG_OVERRIDE "!override"

/* A node and the file it was read from. */
struct src {
	const struct ydoc_node *node;
	const char *file;
};

struct src_list {
	struct src *v;
	size_t n, alloc;
};

/* One service as merged so far: only what decides its capabilities. */
struct svc {
	const char *name;
	struct src key;            /* where it is reported: its first definition */
	struct src privileged;     /* the privileged: that decides; node NULL: none */
	struct src_list add, drop; /* cap_add and cap_drop lists, in merge order */
	struct src_list defs;      /* every definition merged in, for its labels */
	bool removed;              /* !reset on the whole service */
};

struct project {
	struct svc *v;
	size_t n, alloc;
};

/* A file of the project: path as shown, real for identity (cycles). */
struct cfile {
	char *path, *real;
	struct ydoc *tree;                 /* NULL: check.c's document, not ours */
	const struct ydoc_node *services;  /* where extends looks for a base */
};

/* A service on the way down an extends chain. */
struct link {
	const struct cfile *file;
	const char *name;
};

struct ctx {
	struct cfile **files;      /* pointers: a cfile never moves once made */
	size_t n_files, alloc_files;
	struct link chain[CHECK_COMPOSE_MAX_EXTENDS];
	size_t depth;
	char *err;
	size_t err_len;
	size_t max_nodes;          /* a document's limit (--max-nodes) */
};

static int fail(struct ctx *c, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, const char *file, int line, const char *fmt, ...)
{
	struct ydoc_where where = { file, c->err, c->err_len };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ydoc_where__fail(&where, line, "%s", msg);
}

static int grow(void **v, size_t *alloc, size_t need, size_t elem)
{
	size_t n = *alloc ? *alloc * 2 : 4;
	void *p;

	if (need <= *alloc)
		return 0;
	while (n < need)
		n *= 2;
	p = reallocarray(*v, n, elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*alloc = n;
	return 0;
}

static bool tagged(const struct ydoc_node *n, const char *tag)
{
	return n && n->tag && !strcmp(n->tag, tag);
}

static int list__add(struct src_list *l, const struct ydoc_node *node, const char *file)
{
	if (grow((void **)&l->v, &l->alloc, l->n + 1, sizeof(*l->v)))
		return -ENOMEM;
	l->v[l->n++] = (struct src){ node, file };
	return 0;
}

static int list__append(struct src_list *to, const struct src_list *from)
{
	int rc = 0;

	for (size_t i = 0; i < from->n && !rc; i++)
		rc = list__add(to, from->v[i].node, from->v[i].file);
	return rc;
}

/* Forgets every attribute; the service keeps its name and place. */
static void svc__reset(struct svc *s)
{
	s->privileged = (struct src){ 0 };
	s->add.n = s->drop.n = s->defs.n = 0;
}

static void svc__free(struct svc *s)
{
	free(s->add.v);
	free(s->drop.v);
	free(s->defs.v);
	memset(s, 0, sizeof(*s));
}

/* cap_add or cap_drop of one definition onto what was merged before. */
static int attr__list(struct src_list *l, const struct ydoc_node *node, const char *file)
{
	if (!node)
		return 0;
	if (tagged(node, TAG_RESET) || tagged(node, TAG_OVERRIDE))
		l->n = 0; /* !reset: none; !override: only this one */
	if (tagged(node, TAG_RESET) || ydoc__is_null(node))
		return 0;
	return list__add(l, node, file);
}

/* One definition of a service on top of what s holds. */
static int svc__apply(struct ctx *c, struct svc *s, const struct ydoc_node *def,
		      const char *file)
{
	const struct ydoc_node *p;
	int rc;

	if (ydoc__is_null(def))
		return 0;
	if (def->type != YDOC_MAP)
		return fail(c, file, def->line, "service %s must be a mapping", s->name);
	if (tagged(def, TAG_OVERRIDE))
		svc__reset(s);
	p = ydoc__get(def, "privileged");
	if (p)
		s->privileged = tagged(p, TAG_RESET) ? (struct src){ 0 } : (struct src){ p, file };
	rc = attr__list(&s->add, ydoc__get(def, "cap_add"), file);
	if (!rc)
		rc = attr__list(&s->drop, ydoc__get(def, "cap_drop"), file);
	return rc ? rc : list__add(&s->defs, def, file);
}

static struct cfile *ctx__find(const struct ctx *c, const char *real)
{
	for (size_t i = 0; i < c->n_files; i++)
		if (!strcmp(c->files[i]->real, real))
			return c->files[i];
	return NULL;
}

/* Registers a file; tree (may be NULL) is the ctx's from now on. */
static int ctx__add(struct ctx *c, const char *path, const char *real, struct ydoc *tree,
		    const struct ydoc_node *services, struct cfile **out)
{
	struct cfile *f = calloc(1, sizeof(*f));

	if (!f || grow((void **)&c->files, &c->alloc_files, c->n_files + 1, sizeof(*c->files))) {
		free(f);
		ydoc__free(tree);
		return -ENOMEM;
	}
	c->files[c->n_files++] = f;
	f->tree = tree;
	f->services = services;
	f->path = strdup(path);
	f->real = strdup(real);
	*out = f;
	return f->path && f->real ? 0 : -ENOMEM;
}

static void ctx__free(struct ctx *c)
{
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i]->path);
		free(c->files[i]->real);
		ydoc__free(c->files[i]->tree);
		free(c->files[i]);
	}
	free(c->files);
}

/* The services mapping of a file: its first document that has one. */
static const struct ydoc_node *tree__services(const struct ydoc *t)
{
	for (size_t i = 0; i < t->n_docs; i++) {
		const struct ydoc_node *s = ydoc__get(t->docs[i].root, "services");

		if (s && s->type == YDOC_MAP)
			return s;
	}
	return NULL;
}

/* Only the tags every reader reads alike (check_tags.c), in every document. */
static int tree__tags_fit(struct ctx *c, const char *path, const struct ydoc *t)
{
	struct ydoc_where where = { path, c->err, c->err_len };
	int rc = 0;

	for (size_t i = 0; !rc && i < t->n_docs; i++)
		rc = check_tags__fit(t->docs[i].root, &where);
	return rc;
}

/* Reads and parses path once per project (the same file by another name too). */
static int ctx__load(struct ctx *c, const char *path, struct cfile **out)
{
	char resolved[PATH_MAX], *buf = NULL;
	const char *real = realpath(path, resolved) ? resolved : path;
	struct ydoc *tree = NULL;
	struct ydoc_error ye;
	size_t len = 0;
	int rc;

	*out = ctx__find(c, real);
	if (*out)
		return 0;
	if (c->n_files >= CHECK_COMPOSE_MAX_FILES)
		return fail(c, path, 0, "more than %d Compose files in one project (extends included)",
			    CHECK_COMPOSE_MAX_FILES);
	rc = check__read_file(path, &buf, &len, c->err, c->err_len);
	if (rc)
		return rc;
	rc = ydoc__parse_max(buf, len, YDOC_NO_BINARY, c->max_nodes, &tree, &ye);
	free(buf);
	if (rc && rc != -ENOMEM)
		return fail(c, path, ye.line, "%s", ye.msg);
	if (!rc && tree__tags_fit(c, path, tree)) {
		ydoc__free(tree);
		return -EINVAL;
	}
	return rc ? rc : ctx__add(c, path, real, tree, tree__services(tree), out);
}

/* name beside the file from ("<stdin>": in the current directory). */
static char *path__beside(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	char *out;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&out, "%.*s/%s", (int)(slash - from), from, name) < 0)
		return NULL;
	return out;
}

/* extends: NAME, or {service: NAME, file: FILE}; *path NULL: this file. */
static int extends__parse(struct ctx *c, const struct cfile *f, const char *name,
			  const struct ydoc_node *ext, int line, const char **service,
			  const char **path)
{
	const struct ydoc_node *s = ydoc__get(ext, "service"), *file = ydoc__get(ext, "file");

	*path = NULL;
	*service = ydoc__text(ext);
	if (*service)
		return 0;
	*service = ydoc__text(s);
	if (ext->type == YDOC_MAP && *service && (!file || ydoc__text(file))) {
		*path = ydoc__text(file);
		return 0;
	}
	return fail(c, f->path, line,
		    "extends of service %s must be a service name or {service: NAME, file: FILE}",
		    name);
}

/* The file an extends names, relative to the extending file. */
static int extends__file(struct ctx *c, const struct cfile *f, const char *name, int line,
			 const char *path, const struct cfile **out)
{
	char *full = path__beside(f->path, path), why[768];
	struct cfile *base = NULL;
	int rc;

	if (!full)
		return -ENOMEM;
	rc = ctx__load(c, full, &base);
	free(full);
	*out = base;
	if (!rc || rc == -ENOMEM)
		return rc;
	snprintf(why, sizeof(why), "%s", c->err ? c->err : "");
	return fail(c, f->path, line, "service %s extends a service of %s: %s", name, path, why);
}

/* The line of key in map: where an error about its value is clearest. */
static int key__line(const struct ydoc_node *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (ydoc__is(ydoc__key(map, i), key))
			return ydoc__key(map, i)->line;
	return map->line;
}

static const struct ydoc_node *services__key(const struct ydoc_node *services, const char *name)
{
	for (size_t i = 0; services && i < services->n; i++)
		if (ydoc__is(ydoc__key(services, i), name))
			return ydoc__key(services, i);
	return NULL;
}

/* "a.yml service web -> b.yml service base -> a.yml service web". */
static int extends__cycle(struct ctx *c, const struct cfile *f, int line,
			  const struct cfile *base, const char *base_name)
{
	char chain[768] = "";
	size_t n = 0;

	for (size_t i = 0; i < c->depth && n < sizeof(chain); i++)
		n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%s service %s -> ",
				      c->chain[i].file->path, c->chain[i].name);
	if (n < sizeof(chain))
		snprintf(chain + n, sizeof(chain) - n, "%s service %s", base->path, base_name);
	return fail(c, f->path, line, "extends cycle: %s; a service cannot extend itself",
		    chain);
}

static bool chain__has(const struct ctx *c, const struct cfile *f, const char *name)
{
	for (size_t i = 0; i < c->depth; i++)
		if (!strcmp(c->chain[i].file->real, f->real) && !strcmp(c->chain[i].name, name))
			return true;
	return false;
}

static int svc__resolve(struct ctx *c, const struct cfile *f, const struct ydoc_node *key,
			const struct ydoc_node *def, struct svc *out);

/* The base an extends names, resolved into out (its own extends first). */
static int svc__extend(struct ctx *c, const struct cfile *f, const char *name,
		       const struct ydoc_node *ext, int line, struct svc *out)
{
	const struct cfile *base = f;
	const struct ydoc_node *base_key;
	const char *base_name, *path;
	int rc = extends__parse(c, f, name, ext, line, &base_name, &path);

	if (!rc && path)
		rc = extends__file(c, f, name, line, path, &base);
	if (rc)
		return rc;
	base_key = services__key(base->services, base_name);
	if (!base_key)
		return fail(c, f->path, line, "service %s extends service %s, which %s does not define",
			    name, base_name, base->path);
	if (c->depth >= CHECK_COMPOSE_MAX_EXTENDS)
		return fail(c, f->path, line, "extends chain longer than %d services",
			    CHECK_COMPOSE_MAX_EXTENDS);
	c->chain[c->depth++] = (struct link){ f, name };
	if (chain__has(c, base, base_name))
		rc = extends__cycle(c, f, line, base, base_name);
	else
		rc = svc__resolve(c, base, base_key, ydoc__get(base->services, base_name), out);
	c->depth--;
	return rc;
}

/* One definition of f, its extends resolved: what the file says the service is. */
static int svc__resolve(struct ctx *c, const struct cfile *f, const struct ydoc_node *key,
			const struct ydoc_node *def, struct svc *out)
{
	const struct ydoc_node *ext = ydoc__get(def, "extends");
	int rc = 0;

	if (key->type != YDOC_SCALAR)
		return fail(c, f->path, key->line, "a service name must be a string");
	if (!ydoc__is_null(ext))
		rc = svc__extend(c, f, key->value, ext, key__line(def, "extends"), out);
	out->name = key->value;
	out->key = (struct src){ key, f->path };
	out->removed = false;
	return rc ? rc : svc__apply(c, out, def, f->path);
}

static struct svc *project__find(const struct project *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

/* A later file's definition (def, resolved into r) onto the service so far. */
static int svc__merge(struct svc *have, const struct svc *r, const struct ydoc_node *def)
{
	const struct ydoc_node *add = ydoc__get(def, "cap_add"), *drop = ydoc__get(def, "cap_drop");
	int rc;

	if (tagged(def, TAG_OVERRIDE))
		svc__reset(have);
	if (tagged(add, TAG_RESET) || tagged(add, TAG_OVERRIDE))
		have->add.n = 0;
	if (tagged(drop, TAG_RESET) || tagged(drop, TAG_OVERRIDE))
		have->drop.n = 0;
	if (tagged(ydoc__get(def, "privileged"), TAG_RESET) || r->privileged.node)
		have->privileged = r->privileged;
	rc = list__append(&have->add, &r->add);
	if (!rc)
		rc = list__append(&have->drop, &r->drop);
	return rc ? rc : list__append(&have->defs, &r->defs);
}

static int project__merge_one(struct ctx *c, struct project *p, const struct cfile *f,
			      const struct ydoc_node *key, const struct ydoc_node *def)
{
	struct svc *have = key->type == YDOC_SCALAR ? project__find(p, key->value) : NULL;
	struct svc r = { 0 };
	int rc;

	if (tagged(def, TAG_RESET)) {
		if (have) {
			svc__reset(have);
			have->removed = true; /* a later file may define it anew */
		}
		return 0;
	}
	rc = svc__resolve(c, f, key, def, &r);
	if (!rc && have && !have->removed)
		rc = svc__merge(have, &r, def);
	else if (!rc && have) {
		svc__free(have);
		*have = r;
		return 0;
	} else if (!rc) {
		if (grow((void **)&p->v, &p->alloc, p->n + 1, sizeof(*p->v)))
			rc = -ENOMEM;
		else {
			p->v[p->n++] = r;
			return 0;
		}
	}
	svc__free(&r);
	return rc;
}

static int project__merge(struct ctx *c, struct project *p, const struct cfile *f,
			  const struct ydoc_node *services)
{
	int rc = 0;

	for (size_t i = 0; services && i < services->n && !rc; i++)
		rc = project__merge_one(c, p, f, ydoc__key(services, i), ydoc__value(services, i));
	return rc;
}

static void project__free(struct project *p)
{
	for (size_t i = 0; i < p->n; i++)
		svc__free(&p->v[i]);
	free(p->v);
}

/* The column of the item of seq on line (flow lists: the first on it). */
static int item__col(const struct ydoc_node *seq, int line)
{
	for (size_t i = 0; seq->type == YDOC_SEQ && i < seq->n; i++)
		if (seq->items[i]->line == line)
			return seq->items[i]->col;
	return 0;
}

/* Where cap was granted; a file other than the container's is kept with it. */
static int grant__where(struct check_container *ct, int cap, int line, int col, const char *file)
{
	ct->cap_line[cap] = line;
	ct->cap_col[cap] = col;
	if (ct->cap_file)
		free(ct->cap_file[cap]);
	if (!strcmp(file, ct->file)) {
		if (ct->cap_file)
			ct->cap_file[cap] = NULL;
		return 0;
	}
	if (!ct->cap_file && !(ct->cap_file = calloc(64, sizeof(*ct->cap_file))))
		return -ENOMEM;
	ct->cap_file[cap] = strdup(file);
	return ct->cap_file[cap] ? 0 : -ENOMEM;
}

/* One cap_add or cap_drop list into *set; with ct, where each new capability came from. */
static int grant__names(struct ctx *c, const struct svc *s, const struct src *list,
			const char *field, capset_t *set, struct check_container *ct)
{
	const struct ydoc_node *bad = NULL;
	int lines[64] = { 0 }, rc;
	capset_t one = 0;

	rc = ydoc__caps(list->node, &one, lines, &bad);
	if (rc && bad == list->node)
		return fail(c, list->file, bad->line,
			    "%s of " KIND "/%s container %s must be a list of capability names",
			    field, s->name, s->name);
	if (rc)
		return fail(c, list->file, bad->line,
			    "unknown capability '%s' in %s of " KIND "/%s container %s; use a name from capabilities(7), e.g. NET_BIND_SERVICE",
			    ydoc__text(bad) ?: "(not a name)", field, s->name, s->name);
	for (int cap = 0; ct && cap < 64 && !rc; cap++)
		if (caps__has(one, cap) && !caps__has(*set, cap))
			rc = grant__where(ct, cap, lines[cap], item__col(list->node, lines[cap]),
					  list->file);
	*set |= one;
	return rc;
}

/* privileged: true: every capability, all at that line. */
static int grant__privileged(struct ctx *c, const struct svc *s, struct check_container *ct)
{
	const struct src *p = &s->privileged;
	bool on = false;
	int rc = 0;

	if (p->node && ydoc__bool(p->node, &on))
		return fail(c, p->file, p->node->line,
			    "privileged of " KIND "/%s container %s must be true or false",
			    s->name, s->name);
	if (!on)
		return 0;
	ct->caps = caps__all();
	ct->privileged = true;
	for (int cap = 0; cap < 64 && !rc; cap++)
		rc = grant__where(ct, cap, p->node->line, p->node->col, p->file);
	return rc;
}

/* Labels merge key by key: the last definition that has the allow label decides. */
static bool def__has_allow(const struct ydoc_node *def)
{
	static const char prefix[] = CHECK_ALLOW_ANNOTATION "=";
	const struct ydoc_node *labels = ydoc__get(def, "labels");

	if (labels && labels->type == YDOC_MAP)
		return ydoc__get(labels, CHECK_ALLOW_ANNOTATION) != NULL;
	for (size_t i = 0; labels && labels->type == YDOC_SEQ && i < labels->n; i++)
		if (labels->items[i]->type == YDOC_SCALAR &&
		    !strncmp(labels->items[i]->value, prefix, strlen(prefix)))
			return true;
	return false;
}

static int svc__inline(struct ctx *c, const struct svc *s, struct check_container *ct)
{
	for (size_t i = s->defs.n; i-- > 0;) {
		if (def__has_allow(s->defs.v[i].node)) {
			struct ydoc_where where = { s->defs.v[i].file, c->err, c->err_len };

			return check_inline__compose(&where, ct, s->defs.v[i].node);
		}
	}
	return 0;
}

/* The merged service as the gate's container: the runtime's defaults minus
 * drops plus adds, or every capability; names checked either way. */
static int svc__judge(struct ctx *c, const struct svc *s, struct check_inventory *inv)
{
	struct check_container *ct = check_inventory__add(inv, s->key.file, s->key.node->line,
							  KIND, s->name, s->name);
	capset_t add = 0, drop = 0;
	int rc = 0;

	if (!ct)
		return -ENOMEM;
	ct->col = s->key.node->col;
	for (size_t i = 0; i < s->drop.n && !rc; i++)
		rc = grant__names(c, s, &s->drop.v[i], "cap_drop", &drop, NULL);
	for (size_t i = 0; i < s->add.n && !rc; i++)
		rc = grant__names(c, s, &s->add.v[i], "cap_add", &add, ct);
	/* Docker's defaults, which containerd shares; Podman's are a subset. */
	ct->caps = (caps__docker_default() & ~drop) | add;
	if (!rc)
		rc = grant__privileged(c, s, ct);
	return rc ? rc : svc__inline(c, s, ct);
}

static int project__judge(struct ctx *c, const struct project *p, struct check_inventory *inv)
{
	int rc = 0;

	for (size_t i = 0; i < p->n && !rc; i++)
		if (!p->v[i].removed)
			rc = svc__judge(c, &p->v[i], inv);
	return rc;
}

int check_compose__document(struct check_inventory *inv, const struct ydoc_where *where,
			    const struct ydoc_node *services)
{
	struct ctx c = { .err = where->err, .err_len = where->err_len,
			 .max_nodes = inv->max_nodes ? inv->max_nodes : YDOC_MAX_NODES };
	char resolved[PATH_MAX];
	struct project p = { 0 };
	size_t start = inv->n;
	struct cfile *top;
	int rc;

	rc = ctx__add(&c, where->file, realpath(where->file, resolved) ? resolved : where->file,
		      NULL, services, &top);
	if (!rc)
		rc = project__merge(&c, &p, top, services);
	if (!rc)
		rc = project__judge(&c, &p, inv);
	if (rc)
		check_inventory__truncate(inv, start);
	project__free(&p);
	ctx__free(&c);
	return rc;
}

/* A document of a -f file: its services, or NULL; what -f cannot follow is an error. */
static int doc__services(struct ctx *c, const struct cfile *f, const struct ydoc_node *root,
			 const struct ydoc_node **services)
{
	static const char *const other_kinds[] = { "apiVersion", "kind", "ociVersion",
						   "capdiet_profile" };

	*services = ydoc__get(root, "services");
	if (root->type != YDOC_MAP)
		return fail(c, f->path, root->line, "a Compose file must be a mapping");
	if (ydoc__get(root, "include"))
		return fail(c, f->path, ydoc__get(root, "include")->line,
			    "include: is not followed by capdiet check; give the included files with -f too");
	for (size_t i = 0; !*services && i < sizeof(other_kinds) / sizeof(other_kinds[0]); i++)
		if (ydoc__get(root, other_kinds[i]))
			return fail(c, f->path, root->line,
				    "not a Compose file (no services:, but %s:); -f takes Compose files, give other manifests as PATH",
				    other_kinds[i]);
	if (*services && !ydoc__is_null(*services) && (*services)->type != YDOC_MAP)
		return fail(c, f->path, (*services)->line, "services must be a mapping");
	return 0;
}

/* One -f file: each of its documents merged in order. */
static int project__merge_file(struct ctx *c, struct project *p, const char *path)
{
	const struct ydoc_node *services;
	struct cfile *f;
	int rc = ctx__load(c, path, &f);

	for (size_t i = 0; !rc && i < f->tree->n_docs; i++) {
		if (!f->tree->docs[i].root)
			continue;
		rc = doc__services(c, f, f->tree->docs[i].root, &services);
		if (!rc && services && services->type == YDOC_MAP)
			rc = project__merge(c, p, f, services);
	}
	return rc;
}

int check__collect_compose(struct check_inventory *inv, const char *const *files, size_t n,
			   struct strlist *errors)
{
	char err[1024] = "";
	struct ctx c = { .err = err, .err_len = sizeof(err),
			 .max_nodes = inv->max_nodes ? inv->max_nodes : YDOC_MAX_NODES };
	struct project p = { 0 };
	size_t start = inv->n;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = project__merge_file(&c, &p, files[i]);
	if (!rc)
		rc = project__judge(&c, &p, inv);
	if (rc)
		check_inventory__truncate(inv, start);
	else
		inv->files += n;
	project__free(&p);
	ctx__free(&c);
	if (rc == -ENOMEM)
		return rc;
	return rc ? strlist__add(errors, err) : 0;
}
