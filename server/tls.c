/* SPDX-License-Identifier: ISC */
/* EX_OPE_5010 TLS policy, contexts from PEM files, ticket key ring, and
 * sessions over a pair of OpenSSL memory BIOs (the socket stays libuv's). */
#include "config.h"

#include <arpa/inet.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls.h"
#include "util.h"

#define TLS_VERIFY_DEPTH 10
#define TICKET_NAME_LEN 16
#define TICKET_KEY_LEN 32

struct tls_ctx {
	SSL_CTX *ctx;
	bool server;
	char *cert_file, *key_file, *ca_file, *crl_file;
	bool request_client_cert;
};

struct tls_session {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	bool done;
	bool failed; /* a fatal error: OpenSSL forbids SSL_shutdown() after it */
	char *err; /* allocated on the first error only: idle sessions stay small */
};

/* ------------------------------------------------------------------ ticket keys */

/* RFC 5077 section 4 layout: key name, AES key, HMAC key. The ring lives
 * outside any SSL_CTX so that tickets survive tls_ctx_reload(). Used from
 * the event loop thread only. */
struct ticket_key {
	unsigned char name[TICKET_NAME_LEN];
	unsigned char aes[TICKET_KEY_LEN];
	unsigned char hmac[TICKET_KEY_LEN];
	time_t created;
	bool set;
};

static struct ticket_key ticket_ring[TLS_TICKET_KEYS_KEPT];

static void ticket_key_fill(struct ticket_key *k)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 || RAND_bytes(k->aes, sizeof(k->aes)) != 1 ||
	    RAND_bytes(k->hmac, sizeof(k->hmac)) != 1)
		fatal("tls: no randomness for session ticket keys");
	k->created = time(NULL);
	k->set = true;
}

void tls_ticket_keys_rotate(void)
{
	OPENSSL_cleanse(&ticket_ring[TLS_TICKET_KEYS_KEPT - 1], sizeof(ticket_ring[0]));
	memmove(&ticket_ring[1], &ticket_ring[0],
	        sizeof(ticket_ring[0]) * (TLS_TICKET_KEYS_KEPT - 1));
	ticket_key_fill(&ticket_ring[0]);
}

void tls_global_init(void)
{
	if (!ticket_ring[0].set)
		ticket_key_fill(&ticket_ring[0]);
}

void tls_global_free(void)
{
	OPENSSL_cleanse(ticket_ring, sizeof(ticket_ring));
}

static int ticket_mac_init(EVP_MAC_CTX *hctx, struct ticket_key *k)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k->hmac, sizeof(k->hmac)),
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
	    OSSL_PARAM_construct_end(),
	};
	return EVP_MAC_CTX_set_params(hctx, params) == 1 ? 0 : -1;
}

/* OpenSSL's ticket callback: enc = seal a new ticket with the newest key;
 * otherwise find the key by name: 1 = good, 2 = good but re-issue with the
 * newest key, 0 = unknown key (full handshake), -1 = error. */
static int ticket_key_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
                         EVP_MAC_CTX *hctx, int enc)
{
	struct ticket_key *k = NULL;
	int ivlen = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());

	(void)ssl;
	if (!ticket_ring[0].set || time(NULL) - ticket_ring[0].created >= TLS_TICKET_KEY_ROTATE_S)
		tls_ticket_keys_rotate();
	if (enc) {
		k = &ticket_ring[0];
		if (RAND_bytes(iv, ivlen) != 1)
			return -1;
		memcpy(key_name, k->name, TICKET_NAME_LEN);
		if (EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) != 1 ||
		    ticket_mac_init(hctx, k) < 0)
			return -1;
		return 1;
	}
	for (size_t i = 0; i < TLS_TICKET_KEYS_KEPT; i++)
		if (ticket_ring[i].set &&
		    CRYPTO_memcmp(key_name, ticket_ring[i].name, TICKET_NAME_LEN) == 0)
			k = &ticket_ring[i];
	if (k == NULL)
		return 0;
	if (ticket_mac_init(hctx, k) < 0 ||
	    EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k->aes, iv) != 1)
		return -1;
	return k == &ticket_ring[0] ? 1 : 2;
}

/* ------------------------------------------------------------------ errors */

