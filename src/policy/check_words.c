// SPDX-License-Identifier: MIT
/*
 * What the gate says about a finding, an exception and the whole run, in
 * one place: the text, SARIF, JUnit and GitHub writers all print these
 * words, so a finding reads the same in a terminal, a code scanning alert
 * and a test report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capdiet/core/text.h"
#include "check_words.h"

const struct check_rule_text check_rules[CHECK_RULES] = {
	[CHECK_RULE_CAPABILITY] = {
		"capability-not-allowed", "CapabilityNotAllowed",
		"A container can get a capability outside the allowlist.",
		"The container's capabilities.add (cap_add), or a runtime default it does not "
		"drop, gives it a capability the team's allowlist does not allow.",
		"Drop it: capabilities.drop: [ALL] and add only what the service needs (capdiet "
		"run learns that minimum); or add a reviewed exception with a reason to the allowlist.",
	},
	[CHECK_RULE_PRIVILEGED] = {
		"privileged", "Privileged",
		"A container runs privileged: true, which grants every capability.",
		"privileged: true gives a container every capability and the host's devices. It "
		"is one finding, not one per capability.",
		"Remove privileged: true and add only the capabilities the service needs (capdiet "
		"run learns them); or add a reviewed exception with a reason to the allowlist.",
	},
	[CHECK_RULE_EXPIRED] = {
		"exception-expired", "ExceptionExpired",
		"The allowlist exception for this capability has expired.",
		"An exception allowed this capability until its expires date, which has passed: "
		"the capability is a violation again until the exception is reviewed.",
		"Review the exception: drop the capability, or renew expires with a reason.",
	},
	[CHECK_RULE_IMAGE_LABEL] = {
		"image-label-capability", "ImageLabelCapability",
		"An image's io.containers.capabilities label asks for a capability outside the allowlist.",
		"Podman runs an image's containers with the capabilities of its "
		"io.containers.capabilities label by default.",
		"Remove the capability from the label, or add an exception (kind: image, "
		"container: io.containers.capabilities) with a reason.",
	},
	[CHECK_RULE_FILE_CAPS] = {
		"file-capabilities", "FileCapabilities",
		"A file in an image has file capabilities outside the allowlist.",
		"Executing a file with file capabilities (setcap) raises its permitted and "
		"inheritable capabilities, within the container's bounding set.",
		"Remove them in the image build (setcap -r FILE), or add an exception (kind: "
		"image, container: the file's path) with a reason.",
	},
	[CHECK_RULE_SETUID] = {
		"setuid-root", "SetuidRoot",
		"An image has a setuid-root executable (judged as SETUID).",
		"Any user who runs a setuid-root executable becomes root, with every capability "
		"of the container's bounding set: what CAP_SETUID allows.",
		"Remove the bit in the image build (chmod u-s FILE), or add an exception (kind: "
		"image, container: the file's path, add: [SETUID]) with a reason.",
	},
	[CHECK_RULE_SETGID] = {
		"setgid-root", "SetgidRoot",
		"An image has a setgid-root executable (judged as SETGID).",
		"Any user who runs a setgid-root executable gets group root: what CAP_SETGID allows.",
		"Remove the bit in the image build (chmod g-s FILE), or add an exception (kind: "
		"image, container: the file's path, add: [SETGID]) with a reason.",
	},
};

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

enum check_rule check_words__rule(const struct check_violation *v)
{
	static const enum check_rule by_source[] = {
		[CHECK_MANIFEST] = CHECK_RULE_CAPABILITY, [CHECK_IMAGE] = CHECK_RULE_IMAGE_LABEL,
		[CHECK_FILE_CAPS] = CHECK_RULE_FILE_CAPS, [CHECK_SETUID_ROOT] = CHECK_RULE_SETUID,
		[CHECK_SETGID_ROOT] = CHECK_RULE_SETGID,
	};

	if (v->outcome == CHECK_EXPIRED)
		return CHECK_RULE_EXPIRED;
	if (v->cap == CHECK_CAP_PRIVILEGED)
		return CHECK_RULE_PRIVILEGED;
	return by_source[v->container->source];
}

const char *check_words__file(const struct check_violation *v)
{
	return v->file ? v->file : v->container->file;
}

/* The column belongs to the line the finding points at, or is unknown. */
int check_words__col(const struct check_violation *v)
{
	const struct check_container *c = v->container;
	int cap = v->cap;

	if (cap == CHECK_CAP_PRIVILEGED)
		cap = v->caps ? __builtin_ctzll(v->caps) : -1;
	if (cap >= 0 && cap < 64 && c->cap_line[cap])
		return c->cap_line[cap] == v->line ? c->cap_col[cap] : 0;
	return c->line == v->line ? c->col : 0;
}

