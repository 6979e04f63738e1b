/* SPDX-License-Identifier: ISC */
/* DN keys (see dn.h): a lenient RFC 4514 / RFC 1779 text parser and an
 * X509_NAME walker that both feed the same attribute renderer. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "buf.h"
#include "mailgen.h"
#include "dn.h"

#define DN_TYPE_MAX 128 /* an attribute type: short name or dotted OID */

/* One attribute value assertion rendered as "TYPE=value". */
struct dn_rdn {
	struct buf ava[DN_RDN_AVAS_MAX];
	size_t n;
};

/* ---------------------------------------------------------------- types */

/* Attribute types recognised in any letter case (OpenSSL's own lookup is
 * case-sensitive), with their short and long names. */
static const int dn_known_nids[] = {
    NID_commonName,
    NID_countryName,
    NID_localityName,
    NID_stateOrProvinceName,
    NID_organizationName,
    NID_organizationalUnitName,
    NID_streetAddress,
    NID_domainComponent,
    NID_userId,
    NID_pkcs9_emailAddress,
    NID_serialNumber,
    NID_surname,
    NID_givenName,
    NID_title,
    NID_initials,
    NID_postalCode,
    NID_organizationIdentifier,
};

/* Spellings seen in the wild that are neither short nor long names. */
static const struct {
	const char *name;
	int nid;
} dn_aliases[] = {
    {"E", NID_pkcs9_emailAddress},
    {"EMAIL", NID_pkcs9_emailAddress},
    {"S", NID_stateOrProvinceName},
};

static int dn_nid_by_name(const char *word)
{
	for (size_t i = 0; i < sizeof(dn_known_nids) / sizeof(dn_known_nids[0]); i++) {
		int nid = dn_known_nids[i];
		if (strcasecmp(word, OBJ_nid2sn(nid)) == 0 ||
		    strcasecmp(word, OBJ_nid2ln(nid)) == 0)
			return nid;
	}
	for (size_t i = 0; i < sizeof(dn_aliases) / sizeof(dn_aliases[0]); i++)
		if (strcasecmp(word, dn_aliases[i].name) == 0)
			return dn_aliases[i].nid;
	return OBJ_txt2nid(word); /* other names, exact spelling only */
}

static bool dn_nid_known(int nid)
{
	for (size_t i = 0; i < sizeof(dn_known_nids) / sizeof(dn_known_nids[0]); i++)
		if (dn_known_nids[i] == nid)
			return true;
	return false;
}

/* The canonical spelling of an attribute type: the short name in upper
 * case for the usual types, else the dotted OID (so that a key read back
 * as text gives the same key). */
