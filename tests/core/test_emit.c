// SPDX-License-Identifier: MIT
/*
 * The one YAML/JSON writer.  JSON output is checked the way a strict reader
 * would: only JSON's escapes, no raw control characters, well-formed UTF-8,
 * and libyaml reads back the same strings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/capability.h>

#include "capdiet/core/emit.h"
#include "capdiet/core/ydoc.h"

/* A nasty string and what a reader must get back (NULL: the same text). */
static const struct nasty {
	const char *in;
	const char *back;
} nasty[] = {
	{ "plain", NULL },
	{ "say \"hi\" \\ back/slash", NULL },
	{ "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", NULL },
	{ "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", NULL },
	{ "\x1b[31mred\x1b[0m\x7f", NULL },
	{ "nel\xc2\x85 c1\xc2\x80\xc2\x9f nbsp\xc2\xa0", NULL },
	{ "ls\xe2\x80\xa8 ps\xe2\x80\xa9 bom\xef\xbb\xbf", NULL },
	{ "nonchars\xef\xbf\xbe\xef\xbf\xbf", NULL },
	{ "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", NULL },
	{ "", NULL },
	{ "true", NULL },
	{ "null", NULL },
	{ "12", NULL },
	{ "- a: [b]\n# c", NULL },
	/* Not UTF-8: each bad byte becomes U+FFFD. */
	{ "bad\xff", "bad\xef\xbf\xbd" },
	{ "overlong\xc0\xaf", "overlong\xef\xbf\xbd\xef\xbf\xbd" },
	{ "surrogate\xed\xa0\x80", "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "too big\xf4\x90\x80\x80", "too big\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\x80lone", "\xef\xbf\xbdlone" },
};
#define N_NASTY (sizeof(nasty) / sizeof(nasty[0]))

/* An emitter writing to memory. */
struct sink {
	char *text;
	size_t len;
	FILE *f;
	struct emit e;
};

static struct emit *sink__open(struct sink *s, enum emit_format format)
{
	memset(s, 0, sizeof(*s));
	s->f = open_memstream(&s->text, &s->len);
	assert_non_null(s->f);
	assert_int_equal(emit__begin(&s->e, s->f, format), 0);
	return &s->e;
}

/* Releases the emitter (nothing left to do after emit__end) and returns the text. */
static char *sink__close(struct sink *s)
{
	emit__abort(&s->e);
	assert_int_equal(fclose(s->f), 0);
	return s->text;
}

/* {"k": str, "list": [str, str]} */
static char *write_doc(enum emit_format format, const char *str)
{
	struct sink s;
	struct emit *e = sink__open(&s, format);

	emit__map_start(e, false);
	emit__kv_str(e, "k", str);
	emit__plain(e, "list");
	emit__seq_start(e, true);
	emit__str(e, str);
	emit__quoted(e, str);
	emit__seq_end(e);
	emit__map_end(e);
	assert_int_equal(emit__end(e), 0);
	return sink__close(&s);
}

/* Every backslash starts one of JSON's escapes; no raw control characters. */
static void assert_json_escapes_only(const char *json)
{
	for (const unsigned char *p = (const unsigned char *)json; *p; p++) {
		if (*p < 0x20 && !(*p == '\n' && !p[1]))
			fail_msg("raw control character 0x%02x in %s", *p, json);
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
					fail_msg("bad \\u escape in %s", json);
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			fail_msg("escape \\%c is not JSON, in %s", *p ? *p : '0', json);
		}
	}
}

/* Output must be UTF-8 without U+0085, U+2028, U+2029 written raw. */
static void assert_clean_utf8(const char *json)
{
	const unsigned char *p = (const unsigned char *)json;

	for (; *p; p++) {
		if (p[0] == 0xc2 && p[1] == 0x85)
			fail_msg("raw U+0085 in %s", json);
		if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			fail_msg("raw U+2028/U+2029 in %s", json);
	}
	/* libyaml's reader refuses ill-formed UTF-8 and C0/C1 controls. */
}

static void assert_reads_back(const char *text, const char *want)
{
	const struct ydoc_node *root, *list;
	struct ydoc_error ye;
	struct ydoc *t;

	if (ydoc__parse(text, strlen(text), YDOC_ONE_DOCUMENT, &t, &ye))
		fail_msg("libyaml cannot read %s: line %d: %s", text, ye.line, ye.msg);
	root = t->docs[0].root;
	list = ydoc__get(root, "list");
	assert_non_null(list);
	assert_int_equal(list->n, 2);
	if (!ydoc__is(ydoc__get(root, "k"), want) || !ydoc__is(list->items[0], want) ||
	    !ydoc__is(list->items[1], want))
		fail_msg("%s does not read back as the string written", text);
	/* A string never comes back as a null, a boolean or a number. */
	assert_false(ydoc__get(root, "k")->plain &&
		     (!*want || !strcmp(want, "true") || !strcmp(want, "null") ||
		      !strcmp(want, "12")));
	ydoc__free(t);
}

