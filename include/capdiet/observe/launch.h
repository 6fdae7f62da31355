/* SPDX-License-Identifier: MIT */
/*
 * The launcher: runs a command with exactly one capability set, as
 * `docker run --cap-drop=ALL --cap-add=...` would, and owns its whole process
 * tree (daemonised descendants included) until it is stopped.
 *
 *   launch__start()   forks; the child waits, nothing is exec'd yet
 *   ...               the recorder registers launch__pid() / the cgroup
 *   launch__go()      the child drops to the set and execs
 *   launch__wait()    until the main child exits (or a timeout, or a signal)
 *   launch__stop()    SIGTERM, SIGKILL after a grace period, until none is left
 *   launch__free()
 *
 * The tree lives in its own cgroup v2 (<cgroup2 mount>/capdiet/<pid>-<n>)
 * when one is available; a watchdog process kills that cgroup if capdiet
 * dies (even by SIGKILL).  Without cgroup v2 the child gets its own process
 * group and capdiet, a child subreaper, tracks (every 100 ms while waiting)
 * and reaps what it can see; a descendant that calls setsid() before capdiet
 * first sees it escapes, and if capdiet dies the watchdog can only kill the
 * process group.
 *
 * The launched program inherits only stdin, stdout and stderr: every other
 * descriptor of capdiet is closed at exec.
 *
 * Signals: a command calls launch__catch_signals() once; launch__wait() then
 * returns -EINTR when SIGINT, SIGTERM, SIGHUP or SIGQUIT arrived, and
 * launch__take_signal() says which.  A command that must stop the service on
 * Ctrl-C does:
 *
 *	while ((err = launch__wait(l, -1, &status)) == -EINTR)
 *		if (launch__take_signal(NULL))
 *			break;
 *	if (err == -EINTR)
 *		launch__stop(l, 2000);
 *
 * and one that forwards them (capdiet exec) calls launch__forward_signal().
 */
#ifndef CAPDIET_LAUNCH_H
#define CAPDIET_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "capdiet/core/caps.h"
#include "capdiet/core/strlist.h"
#include "capdiet/core/user.h"

/*
 * A container runtime that runs the command instead of capdiet's own fork:
 * an OCI bundle through runc/crun (config.json's process, with
 * process.capabilities set to the spec's set), or an image through Podman
 * (--cap-drop=all --cap-add=..., host network).  The launch then follows
 * the runtime: created (the runtime has set up the container and dropped
 * to the set, nothing of the command has run), registered, started by
 * launch__go(), stopped with SIGTERM to its first process, deleted by
 * launch__free() -- or by the watchdog if capdiet dies.
 */
enum launch_engine { LAUNCH_OCI = 1, LAUNCH_PODMAN };

struct launch_container {
	enum launch_engine engine;
	const char *runtime;          /* OCI runtime: "runc", "crun" or a path */
	const char *bundle;           /* LAUNCH_OCI: the bundle directory */
	const char *image;            /* LAUNCH_PODMAN: a local image */
	const char *user;             /* LAUNCH_PODMAN: --user, NULL: the image's */
	const char *userns;           /* LAUNCH_PODMAN: --userns, NULL: the host's */
};

/* What a local image runs, as `podman image inspect` tells it. */
struct launch_image {
	struct strlist entrypoint;
	struct strlist cmd;
	char user[128];               /* "" : root */
};
/*
 * Reads the image's configuration; 0, -ENOENT when Podman does not have it
 * locally (capdiet never pulls), -ENOEXEC when podman is missing or fails.
 */
int launch__image_config(const char *image, struct launch_image *out);
void launch_image__clear(struct launch_image *img);

struct launch_spec {
	const struct launch_container *container; /* NULL: fork and exec argv */
	char *const *argv;            /* argv[0] searched in PATH; with an image,
				       * the image's command when empty */
	capset_t caps;                /* the exact set */
	const struct user_spec *user; /* NULL: run as root */
	bool allow_new_privs;         /* false: PR_SET_NO_NEW_PRIVS before execve */
	int stdin_fd, stdout_fd, stderr_fd; /* -1: inherit */
	const char *cwd;              /* working directory (a systemd unit's); NULL: inherit */
	char *const *envp;            /* the whole environment; NULL: inherit capdiet's */
};

struct launch;

/*
 * What a launch can hand out: the capabilities capdiet itself holds in its
 * permitted and bounding sets (a container may withhold some from root).
 */
capset_t launch__available_caps(void);
/*
 * Forks.  The child blocks until launch__go(); nothing is exec'd yet.  The
 * spec is read now.  -EPERM when spec->caps is not within
 * launch__available_caps().
 */
int launch__start(const struct launch_spec *spec, struct launch **out);
pid_t launch__pid(const struct launch *l);
/* The tree's cgroup directory, or NULL in process-group mode. */
const char *launch__cgroup_path(const struct launch *l);
/* The tree's cgroup id (bpf_get_current_cgroup_id()), 0 without a cgroup. */
uint64_t launch__cgroup_id(const struct launch *l);
/*
 * Releases the child: it applies the capability sets and execs.  Returns 0
 * once execve succeeded, or the child's -errno when the set-up or execve
 * failed (-ENOENT: command not found; the child then exits 127, else 126).
 */
int launch__go(struct launch *l);
/*
 * Waits for the main child up to timeout_ms (-1: forever).  0 and *status
 * (as waitpid) once it exited; -ETIMEDOUT; -EINTR if a signal arrived.
 * Reaps orphaned descendants of the tree on the way.
 */
int launch__wait(struct launch *l, int timeout_ms, int *status);
/*
 * Stops the whole tree: SIGTERM, SIGKILL after grace_ms, and returns once no
 * process of it is left (0), or -EBUSY if some survived SIGKILL for seconds.
 */
int launch__stop(struct launch *l, int grace_ms);
/* True while any process of the tree is alive. */
bool launch__alive(const struct launch *l);
/* Stops the tree if still running, reaps, removes the cgroup, frees. */
void launch__free(struct launch *l);

/* Catches SIGINT, SIGTERM, SIGHUP and SIGQUIT (see above); 0 or -errno. */
int launch__catch_signals(void);
/*
 * The next caught signal (0: none pending).  *from_terminal is set when the
 * terminal sent it to the whole foreground process group.
 */
int launch__take_signal(bool *from_terminal);
/*
 * Passes a signal capdiet caught on to the main child, unless the terminal
 * already delivered it to the child's process group.  0 or -errno.
 */
int launch__forward_signal(struct launch *l, int sig, bool from_terminal);

#endif
