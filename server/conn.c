/* SPDX-License-Identifier: ISC */
/* Connections: libuv TCP handle + optional TLS session, bounded input with a
 * line reader, output queue with back-pressure, one timer for idle, command,
 * handshake and close deadlines. Everything runs on the loop thread. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "metrics.h"
#include "tls.h"
#include "util.h"

/* One TLS record of plaintext at most per SSL_read. */
#define CONN_PLAIN_CHUNK (16 * 1024)

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wreq;
	uv_shutdown_t *sreq;
	struct conn *prev, *next; /* all connections, for conn_foreach() */

	const struct conn_ops *ops;
	void *arg;
	struct tls_session *tls;

	struct buf in;   /* plaintext input not yet delivered (partial line, paused) */
	struct buf out;  /* plaintext written by the session, not yet encrypted */
	struct buf wire; /* bytes ready for the socket */
	struct buf fly;  /* bytes handed to uv_write(), alive until write_cb */

	size_t line_max;
	uint64_t idle_ms, cmd_ms;
	uint64_t last_rx, cmd_start, hs_start, close_due, timer_due;

	unsigned dispatch; /* nesting depth of our callbacks into the session */
	unsigned cork;
	unsigned handles; /* libuv handles not yet closed */

	bool started, reading, paused, blocked, raw, skipping, input_reset;
	bool cmd_auto, writing, closing, closed, linger_rx, close_reported, tls_reported;
	bool connect_timed_out;
	struct conn_connect_req *connecting; /* outbound, until connected */

	void (*release)(void *arg);
	void *release_arg;

	struct sockaddr_storage peer;
	char peer_str[CONN_ADDR_MAX];
	char id[17];
};

static struct conn *conn_list;
static size_t conn_n;
static uint64_t conn_next_id;
/* Shared by every connection: reads are consumed before the callback
 * returns, so idle connections hold no read buffer. */
static char conn_rdbuf[CONN_READ_CHUNK];
static char conn_plainbuf[CONN_PLAIN_CHUNK];

static void dispatch_begin(struct conn *c);
static void dispatch_end(struct conn *c);
static void flush(struct conn *c);
static void timer_arm(struct conn *c);
static void do_close(struct conn *c);
static void pump_tls(struct conn *c);
static void update_reading(struct conn *c);

/* ------------------------------------------------------------------ helpers */

static void buf_release_if_empty(struct buf *b)
{
	if (b->len == 0 && b->cap > 0)
		buf_free(b);
}

static bool tls_pending_hs(const struct conn *c)
{
	return c->tls != NULL && !tls_session_handshake_done(c->tls);
}

size_t conn_output_queued(const struct conn *c)
{
	return c->out.len + c->wire.len + c->fly.len +
	       (c->tls != NULL ? tls_session_pending(c->tls) : 0);
}

bool conn_output_full(const struct conn *c)
{
	return conn_output_queued(c) > CONN_WRITE_HIGH;
}

static bool can_deliver(const struct conn *c)
{
	return c->ops != NULL && !c->paused && !c->blocked && !c->closing;
}

static void fire_event(struct conn *c, enum conn_event ev)
{
	if (c->ops != NULL && c->ops->on_event != NULL) {
		c->ops->on_event(c, ev, c->arg);
		return;
	}
	if (ev == CONN_EV_IDLE_TIMEOUT || ev == CONN_EV_CMD_TIMEOUT)
		conn_close(c);
}

static void input_inbuf_max(struct conn *c)
{
	c->in.max = c->line_max + 2 + CONN_READ_CHUNK;
}

/* ------------------------------------------------------------------ input */

/* A line ended: the command timer started by its first bytes stops. */
static void line_done(struct conn *c)
{
	if (c->cmd_auto) {
		c->cmd_auto = false;
		c->cmd_start = 0;
	}
}

/* Delivers lines (or raw bytes) from p; returns how many bytes were used.
 * Stops when the session pauses, the output blocks or the connection
 * closes; returns n when STARTTLS discarded the rest. */
