// SPDX-License-Identifier: MIT
/* Kubernetes' built-in workload kinds: see k8s_kinds.h. */
#include <string.h>

#include "capdiet/policy/k8s_kinds.h"

static const struct k8s_kind kinds[] = {
	{ "Pod", { "spec" } },
	{ "Deployment", { "spec", "template", "spec" } },
	{ "StatefulSet", { "spec", "template", "spec" } },
	{ "DaemonSet", { "spec", "template", "spec" } },
	{ "ReplicaSet", { "spec", "template", "spec" } },
	{ "Job", { "spec", "template", "spec" } },
	{ "CronJob", { "spec", "jobTemplate", "spec", "template", "spec" } },
	{ "PodTemplate", { "template", "spec" } },
	{ "ReplicationController", { "spec", "template", "spec" } },
};

const struct k8s_kind *k8s_kind__find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].kind, name))
			return &kinds[i];
	return NULL;
}
