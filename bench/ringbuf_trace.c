// SPDX-License-Identifier: MIT
/*
 * ringbuf-trace [--count] -- CMD [ARGS...]: runs CMD with bench/ringbuf.bpf.c
 * streaming each of its capability checks to this process, which counts
 * them; with --count, the checks are counted in a kernel hash map instead.
 * Prints "events=N dropped=M" and exits with CMD's status.  A comparison
 * point for bench/run.sh, not part of capdiet.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ringbuf.skel.h"

static int on_event(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(unsigned long long *)ctx)++;
	return 0;
}

/* Forks CMD held at a pipe until *go_fd is written, so that its pid is in
 * the target map before its first check. */
static pid_t child__spawn(char **argv, int *go_fd)
{
	int fds[2];
	pid_t pid;
	char go;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(126);
		execvp(argv[0], argv);
		fprintf(stderr, "ringbuf-trace: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return -errno;
	}
	*go_fd = fds[1];
	return pid;
}

static unsigned long long dropped__sum(struct ringbuf_bpf *skel)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long v[1024] = { 0 }, sum = 0;
	__u32 zero = 0;

	if (ncpu <= 0 || ncpu > 1024 ||
	    bpf_map_lookup_elem(bpf_map__fd(skel->maps.dropped), &zero, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

/* --count: the sum of the kernel's counters. */
static unsigned long long counts__sum(struct ringbuf_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.counts);
	struct { __s32 cap, ret; } key, *prev = NULL;
	unsigned long long sum = 0;
	__u64 n;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (!bpf_map_lookup_elem(fd, &key, &n))
			sum += n;
		prev = &key;
	}
	return sum;
}

/* Consumes events until the child exits; its wait status, or -errno. */
static int events__drain(struct ring_buffer *rb, pid_t pid)
{
	int status;
	pid_t r;

	for (;;) {
		ring_buffer__poll(rb, 100);
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	ring_buffer__consume(rb);
	return status;
}

static int trace__run(struct ringbuf_bpf *skel, bool count, char **argv)
{
	unsigned long long events = 0;
	struct ring_buffer *rb = NULL;
	int go_fd = -1, status = -1;
	__u8 one = 1;
	pid_t pid;
	__u32 key;

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &events, NULL);
	pid = rb ? child__spawn(argv, &go_fd) : -errno;
	if (pid < 0) {
		fprintf(stderr, "ringbuf-trace: cannot start: %s\n", strerror(-pid));
		goto cleanup;
	}
	key = pid;
	bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &key, &one, BPF_ANY);
	if (write(go_fd, "g", 1) != 1)
		fprintf(stderr, "ringbuf-trace: cannot release the child\n");
	close(go_fd);
	status = events__drain(rb, pid);
	printf("events=%llu dropped=%llu\n", count ? counts__sum(skel) : events,
	       dropped__sum(skel));
cleanup:
	ring_buffer__free(rb);
	return status;
}

static struct ringbuf_bpf *bpf__open(bool count)
{
	struct ringbuf_bpf *skel = ringbuf_bpf__open();

	if (!skel)
		return NULL;
	bpf_program__set_autoload(skel->progs.ringbuf_cap_capable, !count);
	bpf_program__set_autoload(skel->progs.count_cap_capable, count);
	if (ringbuf_bpf__load(skel) || ringbuf_bpf__attach(skel)) {
		ringbuf_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	bool count = argc > 1 && !strcmp(argv[1], "--count");
	struct ringbuf_bpf *skel;
	int status;

	argv += count;
	argc -= count;
	if (argc < 3 || strcmp(argv[1], "--")) {
		fprintf(stderr, "usage: ringbuf-trace [--count] -- CMD [ARGS...]\n");
		return 2;
	}
	skel = bpf__open(count);
	if (!skel) {
		fprintf(stderr, "ringbuf-trace: cannot load or attach the BPF program "
				"(needs root and a kernel with tp_btf/cap_capable)\n");
		return 1;
	}
	status = trace__run(skel, count, argv + 2);
	ringbuf_bpf__destroy(skel);
	if (status < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
