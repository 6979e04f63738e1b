/* SPDX-License-Identifier: ISC */
/* SEARCH programs (imap_search.h) evaluated against the selected mailbox in
 * the store: one read transaction, message bytes read only when a header
 * or body key needs them, and the header block only for header keys. */
#ifndef BALISE_IMAP_SEARCH_STORE_H
#define BALISE_IMAP_SEARCH_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "balstore.h"
#include "imap_search.h"
#include "imap_view.h"
#include "msgsum.h"

/* BODY and TEXT look at no more than this many bytes of a message; the
 * rest of a larger message is not searched. */
#define IMAP_SEARCH_SCAN_MAX (8u * 1024 * 1024)
/* Longest header block read for header keys (the rest is not searched). */
#define IMAP_SEARCH_HEADER_MAX (1024u * 1024)

struct imap_search_run;

/* Called for each message the program matches, in sequence order. seq is
 * its sequence number in the view, m the stored message (valid during the
 * call). Non-zero stops the run and is returned by imap_search_store_run. */
typedef int imap_search_hit_fn(void *arg, struct imap_search_run *run, uint32_t seq,
                               const struct store_msg *m);

/* Evaluates prog (already parsed; prepared here against the view and
 * saved, the "$" of RFC 5182, NULL for none) on every message of the view
 * that is still in the store. 0, a negative store_err, or what fn
 * returned. The program's AND lists are reordered (cheap keys first). */
int imap_search_store_run(struct store_txn *txn, const struct imap_view *v,
                          struct imap_search *prog, const struct imap_seqset *saved,
                          imap_search_hit_fn *fn, void *arg);

/* The summary of the message being reported (borrowed from the
 * transaction): 0, or -1 when it is missing or unreadable. */
int imap_search_run_summary(struct imap_search_run *run, struct msgsum_view *sum_r);

/* Days since 1970-01-01 of a Date field value as written (its own zone,
 * RFC 9051 section 6.4.4 SENT*), or INT32_MIN if it is not a date. */
int32_t imap_search_sent_day(struct slice date_raw);

#endif
