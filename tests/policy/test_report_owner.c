// SPDX-License-Identifier: MIT
/*
 * The report's advice for a file capability needed on a file: chown it to
 * the service's user only when someone else owns it; when the service owns
 * it already a chown changes nothing, and the advice says what does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/policy/report.h"

/* A profile that needs cap, with evidence on one path owned by owner. */
static struct profile *profile_needing(int cap, const char *user)
{
	struct profile *p = profile__new();
	struct profile_trial *t;
	struct profile_evidence *e;

	assert_non_null(p);
	p->name = strdup("svc");
	strlist__add(&p->command, "svc");
	p->user = user ? strdup(user) : NULL;
	t = profile__add_trial(p);
	t->outcome = strdup("fails");
	t->detail = strdup("exit 1");
	e = profile__add_needed(p, cap);
	assert_non_null(e);
	p->caps |= CAPSET_BIT(cap);
	t->new_required |= CAPSET_BIT(cap);
	e->klass = strdup("required");
	e->count = 1;
	e->trial = 0;
	return p;
}

static void add_path(struct profile *p, const char *path, const char *owner, const char *type,
		     unsigned int mode)
{
	struct profile_path *pp = profile_evidence__new_path(&p->needed[0]);

	assert_non_null(pp);
	pp->path = strdup(path);
	pp->exists = true;
	pp->owner = strdup(owner);
	pp->group = strdup(owner);
	pp->mode = mode;
	pp->type = strdup(type);
}

static char *report_of(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(report__write(p, out), 0);
	fclose(out);
	return buf;
}

static void has(const char *r, const char *needle, bool want)
{
	if (!!strstr(r, needle) != want)
		fail_msg("report %s '%s':\n%s", want ? "lacks" : "has", needle, r);
}

/* The defect: root was told to `chown root` a file root owns. */
static void test_root_owned_file_gets_no_chown(void **state)
{
	struct profile *p = profile_needing(CAP_DAC_OVERRIDE, NULL);
	char *r;

	(void)state;
	add_path(p, "/etc/app.conf", "root", "file", 0440);
	r = report_of(p);
	has(r, "`chown root /etc/app.conf`", false);
	has(r, "on files it does not own", false);
	has(r, "**Fix the mode instead.**", true);
	has(r, "owns these files already", true);
	has(r, "`chmod u+rw /etc/app.conf`", true);
	has(r, "Then CAP_DAC_OVERRIDE can be dropped.", true);
	free(r);
	profile__free(p);
}

/* Each file capability's fix for a file the service owns; a directory's mode. */
static void test_owned_advice_per_capability(void **state)
{
	static const struct { int cap; const char *type, *advice; } cases[] = {
		{ CAP_DAC_OVERRIDE, "directory", "`chmod u+rwx /srv/d`" },
		{ CAP_DAC_READ_SEARCH, "file", "`chmod u+r /srv/d`" },
		{ CAP_DAC_READ_SEARCH, "directory", "`chmod u+rx /srv/d`" },
		{ CAP_FOWNER, "file", "only for a file system user that is not the owner" },
		{ CAP_CHOWN, "file", "gives them to another owner" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = profile_needing(cases[i].cap, "0:0");
		char *r;

		add_path(p, "/srv/d", "0", cases[i].type, 0);
		r = report_of(p);
		has(r, cases[i].advice, true);
		has(r, "`chown", false);
		free(r);
		profile__free(p);
	}
}

/* A non-root service: its own files get the mode, others' files the chown. */
static void test_mixed_owners(void **state)
{
	struct profile *p = profile_needing(CAP_DAC_OVERRIDE, "app:app");
	char *r;

	(void)state;
	add_path(p, "/data/own", "app", "file", 0400);
	add_path(p, "/data/theirs", "www-data", "file", 0600);
	add_path(p, "/data/roots", "root", "file", 0600);
	r = report_of(p);
	has(r, "`chown app:app /data/theirs`", true);
	has(r, "`chown app:app /data/roots`", true);
	has(r, "`chown app:app /data/own`", false);
	has(r, "`chmod u+rw /data/own`", true);
	has(r, "`chmod u+rw /data/theirs`", false);
	free(r);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_owned_file_gets_no_chown),
		cmocka_unit_test(test_owned_advice_per_capability),
		cmocka_unit_test(test_mixed_owners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
