/* SPDX-License-Identifier: ISC */
/* Messages listed in mailboxes: UIDs, flags and keywords, modseq entries and
 * expunge tombstones (CONDSTORE/QRESYNC), with the mailbox counters, blob
 * references and BAL quota kept in step in the same transaction. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

/* ---------------------------------------------------------------- records */

static int store_msg_put(struct store_txn *txn, const struct store_msg *m)
{
	uint8_t buf[64];
	struct store_enc e;
	struct store_key k;
	MDB_val val;

	store_enc_init(&e, buf, sizeof(buf));
	store_enc_u64(&e, m->blob_id);
	store_enc_u32(&e, m->flags);
	store_enc_u64(&e, m->keywords);
	store_enc_u64(&e, (uint64_t)m->internal_date);
	store_enc_u64(&e, (uint64_t)m->save_date);
	store_enc_u64(&e, m->size);
	store_enc_u64(&e, m->modseq);
	if (m->uncharged) /* optional trailing byte: older records are charged */
		store_enc_u8(&e, 1);
	store_key_u64_u32(&k, m->mailbox_id, m->uid);
	val.mv_data = buf;
	val.mv_size = e.len;
	return store_put(txn, DB_MSGS, &k.v, &val, 0);
}

static int store_msg_decode(const MDB_val *key, const MDB_val *val, struct store_msg *m)
{
	struct store_dec d;

	if (key->mv_size != 12)
		return STORE_E_IO;
	m->mailbox_id = store_rd64(key->mv_data);
	m->uid = store_rd32((const uint8_t *)key->mv_data + 8);
	store_dec_init(&d, val);
	m->blob_id = store_dec_u64(&d);
	m->flags = store_dec_u32(&d);
	m->keywords = store_dec_u64(&d);
	m->internal_date = (int64_t)store_dec_u64(&d);
	m->save_date = (int64_t)store_dec_u64(&d);
	m->size = store_dec_u64(&d);
	m->modseq = store_dec_u64(&d);
	m->uncharged = !d.bad && d.pos < d.len && store_dec_u8(&d) != 0;
	return d.bad ? STORE_E_IO : STORE_OK;
}

/* 0, STORE_E_NOTFOUND or an error. */
static int store_msg_load(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid,
                          struct store_msg *m)
{
	struct store_key k;
	MDB_val val;
	int rc;

	store_key_u64_u32(&k, mailbox_id, uid);
	rc = store_get(txn, DB_MSGS, &k.v, &val);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	return store_msg_decode(&k.v, &val, m);
}

static int store_modseq_put(struct store_txn *txn, uint64_t mailbox_id, uint64_t modseq,
                            uint32_t uid, bool expunged)
{
	uint8_t rec[6];
	struct store_key k;
	MDB_val val = {sizeof(rec), rec};

	rec[0] = STORE_REC_V1;
	store_be32(rec + 1, uid);
	rec[5] = expunged;
	store_key_u64_u64(&k, mailbox_id, modseq);
	return store_put(txn, DB_MODSEQ, &k.v, &val, 0);
}

static int store_modseq_del(struct store_txn *txn, uint64_t mailbox_id, uint64_t modseq)
{
	struct store_key k;
	int rc;

	store_key_u64_u64(&k, mailbox_id, modseq);
	rc = store_del(txn, DB_MODSEQ, &k.v);
	return rc == STORE_E_NOTFOUND ? STORE_OK : rc;
}

/* Moves the message to a new modseq: its entry in the modseq db follows. */
static int store_msg_bump(struct store_txn *txn, struct store_mailbox *mb, struct store_msg *m)
{
	int rc = store_modseq_del(txn, mb->id, m->modseq);

	m->modseq = store_mailbox_next_modseq(mb);
	if (rc == 0)
		rc = store_modseq_put(txn, mb->id, m->modseq, m->uid, false);
	return rc;
}

/* ---------------------------------------------------------------- append */

/* STORE_E_QUOTA when one more message of size would pass the BAL's quota
 * (0 means unlimited). */
static int store_msg_quota_check(struct store_txn *txn, uint64_t bal_id, uint64_t size)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_quota q;
	int rc = store_bal_get(txn, bal_id, bal);

	if (rc == 1)
		rc = store_quota_get(txn, bal_id, &q);
	else if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc == 0 && ((bal->quota_bytes && q.bytes + size > bal->quota_bytes) ||
	                (bal->quota_messages && q.messages + 1 > bal->quota_messages)))
		rc = STORE_E_QUOTA;
	free(bal);
	return rc;
}

