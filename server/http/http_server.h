/* SPDX-License-Identifier: ISC */
/* The operator's HTTP endpoint on balised's loop ([listen] http): plain
 * HTTP/1.1 and 1.0, GET and HEAD only, on loopback unless [http]
 * allow_remote. /metrics (Prometheus text), /health (200 "ready" or 503),
 * and the Thunderbird autoconfiguration file. See docs/monitoring.md. */
#ifndef BALISE_HTTP_SERVER_H
#define BALISE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "cfg.h"
#include "http_render.h"

struct conn;
struct store;

#define HTTP_CONN_MAX 64           /* the endpoint's own listen set */
#define HTTP_IDLE_MS (30 * 1000)   /* keep-alive connection without a request */
#define HTTP_REQUEST_MS (10 * 1000) /* a started request head must end */
#define HTTP_SCAN_CACHE_MS 5000    /* the BAL quota scan is reused this long */
#define HTTP_QUOTA_SCAN_MAX 1000000 /* BALs looked at by one scan */

struct http_server {
	uv_loop_t *loop;
	struct store *store;      /* NULL until the store is open (/health: 503) */
	const struct config *cfg; /* hostname and the listeners' ports */
	bool listeners_up;        /* every other configured listener accepts */
	int64_t start_time;
	/* balised's clock check (server/clock_check.h clock_check_read): 1
	 * synchronised, 0 not, -1 unknown; NULL: -1. */
	int (*clock_state)(void);
	/* The last BAL scan (bals, quota_at), at scan_ms (uv_now). */
	bool scanned;
	uint64_t scan_ms;
	struct http_gauges scan;
};

/* Before the listener starts; store may be set later. */
void http_server_init(struct http_server *srv, uv_loop_t *loop, const struct config *cfg);
/* listen_service on_accept (arg: the server). */
void http_session_accept(struct conn *c, void *arg);
/* SIGTERM: closes every HTTP connection (after a response being sent). */
void http_sessions_shutdown(void);
size_t http_sessions_count(void);

/* /health's answer now: true when ready; *why_r says what is missing. */
bool http_server_ready(struct http_server *srv, const char **why_r);
/* The gauges of /metrics, read now (the BAL scan is cached). */
void http_server_gauges(struct http_server *srv, struct http_gauges *g);

#endif
