/* SPDX-License-Identifier: ISC */
/* HTTP sessions of the operator endpoint (see http_server.h): one request
 * head at a time from the connection's raw input, answered at once. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "balstore.h"
#include "conn.h"
#include "http_parser.h"
#include "http_server.h"
#include "log.h"
#include "metrics.h"
#include "session_set.h"
#include "util.h"

#define HTTP_DOMAIN_MAX 253
#define HTTP_EMAIL_MAX 320

struct http_session {
	struct http_server *srv;
	struct conn *conn;
	struct session_link link; /* in the live sessions */
};

static struct session_set sessions;

static const struct conn_ops http_conn_ops;

/* ------------------------------------------------------------------ server state */

void http_server_init(struct http_server *srv, uv_loop_t *loop, const struct config *cfg)
{
	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	srv->cfg = cfg;
	srv->start_time = (int64_t)time(NULL);
}

bool http_server_ready(struct http_server *srv, const char **why_r)
{
	struct store_txn *txn = NULL;

	if (!srv->listeners_up) {
		*why_r = "listeners not started";
		return false;
	}
	if (srv->store == NULL || store_read_begin(srv->store, &txn) != 0) {
		*why_r = "store not answering";
		return false;
	}
	store_read_end(&txn);
	*why_r = "";
	return true;
}

struct quota_scan {
	struct store_txn *txn;
	struct http_gauges *g;
	int err;
};

static int scan_bal(void *arg, const struct store_bal *bal)
{
	struct quota_scan *qs = arg;
	struct store_quota q;
	unsigned level;

	if (++qs->g->bals > HTTP_QUOTA_SCAN_MAX)
		return 1;
	qs->err = store_quota_get(qs->txn, bal->id, &q);
	if (qs->err == STORE_E_NOTFOUND) { /* store_check reports it */
		qs->err = 0;
		return 0;
	}
	if (qs->err != 0)
		return 1;
	level = store_quota_level(bal, &q);
	qs->g->quota_at[0] += level >= STORE_QUOTA_LEVEL_80;
	qs->g->quota_at[1] += level >= STORE_QUOTA_LEVEL_90;
	qs->g->quota_at[2] += level >= STORE_QUOTA_LEVEL_100;
	return 0;
}

/* BALs and their quota levels, at most every HTTP_SCAN_CACHE_MS. */
static int scan_quota(struct http_server *srv, struct store_txn *txn, struct http_gauges *g)
{
	uint64_t now = uv_now(srv->loop);
	struct quota_scan qs = {.txn = txn, .g = &srv->scan};
	int r;

	if (!srv->scanned || now >= srv->scan_ms + HTTP_SCAN_CACHE_MS) {
		srv->scan.bals = 0;
		memset(srv->scan.quota_at, 0, sizeof(srv->scan.quota_at));
		r = store_bal_each(txn, scan_bal, &qs);
		if (r < 0 || qs.err < 0)
			return r < 0 ? r : qs.err;
		srv->scanned = true;
		srv->scan_ms = now;
	}
	g->bals = srv->scan.bals;
	memcpy(g->quota_at, srv->scan.quota_at, sizeof(g->quota_at));
	return 0;
}

static int first_entry(void *arg, const struct store_qentry *e)
{
	*(int64_t *)arg = e->arrival;
	return 1;
}

/* Queue depth, and the age of its first entry (ids grow with arrival). */
static int scan_queue(struct store_txn *txn, struct http_gauges *g)
{
	int64_t arrival = 0, now = (int64_t)time(NULL);
	int r = store_queue_count(txn, &g->queue_entries);

	if (r == 0 && g->queue_entries > 0)
		r = store_queue_each(txn, first_entry, &arrival);
	if (r < 0)
		return r;
	g->queue_oldest_age = arrival > 0 && arrival < now ? (uint64_t)(now - arrival) : 0;
	return 0;
}