/* Private to this file, beside enum store_append_opt: the append leaves the
 * quota record alone (store_msg_move within one BAL). */
#define STORE_APPEND_NOACCOUNT (1u << 31)

static void store_mailbox_count(struct store_mailbox *mb, const struct store_msg *m, int dir)
{
	mb->messages += (uint32_t)dir;
	if (!(m->flags & MSG_SEEN))
		mb->unseen += (uint32_t)dir;
	mb->bytes += (uint64_t)(int64_t)dir * m->size;
}

int store_msg_append(struct store_txn *txn, uint64_t mailbox_id, uint64_t blob_id, uint32_t flags,
                     uint64_t keywords, int64_t internal_date, unsigned opts,
                     struct store_msg *msg_r)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct store_msg m = {
	    .mailbox_id = mailbox_id, .blob_id = blob_id, .flags = flags, .keywords = keywords};
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_mailbox_load(txn, mailbox_id, mb);
	if (rc == 0)
		rc = store_blob_info(txn, blob_id, &m.size, NULL, NULL, NULL);
	if (rc == 0 && mb->uidnext == UINT32_MAX)
		rc = STORE_E_LIMIT; /* RFC 3501 2.3.1.1: UIDs are 32-bit */
	m.uncharged = (opts & STORE_APPEND_UNCHARGED) != 0;
	if (rc == 0 && (opts & STORE_APPEND_QUOTA) && !m.uncharged &&
	    !(opts & STORE_APPEND_NOACCOUNT))
		rc = store_msg_quota_check(txn, mb->bal_id, m.size);
	if (rc != 0)
		goto out;
	m.uid = mb->uidnext++;
	m.modseq = store_mailbox_next_modseq(mb);
	m.save_date = time_now();
	m.internal_date = internal_date ? internal_date : m.save_date;
	store_mailbox_count(mb, &m, 1);
	rc = store_msg_put(txn, &m);
	if (rc == 0)
		rc = store_modseq_put(txn, mailbox_id, m.modseq, m.uid, false);
	if (rc == 0)
		rc = store_blob_ref(txn, blob_id, 1);
	if (rc == 0)
		rc = store_mailbox_save(txn, mb);
	if (rc == 0 && !m.uncharged && !(opts & STORE_APPEND_NOACCOUNT))
		rc = store_quota_add(txn, mb->bal_id, (int64_t)m.size, 1);
	if (rc != 0)
		goto out;
	store_touch_mailbox(txn, mailbox_id);
	if (msg_r != NULL)
		*msg_r = m;
out:
	free(mb);
	return rc;
}

int store_msg_get(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid, struct store_msg *msg_r)
{
	int rc = store_msg_load(txn, mailbox_id, uid, msg_r);

	return rc == 0 ? 1 : rc == STORE_E_NOTFOUND ? 0 : rc;
}

int store_msg_each(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid_from,
                   int (*fn)(void *arg, const struct store_msg *msg), void *arg)
{
	struct store_msg m;
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_MSGS, &cur);

	if (rc != 0)
		return rc;
	store_key_u64_u32(&k, mailbox_id, uid_from);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size == 12 && store_rd64(key.mv_data) == mailbox_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (store_msg_decode(&key, &val, &m) != 0)
			continue;
		if (fn(arg, &m) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK
	                                     : store_mdb_err(txn, rc, "listing messages");
}

/* ---------------------------------------------------------------- changes */

int store_msg_set_flags(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid, uint32_t flags,
                        uint64_t keywords, uint64_t unchanged_since, struct store_msg *msg_r)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct store_msg m;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_msg_load(txn, mailbox_id, uid, &m);
	if (rc != 0)
		goto out;
	/* RFC 7162 3.1.3: UNCHANGEDSINCE fails when modified after it. */
	if (unchanged_since != 0 && m.modseq > unchanged_since) {
		rc = STORE_E_EXISTS;
		goto done;
	}
	if (m.flags == flags && m.keywords == keywords)
		goto done;
	rc = store_mailbox_load(txn, mailbox_id, mb);
	if (rc != 0)
		goto out;
	store_mailbox_count(mb, &m, -1);
	m.flags = flags;
	m.keywords = keywords;
	store_mailbox_count(mb, &m, 1);
	rc = store_msg_bump(txn, mb, &m);
	if (rc == 0)
		rc = store_msg_put(txn, &m);
	if (rc == 0)
		rc = store_mailbox_save(txn, mb);
	if (rc != 0)
		goto out;
	store_touch_mailbox(txn, mailbox_id);
