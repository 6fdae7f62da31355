// SPDX-License-Identifier: MIT
/*
 * Exports that paste straight in: the Kubernetes strategic-merge patch (its
 * shape per kind, the fields the profile allows, "restricted" only when
 * every field that level needs is set), the Compose override file, the
 * Docker flags, and profiles that are incomplete or degraded (--force).
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/core/ydoc.h"
#include "capdiet/policy/export.h"

#define NBS CAPSET_BIT(CAP_NET_BIND_SERVICE)

struct out {
	int rc;
	char *text;
	char err[2048];
	struct ydoc *tree;
	const struct ydoc_node *root;
};

static struct profile *make(capset_t caps, const char *user)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	p->name = strdup("web");
	p->caps = caps;
	p->user = user ? strdup(user) : NULL;
	return p;
}

static void run(struct out *o, const struct profile *p, enum export_format f,
		const struct export_options *opts)
{
	size_t len = 0, n;
	FILE *out = open_memstream(&o->text, &len), *err = tmpfile();
	int saved = dup(STDERR_FILENO);
	struct ydoc_error yerr;

	assert_non_null(out);
	assert_non_null(err);
	fflush(stderr);
	dup2(fileno(err), STDERR_FILENO);
	o->rc = export__write_with(p, f, opts, out);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(out);
	rewind(err);
	n = fread(o->err, 1, sizeof(o->err) - 1, err);
	o->err[n] = '\0';
	fclose(err);
	o->tree = NULL;
	o->root = NULL;
	if (o->rc || f == EXPORT_DOCKER || f == EXPORT_SYSTEMD)
		return;
	if (ydoc__parse(o->text, strlen(o->text), YDOC_ONE_DOCUMENT, &o->tree, &yerr))
		fail_msg("the export is no YAML (line %d: %s):\n%s", yerr.line, yerr.msg, o->text);
	o->root = o->tree->docs[0].root;
}

static void done(struct out *o)
{
	ydoc__free(o->tree);
	free(o->text);
}

static const struct ydoc_node *at(const struct ydoc_node *n, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, n);
	while (n && (k = va_arg(ap, const char *)))
		n = k[0] == '#' ? (n->type == YDOC_SEQ && (size_t)atoi(k + 1) < n->n
				   ? n->items[atoi(k + 1)] : NULL)
				: ydoc__get(n, k);
	va_end(ap);
	return n;
}

static const char *text_at(const struct ydoc_node *n)
{
	if (!n || n->type != YDOC_SCALAR)
		fail_msg("not a scalar");
	return n->value;
}

static const char *joined(const struct ydoc_node *seq)
{
	static char buf[512];

	buf[0] = '\0';
	if (!seq || seq->type != YDOC_SEQ)
		fail_msg("not a sequence");
	for (size_t i = 0; i < seq->n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, text_at(seq->items[i]));
	}
	return buf;
}

/* ---- Kubernetes ---- */

/* The path to the patch's one container, per kind. */
static void test_k8s_patch_per_kind(void **state)
{
	static const struct {
		const char *kind;
		const char *path[6];
	} kinds[] = {
		{ NULL, { "spec", "template", "spec" } }, /* Deployment */
		{ "StatefulSet", { "spec", "template", "spec" } },
		{ "DaemonSet", { "spec", "template", "spec" } },
		{ "Job", { "spec", "template", "spec" } },
		{ "CronJob", { "spec", "jobTemplate", "spec", "template", "spec" } },
		{ "Pod", { "spec" } },
	};
	struct profile *p = make(NBS, NULL);
	struct out o;

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct export_options opts = { .kind = kinds[i].kind, .container = "app" };
		const struct ydoc_node *n;

		run(&o, p, EXPORT_K8S, &opts);
		assert_int_equal(o.rc, 0);
		/* No apiVersion or kind: a strategic-merge patch sets what it holds,
		 * and would turn a StatefulSet into a Deployment.  No metadata: a
		 * patch naming the object would rename it. */
		assert_null(ydoc__get(o.root, "apiVersion"));
		assert_null(ydoc__get(o.root, "kind"));
		assert_null(ydoc__get(o.root, "metadata"));
		assert_int_equal(o.root->n, 1); /* spec alone */
		/* The kind is named in the comment, and so is what is left alone. */
		assert_non_null(strstr(o.text, kinds[i].kind ? kinds[i].kind : "Deployment"));
		assert_non_null(strstr(o.text, "initContainers and the other containers keep"));
		n = o.root;
		for (size_t k = 0; kinds[i].path[k]; k++) {
			n = ydoc__get(n, kinds[i].path[k]);
			assert_non_null(n);
			assert_int_equal(n->n, 1); /* one key on the way */
		}
		n = at(n, "containers", NULL);
		assert_int_equal(n->n, 1);
		assert_string_equal(text_at(at(n, "#0", "name", NULL)), "app");
		assert_string_equal(joined(at(n, "#0", "securityContext", "capabilities", "add",
					      NULL)), "NET_BIND_SERVICE");
		done(&o);
	}
	profile__free(p);
}

