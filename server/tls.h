/* SPDX-License-Identifier: ISC */
/* TLS layer: the EX_OPE_5010 policy fixed in code, server and client
 * contexts loaded from PEM files, and sessions driven through OpenSSL memory
 * BIOs so that the network layer (libuv) owns every socket. */
#ifndef BALISE_TLS_H
#define BALISE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* The policy (Référentiel #1 v1.7, EX_OPE_5010). Not configurable on
 * purpose: configuration may choose files, never weaker crypto. */
#define TLS_POLICY_SUITES_13                                                                       \
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
#define TLS_POLICY_SUITES_12                                                                       \
	"ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"                                 \
	"DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256"
/* ECDHE on 256-bit-class curves or larger; RFC 7919 FFDHE groups for
 * TLS 1.3 key shares. TLS 1.2 DHE uses the ffdhe2048 group (RFC 7919). */
#define TLS_POLICY_GROUPS "X25519:P-256:P-384:ffdhe2048:ffdhe3072:ffdhe4096"
#define TLS_POLICY_DHE_GROUP "ffdhe2048"
/* OpenSSL security level 2: peer RSA keys >= 2048 bits, no SHA-1 signatures. */
#define TLS_POLICY_SECLEVEL 2

/* Session ticket keys: a new key every TLS_TICKET_KEY_ROTATE_S seconds (or
 * at each tls_ticket_keys_rotate() call); tickets sealed with one of the
 * TLS_TICKET_KEYS_KEPT newest keys are accepted, the older ones fall back
 * to a full handshake. */
#define TLS_TICKET_KEY_ROTATE_S (12 * 3600)
#define TLS_TICKET_KEYS_KEPT 2
#define TLS_SESSION_LIFETIME_S (TLS_TICKET_KEY_ROTATE_S * TLS_TICKET_KEYS_KEPT)

/* Memory BIOs of an idle session larger than this are dropped and
 * recreated empty, so that idle connections hold almost nothing. Above the
 * few hundred bytes of a short reply, below the ~1.8 KB the handshake
 * flight leaves in the write BIO (kept by every idle session otherwise,
 * bench/RESULTS.md). */
#define TLS_BIO_IDLE_KEEP 512

/* Size of buffers that are always big enough for a peer DN or an error. */
#define TLS_DN_MAX 1024
#define TLS_ERR_MAX 512

struct tls_ctx;     /* opaque: an SSL_CTX and the files it came from */
struct tls_session; /* opaque: one SSL object and its two memory BIOs */

struct tls_ctx_opts {
	const char *cert_file; /* PEM: our certificate, then its chain */
	const char *key_file;  /* PEM private key matching cert_file */
	/* CA bundle (PEM) against which peers are verified. Server: when set
	 * with request_client_cert, clients are asked for a certificate.
	 * Client: required, the server is always verified. */
	const char *ca_file;
	const char *crl_file;     /* optional PEM CRL(s); enables X509_V_FLAG_CRL_CHECK */
	bool request_client_cert; /* server only: the operator (port 25) side */
};

/* Results of the session I/O calls. */
enum tls_io {
	TLS_IO_OK = 0,     /* progress was made / the operation completed */
	TLS_IO_WANT = 1,   /* needs more ciphertext from the peer */
	TLS_IO_CLOSED = 2, /* the peer sent close_notify */
	TLS_IO_ERR = -1,   /* fatal: see tls_session_error(); drop the connection */
};

/* Process-wide set-up (ticket key ring). Call once before any context;
 * tls_global_free() wipes the ticket keys at exit. */
void tls_global_init(void);
void tls_global_free(void);

/* Rotates the ticket key ring now (a scheduled job or a test calls this;
 * the ring also rotates by itself every TLS_TICKET_KEY_ROTATE_S). */
void tls_ticket_keys_rotate(void);

/* Builds a context with the fixed policy. The option strings are copied
 * (for tls_ctx_reload()). Returns NULL and writes "file: reason (OpenSSL
 * reason)" into err on failure. */
struct tls_ctx *tls_ctx_new_server(const struct tls_ctx_opts *o, char *err, size_t errsz);
/* For outbound SMTP: same policy, the server's chain is verified against
 * ca_file (a failure aborts the handshake), and we present cert_file when
 * it is set (mutual TLS between operators). No host-name check: operators
 * are identified by their certificate DN against the whitelist. */