/* Formats the message, appends OpenSSL's queued reasons (oldest, most
 * specific first) and clears the queue. */
static void err_openssl(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err_openssl(char *err, size_t errsz, const char *fmt, ...)
{
	unsigned long e;
	size_t used;
	int n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		const char *r = ERR_reason_error_string(e);
		char code[32];

		if (n++ >= 3)
			continue;
		if (ERR_SYSTEM_ERROR(e))
			r = strerror(ERR_GET_REASON(e)); /* e.g. a Landlock EACCES on open */
		if (r == NULL) {
			snprintf(code, sizeof(code), "error %lx", e);
			r = code;
		}
		used = strlen(err);
		snprintf(err + used, errsz - used, "%s%s", n == 1 ? ": " : "; ", r);
	}
	if (n == 0) {
		used = strlen(err);
		snprintf(err + used, errsz - used, ": unknown OpenSSL error");
	}
}

/* ------------------------------------------------------------------ contexts */

static int policy_dh(SSL_CTX *c, char *err, size_t errsz)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *dh = NULL;
	char group[] = TLS_POLICY_DHE_GROUP;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
	    OSSL_PARAM_construct_end(),
	};

	if (pc == NULL || EVP_PKEY_paramgen_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_params(pc, params) != 1 || EVP_PKEY_paramgen(pc, &dh) != 1 ||
	    SSL_CTX_set0_tmp_dh_pkey(c, dh) != 1) {
		EVP_PKEY_free(dh);
		EVP_PKEY_CTX_free(pc);
		err_openssl(err, errsz, "tls: cannot set the %s DHE group", TLS_POLICY_DHE_GROUP);
		return -1;
	}
	EVP_PKEY_CTX_free(pc);
	return 0;
}

/* The fixed EX_OPE_5010 policy, the same for server and client contexts. */
static int policy_apply(SSL_CTX *c, bool server, char *err, size_t errsz)
{
	SSL_CTX_set_security_level(c, TLS_POLICY_SECLEVEL);
	if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(c, TLS_POLICY_SUITES_13) != 1 ||
	    SSL_CTX_set_cipher_list(c, TLS_POLICY_SUITES_12) != 1 ||
	    SSL_CTX_set1_groups_list(c, TLS_POLICY_GROUPS) != 1) {
		err_openssl(err, errsz, "tls: %s", "cannot apply the EX_OPE_5010 policy");
		return -1;
	}
	/* RFC 5746 aside, renegotiation buys nothing here and has a history
	 * of attacks; compression enables CRIME. Server order: our list is
	 * ordered strongest first. */
	SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	                           SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_clear_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
	if (server && policy_dh(c, err, errsz) < 0)
		return -1;
	return 0;
}

static int load_identity(SSL_CTX *c, const struct tls_ctx *t, char *err, size_t errsz)
{
	if (SSL_CTX_use_certificate_chain_file(c, t->cert_file) != 1) {
		err_openssl(err, errsz, "%s: cannot load the certificate chain", t->cert_file);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(c, t->key_file, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
			err_openssl(err, errsz,
			            "%s: the private key does not match the certificate %s",
			            t->key_file, t->cert_file);
		else
			err_openssl(err, errsz, "%s: cannot load the private key", t->key_file);
		return -1;
	}
	if (SSL_CTX_check_private_key(c) != 1) {
		err_openssl(err, errsz, "%s: the private key does not match the certificate",
		            t->key_file);
		return -1;
	}
	return 0;
}

/* Server side: let the handshake finish whatever the chain's result; the
 * result stays readable with SSL_get_verify_result() and the SMTP layer
 * decides (an operator without a valid certificate is refused there, with
 * a proper SMTP reply rather than a bare TLS alert). */
static int verify_continue(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

static int load_trust(SSL_CTX *c, const struct tls_ctx *t, char *err, size_t errsz)
{
	X509_STORE *st = SSL_CTX_get_cert_store(c);

	if (SSL_CTX_load_verify_locations(c, t->ca_file, NULL) != 1) {
		err_openssl(err, errsz, "%s: cannot load the CA bundle", t->ca_file);
		return -1;
	}
	if (t->crl_file != NULL) {
		X509_LOOKUP *lk = X509_STORE_add_lookup(st, X509_LOOKUP_file());
		if (lk == NULL || X509_load_crl_file(lk, t->crl_file, X509_FILETYPE_PEM) <= 0) {
			err_openssl(err, errsz, "%s: cannot load the CRL", t->crl_file);
			return -1;
		}
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	}
	SSL_CTX_set_verify_depth(c, TLS_VERIFY_DEPTH);
	if (t->server) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(t->ca_file);
		if (names == NULL) {
			err_openssl(err, errsz, "%s: no CA name in the bundle", t->ca_file);
			return -1;
		}
		SSL_CTX_set_client_CA_list(c, names);
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, verify_continue);
	} else {
		SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	}
	return 0;
}

