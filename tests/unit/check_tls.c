/* SPDX-License-Identifier: ISC */
/* TLS layer: in-memory handshakes between a plain OpenSSL client and our
 * session through the memory-BIO interface, against the EX_OPE_5010 policy;
 * certificates are generated into a temporary directory at start. */
#include "config.h"

#include <check.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls.h"

#define MAX_ROUNDS 200
#define XFER_MAX (64 * 1024)

enum chunking { WHOLE, BYTE, RANDOM };

static char tmpdir[] = "/tmp/check_tls.XXXXXX";
static char p_ca[256], p_ca2[256], p_srv[256], p_srv2[256], p_key[256], p_cakey[256];
static char p_cli[256], p_cli_wrong[256], p_cli_expired[256], p_cli_revoked[256], p_crl[256];
static char p_live_cert[256], p_live_key[256];

#define SERVER_DN "CN=mail.test.balise,O=Balise Test,C=FR"
#define SERVER2_DN "CN=mail2.test.balise,O=Balise Test,C=FR"
#define CLIENT_DN "CN=operateur.test.balise,O=Operateur Test,C=FR"

/* Set-up runs outside any test: a failure there stops everything. */
#define need(cond)                                                                                 \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: set-up failed: %s\n", __FILE__, __LINE__, #cond);  \
			ERR_print_errors_fp(stderr);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ------------------------------------------------------------------ certificates */

static void write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	need(f);
	if (cert != NULL)
		need(PEM_write_X509(f, cert) == 1);
	if (key != NULL)
		need(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(f);
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ex;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	need(ex);
	X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
}

/* dn is "C=..,O=..,CN=.." order-insensitive input: we add C, O, CN. */
static X509 *make_cert(const char *cn, const char *org, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
                       long from_s, long to_s, long serial, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), from_s);
	X509_gmtime_adj(X509_getm_notAfter(x), to_s);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"FR", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
	X509_set_pubkey(x, key);
	add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
	        ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_ext(x, issuer != NULL ? issuer : x, NID_key_usage,
	        ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
	if (!ca)
		add_ext(x, x, NID_ext_key_usage, "serverAuth,clientAuth");
	need(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static void write_crl(const char *path, X509 *ca, EVP_PKEY *cakey, long revoked_serial)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *rv = X509_REVOKED_new();
	ASN1_TIME *t = X509_gmtime_adj(NULL, -3600);
	ASN1_TIME *next = X509_gmtime_adj(NULL, 86400);
	ASN1_INTEGER *sn = ASN1_INTEGER_new();
	FILE *f;

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_CRL_set1_lastUpdate(crl, t);
	X509_CRL_set1_nextUpdate(crl, next);
	ASN1_INTEGER_set(sn, revoked_serial);
	X509_REVOKED_set_serialNumber(rv, sn);
	X509_REVOKED_set_revocationDate(rv, t);
	X509_CRL_add0_revoked(crl, rv);
	X509_CRL_sort(crl);
	need(X509_CRL_sign(crl, cakey, EVP_sha256()) > 0);
	f = fopen(path, "w");
	need(f);
	PEM_write_X509_CRL(f, crl);
	fclose(f);
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(t);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
}

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *a = fopen(from, "r"), *b = fopen(to, "w");

	need(a != NULL && b != NULL);
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		need(fwrite(buf, 1, n, b) == n);
	fclose(a);
	fclose(b);
}

#define PATH(var, name) snprintf(var, sizeof(var), "%s/%s", tmpdir, name)

