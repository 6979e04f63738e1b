/* SPDX-License-Identifier: ISC */
/* ManageSieve responses (RFC 5804 section 4), without I/O: strings as
 * quoted strings or literals, OK/NO/BYE lines with their response codes,
 * the capability list. Everything is appended to a buffer. */
#ifndef BALISE_MS_RESP_H
#define BALISE_MS_RESP_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

enum ms_status {
	MS_OK,
	MS_NO,
	MS_BYE,
};

/* A string: quoted when it is short and holds no CR, LF or NUL, else a
 * literal "{n}" CRLF and the octets (literal-s2c). -1 past out's max. */
int ms_resp_string(struct buf *out, struct slice s);
int ms_resp_cstring(struct buf *out, const char *s);

/* "OK", "NO" or "BYE", then " (code)" when code is set (an RFC 5804
 * response code as it is written, e.g. "QUOTA/MAXSIZE" or "TAG \"x\""),
 * then " " and text as a string when text is set, then CRLF. */
int ms_resp_status(struct buf *out, enum ms_status st, const char *code, const char *text);

/* What the capability list says (RFC 5804 section 1.8). */
struct ms_caps {
	const char *implementation;
	const char *sasl;  /* space-separated mechanisms, "" for none */
	const char *sieve; /* sieve_capability() */
	bool starttls;
	unsigned maxredirects;
	const char *owner; /* the authenticated user, or NULL */
	bool unauthenticate;
};

/* The capability lines, without the final OK. */
int ms_resp_capabilities(struct buf *out, const struct ms_caps *caps);

#endif