static void server_sessions(SSL_CTX *c)
{
	static const unsigned char sid_ctx[] = "balise";

	/* Stateless resumption only (RFC 5077 / RFC 8446 section 4.6.1):
	 * no server-side cache to grow with the number of clients. */
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_session_id_context(c, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_timeout(c, TLS_SESSION_LIFETIME_S);
	SSL_CTX_set_num_tickets(c, 1);
	SSL_CTX_set_tlsext_ticket_key_evp_cb(c, ticket_key_cb);
}

static SSL_CTX *ctx_build(const struct tls_ctx *t, char *err, size_t errsz)
{
	SSL_CTX *c;

	ERR_clear_error();
	c = SSL_CTX_new(t->server ? TLS_server_method() : TLS_client_method());
	if (c == NULL) {
		err_openssl(err, errsz, "tls: %s", "cannot create a context");
		return NULL;
	}
	if (policy_apply(c, t->server, err, errsz) < 0)
		goto fail;
	if (t->cert_file != NULL && load_identity(c, t, err, errsz) < 0)
		goto fail;
	if (t->ca_file != NULL && (!t->server || t->request_client_cert) &&
	    load_trust(c, t, err, errsz) < 0)
		goto fail;
	if (t->server)
		server_sessions(c);
	return c;
fail:
	SSL_CTX_free(c);
	return NULL;
}

static char *dup_opt(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

static struct tls_ctx *ctx_new(const struct tls_ctx_opts *o, bool server, char *err, size_t errsz)
{
	struct tls_ctx *t = xcalloc(1, sizeof(*t));

	tls_global_init();
	t->server = server;
	t->cert_file = dup_opt(o->cert_file);
	t->key_file = dup_opt(o->key_file);
	if (t->key_file == NULL && t->cert_file != NULL)
		t->key_file = xstrdup(t->cert_file);
	t->ca_file = dup_opt(o->ca_file);
	t->crl_file = dup_opt(o->crl_file);
	t->request_client_cert = server && o->request_client_cert;
	if (server && t->cert_file == NULL) {
		snprintf(err, errsz, "tls: a server needs a certificate and a key");
		goto fail;
	}
	if (t->ca_file == NULL && (!server || t->request_client_cert)) {
		snprintf(err, errsz, "tls: verifying peers needs a CA bundle ([tls] ca)");
		goto fail;
	}
	t->ctx = ctx_build(t, err, errsz);
	if (t->ctx != NULL)
		return t;
fail:
	tls_ctx_free(&t);
	return NULL;
}

struct tls_ctx *tls_ctx_new_server(const struct tls_ctx_opts *o, char *err, size_t errsz)
{
	return ctx_new(o, true, err, errsz);
}

struct tls_ctx *tls_ctx_new_client(const struct tls_ctx_opts *o, char *err, size_t errsz)
{
	return ctx_new(o, false, err, errsz);
}

int tls_ctx_reload(struct tls_ctx *t, char *err, size_t errsz)
{
	SSL_CTX *c = ctx_build(t, err, errsz);

	if (c == NULL)
		return -1;
	/* Sessions hold their own reference (SSL_new() takes one). */
	SSL_CTX_free(t->ctx);
	t->ctx = c;
	return 0;
}

void tls_ctx_free(struct tls_ctx **tp)
{
	struct tls_ctx *t = *tp;

	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->cert_file);
	free(t->key_file);
	free(t->ca_file);
	free(t->crl_file);
	free(t);
	*tp = NULL;
}

bool tls_session_is_server(const struct tls_session *s)
{
	return SSL_is_server(s->ssl) == 1;
}

bool tls_ctx_is_server(const struct tls_ctx *t)
{
	return t->server;
}

/* ------------------------------------------------------------------ sessions */

static BIO *mem_bio(void)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (b == NULL)
		fatal("tls: cannot allocate a memory BIO");
	/* An empty BIO means "try again later", not end of file. */
	BIO_set_mem_eof_return(b, -1);
	return b;
}

