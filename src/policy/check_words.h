/* SPDX-License-Identifier: MIT */
/*
 * Private to the report writers (check_report.c, check_sarif.c,
 * check_junit.c, check_github.c): what a finding, an exception and the
 * summary say, worded once so every format says the same.  Strings from
 * inputs are escaped as text (text__fputs) here; a format then escapes the
 * result in its own rules (JSON, XML, workflow commands).
 */
#ifndef CAPDIET_CHECK_WORDS_H
#define CAPDIET_CHECK_WORDS_H

#include <stdio.h>

#include "capdiet/policy/check.h"

/* The rules a finding can break, in the order of SARIF's rules array. */
enum check_rule {
	CHECK_RULE_CAPABILITY = 0,
	CHECK_RULE_PRIVILEGED,
	CHECK_RULE_EXPIRED,
	CHECK_RULE_IMAGE_LABEL,
	CHECK_RULE_FILE_CAPS,
	CHECK_RULE_SETUID,
	CHECK_RULE_SETGID,
	CHECK_RULES,
};

struct check_rule_text {
	const char *id;       /* "capability-not-allowed": stable, SARIF ruleId */
	const char *name;     /* "CapabilityNotAllowed" */
	const char *brief;    /* one sentence */
	const char *full;
	const char *help;     /* how to fix it */
};

extern const struct check_rule_text check_rules[CHECK_RULES];

enum check_rule check_words__rule(const struct check_violation *v);
/* The file the finding's line is in: the container's, or the one that granted it. */
const char *check_words__file(const struct check_violation *v);
/* Column of the finding's line (1-based), 0 when unknown. */
int check_words__col(const struct check_violation *v);
bool check_words__failing(const struct check_violation *v);
const char *check_words__outcome(enum check_outcome outcome);
const char *check_words__origin(enum check_exception_origin origin);
const char *check_words__source(enum check_source source);

/* "Deployment/nginx container nginx", "image web:1 layer sha256:12 file P (D)". */
void check_words__subject(const struct check_container *c, FILE *out);
/* "capability X is not in the allowlist", "... excepted by allowlist.yaml:3: \"why\"". */
void check_words__verdict(const struct check_violation *v, FILE *out);
/* "FILE:LINE:COL" ("FILE" for an image). */
void check_words__where(const struct check_violation *v, FILE *out);
/* The whole text line of a finding, without its newline. */
void check_words__line(const struct check_violation *v, FILE *out);
/* "exception for KIND/NAME container C matched nothing (stale); remove it" */
void check_words__stale(const struct check_exception *ex, FILE *out);
/* "checked 3 files, 7 containers: 4 violations in 2 containers (...); 1 excepted" */
void check_words__summary(const struct check_report *r, FILE *out);

/* Each as a malloc'd string; NULL (ENOMEM) when out of memory. */
char *check_words__subject_text(const struct check_container *c);
char *check_words__finding_text(const struct check_violation *v); /* subject: verdict */
char *check_words__line_text(const struct check_violation *v);
char *check_words__stale_text(const struct check_exception *ex);
char *check_words__summary_text(const struct check_report *r);
/* in escaped as text (text__fputs) */
char *check_words__escaped(const char *in);

/* One "FILE:LINE: problem" of report->problems, taken apart. */
struct check_problem {
	char *file;          /* NULL when the message names none */
	int line;            /* 0 when it names none */
	const char *message; /* points into the string */
};

/* 0 or -ENOMEM; the file is the text before the first ":LINE: " or ": ". */
int check_problem__split(const char *s, struct check_problem *out);
void check_problem__clear(struct check_problem *p);
/* The problems of r (r->problems may be NULL). */
size_t check_words__n_problems(const struct check_report *r);

#endif
