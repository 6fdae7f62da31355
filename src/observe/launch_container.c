// SPDX-License-Identifier: MIT
/*
 * The launcher through a container runtime.  What capdiet does itself for a
 * plain command -- fork, wait for go, drop to the set, exec -- the runtime
 * does here, in its own order:
 *
 *   OCI:    `runc create` with the bundle's config.json, process.capabilities
 *           replaced by the set; `runc start`; `runc delete --force`.
 *   Podman: `podman create --cap-drop=all --cap-add=...`, `podman init`,
 *           `podman start`, `podman rm --force`.
 *
 * After create/init the container's first process exists, already in its
 * cgroup and with the set applied, and waits for start: that is when the
 * recorder registers it, so the runtime's own set-up (full capabilities)
 * is never counted.  From then on the tree is the container's cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capdiet/core/file.h"
#include "capdiet/core/log.h"
#include "capdiet/core/oci_config.h"
#include "capdiet/core/outfile.h"
#include "capdiet/core/spawn.h"
#include "capdiet/core/strlist.h"
#include "capdiet/observe/filecaps.h"
#include "launch_internal.h"

/* Both outputs to one descriptor: the trial's log. */
static int ctr__call(char *const *argv, int out_fd)
{
	return spawn__run(argv, out_fd, out_fd);
}

/* stdout captured (its first line) into out, stderr dropped. */
static int ctr__capture(char *const *argv, char *out, size_t len)
{
	int fd = spawn__tmpfile("/tmp"), rc;
	ssize_t n;

	if (fd < 0)
		return fd;
	rc = spawn__run(argv, fd, -1);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	close(fd);
	return rc;
}

/* Whether name is an executable file in a directory of PATH. */
static bool program__installed(const char *name)
{
	char path[4096];

	return filecaps__resolve(name, path, sizeof(path)) == 0;
}

/* runc, else crun when only it is installed. */
static const char *oci__default_runtime(void)
{
	return !program__installed("runc") && program__installed("crun") ? "crun" : "runc";
}

static struct launch_ctr *ctr__new(const struct launch_spec *spec)
{
	static unsigned int counter;
	const struct launch_container *c = spec->container;
	struct launch_ctr *ctr = calloc(1, sizeof(*ctr));

	if (!ctr)
		return NULL;
	ctr->engine = c->engine;
	ctr->log_fd = spec->stdout_fd;
	snprintf(ctr->id, sizeof(ctr->id), "capdiet-%d-%u", (int)getpid(), counter++);
	if (c->engine == LAUNCH_PODMAN) {
		ctr->program = strdup("podman");
		ctr->runtime = c->runtime ? strdup(c->runtime) : NULL;
	} else {
		ctr->program = strdup(c->runtime ? c->runtime : oci__default_runtime());
	}
	if (!ctr->program || (c->runtime && c->engine == LAUNCH_PODMAN && !ctr->runtime)) {
		free(ctr->program);
		free(ctr->runtime);
		free(ctr);
		errno = ENOMEM;
		return NULL;
	}
	return ctr;
}

/* ---- OCI bundle ---- */

struct bundle_write {
	const struct ydoc *doc;
	const struct oci_overrides *o;
};

static int bundle__fill(FILE *out, void *ctx)
{
	const struct bundle_write *w = ctx;

	return oci_config__write(w->doc, w->o, out);
}

/* The trial's bundle: config.json only, pointing back at the real one. */
static int bundle__write(struct launch_ctr *ctr, const char *bundle, capset_t caps)
{
	char dir[PATH_MAX], dst[sizeof(ctr->tmpdir) + 16], cg[96], err[512];
	struct oci_overrides o = { .set_caps = true, .caps = caps, .no_terminal = true,
				   .bundle_dir = dir, .cgroups_path = cg };
	struct bundle_write w;
	struct oci_bundle b;
	int rc;

	if (!realpath(bundle, dir))
		return -errno;
	rc = oci_bundle__read(dir, &b, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		return rc;
	}
	snprintf(cg, sizeof(cg), "/capdiet/%s", ctr->id);
	w = (struct bundle_write){ .doc = b.doc, .o = &o };
	snprintf(dst, sizeof(dst), "%s/config.json", ctr->tmpdir);
	rc = outfile__write(dst, bundle__fill, &w);
	oci_bundle__clear(&b);
	return rc;
}

static int oci__read_pid(const struct launch_ctr *ctr, pid_t *pid)
{
	char path[sizeof(ctr->tmpdir) + 8], *buf = NULL, *end;
	size_t len;
	long v;
	int err;

	snprintf(path, sizeof(path), "%s/pid", ctr->tmpdir);
	err = file__read(path, 64, &buf, &len);
	if (err)
		return err;
	v = strtol(buf, &end, 10);
	err = end == buf || v <= 1 || v > INT_MAX ? -EIO : 0;
	*pid = (pid_t)v;
	free(buf);
	return err;
}

