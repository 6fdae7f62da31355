/* SPDX-License-Identifier: MIT */
/* Writing YAML or JSON through libyaml's emitter, one call per node. */
#ifndef CAPDIET_EMIT_H
#define CAPDIET_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

struct emit {
	yaml_emitter_t emitter;
	bool json;  /* flow style, every string double-quoted */
	int err;    /* first error, sticky: check once at emit__end */
};

int emit__begin(struct emit *e, FILE *out, bool json);
/* Closes the document and stream; returns the first error of any call. */
int emit__end(struct emit *e);
void emit__map_start(struct emit *e, bool flow);
void emit__map_end(struct emit *e);
void emit__seq_start(struct emit *e, bool flow);
void emit__seq_end(struct emit *e);
void emit__str(struct emit *e, const char *s);   /* NULL emits null */
void emit__int(struct emit *e, int64_t v);
void emit__uint(struct emit *e, uint64_t v);
void emit__bool(struct emit *e, bool v);
void emit__null(struct emit *e);
/* key: value pairs inside a mapping. */
void emit__kv_str(struct emit *e, const char *key, const char *value);
void emit__kv_int(struct emit *e, const char *key, int64_t value);
void emit__kv_uint(struct emit *e, const char *key, uint64_t value);
void emit__kv_bool(struct emit *e, const char *key, bool value);

#endif
