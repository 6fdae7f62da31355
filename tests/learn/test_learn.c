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

#define BIT(c) CAPSET_BIT(c)
/* What capdiet holds on the model machine: everything but SYS_RESOURCE. */
#define AVAILABLE ((BIT(CAP_CHECKPOINT_RESTORE) << 1) - 1 - BIT(CAP_SYS_RESOURCE))

/*
 * A simulated service, one behaviour class per field.  A stage runs only
 * when the stages before it had what they needed, as a real program stops
 * at its first failure.
 */
struct model {
	capset_t stages[4];      /* needs whose denial is seen (required) */
	int n_stages;
	capset_t netlink;        /* needs denied while the syscall succeeded */
	capset_t hidden;         /* needs the recorder cannot see (capset, netlink):
				  * checked and granted with every capability only */
	capset_t optional;       /* denied and failing, yet the service works */
	capset_t creds_need;     /* without it, workers keep root: other credentials */
	capset_t self_check;     /* denied even with every capability (privileges dropped) */
	capset_t stop_denial;    /* denied while stopping */
	bool stop_forced;        /* ... and the service then does not stop in time */
	bool never_works;
	int flaky_at;            /* trial index that fails for no reason, or -1 */
	capset_t exec_needs;     /* without these, CMD cannot even be executed */
	int interrupt_at;        /* trial index that gets interrupted, or -1 */
	int calls;
	capset_t ran[64];
};

static void add_obs(struct trial_result *res, int cap, enum obs_class klass, uint64_t first_ns)
{
	struct observation *o = observations__add(&res->obs);

	assert_non_null(o);
	o->cap = cap;
	o->klass = klass;
	o->count = 1;
	o->first_ns = first_ns;
	o->outcome = klass == OBS_GRANTED ? CD_OUT_GRANTED :
		     klass == OBS_REQUIRED ? CD_OUT_SYSCALL_FAILED : CD_OUT_SYSCALL_OK;
	o->ret = klass == OBS_REQUIRED ? -EPERM : 0;
	o->noaudit = cap == CAP_SYS_ADMIN && klass == OBS_TOLERATED;
	o->syscall = cap;
	snprintf(o->syscall_name, sizeof(o->syscall_name), "sys%d", cap);
	snprintf(o->exe, sizeof(o->exe), "/usr/sbin/model");
	snprintf(o->reason, sizeof(o->reason), "reason %d", cap);
}

static void add_each(struct trial_result *res, capset_t set, capset_t caps, uint64_t when)
{
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(set, cap))
			add_obs(res, cap, caps__has(caps, cap) ? OBS_GRANTED : OBS_REQUIRED, when);
}

static void set_creds(struct trial_result *res, bool workers_switched)
{
	const char *root = "\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
	const char *www = "\nUid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\n";

	assert_int_equal(creds__add_status(&res->creds, "/usr/sbin/model", root), 0);
	assert_int_equal(creds__add_status(&res->creds, "/usr/sbin/model",
					   workers_switched ? www : root), 0);
	res->creds.taken = true;
}

static bool run_stages(const struct model *m, capset_t caps, struct trial_result *res)
{
	bool ok = true;

	for (int k = 0; k < m->n_stages && ok; k++) {
		add_each(res, m->stages[k], caps, 100);
		ok = (m->stages[k] & ~caps) == 0;
	}
	return ok;
}

static int run_model(const struct trial_request *req, struct trial_result *res, void *ctx)
{
	struct model *m = ctx;
	capset_t caps = req->caps;
	bool ok;

	m->ran[m->calls++ % 64] = caps;
	if (req->index == m->interrupt_at) {
		res->outcome = TRIAL_INTERRUPTED;
		return 0;
	}
	if (caps__has(m->exec_needs, CAP_DAC_READ_SEARCH) &&
	    !caps__has(caps, CAP_DAC_READ_SEARCH)) {
		res->outcome = TRIAL_NOT_FOUND;
		snprintf(res->detail, sizeof(res->detail), "cannot run model: Permission denied");
		return 0;
	}
	res->ready_ns = 1000;
	res->stop_ns = 2000;
	add_obs(res, CAP_SYS_ADMIN, OBS_TOLERATED, 50); /* mmap noise */
	ok = run_stages(m, caps, res);
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(m->netlink, cap))
			add_obs(res, cap, caps__has(caps, cap) ? OBS_GRANTED : OBS_TOLERATED, 100);
	ok = ok && (m->netlink & ~caps) == 0;
	add_each(res, m->hidden & caps, caps, 100);
	ok = ok && (m->hidden & ~caps) == 0;
	add_each(res, m->optional, caps, 1500);
	add_each(res, m->self_check, 0, 1500);
	add_each(res, m->stop_denial, caps, 2500);
	res->stop_forced = m->stop_forced && (m->stop_denial & ~caps);
	set_creds(res, (m->creds_need & ~caps) == 0);
	ok = ok && !m->never_works && req->index != m->flaky_at;
	res->outcome = ok ? TRIAL_WORKS : TRIAL_FAILS;
	snprintf(res->detail, sizeof(res->detail), ok ? "probe passed" : "exit 1");
	return 0;
}

