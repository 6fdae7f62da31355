// SPDX-License-Identifier: MIT
/*
 * The readers of untrusted YAML/JSON: check__parse_buffer() (Kubernetes,
 * Compose, OCI, profiles), check_allowlist__parse() and profile__parse().
 * Besides not crashing: a failed parse leaves nothing behind and says why,
 * every granted line belongs to a granted capability, the JSON report has no
 * raw control characters, and a profile read back from its own YAML writes
 * the same YAML again.
 */
#include <errno.h>
#include <stdbool.h>

#include "capdiet/policy/check.h"
#include "capdiet/profile/profile.h"
#include "fuzz.h"

#define FILE_NAME "fuzz/manifest.yaml"

static void check_container(const struct check_container *c)
{
	FUZZ_ASSERT(c->file && c->kind && c->name && c->container);
	FUZZ_ASSERT((c->caps & ~caps__all()) == 0);
	/* privileged: true marks all 64 lines; only known capabilities count. */
	for (int cap = 0; cap <= caps__last_cap(); cap++)
		FUZZ_ASSERT(!c->cap_line[cap] || caps__has(c->caps, cap));
}

/* JSON forbids raw control characters inside strings. */
static void check_json(const char *json, size_t len)
{
	FUZZ_ASSERT(len > 0 && json[len - 1] == '\n');
	for (size_t i = 0; i + 1 < len; i++)
		FUZZ_ASSERT((unsigned char)json[i] >= 0x20);
}

/* One of the report writers, into memory. */
static char *report_text(const struct check_report *r, bool json, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	FUZZ_ASSERT(out);
	if (json)
		FUZZ_ASSERT(check_report__write_json(r, out) == 0);
	else
		FUZZ_ASSERT(check_report__write_text(r, out) == 0);
	FUZZ_ASSERT(fclose(out) == 0);
	return text;
}

static void check_reports(const struct check_inventory *inv, const struct check_allowlist *al)
{
	struct check_report r;
	size_t len = 0;
	char *text;

	FUZZ_ASSERT(check__evaluate(inv, al, &r) == 0);
	FUZZ_ASSERT(r.containers == inv->n);
	free(report_text(&r, false, &len));
	text = report_text(&r, true, &len);
	check_json(text, len);
	free(text);
	check_report__clear(&r);
}

static void fuzz_check(const char *buf, size_t size)
{
	struct check_inventory inv = { 0 };
	struct check_allowlist *al;
	char err[512] = "";
	int rc = check__parse_buffer(&inv, buf, size, FILE_NAME, err, sizeof(err));

	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc) {
		FUZZ_ASSERT(inv.n == 0);
		FUZZ_ASSERT(!strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")));
	}
	for (size_t i = 0; i < inv.n; i++)
		check_container(&inv.v[i]);
	al = check_allowlist__parse(buf, size, FILE_NAME, err, sizeof(err));
	FUZZ_ASSERT(al || errno == EINVAL || errno == ENOMEM);
	if (!al)
		al = check_allowlist__restricted();
	FUZZ_ASSERT(al);
	check_reports(&inv, al);
	check_allowlist__free(al);
	check_inventory__clear(&inv);
}

static char *profile_yaml(const struct profile *p, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	FUZZ_ASSERT(out);
	FUZZ_ASSERT(profile__write(p, out) == 0);
	FUZZ_ASSERT(fclose(out) == 0);
	return text;
}

static void fuzz_profile(const char *buf, size_t size)
{
	char err[512] = "";
	struct profile *p = profile__parse(buf, size, FILE_NAME, err, sizeof(err)), *again;
	char *first, *second;
	size_t first_len, second_len;

	if (!p) {
		FUZZ_ASSERT(errno == EINVAL || errno == EFBIG || errno == ENOMEM);
		FUZZ_ASSERT(!strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")));
		return;
	}
	first = profile_yaml(p, &first_len);
	again = profile__parse(first, first_len, "written", err, sizeof(err));
	if (!again) {
		fprintf(stderr, "the profile's own YAML does not read back: %s\n%s", err, first);
		abort();
	}
	second = profile_yaml(again, &second_len);
	FUZZ_ASSERT(first_len == second_len && !memcmp(first, second, first_len));
	free(first);
	free(second);
	profile__free(again);
	profile__free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_check((const char *)data, size);
	fuzz_profile((const char *)data, size);
	return 0;
}
