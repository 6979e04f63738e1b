/* SPDX-License-Identifier: ISC */
/* The outbound queue: one versioned record per entry (envelope, DSN
 * parameters, recipients and their progress) keyed by queue id, an index
 * keyed (next attempt, queue id) for the runner, and one blob reference per
 * entry, all changed together in the caller's write transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

/* Encoded size bounds: header, and one recipient (strings at their limits,
 * each with its u16 length). */
#define QREC_HDR_MAX                                                                               \
	(1 + 2 + STORE_QADDR_MAX + 2 + STORE_QENVID_MAX + 1 + 8 * 5 + 4 + 4)
#define QREC_RCPT_MAX                                                                              \
	(2 + STORE_QADDR_MAX + 2 + STORE_QORCPT_TYPE_MAX + 2 + STORE_QADDR_MAX + 1 + 1 + 4 + 8 +  \
	 4 + 2 + STORE_QENH_MAX + 2 + STORE_QTEXT_MAX + 2 + STORE_QTEXT_MAX)

/* ---------------------------------------------------------------- names */

const char *store_qrcpt_state_name(enum store_qrcpt_state s)
{
	switch (s) {
	case QRCPT_PENDING:
		return "pending";
	case QRCPT_DELIVERED:
		return "delivered";
	case QRCPT_RELAYED:
		return "relayed";
	case QRCPT_FAILED:
		return "failed";
	case QRCPT_DELAY_NOTIFIED:
		return "delay-notified";
	default:
		return "unknown";
	}
}

bool store_qrcpt_state_final(enum store_qrcpt_state s)
{
	return s == QRCPT_DELIVERED || s == QRCPT_RELAYED || s == QRCPT_FAILED;
}

static bool store_qrcpt_state_valid(unsigned s)
{
	return s >= QRCPT_PENDING && s <= QRCPT_DELAY_NOTIFIED;
}

const char *store_qret_name(enum store_qret r)
{
	return r == QRET_FULL ? "FULL" : r == QRET_HDRS ? "HDRS" : "";
}

/* ---------------------------------------------------------------- validation */

/* NULL when s fits in max bytes without control characters (tab allowed
 * when tab_ok), else the problem: "too long" or a control character. */
static const char *store_qstr_check(const char *s, size_t max, bool tab_ok)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return "too long";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f)
			return "holds a control character";
	}
	return NULL;
}

/* A static sentence for the field and its limit (string literals) and the
 * problem store_qstr_check found. */
#define QWHY(field, limit, problem)                                                                \
	(strcmp(problem, "too long") == 0 ? field " longer than " limit " bytes"                   \
	                                  : field " holds a control character")

static int store_qreply_check(const struct store_qreply *r, const char **why_r)
{
	const char *p;

	if (r->code != 0 && (r->code < 200 || r->code > 599))
		return *why_r = "reply code outside 200-599", STORE_E_INVALID;
	if ((p = store_qstr_check(r->enhanced, STORE_QENH_MAX, false)) != NULL)
		return *why_r = QWHY("enhanced status code", "15", p), STORE_E_INVALID;
	if ((p = store_qstr_check(r->text, STORE_QTEXT_MAX, true)) != NULL)
		return *why_r = QWHY("reply text", "512", p), STORE_E_INVALID;
	if ((p = store_qstr_check(r->host, STORE_QTEXT_MAX, false)) != NULL)
		return *why_r = QWHY("remote host", "512", p), STORE_E_INVALID;
	return STORE_OK;
}

