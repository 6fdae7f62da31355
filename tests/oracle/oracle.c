/*
 * oracle — finds the minimum capability set of a command by brute force,
 * without BPF and without any of capdiet's code, to check capdiet against.
 *
 * One trial with every capability the oracle holds (the reference), then one
 * trial without each capability in turn, most dangerous first, keeping every
 * drop that still works.  A trial works when the command exits 0 (batch) or
 * the probe passes while it runs (service), and, for a service, its processes
 * run with the same credentials (exe, uids, gids) as in the reference.
 *
 * Prints "caps: A,B" (or "caps: none"), "trials: N", "seconds: S" on stdout.
 * Exit status: 0 done, 1 the command fails even with every capability (or
 * an error), 2 bad usage, 130 interrupted (the running tree is killed).
 * Usage and the trial's launch semantics: tests/corpus/README.md.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
 *        tests/oracle/oracle.c -lcap -o oracle
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CG_ROOT "/sys/fs/cgroup/unified"
#define SETTLE_MS 300
#define POLL_MS 100
#define KILL_WAIT_MS 10000

struct opts {
	const char *probe, *before, *user, *order, *logs;
	double timeout, grace;
	int verbose;
	char **cmd;
};

struct who {
	int set;
	uid_t uid;
	gid_t gid;
	char name[256];
};

struct strset {
	char **v;
	size_t n;
};

struct pids {
	pid_t *v;
	size_t n, cap;
};

struct trial {
	int n;
	uint64_t caps;
	int logfd;
	pid_t pid;
	int reaped, status;
	char cg[PATH_MAX];
	char why[512];
};

enum stage { ST_CGROUP, ST_STDIO, ST_NNP, ST_BOUNDING, ST_USER, ST_CAPS, ST_EXEC };
static const char *const stage_names[] = {
	"join the cgroup", "redirect output", "set no_new_privs",
	"drop the bounding set", "switch user", "set capabilities", "run",
};

/* Most dangerous first; what the kernel does not know is skipped. */
static const char *const danger[] = {
	"SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE", "SYS_BOOT",
	"MAC_ADMIN", "MAC_OVERRIDE", "BPF", "PERFMON", "NET_ADMIN", "SYS_TIME",
	"SETPCAP", "SETFCAP", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
	"FSETID", "CHOWN", "SETUID", "SETGID", "SYS_CHROOT", "MKNOD", "NET_RAW",
	"KILL", "SYS_NICE", "SYS_RESOURCE", "IPC_OWNER", "IPC_LOCK",
	"LINUX_IMMUTABLE", "NET_BROADCAST", "SYS_PACCT", "SYS_TTY_CONFIG",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "AUDIT_READ", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "CHECKPOINT_RESTORE", "NET_BIND_SERVICE",
};

static volatile sig_atomic_t g_stop;
static char g_logdir[PATH_MAX];
static int g_logdir_temp;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- capability names and sets ---------------------------------------- */

static int last_cap(void)
{
	int n = cap_max_bits();

	return n > 64 ? 63 : n - 1;
}

static void cap_upper(int c, char *buf, size_t len)
{
	char *s = cap_to_name(c);
	const char *p = s ? s : "?";
	size_t i;

	if (!strncmp(p, "cap_", 4))
		p += 4;
	for (i = 0; p[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)p[i]);
	buf[i] = '\0';
	cap_free(s);
}

/* NAME: SYS_ADMIN, sys_admin or CAP_SYS_ADMIN. */
static int cap_parse(const char *name, int *out)
{
	char buf[64];
	cap_value_t v;
	size_t i;

	if (!strncasecmp(name, "cap_", 4))
		name += 4;
	if (!*name || strlen(name) + 5 > sizeof(buf))
		return -EINVAL;
	memcpy(buf, "cap_", 4);
	for (i = 0; name[i]; i++)
		buf[4 + i] = (char)tolower((unsigned char)name[i]);
	buf[4 + i] = '\0';
	if (cap_from_name(buf, &v) < 0 || v < 0 || v > last_cap())
		return -EINVAL;
	*out = v;
	return 0;
}

