// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/policy/export.h"
#include "capdiet/core/log.h"
#include "capdiet/core/ydoc.h"

#define ONE CAPSET_BIT(CAP_NET_BIND_SERVICE)
#define SEVERAL (CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_SETGID) | CAPSET_BIT(CAP_CHOWN))

static struct profile *make(capset_t caps, const char *user)
{
	struct profile *p = profile__new();

	assert_non_null(p);
	p->name = strdup("web");
	p->caps = caps;
	p->user = user ? strdup(user) : NULL;
	return p;
}

/* What export__write printed, and what it logged on stderr. */
struct output {
	char *out;
	char err[1024];
};

static void run_export(const struct profile *p, enum export_format f, struct output *o)
{
	size_t len = 0;
	FILE *out = open_memstream(&o->out, &len);
	FILE *err = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(out);
	assert_non_null(err);
	fflush(stderr);
	dup2(fileno(err), STDERR_FILENO);
	assert_int_equal(export__write(p, f, out), 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(out);
	rewind(err);
	n = fread(o->err, 1, sizeof(o->err) - 1, err);
	o->err[n] = '\0';
	fclose(err);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The scalars of a sequence joined by ",", from a libyaml parse. */
static char *seq_join(const struct ydoc_node *seq)
{
	static char buf[512];

	buf[0] = '\0';
	assert_non_null(seq);
	assert_int_equal(seq->type, YDOC_SEQ);
	for (size_t i = 0; i < seq->n; i++) {
		strcat(buf, i ? "," : "");
		strcat(buf, seq->items[i]->value);
	}
	return buf;
}

static struct ydoc *parse(const char *text, const struct ydoc_node **root)
{
	char err[256] = "";
	const struct ydoc_where where = { "export", err, sizeof(err) };
	struct ydoc *tree = NULL;

	if (ydoc__load(text, strlen(text), YDOC_ONE_DOCUMENT, &where, &tree))
		fail_msg("libyaml cannot parse the export: %s\n%s", err, text);
	*root = tree->docs[0].root;
	return tree;
}

static const struct ydoc_node *path(const struct ydoc_node *n, const char *a, const char *b,
				const char *c)
{
	n = ydoc__get(n, a);
	if (b)
		n = ydoc__get(n, b);
	if (c)
		n = ydoc__get(n, c);
	return n;
}

static void test_parse_format(void **state)
{
	enum export_format f;

	(void)state;
	assert_int_equal(export__parse_format("k8s", &f), 0);
	assert_int_equal(f, EXPORT_K8S);
	assert_int_equal(export__parse_format("kubernetes", &f), 0);
	assert_int_equal(f, EXPORT_K8S);
	assert_int_equal(export__parse_format("oci", &f), 0);
	assert_int_equal(f, EXPORT_OCI);
	assert_int_equal(export__parse_format("systemd", &f), 0);
	assert_int_equal(f, EXPORT_SYSTEMD);
	assert_int_equal(export__parse_format("label", &f), 0);
	assert_int_equal(f, EXPORT_LABEL);
	assert_int_equal(export__parse_format("containers-conf", &f), 0);
	assert_int_equal(f, EXPORT_CONTAINERS_CONF);
	assert_int_equal(export__parse_format("Docker ", &f), -EINVAL);
	assert_int_equal(export__parse_format("helm", &f), -EINVAL);
	assert_non_null(strstr(export__format_names(), "compose"));
	assert_non_null(strstr(export__format_names(), "label, containers-conf"));
}

static void test_docker(void **state)
{
	static const struct { capset_t caps; const char *want; } cases[] = {
		{ 0, "--cap-drop=ALL --security-opt=no-new-privileges\n" },
		{ ONE, "--cap-drop=ALL --cap-add=NET_BIND_SERVICE --security-opt=no-new-privileges\n" },
		{ SEVERAL, "--cap-drop=ALL --cap-add=CHOWN --cap-add=SETGID --cap-add=NET_BIND_SERVICE "
			   "--security-opt=no-new-privileges\n" },
	};
	struct output o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = make(cases[i].caps, NULL);

		run_export(p, EXPORT_DOCKER, &o);
		assert_string_equal(o.out, cases[i].want);
		assert_string_equal(o.err, "");
		free(o.out);
		profile__free(p);
	}
}

static void test_docker_non_root_warns_on_stderr(void **state)
{
	struct profile *p = make(ONE, "www-data");
	struct output o;

	(void)state;
	run_export(p, EXPORT_DOCKER, &o);
	/* no-new-privileges would make the file capabilities it needs inert. */
	assert_string_equal(o.out, "--cap-drop=ALL --cap-add=NET_BIND_SERVICE --user=www-data\n");
	assert_non_null(strstr(o.err, "ambient"));
	assert_non_null(strstr(o.err, "www-data"));
	free(o.out);
	/* Nothing to carry over: nothing to warn about. */
	p->caps = 0;
	run_export(p, EXPORT_DOCKER, &o);
	assert_string_equal(o.out, "--cap-drop=ALL --user=www-data --security-opt=no-new-privileges\n");
	assert_string_equal(o.err, "");
	free(o.out);
	profile__free(p);
}

static void test_podman(void **state)
{
	struct profile *p = make(SEVERAL, NULL);
	struct output o;

	(void)state;
	run_export(p, EXPORT_PODMAN, &o);
	assert_memory_equal(o.out, "--cap-drop=ALL --cap-add=CHOWN --cap-add=SETGID "
			    "--cap-add=NET_BIND_SERVICE --security-opt=no-new-privileges\n", 103);
	assert_non_null(strstr(o.out, "\n# containers.conf"));
	assert_non_null(strstr(o.out, "default_capabilities = [\"CHOWN\", \"SETGID\", "
				      "\"NET_BIND_SERVICE\"]\n"));
	assert_null(strstr(o.out, "ambient"));
	free(o.out);
	p->caps = 0;
	run_export(p, EXPORT_PODMAN, &o);
	assert_non_null(strstr(o.out, "--cap-drop=ALL --security-opt=no-new-privileges\n"));
	assert_non_null(strstr(o.out, "default_capabilities = []\n"));
	free(o.out);
	p->caps = ONE;
	p->user = strdup("www-data");
	run_export(p, EXPORT_PODMAN, &o);
	assert_non_null(strstr(o.out, "\n# web runs as user 'www-data'"));
	assert_int_equal(count_lines(o.out), 3);
	free(o.out);
	profile__free(p);
}

static void test_compose(void **state)
{
	static const capset_t sets[] = { 0, ONE, SEVERAL };
	static const char *const want[] = { "", "NET_BIND_SERVICE", "CHOWN,SETGID,NET_BIND_SERVICE" };
	struct output o;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct profile *p = make(sets[i], i == 2 ? "www-data:adm" : NULL);
		const struct ydoc_node *root;
		struct ydoc *tree;

		run_export(p, EXPORT_COMPOSE, &o);
		tree = parse(o.out, &root);
		assert_string_equal(seq_join(path(root, "services", "web", "cap_drop")), "ALL");
		assert_string_equal(seq_join(path(root, "services", "web", "cap_add")), want[i]);
		/* Only the non-root service with capabilities gets the warning. */
		assert_int_equal(strstr(o.out, "# WARNING") != NULL, i == 2);
		assert_int_equal(path(root, "services", "web", "user") != NULL, i == 2);
		if (i == 2)
			assert_string_equal(path(root, "services", "web", "user")->value, "www-data:adm");
		ydoc__free(tree);
		free(o.out);
		profile__free(p);
	}
}

