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

enum export_format {
	EXPORT_DOCKER, EXPORT_PODMAN, EXPORT_COMPOSE, EXPORT_K8S, EXPORT_OCI, EXPORT_SYSTEMD,
	EXPORT_LABEL,           /* Containerfile LABEL io.containers.capabilities */
	EXPORT_CONTAINERS_CONF, /* containers.conf [containers] default_capabilities */
};

/* "docker", "podman", "compose", "k8s" (or "kubernetes"), "oci", "systemd",
 * "label", "containers-conf"; -EINVAL for anything else. */
int export__parse_format(const char *name, enum export_format *out);
/* "docker, podman, ...": the accepted names, for messages. */
const char *export__format_names(void);
/*
 * Writes the profile for one runtime; 0 or -errno (-EIO on a write error).
 * -EBADMSG, after one log_error line and before any output, when something
 * of the profile cannot be written safely in the format (a user name that
 * would break out of a systemd line).  Comments never carry a control
 * character from the profile.
 */
int export__write(const struct profile *p, enum export_format f, FILE *out);
/*
 * Writes BUNDLE/config.json as it is, but for process.capabilities: all five
 * lists the profile's set.  0, -errno, or -EBADMSG after one log_error line
 * when the bundle's config cannot be read.
 */
int export__oci_bundle(const struct profile *p, const char *bundle, FILE *out);

#endif
