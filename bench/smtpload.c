/* SPDX-License-Identifier: ISC */
/* SMTP load generator: N parallel sessions push M messages of S bytes to one
 * server. Each session: greeting, EHLO, STARTTLS with a client certificate
 * (the server's is verified against a CA), EHLO again, then MAIL/RCPT/DATA
 * for message after message on the same session (optionally pipelined),
 * RSET after a refused transaction, QUIT at the end. Every reply code and
 * the EHLO capabilities are checked; a run with errors is not a figure.
 * Message i carries "RUNID-i" (zero-padded) in its X-Smtpload-Id header,
 * its Message-ID and its first body line, so a store can be checked for
 * every message. Prints one line of key=value results on stdout.
 * See smtp_bench.sh and RESULTS.md. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <uv.h>

#define LOAD_SESSIONS_MAX 1000
#define LOAD_RCPTS_MAX 64
#define LOAD_PENDING_MAX 8
#define LOAD_IN_MAX (64 * 1024) /* one reply never gets near this */
#define LOAD_ERRORS_SHOWN 20
#define LOAD_LINE_LEN 76

enum cmd { C_GREET, C_EHLO1, C_STARTTLS, C_EHLO2, C_MAIL, C_RCPT, C_DATA, C_BODY, C_RSET, C_QUIT };

static const char *const cmd_names[] = {"greeting", "EHLO", "STARTTLS", "EHLO (TLS)", "MAIL",
                                        "RCPT",     "DATA", "message",  "RSET",       "QUIT"};

struct opts {
	const char *host, *cert, *key, *ca, *servername, *from, *helo, *runid;
	const char *rcpts[LOAD_RCPTS_MAX];
	unsigned n_rcpts;
	int port;
	unsigned sessions;
	unsigned long messages;
	size_t size;
	bool pipelining, plaintext, verbose;
	unsigned timeout_s;
};

struct session;

struct load {
	struct opts o;
	uv_loop_t *loop;
	SSL_CTX *ctx;
	struct session *sessions;
	unsigned long next_msg; /* next message number to hand out */
	unsigned long ok;       /* messages answered 250 after DATA */
	unsigned long errors;   /* every unexpected reply or broken session */
	unsigned long shown;
	uint64_t t_start, t_last_ok, t_end;
};

struct session {
	struct load *L;
	unsigned index;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect;
	SSL *ssl;
	BIO *rbio, *wbio; /* network side of the TLS engine */
	bool tls_up;      /* handshake finished */
	bool closing, txn_failed;
	char in[LOAD_IN_MAX]; /* plaintext received, not yet parsed */
	size_t in_len;
	char reply[LOAD_IN_MAX]; /* the reply being assembled */
	size_t reply_len;
	enum cmd pending[LOAD_PENDING_MAX];
	unsigned n_pending;
	unsigned long msg; /* message of the current transaction */
	bool has_msg;
	char rbuf[LOAD_IN_MAX]; /* libuv read buffer */
	char *body;             /* the current message, dot-stuffed, ending ".\r\n" */
	size_t body_len, body_cap;
};

static void usage(void)
{
	fprintf(stderr,
	        "usage: smtpload -p PORT -f FROM -r RCPT [-r RCPT...] [options]\n"
	        "  -H HOST     server address (127.0.0.1)\n"
	        "  -p PORT     server port\n"
	        "  -c CERT     client certificate chain (PEM) presented after STARTTLS\n"
	        "  -k KEY      its private key (PEM)\n"
	        "  -a CA       CA bundle that must sign the server certificate\n"
	        "  -N NAME     also require NAME in the server certificate\n"
	        "  -f FROM     envelope and header sender\n"
	        "  -r RCPT     recipient; message i goes to the (i mod n)th\n"
	        "  -n N        parallel sessions (20)\n"
	        "  -m M        messages in all (10000)\n"
	        "  -s S        message size in bytes (10240)\n"
	        "  -e NAME     EHLO name (smtpload.invalid)\n"
	        "  -i RUNID    tag in every message id (smtpload)\n"
	        "  -P          pipeline MAIL, RCPT and DATA (needs PIPELINING)\n"
	        "  -X          plaintext: no STARTTLS (for comparison only)\n"
	        "  -t SECONDS  reply timeout (60)\n"
	        "  -v          print every error (default: the first %d)\n",
	        LOAD_ERRORS_SHOWN);
	exit(2);
}