static int oci__create(struct launch_ctr *ctr, const struct launch_spec *spec, pid_t *pid)
{
	char pidfile[sizeof(ctr->tmpdir) + 8];
	char *argv[] = { ctr->program, "create", "--bundle", ctr->tmpdir, "--pid-file",
			 pidfile, ctr->id, NULL };
	int err, rc;

	snprintf(pidfile, sizeof(pidfile), "%s/pid", ctr->tmpdir);
	err = bundle__write(ctr, spec->container->bundle, spec->caps);
	if (err) {
		log_error("bundle %s: cannot write the trial's config.json (%s)",
			  spec->container->bundle, strerror(-err));
		return err;
	}
	rc = ctr__call(argv, ctr->log_fd);
	if (rc == -ENOENT)
		return -ENOENT;
	if (rc != 0)
		return -ENOEXEC; /* its reason is in the log */
	return oci__read_pid(ctr, pid);
}

/* ---- Podman ---- */

/* Appends one formatted argument; the first error sticks in *err. */
static void args__add(struct strlist *a, int *err, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	if (*err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	*err = n < 0 || n >= (int)sizeof(text) ? -E2BIG : strlist__add(a, text);
}

/*
 * --ulimit at today's limits: Podman's defaults raise them, which needs
 * CAP_SYS_RESOURCE that root may lack (some VMs, nested containers).  At
 * most max: Podman lowers its own RLIMIT_NPROC to 32768, and the runtime
 * it starts cannot go back above that (seen with Podman 4.3 and runc).
 */
static void podman__ulimit(struct strlist *a, int *err, const char *name, int resource,
			   rlim_t max)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) != 0)
		return;
	rl.rlim_cur = rl.rlim_cur > max ? max : rl.rlim_cur;
	rl.rlim_max = rl.rlim_max > max ? max : rl.rlim_max;
	/* -1: unlimited, in Podman's words. */
	args__add(a, err, "--ulimit=%s=%lld:%lld", name,
		  rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
		  rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
}

/* What the container holds and how it runs: the options before IMAGE. */
static void podman__run_options(const struct launch_spec *spec, struct strlist *a, int *err)
{
	args__add(a, err, "--network=host");
	args__add(a, err, "--cap-drop=all");
	for (int cap = 0; cap < 64; cap++)
		if (caps__has(spec->caps, cap))
			args__add(a, err, "--cap-add=%s", caps__full_name(cap));
	podman__ulimit(a, err, "nofile", RLIMIT_NOFILE, RLIM_INFINITY);
	podman__ulimit(a, err, "nproc", RLIMIT_NPROC, 32768);
	if (!spec->allow_new_privs)
		args__add(a, err, "--security-opt=no-new-privileges");
	if (spec->container->user)
		args__add(a, err, "--user=%s", spec->container->user);
	if (spec->container->userns) {
		args__add(a, err, "--userns=%s", spec->container->userns);
		/* A user namespace may not mount a sysfs of the host's network
		 * namespace, which it does not own: the host's, read-only. */
		args__add(a, err, "--volume=/sys:/sys:ro");
	}
}

/* podman [--runtime=R] create ... IMAGE [CMD...], as a NULL-ended argv
 * (strlist keeps no room for the NULL). */
static char **podman__create_argv(const struct launch_ctr *ctr, const struct launch_spec *spec,
				  struct strlist *a)
{
	char **argv = NULL;
	int err = 0;

	args__add(a, &err, "%s", ctr->program);
	if (ctr->runtime)
		args__add(a, &err, "--runtime=%s", ctr->runtime);
	args__add(a, &err, "create");
	args__add(a, &err, "--pull=never");
	args__add(a, &err, "--name=%s", ctr->id);
	podman__run_options(spec, a, &err);
	args__add(a, &err, "%s", spec->container->image);
	for (size_t i = 0; !err && spec->argv && spec->argv[i]; i++)
		err = strlist__add(a, spec->argv[i]);
	if (!err)
		argv = calloc(a->n + 1, sizeof(*argv));
	if (argv)
		memcpy(argv, a->v, a->n * sizeof(*argv));
	errno = err ? -err : ENOMEM;
	return argv;
}

