// SPDX-License-Identifier: MIT
/*
 * Small programs that make known capability checks, for the integration
 * tests:  capprobe setuid-loop N | setuid-self | setgid-worker GID |
 *         daemonize CMD... | bind PORT | sleep SECS | serve PORT [UID] |
 *         fork-storm N | ignore-term
 */
#include <signal.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int setuid_loop(long n)
{
	for (long i = 0; i < n; i++)
		if (setuid(0)) {
			perror("setuid");
			return 1;
		}
	return 0;
}

/* A forking server's worker dropping to an unprivileged group and user. */
static int setgid_worker(int id)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid(id) || setuid(id)) {
			fprintf(stderr, "worker: cannot drop to %d: %s\n", id, strerror(errno));
			_exit(1);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int daemonize(char **argv)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid < 0;
	setsid();
	if (fork() != 0)
		_exit(0);
	execvp(argv[0], argv);
	_exit(127);
}

static int bind_port(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "bind 127.0.0.1:%d: %s\n", port, strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

/*
 * A forking server: the master binds, a worker tries to drop to uid/gid
 * id (when given) and serves "ok" even if that failed, as a careless
 * server would keep running as root.
 */
static int serve(int port, int id)
{
	static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16)) {
		fprintf(stderr, "serve 127.0.0.1:%d: %s\n", port, strerror(errno));
		return 1;
	}
	if (fork() == 0) {
		if (id >= 0 && setgid(id))
			fprintf(stderr, "worker: setgid(%d): %s; serving anyway\n", id, strerror(errno));
		if (id >= 0 && setuid(id))
			fprintf(stderr, "worker: setuid(%d): %s; serving anyway\n", id, strerror(errno));
		for (;;) {
			int c = accept(fd, NULL, NULL);
			char buf[512];

			if (c < 0)
				continue;
			if (read(c, buf, sizeof(buf)) > 0 && write(c, reply, sizeof(reply) - 1) < 0)
				perror("write");
			close(c);
		}
	}
	for (;;)
		pause();
}

/* N children alive at once, each making one refused setgid(33) check. */
static int fork_storm(int n)
{
	int gate[2], failed = 0;
	char c;

	if (pipe(gate))
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(gate[1]);
			/* Released together when the parent closes the pipe. */
			if (read(gate[0], &c, 1) < 0)
				_exit(2);
			_exit(setgid(33) == 0 ? 0 : 1);
		}
		if (pid < 0) {
			perror("fork");
			failed++;
		}
	}
	close(gate[1]);
	while (wait(NULL) > 0)
		;
	return failed != 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "setuid-loop"))
		return setuid_loop(atol(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "setuid-self"))
		return setuid(getuid()) != 0;
	if (argc >= 3 && !strcmp(argv[1], "setgid-worker"))
		return setgid_worker(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "daemonize"))
		return daemonize(argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "bind"))
		return bind_port(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), argc >= 4 ? atoi(argv[3]) : -1);
	if (argc >= 3 && !strcmp(argv[1], "fork-storm"))
		return fork_storm(atoi(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "ignore-term")) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	if (argc >= 3 && !strcmp(argv[1], "sleep"))
		return sleep(atoi(argv[2])) != 0;
	fprintf(stderr, "usage: capprobe setuid-loop N | setuid-self | setgid-worker GID | "
			"daemonize CMD... | bind PORT | sleep SECS | serve PORT [UID] | "
			"fork-storm N | ignore-term\n");
	return 2;
}