static void error_at(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void error_at(struct session *s, const char *fmt, ...)
{
	struct load *L = s->L;
	va_list ap;

	L->errors++;
	if (!L->o.verbose && L->shown >= LOAD_ERRORS_SHOWN)
		return;
	L->shown++;
	fprintf(stderr, "smtpload: session %u: ", s->index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ message text */

static void body_append(struct session *s, const char *p, size_t n)
{
	if (s->body_len + n > s->body_cap) {
		size_t cap = s->body_cap ? s->body_cap : 16384;
		while (cap < s->body_len + n)
			cap *= 2;
		s->body = realloc(s->body, cap);
		if (s->body == NULL) {
			perror("smtpload: realloc");
			exit(1);
		}
		s->body_cap = cap;
	}
	memcpy(s->body + s->body_len, p, n);
	s->body_len += n;
}

static void body_printf(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void body_printf(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "smtpload: header line too long\n");
		exit(2);
	}
	body_append(s, line, (size_t)n);
}

/* Message msg, exactly o.size bytes before the terminating ".\r\n" when the
 * headers fit: headers, then lines of 76 characters (last one shorter) that
 * start with a letter, so no dot-stuffing is ever needed. */
static void build_message(struct session *s, unsigned long msg)
{
	const struct opts *o = &s->L->o;
	const char *rcpt = o->rcpts[msg % o->n_rcpts];
	char id[128], line[LOAD_LINE_LEN + 3];
	unsigned long lineno = 0;

	s->body_len = 0;
	snprintf(id, sizeof(id), "%s-%08lu", o->runid, msg);
	body_printf(s, "From: <%s>\r\nTo: <%s>\r\n", o->from, rcpt);
	body_printf(s, "Subject: smtpload %s\r\n", id);
	body_printf(s, "Message-ID: <%s@smtpload.invalid>\r\n", id);
	body_printf(s, "Date: Tue, 01 Dec 2026 12:00:00 +0000\r\n");
	body_printf(s, "X-Smtpload-Id: %s\r\nMIME-Version: 1.0\r\n", id);
	body_printf(s, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	body_printf(s, "smtpload message %s\r\n", id);
	while (s->body_len + 2 < o->size) {
		size_t room = o->size - s->body_len - 2,
		       n = room < LOAD_LINE_LEN ? room : LOAD_LINE_LEN;
		for (size_t i = 0; i < n; i++)
			line[i] = (char)('a' + (msg * 7 + lineno * 3 + i) % 26);
		line[n] = '\r';
		line[n + 1] = '\n';
		body_append(s, line, n + 2);
		lineno++;
	}
	body_append(s, ".\r\n", 3);
}

/* ------------------------------------------------------------ output */

struct wreq {
	uv_write_t req;
	char data[];
};

static void session_close(struct session *s);

static void on_written(uv_write_t *req, int status)
{
	struct session *s = req->data;

	free(req);
	if (status < 0 && !s->closing) {
		error_at(s, "write: %s", uv_strerror(status));
		session_close(s);
	}
}

static void send_raw(struct session *s, const char *p, size_t n)
{
	struct wreq *w;
	uv_buf_t buf;
	int rc;

	if (n == 0 || s->closing)
		return;
	w = malloc(sizeof(*w) + n);
	if (w == NULL) {
		perror("smtpload: malloc");
		exit(1);
	}
	memcpy(w->data, p, n);
	w->req.data = s;
	buf = uv_buf_init(w->data, (unsigned)n);
	rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &buf, 1, on_written);
	if (rc < 0) {
		free(w);
		error_at(s, "write: %s", uv_strerror(rc));
		session_close(s);
	}
}

/* Sends what the TLS engine has produced for the network. */
static void flush_tls(struct session *s)
{
	char buf[64 * 1024];
	int n;

	while ((n = BIO_read(s->wbio, buf, sizeof(buf))) > 0)
		send_raw(s, buf, (size_t)n);
}

static void send_text(struct session *s, const char *p, size_t n)
{
	if (s->ssl == NULL) {
		send_raw(s, p, n);
		return;
	}
	while (n > 0) {
		int w = SSL_write(s->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
		if (w <= 0) {
			error_at(s, "SSL_write failed: %s",
			         ERR_reason_error_string(ERR_get_error()) ?: "?");
			session_close(s);
			return;
		}
		p += w;
		n -= (size_t)w;
	}
	flush_tls(s);
}

static void send_cmd(struct session *s, enum cmd c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void send_cmd(struct session *s, enum cmd c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (s->n_pending >= LOAD_PENDING_MAX) {
		error_at(s, "internal: too many commands in flight");
		session_close(s);
		return;
	}
	s->pending[s->n_pending++] = c;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "smtpload: command too long\n");
		exit(2);
	}
	send_text(s, line, (size_t)n);
}

/* ------------------------------------------------------------ dialogue */

static void start_txn(struct session *s)
{
	struct load *L = s->L;
	const struct opts *o = &L->o;

	if (L->next_msg >= o->messages) {
		send_cmd(s, C_QUIT, "QUIT\r\n");
		return;
	}
	s->msg = L->next_msg++;
	s->has_msg = true;
	s->txn_failed = false;
	build_message(s, s->msg);
	send_cmd(s, C_MAIL, "MAIL FROM:<%s>\r\n", o->from);
	if (o->pipelining) {
		send_cmd(s, C_RCPT, "RCPT TO:<%s>\r\n", o->rcpts[s->msg % o->n_rcpts]);
		send_cmd(s, C_DATA, "DATA\r\n");
	}
}

/* Ends the current transaction as failed (its message is not counted). */
static void txn_fail(struct session *s, const char *what, const char *reply)
{
	if (!s->txn_failed)
		error_at(s, "message %lu: %s: %s", s->msg, what, reply);
	s->txn_failed = true;
}

/* Capability check of an EHLO reply: each line "250-KEYWORD params". */
static bool has_capability(const char *reply, const char *kw)
{
	size_t n = strlen(kw);

	for (const char *p = reply; *p != '\0';) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len >= 4 + n && strncasecmp(p + 4, kw, n) == 0 &&
		    (len == 4 + n || p[4 + n] == ' ' || p[4 + n] == '\r'))
			return true;
		p += len + (eol != NULL);
	}
	return false;
}

