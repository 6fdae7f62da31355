// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/text.h"

/* How a scalar is meant: text to quote when needed, always quoted, as is. */
enum scalar_kind { SCALAR_STRING, SCALAR_QUOTED, SCALAR_PLAIN };

/* ---- YAML, through libyaml ---- */

static int yaml__emit(struct emit *e, yaml_event_t *ev, int init_ok)
{
	if (!init_ok)
		e->err = -ENOMEM;
	else if (!yaml_emitter_emit(&e->yaml, ev))
		e->err = e->yaml.error == YAML_MEMORY_ERROR ? -ENOMEM : -EIO;
	return e->err;
}

static int yaml__begin(struct emit *e)
{
	yaml_event_t ev;

	if (!yaml_emitter_initialize(&e->yaml))
		return e->err = -ENOMEM;
	e->yaml_open = true;
	yaml_emitter_set_output_file(&e->yaml, e->out);
	yaml_emitter_set_unicode(&e->yaml, 1);
	/* Never fold long lines: one stack or command per line diffs well. */
	yaml_emitter_set_width(&e->yaml, -1);
	if (yaml__emit(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)))
		return e->err;
	return yaml__emit(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
}

static int yaml__end(struct emit *e)
{
	yaml_event_t ev;

	if (yaml__emit(e, &ev, yaml_document_end_event_initialize(&ev, 1)) ||
	    yaml__emit(e, &ev, yaml_stream_end_event_initialize(&ev)))
		return e->err;
	if (!yaml_emitter_flush(&e->yaml))
		e->err = -EIO;
	return e->err;
}