static int dn_type_of_obj(const ASN1_OBJECT *obj, char *out, size_t outsz)
{
	int nid = OBJ_obj2nid(obj);

	if (dn_nid_known(nid)) {
		const char *sn = OBJ_nid2sn(nid);
		size_t i;
		for (i = 0; sn[i] != '\0' && i + 1 < outsz; i++)
			out[i] = (char)toupper((unsigned char)sn[i]);
		out[i] = '\0';
		return sn[i] == '\0' ? 0 : -1;
	}
	int n = OBJ_obj2txt(out, (int)outsz, obj, 1);
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

static bool dn_is_dotted(const char *w)
{
	if (!isdigit((unsigned char)*w))
		return false;
	for (; *w != '\0'; w++)
		if (!isdigit((unsigned char)*w) && (*w != '.' || w[1] == '.' || w[1] == '\0'))
			return false;
	return true;
}

/* A type as written in text ("cn", "commonName", "OID.2.5.4.3") to its
 * canonical spelling. */
static int dn_type_of_text(const char *word, char *out, size_t outsz, const char **why_r)
{
	ASN1_OBJECT *obj;
	int nid, r;

	if (strncasecmp(word, "OID.", 4) == 0)
		word += 4;
	if (dn_is_dotted(word)) {
		obj = OBJ_txt2obj(word, 1);
		if (obj == NULL)
			return *why_r = "malformed attribute OID", -1;
		r = dn_type_of_obj(obj, out, outsz);
		ASN1_OBJECT_free(obj);
		return r < 0 ? (*why_r = "attribute OID too long", -1) : 0;
	}
	nid = dn_nid_by_name(word);
	if (nid == NID_undef)
		return *why_r = "unknown attribute type", -1;
	if (dn_type_of_obj(OBJ_nid2obj(nid), out, outsz) < 0)
		return *why_r = "attribute type too long", -1;
	return 0;
}

/* ---------------------------------------------------------------- values */
/* Appends "TYPE=value" in the normal form of dn.h to out. */
static int dn_ava_render(struct buf *out, const char *type, const uint8_t *p, size_t n,
                         const char **why_r)
{
	static const char hex[] = "0123456789ABCDEF";
	bool space = false, first = true;
	int r = 0;

	if (!mailgen_utf8_valid(p, n))
		return *why_r = "value is not valid UTF-8", -1;
	r |= buf_append_str(out, type);
	r |= buf_append_u8(out, '=');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == ' ') {
			space = true;
			continue;
		}
		if (space && !first)
			r |= buf_append_u8(out, ' ');
		space = false;
		if (c < 0x20 || c == 0x7F) {
			r |= buf_append_u8(out, '\\');
			r |= buf_append_u8(out, (uint8_t)hex[c >> 4]);
			r |= buf_append_u8(out, (uint8_t)hex[c & 15]);
		} else {
			if (strchr(",+\"\\<>;=", c) != NULL || (first && c == '#'))
				r |= buf_append_u8(out, '\\');
			r |= buf_append_u8(out, (uint8_t)tolower(c));
		}
		first = false;
	}
	return r < 0 ? (*why_r = "DN too long", -1) : 0;
}

/* ---------------------------------------------------------------- RDNs */

static void dn_rdn_init(struct dn_rdn *rdn)
{
	for (size_t i = 0; i < DN_RDN_AVAS_MAX; i++)
		buf_init(&rdn->ava[i], DN_KEY_MAX);
	rdn->n = 0;
}

static void dn_rdn_free(struct dn_rdn *rdn)
{
	for (size_t i = 0; i < DN_RDN_AVAS_MAX; i++)
		buf_free(&rdn->ava[i]);
}

static struct buf *dn_rdn_next(struct dn_rdn *rdn, const char **why_r)
{
	if (rdn->n == DN_RDN_AVAS_MAX)
		return *why_r = "too many values in one RDN", NULL;
	buf_reset(&rdn->ava[rdn->n]);
	return &rdn->ava[rdn->n++];
}