void http_server_gauges(struct http_server *srv, struct http_gauges *g)
{
	struct store_txn *txn = NULL;
	const char *why;

	memset(g, 0, sizeof(*g));
	g->ready = http_server_ready(srv, &why);
	g->start_time = srv->start_time;
	g->clock_sync = srv->clock_state != NULL ? srv->clock_state() : -1;
	if (srv->store == NULL || store_read_begin(srv->store, &txn) != 0)
		return;
	store_map_info(srv->store, &g->map_size, &g->map_size_max, &g->map_used);
	g->store_ok = scan_queue(txn, g) == 0 && scan_quota(srv, txn, g) == 0;
	store_read_end(&txn);
}

/* ------------------------------------------------------------------ responses */

struct reply {
	unsigned status;
	const char *ctype;
	struct buf body;
	const char *extra; /* more header lines, each ending in CRLF, or NULL */
	bool close;
};

static void send_reply(struct http_session *s, const struct http_request *req, struct reply *r)
{
	bool head = req != NULL && req->method == HTTP_HEAD;

	conn_printf(s->conn,
	            "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s%s\r\n",
	            r->status, http_status_text(r->status), r->ctype, r->body.len,
	            r->extra != NULL ? r->extra : "",
	            r->close                            ? "Connection: close\r\n"
	            : req != NULL && req->minor == 0    ? "Connection: keep-alive\r\n"
	                                                : "");
	if (!head && r->body.len > 0)
		conn_write(s->conn, r->body.data, r->body.len);
	log_debug("%s http status=%u bytes=%zu", conn_id(s->conn), r->status, r->body.len);
	buf_free(&r->body);
	if (r->close)
		conn_close(s->conn);
}

static void reply_text(struct reply *r, unsigned status, const char *text)
{
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	buf_printf(&r->body, "%s\n", text);
}

/* ------------------------------------------------------------------ routes */

static void route_metrics(struct http_session *s, struct reply *r)
{
	struct metrics_snapshot m;
	struct http_gauges g;

	metrics_read(&m);
	http_server_gauges(s->srv, &g);
	r->status = 200;
	r->ctype = HTTP_PROM_CONTENT_TYPE;
	http_metrics_render(&r->body, &m, &g);
}

static void route_health(struct http_session *s, struct reply *r)
{
	const char *why;

	if (http_server_ready(s->srv, &why)) {
		reply_text(r, 200, "ready");
	} else {
		reply_text(r, 503, why);
		r->extra = "Retry-After: 5\r\n";
	}
}

