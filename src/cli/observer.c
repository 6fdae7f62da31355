// SPDX-License-Identifier: MIT
/*
 * capdiet observe's loop.  The kernel map is drained every second (or
 * every --interval, when shorter), so a short-lived container's checks are
 * attributed while its cgroup's path is still known; reports go out every
 * --interval and once more when it stops.  SIGINT and SIGTERM are waited
 * for, not handled: a report is never cut in half.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/observer.h"
#include "capdiet/core/clock.h"
#include "capdiet/core/log.h"
#include "capdiet/core/metrics_server.h"
#include "capdiet/observe/container_names.h"
#include "capdiet/observe/node_watch.h"
#include "capdiet/profile/watch_report.h"

#define DRAIN_SECONDS 1.0

struct observer {
	const struct observe_opts *o;
	struct recorder *rec;
	struct node_watch w;
	struct metrics_server *metrics;
	struct watch_window win;
	char node[256];
	uint64_t lost_said, dropped_said;
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int observer__count(const struct node_count *c, void *ctx)
{
	struct observer *ob = ctx;

	return node_watch__count(&ob->w, c, ob->win.now);
}

static int observer__drain(struct observer *ob)
{
	uint64_t lost = 0;
	int err;

	ob->win.now = wall_now();
	err = recorder__drain_node(ob->rec, observer__count, ob, &lost);
	ob->w.lost += lost;
	return err;
}

/* Lost or dropped checks are said once per report that has new ones. */
static void observer__say_losses(struct observer *ob)
{
	if (ob->w.lost > ob->lost_said)
		log_warn("%llu capability checks could not be counted: the kernel map was full "
			 "between two drains; raise --max-entries",
			 (unsigned long long)(ob->w.lost - ob->lost_said));
	if (ob->w.dropped > ob->dropped_said)
		log_warn("%llu checks of containers beyond --max-containers %ld were not "
			 "attributed; raise it", (unsigned long long)(ob->w.dropped - ob->dropped_said),
			 ob->o->max_containers);
	ob->lost_said = ob->w.lost;
	ob->dropped_said = ob->w.dropped;
}

static int observer__metrics(struct observer *ob)
{
	char *page = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);
	int err;

	if (!f)
		return -ENOMEM;
	err = watch_report__metrics(&ob->w, &ob->win, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err)
		err = metrics_server__set_page(ob->metrics, page, len);
	free(page);
	return err;
}

/* The run's own fields of an observed profile. */
static int observer__stamp(struct profile *p, const struct observer *ob)
{
	struct utsname u;

	uname(&u);
	p->kernel = strdup(u.release);
	p->capdiet_version = strdup(CAPDIET_VERSION);
	p->date = strdup(p->observation->end);
	p->attach = strdup(attach__name(recorder__method(ob->rec)));
	return p->kernel && p->capdiet_version && p->date && p->attach ? 0 : -ENOMEM;
}

/* DIR/<profile name>.yaml, replaced atomically at each report. */
static int observer__write_profile(const struct observer *ob, const struct watched *c)
{
	struct profile *p = watch_report__profile(c, &ob->w, &ob->win);
	char *path = NULL;
	int err = p ? observer__stamp(p, ob) : -errno;

	/* The id too: a restarted container (a new id) keeps its last run's file. */
	if (!err && asprintf(&path, "%s/%s-%.12s.yaml", ob->o->profiles, p->name, c->id.id) < 0)
		err = -ENOMEM;
	if (!err)
		err = profile__save(p, path);
	/* A full disk must not end the watch: the JSON lines go on. */
	if (err && err != -ENOMEM) {
		log_warn("cannot write %s: %s", path ? path : ob->o->profiles, strerror(-err));
		err = 0;
	}
	free(path);
	profile__free(p);
	return err;
}

/* One report: what the hierarchy holds now, then every container. */
static int observer__report(struct observer *ob)
{
	int err = node_watch__refresh(&ob->w, ob->win.now);

	for (size_t i = 0; i < ob->w.n && !err; i++) {
		struct watched *c = &ob->w.v[i];

		if (!c->exited)
			container_names__lookup(c);
		err = watch_report__json_line(c, &ob->w, &ob->win, stdout);
		if (!err && ob->o->profiles)
			err = observer__write_profile(ob, c);
		c->reported = c->exited;
	}
	if (!err && ob->metrics)
		err = observer__metrics(ob);
	observer__say_losses(ob);
	node_watch__evict(&ob->w);
	return err;
}

