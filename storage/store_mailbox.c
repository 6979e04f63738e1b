/* SPDX-License-Identifier: ISC */
/* Mailboxes of a BAL: the (bal id, name) index, the record by mailbox id
 * with its UID and modseq counters, and per-mailbox keyword names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_int.h"
#include "util.h"

/* LMDB keys are at most 511 bytes: a longer name is keyed by this many
 * bytes of it, a 0xFF byte (never in UTF-8) and a hash of the whole. */
#define STORE_MBOX_KEY_NAME_MAX 400
#define STORE_KEYWORD_NAME_MAX 255

struct store_mbkey {
	uint8_t b[8 + STORE_MBOX_KEY_NAME_MAX + 1 + 8];
	MDB_val v;
};

/* FNV-1a: only needs to separate long names sharing a 400-byte prefix;
 * lookups compare the full name anyway. */
static uint64_t store_name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void store_mbox_key(struct store_mbkey *k, uint64_t bal_id, const char *name)
{
	size_t n = strlen(name);

	store_be64(k->b, bal_id);
	if (n <= STORE_MBOX_KEY_NAME_MAX) {
		memcpy(k->b + 8, name, n);
		k->v.mv_size = 8 + n;
	} else {
		memcpy(k->b + 8, name, STORE_MBOX_KEY_NAME_MAX);
		k->b[8 + STORE_MBOX_KEY_NAME_MAX] = 0xff;
		store_be64(k->b + 8 + STORE_MBOX_KEY_NAME_MAX + 1, store_name_hash(name));
		k->v.mv_size = sizeof(k->b);
	}
	k->v.mv_data = k->b;
}

/* Copies name into out, with INBOX in upper case (RFC 3501 5.1: INBOX is
 * case-insensitive), and checks it: printable, no IMAP wildcard, no empty
 * level. */
static int store_mbox_name_norm(const char *name, char *out)
{
	size_t n = strnlen(name, STORE_MBOX_NAME_MAX + 1);

	if (n == 0 || n > STORE_MBOX_NAME_MAX || name[0] == '/' || name[n - 1] == '/' ||
	    strstr(name, "//") != NULL)
		return STORE_E_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '*' || c == '%')
			return STORE_E_INVALID;
	}
	memcpy(out, name, n + 1);
	if (strncasecmp(out, "INBOX", 5) == 0 && (out[5] == '\0' || out[5] == '/'))
		memcpy(out, "INBOX", 5);
	return STORE_OK;
}

/* ---------------------------------------------------------------- record */

int store_mailbox_save(struct store_txn *txn, const struct store_mailbox *mb)
{
	uint8_t buf[STORE_REC_MAX];
	struct store_enc e;
	struct store_key k;
	MDB_val val;

	store_enc_init(&e, buf, sizeof(buf));
	store_enc_u64(&e, mb->bal_id);
	store_enc_str(&e, mb->name);
	store_enc_u32(&e, mb->uidvalidity);
	store_enc_u32(&e, mb->uidnext);
	store_enc_u64(&e, mb->highestmodseq);
	store_enc_u32(&e, mb->special_use);
	store_enc_u8(&e, mb->subscribed);
	store_enc_u32(&e, mb->messages);
	store_enc_u32(&e, mb->unseen);
	store_enc_u64(&e, mb->bytes);
	if (e.overflow)
		return STORE_E_LIMIT;
	store_key_u64(&k, mb->id);
	val.mv_data = buf;
	val.mv_size = e.len;
	return store_put(txn, DB_MBOX_BY_ID, &k.v, &val, 0);
}

