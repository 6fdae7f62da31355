/* SPDX-License-Identifier: MIT */
/*
 * Which container a cgroup belongs to, from its path alone: the naming
 * schemes of the runtimes are the only identity a node-wide observer sees
 * for every task, whatever runtime started it.
 *
 *   Kubernetes  .../kubepods[-QOS]-pod<UID>.slice/cri-containerd-<ID>.scope (systemd driver)
 *               .../kubepods/QOS/pod<UID>/<ID> (cgroupfs driver; crio-<ID> for CRI-O)
 *   Podman      .../libpod-<ID>.scope[/container], .../libpod-<ID>
 *   Docker      .../docker-<ID>.scope, .../docker/<ID>
 *   systemd     .../NAME.service
 *
 * Sub-cgroups belong to the container above them.  Conmon's cgroup
 * (libpod-conmon-<ID>) and a pod's own cgroup (no container below it) are
 * not containers.
 */
#ifndef CAPDIET_CONTAINER_ID_H
#define CAPDIET_CONTAINER_ID_H

#include <stddef.h>

enum container_runtime {
	CONTAINER_NONE = 0,
	CONTAINER_KUBERNETES,
	CONTAINER_PODMAN,
	CONTAINER_DOCKER,
	CONTAINER_SYSTEMD,
};

#define CONTAINER_ID_MAX 64   /* hex digits of a container id */
#define CONTAINER_UNIT_MAX 256

struct container_id {
	enum container_runtime runtime;
	char id[CONTAINER_UNIT_MAX]; /* the container id, or the unit's name */
	char pod_uid[40];            /* Kubernetes: the pod's UID, with dashes */
	char engine[16];             /* Kubernetes: "containerd", "cri-o", "docker" */
	size_t path_len;             /* bytes of the path that name the container's own cgroup */
};

/*
 * Reads path (relative to the cgroup2 root, "/kubepods.slice/..." or
 * without the leading slash).  0 and *out filled, or -ENOENT when the
 * cgroup is no container's.
 */
int container_id__parse(const char *path, struct container_id *out);
/* "kubernetes", "podman", "docker", "systemd", "cgroup" (NONE). */
const char *container_id__runtime_name(enum container_runtime rt);

#endif
