/* SPDX-License-Identifier: ISC */
/* Delegation: the rights one BAL grants another BAL's user (RFC 4314
 * letters, whole BAL or per mailbox), and the log of delegated accesses
 * that the BAL's owner can list. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"
#include "util.h"

/* ---------------------------------------------------------------- rights */

int store_rights_parse(const char *s, unsigned *rights_r, char *bad_r)
{
	unsigned rights = 0;

	if (bad_r != NULL)
		*bad_r = 0;
	if (s == NULL || *s == '\0')
		return STORE_E_INVALID;
	for (; *s != '\0'; s++) {
		const char *p = strchr(STORE_RIGHTS_LETTERS, *s);

		if (p == NULL) {
			if (bad_r != NULL)
				*bad_r = *s;
			return STORE_E_INVALID;
		}
		rights |= 1u << (p - STORE_RIGHTS_LETTERS);
	}
	*rights_r = rights;
	return STORE_OK;
}

void store_rights_format(unsigned rights, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < STORE_RIGHTS_MAX; i++)
		if (rights & (1u << i))
			out[n++] = STORE_RIGHTS_LETTERS[i];
	out[n] = '\0';
}

/* ---------------------------------------------------------------- grants */

struct deleg_key {
	uint8_t b[24];
	MDB_val v;
};

static void deleg_key(struct deleg_key *k, uint64_t bal_id, uint64_t grantee_id, uint64_t mailbox_id)
{
	store_be64(k->b, bal_id);
	store_be64(k->b + 8, grantee_id);
	store_be64(k->b + 16, mailbox_id);
	k->v.mv_data = k->b;
	k->v.mv_size = sizeof(k->b);
}

/* Decodes one record; 0, or STORE_E_IO when malformed. */
static int deleg_decode(const MDB_val *key, const MDB_val *val, struct store_deleg *g)
{
	struct store_dec d;

	if (key->mv_size != 24)
		return STORE_E_IO;
	g->bal_id = store_rd64(key->mv_data);
	g->grantee_id = store_rd64((const uint8_t *)key->mv_data + 8);
	g->mailbox_id = store_rd64((const uint8_t *)key->mv_data + 16);
	store_dec_init(&d, val);
	g->rights = store_dec_u32(&d);
	return d.bad || d.pos != d.len || (g->rights == 0 && g->mailbox_id == 0) ||
	               (g->rights & ~STORE_RIGHTS_ALL) != 0
	           ? STORE_E_IO
	           : STORE_OK;
}

int store_deleg_set(struct store_txn *txn, const struct store_deleg *g, const char **why_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	struct deleg_key k;
	uint8_t buf[8];
	struct store_enc e;
	MDB_val val;
	int rc = store_need_write(txn);

	if (rc != 0)
		goto out;
	rc = STORE_E_INVALID;
	if (g->bal_id == g->grantee_id) {
		*why_r = "a BAL cannot delegate to itself";
		goto out;
	}
	if ((g->rights == 0 && g->mailbox_id == 0) || (g->rights & ~STORE_RIGHTS_ALL) != 0) {
		*why_r = "rights must be RFC 4314 letters among lrswipkxtea";
		goto out;
	}
	rc = store_bal_get(txn, g->bal_id, bal);
	if (rc == 1)
		rc = store_bal_get(txn, g->grantee_id, bal);
	if (rc == 1 && g->mailbox_id != 0) {
		rc = store_mailbox_get_by_id(txn, g->mailbox_id, mb);
		if (rc == 1 && mb->bal_id != g->bal_id)
			rc = 0;
	}
	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc < 0)
		goto out;
	deleg_key(&k, g->bal_id, g->grantee_id, g->mailbox_id);
	store_enc_init(&e, buf, sizeof(buf));
	store_enc_u32(&e, g->rights);
	val.mv_data = buf;
	val.mv_size = e.len;
	rc = store_put(txn, DB_DELEG, &k.v, &val, 0);
out:
	free(bal);
	free(mb);
	return rc;
}

int store_deleg_remove(struct store_txn *txn, uint64_t bal_id, uint64_t grantee_id,
                       uint64_t mailbox_id)
{
	struct deleg_key k;
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	deleg_key(&k, bal_id, grantee_id, mailbox_id);
	return store_del(txn, DB_DELEG, &k.v);
}

int store_deleg_each(struct store_txn *txn, uint64_t bal_id,
                     int (*fn)(void *arg, const struct store_deleg *g), void *arg)
{
	struct store_deleg g;
	struct deleg_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_DELEG, &cur);

	if (rc != 0)
		return rc;
	deleg_key(&k, bal_id, 0, 0);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (deleg_decode(&key, &val, &g) != 0)
			continue; /* store_check reports it */
		if (bal_id != 0 && g.bal_id != bal_id)
			break;
		if (fn(arg, &g) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "delegations");
}

