// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capdiet/core/proc.h"
#include "capdiet/core/spawn.h"

#define SPAWN_NOT_FOUND 127 /* the shell's code for "command not found" */

void spawn__reset_signals(void)
{
	sigset_t none;

	/* capdiet's handlers go at exec; what it ignored or blocked would stay. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void spawn__child(char *const *argv, int out_fd, int err_fd,
						   pid_t parent)
{
	int null = open("/dev/null", O_RDWR);

	spawn__reset_signals();
	setpgid(0, 0);
	dup2(null, STDIN_FILENO);
	dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
	dup2(err_fd >= 0 ? err_fd : null, STDERR_FILENO);
	/* A runtime command must not outlive capdiet's watchdog clean-up. */
	if (prctl(PR_SET_PDEATHSIG, (long)SIGKILL, 0L, 0L, 0L) != 0 || getppid() != parent)
		_exit(126);
	execvp(argv[0], argv);
	_exit(errno == ENOENT ? SPAWN_NOT_FOUND : 126);
}

pid_t spawn__start(char *const *argv, int out_fd, int err_fd)
{
	pid_t self = getpid(), pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		spawn__child(argv, out_fd, err_fd, self);
	setpgid(pid, pid); /* the child does too: either wins, the group exists at once */
	return pid;
}

int spawn__wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == SPAWN_NOT_FOUND)
		return -ENOENT;
	return proc__exit_code(status);
}

int spawn__run(char *const *argv, int out_fd, int err_fd)
{
	pid_t pid = spawn__start(argv, out_fd, err_fd);

	return pid < 0 ? pid : spawn__wait(pid);
}

int spawn__tmpfile(const char *dir)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (tmp && *tmp)
		dir = tmp;
	fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd < 0 ? -errno : fd;
	/* A file system without O_TMPFILE: a named file, unlinked at once. */
	snprintf(path, sizeof(path), "%s/capdiet.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

void spawn__last_line(int fd, char *out, size_t len)
{
	char buf[4096], *line;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);

	buf[n > 0 ? n : 0] = '\0';
	while ((line = strrchr(buf, '\n')) && !line[1])
		*line = '\0';
	line = strrchr(buf, '\n');
	snprintf(out, len, "%.400s", line ? line + 1 : buf);
}
