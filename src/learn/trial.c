// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/core/clock.h"
#include "capdiet/core/log.h"
#include "capdiet/core/proc.h"
#include "capdiet/observe/classify.h"
#include "capdiet/observe/filecaps.h"
#include "capdiet/observe/launch.h"
#include "capdiet/observe/syscalls.h"
#include "capdiet/observe/sysevent.h"
#include "capdiet/learn/judge.h"
#include "capdiet/learn/trial.h"

#define PROBE_TIMEOUT_MS 5000
#define PROBE_INTERVAL_MS 100

#define now_ms clock__now_ms

const char *trial_outcome__name(enum trial_outcome o)
{
	switch (o) {
	case TRIAL_WORKS: return "works";
	case TRIAL_DEGRADED: return "degraded";
	case TRIAL_FAILS: return "fails";
	case TRIAL_TIMEOUT: return "timeout";
	case TRIAL_NOT_FOUND: return "not-found";
	case TRIAL_INTERRUPTED: return "interrupted";
	}
	return "?";
}

void trial_result__clear(struct trial_result *r)
{
	if (!r)
		return;
	observations__clear(&r->obs);
	creds__clear(&r->creds);
	memset(r, 0, sizeof(*r));
}

/* Waits for pid until deadline; kills its process group at the deadline. */
static int wait_child(pid_t pid, double deadline)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return proc__exit_code(status);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (launch__take_signal(NULL) || now_ms() >= deadline) {
			int err = now_ms() >= deadline ? -ETIMEDOUT : -EINTR;

			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return err;
		}
		usleep(10 * 1000);
	}
}

/* sh -c command in its own process group (so a timeout kills all of it),
 * output to out_fd or /dev/null.  The pid, or -errno. */
