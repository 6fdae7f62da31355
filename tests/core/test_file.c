// SPDX-License-Identifier: MIT
/* Bounded whole-file reads: the limit, growth past the hint, what is refused. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/file.h"

static char dir[] = "/tmp/capdiet-test-file.XXXXXX";

static char *write_file(const char *name, const char *text, size_t len)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_read(void **state)
{
	char *path = write_file("a.yaml", "caps: []\n", 9), *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(file__read(path, 100, &buf, &len), 0);
	assert_int_equal(len, 9);
	assert_string_equal(buf, "caps: []\n"); /* NUL-terminated */
	free(buf);
	/* Exactly at the limit is fine, one byte over is not. */
	assert_int_equal(file__read(path, 9, &buf, &len), 0);
	free(buf);
	assert_int_equal(file__read(path, 8, &buf, &len), -EFBIG);
	assert_null(buf);
	free(path);
	path = write_file("empty", "", 0);
	assert_int_equal(file__read(path, 8, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	free(path);
}

static void test_refused(void **state)
{
	char *fifo, *buf = (char *)1;
	size_t len;

	(void)state;
	assert_int_equal(file__read(dir, 100, &buf, &len), -EISDIR);
	assert_null(buf);
	assert_int_equal(file__read("/nonexistent/capdiet", 100, &buf, &len), -ENOENT);
	assert_int_equal(file__read("/dev/null", 100, &buf, &len), -EINVAL);
	/* A FIFO without a writer is refused at once, not waited on. */
	assert_true(asprintf(&fifo, "%s/fifo", dir) > 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(file__read(fifo, 100, &buf, &len), -EINVAL);
	free(fifo);
}

/* A pipe has no size to start from: the buffer grows from the hint. */
static void test_read_fd_grows(void **state)
{
	static char text[10000];
	char *buf = NULL;
	size_t len = 0;
	int fds[2];

	(void)state;
	memset(text, 'x', sizeof(text));
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, sizeof(text)), (ssize_t)sizeof(text));
	close(fds[1]);
	assert_int_equal(file__read_fd(fds[0], sizeof(text), 16, &buf, &len), 0);
	close(fds[0]);
	assert_int_equal(len, sizeof(text));
	assert_memory_equal(buf, text, sizeof(text));
	assert_int_equal(buf[len], '\0');
	free(buf);
	/* One byte more than the limit fails, whatever the hint. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, sizeof(text)), (ssize_t)sizeof(text));
	close(fds[1]);
	assert_int_equal(file__read_fd(fds[0], sizeof(text) - 1, 1 << 20, &buf, &len), -EFBIG);
	assert_null(buf);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_read_fd_grows),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
