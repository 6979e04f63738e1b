/* SPDX-License-Identifier: ISC */
/* The SASL exchanges of SMTP AUTH (RFC 4954) for the two mechanisms balise
 * offers after TLS: PLAIN (RFC 4616) and LOGIN (the de facto
 * username/password exchange, draft-murchison-sasl-login). They decode and
 * check what the client sends; checking the password is the session's job.
 * Secrets live in the structs below: wipe them as soon as they are used. */
#ifndef BALISE_SMTP_SASL_H
#define BALISE_SMTP_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_limits.h"
#include "smtp_reply.h"

/* Base64 decoding is common/sasl.h's sasl_b64_decode. Appends in as base64 with padding; -1 when out passes its max. */
int smtp_b64_encode(struct slice in, struct buf *out);

/* A decoded PLAIN message: [authzid] NUL authcid NUL passwd. */
struct smtp_sasl_plain {
	char authzid[SMTP_SASL_FIELD_MAX + 1]; /* "" when absent */
	char authcid[SMTP_SASL_FIELD_MAX + 1];
	char passwd[SMTP_SASL_FIELD_MAX + 1];
	size_t passwd_len;
};

/* Decodes a PLAIN response: the AUTH initial response ("=" is an empty
 * one) or the line sent after "334 ". "*" cancels (SMTP_R_AUTH_CANCELLED,
 * RFC 4954 section 4). Otherwise 0, or -1 with SMTP_R_AUTH_BASE64 or
 * SMTP_R_AUTH_PLAIN_BAD (not two NULs, empty authcid or password, a field
 * above 255 octets, authzid or authcid not UTF-8). *p is wiped on error. */
int smtp_sasl_plain_decode(struct slice response, struct smtp_sasl_plain *p,
                           enum smtp_reply_id *err_r);
void smtp_sasl_plain_wipe(struct smtp_sasl_plain *p);

enum smtp_sasl_result {
	SMTP_SASL_CONTINUE, /* send "334 " + smtp_sasl_login_challenge() */
	SMTP_SASL_DONE,     /* user and passwd are ready */
	SMTP_SASL_ERR,      /* answer *err_r; the exchange is over */
};

struct smtp_sasl_login {
	int step; /* 0: username wanted, 1: password wanted, 2: done */
	char user[SMTP_SASL_FIELD_MAX + 1];
	char passwd[SMTP_SASL_FIELD_MAX + 1];
	size_t passwd_len;
};

/* Starts LOGIN. ir: the initial response of "AUTH LOGIN ir" (many clients
 * send the username there), NULL when absent. CONTINUE or ERR. */
enum smtp_sasl_result smtp_sasl_login_start(struct smtp_sasl_login *l, const struct slice *ir,
                                            enum smtp_reply_id *err_r);
/* One client line (CRLF excluded): CONTINUE, DONE or ERR ("*" cancels).
 * The struct is wiped on ERR. */
enum smtp_sasl_result smtp_sasl_login_step(struct smtp_sasl_login *l, struct slice line,
                                           enum smtp_reply_id *err_r);
/* The base64 challenge to send after "334 ": "VXNlcm5hbWU6" ("Username:")
 * or "UGFzc3dvcmQ6" ("Password:"). */
const char *smtp_sasl_login_challenge(const struct smtp_sasl_login *l);
void smtp_sasl_login_wipe(struct smtp_sasl_login *l);

#endif