static void start_tls(struct session *s);

static void on_ehlo2(struct session *s, int code, const char *reply)
{
	if (code != 250) {
		error_at(s, "EHLO after STARTTLS refused: %s", reply);
		session_close(s);
		return;
	}
	if (!s->L->o.plaintext && has_capability(reply, "STARTTLS"))
		error_at(s, "STARTTLS offered again after TLS (RFC 3207 4.2)");
	if (s->L->o.pipelining && !has_capability(reply, "PIPELINING")) {
		error_at(s, "-P given but the server does not offer PIPELINING");
		session_close(s);
		return;
	}
	start_txn(s);
}

static void on_reply(struct session *s, int code, const char *reply)
{
	struct load *L = s->L;
	enum cmd c;

	if (s->n_pending == 0) {
		error_at(s, "reply without a command: %s", reply);
		session_close(s);
		return;
	}
	c = s->pending[0];
	memmove(s->pending, s->pending + 1, --s->n_pending * sizeof(s->pending[0]));
	switch (c) {
	case C_GREET:
		if (code != 220) {
			error_at(s, "greeting: %s", reply);
			session_close(s);
		} else if (L->o.plaintext) {
			send_cmd(s, C_EHLO2, "EHLO %s\r\n", L->o.helo);
		} else {
			send_cmd(s, C_EHLO1, "EHLO %s\r\n", L->o.helo);
		}
		break;
	case C_EHLO1:
		if (code != 250 || !has_capability(reply, "STARTTLS")) {
			error_at(s, "EHLO: no STARTTLS: %s", reply);
			session_close(s);
		} else {
			send_cmd(s, C_STARTTLS, "STARTTLS\r\n");
		}
		break;
	case C_STARTTLS:
		if (code != 220) {
			error_at(s, "STARTTLS: %s", reply);
			session_close(s);
		} else if (s->in_len != 0) {
			error_at(s, "plaintext after the STARTTLS reply (injection?)");
			session_close(s);
		} else {
			start_tls(s);
		}
		break;
	case C_EHLO2:
		on_ehlo2(s, code, reply);
		break;
	case C_MAIL:
		if (code != 250)
			txn_fail(s, "MAIL", reply);
		if (!L->o.pipelining) {
			if (s->txn_failed)
				send_cmd(s, C_RSET, "RSET\r\n");
			else
				send_cmd(s, C_RCPT, "RCPT TO:<%s>\r\n",
				         L->o.rcpts[s->msg % L->o.n_rcpts]);
		}
		break;
	case C_RCPT:
		if (code != 250 && code != 251)
			txn_fail(s, "RCPT", reply);
		if (!L->o.pipelining) {
			if (s->txn_failed)
				send_cmd(s, C_RSET, "RSET\r\n");
			else
				send_cmd(s, C_DATA, "DATA\r\n");
		}
		break;
	case C_DATA:
		if (code == 354) {
			/* a server that says 354 after refusing MAIL or RCPT still
			 * gets the message (and it is counted as failed) */
			send_cmd(s, C_BODY, NULL);
			send_text(s, s->body, s->body_len);
		} else {
			txn_fail(s, "DATA", reply);
			send_cmd(s, C_RSET, "RSET\r\n");
		}
		break;
	case C_BODY:
		if (code != 250) {
			txn_fail(s, "end of data", reply);
		} else if (!s->txn_failed) {
			L->ok++;
			L->t_last_ok = uv_hrtime();
		}
		s->has_msg = false;
		start_txn(s);
		break;
	case C_RSET:
		s->has_msg = false;
		if (code != 250) {
			error_at(s, "RSET: %s", reply);
			session_close(s);
		} else {
			start_txn(s);
		}
		break;
	case C_QUIT:
		if (code != 221)
			error_at(s, "QUIT: %s", reply);
		session_close(s);
		break;
	}
}