static size_t process(struct conn *c, const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n && can_deliver(c)) {
		const uint8_t *lf;
		size_t len, linelen;

		if (c->skipping) {
			lf = memchr(p + off, '\n', n - off);
			off = lf != NULL ? (size_t)(lf - p) + 1 : n;
			c->skipping = lf == NULL;
			if (lf != NULL)
				line_done(c);
			continue;
		}
		if (c->raw) {
			size_t used = c->ops->on_data(c, (struct slice){p + off, n - off}, c->arg);
			if (c->input_reset)
				return n;
			if (used == 0)
				break;
			off += used < n - off ? used : n - off;
			continue;
		}
		lf = memchr(p + off, '\n', n - off);
		if (lf == NULL) {
			/* +1: the CR of a CRLF may still be missing its LF */
			if (n - off > c->line_max + 1) {
				c->skipping = true;
				off = n;
				fire_event(c, CONN_EV_LINE_TOO_LONG);
			}
			break;
		}
		len = (size_t)(lf - (p + off));
		linelen = len > 0 && p[off + len - 1] == '\r' ? len - 1 : len;
		line_done(c);
		if (linelen > c->line_max) {
			off += len + 1;
			fire_event(c, CONN_EV_LINE_TOO_LONG);
			continue;
		}
		c->ops->on_line(c, (struct slice){p + off, linelen}, c->arg);
		off += len + 1;
		if (c->input_reset)
			return n;
	}
	return off;
}

/* A partial line (or an overlong one being skipped) starts the command
 * timer: a client that trickles one byte at a time, or never ends its
 * line, must still finish it in time (slowloris). */
static void note_partial(struct conn *c)
{
	bool partial = (c->in.len > 0 && !c->raw) || c->skipping;

	if (partial && can_deliver(c) && c->cmd_start == 0 && c->cmd_ms > 0) {
		c->cmd_start = uv_now(c->tcp.loop);
		c->cmd_auto = true;
		timer_arm(c);
	}
}

static void input_push(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->in.len == 0 && can_deliver(c)) {
		size_t used = process(c, p, n);
		if (c->input_reset) {
			c->input_reset = false;
			return;
		}
		p += used;
		n -= used;
	}
	if (n == 0) {
		note_partial(c);
		return;
	}
	if (buf_append(&c->in, p, n) < 0) {
		log_warn("%s conn input overflow peer=%s", c->id, c->peer_str);
		conn_abort(c);
		return;
	}
	if (can_deliver(c)) {
		size_t used = process(c, c->in.data, c->in.len);
		c->input_reset = false;
		buf_consume(&c->in, used);
	}
	note_partial(c);
}

/* Delivers what waits in the input buffer, then what TLS holds. */
static void drain_input(struct conn *c)
{
	if (c->in.len > 0 && can_deliver(c)) {
		size_t used = process(c, c->in.data, c->in.len);
		c->input_reset = false;
		buf_consume(&c->in, used);
		note_partial(c);
	}
	/* Whatever is left in the buffer is a partial line: read on. */
	if (c->tls != NULL && can_deliver(c))
		pump_tls(c);
}

static void tls_failed(struct conn *c, const char *what)
{
	if (tls_pending_hs(c))
		metrics_tls_failed(tls_session_is_server(c->tls));
	log_info("%s conn tls-error peer=%s %s=\"%s\"", c->id, c->peer_str, what,
	         tls_session_error(c->tls));
	/* The alert OpenSSL queued still goes out; nothing else will. */
	c->out.len = 0;
	conn_close(c);
}

static void collect_tls(struct conn *c)
{
	size_t n = tls_session_pending(c->tls);

	if (n == 0)
		return;
	if (buf_reserve(&c->wire, n) < 0)
		fatal("conn: output buffer limit");
	c->wire.len += tls_session_take(c->tls, c->wire.data + c->wire.len, n);
}

