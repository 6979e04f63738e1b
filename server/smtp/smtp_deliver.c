/* SPDX-License-Identifier: ISC */
/* One accepted SMTP message into the store: local copies (store_deliver),
 * the outbound queue entry, the report to the return path; all in the same
 * write transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "log.h"
#include "metrics.h"
#include "msgsum.h"
#include "sieve_deliver.h"
#include "trust_snap.h"
#include "smtp_deliver.h"
#include "util.h"

void smtp_deliver_init(struct smtp_delivery *d)
{
	buf_init(&d->summary, 0);
	buf_init(&d->dsn, 0);
	buf_init(&d->dsn_summary, 0);
	d->summarised = false;
	d->refused = -1;
	d->n_reported = 0;
}

/* ---------------------------------------------------------------- local copies */

/* The earlier local recipient with the same BAL (listed twice), or -1. */
static long same_bal(const struct smtp_delivery *d, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (d->rcpts[k].local && d->rcpts[i].bal_id != 0 &&
		    d->rcpts[k].bal_id == d->rcpts[i].bal_id)
			return (long)k;
	return -1;
}

/* Each local recipient through its BAL's Sieve (sieve_deliver.h). */
static int deliver_local(struct store_txn *txn, struct smtp_delivery *d, size_t *n_local_r,
                         size_t *n_stored_r)
{
	struct sieve_deliver_msg m = {0};
	struct sieve_policy pol = {0};
	struct sieve_deliver *s;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < d->n_rcpts; i++)
		n += d->rcpts[i].local;
	*n_local_r = n;
	*n_stored_r = 0;
	if (n == 0)
		return 0;
	if (!d->summarised) { /* once: the apply may be replayed */
		if (msgsum_build(d->local_msg.p, d->local_msg.len, &d->summary) < 0)
			return STORE_E_LIMIT;
		d->summarised = true;
	}
	m.local = d->local_msg;
	m.wire = d->queue_msg;
	m.summary = buf_slice(&d->summary);
	m.return_path = d->return_path;
	m.envid = d->envid;
	m.now = d->arrival;
	m.hostname = d->hostname;
	m.postmaster = d->postmaster;
	m.id = d->id;
	m.alerter = d->alerter;
	m.audit = d->audit;
	if (d->trust != NULL) {
		trust_snap_policy_get(d->trust, &pol); /* references held until the end */
		m.policy = &pol;
	}
	s = xmalloc(sizeof(*s));
	sieve_deliver_begin(s, txn, &m);
	for (size_t i = 0; i < d->n_rcpts && r == 0; i++) {
		struct smtp_drcpt *rc = &d->rcpts[i];
		struct store_dlv_rcpt dr = {.address = rc->addr};
		long first = rc->local ? same_bal(d, i) : -1;

		if (!rc->local)
			continue;
		if (first >= 0) {
			rc->status = d->rcpts[first].status;
		} else {
			r = sieve_deliver_rcpt(s, &dr);
			rc->status = dr.status;
		}
		*n_stored_r += rc->status == DLV_STORED;
	}
	d->sieve_ns = s->sieve_ns;
	d->sieve_scripts = s->scripts_run;
	free(s);
	if (d->trust != NULL)
		trust_snap_policy_put(&pol);
	return r;
}

/* ---------------------------------------------------------------- queue */

static int queue_remote(struct store_txn *txn, struct smtp_delivery *d)
{
	struct store_qentry e = {0};
	const char *why = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < d->n_rcpts; i++)
		n += !d->rcpts[i].local;
	if (n == 0)
		return 0;
	e.rcpts = xcalloc(n, sizeof(*e.rcpts));
	n = 0;
	for (size_t i = 0; i < d->n_rcpts; i++) {
		const struct smtp_drcpt *rc = &d->rcpts[i];
		struct store_qrcpt *q = &e.rcpts[n];

		if (rc->local)
			continue;
		str_copy(q->address, sizeof(q->address), rc->addr);
		str_copy(q->orcpt_type, sizeof(q->orcpt_type), rc->orcpt_type);
		str_copy(q->orcpt, sizeof(q->orcpt), rc->orcpt);
		q->notify = rc->notify;
		n++;
	}
	e.n_rcpts = n;
	str_copy(e.return_path, sizeof(e.return_path), d->return_path);
	str_copy(e.envid, sizeof(e.envid), d->envid);
	e.ret = d->ret;
	e.arrival = d->arrival;
	e.bal_id = d->sender_bal;
	r = store_blob_put(txn, d->queue_msg.p, d->queue_msg.len, NULL, 0, &e.blob_id);
	if (r == 0)
		r = store_queue_add(txn, &e, &why);
	free(e.rcpts);
	return r;
}

/* ---------------------------------------------------------------- report */

static const char *status_code(enum store_dlv_status st)
{
	switch (st) {
	case DLV_UNKNOWN:
		return "5.1.1";
	case DLV_SUSPENDED:
		return "5.2.1";
	case DLV_OVERQUOTA:
		return "5.2.2";
	case DLV_STORED:
		break;
	}
	return "2.0.0";
}

/* The report's recipients: stored ones that asked NOTIFY=SUCCESS, failed
 * ones unless they said NOTIFY without FAILURE (RFC 3461 section 4.1). */
