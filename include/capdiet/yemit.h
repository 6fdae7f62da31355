/* SPDX-License-Identifier: MIT */
/*
 * Thin helpers over libyaml's emitter, shared by the profile writer and the
 * exporters.  Each returns 0 or -errno (-EIO when the stream fails).
 */
#ifndef CAPDIET_YEMIT_H
#define CAPDIET_YEMIT_H

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>

/* Initialises e on out and opens the stream and its one document. */
int yemit__begin(yaml_emitter_t *e, FILE *out);
/* Closes the document and stream, flushes, and releases e (always). */
int yemit__end(yaml_emitter_t *e);
/* Releases e after an error, without emitting anything more. */
void yemit__abort(yaml_emitter_t *e);

/* A string; NULL is written as null, and text another YAML reader would
 * take for a null, boolean or number ("true", "0640") is quoted. */
int yemit__str(yaml_emitter_t *e, const char *s);
/* A double-quoted string, as JSON needs. */
int yemit__quoted(yaml_emitter_t *e, const char *s);
/* Text written as is, unquoted: null, true, 12, 0.5. */
int yemit__plain(yaml_emitter_t *e, const char *s);
int yemit__bool(yaml_emitter_t *e, bool v);
int yemit__u64(yaml_emitter_t *e, unsigned long long v);
int yemit__int(yaml_emitter_t *e, long long v);

/* Collections: flow style is [a, b] / {k: v}, block style one per line. */
int yemit__seq_start(yaml_emitter_t *e, bool flow);
int yemit__seq_end(yaml_emitter_t *e);
int yemit__map_start(yaml_emitter_t *e, bool flow);
int yemit__map_end(yaml_emitter_t *e);

/* True when a plain s would not read back as the string s. */
bool yemit__looks_typed(const char *s);

#endif
