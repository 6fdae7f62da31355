// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/profile/profile.h"
#include "capdiet/core/ydoc.h"

/* The nginx example of the schema, built through the API. */
static struct profile *sample_profile(void)
{
	struct profile *p = profile__new();
	struct profile_evidence *e;
	struct profile_trial *t;
	struct profile_path *pp;

	assert_non_null(p);
	p->name = strdup("nginx");
	strlist__add(&p->command, "nginx");
	strlist__add(&p->command, "-g");
	strlist__add(&p->command, "daemon off;");
	p->probe = strdup("curl -sf http://127.0.0.1/");
	p->kernel = strdup("6.18.44");
	p->capdiet_version = strdup("0.1.0");
	p->date = strdup("2026-11-29T12:00:00Z");
	p->attach = strdup("tp_btf");
	p->minimized = true;
	p->lost = 3;
	p->caps = CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_SETGID) |
		  CAPSET_BIT(CAP_SETUID);
	p->unnecessary = CAPSET_BIT(CAP_CHOWN);
	e = profile__add_needed(p, CAP_NET_BIND_SERVICE);
	assert_non_null(e);
	e->klass = strdup("required");
	e->reason = strdup("bind failed with EACCES");
	e->count = 2;
	e->trial = 0;
	strlist__add(&e->syscalls, "bind");
	strlist__add(&e->call_sites, "inet_bind_sk");
	strlist__add(&e->stacks, "cap_capable <- security_capable <- inet_bind_sk <- __sys_bind");
	strlist__add(&e->exes, "/usr/sbin/nginx");
	strlist__add(&e->errors, "EACCES");
	strlist__add(&e->args, "0.0.0.0:80");
	pp = profile_evidence__new_path(e);
	assert_non_null(pp);
	pp->path = strdup("/var/log/nginx/error.log");
	pp->exists = true;
	pp->owner = strdup("www-data");
	pp->group = strdup("adm");
	pp->mode = 0640;
	pp->type = strdup("file");
	pp = profile_evidence__new_path(e);
	pp->path = strdup("/gone");
	e = profile__add_needed(p, CAP_SETGID);
	e->count = 1;
	e = profile__add_observed(p, CAP_SYS_ADMIN);
	e->klass = strdup("tolerated");
	e->reason = strdup("noaudit check (security_vm_enough_memory_mm)");
	e->count = 40;
	t = profile__add_trial(p);
	t->outcome = strdup("fails");
	t->detail = strdup("exit 1");
	t->new_required = CAPSET_BIT(CAP_NET_BIND_SERVICE);
	t->seconds = 0.41;
	t = profile__add_trial(p);
	t->caps = p->caps;
	t->outcome = strdup("works");
	t->seconds = 1.5;
	strlist__add(&p->failed_ops, "setgid(33) failed with EPERM in /usr/sbin/nginx");
	return p;
}

/* Renders p as YAML text (caller frees). */
static char *render(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(profile__write(p, out), 0);
	fclose(out);
	return buf;
}

static struct profile *parse_text(const char *text, char *err, size_t err_len)
{
	return profile__parse(text, strlen(text), "t.yaml", err, err_len);
}

static void test_round_trip(void **state)
{
	struct profile *p = sample_profile(), *q;
	char err[256] = "";
	char *text = render(p), *again;

	(void)state;
	q = parse_text(text, err, sizeof(err));
	if (!q)
		fail_msg("parse failed: %s", err);
	assert_string_equal(q->name, "nginx");
	assert_int_equal(q->command.n, 3);
	assert_string_equal(q->command.v[2], "daemon off;");
	assert_null(q->user);
	assert_true(q->caps == p->caps);
	assert_true(q->unnecessary == p->unnecessary);
	assert_true(q->complete && q->minimized && !q->degraded);
	assert_int_equal(q->lost, 3);
	assert_int_equal(q->n_needed, 2);
	assert_int_equal(q->needed[0].cap, CAP_NET_BIND_SERVICE);
	assert_int_equal(q->needed[0].trial, 0);
	assert_int_equal(q->needed[1].trial, -1);
	assert_int_equal(q->needed[0].n_paths, 2);
	assert_int_equal(q->needed[0].paths[0].mode, 0640);
	assert_string_equal(q->needed[0].paths[0].owner, "www-data");
	assert_false(q->needed[0].paths[1].exists);
	assert_string_equal(q->needed[0].args.v[0], "0.0.0.0:80");
	assert_int_equal(q->n_observed, 1);
	assert_int_equal(q->observed[0].cap, CAP_SYS_ADMIN);
	assert_int_equal(q->n_trials, 2);
	assert_true(q->trials[0].new_required == CAPSET_BIT(CAP_NET_BIND_SERVICE));
	assert_true(q->trials[1].seconds > 1.49 && q->trials[1].seconds < 1.51);
	assert_string_equal(q->failed_ops.v[0], p->failed_ops.v[0]);
	/* Writing what was read gives the same text: nothing lost or reordered. */
	again = render(q);
	assert_string_equal(again, text);
	free(again);
	free(text);
	profile__free(q);
	profile__free(p);
}

