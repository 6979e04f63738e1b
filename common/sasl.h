/* SPDX-License-Identifier: ISC */
/* What every protocol's SASL PLAIN (RFC 4616) shares: the strict base64 of
 * SASL responses and the split of the decoded message into authorization
 * identity, authentication identity and password. Each protocol keeps its
 * own replies, cancellation and field limits. */
#ifndef BALISE_SASL_H
#define BALISE_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SASL_B64_INVALID (-1)  /* not strict base64 */
#define SASL_B64_TOO_LONG (-2) /* base64, but its decoding does not fit */

/* Strict base64 (RFC 4648 section 4): padding required, no spaces, the
 * bits the padding leaves over zero (section 3.5). The decoded length, or
 * SASL_B64_INVALID or SASL_B64_TOO_LONG; out may hold a partial decoding
 * after an error (the caller wipes it). */
long sasl_b64_decode(struct slice in, uint8_t *out, size_t outsz);

/* A PLAIN message split: the three fields point into the message. */
struct sasl_plain {
	struct slice authzid; /* empty when absent */
	struct slice authcid;
	struct slice passwd;
};

enum sasl_plain_status {
	SASL_PLAIN_OK = 0,
	SASL_PLAIN_BASE64 = -1, /* the response is not base64 */
	SASL_PLAIN_BAD = -2,    /* not [authzid] NUL authcid NUL passwd within limits */
};

/* RFC 4616 section 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd,
 * exactly two NULs, authcid and passwd not empty, authzid and authcid at
 * most id_max bytes, passwd at most passwd_max. SASL_PLAIN_OK or
 * SASL_PLAIN_BAD (*p then zeroed). UTF-8 is the caller's check. */
int sasl_plain_split(struct slice msg, size_t id_max, size_t passwd_max, struct sasl_plain *p);

/* Decodes the base64 response (CRLF excluded; an empty one is empty) into
 * buf and splits it: SASL_PLAIN_OK with *p pointing into buf, else
 * SASL_PLAIN_BASE64, or SASL_PLAIN_BAD (also when the message is longer
 * than bufsz). The caller wipes buf (bufsz bytes) in every case. */
int sasl_plain_decode(struct slice response, uint8_t *buf, size_t bufsz, size_t id_max,
                      size_t passwd_max, struct sasl_plain *p);

#endif
