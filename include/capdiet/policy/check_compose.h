/* SPDX-License-Identifier: MIT */
/*
 * Compose files merged as Docker Compose merges them (check_compose.c),
 * before the gate judges a service: `extends` (within a file and from
 * another one) and several files that are one project (`capdiet check -f
 * compose.yaml -f compose.prod.yaml`).  A service that extends a
 * privileged one is privileged; an override's cap_add adds to the base's.
 *
 * What counts for capabilities follows the Compose specification's merge
 * rules: a later privileged: replaces an earlier one; cap_add and cap_drop
 * are unioned; `!reset` removes what came before (an attribute, or a whole
 * service), `!override` replaces it.  Each capability is reported at the
 * file and line that granted it, the base file's when it was inherited.
 */
#ifndef CAPDIET_CHECK_COMPOSE_H
#define CAPDIET_CHECK_COMPOSE_H

#include <stddef.h>

#include "capdiet/core/strlist.h"
#include "capdiet/policy/check.h"

struct ydoc_node;
struct ydoc_where;

#define CHECK_COMPOSE_MAX_FILES   64 /* files one project reads, extends included */
#define CHECK_COMPOSE_MAX_EXTENDS 32 /* services in one extends chain */

/*
 * The services mapping of one Compose document in where->file (check.c's
 * compose path): each service's extends resolved, in that file or in the
 * file it names (relative to where->file's directory), then judged.
 * Returns 0, -EINVAL with "FILE:LINE: problem" in where (a cycle, a missing
 * base, a bad capability name), or -ENOMEM; on error nothing is added.
 */
int check_compose__document(struct check_inventory *inv, const struct ydoc_where *where,
			    const struct ydoc_node *services);
/*
 * -f FILE...: the files as one project, later ones merged onto earlier
 * ones, each counted in inv->files.  A problem with any of them is one
 * entry of errors and nothing of the project is added (a part of it
 * judged alone could pass what the whole would not).  Returns -ENOMEM only.
 */
int check__collect_compose(struct check_inventory *inv, const char *const *files, size_t n,
			   struct strlist *errors);

#endif