/* The rights of one record: 1 found, 0 none (rights 0), or an error. */
static int deleg_get(struct store_txn *txn, uint64_t bal_id, uint64_t grantee_id,
                     uint64_t mailbox_id, unsigned *rights_r)
{
	struct store_deleg g;
	struct deleg_key k;
	MDB_val val;
	int rc;

	*rights_r = 0;
	deleg_key(&k, bal_id, grantee_id, mailbox_id);
	rc = store_get(txn, DB_DELEG, &k.v, &val);
	if (rc == 1 && deleg_decode(&k.v, &val, &g) != 0)
		return 0;
	if (rc == 1)
		*rights_r = g.rights;
	return rc;
}

int store_deleg_rights(struct store_txn *txn, uint64_t grantee_id, uint64_t bal_id,
                       uint64_t mailbox_id, unsigned *rights_r)
{
	int rc;

	*rights_r = 0;
	if (grantee_id == bal_id) {
		*rights_r = STORE_RIGHTS_ALL;
		return STORE_OK;
	}
	if (mailbox_id != 0) {
		rc = deleg_get(txn, bal_id, grantee_id, mailbox_id, rights_r);
		if (rc != 0)
			return rc < 0 ? rc : STORE_OK;
	}
	rc = deleg_get(txn, bal_id, grantee_id, 0, rights_r);
	return rc < 0 ? rc : STORE_OK;
}

struct deleg_union {
	uint64_t grantee_id;
	unsigned rights;
};

static int deleg_union_one(void *arg, const struct store_deleg *g)
{
	struct deleg_union *u = arg;

	if (g->grantee_id == u->grantee_id)
		u->rights |= g->rights;
	return 0;
}

int store_deleg_rights_any(struct store_txn *txn, uint64_t grantee_id, uint64_t bal_id,
                           unsigned *rights_r)
{
	struct deleg_union u = {grantee_id, 0};
	int rc = grantee_id == bal_id ? STORE_OK : store_deleg_each(txn, bal_id, deleg_union_one, &u);

	*rights_r = grantee_id == bal_id ? STORE_RIGHTS_ALL : u.rights;
	return rc;
}

int store_deleg_may_post(struct store_txn *txn, uint64_t grantee_id, uint64_t bal_id)
{
	unsigned rights;
	int rc = store_deleg_rights(txn, grantee_id, bal_id, 0, &rights);

	return rc < 0 ? rc : (rights & RIGHT_POST) != 0;
}

/* Deletes every record of db whose key starts with prefix (len bytes), and
 * with match (may be NULL) only those it accepts. */
static int deleg_purge(struct store_txn *txn, enum store_db db, const uint8_t *prefix, size_t len,
                       bool (*match)(const MDB_val *key, uint64_t arg), uint64_t arg)
{
	MDB_cursor *cur;
	MDB_val key = {len, (void *)prefix}, val;
	int rc = store_cursor_open(txn, db, &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, len == 0 ? MDB_FIRST : MDB_SET_RANGE);
	     rc == 0 && key.mv_size >= len && memcmp(key.mv_data, prefix, len) == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (match != NULL && !match(&key, arg))
			continue;
		rc = mdb_cursor_del(cur, 0);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "delegations");
}

static bool key_grantee_is(const MDB_val *key, uint64_t id)
{
	return key->mv_size == 24 && store_rd64((const uint8_t *)key->mv_data + 8) == id;
}

static bool key_mailbox_is(const MDB_val *key, uint64_t id)
{
	return key->mv_size == 24 && store_rd64((const uint8_t *)key->mv_data + 16) == id;
}

int store_deleg_purge_bal(struct store_txn *txn, uint64_t bal_id)
{
	uint8_t prefix[8];
	int rc = store_need_write(txn);

	store_be64(prefix, bal_id);
	if (rc == 0)
		rc = deleg_purge(txn, DB_DELEG, prefix, 8, NULL, 0);
	if (rc == 0)
		rc = deleg_purge(txn, DB_DELEG, prefix, 0, key_grantee_is, bal_id);
	if (rc == 0)
		rc = deleg_purge(txn, DB_DELEG_LOG, prefix, 8, NULL, 0);
	return rc;
}

int store_deleg_purge_mailbox(struct store_txn *txn, uint64_t bal_id, uint64_t mailbox_id)
{
	uint8_t prefix[8];
	int rc = store_need_write(txn);

	store_be64(prefix, bal_id);
	return rc != 0 ? rc : deleg_purge(txn, DB_DELEG, prefix, 8, key_mailbox_is, mailbox_id);
}

/* ---------------------------------------------------------------- access log */

/* Key: bal id, time (offset so that cursor order is time order), seq. */
static void log_key(uint8_t *b, uint64_t bal_id, int64_t t, uint64_t seq)
{
	store_be64(b, bal_id);
	store_be64(b + 8, (uint64_t)t ^ (1ULL << 63));
	store_be64(b + 16, seq);
}

