// SPDX-License-Identifier: MIT
/*
 * checkloop N [OUTFILE]: exactly N calls of setuid(0), one capability
 * check (CAP_SETUID) each, so a tracer's count can be compared with N (no
 * warm-up: its effect is lost in a million calls).  Writes "WALL_NS CPU_NS"
 * per call to OUTFILE, which keeps the figure apart from the stdout of the
 * tracer it runs under.  Meant to run as root: setuid(0) then always works,
 * granted or (on a diet) tolerated, so the loop never stops early.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int checks__run(long n)
{
	for (long i = 0; i < n; i++) {
		if (setuid(0)) {
			fprintf(stderr, "checkloop: setuid(0): %s (run as root)\n", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int result__write(const char *path, double wall_ns, double cpu_ns)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "checkloop: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%.1f %.1f\n", wall_ns, cpu_ns);
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	double wall0, cpu0, wall, cpu;
	char *end;
	long n;

	n = argc >= 2 ? strtol(argv[1], &end, 10) : 0;
	if (argc < 2 || argc > 3 || *end || n <= 0) {
		fprintf(stderr, "usage: checkloop N [OUTFILE]  (N > 0 calls of setuid(0))\n");
		return 2;
	}
	wall0 = clock_ns(CLOCK_MONOTONIC);
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (checks__run(n))
		return 1;
	wall = (clock_ns(CLOCK_MONOTONIC) - wall0) / n;
	cpu = (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / n;
	if (argc == 3 && result__write(argv[2], wall, cpu))
		return 1;
	return 0;
}
