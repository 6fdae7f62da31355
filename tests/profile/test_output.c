// SPDX-License-Identifier: MIT
/*
 * What `capdiet trace` prints: the table and the JSON document for a few
 * observations, byte for byte, and the order they come in.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <cmocka.h>

#include "capdiet/profile/output.h"

static struct observation *add(struct observations *obs, int cap, enum cd_outcome outcome,
			       enum obs_class klass, uint64_t count, const char *syscall)
{
	struct observation *o = observations__add(obs);

	assert_non_null(o);
	o->cap = cap;
	o->outcome = outcome;
	o->klass = klass;
	o->count = count;
	snprintf(o->syscall_name, sizeof(o->syscall_name), "%s", syscall);
	return o;
}

/* A denied bind, a granted chown with hostile names, a tolerated noaudit check. */
static void sample(struct observations *obs)
{
	struct observation *o;

	o = add(obs, CAP_CHOWN, CD_OUT_GRANTED, OBS_GRANTED, 1, "chown");
	o->syscall = 92;
	o->pid = 7;
	snprintf(o->exe, sizeof(o->exe), "/tmp/we\"ird\\name\x01\xff");
	snprintf(o->comm, sizeof(o->comm), "a\tb");
	o->arg_kind = CD_ARG_PATH;
	snprintf(o->arg, sizeof(o->arg), "/tmp/x\ny");
	o = add(obs, CAP_NET_BIND_SERVICE, CD_OUT_SYSCALL_FAILED, OBS_REQUIRED, 2, "bind");
	o->syscall = 49;
	o->ret = -13;
	o->pid = 42;
	snprintf(o->exe, sizeof(o->exe), "/usr/sbin/nginx");
	snprintf(o->comm, sizeof(o->comm), "nginx");
	snprintf(o->call_site, sizeof(o->call_site), "inet_bind_sk");
	snprintf(o->stack_text, sizeof(o->stack_text), "cap_capable <- inet_bind_sk");
	snprintf(o->reason, sizeof(o->reason), "bind failed with EACCES");
	o->arg_kind = CD_ARG_SOCKADDR;
	snprintf(o->arg, sizeof(o->arg), "0.0.0.0:80");
	o = add(obs, CAP_SYS_ADMIN, CD_OUT_NOAUDIT, OBS_TOLERATED, 40, "mmap");
	o->syscall = 9;
	o->has_opts = true;
	o->opts = 2;
	snprintf(o->reason, sizeof(o->reason), "noaudit check");
}

