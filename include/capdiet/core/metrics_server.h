/* SPDX-License-Identifier: MIT */
/*
 * Serves one text document over HTTP (libmicrohttpd, its own thread): the
 * OpenMetrics page a Prometheus scrape reads.  The owner replaces the page
 * whenever it has a new one; a scrape always gets a whole page.
 */
#ifndef CAPDIET_METRICS_SERVER_H
#define CAPDIET_METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <netinet/in.h>

struct metrics_server;

/* Where to listen: an IPv4 or IPv6 address, or any (both when it can). */
struct metrics_addr {
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	bool is_v6;     /* [V6]:PORT */
	bool any;       /* PORT or :PORT */
};

/* addr as metrics_server__start reads it; 0 or -EINVAL. */
int metrics_server__parse_addr(const char *addr, struct metrics_addr *out);

/*
 * Listens on addr: "PORT", ":PORT", "HOST:PORT" or "[IPV6]:PORT" (HOST a
 * numeric address).  NULL with errno: EINVAL (bad address), EADDRINUSE...
 */
struct metrics_server *metrics_server__start(const char *addr);
/* The port it listens on (the one the kernel chose for port 0). */
int metrics_server__port(const struct metrics_server *s);
/* Copies page; scrapes from now on get it.  0 or -ENOMEM. */
int metrics_server__set_page(struct metrics_server *s, const char *page, size_t len);
void metrics_server__stop(struct metrics_server *s);

#endif
