/* SPDX-License-Identifier: ISC */
/* Delivery status notifications in French (RE_GBM_4450, RE_GBM_4460): an
 * RFC 3464 multipart/report (RFC 6522) with a French text/plain part, the
 * message/delivery-status part, then the original header
 * (text/rfc822-headers) or message (message/rfc822) per RET (RFC 3461 §4.3).
 * Pure: the SMTP session and the queue decide when to build one, give the
 * time and a unique id, and send or store the result.
 *
 * Untrusted inputs (addresses, ENVID, ORCPT, remote replies, the original
 * message) never reach a header as written: free text is cleaned to one
 * line of printable ASCII and folded, addresses that are not printable
 * ASCII are written with the RFC 6533 "utf-8" address type in its 7-bit
 * utf-8-addr-xtext form (so the report part stays message/delivery-status,
 * readable by every DSN parser, instead of message/global-delivery-status),
 * anything malformed becomes U+FFFD (\x{FFFD}). The return path and the
 * reporting host must be valid, or nothing is built. */
#ifndef BALISE_DSN_H
#define BALISE_DSN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "notice.h"
#include "templates_fr.h"

#define DSN_FULL_MAX_DEFAULT (1024 * 1024) /* RET=FULL cap when none given */
#define DSN_MAX_RCPTS 1000                 /* recipients in one report */
#define DSN_MAX_SUBJECT 200                /* bytes of the original subject shown */
#define DSN_MAX_ADDR_SHOWN 512             /* bytes of an address shown in text */

/* RFC 3464 §2.3.3 Action; same order as enum tfr_action. */
enum dsn_action {
	DSN_FAILED = TFR_ACTION_FAILED,
	DSN_DELAYED = TFR_ACTION_DELAYED,
	DSN_DELIVERED = TFR_ACTION_DELIVERED,
	DSN_RELAYED = TFR_ACTION_RELAYED, /* to a server without DSN */
	DSN_EXPANDED = TFR_ACTION_EXPANDED,
};

/* RFC 3461 §4.3 RET. Only a report with a failed recipient returns the
 * whole message, and only for RET=FULL; otherwise the header. */
enum dsn_ret {
	DSN_RET_DEFAULT = 0, /* no RET given: header only */
	DSN_RET_HDRS,
	DSN_RET_FULL,
};

struct dsn_rcpt {
	const char *orcpt_type; /* ORCPT address type ("rfc822", "utf-8"), or NULL */
	const char *orcpt;      /* ORCPT address, xtext already decoded, or NULL */
	const char *rcpt;       /* final recipient address (required) */
	enum dsn_action action;
	const char *status;     /* RFC 3463 "C.S.D"; NULL or malformed: X.0.0 of
	                         * the action's class (5 failed, 4 delayed, 2 else) */
	const char *remote_mta; /* host that answered, or NULL */
	const char *diag;       /* its SMTP reply ("550 5.1.1 ..."), or NULL */
	int64_t last_attempt;   /* Unix time, 0 if none */
	int64_t retry_until;    /* for DSN_DELAYED: give-up time, 0 if unknown */
};

struct dsn {
	const char *reporting_mta; /* our host name (Reporting-MTA, Message-ID) */
	const char *postmaster;    /* From: address */
	const char *from_name;     /* NULL: TFR_POSTMASTER_NAME */
	const char *return_path;   /* To: the envelope sender (never null: no
	                            * report for a null sender) */
	const char *envid;         /* ENVID, xtext already decoded, or NULL */
	int64_t arrival;           /* Arrival-Date, 0 if unknown */
	int64_t date;              /* Date: of the report */
	const char *id;            /* unique id for the Message-ID */
	enum dsn_ret ret;
	size_t full_max; /* RET=FULL cap in bytes, 0: DSN_FULL_MAX_DEFAULT */
	const struct dsn_rcpt *rcpts;
	size_t nrcpts;
	struct slice original; /* the original message, or {NULL, 0} */
};

/* Appends the report to out. It is sent with a null reverse-path
 * (MAIL FROM:<>, RFC 3461 §6.2) so that it never causes another report;
 * the caller never builds one for a null return path or NOTIFY=NEVER.
 * 0 with NOTICE_F_* flags in *flags_r (may be
 * NULL), or -1 with an English reason in *error_r and out unchanged
 * (invalid return path, reporting host or postmaster, no recipient or
 * more than DSN_MAX_RCPTS, a recipient without address, out's limit). */
int dsn_build(const struct dsn *d, struct buf *out, unsigned *flags_r, const char **error_r);

/* The report kind the recipients make (see enum tfr_report). */
enum tfr_report dsn_report_kind(const struct dsn_rcpt *rcpts, size_t n);
/* "failed", "delayed", "delivered", "relayed", "expanded". */
const char *dsn_action_name(enum dsn_action a);
/* Writes an address field value ("rfc822;a@b" or "utf-8;..." in the
 * utf-8-addr-xtext form) as dsn_build does; type may be NULL. */
int dsn_address(const char *type, const char *addr, struct buf *out);

#endif