/* What fn printed, as one string to compare. */
static char *capture(int (*table)(const struct observations *, FILE *),
		     const struct observations *obs, const struct trace_summary *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	if (table)
		assert_int_equal(table(obs, out), 0);
	else
		assert_int_equal(output__json(obs, s, out), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_sort(void **state)
{
	struct observations obs = { 0 };

	(void)state;
	sample(&obs);
	add(&obs, CAP_NET_BIND_SERVICE, CD_OUT_SYSCALL_FAILED, OBS_REQUIRED, 5, "listen");
	add(&obs, CAP_NET_BIND_SERVICE, CD_OUT_SYSCALL_FAILED, OBS_REQUIRED, 2, "accept");
	output__sort(&obs);
	/* Required first, then tolerated, then granted; more checks first,
	 * then the syscall's name. */
	assert_string_equal(obs.v[0].syscall_name, "listen");
	assert_string_equal(obs.v[1].syscall_name, "accept");
	assert_string_equal(obs.v[2].syscall_name, "bind");
	assert_int_equal(obs.v[3].cap, CAP_SYS_ADMIN);
	assert_int_equal(obs.v[4].cap, CAP_CHOWN);
	observations__clear(&obs);
}

static void test_table(void **state)
{
	struct observations obs = { 0 };
	char *text;

	(void)state;
	sample(&obs);
	output__sort(&obs);
	text = capture(output__table, &obs, NULL);
	assert_string_equal(text,
		"CAPABILITY           VERDICT  CLASS         COUNT SYSCALL        EXECUTABLE               CALL SITE                    PATH\n"
		"NET_BIND_SERVICE     denied   required          2 bind           /usr/sbin/nginx          inet_bind_sk                 0.0.0.0:80\n"
		"SYS_ADMIN            denied   tolerated        40 mmap           -                        -                            -\n"
		"CHOWN                granted  granted           1 chown          /tmp/we\"ird\\name\x01\xff       -                            /tmp/x\ny\n");
	free(text);
	observations__clear(&obs);
}

static void test_table_empty(void **state)
{
	struct observations obs = { 0 };
	char *text;

	(void)state;
	text = capture(output__table, &obs, NULL);
	assert_non_null(strstr(text, "\n(no capability checks)\n"));
	free(text);
}

static void test_json(void **state)
{
	char *argv[] = { "chown", "1:1", "/tmp/\"f\"", NULL };
	struct trace_summary s = {
		.argv = argv, .attach = "tp_btf", .exit_status = 1,
		.caps = CAPSET_BIT(CAP_CHOWN) | CAPSET_BIT(CAP_SETUID),
	};
	struct observations obs = { 0 };
	char *text;

	(void)state;
	sample(&obs);
	output__sort(&obs);
	text = capture(NULL, &obs, &s);
	assert_string_equal(text,
		"{\"command\": [\"chown\", \"1:1\", \"/tmp/\\\"f\\\"\"], \"attach\": \"tp_btf\", "
		"\"caps\": [\"CHOWN\", \"SETUID\"], \"exit_status\": 1, \"interrupted\": false, "
		"\"lost\": 0, \"complete\": true, \"decisions\": ["
		"{\"capability\": \"NET_BIND_SERVICE\", \"verdict\": \"denied\", \"class\": \"required\", "
		"\"reason\": \"bind failed with EACCES\", \"count\": 2, \"syscall\": \"bind\", "
		"\"syscall_nr\": 49, \"syscall_ret\": -13, \"executable\": \"/usr/sbin/nginx\", "
		"\"comm\": \"nginx\", \"pid\": 42, \"call_site\": \"inet_bind_sk\", "
		"\"stack\": \"cap_capable <- inet_bind_sk\", \"address\": \"0.0.0.0:80\"}, "
		"{\"capability\": \"SYS_ADMIN\", \"verdict\": \"denied\", \"class\": \"tolerated\", "
		"\"reason\": \"noaudit check\", \"count\": 40, \"syscall\": \"mmap\", \"syscall_nr\": 9, "
		"\"executable\": \"\", \"comm\": \"\", \"pid\": 0, \"call_site\": \"\", \"stack\": \"\", "
		"\"path\": null, \"opts\": 2}, "
		"{\"capability\": \"CHOWN\", \"verdict\": \"granted\", \"class\": \"granted\", "
		"\"reason\": \"\", \"count\": 1, \"syscall\": \"chown\", \"syscall_nr\": 92, "
		"\"executable\": \"/tmp/we\\\"ird\\\\name\\u0001\\ufffd\", \"comm\": \"a\\tb\", "
		"\"pid\": 7, \"call_site\": \"\", \"stack\": \"\", \"path\": \"/tmp/x\\ny\"}]}\n");
	free(text);
	observations__clear(&obs);
}

static void test_json_incomplete(void **state)
{
	char *argv[] = { NULL };
	struct trace_summary s = { .argv = argv, .attach = "kprobe", .interrupted = true };
	struct observations obs = { 0 };
	char *text;

	(void)state;
	obs.lost[CD_STAT_LOST_COUNT] = 3;
	text = capture(NULL, &obs, &s);
	assert_string_equal(text,
		"{\"command\": [], \"attach\": \"kprobe\", \"caps\": [], \"exit_status\": 0, "
		"\"interrupted\": true, \"lost\": 3, \"complete\": false, \"decisions\": []}\n");
	free(text);
}

static void test_live_line(void **state)
{
	struct observations obs = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	sample(&obs);
	output__live_line(&obs.v[1], out);
	output__live_line(&obs.v[2], out);
	assert_int_equal(fclose(out), 0);
	assert_string_equal(text, "live: NET_BIND_SERVICE denied in bind by /usr/sbin/nginx[42] (nginx)\n"
				  "live: SYS_ADMIN denied in mmap by -[0] (-)\n");
	free(text);
	observations__clear(&obs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_empty),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_incomplete),
		cmocka_unit_test(test_live_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
