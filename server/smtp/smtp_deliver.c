/* SPDX-License-Identifier: ISC */
/* One accepted SMTP message into the store: local copies, the outbound
 * queue entry, the success DSNs; all in the same write transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "msgsum.h"
#include "smtp_deliver.h"
#include "util.h"

/* ---------------------------------------------------------------- DSN */

static enum dsn_ret dsn_ret_of(enum store_qret r)
{
	return r == QRET_FULL ? DSN_RET_FULL : r == QRET_HDRS ? DSN_RET_HDRS : DSN_RET_DEFAULT;
}

int smtp_deliver_prepare(struct smtp_delivery *d, const char *hostname, const char *postmaster,
                         const char *id, const char **why_r)
{
	struct dsn_rcpt rc[DSN_MAX_RCPTS];
	struct dsn dsn = {0};
	size_t n = 0;

	buf_init(&d->dsn, 0);
	if (d->return_path[0] == '\0')
		return 0; /* never a report to the null sender */
	for (size_t i = 0; i < d->n_rcpts && n < DSN_MAX_RCPTS; i++) {
		const struct smtp_drcpt *r = &d->rcpts[i];

		if (!r->local || !(r->notify & QNOTIFY_SUCCESS))
			continue;
		rc[n] = (struct dsn_rcpt){
		    .orcpt_type = r->orcpt_type[0] ? r->orcpt_type : NULL,
		    .orcpt = r->orcpt_type[0] ? r->orcpt : NULL,
		    .rcpt = r->addr,
		    .action = DSN_DELIVERED,
		    .status = "2.0.0",
		    .last_attempt = d->arrival,
		};
		n++;
	}
	if (n == 0)
		return 0;
	dsn.reporting_mta = hostname;
	dsn.postmaster = postmaster;
	dsn.return_path = d->return_path;
	dsn.envid = d->envid[0] ? d->envid : NULL;
	dsn.arrival = d->arrival;
	dsn.date = time_now();
	dsn.id = id;
	dsn.ret = dsn_ret_of(d->ret);
	dsn.rcpts = rc;
	dsn.nrcpts = n;
	dsn.original = d->queue_msg;
	return dsn_build(&dsn, &d->dsn, NULL, why_r);
}

/* ---------------------------------------------------------------- apply */

static int summarise(const struct slice msg, struct buf *sum, bool *done)
{
	if (*done)
		return 0;
	buf_init(sum, 0);
	if (msgsum_build(msg.p, msg.len, sum) < 0)
		return STORE_E_LIMIT;
	*done = true;
	return 0;
}

/* msg into the INBOX of bal_id; quota enforced when asked. */
static int to_inbox(struct store_txn *txn, uint64_t bal_id, uint64_t blob, unsigned opts)
{
	struct store_mailbox mb;
	struct store_msg sm;
	int r = store_mailbox_get(txn, bal_id, "INBOX", &mb);

	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	return store_msg_append(txn, mb.id, blob, 0, 0, 0, opts, &sm);
}

static int deliver_local(struct store_txn *txn, struct smtp_delivery *d)
{
	uint64_t blob = 0;
	bool have_blob = false;
	int r;

	for (size_t i = 0; i < d->n_rcpts; i++) {
		const struct smtp_drcpt *rc = &d->rcpts[i];
		bool dup = false;

		if (!rc->local)
			continue;
		for (size_t j = 0; j < i && !dup; j++) /* one copy per BAL */
			dup = d->rcpts[j].local && d->rcpts[j].bal_id == rc->bal_id;
		if (dup)
			continue;
		if (!have_blob) {
			r = summarise(d->local_msg, &d->summary, &d->summarised);
			if (r == 0)
				r = store_blob_put(txn, d->local_msg.p, d->local_msg.len,
				                   d->summary.data, d->summary.len, &blob);
			if (r < 0)
				return r;
			have_blob = true;
		}
		r = to_inbox(txn, rc->bal_id, blob, STORE_APPEND_QUOTA);
		if (r == STORE_E_QUOTA)
			str_copy(d->quota_rcpt, sizeof(d->quota_rcpt), rc->addr);
		if (r < 0)
			return r;
	}
	return 0;
}

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

/* The DSN to a local return path goes into its INBOX (never refused for
 * quota: a report is small and tells of mail already delivered); to
 * another operator it is queued with the null sender. */
static int deliver_dsn(struct store_txn *txn, struct smtp_delivery *d)
{
	struct slice msg = buf_slice(&d->dsn);
	struct store_bal bal;
	struct store_qentry e = {0};
	struct store_qrcpt q = {0};
	const char *why = NULL;
	uint64_t blob;
	int r;

	if (d->dsn.len == 0)
		return 0;
	r = store_bal_get_by_addr(txn, d->return_path, &bal);
	if (r < 0)
		return r;
	if (r == 1) {
		r = summarise(msg, &d->dsn_summary, &d->dsn_summarised);
		if (r == 0)
			r = store_blob_put(txn, msg.p, msg.len, d->dsn_summary.data,
			                   d->dsn_summary.len, &blob);
		return r < 0 ? r : to_inbox(txn, bal.id, blob, 0);
	}
	str_copy(q.address, sizeof(q.address), d->return_path);
	q.notify = QNOTIFY_NEVER;
	e.rcpts = &q;
	e.n_rcpts = 1;
	e.arrival = d->arrival;
	r = store_blob_put(txn, msg.p, msg.len, NULL, 0, &e.blob_id);
	return r < 0 ? r : store_queue_add(txn, &e, &why);
}

int smtp_deliver_apply(struct store_txn *txn, void *arg)
{
	struct smtp_delivery *d = arg;
	int r;

	d->quota_rcpt[0] = '\0';
	r = deliver_local(txn, d);
	if (r == 0)
		r = queue_remote(txn, d);
	if (r == 0)
		r = deliver_dsn(txn, d);
	return r;
}

void smtp_deliver_free(struct smtp_delivery *d)
{
	if (d->summarised)
		buf_free(&d->summary);
	if (d->dsn_summarised)
		buf_free(&d->dsn_summary);
	buf_free(&d->dsn);
	d->summarised = d->dsn_summarised = false;
}
