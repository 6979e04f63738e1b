/* SPDX-License-Identifier: ISC */
/* The trust-space checks of inbound SMTP (REQUIREMENTS.md, "Trust
 * space"): the peer presented a certificate that chains to [tls] ca (dates
 * and CRL checked by OpenSSL), its subject DN is listed in the ANS
 * whitelist for the domain of MAIL FROM, and for the domain of the header
 * From: (a peer cannot speak for another operator's domain). */
#include "config.h"

#include <openssl/x509.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "log.h"
#include "mime.h"
#include "rfc822_addr.h"
#include "smtp_session_int.h"
#include "util.h"
#include "whitelist.h"

static void refuse(struct smtp_session *s, const char *what, const char *text)
{
	log_info("%s smtp refused %s: %s", smtp_sid(s), what, text);
	smtp_reply(s, 550, "5.7.1", "%s", text);
}

/* The test hook: a DN given as text stands for a verified certificate. */
static bool test_peer(struct smtp_session *s)
{
	const char *why = NULL;

	if (dn_normalize(s->srv->test_peer_dn, strlen(s->srv->test_peer_dn), s->peer_key,
	                 sizeof(s->peer_key), &why) < 0) {
		refuse(s, "peer", "DN du certificat illisible");
		return false;
	}
	str_copy(s->peer_dn, sizeof(s->peer_dn), s->srv->test_peer_dn);
	s->peer_ok = true;
	return true;
}

bool smtp_trust_peer(struct smtp_session *s)
{
	struct tls_session *t = s->conn != NULL ? conn_tls(s->conn) : NULL;
	const char *why = NULL;
	char text[TLS_ERR_MAX + 64];
	X509 *cert;
	long vr;

	if (s->peer_ok)
		return true;
	if (t == NULL && s->srv->test_plaintext && s->srv->test_peer_dn != NULL)
		return test_peer(s);
	cert = t != NULL ? tls_session_peer_cert(t) : NULL;
	if (cert == NULL) {
		refuse(s, "peer", "Certificat client requis (espace de confiance MSSante)");
		return false;
	}
	vr = tls_session_verify_result(t);
	if (vr == X509_V_ERR_CRL_HAS_EXPIRED || vr == X509_V_ERR_CRL_NOT_YET_VALID) {
		/* Our [tls] crl is out of date, not the peer's certificate: a
		 * temporary answer, so that the peer retries once a fresh CRL is
		 * installed instead of bouncing the mail. A revoked certificate
		 * listed in it still gets its permanent refusal (verification
		 * goes on and reports the revocation last). */
		log_warn("%s smtp deferred peer: [tls] crl: %s", smtp_sid(s),
		         tls_verify_reason(vr));
		smtp_reply(s, 454, "4.7.0",
		           "Verification du certificat impossible pour le moment (liste de "
		           "revocation du serveur perimee), reessayez plus tard");
		return false;
	}
	if (vr != 0) {
		snprintf(text, sizeof(text), "Certificat client refuse: %s", tls_verify_reason(vr));
		refuse(s, "peer", text);
		return false;
	}
	if (tls_session_peer_dn(t, s->peer_dn, sizeof(s->peer_dn)) != 1 ||
	    dn_from_x509_name(X509_get_subject_name(cert), s->peer_key, sizeof(s->peer_key), &why) <
	        0) {
		refuse(s, "peer", "DN du certificat client illisible");
		return false;
	}
	s->peer_ok = true;
	log_info("%s smtp peer dn=\"%s\" verified", smtp_sid(s), s->peer_dn);
	return true;
}

bool smtp_trust_sender(struct smtp_session *s, const struct smtp_path *from)
{
	const struct whitelist *wl = whitelist_holder_get(s->srv->whitelist);
	const char *dom = smtp_addr_domain(from->addr);
	char text[TLS_DN_MAX + 512];

	if (from->null) { /* a bounce: the peer must be some listed operator */
		if (whitelist_operator_find(wl, s->peer_key) != NULL)
			return true;
		snprintf(text, sizeof(text),
		         "Le DN du certificat (%s) n'est pas dans la liste blanche MSSante",
		         s->peer_dn);
		refuse(s, "sender", text);
		return false;
	}
	if (whitelist_dn_allowed(wl, s->peer_key, dom))
		return true;
	snprintf(text, sizeof(text),
	         "Le DN du certificat (%s) n'est pas autorise pour le domaine %s dans la liste "
	         "blanche MSSante",
	         s->peer_dn, dom);
	refuse(s, "sender", text);
	return false;
}

/* Whether the comma-separated list holds domain (case-insensitive). */
static bool list_has(const char *list, const char *domain)
{
	size_t dlen = strlen(domain);

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ',');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);
		const char *p = list;

		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == dlen && strncasecmp(p, domain, len) == 0)
			return true;
		list = end != NULL ? end + 1 : NULL;
	}
	return false;
}

bool smtp_trust_header_from(struct smtp_session *s, struct slice msg)
{
	const struct whitelist *wl = whitelist_holder_get(s->srv->whitelist);
	struct rfc822_addr_list l = {0};
	char text[TLS_DN_MAX + 512];
	struct buf v;
	unsigned checked = 0;
	bool ok = true;

	if (!s->srv->from_check || list_has(s->srv->from_exempt, smtp_addr_domain(s->from)))
		return true;
	buf_init(&v, 64 * 1024);
	if (mime_header_get(msg, "From", &v) == 1)
		rfc822_addr_parse(v.data, v.len, &l);
	buf_free(&v);
	for (unsigned i = 0; i < l.n && ok; i++) {
		const struct rfc822_addr *a = &l.v[i];

		if (a->host == NULL || a->mailbox == NULL)
			continue; /* group delimiters */
		checked++;
		if (!whitelist_dn_allowed(wl, s->peer_key, a->host)) {
			snprintf(text, sizeof(text),
			         "Le domaine %.255s de l'en-tete From n'est pas autorise pour le "
			         "certificat de l'operateur (%s)",
			         a->host, s->peer_dn);
			ok = false;
		}
	}
	rfc822_addr_list_free(&l);
	if (ok && checked == 0) {
		snprintf(text, sizeof(text), "En-tete From absent ou illisible");
		ok = false;
	}
	if (!ok)
		refuse(s, "header from", text);
	return ok;
}
