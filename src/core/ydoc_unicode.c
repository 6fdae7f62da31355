// SPDX-License-Identifier: MIT
/*
 * JSON writes a character above U+FFFF as a UTF-16 surrogate pair,
 * "\ud83d\ude00"; YAML's escapes are code points, and libyaml's scanner
 * refuses \uD800-\uDFFF in a double-quoted scalar ("found invalid Unicode
 * character escape code").  So before the parse, each pair inside a
 * double-quoted scalar becomes the escape YAML has for its character,
 * \U0001F600, and half a pair is an error that says so.
 *
 * Which text is a double-quoted scalar is libyaml's to tell, not a guess:
 * its scanner runs over a copy in which every \uD800-\uDFFF reads \u0041
 * (same length, same tokens), and only the double-quoted scalar tokens are
 * rewritten.  An escaped backslash ("\\ud83d"), single-quoted, plain and
 * block scalars and comments keep their text.  A joined pair is 2
 * characters shorter, which moves what follows it on its line: the shifts
 * are kept to put the nodes' columns back.  Two linear passes, and only
 * for input that has a surrogate escape at all.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ydoc_internal.h"

#define U_ESC_LEN 6    /* \uXXXX */
#define PAIR_LEN 12    /* \uD83D\uDE00 */
#define JOINED_LEN 10  /* \U0001F600 */