done:
	if (msg_r != NULL)
		*msg_r = m;
out:
	free(mb);
	return rc;
}

/* account: credit the BAL's quota (not for a move within the BAL). */
static int store_msg_expunge_int(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid,
                                 bool account)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct store_msg m;
	struct store_key k;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_msg_load(txn, mailbox_id, uid, &m);
	if (rc == 0)
		rc = store_mailbox_load(txn, mailbox_id, mb);
	if (rc != 0)
		goto out;
	store_mailbox_count(mb, &m, -1);
	/* The tombstone replaces the message's modseq entry (QRESYNC). */
	rc = store_modseq_del(txn, mailbox_id, m.modseq);
	if (rc == 0)
		rc = store_modseq_put(txn, mailbox_id, store_mailbox_next_modseq(mb), uid, true);
	store_key_u64_u32(&k, mailbox_id, uid);
	if (rc == 0)
		rc = store_del(txn, DB_MSGS, &k.v);
	if (rc == 0)
		rc = store_blob_ref(txn, m.blob_id, -1);
	if (rc == 0)
		rc = store_mailbox_save(txn, mb);
	if (rc == 0 && !m.uncharged && account)
		rc = store_quota_add(txn, mb->bal_id, -(int64_t)m.size, -1);
	if (rc == 0)
		store_touch_mailbox(txn, mailbox_id);
out:
	free(mb);
	return rc;
}

int store_msg_expunge(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid)
{
	return store_msg_expunge_int(txn, mailbox_id, uid, true);
}

/* Keyword bits of src mapped by name to dst's indexes (created there). */
static int store_msg_map_keywords(struct store_txn *txn, uint64_t src, uint64_t dst, uint64_t kw,
                                  uint64_t *kw_r)
{
	char name[256];
	unsigned idx;
	int rc;

	*kw_r = 0;
	if (src == dst) {
		*kw_r = kw;
		return STORE_OK;
	}
	for (unsigned i = 0; i < STORE_KEYWORDS_MAX; i++) {
		if (!(kw & (1ULL << i)))
			continue;
		rc = store_keyword_name(txn, src, i, name);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue; /* a bit without a name: nothing to carry */
		rc = store_keyword_index(txn, dst, name, true, &idx);
		if (rc < 0)
			return rc;
		*kw_r |= 1ULL << idx;
	}
	return STORE_OK;
}

int store_msg_copy(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid,
                   uint64_t dst_mailbox_id, unsigned opts, struct store_msg *msg_r)
{
	struct store_msg m;
	uint64_t kw;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_msg_load(txn, mailbox_id, uid, &m);
	if (rc == 0)
		rc = store_msg_map_keywords(txn, mailbox_id, dst_mailbox_id, m.keywords, &kw);
	if (rc != 0)
		return rc;
	opts &= ~(unsigned)STORE_APPEND_UNCHARGED; /* a copy made by the user counts */
	return store_msg_append(txn, dst_mailbox_id, m.blob_id, m.flags, kw, m.internal_date, opts,
	                        msg_r);
}

/* 1 when both mailboxes belong to the same BAL. */
static int store_msg_same_bal(struct store_txn *txn, uint64_t a, uint64_t b)
{
	struct store_mailbox *ma = xmalloc(sizeof(*ma)), *mb = xmalloc(sizeof(*mb));
	int rc = store_mailbox_load(txn, a, ma);

	if (rc == 0)
		rc = store_mailbox_load(txn, b, mb);
	if (rc == 0)
		rc = ma->bal_id == mb->bal_id;
	free(ma);
	free(mb);
	return rc;
}