static void make_pki(void)
{
	EVP_PKEY *cakey = EVP_RSA_gen(2048), *ca2key = EVP_RSA_gen(2048), *key = EVP_RSA_gen(2048);
	X509 *ca, *ca2, *srv, *srv2, *cli, *wrong, *expired, *revoked;

	need(cakey != NULL && ca2key != NULL && key != NULL);
	need(mkdtemp(tmpdir));
	PATH(p_ca, "ca.pem");
	PATH(p_ca2, "ca2.pem");
	PATH(p_cakey, "ca.key");
	PATH(p_key, "leaf.key");
	PATH(p_srv, "server.pem");
	PATH(p_srv2, "server2.pem");
	PATH(p_cli, "client.pem");
	PATH(p_cli_wrong, "client-wrong-ca.pem");
	PATH(p_cli_expired, "client-expired.pem");
	PATH(p_cli_revoked, "client-revoked.pem");
	PATH(p_crl, "ca.crl");
	PATH(p_live_cert, "live.pem");
	PATH(p_live_key, "live.key");

	ca = make_cert("Balise Test CA", "Balise Test", cakey, NULL, NULL, -3600, 86400, 1, true);
	ca2 = make_cert("Other CA", "Elsewhere", ca2key, NULL, NULL, -3600, 86400, 1, true);
	srv = make_cert("mail.test.balise", "Balise Test", key, ca, cakey, -3600, 86400, 10, false);
	srv2 =
	    make_cert("mail2.test.balise", "Balise Test", key, ca, cakey, -3600, 86400, 11, false);
	cli = make_cert("operateur.test.balise", "Operateur Test", key, ca, cakey, -3600, 86400, 20,
	                false);
	wrong = make_cert("operateur.test.balise", "Operateur Test", key, ca2, ca2key, -3600, 86400,
	                  21, false);
	expired = make_cert("operateur.test.balise", "Operateur Test", key, ca, cakey, -7200, -3600,
	                    22, false);
	revoked = make_cert("operateur.test.balise", "Operateur Test", key, ca, cakey, -3600, 86400,
	                    23, false);
	write_pem(p_ca, ca, NULL);
	write_pem(p_ca2, ca2, NULL);
	write_pem(p_cakey, NULL, cakey);
	write_pem(p_key, NULL, key);
	/* The server file holds the chain: leaf, then the CA. */
	{
		FILE *f = fopen(p_srv, "w");
		PEM_write_X509(f, srv);
		PEM_write_X509(f, ca);
		fclose(f);
	}
	write_pem(p_srv2, srv2, NULL);
	write_pem(p_cli, cli, NULL);
	write_pem(p_cli_wrong, wrong, NULL);
	write_pem(p_cli_expired, expired, NULL);
	write_pem(p_cli_revoked, revoked, NULL);
	write_crl(p_crl, ca, cakey, 23);
	X509 *all[] = {ca, ca2, srv, srv2, cli, wrong, expired, revoked};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		X509_free(all[i]);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(ca2key);
	EVP_PKEY_free(key);
}

static void remove_pki(void)
{
	const char *files[] = {p_ca,   p_ca2,       p_cakey,     p_key,         p_srv,
	                       p_srv2, p_cli,       p_cli_wrong, p_cli_expired, p_cli_revoked,
	                       p_crl,  p_live_cert, p_live_key};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(tmpdir);
}

/* ------------------------------------------------------------------ harness */

static struct tls_ctx *server_ctx(bool client_certs, const char *crl)
{
	char err[TLS_ERR_MAX];
	struct tls_ctx_opts o = {
	    .cert_file = p_srv,
	    .key_file = p_key,
	    .ca_file = client_certs ? p_ca : NULL,
	    .crl_file = crl,
	    .request_client_cert = client_certs,
	};
	struct tls_ctx *t = tls_ctx_new_server(&o, err, sizeof(err));

	ck_assert_msg(t != NULL, "server ctx: %s", err);
	return t;
}

/* A stock OpenSSL client at security level 0: it offers whatever the test
 * says, so that only our server's policy decides. */
static SSL_CTX *client_ctx(int minv, int maxv, const char *c12, const char *c13)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	ck_assert_ptr_nonnull(c);
	SSL_CTX_set_security_level(c, 0);
	SSL_CTX_set_min_proto_version(c, minv);
	SSL_CTX_set_max_proto_version(c, maxv);
	if (c12 != NULL)
		ck_assert_int_eq(SSL_CTX_set_cipher_list(c, c12), 1);
	if (c13 != NULL)
		ck_assert_int_eq(SSL_CTX_set_ciphersuites(c, c13), 1);
	ck_assert_int_eq(SSL_CTX_load_verify_locations(c, p_ca, NULL), 1);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT);
	return c;
}

static void client_cert(SSL_CTX *c, const char *cert)
{
	ck_assert_int_eq(SSL_CTX_use_certificate_file(c, cert, SSL_FILETYPE_PEM), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(c, p_key, SSL_FILETYPE_PEM), 1);
}

static SSL *client_new(SSL_CTX *c)
{
	SSL *s = SSL_new(c);
	BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());

	BIO_set_mem_eof_return(r, -1);
	BIO_set_mem_eof_return(w, -1);
	SSL_set_bio(s, r, w);
	SSL_set_connect_state(s);
	return s;
}

static size_t chunk_len(enum chunking mode, size_t left)
{
	size_t n;

	if (mode == WHOLE)
		return left;
	if (mode == BYTE)
		return 1;
	n = 1 + (size_t)(random() % 700);
	return n < left ? n : left;
}