static int max_trials = 10;

static struct profile *learn_model(struct model *m, struct learn_result *res, bool strict)
{
	struct learn_opts o = {
		.max_trials = max_trials, .minimize = true, .strict = strict, .available = AVAILABLE,
		.run = run_model, .ctx = m,
	};
	struct profile *p = profile__new();

	assert_non_null(p);
	assert_int_equal(learn__run(&o, p, res), 0);
	return p;
}

static void done(struct profile *p, struct learn_result *res)
{
	learn_result__clear(res);
	profile__free(p);
}

static void init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->flaky_at = m->interrupt_at = -1;
}

static void test_needs_nothing_in_three_trials(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == 0);
	/* baseline, none, confirmation */
	assert_int_equal(m.calls, 3);
	assert_true(m.ran[0] == AVAILABLE);
	assert_true(m.ran[1] == 0 && m.ran[2] == 0);
	assert_int_equal(p->n_needed, 0);
	assert_false(p->flaky);
	done(p, &res);
}

static void test_staged_needs_each_proved(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.stages[0] = BIT(CAP_NET_BIND_SERVICE);
	m.stages[1] = BIT(CAP_SETGID) | BIT(CAP_SETUID);
	m.n_stages = 2;
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == (m.stages[0] | m.stages[1]));
	assert_true(p->minimized);
	assert_int_equal(p->n_needed, 3);
	assert_int_equal(profile__find_needed(p, CAP_SETUID)->trial, 2);
	assert_true(p->complete);
	done(p, &res);
}

static void test_no_set_runs_twice(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.stages[0] = BIT(CAP_CHOWN);
	m.stages[1] = BIT(CAP_SETUID);
	m.n_stages = 2;
	p = learn_model(&m, &res, false);
	/* Only the confirmation repeats a set. */
	for (int i = 0; i < m.calls - 1; i++)
		for (int j = i + 1; j < m.calls - 1; j++)
			assert_true(m.ran[i] != m.ran[j]);
	/* {CHOWN} failed already: "without SETUID" is not run again. */
	for (int i = 0; i < m.calls - 1; i++)
		if (m.ran[i] == BIT(CAP_CHOWN))
			for (int j = i + 1; j < m.calls - 1; j++)
				assert_true(m.ran[j] != BIT(CAP_CHOWN));
	assert_true(p->caps == (BIT(CAP_CHOWN) | BIT(CAP_SETUID)));
	done(p, &res);
}

static void test_failed_but_harmless_is_not_needed(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.optional = BIT(CAP_NET_ADMIN);
	p = learn_model(&m, &res, false);
	assert_true(p->caps == 0);
	assert_true(p->failed_ops.n >= 1);
	assert_non_null(strstr(p->failed_ops.v[0], "CAP_NET_ADMIN"));
	assert_non_null(strstr(p->failed_ops.v[0], "service worked: not needed"));
	assert_non_null(strstr(p->failed_ops.v[0], "(serving)"));
	done(p, &res);
}

static void test_strict_keeps_every_failed_operation(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.optional = BIT(CAP_NET_ADMIN);
	p = learn_model(&m, &res, true);
	assert_true(p->caps == BIT(CAP_NET_ADMIN));
	done(p, &res);
}

static void test_workers_as_root_do_not_work(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	/* setuid fails without SETUID, the probe passes, the workers keep root. */
	m.optional = BIT(CAP_SETUID);
	m.creds_need = BIT(CAP_SETUID);
	p = learn_model(&m, &res, false);
	assert_true(p->caps == BIT(CAP_SETUID));
	assert_string_equal(p->trials[1].outcome, "fails");
	assert_non_null(strstr(p->trials[1].detail, "as it does with every capability"));
	done(p, &res);
}

static void test_hidden_need_found_top_down(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.hidden = BIT(CAP_NET_RAW);
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(res.top_down);
	assert_true(p->caps == BIT(CAP_NET_RAW));
	/* top-down from what the baseline checked, not from every capability */
	assert_true(m.calls <= 6);
	done(p, &res);
}

static void test_netlink_denial_is_tried_before_top_down(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.netlink = BIT(CAP_NET_ADMIN);
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_false(res.top_down);
	/* the mmap noaudit check is tolerated too, and never tried */
	assert_true(p->caps == BIT(CAP_NET_ADMIN));
	for (int i = 0; i < m.calls; i++)
		assert_true(m.ran[i] == AVAILABLE || !caps__has(m.ran[i], CAP_SYS_ADMIN));
	done(p, &res);
}

static void test_out_of_bottom_up_trials_still_answers(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.stages[0] = BIT(CAP_NET_BIND_SERVICE);
	m.stages[1] = BIT(CAP_SETGID);
	m.stages[2] = BIT(CAP_SETUID);
	m.n_stages = 3;
	max_trials = 1;
	p = learn_model(&m, &res, false);
	max_trials = 10;
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(res.top_down);
	assert_true(p->caps == (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETGID) | BIT(CAP_SETUID)));
	done(p, &res);
}

