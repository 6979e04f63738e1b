/* SPDX-License-Identifier: ISC */
/* The per-BAL quota record (usage and last alert level) and the quota
 * alerts of EX_GBM_4470: levels, re-arming when usage falls, the alert
 * stored in the INBOX in the transaction of the change, and the refusal
 * that counts as reaching 100 %. Rules in balstore.h, quota section. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

/* ---------------------------------------------------------------- record */

static int store_quota_put(struct store_txn *txn, uint64_t bal_id, const struct store_quota *q)
{
	uint8_t buf[32];
	struct store_enc e;
	struct store_key k;
	MDB_val val;

	store_enc_init(&e, buf, sizeof(buf));
	store_enc_u64(&e, q->bytes);
	store_enc_u64(&e, q->messages);
	store_enc_u32(&e, q->alert_level);
	store_key_u64(&k, bal_id);
	val.mv_data = buf;
	val.mv_size = e.len;
	return store_put(txn, DB_QUOTA, &k.v, &val, 0);
}

int store_quota_get(struct store_txn *txn, uint64_t bal_id, struct store_quota *q_r)
{
	struct store_key k;
	struct store_dec d;
	MDB_val val;
	int rc;

	store_key_u64(&k, bal_id);
	rc = store_get(txn, DB_QUOTA, &k.v, &val);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	store_dec_init(&d, &val);
	q_r->bytes = store_dec_u64(&d);
	q_r->messages = store_dec_u64(&d);
	q_r->alert_level = store_dec_u32(&d);
	return d.bad ? STORE_E_IO : STORE_OK;
}

int store_quota_create(struct store_txn *txn, uint64_t bal_id)
{
	struct store_quota q = {0};

	return store_quota_put(txn, bal_id, &q);
}

int store_quota_delete(struct store_txn *txn, uint64_t bal_id)
{
	struct store_key k;
	int rc;

	store_key_u64(&k, bal_id);
	rc = store_del(txn, DB_QUOTA, &k.v);
	return rc == STORE_E_NOTFOUND ? STORE_OK : rc;
}

int store_quota_set_alert(struct store_txn *txn, uint64_t bal_id, unsigned level)
{
	struct store_quota q;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_quota_get(txn, bal_id, &q);
	if (rc != 0)
		return rc;
	q.alert_level = level;
	return store_quota_put(txn, bal_id, &q);
}

/* ---------------------------------------------------------------- levels */

static unsigned store_percent_of(uint64_t used, uint64_t limit)
{
	unsigned __int128 p;

	if (limit == 0)
		return 0;
	p = (unsigned __int128)used * 100 / limit;
	return p > UINT32_MAX ? UINT32_MAX : (unsigned)p;
}

unsigned store_quota_percent(const struct store_bal *bal, const struct store_quota *q)
{
	unsigned b = store_percent_of(q->bytes, bal->quota_bytes);
	unsigned m = store_percent_of(q->messages, bal->quota_messages);

	return b > m ? b : m;
}

static unsigned store_level_of(unsigned percent)
{
	if (percent >= STORE_QUOTA_LEVEL_100)
		return STORE_QUOTA_LEVEL_100;
	if (percent >= STORE_QUOTA_LEVEL_90)
		return STORE_QUOTA_LEVEL_90;
	if (percent >= STORE_QUOTA_LEVEL_80)
		return STORE_QUOTA_LEVEL_80;
	return 0;
}

unsigned store_quota_level(const struct store_bal *bal, const struct store_quota *q)
{
	return store_level_of(store_quota_percent(bal, q));
}

/* Lowers q->alert_level to the level of the usage (the levels above it
 * re-arm); needs the BAL's quotas. */
static int store_quota_rearm_q(struct store_txn *txn, uint64_t bal_id, struct store_quota *q)
{
	struct store_bal *bal;
	unsigned level;
	int rc;

	if (q->alert_level == 0)
		return STORE_OK;
	bal = xmalloc(sizeof(*bal));
	rc = store_bal_get(txn, bal_id, bal);
	if (rc == 1) {
		level = store_quota_level(bal, q);
		if (level < q->alert_level)
			q->alert_level = level;
		rc = STORE_OK;
	}
	free(bal);
	return rc; /* 0 also when the BAL is being deleted */
}

int store_quota_rearm(struct store_txn *txn, uint64_t bal_id)
{
	struct store_quota q;
	unsigned before;
	int rc = store_quota_get(txn, bal_id, &q);

	if (rc != 0)
		return rc == STORE_E_NOTFOUND ? STORE_OK : rc;
	before = q.alert_level;
	rc = store_quota_rearm_q(txn, bal_id, &q);
	if (rc == 0 && q.alert_level != before)
		rc = store_quota_put(txn, bal_id, &q);
	return rc;
}

/* Counters never go below zero: a credit can only undo an earlier debit. */
static uint64_t store_add_clamped(uint64_t v, int64_t delta)
{
	if (delta < 0 && (uint64_t)-delta > v)
		return 0;
	return v + (uint64_t)delta;
}

