/* SPDX-License-Identifier: ISC */
/* Outbound SMTP session (see smtp_client.h): RFC 5321 client with STARTTLS
 * (RFC 3207) always, SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8
 * (RFC 6531) and DSN (RFC 3461) parameters. One command at a time. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "conn.h"
#include "dn.h"
#include "log.h"
#include "smtp_client.h"
#include "tls.h"
#include "util.h"
#include "whitelist.h"

#define CLIENT_CHUNK (64 * 1024) /* blob bytes read per step of DATA */

enum smtpc_state {
	SMTPC_ST_CONNECT,
	SMTPC_ST_GREETING,
	SMTPC_ST_EHLO,
	SMTPC_ST_STARTTLS,
	SMTPC_ST_TLS,
	SMTPC_ST_EHLO2,
	SMTPC_ST_RSET,
	SMTPC_ST_MAIL,
	SMTPC_ST_RCPT,
	SMTPC_ST_DATA,
	SMTPC_ST_BODY,
	SMTPC_ST_DOT,
	SMTPC_ST_QUIT,
};

struct smtp_client {
	struct smtp_client_cfg cfg;
	struct smtp_client_cbs cbs;
	struct mx_result route;
	unsigned addr_i; /* next address to try */
	struct smtp_out_msg **msgs;
	size_t n_msgs, cur, rcpt_i, n_accepted;
	bool sent_any; /* a transaction was started on this connection */
	bool ready;    /* EHLO after TLS succeeded */
	bool aborting;
	struct conn *conn;
	enum smtpc_state st;
	struct smtpc_reply reply;
	struct smtpc_ehlo ehlo;
	uv_timer_t timer;
	uint64_t off;      /* DATA: blob bytes sent */
	bool bol, prev_cr; /* DATA: at the start of a line, last byte was CR */
	char error[384];   /* why the current address failed */
	struct smtp_client *next, *prev;
};

static struct smtp_client *clients;
static size_t n_clients;

static const char *cur_host(const struct smtp_client *c)
{
	return c->addr_i > 0 ? c->route.addr[c->addr_i - 1].host : "";
}