static void fmt_caps(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;
	char name[64];

	buf[0] = '\0';
	for (int c = 0; c <= last_cap(); c++) {
		if (!(mask & (1ULL << c)))
			continue;
		cap_upper(c, name, sizeof(name));
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s",
				off ? "," : "", name);
	}
	if (!off)
		snprintf(buf, len, "none");
}

static void order_add(int *order, int *n, uint64_t *seen, int c)
{
	if (*seen & (1ULL << c))
		return;
	*seen |= 1ULL << c;
	order[(*n)++] = c;
}

static int order_parse(const char *list, int *order, int *n, uint64_t *seen)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int c, rc = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", ", &save); tok && !rc;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (cap_parse(tok, &c) < 0) {
			fprintf(stderr, "oracle: unknown capability '%s' in --order\n", tok);
			rc = -EINVAL;
		} else {
			order_add(order, n, seen, c);
		}
	}
	free(copy);
	return rc;
}

/* The order of the drop trials: LIST (or the danger list), then the rest. */
static int build_order(const char *list, int *order, int *n)
{
	uint64_t seen = 0;
	int c, rc;

	*n = 0;
	if (list && (rc = order_parse(list, order, n, &seen)) < 0)
		return rc;
	for (size_t i = 0; !list && i < sizeof(danger) / sizeof(*danger); i++)
		if (cap_parse(danger[i], &c) == 0)
			order_add(order, n, &seen, c);
	for (c = 0; c <= last_cap(); c++)
		order_add(order, n, &seen, c);
	return 0;
}

