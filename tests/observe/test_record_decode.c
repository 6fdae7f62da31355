// SPDX-License-Identifier: MIT
/*
 * Decoding the recorder's map entries into observations, without a kernel.
 * The chown and bind entries are bytes captured with `bpftool map dump`
 * (x86_64, so little-endian, syscall numbers of x86_64) while
 * `capdiet trace -- sh -c 'chown 1:1 /tmp/x; python3 -c "...bind(('127.0.0.1', 80))"'`
 * ran without capabilities; the rest is built by hand.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/un.h>
#include <cmocka.h>

#include "capdiet/observe/observation.h"
#include "capdiet/observe/record_decode.h"

#define CHOWN_EXE_ID 0xe00000000003c57fULL
#define X86_64_FCHOWNAT 260
#define X86_64_BIND 49

/* counts: the denied CAP_CHOWN of chown's fchownat(2). */
static const unsigned char chown_count_key[24] = {
	0x7f, 0xc5, 0x03, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x04, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01,
};
static const unsigned char chown_count_value[24] = {
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x21, 0x4f, 0x6e,
	0xbd, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
/* evidence of that check: pid 9155, "chown", path "/tmp/x". */
static const unsigned char chown_evidence[192] = {
	0xcc, 0xf5, 0x4e, 0x6e, 0xbd, 0x00, 0x00, 0x00, 0x06, 0x07, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc3, 0x23, 0x00, 0x00, 0xc3, 0x23, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x63, 0x68, 0x6f, 0x77, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x78,
};
/* evidence of python3's denied CAP_NET_BIND_SERVICE in bind(2): the
 * sockaddr_in of 127.0.0.1:80, then whatever followed it in memory. */
static const unsigned char bind_evidence[192] = {
	0x86, 0x07, 0x78, 0x73, 0xbd, 0x00, 0x00, 0x00, 0xc2, 0x0f, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc4, 0x23, 0x00, 0x00, 0xc4, 0x23, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x70, 0x79, 0x74, 0x68, 0x6f, 0x6e, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x50, 0x7f, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x1c, 0x33, 0x8a,
	0x58, 0x7f, 0x00, 0x00, 0xdc, 0x73, 0xdb, 0x7f,
};
/* exes: chown's executable. */
static const unsigned char chown_exe[256] = {
	0x2f, 0x75, 0x73, 0x72, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x63, 0x68, 0x6f,
	0x77, 0x6e,
};

/* The captures must match the layout events.h gives both sides. */
_Static_assert(sizeof(chown_count_key) == sizeof(struct cd_key), "cd_key layout");
_Static_assert(sizeof(chown_count_value) == sizeof(struct cd_count), "cd_count layout");
_Static_assert(sizeof(chown_evidence) == sizeof(struct cd_evidence), "cd_evidence layout");
_Static_assert(sizeof(chown_exe) == sizeof(struct cd_exe), "cd_exe layout");

/* The captures are little-endian: elsewhere their numbers read otherwise. */
static void need_little_endian(void)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	print_message("test_record_decode: captured bytes are little-endian; skipped here\n");
	skip();
#endif
}

static struct observation blank(void)
{
	struct observation o;

	memset(&o, 0, sizeof(o));
	o.syscall = CD_NO_SYSCALL;
	return o;
}

static void test_captured_denied_chown(void **state)
{
	struct observation o = blank();
	struct cd_key key;
	struct cd_count count;
	struct cd_evidence ev;
	struct cd_exe exe;
	struct cd_evkey ek;

	(void)state;
	need_little_endian();
	memcpy(&key, chown_count_key, sizeof(key));
	memcpy(&count, chown_count_value, sizeof(count));
	memcpy(&ev, chown_evidence, sizeof(ev));
	memcpy(&exe, chown_exe, sizeof(exe));
	record_decode__key(&key, &o);
	record_decode__count(&count, &o);
	record_decode__exe(&exe, &o);
	ek = record_decode__evkey(&o);
	record_decode__evidence(&ev, &o);

	assert_int_equal(o.cap, CAP_CHOWN);
	assert_int_equal(o.outcome, CD_OUT_SYSCALL_FAILED);
	assert_int_equal(o.syscall, X86_64_FCHOWNAT);
	assert_true(o.exe_id == CHOWN_EXE_ID);
	assert_int_equal(o.count, 1);
	assert_true(o.first_ns == 813599498623ULL);
	assert_true(o.ret == -EPERM);
	assert_string_equal(o.exe, "/usr/bin/chown");
	/* The evidence was filed at check time under "denied". */
	assert_true(ek.exe_id == CHOWN_EXE_ID);
	assert_int_equal(ek.syscall, X86_64_FCHOWNAT);
	assert_int_equal(ek.cap, CAP_CHOWN);
	assert_int_equal(ek.denied, 1);
	assert_int_equal(o.pid, 9155);
	assert_string_equal(o.comm, "chown");
	assert_false(o.has_opts);
	/* Captured on the host: the initial user namespace (the former pad). */
	assert_int_equal(o.userns_level, 0);
	assert_int_equal(o.arg_kind, CD_ARG_PATH);
	assert_string_equal(o.arg, "/tmp/x");
}

