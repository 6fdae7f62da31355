// SPDX-License-Identifier: MIT
/* A cgroup path to a container's identity; the schemes: container_id.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capdiet/observe/container_id.h"

/* One path component: [s, s + n). */
struct comp {
	const char *s;
	size_t n;
};

static bool comp__starts(struct comp c, const char *prefix)
{
	size_t n = strlen(prefix);

	return c.n >= n && !memcmp(c.s, prefix, n);
}

static bool comp__ends(struct comp c, const char *suffix)
{
	size_t n = strlen(suffix);

	return c.n >= n && !memcmp(c.s + c.n - n, suffix, n);
}

static bool hex64(const char *s, size_t n)
{
	if (n != CONTAINER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* c is PREFIX<64 hex>[SUFFIX]: the id is copied to id. */
static bool comp__id(struct comp c, const char *prefix, const char *suffix, char *id)
{
	size_t p = strlen(prefix), s = suffix && comp__ends(c, suffix) ? strlen(suffix) : 0;

	if (!comp__starts(c, prefix) || c.n < p + s || !hex64(c.s + p, c.n - p - s))
		return false;
	memcpy(id, c.s + p, CONTAINER_ID_MAX);
	id[CONTAINER_ID_MAX] = '\0';
	return true;
}

/* A Kubernetes container's cgroup, below its pod's: which engine made it. */
static bool k8s__container(struct comp c, struct container_id *out)
{
	static const struct {
		const char *prefix, *engine;
	} schemes[] = {
		{ "cri-containerd-", "containerd" }, { "crio-", "cri-o" },
		{ "docker-", "docker" }, { "", "" },
	};

	if (comp__starts(c, "crio-conmon-"))
		return false;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (comp__id(c, schemes[i].prefix, ".scope", out->id)) {
			snprintf(out->engine, sizeof(out->engine), "%s", schemes[i].engine);
			return true;
		}
	}
	return false;
}

/* "kubepods-burstable-pod<uid with _>.slice" or "pod<uid>": the pod's UID. */
static bool k8s__pod(struct comp c, char *uid, size_t len)
{
	const char *at = NULL;
	size_t n;

	if (comp__starts(c, "kubepods") && comp__ends(c, ".slice")) {
		at = memmem(c.s, c.n, "-pod", 4);
		at = at ? at + 4 : NULL;
		n = at ? (size_t)(c.s + c.n - strlen(".slice") - at) : 0;
	} else if (comp__starts(c, "pod")) {
		at = c.s + 3;
		n = c.n - 3;
	}
	if (!at || n == 0 || n >= len || n > 36)
		return false;
	for (size_t i = 0; i < n; i++)
		uid[i] = at[i] == '_' ? '-' : at[i];
	uid[n] = '\0';
	return true;
}

static void id__set(struct container_id *out, enum container_runtime rt, const char *path,
		    struct comp c)
{
	out->runtime = rt;
	out->path_len = (size_t)(c.s + c.n - path);
}

/* The container scheme c matches, given what the components above it said. */
static bool comp__container(const char *path, struct comp c, struct comp parent,
			    bool kubepods, struct container_id *out)
{
	if (kubepods && out->pod_uid[0] && k8s__container(c, out)) {
		id__set(out, CONTAINER_KUBERNETES, path, c);
		return true;
	}
	if (!kubepods && comp__id(c, "libpod-", ".scope", out->id)) {
		id__set(out, CONTAINER_PODMAN, path, c);
		return true;
	}
	if (!kubepods && (comp__id(c, "docker-", ".scope", out->id) ||
			  (parent.n == 6 && !memcmp(parent.s, "docker", 6) &&
			   comp__id(c, "", NULL, out->id)))) {
		id__set(out, CONTAINER_DOCKER, path, c);
		return true;
	}
	return false;
}

int container_id__parse(const char *path, struct container_id *out)
{
	struct comp c = { path, 0 }, parent = { "", 0 }, service = { NULL, 0 };
	bool kubepods = false;

	memset(out, 0, sizeof(*out));
	for (const char *p = path;; p = c.s + c.n + 1) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c.s = p;
		c.n = strcspn(p, "/");
		if (comp__container(path, c, parent, kubepods, out))
			return 0;
		kubepods |= comp__starts(c, "kubepods");
		if (kubepods && !out->pod_uid[0])
			k8s__pod(c, out->pod_uid, sizeof(out->pod_uid));
		if (!service.s && comp__ends(c, ".service") && c.n < CONTAINER_UNIT_MAX)
			service = c;
		parent = c;
		if (!c.s[c.n])
			break;
	}
	if (!service.s || kubepods)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	memcpy(out->id, service.s, service.n);
	id__set(out, CONTAINER_SYSTEMD, path, service);
	return 0;
}

const char *container_id__runtime_name(enum container_runtime rt)
{
	static const char *const names[] = {
		[CONTAINER_NONE] = "cgroup", [CONTAINER_KUBERNETES] = "kubernetes",
		[CONTAINER_PODMAN] = "podman", [CONTAINER_DOCKER] = "docker",
		[CONTAINER_SYSTEMD] = "systemd",
	};

	return rt <= CONTAINER_SYSTEMD ? names[rt] : "cgroup";
}
