/* SPDX-License-Identifier: ISC */
/* Delivery of one accepted SMTP message in one write transaction of the
 * group-commit writer: each local recipient's copy through its BAL's
 * Sieve rules (sieve_deliver.h: INBOX by default, other mailboxes, flags,
 * redirects, vacation replies, rejects; quota enforced on every copy,
 * quota alerts in the same transaction), one queue entry for the recipients of other operators (the
 * queue runner sends it), and one French report (RFC 3464) to the return
 * path for the local recipients that asked NOTIFY=SUCCESS and for those
 * that could not take the message after all (quota reached since RCPT,
 * BAL suspended meanwhile), delivered locally when the return path is
 * local, queued with a null sender otherwise. When no recipient at all
 * could take the message, nothing but the quota alerts is kept and the
 * session refuses the message with the first recipient's reason. The
 * session answers 250 only after the commit. The apply function may be
 * replayed by the writer: what it builds is rebuilt or built once. */
#ifndef BALISE_SMTP_DELIVER_H
#define BALISE_SMTP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"

struct trust_snap;

struct smtp_drcpt {
	char addr[STORE_QADDR_MAX + 1];
	bool local;
	uint64_t bal_id; /* local recipients */
	unsigned notify; /* enum store_qnotify bits, 0 when not given */
	char orcpt_type[STORE_QORCPT_TYPE_MAX + 1];
	char orcpt[STORE_QADDR_MAX + 1];
	enum store_dlv_status status; /* out, local recipients */
};

struct smtp_delivery {
	/* Input, set by the session. */
	const char *return_path; /* "" for the null sender */
	const char *envid;       /* "" when not given */
	enum store_qret ret;
	uint64_t sender_bal; /* submitting BAL, 0 for inbound */
	struct smtp_drcpt *rcpts;
	size_t n_rcpts;
	struct slice local_msg; /* Return-Path: + Received: + the data */
	struct slice queue_msg; /* Received: + the data */
	int64_t arrival;
	const char *hostname;                /* signs the report (Reporting-MTA) */
	const char *postmaster;              /* From: of the report */
	const char *id;                      /* unique, for the report's Message-ID */
	const struct store_alerter *alerter; /* quota alerts, or NULL */
	struct trust_snap *trust; /* forwarding rule of Sieve redirects (Annuaire,
	                           * whitelist); NULL: every redirect refused */
	const struct store_audit *audit; /* message fields of the Sieve actions'
	                                  * traces (sieve_deliver.h); NULL: none */

	/* Built by the apply. */
	struct buf summary, dsn, dsn_summary;
	bool summarised;
	/* Result: when no recipient took the message, the index of the first
	 * local one (its status says why); -1 when the message was kept. */
	long refused;
	size_t n_reported; /* recipients in the report, 0: none sent */
	uint64_t sieve_ns, sieve_scripts; /* the Sieve step of the last apply */
};

void smtp_deliver_init(struct smtp_delivery *d);
/* store_apply_fn. */
int smtp_deliver_apply(struct store_txn *txn, void *arg);
/* Releases what the apply built. */
void smtp_deliver_free(struct smtp_delivery *d);
/* After the commit of a kept message: counts the local recipients that
 * took it and the queued ones in the metrics (server/metrics.h). */
void smtp_deliver_count(const struct smtp_delivery *d);

#endif
