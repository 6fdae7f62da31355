/* SPDX-License-Identifier: MIT */
/*
 * Names for a watched container from its runtime's own CLI, when it is
 * installed and answers: `podman inspect`, `docker inspect`, `crictl
 * inspect` (Kubernetes: the pod's name and namespace from its labels).
 * Without one the container is known by its ids, and says so.
 */
#ifndef CAPDIET_CONTAINER_NAMES_H
#define CAPDIET_CONTAINER_NAMES_H

#include "capdiet/observe/node_watch.h"

/* Fills c's name, image, pod and namespace once (names_tried); 0, or -errno
 * (-ENOENT: no such CLI or container) leaving them NULL. */
int container_names__lookup(struct watched *c);

#endif