static struct tls_session *session_new(struct tls_ctx *t)
{
	struct tls_session *s = xcalloc(1, sizeof(*s));

	s->ssl = SSL_new(t->ctx);
	if (s->ssl == NULL)
		fatal("tls: SSL_new failed");
	s->rbio = mem_bio();
	s->wbio = mem_bio();
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	return s;
}

struct tls_session *tls_session_new(struct tls_ctx *t)
{
	struct tls_session *s = session_new(t);

	SSL_set_accept_state(s->ssl);
	return s;
}

struct tls_session *tls_session_new_client(struct tls_ctx *t, const char *sni)
{
	struct tls_session *s = session_new(t);

	if (sni != NULL && *sni != '\0')
		SSL_set_tlsext_host_name(s->ssl, sni);
	SSL_set_connect_state(s->ssl);
	return s;
}

void tls_session_free(struct tls_session **sp)
{
	struct tls_session *s = *sp;

	if (s == NULL)
		return;
	SSL_free(s->ssl); /* frees both BIOs */
	free(s->err);
	free(s);
	*sp = NULL;
}

void tls_session_feed(struct tls_session *s, const void *p, size_t n)
{
	size_t w;

	if (n > 0 && (BIO_write_ex(s->rbio, p, n, &w) != 1 || w != n))
		fatal("tls: memory BIO write failed");
}

static void session_set_error(struct tls_session *s, const char *what)
{
	char buf[TLS_ERR_MAX];
	long vr = SSL_get_verify_result(s->ssl);

	err_openssl(buf, sizeof(buf), "%s", what);
	if (vr != X509_V_OK && !SSL_is_server(s->ssl)) {
		size_t used = strlen(buf);
		snprintf(buf + used, sizeof(buf) - used, " (certificate: %s)",
		         X509_verify_cert_error_string(vr));
	}
	free(s->err);
	s->err = xstrdup(buf);
	s->failed = true;
}