bool check_words__failing(const struct check_violation *v)
{
	return v->outcome != CHECK_EXCEPTED;
}

const char *check_words__outcome(enum check_outcome outcome)
{
	static const char *const names[] = {
		[CHECK_VIOLATION] = "violation", [CHECK_EXPIRED] = "expired",
		[CHECK_EXCEPTED] = "excepted",
	};

	return names[outcome];
}

const char *check_words__origin(enum check_exception_origin origin)
{
	static const char *const names[] = {
		[CHECK_FROM_ALLOWLIST] = "allowlist", [CHECK_FROM_INLINE] = "annotation",
		[CHECK_FROM_BASELINE] = "baseline",
	};

	return names[origin];
}

const char *check_words__source(enum check_source source)
{
	static const char *const names[] = {
		[CHECK_MANIFEST] = "manifest", [CHECK_IMAGE] = "label",
		[CHECK_FILE_CAPS] = "file-capabilities", [CHECK_SETUID_ROOT] = "setuid-root",
		[CHECK_SETGID_ROOT] = "setgid-root",
	};

	return names[source];
}

/*
 * Every string is escaped: a tag, a layer's name or a path of an image (and
 * a manifest's names) could hold a CR, LF or escape sequence that forges or
 * erases a line of a CI log.
 */
void check_words__subject(const struct check_container *c, FILE *out)
{
	char layer[20];

	if (c->source == CHECK_MANIFEST) {
		text__fputs(c->kind, out);
		fputc('/', out);
		text__fputs(c->name, out);
		fputs(" container ", out);
		text__fputs(c->container, out);
		return;
	}
	fputs("image ", out);
	text__fputs(c->name, out);
	if (c->source == CHECK_IMAGE) {
		fputs(" label ", out);
		text__fputs(c->container, out);
		return;
	}
	/* a digest is long; its first 12 digits name it, as `podman images` does */
	snprintf(layer, sizeof(layer), "%s", c->layer ? c->layer : "");
	fputs(" layer ", out);
	text__fputs(c->layer && !strncmp(c->layer, "sha256:", 7) ? layer : c->layer, out);
	fputs(" file ", out);
	text__fputs(c->path, out);
	fputs(" (", out);
	text__fputs(c->detail, out);
	fputc(')', out);
}

/* "allowlist.yaml:12", "annotation capdiet.io/allow at k8s/a.yaml:7", "baseline b.json:3" */
static void words__exception_at(const struct check_exception *ex, FILE *out)
{
	if (ex->origin == CHECK_FROM_INLINE)
		fputs("annotation capdiet.io/allow at ", out);
	else if (ex->origin == CHECK_FROM_BASELINE)
		fputs("baseline ", out);
	text__fputs(ex->file ? ex->file : "the allowlist", out);
	if (ex->line > 0)
		fprintf(out, ":%d", ex->line);
	if (ex->reason) {
		fputs(": \"", out);
		text__fputs(ex->reason, out);
		fputc('"', out);
	}
}

