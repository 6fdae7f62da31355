// SPDX-License-Identifier: MIT
/*
 * --exclude GLOB: paths the gate leaves out (vendored charts, test
 * fixtures that are bad on purpose).  Each one left out is recorded, so
 * the output can say what was not checked: an exclusion is visible, never
 * a silent hole.
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "capdiet/policy/check_exceptions.h"

/* The path as the user would write it: "./k8s/a.yaml" is "k8s/a.yaml". */
static const char *path__plain(const char *path)
{
	while (path[0] == '.' && path[1] == '/' && path[2])
		for (path += 2; *path == '/'; path++)
			;
	return path;
}

/* The last component, ignoring trailing slashes: "k8s/charts/" is "charts". */
static size_t path__base(const char *path, size_t *len)
{
	size_t end = strlen(path), start;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	*len = end - start;
	return start;
}

static bool glob__matches(const char *glob, const char *path)
{
	char base[4096];
	size_t len, start = path__base(path, &len);

	if (!fnmatch(glob, path__plain(path), 0))
		return true;
	if (len >= sizeof(base))
		return false;
	memcpy(base, path + start, len);
	base[len] = '\0';
	return !fnmatch(glob, base, 0);
}

int check_exclude__test(struct check_exclude *x, const char *path, bool *excluded)
{
	*excluded = false;
	for (size_t i = 0; x && i < x->n && !*excluded; i++) {
		if (!glob__matches(x->globs[i], path))
			continue;
		*excluded = true;
		if (strlist__add(&x->paths, path) || strlist__add(&x->by, x->globs[i]))
			return -ENOMEM;
	}
	return 0;
}

void check_exclude__clear(struct check_exclude *x)
{
	if (!x)
		return;
	strlist__clear(&x->paths);
	strlist__clear(&x->by);
}