/* Splits s->in into reply lines; a reply ends with "DDD " (or "DDD" alone). */
static void parse_replies(struct session *s)
{
	size_t off = 0;

	while (!s->closing) {
		char *eol = memchr(s->in + off, '\n', s->in_len - off);
		size_t len;
		if (eol == NULL)
			break;
		len = (size_t)(eol - (s->in + off)) + 1;
		if (len < 5 || s->in[off] < '2' || s->in[off] > '5' || s->in[off + 1] < '0' ||
		    s->in[off + 1] > '5' || s->in[off + 2] < '0' || s->in[off + 2] > '9' ||
		    (s->in[off + 3] != ' ' && s->in[off + 3] != '-' && s->in[off + 3] != '\r')) {
			error_at(s, "malformed reply line: %.*s", (int)len, s->in + off);
			session_close(s);
			return;
		}
		if (s->reply_len != 0 && memcmp(s->reply, s->in + off, 3) != 0) {
			error_at(s, "reply code changes within a multi-line reply");
			session_close(s);
			return;
		}
		if (s->reply_len + len + 1 > sizeof(s->reply)) {
			error_at(s, "reply too long");
			session_close(s);
			return;
		}
		memcpy(s->reply + s->reply_len, s->in + off, len);
		s->reply_len += len;
		s->reply[s->reply_len] = '\0';
		off += len;
		if (s->in[off - len + 3] != '-') {
			int code = atoi(s->reply);
			s->reply_len = 0;
			memmove(s->in, s->in + off, s->in_len - off);
			s->in_len -= off;
			off = 0;
			on_reply(s, code, s->reply);
		}
	}
	memmove(s->in, s->in + off, s->in_len - off);
	s->in_len -= off;
	if (s->in_len == sizeof(s->in)) {
		error_at(s, "reply line too long");
		session_close(s);
	}
}

/* ------------------------------------------------------------ TLS */