void check_words__verdict(const struct check_violation *v, FILE *out)
{
	bool privileged = v->cap == CHECK_CAP_PRIVILEGED;
	int n = caps__count(v->caps);

	if (v->outcome == CHECK_EXCEPTED) {
		if (privileged)
			fprintf(out, "privileged: true: %d %s excepted by ", n,
				plural(n, "capability", "capabilities"));
		else
			fprintf(out, "capability %s excepted by ", caps__name(v->cap));
		words__exception_at(v->exception, out);
		return;
	}
	if (privileged)
		fprintf(out, "privileged: true grants every capability (%d outside the allowlist)", n);
	else
		fprintf(out, "capability %s is not in the allowlist", caps__name(v->cap));
	if (v->outcome == CHECK_EXPIRED && v->exception) {
		fputs(": its exception expired on ", out);
		text__fputs(v->exception->expires ? v->exception->expires : "(no date)", out);
		fputs(" (", out);
		words__exception_at(v->exception, out);
		fputc(')', out);
	}
}

void check_words__where(const struct check_violation *v, FILE *out)
{
	int col = check_words__col(v);

	text__fputs(check_words__file(v), out);
	if (v->container->source != CHECK_MANIFEST || v->line <= 0)
		return;
	fprintf(out, ":%d", v->line);
	if (col > 0)
		fprintf(out, ":%d", col);
}

void check_words__line(const struct check_violation *v, FILE *out)
{
	check_words__where(v, out);
	fputs(": ", out);
	check_words__subject(v->container, out);
	fputs(": ", out);
	check_words__verdict(v, out);
}

/* A field of an exception: absent matches anything. */
static void words__field(const char *s, FILE *out)
{
	text__fputs(s ? s : "*", out);
}

void check_words__stale(const struct check_exception *ex, FILE *out)
{
	fputs("exception for ", out);
	words__field(ex->kind, out);
	fputc('/', out);
	words__field(ex->name, out);
	fputs(" container ", out);
	words__field(ex->container, out);
	if (ex->origin == CHECK_FROM_BASELINE) { /* an entry is one capability: name it */
		if (ex->privileged)
			fputs(" privileged: true", out);
		else if (ex->add)
			fprintf(out, " capability %s", caps__name(__builtin_ctzll(ex->add)));
		fputs(" matched nothing (stale): fixed since the baseline; regenerate it", out);
		return;
	}
	fputs(" matched nothing (stale); remove it", out);
}

/* "checked 2 files, 3 containers, 1 image, 2 findings"; files only when images are not alone. */
static void words__checked(const struct check_report *r, FILE *out)
{
	fputs("checked ", out);
	if (r->files || !r->images)
		fprintf(out, "%zu %s, %zu %s%s", r->files, plural(r->files, "file", "files"),
			r->containers, plural(r->containers, "container", "containers"),
			r->images ? ", " : "");
	if (r->images)
		fprintf(out, "%zu %s, %zu %s", r->images, plural(r->images, "image", "images"),
			r->findings, plural(r->findings, "finding", "findings"));
}

/* Containers and images with a failing finding, and what those findings grant. */
struct words_failing {
	size_t containers, images;
	capset_t caps;
	bool privileged;
};

static struct words_failing words__failing(const struct check_report *r)
{
	struct words_failing f = { 0 };
	const struct check_container *last = NULL, *image = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const struct check_container *c = r->v[i].container;

		if (!check_words__failing(&r->v[i]))
			continue;
		/* a container's findings are together, an image's entries too */
		if (c->source == CHECK_MANIFEST)
			f.containers += c != last;
		else
			f.images += !image || strcmp(image->file, c->file) || strcmp(image->name, c->name);
		if (c->source == CHECK_MANIFEST)
			last = c;
		else
			image = c;
		if (r->v[i].cap == CHECK_CAP_PRIVILEGED)
			f.privileged = true;
		else
			f.caps |= r->v[i].caps;
	}
	return f;
}

/* " in 2 containers and 1 image (privileged, NET_RAW, SETUID)" */
static void words__failing_in(const struct check_report *r, FILE *out)
{
	struct words_failing f = words__failing(r);
	char *names = caps__format(f.caps, ", ", false);

	fputs(" in ", out);
	if (f.containers)
		fprintf(out, "%zu %s", f.containers, plural(f.containers, "container", "containers"));
	if (f.containers && f.images)
		fputs(" and ", out);
	if (f.images)
		fprintf(out, "%zu %s", f.images, plural(f.images, "image", "images"));
	fprintf(out, " (%s%s%s)", f.privileged ? "privileged" : "",
		f.privileged && f.caps ? ", " : "", names ? names : "");
	free(names);
}