int store_deleg_log_add(struct store_txn *txn, struct store_deleg_access *a)
{
	uint8_t kb[24], buf[STORE_ADDR_MAX + STORE_PROTO_MAX + 32];
	MDB_val key = {sizeof(kb), kb}, val;
	struct store_enc e;
	uint64_t seq;
	int rc = store_need_write(txn);

	if (rc == 0 && (a->grantee[0] == '\0' || strlen(a->grantee) > STORE_ADDR_MAX ||
	                a->protocol[0] == '\0' || strlen(a->protocol) > STORE_PROTO_MAX))
		rc = STORE_E_INVALID;
	if (rc == 0)
		rc = store_counter_next(txn, "deleg_log_seq", &seq);
	if (rc != 0)
		return rc;
	if (a->time == 0)
		a->time = (int64_t)time(NULL);
	log_key(kb, a->bal_id, a->time, seq);
	store_enc_init(&e, buf, sizeof(buf));
	store_enc_u64(&e, a->grantee_id);
	store_enc_str(&e, a->grantee);
	store_enc_str(&e, a->protocol);
	if (e.overflow)
		return STORE_E_INVALID;
	val.mv_data = buf;
	val.mv_size = e.len;
	return store_put(txn, DB_DELEG_LOG, &key, &val, 0);
}

/* Decodes one access record; 0 or STORE_E_IO. */
static int log_decode(const MDB_val *key, const MDB_val *val, struct store_deleg_access *a)
{
	struct store_dec d;

	if (key->mv_size != 24)
		return STORE_E_IO;
	a->bal_id = store_rd64(key->mv_data);
	a->time = (int64_t)(store_rd64((const uint8_t *)key->mv_data + 8) ^ (1ULL << 63));
	store_dec_init(&d, val);
	a->grantee_id = store_dec_u64(&d);
	store_dec_str(&d, a->grantee, sizeof(a->grantee));
	store_dec_str(&d, a->protocol, sizeof(a->protocol));
	return d.bad || d.pos != d.len ? STORE_E_IO : STORE_OK;
}

int store_deleg_log_each(struct store_txn *txn, uint64_t bal_id, int64_t since,
                         int (*fn)(void *arg, const struct store_deleg_access *a), void *arg)
{
	struct store_deleg_access *a = xmalloc(sizeof(*a));
	uint8_t kb[24];
	MDB_cursor *cur;
	MDB_val key = {sizeof(kb), kb}, val;
	int rc = store_cursor_open(txn, DB_DELEG_LOG, &cur);

	if (rc != 0)
		goto out;
	log_key(kb, bal_id, since, 0);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size == 24 && store_rd64(key.mv_data) == bal_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (log_decode(&key, &val, a) != 0)
			continue; /* store_check reports it */
		if (fn(arg, a) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "delegation log");
out:
	free(a);
	return rc;
}

/* ---------------------------------------------------------------- check */

static int deleg_check_grants(struct store_txn *txn, struct store_bal *bal,
                              struct store_mailbox *mb, const char **why_r)
{
	struct store_deleg g;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_DELEG, &cur);

	if (rc != 0)
		return rc;
	*why_r = NULL;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && *why_r == NULL;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (deleg_decode(&key, &val, &g) != 0)
			*why_r = "malformed delegation record";
		else if (g.bal_id == g.grantee_id)
			*why_r = "a BAL delegated to itself";
		else if (store_bal_get(txn, g.bal_id, bal) != 1)
			*why_r = "delegation of a missing BAL";
		else if (store_bal_get(txn, g.grantee_id, bal) != 1)
			*why_r = "delegation to a missing BAL";
		else if (g.mailbox_id != 0 && (store_mailbox_get_by_id(txn, g.mailbox_id, mb) != 1 ||
		                               mb->bal_id != g.bal_id))
			*why_r = "delegation on a mailbox that is not the BAL's";
	}
	mdb_cursor_close(cur);
	if (*why_r != NULL)
		return STORE_E_IO;
	return rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "checking delegations");
}

static int deleg_check_log(struct store_txn *txn, struct store_bal *bal, const char **why_r)
{
	struct store_deleg_access *a = xmalloc(sizeof(*a));
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_DELEG_LOG, &cur);

	*why_r = NULL;
	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && *why_r == NULL;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (log_decode(&key, &val, a) != 0)
			*why_r = "malformed delegation log record";
		else if (store_bal_get(txn, a->bal_id, bal) != 1)
			*why_r = "delegation log record of a missing BAL";
	}
	mdb_cursor_close(cur);
	if (*why_r != NULL)
		rc = STORE_E_IO;
	else
		rc = rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "checking delegation log");
out:
	free(a);
	return rc;
}

int store_deleg_check(struct store_txn *txn, const char **why_r)
{
	struct store_bal *bal = xmalloc(sizeof(*bal));
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	int rc = deleg_check_grants(txn, bal, mb, why_r);

	if (rc == 0)
		rc = deleg_check_log(txn, bal, why_r);
	free(bal);
	free(mb);
	return rc;
}
