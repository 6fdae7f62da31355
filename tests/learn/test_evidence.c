// SPDX-License-Identifier: MIT
/*
 * Evidence merged over trials: a needed capability is marked as checked in
 * the service's own user namespace only when every failed operation that
 * needed it targeted that namespace, and the profile is then namespaced.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/learn/evidence.h"
#include "capdiet/learn/judge.h"

static void required(struct trial_result *tr, int cap, uint32_t userns_level)
{
	struct observation *o = observations__add(&tr->obs);

	assert_non_null(o);
	o->cap = cap;
	o->syscall = 92;
	o->count = 1;
	o->outcome = CD_OUT_SYSCALL_FAILED;
	o->klass = OBS_REQUIRED;
	o->userns_level = userns_level;
	snprintf(o->exe, sizeof(o->exe), "/bin/busybox");
	snprintf(o->syscall_name, sizeof(o->syscall_name), "chown");
}

/* The baseline: everything granted, nothing denied. */
static void take_baseline(struct baseline *b)
{
	struct trial_result tr;

	memset(&tr, 0, sizeof(tr));
	tr.outcome = TRIAL_WORKS;
	memset(b, 0, sizeof(*b));
	assert_int_equal(baseline__take(b, &tr), 0);
	trial_result__clear(&tr);
}

static struct profile *build(void (*fill)(struct trial_result *), capset_t caps)
{
	struct profile *p = profile__new();
	struct evidence_acc acc;
	struct trial_result tr;
	struct baseline b;

	assert_non_null(p);
	take_baseline(&b);
	evidence__init(&acc);
	memset(&tr, 0, sizeof(tr));
	fill(&tr);
	assert_int_equal(evidence__add(&acc, &tr, 1, &b), 0);
	p->caps = caps;
	assert_int_equal(evidence__build(p, &acc), 0);
	evidence__clear(&acc);
	trial_result__clear(&tr);
	baseline__clear(&b);
	return p;
}

static const struct profile_evidence *needed(const struct profile *p, int cap)
{
	for (size_t i = 0; i < p->n_needed; i++)
		if (p->needed[i].cap == cap)
			return &p->needed[i];
	fail_msg("no evidence for %d", cap);
	return NULL;
}

static void mixed(struct trial_result *tr)
{
	required(tr, CAP_CHOWN, 1);        /* only in the container's namespace */
	required(tr, CAP_SETUID, 0);       /* only in the host's */
	required(tr, CAP_FOWNER, 1);       /* both: the host's decides */
	required(tr, CAP_FOWNER, 0);
}

static void host_only(struct trial_result *tr)
{
	required(tr, CAP_CHOWN, 0);
}

static void test_namespaced(void **state)
{
	struct profile *p = build(mixed, CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_SETUID) |
					 CAPSET_BIT(CAP_FOWNER));

	(void)state;
	assert_true(needed(p, CAP_CHOWN)->user_ns);
	assert_false(needed(p, CAP_SETUID)->user_ns);
	assert_false(needed(p, CAP_FOWNER)->user_ns);
	assert_true(p->namespaced);
	profile__free(p);
}

static void test_host_only_is_not_namespaced(void **state)
{
	struct profile *p = build(host_only, CAPSET_BIT(CAP_CHOWN));

	(void)state;
	assert_false(needed(p, CAP_CHOWN)->user_ns);
	assert_false(p->namespaced);
	profile__free(p);
}

/* Checked in a user namespace, but not needed: the profile is not namespaced. */
static void test_unneeded_does_not_count(void **state)
{
	struct profile *p = build(mixed, CAPSET_BIT(CAP_SETUID));

	(void)state;
	assert_false(p->namespaced);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_namespaced),
		cmocka_unit_test(test_host_only_is_not_namespaced),
		cmocka_unit_test(test_unneeded_does_not_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