static int yaml__open(struct emit *e, bool map, bool flow)
{
	yaml_event_t ev;

	if (map)
		return yaml__emit(e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
	return yaml__emit(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static int yaml__close(struct emit *e, bool map)
{
	yaml_event_t ev;

	if (map)
		return yaml__emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
	return yaml__emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

/*
 * True when a plain s might not read back as the string s.  Readers differ:
 * YAML 1.1 ones (go-yaml v2 in kubectl and Kubernetes, PyYAML) take
 * 1_000, 0b101, 1:20 (sexagesimal 80), +1, .5, y and off for numbers and
 * booleans, YAML 1.2 ones 0o17.  Every number, null, boolean or special
 * float of either starts with a digit, a sign, '.' or '~', or is one of the
 * words below; every other typed form (merge "<<", value "=") starts with
 * neither a letter nor '/' nor '_'.  So plain is kept only for text that
 * starts with an ASCII letter, '_', '/', "./" or "../" (no number has a
 * '/') and is no such word: names, symbols, paths, reasons.  libyaml itself quotes what plain
 * cannot hold (": ", " #", ...).
 */
static bool yaml__looks_typed(const char *s)
{
	/* YAML 1.1 and 1.2 spellings of null and booleans, in any case. */
	static const char *const words[] = {
		"null", "true", "false", "yes", "no", "on", "off", "y", "n",
	};
	unsigned char c = (unsigned char)s[0];

	if (!strncmp(s, "./", 2) || !strncmp(s, "../", 3))
		return false;
	if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '/'))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return true;
	return false;
}

static int yaml__scalar(struct emit *e, const char *s, enum scalar_kind kind)
{
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
	yaml_event_t ev;

	if (kind == SCALAR_QUOTED)
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (kind == SCALAR_STRING && s)
		/* Otherwise libyaml picks the style: it quotes ": ", "#", "[" etc. */
		style = yaml__looks_typed(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
					     : YAML_ANY_SCALAR_STYLE;
	if (!s)
		s = kind == SCALAR_QUOTED ? "" : "null";
	/* Untagged: a reader resolves the text by its style alone. */
	return yaml__emit(e, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
		(yaml_char_t *)s, (int)strlen(s), style != YAML_DOUBLE_QUOTED_SCALAR_STYLE,
		style != YAML_PLAIN_SCALAR_STYLE, style));
}

/* ---- JSON, written here ---- */

/* Characters valid in JSON yet refused or mangled by YAML readers (libyaml
 * rejects C1 controls and U+FFFE/U+FFFF) or JavaScript (U+2028, U+2029),
 * and the invisible ones a CI log would show as something else (bidi
 * controls, zero-width characters: text__is_unsafe). */
static bool json__must_escape(uint32_t cp)
{
	return text__is_control(cp) || text__is_unsafe(cp) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

static void json__string(FILE *out, const char *str)
{
	static const char short_escape[] = {
		['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
		['"'] = '"', ['\\'] = '\\',
	};
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		uint32_t cp = 0;
		size_t n = text__utf8_decode(s, &cp);

		if (!n)
			fputs("\\ufffd", out);
		/* GitHub's runner acts on "##[command]" anywhere in a log line, and
		 * JSON output is one line of a CI log: "##\u005b" reads the same. */
		else if (cp == '[' && (const char *)s - str >= 2 && s[-1] == '#' && s[-2] == '#')
			fputs("\\u005b", out);
		else if (cp < sizeof(short_escape) && short_escape[cp])
			fprintf(out, "\\%c", short_escape[cp]);
		else if (json__must_escape(cp) && cp > 0xffff) /* a UTF-16 surrogate pair */
			fprintf(out, "\\u%04" PRIx32 "\\u%04" PRIx32,
				0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
		else if (json__must_escape(cp))
			fprintf(out, "\\u%04" PRIx32, cp);
		else
			fwrite(s, 1, n, out);
		s += n ? n : 1;
	}
	fputc('"', out);
}

static size_t json__digits(const char **s)
{
	size_t n = 0;

	for (; **s >= '0' && **s <= '9'; (*s)++)
		n++;
	return n;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json__is_number(const char *s)
{
	s += *s == '-';
	if (*s == '0')
		s++;
	else if (*s < '1' || *s > '9' || !json__digits(&s))
		return false;
	if (*s == '.' && (s++, !json__digits(&s)))
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		s += *s == '+' || *s == '-';
		if (!json__digits(&s))
			return false;
	}
	return !*s;
}

static bool json__is_literal(const char *s)
{
	return !strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "null") ||
	       json__is_number(s);
}

/* Writes what goes before the next node; *key says it must be a string. */
static int json__next(struct emit *e, bool *key)
{
	struct emit_level *top;

	*key = false;
	if (!e->depth) {
		if (e->root_started)
			return e->err = -EINVAL; /* one document, one top-level node */
		e->root_started = true;
		return 0;
	}
	top = &e->open[e->depth - 1];
	*key = top->map && top->n % 2 == 0;
	if (top->n++)
		fputs(top->map && !*key ? ": " : ", ", e->out);
	return 0;
}

static int json__scalar(struct emit *e, const char *s, enum scalar_kind kind)
{
	bool key;

	if (json__next(e, &key))
		return e->err;
	if (!s && kind == SCALAR_QUOTED)
		s = "";
	else if (!s)
		kind = SCALAR_PLAIN, s = "null";
	if (kind == SCALAR_PLAIN && !key && json__is_literal(s))
		fputs(s, e->out);
	else
		json__string(e->out, s);
	return 0;
}

static int json__open(struct emit *e, bool map)
{
	bool key;

	if (json__next(e, &key))
		return e->err;
	if (key || e->depth == EMIT_MAX_DEPTH)
		return e->err = -EINVAL; /* JSON keys are strings */
	e->open[e->depth++] = (struct emit_level){ map, 0 };
	fputc(map ? '{' : '[', e->out);
	return 0;
}

static int json__close(struct emit *e, bool map)
{
	struct emit_level *top = e->depth ? &e->open[e->depth - 1] : NULL;

	if (!top || top->map != map || (map && top->n % 2))
		return e->err = -EINVAL; /* nothing open, or a key without its value */
	e->depth--;
	fputc(map ? '}' : ']', e->out);
	return 0;
}

static int json__end(struct emit *e)
{
	if (e->depth || !e->root_started)
		return e->err = -EINVAL;
	fputc('\n', e->out);
	return 0;
}

/* ---- one interface over both ---- */

int emit__begin(struct emit *e, FILE *out, enum emit_format format)
{
	memset(e, 0, sizeof(*e));
	e->out = out;
	e->format = format;
	if (format == EMIT_YAML && yaml__begin(e))
		emit__abort(e);
	return e->err;
}

int emit__end(struct emit *e)
{
	if (!e->err && e->format == EMIT_JSON)
		json__end(e);
	else if (!e->err)
		yaml__end(e);
	/* libyaml only fwrite()s: a full disk shows when the stream is flushed. */
	if (!e->err && (fflush(e->out) || ferror(e->out)))
		e->err = -EIO;
	emit__abort(e);
	return e->err;
}

void emit__abort(struct emit *e)
{
	if (!e)
		return;
	if (e->yaml_open)
		yaml_emitter_delete(&e->yaml);
	e->yaml_open = false;
}

static int emit__open(struct emit *e, bool map, bool flow)
{
	if (e->err)
		return e->err;
	return e->format == EMIT_JSON ? json__open(e, map) : yaml__open(e, map, flow);
}

static int emit__close(struct emit *e, bool map)
{
	if (e->err)
		return e->err;
	return e->format == EMIT_JSON ? json__close(e, map) : yaml__close(e, map);
}

static int emit__scalar(struct emit *e, const char *s, enum scalar_kind kind)
{
	if (e->err)
		return e->err;
	return e->format == EMIT_JSON ? json__scalar(e, s, kind) : yaml__scalar(e, s, kind);
}

int emit__map_start(struct emit *e, bool flow)
{
	return emit__open(e, true, flow);
}

int emit__map_end(struct emit *e)
{
	return emit__close(e, true);
}

int emit__seq_start(struct emit *e, bool flow)
{
	return emit__open(e, false, flow);
}

int emit__seq_end(struct emit *e)
{
	return emit__close(e, false);
}

int emit__str(struct emit *e, const char *s)
{
	return emit__scalar(e, s, SCALAR_STRING);
}

int emit__quoted(struct emit *e, const char *s)
{
	return emit__scalar(e, s, SCALAR_QUOTED);
}

int emit__plain(struct emit *e, const char *s)
{
	return emit__scalar(e, s, SCALAR_PLAIN);
}

int emit__bool(struct emit *e, bool v)
{
	return emit__plain(e, v ? "true" : "false");
}

int emit__int(struct emit *e, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return emit__plain(e, buf);
}

int emit__uint(struct emit *e, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return emit__plain(e, buf);
}

int emit__null(struct emit *e)
{
	return emit__plain(e, "null");
}

int emit__caps(struct emit *e, capset_t set, bool full_names)
{
	emit__seq_start(e, true);
	for (int cap = 0; cap < 64; cap++) {
		const char *name = full_names ? caps__full_name(cap) : caps__name(cap);

		if (caps__has(set, cap) && name)
			emit__plain(e, name);
	}
	return emit__seq_end(e);
}

int emit__kv_str(struct emit *e, const char *key, const char *value)
{
	emit__plain(e, key);
	return emit__str(e, value);
}

int emit__kv_int(struct emit *e, const char *key, int64_t value)
{
	emit__plain(e, key);
	return emit__int(e, value);
}

int emit__kv_uint(struct emit *e, const char *key, uint64_t value)
{
	emit__plain(e, key);
	return emit__uint(e, value);
}

int emit__kv_bool(struct emit *e, const char *key, bool value)
{
	emit__plain(e, key);
	return emit__bool(e, value);
}

int emit__seq_start_tagged(struct emit *e, const char *tag, bool flow)
{
	yaml_event_t ev;

	if (e->err)
		return e->err;
	if (e->format != EMIT_YAML || !tag || tag[0] != '!')
		return e->err = -EINVAL; /* JSON has no tags */
	return yaml__emit(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL,
		(yaml_char_t *)tag, 0, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

int emit__literal(struct emit *e, const char *s)
{
	yaml_event_t ev;

	if (e->err || e->format == EMIT_JSON)
		return emit__quoted(e, s);
	/* libyaml falls back to double quotes when a literal block cannot hold s. */
	return yaml__emit(e, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
		(yaml_char_t *)s, (int)strlen(s), 0, 1, YAML_LITERAL_SCALAR_STYLE));
}