static void pump_tls(struct conn *c)
{
	int r;

	if (tls_pending_hs(c)) {
		r = tls_session_handshake(c->tls);
		collect_tls(c);
		if (r == TLS_IO_WANT)
			return;
		if (r != TLS_IO_OK) {
			tls_failed(c, "handshake");
			return;
		}
		log_debug("%s conn tls version=%s cipher=%s resumed=%d", c->id,
		          tls_session_version(c->tls), tls_session_cipher(c->tls),
		          tls_session_resumed(c->tls));
		update_reading(c);
	}
	if (!c->tls_reported && c->ops != NULL) {
		c->tls_reported = true;
		if (c->ops->on_tls_ready != NULL)
			c->ops->on_tls_ready(c, c->arg);
	}
	while (can_deliver(c)) {
		size_t n;
		r = tls_session_read(c->tls, conn_plainbuf, sizeof(conn_plainbuf), &n);
		if (r == TLS_IO_OK) {
			input_push(c, (const uint8_t *)conn_plainbuf, n);
			continue;
		}
		collect_tls(c);
		if (r == TLS_IO_CLOSED)
			conn_close(c);
		else if (r == TLS_IO_ERR)
			tls_failed(c, "read");
		break;
	}
}

/* ------------------------------------------------------------------ reading */

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	*b = uv_buf_init(conn_rdbuf, sizeof(conn_rdbuf));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = s->data;

	if (nread == 0)
		return; /* EAGAIN: not end of file */
	if (c->linger_rx) {
		/* Closing: drain what the client still sends so that the
		 * kernel does not answer with a reset that eats our last reply. */
		if (nread < 0)
			do_close(c);
		return;
	}
	if (nread < 0) {
		if (nread != UV_EOF)
			log_debug("%s conn read-error peer=%s err=%s", c->id, c->peer_str,
			          uv_strerror((int)nread));
		dispatch_begin(c);
		if (nread == UV_EOF)
			conn_close(c);
		else
			conn_abort(c);
		dispatch_end(c);
		return;
	}
	c->last_rx = uv_now(s->loop);
	dispatch_begin(c);
	if (c->tls != NULL) {
		tls_session_feed(c->tls, b->base, (size_t)nread);
		pump_tls(c);
	} else {
		input_push(c, (const uint8_t *)b->base, (size_t)nread);
	}
	dispatch_end(c);
}

/* Reading runs only while the session can take input; above the output
 * high-water mark the client must first read what we sent. */
static void update_reading(struct conn *c)
{
	bool want;

	if (c->closed || !c->started)
		return;
	if (c->closing)
		want = c->linger_rx;
	else
		want = !c->paused && (!c->blocked || tls_pending_hs(c));
	if (want == c->reading)
		return;
	if (want) {
		int r = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
		if (r < 0) {
			log_debug("%s conn read-start err=%s", c->id, uv_strerror(r));
			conn_abort(c);
			return;
		}
	} else {
		uv_read_stop((uv_stream_t *)&c->tcp);
	}
	c->reading = want;
}

/* ------------------------------------------------------------------ writing */

static void write_cb(uv_write_t *req, int status);

static void finish_close_if_done(struct conn *c)
{
	if (!c->closing || c->closed || c->writing || c->wire.len > 0 || c->sreq != NULL)
		return;
	if (c->tls != NULL && tls_session_pending(c->tls) > 0)
		return;
	c->sreq = xcalloc(1, sizeof(*c->sreq));
	c->sreq->data = c;
	if (uv_shutdown(c->sreq, (uv_stream_t *)&c->tcp, NULL) < 0) {
		do_close(c);
		return;
	}
	c->linger_rx = true;
	update_reading(c);
}

