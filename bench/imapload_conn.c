/* SPDX-License-Identifier: ISC */
/* imapload: client connections (libuv TCP, OpenSSL over memory BIOs),
 * IMAP response framing with literals, and the FETCH response parser the
 * checks use. */
#include "config.h"

#include <ctype.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imapload.h"

static SSL_CTX *client_ctx;

/* EX_OPE_5010: TLS 1.2 and 1.3 only, the allowed suites only. */
#define TLS12_SUITES                                                                               \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:"       \
	"DHE-RSA-AES128-GCM-SHA256"
#define TLS13_SUITES "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		fprintf(stderr, "imapload: out of memory\n");
		abort();
	}
	return p;
}

void gb_add(struct growbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void gb_consume(struct growbuf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

int lconn_tls_init(const char *ca_file)
{
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (client_ctx == NULL || SSL_CTX_set_min_proto_version(client_ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(client_ctx, TLS12_SUITES) != 1 ||
	    SSL_CTX_set_ciphersuites(client_ctx, TLS13_SUITES) != 1 ||
	    SSL_CTX_load_verify_locations(client_ctx, ca_file, NULL) != 1) {
		fprintf(stderr, "imapload: TLS set-up failed (CA %s)\n", ca_file);
		ERR_print_errors_fp(stderr);
		return -1;
	}
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
	/* No session cache: every connection makes a full handshake, the same
	 * for both servers. */
	SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(client_ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(client_ctx, SSL_MODE_RELEASE_BUFFERS);
	return 0;
}

/* ---------------------------------------------------------------- I/O */

struct wreq {
	uv_write_t req;
	char data[];
};

static void on_write(uv_write_t *req, int status)
{
	struct lconn *c = req->data;

	free(req);
	if (status < 0 && !c->closing)
		c->ops->on_error(c, uv_strerror(status));
}

/* Sends what OpenSSL has queued in the write BIO. */
static void flush_wbio(struct lconn *c)
{
	size_t pending;

	while ((pending = BIO_ctrl_pending(c->wbio)) > 0) {
		struct wreq *w = xrealloc(NULL, sizeof(*w) + pending);
		int n = BIO_read(c->wbio, w->data, (int)pending);
		uv_buf_t b = uv_buf_init(w->data, (unsigned)n);

		w->req.data = c;
		if (n <= 0 || uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
			free(w);
			if (!c->closing)
				c->ops->on_error(c, "write failed");
			return;
		}
	}
}

static void tls_error(struct lconn *c, const char *what)
{
	char msg[300];
	unsigned long e = ERR_get_error();

	snprintf(msg, sizeof(msg), "%s: %s", what, e ? ERR_error_string(e, NULL) : "closed");
	ERR_clear_error();
	c->ops->on_error(c, msg);
}

static void deliver(struct lconn *c)
{
	size_t n;

	while (!c->closing && (n = resp_complete(c->in.p, c->in.len)) > 0) {
		c->ops->on_resp(c, c->in.p, n - 2);
		if (c->closing)
			return;
		gb_consume(&c->in, n);
	}
}

static void tls_pump(struct lconn *c)
{
	char buf[16384];
	int n;

	if (!c->handshake_done) {
		int r = SSL_do_handshake(c->ssl);
		flush_wbio(c);
		if (r != 1) {
			int e = SSL_get_error(c->ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				tls_error(c, "TLS handshake");
			return;
		}
		c->handshake_done = true;
		c->ops->on_ready(c);
		if (c->closing)
			return;
	}
	while ((n = SSL_read(c->ssl, buf, sizeof(buf))) > 0)
		gb_add(&c->in, buf, (size_t)n);
	flush_wbio(c); /* key updates, tickets */
	if (n <= 0) {
		int e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_ZERO_RETURN ||
		    (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)) {
			deliver(c);
			if (!c->closing)
				tls_error(c, "TLS read");
			return;
		}
	}
	deliver(c);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char rbuf[65536];

	(void)h;
	(void)hint;
	*b = uv_buf_init(rbuf, sizeof(rbuf));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct lconn *c = s->data;

	if (c->closing)
		return;
	if (n < 0) {
		c->ops->on_error(c, n == UV_EOF ? "connection closed by the server"
		                                : uv_strerror((int)n));
		return;
	}
	if (n > 0) {
		BIO_write(c->rbio, b->base, (int)n);
		tls_pump(c);
	}
}

static void on_connect(uv_connect_t *req, int status)
{
	struct lconn *c = req->data;

	if (status < 0) {
		c->ops->on_error(c, uv_strerror(status));
		return;
	}
	c->ssl = SSL_new(client_ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_connect_state(c->ssl);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	tls_pump(c);
}

void lconn_start(struct lconn *c, uv_loop_t *loop, const struct sockaddr *addr,
                 const struct lconn_ops *ops, void *data)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->data = data;
	uv_tcp_init(loop, &c->tcp);
	c->open = true;
	c->tcp.data = c;
	c->creq.data = c;
	uv_tcp_nodelay(&c->tcp, 1);
	if (uv_tcp_connect(&c->creq, &c->tcp, addr, on_connect) < 0)
		c->ops->on_error(c, "connect failed");
}

void lconn_send(struct lconn *c, const void *p, size_t n)
{
	if (c->closing)
		return;
	if (SSL_write(c->ssl, p, (int)n) != (int)n) {
		tls_error(c, "TLS write");
		return;
	}
	flush_wbio(c);
}

static void on_closed(uv_handle_t *h)
{
	struct lconn *c = h->data;

	SSL_free(c->ssl);
	c->ssl = NULL;
	free(c->in.p);
	c->in = (struct growbuf){0};
	c->open = false;
	c->ops->on_closed(c);
}

void lconn_close(struct lconn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* ---------------------------------------------------------------- framing */

/* A line that ends in "{N}" or "{N+}" announces N literal bytes. */
static bool literal_at_eol(const char *line, size_t len, size_t *n_r)
{
	size_t i, n = 0, mul = 1;

	if (len < 3 || line[len - 1] != '}')
		return false;
	i = len - 2;
	if (line[i] == '+')
		i--;
	if (!isdigit((unsigned char)line[i]))
		return false;
	while (i > 0 && isdigit((unsigned char)line[i])) {
		n += (size_t)(line[i] - '0') * mul;
		mul *= 10;
		i--;
	}
	if (line[i] != '{')
		return false;
	*n_r = n;
	return true;
}

size_t resp_complete(const char *buf, size_t len)
{
	size_t pos = 0;

	for (;;) {
		const char *nl;
		size_t end, lit;

		if (pos >= len) /* also: no buffer yet (buf NULL) */
			return 0;
		nl = memchr(buf + pos, '\n', len - pos);
		if (nl == NULL)
			return 0;
		end = (size_t)(nl - buf) + 1;
		if (end - pos < 2 || buf[end - 2] != '\r' ||
		    !literal_at_eol(buf + pos, end - 2 - pos, &lit))
			return end;
		if (len - end < lit)
			return 0;
		pos = end + lit;
	}
}

/* ---------------------------------------------------------------- FETCH */

/* Skips one value at *p (number, atom, NIL, quoted string, literal or
 * parenthesised list). Sets body/len for a literal or a quoted string. */
static int skip_value(const char **p, const char *end, const char **body, size_t *blen)
{
	const char *s = *p;

	if (s >= end)
		return -1;
	if (*s == '{') {
		char *e;
		unsigned long n = strtoul(s + 1, &e, 10);
		if (e >= end || *e != '}' || e + 3 > end || e[1] != '\r' || e[2] != '\n' ||
		    (size_t)(end - (e + 3)) < n)
			return -1;
		*body = e + 3;
		*blen = n;
		*p = e + 3 + n;
		return 0;
	}
	if (*s == '"') {
		const char *q = s + 1;
		while (q < end && *q != '"')
			q += (*q == '\\') ? 2 : 1;
		if (q >= end)
			return -1;
		*body = s + 1;
		*blen = (size_t)(q - s - 1);
		*p = q + 1;
		return 0;
	}
	if (*s == '(') {
		s++;
		while (s < end && *s != ')') {
			const char *b2;
			size_t l2;
			if (*s == ' ') {
				s++;
				continue;
			}
			if (skip_value(&s, end, &b2, &l2) < 0)
				return -1;
		}
		if (s >= end)
			return -1;
		*p = s + 1;
		return 0;
	}
	while (s < end && *s != ' ' && *s != ')' && *s != '(' && *s != '\r') {
		if (*s == '[') { /* BODY[...] names keep their brackets */
			while (s < end && *s != ']')
				s++;
		}
		s++;
	}
	*p = s;
	return 0;
}

static void fetch_item(struct fetch_resp *f, const char *name, size_t nlen, const char *v,
                       const char *vend, const char *body, size_t blen)
{
	if (nlen == 3 && memcmp(name, "UID", 3) == 0)
		f->uid = (uint32_t)strtoul(v, NULL, 10);
	else if (nlen == 11 && memcmp(name, "RFC822.SIZE", 11) == 0)
		f->size = strtoll(v, NULL, 10);
	else if (nlen == 5 && memcmp(name, "FLAGS", 5) == 0 && *v == '(') {
		size_t l = (size_t)(vend - v) - 2;
		if (l >= sizeof(f->flags))
			l = sizeof(f->flags) - 1;
		memcpy(f->flags, v + 1, l);
		f->flags[l] = '\0';
		f->has_flags = true;
	} else if (nlen >= 6 && memcmp(name, "BODY[", 5) == 0 && f->body == NULL && body != NULL) {
		size_t l = nlen - 6;
		if (l >= sizeof(f->section))
			l = sizeof(f->section) - 1;
		memcpy(f->section, name + 5, l);
		f->section[l] = '\0';
		f->body = body;
		f->body_len = blen;
	}
}

int fetch_parse(const char *resp, size_t len, struct fetch_resp *f)
{
	const char *p = resp, *end = resp + len;
	char *e;

	memset(f, 0, sizeof(*f));
	f->size = -1;
	if (len < 12 || memcmp(p, "* ", 2) != 0)
		return -1;
	f->seq = (uint32_t)strtoul(p + 2, &e, 10);
	if (e + 8 > end || memcmp(e, " FETCH (", 8) != 0)
		return -1;
	p = e + 8;
	while (p < end && *p != ')') {
		const char *name = p, *v, *body = NULL;
		size_t nlen, blen = 0;
		while (p < end && *p != ' ') {
			if (*p == '[')
				while (p < end && *p != ']')
					p++;
			p++;
		}
		nlen = (size_t)(p - name);
		if (p >= end)
			return -1;
		v = ++p;
		if (skip_value(&p, end, &body, &blen) < 0)
			return -1;
		fetch_item(f, name, nlen, v, p, body, blen);
		if (p < end && *p == ' ')
			p++;
	}
	return p < end ? 0 : -1;
}
