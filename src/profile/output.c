// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/emit.h"
#include "capdiet/profile/output.h"

static int class_rank(enum obs_class c)
{
	return c == OBS_REQUIRED ? 0 : c == OBS_TOLERATED ? 1 : 2;
}

static int obs_cmp(const void *a, const void *b)
{
	const struct observation *x = a, *y = b;

	if (class_rank(x->klass) != class_rank(y->klass))
		return class_rank(x->klass) - class_rank(y->klass);
	if (x->cap != y->cap)
		return x->cap - y->cap;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->syscall_name, y->syscall_name);
}

void output__sort(struct observations *obs)
{
	if (obs->n)
		qsort(obs->v, obs->n, sizeof(*obs->v), obs_cmp);
}

static const char *verdict(const struct observation *o)
{
	return o->outcome == CD_OUT_GRANTED ? "granted" : "denied";
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

int output__table(const struct observations *obs, FILE *out)
{
	fprintf(out, "%-20s %-8s %-10s %8s %-14s %-24s %-28s %s\n", "CAPABILITY",
		"VERDICT", "CLASS", "COUNT", "SYSCALL", "EXECUTABLE", "CALL SITE", "PATH");
	for (size_t i = 0; i < obs->n; i++) {
		const struct observation *o = &obs->v[i];

		fprintf(out, "%-20s %-8s %-10s %8" PRIu64 " %-14s %-24s %-28s %s\n",
			caps__name(o->cap) ? caps__name(o->cap) : "?", verdict(o),
			obs_class__name(o->klass), o->count, or_dash(o->syscall_name),
			or_dash(o->exe), or_dash(o->call_site), or_dash(o->arg));
	}
	if (!obs->n)
		fprintf(out, "(no capability checks)\n");
	return ferror(out) ? -EIO : 0;
}

static void emit_observation(struct emit *e, const struct observation *o)
{
	emit__map_start(e, false);
	emit__kv_str(e, "capability", caps__name(o->cap));
	emit__kv_str(e, "verdict", verdict(o));
	emit__kv_str(e, "class", obs_class__name(o->klass));
	emit__kv_str(e, "reason", o->reason);
	emit__kv_uint(e, "count", o->count);
	emit__kv_str(e, "syscall", o->syscall_name);
	emit__kv_int(e, "syscall_nr", o->syscall);
	if (o->outcome == CD_OUT_SYSCALL_FAILED || o->outcome == CD_OUT_SYSCALL_OK)
		emit__kv_int(e, "syscall_ret", o->ret);
	emit__kv_str(e, "executable", o->exe);
	emit__kv_str(e, "comm", o->comm);
	emit__kv_uint(e, "pid", o->pid);
	emit__kv_str(e, "call_site", o->call_site);
	emit__kv_str(e, "stack", o->stack_text);
	emit__kv_str(e, o->arg_kind == CD_ARG_SOCKADDR ? "address" : "path",
		     o->arg_kind ? o->arg : NULL);
	if (o->has_opts)
		emit__kv_uint(e, "opts", o->opts);
	emit__map_end(e);
}

int output__json(const struct observations *obs, const struct trace_summary *s, FILE *out)
{
	struct emit e;

	emit__begin(&e, out, EMIT_JSON);
	emit__map_start(&e, true);
	emit__plain(&e, "command");
	emit__seq_start(&e, true);
	for (char *const *a = s->argv; a && *a; a++)
		emit__str(&e, *a);
	emit__seq_end(&e);
	emit__kv_str(&e, "attach", s->attach);
	emit__plain(&e, "caps");
	emit__caps(&e, s->caps, false);
	emit__kv_int(&e, "exit_status", s->exit_status);
	emit__kv_bool(&e, "interrupted", s->interrupted);
	emit__kv_uint(&e, "lost", observations__lost(obs));
	emit__kv_bool(&e, "complete", !s->interrupted && !observations__lost(obs));
	emit__plain(&e, "decisions");
	emit__seq_start(&e, true);
	for (size_t i = 0; i < obs->n; i++)
		emit_observation(&e, &obs->v[i]);
	emit__seq_end(&e);
	emit__map_end(&e);
	/* The emitter ends the document with its own newline. */
	return emit__end(&e);
}

void output__live_line(const struct observation *o, FILE *out)
{
	fprintf(out, "live: %s %s in %s by %s[%u] (%s)\n",
		caps__name(o->cap) ? caps__name(o->cap) : "?",
		o->outcome == CD_OUT_GRANTED ? "granted" : "denied",
		or_dash(o->syscall_name), or_dash(o->exe), o->pid, or_dash(o->comm));
	fflush(out);
}
