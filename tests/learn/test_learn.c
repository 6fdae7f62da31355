// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/learn/learn.h"

/*
 * A simulated service: stage k of its start-up needs stages[k]; a stage
 * runs only when the previous ones had what they needed, as a real program
 * stops at its first failure.  Some denials are tolerated (mmap noise), and
 * with `probe_passes_degraded` the probe passes even when the last stage
 * (workers dropping privileges) failed.
 */
struct model {
	capset_t stages[4];
	int n_stages;
	bool probe_passes_degraded;
	bool never_works;      /* fails for a reason that is not capabilities */
	capset_t optional;     /* denied and failing, yet the service works */
	capset_t first_run_only; /* needed by the first trial only (state left behind) */
	int calls;
	int interrupt_at;      /* trial index that gets interrupted, or -1 */
};

static void add_obs(struct trial_result *res, int cap, enum obs_class klass)
{
	struct observation *o = observations__add(&res->obs);

	assert_non_null(o);
	o->cap = cap;
	o->klass = klass;
	o->count = 1;
	o->outcome = klass == OBS_GRANTED ? CD_OUT_GRANTED :
		     klass == OBS_REQUIRED ? CD_OUT_SYSCALL_FAILED : CD_OUT_SYSCALL_OK;
	o->ret = klass == OBS_REQUIRED ? -EPERM : 0;
	snprintf(o->syscall_name, sizeof(o->syscall_name), "sys%d", cap);
	snprintf(o->exe, sizeof(o->exe), "/usr/sbin/model");
	snprintf(o->reason, sizeof(o->reason), "reason %d", cap);
}

static int run_model(capset_t caps, int index, struct trial_result *res, void *ctx)
{
	struct model *m = ctx;
	bool ok = true;

	m->calls++;
	if (index == m->interrupt_at) {
		res->outcome = TRIAL_INTERRUPTED;
		return 0;
	}
	add_obs(res, CAP_SYS_ADMIN, OBS_TOLERATED);
	for (int k = 0; k < m->n_stages && ok; k++) {
		for (int cap = 0; cap < 64; cap++) {
			if (!caps__has(m->stages[k], cap))
				continue;
			add_obs(res, cap, caps__has(caps, cap) ? OBS_GRANTED : OBS_REQUIRED);
			if (!caps__has(caps, cap))
				ok = false;
		}
		if (!ok && k == m->n_stages - 1 && m->probe_passes_degraded)
			ok = true; /* workers failed; master still serves */
	}
	for (int cap = 0; cap < 64 && m->calls == 1; cap++) {
		if (!caps__has(m->first_run_only, cap))
			continue;
		add_obs(res, cap, caps__has(caps, cap) ? OBS_GRANTED : OBS_REQUIRED);
		ok = ok && caps__has(caps, cap);
	}
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(m->optional, cap))
			add_obs(res, cap, caps__has(caps, cap) ? OBS_GRANTED : OBS_REQUIRED);
	res->outcome = ok && !m->never_works ? TRIAL_WORKS : TRIAL_FAILS;
	snprintf(res->detail, sizeof(res->detail), ok ? "exit 0" : "exit 1");
	return 0;
}

static int learn_model(struct model *m, struct profile *p, struct learn_result *res,
		       bool minimize, bool accept_degraded)
{
	struct learn_opts o = {
		.max_trials = 10, .minimize = minimize, .accept_degraded = accept_degraded,
		.run = run_model, .ctx = m,
	};

	return learn__run(&o, p, res);
}

static void test_needs_nothing_one_trial(void **state)
{
	struct model m = { .n_stages = 0, .interrupt_at = -1 };
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn_model(&m, p, &res, false, false), 0);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == 0);
	assert_int_equal(m.calls, 1);
	assert_int_equal(p->n_trials, 1);
	/* The tolerated mmap noise is observed, never needed. */
	assert_int_equal(p->n_needed, 0);
	assert_int_equal(p->n_observed, 1);
	assert_string_equal(p->observed[0].klass, "tolerated");
	learn_result__clear(&res);
	profile__free(p);
}

static void test_staged_needs(void **state)
{
	struct model m = {
		.stages = { CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_CHOWN),
			    CAPSET_BIT(CAP_SETGID) | CAPSET_BIT(CAP_SETUID) },
		.n_stages = 2, .interrupt_at = -1,
	};
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn_model(&m, p, &res, false, false), 0);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == (m.stages[0] | m.stages[1]));
	assert_int_equal(m.calls, 3);
	assert_true(p->trials[0].new_required == m.stages[0]);
	assert_true(p->trials[1].new_required == m.stages[1]);
	assert_string_equal(p->trials[2].outcome, "works");
	assert_int_equal(p->n_needed, 4);
	assert_non_null(profile__find_needed(p, CAP_SETUID));
	assert_int_equal(profile__find_needed(p, CAP_SETUID)->trial, 1);
	assert_int_equal(profile__find_needed(p, CAP_CHOWN)->trial, 0);
	assert_true(p->complete);
	learn_result__clear(&res);
	profile__free(p);
}

