// SPDX-License-Identifier: MIT
/*
 * capdiet observe: every container of the node at once, through one
 * node-wide recorder.  Reports go out every --interval and when it stops:
 * a JSON line per container on stdout, a profile per container with
 * --profiles, and the page --metrics serves.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/cli/cli.h"
#include "capdiet/cli/cmd.h"
#include "capdiet/cli/observer.h"
#include "capdiet/core/log.h"
#include "capdiet/core/metrics_server.h"

static void observe_usage(FILE *out)
{
	fprintf(out,
		"usage: capdiet observe [options]\n\n"
		"Watches every container of this node (Kubernetes, Podman, Docker,\n"
		"systemd services) with one eBPF recorder and reports, per container,\n"
		"the capabilities its processes hold, the ones they used, the ones they\n"
		"were denied, and the ones held but never checked: those can be dropped.\n"
		"Observation shows what was used in the window, not the minimum: run\n"
		"'capdiet run' on a workload for that.\n\n"
		"  -d, --duration SECS    stop after SECS (default: until SIGINT/SIGTERM)\n"
		"  -i, --interval SECS    report every SECS (default 60)\n"
		"  -p, --profiles DIR     write DIR/<container>.yaml, an observed profile\n"
		"                         per container, at every report\n"
		"  -m, --metrics ADDR     serve OpenMetrics at http://ADDR/metrics\n"
		"                         (PORT, HOST:PORT or [V6]:PORT)\n"
		"  -n, --node NAME        the node's name in reports (default: hostname)\n"
		"  -a, --attach METHOD    auto (default), tp_btf, tracepoint, fexit, kprobe\n"
		"      --max-entries N    in-kernel map size: (cgroup, capability) pairs\n"
		"                         between two drains (default 65536)\n"
		"      --max-containers N containers kept at once (default 4096)\n"
		"  -h, --help             this help\n\n"
		"stdout: one JSON object per container per report (see docs/fleet.md).\n"
		"Checks that could not be counted are reported, never dropped silently.\n"
		"exit status: 0 ok, 1 failure (no BPF rights, no cgroup v2), 2 usage\n");
}

static int observe_option(int opt, const char *arg, void *ctx)
{
	struct observe_opts *o = ctx;

	switch (opt) {
	case 'd': return cli__seconds("--duration", arg, &o->duration);
	case 'i': return cli__seconds("--interval", arg, &o->interval);
	case 'p': o->profiles = arg; return 0;
	case 'm':
		o->metrics = arg;
		if (!metrics_server__parse_addr(arg, &(struct metrics_addr){ 0 }))
			return 0;
		log_error("--metrics %s: not PORT, HOST:PORT or [V6]:PORT (HOST numeric)", arg);
		return -EINVAL;
	case 'n': o->node = arg; return 0;
	case 'a': return cli__attach(arg, &o->rec.method);
	case 'M': return cli__max_entries(arg, &o->rec.max_entries);
	case 'C': return cli__count("--max-containers", arg, 1, 1000000, &o->max_containers);
	case 'h': o->help = true; return CLI_STOP;
	}
	return -EINVAL; /* getopt has said what is wrong */
}

static int observe_finish(int n, char **rest, void *ctx)
{
	struct observe_opts *o = ctx;
	struct stat st;

	if (n) {
		log_error("observe takes no operands ('%s'); it watches the whole node", rest[0]);
		return -EINVAL;
	}
	if (o->profiles && (stat(o->profiles, &st) || !S_ISDIR(st.st_mode))) {
		log_error("--profiles %s: not a directory; create it first", o->profiles);
		return -EINVAL;
	}
	return 0;
}

static const struct option observe_options[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "profiles", required_argument, NULL, 'p' },
	{ "metrics", required_argument, NULL, 'm' },
	{ "node", required_argument, NULL, 'n' },
	{ "attach", required_argument, NULL, 'a' },
	{ "max-entries", required_argument, NULL, 'M' },
	{ "max-containers", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct cli_parser observe_parser = {
	"d:i:p:m:n:a:h", observe_options, observe_option, NULL, observe_finish,
};

int cmd_observe__parse(int argc, char **argv, struct observe_opts *o)
{
	*o = (struct observe_opts){ .interval = 60, .max_containers = 4096 };
	return cli__parse_options(&observe_parser, argc, argv, o);
}

int do_observe(int argc, char **argv)
{
	struct observe_opts o;
	int code = cli__parsed(cmd_observe__parse(argc, argv, &o), &o.help, observe_usage);

	if (code >= 0)
		return code;
	return observer__run(&o);
}
