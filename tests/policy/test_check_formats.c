// SPDX-License-Identifier: MIT
/*
 * The report's formats: text, JSON, SARIF 2.1.0, JUnit XML and GitHub
 * workflow commands, on reports built by hand so every outcome (violation,
 * expired, excepted) and every origin of an exception (allowlist,
 * annotation, baseline) is covered, plus a few parsed from manifests for
 * the columns and the privileged finding.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/strlist.h"
#include "capdiet/core/text.h"
#include "capdiet/core/ydoc.h"
#include "capdiet/policy/check.h"

#define BIT(c) CAPSET_BIT(c)
#define HOSTILE "a<b&\"c'\n\x1b[2Kchecked 0 files, 0 containers: 0 violations%,:\r"

/* A report and everything it points at. */
struct fixture {
	struct check_inventory inv;
	struct check_exception ex_setuid, ex_sysadmin, ex_inline, ex_baseline, ex_stale;
	const struct check_exception *stale[1];
	struct check_violation v[8];
	struct strlist problems;
	struct check_report r;
};

static struct check_container *add(struct check_inventory *inv, const char *file, int line,
				   int col, const char *kind, const char *name,
				   const char *container)
{
	struct check_container *c = check_inventory__add(inv, file, line, kind, name, container);

	assert_non_null(c);
	c->col = col;
	return c;
}

static void grant(struct check_container *c, int cap, int line, int col)
{
	c->caps |= BIT(cap);
	c->cap_line[cap] = line;
	c->cap_col[cap] = col;
}

static struct check_exception exception(enum check_exception_origin origin, const char *file,
					int line, const char *reason, capset_t add)
{
	return (struct check_exception){
		.origin = origin, .file = (char *)file, .line = line, .reason = (char *)reason,
		.add = add,
	};
}

static void finding(struct fixture *f, size_t i, size_t entry, int cap, enum check_outcome outcome,
		    const struct check_exception *ex)
{
	const struct check_container *c = &f->inv.v[entry];
	int line_cap = cap == CHECK_CAP_PRIVILEGED ? 0 : cap;

	f->v[i] = (struct check_violation){
		.container = c, .cap = cap, .caps = cap == CHECK_CAP_PRIVILEGED ? 0 : BIT(cap),
		.line = c->cap_line[line_cap] ? c->cap_line[line_cap] : c->line,
		.outcome = outcome, .exception = ex,
	};
}

/* Entries (in inventory order, as the readers append them): the findings below. */
static void fixture_inventory(struct fixture *f, const char *app_file, const char *app_name)
{
	struct check_container *c;

	c = add(&f->inv, app_file, 10, 7, "Deployment", "web", app_name);
	grant(c, CAP_NET_RAW, 14, 13);
	grant(c, CAP_SETUID, 15, 13);
	grant(c, CAP_SYS_ADMIN, 16, 15);
	c = add(&f->inv, "k8s/agent.yaml", 5, 9, "DaemonSet", "agent", "agent");
	c->privileged = true;
	c->caps = caps__all();
	for (int cap = 0; cap < 64; cap++) {
		c->cap_line[cap] = 9;
		c->cap_col[cap] = 11;
	}
	c = add(&f->inv, app_file, 30, 7, "Deployment", "web", "sidecar");
	grant(c, CAP_CHOWN, 33, 15);
	c = add(&f->inv, "image.tar", 0, 0, "image", "web:1", "io.containers.capabilities");
	c->source = CHECK_IMAGE;
	c->caps = BIT(CAP_NET_RAW);
	c = add(&f->inv, "image.tar", 0, 0, "image", "web:1", "/bin/ping");
	c->source = CHECK_FILE_CAPS;
	c->caps = BIT(CAP_NET_RAW);
	c->layer = strdup("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	c->path = strdup("/bin/ping");
	c->detail = strdup("cap_net_raw=ep");
	f->inv.files = 3;
}

static void fixture_findings(struct fixture *f)
{
	f->ex_setuid = exception(CHECK_FROM_ALLOWLIST, "allowlist.yaml", 12,
				 "workers drop to www-data", BIT(CAP_SETUID));
	f->ex_sysadmin = exception(CHECK_FROM_ALLOWLIST, "allowlist.yaml", 20, "mounts", 0);
	f->ex_sysadmin.expires = (char *)"2024-01-31";
	f->ex_sysadmin.expired = true;
	f->ex_inline = exception(CHECK_FROM_INLINE, "k8s/app.yaml", 4, "chowns its volume", 0);
	f->ex_baseline = exception(CHECK_FROM_BASELINE, "baseline.json", 3, "recorded 2025-01-01", 0);
	f->ex_stale = exception(CHECK_FROM_ALLOWLIST, "allowlist.yaml", 30, "old", BIT(CAP_NET_RAW));
	f->ex_stale.kind = (char *)"Deployment";
	f->ex_stale.name = (char *)"old";
	finding(f, 0, 0, CAP_NET_RAW, CHECK_VIOLATION, NULL);
	finding(f, 1, 0, CAP_SETUID, CHECK_EXCEPTED, &f->ex_setuid);
	finding(f, 2, 0, CAP_SYS_ADMIN, CHECK_EXPIRED, &f->ex_sysadmin);
	finding(f, 3, 1, CHECK_CAP_PRIVILEGED, CHECK_VIOLATION, NULL);
	f->v[3].caps = caps__all() & ~BIT(CAP_NET_BIND_SERVICE);
	finding(f, 4, 2, CAP_CHOWN, CHECK_EXCEPTED, &f->ex_inline);
	finding(f, 5, 3, CAP_NET_RAW, CHECK_VIOLATION, NULL);
	finding(f, 6, 4, CAP_NET_RAW, CHECK_EXCEPTED, &f->ex_baseline);
}

static struct fixture *fixture_new(const char *app_file, const char *app_name)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_inventory(f, app_file, app_name);
	fixture_findings(f);
	f->stale[0] = &f->ex_stale;
	assert_int_equal(strlist__add(&f->problems, "k8s/broken.yaml:8: did not find expected key"), 0);
	assert_int_equal(strlist__add(&f->problems, "missing.yaml: No such file or directory"), 0);
	f->r = (struct check_report){
		.v = f->v, .n = 7, .n_failing = 4, .n_excepted = 3, .stale = f->stale, .n_stale = 1,
		.files = 3, .containers = 3, .errors = 2, .images = 1, .findings = 1,
		.inv = &f->inv, .problems = &f->problems,
	};
	return f;
}