/* Client -> server: feeds in chunks, driving the server after each one. */
static int to_server(SSL *cli, struct tls_session *srv, enum chunking mode)
{
	static unsigned char buf[XFER_MAX];
	int n = BIO_read(SSL_get_wbio(cli), buf, sizeof(buf));
	int r = TLS_IO_WANT;

	for (size_t off = 0; n > 0 && off < (size_t)n;) {
		size_t k = chunk_len(mode, (size_t)n - off);
		tls_session_feed(srv, buf + off, k);
		off += k;
		r = tls_session_handshake(srv);
		if (r == TLS_IO_ERR)
			return r;
	}
	return tls_session_handshake(srv);
}

static void to_client(struct tls_session *srv, SSL *cli)
{
	static unsigned char buf[XFER_MAX];
	size_t n;

	while ((n = tls_session_take(srv, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(BIO_write(SSL_get_rbio(cli), buf, (int)n), (int)n);
}

/* 1 when both sides completed the handshake, 0 when either side failed. */
static int handshake(SSL *cli, struct tls_session *srv, enum chunking mode)
{
	for (int i = 0; i < MAX_ROUNDS; i++) {
		int cr = SSL_do_handshake(cli), sr;
		if (cr != 1) {
			int e = SSL_get_error(cli, cr);
			if (e != SSL_ERROR_WANT_READ)
				return 0;
		}
		sr = to_server(cli, srv, mode);
		to_client(srv, cli);
		if (sr == TLS_IO_ERR)
			return 0;
		if (cr == 1 && sr == TLS_IO_OK)
			return 1;
	}
	return 0;
}

/* Server -> client and back, checking every byte; also lets the client
 * pick up TLS 1.3 session tickets. */
static void exchange(SSL *cli, struct tls_session *srv, size_t len, enum chunking mode)
{
	unsigned char *a = malloc(len), *b = malloc(len);
	size_t got = 0, n;
	int r;

	for (size_t i = 0; i < len; i++)
		a[i] = (unsigned char)(i * 31 + 7);
	ck_assert_int_eq(tls_session_write(srv, a, len), TLS_IO_OK);
	to_client(srv, cli);
	while (got < len) {
		r = SSL_read(cli, b + got, (int)(len - got));
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	ck_assert_mem_eq(a, b, len);
	ck_assert_int_eq(SSL_write(cli, a, (int)len), (int)len);
	got = 0;
	{
		static unsigned char buf[XFER_MAX];
		int m;
		while ((m = BIO_read(SSL_get_wbio(cli), buf, sizeof(buf))) > 0) {
			for (size_t off = 0; off < (size_t)m;) {
				size_t k = chunk_len(mode, (size_t)m - off);
				tls_session_feed(srv, buf + off, k);
				off += k;
				while ((r = tls_session_read(srv, b + got, len - got, &n)) ==
				       TLS_IO_OK)
					got += n;
				ck_assert_int_eq(r, TLS_IO_WANT);
			}
		}
	}
	ck_assert_uint_eq(got, len);
	ck_assert_mem_eq(a, b, len);
	to_client(srv, cli);
	free(a);
	free(b);
}

struct pair {
	SSL_CTX *cctx;
	SSL *cli;
	struct tls_ctx *sctx;
	struct tls_session *srv;
};

static int connect_pair(struct pair *p, SSL_CTX *cctx, struct tls_ctx *sctx, enum chunking mode)
{
	p->cctx = cctx;
	p->sctx = sctx;
	p->cli = client_new(cctx);
	p->srv = tls_session_new(sctx);
	return handshake(p->cli, p->srv, mode);
}

static void pair_free(struct pair *p, bool ctxs)
{
	SSL_free(p->cli);
	tls_session_free(&p->srv);
	ck_assert_ptr_null(p->srv);
	if (ctxs) {
		SSL_CTX_free(p->cctx);
		tls_ctx_free(&p->sctx);
	}
}

/* One handshake with the given client offer; 1 if it completed. */
static int try_offer(int minv, int maxv, const char *c12, const char *c13, const char *groups,
                     struct pair *p)
{
	SSL_CTX *c = client_ctx(minv, maxv, c12, c13);

	if (groups != NULL)
		ck_assert_int_eq(SSL_CTX_set1_groups_list(c, groups), 1);
	return connect_pair(p, c, server_ctx(false, NULL), WHOLE);
}

/* ------------------------------------------------------------------ policy */

static const char *const suites13[] = {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                                       "TLS_AES_128_GCM_SHA256"};
static const char *const suites12[] = {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
                                       "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256"};

START_TEST(tls13_allowed_suite)
{
	struct pair p;

	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, suites13[_i], NULL, &p),
	                 1);
	ck_assert_str_eq(tls_session_version(p.srv), "TLSv1.3");
	ck_assert_str_eq(tls_session_cipher(p.srv), suites13[_i]);
	ck_assert_str_eq(SSL_get_cipher_name(p.cli), suites13[_i]);
	exchange(p.cli, p.srv, 3000, WHOLE);
	pair_free(&p, true);
}
END_TEST

START_TEST(tls12_allowed_suite)
{
	struct pair p;
	char c12[128];

	snprintf(c12, sizeof(c12), "%s:@SECLEVEL=0", suites12[_i]);
	ck_assert_int_eq(try_offer(TLS1_2_VERSION, TLS1_2_VERSION, c12, NULL, NULL, &p), 1);
	ck_assert_str_eq(tls_session_version(p.srv), "TLSv1.2");
	ck_assert_str_eq(tls_session_cipher(p.srv), suites12[_i]);
	{
		EVP_PKEY *tmp = NULL;
		ck_assert_int_eq(SSL_get_peer_tmp_key(p.cli, &tmp), 1);
		if (strncmp(suites12[_i], "DHE-", 4) == 0) {
			/* RFC 7919 ffdhe2048 at least */
			ck_assert_int_eq(EVP_PKEY_get_base_id(tmp), EVP_PKEY_DH);
			ck_assert_int_ge(EVP_PKEY_get_bits(tmp), 2048);
		} else {
			ck_assert_int_ge(EVP_PKEY_get_bits(tmp), 253); /* X25519 */
		}
		EVP_PKEY_free(tmp);
	}
	exchange(p.cli, p.srv, 3000, WHOLE);
	pair_free(&p, true);
}
END_TEST

START_TEST(server_prefers_strongest)
{
	struct pair p;

	ck_assert_int_eq(try_offer(TLS1_2_VERSION, TLS1_2_VERSION,
	                           "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384", NULL,
	                           NULL, &p),
	                 1);
	ck_assert_str_eq(tls_session_cipher(p.srv), "ECDHE-RSA-AES256-GCM-SHA384");
	pair_free(&p, true);
}
END_TEST

START_TEST(refuse_old_protocols)
{
	struct pair p;
	int v = _i == 0 ? TLS1_VERSION : TLS1_1_VERSION;

	ck_assert_int_eq(try_offer(v, v, "ALL:@SECLEVEL=0", NULL, NULL, &p), 0);
	ck_assert_str_ne(tls_session_error(p.srv), "tls: no error");
	pair_free(&p, true);
}
END_TEST

static const char *const refused12[] = {
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:AES128-SHA256:DHE-RSA-AES256-SHA256", /* CBC */
    "AES256-GCM-SHA384:AES128-GCM-SHA256", /* RSA key exchange: no PFS */
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-CHACHA20-POLY1305", /* not in the TLS 1.2 list */
};

START_TEST(refuse_tls12_suite)
{
	struct pair p;
	char c12[256];

	snprintf(c12, sizeof(c12), "%s:@SECLEVEL=0", refused12[_i]);
	ck_assert_int_eq(try_offer(TLS1_2_VERSION, TLS1_2_VERSION, c12, NULL, NULL, &p), 0);
	pair_free(&p, true);
}
END_TEST

START_TEST(refuse_tls13_ccm)
{
	struct pair p;

	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL,
	                           "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256", NULL, &p),
	                 0);
	pair_free(&p, true);
}
END_TEST

