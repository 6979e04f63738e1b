/* SPDX-License-Identifier: ISC */
/* store_check: recomputes every counter, reference count and index from the
 * records of one snapshot and compares (tests, crash recovery). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

#define STORE_CHECK_WHY_MAX 256

static _Thread_local char store_check_why[STORE_CHECK_WHY_MAX];

struct store_check_bal {
	uint64_t id, bytes, messages;
};

struct store_check {
	struct store_txn *txn;
	uint64_t *blob_refs; /* one per message and queue entry: the blob it lists */
	size_t n_refs, cap_refs;
	struct store_check_bal *bals;
	size_t n_bals, cap_bals;
	uint64_t n_msgs;
	uint64_t n_queue; /* readable queue entries */
	uint64_t n_chunks; /* chunks the blobs' sizes call for */
	const char *why;
};

static int store_check_fail(struct store_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int store_check_fail(struct store_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(store_check_why, sizeof(store_check_why), fmt, ap);
	va_end(ap);
	c->why = store_check_why;
	return STORE_E_IO;
}

static struct store_check_bal *store_check_bal(struct store_check *c, uint64_t id)
{
	for (size_t i = 0; i < c->n_bals; i++)
		if (c->bals[i].id == id)
			return &c->bals[i];
	if (c->n_bals == c->cap_bals) {
		c->cap_bals = c->cap_bals ? c->cap_bals * 2 : 16;
		c->bals = xrealloc(c->bals, c->cap_bals * sizeof(*c->bals));
	}
	c->bals[c->n_bals] = (struct store_check_bal){.id = id};
	return &c->bals[c->n_bals++];
}

static void store_check_ref(struct store_check *c, uint64_t blob_id)
{
	if (c->n_refs == c->cap_refs) {
		c->cap_refs = c->cap_refs ? c->cap_refs * 2 : 256;
		c->blob_refs = xrealloc(c->blob_refs, c->cap_refs * sizeof(uint64_t));
	}
	c->blob_refs[c->n_refs++] = blob_id;
}

/* Sums over the messages of one mailbox. */
struct store_check_mb {
	struct store_check *c;
	const struct store_mailbox *mb;
	uint64_t messages, unseen, bytes;
	uint64_t charged_messages, charged_bytes; /* what the BAL's quota counts */
	int rc;
};

static int store_check_msg(void *arg, const struct store_msg *m)
{
	struct store_check_mb *s = arg;
	struct store_check *c = s->c;
	struct store_key k;
	MDB_val val;
	const uint8_t *v;

	if (m->uid >= s->mb->uidnext || m->modseq > s->mb->highestmodseq) {
		s->rc = store_check_fail(c, "mailbox %llu uid %u: uid or modseq past the mailbox's",
		                         (unsigned long long)s->mb->id, m->uid);
		return 1;
	}
	store_key_u64_u64(&k, m->mailbox_id, m->modseq);
	if (store_get(c->txn, DB_MODSEQ, &k.v, &val) != 1 || val.mv_size != 6 ||
	    store_rd32((v = val.mv_data) + 1) != m->uid || v[5] != 0) {
		s->rc = store_check_fail(c, "mailbox %llu uid %u: no modseq entry",
		                         (unsigned long long)s->mb->id, m->uid);
		return 1;
	}
	s->messages++;
	s->unseen += !(m->flags & MSG_SEEN);
	s->bytes += m->size;
	if (!m->uncharged) { /* quota alerts are not counted */
		s->charged_messages++;
		s->charged_bytes += m->size;
	}
	store_check_ref(c, m->blob_id);
	return 0;
}

static int store_check_mailbox(struct store_check *c, const struct store_mailbox *mb)
{
	struct store_check_mb s = {.c = c, .mb = mb};
	struct store_check_bal *b;
	struct store_mailbox idx;
	int rc = store_mailbox_get(c->txn, mb->bal_id, mb->name, &idx);

	if (rc != 1 || idx.id != mb->id)
		return store_check_fail(c, "mailbox %llu: name index disagrees",
		                        (unsigned long long)mb->id);
	rc = store_msg_each(c->txn, mb->id, 0, store_check_msg, &s);
	if (rc != 0 || s.rc != 0)
		return rc ? rc : s.rc;
	if (s.messages != mb->messages || s.unseen != mb->unseen || s.bytes != mb->bytes)
		return store_check_fail(
		    c, "mailbox %llu: counters %u/%u/%llu, messages say %llu/%llu/%llu",
		    (unsigned long long)mb->id, mb->messages, mb->unseen,
		    (unsigned long long)mb->bytes, (unsigned long long)s.messages,
		    (unsigned long long)s.unseen, (unsigned long long)s.bytes);
	b = store_check_bal(c, mb->bal_id);
	b->bytes += s.charged_bytes;
	b->messages += s.charged_messages;
	c->n_msgs += s.messages;
	return STORE_OK;
}

static int store_check_mailboxes(struct store_check *c)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(c->txn, DB_MBOX_BY_ID, &cur);

	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		rc = key.mv_size == 8 ? store_mailbox_load(c->txn, store_rd64(key.mv_data), mb)
		                      : STORE_E_IO;
		if (rc == 0)
			rc = store_bal_get(c->txn, mb->bal_id, &(struct store_bal){0}) == 1
			         ? store_check_mailbox(c, mb)
			         : store_check_fail(c, "mailbox %llu: its BAL is missing",
			                            (unsigned long long)mb->id);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
out:
	free(mb);
	return rc;
}