static void fixture_free(struct fixture *f)
{
	check_inventory__clear(&f->inv);
	strlist__clear(&f->problems);
	free(f);
}

static char *write_format(const struct check_report *r, enum check_format format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(check_report__write(r, format, out), 0);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* The index of the line of text that is want, whole; fails when there is none. */
static int line_index(const char *text, const char *want)
{
	int index = 0;

	for (const char *line = text; *line; index++) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len == strlen(want) && !memcmp(line, want, len))
			return index;
		line += len + (end != NULL);
	}
	fail_msg("no line '%s' in:\n%s", want, text);
	return -1;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void test_format_names(void **state)
{
	static const char *const names[] = { "text", "json", "sarif", "junit", "github" };
	enum check_format f;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(check_format__parse(names[i], &f), 0);
		assert_int_equal(f, (enum check_format)i);
	}
	assert_int_equal(check_format__parse("xml", &f), -EINVAL);
	assert_int_equal(check_format__parse("", &f), -EINVAL);
	assert_int_equal(check_format__parse("JSON", &f), -EINVAL);
}

static void test_text(void **state)
{
	struct fixture *f = fixture_new("k8s/app.yaml", "app");
	char *text = write_format(&f->r, CHECK_FORMAT_TEXT);
	char want[256];
	int raw, setuid, expired, sidecar;

	(void)state;
	raw = line_index(text, "k8s/app.yaml:14:13: Deployment/web container app: capability "
			 "NET_RAW is not in the allowlist");
	setuid = line_index(text, "k8s/app.yaml:15:13: Deployment/web container app: capability "
			    "SETUID excepted by allowlist.yaml:12: \"workers drop to www-data\"");
	expired = line_index(text, "k8s/app.yaml:16:15: Deployment/web container app: capability "
			     "SYS_ADMIN is not in the allowlist: its exception expired on 2024-01-31 "
			     "(allowlist.yaml:20: \"mounts\")");
	snprintf(want, sizeof(want), "k8s/agent.yaml:9:11: DaemonSet/agent container agent: "
		 "privileged: true grants every capability (%d outside the allowlist)",
		 caps__count(caps__all()) - 1);
	line_index(text, want);
	sidecar = line_index(text, "k8s/app.yaml:33:15: Deployment/web container sidecar: "
			     "capability CHOWN excepted by annotation capdiet.io/allow at "
			     "k8s/app.yaml:4: \"chowns its volume\"");
	line_index(text, "image.tar: image web:1 label io.containers.capabilities: capability "
		   "NET_RAW is not in the allowlist");
	line_index(text, "image.tar: image web:1 layer sha256:111111111111 file /bin/ping "
		   "(cap_net_raw=ep): capability NET_RAW excepted by baseline baseline.json:3: "
		   "\"recorded 2025-01-01\"");
	line_index(text, "allowlist.yaml:30: exception for Deployment/old container * matched "
		   "nothing (stale); remove it");
	/* one container's findings together, in file order */
	assert_true(raw + 1 == setuid && setuid + 1 == expired && expired < sidecar);
	line_index(text, "checked 3 files, 3 containers, 1 image, 1 finding: 4 violations in 2 "
		   "containers and 1 image (privileged, NET_RAW, SYS_ADMIN); 3 excepted; "
		   "1 stale exception; 2 errors");
	assert_int_equal(count_lines(text), 7 + 1 + 1);
	free(text);
	fixture_free(f);
}