static int store_qrcpt_check(const struct store_qrcpt *r, const char **why_r)
{
	const char *p;

	if (r->address[0] == '\0')
		return *why_r = "recipient address empty", STORE_E_INVALID;
	if ((p = store_qstr_check(r->address, STORE_QADDR_MAX, false)) != NULL)
		return *why_r = QWHY("recipient address", "256", p), STORE_E_INVALID;
	if ((p = store_qstr_check(r->orcpt_type, STORE_QORCPT_TYPE_MAX, false)) != NULL)
		return *why_r = QWHY("ORCPT address type", "32", p), STORE_E_INVALID;
	if ((p = store_qstr_check(r->orcpt, STORE_QADDR_MAX, false)) != NULL)
		return *why_r = QWHY("ORCPT value", "256", p), STORE_E_INVALID;
	if ((r->orcpt_type[0] == '\0') != (r->orcpt[0] == '\0'))
		return *why_r = "ORCPT needs both an address type and a value", STORE_E_INVALID;
	if (r->notify & ~(unsigned)(QNOTIFY_NEVER | QNOTIFY_SUCCESS | QNOTIFY_FAILURE |
	                            QNOTIFY_DELAY))
		return *why_r = "unknown NOTIFY bits", STORE_E_INVALID;
	if ((r->notify & QNOTIFY_NEVER) && r->notify != QNOTIFY_NEVER)
		return *why_r = "NOTIFY=NEVER cannot be combined with other values", STORE_E_INVALID;
	return STORE_OK;
}

static int store_qentry_check(const struct store_qentry *e, const char **why_r)
{
	const char *p;
	int rc;

	if ((p = store_qstr_check(e->return_path, STORE_QADDR_MAX, false)) != NULL)
		return *why_r = QWHY("return path", "256", p), STORE_E_INVALID;
	if ((p = store_qstr_check(e->envid, STORE_QENVID_MAX, false)) != NULL)
		return *why_r = QWHY("ENVID", "100", p), STORE_E_INVALID;
	if (e->ret != QRET_UNSET && e->ret != QRET_FULL && e->ret != QRET_HDRS)
		return *why_r = "RET is neither FULL nor HDRS", STORE_E_INVALID;
	if (e->n_rcpts == 0 || e->rcpts == NULL)
		return *why_r = "a queue entry needs at least one recipient", STORE_E_INVALID;
	if (e->n_rcpts > STORE_QRCPTS_MAX)
		return *why_r = "more than 1000 recipients in one queue entry", STORE_E_INVALID;
	if (e->arrival < 0 || e->next_attempt < 0 || e->expires < 0)
		return *why_r = "negative time", STORE_E_INVALID;
	if (e->arrival != 0 && e->expires != 0 && e->expires < e->arrival)
		return *why_r = "expiry before arrival", STORE_E_INVALID;
	for (size_t i = 0; i < e->n_rcpts; i++)
		if ((rc = store_qrcpt_check(&e->rcpts[i], why_r)) != 0)
			return rc;
	return STORE_OK;
}

/* ---------------------------------------------------------------- records */

static void store_qreply_enc(struct store_enc *x, const struct store_qreply *r)
{
	store_enc_u32(x, r->code);
	store_enc_str(x, r->enhanced);
	store_enc_str(x, r->text);
	store_enc_str(x, r->host);
}

static int store_qentry_put(struct store_txn *txn, const struct store_qentry *e)
{
	size_t cap = QREC_HDR_MAX + e->n_rcpts * QREC_RCPT_MAX;
	uint8_t *buf = xmalloc(cap);
	struct store_enc x;
	struct store_key k;
	MDB_val val;
	int rc;

	store_enc_init(&x, buf, cap);
	store_enc_str(&x, e->return_path);
	store_enc_str(&x, e->envid);
	store_enc_u8(&x, (uint8_t)e->ret);
	store_enc_u64(&x, (uint64_t)e->arrival);
	store_enc_u64(&x, e->bal_id);
	store_enc_u64(&x, e->blob_id);
	store_enc_u64(&x, (uint64_t)e->next_attempt);
	store_enc_u32(&x, e->attempts);
	store_enc_u64(&x, (uint64_t)e->expires);
	store_enc_u32(&x, (uint32_t)e->n_rcpts);
	for (size_t i = 0; i < e->n_rcpts; i++) {
		const struct store_qrcpt *r = &e->rcpts[i];

		store_enc_str(&x, r->address);
		store_enc_str(&x, r->orcpt_type);
		store_enc_str(&x, r->orcpt);
		store_enc_u8(&x, (uint8_t)r->notify);
		store_enc_u8(&x, (uint8_t)r->state);
		store_enc_u32(&x, r->attempts);
		store_enc_u64(&x, (uint64_t)r->last_attempt);
		store_qreply_enc(&x, &r->reply);
	}
	if (x.overflow) {
		free(buf);
		return STORE_E_LIMIT; /* cannot happen after validation */
	}
	store_key_u64(&k, e->id);
	val.mv_data = buf;
	val.mv_size = x.len;
	rc = store_put(txn, DB_QUEUE, &k.v, &val, 0);
	free(buf);
	return rc;
}

