/* SPDX-License-Identifier: ISC */
/* Distinguished names in one comparable normal form, so that the subject of
 * a peer's certificate (an X509_NAME) can be matched against a DN written as
 * text, such as DNCertificatOperateur in the ANS trust-space whitelist
 * ("CN=mss.example.fr,OU=123,O=EXAMPLE,ST=Paris (75),C=FR").
 *
 * The normal form ("DN key") is a string used for comparison only:
 *  - RDNs in RFC 4514 order (the last RDN of the ASN.1 sequence first, as
 *    `openssl x509 -nameopt RFC2253` prints and as ANS writes), joined by
 *    ','; the order of the RDNs matters.
 *  - The values of a multi-valued RDN sorted and joined by '+', so their
 *    order does not matter.
 *  - Attribute types by their OpenSSL short name in upper case (CN, OU, O,
 *    ST, C, L, STREET, DC, UID, EMAILADDRESS, SERIALNUMBER, SN, GN, TITLE,
 *    INITIALS, POSTALCODE, ORGANIZATIONIDENTIFIER), whatever spelling the
 *    text used (cn, commonName, 2.5.4.3, OID.2.5.4.3, E, S); other types
 *    as their dotted OID. A key read back with dn_normalize is unchanged.
 *  - Values as UTF-8: escapes (\, and \C3\B4) and #hex BER values decoded,
 *    leading and trailing spaces removed, runs of spaces made one space,
 *    ASCII letters in lower case (X.520 caseIgnoreMatch for ASCII; other
 *    characters compare byte for byte, without Unicode normalisation), then
 *    the RFC 4514 specials (",+\"\\<>;=" and a leading '#') escaped with a
 *    backslash and control bytes as \XX.
 * Spaces around ',', '+' and '=' in the text are ignored (RFC 1779 style),
 * ';' is accepted as an RDN separator and "quoted values" are accepted. */
#ifndef BALISE_DN_H
#define BALISE_DN_H

#include <stddef.h>

#include <openssl/types.h>

/* Longest DN key, NUL included. Longer names are refused. */
#define DN_KEY_MAX 2048
/* Most attribute values in one RDN. */
#define DN_RDN_AVAS_MAX 16

/* Normalises a DN written as text (len bytes, need not be NUL-terminated).
 * Returns 0 with the key in out, or -1 with *why_r set to a static reason
 * ("empty DN", "bad escape in a value", ...). An empty DN is refused. */
int dn_normalize(const char *text, size_t len, char *out, size_t outsz, const char **why_r);

/* The DN key of an X509_NAME, e.g. a certificate's subject. Returns 0, or
 * -1 with *why_r (an empty name, a value that is not a string, a key longer
 * than outsz). */
int dn_from_x509_name(const X509_NAME *name, char *out, size_t outsz, const char **why_r);

#endif