static void test_text_clean_summary(void **state)
{
	struct check_inventory inv = { 0 };
	struct check_report r = { .files = 1, .containers = 2, .inv = &inv };
	char *text;

	(void)state;
	text = write_format(&r, CHECK_FORMAT_TEXT);
	assert_string_equal(text, "checked 1 file, 2 containers: 0 violations\n");
	free(text);
}

static struct ydoc *parse_json(const char *json)
{
	struct ydoc_error ye;
	struct ydoc *tree = NULL;

	if (ydoc__parse(json, strlen(json), YDOC_ONE_DOCUMENT, &tree, &ye))
		fail_msg("output does not parse (line %d: %s):\n%s", ye.line, ye.msg, json);
	assert_non_null(tree->docs[0].root);
	return tree;
}

/* The node at a path of keys and sequence indexes ("runs", "0", "tool"). */
static const struct ydoc_node *at(const struct ydoc_node *n, ...)
{
	va_list ap;
	const char *step;

	va_start(ap, n);
	while (n && (step = va_arg(ap, const char *))) {
		if (n->type == YDOC_SEQ) {
			size_t i = strtoul(step, NULL, 10);

			n = i < n->n ? n->items[i] : NULL;
		} else {
			n = ydoc__get(n, step);
		}
	}
	va_end(ap);
	return n;
}

#define AT(n, ...) at(n, __VA_ARGS__, (const char *)NULL)

static void assert_text(const struct ydoc_node *n, const char *want)
{
	if (!ydoc__is(n, want))
		fail_msg("want '%s', have '%s'", want, n && n->value ? n->value : "(nothing)");
}

static void test_json(void **state)
{
	struct fixture *f = fixture_new("k8s/app.yaml", "app");
	char *json = write_format(&f->r, CHECK_FORMAT_JSON);
	struct ydoc *tree = parse_json(json);
	const struct ydoc_node *root = tree->docs[0].root, *v;

	(void)state;
	assert_int_equal(AT(root, "violations")->n, 4);
	assert_int_equal(AT(root, "excepted")->n, 3);
	assert_text(AT(root, "violation_count"), "4");
	assert_text(AT(root, "excepted_count"), "3");
	assert_text(AT(root, "errors"), "2");
	v = AT(root, "violations", "0");
	assert_text(AT(v, "capability"), "NET_RAW");
	assert_text(AT(v, "line"), "14");
	assert_text(AT(v, "column"), "13");
	assert_text(AT(v, "outcome"), "violation");
	assert_null(AT(v, "exception"));
	v = AT(root, "violations", "1");
	assert_text(AT(v, "outcome"), "expired");
	assert_text(AT(v, "exception", "expires"), "2024-01-31");
	assert_text(AT(v, "exception", "origin"), "allowlist");
	assert_text(AT(v, "exception", "line"), "20");
	assert_text(AT(root, "violations", "2", "privileged"), "true");
	assert_text(AT(root, "excepted", "1", "exception", "origin"), "annotation");
	assert_text(AT(root, "excepted", "1", "exception", "reason"), "chowns its volume");
	assert_text(AT(root, "excepted", "2", "exception", "origin"), "baseline");
	assert_text(AT(root, "stale", "0", "line"), "30");
	assert_text(AT(root, "stale", "0", "name"), "old");
	assert_text(AT(root, "problems", "0", "file"), "k8s/broken.yaml");
	assert_text(AT(root, "problems", "0", "line"), "8");
	assert_text(AT(root, "problems", "0", "message"), "did not find expected key");
	assert_text(AT(root, "problems", "1", "file"), "missing.yaml");
	assert_null(AT(root, "problems", "1", "line"));
	assert_text(AT(root, "problems", "1", "message"), "No such file or directory");
	ydoc__free(tree);
	free(json);
	fixture_free(f);
}