/* 0, STORE_E_NOTFOUND, or another error. */
int store_mailbox_load(struct store_txn *txn, uint64_t mailbox_id, struct store_mailbox *mb)
{
	struct store_key k;
	struct store_dec d;
	MDB_val val;
	int rc;

	store_key_u64(&k, mailbox_id);
	rc = store_get(txn, DB_MBOX_BY_ID, &k.v, &val);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	mb->id = mailbox_id;
	store_dec_init(&d, &val);
	mb->bal_id = store_dec_u64(&d);
	store_dec_str(&d, mb->name, sizeof(mb->name));
	mb->uidvalidity = store_dec_u32(&d);
	mb->uidnext = store_dec_u32(&d);
	mb->highestmodseq = store_dec_u64(&d);
	mb->special_use = store_dec_u32(&d);
	mb->subscribed = store_dec_u8(&d) != 0;
	mb->messages = store_dec_u32(&d);
	mb->unseen = store_dec_u32(&d);
	mb->bytes = store_dec_u64(&d);
	return d.bad ? STORE_E_IO : STORE_OK;
}

uint64_t store_mailbox_next_modseq(struct store_mailbox *mb)
{
	return ++mb->highestmodseq;
}

/* UIDVALIDITY from the clock, but always above the last one given, so a
 * mailbox deleted and re-created within a second gets a new one (RFC 3501
 * 2.3.1.1). */
static int store_uidvalidity_next(struct store_txn *txn, uint32_t *v_r)
{
	MDB_val key = {11, "uidvalidity"}, val;
	uint8_t buf[8];
	uint32_t last = 0, now = (uint32_t)time_now();
	int rc = store_get(txn, DB_META, &key, &val);

	if (rc < 0)
		return rc;
	if (rc == 1 && val.mv_size == 5)
		last = store_rd32((const uint8_t *)val.mv_data + 1);
	*v_r = now > last ? now : last + 1;
	buf[0] = STORE_REC_V1;
	store_be32(buf + 1, *v_r);
	val.mv_data = buf;
	val.mv_size = 5;
	return store_put(txn, DB_META, &key, &val, 0);
}

static int store_mbox_index_put(struct store_txn *txn, const struct store_mailbox *mb,
                                unsigned flags)
{
	struct store_mbkey k;
	uint8_t rec[9];
	MDB_val val = {sizeof(rec), rec};

	rec[0] = STORE_REC_V1;
	store_be64(rec + 1, mb->id);
	store_mbox_key(&k, mb->bal_id, mb->name);
	return store_put(txn, DB_MAILBOXES, &k.v, &val, flags);
}

int store_mailbox_create(struct store_txn *txn, uint64_t bal_id, const char *name,
                         unsigned special_use, struct store_mailbox *mb_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	int rc = store_need_write(txn);

	memset(mb_r, 0, sizeof(*mb_r));
	if (rc == 0 && store_mbox_name_norm(name, mb_r->name) != 0)
		rc = STORE_E_INVALID;
	if (rc == 0)
		rc = store_bal_get(txn, bal_id, bal);
	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc < 0)
		goto out;
	mb_r->bal_id = bal_id;
	mb_r->uidnext = 1;
	mb_r->highestmodseq = 1;
	mb_r->special_use = special_use;
	mb_r->subscribed = true;
	rc = store_counter_next(txn, "mailbox", &mb_r->id);
	if (rc == 0)
		rc = store_uidvalidity_next(txn, &mb_r->uidvalidity);
	if (rc == 0)
		rc = store_mbox_index_put(txn, mb_r, MDB_NOOVERWRITE);
	if (rc == 0)
		rc = store_mailbox_save(txn, mb_r);
out:
	free(bal);
	return rc;
}

int store_mailbox_get(struct store_txn *txn, uint64_t bal_id, const char *name,
                      struct store_mailbox *mb_r)
{
	char *norm = xmalloc(STORE_MBOX_NAME_MAX + 1);
	struct store_mbkey k;
	MDB_val val;
	int rc = 0;

	if (store_mbox_name_norm(name, norm) != 0)
		goto out;
	store_mbox_key(&k, bal_id, norm);
	rc = store_get(txn, DB_MAILBOXES, &k.v, &val);
	if (rc != 1)
		goto out;
	rc = val.mv_size == 9
	         ? store_mailbox_load(txn, store_rd64((uint8_t *)val.mv_data + 1), mb_r)
	         : STORE_E_IO;
	/* A hashed long key might, in theory, be another name's. */
	if (rc == 0)
		rc = strcmp(mb_r->name, norm) == 0 ? 1 : 0;
out:
	free(norm);
	return rc;
}