static void store_qreply_dec(struct store_dec *d, struct store_qreply *r)
{
	r->code = store_dec_u32(d);
	store_dec_str(d, r->enhanced, sizeof(r->enhanced));
	store_dec_str(d, r->text, sizeof(r->text));
	store_dec_str(d, r->host, sizeof(r->host));
}

static void store_qrcpt_dec(struct store_dec *d, struct store_qrcpt *r)
{
	store_dec_str(d, r->address, sizeof(r->address));
	store_dec_str(d, r->orcpt_type, sizeof(r->orcpt_type));
	store_dec_str(d, r->orcpt, sizeof(r->orcpt));
	r->notify = store_dec_u8(d);
	r->state = store_dec_u8(d);
	r->attempts = store_dec_u32(d);
	r->last_attempt = (int64_t)store_dec_u64(d);
	store_qreply_dec(d, &r->reply);
	if (!store_qrcpt_state_valid(r->state))
		d->bad = true;
}

/* Decodes into e, growing e->rcpts (of *cap entries) as needed. */
static int store_qentry_decode(const MDB_val *key, const MDB_val *val, struct store_qentry *e,
                               size_t *cap)
{
	struct store_dec d;
	uint32_t n;

	if (key->mv_size != 8)
		return STORE_E_IO;
	e->id = store_rd64(key->mv_data);
	store_dec_init(&d, val);
	store_dec_str(&d, e->return_path, sizeof(e->return_path));
	store_dec_str(&d, e->envid, sizeof(e->envid));
	e->ret = store_dec_u8(&d);
	if (e->ret != QRET_UNSET && e->ret != QRET_FULL && e->ret != QRET_HDRS)
		d.bad = true;
	e->arrival = (int64_t)store_dec_u64(&d);
	e->bal_id = store_dec_u64(&d);
	e->blob_id = store_dec_u64(&d);
	e->next_attempt = (int64_t)store_dec_u64(&d);
	e->attempts = store_dec_u32(&d);
	e->expires = (int64_t)store_dec_u64(&d);
	n = store_dec_u32(&d);
	if (d.bad || n == 0 || n > STORE_QRCPTS_MAX)
		return STORE_E_IO;
	if (n > *cap) {
		e->rcpts = xrealloc(e->rcpts, n * sizeof(*e->rcpts));
		*cap = n;
	}
	e->n_rcpts = n;
	for (uint32_t i = 0; i < n && !d.bad; i++)
		store_qrcpt_dec(&d, &e->rcpts[i]);
	return d.bad || d.pos != d.len ? STORE_E_IO : STORE_OK;
}

/* 0 (e->rcpts allocated), STORE_E_NOTFOUND or an error. */
static int store_qentry_load(struct store_txn *txn, uint64_t id, struct store_qentry *e)
{
	struct store_key k;
	MDB_val val;
	size_t cap = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	store_key_u64(&k, id);
	rc = store_get(txn, DB_QUEUE, &k.v, &val);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	rc = store_qentry_decode(&k.v, &val, e, &cap);
	if (rc != 0) {
		log_error("store: queue entry %llu unreadable", (unsigned long long)id);
		store_queue_entry_free(e);
	}
	return rc;
}

static int store_qdue_put(struct store_txn *txn, int64_t when, uint64_t id)
{
	struct store_key k;
	MDB_val val = {0, NULL};

	store_key_u64_u64(&k, (uint64_t)when, id);
	return store_put(txn, DB_QUEUE_DUE, &k.v, &val, 0);
}

static int store_qdue_del(struct store_txn *txn, int64_t when, uint64_t id)
{
	struct store_key k;

	store_key_u64_u64(&k, (uint64_t)when, id);
	return store_del(txn, DB_QUEUE_DUE, &k.v);
}

/* ---------------------------------------------------------------- add, get */

