// SPDX-License-Identifier: MIT
/*
 * Programs whose needs leave no failed capability check to see, for the
 * learner's integration tests (tests/integration/test_learn_paths.sh):
 *
 *   capkeep drop-bind PORT   root daemon: keep-caps, switch to nobody, capset
 *                            keeping NET_BIND_SERVICE, bind 127.0.0.1:PORT,
 *                            exit 0.  Without NET_BIND_SERVICE in the bounding
 *                            set the capset fails (EPERM, no check at all).
 *   capkeep stop-kill PORT   service: a root master and a worker switched to
 *                            nobody that accepts on 127.0.0.1:PORT; on
 *                            SIGTERM the master signals the worker (another
 *                            uid: CAP_KILL, denied on a diet, ignored).
 *   capkeep raw              opens a raw ICMP socket (CAP_NET_RAW); installed
 *                            with file capabilities by the test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static int die(const char *what)
{
	fprintf(stderr, "capkeep: %s: %s\n", what, strerror(errno));
	return 1;
}

static int keep_only(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[cap / 32].effective = data[cap / 32].permitted = 1u << (cap % 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

static int to_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY))
		return die("setgid");
	if (setuid(NOBODY))
		return die("setuid");
	return 0;
}

static int listen_on(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16)) {
		die("bind");
		return -1;
	}
	return fd;
}

static int drop_bind(int port)
{
	int fd;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return die("prctl");
	if (to_nobody())
		return 1;
	if (keep_only(CAP_NET_BIND_SERVICE))
		return die("capset");
	fd = listen_on(port);
	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void serve(int fd)
{
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0) {
			(void)!write(c, "ok\n", 3);
			close(c);
		}
	}
}

static int stop_kill(int port)
{
	int fd = listen_on(port);
	pid_t worker;

	if (fd < 0)
		return 1;
	signal(SIGTERM, on_term);
	worker = fork();
	if (worker == 0) {
		signal(SIGTERM, SIG_DFL);
		if (to_nobody())
			_exit(1);
		serve(fd);
	}
	close(fd);
	while (!stopping && waitpid(worker, NULL, WNOHANG) == 0)
		pause();
	if (kill(worker, SIGTERM))
		fprintf(stderr, "capkeep: cannot stop the worker: %s (going on)\n", strerror(errno));
	return 0;
}

static int raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd < 0)
		return die("raw socket");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "drop-bind"))
		return drop_bind(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "stop-kill"))
		return stop_kill(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "raw"))
		return raw();
	fprintf(stderr, "usage: capkeep drop-bind PORT | stop-kill PORT | raw\n");
	return 2;
}
