// SPDX-License-Identifier: MIT
/*
 * The report writers on whatever a manifest holds: the input is read with
 * check__parse_buffer() under a hostile file name, judged against an
 * allowlist whose exceptions are live, expired, inline and from a baseline
 * (so every outcome and origin is written), and written in every format.
 * Besides not crashing: JSON and SARIF read back with ydoc as one JSON
 * document, and SARIF's results point at its rules; no format but JUnit's
 * line breaks has a raw control character; the text report has one line
 * per finding, stale exception and the summary; every GitHub line is a
 * workflow command but the summary.  No name gives text, JUnit or GitHub
 * output a workflow command of its own ("##[" anywhere, a text line that
 * starts "::") or a character a reader does not see (text__is_unsafe).
 */
#include <errno.h>
#include <stdbool.h>

#include "capdiet/core/strlist.h"
#include "capdiet/core/text.h"
#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"
#include "fuzz.h"

/* A name GitHub, XML and a terminal all treat specially. */
#define FILE_NAME "::fuzz/a,b:c%\n\x1b[2K<&\"'>##[x]\xe2\x80\xae.yaml"

static const char allowlist_yaml[] =
	"default: [NET_BIND_SERVICE]\n"
	"exceptions:\n"
	"  - {kind: Deployment, add: [NET_RAW, SETUID], reason: \"live\\nline\"}\n"
	"  - {add: [CHOWN], reason: expired, expires: 2000-01-01}\n"
	"  - {name: web, add: [SYS_ADMIN, KILL], reason: \"inline <&>\"}\n"
	"  - {container: app, add: [SETGID, AUDIT_WRITE], reason: baseline}\n"
	"  - {kind: Nothing, add: [BPF], reason: stale}\n";

static struct check_allowlist *fuzz_allowlist(void)
{
	char err[512] = "";
	struct check_allowlist *al = check_allowlist__parse(allowlist_yaml, sizeof(allowlist_yaml) - 1,
							    "allow\x1b.yaml", err, sizeof(err));

	if (!al) {
		fprintf(stderr, "the fuzzer's allowlist does not parse: %s\n", err);
		abort();
	}
	FUZZ_ASSERT(al->n == 5);
	al->ex[1].expired = true;
	al->ex[2].origin = CHECK_FROM_INLINE;
	al->ex[3].origin = CHECK_FROM_BASELINE;
	return al;
}

static char *write_format(const struct check_report *r, enum check_format format, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	FUZZ_ASSERT(out);
	FUZZ_ASSERT(check_report__write(r, format, out) == 0);
	FUZZ_ASSERT(fclose(out) == 0);
	return text;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		FUZZ_ASSERT((unsigned char)text[i] >= 0x20 || text[i] == '\n');
		n += text[i] == '\n';
	}
	return n;
}

/* One JSON document that ydoc reads back; SARIF's ruleIndex names its ruleId. */
static void check_json(const char *json, size_t len, bool sarif)
{
	struct ydoc_error ye;
	struct ydoc *tree = NULL;
	const struct ydoc_node *run, *rules, *results;

	FUZZ_ASSERT(count_lines(json, len) == 1 && json[len - 1] == '\n');
	if (ydoc__parse(json, len, YDOC_ONE_DOCUMENT, &tree, &ye)) {
		fprintf(stderr, "output does not read back (line %d: %s):\n%s", ye.line, ye.msg, json);
		abort();
	}
	if (sarif) {
		const struct ydoc_node *runs = ydoc__get(tree->docs[0].root, "runs");

		FUZZ_ASSERT(runs && runs->type == YDOC_SEQ && runs->n == 1);
		run = runs->items[0];
		rules = ydoc__get(ydoc__get(ydoc__get(run, "tool"), "driver"), "rules");
		results = ydoc__get(run, "results");
		FUZZ_ASSERT(rules && results && results->type == YDOC_SEQ);
		for (size_t i = 0; i < results->n; i++) {
			const struct ydoc_node *res = results->items[i];
			size_t index = strtoul(ydoc__text(ydoc__get(res, "ruleIndex")), NULL, 10);

			FUZZ_ASSERT(index < rules->n);
			FUZZ_ASSERT(!strcmp(ydoc__text(ydoc__get(rules->items[index], "id")),
					    ydoc__text(ydoc__get(res, "ruleId"))));
		}
	}
	ydoc__free(tree);
}

