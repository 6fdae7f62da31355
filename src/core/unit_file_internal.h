/* SPDX-License-Identifier: MIT */
/* What the three files of the unit reader share: unit_file.c (lines,
 * sections, keys), unit_file_words.c (words, specifiers, ExecStart=),
 * unit_file_env.c (Environment=, EnvironmentFile=, the environment). */
#ifndef CAPDIET_UNIT_FILE_INTERNAL_H
#define CAPDIET_UNIT_FILE_INTERNAL_H

#include <stddef.h>

#include "capdiet/core/unit_file.h"

/* The system manager's PATH for services and where it looks for a bare
 * ExecStart= program (systemd's default with split /usr: `systemd-path
 * search-binaries-default` on Debian 12). */
#define UNIT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Where a value came from, for "FILE:LINE: ..." messages. */
struct unit_where {
	const char *file;
	int line;
	char *err;
	size_t err_len;
};

/* Writes "FILE:LINE: message" to where->err; returns -EINVAL. */
int unit__fail(const struct unit_where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A growing NUL-terminated string. */
struct unit_buf {
	char *s;
	size_t n, cap;
};
int unit_buf__put(struct unit_buf *b, char c);
int unit_buf__puts(struct unit_buf *b, const char *s, size_t len);
void unit_buf__clear(struct unit_buf *b);

/*
 * One word of *p (see unit_file__split), moving *p past it: 1 and a
 * malloc'd *word, 0 at the end, or -EINVAL / -ENOMEM (reason in err).
 */
int unit__next_word(const char **p, unsigned flags, char **word, char *err, size_t err_len);
/* Resolves %% in place; any other %-specifier is an error (-EINVAL). */
int unit__specifiers(char *s, const struct unit_where *w);
/* The list's strings as a NULL-terminated vector (the list is left empty);
 * NULL on ENOMEM. */
char **unit__strv_take(struct strlist *l);
/* A shell-style variable name: a letter or _, then letters, digits, _. */
bool unit__env_name_valid(const char *s, size_t len);

/* The [Service] keys the other files read; 0 or -errno. */
int unit__parse_exec(struct unit_file *u, const char *value, const struct unit_where *w);
int unit__parse_environment(struct unit_file *u, const char *value,
			    const struct unit_where *w);
int unit__parse_env_file(struct unit_file *u, const char *value, const struct unit_where *w);

#endif