static int podman__create(struct launch_ctr *ctr, const struct launch_spec *spec, pid_t *pid)
{
	char *init[] = { ctr->program, "init", ctr->id, NULL };
	char *inspect[] = { ctr->program, "inspect", "--format", "{{.State.Pid}}", ctr->id, NULL };
	struct strlist args = { 0 };
	char text[64], **argv = podman__create_argv(ctr, spec, &args);
	int rc = argv ? 0 : -errno;

	if (!rc)
		rc = ctr__call(argv, ctr->log_fd);
	if (!rc)
		rc = ctr__call(init, ctr->log_fd);
	if (!rc)
		rc = ctr__capture(inspect, text, sizeof(text));
	free(argv);
	strlist__clear(&args);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc)
		return rc == -ENOENT ? -ENOENT : -ENOEXEC;
	*pid = (pid_t)atoi(text);
	return *pid > 1 ? 0 : -EIO;
}

static int image__strings(const struct ydoc_node *list, struct strlist *out)
{
	int err = 0;

	if (!list || ydoc__is_null(list))
		return 0;
	if (list->type != YDOC_SEQ)
		return -EINVAL;
	for (size_t i = 0; !err && i < list->n; i++)
		err = ydoc__text(list->items[i]) ? strlist__add(out, list->items[i]->value) : -EINVAL;
	return err;
}

static int image__parse(const char *buf, size_t len, struct launch_image *out)
{
	struct ydoc_where where = { .file = "podman image inspect" };
	struct ydoc *doc = NULL;
	const struct ydoc_node *cfg;
	int err = ydoc__load(buf, len, YDOC_ONE_DOCUMENT | YDOC_NO_ALIASES, &where, &doc);

	if (err)
		return -ENOEXEC;
	cfg = doc->n_docs ? doc->docs[0].root : NULL;
	err = cfg && cfg->type == YDOC_MAP ? 0 : -ENOEXEC;
	if (!err)
		err = image__strings(ydoc__get(cfg, "Entrypoint"), &out->entrypoint);
	if (!err)
		err = image__strings(ydoc__get(cfg, "Cmd"), &out->cmd);
	if (!err && ydoc__text(ydoc__get(cfg, "User")))
		snprintf(out->user, sizeof(out->user), "%s", ydoc__get(cfg, "User")->value);
	ydoc__free(doc);
	return err;
}

/* 0 when Podman has the image, -ENOENT when it does not (exit 1), else
 * -ENOEXEC: Podman is missing or failed (125 is any error of its own). */
static int image__exists(const char *image)
{
	char *argv[] = { "podman", "image", "exists", (char *)image, NULL };
	int rc = spawn__run(argv, -1, -1);

	return rc == 0 ? 0 : rc == 1 ? -ENOENT : -ENOEXEC;
}

int launch__image_config(const char *image, struct launch_image *out)
{
	char *argv[] = { "podman", "image", "inspect", "--format", "{{json .Config}}",
			 (char *)image, NULL };
	int fd = spawn__tmpfile("/tmp"), rc;
	char *buf = NULL;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return fd;
	rc = image__exists(image);
	if (!rc)
		rc = spawn__run(argv, fd, -1) ? -ENOEXEC : 0;
	if (!rc && lseek(fd, 0, SEEK_SET) == 0)
		rc = file__read_fd(fd, 1u << 20, 4096, &buf, &len) ? -ENOEXEC : 0;
	if (!rc)
		rc = image__parse(buf, len, out);
	free(buf);
	close(fd);
	return rc;
}

void launch_image__clear(struct launch_image *img)
{
	if (!img)
		return;
	strlist__clear(&img->entrypoint);
	strlist__clear(&img->cmd);
}

/* ---- common ---- */

/* What deletes the container, for capdiet and for its watchdog: the
 * runtime's delete, and for runc the trial's bundle and the cgroups a
 * container killed mid-create leaves (rmdir takes only empty ones). */
static int ctr__set_cleanup(struct launch_ctr *ctr)
{
	int n;

	if (ctr->engine == LAUNCH_PODMAN)
		n = snprintf(ctr->cleanup_script, sizeof(ctr->cleanup_script),
			     "exec '%s' rm --force '%s'", ctr->program, ctr->id);
	else
		n = snprintf(ctr->cleanup_script, sizeof(ctr->cleanup_script),
			     "'%s' delete --force '%s' || exit 1; rm -rf '%s'; rmdir "
			     "/sys/fs/cgroup/*/capdiet/'%s' /sys/fs/cgroup/capdiet/'%s' 2>/dev/null; "
			     "exit 0", ctr->program, ctr->id, ctr->tmpdir, ctr->id, ctr->id);
	if (n < 0 || n >= (int)sizeof(ctr->cleanup_script) || strchr(ctr->program, '\'')) {
		log_error("runtime %.64s: a path without quotes, shorter than 256 bytes, please",
			  ctr->program);
		return -ENAMETOOLONG;
	}
	ctr->cleanup[0] = "/bin/sh";
	ctr->cleanup[1] = "-c";
	ctr->cleanup[2] = ctr->cleanup_script;
	ctr->cleanup[3] = NULL;
	return 0;
}

