// SPDX-License-Identifier: MIT
/*
 * The gate's verdict as JUnit XML, the test report GitLab (artifacts:
 * reports: junit), Jenkins and most CI systems show: a testsuite per
 * file, a testcase per container (or image entry) that fails with its
 * failing findings, excepted findings in its system-out, a stale exception
 * as a skipped testcase of the allowlist, a problem with an input as an
 * error.  Everything from an input is escaped for XML 1.0 (text.h): a
 * raw string with text__xml_fputs, the words module's text (escaped as
 * text already, so no character XML forbids is left) with text__xml_markup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/text.h"
#include "capdiet/policy/check.h"
#include "check_words.h"

struct junit_suite {
	const char *file;
	size_t tests, failures, errors, skipped;
};

struct junit {
	const struct check_report *r;
	size_t n_entries;              /* of r->inv */
	size_t *first, *count;         /* each entry's findings in r->v */
	struct check_problem *problems;
	size_t n_problems;
	struct junit_suite *suites;    /* one per file, in the order met */
	size_t n_suites;
};

static const char *exception__file(const struct check_exception *ex)
{
	return ex->file ? ex->file : "the allowlist";
}

static const char *problem__file(const struct check_problem *p)
{
	return p->file ? p->file : "capdiet";
}

/* The suite of file, added when it is new; NULL when out of memory. */
static struct junit_suite *junit__suite(struct junit *j, const char *file)
{
	struct junit_suite *more;

	for (size_t i = 0; i < j->n_suites; i++)
		if (!strcmp(j->suites[i].file, file))
			return &j->suites[i];
	more = reallocarray(j->suites, j->n_suites + 1, sizeof(*more));
	if (!more)
		return NULL;
	j->suites = more;
	j->suites[j->n_suites] = (struct junit_suite){ .file = file };
	return &j->suites[j->n_suites++];
}

static bool junit__entry_fails(const struct junit *j, size_t entry)
{
	for (size_t k = j->first[entry]; k < j->first[entry] + j->count[entry]; k++)
		if (check_words__failing(&j->r->v[k]))
			return true;
	return false;
}

/* Which findings belong to which entry: r->v is in inventory order. */
static int junit__index(struct junit *j)
{
	const struct check_report *r = j->r;

	j->n_entries = r->inv ? r->inv->n : 0;
	j->first = calloc(j->n_entries + 1, sizeof(*j->first));
	j->count = calloc(j->n_entries + 1, sizeof(*j->count));
	if (!j->first || !j->count)
		return -ENOMEM;
	for (size_t k = r->n; j->n_entries && k-- > 0;) {
		size_t entry = (size_t)(r->v[k].container - r->inv->v);

		if (entry >= j->n_entries)
			continue; /* not in the inventory: no testcase to put it in */
		j->first[entry] = k;
		j->count[entry]++;
	}
	return 0;
}

static int junit__count(struct junit *j)
{
	struct junit_suite *s;

	for (size_t i = 0; i < j->n_entries; i++) {
		if (!(s = junit__suite(j, j->r->inv->v[i].file)))
			return -ENOMEM;
		s->tests++;
		s->failures += junit__entry_fails(j, i);
	}
	for (size_t i = 0; i < j->r->n_stale; i++) {
		if (!(s = junit__suite(j, exception__file(j->r->stale[i]))))
			return -ENOMEM;
		s->tests++;
		s->skipped++;
	}
	for (size_t i = 0; i < j->n_problems; i++) {
		if (!(s = junit__suite(j, problem__file(&j->problems[i]))))
			return -ENOMEM;
		s->tests++;
		s->errors++;
	}
	return 0;
}

static int junit__prepare(struct junit *j, const struct check_report *r)
{
	int err;

	*j = (struct junit){ .r = r };
	j->problems = calloc(check_words__n_problems(r) + 1, sizeof(*j->problems));
	if (!j->problems)
		return -ENOMEM;
	for (size_t i = 0; i < check_words__n_problems(r); i++) {
		err = check_problem__split(r->problems->v[i], &j->problems[i]);
		if (err)
			return err;
		j->n_problems++;
	}
	err = junit__index(j);
	return err ? err : junit__count(j);
}

static void junit__clear(struct junit *j)
{
	for (size_t i = 0; i < j->n_problems; i++)
		check_problem__clear(&j->problems[i]);
	free(j->problems);
	free(j->first);
	free(j->count);
	free(j->suites);
}

