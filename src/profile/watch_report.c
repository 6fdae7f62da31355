// SPDX-License-Identifier: MIT
/* capdiet observe's JSON lines and metrics: see watch_report.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capdiet/core/emit.h"
#include "capdiet/observe/syscalls.h"
#include "capdiet/profile/watch_report.h"

void watch_report__iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "unknown");
}

double watched__end(const struct watched *c, const struct watch_window *win)
{
	return c->exited ? c->last_seen : win->now;
}

const char *watched__display_name(const struct watched *c, char *buf, size_t len)
{
	if (c->name)
		return c->name;
	if (c->id.runtime == CONTAINER_SYSTEMD)
		return c->id.id;
	snprintf(buf, len, "%.12s", c->id.id);
	return buf;
}

static void json__counts(struct emit *e, const struct watched *c)
{
	emit__plain(e, "counts");
	emit__map_start(e, true);
	for (int cap = 0; cap < 64; cap++)
		if (c->granted[cap] + c->refused[cap])
			emit__kv_uint(e, caps__name(cap), c->granted[cap] + c->refused[cap]);
	emit__map_end(e);
}

/* The first check that showed each capability used or denied. */
static void json__evidence(struct emit *e, const char *key, capset_t set,
			   const struct watched_evidence *ev)
{
	char syscall[32];

	emit__plain(e, key);
	emit__map_start(e, true);
	for (int cap = 0; cap < 64; cap++) {
		if (!caps__has(set, cap))
			continue;
		emit__plain(e, caps__name(cap));
		emit__map_start(e, true);
		emit__kv_uint(e, "pid", ev[cap].pid);
		emit__kv_str(e, "comm", ev[cap].comm);
		syscalls__name(ev[cap].syscall, syscall, sizeof(syscall));
		emit__kv_str(e, "syscall", ev[cap].syscall < 0 ? NULL : syscall);
		emit__map_end(e);
	}
	emit__map_end(e);
}

static void json__identity(struct emit *e, const struct watched *c, const struct watch_window *win)
{
	char name[16];

	emit__kv_str(e, "node", win->node);
	emit__kv_str(e, "runtime", container_id__runtime_name(c->id.runtime));
	emit__kv_str(e, "id", c->id.id);
	emit__kv_str(e, "namespace", c->pod_namespace);
	emit__kv_str(e, "pod", c->pod);
	emit__kv_str(e, "pod_uid", c->id.pod_uid[0] ? c->id.pod_uid : NULL);
	emit__kv_str(e, "container", watched__display_name(c, name, sizeof(name)));
	emit__kv_str(e, "image", c->image);
	emit__kv_str(e, "cgroup", c->cgroup);
}

static void json__set(struct emit *e, const char *key, capset_t set)
{
	emit__plain(e, key);
	emit__caps(e, set, false);
}

int watch_report__json_line(const struct watched *c, const struct node_watch *w,
			    const struct watch_window *win, FILE *out)
{
	char now[32];
	struct emit e;

	watch_report__iso_time(win->now, now, sizeof(now));
	emit__begin(&e, out, EMIT_JSON);
	emit__map_start(&e, true);
	emit__kv_str(&e, "time", now);
	json__identity(&e, c, win);
	json__set(&e, "held", c->held);
	json__set(&e, "used", c->used);
	json__set(&e, "denied", c->denied);
	json__set(&e, "unused", watched__unused(c));
	emit__kv_uint(&e, "checks", c->checks);
	json__counts(&e, c);
	json__evidence(&e, "used_by", c->used, c->use);
	json__evidence(&e, "denied_to", c->denied, c->denial);
	emit__kv_uint(&e, "window_seconds", (uint64_t)(watched__end(c, win) - c->first_seen + 0.5));
	emit__kv_uint(&e, "lost", w->lost + w->dropped);
	emit__kv_bool(&e, "exited", c->exited);
	emit__map_end(&e);
	return emit__end(&e);
}

/* A label value in OpenMetrics' escapes: \\, \" and \n. */
static void metrics__value(const char *s, FILE *out)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void metrics__labels(const struct watched *c, const struct watch_window *win, FILE *out)
{
	char name[16];

	fputs("{node=", out);
	metrics__value(win->node, out);
	fputs(",runtime=", out);
	metrics__value(container_id__runtime_name(c->id.runtime), out);
	fputs(",namespace=", out);
	metrics__value(c->pod_namespace, out);
	fputs(",pod=", out);
	metrics__value(c->pod, out);
	fputs(",container=", out);
	metrics__value(watched__display_name(c, name, sizeof(name)), out);
	fputs(",id=", out);
	metrics__value(c->id.id, out);
}

/* One sample: NAME{container labels,capability="X"[,verdict="V"]} VALUE */
static void metrics__sample(const char *metric, const struct watched *c, int cap,
			    const char *verdict, uint64_t value, const struct watch_window *win,
			    FILE *out)
{
	fputs(metric, out);
	metrics__labels(c, win, out);
	fprintf(out, ",capability=\"%s\"", caps__name(cap));
	if (verdict)
		fprintf(out, ",verdict=\"%s\"", verdict);
	fprintf(out, "} %llu\n", (unsigned long long)value);
}