int store_mailbox_get_by_id(struct store_txn *txn, uint64_t mailbox_id, struct store_mailbox *mb_r)
{
	int rc = store_mailbox_load(txn, mailbox_id, mb_r);

	return rc == 0 ? 1 : rc == STORE_E_NOTFOUND ? 0 : rc;
}

static int store_mailbox_rename_one(struct store_txn *txn, struct store_mailbox *mb,
                                    const char *new_name)
{
	struct store_mbkey k;
	MDB_val val;
	int rc;

	store_mbox_key(&k, mb->bal_id, new_name);
	rc = store_get(txn, DB_MAILBOXES, &k.v, &val);
	if (rc != 0)
		return rc == 1 ? STORE_E_EXISTS : rc;
	store_mbox_key(&k, mb->bal_id, mb->name);
	rc = store_del(txn, DB_MAILBOXES, &k.v);
	if (rc != 0)
		return rc;
	str_copy(mb->name, sizeof(mb->name), new_name);
	rc = store_mbox_index_put(txn, mb, MDB_NOOVERWRITE);
	if (rc == 0)
		rc = store_mailbox_save(txn, mb);
	return rc;
}

struct store_mbox_ids {
	const char *prefix; /* "old/" */
	size_t prefix_len;
	uint64_t *ids;
	size_t n, cap;
};

static int store_mbox_collect(void *arg, const struct store_mailbox *mb)
{
	struct store_mbox_ids *c = arg;

	if (strncmp(mb->name, c->prefix, c->prefix_len) != 0)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->ids = xrealloc(c->ids, c->cap * sizeof(uint64_t));
	}
	c->ids[c->n++] = mb->id;
	return 0;
}

/* Renames "old/x..." to "new/x..." (RFC 3501 6.3.5: inferiors follow). */
static int store_mailbox_rename_children(struct store_txn *txn, uint64_t bal_id, const char *old,
                                         const char *new_name, struct store_mailbox *mb)
{
	size_t ol = strlen(old), nl = strlen(new_name);
	char *prefix = xmalloc(ol + 2), *name = xmalloc(STORE_MBOX_NAME_MAX + 1);
	struct store_mbox_ids c = {.prefix = prefix, .prefix_len = ol + 1};
	int rc;

	memcpy(prefix, old, ol);
	memcpy(prefix + ol, "/", 2);
	rc = store_mailbox_each(txn, bal_id, store_mbox_collect, &c);
	for (size_t i = 0; i < c.n && rc == 0; i++) {
		rc = store_mailbox_load(txn, c.ids[i], mb);
		if (rc != 0)
			break;
		if (nl + strlen(mb->name) - ol > STORE_MBOX_NAME_MAX) {
			rc = STORE_E_LIMIT;
			break;
		}
		memcpy(name, new_name, nl);
		strcpy(name + nl, mb->name + ol);
		rc = store_mailbox_rename_one(txn, mb, name);
	}
	free(c.ids);
	free(prefix);
	free(name);
	return rc;
}

int store_mailbox_rename(struct store_txn *txn, uint64_t mailbox_id, const char *new_name)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	char *norm = xmalloc(STORE_MBOX_NAME_MAX + 1), *old = xmalloc(STORE_MBOX_NAME_MAX + 1);
	int rc = store_need_write(txn);

	if (rc == 0 && store_mbox_name_norm(new_name, norm) != 0)
		rc = STORE_E_INVALID;
	if (rc == 0)
		rc = store_mailbox_load(txn, mailbox_id, mb);
	if (rc != 0)
		goto out;
	size_t ol = strlen(mb->name);
	/* Renaming INBOX moves its messages (RFC 3501 6.3.5): the IMAP layer's
	 * job; and a mailbox cannot become its own inferior. */
	if (strcmp(mb->name, "INBOX") == 0 ||
	    (strncmp(norm, mb->name, ol) == 0 && norm[ol] == '/')) {
		rc = STORE_E_INVALID;
		goto out;
	}
	if (strcmp(norm, mb->name) == 0)
		goto out;
	memcpy(old, mb->name, ol + 1);
	rc = store_mailbox_rename_one(txn, mb, norm);
	if (rc == 0)
		rc = store_mailbox_rename_children(txn, mb->bal_id, old, norm, mb);
