/* SPDX-License-Identifier: ISC */
/* Sieve at delivery: every local copy of an accepted message goes through
 * its BAL's rules, inside the write transaction of the delivery (so the
 * apply may be replayed: everything here is rebuilt on each run).
 *
 * For each local recipient: the operator-managed rules (balisectl vacation
 * and forward) run first, then the user's active script, each from its
 * stored compiled form (compiled again from its text when that form is
 * from another compiler version or damaged). Their actions combine: the
 * implicit keep is cancelled if either cancels it, an explicit keep in
 * either keeps, a run-time error in either keeps (and is logged).
 *
 * The actions, carried out in the same transaction:
 *   keep      a copy into INBOX with the imap4flags flags;
 *   fileinto  a copy into that mailbox; missing: created with :create
 *             (RFC 5490), else kept in INBOX (logged);
 *   discard   nothing stored;
 *   redirect  checked again against the forwarding rule (sieve_policy) and
 *             the loop markers (sieve_reply.h); refused: kept (logged).
 *             A local target gets the message (with the marker) through
 *             its own Sieve, up to SIEVE_DELIVER_MAX_DEPTH BALs deep and
 *             never twice the same BAL; another operator's target gets one
 *             queue entry. The envelope sender of a redirect is the
 *             redirecting BAL (null when the original's was null): bounces
 *             go to whoever set the redirect up, the original sender does
 *             not learn where the mail went, and the receiving operator
 *             sees a sender of the operator that sends it (no SRS needed).
 *             At most SIEVE_MAX_REDIRECTS per message, all BALs together;
 *   vacation  a reply (sieve_reply.h) once per sender and period
 *             (store_vacation_check_set), into a local sender's INBOX or
 *             queued with a null return path;
 *   reject    a French report to the return path (none to the null
 *   ereject   sender); the message is not kept, unless the other script
 *             keeps or files it (then the reject is dropped);
 *   duplicate the id is recorded once the delivery succeeds (RFC 7352).
 * Each redirect, vacation, reject, discard, fileinto that fell back to
 * INBOX and run-time error is traced (sieve_deliver_audit.c) in the same
 * transaction.
 * Every stored copy is charged to the BAL's quota with its alerts, as
 * without Sieve. Logs are English, with ids and counts, never an address,
 * a subject or a body. */
#ifndef BALISE_SIEVE_DELIVER_H
#define BALISE_SIEVE_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"
#include "sieve_policy.h"

#define SIEVE_DELIVER_MAX_DEPTH 4 /* BALs a message may pass through by local redirects */

/* What the delivery of one message needs (the caller's, borrowed). */
struct sieve_deliver_msg {
	struct slice local;       /* Return-Path: + Received: + the data */
	struct slice wire;        /* Received: + the data */
	struct slice summary;     /* msgsum of local */
	const char *return_path;  /* "" for the null sender */
	const char *envid;        /* "" when not given */
	int64_t now;
	const char *hostname;                /* Message-IDs, Reporting-MTA */
	const char *postmaster;              /* From: of reject reports */
	const char *id;                      /* unique: the generated messages' ids */
	const struct store_alerter *alerter; /* quota alerts, or NULL */
	const struct sieve_policy *policy;   /* NULL: every redirect refused */
	/* The delivery's audit record (ref, Message-ID, sender, recipients,
	 * size; the other fields are ignored): each Sieve action that sends or
	 * drops mail is traced with it (docs/audit.md); NULL: no traces. */
	const struct store_audit *audit;
};

/* One apply's state; sieve_deliver_begin resets it (the apply may run
 * again). */
struct sieve_deliver {
	struct store_txn *txn;
	const struct sieve_deliver_msg *m;
	uint64_t blob_id;     /* the original's blob once put */
	unsigned redirects;   /* done for this message */
	unsigned generated;   /* messages written (ids) */
	uint64_t sieve_ns;    /* time in loading and running scripts */
	uint64_t scripts_run; /* scripts run */
	uint64_t bal_chain[SIEVE_DELIVER_MAX_DEPTH];
	unsigned depth;
};

void sieve_deliver_begin(struct sieve_deliver *s, struct store_txn *txn,
                         const struct sieve_deliver_msg *m);
/* Delivers to the BAL at r->address (store_deliver's outcomes in r: an
 * unknown, suspended or full BAL gets no copy; DLV_STORED also when the
 * scripts discarded, redirected or rejected the message). Call it once
 * per BAL (the caller skips a BAL listed twice). 0, or a store error
 * (nothing to keep). */
int sieve_deliver_rcpt(struct sieve_deliver *s, struct store_dlv_rcpt *r);

/* Cumulative counters for benchmarks and metrics (thread-safe reads):
 * messages delivered locally, time (ns, CLOCK_MONOTONIC) in the Sieve step
 * and in the whole delivery apply. */
struct sieve_deliver_stats {
	uint64_t messages, scripts, sieve_ns, apply_ns;
};

/* One message's figures (the delivery apply calls it). */
void sieve_deliver_stats_add(uint64_t sieve_ns, uint64_t scripts, uint64_t apply_ns);
void sieve_deliver_stats_get(struct sieve_deliver_stats *st_r);
uint64_t sieve_deliver_clock_ns(void);

/* Frees the loaded scripts kept between messages (at exit). */
void sieve_deliver_cache_free(void);

#endif