/* The securityContext of the patch, for the profile with that user and set. */
static const struct ydoc_node *patch_context(struct out *o, const struct profile *p)
{
	const struct export_options opts = { 0 };

	run(o, p, EXPORT_K8S, &opts);
	assert_int_equal(o->rc, 0);
	return at(o->root, "spec", "template", "spec", "containers", "#0", "securityContext", NULL);
}

/* "restricted" in the comment only when every field that level needs is set. */
static void test_k8s_restricted_only_when_it_is(void **state)
{
	static const struct { capset_t caps; const char *user; bool restricted; } cases[] = {
		{ 0, "nobody", true },
		{ 0, NULL, false },        /* root: no runAsNonRoot */
		{ NBS, NULL, false },
		{ NBS, "nobody", false },  /* needs file capabilities: no allowPrivilegeEscalation */
		{ CAPSET_BIT(CAP_SETUID), "nobody", false },
		{ 0, "0", false },         /* uid 0 is root */
	};
	struct out o;

	(void)state;
	if (!getpwnam("nobody"))
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = make(cases[i].caps, cases[i].user);
		const struct ydoc_node *sc = patch_context(&o, p);
		const struct ydoc_node *ape = ydoc__get(sc, "allowPrivilegeEscalation");
		bool says = strstr(o.text, "fits the Pod Security 'restricted' level\n") != NULL;
		bool has_all = ape && ydoc__is(ape, "false") &&
			       ydoc__is(ydoc__get(sc, "runAsNonRoot"), "true") &&
			       ydoc__is(at(sc, "seccompProfile", "type", NULL), "RuntimeDefault") &&
			       !strcmp(joined(at(sc, "capabilities", "drop", NULL)), "ALL");

		if (says != cases[i].restricted || (says && !has_all))
			fail_msg("case %zu: says restricted %d, has every field %d:\n%s", i, says,
				 has_all, o.text);
		if (!says && !strstr(o.text, "not 'restricted': "))
			fail_msg("case %zu says not why it is not restricted:\n%s", i, o.text);
		/* Any case: privileged is undone, seccomp is the runtime's default. */
		assert_string_equal(text_at(ydoc__get(sc, "privileged")), "false");
		assert_string_equal(text_at(at(sc, "seccompProfile", "type", NULL)), "RuntimeDefault");
		done(&o);
		profile__free(p);
	}
}

static void test_k8s_refuses_what_kubernetes_would(void **state)
{
	static const char *const names[] = { "Web", "web_1", "web.1", "-web", "", "web\nname: x" };
	struct profile *p = make(NBS, NULL);
	struct export_options opts = { 0 };
	struct out o;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		opts.container = names[i];
		run(&o, p, EXPORT_K8S, &opts);
		assert_int_equal(o.rc, -EBADMSG);
		assert_string_equal(o.text, "");
		assert_non_null(strstr(o.err, "--container NAME"));
		done(&o);
	}
	opts.container = NULL;
	opts.kind = "Deployments";
	run(&o, p, EXPORT_K8S, &opts);
	assert_int_equal(o.rc, -EBADMSG);
	assert_non_null(strstr(o.err, "--kind Deployments"));
	done(&o);
	/* The securityContext block names no container: any profile name goes. */
	free(p->name);
	p->name = strdup("Web_1");
	opts.kind = NULL;
	run(&o, p, EXPORT_SECURITY_CONTEXT, &opts);
	assert_int_equal(o.rc, 0);
	assert_non_null(at(o.root, "securityContext", "capabilities", NULL));
	done(&o);
	profile__free(p);
}

/* ---- Compose ---- */