/* Waits for a signal until deadline (monotonic seconds); the signal or 0. */
static int observer__wait(const sigset_t *set, double deadline)
{
	double left = deadline - clock__now_s();
	struct timespec ts;
	int sig;

	if (left <= 0)
		return 0;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
	sig = sigtimedwait(set, NULL, &ts);
	return sig > 0 ? sig : 0;
}

static int observer__loop(struct observer *ob, const sigset_t *set)
{
	const struct observe_opts *o = ob->o;
	double start = clock__now_s(), next = start + o->interval;
	double end = o->duration > 0 ? start + o->duration : 0;
	double drain = o->interval < DRAIN_SECONDS ? o->interval : DRAIN_SECONDS;
	int err = 0, sig = 0;

	while (!err && !sig) {
		double deadline = clock__now_s() + drain;

		if (deadline > next)
			deadline = next;
		if (end && deadline > end)
			deadline = end;
		sig = observer__wait(set, deadline);
		err = observer__drain(ob);
		if (!err && (sig || (end && clock__now_s() >= end)))
			break;
		if (!err && clock__now_s() >= next) {
			err = observer__report(ob);
			fflush(stdout);
			while (next <= clock__now_s())
				next += o->interval;
		}
	}
	if (!err)
		err = observer__report(ob);
	if (sig)
		log_info("%s: stopping after a last report", strsignal(sig));
	return err;
}

static int observer__open(struct observer *ob)
{
	struct recorder_opts ro = ob->o->rec;
	int err;

	ro.node_wide = true;
	ro.untracked_outcomes = true;
	ob->rec = recorder__open(&ro);
	if (!ob->rec)
		return -errno; /* recorder__open has said why */
	err = node_watch__init(&ob->w, NULL, (size_t)ob->o->max_containers, ob->rec);
	if (err == -EXDEV)
		log_error("the cgroup2 mount shows only a subtree (a cgroup namespace); mount "
			  "the host's cgroup2 hierarchy (in a pod: a hostPath of /sys/fs/cgroup)");
	else if (err)
		log_error("no cgroup v2 hierarchy is mounted (%s); observe names containers "
			  "by their cgroup v2 paths", strerror(-err));
	if (err)
		return err;
	if (ob->o->metrics) {
		ob->metrics = metrics_server__start(ob->o->metrics);
		if (!ob->metrics) {
			err = -errno;
			log_error("--metrics %s: %s", ob->o->metrics, err == -EINVAL ?
				  "not PORT, HOST:PORT or [V6]:PORT" : strerror(-err));
			return err;
		}
	}
	return 0;
}

static void observer__close(struct observer *ob)
{
	metrics_server__stop(ob->metrics);
	node_watch__clear(&ob->w);
	recorder__free(ob->rec);
}

static void observer__name_node(struct observer *ob)
{
	if (ob->o->node)
		snprintf(ob->node, sizeof(ob->node), "%s", ob->o->node);
	else if (gethostname(ob->node, sizeof(ob->node) - 1))
		snprintf(ob->node, sizeof(ob->node), "unknown");
	ob->win.node = ob->node;
}

int observer__run(const struct observe_opts *o)
{
	struct observer ob = { .o = o };
	sigset_t set, old;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	observer__name_node(&ob);
	ob.win.start = ob.win.now = wall_now();
	err = observer__open(&ob);
	if (!err)
		err = node_watch__refresh(&ob.w, ob.win.now);
	/* A scrape before the first report gets a whole page, not nothing. */
	if (!err && ob.metrics)
		err = observer__metrics(&ob);
	if (!err) {
		log_info("observing every container on %s (%s); a report every %g s%s",
			 ob.node, attach__name(recorder__method(ob.rec)), o->interval,
			 o->duration > 0 ? "" : ", until SIGINT/SIGTERM");
		err = observer__loop(&ob, &set);
	}
	if (!err)
		log_info("%zu containers watched at the end, %llu evicted after exiting, "
			 "%llu checks lost", ob.w.n, (unsigned long long)ob.w.evicted,
			 (unsigned long long)(ob.w.lost + ob.w.dropped));
	else if (err != -EPERM && err != -ENOTSUP && ob.rec)
		log_error("observe failed: %s", strerror(-err));
	observer__close(&ob);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err == 0 ? EXIT_OK : EXIT_FAIL;
}
