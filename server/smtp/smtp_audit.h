/* SPDX-License-Identifier: ISC */
/* Audit traces of SMTP sessions (docs/audit.md): AUTH (success and
 * failure), refused MAIL and RCPT commands and refused messages through
 * the batching emitter (server/audit.h), and each accepted message in the
 * write transaction that stores or queues it (smtp_audit_put). The peer
 * operator's certificate DN is the author of inbound mail; the BAL (or
 * its delegate) of submitted mail. Never a header but Message-ID, never a
 * body byte, never a password. */
#ifndef BALISE_SMTP_AUDIT_H
#define BALISE_SMTP_AUDIT_H

#include "balstore.h"
#include "buf.h"
#include "smtp_deliver.h"

struct smtp_session;

/* What a delivery's records need, prepared on the loop before the write. */
struct smtp_audit_msg {
	struct store_audit *rec; /* session fields, message fields */
	char *rcpts;             /* comma-separated, all recipients */
	bool inbound;
};

void smtp_audit_msg_init(struct smtp_session *s, struct smtp_audit_msg *m, const char *ref,
                         struct slice msg);
void smtp_audit_msg_free(struct smtp_audit_msg *m);
/* In the delivery's transaction, after smtp_deliver_apply succeeded: one
 * record per local recipient (inbound, and local copies of submitted
 * mail) with its own outcome, and for submission one record for the
 * sending BAL. */
int smtp_audit_put(struct store_txn *txn, struct smtp_audit_msg *m,
                   const struct smtp_delivery *d);
/* On the loop once the write failed: the refusal, through the emitter. */
void smtp_audit_msg_failed(struct smtp_audit_msg *m, int code, const char *text);

/* AUTH's outcome (user as tried). */
void smtp_audit_auth(struct smtp_session *s, const char *user, const char *authzid, bool ok,
                     int code, const char *text);
/* A refused command of the transaction (MAIL, RCPT, the message at its
 * end), with the path it named; code and text as sent. */
void smtp_audit_refused(struct smtp_session *s, const char *what, const char *path, int code,
                        const char *text);

#endif
