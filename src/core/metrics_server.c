// SPDX-License-Identifier: MIT
/* The metrics page over HTTP: see metrics_server.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capdiet/core/metrics_server.h"

#define OPENMETRICS_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"

struct metrics_server {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	char *page;
	size_t len;
	int port;
};

static enum MHD_Result metrics__answer(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload, size_t *upload_len, void **req)
{
	struct metrics_server *s = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;

	(void)version, (void)upload, (void)upload_len, (void)req;
	pthread_mutex_lock(&s->lock);
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		resp = MHD_create_response_from_buffer(19, "only GET and HEAD\n", MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(url, "/metrics") && strcmp(url, "/")) {
		status = MHD_HTTP_NOT_FOUND;
		resp = MHD_create_response_from_buffer(10, "not found\n", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(s->len, s->page ? s->page : "",
						       MHD_RESPMEM_MUST_COPY);
	}
	pthread_mutex_unlock(&s->lock);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? OPENMETRICS_TYPE : "text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The port of "...:PORT" or "PORT": digits only, up to 65535. */
static int metrics__port(const char *port, uint16_t *out)
{
	long p;

	if (!*port || strlen(port) > 5 || strspn(port, "0123456789") != strlen(port))
		return -EINVAL;
	p = strtol(port, NULL, 10);
	if (p > 65535)
		return -EINVAL;
	*out = (uint16_t)p;
	return 0;
}

int metrics_server__parse_addr(const char *addr, struct metrics_addr *out)
{
	const char *colon = strrchr(addr, ':');
	size_t hlen = colon ? (size_t)(colon - addr) : 0;
	char host[64];
	uint16_t port;

	memset(out, 0, sizeof(*out));
	if (metrics__port(colon ? colon + 1 : addr, &port) || hlen >= sizeof(host))
		return -EINVAL;
	out->v6.sin6_family = AF_INET6;
	out->v6.sin6_port = htons(port);
	out->v4.sin_family = AF_INET;
	out->v4.sin_port = htons(port);
	if (!hlen) {
		out->any = true;
		out->v4.sin_addr.s_addr = htonl(INADDR_ANY);
		out->v6.sin6_addr = in6addr_any;
		return 0;
	}
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)hlen - 2, addr + 1);
		out->is_v6 = true;
		return inet_pton(AF_INET6, host, &out->v6.sin6_addr) == 1 ? 0 : -EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)hlen, addr);
	return inet_pton(AF_INET, host, &out->v4.sin_addr) == 1 ? 0 : -EINVAL;
}

/* Listens where a says: IPv6 (dual stack for any address) unless the host
 * has none (booted with ipv6.disable=1), then IPv4. */
static struct MHD_Daemon *metrics__listen(struct metrics_server *s, const struct metrics_addr *a)
{
	const unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct MHD_Daemon *d = NULL;

	errno = 0;
	if (a->is_v6 || a->any)
		d = MHD_start_daemon(flags | MHD_USE_IPv6 | (a->any ? MHD_USE_DUAL_STACK : 0), 0,
				     NULL, NULL, metrics__answer, s, MHD_OPTION_SOCK_ADDR, &a->v6,
				     MHD_OPTION_CONNECTION_LIMIT, 16u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!d && !a->is_v6) {
		errno = 0;
		d = MHD_start_daemon(flags, 0, NULL, NULL, metrics__answer, s,
				     MHD_OPTION_SOCK_ADDR, &a->v4, MHD_OPTION_CONNECTION_LIMIT, 16u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	}
	return d;
}

/* The port actually bound: the kernel picks one for port 0. */
static int metrics__bound_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	if (!info || getsockname(info->listen_fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port :
		     ((struct sockaddr_in *)&sa)->sin_port);
}

struct metrics_server *metrics_server__start(const char *addr)
{
	struct metrics_server *s;
	struct metrics_addr sa;

	if (metrics_server__parse_addr(addr, &sa)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->daemon = metrics__listen(s, &sa);
	if (!s->daemon) {
		int err = errno ? errno : EADDRINUSE;

		pthread_mutex_destroy(&s->lock);
		free(s);
		errno = err;
		return NULL;
	}
	s->port = metrics__bound_port(s->daemon);
	return s;
}

int metrics_server__port(const struct metrics_server *s)
{
	return s->port;
}

int metrics_server__set_page(struct metrics_server *s, const char *page, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, page, len);
	copy[len] = '\0';
	pthread_mutex_lock(&s->lock);
	free(s->page);
	s->page = copy;
	s->len = len;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void metrics_server__stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	pthread_mutex_destroy(&s->lock);
	free(s->page);
	free(s);
}