/* Maps SSL_get_error() to our results. */
static int session_result(struct tls_session *s, int ret, const char *what)
{
	switch (SSL_get_error(s->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return TLS_IO_WANT;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_IO_CLOSED;
	case SSL_ERROR_SYSCALL:
		/* Memory BIOs never fail; an empty error queue means the peer
		 * stopped mid-record. */
		if (ERR_peek_error() == 0) {
			free(s->err);
			s->err = xstrdup("tls: unexpected end of the TLS stream");
			s->failed = true;
			return TLS_IO_ERR;
		}
		/* fall through */
	default:
		session_set_error(s, what);
		return TLS_IO_ERR;
	}
}

int tls_session_handshake(struct tls_session *s)
{
	int r;

	if (s->done)
		return TLS_IO_OK;
	ERR_clear_error();
	r = SSL_do_handshake(s->ssl);
	if (r == 1) {
		s->done = true;
		return TLS_IO_OK;
	}
	r = session_result(s, r, "tls handshake");
	return r == TLS_IO_CLOSED ? TLS_IO_ERR : r;
}

bool tls_session_handshake_done(const struct tls_session *s)
{
	return s->done;
}

int tls_session_read(struct tls_session *s, void *p, size_t cap, size_t *n_r)
{
	int r;

	*n_r = 0;
	if (!s->done && (r = tls_session_handshake(s)) != TLS_IO_OK)
		return r;
	ERR_clear_error();
	if (SSL_read_ex(s->ssl, p, cap, n_r) == 1)
		return TLS_IO_OK;
	return session_result(s, 0, "tls read");
}

int tls_session_write(struct tls_session *s, const void *p, size_t n)
{
	size_t w;

	if (n == 0)
		return TLS_IO_OK;
	if (!s->done) {
		free(s->err);
		s->err = xstrdup("tls: write before the handshake completed");
		return TLS_IO_ERR;
	}
	ERR_clear_error();
	/* The memory BIO takes everything: one call encrypts all of p. */
	if (SSL_write_ex(s->ssl, p, n, &w) == 1 && w == n)
		return TLS_IO_OK;
	session_set_error(s, "tls write");
	return TLS_IO_ERR;
}

void tls_session_close_notify(struct tls_session *s)
{
	if (!s->done || s->failed)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(s->ssl);
	ERR_clear_error();
}

size_t tls_session_pending(const struct tls_session *s)
{
	return BIO_ctrl_pending(s->wbio);
}

size_t tls_session_take(struct tls_session *s, void *p, size_t cap)
{
	size_t n = 0;

	if (cap > 0 && BIO_read_ex(s->wbio, p, cap, &n) != 1)
		return 0;
	return n;
}

static bool bio_big(BIO *b)
{
	BUF_MEM *bm = NULL;

	BIO_get_mem_ptr(b, &bm);
	return bm != NULL && bm->max > TLS_BIO_IDLE_KEEP;
}

static size_t bio_alloc(BIO *b)
{
	BUF_MEM *bm = NULL;

	BIO_get_mem_ptr(b, &bm);
	return bm != NULL ? bm->max : 0;
}

size_t tls_session_bio_alloc(const struct tls_session *s)
{
	return bio_alloc(s->rbio) + bio_alloc(s->wbio);
}

void tls_session_trim(struct tls_session *s)
{
	if (BIO_ctrl_pending(s->rbio) != 0 || BIO_ctrl_pending(s->wbio) != 0)
		return;
	if (bio_big(s->rbio)) {
		s->rbio = mem_bio();
		SSL_set0_rbio(s->ssl, s->rbio);
	}
	if (bio_big(s->wbio)) {
		s->wbio = mem_bio();
		SSL_set0_wbio(s->ssl, s->wbio);
	}
}

const char *tls_session_error(const struct tls_session *s)
{
	return s->err != NULL ? s->err : "tls: no error";
}

const char *tls_session_version(const struct tls_session *s)
{
	return SSL_get_version(s->ssl);
}

const char *tls_session_cipher(const struct tls_session *s)
{
	return SSL_get_cipher_name(s->ssl);
}

bool tls_session_resumed(const struct tls_session *s)
{
	return SSL_session_reused(s->ssl) == 1;
}

int tls_session_peer_dn(const struct tls_session *s, char *out, size_t outsz)
{
	X509 *peer = SSL_get0_peer_certificate(s->ssl);
	BIO *b;
	BUF_MEM *bm = NULL;
	int r = 1;

	if (outsz > 0)
		out[0] = '\0';
	if (peer == NULL)
		return 0;
	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		fatal("tls: cannot allocate a memory BIO");
	if (X509_NAME_print_ex(b, X509_get_subject_name(peer), 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(b);
		return -1;
	}
	BIO_get_mem_ptr(b, &bm);
	if (bm->length + 1 > outsz) {
		r = -1;
	} else {
		memcpy(out, bm->data, bm->length);
		out[bm->length] = '\0';
	}
	BIO_free(b);
	return r;
}

long tls_session_verify_result(const struct tls_session *s)
{
	return SSL_get_verify_result(s->ssl);
}

X509 *tls_session_peer_cert(const struct tls_session *s)
{
	return SSL_get0_peer_certificate(s->ssl);
}

bool tls_session_peer_verified(const struct tls_session *s)
{
	return SSL_get0_peer_certificate(s->ssl) != NULL &&
	       SSL_get_verify_result(s->ssl) == X509_V_OK;
}

const char *tls_verify_reason(long result)
{
	return X509_verify_cert_error_string(result);
}

bool tls_session_peer_names_host(const struct tls_session *s, const char *host)
{
	X509 *peer = SSL_get0_peer_certificate(s->ssl);
	unsigned char ip[16];

	if (peer == NULL || host == NULL || *host == '\0')
		return false;
	if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1)
		return X509_check_ip_asc(peer, host, 0) == 1;
	return X509_check_host(peer, host, strlen(host), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
			       NULL) == 1;
}
