/* SPDX-License-Identifier: MIT */
/*
 * Exporters: a profile's minimum set as the configuration of the runtimes
 * people use.  Where a runtime cannot express the profile (a non-root
 * service needs the ambient set, which Docker and Kubernetes do not set),
 * the output says so instead of silently not working.
 */
#ifndef CAPDIET_EXPORT_H
#define CAPDIET_EXPORT_H

#include <stdio.h>

#include "capdiet/profile/profile.h"

enum export_format { EXPORT_DOCKER, EXPORT_PODMAN, EXPORT_COMPOSE, EXPORT_K8S, EXPORT_OCI, EXPORT_SYSTEMD };

/* "docker", "podman", "compose", "k8s" (or "kubernetes"), "oci", "systemd";
 * -EINVAL for anything else. */
int export__parse_format(const char *name, enum export_format *out);
/* "docker, podman, ...": the accepted names, for messages. */
const char *export__format_names(void);
/* Writes the profile for one runtime; 0 or -errno (-EIO on a write error). */
int export__write(const struct profile *p, enum export_format f, FILE *out);

#endif