static void test_captured_bind_sockaddr_in(void **state)
{
	struct observation o = blank();
	struct cd_evidence ev;

	(void)state;
	need_little_endian();
	memcpy(&ev, bind_evidence, sizeof(ev));
	assert_int_equal(ev.stack_id, 4034); /* the recorder looks it up next */
	record_decode__evidence(&ev, &o);
	assert_int_equal(o.pid, 9156);
	assert_string_equal(o.comm, "python3");
	assert_int_equal(o.arg_kind, CD_ARG_SOCKADDR);
	/* Only the sockaddr_in counts, not the bytes after it. */
	assert_string_equal(o.arg, "127.0.0.1:80");
}

static void test_granted_key_and_its_evidence_key(void **state)
{
	struct cd_key key = { .exe_id = 42, .syscall = X86_64_BIND,
			      .cap = CAP_NET_BIND_SERVICE, .outcome = CD_OUT_GRANTED };
	struct cd_count count = { .count = 3, .first_ns = 1000, .ret = 0 };
	struct observation o = blank();
	struct cd_evkey ek;

	(void)state;
	record_decode__key(&key, &o);
	record_decode__count(&count, &o);
	ek = record_decode__evkey(&o);
	assert_int_equal(o.cap, CAP_NET_BIND_SERVICE);
	assert_int_equal(o.outcome, CD_OUT_GRANTED);
	assert_int_equal(o.syscall, X86_64_BIND);
	assert_true(o.exe_id == 42);
	assert_int_equal(o.count, 3);
	assert_int_equal(o.first_ns, 1000);
	assert_int_equal(o.ret, 0);
	assert_int_equal(ek.denied, 0);
	assert_true(ek.exe_id == 42 && ek.cap == CAP_NET_BIND_SERVICE && ek.syscall == X86_64_BIND);
	/* Every denied outcome shares the one evidence of the denied check. */
	o.outcome = CD_OUT_NOAUDIT;
	assert_int_equal(record_decode__evkey(&o).denied, 1);
}

static void test_evidence_opts_comm_and_long_path(void **state)
{
	struct cd_evidence ev;
	struct observation o = blank();

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.pid = 77;
	ev.opts = 2; /* CAP_OPT_NOAUDIT */
	ev.has_opts = 1;
	ev.userns_level = 2;
	memcpy(ev.comm, "sixteen-chars-xx", CD_COMM_LEN); /* no NUL from the kernel */
	ev.arg_kind = CD_ARG_PATH;
	memset(ev.arg, 'a', CD_ARG_MAX);                   /* no NUL either */
	record_decode__evidence(&ev, &o);
	assert_int_equal(o.pid, 77);
	assert_true(o.has_opts);
	assert_int_equal(o.opts, 2);
	assert_int_equal(o.userns_level, 2);
	assert_string_equal(o.comm, "sixteen-chars-x");
	assert_int_equal(strlen(o.arg), CD_ARG_MAX);
}

static const char *decode_sockaddr(const void *sa, size_t len)
{
	static struct observation o;
	struct cd_evidence ev;

	memset(&ev, 0, sizeof(ev));
	ev.arg_kind = CD_ARG_SOCKADDR;
	memcpy(ev.arg, sa, len);
	o = blank();
	record_decode__evidence(&ev, &o);
	return o.arg;
}

static void test_other_sockaddrs(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned short netlink = AF_NETLINK;

	(void)state;
	sin6.sin6_addr = in6addr_loopback;
	assert_string_equal(decode_sockaddr(&sin6, sizeof(sin6)), "[::1]:53");
	strcpy(sun.sun_path, "/run/x.sock");
	assert_string_equal(decode_sockaddr(&sun, sizeof(sun.sun_family) + 12), "unix:/run/x.sock");
	assert_string_equal(decode_sockaddr(&netlink, sizeof(netlink)), "family 16");
}