static void test_degraded_is_not_working(void **state)
{
	struct model m = {
		.stages = { CAPSET_BIT(CAP_NET_BIND_SERVICE),
			    CAPSET_BIT(CAP_SETGID) | CAPSET_BIT(CAP_SETUID) },
		.n_stages = 2, .probe_passes_degraded = true, .interrupt_at = -1,
	};
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn_model(&m, p, &res, false, false), 0);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(caps__has(p->caps, CAP_SETGID) && caps__has(p->caps, CAP_SETUID));
	assert_string_equal(p->trials[1].outcome, "degraded");
	assert_false(p->degraded);
	learn_result__clear(&res);
	profile__free(p);

	/* --accept-degraded stops there and lists the failed operations. */
	m.calls = 0;
	p = profile__new();
	assert_int_equal(learn_model(&m, p, &res, false, true), 0);
	assert_int_equal(res.stop, LEARN_DEGRADED);
	assert_true(p->caps == CAPSET_BIT(CAP_NET_BIND_SERVICE));
	assert_true(p->degraded);
	assert_int_equal(p->failed_ops.n, 2);
	assert_non_null(strstr(p->failed_ops.v[0], "CAP_SET"));
	learn_result__clear(&res);
	profile__free(p);
}

static void test_not_a_capability_problem(void **state)
{
	struct model m = { .stages = { CAPSET_BIT(CAP_CHOWN) }, .n_stages = 1,
			   .never_works = true, .interrupt_at = -1 };
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn_model(&m, p, &res, false, false), 0);
	assert_int_equal(res.stop, LEARN_NOT_CAPS);
	assert_int_equal(m.calls, 2); /* adds CHOWN once, then gives up */
	assert_false(p->complete);
	assert_int_equal(res.last.outcome, TRIAL_FAILS);
	learn_result__clear(&res);
	profile__free(p);
}

static void test_minimize_drops_optional(void **state)
{
	struct model m = { .stages = { CAPSET_BIT(CAP_NET_BIND_SERVICE) }, .n_stages = 1,
			   .optional = CAPSET_BIT(CAP_DAC_OVERRIDE), .interrupt_at = -1 };
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	/* Without --minimize the optional failure is kept: it was required. */
	assert_int_equal(learn_model(&m, p, &res, false, false), 0);
	assert_true(caps__has(p->caps, CAP_DAC_OVERRIDE));
	learn_result__clear(&res);
	profile__free(p);

	/* The model reports DAC_OVERRIDE required whenever it is missing, so
	 * trials without it are degraded: minimisation keeps it too. */
	p = profile__new();
	assert_int_equal(learn_model(&m, p, &res, true, false), 0);
	assert_true(p->caps == (CAPSET_BIT(CAP_NET_BIND_SERVICE) | CAPSET_BIT(CAP_DAC_OVERRIDE)));
	assert_true(p->minimized);
	assert_true(p->unnecessary == 0);
	learn_result__clear(&res);
	profile__free(p);
}

static void test_minimize_removes_first_run_need(void **state)
{
	struct model m = { .stages = { CAPSET_BIT(CAP_NET_BIND_SERVICE) }, .n_stages = 1,
			   .first_run_only = CAPSET_BIT(CAP_CHOWN), .interrupt_at = -1 };
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn_model(&m, p, &res, true, false), 0);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == CAPSET_BIT(CAP_NET_BIND_SERVICE));
	assert_true(p->unnecessary == CAPSET_BIT(CAP_CHOWN));
	/* search: 2 trials; minimisation: one per capability of the set. */
	assert_int_equal(m.calls, 4);
	assert_non_null(strstr(p->trials[2].detail, "minimize without"));
	learn_result__clear(&res);
	profile__free(p);
}

static int run_interruptible(capset_t caps, int index, struct trial_result *res, void *ctx)
{
	return run_model(caps, index, res, ctx);
}

static void test_interrupted(void **state)
{
	struct model m = { .stages = { CAPSET_BIT(CAP_CHOWN) }, .n_stages = 1, .interrupt_at = 1 };
	struct learn_opts o = { .max_trials = 10, .run = run_interruptible, .ctx = &m };
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn__run(&o, p, &res), 0);
	assert_int_equal(res.stop, LEARN_INTERRUPTED);
	assert_false(p->complete);
	learn_result__clear(&res);
	profile__free(p);
}

static void test_max_trials(void **state)
{
	struct model m = {
		.stages = { CAPSET_BIT(CAP_CHOWN), CAPSET_BIT(CAP_KILL), CAPSET_BIT(CAP_SETUID) },
		.n_stages = 3, .interrupt_at = -1,
	};
	struct learn_opts o = { .max_trials = 2, .run = run_model, .ctx = &m };
	struct profile *p = profile__new();
	struct learn_result res;

	(void)state;
	assert_int_equal(learn__run(&o, p, &res), 0);
	assert_int_equal(res.stop, LEARN_MAX_TRIALS);
	assert_int_equal(m.calls, 2);
	learn_result__clear(&res);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs_nothing_one_trial),
		cmocka_unit_test(test_staged_needs),
		cmocka_unit_test(test_degraded_is_not_working),
		cmocka_unit_test(test_not_a_capability_problem),
		cmocka_unit_test(test_minimize_drops_optional),
		cmocka_unit_test(test_minimize_removes_first_run_need),
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_max_trials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
