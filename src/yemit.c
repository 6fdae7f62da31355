// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/yemit.h"

static int yemit__emit(yaml_emitter_t *e, yaml_event_t *ev, int init_ok)
{
	if (!init_ok)
		return -ENOMEM;
	if (!yaml_emitter_emit(e, ev))
		return e->error == YAML_MEMORY_ERROR ? -ENOMEM : -EIO;
	return 0;
}

int yemit__begin(yaml_emitter_t *e, FILE *out)
{
	yaml_event_t ev;
	int err;

	if (!yaml_emitter_initialize(e))
		return -ENOMEM;
	yaml_emitter_set_output_file(e, out);
	yaml_emitter_set_unicode(e, 1);
	/* Never fold long lines: one stack or command per line diffs well. */
	yaml_emitter_set_width(e, -1);
	err = yemit__emit(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (!err)
		err = yemit__emit(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	if (err)
		yaml_emitter_delete(e);
	return err;
}

int yemit__end(yaml_emitter_t *e)
{
	yaml_event_t ev;
	int err;

	err = yemit__emit(e, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (!err)
		err = yemit__emit(e, &ev, yaml_stream_end_event_initialize(&ev));
	if (!err && !yaml_emitter_flush(e))
		err = -EIO;
	yaml_emitter_delete(e);
	return err;
}

void yemit__abort(yaml_emitter_t *e)
{
	yaml_emitter_delete(e);
}

static int yemit__scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	/* Untagged: a reader resolves the text by its style alone. */
	int plain_ok = style == YAML_PLAIN_SCALAR_STYLE || style == YAML_ANY_SCALAR_STYLE;
	int quoted_ok = style != YAML_PLAIN_SCALAR_STYLE;

	return yemit__emit(e, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
		(yaml_char_t *)s, (int)strlen(s), plain_ok, quoted_ok, style));
}

static bool yemit__is_number(const char *s)
{
	char *end;

	if (!*s)
		return false;
	(void)strtod(s, &end);
	if (!*end)
		return true;
	(void)strtoll(s, &end, 0);
	return !*end || (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'));
}

bool yemit__looks_typed(const char *s)
{
	/* YAML 1.1 and 1.2 spellings of null, booleans and special floats. */
	static const char *const words[] = {
		"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
		".inf", "-.inf", "+.inf", ".nan",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return yemit__is_number(s);
}

int yemit__str(yaml_emitter_t *e, const char *s)
{
	if (!s)
		return yemit__plain(e, "null");
	/* Otherwise libyaml picks the style: it quotes ": ", "#", "[" etc. */
	return yemit__scalar(e, s, yemit__looks_typed(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
							  : YAML_ANY_SCALAR_STYLE);
}

int yemit__quoted(yaml_emitter_t *e, const char *s)
{
	return yemit__scalar(e, s ? s : "", YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

int yemit__plain(yaml_emitter_t *e, const char *s)
{
	return yemit__scalar(e, s, YAML_PLAIN_SCALAR_STYLE);
}

int yemit__bool(yaml_emitter_t *e, bool v)
{
	return yemit__plain(e, v ? "true" : "false");
}

int yemit__u64(yaml_emitter_t *e, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	return yemit__plain(e, buf);
}

int yemit__int(yaml_emitter_t *e, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return yemit__plain(e, buf);
}

int yemit__seq_start(yaml_emitter_t *e, bool flow)
{
	yaml_event_t ev;

	return yemit__emit(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

int yemit__seq_end(yaml_emitter_t *e)
{
	yaml_event_t ev;

	return yemit__emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

int yemit__map_start(yaml_emitter_t *e, bool flow)
{
	yaml_event_t ev;

	return yemit__emit(e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

int yemit__map_end(yaml_emitter_t *e)
{
	yaml_event_t ev;

	return yemit__emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
}