/* A host name: letters, digits, '-' and '.', lower-cased into out. */
static bool domain_copy(char *out, const char *s, size_t len)
{
	if (len == 0 || len > HTTP_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-' && c != '.')
			return false;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return out[0] != '.' && out[0] != '-';
}

/* The mail domain asked for: ?emailaddress=, else the Host of the request
 * (Thunderbird asks autoconfig.DOMAIN and DOMAIN/.well-known/). */
static bool autoconfig_domain(const struct http_request *req, char *out)
{
	char email[HTTP_EMAIL_MAX + 1];
	const char *at, *host;
	size_t len;

	if (http_query_get(req->query, "emailaddress", email, sizeof(email)) == 1) {
		at = strrchr(email, '@');
		return at != NULL && domain_copy(out, at + 1, strlen(at + 1));
	}
	host = (const char *)req->host.p;
	len = req->host.len;
	if (len > 0 && host[0] == '[')
		return false; /* an IP literal names no domain */
	for (size_t i = 0; i < len; i++)
		if (host[i] == ':')
			len = i;
	if (len > 11 && strncasecmp(host, "autoconfig.", 11) == 0) {
		host += 11;
		len -= 11;
	}
	return domain_copy(out, host, len);
}

static unsigned first_port(const struct cfg_listen *l)
{
	return l->n > 0 ? l->addr[0].port : 0;
}

static void route_autoconfig(struct http_session *s, const struct http_request *req,
                             struct reply *r)
{
	const struct config *cfg = s->srv->cfg;
	struct http_autoconfig ac = {0};
	char domain[HTTP_DOMAIN_MAX + 1];
	struct store_txn *txn = NULL;
	int found = 0;

	if (!autoconfig_domain(req, domain)) {
		reply_text(r, 404, "no mail domain in the request");
		return;
	}
	if (s->srv->store != NULL && store_read_begin(s->srv->store, &txn) == 0) {
		found = store_domain_exists(txn, domain);
		store_read_end(&txn);
	}
	if (found != 1) {
		reply_text(r, 404, "unknown domain");
		return;
	}
	ac.domain = domain;
	ac.hostname = cfg->hostname;
	ac.imaps_port = first_port(&cfg->imaps);
	ac.imap_port = first_port(&cfg->imap);
	ac.submissions_port = first_port(&cfg->submissions);
	ac.submission_port = first_port(&cfg->submission);
	r->status = 200;
	r->ctype = "text/xml; charset=utf-8";
	http_autoconfig_render(&r->body, &ac);
}

static void route(struct http_session *s, const struct http_request *req, struct reply *r)
{
	if (req->method == HTTP_OTHER) {
		reply_text(r, 405, "only GET and HEAD");
		r->extra = "Allow: GET, HEAD\r\n";
		r->close = req->has_body; /* its body was not read */
	} else if (req->has_body) {
		reply_text(r, 400, "request body not accepted");
		r->close = true;
	} else if (slice_eq_cstr(req->path, "/metrics")) {
		route_metrics(s, r);
	} else if (slice_eq_cstr(req->path, "/health")) {
		route_health(s, r);
	} else if (slice_eq_cstr(req->path, "/.well-known/autoconfig/mail/config-v1.1.xml") ||
	           slice_eq_cstr(req->path, "/mail/config-v1.1.xml")) {
		route_autoconfig(s, req, r);
	} else {
		reply_text(r, 404, "not found");
	}
	if (!req->keep_alive || sessions.stopping)
		r->close = true;
}

/* ------------------------------------------------------------------ session */

static size_t on_data(struct conn *c, struct slice data, void *arg)
{
	struct http_session *s = arg;
	struct reply r = {0};
	struct http_request req;
	const char *why = "";
	unsigned status = 400;
	size_t used = 0;
	int pr = http_parse_request(data.p, data.len, &req, &used, &status, &why);

	if (pr == HTTP_PARSE_MORE) {
		/* The whole head must come within HTTP_REQUEST_MS of its first
		 * byte, however slowly it trickles in. */
		conn_cmd_begin(c);
		return 0;
	}
	conn_cmd_end(c);
	buf_init(&r.body, 0);
	if (pr == HTTP_PARSE_ERROR) {
		log_info("%s http bad-request peer=%s status=%u reason=\"%s\"", conn_id(c),
		         conn_peer(c), status, why);
		reply_text(&r, status, why);
		r.close = true;
		send_reply(s, NULL, &r);
		return data.len;
	}
	route(s, &req, &r);
	send_reply(s, &req, &r);
	/* Pipelined requests wait until this answer has left. */
	if (!conn_closing(c) && conn_output_full(c))
		conn_pause(c);
	return used;
}

static void on_event(struct conn *c, enum conn_event ev, void *arg)
{
	(void)arg;
	if (ev == CONN_EV_DRAIN)
		conn_resume(c);
	else if (ev == CONN_EV_IDLE_TIMEOUT || ev == CONN_EV_CMD_TIMEOUT)
		conn_close(c);
}

static void on_close(struct conn *c, void *arg)
{
	struct http_session *s = arg;

	(void)c;
	session_set_remove(&sessions, &s->link);
	free(s);
	session_set_freed(&sessions);
}

static const struct conn_ops http_conn_ops = {
	.on_data = on_data,
	.on_event = on_event,
	.on_close = on_close,
};

void http_session_accept(struct conn *c, void *arg)
{
	struct http_session *s = xcalloc(1, sizeof(*s));

	s->srv = arg;
	s->conn = c;
	session_set_add(&sessions, &s->link);
	conn_set_handler(c, &http_conn_ops, s);
	conn_set_raw(c, true);
	conn_set_line_max(c, HTTP_HEAD_MAX);
	conn_set_timeouts(c, HTTP_IDLE_MS, HTTP_REQUEST_MS);
	log_debug("%s http accepted peer=%s", conn_id(c), conn_peer(c));
}

void http_sessions_shutdown(void)
{
	struct http_session *s;

	session_set_stop(&sessions);
	session_set_each(&sessions, s, struct http_session, link)
		conn_close(s->conn);
}

size_t http_sessions_count(void)
{
	return session_set_count(&sessions);
}