static void set_error(struct smtp_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct smtp_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ results */

static void rcpt_set_local(struct smtp_out_rcpt *r, bool permanent, const char *enh,
                           const char *text)
{
	smtpc_reply_reset(&r->reply);
	str_copy(r->reply.enhanced, sizeof(r->reply.enhanced), enh);
	str_copy(r->reply.text, sizeof(r->reply.text), text);
	r->local_permanent = permanent;
}

static void report_msg(struct smtp_client *c, struct smtp_out_msg *m)
{
	if (c->cbs.on_msg != NULL)
		c->cbs.on_msg(c->cbs.arg, m);
}

/* Every recipient of message i onwards without a final reply gets a
 * temporary failure with the current error. */
static void fail_rest(struct smtp_client *c)
{
	char text[sizeof(c->error) + 32];

	snprintf(text, sizeof(text), "%s", c->error[0] ? c->error : "delivery interrupted");
	for (; c->cur < c->n_msgs; c->cur++) {
		struct smtp_out_msg *m = c->msgs[c->cur];

		for (size_t i = 0; i < m->n_rcpts; i++) {
			struct smtp_out_rcpt *r = &m->rcpts[i];
			/* A recipient refused at RCPT keeps that reply; an
			 * accepted one whose message was not finished is retried. */
			if (r->reply.code / 100 == 4 || r->reply.code / 100 == 5)
				continue;
			rcpt_set_local(r, false, "4.4.2", text);
		}
		report_msg(c, m);
	}
}

static void on_timer_closed(uv_handle_t *h)
{
	struct smtp_client *c = h->data;

	if (c->cbs.on_done != NULL)
		c->cbs.on_done(c->cbs.arg);
	free(c);
}

static void finish(struct smtp_client *c)
{
	fail_rest(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	n_clients--;
	uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

/* ------------------------------------------------------------ sending */

static void on_timeout(uv_timer_t *t)
{
	struct smtp_client *c = t->data;

	set_error(c, "%s: timeout waiting for the server (state %d)", cur_host(c), (int)c->st);
	log_info("smtp-out host=%s timeout state=%d", cur_host(c), (int)c->st);
	if (c->conn != NULL)
		conn_abort(c->conn);
}

static void arm(struct smtp_client *c, uint64_t ms)
{
	uv_timer_start(&c->timer, on_timeout, ms, 0);
}

static void send_cmd(struct smtp_client *c, enum smtpc_state st, uint64_t timeout, const char *line)
{
	c->st = st;
	smtpc_reply_reset(&c->reply);
	log_debug("smtp-out host=%s > %.200s", cur_host(c), line);
	conn_write_str(c->conn, line);
	conn_write(c->conn, "\r\n", 2);
	arm(c, timeout);
}

/* Closes the connection after an error; on_close decides what follows. */
static void drop(struct smtp_client *c, bool say_quit)
{
	if (c->conn == NULL || conn_closing(c->conn))
		return;
	log_info("smtp-out host=%s peer=%s error=\"%s\"", cur_host(c), conn_peer(c->conn),
	         c->error);
	if (say_quit) {
		conn_write_str(c->conn, "QUIT\r\n");
		conn_close(c->conn);
	} else {
		conn_abort(c->conn);
	}
}

static void send_ehlo(struct smtp_client *c, enum smtpc_state st)
{
	char line[300];

	memset(&c->ehlo, 0, sizeof(c->ehlo));
	snprintf(line, sizeof(line), "EHLO %s", c->cfg.helo);
	send_cmd(c, st, c->cfg.timeouts.command, line);
}

/* MAIL FROM:<rp> with its parameters; -1 when it does not fit. */
static int mail_line(struct smtp_client *c, const struct smtp_out_msg *m, struct buf *b)
{
	int r = buf_printf(b, "MAIL FROM:<%s>", m->mail_from);

	if (c->ehlo.ext & SMTPC_EXT_SIZE)
		r |= buf_printf(b, " SIZE=%llu", (unsigned long long)m->size);
	if (m->eightbit)
		r |= buf_append_str(b, " BODY=8BITMIME");
	if (m->utf8)
		r |= buf_append_str(b, " SMTPUTF8");
	if (c->ehlo.ext & SMTPC_EXT_DSN) {
		if (m->ret == 1 || m->ret == 2)
			r |= buf_append_str(b, m->ret == 1 ? " RET=FULL" : " RET=HDRS");
		if (m->envid != NULL && m->envid[0] != '\0') {
			r |= buf_append_str(b, " ENVID=");
			r |= smtpc_xtext_encode(m->envid, b);
		}
	}
	return r < 0 ? -1 : buf_cstr(b);
}

static int rcpt_line(struct smtp_client *c, const struct smtp_out_rcpt *rc, struct buf *b)
{
	static const char *const names[] = {"NEVER", "SUCCESS", "FAILURE", "DELAY"};
	int r = buf_printf(b, "RCPT TO:<%s>", rc->address);

	if ((c->ehlo.ext & SMTPC_EXT_DSN) && rc->notify != 0) {
		const char *sep = " NOTIFY=";
		for (unsigned i = 0; i < 4; i++) {
			if (rc->notify & (1u << i)) {
				r |= buf_printf(b, "%s%s", sep, names[i]);
				sep = ",";
			}
		}
	}
	if ((c->ehlo.ext & SMTPC_EXT_DSN) && rc->orcpt_type != NULL && rc->orcpt_type[0] != '\0') {
		r |= buf_printf(b, " ORCPT=%s;", rc->orcpt_type);
		r |= smtpc_xtext_encode(rc->orcpt, b);
	}
	return r < 0 ? -1 : buf_cstr(b);
}

static void next_msg(struct smtp_client *c);

static void send_line_buf(struct smtp_client *c, enum smtpc_state st, struct buf *b)
{
	send_cmd(c, st, c->cfg.timeouts.command, (const char *)b->data);
	buf_free(b);
}

static void send_mail(struct smtp_client *c)
{
	struct smtp_out_msg *m = c->msgs[c->cur];
	struct buf b;

	buf_init(&b, 2048);
	c->sent_any = true;
	c->rcpt_i = 0;
	c->n_accepted = 0;
	if (mail_line(c, m, &b) < 0) {
		buf_free(&b);
		for (size_t i = 0; i < m->n_rcpts; i++)
			rcpt_set_local(&m->rcpts[i], true, "5.5.2", "MAIL command too long");
		report_msg(c, m);
		c->cur++;
		next_msg(c);
		return;
	}
	send_line_buf(c, SMTPC_ST_MAIL, &b);
}

static void send_rcpt(struct smtp_client *c)
{
	struct smtp_out_msg *m = c->msgs[c->cur];
	struct buf b;

	buf_init(&b, 4096);
	if (rcpt_line(c, &m->rcpts[c->rcpt_i], &b) < 0)
		buf_printf(&b, "RCPT TO:<%s>", m->rcpts[c->rcpt_i].address), buf_cstr(&b);
	send_line_buf(c, SMTPC_ST_RCPT, &b);
}

/* Checks what the message needs against what the server offers: NULL, or
 * a permanent failure (enhanced code, text). */
static const char *unsupported(const struct smtp_client *c, const struct smtp_out_msg *m,
                               const char **enh_r)
{
	if (m->utf8 && !(c->ehlo.ext & SMTPC_EXT_SMTPUTF8))
		return *enh_r = "5.6.7", "the remote server does not support SMTPUTF8, "
		                         "which this message needs";
	if (m->eightbit && !(c->ehlo.ext & SMTPC_EXT_8BITMIME))
		return *enh_r = "5.6.3", "the remote server does not support 8BITMIME, "
		                         "which this message needs";
	if (c->ehlo.size_max != 0 && m->size > c->ehlo.size_max)
		return *enh_r = "5.3.4", "message larger than the remote server accepts (SIZE)";
	return NULL;
}

static void next_msg(struct smtp_client *c)
{
	while (c->cur < c->n_msgs) {
		struct smtp_out_msg *m = c->msgs[c->cur];
		const char *enh = "", *why = unsupported(c, m, &enh);

		m->remote_dsn = (c->ehlo.ext & SMTPC_EXT_DSN) != 0;
		str_copy(m->host, sizeof(m->host), cur_host(c));
		if (why == NULL)
			break;
		for (size_t i = 0; i < m->n_rcpts; i++)
			rcpt_set_local(&m->rcpts[i], true, enh, why);
		report_msg(c, m);
		c->cur++;
	}
	if (c->cur >= c->n_msgs) {
		send_cmd(c, SMTPC_ST_QUIT, c->cfg.timeouts.command, "QUIT");
		return;
	}
	if (c->sent_any)
		send_cmd(c, SMTPC_ST_RSET, c->cfg.timeouts.command, "RSET");
	else
		send_mail(c);
}

/* Every accepted recipient (2xx at RCPT) of the current message gets r. */
static void settle_accepted(struct smtp_client *c, const struct smtpc_reply *r)
{
	struct smtp_out_msg *m = c->msgs[c->cur];

	for (size_t i = 0; i < m->n_rcpts; i++)
		if (m->rcpts[i].reply.code / 100 == 2)
			m->rcpts[i].reply = *r;
}

static void msg_done(struct smtp_client *c)
{
	report_msg(c, c->msgs[c->cur]);
	c->cur++;
	next_msg(c);
}

/* ------------------------------------------------------------ DATA */

/* Appends data dot-stuffed (RFC 5321 section 4.5.2) with bare LF made CRLF. */
static void stuff(struct smtp_client *c, const uint8_t *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (c->bol && ch == '.')
			buf_append_u8(out, '.');
		if (ch == '\n' && !c->prev_cr)
			buf_append_u8(out, '\r');
		buf_append_u8(out, ch);
		c->prev_cr = ch == '\r';
		c->bol = ch == '\n';
	}
}

/* Reads the next chunk of the blob; -1 on a storage error. */
static int read_chunk(struct smtp_client *c, uint8_t *tmp, size_t *got_r)
{
	struct smtp_out_msg *m = c->msgs[c->cur];
	struct store_txn *txn;
	size_t want = m->size - c->off < CLIENT_CHUNK ? (size_t)(m->size - c->off) : CLIENT_CHUNK;
	int r = store_read_begin(c->cfg.store, &txn);

	if (r < 0)
		return -1;
	r = store_blob_read(txn, m->blob_id, c->off, tmp, want, got_r);
	store_read_end(&txn);
	return r < 0 || *got_r == 0 ? -1 : 0;
}

/* Sends the message while the output queue has room; then the final dot. */
static void pump(struct smtp_client *c)
{
	uint8_t *tmp = xmalloc(CLIENT_CHUNK);
	struct buf out;

	buf_init(&out, 0);
	arm(c, c->cfg.timeouts.data_block);
	while (c->off < c->msgs[c->cur]->size && conn_output_queued(c->conn) <= CONN_WRITE_HIGH) {
		size_t got = 0;

		if (read_chunk(c, tmp, &got) < 0) {
			set_error(c, "cannot read the message from the store");
			free(tmp);
			buf_free(&out);
			drop(c, false);
			return;
		}
		buf_reset(&out);
		stuff(c, tmp, got, &out);
		conn_write(c->conn, out.data, out.len);
		c->off += got;
	}
	free(tmp);
	buf_free(&out);
	if (c->off < c->msgs[c->cur]->size)
		return; /* CONN_EV_DRAIN resumes */
	conn_write_str(c->conn, c->bol ? ".\r\n" : "\r\n.\r\n");
	c->st = SMTPC_ST_DOT;
	smtpc_reply_reset(&c->reply);
	arm(c, c->cfg.timeouts.data_end);
}

/* ------------------------------------------------------------ replies */

/* The server's certificate subject is an operator the whitelist lists for
 * the destination domain. */
static bool dn_listed(struct smtp_client *c, struct tls_session *s)
{
	char dn[TLS_DN_MAX], key[DN_KEY_MAX];
	const char *why = "";

	if (tls_session_peer_dn(s, dn, sizeof(dn)) != 1 ||
	    dn_normalize(dn, strlen(dn), key, sizeof(key), &why) < 0) {
		set_error(c, "%s: server certificate subject unreadable %s", cur_host(c), why);
		return false;
	}
	if (!whitelist_dn_allowed(c->cfg.wl, key, c->cfg.domain)) {
		set_error(c,
		          "%s: server certificate \"%.200s\" is not listed for %s in the "
		          "trust-space whitelist",
		          cur_host(c), dn, c->cfg.domain);
		return false;
	}
	return true;
}

static bool tls_ok(struct smtp_client *c)
{
	struct tls_session *s = conn_tls(c->conn);

	if (s == NULL || !tls_session_peer_verified(s)) {
		set_error(c, "%s: server certificate not verified against the trust-space CA",
		          cur_host(c));
		return false;
	}
	if (!tls_session_peer_names_host(s, cur_host(c))) {
		set_error(c, "%s: server certificate does not name this host", cur_host(c));
		return false;
	}
	if (c->cfg.wl != NULL && !dn_listed(c, s))
		return false;
	log_info("smtp-out host=%s peer=%s tls version=%s cipher=%s", cur_host(c),
	         conn_peer(c->conn), tls_session_version(s), tls_session_cipher(s));
	return true;
}

static void reply_error(struct smtp_client *c, const char *what)
{
	char r[SMTPC_REPLY_TEXT_MAX + 32];

	smtpc_reply_format(&c->reply, r, sizeof(r));
	set_error(c, "%s: %s: %s", cur_host(c), what, r);
}

/* Before the session is ready: handshake replies. */
static void on_setup_reply(struct smtp_client *c)
{
	unsigned cls = c->reply.code / 100;

	switch (c->st) {
	case SMTPC_ST_GREETING:
		if (cls != 2)
			return reply_error(c, "greeting"), drop(c, true);
		return send_ehlo(c, SMTPC_ST_EHLO);
	case SMTPC_ST_EHLO:
		if (cls != 2)
			return reply_error(c, "EHLO refused"), drop(c, true);
		if (!(c->ehlo.ext & SMTPC_EXT_STARTTLS))
			return set_error(c, "%s: the server does not offer STARTTLS", cur_host(c)),
			       drop(c, true);
		if (c->cfg.tls == NULL)
			return set_error(c, "no client TLS context ([tls] ca missing)"),
			       drop(c, true);
		return send_cmd(c, SMTPC_ST_STARTTLS, c->cfg.timeouts.command, "STARTTLS");
	case SMTPC_ST_STARTTLS:
		if (c->reply.code != 220)
			return reply_error(c, "STARTTLS refused"), drop(c, true);
		c->st = SMTPC_ST_TLS;
		arm(c, c->cfg.timeouts.greeting);
		if (conn_starttls(c->conn, c->cfg.tls) < 0)
			return set_error(c, "cannot start TLS"), drop(c, false);
		return;
	case SMTPC_ST_EHLO2:
		if (cls != 2)
			return reply_error(c, "EHLO after STARTTLS refused"), drop(c, true);
		c->ready = true;
		return next_msg(c);
	default:
		return set_error(c, "%s: unexpected reply", cur_host(c)), drop(c, false);
	}
}

/* In a transaction. */
static void on_txn_reply(struct smtp_client *c)
{
	struct smtp_out_msg *m = c->cur < c->n_msgs ? c->msgs[c->cur] : NULL;
	unsigned cls = c->reply.code / 100;

	if (c->st == SMTPC_ST_QUIT) {
		conn_close(c->conn);
		return;
	}

	if (c->reply.code == 421) { /* the server is closing: everything is temporary */
		reply_error(c, "service closing");
		return drop(c, false);
	}
	switch (c->st) {
	case SMTPC_ST_RSET:
		if (cls != 2)
			return reply_error(c, "RSET refused"), drop(c, true);
		return send_mail(c);
	case SMTPC_ST_MAIL:
		if (cls == 2)
			return send_rcpt(c);
		for (size_t i = 0; i < m->n_rcpts; i++)
			m->rcpts[i].reply = c->reply;
		return msg_done(c);
	case SMTPC_ST_RCPT:
		m->rcpts[c->rcpt_i].reply = c->reply;
		if (cls == 2)
			c->n_accepted++;
		if (++c->rcpt_i < m->n_rcpts)
			return send_rcpt(c);
		if (c->n_accepted == 0)
			return msg_done(c);
		return send_cmd(c, SMTPC_ST_DATA, c->cfg.timeouts.data_init, "DATA");
	case SMTPC_ST_DATA:
		if (c->reply.code != 354) {
			settle_accepted(c, &c->reply);
			return msg_done(c);
		}
		c->st = SMTPC_ST_BODY;
		c->off = 0;
		c->bol = true;
		c->prev_cr = false;
		return pump(c);
	case SMTPC_ST_DOT: {
		char r[SMTPC_REPLY_TEXT_MAX + 32];
		smtpc_reply_format(&c->reply, r, sizeof(r));
		log_info("smtp-out host=%s blob=%llu rcpts=%zu reply=\"%s\"", cur_host(c),
		         (unsigned long long)m->blob_id, c->n_accepted, r);
		settle_accepted(c, &c->reply);
		return msg_done(c);
	}
	default:
		return set_error(c, "%s: reply while sending data", cur_host(c)), drop(c, false);
	}
}

static void on_line(struct conn *conn, struct slice line, void *arg)
{
	struct smtp_client *c = arg;
	int r;

	(void)conn;
	if (c->aborting)
		return;
	r = smtpc_reply_feed(&c->reply, (const char *)line.p, line.len);
	if (r < 0) {
		set_error(c, "%s: malformed reply \"%.80s\"", cur_host(c), (const char *)line.p);
		return drop(c, false);
	}
	if ((c->st == SMTPC_ST_EHLO || c->st == SMTPC_ST_EHLO2) && c->reply.code / 100 == 2)
		smtpc_ehlo_line(&c->ehlo, (const char *)line.p, line.len, c->reply.lines == 1);
	if (r == 0)
		return;
	uv_timer_stop(&c->timer);
	log_debug("smtp-out host=%s < %u %s %.200s", cur_host(c), c->reply.code, c->reply.enhanced,
	          c->reply.text);
	if (c->ready)
		on_txn_reply(c);
	else
		on_setup_reply(c);
}

static void on_tls_ready(struct conn *conn, void *arg)
{
	struct smtp_client *c = arg;

	(void)conn;
	if (c->aborting)
		return;
	uv_timer_stop(&c->timer);
	if (!tls_ok(c))
		return drop(c, false);
	send_ehlo(c, SMTPC_ST_EHLO2);
}

static void on_event(struct conn *conn, enum conn_event ev, void *arg)
{
	struct smtp_client *c = arg;

	if (ev == CONN_EV_DRAIN && c->st == SMTPC_ST_BODY && !c->aborting)
		pump(c);
	else if (ev == CONN_EV_LINE_TOO_LONG) {
		set_error(c, "%s: reply line too long", cur_host(c));
		drop(c, false);
	} else if (ev == CONN_EV_IDLE_TIMEOUT || ev == CONN_EV_CMD_TIMEOUT) {
		conn_abort(conn);
	}
}

static void try_next(struct smtp_client *c);

static void on_close(struct conn *conn, void *arg)
{
	struct smtp_client *c = arg;

	(void)conn;
	c->conn = NULL;
	uv_timer_stop(&c->timer);
	if (c->st == SMTPC_ST_QUIT && c->cur >= c->n_msgs) {
		finish(c);
		return;
	}
	if (c->error[0] == '\0')
		set_error(c, "%s: connection closed by the server%s", cur_host(c),
		          c->st == SMTPC_ST_TLS ? " or TLS handshake failed" : "");
	if (c->ready || c->aborting || c->sent_any)
		finish(c);
	else
		try_next(c);
}

static const struct conn_ops client_ops = {
    .on_line = on_line,
    .on_tls_ready = on_tls_ready,
    .on_event = on_event,
    .on_close = on_close,
};

static void on_connected(struct conn *conn, int status, void *arg)
{
	struct smtp_client *c = arg;

	if (status < 0) {
		set_error(c, "%s: cannot connect: %s", cur_host(c), uv_strerror(status));
		log_info("smtp-out host=%s error=\"%s\"", cur_host(c), c->error);
		if (c->aborting)
			finish(c);
		else
			try_next(c);
		return;
	}
	c->conn = conn;
	conn_set_handler(conn, &client_ops, c);
	if (c->aborting) { /* on_close finishes */
		conn_abort(conn);
		return;
	}
	c->ready = false;
	c->sent_any = false;
	conn_set_timeouts(conn, 0, 0);
	c->st = SMTPC_ST_GREETING;
	smtpc_reply_reset(&c->reply);
	arm(c, c->cfg.timeouts.greeting);
}

static void try_next(struct smtp_client *c)
{
	while (c->addr_i < c->route.n) {
		const struct sockaddr *sa = (const struct sockaddr *)&c->route.addr[c->addr_i].sa;
		int e;

		c->addr_i++;
		c->st = SMTPC_ST_CONNECT;
		e = conn_connect(c->cfg.loop, sa, on_connected, c);
		if (e == 0)
			return;
		set_error(c, "%s: cannot connect: %s", cur_host(c), uv_strerror(e));
	}
	finish(c);
}

void smtp_client_run(const struct smtp_client_cfg *cfg, const struct mx_result *route,
                     struct smtp_out_msg **msgs, size_t n_msgs, const struct smtp_client_cbs *cbs)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));

	c->cfg = *cfg;
	c->cbs = *cbs;
	c->route = *route;
	c->msgs = msgs;
	c->n_msgs = n_msgs;
	uv_timer_init(cfg->loop, &c->timer);
	c->timer.data = c;
	c->next = clients;
	if (clients != NULL)
		clients->prev = c;
	clients = c;
	n_clients++;
	if (route->n == 0)
		set_error(c, "%s", route->error);
	try_next(c);
}

void smtp_client_abort(struct smtp_client *c)
{
	if (c->aborting)
		return;
	c->aborting = true;
	set_error(c, "delivery interrupted: server shutting down");
	if (c->conn != NULL)
		conn_abort(c->conn);
	/* else: connecting (on_connected follows) */
}

void smtp_client_abort_all(void)
{
	for (struct smtp_client *c = clients; c != NULL; c = c->next)
		smtp_client_abort(c);
}

size_t smtp_client_count(void)
{
	return n_clients;
}