START_TEST(groups)
{
	struct pair p;

	/* TLS 1.3 key shares: the policy groups, FFDHE ones included */
	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, "X25519", &p), 1);
	pair_free(&p, true);
	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, "P-384", &p), 1);
	pair_free(&p, true);
	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, "ffdhe3072", &p), 1);
	{
		EVP_PKEY *tmp = NULL;
		ck_assert_int_eq(SSL_get_peer_tmp_key(p.cli, &tmp), 1);
		ck_assert_int_eq(EVP_PKEY_get_bits(tmp), 3072);
		EVP_PKEY_free(tmp);
	}
	pair_free(&p, true);
	/* outside the list */
	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, "P-521", &p), 0);
	pair_free(&p, true);
	ck_assert_int_eq(try_offer(TLS1_2_VERSION, TLS1_2_VERSION,
	                           "ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0", NULL,
	                           "P-521:secp224r1", &p),
	                 0);
	pair_free(&p, true);
}
END_TEST

START_TEST(no_renegotiation)
{
	struct pair p;
	int r = 0;

	ck_assert_int_eq(try_offer(TLS1_2_VERSION, TLS1_2_VERSION, NULL, NULL, NULL, &p), 1);
	ck_assert_int_eq(SSL_renegotiate(p.cli), 1);
	for (int i = 0; i < 10; i++) {
		size_t n;
		char b[64];
		r = SSL_do_handshake(p.cli);
		BIO *w = SSL_get_wbio(p.cli);
		unsigned char buf[XFER_MAX];
		int m = BIO_read(w, buf, sizeof(buf));
		if (m > 0)
			tls_session_feed(p.srv, buf, (size_t)m);
		(void)tls_session_read(p.srv, b, sizeof(b), &n);
		to_client(p.srv, p.cli);
		if (r == 1 || SSL_get_error(p.cli, r) != SSL_ERROR_WANT_READ)
			break;
	}
	/* The server answers no_renegotiation (RFC 5246 section 7.2.2); the
	 * second handshake never completes. */
	ck_assert_int_ne(r, 1);
	pair_free(&p, true);
}
END_TEST