/* Every property SARIF 2.1.0 requires and GitHub code scanning reads. */
static void sarif_rules(const struct ydoc_node *rules)
{
	assert_non_null(rules);
	assert_int_equal(rules->type, YDOC_SEQ);
	assert_true(rules->n >= 7);
	for (size_t i = 0; i < rules->n; i++) {
		const struct ydoc_node *rule = rules->items[i];

		assert_non_null(ydoc__text(AT(rule, "id")));
		assert_non_null(ydoc__text(AT(rule, "name")));
		assert_non_null(ydoc__text(AT(rule, "shortDescription", "text")));
		assert_non_null(ydoc__text(AT(rule, "fullDescription", "text")));
		assert_non_null(ydoc__text(AT(rule, "help", "text")));
		assert_text(AT(rule, "defaultConfiguration", "level"), "error");
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(AT(rule, "id")->value, AT(rules->items[k], "id")->value);
	}
}

static const char *sarif_result(const struct ydoc_node *rules, const struct ydoc_node *res)
{
	const struct ydoc_node *loc = AT(res, "locations", "0", "physicalLocation");
	const char *level = ydoc__text(AT(res, "level"));
	size_t index;

	assert_non_null(ydoc__text(AT(res, "ruleId")));
	index = strtoul(ydoc__text(AT(res, "ruleIndex")), NULL, 10);
	assert_true(index < rules->n);
	assert_string_equal(AT(rules->items[index], "id")->value, AT(res, "ruleId")->value);
	assert_true(level && (!strcmp(level, "error") || !strcmp(level, "warning") ||
			      !strcmp(level, "note") || !strcmp(level, "none")));
	assert_true(ydoc__text(AT(res, "message", "text")) && *AT(res, "message", "text")->value);
	assert_non_null(ydoc__text(AT(loc, "artifactLocation", "uri")));
	assert_true(strtol(ydoc__text(AT(loc, "region", "startLine")), NULL, 10) >= 1);
	assert_int_equal(AT(res, "partialFingerprints")->type, YDOC_MAP);
	assert_true(AT(res, "partialFingerprints")->n >= 1);
	return ydoc__text(ydoc__value(AT(res, "partialFingerprints"), 0));
}

static void test_sarif_required(void **state)
{
	struct fixture *f = fixture_new("k8s/app.yaml", "app");
	char *json = write_format(&f->r, CHECK_FORMAT_SARIF);
	struct ydoc *tree = parse_json(json);
	const struct ydoc_node *root = tree->docs[0].root, *run, *rules, *results, *res;

	(void)state;
	assert_text(AT(root, "version"), "2.1.0");
	assert_non_null(strstr(ydoc__text(AT(root, "$schema")), "sarif-2.1.0"));
	assert_int_equal(AT(root, "runs")->type, YDOC_SEQ);
	assert_int_equal(AT(root, "runs")->n, 1);
	run = AT(root, "runs", "0");
	assert_text(AT(run, "tool", "driver", "name"), "capdiet");
	assert_non_null(ydoc__text(AT(run, "tool", "driver", "version")));
	rules = AT(run, "tool", "driver", "rules");
	sarif_rules(rules);
	results = AT(run, "results");
	assert_int_equal(results->n, f->r.n);
	for (size_t i = 0; i < results->n; i++)
		for (size_t k = 0; k < i; k++) /* each finding its own fingerprint */
			assert_string_not_equal(sarif_result(rules, results->items[i]),
						sarif_result(rules, results->items[k]));
	res = AT(results, "0");
	assert_text(AT(res, "ruleId"), "capability-not-allowed");
	assert_text(AT(res, "locations", "0", "physicalLocation", "artifactLocation", "uri"),
		    "k8s/app.yaml");
	assert_text(AT(res, "locations", "0", "physicalLocation", "artifactLocation", "uriBaseId"),
		    "%SRCROOT%");
	assert_text(AT(res, "locations", "0", "physicalLocation", "region", "startLine"), "14");
	assert_text(AT(res, "locations", "0", "physicalLocation", "region", "startColumn"), "13");
	assert_null(AT(res, "suppressions"));
	assert_text(AT(results, "1", "suppressions", "0", "kind"), "external");
	assert_text(AT(results, "1", "suppressions", "0", "justification"), "workers drop to www-data");
	assert_text(AT(results, "2", "ruleId"), "exception-expired");
	assert_text(AT(results, "3", "ruleId"), "privileged");
	assert_text(AT(results, "5", "ruleId"), "image-label-capability");
	assert_text(AT(results, "6", "ruleId"), "file-capabilities");
	assert_text(AT(results, "6", "locations", "0", "physicalLocation", "artifactLocation", "uri"),
		    "image.tar");
	assert_text(AT(run, "invocations", "0", "executionSuccessful"), "false");
	assert_int_equal(AT(run, "invocations", "0", "toolExecutionNotifications")->n, 2);
	assert_text(AT(run, "invocations", "0", "toolExecutionNotifications", "0", "locations", "0",
		       "physicalLocation", "region", "startLine"), "8");
	assert_text(AT(run, "invocations", "0", "toolConfigurationNotifications", "0", "level"),
		    "warning");
	ydoc__free(tree);
	free(json);
	fixture_free(f);
}

