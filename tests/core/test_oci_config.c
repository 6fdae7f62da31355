// SPDX-License-Identifier: MIT
/*
 * config.json rewriting: only the overridden fields change; what runc reads
 * beyond them (mounts, namespaces, numbers, booleans, unknown keys) comes out
 * as it went in.  Checked by reading the output back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sys/capability.h>

#include "capdiet/core/oci_config.h"

static const char config[] =
	"{\"ociVersion\": \"1.0.2\", \"process\": {\"terminal\": true, \"user\": {\"uid\": 33,"
	" \"gid\": 34, \"additionalGids\": [4, 5]}, \"args\": [\"/bin/httpd\", \"-f\"],"
	" \"env\": [\"A=1 \\\"q\\\"\"], \"capabilities\": {\"bounding\": [\"CAP_KILL\"],"
	" \"effective\": [\"CAP_KILL\"]}, \"noNewPrivileges\": true, \"oomScoreAdj\": -5},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"mounts\": [{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"data\","
	" \"options\": [\"rbind\", \"ro\"]}, {\"destination\": \"/proc\", \"type\": \"proc\","
	" \"source\": \"proc\"}, {\"destination\": \"/x\", \"source\": \"rel\", \"options\": "
	"[\"bind\"]}], \"linux\": {\"namespaces\": [{\"type\": \"pid\"}],"
	" \"x-vendor\": {\"n\": 1.5, \"null\": null}}}";

static struct ydoc *load(const char *text)
{
	char err[256] = "";
	struct ydoc_where where = { "config.json", err, sizeof(err) };
	struct ydoc *doc = NULL;

	if (oci_config__load(text, strlen(text), &where, &doc))
		fail_msg("did not load: %s", err);
	return doc;
}

/* Rewrites config with o and parses the result back. */
static struct ydoc *rewrite(const char *text, const struct oci_overrides *o, char **out)
{
	struct ydoc *doc = load(text), *back;
	size_t len = 0;
	FILE *f = open_memstream(out, &len);

	assert_non_null(f);
	assert_int_equal(oci_config__write(doc, o, f), 0);
	fclose(f);
	ydoc__free(doc);
	back = load(*out);
	return back;
}

static const struct ydoc_node *at(const struct ydoc *d, const char *a, const char *b)
{
	const struct ydoc_node *n = ydoc__get(d->docs[0].root, a);

	return b ? ydoc__get(n, b) : n;
}

static void assert_list(const struct ydoc_node *list, const char *want)
{
	char buf[256] = "";

	assert_non_null(list);
	assert_int_equal(list->type, YDOC_SEQ);
	for (size_t i = 0; i < list->n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "," : "",
			 list->items[i]->value);
	assert_string_equal(buf, want);
}

static void test_caps_all_five_lists(void **state)
{
	struct oci_overrides o = { .set_caps = true,
				   .caps = CAPSET_BIT(CAP_SETUID) | CAPSET_BIT(CAP_NET_BIND_SERVICE) };
	static const char *const lists[] = { "bounding", "effective", "inheritable",
					     "permitted", "ambient" };
	char *out = NULL;
	struct ydoc *d = rewrite(config, &o, &out);
	const struct ydoc_node *caps = at(d, "process", "capabilities");

	(void)state;
	for (size_t i = 0; i < 5; i++)
		assert_list(ydoc__get(caps, lists[i]), "CAP_SETUID,CAP_NET_BIND_SERVICE");
	ydoc__free(d);
	free(out);
}

static void test_rest_unchanged(void **state)
{
	struct oci_overrides o = { .set_caps = true, .caps = 0 };
	char *out = NULL;
	struct ydoc *d = rewrite(config, &o, &out);

	(void)state;
	assert_list(ydoc__get(at(d, "process", "capabilities"), "ambient"), "");
	assert_true(ydoc__is(at(d, "process", "terminal"), "true"));
	assert_true(ydoc__is(ydoc__get(at(d, "process", "user"), "uid"), "33"));
	assert_list(ydoc__get(at(d, "process", "user"), "additionalGids"), "4,5");
	assert_list(at(d, "process", "env"), "A=1 \"q\"");
	assert_true(ydoc__is(at(d, "process", "oomScoreAdj"), "-5"));
	assert_true(ydoc__is(at(d, "root", "path"), "rootfs"));
	assert_true(ydoc__is(ydoc__get(at(d, "linux", "x-vendor"), "n"), "1.5"));
	assert_true(ydoc__is_null(ydoc__get(at(d, "linux", "x-vendor"), "null")));
	assert_null(at(d, "linux", "cgroupsPath"));
	/* Numbers and booleans stay JSON numbers and booleans, not strings. */
	assert_non_null(strstr(out, "\"uid\": 33"));
	assert_non_null(strstr(out, "\"readonly\": true"));
	ydoc__free(d);
	free(out);
}

