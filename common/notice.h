/* SPDX-License-Identifier: ISC */
/* French notices from the postmaster: the header every generated message
 * shares (From the postmaster, To, French Subject, Date, Message-ID,
 * Auto-Submitted per RFC 3834, MIME-Version), a one-part text notice, and
 * the quota alerts of EX_GBM_4470. Pure: the caller gives the time and a
 * unique id; nothing is stored or sent here. */
#ifndef BALISE_NOTICE_H
#define BALISE_NOTICE_H

#include <stdint.h>

#include "buf.h"

/* Set in *flags_r by the builders: how the result must be sent. */
#define NOTICE_F_SMTPUTF8 0x1u /* a header holds UTF-8 (RFC 6532): SMTPUTF8 */
#define NOTICE_F_8BIT 0x2u     /* the body holds 8-bit data: BODY=8BITMIME */

#define NOTICE_MAX_ID 64 /* characters of the caller's id kept in Message-ID */

struct notice {
	const char *postmaster;     /* From: address, e.g. postmaster@domain */
	const char *from_name;      /* its display name; NULL: TFR_POSTMASTER_NAME */
	const char *to;             /* To: address */
	const char *subject;        /* UTF-8, cleaned of controls here */
	const char *auto_submitted; /* RFC 3834 §5 keyword; NULL: auto-generated */
	int64_t date;               /* Unix time of Date: */
	const char *host;           /* our host name: right side of Message-ID */
	const char *id;             /* unique per message (a queue id, a counter):
	                             * letters, digits, ".-_" kept */
	struct slice in_reply_to;   /* msg-id of the message answered, or {0} */
	struct slice references;    /* References of that message, or {0} */
};

/* Appends the header fields above (no blank line, no Content-Type). 0, or
 * -1 with an English reason in *error_r (postmaster, to or host not valid,
 * id empty, out's limit) and out unchanged. */
int notice_headers(const struct notice *n, struct buf *out, unsigned *flags_r,
                   const char **error_r);

/* A whole one-part notice: notice_headers, then text (UTF-8, "\n" lines)
 * as text/plain; charset=utf-8, quoted-printable, Content-Language: fr.
 * Same returns as notice_headers. */
int notice_build(const struct notice *n, struct slice text, struct buf *out, unsigned *flags_r,
                 const char **error_r);

/* EX_GBM_4470 alert, delivered into the BAL's INBOX (From the postmaster,
 * To the BAL, Auto-Submitted: auto-generated). */
struct notice_quota {
	const char *postmaster;
	const char *from_name; /* NULL: TFR_POSTMASTER_NAME */
	const char *bal;       /* the BAL's address */
	int level;             /* 80, 90 or 100 (TFR_QUOTA_LEVEL_*) */
	uint64_t used, quota;  /* bytes */
	int64_t date;
	const char *host, *id; /* as in struct notice */
};

int notice_quota_alert(const struct notice_quota *q, struct buf *out, unsigned *flags_r,
                       const char **error_r);

#endif