struct tls_ctx *tls_ctx_new_client(const struct tls_ctx_opts *o, char *err, size_t errsz);
/* Re-reads the files (SIGHUP) into a new SSL_CTX used by sessions created
 * from now on; open sessions keep the old one until they end (OpenSSL
 * reference counts it). On failure the old context stays in use, -1 and
 * err is filled. */
int tls_ctx_reload(struct tls_ctx *t, char *err, size_t errsz);
/* Frees the context (sessions still open keep their SSL_CTX); sets *t to NULL. */
void tls_ctx_free(struct tls_ctx **t);
bool tls_ctx_is_server(const struct tls_ctx *t);

/* A new server (accepting) or client (connecting) session. sni may be NULL. */
struct tls_session *tls_session_new(struct tls_ctx *t);
struct tls_session *tls_session_new_client(struct tls_ctx *t, const char *sni);
void tls_session_free(struct tls_session **s);

/* Gives ciphertext received from the network to the session. Never fails:
 * the caller bounds what it reads from the socket. */
void tls_session_feed(struct tls_session *s, const void *p, size_t n);
/* Drives the handshake: TLS_IO_OK once done, TLS_IO_WANT, TLS_IO_ERR. A
 * client session sends its ClientHello on the first call. */
int tls_session_handshake(struct tls_session *s);
bool tls_session_handshake_done(const struct tls_session *s);
/* The server side of a connection (accepted), or the client's. */
bool tls_session_is_server(const struct tls_session *s);
/* Reads decrypted bytes: TLS_IO_OK with *n_r > 0, TLS_IO_WANT (nothing
 * more until more ciphertext is fed), TLS_IO_CLOSED, TLS_IO_ERR. Runs the
 * handshake first when needed. */
int tls_session_read(struct tls_session *s, void *p, size_t cap, size_t *n_r);
/* Encrypts all of p (after the handshake): TLS_IO_OK or TLS_IO_ERR. */
int tls_session_write(struct tls_session *s, const void *p, size_t n);
/* Queues our close_notify (RFC 8446 section 6.1). */
void tls_session_close_notify(struct tls_session *s);
/* Ciphertext waiting to be sent to the peer, and taking it: copies up to
 * cap bytes, returns how many. */
size_t tls_session_pending(const struct tls_session *s);
size_t tls_session_take(struct tls_session *s, void *p, size_t cap);
/* Call when the connection goes idle (nothing buffered either way):
 * releases the BIO memory above TLS_BIO_IDLE_KEEP. */
void tls_session_trim(struct tls_session *s);
/* Bytes the two memory BIOs have allocated (tests, memory accounting). */
size_t tls_session_bio_alloc(const struct tls_session *s);

/* After a TLS_IO_ERR: why, in one line (never NULL). */
const char *tls_session_error(const struct tls_session *s);
/* Negotiated protocol and suite names ("TLSv1.3", "TLS_AES_256_GCM_SHA384"). */
const char *tls_session_version(const struct tls_session *s);
const char *tls_session_cipher(const struct tls_session *s);
bool tls_session_resumed(const struct tls_session *s);
/* Peer certificate subject DN in RFC 2253 form: 1 and the DN in out, 0
 * when the peer sent no certificate, -1 when it does not fit. */
int tls_session_peer_dn(const struct tls_session *s, char *out, size_t outsz);
/* X509_V_OK (0) when the peer's chain verified, else the X509_V_ERR_*
 * code; also X509_V_OK when no certificate was sent (check peer_dn). A
 * server session lets the handshake finish whatever the result: the SMTP
 * layer decides what an unverified operator may do. */
long tls_session_verify_result(const struct tls_session *s);
/* The peer's certificate (borrowed: valid while the session lives), or
 * NULL when none was sent. */
X509 *tls_session_peer_cert(const struct tls_session *s);
/* True when a certificate was presented and verified. */
bool tls_session_peer_verified(const struct tls_session *s);
const char *tls_verify_reason(long result);
/* True when the peer certificate names host (RFC 6125: a DNS name, no
 * partial wildcards; an IP literal against the IP addresses). The SMTP
 * client checks the MX or route host this way after the handshake. */
bool tls_session_peer_names_host(const struct tls_session *s, const char *host);

#endif