/* A path is a URI reference: escaped, relative to %SRCROOT% or a file:// URI. */
static void test_sarif_uris_and_fingerprints(void **state)
{
	struct fixture *f = fixture_new("./dir with space/a#b%c.yaml", "app"), *g;
	char *json = write_format(&f->r, CHECK_FORMAT_SARIF), *json2;
	struct ydoc *tree = parse_json(json), *tree2;
	const struct ydoc_node *loc = AT(tree->docs[0].root, "runs", "0", "results", "0",
					 "locations", "0", "physicalLocation", "artifactLocation");

	(void)state;
	assert_text(AT(loc, "uri"), "dir%20with%20space/a%23b%25c.yaml");
	g = fixture_new("/abs/k8s/app.yaml", "app");
	g->inv.v[0].cap_line[CAP_NET_RAW] = 40; /* the line moved: the alert stays the same */
	g->v[0].line = 40;
	json2 = write_format(&g->r, CHECK_FORMAT_SARIF);
	tree2 = parse_json(json2);
	loc = AT(tree2->docs[0].root, "runs", "0", "results", "0", "locations", "0",
		 "physicalLocation");
	assert_text(AT(loc, "artifactLocation", "uri"), "file:///abs/k8s/app.yaml");
	assert_null(AT(loc, "artifactLocation", "uriBaseId"));
	assert_text(AT(loc, "region", "startLine"), "40");
	assert_text(AT(loc, "region", "startColumn"), "13");
	ydoc__free(tree);
	ydoc__free(tree2);
	free(json);
	free(json2);
	fixture_free(f);
	fixture_free(g);
	f = fixture_new("k8s/app.yaml", "app");
	g = fixture_new("k8s/app.yaml", "app");
	g->v[0].line = 99;
	json = write_format(&f->r, CHECK_FORMAT_SARIF);
	json2 = write_format(&g->r, CHECK_FORMAT_SARIF);
	tree = parse_json(json);
	tree2 = parse_json(json2);
	assert_string_equal(ydoc__text(ydoc__value(AT(tree->docs[0].root, "runs", "0", "results", "0",
						     "partialFingerprints"), 0)),
			    ydoc__text(ydoc__value(AT(tree2->docs[0].root, "runs", "0", "results",
						     "0", "partialFingerprints"), 0)));
	ydoc__free(tree);
	ydoc__free(tree2);
	free(json);
	free(json2);
	fixture_free(f);
	fixture_free(g);
}

/* The value of attribute name in the first element that has it, as written. */
static char *xml_attr(const char *xml, const char *element, const char *name)
{
	char key[64];
	const char *el = strstr(xml, element), *start, *end;

	assert_non_null(el);
	snprintf(key, sizeof(key), " %s=\"", name);
	start = strstr(el, key);
	assert_non_null(start);
	start += strlen(key);
	end = strchr(start, '"');
	assert_non_null(end);
	return strndup(start, (size_t)(end - start));
}

/*
 * Well-formed in what matters here: tags nest and close, every & starts
 * an entity, no < inside an attribute or text, no control character but
 * the newlines between elements.
 */
static void assert_xml_well_formed(const char *xml)
{
	static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const char *stack[32];
	size_t depth = 0;

	for (const char *p = xml; *p; p++) {
		bool entity = false;

		assert_true((unsigned char)*p >= 0x20 || *p == '\n');
		for (size_t i = 0; *p == '&' && i < 5; i++)
			entity |= !strncmp(p, entities[i], strlen(entities[i]));
		assert_true(*p != '&' || entity);
		if (*p != '<' || p[1] == '?')
			continue;
		if (p[1] == '/') {
			assert_true(depth > 0);
			depth--;
			assert_int_equal(strncmp(p + 2, stack[depth], strcspn(stack[depth], " >/")), 0);
		} else {
			const char *close = strchr(p, '>');

			assert_non_null(close);
			assert_null(memchr(p + 1, '<', (size_t)(close - p - 1)));
			if (close[-1] != '/')
				stack[depth++] = p + 1;
			assert_true(depth < 32);
		}
	}
	assert_int_equal(depth, 0);
}