static void test_k8s_root(void **state)
{
	static const capset_t sets[] = { 0, ONE, SEVERAL };
	static const char *const want[] = { "", "NET_BIND_SERVICE", "CHOWN,SETGID,NET_BIND_SERVICE" };
	/* Root: restricted's runAsNonRoot is missing, so baseline at best. */
	static const char *const level[] = { "'baseline'", "'baseline'", "'baseline'" };
	struct output o;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct profile *p = make(sets[i], NULL);
		const struct ydoc_node *sc;
		const struct ydoc_node *root;
		struct ydoc *tree;

		run_export(p, EXPORT_SECURITY_CONTEXT, &o);
		tree = parse(o.out, &root);
		sc = ydoc__get(root, "securityContext");
		assert_string_equal(seq_join(path(sc, "capabilities", "drop", NULL)), "ALL");
		assert_string_equal(seq_join(path(sc, "capabilities", "add", NULL)), want[i]);
		assert_string_equal(ydoc__get(sc, "allowPrivilegeEscalation")->value, "false");
		assert_null(ydoc__get(sc, "runAsNonRoot"));
		assert_null(strstr(o.out, "WARNING"));
		assert_non_null(strstr(o.out, level[i]));
		ydoc__free(tree);
		free(o.out);
		profile__free(p);
	}
}