static void start_write(struct conn *c)
{
	uv_buf_t b;
	int r;

	if (c->writing || c->wire.len == 0 || c->closed)
		return;
	/* While blocked, go through uv_write() so that write_cb comes back
	 * and lifts the block. */
	if (!c->blocked) {
		b = uv_buf_init((char *)c->wire.data, (unsigned)c->wire.len);
		r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
		if (r > 0)
			buf_consume(&c->wire, (size_t)r);
		else if (r < 0 && r != UV_EAGAIN) {
			log_debug("%s conn write-error peer=%s err=%s", c->id, c->peer_str,
			          uv_strerror(r));
			conn_abort(c);
			return;
		}
		if (c->wire.len == 0) {
			buf_release_if_empty(&c->wire);
			return;
		}
	}
	struct buf t = c->fly;
	c->fly = c->wire;
	c->wire = t;
	b = uv_buf_init((char *)c->fly.data, (unsigned)c->fly.len);
	c->wreq.data = c;
	r = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, write_cb);
	if (r < 0) {
		log_debug("%s conn write-error peer=%s err=%s", c->id, c->peer_str, uv_strerror(r));
		c->fly.len = 0;
		conn_abort(c);
		return;
	}
	c->writing = true;
}

/* Moves the session's plaintext to the wire, encrypting it under TLS
 * (many small writes become one record). */
static void encrypt_out(struct conn *c)
{
	if (c->out.len > 0 && !tls_pending_hs(c)) {
		if (c->tls == NULL) {
			if (buf_append(&c->wire, c->out.data, c->out.len) < 0)
				fatal("conn: output buffer limit");
		} else if (tls_session_write(c->tls, c->out.data, c->out.len) != TLS_IO_OK) {
			tls_failed(c, "write");
			return;
		}
		c->out.len = 0;
		buf_release_if_empty(&c->out);
	}
	if (c->tls != NULL)
		collect_tls(c);
}

static void flush(struct conn *c)
{
	if (c->closed)
		return;
	encrypt_out(c);
	if (c->closed)
		return;
	if (conn_output_queued(c) > CONN_WRITE_HIGH && !c->blocked) {
		c->blocked = true;
		update_reading(c);
	}
	start_write(c);
	finish_close_if_done(c);
}

static void write_cb(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	c->writing = false;
	c->fly.len = 0;
	buf_release_if_empty(&c->fly);
	if (status < 0) {
		if (!c->closed) {
			log_debug("%s conn write-error peer=%s err=%s", c->id, c->peer_str,
			          uv_strerror(status));
			conn_abort(c);
		}
		return;
	}
	dispatch_begin(c);
	if (c->blocked && conn_output_queued(c) < CONN_WRITE_LOW && !c->closing) {
		c->blocked = false;
		fire_event(c, CONN_EV_DRAIN);
		drain_input(c);
		update_reading(c);
	}
	dispatch_end(c);
}

static void after_write(struct conn *c)
{
	if (!c->blocked && conn_output_queued(c) > CONN_WRITE_HIGH) {
		c->blocked = true;
		update_reading(c);
	}
	if (c->dispatch == 0 && c->cork == 0)
		flush(c);
}

void conn_write(struct conn *c, const void *p, size_t n)
{
	if (c->closing || n == 0)
		return;
	if (buf_append(&c->out, p, n) < 0)
		fatal("conn: output buffer limit");
	after_write(c);
}

void conn_write_str(struct conn *c, const char *s)
{
	conn_write(c, s, strlen(s));
}

void conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->closing)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(&c->out, fmt, ap) < 0)
		fatal("conn: output buffer limit");
	va_end(ap);
	after_write(c);
}

void conn_cork(struct conn *c)
{
	c->cork++;
}

void conn_uncork(struct conn *c)
{
	if (c->cork > 0 && --c->cork == 0 && c->dispatch == 0)
		flush(c);
}

/* ------------------------------------------------------------------ dispatch */

static void dispatch_begin(struct conn *c)
{
	c->dispatch++;
}

/* The outermost callback is done: send what it wrote in one go. */
static void dispatch_end(struct conn *c)
{
	if (--c->dispatch > 0 || c->closed)
		return;
	if (c->cork == 0)
		flush(c);
	update_reading(c);
	if (c->tls != NULL && c->in.len == 0 && c->out.len == 0 && !c->writing && c->wire.len == 0)
		tls_session_trim(c->tls);
	buf_release_if_empty(&c->in);
}

/* ------------------------------------------------------------------ timer */

