/* SPDX-License-Identifier: MIT */
/* Subcommands: each parses its own options and returns an exit code. */
#ifndef CAPDIET_CMD_H
#define CAPDIET_CMD_H

enum {
	EXIT_OK = 0,      /* success, no violations */
	EXIT_FAIL = 1,    /* failure, or violations found */
	EXIT_USAGE = 2,   /* usage error or bad input */
};

int do_trace(int argc, char **argv);
int do_run(int argc, char **argv);
int do_exec(int argc, char **argv);
int do_export(int argc, char **argv);
int do_report(int argc, char **argv);
int do_check(int argc, char **argv);
int do_decode(int argc, char **argv);
int do_inspect(int argc, char **argv);

#endif