static int dn_ava_cmp(const void *a, const void *b)
{
	const struct buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Appends the RDN (values sorted, '+'-joined) to out, after a ',' unless it
 * is the first; empties rdn. */
static int dn_rdn_flush(struct buf *out, struct dn_rdn *rdn, const char **why_r)
{
	int r = 0;

	qsort(rdn->ava, rdn->n, sizeof(rdn->ava[0]), dn_ava_cmp);
	if (out->len > 0)
		r |= buf_append_u8(out, ',');
	for (size_t i = 0; i < rdn->n; i++) {
		if (i > 0)
			r |= buf_append_u8(out, '+');
		r |= buf_append(out, rdn->ava[i].data, rdn->ava[i].len);
	}
	rdn->n = 0;
	return r < 0 ? (*why_r = "DN too long", -1) : 0;
}

static int dn_finish(struct buf *key, char *out, size_t outsz, const char **why_r)
{
	if (key->len + 1 > outsz)
		return *why_r = "DN too long", -1;
	memcpy(out, key->data, key->len);
	out[key->len] = '\0';
	return 0;
}

/* ---------------------------------------------------------------- text */

struct dn_text {
	const char *p, *end;
	const char *why;
};

static void dn_skip_spaces(struct dn_text *t)
{
	while (t->p < t->end && *t->p == ' ')
		t->p++;
}

static int dn_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* After "type =": reads the attribute type word. */
static int dn_text_type(struct dn_text *t, char *out, size_t outsz)
{
	char word[DN_TYPE_MAX];
	size_t n = 0;

	dn_skip_spaces(t);
	while (t->p < t->end && (isalnum((unsigned char)*t->p) || *t->p == '.' || *t->p == '-')) {
		if (n + 1 >= sizeof(word))
			return t->why = "attribute type too long", -1;
		word[n++] = *t->p++;
	}
	word[n] = '\0';
	dn_skip_spaces(t);
	if (n == 0)
		return t->why = "attribute type expected", -1;
	if (t->p == t->end || *t->p != '=')
		return t->why = "'=' expected after the attribute type", -1;
	t->p++;
	return dn_type_of_text(word, out, outsz, &t->why);
}

/* A backslash escape: a special character or two hex digits. */
static int dn_text_escape(struct dn_text *t, struct buf *raw)
{
	int hi, lo;

	if (++t->p == t->end)
		return t->why = "backslash at the end of the DN", -1;
	if (t->end - t->p >= 2 && (hi = dn_hexval((unsigned char)t->p[0])) >= 0 &&
	    (lo = dn_hexval((unsigned char)t->p[1])) >= 0) {
		t->p += 2;
		return buf_append_u8(raw, (uint8_t)(hi << 4 | lo));
	}
	if (strchr(",=+<>#;\\\" ", *t->p) == NULL)
		return t->why = "bad escape in a value", -1;
	return buf_append_u8(raw, (uint8_t)*t->p++);
}

/* "#0C03616263": the BER encoding of a string (RFC 4514 section 2.4). */
static int dn_text_ber(struct dn_text *t, struct buf *raw)
{
	uint8_t der[DN_KEY_MAX / 2];
	const unsigned char *q = der;
	size_t n = 0;
	ASN1_TYPE *at;
	unsigned char *utf8 = NULL;
	int len = -1;

	for (t->p++; t->end - t->p >= 2 && isxdigit((unsigned char)t->p[0]) &&
	             isxdigit((unsigned char)t->p[1]);
	     t->p += 2) {
		if (n == sizeof(der))
			return t->why = "#hex value too long", -1;
		der[n++] = (uint8_t)(dn_hexval((unsigned char)t->p[0]) << 4 |
		                     dn_hexval((unsigned char)t->p[1]));
	}
	at = n > 0 ? d2i_ASN1_TYPE(NULL, &q, (long)n) : NULL;
	if (at != NULL && q == der + n && at->type != V_ASN1_BOOLEAN && at->type != V_ASN1_NULL &&
	    at->type != V_ASN1_OBJECT)
		len = ASN1_STRING_to_UTF8(&utf8, at->value.asn1_string);
	ASN1_TYPE_free(at);
	if (len < 0)
		return t->why = "#hex value is not a BER-encoded string", -1;
	len = buf_append(raw, utf8, (size_t)len);
	OPENSSL_free(utf8);
	return len;
}

/* A "quoted value" (RFC 1779): backslash escapes apply inside. */
static int dn_text_quoted(struct dn_text *t, struct buf *raw)
{
	for (t->p++; t->p < t->end && *t->p != '"';) {
		int r =
		    *t->p == '\\' ? dn_text_escape(t, raw) : buf_append_u8(raw, (uint8_t)*t->p++);
		if (r < 0)
			return -1;
	}
	if (t->p == t->end)
		return t->why = "unterminated quoted value", -1;
	t->p++;
	return 0;
}

/* Reads one value into raw (decoded bytes) up to the next separator. */
static int dn_text_value(struct dn_text *t, struct buf *raw)
{
	int r = 0;

	dn_skip_spaces(t);
	if (t->p < t->end && *t->p == '#')
		r = dn_text_ber(t, raw);
	else if (t->p < t->end && *t->p == '"')
		r = dn_text_quoted(t, raw);
	else
		while (r == 0 && t->p < t->end && strchr(",;+", *t->p) == NULL)
			r = *t->p == '\\' ? dn_text_escape(t, raw)
			                  : buf_append_u8(raw, (uint8_t)*t->p++);
	if (r < 0)
		return t->why != NULL ? -1 : (t->why = "DN too long", -1);
	dn_skip_spaces(t);
	if (t->p < t->end && strchr(",;+", *t->p) == NULL)
		return t->why = "separator expected after a value", -1;
	return 0;
}

static int dn_text_rdns(struct dn_text *t, struct buf *key, struct dn_rdn *rdn, struct buf *raw)
{
	char type[DN_TYPE_MAX];

	for (;;) {
		struct buf *ava = dn_rdn_next(rdn, &t->why);
		buf_reset(raw);
		if (ava == NULL || dn_text_type(t, type, sizeof(type)) < 0 ||
		    dn_text_value(t, raw) < 0 ||
		    dn_ava_render(ava, type, raw->data, raw->len, &t->why) < 0)
			return -1;
		if (t->p < t->end && *t->p == '+') {
			t->p++;
			continue;
		}
		if (dn_rdn_flush(key, rdn, &t->why) < 0)
			return -1;
		if (t->p == t->end)
			return 0;
		t->p++; /* ',' or ';' */
	}
}

int dn_normalize(const char *text, size_t len, char *out, size_t outsz, const char **why_r)
{
	struct dn_text t = {text, text + len, NULL};
	struct buf key, raw;
	struct dn_rdn rdn;
	int r = -1;

	if (outsz > 0)
		out[0] = '\0';
	if (memchr(text, '\0', len) != NULL)
		return *why_r = "NUL byte in the DN", -1;
	dn_skip_spaces(&t);
	if (t.p == t.end)
		return *why_r = "empty DN", -1;
	buf_init(&key, DN_KEY_MAX);
	buf_init(&raw, DN_KEY_MAX);
	dn_rdn_init(&rdn);
	if (dn_text_rdns(&t, &key, &rdn, &raw) == 0)
		r = dn_finish(&key, out, outsz, &t.why);
	if (r < 0)
		*why_r = t.why != NULL ? t.why : "malformed DN";
	dn_rdn_free(&rdn);
	buf_free(&raw);
	buf_free(&key);
	return r;
}

/* ---------------------------------------------------------------- X509_NAME */

static int dn_x509_entry(struct dn_rdn *rdn, const X509_NAME_ENTRY *e, const char **why_r)
{
	char type[DN_TYPE_MAX];
	unsigned char *utf8 = NULL;
	struct buf *ava;
	int len, r;

	if ((ava = dn_rdn_next(rdn, why_r)) == NULL)
		return -1;
	if (dn_type_of_obj(X509_NAME_ENTRY_get_object(e), type, sizeof(type)) < 0)
		return *why_r = "attribute OID too long", -1;
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len < 0)
		return *why_r = "attribute value is not a string", -1;
	r = dn_ava_render(ava, type, utf8, (size_t)len, why_r);
	OPENSSL_free(utf8);
	return r;
}

int dn_from_x509_name(const X509_NAME *name, char *out, size_t outsz, const char **why_r)
{
	int n = X509_NAME_entry_count(name), r = 0;
	struct dn_rdn rdn;
	struct buf key;

	if (outsz > 0)
		out[0] = '\0';
	if (n <= 0)
		return *why_r = "empty DN", -1;
	buf_init(&key, DN_KEY_MAX);
	dn_rdn_init(&rdn);
	/* Last entry first; entries of one multi-valued RDN are adjacent and
	 * share their "set" number. */
	for (int i = n - 1; r == 0 && i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		r = dn_x509_entry(&rdn, e, why_r);
		if (r == 0 && (i == 0 || X509_NAME_ENTRY_set(X509_NAME_get_entry(name, i - 1)) !=
		                             X509_NAME_ENTRY_set(e)))
			r = dn_rdn_flush(&key, &rdn, why_r);
	}
	if (r == 0)
		r = dn_finish(&key, out, outsz, why_r);
	dn_rdn_free(&rdn);
	buf_free(&key);
	return r;
}