static uint64_t deadline(const struct conn *c)
{
	uint64_t due = UINT64_MAX;

#define EARLIER(t)                                                                                 \
	do {                                                                                       \
		if ((t) < due)                                                                     \
			due = (t);                                                                 \
	} while (0)
	if (c->closing) {
		EARLIER(c->close_due);
		return due;
	}
	if (tls_pending_hs(c))
		EARLIER(c->hs_start + CONN_HANDSHAKE_TIMEOUT_MS);
	if (c->idle_ms > 0)
		EARLIER(c->last_rx + c->idle_ms);
	if (c->cmd_ms > 0 && c->cmd_start > 0)
		EARLIER(c->cmd_start + c->cmd_ms);
#undef EARLIER
	return due;
}

static void timer_cb(uv_timer_t *t);

/* One timer per connection; reads only move last_rx and the timer, when it
 * fires early, re-arms itself for the remaining time. */
static void timer_arm(struct conn *c)
{
	uint64_t due = deadline(c), now;

	if (c->closed || due == UINT64_MAX)
		return;
	if (c->timer_due != 0 && c->timer_due <= due && uv_is_active((uv_handle_t *)&c->timer))
		return;
	now = uv_now(c->tcp.loop);
	c->timer_due = due;
	uv_timer_start(&c->timer, timer_cb, due > now ? due - now : 0, 0);
}

static void timer_cb(uv_timer_t *t)
{
	struct conn *c = t->data;
	uint64_t now = uv_now(t->loop);

	c->timer_due = 0;
	if (c->connecting != NULL) {
		/* connect_cb() reports the failure once the handle is closed */
		c->connect_timed_out = true;
		do_close(c);
		return;
	}
	if (c->closing) {
		if (now >= c->close_due)
			do_close(c);
		else
			timer_arm(c);
		return;
	}
	dispatch_begin(c);
	if (tls_pending_hs(c) && now >= c->hs_start + CONN_HANDSHAKE_TIMEOUT_MS) {
		log_info("%s conn tls-timeout peer=%s", c->id, c->peer_str);
		metrics_tls_failed(tls_session_is_server(c->tls));
		conn_abort(c);
	} else if (c->cmd_ms > 0 && c->cmd_start > 0 && now >= c->cmd_start + c->cmd_ms) {
		c->cmd_start = 0;
		c->cmd_auto = false;
		fire_event(c, CONN_EV_CMD_TIMEOUT);
	} else if (c->idle_ms > 0 && now >= c->last_rx + c->idle_ms) {
		c->last_rx = now; /* one event per idle period */
		fire_event(c, CONN_EV_IDLE_TIMEOUT);
	}
	dispatch_end(c);
	timer_arm(c);
}

/* ------------------------------------------------------------------ life cycle */

static void close_cb(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles > 0)
		return;
	if (c->started && !c->close_reported) {
		c->close_reported = true;
		if (c->ops != NULL && c->ops->on_close != NULL)
			c->ops->on_close(c, c->arg);
	}
	if (c->release != NULL)
		c->release(c->release_arg);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (conn_list == c)
		conn_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	conn_n--;
	tls_session_free(&c->tls);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->wire);
	buf_free(&c->fly);
	free(c->sreq);
	free(c);
}

static void do_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	c->closing = true;
	c->reading = false;
	uv_close((uv_handle_t *)&c->tcp, close_cb);
	uv_close((uv_handle_t *)&c->timer, close_cb);
}

static struct conn *conn_alloc(uv_loop_t *loop)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	uv_tcp_init(loop, &c->tcp);
	uv_timer_init(loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	snprintf(c->id, sizeof(c->id), "%016" PRIx64, ++conn_next_id);
	c->next = conn_list;
	if (conn_list != NULL)
		conn_list->prev = c;
	conn_list = c;
	conn_n++;
	c->line_max = CONN_LINE_MAX_DEFAULT;
	input_inbuf_max(c);
	c->idle_ms = CONN_IDLE_TIMEOUT_MS;
	c->cmd_ms = CONN_CMD_TIMEOUT_MS;
	c->last_rx = uv_now(loop);
	return c;
}