static pid_t shell__spawn(const char *command, int out_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setpgid(0, 0);
		dup2(null, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
		dup2(out_fd >= 0 ? out_fd : null, STDERR_FILENO);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

int trial__shell(const char *command, int timeout_ms, int out_fd)
{
	pid_t pid = shell__spawn(command, out_fd);

	return pid < 0 ? pid : wait_child(pid, now_ms() + timeout_ms);
}

/* The last len-1 bytes CMD wrote to its log. */
static void read_tail(int fd, char *out, size_t len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)len - 1 ? size - (off_t)len + 1 : 0;
	ssize_t n = size > 0 ? pread(fd, out, len - 1, from) : 0;

	out[n > 0 ? n : 0] = '\0';
}

/* CMD's output, in a file with no name: nothing is left behind even if
 * capdiet is killed. */
static int open_log(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

static void set_result(struct trial_result *res, enum trial_outcome o, const char *fmt, int a)
{
	res->outcome = o;
	snprintf(res->detail, sizeof(res->detail), fmt, a);
}

static const char *status_text(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	return buf;
}

/* A batch command works when it exits 0 within the timeout. */
static int watch_batch(const struct trial_env *env, struct launch *l, struct trial_result *res)
{
	double deadline = now_ms() + env->timeout_ms;
	char text[64];
	int status, err;

	do {
		err = launch__wait(l, 100, &status);
		if (err == -EINTR && launch__take_signal(NULL)) {
			set_result(res, TRIAL_INTERRUPTED, "interrupted%.0d", 0);
			return 0;
		}
		if (!err) {
			status_text(status, text, sizeof(text));
			res->outcome = WIFEXITED(status) && !WEXITSTATUS(status) ? TRIAL_WORKS : TRIAL_FAILS;
			snprintf(res->detail, sizeof(res->detail), "%s", text);
			res->ready_s = (now_ms() - deadline + env->timeout_ms) / 1e3;
			return 0;
		}
	} while (now_ms() < deadline);
	set_result(res, TRIAL_TIMEOUT, "still running after %d ms", env->timeout_ms);
	return 0;
}

/* Capabilities outside caps, that capdiet could grant, whose denial already
 * made an operation fail (a syscall still in flight has not failed yet). */
static capset_t required_so_far(const struct trial_env *env, capset_t caps)
{
	struct observations obs = { 0 };
	capset_t set = 0;

	if (!recorder__collect(env->rec, &obs)) {
		classify__all(&obs, recorder__ksyms(env->rec));
		for (size_t i = 0; i < obs.n; i++)
			if (obs.v[i].outcome != CD_OUT_UNKNOWN && obs.v[i].cap >= 0 &&
			    obs.v[i].cap < 64 && obs.v[i].klass == OBS_REQUIRED)
				set |= CAPSET_BIT(obs.v[i].cap);
	}
	observations__clear(&obs);
	return set & ~caps & launch__available_caps();
}

/*
 * A service whose probe has not passed well past the time the baseline
 * needed to be ready, after an operation failed for lack of a capability,
 * is failing: ending it then, instead of at the timeout, keeps a search
 * fast without misjudging slow starters.
 */
static bool failing_for_caps(const struct trial_env *env, const struct trial_request *req,
			     double started)
{
	if (req->cutoff_s <= 0 || now_ms() - started < req->cutoff_s * 1e3)
		return false;
	return required_so_far(env, req->caps) != 0;
}

/* The probe, run in the background so the service is watched meanwhile. */
struct probe_run {
	pid_t pid;       /* 0: not running */
	double deadline;
	double next;     /* when to start the next attempt */
};

static int probe__start(struct probe_run *p, const char *command)
{
	pid_t pid = shell__spawn(command, -1);

	if (pid < 0)
		return pid;
	p->pid = pid;
	p->deadline = now_ms() + PROBE_TIMEOUT_MS;
	return 0;
}

static void probe__kill(struct probe_run *p)
{
	if (!p->pid)
		return;
	kill(-p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

/* 1 when the probe passed, -1 when an attempt just failed, 0 otherwise
 * (running, or waiting for the next attempt). */
static int probe__check(struct probe_run *p)
{
	int status;

	if (!p->pid)
		return 0;
	if (waitpid(p->pid, &status, WNOHANG) != p->pid) {
		if (now_ms() < p->deadline)
			return 0;
		probe__kill(p); /* a hung attempt counts as failed */
		p->next = now_ms() + PROBE_INTERVAL_MS;
		return -1;
	}
	p->pid = 0;
	p->next = now_ms() + PROBE_INTERVAL_MS;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : -1;
}

/* The probe passed: how long that took, and who the processes run as once
 * they settled. */
static void passed(const struct trial_env *env, struct launch *l, double started,
		   struct trial_result *res)
{
	const char *cgroup = launch__cgroup_path(l);

	res->ready_ns = (uint64_t)(now_ms() * 1e6);
	res->ready_s = (now_ms() - started) / 1e3;
	usleep(env->settle_ms * 1000);
	if (cgroup && creds__snapshot_cgroup(cgroup, &res->creds))
		log_debug("cannot read the credentials of the service's processes");
	res->outcome = TRIAL_WORKS;
	snprintf(res->detail, sizeof(res->detail), "probe passed after %.2f s", res->ready_s);
}

/* One look at the service; true when the trial is decided. */
static bool service_step(const struct trial_env *env, const struct trial_request *req,
			 struct launch *l, struct probe_run *probe, double started,
			 struct trial_result *res)
{
	char text[64];
	int status, probed;

	if (launch__take_signal(NULL)) {
		set_result(res, TRIAL_INTERRUPTED, "interrupted%.0d", 0);
		return true;
	}
	if (launch__wait(l, 0, &status) == 0) {
		res->outcome = TRIAL_FAILS;
		snprintf(res->detail, sizeof(res->detail), "%s before the probe passed",
			 status_text(status, text, sizeof(text)));
		return true;
	}
	probed = probe__check(probe);
	if (probed > 0) {
		passed(env, l, started, res);
		return true;
	}
	/* Looked at once per failed probe attempt: reading and classifying the
	 * maps is not free, and only a failed attempt can change the verdict. */
	if (probed < 0 && failing_for_caps(env, req, started)) {
		snprintf(res->detail, sizeof(res->detail), "probe had not passed %.1f s after the "
			 "start (with every capability: ready in %.1f s) and an operation failed "
			 "for lack of a capability", (now_ms() - started) / 1e3,
			 req->baseline_ready_s);
		res->outcome = TRIAL_FAILS;
		return true;
	}
	if (!probe->pid && now_ms() >= probe->next)
		probe__start(probe, env->probe);
	return false;
}

/* A service works when its probe passes while it runs. */
static int watch_service(const struct trial_env *env, const struct trial_request *req,
			 struct launch *l, struct trial_result *res)
{
	double started = now_ms(), deadline = started + env->timeout_ms;
	struct probe_run probe = { 0 };

	while (!service_step(env, req, l, &probe, started, res)) {
		if (now_ms() >= deadline) {
			set_result(res, TRIAL_FAILS, "probe did not pass within %d ms",
				   env->timeout_ms);
			break;
		}
		usleep(20 * 1000);
	}
	probe__kill(&probe);
	return 0;
}

static int before_each(const struct trial_env *env, int log_fd)
{
	int rc;

	if (!env->before_each)
		return 0;
	rc = trial__shell(env->before_each, env->timeout_ms, log_fd);
	if (rc == -EINTR)
		return rc;
	if (rc) {
		log_error("--before-each '%s' failed (%s); fix it or leave it out",
			  env->before_each, rc < 0 ? strerror(-rc) : "non-zero exit");
		return -ECANCELED;
	}
	return 0;
}

/*
 * execve refused with EPERM: a file with file capabilities and the
 * effective bit, whose capabilities the set lacks.  The kernel makes no
 * capability check for it, so the evidence comes from the file.
 */
static int exec_refused(const struct trial_env *env, capset_t caps, struct trial_result *res)
{
	char path[OBS_TEXT_MAX] = "";
	capset_t file_caps, missing;
	bool effective;
	int err = filecaps__resolve(env->argv[0], path, sizeof(path));

	if (!err)
		err = filecaps__read(path, &file_caps, &effective);
	missing = err || !effective ? 0 : file_caps & ~caps;
	if (!missing)
		return -EPERM; /* not file capabilities: setting up the sets failed */
	res->outcome = TRIAL_FAILS;
	snprintf(res->detail, sizeof(res->detail), "execve of %.150s refused (EPERM): its file "
		 "capabilities exceed the set", path);
	return sysevent__exec_refused(path, missing, syscalls__number("execve"), &res->obs);
}

/*
 * What the runtime refused, in its own output (the trial's log): not
 * installed or could not create the container (nothing of CMD ran: the
 * command cannot run), or could not start it (CMD's set-up failed with
 * this set: the trial fails).
 */
static bool container_failed(const struct trial_env *env, int err, struct trial_result *res)
{
	const char *who = env->container->engine == LAUNCH_PODMAN ? "podman" :
			  env->container->runtime ? env->container->runtime : "the OCI runtime";

	if (err != -ENOEXEC && err != -ENOENT && err != -ECANCELED)
		return false;
	res->outcome = err == -ECANCELED ? TRIAL_FAILS : TRIAL_NOT_FOUND;
	snprintf(res->detail, sizeof(res->detail), err == -ENOENT ? "%s is not installed" :
		 err == -ENOEXEC ? "%s could not create the container" :
		 "%s could not start the container", who);
	return true;
}

static int start(const struct trial_env *env, capset_t caps, int log_fd,
		 struct launch **l, struct trial_result *res)
{
	struct launch_spec spec = {
		.container = env->container, .argv = env->argv,
		.caps = caps & launch__available_caps(), .user = env->user,
		.allow_new_privs = env->allow_new_privs,
		.stdin_fd = -1, .stdout_fd = log_fd, .stderr_fd = log_fd,
		.cwd = env->cwd, .envp = env->envp,
	};
	int err = launch__start(&spec, l);

	if (!err)
		err = recorder__track_exec(env->rec, launch__pid(*l));
	if (!err)
		err = launch__go(*l);
	if (env->container && container_failed(env, err, res))
		return 0;
	if (err == -ENOENT || err == -EACCES || err == -ENOEXEC) {
		res->outcome = TRIAL_NOT_FOUND;
		snprintf(res->detail, sizeof(res->detail), "cannot run %s: %s", env->argv[0],
			 strerror(-err));
		return 0;
	}
	if (err == -EPERM && !env->container)
		return exec_refused(env, caps, res);
	return err;
}

/* Stops the tree, noting when capdiet asked and whether it had to force it. */
static int stop(const struct trial_env *env, struct launch *l, struct trial_result *res)
{
	double asked = now_ms();
	int err;

	res->stop_ns = (uint64_t)(asked * 1e6);
	err = launch__stop(l, env->grace_ms);
	res->stop_forced = now_ms() - asked >= env->grace_ms;
	return err;
}

static int observe(const struct trial_env *env, const struct trial_request *req,
		   struct launch *l, struct trial_result *res)
{
	int err = env->probe ? watch_service(env, req, l, res) : watch_batch(env, l, res);

	if (!err)
		err = stop(env, l, res);
	if (!err)
		err = recorder__collect(env->rec, &res->obs);
	if (!err)
		classify__all(&res->obs, recorder__ksyms(env->rec));
	return err;
}

int trial__run(const struct trial_request *req, struct trial_result *res, void *ctx)
{
	const struct trial_env *env = ctx;
	struct launch *l = NULL;
	double t0 = now_ms();
	int log_fd = open_log(), err;

	if (log_fd < 0)
		return log_fd;
	err = before_each(env, log_fd);
	if (err == -EINTR) {
		set_result(res, TRIAL_INTERRUPTED, "interrupted%.0d", 0);
		err = 0;
		goto cleanup;
	}
	if (!err)
		err = recorder__reset(env->rec);
	if (!err)
		err = start(env, req->caps, log_fd, &l, res);
	if (!err && !res->detail[0])
		err = observe(env, req, l, res);
cleanup:
	launch__free(l);
	read_tail(log_fd, res->stderr_tail, sizeof(res->stderr_tail));
	close(log_fd);
	res->seconds = (now_ms() - t0) / 1e3;
	return err;
}