static void test_compose_override(void **state)
{
	struct profile *p = make(NBS | CAPSET_BIT(CAP_CHOWN), NULL);
	struct export_options opts = { 0 };
	const struct ydoc_node *svc;
	struct out o;

	(void)state;
	run(&o, p, EXPORT_COMPOSE, &opts);
	assert_int_equal(o.rc, 0);
	/* !override: Compose would otherwise add the base file's cap_add to this one. */
	assert_non_null(strstr(o.text, "\n    cap_add: !override [CHOWN, NET_BIND_SERVICE]\n"));
	assert_non_null(strstr(o.text, "-f compose.yaml -f capdiet.override.yaml"));
	svc = at(o.root, "services", "web", NULL);
	assert_string_equal(joined(ydoc__get(svc, "cap_drop")), "ALL");
	assert_string_equal(joined(ydoc__get(svc, "cap_add")), "CHOWN,NET_BIND_SERVICE");
	assert_string_equal(text_at(ydoc__get(svc, "privileged")), "false");
	assert_string_equal(joined(ydoc__get(svc, "security_opt")), "no-new-privileges:true");
	assert_null(ydoc__get(svc, "user"));
	done(&o);
	/* Nothing added: the base's list is replaced by an empty one. */
	p->caps = 0;
	p->user = strdup("1000:1000");
	opts.container = "api";
	run(&o, p, EXPORT_COMPOSE, &opts);
	assert_non_null(strstr(o.text, "cap_add: !override []\n"));
	svc = at(o.root, "services", "api", NULL);
	/* user: always quoted, so 1000 stays a string and 1000:1000 no sexagesimal */
	assert_non_null(strstr(o.text, "\n    user: \"1000:1000\"\n"));
	assert_false(ydoc__get(svc, "user")->plain);
	done(&o);
	profile__free(p);
}

static void test_compose_odd_service_name(void **state)
{
	struct profile *p = make(NBS, NULL);
	const struct export_options opts = { .container = "web:\n    privileged: true\n#" };
	const struct ydoc_node *services;
	struct out o;

	(void)state;
	run(&o, p, EXPORT_COMPOSE, &opts);
	assert_int_equal(o.rc, 0);
	services = at(o.root, "services", NULL);
	assert_int_equal(services->n, 1);
	assert_string_equal(text_at(ydoc__key(services, 0)), opts.container);
	assert_string_equal(text_at(at(ydoc__value(services, 0), "privileged", NULL)), "false");
	for (const char *l = o.text; *l && *l != 's'; l = strchr(l, '\n') + 1)
		assert_int_equal(*l, '#'); /* the comments stay comments */
	done(&o);
	profile__free(p);
}

/* ---- Docker ---- */

static void test_docker_user(void **state)
{
	struct profile *p = make(0, "www-data:adm");
	struct out o;

	(void)state;
	run(&o, p, EXPORT_DOCKER, &(struct export_options){ 0 });
	assert_string_equal(o.text, "--cap-drop=ALL --user=www-data:adm "
				    "--security-opt=no-new-privileges\n");
	done(&o);
	/* What the shell would split or a terminal would run is refused. */
	free(p->user);
	p->user = strdup("www-data --privileged");
	run(&o, p, EXPORT_DOCKER, &(struct export_options){ 0 });
	assert_int_equal(o.rc, -EBADMSG);
	assert_string_equal(o.text, "");
	assert_non_null(strstr(o.err, "cannot be written as --user"));
	done(&o);
	profile__free(p);
}

/* ---- incomplete and degraded profiles ---- */

static void test_force(void **state)
{
	static const enum export_format formats[] = {
		EXPORT_DOCKER, EXPORT_COMPOSE, EXPORT_K8S, EXPORT_SYSTEMD, EXPORT_KYVERNO,
	};
	struct profile *p = make(NBS, NULL);
	struct export_options opts = { .selector = "app=web" };
	struct out o;

	(void)state;
	for (int doubt = 0; doubt < 2; doubt++) {
		p->complete = doubt != 0;
		p->degraded = doubt != 0;
		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
			opts.force = false;
			opts.selector = formats[i] == EXPORT_KYVERNO ? "app=web" : NULL;
			run(&o, p, formats[i], &opts);
			assert_int_equal(o.rc, -EBADMSG);
			assert_string_equal(o.text, "");
			assert_non_null(strstr(o.err, doubt ? "is degraded" : "is incomplete"));
			assert_non_null(strstr(o.err, "--force"));
			done(&o);
			opts.force = true;
			run(&o, p, formats[i], &opts);
			assert_int_equal(o.rc, 0);
			assert_non_null(strstr(o.err, "(--force)"));
			/* Docker's stdout is one line of flags; the rest say it in a comment. */
			assert_int_equal(strstr(o.text, "# WARNING: exported with --force") != NULL,
					 formats[i] != EXPORT_DOCKER);
			done(&o);
		}
	}
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_k8s_patch_per_kind),
		cmocka_unit_test(test_k8s_restricted_only_when_it_is),
		cmocka_unit_test(test_k8s_refuses_what_kubernetes_would),
		cmocka_unit_test(test_compose_override),
		cmocka_unit_test(test_compose_odd_service_name),
		cmocka_unit_test(test_docker_user),
		cmocka_unit_test(test_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