static void peer_name(struct conn *c, const struct sockaddr *sa)
{
	char host[CONN_ADDR_MAX] = "";

	if (sa->sa_family == AF_INET6) {
		memcpy(&c->peer, sa, sizeof(struct sockaddr_in6));
		uv_ip6_name((const struct sockaddr_in6 *)sa, host, sizeof(host));
		snprintf(c->peer_str, sizeof(c->peer_str), "[%s]:%u", host,
		         ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	} else {
		memcpy(&c->peer, sa, sizeof(struct sockaddr_in));
		uv_ip4_name((const struct sockaddr_in *)sa, host, sizeof(host));
		snprintf(c->peer_str, sizeof(c->peer_str), "%s:%u", host,
		         ntohs(((const struct sockaddr_in *)sa)->sin_port));
	}
}

struct conn *conn_accept(uv_stream_t *server)
{
	struct conn *c = conn_alloc(server->loop);
	struct sockaddr_storage ss;
	int namelen = sizeof(ss), r;

	r = uv_accept(server, (uv_stream_t *)&c->tcp);
	if (r == 0)
		r = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &namelen);
	if (r < 0) {
		log_warn("conn accept failed: %s", uv_strerror(r));
		do_close(c);
		return NULL;
	}
	peer_name(c, (struct sockaddr *)&ss);
	uv_tcp_nodelay(&c->tcp, 1);
	return c;
}

struct conn_connect_req {
	uv_connect_t req;
	struct conn *c;
	void (*cb)(struct conn *c, int status, void *arg);
	void *arg;
};

static void connect_cb(uv_connect_t *req, int status)
{
	struct conn_connect_req *r = req->data;
	struct conn *c = r->c;

	c->connecting = NULL;
	if (status == 0 && c->closed)
		status = UV_ECANCELED;
	if (status == UV_ECANCELED && c->connect_timed_out)
		status = UV_ETIMEDOUT;
	if (status < 0) {
		do_close(c);
		r->cb(NULL, status, r->arg);
	} else {
		uv_tcp_nodelay(&c->tcp, 1);
		c->last_rx = uv_now(c->tcp.loop);
		conn_start(c, NULL);
		r->cb(c, 0, r->arg);
	}
	free(r);
}

int conn_connect(uv_loop_t *loop, const struct sockaddr *addr,
                 void (*cb)(struct conn *c, int status, void *arg), void *arg)
{
	struct conn *c = conn_alloc(loop);
	struct conn_connect_req *r = xcalloc(1, sizeof(*r));
	int e;

	peer_name(c, addr);
	r->c = c;
	r->cb = cb;
	r->arg = arg;
	r->req.data = r;
	e = uv_tcp_connect(&r->req, &c->tcp, addr, connect_cb);
	if (e < 0) {
		free(r);
		do_close(c);
		return e;
	}
	c->connecting = r;
	uv_timer_start(&c->timer, timer_cb, CONN_CONNECT_TIMEOUT_MS, 0);
	return 0;
}

void conn_start(struct conn *c, struct tls_ctx *tls)
{
	if (c->started || c->closing)
		return;
	c->started = true;
	if (tls != NULL) {
		c->tls = tls_session_new(tls);
		c->hs_start = uv_now(c->tcp.loop);
	}
	update_reading(c);
	timer_arm(c);
}

void conn_set_handler(struct conn *c, const struct conn_ops *ops, void *arg)
{
	c->ops = ops;
	c->arg = arg;
}

void conn_pause(struct conn *c)
{
	if (c->paused)
		return;
	c->paused = true;
	update_reading(c);
}

void conn_resume(struct conn *c)
{
	if (!c->paused)
		return;
	c->paused = false;
	/* Inside a callback the delivery loop picks up by itself. */
	if (c->dispatch > 0 || c->closing)
		return;
	dispatch_begin(c);
	drain_input(c);
	dispatch_end(c);
}