/* What the oracle holds: bounding set AND permitted. */
static int held_caps(uint64_t *mask)
{
	cap_t cur = cap_get_proc();
	cap_flag_value_t v;

	if (!cur)
		return -errno;
	*mask = 0;
	for (int c = 0; c <= last_cap(); c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    cap_get_flag(cur, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			*mask |= 1ULL << c;
	cap_free(cur);
	return 0;
}

/* ---- the child: launch semantics of a container runtime --------------- */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int rc;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	rc = n < 0 ? -errno : 0;
	close(fd);
	return rc;
}

static int redirect(int logfd)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return -errno;
	if (dup2(in, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		return -errno;
	close(in);
	return 0;
}

static int drop_bounding(uint64_t mask)
{
	for (int c = 0; c <= last_cap(); c++)
		if (!(mask & (1ULL << c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

static int become_user(const struct who *w)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	if (initgroups(w->name, w->gid) < 0 || setgid(w->gid) < 0 ||
	    setuid(w->uid) < 0)
		return -errno;
	return 0;
}

/* permitted = inheritable = effective = MASK; ambient = MASK or nothing. */
static int set_caps(uint64_t mask, int ambient)
{
	cap_t caps = cap_init();
	cap_value_t v;
	int rc = 0;

	if (!caps)
		return -errno;
	for (int c = 0; c <= last_cap() && !rc; c++) {
		v = c;
		if ((mask & (1ULL << c)) &&
		    (cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET) < 0 ||
		     cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET) < 0 ||
		     cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0))
			rc = -errno;
	}
	if (!rc && cap_set_proc(caps) < 0)
		rc = -errno;
	cap_free(caps);
	if (!rc && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		rc = -errno;
	for (int c = 0; c <= last_cap() && ambient && !rc; c++)
		if ((mask & (1ULL << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			rc = -errno;
	return rc;
}

static int child_steps(const struct opts *o, const struct who *w,
		       const struct trial *t, enum stage *st)
{
	char path[PATH_MAX + 16];
	int rc;

	setsid();
	*st = ST_CGROUP;
	snprintf(path, sizeof(path), "%s/cgroup.procs", t->cg);
	if ((rc = write_file(path, "0")) < 0)
		return rc;
	*st = ST_STDIO;
	if ((rc = redirect(t->logfd)) < 0)
		return rc;
	*st = ST_NNP;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	*st = ST_BOUNDING;
	if ((rc = drop_bounding(t->caps)) < 0)
		return rc;
	*st = ST_USER;
	if (w->set && (rc = become_user(w)) < 0)
		return rc;
	*st = ST_CAPS;
	if ((rc = set_caps(t->caps, w->set)) < 0)
		return rc;
	*st = ST_EXEC;
	execvp(o->cmd[0], o->cmd);
	return -errno;
}

static void child_main(const struct opts *o, const struct who *w,
		       const struct trial *t, int errfd)
{
	enum stage st = ST_CGROUP;
	int rc = child_steps(o, w, t, &st);
	int msg[2] = { (int)st, -rc };

	if (write(errfd, msg, sizeof(msg)) < 0)
		_exit(126);
	_exit(127);
}

/* ---- cgroups ---------------------------------------------------------- */

static int pids_push(struct pids *p, pid_t pid)
{
	pid_t *v;

	if (p->n == p->cap) {
		v = realloc(p->v, (p->cap ? p->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = p->cap ? p->cap * 2 : 16;
	}
	p->v[p->n++] = pid;
	return 0;
}

static int cg_pids(const char *dir, struct pids *p);

static int cg_pids_children(const char *dir, struct pids *p)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return -errno;
	while (!rc && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		rc = cg_pids(sub, p);
	}
	closedir(d);
	return rc;
}

/* Appends the processes of cgroup DIR and of its descendants to P. */
static int cg_pids(const char *dir, struct pids *p)
{
	char path[PATH_MAX + 16];
	long pid;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (!rc && fscanf(f, "%ld", &pid) == 1)
		rc = pids_push(p, (pid_t)pid);
	fclose(f);
	return rc ? rc : cg_pids_children(dir, p);
}

/* Number of processes left in the tree (0 when it cannot be read). */
static size_t cg_count(const char *dir)
{
	struct pids p = { 0 };
	size_t n;

	cg_pids(dir, &p);
	n = p.n;
	free(p.v);
	return n;
}

static void cg_signal(const char *dir, int sig)
{
	struct pids p = { 0 };

	cg_pids(dir, &p);
	for (size_t i = 0; i < p.n; i++)
		kill(p.v[i], sig);
	free(p.v);
}

/* Removes DIR and its sub-cgroups, bottom up, retrying while busy. */
static int cg_remove(const char *dir)
{
	char sub[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			cg_remove(sub);
		}
	closedir(d);
	for (int i = 0; i < 50; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nap(20);
	}
	return -errno;
}

/* ---- processes -------------------------------------------------------- */

static void reap(struct trial *t, int block)
{
	pid_t r;

	while (!t->reaped) {
		r = waitpid(t->pid, &t->status, block ? 0 : WNOHANG);
		if (r == t->pid)
			t->reaped = 1;
		else if (!(r < 0 && errno == EINTR))
			return;
	}
}

static void exit_reason(const struct trial *t, char *buf, size_t len)
{
	if (WIFEXITED(t->status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(t->status));
	else
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(t->status)) ?
			 sigabbrev_np(WTERMSIG(t->status)) : "?");
}

static int exited_zero(const struct trial *t)
{
	return t->reaped && WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0;
}

/* Waits until the tree is empty, reaping the direct child; 0 or -ETIMEDOUT. */
static int wait_empty(struct trial *t, int64_t ms)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		reap(t, 0);
		if (cg_count(t->cg) == 0)
			return 0;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		nap(20);
	}
}

/* SIGTERM, GRACE_MS, then cgroup.kill (or SIGKILL each); removes the cgroup. */
static int stop_tree(struct trial *t, int64_t grace_ms)
{
	char path[PATH_MAX + 16];
	int rc;

	cg_signal(t->cg, SIGTERM);
	if (wait_empty(t, grace_ms) < 0) {
		snprintf(path, sizeof(path), "%s/cgroup.kill", t->cg);
		if (write_file(path, "1") < 0)
			cg_signal(t->cg, SIGKILL);
		if (wait_empty(t, KILL_WAIT_MS) < 0)
			fprintf(stderr, "oracle: trial %d: processes survive SIGKILL in %s\n",
				t->n, t->cg);
	}
	if (!t->reaped)
		kill(t->pid, SIGKILL);
	reap(t, 1);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		; /* orphans of the tree, reparented to us (subreaper) */
	if ((rc = cg_remove(t->cg)) < 0)
		fprintf(stderr, "oracle: cannot remove %s: %s\n", t->cg, strerror(-rc));
	return rc;
}

/*
 * Runs CMD via /bin/sh -c with full privileges, in its own process group,
 * output on OUTFD (or /dev/null when -1).  Returns its exit status (256 + the
 * signal when killed), -ETIMEDOUT after MS (killed), -EINTR when interrupted.
 */
static int run_shell(const char *cmd, int64_t ms, int outfd)
{
	int64_t end = now_ms() + ms;
	pid_t pid = fork(), r;
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		if (outfd < 0)
			outfd = open("/dev/null", O_WRONLY);
		if (outfd < 0 || redirect(outfd) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (g_stop || now_ms() >= end)
			break;
		nap(10);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return g_stop ? -EINTR : -ETIMEDOUT;
}

/* Forks the child; 0 when CMD runs, 1 when it could not be started. */
static int spawn(const struct opts *o, const struct who *w, struct trial *t)
{
	int pfd[2], msg[2];
	ssize_t r;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	t->pid = fork();
	if (t->pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (t->pid == 0) {
		close(pfd[0]);
		child_main(o, w, t, pfd[1]);
	}
	close(pfd[1]);
	do
		r = read(pfd[0], msg, sizeof(msg));
	while (r < 0 && errno == EINTR);
	close(pfd[0]);
	if (r != (ssize_t)sizeof(msg))
		return 0;
	if (msg[0] < 0 || msg[0] >= ST_EXEC)
		snprintf(t->why, sizeof(t->why), "cannot run %s: %s", o->cmd[0],
			 strerror(msg[1]));
	else
		snprintf(t->why, sizeof(t->why), "cannot %s: %s",
			 stage_names[msg[0]], strerror(msg[1]));
	return 1;
}

/* ---- verdicts --------------------------------------------------------- */

/* 1 when CMD exits 0 within the timeout, 0 when not, -EINTR. */
static int await_batch(const struct opts *o, struct trial *t)
{
	int64_t end = now_ms() + (int64_t)(o->timeout * 1000);

	for (;;) {
		reap(t, 0);
		if (t->reaped) {
			exit_reason(t, t->why, sizeof(t->why));
			return exited_zero(t);
		}
		if (g_stop)
			return -EINTR;
		if (now_ms() >= end) {
			snprintf(t->why, sizeof(t->why), "still running after %gs", o->timeout);
			return 0;
		}
		nap(10);
	}
}

/* Whether the service still runs: CMD runs, or exited 0 leaving its tree. */
static int service_alive(struct trial *t)
{
	reap(t, 0);
	if (!t->reaped)
		return 1;
	if (!exited_zero(t)) {
		exit_reason(t, t->why, sizeof(t->why));
		return 0;
	}
	if (cg_count(t->cg) == 0) {
		snprintf(t->why, sizeof(t->why), "exited 0 and left nothing running");
		return 0;
	}
	return 1;
}

/* 1 when the probe passes while the service runs, 0 when not, -EINTR. */
static int await_service(const struct opts *o, struct trial *t)
{
	int64_t end = now_ms() + (int64_t)(o->timeout * 1000), left;
	int rc;

	for (;;) {
		if (g_stop)
			return -EINTR;
		if (!service_alive(t))
			return 0;
		left = end - now_ms();
		if (left <= 0) {
			snprintf(t->why, sizeof(t->why), "probe did not pass within %gs",
				 o->timeout);
			return 0;
		}
		rc = run_shell(o->probe, left, -1);
		if (rc == -EINTR)
			return rc;
		if (rc == 0 && service_alive(t)) {
			snprintf(t->why, sizeof(t->why), "probe passed");
			return 1;
		}
		nap(POLL_MS < left ? POLL_MS : left);
	}
}

/* ---- credentials ------------------------------------------------------ */

/* "Uid:\t0\t0\t0\t0" -> "0,0,0,0" */
static void squeeze(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int gap = 0;

	for (; *in && *in != '\n' && o + 1 < len; in++) {
		if (isspace((unsigned char)*in)) {
			gap = o > 0;
			continue;
		}
		if (gap && o + 2 < len)
			out[o++] = ',';
		gap = 0;
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* "EXE uid=R,E,S,F gid=R,E,S,F" of PID. */
static int proc_creds(pid_t pid, char *buf, size_t len)
{
	char path[64], exe[PATH_MAX], line[512], uid[128] = "", gid[128] = "";
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		snprintf(exe, sizeof(exe), "?");
	else
		exe[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4))
			squeeze(line + 4, uid, sizeof(uid));
		else if (!strncmp(line, "Gid:", 4))
			squeeze(line + 4, gid, sizeof(gid));
	fclose(f);
	if (!*uid || !*gid)
		return -ENOENT;
	snprintf(buf, len, "%s uid=%s gid=%s", exe, uid, gid);
	return 0;
}

static int strset_add(struct strset *s, const char *str)
{
	char **v, *copy;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], str))
			return 0;
	if (!(copy = strdup(str)))
		return -ENOMEM;
	if (!(v = realloc(s->v, (s->n + 1) * sizeof(*v)))) {
		free(copy);
		return -ENOMEM;
	}
	s->v = v;
	s->v[s->n++] = copy;
	return 0;
}

static void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const char *strset_missing(const struct strset *a, const struct strset *b)
{
	size_t j;

	for (size_t i = 0; i < a->n; i++) {
		for (j = 0; j < b->n && strcmp(a->v[i], b->v[j]); j++)
			;
		if (j == b->n)
			return a->v[i];
	}
	return NULL;
}

/* Distinct (exe, uids, gids) of the processes in cgroup DIR. */
static int snapshot(const char *dir, struct strset *s)
{
	struct pids p = { 0 };
	char buf[PATH_MAX + 300];
	int rc = cg_pids(dir, &p);

	for (size_t i = 0; !rc && i < p.n; i++)
		if (proc_creds(p.v[i], buf, sizeof(buf)) == 0)
			rc = strset_add(s, buf);
	free(p.v);
	return rc;
}

/* 1 when CREDS equals REF; else 0, with the first difference in WHY. */
static int creds_match(const struct strset *ref, const struct strset *creds,
		       char *why, size_t len)
{
	const char *extra = strset_missing(creds, ref);
	const char *lost = strset_missing(ref, creds);

	if (extra)
		snprintf(why, len, "creds differ: %s not in the reference", extra);
	else if (lost)
		snprintf(why, len, "creds differ: no %s", lost);
	return !extra && !lost;
}

/* ---- one trial -------------------------------------------------------- */

static int open_log(int n)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/trial-%d.log", g_logdir, n);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* Appends ": LAST LINE" of trial N's log to WHY, if it has one. */
static void add_log_tail(int n, char *why, size_t len)
{
	char path[PATH_MAX + 32], line[512], last[512] = "";
	size_t used = strlen(why), k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trial-%d.log", g_logdir, n);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f))
		if (line[strspn(line, " \t\r\n")])
			snprintf(last, sizeof(last), "%s", line);
	fclose(f);
	k = strcspn(last, "\r\n");
	last[k < 160 ? k : 160] = '\0';
	if (*last && used < len)
		snprintf(why + used, len - used, ": %s", last);
}

static int before_each(const struct opts *o, struct trial *t)
{
	int rc;

	if (!o->before)
		return 0;
	rc = run_shell(o->before, (int64_t)(o->timeout * 1000), t->logfd);
	if (rc == 0 || rc == -EINTR)
		return rc;
	if (rc == -ETIMEDOUT)
		fprintf(stderr, "oracle: trial %d: --before-each still running after %gs\n",
			t->n, o->timeout);
	else if (rc < 0)
		fprintf(stderr, "oracle: trial %d: cannot run --before-each: %s\n",
			t->n, strerror(-rc));
	else
		fprintf(stderr, "oracle: trial %d: --before-each exited %d\n", t->n, rc);
	return -ECANCELED;
}

/* Launches CMD in the trial's cgroup and decides; 1 works, 0 fails, <0. */
static int launch_and_judge(const struct opts *o, const struct who *w,
			    struct trial *t, struct strset *creds)
{
	int rc;

	snprintf(t->cg, sizeof(t->cg), "%s/capdiet-oracle-%d-%d", CG_ROOT,
		 (int)getpid(), t->n);
	if (mkdir(t->cg, 0755) < 0) {
		rc = -errno;
		fprintf(stderr, "oracle: cannot create %s: %s\n", t->cg, strerror(-rc));
		return rc;
	}
	rc = spawn(o, w, t);
	if (rc == 0)
		rc = o->probe ? await_service(o, t) : await_batch(o, t);
	else if (rc == 1)
		rc = 0;
	if (rc == 1 && o->probe) {
		nap(SETTLE_MS);
		if (snapshot(t->cg, creds) < 0)
			rc = -EIO;
	}
	if (t->pid > 0)
		stop_tree(t, g_stop ? 0 : (int64_t)(o->grace * 1000));
	else
		cg_remove(t->cg);
	return g_stop ? -EINTR : rc;
}

/*
 * One trial with CAPS: 1 works, 0 fails (reason in WHY), <0 error (-EINTR:
 * interrupted).  The reference trial (IS_REF) fills REF with the service's
 * credentials; the others must match it.
 */
static int run_trial(const struct opts *o, const struct who *w, int n, uint64_t caps,
		     struct strset *ref, int is_ref, char *why, size_t len)
{
	struct trial t = { .n = n, .caps = caps, .pid = -1 };
	struct strset creds = { 0 };
	int rc;

	if ((t.logfd = open_log(n)) < 0) {
		rc = -errno;
		fprintf(stderr, "oracle: cannot write the trial log in %s: %s\n",
			g_logdir, strerror(-rc));
		return rc;
	}
	rc = before_each(o, &t);
	if (rc == 0)
		rc = launch_and_judge(o, w, &t, &creds);
	close(t.logfd);
	snprintf(why, len, "%s", t.why);
	if (rc == 0 && (o->verbose || is_ref))
		add_log_tail(n, why, len);
	if (rc == 1 && o->probe && is_ref) {
		*ref = creds;
		return rc;
	}
	if (rc == 1 && o->probe && !creds_match(ref, &creds, why, len))
		rc = 0;
	strset_free(&creds);
	return rc;
}

/* ---- setup and main --------------------------------------------------- */

static void usage(void)
{
	printf("usage: oracle [-p|--probe SHELLCMD] [-b|--before-each SHELLCMD]"
		" [-u|--user USER[:GROUP]] [-t|--timeout SECS] [--grace SECS]"
		" [--order LIST] [--logs DIR] [-v] -- CMD [ARGS...]\n");
}

static int parse_secs(const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > 86400)
		return -EINVAL;
	*out = v;
	return 0;
}

static int resolve_user(const char *spec, struct who *w)
{
	char name[256], *colon;
	struct passwd *pw;
	struct group *gr;

	snprintf(name, sizeof(name), "%s", spec);
	if ((colon = strchr(name, ':')))
		*colon++ = '\0';
	pw = getpwnam(name);
	if (!pw || (colon && !(gr = getgrnam(colon))))
		return -ENOENT;
	w->set = pw->pw_uid != 0;
	w->uid = pw->pw_uid;
	w->gid = colon ? gr->gr_gid : pw->pw_gid;
	snprintf(w->name, sizeof(w->name), "%s", pw->pw_name);
	return 0;
}

enum { OPT_GRACE = 256, OPT_ORDER, OPT_LOGS };

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "oracle: bad %s '%s'\n", what, arg);
	return -EINVAL;
}

/* One line for an unknown option (C '?') or a missing argument (C ':'). */
static int bad_option(int c, char **argv)
{
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *name = c == ':' || !optopt ? argv[optind - 1] : shortopt;

	fprintf(stderr, "oracle: %s '%s' (try --help)\n",
		c == ':' ? "missing argument to" : "unknown option", name);
	return -EINVAL;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "probe", required_argument, NULL, 'p' },
		{ "before-each", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "grace", required_argument, NULL, OPT_GRACE },
		{ "order", required_argument, NULL, OPT_ORDER },
		{ "logs", required_argument, NULL, OPT_LOGS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:b:u:t:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'p': o->probe = optarg; break;
		case 'b': o->before = optarg; break;
		case 'u': o->user = optarg; break;
		case 't': if (parse_secs(optarg, 0.1, &o->timeout) < 0) return bad("--timeout", optarg); break;
		case OPT_GRACE: if (parse_secs(optarg, 0, &o->grace) < 0) return bad("--grace", optarg); break;
		case OPT_ORDER: o->order = optarg; break;
		case OPT_LOGS: o->logs = optarg; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(); exit(0);
		default: return bad_option(c, argv);
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "oracle: no command (usage: oracle [options] -- CMD [ARGS...])\n");
		return -EINVAL;
	}
	o->cmd = argv + optind;
	return 0;
}

