/* SPDX-License-Identifier: ISC */
/* Every limit the SMTP command parser, the DATA/BDAT readers and the SASL
 * helpers enforce, in one place, with the RFC section it comes from. */
#ifndef BALISE_SMTP_LIMITS_H
#define BALISE_SMTP_LIMITS_H

/* RFC 5321 section 4.5.3.1: local part 64, domain 255, path 256 octets
 * (the path counted as sent: angle brackets and any source route
 * included). */
#define SMTP_LOCAL_MAX 64
#define SMTP_DOMAIN_MAX 255
#define SMTP_PATH_MAX 256
/* A command line, CRLF included (RFC 5321 section 4.5.3.1.4). */
#define SMTP_LINE_MAX 512
/* MAIL and RCPT lines with parameters. RFC 1869 section 4.1.2 lets each
 * extension raise the limit: SIZE +26 (RFC 1870), DSN +100 on MAIL and +500
 * on RCPT (RFC 3461 section 4), AUTH= +500 (RFC 4954 section 5), SMTPUTF8
 * +10 (RFC 6531 section 3.4): 512 + 1136 = 1648 at most on MAIL. We take
 * 2048 for both verbs, CRLF included. */
#define SMTP_LINE_MAX_PARAMS 2048
/* AUTH command lines and SASL responses (RFC 4954 section 4: 12288 octets,
 * CRLF included). Also the longest line the line reader ever buffers. */
#define SMTP_LINE_MAX_AUTH 12288

/* DSN parameters, as encoded on the wire (RFC 3461 sections 4.2 and 4.4). */
#define SMTP_ENVID_MAX 100
#define SMTP_ORCPT_MAX 500
/* AUTH= on MAIL (RFC 4954 section 5); its line allowance. */
#define SMTP_AUTH_PARAM_MAX 500
/* Address type of ORCPT ("rfc822", "utf-8", ...); RFC 3461 atoms are short. */
#define SMTP_ADDR_TYPE_MAX 32
/* A SASL mechanism name (RFC 4422 section 3.1: 1 to 20 characters). */
#define SMTP_SASL_MECH_MAX 20
/* authzid, authcid and password of SASL PLAIN (RFC 4616 section 2: 255
 * octets each); LOGIN uses the same limits. */
#define SMTP_SASL_FIELD_MAX 255

/* A text line of DATA, CRLF excluded (RFC 5321 section 4.5.3.1.6). */
#define SMTP_TEXT_LINE_MAX 998

#endif
