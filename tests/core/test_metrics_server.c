// SPDX-License-Identifier: MIT
/* The metrics page over real HTTP on loopback: addresses, GET, HEAD, others. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "capdiet/core/metrics_server.h"

static void test_addresses(void **state)
{
	static const char *const good[] = { "9464", ":9464", "127.0.0.1:0", "[::1]:80",
					    "0.0.0.0:65535" };
	static const char *const bad[] = { "", ":", "x:80", "127.0.0.1:", " 80", "+80", "-0",
					   "65536", "127.0.0.1:80x", "::1:80", "[::1:80",
					   "host.example:80", "1.2.3.4.5:80" };
	struct metrics_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(metrics_server__parse_addr(good[i], &a), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (metrics_server__parse_addr(bad[i], &a) != -EINVAL)
			fail_msg("'%s' was taken for an address", bad[i]);
	}
	assert_int_equal(metrics_server__parse_addr("127.0.0.1:9464", &a), 0);
	assert_false(a.is_v6);
	assert_false(a.any);
	assert_int_equal(ntohs(a.v4.sin_port), 9464);
	assert_int_equal(metrics_server__parse_addr("9464", &a), 0);
	assert_true(a.any);
}

/* REQUEST to 127.0.0.1:port; the whole answer in buf. */
static void http(int port, const char *request, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	ssize_t n;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

static void test_serves_the_page(void **state)
{
	struct metrics_server *s = metrics_server__start("127.0.0.1:0");
	const char page[] = "capdiet_observer_containers 3\n# EOF\n";
	char answer[4096];
	int port;

	(void)state;
	assert_non_null(s);
	port = metrics_server__port(s);
	assert_true(port > 0);
	assert_int_equal(metrics_server__set_page(s, page, strlen(page)), 0);
	http(port, "GET /metrics HTTP/1.0\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "200 OK"));
	assert_non_null(strstr(answer, "application/openmetrics-text; version=1.0.0"));
	assert_non_null(strstr(answer, page));
	http(port, "HEAD /metrics HTTP/1.0\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "200 OK"));
	assert_null(strstr(answer, "capdiet_observer_containers"));
	http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "405"));
	assert_non_null(strstr(answer, "GET, HEAD"));
	http(port, "GET /other HTTP/1.0\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "404"));
	metrics_server__stop(s);
}

static void test_port_in_use(void **state)
{
	struct metrics_server *a = metrics_server__start("127.0.0.1:0");
	char addr[32];

	(void)state;
	assert_non_null(a);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", metrics_server__port(a));
	assert_null(metrics_server__start(addr));
	assert_int_equal(errno, EADDRINUSE);
	metrics_server__stop(a);
	metrics_server__stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_serves_the_page),
		cmocka_unit_test(test_port_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