void conn_set_raw(struct conn *c, bool raw)
{
	c->raw = raw;
	if (raw && c->cmd_auto) {
		c->cmd_auto = false;
		c->cmd_start = 0;
	}
}

void conn_set_line_max(struct conn *c, size_t max)
{
	if (max < 1)
		max = 1;
	if (max > CONN_LINE_MAX_HARD)
		max = CONN_LINE_MAX_HARD;
	c->line_max = max;
	input_inbuf_max(c);
}

void conn_set_timeouts(struct conn *c, uint64_t idle_ms, uint64_t cmd_ms)
{
	c->idle_ms = idle_ms;
	c->cmd_ms = cmd_ms;
	c->timer_due = 0; /* force a re-arm: the new deadline may be later */
	timer_arm(c);
}

void conn_cmd_begin(struct conn *c)
{
	/* A command already timed keeps its start: a client trickling bytes
	 * cannot push the deadline back. conn_cmd_end() (or the timeout) ends
	 * it; a line timer started automatically is taken over afresh. */
	if (c->cmd_start != 0 && !c->cmd_auto)
		return;
	c->cmd_start = uv_now(c->tcp.loop);
	c->cmd_auto = false;
	timer_arm(c);
}

void conn_cmd_end(struct conn *c)
{
	c->cmd_start = 0;
	c->cmd_auto = false;
}

int conn_starttls(struct conn *c, struct tls_ctx *tls)
{
	if (c->tls != NULL || c->closing)
		return -1;
	/* The positive reply goes out in clear, before anything encrypted. */
	if (buf_append(&c->wire, c->out.data, c->out.len) < 0)
		fatal("conn: output buffer limit");
	c->out.len = 0;
	c->tls = tls_ctx_is_server(tls) ? tls_session_new(tls) : tls_session_new_client(tls, NULL);
	c->hs_start = uv_now(c->tcp.loop);
	c->tls_reported = false;
	/* RFC 3207 section 4.2, RFC 3501 section 6.2.1: nothing received in
	 * clear after the command may be used. */
	buf_reset(&c->in);
	c->input_reset = true;
	c->skipping = c->cmd_auto = false; /* the session keeps its line or raw mode */
	c->cmd_start = 0;
	if (!tls_ctx_is_server(tls) && tls_session_handshake(c->tls) == TLS_IO_ERR) {
		tls_failed(c, "handshake");
		return -1;
	}
	collect_tls(c);
	if (c->dispatch == 0)
		flush(c);
	timer_arm(c);
	return 0;
}

bool conn_is_tls(const struct conn *c)
{
	return c->tls != NULL;
}

struct tls_session *conn_tls(const struct conn *c)
{
	return c->tls;
}

void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_due = uv_now(c->tcp.loop) + CONN_CLOSE_LINGER_MS;
	c->timer_due = 0;
	if (c->tls != NULL && !tls_pending_hs(c)) {
		encrypt_out(c);
		if (!c->closed)
			tls_session_close_notify(c->tls);
	}
	update_reading(c);
	timer_arm(c);
	if (c->dispatch == 0)
		flush(c);
}

void conn_abort(struct conn *c)
{
	c->closing = true;
	c->out.len = 0;
	c->wire.len = 0;
	do_close(c);
}

bool conn_closing(const struct conn *c)
{
	return c->closing;
}

const char *conn_peer(const struct conn *c)
{
	return c->peer_str;
}

const struct sockaddr_storage *conn_peer_addr(const struct conn *c)
{
	return &c->peer;
}

const char *conn_id(const struct conn *c)
{
	return c->id;
}

uv_loop_t *conn_loop(const struct conn *c)
{
	return c->tcp.loop;
}

void conn_set_release(struct conn *c, void (*fn)(void *arg), void *arg)
{
	c->release = fn;
	c->release_arg = arg;
}

void conn_foreach(void (*fn)(struct conn *c, void *arg), void *arg)
{
	struct conn *c = conn_list, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (!c->closed)
			fn(c, arg);
	}
}

size_t conn_count(void)
{
	return conn_n;
}
