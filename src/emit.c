// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "capdiet/emit.h"

static void emit_event(struct emit *e, yaml_event_t *ev, int init_ok)
{
	if (e->err)
		return;
	if (!init_ok || !yaml_emitter_emit(&e->emitter, ev))
		e->err = -EIO;
}

int emit__begin(struct emit *e, FILE *out, bool json)
{
	yaml_event_t ev;

	memset(e, 0, sizeof(*e));
	e->json = json;
	if (!yaml_emitter_initialize(&e->emitter))
		return -ENOMEM;
	yaml_emitter_set_output_file(&e->emitter, out);
	yaml_emitter_set_unicode(&e->emitter, 1);
	yaml_emitter_set_width(&e->emitter, json ? -1 : 100);
	emit_event(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit_event(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	return e->err;
}

int emit__end(struct emit *e)
{
	yaml_event_t ev;

	emit_event(e, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit_event(e, &ev, yaml_stream_end_event_initialize(&ev));
	if (!e->err && !yaml_emitter_flush(&e->emitter))
		e->err = -EIO;
	yaml_emitter_delete(&e->emitter);
	return e->err;
}

void emit__map_start(struct emit *e, bool flow)
{
	yaml_event_t ev;

	emit_event(e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		   flow || e->json ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

void emit__map_end(struct emit *e)
{
	yaml_event_t ev;

	emit_event(e, &ev, yaml_mapping_end_event_initialize(&ev));
}

void emit__seq_start(struct emit *e, bool flow)
{
	yaml_event_t ev;

	emit_event(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		   flow || e->json ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

void emit__seq_end(struct emit *e)
{
	yaml_event_t ev;

	emit_event(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void emit_scalar(struct emit *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	emit_event(e, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
		   (yaml_char_t *)s, (int)strlen(s), 1, 1, style));
}

void emit__str(struct emit *e, const char *s)
{
	if (!s) {
		emit__null(e);
		return;
	}
	/* YAML: let libyaml quote only where needed; JSON: always quote. */
	emit_scalar(e, s, e->json ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
}

void emit__int(struct emit *e, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	emit_scalar(e, buf, YAML_PLAIN_SCALAR_STYLE);
}

void emit__uint(struct emit *e, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	emit_scalar(e, buf, YAML_PLAIN_SCALAR_STYLE);
}

void emit__bool(struct emit *e, bool v)
{
	emit_scalar(e, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}

void emit__null(struct emit *e)
{
	emit_scalar(e, "null", YAML_PLAIN_SCALAR_STYLE);
}

void emit__kv_str(struct emit *e, const char *key, const char *value)
{
	emit__str(e, key);
	emit__str(e, value);
}

void emit__kv_int(struct emit *e, const char *key, int64_t value)
{
	emit__str(e, key);
	emit__int(e, value);
}

void emit__kv_uint(struct emit *e, const char *key, uint64_t value)
{
	emit__str(e, key);
	emit__uint(e, value);
}

void emit__kv_bool(struct emit *e, const char *key, bool value)
{
	emit__str(e, key);
	emit__bool(e, value);
}
