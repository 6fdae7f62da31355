// SPDX-License-Identifier: MIT
/* A watched container's names from its runtime: see container_names.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capdiet/core/log.h"
#include "capdiet/core/spawn.h"
#include "capdiet/core/text.h"
#include "capdiet/observe/container_names.h"

#define NAMES_TIMEOUT_MS 2000

/* Why a runtime's CLI gave no names, once per CLI: the ids stand in. */
static void names__say_once(const char *cli, int rc, const char *err)
{
	static char said[4][16];
	char safe[256];

	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(said[i], cli))
			return;
		if (said[i][0])
			continue;
		snprintf(said[i], sizeof(said[i]), "%s", cli);
		text__escape(err, safe, sizeof(safe)); /* the runtime's words */
		if (rc == -ENOENT)
			log_info("%s is not installed: containers are named by their ids", cli);
		else
			log_warn("%s inspect failed (%s): containers are named by their ids",
				 cli, rc == -ETIMEDOUT ? "timed out" : rc > 0 && *safe ? safe :
				 rc > 0 ? "it exited non-zero" : strerror(-rc));
		return;
	}
}

/* The inspect command of c's runtime; its output is NAME\tIMAGE[\tPOD\tNAMESPACE]. */
static int names__argv(const struct watched *c, char *argv[10])
{
	static char podman_fmt[] = "{{.Name}}\t{{.ImageName}}";
	static char docker_fmt[] = "{{.Name}}\t{{.Config.Image}}";
	static char crictl_fmt[] = "{{.status.metadata.name}}\t{{.status.image.image}}\t"
				   "{{index .status.labels \"io.kubernetes.pod.name\"}}\t"
				   "{{index .status.labels \"io.kubernetes.pod.namespace\"}}";
	char *id = (char *)c->id.id;

	switch (c->id.runtime) {
	case CONTAINER_PODMAN:
		memcpy(argv, (char *[]){ "podman", "inspect", "--type", "container", "--format",
					 podman_fmt, "--", id, NULL }, 9 * sizeof(char *));
		return 0;
	case CONTAINER_DOCKER:
		memcpy(argv, (char *[]){ "docker", "inspect", "--type", "container", "--format",
					 docker_fmt, "--", id, NULL }, 9 * sizeof(char *));
		return 0;
	case CONTAINER_KUBERNETES:
		memcpy(argv, (char *[]){ "crictl", "inspect", "--output", "go-template",
					 "--template", crictl_fmt, id, NULL }, 8 * sizeof(char *));
		return 0;
	default:
		return -ENOENT;
	}
}

/* Field i of a tab-separated line, or NULL when empty or absent. */
static char *names__field(const char *line, int i)
{
	static const char none[] = "<no value>"; /* a template's empty */
	size_t n;

	for (; i > 0 && line; i--) {
		line = strchr(line, '\t');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return NULL;
	n = strcspn(line, "\t\n");
	if (*line == '/' && n > 1) /* Docker names start with '/' */
		line++, n--;
	if (!n || (n == sizeof(none) - 1 && !strncmp(line, none, n)))
		return NULL;
	return strndup(line, n);
}

/*
 * Bounded: a runtime's CLI that hangs (crictl with no endpoint, a busy
 * podman) must not hold up the observer's reports; each try costs at most
 * NAMES_TIMEOUT_MS, and a CLI that is absent or failing is said once.
 */
int container_names__lookup(struct watched *c)
{
	struct spawn_output out = { 0 };
	char *argv[10];
	int rc;

	if (c->names_tried)
		return 0;
	c->names_tried = true;
	rc = names__argv(c, argv);
	if (rc)
		return rc;
	rc = spawn__capture(argv, 4096, NAMES_TIMEOUT_MS, &out);
	if (rc == 0 && out.out_len) {
		c->name = names__field(out.out, 0);
		c->image = names__field(out.out, 1);
		c->pod = names__field(out.out, 2);
		c->pod_namespace = names__field(out.out, 3);
	} else {
		names__say_once(argv[0], rc, out.err);
		rc = rc > 0 ? -ENOENT : rc ? rc : -ENOENT;
	}
	spawn_output__clear(&out);
	return rc;
}