static int setup_logs(const char *dir)
{
	if (dir) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		snprintf(g_logdir, sizeof(g_logdir), "%s", dir);
		return 0;
	}
	snprintf(g_logdir, sizeof(g_logdir), "%s/capdiet-oracle-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(g_logdir))
		return -errno;
	g_logdir_temp = 1;
	return 0;
}

static void remove_logs(void)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	if (!g_logdir_temp || !(d = opendir(g_logdir)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", g_logdir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(g_logdir);
}

static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

static void say(const struct opts *o, int n, const char *what, int rc, const char *why)
{
	if (o->verbose)
		fprintf(stderr, "trial %d: %s \u2192 %s (%s)\n", n, what,
			rc == 1 ? "works" : "fails", why);
}

/* The reference trial, with every capability held: 1 works, 0 fails, <0. */
static int reference(const struct opts *o, const struct who *w, uint64_t held,
		     struct strset *ref)
{
	char why[512], what[32];
	int rc = run_trial(o, w, 1, held, ref, 1, why, sizeof(why));

	if (rc < 0)
		return rc;
	snprintf(what, sizeof(what), "all %d", __builtin_popcountll(held));
	say(o, 1, what, rc, why);
	for (size_t i = 0; rc == 1 && o->verbose && i < ref->n; i++)
		fprintf(stderr, "reference: %s\n", ref->v[i]);
	if (rc == 0)
		fprintf(stderr, "oracle: %s fails even with every capability (%s)\n",
			o->cmd[0], why);
	return rc;
}

/* The greedy search over ORDER: 0 (result in *FINAL), 1 (reference fails), <0. */
static int search(const struct opts *o, const struct who *w, uint64_t held,
		  const int *order, int n, uint64_t *final, int *trials)
{
	struct strset ref = { 0 };
	char why[512], what[80];
	uint64_t bit;
	int rc = reference(o, w, held, &ref);

	*trials = 1;
	*final = held;
	for (int i = 0; rc == 1 && i < n; i++) {
		bit = 1ULL << order[i];
		if (!(*final & bit))
			continue;
		rc = run_trial(o, w, ++*trials, *final & ~bit, &ref, 0, why, sizeof(why));
		if (rc < 0)
			break;
		what[0] = '-';
		cap_upper(order[i], what + 1, sizeof(what) - 1);
		say(o, *trials, what, rc, why);
		if (rc == 1)
			*final &= ~bit;
		rc = 1;
	}
	strset_free(&ref);
	return rc < 0 ? rc : rc == 1 ? 0 : 1;
}

static int prepare(int argc, char **argv, struct opts *o, struct who *w,
		   int *order, int *n)
{
	int rc;

	if (parse_args(argc, argv, o) < 0)
		return 2;
	if (o->user && resolve_user(o->user, w) < 0) {
		fprintf(stderr, "oracle: unknown user or group '%s'\n", o->user);
		return 2;
	}
	if (build_order(o->order, order, n) < 0)
		return 2;
	if ((rc = setup_logs(o->logs)) < 0) {
		fprintf(stderr, "oracle: cannot create the log directory: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout = 10, .grace = 3 };
	struct who w = { 0 };
	uint64_t held = 0, final = 0;
	int64_t start;
	int rc, n, trials = 0, order[64];
	char set[1024];

	if ((rc = prepare(argc, argv, &o, &w, order, &n)) != 0)
		return rc;
	if ((rc = held_caps(&held)) < 0) {
		fprintf(stderr, "oracle: cannot read its own capabilities: %s\n", strerror(-rc));
		remove_logs();
		return 1;
	}
	handle_signals();
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	start = now_ms();
	rc = search(&o, &w, held, order, n, &final, &trials);
	remove_logs();
	if (rc == -EINTR) {
		fprintf(stderr, "oracle: interrupted\n");
		return 130;
	}
	if (rc != 0)
		return 1;
	fmt_caps(final, set, sizeof(set));
	printf("caps: %s\ntrials: %d\nseconds: %.1f\n", set, trials,
	       (now_ms() - start) / 1000.0);
	return 0;
}