static void test_junit(void **state)
{
	struct fixture *f = fixture_new("k8s/app.yaml", HOSTILE);
	char *xml = write_format(&f->r, CHECK_FORMAT_JUNIT), *attr;

	(void)state;
	assert_xml_well_formed(xml);
	assert_int_equal(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 50), 0);
	/* 5 entries, 1 stale exception, 2 problems; failing: app, agent, the label */
	attr = xml_attr(xml, "<testsuites", "tests");
	assert_string_equal(attr, "8");
	free(attr);
	attr = xml_attr(xml, "<testsuites", "failures");
	assert_string_equal(attr, "3");
	free(attr);
	attr = xml_attr(xml, "<testsuites", "errors");
	assert_string_equal(attr, "2");
	free(attr);
	attr = xml_attr(xml, "<testsuite ", "name");
	assert_string_equal(attr, "k8s/app.yaml");
	free(attr);
	attr = xml_attr(xml, "<testsuite ", "tests");
	assert_string_equal(attr, "2");
	free(attr);
	attr = xml_attr(xml, "<testsuite ", "failures");
	assert_string_equal(attr, "1");
	free(attr);
	assert_non_null(strstr(xml, "name=\"Deployment/web container a&lt;b&amp;&quot;c&apos;"
				    "\\x0a\\x1b[2Kchecked 0 files, 0 containers: 0 violations%,:\\x0d\""));
	assert_non_null(strstr(xml, "type=\"capability-not-allowed\">k8s/app.yaml:14:13: "));
	assert_non_null(strstr(xml, "<system-out>k8s/app.yaml:15:13: "));
	assert_non_null(strstr(xml, "<error message=\"did not find expected key\" type=\"input-error\"/>"));
	assert_non_null(strstr(xml, "<skipped message=\"exception for Deployment/old container *"));
	free(xml);
	fixture_free(f);
}

/* The XML escape of core/text.c, on its own. */
static void test_xml_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(text__xml_fputs("<&\"'>\t\x01\x7f\xc2\x9b\xef\xbf\xbe\xff\\ok\xc3\xa9", out), 0);
	fclose(out);
	assert_string_equal(buf, "&lt;&amp;&quot;&apos;&gt;\\x09\\x01\\x7f\\xc2\\x9b\\xef\\xbf\\xbe"
			    "\\xff\\\\ok\xc3\xa9");
	free(buf);
}

static void test_github(void **state)
{
	struct fixture *f = fixture_new("a,b:c%\n.yaml", HOSTILE);
	char *text = write_format(&f->r, CHECK_FORMAT_GITHUB), *line;

	(void)state;
	line = strstr(text, "::error file=a%2Cb%3Ac%25%0A.yaml,line=14,col=13,title=capdiet "
			    "capability-not-allowed::Deployment/web container a<b&\"c'\\x0a\\x1b[2K"
			    "checked 0 files, 0 containers: 0 violations%25,:\\x0d: capability NET_RAW "
			    "is not in the allowlist\n");
	assert_non_null(line);
	assert_non_null(strstr(text, "::notice file=a%2Cb%3Ac%25%0A.yaml,line=15,col=13,title=capdiet "
				     "capability-not-allowed::"));
	assert_non_null(strstr(text, "::error file=a%2Cb%3Ac%25%0A.yaml,line=16,col=15,title=capdiet "
				     "exception-expired::"));
	assert_non_null(strstr(text, "::error file=k8s/agent.yaml,line=9,col=11,title=capdiet "
				     "privileged::DaemonSet/agent container agent: privileged: true"));
	assert_non_null(strstr(text, "::error file=image.tar,title=capdiet image-label-capability::"));
	assert_non_null(strstr(text, "::warning file=allowlist.yaml,line=30,title=capdiet "
				     "stale-exception::exception for Deployment/old"));
	assert_non_null(strstr(text, "::error file=k8s/broken.yaml,line=8,title=capdiet "
				     "input-error::did not find expected key\n"));
	assert_non_null(strstr(text, "::error file=missing.yaml,title=capdiet input-error::"));
	/* every line a command, but the summary at the end */
	assert_int_equal(count_lines(text), 7 + 1 + 2 + 1);
	for (const char *p = text; *p; p = strchr(p, '\n') + 1)
		assert_true(!strncmp(p, "::", 2) || !strncmp(p, "checked 3 files", 15));
	free(text);
	fixture_free(f);
}

