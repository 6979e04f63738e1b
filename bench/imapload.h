/* SPDX-License-Identifier: ISC */
/* imapload: an IMAP load generator over TLS (libuv + OpenSSL memory BIOs)
 * that verifies every answer. Shared declarations of its three files:
 * imapload.c (options, modes, statistics), imapload_conn.c (TCP, TLS,
 * response framing and FETCH parsing), imapload_msg.c (the deterministic
 * messages both servers are seeded with). */
#ifndef BALISE_BENCH_IMAPLOAD_H
#define BALISE_BENCH_IMAPLOAD_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* ---------------------------------------------------------------- messages */

#define MSG_KEYS 5 /* X-Bench-Key values kq0..kq4: SEARCH HEADER targets */

/* Seeded message i (0-based, UID i + 1) of user u; *len_r is its size. The
 * header (up to and with the empty line) is the first *hdr_len_r bytes.
 * Returns malloc'ed bytes. */
char *msg_seeded(unsigned u, unsigned i, size_t *len_r, size_t *hdr_len_r);
/* The same through a cache made by msg_cache_init(users, messages): the
 * bytes stay owned by the cache. */
void msg_cache_init(unsigned users, unsigned messages);
const char *msg_get(unsigned u, unsigned i, size_t *len_r, size_t *hdr_len_r);
/* The n-th message the mix APPENDs for user u (X-Bench-Key: app). */
char *msg_appended(unsigned u, uint64_t n, size_t *len_r);

/* ---------------------------------------------------------------- connections */

struct growbuf {
	char *p;
	size_t len, cap;
};
void gb_add(struct growbuf *b, const void *p, size_t n);
void gb_consume(struct growbuf *b, size_t n);

/* One item of a FETCH response: the parts the mix checks. */
struct fetch_resp {
	uint32_t seq, uid; /* uid 0: no UID item */
	int64_t size;      /* RFC822.SIZE, -1 if absent */
	bool has_flags;    /* FLAGS item present */
	char flags[256];   /* its content, without the parentheses */
	const char *body;  /* first BODY[...] literal, into the response */
	size_t body_len;
	char section[32]; /* "HEADER", "" for BODY[] */
};
/* Parses "* N FETCH (...)"; resp points at the full response (CRLF and
 * literals included). 0 or -1 on a syntax the generator does not expect. */
int fetch_parse(const char *resp, size_t len, struct fetch_resp *f);

/* Length of the first complete response in buf (a line, with the literals
 * it announces and the lines after them), or 0 if more bytes are needed. */
size_t resp_complete(const char *buf, size_t len);

struct lconn;
struct lconn_ops {
	void (*on_ready)(struct lconn *c); /* TLS handshake done */
	/* One complete response (line + literals), without the final CRLF. */
	void (*on_resp)(struct lconn *c, const char *resp, size_t len);
	void (*on_error)(struct lconn *c, const char *why);
	void (*on_closed)(struct lconn *c); /* handle closed, may be freed */
};

struct lconn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	SSL *ssl;
	BIO *rbio, *wbio;
	bool handshake_done, closing, open;
	struct growbuf in;
	const struct lconn_ops *ops;
	void *data;
};

/* Global TLS client context: EX_OPE_5010 versions and suites, peer
 * certificate checked against ca_file. 0, or -1 with a message. */
int lconn_tls_init(const char *ca_file);
void lconn_start(struct lconn *c, uv_loop_t *loop, const struct sockaddr *addr,
                 const struct lconn_ops *ops, void *data);
void lconn_send(struct lconn *c, const void *p, size_t n);
void lconn_close(struct lconn *c);

/* ---------------------------------------------------------------- CPU */

/* CPU seconds used so far by process root and its descendants (live ones,
 * plus root's reaped children), or -1 if /proc cannot be read. */
double cpu_tree_seconds(long root);

#endif