static int store_check_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Each chunk of the blob is present and they add up to its size. */
static int store_check_chunks(struct store_check *c, uint64_t blob_id, uint64_t size)
{
	uint64_t total = 0;
	struct store_key k;
	MDB_val val;

	for (uint32_t n = 0; total < size; n++) {
		store_key_u64_u32(&k, blob_id, n);
		if (store_get(c->txn, DB_CHUNKS, &k.v, &val) != 1 || val.mv_size < 2)
			return store_check_fail(c, "blob %llu: chunk %u missing",
			                        (unsigned long long)blob_id, n);
		total += val.mv_size - 1;
	}
	if (total != size)
		return store_check_fail(c, "blob %llu: chunks hold %llu bytes, size %llu",
		                        (unsigned long long)blob_id, (unsigned long long)total,
		                        (unsigned long long)size);
	c->n_chunks += (size + STORE_CHUNK_SIZE - 1) / STORE_CHUNK_SIZE;
	return STORE_OK;
}

/* Blobs in id order against the sorted references from the messages. */
static int store_check_blobs(struct store_check *c)
{
	size_t i = 0, n;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(c->txn, DB_BLOBS, &cur);

	if (rc != 0)
		return rc;
	if (c->n_refs > 1)
		qsort(c->blob_refs, c->n_refs, sizeof(uint64_t), store_check_cmp_u64);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		uint64_t id = store_rd64(key.mv_data), size;
		uint32_t refs;

		if (i < c->n_refs && c->blob_refs[i] < id)
			break; /* a message lists a blob that does not exist */
		for (n = 0; i < c->n_refs && c->blob_refs[i] == id; i++)
			n++;
		rc = store_blob_info(c->txn, id, &size, &refs, NULL, NULL);
		if (rc == 0 && (refs != n || refs == 0))
			rc = store_check_fail(c, "blob %llu: %u references, %zu messages or queue "
			                         "entries list it",
			                      (unsigned long long)id, refs, n);
		if (rc == 0)
			rc = store_check_chunks(c, id, size);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		rc = i < c->n_refs
		         ? store_check_fail(c, "a message or queue entry lists blob %llu, which is "
		                               "missing",
		                            (unsigned long long)c->blob_refs[i])
		         : STORE_OK;
	return rc;
}

/* One queue entry: its due-index entry, a recipient still to do, its blob. */
static int store_check_qentry(void *arg, const struct store_qentry *e)
{
	struct store_check *c = arg;
	struct store_key k;
	MDB_val val;
	bool open = false;

	store_key_u64_u64(&k, (uint64_t)e->next_attempt, e->id);
	if (store_get(c->txn, DB_QUEUE_DUE, &k.v, &val) != 1 || val.mv_size != 0) {
		store_check_fail(c, "queue entry %llu: not in the due index at its next attempt",
		                 (unsigned long long)e->id);
		return 1;
	}
	for (size_t i = 0; i < e->n_rcpts; i++)
		open = open || !store_qrcpt_state_final(e->rcpts[i].state);
	if (!open) {
		store_check_fail(c, "queue entry %llu: every recipient is final, yet it is queued",
		                 (unsigned long long)e->id);
		return 1;
	}
	store_check_ref(c, e->blob_id);
	c->n_queue++;
	return 0;
}

static int store_check_queue(struct store_check *c)
{
	int rc = store_queue_each(c->txn, store_check_qentry, c);

	return rc == 0 && c->why != NULL ? STORE_E_IO : rc;
}

static int store_check_one_bal(void *arg, const struct store_bal *bal)
{
	struct store_check *c = arg;
	struct store_check_bal *b = store_check_bal(c, bal->id);
	struct store_bal other;
	struct store_quota q;

	if (store_bal_get_by_addr(c->txn, bal->address, &other) != 1 || other.id != bal->id) {
		store_check_fail(c, "BAL %llu: address index disagrees",
		                 (unsigned long long)bal->id);
		return 1;
	}
	if (store_quota_get(c->txn, bal->id, &q) != 0 || q.bytes != b->bytes ||
	    q.messages != b->messages) {
		store_check_fail(c, "BAL %llu: quota record differs from its mailboxes",
		                 (unsigned long long)bal->id);
		return 1;
	}
	if (q.alert_level != 0 && q.alert_level != STORE_QUOTA_LEVEL_80 &&
	    q.alert_level != STORE_QUOTA_LEVEL_90 && q.alert_level != STORE_QUOTA_LEVEL_100) {
		store_check_fail(c, "BAL %llu: alert level %u is not 0, 80, 90 or 100",
		                 (unsigned long long)bal->id, q.alert_level);
		return 1;
	}
	return 0;
}