/* ------------------------------------------------------------------ chunking */

START_TEST(byte_by_byte_and_random_chunks)
{
	enum chunking modes[] = {BYTE, RANDOM};
	int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};

	srandom(12345);
	for (size_t m = 0; m < 2; m++)
		for (size_t v = 0; v < 2; v++) {
			struct pair p;
			SSL_CTX *c = client_ctx(versions[v], versions[v], NULL, NULL);
			ck_assert_int_eq(connect_pair(&p, c, server_ctx(false, NULL), modes[m]), 1);
			exchange(p.cli, p.srv, m == 0 ? 5000 : 100000, modes[m]);
			pair_free(&p, true);
		}
}
END_TEST

START_TEST(close_notify)
{
	struct pair p;
	char b[16];
	size_t n;

	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, NULL, &p), 1);
	exchange(p.cli, p.srv, 10, WHOLE);
	/* ours -> peer */
	tls_session_close_notify(p.srv);
	to_client(p.srv, p.cli);
	ck_assert_int_eq(SSL_read(p.cli, b, sizeof(b)), 0);
	ck_assert_int_eq(SSL_get_error(p.cli, 0), SSL_ERROR_ZERO_RETURN);
	/* peer -> ours */
	SSL_shutdown(p.cli);
	{
		unsigned char buf[256];
		int m = BIO_read(SSL_get_wbio(p.cli), buf, sizeof(buf));
		ck_assert_int_gt(m, 0);
		tls_session_feed(p.srv, buf, (size_t)m);
	}
	ck_assert_int_eq(tls_session_read(p.srv, b, sizeof(b), &n), TLS_IO_CLOSED);
	pair_free(&p, true);
}
END_TEST

START_TEST(garbage_is_an_error)
{
	struct tls_ctx *t = server_ctx(false, NULL);
	struct tls_session *s = tls_session_new(t);
	static const char junk[] = "A1 LOGIN user password\r\n";
	char b[16];
	size_t n;

	tls_session_feed(s, junk, sizeof(junk) - 1);
	ck_assert_int_eq(tls_session_read(s, b, sizeof(b), &n), TLS_IO_ERR);
	ck_assert_ptr_nonnull(strstr(tls_session_error(s), "tls"));
	ck_assert(!tls_session_handshake_done(s));
	tls_session_free(&s);
	tls_ctx_free(&t);
}
END_TEST

START_TEST(idle_trim_keeps_session)
{
	struct pair p;

	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, NULL, &p), 1);
	exchange(p.cli, p.srv, 60000, WHOLE);
	tls_session_trim(p.srv);
	exchange(p.cli, p.srv, 60000, RANDOM);
	tls_session_trim(p.srv);
	exchange(p.cli, p.srv, 100, WHOLE);
	pair_free(&p, true);
}
END_TEST

/* An idle session keeps at most TLS_BIO_IDLE_KEEP per BIO: neither the
 * handshake flight nor a large reply stays allocated once trimmed. */