static void test_exec_refused_after_the_baseline_is_a_failing_trial(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.exec_needs = BIT(CAP_DAC_READ_SEARCH);
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == BIT(CAP_DAC_READ_SEARCH));
	done(p, &res);
}

static void test_strict_with_an_untestable_denial(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.optional = BIT(CAP_SYS_RESOURCE);
	p = learn_model(&m, &res, true);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == 0);
	assert_true(p->untestable == BIT(CAP_SYS_RESOURCE));
	done(p, &res);
}

static void test_a_dropped_worker_is_not_evidence(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	/* The master needs SETUID; its worker, after the switch, is denied
	 * SETUID in every trial, the baseline too.  Both are the same
	 * executable and syscall: the master's denial looks like the worker's,
	 * and the search down from the baseline finds the need. */
	m.stages[0] = BIT(CAP_SETUID);
	m.n_stages = 1;
	m.self_check = BIT(CAP_SETUID);
	p = learn_model(&m, &res, false);
	assert_true(p->caps == BIT(CAP_SETUID));
	assert_true(res.top_down);
	assert_non_null(profile__find_needed(p, CAP_SETUID));
	for (size_t i = 0; i < p->failed_ops.n; i++)
		assert_null(strstr(p->failed_ops.v[i], "CAP_SETUID"));
	done(p, &res);
}

static void test_self_check_is_never_a_need(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.self_check = BIT(CAP_SETUID);
	p = learn_model(&m, &res, false);
	assert_true(p->caps == 0);
	assert_false(res.top_down);
	done(p, &res);
}

static void test_stop_phase_counts_only_when_stop_fails(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.stop_denial = BIT(CAP_KILL);
	p = learn_model(&m, &res, false);
	assert_true(p->caps == 0);
	assert_int_equal(m.calls, 3);
	done(p, &res);

	init(&m);
	m.stop_denial = BIT(CAP_KILL);
	m.stop_forced = true;
	p = learn_model(&m, &res, false);
	/* A candidate now; the service still works without it, so not needed. */
	assert_true(p->caps == 0);
	assert_true(p->failed_ops.n >= 1);
	assert_non_null(strstr(p->failed_ops.v[0], "(stop)"));
	done(p, &res);
}

static void test_untestable_is_absent_and_said(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.optional = BIT(CAP_SYS_RESOURCE);
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->caps == 0);
	assert_true(p->untestable == BIT(CAP_SYS_RESOURCE));
	for (int i = 0; i < m.calls; i++)
		assert_false(caps__has(m.ran[i], CAP_SYS_RESOURCE));
	done(p, &res);
}

static void test_baseline_failure_is_not_capabilities(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.never_works = true;
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_BASELINE_FAILS);
	assert_int_equal(m.calls, 1);
	assert_false(p->complete);
	done(p, &res);
}

static void test_flaky_confirmation_is_reported(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.flaky_at = 2; /* baseline 0, none 1 works, confirmation 2 fails */
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_WORKS);
	assert_true(p->flaky);
	assert_non_null(strstr(res.flaky, "worked once and failed once"));
	done(p, &res);
}

static void test_interrupted(void **state)
{
	struct model m;
	struct learn_result res;
	struct profile *p;

	(void)state;
	init(&m);
	m.stages[0] = BIT(CAP_CHOWN);
	m.n_stages = 1;
	m.interrupt_at = 1;
	p = learn_model(&m, &res, false);
	assert_int_equal(res.stop, LEARN_INTERRUPTED);
	assert_int_equal(m.calls, 2);
	assert_false(p->complete);
	done(p, &res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs_nothing_in_three_trials),
		cmocka_unit_test(test_staged_needs_each_proved),
		cmocka_unit_test(test_no_set_runs_twice),
		cmocka_unit_test(test_failed_but_harmless_is_not_needed),
		cmocka_unit_test(test_strict_keeps_every_failed_operation),
		cmocka_unit_test(test_workers_as_root_do_not_work),
		cmocka_unit_test(test_hidden_need_found_top_down),
		cmocka_unit_test(test_netlink_denial_is_tried_before_top_down),
		cmocka_unit_test(test_out_of_bottom_up_trials_still_answers),
		cmocka_unit_test(test_exec_refused_after_the_baseline_is_a_failing_trial),
		cmocka_unit_test(test_strict_with_an_untestable_denial),
		cmocka_unit_test(test_a_dropped_worker_is_not_evidence),
		cmocka_unit_test(test_self_check_is_never_a_need),
		cmocka_unit_test(test_stop_phase_counts_only_when_stop_fails),
		cmocka_unit_test(test_untestable_is_absent_and_said),
		cmocka_unit_test(test_baseline_failure_is_not_capabilities),
		cmocka_unit_test(test_flaky_confirmation_is_reported),
		cmocka_unit_test(test_interrupted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
