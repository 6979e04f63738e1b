/* SPDX-License-Identifier: ISC */
/* Quota alerts (EX_GBM_4470) for balised's sessions: the store_alerter
 * that IMAP APPEND/COPY (and SMTP delivery) pass to libbalstore. It calls a
 * text builder for the whole message, summarises it (msgsum) and stores it
 * as a blob in the transaction of the change. The builder is the French one
 * (common/notice.h) unless another is set; with NULL set there is no
 * alerter: nothing is sent and no level is recorded. */
#ifndef BALISE_QUOTA_ALERT_H
#define BALISE_QUOTA_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"

/* What the builder is given. Strings live for the call. */
struct quota_alert_info {
	const char *bal;        /* the BAL's address (To:) */
	const char *postmaster; /* "postmaster@" the BAL's domain (From:) */
	unsigned level;         /* 80, 90 or 100 */
	unsigned percent;       /* usage now; under 100 when refused */
	bool refused;           /* 100 % reached by a refused delivery or APPEND */
	uint64_t used_bytes, quota_bytes;       /* quota 0: unlimited */
	uint64_t used_messages, quota_messages; /* quota 0: unlimited */
	int64_t date;           /* unix seconds, for Date: */
	const char *host;       /* our host name, right side of Message-ID */
	const char *id;         /* unique per alert, for Message-ID */
};

/* Appends the whole alert (header fields, blank line, body; CRLF line ends)
 * to out: From the postmaster, To the BAL, Auto-Submitted: auto-generated.
 * 0, or -1: the alert is skipped (logged) and the change goes on. */
typedef int quota_alert_build_fn(const struct quota_alert_info *a, struct buf *out);

/* Both are set once before sessions start (not thread-safe against them). */
void quota_alert_set_builder(quota_alert_build_fn *build);
void quota_alert_set_host(const char *host);

/* The alerter to pass to store_quota_admit, store_quota_alert and
 * store_deliver; NULL while no builder is set. */
const struct store_alerter *quota_alerter(void);

#endif
