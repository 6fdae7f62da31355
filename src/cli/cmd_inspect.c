// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/caps.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/core/log.h"

static const char *const set_fields[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
static const char *const set_names[] = { "inheritable", "permitted", "effective", "bounding", "ambient" };
#define N_SETS (sizeof(set_fields) / sizeof(set_fields[0]))

/* Reads the five Cap* lines of /proc/PID/status. */
static int read_proc_caps(long pid, capset_t sets[N_SETS])
{
	char path[64], line[256];
	int found = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < N_SETS; i++) {
			size_t len = strlen(set_fields[i]);

			if (strncmp(line, set_fields[i], len) || line[len] != ':')
				continue;
			if (caps__parse_hex(line + len + 1 + strspn(line + len + 1, " \t"), &sets[i]))
				err = -EINVAL;
			found++;
		}
	}
	fclose(f);
	if (err)
		return err;
	return found == (int)N_SETS ? 0 : -ENODATA;
}

int do_inspect(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	capset_t sets[N_SETS] = { 0 };
	char *end;
	long pid;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: capdiet inspect PID\n\n"
			       "Prints the five capability sets of a running process by name.\n");
			return EXIT_OK;
		}
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		log_error("inspect takes one PID, e.g. 'capdiet inspect 1234'");
		return EXIT_USAGE;
	}
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end || pid <= 0) {
		log_error("'%s' is not a process id; give a positive number", argv[optind]);
		return EXIT_USAGE;
	}
	err = read_proc_caps(pid, sets);
	if (err) {
		log_error("cannot read the capability sets of process %ld: %s", pid,
			  err == -ENOENT ? "no such process" : strerror(-err));
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < N_SETS; i++) {
		char *names = caps__format(sets[i] & caps__all(), ",", false);

		printf("%-12s %s\n", set_names[i], names && *names ? names : "-");
		free(names);
	}
	return EXIT_OK;
}