out:
	free(mb);
	free(norm);
	free(old);
	return rc;
}

int store_mailbox_delete(struct store_txn *txn, uint64_t mailbox_id)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct store_mbkey mk;
	struct store_key k;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_mailbox_load(txn, mailbox_id, mb);
	if (rc == 0)
		rc = store_msg_purge_mailbox(txn, mb);
	if (rc == 0)
		rc = store_deleg_purge_mailbox(txn, mb->bal_id, mailbox_id);
	if (rc != 0)
		goto out;
	store_mbox_key(&mk, mb->bal_id, mb->name);
	rc = store_del(txn, DB_MAILBOXES, &mk.v);
	store_key_u64(&k, mailbox_id);
	if (rc == 0)
		rc = store_del(txn, DB_MBOX_BY_ID, &k.v);
	if (rc == 0)
		store_touch_mailbox(txn, mailbox_id);
out:
	free(mb);
	return rc;
}

int store_mailbox_set_subscribed(struct store_txn *txn, uint64_t mailbox_id, bool on)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_mailbox_load(txn, mailbox_id, mb);
	if (rc == 0 && mb->subscribed != on) {
		mb->subscribed = on;
		rc = store_mailbox_save(txn, mb);
	}
	free(mb);
	return rc;
}

int store_mailbox_each(struct store_txn *txn, uint64_t bal_id,
                       int (*fn)(void *arg, const struct store_mailbox *mb), void *arg)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_MAILBOXES, &cur);

	if (rc != 0)
		goto out;
	store_key_u64(&k, bal_id);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size >= 8 && store_rd64(key.mv_data) == bal_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (val.mv_size != 9 ||
		    store_mailbox_load(txn, store_rd64((uint8_t *)val.mv_data + 1), mb) != 0)
			continue;
		if (fn(arg, mb) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "listing mailboxes");
out:
	free(mb);
	return rc;
}

/* ---------------------------------------------------------------- orphan subscriptions */

int store_sub_orphan_set(struct store_txn *txn, uint64_t bal_id, const char *name, bool on)
{
	char norm[STORE_MBOX_NAME_MAX + 1];
	struct store_mbkey mk;
	MDB_val val;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_mbox_name_norm(name, norm);
	if (rc != 0)
		return rc;
	store_mbox_key(&mk, bal_id, norm);
	if (!on) {
		rc = store_del(txn, DB_SUBS, &mk.v);
		return rc == STORE_E_NOTFOUND ? STORE_OK : rc;
	}
	val.mv_size = strlen(norm);
	val.mv_data = norm;
	return store_put(txn, DB_SUBS, &mk.v, &val, 0);
}

int store_sub_orphan_get(struct store_txn *txn, uint64_t bal_id, const char *name)
{
	char norm[STORE_MBOX_NAME_MAX + 1];
	struct store_mbkey mk;
	MDB_val val;
	int rc = store_mbox_name_norm(name, norm);

	if (rc != 0)
		return rc == STORE_E_INVALID ? 0 : rc;
	store_mbox_key(&mk, bal_id, norm);
	return store_get(txn, DB_SUBS, &mk.v, &val);
}

