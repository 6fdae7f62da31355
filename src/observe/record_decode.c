// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/observe/record_decode.h"

void record_decode__key(const struct cd_key *key, struct observation *o)
{
	o->cap = key->cap;
	o->outcome = key->outcome;
	o->syscall = key->syscall;
	o->exe_id = key->exe_id;
}

void record_decode__count(const struct cd_count *c, struct observation *o)
{
	o->count = c->count;
	o->first_ns = c->first_ns;
	o->ret = c->ret;
}

int record_decode__pending(const struct cd_pending *p, struct observations *out)
{
	for (__u32 i = 0; i < p->n && i < CD_PENDING_MAX; i++) {
		struct cd_key key = p->checks[i].key;
		struct observation *o = observations__add(out);

		if (!o)
			return -ENOMEM;
		/* Still blocked in its syscall: nobody knows yet how it ends. */
		key.outcome = CD_OUT_UNKNOWN;
		record_decode__key(&key, o);
		o->count = p->checks[i].count;
	}
	return 0;
}

/* The kernel copies comm as is: it need not end in a NUL. */
static void comm__copy(char *dst, const char *src)
{
	memcpy(dst, src, CD_COMM_LEN);
	dst[CD_COMM_LEN - 1] = '\0';
}

void record_decode__live(const struct cd_live_event *e, struct observation *o)
{
	o->count = 1;
	o->pid = e->pid;
	comm__copy(o->comm, e->comm);
}

struct cd_evkey record_decode__evkey(const struct observation *o)
{
	/* The outcome is only known at syscall exit; the BPF side files the
	 * evidence at check time, under granted or denied. */
	struct cd_evkey ek = {
		.exe_id = o->exe_id, .syscall = o->syscall, .cap = o->cap,
		.denied = o->outcome != CD_OUT_GRANTED,
	};

	return ek;
}

void record_decode__exe(const struct cd_exe *exe, struct observation *o)
{
	if (!exe)
		snprintf(o->exe, sizeof(o->exe), "?");
	else
		snprintf(o->exe, sizeof(o->exe), "%.*s", CD_EXE_MAX, exe->path);
}

static void sockaddr__format(const __u8 *raw, char *out, size_t len)
{
	sa_family_t family;
	char addr[INET6_ADDRSTRLEN] = "?";

	memcpy(&family, raw, sizeof(family));
	if (family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, raw, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
		snprintf(out, len, "%s:%u", addr, ntohs(sin.sin_port));
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, raw, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, addr, sizeof(addr));
		snprintf(out, len, "[%s]:%u", addr, ntohs(sin6.sin6_port));
	} else if (family == AF_UNIX) {
		snprintf(out, len, "unix:%.*s", CD_ARG_MAX - 2, (const char *)raw + 2);
	} else {
		snprintf(out, len, "family %u", family);
	}
}

void record_decode__evidence(const struct cd_evidence *ev, struct observation *o)
{
	o->pid = ev->pid;
	o->opts = ev->opts;
	o->has_opts = ev->has_opts;
	o->userns_level = ev->userns_level;
	comm__copy(o->comm, ev->comm);
	o->arg_kind = ev->arg_kind;
	if (ev->arg_kind == CD_ARG_PATH)
		snprintf(o->arg, sizeof(o->arg), "%.*s", CD_ARG_MAX, (const char *)ev->arg);
	else if (ev->arg_kind == CD_ARG_SOCKADDR)
		sockaddr__format(ev->arg, o->arg, sizeof(o->arg));
}

void record_decode__stack(const __u64 *ips, struct observation *o)
{
	memcpy(o->stack, ips, sizeof(o->stack));
	o->stack_depth = 0;
	while (o->stack_depth < CD_STACK_DEPTH && o->stack[o->stack_depth])
		o->stack_depth++;
}

uint64_t record_decode__stat(const __u64 *per_cpu, int ncpu)
{
	uint64_t sum = 0;

	for (int c = 0; c < ncpu; c++)
		sum += per_cpu[c];
	return sum;
}