/* No format passes a newline, CR or ESC from a name through raw. */
static void test_hostile_names_every_format(void **state)
{
	struct fixture *f = fixture_new("k8s/\x1b]0;x\x07" "app.yaml", HOSTILE);

	(void)state;
	for (enum check_format fmt = CHECK_FORMAT_TEXT; fmt <= CHECK_FORMAT_GITHUB; fmt++) {
		char *out = write_format(&f->r, fmt);
		size_t newlines = 0;

		assert_null(strchr(out, '\x1b'));
		assert_null(strchr(out, '\r'));
		assert_null(strchr(out, '\x07'));
		assert_null(strstr(out, "\nchecked 0 files"));
		newlines = count_lines(out);
		if (fmt == CHECK_FORMAT_JSON || fmt == CHECK_FORMAT_SARIF)
			assert_int_equal(newlines, 1); /* one line: the document */
		if (fmt == CHECK_FORMAT_TEXT || fmt == CHECK_FORMAT_GITHUB)
			assert_int_equal(newlines, 7 + 1 + 1 + (fmt == CHECK_FORMAT_GITHUB) * 2);
		if (fmt == CHECK_FORMAT_JUNIT)
			assert_xml_well_formed(out);
		free(out);
	}
	fixture_free(f);
}

/*
 * GitHub Actions runs "##[cmd]" found anywhere in a line of the job's log
 * and a line that starts "::cmd::": no name may write either into the
 * text, JUnit or workflow-command output, nor a bidi control that reorders
 * a line as it is shown.
 */
static void test_no_workflow_command_from_names(void **state)
{
	struct fixture *f = fixture_new("::stop-commands::x.yaml",
					"a##[stop-commands]tok\xe2\x80\xae" "kot");
	static const enum check_format formats[] = { CHECK_FORMAT_TEXT, CHECK_FORMAT_JUNIT,
						     CHECK_FORMAT_GITHUB };

	(void)state;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *out = write_format(&f->r, formats[i]);

		assert_null(strstr(out, "##["));
		assert_null(strstr(out, "\xe2\x80\xae"));
		assert_non_null(strstr(out, "a#\\x23[stop-commands]tok\\xe2\\x80\\xae" "kot"));
		for (const char *line = out; formats[i] == CHECK_FORMAT_TEXT && *line;
		     line = strchr(line, '\n') + 1)
			assert_int_not_equal(strncmp(line + strspn(line, " "), "::", 2), 0);
		free(out);
	}
	fixture_free(f);
}

/* U+FFFE and U+FFFF are no XML characters: escaped wherever a name goes. */
static void test_junit_noncharacters(void **state)
{
	struct fixture *f = fixture_new("k8s/\xef\xbf\xbe.yaml", "n\xef\xbf\xbf");
	char *xml;

	(void)state;
	f->ex_setuid.reason = (char *)"why \xef\xbf\xbe";
	xml = write_format(&f->r, CHECK_FORMAT_JUNIT);
	assert_xml_well_formed(xml);
	assert_null(strstr(xml, "\xef\xbf\xbe"));
	assert_null(strstr(xml, "\xef\xbf\xbf"));
	assert_non_null(strstr(xml, "name=\"Deployment/web container n\\xef\\xbf\\xbf\""));
	assert_non_null(strstr(xml, "<testsuite name=\"k8s/\\xef\\xbf\\xbe.yaml\""));
	assert_non_null(strstr(xml, "&quot;why \\xef\\xbf\\xbe&quot;"));
	free(xml);
	fixture_free(f);
}

/* The artifact location of the first result (NET_RAW at line 14, column 13). */
static struct ydoc *sarif_first_location(const char *file, const struct ydoc_node **loc)
{
	struct fixture *f = fixture_new(file, "app");
	char *json = write_format(&f->r, CHECK_FORMAT_SARIF);
	struct ydoc *tree = parse_json(json);

	*loc = AT(tree->docs[0].root, "runs", "0", "results", "0", "locations", "0",
		  "physicalLocation");
	assert_non_null(*loc);
	free(json);
	fixture_free(f);
	return tree;
}

static void write_file(const char *dir, const char *name)
{
	char path[512];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "w");
	assert_non_null(out);
	fputs("name: x\n", out);
	assert_int_equal(fclose(out), 0);
}