int store_queue_add(struct store_txn *txn, struct store_qentry *e, const char **why_r)
{
	const char *why = NULL;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_qentry_check(e, &why);
	if (rc != 0) {
		if (why_r != NULL)
			*why_r = why;
		return rc;
	}
	if (e->arrival == 0)
		e->arrival = time_now();
	if (e->next_attempt == 0)
		e->next_attempt = e->arrival;
	if (e->expires == 0)
		e->expires = e->arrival + STORE_QEXPIRY_DEFAULT;
	e->attempts = 0;
	for (size_t i = 0; i < e->n_rcpts; i++) {
		e->rcpts[i].state = QRCPT_PENDING;
		e->rcpts[i].attempts = 0;
		e->rcpts[i].last_attempt = 0;
		memset(&e->rcpts[i].reply, 0, sizeof(e->rcpts[i].reply));
	}
	rc = store_blob_ref(txn, e->blob_id, 1);
	if (rc == 0)
		rc = store_counter_next(txn, "queue", &e->id);
	if (rc == 0)
		rc = store_qentry_put(txn, e);
	if (rc == 0)
		rc = store_qdue_put(txn, e->next_attempt, e->id);
	return rc;
}

int store_queue_get(struct store_txn *txn, uint64_t id, struct store_qentry *e_r)
{
	int rc = store_qentry_load(txn, id, e_r);

	return rc == 0 ? 1 : rc == STORE_E_NOTFOUND ? 0 : rc;
}

void store_queue_entry_free(struct store_qentry *e)
{
	free(e->rcpts);
	e->rcpts = NULL;
	e->n_rcpts = 0;
}

/* ---------------------------------------------------------------- listing */

int store_queue_each(struct store_txn *txn, int (*fn)(void *arg, const struct store_qentry *e),
                     void *arg)
{
	struct store_qentry *e = xcalloc(1, sizeof(*e));
	size_t cap = 0;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_QUEUE, &cur);

	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (store_qentry_decode(&key, &val, e, &cap) != 0) {
			log_error("store: queue entry %llu unreadable, skipped",
			          key.mv_size == 8 ? (unsigned long long)store_rd64(key.mv_data) : 0ULL);
			continue;
		}
		if (fn(arg, e) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "listing the queue");
out:
	store_queue_entry_free(e);
	free(e);
	return rc;
}

