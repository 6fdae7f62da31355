// SPDX-License-Identifier: MIT
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/user.h"

/*
 * 1 and *id when s is a decimal id, 0 when s is a name, -EINVAL for a number
 * out of range (uid -1 means "unchanged" to the kernel, so it is refused).
 */
static int id__parse(const char *s, uint32_t *id)
{
	unsigned long long v = 0;

	if (s[strspn(s, "0123456789")] != '\0')
		return 0;
	if (strlen(s) > 10)
		return -EINVAL;
	v = strtoull(s, NULL, 10);
	if (v >= UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 1;
}

static int user_spec__resolve_user(struct user_spec *u, const char *s)
{
	struct passwd *pw;
	uint32_t id = 0;
	int numeric = id__parse(s, &id);

	if (numeric < 0)
		return numeric;
	pw = numeric ? getpwuid(id) : getpwnam(s);
	if (!pw) {
		if (!numeric)
			return -ENOENT;
		/* As Docker: a bare uid needs no passwd entry; its group is 0. */
		u->uid = id;
		u->gid = 0;
		return 0;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->name = strdup(pw->pw_name);
	return u->name ? 0 : -ENOMEM;
}

static int user_spec__resolve_group(struct user_spec *u, const char *s)
{
	uint32_t id = 0;
	int numeric = id__parse(s, &id);
	struct group *gr = numeric ? NULL : getgrnam(s);

	if (numeric < 0)
		return numeric;
	if (!numeric && !gr)
		return -ENOENT;
	u->gid = numeric ? id : gr->gr_gid;
	return 0;
}

static int user_spec__load_groups(struct user_spec *u)
{
	int size = 16;

	if (!u->name)
		return 0;
	for (;;) {
		gid_t *groups = realloc(u->groups, (size_t)size * sizeof(*groups));
		int n = size;

		if (!groups)
			return -ENOMEM;
		u->groups = groups;
		if (getgrouplist(u->name, u->gid, groups, &n) >= 0) {
			u->n_groups = n;
			return 0;
		}
		if (n <= size)
			return -EIO;
		size = n;
	}
}

void user_spec__split(const char *text, size_t *user_len, const char **group)
{
	const char *colon = strchr(text, ':');

	*user_len = colon ? (size_t)(colon - text) : strlen(text);
	*group = colon ? colon + 1 : NULL;
}

/* Splits "USER[:GROUP]" in place; -EINVAL for "", ":G", "U:", "U:G:X". */
static int user_spec__split_copy(char *copy, char **user, char **group)
{
	size_t user_len;

	user_spec__split(copy, &user_len, (const char **)group);
	*user = copy;
	copy[user_len] = '\0';
	if (*group && (!**group || strchr(*group, ':')))
		return -EINVAL;
	return **user ? 0 : -EINVAL;
}

int user_spec__parse(const char *text, struct user_spec **out)
{
	struct user_spec *u = NULL;
	char *copy = NULL, *user, *group;
	int err = -ENOMEM;

	*out = NULL;
	if (!text)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	copy = strdup(text);
	if (!u || !copy)
		goto cleanup;
	u->text = strdup(text);
	if (!u->text)
		goto cleanup;
	err = user_spec__split_copy(copy, &user, &group);
	if (!err)
		err = user_spec__resolve_user(u, user);
	if (!err && group)
		err = user_spec__resolve_group(u, group);
	if (!err)
		err = user_spec__load_groups(u);
	if (!err) {
		*out = u;
		u = NULL;
	}
cleanup:
	free(copy);
	user_spec__free(u);
	return err;
}

void user_spec__free(struct user_spec *u)
{
	if (!u)
		return;
	free(u->groups);
	free(u->name);
	free(u->text);
	free(u);
}

bool user_spec__is_root(const char *text)
{
	const char *group;
	size_t len;

	if (!text || !*text)
		return true;
	user_spec__split(text, &len, &group);
	return (len == 4 && !strncmp(text, "root", 4)) || (len == 1 && text[0] == '0');
}

static bool user_part__valid(const char *s, size_t n)
{
	if (!n || n > 32 || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || (c == '$' && i == n - 1)))
			return false;
	}
	return true;
}

bool user_spec__valid_text(const char *text)
{
	const char *group;
	size_t len;

	if (!text)
		return false;
	user_spec__split(text, &len, &group);
	return user_part__valid(text, len) && (!group || user_part__valid(group, strlen(group)));
}
