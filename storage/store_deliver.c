/* SPDX-License-Identifier: ISC */
/* Local delivery of one message to several BALs (SMTP DATA): one blob, one
 * INBOX copy per accepted recipient, each recipient's outcome and quota
 * alert, all in the caller's write transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

/* The earlier recipient with the same BAL, or NULL. */
static const struct store_dlv_rcpt *store_dlv_same(const struct store_delivery *d, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (d->rcpts[k].bal_id != 0 && d->rcpts[k].bal_id == d->rcpts[i].bal_id)
			return &d->rcpts[k];
	return NULL;
}

/* Puts the blob on first use. */
static int store_dlv_blob(struct store_txn *txn, struct store_delivery *d)
{
	if (d->blob_id != 0)
		return STORE_OK;
	return store_blob_put(txn, d->data, d->len, d->summary, d->summary_len, &d->blob_id);
}

/* Looks the recipient up; 1 when it may receive, 0 when its status is final. */
static int store_dlv_resolve(struct store_txn *txn, struct store_dlv_rcpt *r,
                             struct store_bal *bal)
{
	int rc = store_bal_get_by_addr(txn, r->address, bal);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		r->status = DLV_UNKNOWN;
		return 0;
	}
	r->bal_id = bal->id;
	if (bal->state != BAL_ACTIVE) {
		r->status = DLV_SUSPENDED;
		return 0;
	}
	return 1;
}

/* An active BAL (bal) that has not had the message yet. */
static int store_dlv_one(struct store_txn *txn, struct store_delivery *d, struct store_dlv_rcpt *r,
                         const struct store_bal *bal)
{
	struct store_mailbox inbox;
	struct store_msg m;
	unsigned alert;
	int rc = store_quota_admit(txn, bal->id, d->len, 1, d->alerter, &r->alert);
	if (rc == STORE_E_QUOTA) {
		r->status = DLV_OVERQUOTA;
		return STORE_OK;
	}
	if (rc == 0)
		rc = store_mailbox_get(txn, bal->id, "INBOX", &inbox);
	if (rc == 0)
		rc = STORE_E_NOTFOUND; /* every BAL is created with its INBOX */
	if (rc == 1)
		rc = store_dlv_blob(txn, d);
	if (rc == 0)
		rc = store_msg_append(txn, inbox.id, d->blob_id, d->flags, 0, d->internal_date, 0, &m);
	if (rc == 0)
		rc = store_quota_alert(txn, bal->id, d->alerter, &alert);
	if (rc != 0)
		return rc;
	r->status = DLV_STORED;
	r->uid = m.uid;
	r->alert = alert;
	d->n_stored++;
	return STORE_OK;
}

int store_deliver(struct store_txn *txn, struct store_delivery *d)
{
	struct store_bal *bal;
	int rc = store_need_write(txn);

	d->blob_id = 0; /* reset: the apply may be replayed */
	d->n_stored = 0;
	for (size_t i = 0; i < d->n_rcpts; i++) {
		d->rcpts[i].status = 0;
		d->rcpts[i].bal_id = 0;
		d->rcpts[i].uid = 0;
		d->rcpts[i].alert = 0;
	}
	if (rc != 0)
		return rc;
	bal = xmalloc(sizeof(*bal));
	for (size_t i = 0; i < d->n_rcpts && rc == 0; i++) {
		struct store_dlv_rcpt *r = &d->rcpts[i];
		const struct store_dlv_rcpt *first;

		rc = store_dlv_resolve(txn, r, bal);
		if (rc < 0)
			break;
		first = store_dlv_same(d, i);
		if (first != NULL) {
			r->status = first->status;
			r->uid = first->uid;
			rc = STORE_OK;
			continue;
		}
		rc = rc == 1 ? store_dlv_one(txn, d, r, bal) : STORE_OK;
	}
	free(bal);
	return rc;
}
