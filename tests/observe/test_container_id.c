// SPDX-License-Identifier: MIT
/* The runtimes' cgroup naming schemes, as each writes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "capdiet/observe/container_id.h"

#define ID1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID1 "5f3c9a3e-7b7d-4a43-9d4e-2c1a2b3c4d5e"
#define UID1_ "5f3c9a3e_7b7d_4a43_9d4e_2c1a2b3c4d5e"

static void parses(const char *path, enum container_runtime rt, const char *id,
		   const char *pod, const char *engine, const char *own)
{
	struct container_id c;

	assert_int_equal(container_id__parse(path, &c), 0);
	assert_int_equal(c.runtime, rt);
	assert_string_equal(c.id, id);
	assert_string_equal(c.pod_uid, pod);
	assert_string_equal(c.engine, engine);
	/* The container's own cgroup: what its sub-cgroups are grouped under. */
	assert_int_equal(c.path_len, strlen(own));
	assert_memory_equal(path, own, strlen(own));
}

static void not_container(const char *path)
{
	struct container_id c;

	assert_int_equal(container_id__parse(path, &c), -ENOENT);
}

static void test_kubernetes_systemd_driver(void **state)
{
	const char *own = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_
			  ".slice/cri-containerd-" ID1 ".scope";
	char sub[512];

	(void)state;
	parses(own, CONTAINER_KUBERNETES, ID1, UID1, "containerd", own);
	snprintf(sub, sizeof(sub), "%s/nested", own);
	parses(sub, CONTAINER_KUBERNETES, ID1, UID1, "containerd", own);
	parses("/kubepods.slice/kubepods-pod" UID1_ ".slice/crio-" ID1 ".scope",
	       CONTAINER_KUBERNETES, ID1, UID1, "cri-o",
	       "/kubepods.slice/kubepods-pod" UID1_ ".slice/crio-" ID1 ".scope");
	/* The pod's own cgroup and CRI-O's conmon are no container. */
	not_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_ ".slice");
	not_container("/kubepods.slice/kubepods-pod" UID1_ ".slice/crio-conmon-" ID1 ".scope");
}

static void test_kubernetes_cgroupfs_driver(void **state)
{
	(void)state;
	parses("/kubepods/besteffort/pod" UID1 "/" ID1, CONTAINER_KUBERNETES, ID1, UID1, "",
	       "/kubepods/besteffort/pod" UID1 "/" ID1);
	parses("kubepods/pod" UID1 "/crio-" ID1, CONTAINER_KUBERNETES, ID1, UID1, "cri-o",
	       "kubepods/pod" UID1 "/crio-" ID1);
	/* An id-like name outside a pod is not a Kubernetes container. */
	not_container("/kubepods/besteffort/" ID1);
}

static void test_podman_docker(void **state)
{
	(void)state;
	parses("/machine.slice/libpod-" ID1 ".scope/container", CONTAINER_PODMAN, ID1, "", "",
	       "/machine.slice/libpod-" ID1 ".scope");
	parses("/libpod_parent/libpod-" ID1, CONTAINER_PODMAN, ID1, "", "",
	       "/libpod_parent/libpod-" ID1);
	not_container("/machine.slice/libpod-conmon-" ID1 ".scope");
	parses("/system.slice/docker-" ID1 ".scope", CONTAINER_DOCKER, ID1, "", "",
	       "/system.slice/docker-" ID1 ".scope");
	parses("/docker/" ID1, CONTAINER_DOCKER, ID1, "", "", "/docker/" ID1);
	/* One hex digit short, or upper case: not an id any runtime writes. */
	not_container("/machine.slice/libpod-" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde.scope");
	not_container("/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void test_systemd_units(void **state)
{
	(void)state;
	parses("/system.slice/nginx.service", CONTAINER_SYSTEMD, "nginx.service", "", "",
	       "/system.slice/nginx.service");
	/* A service's sub-cgroups are the service's; a container in a service's
	 * tree (docker under docker.service) is the container's. */
	parses("/system.slice/nginx.service/worker", CONTAINER_SYSTEMD, "nginx.service", "", "",
	       "/system.slice/nginx.service");
	parses("/system.slice/containerd.service/docker-" ID1 ".scope", CONTAINER_DOCKER, ID1,
	       "", "", "/system.slice/containerd.service/docker-" ID1 ".scope");
	not_container("/");
	not_container("");
	not_container("/init.scope");
	not_container("/user.slice/user-0.slice/session-3.scope");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kubernetes_systemd_driver),
		cmocka_unit_test(test_kubernetes_cgroupfs_driver),
		cmocka_unit_test(test_podman_docker),
		cmocka_unit_test(test_systemd_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