static void tls_failed(struct session *s, const char *what)
{
	unsigned long e = ERR_get_error();
	long v = s->ssl ? SSL_get_verify_result(s->ssl) : X509_V_OK;

	error_at(s, "%s: %s%s%s", what, e ? ERR_reason_error_string(e) : "connection closed",
	         v != X509_V_OK ? ", certificate: " : "",
	         v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
	session_close(s);
}

static void start_tls(struct session *s)
{
	const struct opts *o = &s->L->o;
	int rc;

	s->ssl = SSL_new(s->L->ctx);
	s->rbio = BIO_new(BIO_s_mem());
	s->wbio = BIO_new(BIO_s_mem());
	if (s->ssl == NULL || s->rbio == NULL || s->wbio == NULL) {
		fprintf(stderr, "smtpload: out of memory (TLS)\n");
		exit(1);
	}
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	SSL_set_connect_state(s->ssl);
	if (o->servername != NULL) {
		SSL_set_tlsext_host_name(s->ssl, o->servername);
		if (SSL_set1_host(s->ssl, o->servername) != 1) {
			fprintf(stderr, "smtpload: bad -N name\n");
			exit(2);
		}
	}
	rc = SSL_do_handshake(s->ssl);
	if (rc != 1 && SSL_get_error(s->ssl, rc) != SSL_ERROR_WANT_READ) {
		tls_failed(s, "TLS handshake");
		return;
	}
	flush_tls(s);
}

/* Feeds received bytes to the TLS engine and collects the plaintext. */
static void tls_input(struct session *s, const char *p, size_t n)
{
	if (BIO_write(s->rbio, p, (int)n) != (int)n) {
		fprintf(stderr, "smtpload: out of memory (BIO)\n");
		exit(1);
	}
	if (!s->tls_up) {
		int rc = SSL_do_handshake(s->ssl);
		flush_tls(s);
		if (rc != 1) {
			if (SSL_get_error(s->ssl, rc) != SSL_ERROR_WANT_READ)
				tls_failed(s, "TLS handshake");
			return;
		}
		s->tls_up = true;
		send_cmd(s, C_EHLO2, "EHLO %s\r\n", s->L->o.helo);
	}
	while (!s->closing) {
		int r = SSL_read(s->ssl, s->in + s->in_len, (int)(sizeof(s->in) - s->in_len));
		if (r <= 0) {
			int e = SSL_get_error(s->ssl, r);
			flush_tls(s);
			if (e != SSL_ERROR_WANT_READ)
				tls_failed(s, "TLS read");
			return;
		}
		s->in_len += (size_t)r;
		parse_replies(s);
	}
}

/* ------------------------------------------------------------ connection */

static void on_close(uv_handle_t *h)
{
	struct session *s = h->data;

	if (h == (uv_handle_t *)&s->tcp) {
		SSL_free(s->ssl); /* frees both BIOs */
		s->ssl = NULL;
		free(s->body);
		s->body = NULL;
	}
}

static void session_close(struct session *s)
{
	if (s->closing)
		return;
	s->closing = true;
	if (s->has_msg)
		s->has_msg = false; /* its message stays unacknowledged: counted at the end */
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, on_close);
	uv_close((uv_handle_t *)&s->tcp, on_close);
}

static void on_timeout(uv_timer_t *t)
{
	struct session *s = t->data;
	const char *what = s->n_pending ? cmd_names[s->pending[0]] : "nothing";

	error_at(s, "no reply within %u s (waiting for the reply to %s)", s->L->o.timeout_s, what);
	session_close(s);
}

static void arm_timer(struct session *s)
{
	uv_timer_start(&s->timer, on_timeout, (uint64_t)s->L->o.timeout_s * 1000, 0);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct session *s = h->data;

	*buf = uv_buf_init(s->rbuf, sizeof(s->rbuf));
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct session *s = st->data;

	if (n == 0 || s->closing)
		return;
	if (n < 0) {
		if (s->n_pending != 0 || s->has_msg)
			error_at(s, "connection lost waiting for the reply to %s: %s",
			         s->n_pending ? cmd_names[s->pending[0]] : "?",
			         uv_strerror((int)n));
		session_close(s);
		return;
	}
	arm_timer(s);
	if (s->ssl != NULL) {
		tls_input(s, buf->base, (size_t)n);
		return;
	}
	if ((size_t)n > sizeof(s->in) - s->in_len) {
		error_at(s, "reply line too long");
		session_close(s);
		return;
	}
	memcpy(s->in + s->in_len, buf->base, (size_t)n);
	s->in_len += (size_t)n;
	parse_replies(s);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct session *s = req->data;

	if (status < 0) {
		error_at(s, "connect: %s", uv_strerror(status));
		session_close(s);
		return;
	}
	uv_tcp_nodelay(&s->tcp, 1);
	send_cmd(s, C_GREET, NULL);
	uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read);
}

static void session_start(struct load *L, struct session *s, unsigned index,
                          const struct sockaddr *sa)
{
	int rc;

	s->L = L;
	s->index = index;
	uv_tcp_init(L->loop, &s->tcp);
	uv_timer_init(L->loop, &s->timer);
	s->tcp.data = s->timer.data = s->connect.data = s;
	arm_timer(s);
	rc = uv_tcp_connect(&s->connect, &s->tcp, sa, on_connect);
	if (rc < 0) {
		error_at(s, "connect: %s", uv_strerror(rc));
		session_close(s);
	}
}

