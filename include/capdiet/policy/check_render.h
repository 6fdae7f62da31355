/* SPDX-License-Identifier: MIT */
/*
 * Rendered manifests at the gate (check_render.c): a Helm chart
 * (Chart.yaml) or a Kustomize overlay (kustomization.yaml) is what a team
 * keeps, but its files are not manifests: templates are Go templates,
 * patches are partial.  The directory walk hands such a directory here
 * instead of reading its files; without --render it is reported as not
 * checked (an input problem: exit 2), with --render it is rendered by the
 * real tool and its output is checked as one input.  Either way the files
 * beside what the tool reads are checked as manifests too (check_files.c).
 */
#ifndef CAPDIET_CHECK_RENDER_H
#define CAPDIET_CHECK_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "capdiet/core/strlist.h"
#include "capdiet/policy/check.h"

#define CHECK_RENDER_TIMEOUT_MS (120 * 1000) /* per chart or overlay */

enum check_render_kind {
	CHECK_RENDER_NONE = 0,
	CHECK_RENDER_HELM,       /* Chart.yaml: helm template NAME DIR */
	CHECK_RENDER_KUSTOMIZE,  /* kustomization.yaml/.yml, Kustomization: kustomize build DIR */
};

/* --render and what goes with it; the inventory points at it while collecting. */
struct check_render {
	bool render;              /* render with the tools; false: report "not checked" */
	const char *const *helm_values; /* --helm-values FILE: helm template -f FILE, in order */
	size_t n_helm_values;
};

/* What dir is, from the files it holds (a chart wins over an overlay). */
enum check_render_kind check_render__kind(const char *dir);
/*
 * Whether dir/name is the tool's own, never a manifest: a kustomization
 * file, the templates/ of a chart (dir holds Chart.yaml), or what an
 * overlay's kustomization names (resources, patches, components: its
 * render holds them, and a patch alone is partial).  Everything else in a
 * chart or overlay is checked as it is, beside the render: kubectl apply
 * -f DIR would apply it.
 */
bool check_render__tool_reads(const char *dir, const char *name);
/*
 * A chart's or overlay's directory: rendered and parsed as one input named
 * "DIR (helm template)" (counted in inv->files), or with inv->render NULL
 * or not set to render, an error saying how to render it.  Problems go to
 * errors; returns -ENOMEM only.
 */
int check__collect_rendered(struct check_inventory *inv, const char *dir,
			    enum check_render_kind kind, struct strlist *errors);
/* The Helm release name for a chart directory: its base name made a valid
 * one (lowercase letters, digits, '-'; at most 53). */
void check_render__release_name(const char *dir, char *out, size_t len);

#endif