static void metrics__containers(const struct node_watch *w, const struct watch_window *win,
				FILE *out)
{
	static const char *const families[][3] = {
		{ "capdiet_capability_checks", "counter",
		  "Capability checks seen, noaudit ones too, by verdict." },
		{ "capdiet_capability_held", "gauge",
		  "1: the container's processes hold the capability (bounding set)." },
		{ "capdiet_capability_unused", "gauge",
		  "1: held, and never checked in the window: it can be dropped." },
	};

	for (size_t f = 0; f < 3; f++) {
		fprintf(out, "# TYPE %s %s\n# HELP %s %s\n", families[f][0], families[f][1],
			families[f][0], families[f][2]);
		for (size_t i = 0; i < w->n; i++) {
			const struct watched *c = &w->v[i];

			for (int cap = 0; cap < 64; cap++) {
				if (f == 0 && c->granted[cap])
					metrics__sample("capdiet_capability_checks_total", c, cap,
							"granted", c->granted[cap], win, out);
				if (f == 0 && c->refused[cap])
					metrics__sample("capdiet_capability_checks_total", c, cap,
							"denied", c->refused[cap], win, out);
				if (f == 1 && caps__has(c->held, cap))
					metrics__sample("capdiet_capability_held", c, cap, NULL, 1,
							win, out);
				if (f == 2 && caps__has(watched__unused(c), cap))
					metrics__sample("capdiet_capability_unused", c, cap, NULL, 1,
							win, out);
			}
		}
	}
}

int watch_report__metrics(const struct node_watch *w, const struct watch_window *win, FILE *out)
{
	metrics__containers(w, win, out);
	fputs("# TYPE capdiet_observer_lost counter\n"
	      "# HELP capdiet_observer_lost Checks not attributed: the kernel map or the "
	      "container table was full.\n", out);
	fprintf(out, "capdiet_observer_lost_total{reason=\"map_full\"} %llu\n",
		(unsigned long long)w->lost);
	fprintf(out, "capdiet_observer_lost_total{reason=\"table_full\"} %llu\n",
		(unsigned long long)w->dropped);
	fprintf(out, "# TYPE capdiet_observer_unattributed counter\n"
		"# HELP capdiet_observer_unattributed Checks of cgroups that are no container's.\n"
		"capdiet_observer_unattributed_total %llu\n", (unsigned long long)w->unattributed);
	fprintf(out, "# TYPE capdiet_observer_containers gauge\n"
		"# HELP capdiet_observer_containers Containers watched now.\n"
		"capdiet_observer_containers %zu\n", w->n);
	fprintf(out, "# TYPE capdiet_observer_evicted counter\n"
		"# HELP capdiet_observer_evicted Exited containers removed after their last report.\n"
		"capdiet_observer_evicted_total %llu\n# EOF\n", (unsigned long long)w->evicted);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

/* *dst = a copy of v (NULL stays NULL); 0 or -ENOMEM. */
static int dup_to(char **dst, const char *v)
{
	*dst = v ? strdup(v) : NULL;
	return v && !*dst ? -ENOMEM : 0;
}

static int observation__strings(struct profile_observation *ob, const struct watched *c,
				const struct watch_window *win)
{
	char start[32], end[32], name[16];
	int err;

	watch_report__iso_time(c->first_seen, start, sizeof(start));
	watch_report__iso_time(watched__end(c, win), end, sizeof(end));
	err = dup_to(&ob->node, win->node);
	err = err ?: dup_to(&ob->start, start);
	err = err ?: dup_to(&ob->end, end);
	err = err ?: dup_to(&ob->runtime, container_id__runtime_name(c->id.runtime));
	err = err ?: dup_to(&ob->id, c->id.id);
	err = err ?: dup_to(&ob->pod, c->pod);
	err = err ?: dup_to(&ob->pod_uid, c->id.pod_uid[0] ? c->id.pod_uid : NULL);
	err = err ?: dup_to(&ob->namespace, c->pod_namespace);
	err = err ?: dup_to(&ob->container, watched__display_name(c, name, sizeof(name)));
	err = err ?: dup_to(&ob->image, c->image);
	return err ?: dup_to(&ob->cgroup, c->cgroup);
}

/* The profile's name: the pod's and the container's, or the container's. */
static char *observed__name(const struct watched *c)
{
	char name[16], *text, *clean;
	const char *shown = watched__display_name(c, name, sizeof(name));

	if (asprintf(&text, "%s%s%s%s%s", c->pod_namespace ? c->pod_namespace : "",
		     c->pod_namespace ? "." : "", c->pod ? c->pod : "", c->pod ? "." : "",
		     shown) < 0)
		return NULL;
	clean = profile__clean_name(text);
	free(text);
	return clean;
}

struct profile *watch_report__profile(const struct watched *c, const struct node_watch *w,
				      const struct watch_window *win)
{
	struct profile *p = profile__new();
	struct profile_observation *ob = p ? profile__add_observation(p) : NULL;
	int err = ob ? 0 : -ENOMEM;

	if (!err)
		err = observation__strings(ob, c, win);
	if (!err) {
		p->name = observed__name(c);
		err = p->name ? 0 : -ENOMEM;
	}
	if (err) {
		profile__free(p);
		errno = -err;
		return NULL;
	}
	ob->seconds = watched__end(c, win) - c->first_seen;
	ob->checks = c->checks;
	ob->held = c->held;
	ob->used = c->used;
	ob->denied = c->denied;
	ob->unused = watched__unused(c);
	for (int cap = 0; cap < 64; cap++)
		ob->counts[cap] = c->granted[cap] + c->refused[cap];
	p->caps = c->used;
	p->lost = w->lost + w->dropped;
	p->complete = !p->lost;
	return p;
}