static void test_json_nasty_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_NASTY; i++) {
		char *json = write_doc(EMIT_JSON, nasty[i].in);

		assert_int_equal(json[0], '{');
		assert_json_escapes_only(json);
		assert_clean_utf8(json);
		assert_reads_back(json, nasty[i].back ? nasty[i].back : nasty[i].in);
		free(json);
	}
}

/* One JSON line in a CI log: no "##[" for GitHub's runner, no invisible
 * characters (bidi override, a tag character beyond U+FFFF as a pair). */
static void test_json_ci_log(void **state)
{
	const char *in = "a##[stop-commands]x \u202e ##";
	char *json;

	(void)state;
	json = write_doc(EMIT_JSON, in);
	assert_null(strstr(json, "##["));
	assert_non_null(strstr(json, "##\\u005b"));
	assert_non_null(strstr(json, "\\u202e"));
	assert_reads_back(json, in);
	free(json);
	/* Beyond U+FFFF: a surrogate pair, as JSON spells it. */
	json = write_doc(EMIT_JSON, "tag \xf3\xa0\x81\x81");
	assert_non_null(strstr(json, "tag \\udb40\\udc41"));
	free(json);
}

static void test_yaml_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_NASTY; i++) {
		char *yaml;

		if (nasty[i].back)
			continue; /* libyaml refuses to write ill-formed UTF-8 */
		yaml = write_doc(EMIT_YAML, nasty[i].in);
		assert_reads_back(yaml, nasty[i].in);
		free(yaml);
	}
}

/* Bare only what JSON reads as a number or literal; keys always strings. */
static void test_json_plain_and_keys(void **state)
{
	static const char *const plain[] = {
		"12", "-0.5", "1e3", "0", "true", "null", "-1E+2",         /* bare */
		"0640", ".5", "1.", "+1", "SYS_ADMIN", "0x1f", "-", "1e", "", /* strings */
	};
	struct sink s;
	struct emit *e;

	(void)state;
	e = sink__open(&s, EMIT_JSON);
	emit__map_start(e, true);
	emit__plain(e, "values");
	emit__seq_start(e, true);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		emit__plain(e, plain[i]);
	emit__str(e, NULL);
	emit__quoted(e, NULL);
	emit__seq_end(e);
	emit__kv_uint(e, "12", 1);
	emit__kv_bool(e, "true", false);
	emit__kv_int(e, NULL, -2);
	emit__map_end(e);
	assert_int_equal(emit__end(e), 0);
	sink__close(&s);
	assert_string_equal(s.text,
		"{\"values\": [12, -0.5, 1e3, 0, true, null, -1E+2, \"0640\", \".5\", \"1.\", "
		"\"+1\", \"SYS_ADMIN\", \"0x1f\", \"-\", \"1e\", \"\", null, \"\"], "
		"\"12\": 1, \"true\": false, \"null\": -2}\n");
	free(s.text);
}

/*
 * What a YAML 1.1 reader (go-yaml v2 in kubectl, Kyverno; PyYAML) or a 1.2
 * one would take for a number, boolean or null is quoted; names, paths and
 * words stay plain, so profiles stay readable.
 */
