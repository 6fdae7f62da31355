/* SPDX-License-Identifier: MIT */
/*
 * The user a service runs as, spelled as `docker run --user` takes it:
 * "USER", "USER:GROUP", "UID", "UID:GID" (names and numbers can be mixed).
 */
#ifndef CAPDIET_USER_H
#define CAPDIET_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct user_spec {
	uid_t uid;
	gid_t gid;         /* primary group: GROUP, else the user's passwd group */
	gid_t *groups;     /* supplementary groups (getgrouplist), may be NULL */
	int n_groups;
	char *name;        /* user name, NULL for a numeric uid without passwd entry */
	char *text;        /* the spec as given */
};

/*
 * Parses text and looks the names up.  A numeric UID without a passwd entry
 * is accepted (as Docker does) and gets gid 0 unless a group is given.
 * Supplementary groups come from getgrouplist() when the user has a passwd
 * entry.  Returns 0, -ENOENT for an unknown user or group, -EINVAL for bad
 * syntax, -ENOMEM.
 */
int user_spec__parse(const char *text, struct user_spec **out);
/*
 * Where "USER[:GROUP]" splits, without judging or looking up either part:
 * USER is the first *user_len bytes of text, GROUP follows the first ':'
 * (*group is NULL without one).  The one reading of the syntax, for
 * readers that print the parts as written (export, report).
 */
void user_spec__split(const char *text, size_t *user_len, const char **group);
void user_spec__free(struct user_spec *u);
/* Root as written: no text, or the USER part is "root" or "0", whatever the
 * group ("root:www-data", "0:0"). */
bool user_spec__is_root(const char *text);
/*
 * USER[:GROUP] written so that any tool reads it as one word: each part a
 * number or a name of letters, digits, '.', '_' and '-' (not starting
 * with '-'), at most 32 bytes, with an optional final '$' (Samba machine
 * accounts).  Says nothing of whether they exist.
 */
bool user_spec__valid_text(const char *text);

#endif
