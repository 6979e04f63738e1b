/* SPDX-License-Identifier: ISC */
/* Internals shared by queue_runner.c (scheduling, on the loop) and
 * queue_record.c (the write transaction, on a pool thread). */
#ifndef BALISE_QUEUE_INT_H
#define BALISE_QUEUE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "balstore.h"
#include "smtp_client.h"

/* The status of recipients failed because their message's blob is gone. */
#define QR_LOST_STATUS "5.3.0"

struct qr_params {
	const char *hostname;
	char postmaster[STORE_QADDR_MAX + 1]; /* [server] postmaster, else hostname's */
	bool postmaster_set;                  /* [server] postmaster was configured */
	uint64_t retry_first, retry_factor, retry_max; /* seconds */
	uint64_t expire;                               /* seconds after arrival */
	uint64_t delay_notice;                         /* seconds, 0 = never */
};

/* One entry's recipients at one destination domain: one message of an
 * SMTP session. tried false: nothing was sent (expiry, routing failure
 * recorded in out). */
struct qr_job {
	struct queue_runner *qr;
	const struct qr_params *params;
	struct store_qentry e; /* a copy; e.rcpts allocated */
	char domain[CFG_DOMAIN_MAX + 1];
	size_t n;
	size_t *idx;               /* indices into e.rcpts */
	struct smtp_out_rcpt *out; /* parallel to idx */
	struct smtp_out_msg msg;
	int64_t now;
	bool tried;
	bool inflight; /* counted in the runner's in-flight ids */
	/* The write with the report failed: record the attempt without it
	 * rather than deliver the message again at every poll. */
	bool skip_notice;
	/* The message's blob is gone (a queue entry holds a reference, so it
	 * never comes back): every pending recipient fails (5.3.0). */
	bool blob_lost;
	/* Results of the record, for the log. */
	int result;
	bool deleted;
	unsigned notices;
	const char *why;
	struct qr_job *next;
};

/* The write transaction of one job: the attempt and its notices. Runs on
 * any thread (pure storage work); returns a store_err. */
int qr_record_apply(struct store_txn *txn, void *arg);
/* Give-up time of e. */
int64_t qr_expiry(const struct qr_params *p, const struct store_qentry *e);

#endif