static void test_written_shape(void **state)
{
	struct profile *p = sample_profile();
	char *text = render(p);

	(void)state;
	/* Other commands and humans rely on this exact shape. */
	assert_memory_equal(text, "capdiet_profile: 1\nname: nginx\n", 30);
	assert_non_null(strstr(text, "\ncaps: [SETGID, SETUID, NET_BIND_SERVICE]\n"));
	assert_non_null(strstr(text, "\nunnecessary: [CHOWN]\n"));
	assert_non_null(strstr(text, "\nprobe: curl -sf http://127.0.0.1/\n"));
	assert_non_null(strstr(text, "\nuser: null\n"));
	assert_non_null(strstr(text, "mode: \"0640\""));
	assert_non_null(strstr(text, "  syscalls: []\n"));
	assert_non_null(strstr(text, "{path: /gone, exists: false}"));
	assert_true(strstr(text, "\nneeded:") < strstr(text, "\nobserved:"));
	assert_true(strstr(text, "\nobserved:") < strstr(text, "\ntrials:"));
	assert_true(strstr(text, "\ntrials:") < strstr(text, "\nfailed_operations:"));
	free(text);
	profile__free(p);
}

/* What only container profiles have is left out of the others, and read
 * back when present. */
static void test_container_fields(void **state)
{
	struct profile *p = sample_profile(), *q;
	char err[256] = "";
	char *text = render(p), *again;

	(void)state;
	assert_null(strstr(text, "runtime:"));
	assert_null(strstr(text, "image:"));
	assert_null(strstr(text, "namespaced"));
	assert_null(strstr(text, "user_namespace"));
	free(text);
	p->runtime = strdup("podman");
	p->image = strdup("localhost/app:1");
	p->bundle = strdup("/srv/bundle");
	p->namespaced = true;
	p->needed[0].user_ns = true;
	text = render(p);
	assert_non_null(strstr(text, "\nruntime: podman\nbundle: /srv/bundle\n"
				     "image: localhost/app:1\nnamespaced: true\n"));
	q = parse_text(text, err, sizeof(err));
	if (!q)
		fail_msg("parse failed: %s", err);
	assert_string_equal(q->runtime, "podman");
	assert_string_equal(q->image, "localhost/app:1");
	assert_string_equal(q->bundle, "/srv/bundle");
	assert_true(q->namespaced);
	assert_true(q->needed[0].user_ns);
	assert_false(q->needed[1].user_ns);
	again = render(q);
	assert_string_equal(again, text);
	free(again);
	free(text);
	profile__free(q);
	profile__free(p);
}

/* run --unit's fields: left out of other profiles, read back when there;
 * an old profile without them loads as before. */
static void test_unit_fields(void **state)
{
	struct profile *p = sample_profile(), *q;
	char err[256] = "";
	char *text = render(p), *again;

	(void)state;
	assert_null(strstr(text, "unit"));
	q = parse_text(text, err, sizeof(err));
	assert_non_null(q);
	assert_null(q->unit);
	assert_true(q->unit_excludes == 0);
	profile__free(q);
	free(text);
	p->unit = strdup("/etc/systemd/system/web.service");
	p->unit_excludes = CAPSET_BIT(CAP_SYS_ADMIN) | CAPSET_BIT(CAP_NET_RAW);
	text = render(p);
	assert_non_null(strstr(text, "\nunit: /etc/systemd/system/web.service\n"
				     "unit_excludes: [NET_RAW, SYS_ADMIN]\n"));
	q = parse_text(text, err, sizeof(err));
	if (!q)
		fail_msg("parse failed: %s", err);
	assert_string_equal(q->unit, "/etc/systemd/system/web.service");
	assert_true(q->unit_excludes == p->unit_excludes);
	again = render(q);
	assert_string_equal(again, text);
	free(again);
	free(text);
	profile__free(q);
	profile__free(p);
}

static void test_typed_looking_strings_stay_strings(void **state)
{
	struct profile *p = profile__new(), *q;
	static const char *const args[] = { "true", "0640", "null", "12", "~", "", "yes" };
	char err[256] = "", *text;

	(void)state;
	p->name = strdup("1.5");
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
		strlist__add(&p->command, args[i]);
	text = render(p);
	q = parse_text(text, err, sizeof(err));
	if (!q)
		fail_msg("parse failed: %s", err);
	assert_string_equal(q->name, "1.5");
	assert_int_equal(q->command.n, sizeof(args) / sizeof(args[0]));
	for (size_t i = 0; i < q->command.n; i++)
		assert_string_equal(q->command.v[i], args[i]);
	free(text);
	profile__free(q);
	profile__free(p);
}