START_TEST(idle_trim_releases_bio_memory)
{
	struct pair p;

	ck_assert_int_eq(try_offer(TLS1_3_VERSION, TLS1_3_VERSION, NULL, NULL, NULL, &p), 1);
	ck_assert_uint_gt(tls_session_bio_alloc(p.srv), TLS_BIO_IDLE_KEEP);
	tls_session_trim(p.srv);
	ck_assert_uint_le(tls_session_bio_alloc(p.srv), 2 * TLS_BIO_IDLE_KEEP);
	exchange(p.cli, p.srv, 60000, WHOLE);
	ck_assert_uint_gt(tls_session_bio_alloc(p.srv), 2 * TLS_BIO_IDLE_KEEP);
	tls_session_trim(p.srv);
	ck_assert_uint_le(tls_session_bio_alloc(p.srv), 2 * TLS_BIO_IDLE_KEEP);
	pair_free(&p, true);
}
END_TEST

/* ------------------------------------------------------------------ client certificates */

static void client_cert_case(const char *cert, const char *crl, long want_verify, bool verified)
{
	struct pair p;
	SSL_CTX *c = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	char dn[TLS_DN_MAX];

	if (cert != NULL)
		client_cert(c, cert);
	ck_assert_int_eq(connect_pair(&p, c, server_ctx(true, crl), WHOLE), 1);
	exchange(p.cli, p.srv, 100, WHOLE);
	ck_assert_int_eq(tls_session_verify_result(p.srv), want_verify);
	ck_assert(tls_session_peer_verified(p.srv) == verified);
	if (cert != NULL) {
		ck_assert_int_eq(tls_session_peer_dn(p.srv, dn, sizeof(dn)), 1);
		ck_assert_str_eq(dn, CLIENT_DN);
		ck_assert_int_eq(tls_session_peer_dn(p.srv, dn, 5), -1);
	} else {
		ck_assert_int_eq(tls_session_peer_dn(p.srv, dn, sizeof(dn)), 0);
	}
	pair_free(&p, true);
}

START_TEST(client_cert_good)
{
	client_cert_case(p_cli, NULL, X509_V_OK, true);
}
END_TEST

START_TEST(client_cert_wrong_ca)
{
	client_cert_case(p_cli_wrong, NULL, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, false);
}
END_TEST

START_TEST(client_cert_expired)
{
	client_cert_case(p_cli_expired, NULL, X509_V_ERR_CERT_HAS_EXPIRED, false);
	ck_assert_str_eq(tls_verify_reason(X509_V_ERR_CERT_HAS_EXPIRED), "certificate has expired");
}
END_TEST

START_TEST(client_cert_none)
{
	/* No FAIL_IF_NO_PEER_CERT: the SMTP layer decides. */
	client_cert_case(NULL, NULL, X509_V_OK, false);
}
END_TEST

START_TEST(client_cert_crl)
{
	client_cert_case(p_cli, p_crl, X509_V_OK, true);
	client_cert_case(p_cli_revoked, p_crl, X509_V_ERR_CERT_REVOKED, false);
}
END_TEST

START_TEST(our_client_to_our_server)
{
	char err[TLS_ERR_MAX], dn[TLS_DN_MAX];
	struct tls_ctx_opts o = {.cert_file = p_cli, .key_file = p_key, .ca_file = p_ca};
	struct tls_ctx *cc = tls_ctx_new_client(&o, err, sizeof(err));
	struct tls_ctx *sc = server_ctx(true, NULL);
	struct tls_session *cs, *ss;
	unsigned char buf[XFER_MAX];
	int cr = TLS_IO_WANT, sr = TLS_IO_WANT;

	ck_assert_msg(cc != NULL, "%s", err);
	cs = tls_session_new_client(cc, "mail.test.balise");
	ss = tls_session_new(sc);
	for (int i = 0; i < MAX_ROUNDS && (cr != TLS_IO_OK || sr != TLS_IO_OK); i++) {
		size_t n;
		cr = tls_session_handshake(cs);
		while ((n = tls_session_take(cs, buf, sizeof(buf))) > 0)
			tls_session_feed(ss, buf, n);
		sr = tls_session_handshake(ss);
		while ((n = tls_session_take(ss, buf, sizeof(buf))) > 0)
			tls_session_feed(cs, buf, n);
		ck_assert(cr != TLS_IO_ERR && sr != TLS_IO_ERR);
	}
	ck_assert(tls_session_handshake_done(cs) && tls_session_handshake_done(ss));
	ck_assert(tls_session_peer_verified(ss));
	ck_assert(tls_session_peer_verified(cs));
	ck_assert_int_eq(tls_session_peer_dn(cs, dn, sizeof(dn)), 1);
	ck_assert_str_eq(dn, SERVER_DN);
	ck_assert_int_eq(tls_session_peer_dn(ss, dn, sizeof(dn)), 1);
	ck_assert_str_eq(dn, CLIENT_DN);
	tls_session_free(&cs);
	tls_session_free(&ss);
	tls_ctx_free(&cc);

	/* a server chained to another CA: the client refuses it */
	o.ca_file = p_ca2;
	cc = tls_ctx_new_client(&o, err, sizeof(err));
	cs = tls_session_new_client(cc, NULL);
	ss = tls_session_new(sc);
	cr = sr = TLS_IO_WANT;
	for (int i = 0; i < MAX_ROUNDS && cr != TLS_IO_ERR; i++) {
		size_t n;
		cr = tls_session_handshake(cs);
		while ((n = tls_session_take(cs, buf, sizeof(buf))) > 0)
			tls_session_feed(ss, buf, n);
		sr = tls_session_handshake(ss);
		while ((n = tls_session_take(ss, buf, sizeof(buf))) > 0)
			tls_session_feed(cs, buf, n);
		if (cr == TLS_IO_OK)
			break;
	}
	ck_assert_int_eq(cr, TLS_IO_ERR);
	ck_assert_msg(strstr(tls_session_error(cs), "certificate") != NULL, "%s",
	              tls_session_error(cs));
	tls_session_free(&cs);
	tls_session_free(&ss);
	tls_ctx_free(&cc);
	tls_ctx_free(&sc);
}
END_TEST

