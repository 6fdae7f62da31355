// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/outfile.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/capdiet-outfile.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/out.txt", f->dir);
	*state = f;
	return 0;
}

/* Removes every entry of the fixture directory, then the directory. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static char *read_all(const char *path)
{
	static char buf[256];
	FILE *in = fopen(path, "r");
	size_t n;

	if (!in)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, in);
	buf[n] = '\0';
	fclose(in);
	return buf;
}

static int fill_text(FILE *out, void *ctx)
{
	return fputs(ctx, out) < 0 ? -EIO : 0;
}

/* Writes something, then fails: the partial output must vanish. */
static int fill_fails(FILE *out, void *ctx)
{
	(void)ctx;
	fputs("half", out);
	return -ENOSPC;
}

static void test_writes_content_and_mode(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	mode_t old_umask;

	old_umask = umask(077); /* the 0644 must not depend on the caller's umask */
	assert_int_equal(outfile__write(f->path, fill_text, "hello\n"), 0);
	assert_string_equal(read_all(f->path), "hello\n");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* Overwrites an existing file and leaves no temp file behind. */
	assert_int_equal(outfile__write(f->path, fill_text, "again\n"), 0);
	assert_string_equal(read_all(f->path), "again\n");
	assert_int_equal(count_entries(f->dir), 1);
	umask(old_umask);
}

static void test_refuses_symlink(void **state)
{
	struct fixture *f = *state;
	char target[160];
	struct stat st;
	FILE *t;

	snprintf(target, sizeof(target), "%s/target", f->dir);
	t = fopen(target, "w");
	assert_non_null(t);
	fputs("precious\n", t);
	fclose(t);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(outfile__write(f->path, fill_text, "evil\n"), -ELOOP);
	assert_string_equal(read_all(target), "precious\n");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(f->dir), 2);
}

/* A file that is someone else's keeps its mode (and owner) when replaced. */
static void test_replace_keeps_mode(void **state)
{
	struct fixture *f = *state;
	char link[160];
	struct stat st;

	assert_int_equal(outfile__replace(f->path, fill_text, "x\n"), -ENOENT);
	assert_int_equal(outfile__write(f->path, fill_text, "old\n"), 0);
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_int_equal(outfile__replace(f->path, fill_text, "new\n"), 0);
	assert_string_equal(read_all(f->path), "new\n");
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, getuid());
	assert_int_equal(count_entries(f->dir), 1);
	snprintf(link, sizeof(link), "%s/link", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	assert_int_equal(outfile__replace(link, fill_text, "evil\n"), -ELOOP);
	assert_int_equal(outfile__replace(f->dir, fill_text, "dir\n"), -EINVAL);
	assert_string_equal(read_all(f->path), "new\n");
}

static void test_fill_error_leaves_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(outfile__write(f->path, fill_fails, NULL), -ENOSPC);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(count_entries(f->dir), 0);
	/* An existing file survives a failed rewrite untouched. */
	assert_int_equal(outfile__write(f->path, fill_text, "kept\n"), 0);
	assert_int_equal(outfile__write(f->path, fill_fails, NULL), -ENOSPC);
	assert_string_equal(read_all(f->path), "kept\n");
	assert_int_equal(count_entries(f->dir), 1);
}

static void test_missing_directory(void **state)
{
	struct fixture *f = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/no/such/dir/out", f->dir);
	assert_int_equal(outfile__write(path, fill_text, "x"), -ENOENT);
	assert_int_equal(outfile__write("/tmp/", fill_text, "x"), -EISDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writes_content_and_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_keeps_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_error_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