/* A rendered chart's findings point at line 1 of its Chart.yaml, an overlay's at its file. */
static void test_sarif_rendered_inputs(void **state)
{
	char chart[] = "/tmp/capdiet-sarif-chart.XXXXXX", overlay[] = "/tmp/capdiet-sarif-kust.XXXXXX";
	char name[128], uri[128];
	const struct ydoc_node *loc;
	struct ydoc *tree;

	(void)state;
	assert_non_null(mkdtemp(chart));
	assert_non_null(mkdtemp(overlay));
	write_file(chart, "Chart.yaml");
	write_file(overlay, "kustomization.yml");
	snprintf(name, sizeof(name), "%s (helm template)", chart);
	tree = sarif_first_location(name, &loc);
	snprintf(uri, sizeof(uri), "file://%s/Chart.yaml", chart);
	assert_text(AT(loc, "artifactLocation", "uri"), uri);
	assert_text(AT(loc, "region", "startLine"), "1");
	assert_null(AT(loc, "region", "startColumn"));
	snprintf(uri, sizeof(uri), "%s (helm template): line 14 of its output", chart);
	assert_text(AT(loc, "artifactLocation", "description", "text"), uri);
	ydoc__free(tree);
	snprintf(name, sizeof(name), "%s (kubectl kustomize)", overlay);
	tree = sarif_first_location(name, &loc);
	snprintf(uri, sizeof(uri), "file://%s/kustomization.yml", overlay);
	assert_text(AT(loc, "artifactLocation", "uri"), uri);
	ydoc__free(tree);
	/* no such chart: the name is kept as it is */
	tree = sarif_first_location("nochart (helm template)", &loc);
	assert_text(AT(loc, "artifactLocation", "uri"), "nochart%20%28helm%20template%29");
	assert_text(AT(loc, "region", "startLine"), "14");
	ydoc__free(tree);
	snprintf(name, sizeof(name), "%s/Chart.yaml", chart);
	unlink(name);
	snprintf(name, sizeof(name), "%s/kustomization.yml", overlay);
	unlink(name);
	rmdir(chart);
	rmdir(overlay);
}

/* stdin is no file of the repository: "stdin", not under %SRCROOT%, and said so. */
static void test_sarif_stdin(void **state)
{
	const struct ydoc_node *loc;
	struct ydoc *tree = sarif_first_location("<stdin>", &loc);

	(void)state;
	assert_text(AT(loc, "artifactLocation", "uri"), "stdin");
	assert_null(AT(loc, "artifactLocation", "uriBaseId"));
	assert_non_null(strstr(ydoc__text(AT(loc, "artifactLocation", "description", "text")),
			       "standard input"));
	assert_text(AT(loc, "region", "startLine"), "14");
	ydoc__free(tree);
}

static const char privileged_pod[] =
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata: {name: root}\n"
	"spec:\n"
	"  containers:\n"
	"    - name: app\n"
	"      securityContext:\n"
	"        privileged: true\n"
	"        capabilities: {add: [SYS_ADMIN, NET_RAW]}\n"
	"    - name: plain\n"
	"      securityContext:\n"
	"        capabilities:\n"
	"          drop: [ALL]\n"
	"          add:\n"
	"            - CHOWN\n"
	"            -   cap_setuid\n";

/* Parsed: one finding for privileged: true, at its line and column. */
static void test_privileged_and_columns(void **state)
{
	struct check_inventory inv = { 0 };
	struct check_allowlist *al = check_allowlist__restricted();
	struct check_report r;
	char err[256] = "", *text, want[256];

	(void)state;
	assert_int_equal(check__parse_buffer(&inv, privileged_pod, strlen(privileged_pod), "p.yaml",
					     err, sizeof(err)), 0);
	inv.files = 1;
	assert_int_equal(inv.n, 2);
	assert_int_equal(inv.v[0].col, 7);
	assert_int_equal(inv.v[1].cap_col[CAP_CHOWN], 15);
	assert_int_equal(inv.v[1].cap_col[CAP_SETUID], 17);
	assert_int_equal(check__evaluate(&inv, al, &r), 0);
	assert_int_equal(r.n, 3);
	text = write_format(&r, CHECK_FORMAT_TEXT);
	snprintf(want, sizeof(want), "p.yaml:8:21: Pod/root container app: privileged: true grants "
		 "every capability (%d outside the allowlist)", caps__count(caps__all()) - 1);
	line_index(text, want);
	line_index(text, "p.yaml:15:15: Pod/root container plain: capability CHOWN is not in the "
		   "allowlist");
	line_index(text, "p.yaml:16:17: Pod/root container plain: capability SETUID is not in the "
		   "allowlist");
	line_index(text, "checked 1 file, 2 containers: 3 violations in 2 containers "
		   "(privileged, CHOWN, SETUID)");
	free(text);
	check_report__clear(&r);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_names),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_clean_summary),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_sarif_required),
		cmocka_unit_test(test_sarif_uris_and_fingerprints),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_xml_escape),
		cmocka_unit_test(test_github),
		cmocka_unit_test(test_hostile_names_every_format),
		cmocka_unit_test(test_privileged_and_columns),
		cmocka_unit_test(test_no_workflow_command_from_names),
		cmocka_unit_test(test_junit_noncharacters),
		cmocka_unit_test(test_sarif_rendered_inputs),
		cmocka_unit_test(test_sarif_stdin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