#define HEAD "capdiet_profile: 1\nname: x\n"

static const struct bad_case {
	const char *yaml;
	const char *where;    /* "t.yaml:LINE:" the message must start with */
	const char *what;     /* and a piece it must contain */
} bad_cases[] = {
	{ HEAD "caps: [CHOWN\n", "t.yaml:4:", "did not find expected" },
	{ HEAD "caps: [CHOWN, SETUDI]\n", "t.yaml:3:", "'SETUDI' is not a capability" },
	{ HEAD "caps: []\nneeded:\n  - cap: CAP_FOO\n", "t.yaml:5:", "'CAP_FOO' is not a capability" },
	{ HEAD "caps: []\ntrials:\n  - {index: 0, new_required: [NOPE]}\n", "t.yaml:5:", "NOPE" },
	{ HEAD "caps: []\ncomplete: yes\n", "t.yaml:4:", "expected true or false" },
	{ HEAD "caps: CHOWN\n", "t.yaml:3:", "expected a list" },
	{ HEAD "caps: []\nneeded: {cap: CHOWN}\n", "t.yaml:4:", "expected a list" },
	{ HEAD "caps: []\nlost: many\n", "t.yaml:4:", "expected a number" },
	{ HEAD "caps: []\nneeded:\n  - count: 1\n", "t.yaml:5:", "missing key 'cap'" },
	{ HEAD "caps: []\nneeded:\n- cap: CHOWN\n  paths:\n  - {path: /x, mode: \"0999\"}\n",
	  "t.yaml:7:", "octal mode" },
	{ "name: x\ncaps: []\n", "t.yaml:1:", "not a capdiet profile" },
	{ "capdiet_profile: 2\nname: x\ncaps: []\n", "t.yaml:1:", "version 2 is not supported" },
	{ "capdiet_profile: \"1\"\nname: x\ncaps: []\n", "t.yaml:1:", "expected a number" },
	{ HEAD "caps: []\n", NULL, NULL }, /* control: this one is fine */
	{ HEAD, "t.yaml:1:", "missing key 'caps'" },
	{ HEAD "caps: []\ncaps: []\n", "t.yaml:4:", "appears twice" },
	{ HEAD "caps: []\ncapz: []\n", "t.yaml:4:", "unknown key 'capz'" },
	{ "capdiet_profile: 1\nname: &n x\ncaps: [*n]\n", "t.yaml:3:", "aliases" },
	{ HEAD "caps: []\n---\ncapdiet_profile: 1\n", "t.yaml:4:", "more than one" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]"
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "t.yaml:1:",
	  "nested too deeply" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[256] = "";
		struct profile *q;

		errno = 0;
		q = parse_text(c->yaml, err, sizeof(err));
		if (!c->where) {
			assert_non_null(q);
			profile__free(q);
			continue;
		}
		if (q)
			fail_msg("case %zu parsed but should not:\n%s", i, c->yaml);
		assert_int_equal(errno, EINVAL);
		if (strncmp(err, c->where, strlen(c->where)) || !strstr(err, c->what))
			fail_msg("case %zu: message '%s', want '%s ... %s'", i, err, c->where, c->what);
	}
}

static void test_size_cap(void **state)
{
	size_t len = YDOC_MAX_SIZE + 1;
	char *big = malloc(len), err[256] = "";

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);
	assert_null(profile__parse(big, len, "big.yaml", err, sizeof(err)));
	assert_int_equal(errno, EFBIG);
	assert_non_null(strstr(err, "big.yaml"));
	free(big);
}