/* runAsUser takes a number: a name means what the image's /etc/passwd says,
 * never what the machine that ran export says. */
static void test_k8s_non_root(void **state)
{
	struct profile *p = make(ONE, "nobody");
	const struct ydoc_node *sc;
	const struct ydoc_node *root;
	struct ydoc *tree;
	struct output o;

	(void)state;
	run_export(p, EXPORT_SECURITY_CONTEXT, &o);
	tree = parse(o.out, &root);
	sc = ydoc__get(root, "securityContext");
	assert_string_equal(ydoc__get(sc, "runAsNonRoot")->value, "true");
	assert_null(ydoc__get(sc, "runAsUser"));
	assert_non_null(strstr(o.out, "# user 'nobody' is a name and runAsUser takes a number: "
				      "set runAsUser to its uid in the image\n"));
	assert_non_null(strstr(o.out, "# WARNING: web runs as user 'nobody'"));
	ydoc__free(tree);
	free(o.out);
	profile__free(p);
	/* Numbers are written as they are. */
	p = make(ONE, "65532:65533");
	run_export(p, EXPORT_SECURITY_CONTEXT, &o);
	tree = parse(o.out, &root);
	sc = ydoc__get(root, "securityContext");
	assert_string_equal(ydoc__get(sc, "runAsUser")->value, "65532");
	assert_string_equal(ydoc__get(sc, "runAsGroup")->value, "65533");
	assert_null(strstr(o.out, "is a name"));
	ydoc__free(tree);
	free(o.out);
	profile__free(p);
}

static void test_k8s_unknown_user_and_sys_admin(void **state)
{
	struct profile *p = make(CAPSET_BIT(CAP_SYS_ADMIN), "no-such-user-capdiet:no-such-group");
	const struct ydoc_node *sc;
	const struct ydoc_node *root;
	struct ydoc *tree;
	struct output o;

	(void)state;
	run_export(p, EXPORT_SECURITY_CONTEXT, &o);
	tree = parse(o.out, &root);
	sc = ydoc__get(root, "securityContext");
	assert_string_equal(ydoc__get(sc, "runAsNonRoot")->value, "true");
	assert_null(ydoc__get(sc, "runAsUser"));
	assert_null(ydoc__get(sc, "runAsGroup"));
	assert_non_null(strstr(o.out, "# user 'no-such-user-capdiet' is a name"));
	assert_non_null(strstr(o.out, "# group 'no-such-group' is a name"));
	/* Kubernetes refuses or ignores allowPrivilegeEscalation: false with SYS_ADMIN. */
	assert_null(ydoc__get(sc, "allowPrivilegeEscalation"));
	assert_non_null(strstr(o.out, "'privileged'"));
	ydoc__free(tree);
	free(o.out);
	profile__free(p);
}

