// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/learn/judge.h"

#define BIT(c) CAPSET_BIT(c)
#define ALL ((BIT(CAP_CHECKPOINT_RESTORE) << 1) - 1)

static const char root[] = "\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
static const char www[] = "\nUid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\n";

static struct observation *denial(struct trial_result *tr, int cap, const char *exe,
				  uint64_t first_ns, bool failed)
{
	struct observation *o = observations__add(&tr->obs);

	assert_non_null(o);
	o->cap = cap;
	o->syscall = 105;
	o->first_ns = first_ns;
	o->outcome = failed ? CD_OUT_SYSCALL_FAILED : CD_OUT_SYSCALL_OK;
	o->klass = failed ? OBS_REQUIRED : OBS_TOLERATED;
	snprintf(o->exe, sizeof(o->exe), "%s", exe);
	return o;
}

static void served(struct trial_result *tr, const char *worker_status)
{
	tr->outcome = TRIAL_WORKS;
	tr->ready_ns = 1000;
	tr->stop_ns = 5000;
	snprintf(tr->detail, sizeof(tr->detail), "probe passed");
	assert_int_equal(creds__add_status(&tr->creds, "/usr/sbin/nginx", root), 0);
	assert_int_equal(creds__add_status(&tr->creds, "/usr/sbin/nginx", worker_status), 0);
	tr->creds.taken = true;
}

static void take_baseline(struct baseline *b, void (*extra)(struct trial_result *))
{
	struct trial_result tr;

	memset(&tr, 0, sizeof(tr));
	served(&tr, www);
	tr.ready_s = 0.25;
	if (extra)
		extra(&tr);
	memset(b, 0, sizeof(*b));
	assert_int_equal(baseline__take(b, &tr), 0);
	trial_result__clear(&tr);
}

static void test_workers_as_root_fail_the_trial(void **state)
{
	struct baseline b;
	struct trial_result tr;
	struct verdict v;

	(void)state;
	take_baseline(&b, NULL);
	memset(&tr, 0, sizeof(tr));
	served(&tr, root); /* the probe passed, but no worker switched user */
	denial(&tr, CAP_SETUID, "/usr/sbin/nginx", 500, true);
	judge__trial(&b, &tr, 0, ALL, false, &v);
	assert_false(v.works);
	assert_non_null(strstr(v.why, "uid 33"));
	assert_true(v.candidates == BIT(CAP_SETUID));
	trial_result__clear(&tr);
	baseline__clear(&b);
}

static void test_same_credentials_work_despite_a_failed_operation(void **state)
{
	struct baseline b;
	struct trial_result tr;
	struct verdict v;

	(void)state;
	take_baseline(&b, NULL);
	memset(&tr, 0, sizeof(tr));
	served(&tr, www);
	denial(&tr, CAP_CHOWN, "/usr/sbin/nginx", 2000, true);
	judge__trial(&b, &tr, 0, ALL, false, &v);
	assert_true(v.works);
	assert_int_equal(judge__phase(&tr, &tr.obs.v[0]), PHASE_SERVING);
	judge__trial(&b, &tr, 0, ALL, true, &v); /* --strict */
	assert_false(v.works);
	trial_result__clear(&tr);
	baseline__clear(&b);
}

static void self_check(struct trial_result *tr)
{
	denial(tr, CAP_SETUID, "/usr/sbin/sshd", 3000, true);
}

static void test_baseline_denials_are_never_candidates(void **state)
{
	struct baseline b;
	struct trial_result tr;

	(void)state;
	take_baseline(&b, self_check);
	assert_true(caps__has(b.checked, CAP_SETUID));
	memset(&tr, 0, sizeof(tr));
	served(&tr, www);
	denial(&tr, CAP_SETUID, "/usr/sbin/sshd", 3000, true);
	denial(&tr, CAP_SETUID, "/usr/sbin/other", 3000, true);
	assert_false(judge__is_candidate(&b, &tr, &tr.obs.v[0]));
	assert_true(judge__is_candidate(&b, &tr, &tr.obs.v[1]));
	trial_result__clear(&tr);
	baseline__clear(&b);
}

static void test_stop_phase(void **state)
{
	struct trial_result tr;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	served(&tr, www);
	denial(&tr, CAP_KILL, "/usr/sbin/nginx", 6000, true);
	denial(&tr, CAP_DAC_OVERRIDE, "/usr/sbin/nginx", 10, true);
	assert_int_equal(judge__phase(&tr, &tr.obs.v[0]), PHASE_STOP);
	assert_int_equal(judge__phase(&tr, &tr.obs.v[1]), PHASE_START);
	assert_false(judge__is_candidate(NULL, &tr, &tr.obs.v[0]));
	assert_true(judge__is_candidate(NULL, &tr, &tr.obs.v[1]));
	tr.stop_forced = true; /* it did not stop in time: the denial may matter */
	assert_true(judge__is_candidate(NULL, &tr, &tr.obs.v[0]));
	trial_result__clear(&tr);
}

static void test_tolerated_and_unavailable(void **state)
{
	struct trial_result tr;
	struct verdict v;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	tr.outcome = TRIAL_FAILS;
	snprintf(tr.detail, sizeof(tr.detail), "exit 1");
	denial(&tr, CAP_NET_ADMIN, "/sbin/ip", 10, false);        /* the syscall succeeded */
	denial(&tr, CAP_SYS_RESOURCE, "/usr/bin/redis", 10, true); /* not held by capdiet */
	denial(&tr, CAP_CHOWN, "/usr/bin/chown", 10, true);
	judge__trial(NULL, &tr, 0, ALL & ~BIT(CAP_SYS_RESOURCE), false, &v);
	assert_false(v.works);
	assert_string_equal(v.why, "exit 1");
	assert_true(v.candidates == BIT(CAP_CHOWN));
	assert_true(v.untestable == BIT(CAP_SYS_RESOURCE));
	assert_true(v.denied == (BIT(CAP_NET_ADMIN) | BIT(CAP_SYS_RESOURCE) | BIT(CAP_CHOWN)));
	trial_result__clear(&tr);
}

static void test_cutoff_follows_the_baseline(void **state)
{
	struct baseline fast = { .ready_s = 0.1 }, slow = { .ready_s = 4.0 };

	(void)state;
	assert_true(judge__cutoff(&fast) < 1.0);
	assert_true(judge__cutoff(&slow) > 8.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_as_root_fail_the_trial),
		cmocka_unit_test(test_same_credentials_work_despite_a_failed_operation),
		cmocka_unit_test(test_baseline_denials_are_never_candidates),
		cmocka_unit_test(test_stop_phase),
		cmocka_unit_test(test_tolerated_and_unavailable),
		cmocka_unit_test(test_cutoff_follows_the_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