int store_sub_orphan_each(struct store_txn *txn, uint64_t bal_id,
                          int (*fn)(void *arg, const char *name), void *arg)
{
	char *name = xmalloc(STORE_MBOX_NAME_MAX + 1);
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_SUBS, &cur);

	if (rc != 0)
		goto out;
	store_key_u64(&k, bal_id);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size >= 8 && store_rd64(key.mv_data) == bal_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (val.mv_size == 0 || val.mv_size > STORE_MBOX_NAME_MAX)
			continue;
		memcpy(name, val.mv_data, val.mv_size);
		name[val.mv_size] = '\0';
		if (fn(arg, name) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "subscriptions");
out:
	free(name);
	return rc;
}

int store_sub_orphan_purge(struct store_txn *txn, uint64_t bal_id)
{
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_cursor_open(txn, DB_SUBS, &cur);
	if (rc != 0)
		return rc;
	for (;;) {
		store_key_u64(&k, bal_id);
		key = k.v;
		rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
		if (rc != 0 || key.mv_size < 8 || store_rd64(key.mv_data) != bal_id)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "subscriptions");
}

/* ---------------------------------------------------------------- keywords */

/* RFC 3501 flag-keyword: an atom, no backslash. */
static bool store_keyword_ok(const char *name)
{
	size_t n = strnlen(name, STORE_KEYWORD_NAME_MAX + 1);

	if (n == 0 || n > STORE_KEYWORD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

/* Finds name among the mailbox's keywords; *used_r counts them. */
static int store_keyword_find(struct store_txn *txn, uint64_t mailbox_id, const char *name,
                              unsigned *idx_r, unsigned *used_r)
{
	char kw[STORE_KEYWORD_NAME_MAX + 1];
	struct store_key k;
	struct store_dec d;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_KEYWORDS, &cur), found = 0;

	if (rc != 0)
		return rc;
	*used_r = 0;
	store_key_u64_u8(&k, mailbox_id, 0);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size == 9 && store_rd64(key.mv_data) == mailbox_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		(*used_r)++;
		store_dec_init(&d, &val);
		store_dec_str(&d, kw, sizeof(kw));
		if (!d.bad && strcasecmp(kw, name) == 0) {
			*idx_r = ((uint8_t *)key.mv_data)[8];
			found = 1;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(txn, rc, "reading keywords");
	return found;
}

int store_keyword_index(struct store_txn *txn, uint64_t mailbox_id, const char *name, bool create,
                        unsigned *idx_r)
{
	uint8_t buf[STORE_KEYWORD_NAME_MAX + 8];
	struct store_enc e;
	struct store_key k;
	MDB_val val;
	unsigned used;
	int rc;

	if (!store_keyword_ok(name))
		return create ? STORE_E_INVALID : 0;
	rc = store_keyword_find(txn, mailbox_id, name, idx_r, &used);
	if (rc != 0 || !create)
		return rc;
	rc = store_need_write(txn);
	if (rc != 0)
		return rc;
	if (used >= STORE_KEYWORDS_MAX)
		return STORE_E_LIMIT;
	/* Indexes are never freed, so the next free one is the count. */
	store_enc_init(&e, buf, sizeof(buf));
	store_enc_str(&e, name);
	store_key_u64_u8(&k, mailbox_id, (uint8_t)used);
	val.mv_data = buf;
	val.mv_size = e.len;
	rc = store_put(txn, DB_KEYWORDS, &k.v, &val, MDB_NOOVERWRITE);
	if (rc == 0)
		*idx_r = used;
	return rc == 0 ? 1 : rc;
}

int store_keyword_name(struct store_txn *txn, uint64_t mailbox_id, unsigned idx, char *name_r)
{
	struct store_key k;
	struct store_dec d;
	MDB_val val;
	int rc;

	if (idx >= STORE_KEYWORDS_MAX)
		return 0;
	store_key_u64_u8(&k, mailbox_id, (uint8_t)idx);
	rc = store_get(txn, DB_KEYWORDS, &k.v, &val);
	if (rc != 1)
		return rc;
	store_dec_init(&d, &val);
	store_dec_str(&d, name_r, STORE_KEYWORD_NAME_MAX + 1);
	return d.bad ? STORE_E_IO : 1;
}
