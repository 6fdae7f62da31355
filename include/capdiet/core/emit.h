/* SPDX-License-Identifier: MIT */
/*
 * capdiet's one writer of YAML and JSON, one call per node: the profile, the
 * exports, `trace --json` and `check --format json` all go through it.
 *
 * YAML goes through libyaml's emitter, so quoting is always right.  JSON is
 * written here: libyaml's double-quoted style has escapes JSON lacks (\e,
 * \x1b, \N, \L, \P, \U0001F600), so JSON strings get only \" \\ \b \f \n \r
 * \t and \uXXXX, invalid UTF-8 becomes U+FFFD, and the output is valid JSON
 * whatever the strings hold.  JSON is one line; the flow arguments only
 * matter for YAML.
 *
 * Errors are sticky: after the first one every call does nothing and returns
 * it, so a writer may check each call or only emit__end().
 */
#ifndef CAPDIET_EMIT_H
#define CAPDIET_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

#include "capdiet/core/caps.h"

#define EMIT_MAX_DEPTH 64 /* nested JSON collections */

enum emit_format { EMIT_YAML, EMIT_JSON };

struct emit_level {
	bool map;
	size_t n;           /* nodes written in it so far (keys count) */
};

struct emit {
	FILE *out;
	enum emit_format format;
	int err;            /* first error, sticky */
	bool yaml_open;     /* yaml needs yaml_emitter_delete */
	yaml_emitter_t yaml;
	bool root_started;  /* JSON: the one top-level node is under way */
	size_t depth;       /* JSON: open collections */
	struct emit_level open[EMIT_MAX_DEPTH];
};

/* Starts one document on out; 0 or -ENOMEM / -EIO. */
int emit__begin(struct emit *e, FILE *out, enum emit_format format);
/*
 * Ends the document with a newline, flushes and releases e (always).
 * Returns the first error of any call (-EINVAL: collections left open).
 */
int emit__end(struct emit *e);
/* Releases e after an error without writing anything more; NULL is fine. */
void emit__abort(struct emit *e);

int emit__map_start(struct emit *e, bool flow);
int emit__map_end(struct emit *e);
int emit__seq_start(struct emit *e, bool flow);
int emit__seq_end(struct emit *e);

/* A string; NULL is null.  YAML writes it plain only when it starts with
 * a letter, '_', '/', "./" or "../" and is no null or boolean word of YAML
 * 1.1 or 1.2 ("y", "off", "null"), so no reader (go-yaml v2 in kubectl,
 * PyYAML) takes it for a null, boolean, number or timestamp ("1_000",
 * "0b101", "1:20", "2026-11-29"); JSON always quotes. */
int emit__str(struct emit *e, const char *s);
/* A double-quoted string; NULL is "". */
int emit__quoted(struct emit *e, const char *s);
/* Text as is, unquoted: keys, names, numbers.  JSON writes it bare only
 * when it is a JSON number, true, false or null, and never as a key. */
int emit__plain(struct emit *e, const char *s);
int emit__bool(struct emit *e, bool v);
int emit__int(struct emit *e, int64_t v);
int emit__uint(struct emit *e, uint64_t v);
int emit__null(struct emit *e);
/* YAML only: a sequence with a local tag ("!override"); -EINVAL for JSON. */
int emit__seq_start_tagged(struct emit *e, const char *tag, bool flow);
/* A multi-line string as a YAML literal block ("|"), quoted in JSON. */
int emit__literal(struct emit *e, const char *s);
/* [CHOWN, SETUID] in number order; full_names writes CAP_CHOWN. */
int emit__caps(struct emit *e, capset_t set, bool full_names);

/* key: value pairs inside a mapping. */
int emit__kv_str(struct emit *e, const char *key, const char *value);
int emit__kv_int(struct emit *e, const char *key, int64_t value);
int emit__kv_uint(struct emit *e, const char *key, uint64_t value);
int emit__kv_bool(struct emit *e, const char *key, bool value);

#endif