static void test_yaml_typed_strings_quoted(void **state)
{
	static const char *const typed[] = {
		"1_000", "0b101", "0x_1", "1_0.5", "+1", "-1", ".5", "1e3", "0o17", "0x1f",
		"1:20", "190:20:30", ".inf", "-.inf", ".NaN", "~", "", "y", "Y", "n", "N",
		"yes", "No", "ON", "off", "null", "NULL", "True", "false", "<<", "=",
		"2026-11-29", "2026-11-29T12:00:00Z", "0640", "12", "6.1.0-18-amd64", ".", "..",
		".5.",
	};
	static const char *const plain[] = {
		"CHOWN", "NET_BIND_SERVICE", "nginx", "web-1", "/usr/sbin/nginx", "EPERM",
		"yesterday", "onion", "bind 0.0.0.0:80", "app.kubernetes.io/name", "x1_000",
		"./app/compose.yml", "../up", "__sys_setuid",
	};
	struct ydoc_error ye;
	struct ydoc *t;
	struct sink s;
	struct emit *e;

	(void)state;
	e = sink__open(&s, EMIT_YAML);
	emit__seq_start(e, false);
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		emit__str(e, typed[i]);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		emit__str(e, plain[i]);
	emit__seq_end(e);
	assert_int_equal(emit__end(e), 0);
	sink__close(&s);
	if (ydoc__parse(s.text, s.len, YDOC_ONE_DOCUMENT, &t, &ye))
		fail_msg("libyaml cannot read %s: line %d: %s", s.text, ye.line, ye.msg);
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		const struct ydoc_node *n = t->docs[0].root->items[i];

		assert_string_equal(n->value, typed[i]);
		if (n->plain)
			fail_msg("'%s' is written plain: a YAML 1.1 reader takes it for a "
				 "number, boolean or null", typed[i]);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const struct ydoc_node *n = t->docs[0].root->items[sizeof(typed) / sizeof(typed[0]) + i];

		assert_string_equal(n->value, plain[i]);
		if (!n->plain)
			fail_msg("'%s' is quoted: it reads as the string anyway", plain[i]);
	}
	ydoc__free(t);
	free(s.text);
}

/* What JSON cannot say is an error, and errors stick. */
static void test_json_misuse(void **state)
{
	struct sink s;
	struct emit *e;

	(void)state;
	e = sink__open(&s, EMIT_JSON);
	emit__map_start(e, true);
	assert_int_equal(emit__seq_start(e, true), -EINVAL); /* a list as a key */
	assert_int_equal(emit__str(e, "x"), -EINVAL);
	assert_int_equal(emit__end(e), -EINVAL);
	sink__close(&s);
	assert_string_equal(s.text, "{");
	free(s.text);

	e = sink__open(&s, EMIT_JSON);
	emit__map_start(e, true);
	emit__plain(e, "key without value");
	assert_int_equal(emit__map_end(e), -EINVAL);
	free(sink__close(&s));

	e = sink__open(&s, EMIT_JSON);
	assert_int_equal(emit__str(e, "one"), 0);
	assert_int_equal(emit__str(e, "two"), -EINVAL); /* one top-level value */
	assert_int_equal(emit__seq_end(e), -EINVAL);
	free(sink__close(&s));
}

static void test_json_depth(void **state)
{
	struct sink s;
	struct emit *e;
	int err = 0;

	(void)state;
	e = sink__open(&s, EMIT_JSON);
	for (int i = 0; i < EMIT_MAX_DEPTH && !err; i++)
		err = emit__seq_start(e, true);
	assert_int_equal(err, 0);
	assert_int_equal(emit__seq_start(e, true), -EINVAL);
	free(sink__close(&s));
}

static void test_caps(void **state)
{
	capset_t set = CAPSET_BIT(CAP_SETUID) | CAPSET_BIT(CAP_CHOWN);
	struct sink s;
	struct emit *e;

	(void)state;
	e = sink__open(&s, EMIT_YAML);
	emit__map_start(e, false);
	emit__plain(e, "short");
	emit__caps(e, set, false);
	emit__plain(e, "full");
	emit__caps(e, set, true);
	emit__plain(e, "none");
	emit__caps(e, 0, false);
	emit__map_end(e);
	assert_int_equal(emit__end(e), 0);
	sink__close(&s);
	assert_string_equal(s.text, "short: [CHOWN, SETUID]\nfull: [CAP_CHOWN, CAP_SETUID]\n"
				    "none: []\n");
	free(s.text);
}

/* A full disk shows at the end, as -EIO. */
static void test_write_error(void **state)
{
	FILE *full = fopen("/dev/full", "w");
	struct emit e;

	(void)state;
	if (!full)
		skip();
	for (int format = EMIT_YAML; format <= EMIT_JSON; format++) {
		emit__begin(&e, full, format);
		emit__map_start(&e, true);
		emit__kv_str(&e, "k", "v");
		emit__map_end(&e);
		assert_int_equal(emit__end(&e), -EIO);
		clearerr(full);
	}
	fclose(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_nasty_strings),
		cmocka_unit_test(test_json_ci_log),
		cmocka_unit_test(test_yaml_round_trip),
		cmocka_unit_test(test_json_plain_and_keys),
		cmocka_unit_test(test_yaml_typed_strings_quoted),
		cmocka_unit_test(test_json_misuse),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
