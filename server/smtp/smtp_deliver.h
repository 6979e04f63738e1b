/* SPDX-License-Identifier: ISC */
/* Delivery of one accepted SMTP message in one write transaction of the
 * group-commit writer: a copy into the INBOX of each local recipient
 * (quota enforced), one queue entry for the recipients of other operators
 * (the queue runner sends it), and the French success DSNs asked for with
 * NOTIFY=SUCCESS (delivered locally when the return path is local, queued
 * with a null sender otherwise). The session answers 250 only after the
 * commit. The apply function may be replayed by the writer: everything it
 * builds is built once and kept in the struct. */
#ifndef BALISE_SMTP_DELIVER_H
#define BALISE_SMTP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"

struct smtp_drcpt {
	char addr[STORE_QADDR_MAX + 1];
	bool local;
	uint64_t bal_id; /* local recipients */
	unsigned notify; /* enum store_qnotify bits, 0 when not given */
	char orcpt_type[STORE_QORCPT_TYPE_MAX + 1];
	char orcpt[STORE_QADDR_MAX + 1];
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
	/* The success DSN (built by smtp_deliver_prepare), or empty. */
	struct buf dsn;

	/* Built by the first apply (it may be replayed). */
	struct buf summary, dsn_summary;
	bool summarised, dsn_summarised;
	/* Result: the recipient whose quota would be exceeded (STORE_E_QUOTA). */
	char quota_rcpt[STORE_QADDR_MAX + 1];
};

/* Builds the success DSN when a local recipient asked for NOTIFY=SUCCESS
 * and the return path is not null. hostname and postmaster sign it; id is
 * unique. 0, or -1 with *why_r (the delivery goes on without it). */
int smtp_deliver_prepare(struct smtp_delivery *d, const char *hostname, const char *postmaster,
                         const char *id, const char **why_r);
/* store_apply_fn. */
int smtp_deliver_apply(struct store_txn *txn, void *arg);
/* Releases what prepare and apply built. */
void smtp_deliver_free(struct smtp_delivery *d);

#endif
