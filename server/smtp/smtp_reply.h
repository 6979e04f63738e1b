/* SPDX-License-Identifier: ISC */
/* SMTP replies: the one table of the refusals the parsing layer reports
 * (reply code, RFC 3463/5248 enhanced status code, French text), and the
 * formatting of single and multi-line replies and of the EHLO answer. */
#ifndef BALISE_SMTP_REPLY_H
#define BALISE_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Texts are French (people read them: in mail clients, in bounces that the
 * sending server writes) but written without diacritics: RFC 5321 section
 * 4.2 limits reply text to printable US-ASCII, and a peer that did not ask
 * for SMTPUTF8 may mangle anything else. */
enum smtp_reply_id {
	SMTP_R_OK = 0, /* no error */
	/* command lines */
	SMTP_R_LINE_TOO_LONG,
	SMTP_R_BAD_EOL,
	SMTP_R_UNKNOWN_CMD,
	SMTP_R_BAD_CHAR,
	SMTP_R_NO_ARGS_ALLOWED,
	SMTP_R_ARG_MISSING,
	SMTP_R_BAD_HELO,
	SMTP_R_MAIL_SYNTAX,
	SMTP_R_RCPT_SYNTAX,
	SMTP_R_BAD_SENDER,
	SMTP_R_BAD_RCPT,
	SMTP_R_SENDER_TOO_LONG,
	SMTP_R_RCPT_TOO_LONG,
	SMTP_R_UTF8_NOT_ALLOWED,
	/* MAIL and RCPT parameters */
	SMTP_R_PARAM_SYNTAX,
	SMTP_R_PARAM_UNKNOWN,
	SMTP_R_PARAM_DUP,
	SMTP_R_SIZE_BAD,
	SMTP_R_BODY_BAD,
	SMTP_R_SMTPUTF8_BAD,
	SMTP_R_RET_BAD,
	SMTP_R_ENVID_BAD,
	SMTP_R_AUTH_PARAM_BAD,
	SMTP_R_NOTIFY_BAD,
	SMTP_R_NOTIFY_NEVER,
	SMTP_R_ORCPT_BAD,
	/* BDAT, AUTH */
	SMTP_R_BDAT_SYNTAX,
	SMTP_R_AUTH_SYNTAX,
	SMTP_R_AUTH_LINE_TOO_LONG,
	SMTP_R_AUTH_CANCELLED,
	SMTP_R_AUTH_BASE64,
	SMTP_R_AUTH_PLAIN_BAD,
	SMTP_R_AUTH_LOGIN_BAD,
	/* message data (answer to the final "." or to BDAT LAST) */
	SMTP_R_DATA_TOO_BIG,
	SMTP_R_DATA_BARE_EOL,
	SMTP_R_DATA_NUL,
	SMTP_R_DATA_LINE_TOO_LONG,
	SMTP_R_DATA_8BIT,
	SMTP_R_COUNT
};

struct smtp_reply_info {
	int code;        /* 501 */
	const char *enh; /* "5.5.4" */
	const char *text;
};

/* The table entry of id (id < SMTP_R_COUNT; SMTP_R_OK gives 250 2.0.0). */
const struct smtp_reply_info *smtp_reply_info(enum smtp_reply_id id);

/* Appends "CODE ENH TEXT\r\n" for id. -1 when out passes its max. */
int smtp_reply_append(struct buf *out, enum smtp_reply_id id);

/* Appends a reply of one or more lines: text is split at '\n', every line
 * but the last gets "CODE-", the last "CODE " (RFC 5321 section 4.2.1).
 * enh (NULL for none, as on the greeting and EHLO/HELO, RFC 2034 section 3)
 * starts every line. Bytes other than printable ASCII and HT are written as
 * '?', so client data quoted in a reply cannot break the framing. code is
 * 200..599. -1 when out passes its max (out is then unchanged). */
int smtp_reply_format(struct buf *out, int code, const char *enh, const char *text);

/* The extensions an EHLO answer lists (RFC 5321 section 4.1.1.1), one line
 * each, in this order. */
struct smtp_ehlo_caps {
	bool pipelining; /* RFC 2920 */
	bool size;       /* RFC 1870; with size_max (0: "SIZE" alone) */
	uint64_t size_max;
	bool eightbitmime;        /* RFC 6152 */
	bool binarymime;          /* RFC 3030 */
	bool chunking;            /* RFC 3030 */
	bool smtputf8;            /* RFC 6531 */
	bool enhancedstatuscodes; /* RFC 2034 */
	bool dsn;                 /* RFC 3461 */
	bool starttls;            /* RFC 3207 */
	const char *auth;         /* RFC 4954: "PLAIN LOGIN", NULL or "" for none */
};

/* Appends the EHLO answer: "250-HOSTNAME GREETING" then one line per
 * extension, the last with "250 ". greeting may be NULL. -1 when out
 * passes its max (out is then unchanged). */
int smtp_reply_ehlo(struct buf *out, const char *hostname, const char *greeting,
                    const struct smtp_ehlo_caps *caps);

#endif