/* Every GitHub line a workflow command, but the summary at the end. */
static void check_github(const char *text, size_t len, size_t lines)
{
	const char *line = text;

	for (size_t i = 0; i + 1 < lines; i++) {
		FUZZ_ASSERT(!strncmp(line, "::", 2));
		line = strchr(line, '\n') + 1;
	}
	FUZZ_ASSERT(!strncmp(line, "checked ", 8) && line + strlen(line) == text + len);
}

/*
 * What GitHub's runner would act on, or a reader not see, from a name.  A
 * workflow command's own line is read as that command, whatever its file=
 * holds (its path must stay the path), so only its message is looked at.
 */
static void check_no_command(const char *text, enum check_format f)
{
	const unsigned char *p = (const unsigned char *)text;

	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		const char *data = line, *end = strchr(line, '\n');

		if (f == CHECK_FORMAT_GITHUB && !strncmp(line, "::", 2))
			data = strstr(line + 2, "::") + 2;
		FUZZ_ASSERT(!memmem(data, (size_t)(end - data), "##[", 3));
		if (f == CHECK_FORMAT_TEXT)
			FUZZ_ASSERT(strncmp(line + strspn(line, " "), "::", 2));
	}
	while (*p) {
		uint32_t cp = 0;
		size_t n = text__utf8_decode(p, &cp);

		FUZZ_ASSERT(n && (*p == '\n' || !text__is_unsafe(cp)));
		p += n;
	}
}

static void check_formats(const struct check_report *r)
{
	for (enum check_format f = CHECK_FORMAT_TEXT; f <= CHECK_FORMAT_GITHUB; f++) {
		size_t len = 0, lines;
		char *text = write_format(r, f, &len);

		FUZZ_ASSERT(len > 0 && text[len - 1] == '\n' && strlen(text) == len);
		lines = count_lines(text, len);
		if (f == CHECK_FORMAT_TEXT)
			FUZZ_ASSERT(lines == r->n + r->n_stale + 1);
		if (f == CHECK_FORMAT_TEXT || f == CHECK_FORMAT_JUNIT || f == CHECK_FORMAT_GITHUB)
			check_no_command(text, f);
		if (f == CHECK_FORMAT_JSON || f == CHECK_FORMAT_SARIF)
			check_json(text, len, f == CHECK_FORMAT_SARIF);
		if (f == CHECK_FORMAT_GITHUB) {
			FUZZ_ASSERT(lines == r->n + r->n_stale + r->problems->n + 1);
			check_github(text, len, lines);
		}
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct check_allowlist *al;
	struct check_inventory inv = { 0 };
	struct strlist problems = { 0 };
	struct check_report r;
	char err[512] = "";
	int rc;

	if (!al)
		al = fuzz_allowlist(); /* read once, kept for the process */
	rc = check__parse_buffer(&inv, (const char *)data, size, FILE_NAME, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	/* a problem quotes the input: its writers take it apart and escape it */
	FUZZ_ASSERT(strlist__add(&problems, rc ? err : FILE_NAME ":1: a problem") == 0);
	inv.files = 1;
	FUZZ_ASSERT(check__evaluate(&inv, al, &r) == 0);
	r.problems = &problems;
	r.errors = problems.n;
	check_formats(&r);
	check_report__clear(&r);
	check_inventory__clear(&inv);
	strlist__clear(&problems);
	return 0;
}