/* Live (not expunged) entries of the modseq table. */
static int store_check_modseq_live(struct store_check *c, uint64_t *live_r)
{
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(c->txn, DB_MODSEQ, &cur);

	*live_r = 0;
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
		*live_r += val.mv_size == 6 && ((uint8_t *)val.mv_data)[5] == 0;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(c->txn, rc, "checking modseqs");
}

/* Every table is readable; no message outside a mailbox, no stale modseq
 * entry, no chunk outside a blob, no unreadable queue entry or stray
 * due-index entry. */
static int store_check_stats(struct store_check *c)
{
	uint64_t live;
	MDB_stat st;
	int rc = store_check_modseq_live(c, &live);

	if (rc != 0)
		return rc;
	if (live != c->n_msgs)
		return store_check_fail(c, "%llu live modseq entries for %llu messages",
		                        (unsigned long long)live, (unsigned long long)c->n_msgs);
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_stat(c->txn->txn, c->txn->store->dbi[i], &st);
		if (rc != 0)
			return store_check_fail(c, "mdb_stat: %s", mdb_strerror(rc));
		if (i == DB_MSGS && st.ms_entries != c->n_msgs)
			return store_check_fail(c, "%llu messages stored, %llu in mailboxes",
			                        (unsigned long long)st.ms_entries,
			                        (unsigned long long)c->n_msgs);
		if ((i == DB_QUEUE || i == DB_QUEUE_DUE) && st.ms_entries != c->n_queue)
			return store_check_fail(c, "%llu records in %s, %llu readable queue entries",
			                        (unsigned long long)st.ms_entries,
			                        i == DB_QUEUE ? "queue" : "queue_due",
			                        (unsigned long long)c->n_queue);
		if (i == DB_CHUNKS && st.ms_entries != c->n_chunks)
			return store_check_fail(c, "%llu chunks stored, blobs account for %llu",
			                        (unsigned long long)st.ms_entries,
			                        (unsigned long long)c->n_chunks);
	}
	return STORE_OK;
}

/* A subscription kept in DB_SUBS belongs to a BAL and names no mailbox
 * (a mailbox of that name carries the subscription itself). */
static int store_check_subs(struct store_check *c)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	char *name = xmalloc(STORE_MBOX_NAME_MAX + 1);
	struct store_bal *bal = xmalloc(sizeof(*bal));
	MDB_cursor *cur;
	MDB_val key, val;
	int failed = 0, rc = store_cursor_open(c->txn, DB_SUBS, &cur);

	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && failed == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		uint64_t bal_id = key.mv_size >= 8 ? store_rd64(key.mv_data) : 0;

		if (key.mv_size < 9 || val.mv_size == 0 || val.mv_size > STORE_MBOX_NAME_MAX) {
			failed = store_check_fail(c, "malformed subscription record");
			break;
		}
		memcpy(name, val.mv_data, val.mv_size);
		name[val.mv_size] = '\0';
		if (store_bal_get(c->txn, bal_id, bal) != 1)
			failed = store_check_fail(c, "subscription %s of a missing BAL %llu", name,
			                          (unsigned long long)bal_id);
		else if (store_mailbox_get(c->txn, bal_id, name, mb) != 0)
			failed =
			    store_check_fail(c, "subscription %s kept beside its mailbox", name);
	}
	mdb_cursor_close(cur);
	if (failed != 0)
		rc = failed;
	else if (rc == 0 || rc == MDB_NOTFOUND)
		rc = STORE_OK;
	else
		rc = store_mdb_err(c->txn, rc, "checking subscriptions");
out:
	free(mb);
	free(name);
	free(bal);
	return rc;
}

int store_check(struct store *store, const char **why_r)
{
	struct store_check c = {0};
	int rc = store_read_begin(store, &c.txn);

	if (rc != 0) {
		*why_r = "cannot begin a read transaction";
		return rc;
	}
	rc = store_check_mailboxes(&c);
	if (rc == 0)
		rc = store_check_queue(&c);
	if (rc == 0)
		rc = store_check_blobs(&c);
	if (rc == 0)
		rc = store_bal_each(c.txn, store_check_one_bal, &c);
	if (rc == 0 && c.why != NULL)
		rc = STORE_E_IO;
	if (rc == 0)
		rc = store_check_subs(&c);
	if (rc == 0 && (rc = store_deleg_check(c.txn, &c.why)) != 0 && c.why == NULL)
		c.why = "delegations unreadable";
	if (rc == 0)
		rc = store_sieve_check(c.txn, &c.why);
	if (rc == 0)
		rc = store_audit_check(c.txn, &c.why);
	if (rc == 0)
		rc = store_check_stats(&c);
	store_read_end(&c.txn);
	free(c.blob_refs);
	free(c.bals);
	if (rc != 0 && c.why == NULL)
		c.why = store_strerror(rc);
	*why_r = c.why;
	return rc;
}
