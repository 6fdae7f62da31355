/* SPDX-License-Identifier: MIT */
/*
 * Capability names and sets.  Every capability name capdiet reads goes
 * through caps__parse_name() / caps__parse_list(), so all commands accept the
 * same spellings (any case, optional CAP_ prefix, ALL) and reject the same
 * typos.
 */
#ifndef CAPDIET_CAPS_H
#define CAPDIET_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of capabilities: bit N is capability N (CAP_CHOWN is 0). */
typedef uint64_t capset_t;

#define CAPSET_BIT(cap) ((capset_t)1 << (cap))

/*
 * Highest capability with a name: CAP_CHECKPOINT_RESTORE (40), from one
 * static table, whatever the host's libcap or kernel knows, so a manifest
 * gets the same verdict on every machine.
 */
int caps__last_cap(void);
/* Every capability with a name (0 to caps__last_cap()): what ALL means. */
capset_t caps__all(void);
bool caps__has(capset_t set, int cap);
int caps__count(capset_t set);

/*
 * Parses one name: "net_bind_service", "CAP_NET_BIND_SERVICE", "Chown".
 * Returns the capability number, or -EINVAL for an unknown name.
 * "ALL" is not a single capability: it returns -EDOM.
 */
int caps__parse_name(const char *name);
/*
 * Parses "CHOWN,cap_setuid, NET_BIND_SERVICE", "ALL", or "" or "NONE" (the
 * empty set; NONE only as the whole list) into *set.  On an unknown name returns -EINVAL and, when bad is not NULL,
 * copies the offending name into bad (size bad_len).
 */
int caps__parse_list(const char *list, capset_t *set, char *bad, size_t bad_len);
/* Adds one name (or ALL) to *set; -EINVAL for an unknown name. */
int caps__add_name(capset_t *set, const char *name);
/*
 * Whether name is written as a Kubernetes runtime reads a drop: without
 * blanks around it and without the CAP_ prefix (the runtime adds CAP_
 * itself, so "CAP_NET_RAW" and " ALL " drop nothing there).
 */
bool caps__name_is_bare(const char *name);

/*
 * "NET_BIND_SERVICE" (no CAP_ prefix, upper case).  A capability above
 * caps__last_cap() is named by its number, "cap_41" (which caps__parse_name
 * refuses); NULL outside 0..63.
 */
const char *caps__name(int cap);
/* "CAP_NET_BIND_SERVICE", or "cap_41" as caps__name; NULL outside 0..63. */
const char *caps__full_name(int cap);

/*
 * Formats set as names joined by sep ("CHOWN,SETUID"), optionally with the
 * CAP_ prefix.  Returns a malloc'd string ("" for the empty set), or NULL
 * with errno set.
 */
char *caps__format(capset_t set, const char *sep, bool cap_prefix);

/* Parses a hex mask as in /proc/PID/status ("00000000a80425fb"). */
int caps__parse_hex(const char *hex, capset_t *set);

/* Docker's (and containerd's) default 14 capabilities. */
capset_t caps__docker_default(void);
/* Podman's default 11. */
capset_t caps__podman_default(void);

/* A short description of what a capability unlocks, for reports. */
const char *caps__describe(int cap);

/*
 * Order for --minimize: most dangerous first.  Fills out with up to n
 * capability numbers from set and returns how many it wrote.
 */
size_t caps__by_danger(capset_t set, int *out, size_t n);

#endif