static void test_save_and_load(void **state)
{
	char dir[] = "/tmp/capdiet-profile.XXXXXX", path[64], err[256] = "";
	struct profile *p = sample_profile(), *q;
	struct stat st;
	char *a, *b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nginx.yaml", dir);
	assert_int_equal(profile__save(p, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	q = profile__load(path, err, sizeof(err));
	if (!q)
		fail_msg("load failed: %s", err);
	a = render(p);
	b = render(q);
	assert_string_equal(a, b);
	/* Errors name the file. */
	assert_null(profile__load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_null(profile__load(path, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_memory_equal(err, path, strlen(path));
	rmdir(dir);
	free(a);
	free(b);
	profile__free(q);
	profile__free(p);
}

static void test_add_path(void **state)
{
	char dir[] = "/tmp/capdiet-path.XXXXXX", file[64], missing[64];
	struct profile_evidence e = { 0 };
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/log", dir);
	snprintf(missing, sizeof(missing), "%s/none", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(file, 0640), 0);
	if (getuid() == 0)
		assert_int_equal(chown(file, 4242, 4343), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(profile_evidence__add_path(&e, file), 0);
	assert_int_equal(profile_evidence__add_path(&e, file), 0); /* deduplicated */
	assert_int_equal(profile_evidence__add_path(&e, dir), 0);
	assert_int_equal(profile_evidence__add_path(&e, missing), 0);
	assert_int_equal(e.n_paths, 3);
	assert_true(e.paths[0].exists);
	assert_int_equal(e.paths[0].mode, 0640);
	assert_string_equal(e.paths[0].type, "file");
	if (getuid() == 0) { /* a uid without a name is written as the number */
		struct passwd *pw = getpwuid(4242);
		struct group *gr = getgrgid(4343);

		assert_string_equal(e.paths[0].owner, pw ? pw->pw_name : "4242");
		assert_string_equal(e.paths[0].group, gr ? gr->gr_name : "4343");
	}
	assert_string_equal(e.paths[1].type, "directory");
	assert_false(e.paths[2].exists);
	assert_null(e.paths[2].owner);
	assert_int_equal(profile_evidence__add_path(&e, ""), -EINVAL);
	profile_evidence__clear(&e);
	assert_int_equal(e.n_paths, 0);
	assert_int_equal(e.trial, -1);
	unlink(file);
	rmdir(dir);
}

static void test_add_and_find(void **state)
{
	struct profile *p = profile__new();
	struct profile_trial *t;

	(void)state;
	assert_true(p->complete);
	assert_int_equal(p->schema, PROFILE_SCHEMA_VERSION);
	for (int cap = 0; cap <= CAP_SYS_ADMIN; cap++) {
		struct profile_evidence *e = profile__add_needed(p, cap);

		assert_non_null(e);
		assert_int_equal(e->cap, cap);
		assert_int_equal(e->trial, -1);
		assert_int_equal(e->count, 0);
	}
	assert_int_equal(p->n_needed, CAP_SYS_ADMIN + 1);
	assert_ptr_equal(profile__find_needed(p, CAP_SETUID), &p->needed[CAP_SETUID]);
	assert_null(profile__find_needed(p, CAP_BPF));
	assert_null(profile__add_observed(p, 99));
	assert_int_equal(errno, EINVAL);
	t = profile__add_trial(p);
	assert_int_equal(t->index, 0);
	t = profile__add_trial(p);
	assert_int_equal(t->index, 1);
	assert_null(t->outcome);
	profile__free(p);
	profile__free(NULL);
	profile_evidence__clear(NULL);
}

/* A name or user that would be a line or an option of its own in an
 * export is refused when the profile is read. */
static void test_injected_words_refused(void **state)
{
	static const char *const bad[][2] = {
		{ "capdiet_profile: 1\nname: \"web\\nExecStartPost=/bin/sh\"\ncaps: []\n",
		  "t.yaml:2: name: 1 to 128 letters" },
		{ "capdiet_profile: 1\nname: \"web\\u001b[2K\"\ncaps: []\n", "t.yaml:2: name:" },
		{ "capdiet_profile: 1\nname: web\nuser: \"www\\nExecStartPre=x\"\ncaps: []\n",
		  "t.yaml:3: user: USER[:GROUP]" },
		{ "capdiet_profile: 1\nname: web\nuser: \"--privileged\"\ncaps: []\n", "t.yaml:3: user:" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(parse_text(bad[i][0], err, sizeof(err)));
		if (strncmp(err, bad[i][1], strlen(bad[i][1])))
			fail_msg("'%s': message '%s', want '%s'", bad[i][0], err, bad[i][1]);
	}
	assert_true(profile__valid_name("nginx-proxy_1.2+x@host:80"));
	assert_false(profile__valid_name(""));
	assert_false(profile__valid_name("my web"));
}

static void test_clean_name(void **state)
{
	char *c;

	(void)state;
	c = profile__clean_name("my web\n1");
	assert_string_equal(c, "my-web-1");
	assert_true(profile__valid_name(c));
	free(c);
	assert_null(profile__clean_name(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_written_shape),
		cmocka_unit_test(test_typed_looking_strings_stay_strings),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_save_and_load),
		cmocka_unit_test(test_container_fields),
		cmocka_unit_test(test_unit_fields),
		cmocka_unit_test(test_add_path),
		cmocka_unit_test(test_add_and_find),
		cmocka_unit_test(test_injected_words_refused),
		cmocka_unit_test(test_clean_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