static void test_exe_unknown_and_stack(void **state)
{
	__u64 ips[CD_STACK_DEPTH] = { 0xffffffff81a80900ULL, 0xffffffff81a85b31ULL,
				      0xffffffff81000010ULL };
	struct observation o = blank();

	(void)state;
	record_decode__exe(NULL, &o);
	assert_string_equal(o.exe, "?");
	record_decode__stack(ips, &o);
	assert_int_equal(o.stack_depth, 3);
	assert_true(o.stack[1] == 0xffffffff81a85b31ULL);
	for (int i = 0; i < CD_STACK_DEPTH; i++)
		ips[i] = 0x1000 + i;
	record_decode__stack(ips, &o);
	assert_int_equal(o.stack_depth, CD_STACK_DEPTH);
}

/* Checks whose syscall had not returned: appended, outcome unknown. */
static void test_pending_entry(void **state)
{
	struct observations out = { 0 };
	struct cd_pending p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.n = 2;
	p.checks[0].key = (struct cd_key){ .exe_id = 7, .syscall = 35, .cap = CAP_SYS_NICE };
	p.checks[0].count = 4;
	p.checks[1].key = (struct cd_key){ .exe_id = 7, .syscall = CD_NO_SYSCALL, .cap = CAP_KILL };
	p.checks[1].count = 1;
	assert_non_null(observations__add(&out)); /* decoded before: kept */
	assert_int_equal(record_decode__pending(&p, &out), 0);
	assert_int_equal(out.n, 3);
	assert_int_equal(out.v[1].cap, CAP_SYS_NICE);
	assert_int_equal(out.v[1].outcome, CD_OUT_UNKNOWN);
	assert_int_equal(out.v[1].syscall, 35);
	assert_true(out.v[1].exe_id == 7);
	assert_int_equal(out.v[1].count, 4);
	assert_int_equal(out.v[2].cap, CAP_KILL);
	assert_int_equal(out.v[2].outcome, CD_OUT_UNKNOWN);
	assert_int_equal(out.v[2].syscall, CD_NO_SYSCALL);
	/* A count beyond the array is the BPF side's overflow: only what fits. */
	p.n = 1000;
	assert_int_equal(record_decode__pending(&p, &out), 0);
	assert_int_equal(out.n, 3 + CD_PENDING_MAX);
	observations__clear(&out);
}

/* A live event's process wins over the evidence's. */
static void test_live_event_after_evidence(void **state)
{
	struct cd_live_event e = { .key = { .exe_id = 9, .syscall = 105, .cap = CAP_SETUID,
					     .outcome = CD_OUT_GRANTED }, .pid = 501 };
	struct cd_evidence ev;
	struct observation o = blank();

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.pid = 500;
	strcpy(ev.comm, "first");
	strcpy(e.comm, "this-one");
	record_decode__key(&e.key, &o);
	record_decode__evidence(&ev, &o);
	record_decode__live(&e, &o);
	assert_int_equal(o.cap, CAP_SETUID);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.pid, 501);
	assert_string_equal(o.comm, "this-one");
}

static void test_lost_counters(void **state)
{
	/* Per CPU, as the stats array holds them (here for 3 CPUs). */
	const __u64 per_cpu[CD_STAT_MAX][3] = {
		[CD_STAT_LOST_COUNT] = { 1, 0, 2 },
		[CD_STAT_LOST_PENDING] = { 0, 5, 0 },
		[CD_STAT_LOST_TRACK] = { 0, 0, 0 },
		[CD_STAT_LOST_EVIDENCE] = { 100, 200, 300 },
	};
	struct observations out = { 0 };

	(void)state;
	for (int i = 0; i < CD_STAT_MAX; i++)
		out.lost[i] = record_decode__stat(per_cpu[i], 3);
	assert_int_equal(out.lost[CD_STAT_LOST_COUNT], 3);
	assert_int_equal(out.lost[CD_STAT_LOST_PENDING], 5);
	assert_int_equal(out.lost[CD_STAT_LOST_TRACK], 0);
	assert_int_equal(out.lost[CD_STAT_LOST_EVIDENCE], 600);
	/* Lost evidence loses no decision. */
	assert_int_equal(observations__lost(&out), 8);
	assert_int_equal(record_decode__stat(per_cpu[0], 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_denied_chown),
		cmocka_unit_test(test_captured_bind_sockaddr_in),
		cmocka_unit_test(test_granted_key_and_its_evidence_key),
		cmocka_unit_test(test_evidence_opts_comm_and_long_path),
		cmocka_unit_test(test_other_sockaddrs),
		cmocka_unit_test(test_exe_unknown_and_stack),
		cmocka_unit_test(test_pending_entry),
		cmocka_unit_test(test_live_event_after_evidence),
		cmocka_unit_test(test_lost_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