struct joiner {
	const char *in;
	size_t len;
	char *out;
	size_t used;             /* bytes in out */
	size_t copied;           /* input bytes before this are in out */
	size_t at_char, at_byte; /* libyaml's character index, and its byte */
	size_t line, on_line;    /* line of the last joined pair, pairs on it */
	struct ydoc_joined *j;
	struct ydoc_error *err;
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of the \uXXXX escape at p, or -1 when there is none. */
static long u_escape(const char *p, size_t left)
{
	long v = 0;

	if (left < U_ESC_LEN || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int i = 2; i < U_ESC_LEN; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static bool is_surrogate(long v)
{
	return v >= 0xD800 && v <= 0xDFFF;
}

/* The next surrogate escape at or after p, or NULL. */
static char *next_surrogate(const char *p, const char *end)
{
	while ((p = memchr(p, '\\', (size_t)(end - p)))) {
		if (is_surrogate(u_escape(p, (size_t)(end - p))))
			return (char *)p;
		p++;
	}
	return NULL;
}

/* A copy of buf that libyaml scans through: each surrogate escape reads \u0041. */
static char *neutral_copy(const char *buf, size_t len)
{
	char *copy = malloc(len);
	char *p;

	if (!copy)
		return NULL;
	memcpy(copy, buf, len);
	for (p = copy; (p = next_surrogate(p, copy + len)); p += U_ESC_LEN)
		memcpy(p + 2, "0041", 4);
	return copy;
}

/* The byte of libyaml's character index: a UTF-8 sequence is one character. */
static size_t joiner__byte(struct joiner *jn, size_t index)
{
	while (jn->at_char < index && jn->at_byte < jn->len) {
		jn->at_byte++;
		while (jn->at_byte < jn->len && ((unsigned char)jn->in[jn->at_byte] & 0xC0) == 0x80)
			jn->at_byte++;
		jn->at_char++;
	}
	return jn->at_byte;
}

/* Bytes of the character at p as libyaml counts them; *brk: a line break
 * (CR LF is one, as are NEL, LS and PS). */
static size_t char_len(const unsigned char *p, size_t left, bool *brk)
{
	size_t n = p[0] < 0x80 ? 1 : p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;

	*brk = p[0] == '\r' || p[0] == '\n' || (left >= 2 && p[0] == 0xC2 && p[1] == 0x85) ||
	       (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9));
	if (p[0] == '\r')
		n = left >= 2 && p[1] == '\n' ? 2 : 1;
	return n < left ? n : left;
}

static void joiner__copy(struct joiner *jn, size_t upto)
{
	memcpy(jn->out + jn->used, jn->in + jn->copied, upto - jn->copied);
	jn->used += upto - jn->copied;
	jn->copied = upto;
}

static int joiner__lone(struct joiner *jn, size_t at, size_t line)
{
	jn->err->line = line + 1 < 0x7fffffff ? (int)line + 1 : 0;
	/* No backslash in it: messages about input are printed escaped. */
	snprintf(jn->err->msg, sizeof(jn->err->msg),
		 "U+%04lX is half a UTF-16 surrogate pair, without its other half: escape both "
		 "halves (U+1F600 is D83D then DE00) or write the character itself",
		 u_escape(jn->in + at, U_ESC_LEN));
	return -EINVAL;
}

/* Writes the pair at `at` (on line, col) as one \U escape; -EINVAL for half a pair. */
static int joiner__pair(struct joiner *jn, size_t at, size_t end, size_t line, size_t col)
{
	long hi = u_escape(jn->in + at, end - at);
	long lo = u_escape(jn->in + at + U_ESC_LEN, end - at - U_ESC_LEN);
	struct ydoc_joined *j = jn->j;

	if (hi > 0xDBFF || lo < 0xDC00 || lo > 0xDFFF)
		return joiner__lone(jn, at, line);
	if (j->n_shifts == j->alloc) {
		size_t n = j->alloc ? 2 * j->alloc : 16;
		struct ydoc_shift *v = reallocarray(j->shifts, n, sizeof(*v));

		if (!v)
			return -ENOMEM;
		j->shifts = v;
		j->alloc = n;
	}
	jn->on_line = j->n_shifts && jn->line == line ? jn->on_line + 1 : 1;
	jn->line = line;
	j->shifts[j->n_shifts++] = (struct ydoc_shift){ line, col - 2 * (jn->on_line - 1) };
	jn->used += (size_t)snprintf(jn->out + jn->used, JOINED_LEN + 1, "\\U%08lX",
				     0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
	jn->copied = at + PAIR_LEN;
	return 0;
}

/*
 * Copies the double-quoted scalar token [from, to) with its pairs joined,
 * counting lines and columns from the token's start as libyaml does.
 */
static int joiner__scalar(struct joiner *jn, size_t from, size_t to, const yaml_mark_t *start)
{
	size_t line = start->line, col = start->column, i = from;
	int rc = 0;

	joiner__copy(jn, from);
	while (i < to && !rc) {
		const unsigned char *p = (const unsigned char *)jn->in + i;
		bool brk = false;
		size_t n = 2;

		if (is_surrogate(u_escape(jn->in + i, to - i))) {
			joiner__copy(jn, i);
			rc = joiner__pair(jn, i, to, line, col);
			n = PAIR_LEN;
		} else if (p[0] != '\\' || i + 1 == to || p[1] >= 0x80 || p[1] == '\r' ||
			   p[1] == '\n') {
			n = char_len(p, to - i, &brk);
		} /* else an escaped character, "\\" above all: it starts no escape */
		if (brk) {
			line++;
			col = 0;
		} else {
			col += n == PAIR_LEN || (n == 2 && p[0] == '\\') ? n : 1;
		}
		i += n;
	}
	if (!rc)
		joiner__copy(jn, to);
	return rc;
}

/* The token [start, end) as bytes, if it is where it should be: a double-quoted scalar. */
static bool joiner__span(struct joiner *jn, const yaml_token_t *tok, size_t *from, size_t *to)
{
	if (tok->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		return false;
	*from = joiner__byte(jn, tok->start_mark.index);
	*to = joiner__byte(jn, tok->end_mark.index);
	return *to - *from >= 2 && jn->in[*from] == '"' && jn->in[*to - 1] == '"';
}

/*
 * Scans the neutral copy and joins the pairs of each double-quoted scalar.
 * A scanner error ends it early: the parse reports that error at its place.
 * Deeper nesting than the parse reads ends it too, so the scan stays bounded.
 */
static int joiner__run(struct joiner *jn, yaml_parser_t *scan)
{
	bool done = false;
	int depth = 0, rc = 0;
	yaml_token_t tok;
	size_t from, to;

	while (!done && !rc && yaml_parser_scan(scan, &tok)) {
		switch (tok.type) {
		case YAML_BLOCK_SEQUENCE_START_TOKEN:
		case YAML_BLOCK_MAPPING_START_TOKEN:
		case YAML_FLOW_SEQUENCE_START_TOKEN:
		case YAML_FLOW_MAPPING_START_TOKEN:
			done = ++depth > YDOC_MAX_DEPTH;
			break;
		case YAML_BLOCK_END_TOKEN:
		case YAML_FLOW_SEQUENCE_END_TOKEN:
		case YAML_FLOW_MAPPING_END_TOKEN:
			depth--;
			break;
		case YAML_SCALAR_TOKEN:
			if (joiner__span(jn, &tok, &from, &to) && from >= jn->copied)
				rc = joiner__scalar(jn, from, to, &tok.start_mark);
			break;
		default:
			done = tok.type == YAML_STREAM_END_TOKEN;
		}
		yaml_token_delete(&tok);
	}
	return rc;
}

static int joiner__scan(struct joiner *jn)
{
	char *neutral = neutral_copy(jn->in, jn->len);
	yaml_parser_t scan;
	int rc;

	if (!neutral || !yaml_parser_initialize(&scan)) {
		free(neutral);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&scan, (const unsigned char *)neutral, jn->len);
	rc = joiner__run(jn, &scan);
	yaml_parser_delete(&scan);
	free(neutral);
	return rc;
}

int ydoc_joined__make(struct ydoc_joined *j, const char *buf, size_t len,
		      struct ydoc_error *err)
{
	struct joiner jn = { .in = buf, .len = len, .j = j, .err = err };
	int rc;

	*j = (struct ydoc_joined){ 0 };
	if (!len || !next_surrogate(buf, buf + len))
		return 0;
	jn.out = malloc(len);
	if (!jn.out)
		return -ENOMEM;
	/* libyaml's character index starts after a UTF-8 byte order mark. */
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		jn.at_byte = 3;
	rc = joiner__scan(&jn);
	if (rc) {
		free(jn.out);
		ydoc_joined__clear(j);
		return rc;
	}
	joiner__copy(&jn, len);
	j->buf = jn.out;
	j->len = jn.used;
	return 0;
}

/* How many shifts come before (line, col). */
static size_t shifts__before(const struct ydoc_joined *j, size_t line, size_t col)
{
	size_t lo = 0, hi = j->n_shifts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ydoc_shift *s = &j->shifts[mid];

		if (s->line < line || (s->line == line && s->col < col))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void ydoc_joined__columns(const struct ydoc_joined *j, struct ydoc *t, size_t from)
{
	for (size_t i = from; j && j->n_shifts && i < t->n_all; i++) {
		struct ydoc_node *n = t->all[i];
		size_t line, col;

		if (n->line < 1 || n->col < 1)
			continue;
		line = (size_t)n->line - 1;
		col = (size_t)n->col - 1;
		n->col += (int)(2 * (shifts__before(j, line, col) - shifts__before(j, line, 0)));
	}
}

void ydoc_joined__clear(struct ydoc_joined *j)
{
	free(j->buf);
	free(j->shifts);
	*j = (struct ydoc_joined){ 0 };
}
