/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes' built-in workload kinds and where each keeps its pod spec:
 * one table for the gate that reads them (check.c) and the export that
 * patches them (export_k8s.c).
 */
#ifndef CAPDIET_K8S_KINDS_H
#define CAPDIET_K8S_KINDS_H

struct k8s_kind {
	const char *kind;
	const char *const path[6]; /* NULL-terminated: the keys down to the pod spec */
};

/* The kind called name ("Deployment"), or NULL. */
const struct k8s_kind *k8s_kind__find(const char *name);

#endif
