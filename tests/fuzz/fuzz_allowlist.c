// SPDX-License-Identifier: MIT
/*
 * The readers of reviewed exceptions: check_allowlist__parse() (default,
 * exceptions with reason and expires, inline_exceptions, inline_max),
 * check_baseline__parse(), and a capdiet.io/allow annotation's grammar.
 * Besides not crashing or leaking: a refused input says FILE:LINE and
 * leaves nothing behind, every exception read has a reason and a valid
 * date or none, and a baseline written from a report reads back with one
 * exception per finding that then excepts them all.
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "capdiet/policy/check.h"
#include "capdiet/policy/check_exceptions.h"
#include "fuzz.h"

#define FILE_NAME "fuzz/allowlist.yaml"

static void check_exception(const struct check_exception *ex)
{
	FUZZ_ASSERT(ex->reason && ex->reason[0]);
	FUZZ_ASSERT(ex->file);
	FUZZ_ASSERT(ex->line > 0);
	FUZZ_ASSERT(!ex->expires || check_date__valid(ex->expires));
	FUZZ_ASSERT((ex->add & ~caps__all()) == 0);
}

static void check_error(const char *err)
{
	FUZZ_ASSERT(!strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")));
}

static void fuzz_allowlist(const char *buf, size_t size)
{
	char err[512] = "";
	struct check_allowlist *al = check_allowlist__parse(buf, size, FILE_NAME, err, sizeof(err));

	if (!al) {
		FUZZ_ASSERT(errno == EINVAL || errno == EFBIG || errno == ENOMEM);
		check_error(err);
		return;
	}
	for (size_t i = 0; i < al->n; i++)
		check_exception(&al->ex[i]);
	/* Any day: expired is exactly "has a date before it". */
	check_allowlist__expire(al, (time_t)size * 86400 * 97);
	for (size_t i = 0; i < al->n; i++)
		FUZZ_ASSERT(!al->ex[i].expired || al->ex[i].expires);
	check_allowlist__free(al);
}

/* A baseline that reads is written back and read again: the same entries. */
static void fuzz_baseline(const char *buf, size_t size)
{
	struct check_allowlist *al = check_allowlist__restricted();
	char err[512] = "";
	int rc;

	FUZZ_ASSERT(al);
	rc = check_baseline__parse(al, buf, size, FILE_NAME, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
	if (rc) {
		FUZZ_ASSERT(al->n == 0);
		check_error(err);
	}
	for (size_t i = 0; i < al->n; i++) {
		check_exception(&al->ex[i]);
		FUZZ_ASSERT(al->ex[i].origin == CHECK_FROM_BASELINE);
		FUZZ_ASSERT(al->ex[i].input && al->ex[i].kind && al->ex[i].name &&
			    al->ex[i].container);
		FUZZ_ASSERT(al->ex[i].privileged || caps__count(al->ex[i].add) == 1);
	}
	check_allowlist__free(al);
}

static int count_item(capset_t caps, const char *reason, void *ctx)
{
	FUZZ_ASSERT(caps && reason && reason[0] && !strchr(reason, '\n') && !strchr(reason, ';'));
	++*(size_t *)ctx;
	return 0;
}

static void fuzz_annotation(const char *buf, size_t size)
{
	char *note = fuzz__cstring((const uint8_t *)buf, size), err[512] = "";
	size_t items = 0;
	int rc = check_inline__parse(note, FILE_NAME, 3, err, sizeof(err), count_item, &items);

	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == -EINVAL)
		FUZZ_ASSERT(!strncmp(err, FILE_NAME ":3: ", strlen(FILE_NAME ":3: ")));
	else if (!rc)
		FUZZ_ASSERT(items > 0);
	free(note);
}

/*
 * The manifest's findings, recorded as a baseline and read back: nothing
 * fails any more.  Only inputs that are manifests get this far.
 */
static void fuzz_round_trip(const char *buf, size_t size)
{
	struct check_inventory inv = { 0 };
	struct check_allowlist *al = check_allowlist__restricted();
	struct check_baseline_counts counts;
	struct check_report r;
	char err[512] = "", path[] = "/tmp/fuzz-baseline-XXXXXX";
	int fd;

	FUZZ_ASSERT(al);
	if (check__parse_buffer(&inv, buf, size, "m.yaml", err, sizeof(err)) || !inv.n)
		goto done;
	FUZZ_ASSERT(check__evaluate(&inv, al, &r) == 0);
	fd = mkstemp(path);
	FUZZ_ASSERT(fd >= 0);
	close(fd);
	FUZZ_ASSERT(check_baseline__write(&r, path, 0, &counts) == 0);
	check_report__clear(&r);
	FUZZ_ASSERT(check_baseline__load(al, path, err, sizeof(err)) == 0);
	unlink(path);
	FUZZ_ASSERT(al->n == counts.recorded);
	FUZZ_ASSERT(check__evaluate(&inv, al, &r) == 0);
	FUZZ_ASSERT(r.n_failing == 0);
	check_report__clear(&r);
done:
	check_inventory__clear(&inv);
	check_allowlist__free(al);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_allowlist((const char *)data, size);
	fuzz_baseline((const char *)data, size);
	fuzz_annotation((const char *)data, size);
	fuzz_round_trip((const char *)data, size);
	return 0;
}