int store_msg_move(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid,
                   uint64_t dst_mailbox_id, unsigned opts, struct store_msg *msg_r)
{
	struct store_msg m;
	uint64_t kw;
	int same = store_msg_same_bal(txn, mailbox_id, dst_mailbox_id);
	int rc = same < 0 ? same : store_need_write(txn);

	if (rc == 0 && !same) {
		rc = store_msg_copy(txn, mailbox_id, uid, dst_mailbox_id, opts, msg_r);
		return rc == 0 ? store_msg_expunge(txn, mailbox_id, uid) : rc;
	}
	if (rc == 0)
		rc = store_msg_load(txn, mailbox_id, uid, &m);
	if (rc == 0)
		rc = store_msg_map_keywords(txn, mailbox_id, dst_mailbox_id, m.keywords, &kw);
	if (rc == 0)
		rc = store_msg_append(txn, dst_mailbox_id, m.blob_id, m.flags, kw, m.internal_date,
		                      STORE_APPEND_NOACCOUNT |
		                          (m.uncharged ? STORE_APPEND_UNCHARGED : 0),
		                      msg_r);
	if (rc == 0)
		rc = store_msg_expunge_int(txn, mailbox_id, uid, false);
	return rc;
}

int store_changes_since(struct store_txn *txn, uint64_t mailbox_id, uint64_t modseq,
                        int (*fn)(void *arg, uint32_t uid, uint64_t modseq, bool expunged),
                        void *arg)
{
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_MODSEQ, &cur);

	if (rc != 0)
		return rc;
	store_key_u64_u64(&k, mailbox_id, modseq == UINT64_MAX ? modseq : modseq + 1);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size == 16 && store_rd64(key.mv_data) == mailbox_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const uint8_t *v = val.mv_data;

		if (val.mv_size != 6 || v[0] != STORE_REC_V1)
			continue;
		if (fn(arg, store_rd32(v + 1), store_rd64((uint8_t *)key.mv_data + 8), v[5] != 0) !=
		    0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "listing changes");
}

/* ---------------------------------------------------------------- purge */

/* Deletes every key of db that starts with the mailbox id. */
static int store_del_mailbox_keys(struct store_txn *txn, enum store_db db, uint64_t mailbox_id)
{
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, db, &cur);

	if (rc != 0)
		return rc;
	for (;;) {
		store_key_u64(&k, mailbox_id);
		key = k.v;
		rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		if (rc != 0 || key.mv_size < 8 || store_rd64(key.mv_data) != mailbox_id)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK
	                                     : store_mdb_err(txn, rc, "purging a mailbox");
}

/* Releases one message's blob; collects what the quota gets back. */
static int store_msg_purge_one(struct store_txn *txn, MDB_cursor *cur, uint64_t mailbox_id,
                               uint64_t *bytes, uint64_t *count)
{
	struct store_key k;
	struct store_msg m;
	MDB_val key, val;
	int rc;

	store_key_u64_u32(&k, mailbox_id, 0);
	key = k.v;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND ||
	    (rc == 0 && (key.mv_size != 12 || store_rd64(key.mv_data) != mailbox_id)))
		return 1;
	if (rc != 0)
		return store_mdb_err(txn, rc, "purging a mailbox");
	if (store_msg_decode(&key, &val, &m) != 0)
		return STORE_E_IO;
	rc = mdb_cursor_del(cur, 0);
	if (rc != 0)
		return store_mdb_err(txn, rc, "purging a mailbox");
	if (!m.uncharged) {
		*bytes += m.size;
		(*count)++;
	}
	return store_blob_ref(txn, m.blob_id, -1);
}

int store_msg_purge_mailbox(struct store_txn *txn, struct store_mailbox *mb)
{
	uint64_t bytes = 0, count = 0;
	MDB_cursor *cur;
	int rc = store_cursor_open(txn, DB_MSGS, &cur);

	if (rc != 0)
		return rc;
	while ((rc = store_msg_purge_one(txn, cur, mb->id, &bytes, &count)) == 0)
		;
	mdb_cursor_close(cur);
	if (rc < 0)
		return rc;
	rc = store_del_mailbox_keys(txn, DB_MODSEQ, mb->id);
	if (rc == 0)
		rc = store_del_mailbox_keys(txn, DB_KEYWORDS, mb->id);
	if (rc == 0 && count > 0)
		rc = store_quota_add(txn, mb->bal_id, -(int64_t)bytes, -(int64_t)count);
	mb->messages = mb->unseen = 0;
	mb->bytes = 0;
	return rc;
}