static size_t report_rcpts(const struct smtp_delivery *d, struct dsn_rcpt *rc, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_rcpts && n < max; i++) {
		const struct smtp_drcpt *r = &d->rcpts[i];
		bool ok = r->status == DLV_STORED;

		if (!r->local || (ok && !(r->notify & QNOTIFY_SUCCESS)) ||
		    (!ok && r->notify != 0 && !(r->notify & QNOTIFY_FAILURE)))
			continue;
		rc[n++] = (struct dsn_rcpt){
		    .orcpt_type = r->orcpt_type[0] ? r->orcpt_type : NULL,
		    .orcpt = r->orcpt_type[0] ? r->orcpt : NULL,
		    .rcpt = r->addr,
		    .action = ok ? DSN_DELIVERED : DSN_FAILED,
		    .status = status_code(r->status),
		    .last_attempt = d->arrival,
		};
	}
	return n;
}

static int build_report(struct smtp_delivery *d)
{
	struct dsn_rcpt rc[DSN_MAX_RCPTS];
	struct dsn dsn = {0};
	const char *why = NULL;

	buf_reset(&d->dsn);
	d->n_reported = 0;
	if (d->return_path[0] == '\0') /* never a report to the null sender */
		return 0;
	dsn.rcpts = rc;
	dsn.nrcpts = report_rcpts(d, rc, DSN_MAX_RCPTS);
	if (dsn.nrcpts == 0)
		return 0;
	dsn.reporting_mta = d->hostname;
	dsn.postmaster = d->postmaster;
	dsn.return_path = d->return_path;
	dsn.envid = d->envid[0] ? d->envid : NULL;
	dsn.arrival = d->arrival;
	dsn.date = d->arrival;
	dsn.id = d->id;
	dsn.ret = d->ret == QRET_FULL   ? DSN_RET_FULL
	          : d->ret == QRET_HDRS ? DSN_RET_HDRS
	                                : DSN_RET_DEFAULT;
	dsn.original = d->queue_msg;
	if (dsn_build(&dsn, &d->dsn, NULL, &why) < 0)
		return 0; /* an unusable return path: no report, the mail goes on */
	d->n_reported = dsn.nrcpts;
	return 0;
}

/* To a local return path: into its INBOX, uncharged (a report is small
 * and tells of mail already handled); to another operator: queued with the
 * null sender. */
static int send_report(struct store_txn *txn, struct smtp_delivery *d)
{
	struct slice msg = buf_slice(&d->dsn);
	struct store_dlv_rcpt dr = {.address = d->return_path};
	struct store_delivery sd = {0};
	struct store_qentry e = {0};
	struct store_qrcpt q = {0};
	const char *why = NULL, *at = strrchr(d->return_path, '@');
	int r;

	if (d->n_reported == 0)
		return 0;
	r = store_domain_exists(txn, at != NULL ? at + 1 : "");
	if (r < 0)
		return r;
	if (r == 1) {
		buf_reset(&d->dsn_summary);
		if (msgsum_build(msg.p, msg.len, &d->dsn_summary) < 0)
			return STORE_E_LIMIT;
		sd.data = msg.p;
		sd.len = msg.len;
		sd.summary = d->dsn_summary.data;
		sd.summary_len = d->dsn_summary.len;
		sd.rcpts = &dr;
		sd.n_rcpts = 1;
		sd.alerter = d->alerter;
		return store_deliver(txn, &sd); /* a local sender that vanished: dropped */
	}
	str_copy(q.address, sizeof(q.address), d->return_path);
	q.notify = QNOTIFY_NEVER;
	e.rcpts = &q;
	e.n_rcpts = 1;
	e.arrival = d->arrival;
	r = store_blob_put(txn, msg.p, msg.len, NULL, 0, &e.blob_id);
	return r < 0 ? r : store_queue_add(txn, &e, &why);
}

/* ---------------------------------------------------------------- apply */

static int deliver_apply(struct store_txn *txn, struct smtp_delivery *d, size_t *n_local_r)
{
	size_t n_local, n_stored;
	int r;

	d->refused = -1;
	d->n_reported = 0;
	d->sieve_ns = 0;
	d->sieve_scripts = 0;
	r = deliver_local(txn, d, &n_local, &n_stored);
	*n_local_r = n_local;
	if (r < 0)
		return r;
	if (n_local > 0 && n_stored == 0 && n_local == d->n_rcpts) {
		/* Nobody took it: refused as a whole; the 100 % alerts of
		 * store_deliver stay (the apply returns 0 to keep them). */
		for (size_t i = 0; i < d->n_rcpts && d->refused < 0; i++)
			d->refused = (long)i;
		return 0;
	}
	r = queue_remote(txn, d);
	if (r == 0)
		r = build_report(d);
	if (r == 0)
		r = send_report(txn, d);
	return r;
}

int smtp_deliver_apply(struct store_txn *txn, void *arg)
{
	struct smtp_delivery *d = arg;
	uint64_t t0 = sieve_deliver_clock_ns();
	size_t n_local = 0;
	int r = deliver_apply(txn, d, &n_local);

	if (r == 0 && n_local > 0)
		sieve_deliver_stats_add(d->sieve_ns, d->sieve_scripts, sieve_deliver_clock_ns() - t0);
	return r;
}

void smtp_deliver_free(struct smtp_delivery *d)
{
	buf_free(&d->summary);
	buf_free(&d->dsn);
	buf_free(&d->dsn_summary);
	d->summarised = false;
}

void smtp_deliver_count(const struct smtp_delivery *d)
{
	size_t local = 0, queued = 0;

	for (size_t i = 0; i < d->n_rcpts; i++) {
		if (!d->rcpts[i].local)
			queued++;
		else if (d->rcpts[i].status == DLV_STORED)
			local++;
	}
	metrics_delivered(local, queued);
}
