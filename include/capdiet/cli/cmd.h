/* SPDX-License-Identifier: MIT */
/*
 * Subcommands: each returns an exit code.  Each do_* first parses its
 * command line into an options struct (cmd_*__parse: nothing but that and
 * one log_error line on a bad one, so tests can call it), then acts on it.
 */
#ifndef CAPDIET_CMD_H
#define CAPDIET_CMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "capdiet/cli/cli.h"
#include "capdiet/core/caps.h"
#include "capdiet/learn/trial.h"
#include "capdiet/observe/record.h"
#include "capdiet/policy/check.h"
#include "capdiet/policy/export.h"

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
int do_merge(int argc, char **argv);
int do_observe(int argc, char **argv);

/*
 * The parsers: argv[0] is the subcommand's name.  Each fills *o (from
 * zero, or the command's defaults) and returns 0, or -EINVAL after its
 * message.  With help set, nothing else was checked: print the usage.
 */

#define CHECK_MAX_EXCLUDES 64
#define CHECK_MAX_HELM_VALUES 64
#define CHECK_MAX_COMPOSE_FILES 64

struct check_opts {
	const char *allow;      /* --allow LIST */
	const char *allowlist;  /* --allowlist FILE */
	const char *engine;     /* --engine podman: PATHs are local image names */
	enum check_format format; /* --format */
	bool format_given;      /* --format was given: a second one is an error */
	bool help;
	char **paths;           /* PATH...: the arguments that are not options */
	int n_paths;
	long max_nodes;         /* --max-nodes N: a document's limit; 0: YDOC_MAX_NODES */
	const char *baseline;   /* --baseline FILE: its findings are excepted */
	const char *write_baseline; /* --write-baseline FILE: record, exit 0 */
	bool fail_stale;        /* --fail-stale: an unused exception fails too */
	const char *exclude[CHECK_MAX_EXCLUDES]; /* --exclude GLOB, repeatable */
	size_t n_exclude;
	bool render;            /* --render: helm template / kustomize build charts, overlays */
	const char *helm_values[CHECK_MAX_HELM_VALUES]; /* --helm-values FILE, repeatable */
	size_t n_helm_values;
	const char *compose_files[CHECK_MAX_COMPOSE_FILES]; /* -f FILE: one Compose project */
	size_t n_compose_files;
};
int cmd_check__parse(int argc, char **argv, struct check_opts *o);

/* What the command line asks for; --profile fills caps and user later. */
struct exec_opts {
	capset_t caps;
	bool caps_given;
	const char *profile;   /* --profile FILE: its set and user */
	const char *user;      /* NULL: root */
	bool allow_new_privs;
	bool help;
	char **argv;           /* CMD [ARGS...] */
};
int cmd_exec__parse(int argc, char **argv, struct exec_opts *o);

struct observe_opts {
	double duration;        /* 0: until SIGINT/SIGTERM */
	double interval;        /* seconds between reports */
	const char *profiles;   /* --profiles DIR: one profile per container */
	const char *metrics;    /* --metrics ADDR: serve OpenMetrics there */
	const char *node;       /* --node NAME; NULL: the hostname */
	long max_containers;
	struct recorder_opts rec; /* method, max_entries */
	bool help;
};
int cmd_observe__parse(int argc, char **argv, struct observe_opts *o);

struct trace_opts {
	capset_t caps;
	const char *user;
	bool json;
	bool live;
	const char *output;     /* -o FILE: the result there; stdout stays CMD's */
	bool allow_new_privs;
	pid_t pid;
	const char *cgroup;
	double duration;
	int verbose;            /* each -v: one level more */
	bool help;
	struct recorder_opts rec; /* --attach, --max-entries */
	char **argv;            /* CMD [ARGS...]; empty with --pid or --cgroup */
};
int cmd_trace__parse(int argc, char **argv, struct trace_opts *o);

struct run_unit;

struct run_opts {
	const char *output;
	const char *name;
	const char *user;
	double timeout;
	double grace;
	int max_trials;
	bool minimize;
	bool strict;
	int verbose;            /* each -v: one level more */
	bool help;
	struct trial_env env;    /* argv: CMD [ARGS...] */
	struct recorder_opts rec;
	struct launch_container container; /* --oci / --image; engine 0: none */
	bool engine_given;
	struct strlist command;  /* what runs, for the profile (bundle, image) */
	char profile_user[160];  /* the bundle's or image's user; "": root or --user */
	const char *unit;        /* --unit FILE.service */
	struct run_unit *run_unit; /* what do_run read from it (cli/run_unit.h) */
};
int cmd_run__parse(int argc, char **argv, struct run_opts *o);

struct export_opts {
	struct profile_args args;
	const char *format_name;
	enum export_format format;
	const char *bundle;        /* --bundle: rewrite its config.json */
	char bundle_config[4096];  /* BUNDLE/config.json */
	const char *allowlist;     /* --allowlist FILE: export it instead of a profile */
	struct export_options opts; /* --force, --mutate, --audit, --namespace, ... */
};
int cmd_export__parse(int argc, char **argv, struct export_opts *o);

struct report_opts {
	struct profile_args args;
};
int cmd_report__parse(int argc, char **argv, struct report_opts *o);

struct merge_opts {
	const char *output;     /* -o FILE; NULL: stdout */
	const char *name;       /* --name: the result's, and any workloads merge */
	bool help;
	const char **profiles;  /* PROFILE...: malloc'd, cmd_merge__free */
	int n_profiles;
};
int cmd_merge__parse(int argc, char **argv, struct merge_opts *o);
void cmd_merge__free(struct merge_opts *o);

struct decode_opts {
	capset_t set;           /* the HEX operand */
	bool help;
};
int cmd_decode__parse(int argc, char **argv, struct decode_opts *o);

struct inspect_opts {
	long pid;               /* the PID operand */
	bool help;
};
int cmd_inspect__parse(int argc, char **argv, struct inspect_opts *o);

#endif