/* ------------------------------------------------------------ setup */

static SSL_CTX *make_ctx(const struct opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (o->cert != NULL && SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1)
		goto fail;
	if (o->key != NULL && (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	                       SSL_CTX_check_private_key(ctx) != 1))
		goto fail;
	if (o->ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1)
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
fail:
	fprintf(stderr, "smtpload: TLS setup: %s\n",
	        ERR_reason_error_string(ERR_get_error()) ?: "unknown error");
	exit(2);
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > max)
		usage();
	return v;
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	int c;

	*o = (struct opts){.host = "127.0.0.1",
	                   .sessions = 20,
	                   .messages = 10000,
	                   .size = 10240,
	                   .helo = "smtpload.invalid",
	                   .runid = "smtpload",
	                   .timeout_s = 60};
	while ((c = getopt(argc, argv, "H:p:c:k:a:N:f:r:n:m:s:e:i:PXt:v")) != -1) {
		switch (c) {
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			o->port = (int)parse_num(optarg, 65535);
			break;
		case 'c':
			o->cert = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'a':
			o->ca = optarg;
			break;
		case 'N':
			o->servername = optarg;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'r':
			if (o->n_rcpts == LOAD_RCPTS_MAX)
				usage();
			o->rcpts[o->n_rcpts++] = optarg;
			break;
		case 'n':
			o->sessions = (unsigned)parse_num(optarg, LOAD_SESSIONS_MAX);
			break;
		case 'm':
			o->messages = parse_num(optarg, 100000000);
			break;
		case 's':
			o->size = parse_num(optarg, 100 * 1024 * 1024);
			break;
		case 'e':
			o->helo = optarg;
			break;
		case 'i':
			o->runid = optarg;
			break;
		case 'P':
			o->pipelining = true;
			break;
		case 'X':
			o->plaintext = true;
			break;
		case 't':
			o->timeout_s = (unsigned)parse_num(optarg, 86400);
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->port == 0 || o->from == NULL || o->n_rcpts == 0)
		usage();
	if (!o->plaintext && (o->cert == NULL) != (o->key == NULL))
		usage();
}

int main(int argc, char **argv)
{
	struct load L = {0};
	struct sockaddr_storage sa;
	unsigned long failed;
	double elapsed;

	parse_opts(&L.o, argc, argv);
	if (uv_ip4_addr(L.o.host, L.o.port, (struct sockaddr_in *)&sa) != 0 &&
	    uv_ip6_addr(L.o.host, L.o.port, (struct sockaddr_in6 *)&sa) != 0) {
		fprintf(stderr, "smtpload: %s: not an IP address\n", L.o.host);
		return 2;
	}
	if (!L.o.plaintext)
		L.ctx = make_ctx(&L.o);
	L.loop = uv_default_loop();
	L.sessions = calloc(L.o.sessions, sizeof(*L.sessions));
	if (L.sessions == NULL) {
		perror("smtpload: calloc");
		return 1;
	}
	L.t_start = uv_hrtime();
	for (unsigned i = 0; i < L.o.sessions; i++)
		session_start(&L, &L.sessions[i], i, (const struct sockaddr *)&sa);
	uv_run(L.loop, UV_RUN_DEFAULT);
	L.t_end = uv_hrtime();

	failed = L.o.messages - L.ok;
	if (failed > 0 && L.errors == 0)
		L.errors = failed; /* cannot happen: every lost message is reported */
	elapsed = (double)((L.ok ? L.t_last_ok : L.t_end) - L.t_start) / 1e9;
	printf("messages=%lu ok=%lu failed=%lu errors=%lu sessions=%u size=%zu elapsed=%.3f "
	       "total=%.3f msgs_per_s=%.1f\n",
	       L.o.messages, L.ok, failed, L.errors, L.o.sessions, L.o.size, elapsed,
	       (double)(L.t_end - L.t_start) / 1e9, elapsed > 0 ? (double)L.ok / elapsed : 0.0);
	uv_loop_close(L.loop);
	SSL_CTX_free(L.ctx);
	free(L.sessions);
	return L.errors == 0 && failed == 0 ? 0 : 1;
}