static void test_paths_terminal_cgroup(void **state)
{
	struct oci_overrides o = { .no_terminal = true, .bundle_dir = "/b",
				   .cgroups_path = "/capdiet/x" };
	char *out = NULL;
	struct ydoc *d = rewrite(config, &o, &out);
	const struct ydoc_node *mounts = at(d, "mounts", NULL);

	(void)state;
	assert_true(ydoc__is(at(d, "process", "terminal"), "false"));
	assert_true(ydoc__is(at(d, "root", "path"), "/b/rootfs"));
	assert_true(ydoc__is(at(d, "linux", "cgroupsPath"), "/capdiet/x"));
	assert_int_equal(mounts->n, 3);
	assert_true(ydoc__is(ydoc__get(mounts->items[0], "source"), "/b/data"));
	/* proc's source is not a path. */
	assert_true(ydoc__is(ydoc__get(mounts->items[1], "source"), "proc"));
	assert_true(ydoc__is(ydoc__get(mounts->items[2], "source"), "/b/rel"));
	/* Capabilities untouched without set_caps. */
	assert_list(ydoc__get(at(d, "process", "capabilities"), "bounding"), "CAP_KILL");
	ydoc__free(d);
	free(out);
}

static void test_missing_sections_added(void **state)
{
	const char *bare = "{\"process\": {\"args\": [\"sh\"]}, \"root\": {\"path\": \"/r\"}}";
	struct oci_overrides o = { .set_caps = true, .caps = CAPSET_BIT(CAP_KILL),
				   .cgroups_path = "/c" };
	char *out = NULL;
	struct ydoc *d = rewrite(bare, &o, &out);

	(void)state;
	assert_list(ydoc__get(at(d, "process", "capabilities"), "permitted"), "CAP_KILL");
	assert_true(ydoc__is(at(d, "linux", "cgroupsPath"), "/c"));
	ydoc__free(d);
	free(out);
}

static void expect_process_error(const char *text, const char *what)
{
	char err[256] = "";
	struct ydoc_where where = { "config.json", err, sizeof(err) };
	struct ydoc *doc = NULL;
	struct oci_process p;
	int rc = oci_config__load(text, strlen(text), &where, &doc);

	if (!rc) {
		rc = oci_config__process(doc, &where, &p);
		ydoc__free(doc);
	}
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err, what) || strncmp(err, "config.json:", 12))
		fail_msg("'%s': message '%s', want '%s'", text, err, what);
}

static void test_process(void **state)
{
	struct ydoc *d = load(config);
	struct ydoc_where where = { "config.json", NULL, 0 };
	struct oci_process p;

	(void)state;
	assert_int_equal(oci_config__process(d, &where, &p), 0);
	assert_int_equal(p.uid, 33);
	assert_int_equal(p.gid, 34);
	assert_true(p.terminal);
	assert_string_equal(p.root, "rootfs");
	assert_string_equal(p.first_arg, "/bin/httpd");
	ydoc__free(d);
	expect_process_error("[1, 2]", "no JSON object");
	expect_process_error("{\"root\": {\"path\": \"r\"}}", "no process.args");
	expect_process_error("{\"process\": {\"args\": []}, \"root\": {\"path\": \"r\"}}",
			     "no process.args");
	expect_process_error("{\"process\": {\"args\": [\"sh\"]}}", "no root.path");
	expect_process_error("{\"process\": {\"args\": [\"sh\"], \"user\": {\"uid\": -1}},"
			     " \"root\": {\"path\": \"r\"}}", "uid and gid must be numbers");
	expect_process_error("{\"process\": ", "config.json:");
	expect_process_error("{\"process\": {? : 1}}", "not JSON: a key that is not a string");
	expect_process_error("{\"a\": [{? [x] : 1}]}", "not JSON: a key that is not a string");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_all_five_lists),
		cmocka_unit_test(test_rest_unchanged),
		cmocka_unit_test(test_paths_terminal_cgroup),
		cmocka_unit_test(test_missing_sections_added),
		cmocka_unit_test(test_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