/* The findings of an entry that fail (or not), one text line each. */
static void junit__lines(const struct junit *j, size_t entry, bool failing, FILE *out)
{
	for (size_t k = j->first[entry]; k < j->first[entry] + j->count[entry]; k++) {
		char *line;

		if (check_words__failing(&j->r->v[k]) != failing)
			continue;
		line = check_words__line_text(&j->r->v[k]);
		text__xml_markup(line ? line : "(out of memory)", out);
		fputc('\n', out);
		free(line);
	}
}

/* <failure message="the first failing finding (and N more)" type="its rule"> */
static void junit__failure(const struct junit *j, size_t entry, FILE *out)
{
	const struct check_violation *first = NULL;
	size_t n = 0;
	char *verdict;

	for (size_t k = j->first[entry]; k < j->first[entry] + j->count[entry]; k++)
		if (check_words__failing(&j->r->v[k]) && !n++)
			first = &j->r->v[k];
	verdict = check_words__finding_text(first);
	fputs("      <failure message=\"", out);
	text__xml_markup(verdict ? verdict : "(out of memory)", out);
	if (n > 1)
		fprintf(out, " (and %zu more)", n - 1);
	fprintf(out, "\" type=\"%s\">", check_rules[check_words__rule(first)].id);
	junit__lines(j, entry, true, out);
	fputs("</failure>\n", out);
	free(verdict);
}

static void junit__entry(const struct junit *j, size_t entry, FILE *out)
{
	const struct check_container *c = &j->r->inv->v[entry];
	char *subject = check_words__subject_text(c);
	bool excepted = false;

	for (size_t k = j->first[entry]; k < j->first[entry] + j->count[entry]; k++)
		excepted |= !check_words__failing(&j->r->v[k]);
	fputs("    <testcase classname=\"", out);
	text__xml_fputs(c->file, out);
	fputs("\" name=\"", out);
	text__xml_markup(subject ? subject : "(out of memory)", out);
	fputs("\">\n", out);
	free(subject);
	if (junit__entry_fails(j, entry))
		junit__failure(j, entry, out);
	if (excepted) {
		fputs("      <system-out>", out);
		junit__lines(j, entry, false, out);
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

static void junit__stale(const struct check_exception *ex, FILE *out)
{
	char *text = check_words__stale_text(ex);

	fputs("    <testcase classname=\"", out);
	text__xml_fputs(exception__file(ex), out);
	fprintf(out, "\" name=\"stale exception at line %d\">\n      <skipped message=\"", ex->line);
	text__xml_markup(text ? text : "(out of memory)", out);
	fputs("\"/>\n    </testcase>\n", out);
	free(text);
}

static void junit__problem(const struct check_problem *p, FILE *out)
{
	fputs("    <testcase classname=\"", out);
	text__xml_fputs(problem__file(p), out);
	fputs("\" name=\"input error", out);
	if (p->line > 0)
		fprintf(out, " at line %d", p->line);
	fputs("\">\n      <error message=\"", out);
	text__xml_fputs(p->message, out);
	fputs("\" type=\"input-error\"/>\n    </testcase>\n", out);
}

static void junit__write_suite(const struct junit *j, const struct junit_suite *s, FILE *out)
{
	fputs("  <testsuite name=\"", out);
	text__xml_fputs(s->file, out);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n",
		s->tests, s->failures, s->errors, s->skipped);
	for (size_t i = 0; i < j->n_entries; i++)
		if (!strcmp(j->r->inv->v[i].file, s->file))
			junit__entry(j, i, out);
	for (size_t i = 0; i < j->r->n_stale; i++)
		if (!strcmp(exception__file(j->r->stale[i]), s->file))
			junit__stale(j->r->stale[i], out);
	for (size_t i = 0; i < j->n_problems; i++)
		if (!strcmp(problem__file(&j->problems[i]), s->file))
			junit__problem(&j->problems[i], out);
	fputs("  </testsuite>\n", out);
}

int check_report__write_junit(const struct check_report *r, FILE *out)
{
	struct junit j;
	struct junit_suite all = { 0 };
	int err = junit__prepare(&j, r);

	for (size_t i = 0; i < j.n_suites; i++) {
		all.tests += j.suites[i].tests;
		all.failures += j.suites[i].failures;
		all.errors += j.suites[i].errors;
		all.skipped += j.suites[i].skipped;
	}
	if (!err) {
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
		fprintf(out, "<testsuites name=\"capdiet check\" tests=\"%zu\" failures=\"%zu\" "
			"errors=\"%zu\" skipped=\"%zu\">\n", all.tests, all.failures, all.errors,
			all.skipped);
		for (size_t i = 0; i < j.n_suites; i++)
			junit__write_suite(&j, &j.suites[i], out);
		fputs("</testsuites>\n", out);
		err = fflush(out) || ferror(out) ? -EIO : 0;
	}
	junit__clear(&j);
	return err;
}
