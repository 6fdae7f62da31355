// SPDX-License-Identifier: MIT
/*
 * The gate's verdict as GitHub Actions workflow commands: each failing
 * finding an ::error annotation at its file, line and column (shown on the
 * pull request's diff), an excepted one a ::notice, a stale exception a
 * ::warning at the allowlist's line, a problem with an input an ::error,
 * then the summary as a plain line.
 *
 * A workflow command is one line that starts with "::", so nothing from an
 * input may end a line or the command early: values are escaped as GitHub
 * unescapes them (% as %25, CR as %0D, LF as %0A; in a property : as %3A and
 * , as %2C), and any other control character, character a reader does not
 * see (a bidi control, a zero-width character: text__is_unsafe) or
 * malformed byte is written as %XX, which GitHub leaves as it is: never raw
 * into the job's log.  The message is the words module's text, escaped as
 * text (text.h), so a name's "##[" is not the runner's legacy command.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capdiet/core/text.h"
#include "capdiet/policy/check.h"
#include "check_words.h"

static bool github__special(unsigned char c, bool property)
{
	return c == '%' || c == '\r' || c == '\n' || (property && (c == ':' || c == ','));
}

static void github__escape(const char *s, bool property, FILE *out)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		uint32_t cp = 0;
		size_t n = text__utf8_decode(p, &cp);

		if (n && !github__special(*p, property) && !text__is_unsafe(cp)) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		for (size_t i = 0; i < (n ? n : 1); i++)
			fprintf(out, "%%%02X", p[i]);
		p += n ? n : 1;
	}
}

struct github_where {
	const char *file;  /* NULL: none */
	int line, col;     /* 0: none */
};

/* "::error file=F,line=L,col=C,title=capdiet RULE::MESSAGE" */
static void github__command(const char *command, const struct github_where *at,
			    const char *rule, const char *message, FILE *out)
{
	fprintf(out, "::%s ", command);
	if (at->file) {
		fputs("file=", out);
		github__escape(at->file, true, out);
		fputc(',', out);
	}
	if (at->line > 0)
		fprintf(out, "line=%d,", at->line);
	if (at->line > 0 && at->col > 0)
		fprintf(out, "col=%d,", at->col);
	fputs("title=capdiet ", out);
	github__escape(rule, true, out);
	fputs("::", out);
	github__escape(message, false, out);
	fputc('\n', out);
}

static int github__finding(const struct check_violation *v, FILE *out)
{
	const struct check_container *c = v->container;
	struct github_where at = { .file = check_words__file(v) };
	char *text = check_words__finding_text(v);

	if (!text)
		return -ENOMEM;
	if (c->source == CHECK_MANIFEST) {
		at.line = v->line;
		at.col = check_words__col(v);
	}
	github__command(check_words__failing(v) ? "error" : "notice", &at,
			check_rules[check_words__rule(v)].id, text, out);
	free(text);
	return 0;
}

static int github__stale(const struct check_exception *ex, FILE *out)
{
	struct github_where at = { .file = ex->file, .line = ex->line };
	char *text = check_words__stale_text(ex);

	if (!text)
		return -ENOMEM;
	github__command("warning", &at, "stale-exception", text, out);
	free(text);
	return 0;
}

static int github__problem(const char *problem, FILE *out)
{
	struct check_problem p;
	struct github_where at;
	char *text;
	int err = check_problem__split(problem, &p);

	if (err)
		return err;
	at = (struct github_where){ .file = p.file, .line = p.line };
	text = check_words__escaped(p.message);
	err = text ? 0 : -ENOMEM;
	if (text)
		github__command("error", &at, "input-error", text, out);
	free(text);
	check_problem__clear(&p);
	return err;
}

int check_report__write_github(const struct check_report *r, FILE *out)
{
	int err = 0;

	for (size_t i = 0; i < r->n && !err; i++)
		err = github__finding(&r->v[i], out);
	for (size_t i = 0; i < r->n_stale && !err; i++)
		err = github__stale(r->stale[i], out);
	for (size_t i = 0; i < check_words__n_problems(r) && !err; i++)
		err = github__problem(r->problems->v[i], out);
	if (err)
		return err;
	check_words__summary(r, out);
	fputc('\n', out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