/* The due index in order up to now; each key's entry is loaded by id. */
int store_queue_each_due(struct store_txn *txn, int64_t now,
                         int (*fn)(void *arg, const struct store_qentry *e), void *arg)
{
	struct store_qentry e;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_QUEUE_DUE, &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		int stop;

		if (key.mv_size != 16)
			continue;
		if ((int64_t)store_rd64(key.mv_data) > now || now < 0)
			break;
		if (store_qentry_load(txn, store_rd64((uint8_t *)key.mv_data + 8), &e) != 0)
			continue; /* logged; store_check reports a dangling index entry */
		stop = fn(arg, &e);
		store_queue_entry_free(&e);
		if (stop != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK
	                                     : store_mdb_err(txn, rc, "listing the due queue");
}

int store_queue_count(struct store_txn *txn, uint64_t *n_r)
{
	MDB_stat st;
	int rc = mdb_stat(txn->txn, txn->store->dbi[DB_QUEUE], &st);

	if (rc != 0)
		return store_mdb_err(txn, rc, "counting the queue");
	*n_r = st.ms_entries;
	return STORE_OK;
}

/* ---------------------------------------------------------------- changes */

/* Removes a loaded entry: record, due index, blob reference. An entry
 * whose blob is already gone (damage store_check reports) is removed all
 * the same: it has nothing left to release. */
static int store_qentry_remove(struct store_txn *txn, const struct store_qentry *e)
{
	struct store_key k;
	int rc = store_qdue_del(txn, e->next_attempt, e->id);

	store_key_u64(&k, e->id);
	if (rc == 0)
		rc = store_del(txn, DB_QUEUE, &k.v);
	if (rc == 0)
		rc = store_blob_ref(txn, e->blob_id, -1);
	if (rc == STORE_E_NOTFOUND) {
		log_warn("store: queue entry %llu removed, its blob %llu was already gone",
		         (unsigned long long)e->id, (unsigned long long)e->blob_id);
		rc = 0;
	}
	return rc;
}

/* Moves a loaded entry to a new next attempt time and saves it. */
static int store_qentry_reschedule(struct store_txn *txn, struct store_qentry *e, int64_t when)
{
	int rc = store_qdue_del(txn, e->next_attempt, e->id);

	e->next_attempt = when;
	if (rc == 0)
		rc = store_qdue_put(txn, when, e->id);
	if (rc == 0)
		rc = store_qentry_put(txn, e);
	return rc;
}

static bool store_qentry_all_final(const struct store_qentry *e)
{
	for (size_t i = 0; i < e->n_rcpts; i++)
		if (!store_qrcpt_state_final(e->rcpts[i].state))
			return false;
	return true;
}

/* Checks every result against the entry before anything changes. */
static int store_qresults_check(const struct store_qentry *e, const struct store_qresult *res,
                                size_t n_res, const char **why_r)
{
	int rc;

	for (size_t i = 0; i < n_res; i++) {
		if (res[i].rcpt >= e->n_rcpts)
			return *why_r = "recipient index out of range", STORE_E_INVALID;
		if (store_qrcpt_state_final(e->rcpts[res[i].rcpt].state))
			return *why_r = "recipient already in a final state", STORE_E_INVALID;
		if (!store_qrcpt_state_valid(res[i].state))
			return *why_r = "unknown recipient state", STORE_E_INVALID;
		for (size_t j = 0; j < i; j++)
			if (res[j].rcpt == res[i].rcpt)
				return *why_r = "recipient listed twice", STORE_E_INVALID;
		if ((rc = store_qreply_check(&res[i].reply, why_r)) != 0)
			return rc;
	}
	return STORE_OK;
}

static void store_qresults_apply(struct store_qentry *e, int64_t now,
                                 const struct store_qresult *res, size_t n_res)
{
	for (size_t i = 0; i < n_res; i++) {
		struct store_qrcpt *r = &e->rcpts[res[i].rcpt];

		if (!(res[i].state == QRCPT_PENDING && r->state == QRCPT_DELAY_NOTIFIED))
			r->state = res[i].state;
		r->attempts++;
		r->last_attempt = now;
		r->reply = res[i].reply;
	}
	e->attempts++;
}

int store_queue_attempt(struct store_txn *txn, uint64_t id, int64_t now,
                        const struct store_qresult *res, size_t n_res, int64_t next_attempt,
                        bool *deleted_r, const char **why_r)
{
	struct store_qentry e = {0};
	const char *why = NULL;
	int rc = store_need_write(txn);

	if (deleted_r != NULL)
		*deleted_r = false;
	if (rc == 0 && (next_attempt <= 0 || now < 0)) {
		why = "next attempt time must be positive";
		rc = STORE_E_INVALID;
	}
	if (rc == 0)
		rc = store_qentry_load(txn, id, &e);
	if (rc == 0)
		rc = store_qresults_check(&e, res, n_res, &why);
	if (rc != 0)
		goto out;
	store_qresults_apply(&e, now, res, n_res);
	if (store_qentry_all_final(&e)) {
		rc = store_qentry_remove(txn, &e);
		if (rc == 0 && deleted_r != NULL)
			*deleted_r = true;
	} else {
		rc = store_qentry_reschedule(txn, &e, next_attempt);
	}
out:
	if (why_r != NULL && why != NULL)
		*why_r = why;
	store_queue_entry_free(&e);
	return rc;
}

int store_queue_retry(struct store_txn *txn, uint64_t id, int64_t now)
{
	struct store_qentry e;
	int rc = store_need_write(txn);

	if (rc == 0 && now <= 0)
		rc = STORE_E_INVALID;
	if (rc == 0)
		rc = store_qentry_load(txn, id, &e);
	if (rc != 0)
		return rc;
	rc = e.next_attempt == now ? STORE_OK : store_qentry_reschedule(txn, &e, now);
	store_queue_entry_free(&e);
	return rc;
}

int store_queue_delete(struct store_txn *txn, uint64_t id)
{
	struct store_qentry e;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_qentry_load(txn, id, &e);
	if (rc != 0)
		return rc;
	rc = store_qentry_remove(txn, &e);
	store_queue_entry_free(&e);
	return rc;
}