static void check_oci(capset_t caps, const char *user, const char *set, bool ambient)
{
	static const char *const keys[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
	struct profile *p = make(caps, user);
	const struct ydoc_node *root;
	struct ydoc *tree;
	struct output o;

	run_export(p, EXPORT_OCI, &o);
	assert_int_equal(o.out[0], '{'); /* JSON, not YAML block style */
	tree = parse(o.out, &root);
	assert_int_equal(root->type, YDOC_MAP);
	assert_int_equal(root->n, 5);
	for (size_t i = 0; i < 5; i++) {
		bool carried = i == 2 || i == 4;

		assert_string_equal(root->items[2 * i]->value, keys[i]);
		assert_false(root->items[2 * i]->plain); /* JSON strings are quoted */
		assert_string_equal(seq_join(root->items[2 * i + 1]),
				    carried && !ambient ? "" : set);
	}
	assert_int_equal(strstr(o.err, "process.user") != NULL, ambient); /* non-root only */
	ydoc__free(tree);
	free(o.out);
	profile__free(p);
}

static void test_oci(void **state)
{
	(void)state;
	check_oci(0, NULL, "", false);
	check_oci(ONE, NULL, "CAP_NET_BIND_SERVICE", false);
	check_oci(SEVERAL, NULL, "CAP_CHOWN,CAP_SETGID,CAP_NET_BIND_SERVICE", false);
	check_oci(SEVERAL, "www-data", "CAP_CHOWN,CAP_SETGID,CAP_NET_BIND_SERVICE", true);
	check_oci(ONE, "0:0", "CAP_NET_BIND_SERVICE", false); /* uid 0 is root */
}

static void test_systemd(void **state)
{
	struct profile *p = make(0, NULL);
	struct output o;

	(void)state;
	run_export(p, EXPORT_SYSTEMD, &o);
	assert_non_null(strstr(o.out, "[Service]\n"));
	assert_non_null(strstr(o.out, "drops every capability"));
	assert_non_null(strstr(o.out, "\nCapabilityBoundingSet=\n"));
	assert_null(strstr(o.out, "CapabilityBoundingSet=CAP"));
	assert_null(strstr(o.out, "User="));
	free(o.out);
	p->caps = ONE;
	run_export(p, EXPORT_SYSTEMD, &o);
	assert_non_null(strstr(o.out, "\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"));
	/* Root: the unit's own ambient set is reset, none is set. */
	assert_non_null(strstr(o.out, "\nAmbientCapabilities=\n"));
	assert_null(strstr(o.out, "AmbientCapabilities=CAP"));
	free(o.out);
	p->caps = SEVERAL;
	p->user = strdup("www-data:adm");
	run_export(p, EXPORT_SYSTEMD, &o);
	assert_non_null(strstr(o.out, "\nCapabilityBoundingSet=CAP_CHOWN CAP_SETGID CAP_NET_BIND_SERVICE\n"));
	assert_non_null(strstr(o.out, "\nUser=www-data\nGroup=adm\n"));
	assert_non_null(strstr(o.out, "\nAmbientCapabilities=CAP_CHOWN CAP_SETGID CAP_NET_BIND_SERVICE\n"));
	assert_true(strstr(o.out, "[Service]") < strstr(o.out, "CapabilityBoundingSet="));
	assert_non_null(strstr(o.out, "systemctl edit UNIT"));
	free(o.out);
	profile__free(p);
}

/* export__write fails with -EBADMSG, prints nothing, says why on stderr. */
static void export_refused(const struct profile *p, enum export_format f, const char *why)
{
	char *text = NULL, err[1024];
	size_t len = 0, n;
	FILE *out = open_memstream(&text, &len), *errf = tmpfile();
	int saved = dup(STDERR_FILENO);

	fflush(stderr);
	dup2(fileno(errf), STDERR_FILENO);
	assert_int_equal(export__write(p, f, out), -EBADMSG);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(out);
	assert_int_equal(len, 0);
	rewind(errf);
	n = fread(err, 1, sizeof(err) - 1, errf);
	err[n] = '\0';
	fclose(errf);
	assert_null(strchr(err, '\r'));
	if (!strstr(err, why))
		fail_msg("stderr '%s' lacks '%s'", err, why);
	free(text);
}

static void test_systemd_drop_in(void **state)
{
	struct profile *p = make(ONE, NULL);
	struct output o;

	(void)state;
	p->unit = strdup("/etc/systemd/system/web@blue.service");
	run_export(p, EXPORT_SYSTEMD, &o);
	assert_non_null(strstr(o.out, "a drop-in for web@blue.service"));
	assert_non_null(strstr(o.out, "\n#   /etc/systemd/system/web@blue.service.d/capdiet.conf "
				      "(or: systemctl edit web@blue.service)\n"));
	assert_non_null(strstr(o.out, "\n[Service]\n# Assignments add up"));
	free(o.out);
	/* Nothing from the profile may break out of its line. */
	free(p->name);
	p->name = strdup("web\nExecStartPre=/bin/sh -c evil\\");
	run_export(p, EXPORT_SYSTEMD, &o);
	assert_null(strstr(o.out, "\nExecStartPre"));
	assert_non_null(strstr(o.out, "# capdiet profile web?ExecStartPre=/bin/sh -c evil?: "));
	free(o.out);
	p->user = strdup("www-data\nExecStartPre=/bin/sh");
	export_refused(p, EXPORT_SYSTEMD, "cannot be written as User=/Group=");
	free(p->user);
	p->user = strdup("web:%n");
	export_refused(p, EXPORT_SYSTEMD, "'web:%n' cannot be written");
	free(p->user);
	p->user = NULL;
	free(p->unit);
	p->unit = strdup("/etc/x/web\n.service");
	export_refused(p, EXPORT_SYSTEMD, "is not a systemd service unit name");
	free(p->unit);
	p->unit = strdup("/etc/x/web.socket");
	export_refused(p, EXPORT_SYSTEMD, "'/etc/x/web.socket'");
	profile__free(p);
}

static void test_label(void **state)
{
	struct profile *p = make(CAPSET_BIT(CAP_SETUID) | CAPSET_BIT(CAP_NET_BIND_SERVICE), NULL);
	struct output o;

	(void)state;
	run_export(p, EXPORT_LABEL, &o);
	assert_non_null(strstr(o.out, "\nLABEL io.containers.capabilities="
				      "\"CAP_SETUID,CAP_NET_BIND_SERVICE\"\n"));
	assert_null(strstr(o.out, "not in Podman's default set"));
	assert_int_equal(o.out[0], '#');
	free(o.out);
	p->caps = CAPSET_BIT(CAP_NET_ADMIN) | CAPSET_BIT(CAP_CHOWN);
	run_export(p, EXPORT_LABEL, &o);
	assert_non_null(strstr(o.out, "# NET_ADMIN is not in Podman's default set"));
	assert_non_null(strstr(o.out, "=\"CAP_CHOWN,CAP_NET_ADMIN\"\n"));
	free(o.out);
	p->caps = 0;
	p->user = strdup("nobody");
	run_export(p, EXPORT_LABEL, &o);
	assert_non_null(strstr(o.out, "\nLABEL io.containers.capabilities=\"\"\n"));
	assert_non_null(strstr(o.out, "Podman 4.7"));
	assert_null(strstr(o.out, "non-root")); /* nothing to lose */
	free(o.out);
	p->caps = ONE;
	run_export(p, EXPORT_LABEL, &o);
	assert_non_null(strstr(o.out, "runs as user 'nobody': Podman gives a non-root process "
				      "only what --cap-add names"));
	free(o.out);
	profile__free(p);
}

static void test_containers_conf(void **state)
{
	struct profile *p = make(SEVERAL, NULL);
	struct output o;

	(void)state;
	run_export(p, EXPORT_CONTAINERS_CONF, &o);
	assert_non_null(strstr(o.out, "\n[containers]\ndefault_capabilities = [\n"
				      "  \"CAP_CHOWN\",\n  \"CAP_SETGID\",\n"
				      "  \"CAP_NET_BIND_SERVICE\",\n]\n"));
	assert_non_null(strstr(o.out, "/etc/containers/containers.conf.d/capdiet.conf"));
	free(o.out);
	free(p->name);
	p->name = strdup("a\n[engine]");
	p->caps = 0;
	run_export(p, EXPORT_CONTAINERS_CONF, &o);
	assert_non_null(strstr(o.out, "\n[containers]\ndefault_capabilities = []\n"));
	assert_null(strstr(o.out, "\n[engine]"));
	for (const char *l = o.out; *l; l = strchr(l, '\n') + 1)
		assert_true(*l == '#' || *l == '[' || *l == 'd');
	free(o.out);
	profile__free(p);
}

/* export --bundle: the bundle's config.json, only the capabilities changed. */
static void test_oci_bundle(void **state)
{
	char dir[] = "/tmp/capdiet-export-bundle.XXXXXX", path[64], *buf = NULL;
	struct profile *p = make(SEVERAL, NULL);
	size_t len = 0;
	FILE *f, *out;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	out = open_memstream(&buf, &len);
	/* No bundle there: refused before any output. */
	assert_int_equal(export__oci_bundle(p, dir, out), -EBADMSG);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"process\": {\"args\": [\"sh\"], \"capabilities\": {\"bounding\": "
	      "[\"CAP_SYS_ADMIN\"]}}, \"root\": {\"path\": \"rootfs\"}, \"x\": 1}", f);
	fclose(f);
	assert_int_equal(export__oci_bundle(p, dir, out), 0);
	fclose(out);
	assert_non_null(strstr(buf, "\"root\": {\"path\": \"rootfs\"}"));
	assert_non_null(strstr(buf, "\"x\": 1"));
	assert_null(strstr(buf, "SYS_ADMIN"));
	assert_non_null(strstr(buf, "\"ambient\": [\"CAP_CHOWN\", \"CAP_SETGID\", "
				    "\"CAP_NET_BIND_SERVICE\"]"));
	free(buf);
	unlink(path);
	rmdir(dir);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_docker_non_root_warns_on_stderr),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_k8s_root),
		cmocka_unit_test(test_k8s_non_root),
		cmocka_unit_test(test_k8s_unknown_user_and_sys_admin),
		cmocka_unit_test(test_oci),
		cmocka_unit_test(test_oci_bundle),
		cmocka_unit_test(test_systemd),
		cmocka_unit_test(test_systemd_drop_in),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_containers_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