void check_words__summary(const struct check_report *r, FILE *out)
{
	words__checked(r, out);
	fprintf(out, ": %zu %s", r->n_failing, plural(r->n_failing, "violation", "violations"));
	if (r->n_failing)
		words__failing_in(r, out);
	if (r->n_excepted)
		fprintf(out, "; %zu excepted", r->n_excepted);
	if (r->n_stale)
		fprintf(out, "; %zu stale %s", r->n_stale,
			plural(r->n_stale, "exception", "exceptions"));
	if (r->excluded)
		fprintf(out, "; %zu excluded", r->excluded);
	if (r->errors)
		fprintf(out, "; %zu %s", r->errors, plural(r->errors, "error", "errors"));
}

typedef void (*words_writer)(const void *what, FILE *out);

/* What writer prints about what, as a string. */
static char *words__string(words_writer writer, const void *what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	writer(what, out);
	if (fclose(out) || !buf) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}

static void words__finding_writer(const void *what, FILE *out)
{
	const struct check_violation *v = what;

	check_words__subject(v->container, out);
	fputs(": ", out);
	check_words__verdict(v, out);
}

static void words__line_writer(const void *what, FILE *out)
{
	check_words__line(what, out);
}

static void words__stale_writer(const void *what, FILE *out)
{
	check_words__stale(what, out);
}

static void words__summary_writer(const void *what, FILE *out)
{
	check_words__summary(what, out);
}

static void words__escape_writer(const void *what, FILE *out)
{
	text__fputs(what, out);
}

static void words__subject_writer(const void *what, FILE *out)
{
	check_words__subject(what, out);
}

char *check_words__subject_text(const struct check_container *c)
{
	return words__string(words__subject_writer, c);
}

char *check_words__finding_text(const struct check_violation *v)
{
	return words__string(words__finding_writer, v);
}

char *check_words__line_text(const struct check_violation *v)
{
	return words__string(words__line_writer, v);
}

char *check_words__stale_text(const struct check_exception *ex)
{
	return words__string(words__stale_writer, ex);
}

char *check_words__summary_text(const struct check_report *r)
{
	return words__string(words__summary_writer, r);
}

char *check_words__escaped(const char *in)
{
	return words__string(words__escape_writer, in);
}

/* ":LINE: " at s: its length, and the line in *line; 0 when s is not one. */
static size_t problem__line_mark(const char *s, int *line)
{
	size_t n = 1;
	long value = 0;

	while (s[n] >= '0' && s[n] <= '9' && n < 10)
		value = value * 10 + (s[n++] - '0');
	if (n == 1 || s[n] != ':' || s[n + 1] != ' ')
		return 0;
	*line = (int)value;
	return n + 2;
}

/*
 * The readers word every problem "FILE:LINE: problem" or "FILE: problem";
 * the first colon that starts either mark ends the file name.
 */
int check_problem__split(const char *s, struct check_problem *out)
{
	*out = (struct check_problem){ .message = s };
	for (const char *colon = strchr(s, ':'); colon; colon = strchr(colon + 1, ':')) {
		int line = 0;
		size_t mark = problem__line_mark(colon, &line);

		if (!mark && colon[1] != ' ')
			continue;
		out->file = strndup(s, (size_t)(colon - s));
		if (!out->file)
			return -ENOMEM;
		out->line = line;
		out->message = colon + (mark ? mark : 2);
		return 0;
	}
	return 0;
}

void check_problem__clear(struct check_problem *p)
{
	if (!p)
		return;
	free(p->file);
	p->file = NULL;
}

size_t check_words__n_problems(const struct check_report *r)
{
	return r->problems ? r->problems->n : 0;
}