int store_quota_add(struct store_txn *txn, uint64_t bal_id, int64_t bytes, int64_t messages)
{
	struct store_quota q;
	int rc = store_quota_get(txn, bal_id, &q);

	if (rc == STORE_E_NOTFOUND) {
		memset(&q, 0, sizeof(q));
		rc = STORE_OK;
	}
	if (rc != 0)
		return rc;
	q.bytes = store_add_clamped(q.bytes, bytes);
	q.messages = store_add_clamped(q.messages, messages);
	if (bytes < 0 || messages < 0)
		rc = store_quota_rearm_q(txn, bal_id, &q);
	if (rc != 0)
		return rc;
	return store_quota_put(txn, bal_id, &q);
}

/* ---------------------------------------------------------------- alerts */

/* Builds the alert of level into the BAL's INBOX, uncharged, and records
 * level in *q (saved). Without an alerter, or when the builder fails
 * without breaking txn, nothing happens. */
static int store_quota_send(struct store_txn *txn, const struct store_bal *bal,
                            struct store_quota *q, unsigned level, bool refused,
                            const struct store_alerter *al, unsigned *alert_r)
{
	struct store_alert a = {.bal = bal, .level = level, .usage = *q, .refused = refused};
	struct store_mailbox *inbox;
	uint64_t blob = 0;
	int rc;

	if (al == NULL || al->fn == NULL)
		return STORE_OK;
	a.percent = store_quota_percent(bal, q);
	inbox = xmalloc(sizeof(*inbox));
	rc = store_mailbox_get(txn, bal->id, "INBOX", inbox);
	if (rc == 1)
		rc = al->fn(al->arg, txn, &a, &blob);
	else if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc == 0)
		rc = store_msg_append(txn, inbox->id, blob, 0, 0, 0, STORE_APPEND_UNCHARGED, NULL);
	free(inbox);
	if (rc != 0 && txn->mdb_err == 0) {
		log_warn("store: BAL %llu: quota alert %u%% not stored: %s",
		         (unsigned long long)bal->id, level, store_strerror(rc));
		return STORE_OK;
	}
	if (rc != 0)
		return rc;
	q->alert_level = level;
	*alert_r = level;
	rc = store_quota_put(txn, bal->id, q);
	if (rc == 0) /* the policy action's trace, in its transaction */
		rc = store_audit_admin(txn, 0, "balised(quota)", "policy.quota-alert", bal->address,
		                       "level=%u percent=%u refused=%d", level, a.percent, refused);
	return rc;
}

/* Loads the BAL and its usage (bal allocated by the caller). */
static int store_quota_load(struct store_txn *txn, uint64_t bal_id, struct store_bal *bal,
                            struct store_quota *q)
{
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_bal_get(txn, bal_id, bal);
	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc == 1)
		rc = store_quota_get(txn, bal_id, q);
	return rc;
}

int store_quota_alert(struct store_txn *txn, uint64_t bal_id, const struct store_alerter *al,
                      unsigned *alert_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_quota q;
	unsigned level;
	int rc = store_quota_load(txn, bal_id, bal, &q);

	*alert_r = 0;
	if (rc == 0) {
		level = store_quota_level(bal, &q);
		if (level > q.alert_level)
			rc = store_quota_send(txn, bal, &q, level, false, al, alert_r);
	}
	free(bal);
	return rc;
}

static bool store_quota_fits_q(const struct store_bal *bal, const struct store_quota *q,
                               uint64_t bytes, uint64_t messages)
{
	if (bal->quota_bytes && (bytes > bal->quota_bytes || q->bytes > bal->quota_bytes - bytes))
		return false;
	return !bal->quota_messages ||
	       (messages <= bal->quota_messages && q->messages <= bal->quota_messages - messages);
}

int store_quota_fits(struct store_txn *txn, uint64_t bal_id, uint64_t bytes, uint64_t messages)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_quota q;
	int rc = store_bal_get(txn, bal_id, bal);

	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc == 1)
		rc = store_quota_get(txn, bal_id, &q);
	if (rc == 0)
		rc = store_quota_fits_q(bal, &q, bytes, messages);
	free(bal);
	return rc;
}

int store_quota_admit(struct store_txn *txn, uint64_t bal_id, uint64_t bytes, uint64_t messages,
                      const struct store_alerter *al, unsigned *alert_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_quota q;
	int rc = store_quota_load(txn, bal_id, bal, &q);

	*alert_r = 0;
	if (rc == 0 && !store_quota_fits_q(bal, &q, bytes, messages)) {
		rc = STORE_E_QUOTA;
		if (q.alert_level < STORE_QUOTA_LEVEL_100) {
			int r = store_quota_send(txn, bal, &q, STORE_QUOTA_LEVEL_100, true, al,
			                         alert_r);
			if (r != 0)
				rc = r;
		}
	}
	free(bal);
	return rc;
}
