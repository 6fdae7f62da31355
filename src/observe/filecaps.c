// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "capdiet/observe/filecaps.h"

int filecaps__read(const char *path, capset_t *permitted, bool *effective)
{
	cap_t caps = cap_get_file(path);
	cap_flag_value_t v;

	*permitted = 0;
	*effective = false;
	if (!caps)
		return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
	for (int cap = 0; cap < 64 && CAP_IS_SUPPORTED(cap); cap++) {
		if (!cap_get_flag(caps, cap, CAP_PERMITTED, &v) && v == CAP_SET)
			*permitted |= CAPSET_BIT(cap);
		if (!cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) && v == CAP_SET)
			*effective = true;
	}
	cap_free(caps);
	return 0;
}

int filecaps__resolve(const char *argv0, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	int err = -ENOENT;

	if (strchr(argv0, '/')) {
		snprintf(out, len, "%s", argv0);
		return access(out, X_OK) ? -errno : 0;
	}
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!copy)
		return -ENOMEM;
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", dir, argv0);
		if (!access(out, X_OK)) {
			err = 0;
			break;
		}
	}
	free(copy);
	return err;
}