/* ------------------------------------------------------------------ tickets */

static SSL_SESSION *full_then_session(SSL_CTX *c, struct tls_ctx *s, bool want_resumed)
{
	struct pair p;
	SSL_SESSION *sess;

	p.cli = client_new(c);
	p.srv = tls_session_new(s);
	ck_assert_int_eq(handshake(p.cli, p.srv, WHOLE), 1);
	ck_assert(tls_session_resumed(p.srv) == want_resumed);
	exchange(p.cli, p.srv, 100, WHOLE);
	sess = SSL_get1_session(p.cli);
	ck_assert_ptr_nonnull(sess);
	/* A connection freed without a shutdown marks its session as not
	 * resumable (OpenSSL's ssl_clear_bad_session). */
	SSL_set_shutdown(p.cli, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(p.cli);
	tls_session_free(&p.srv);
	return sess;
}

/* Resumes from a fresh copy of the saved session each time: a TLS 1.3
 * client may mark a ticket it has used (RFC 8446 appendix C.4). */
static bool resume_with(SSL_CTX *c, struct tls_ctx *s, const unsigned char *der, long derlen)
{
	SSL *cli = client_new(c);
	struct tls_session *srv = tls_session_new(s);
	const unsigned char *p = der;
	SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, derlen);
	bool r;

	ck_assert_ptr_nonnull(sess);
	ck_assert_int_eq(SSL_set_session(cli, sess), 1);
	SSL_SESSION_free(sess);
	ck_assert_int_eq(handshake(cli, srv, WHOLE), 1);
	exchange(cli, srv, 100, WHOLE);
	r = tls_session_resumed(srv);
	ck_assert(r == (SSL_session_reused(cli) == 1));
	SSL_set_shutdown(cli, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(cli);
	tls_session_free(&srv);
	return r;
}

START_TEST(tickets_resume_and_rotate)
{
	int v = _i == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
	SSL_CTX *c = client_ctx(v, v, NULL, NULL);
	struct tls_ctx *s = server_ctx(false, NULL);
	SSL_SESSION *first = full_then_session(c, s, false);
	unsigned char *der = NULL;
	int derlen = i2d_SSL_SESSION(first, &der);

	ck_assert_int_gt(derlen, 0);
	ck_assert(resume_with(c, s, der, derlen));
	/* one rotation: the previous key still opens the ticket */
	tls_ticket_keys_rotate();
	ck_assert(resume_with(c, s, der, derlen));
	/* past the ring: full handshake */
	for (int i = 0; i < TLS_TICKET_KEYS_KEPT; i++)
		tls_ticket_keys_rotate();
	ck_assert(!resume_with(c, s, der, derlen));
	OPENSSL_free(der);
	SSL_SESSION_free(first);
	SSL_CTX_free(c);
	tls_ctx_free(&s);
}
END_TEST

/* ------------------------------------------------------------------ reload, errors */

static char *peer_cn(SSL *cli)
{
	static char buf[256];
	X509 *x = SSL_get0_peer_certificate(cli);

	ck_assert_ptr_nonnull(x);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof(buf));
	return buf;
}