/* The runtime's first process, created and waiting; its cgroup the tree's. */
static int ctr__adopt(struct launch *l, pid_t pid)
{
	char expect[96];
	int err;

	/* runc was told its cgroupsPath; Podman names the cgroup itself. */
	snprintf(expect, sizeof(expect), "/capdiet/%s", l->ctr->id);
	l->pid = pid;
	err = launch_cgroup__adopt(l, pid, l->ctr->engine == LAUNCH_OCI ? expect : NULL);
	if (err) {
		log_error("container %s: %s", l->ctr->id, err == -EBUSY ?
			  "the runtime left it in capdiet's own cgroup, which capdiet will not "
			  "kill: give the runtime a cgroup v2 of its own" :
			  "cannot find the cgroup v2 the runtime made for it");
		return err;
	}
	l->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (l->pidfd >= 0)
		l->pidfd = fd__lift(l->pidfd);
	return 0;
}

static int ctr__make_tmpdir(struct launch_ctr *ctr)
{
	snprintf(ctr->tmpdir, sizeof(ctr->tmpdir), "/tmp/capdiet-oci-XXXXXX");
	if (mkdtemp(ctr->tmpdir))
		return 0;
	ctr->tmpdir[0] = '\0';
	return -errno;
}

int launch_ctr__start(const struct launch_spec *spec, struct launch *l)
{
	bool oci = spec->container->engine == LAUNCH_OCI;
	pid_t pid = 0;
	int err;

	l->ctr = ctr__new(spec);
	if (!l->ctr)
		return -errno;
	err = oci ? ctr__make_tmpdir(l->ctr) : 0;
	if (!err)
		err = ctr__set_cleanup(l->ctr);
	/* Before the runtime makes anything: if capdiet dies from here on, the
	 * runtime's delete removes whatever exists (it kills what runs). */
	if (!err)
		err = launch_watchdog__start_with(&l->watchdog, NULL, 0, l->ctr->cleanup);
	/* runc's first process is re-parented to capdiet, which can then wait
	 * for it; Podman's stays conmon's (launch_ctr__status asks Podman). */
	if (!err && oci && prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0)
		err = -errno;
	if (!err)
		err = oci ? oci__create(l->ctr, spec, &pid) : podman__create(l->ctr, spec, &pid);
	return err ? err : ctr__adopt(l, pid);
}

int launch_ctr__go(struct launch *l)
{
	char *argv[] = { l->ctr->program, "start", l->ctr->id, NULL };
	/* podman start prints the name on stdout: only its errors matter. */
	int rc = spawn__run(argv, l->ctr->engine == LAUNCH_PODMAN ? -1 : l->ctr->log_fd,
			    l->ctr->log_fd);

	return rc == 0 ? 0 : rc < 0 ? rc : -ECANCELED;
}

int launch_ctr__status(struct launch *l, int *status)
{
	char *argv[] = { l->ctr->program, "wait", l->ctr->id, NULL };
	char text[32] = "";
	int code = 255;

	/* Asked once: the launch is then over, whatever the answer. */
	if (l->ctr->engine == LAUNCH_PODMAN && ctr__capture(argv, text, sizeof(text)) == 0)
		code = atoi(text);
	else
		log_warn("container %s: its exit status is unknown; taken as 255", l->ctr->id);
	/* Podman reports a death by signal as 128 + the signal. */
	*status = code > 128 && code < 128 + NSIG ? (code - 128) : (code & 0xff) << 8;
	return 0;
}

void launch_ctr__free(struct launch *l)
{
	struct launch_ctr *ctr = l->ctr;
	char *logs[] = { ctr ? ctr->program : NULL, "logs", ctr ? ctr->id : NULL, NULL };

	if (!ctr)
		return;
	/* Podman keeps the command's output in its own log. */
	if (ctr->engine == LAUNCH_PODMAN && ctr->log_fd >= 0 && l->pid > 0)
		ctr__call(logs, ctr->log_fd);
	/* If the delete failed (or was cut short), the watchdog tries again. */
	if (!ctr->cleanup[0] || ctr__call(ctr->cleanup, -1) == 0)
		launch_watchdog__stop(&l->watchdog);
	else
		launch_watchdog__hand_over(&l->watchdog);
	/* The runtime removed the cgroup with the container. */
	launch_cgroup__remove(l);
	free(ctr->program);
	free(ctr->runtime);
	free(ctr);
	l->ctr = NULL;
}