START_TEST(reload_swaps_certificate)
{
	char err[TLS_ERR_MAX];
	struct tls_ctx_opts o = {.cert_file = p_live_cert, .key_file = p_live_key};
	struct tls_ctx *t;
	SSL_CTX *c = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL);
	struct pair old, fresh;

	copy_file(p_srv, p_live_cert);
	copy_file(p_key, p_live_key);
	t = tls_ctx_new_server(&o, err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(connect_pair(&old, c, t, WHOLE), 1);
	ck_assert_str_eq(peer_cn(old.cli), "mail.test.balise");

	copy_file(p_srv2, p_live_cert);
	ck_assert_int_eq(tls_ctx_reload(t, err, sizeof(err)), 0);
	ck_assert_int_eq(connect_pair(&fresh, c, t, WHOLE), 1);
	ck_assert_str_eq(peer_cn(fresh.cli), "mail2.test.balise");
	/* the open session keeps its context and goes on */
	exchange(old.cli, old.srv, 20000, RANDOM);
	exchange(fresh.cli, fresh.srv, 20000, RANDOM);

	/* a broken file: the reload fails, the current context stays */
	copy_file(p_ca, p_live_key);
	ck_assert_int_eq(tls_ctx_reload(t, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, p_live_key) != NULL, "%s", err);
	pair_free(&fresh, false);
	ck_assert_int_eq(connect_pair(&fresh, c, t, WHOLE), 1);
	ck_assert_str_eq(peer_cn(fresh.cli), "mail2.test.balise");
	pair_free(&fresh, false);
	pair_free(&old, false);
	SSL_CTX_free(c);
	tls_ctx_free(&t);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(load_errors_are_clear)
{
	char err[TLS_ERR_MAX], missing[300];
	struct tls_ctx_opts o = {.cert_file = missing, .key_file = p_key};

	snprintf(missing, sizeof(missing), "%s/nope.pem", tmpdir);
	ck_assert_ptr_null(tls_ctx_new_server(&o, err, sizeof(err)));
	ck_assert_msg(strstr(err, missing) != NULL && strstr(err, "certificate") != NULL, "%s",
	              err);

	o.cert_file = p_srv;
	o.key_file = p_cakey;
	ck_assert_ptr_null(tls_ctx_new_server(&o, err, sizeof(err)));
	ck_assert_msg(strstr(err, "does not match") != NULL, "%s", err);

	o.key_file = p_key;
	o.request_client_cert = true;
	ck_assert_ptr_null(tls_ctx_new_server(&o, err, sizeof(err)));
	ck_assert_msg(strstr(err, "CA bundle") != NULL, "%s", err);

	o.ca_file = p_ca;
	o.crl_file = p_cli; /* a certificate is not a CRL */
	ck_assert_ptr_null(tls_ctx_new_server(&o, err, sizeof(err)));
	ck_assert_msg(strstr(err, p_cli) != NULL && strstr(err, "CRL") != NULL, "%s", err);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("policy");

	tcase_add_loop_test(tc, tls13_allowed_suite, 0, 3);
	tcase_add_loop_test(tc, tls12_allowed_suite, 0, 4);
	tcase_add_test(tc, server_prefers_strongest);
	tcase_add_loop_test(tc, refuse_old_protocols, 0, 2);
	tcase_add_loop_test(tc, refuse_tls12_suite, 0, 4);
	tcase_add_test(tc, refuse_tls13_ccm);
	tcase_add_test(tc, groups);
	tcase_add_test(tc, no_renegotiation);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_test(tc, byte_by_byte_and_random_chunks);
	tcase_add_test(tc, close_notify);
	tcase_add_test(tc, garbage_is_an_error);
	tcase_add_test(tc, idle_trim_keeps_session);
	tcase_add_test(tc, idle_trim_releases_bio_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("peers");
	tcase_add_test(tc, client_cert_good);
	tcase_add_test(tc, client_cert_wrong_ca);
	tcase_add_test(tc, client_cert_expired);
	tcase_add_test(tc, client_cert_none);
	tcase_add_test(tc, client_cert_crl);
	tcase_add_test(tc, our_client_to_our_server);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_loop_test(tc, tickets_resume_and_rotate, 0, 2);
	tcase_add_test(tc, reload_swaps_certificate);
	tcase_add_test(tc, load_errors_are_clear);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	make_pki();
	tls_global_init();
	sr = srunner_create(tls_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tls_global_free();
	remove_pki();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
