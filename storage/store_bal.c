/* SPDX-License-Identifier: ISC */
/* BALs: the holder rules (store_bal_validate), the BAL record and its
 * address index and retired addresses (the quota record: store_quota.c). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "idnat.h"
#include "store_int.h"
#include "util.h"

/* RFC 5321 4.5.3.1.1 */
#define STORE_LOCAL_MAX 64
/* The default mailboxes of a new BAL, with their RFC 6154 special-use. */
static const struct {
	const char *name;
	unsigned special_use;
} store_default_mailboxes[] = {
    {"INBOX", MBOX_SU_NONE},  {"Sent", MBOX_SU_SENT}, {"Drafts", MBOX_SU_DRAFTS},
    {"Trash", MBOX_SU_TRASH}, {"Junk", MBOX_SU_JUNK},
};

static const char *const store_type_names[] = {
    [BAL_PER] = "PER", [BAL_ORG] = "ORG", [BAL_CAB] = "CAB", [BAL_APP] = "APP"};
static const char *const store_state_names[] = {
    [BAL_ACTIVE] = "active",
    [BAL_SUSPENDED] = "suspended",
    [BAL_DELETION_REQUESTED] = "deletion-requested",
};

const char *store_bal_type_name(enum store_bal_type t)
{
	return t >= BAL_PER && t <= BAL_APP ? store_type_names[t] : "unknown";
}

int store_bal_type_parse(const char *s)
{
	for (int t = BAL_PER; t <= BAL_APP; t++)
		if (strcasecmp(s, store_type_names[t]) == 0)
			return t;
	return -1;
}

const char *store_bal_state_name(enum store_bal_state s)
{
	return s >= BAL_ACTIVE && s <= BAL_DELETION_REQUESTED ? store_state_names[s] : "unknown";
}

int store_bal_state_parse(const char *s)
{
	for (int t = BAL_ACTIVE; t <= BAL_DELETION_REQUESTED; t++)
		if (strcasecmp(s, store_state_names[t]) == 0)
			return t;
	return -1;
}

/* ---------------------------------------------------------------- rules */

/* RFC 5322 atext plus the dots of a dot-atom. */
static bool store_local_char_ok(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static int store_addr_check(const char *addr, const char **why_r)
{
	size_t n = strnlen(addr, STORE_ADDR_MAX + 1), local;
	const char *at;
	char dom[STORE_DOMAIN_MAX + 1];

	*why_r = "the address must have the form local@domain, at most 254 characters";
	/* the length first: the array may hold no NUL at all */
	if (n == 0 || n > STORE_ADDR_MAX)
		return STORE_E_INVALID;
	at = strchr(addr, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return STORE_E_INVALID;
	local = (size_t)(at - addr);
	if (local == 0 || local > STORE_LOCAL_MAX || addr[0] == '.' || at[-1] == '.')
		return STORE_E_INVALID;
	for (size_t i = 0; i < local; i++)
		if (!store_local_char_ok((unsigned char)addr[i]) ||
		    (addr[i] == '.' && addr[i + 1] == '.'))
			return STORE_E_INVALID;
	if (store_domain_norm(at + 1, dom) != 0)
		return STORE_E_INVALID;
	return STORE_OK;
}

/* Every string member must be NUL-terminated inside its array. */
static bool store_bal_strings_ok(const struct store_bal *b)
{
	if (strnlen(b->holder, sizeof(b->holder)) == sizeof(b->holder) ||
	    strnlen(b->display_name, sizeof(b->display_name)) == sizeof(b->display_name) ||
	    strnlen(b->password_hash, sizeof(b->password_hash)) == sizeof(b->password_hash) ||
	    strnlen(b->contact, sizeof(b->contact)) == sizeof(b->contact))
		return false;
	for (unsigned i = 0; i < b->n_coholders && i < STORE_COHOLDERS_MAX; i++)
		if (strnlen(b->coholders[i], sizeof(b->coholders[i])) == sizeof(b->coholders[i]))
			return false;
	return true;
}

static int store_bal_check_per(const struct store_bal *b, const char **why_r)
{
	if (b->holder_type == IDNAT_MSSANTE) {
		*why_r = "EX_GBM_4312: a new PER BAL cannot be held by an identifier of type 10 "
		         "(MSSante address); give the holder's RPPS (type 8) or ADELI (type 0)";
		return STORE_E_INVALID;
	}
	if (b->holder_type != IDNAT_RPPS && b->holder_type != IDNAT_ADELI) {
		*why_r = "a PER BAL needs a holder of type 8 (RPPS) or 0 (ADELI)";
		return STORE_E_INVALID;
	}
	return idnat_check_person(b->holder_type, b->holder, why_r) == 0 ? STORE_OK
	                                                                 : STORE_E_INVALID;
}

static int store_bal_check_cab(const struct store_bal *b, const char **why_r)
{
	if (b->holder_type != IDNAT_RPPS) {
		*why_r = "a CAB BAL needs a responsible holder of type 8 (RPPS)";
		return STORE_E_INVALID;
	}
	if (idnat_check_person(IDNAT_RPPS, b->holder, why_r) != 0)
		return STORE_E_INVALID;
	if (b->n_coholders > STORE_COHOLDERS_MAX) {
		*why_r = "a CAB BAL takes at most 16 co-holders";
		return STORE_E_INVALID;
	}
	for (unsigned i = 0; i < b->n_coholders; i++) {
		if (idnat_check_person(IDNAT_RPPS, b->coholders[i], why_r) != 0)
			return STORE_E_INVALID;
		if (strcmp(b->coholders[i], b->holder) == 0) {
			*why_r = "a co-holder repeats the responsible holder";
			return STORE_E_INVALID;
		}
		for (unsigned j = 0; j < i; j++)
			if (strcmp(b->coholders[i], b->coholders[j]) == 0) {
				*why_r = "a co-holder is listed twice";
				return STORE_E_INVALID;
			}
	}
	return STORE_OK;
}

static int store_bal_check_structure(const struct store_bal *b, const char **why_r)
{
	if (b->holder_type != IDNAT_FINESS && b->holder_type != IDNAT_SIRET) {
		*why_r =
		    "an ORG or APP BAL needs a structure holder of type 1 (FINESS) or 3 (SIRET)";
		return STORE_E_INVALID;
	}
	return idnat_check_structure(b->holder_type, b->holder, why_r) == 0 ? STORE_OK
	                                                                    : STORE_E_INVALID;
}

int store_bal_validate(const struct store_bal *bal, const char **why_r)
{
	const char *why = NULL;
	int rc = store_addr_check(bal->address, &why);

	if (rc == 0 && !store_bal_strings_ok(bal)) {
		why = "a text field of the BAL is too long";
		rc = STORE_E_INVALID;
	}
	/* 0 is taken as active by create and update. */
	if (rc == 0 && ((int)bal->state < 0 || (int)bal->state > BAL_DELETION_REQUESTED)) {
		why = "unknown BAL state";
		rc = STORE_E_INVALID;
	}
	if (rc == 0 && bal->type != BAL_CAB && bal->n_coholders > 0) {
		why = "only a CAB BAL takes co-holders";
		rc = STORE_E_INVALID;
	}
	if (rc == 0) {
		switch (bal->type) {
		case BAL_PER:
			rc = store_bal_check_per(bal, &why);
			break;
		case BAL_CAB:
			rc = store_bal_check_cab(bal, &why);
			break;
		case BAL_ORG:
		case BAL_APP:
			rc = store_bal_check_structure(bal, &why);
			break;
		default:
			why = "unknown BAL type (PER, ORG, CAB or APP)";
			rc = STORE_E_INVALID;
		}
	}
	if (why_r != NULL)
		*why_r = rc == 0 ? NULL : why;
	return rc;
}

/* ---------------------------------------------------------------- record */

static int store_bal_encode(const struct store_bal *b, struct store_enc *e)
{
	store_enc_str(e, b->address);
	store_enc_u8(e, (uint8_t)b->type);
	store_enc_u32(e, (uint32_t)b->holder_type);
	store_enc_str(e, b->holder);
	store_enc_u8(e, (uint8_t)b->n_coholders);
	for (unsigned i = 0; i < b->n_coholders; i++)
		store_enc_str(e, b->coholders[i]);
	store_enc_str(e, b->display_name);
	store_enc_u64(e, b->quota_bytes);
	store_enc_u64(e, b->quota_messages);
	store_enc_u8(e, (uint8_t)b->state);
	store_enc_str(e, b->password_hash);
	store_enc_u64(e, (uint64_t)b->created);
	store_enc_u64(e, (uint64_t)b->last_login);
	store_enc_u32(e, b->sent_retention);
	store_enc_u64(e, (uint64_t)b->inactivity_warned);
	store_enc_str(e, b->contact);
	return e->overflow ? STORE_E_LIMIT : STORE_OK;
}

static int store_bal_decode(uint64_t id, const MDB_val *val, struct store_bal *b)
{
	struct store_dec d;

	memset(b, 0, sizeof(*b));
	b->id = id;
	store_dec_init(&d, val);
	store_dec_str(&d, b->address, sizeof(b->address));
	b->type = store_dec_u8(&d);
	b->holder_type = (int)store_dec_u32(&d);
	store_dec_str(&d, b->holder, sizeof(b->holder));
	b->n_coholders = store_dec_u8(&d);
	if (b->n_coholders > STORE_COHOLDERS_MAX)
		return STORE_E_IO;
	for (unsigned i = 0; i < b->n_coholders; i++)
		store_dec_str(&d, b->coholders[i], sizeof(b->coholders[i]));
	store_dec_str(&d, b->display_name, sizeof(b->display_name));
	b->quota_bytes = store_dec_u64(&d);
	b->quota_messages = store_dec_u64(&d);
	b->state = store_dec_u8(&d);
	store_dec_str(&d, b->password_hash, sizeof(b->password_hash));
	b->created = (int64_t)store_dec_u64(&d);
	b->last_login = (int64_t)store_dec_u64(&d);
	if (!d.bad && d.pos < d.len) { /* lifecycle fields, written since schema 1 too */
		b->sent_retention = store_dec_u32(&d);
		b->inactivity_warned = (int64_t)store_dec_u64(&d);
		store_dec_str(&d, b->contact, sizeof(b->contact));
	}
	return d.bad ? STORE_E_IO : STORE_OK;
}

static int store_bal_put(struct store_txn *txn, const struct store_bal *b)
{
	uint8_t buf[STORE_REC_MAX];
	struct store_enc e;
	struct store_key k;
	MDB_val val;
	int rc;

	store_enc_init(&e, buf, sizeof(buf));
	rc = store_bal_encode(b, &e);
	if (rc != 0)
		return rc;
	store_key_u64(&k, b->id);
	val.mv_data = buf;
	val.mv_size = e.len;
	return store_put(txn, DB_BALS, &k.v, &val, 0);
}

int store_bal_get(struct store_txn *txn, uint64_t id, struct store_bal *bal_r)
{
	struct store_key k;
	MDB_val val;
	int rc;

	store_key_u64(&k, id);
	rc = store_get(txn, DB_BALS, &k.v, &val);
	if (rc != 1)
		return rc;
	rc = store_bal_decode(id, &val, bal_r);
	return rc == 0 ? 1 : rc;
}

/* Lower-cased copy of address; STORE_E_INVALID when too long. */
static int store_addr_lower(const char *address, char *out)
{
	if (str_copy(out, STORE_ADDR_MAX + 1, address) != 0)
		return STORE_E_INVALID;
	str_lower(out);
	return STORE_OK;
}

int store_bal_get_by_addr(struct store_txn *txn, const char *address, struct store_bal *bal_r)
{
	char lower[STORE_ADDR_MAX + 1];
	MDB_val key, val;
	int rc;

	if (store_addr_lower(address, lower) != 0)
		return 0;
	key.mv_data = lower;
	key.mv_size = strlen(lower);
	rc = store_get(txn, DB_BAL_BY_ADDR, &key, &val);
	if (rc != 1)
		return rc;
	if (val.mv_size != 9)
		return STORE_E_IO;
	return store_bal_get(txn, store_rd64((const uint8_t *)val.mv_data + 1), bal_r);
}

int store_bal_each(struct store_txn *txn, int (*fn)(void *arg, const struct store_bal *bal),
                   void *arg)
{
	struct store_bal *b = xmalloc(sizeof(*b));
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_BALS, &cur);

	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != 8 || store_bal_decode(store_rd64(key.mv_data), &val, b) != 0)
			continue;
		if (fn(arg, b) != 0)
			break;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "listing BALs");
out:
	free(b);
	return rc;
}

/* ---------------------------------------------------------------- lifecycle */

static void store_str_key(MDB_val *key, const char *s)
{
	key->mv_data = (void *)s;
	key->mv_size = strlen(s);
}

/* 0 when address is not retired, or retired for the same holder. */
static int store_bal_check_retired(struct store_txn *txn, const struct store_bal *b,
                                   const char **why_r)
{
	char holder[STORE_IDNAT_MAX + 1];
	struct store_dec d;
	MDB_val key, val;
	int rc;

	store_str_key(&key, b->address);
	rc = store_get(txn, DB_RETIRED, &key, &val);
	if (rc <= 0)
		return rc;
	store_dec_init(&d, &val);
	store_dec_str(&d, holder, sizeof(holder));
	if (d.bad)
		return STORE_E_IO;
	if (strcmp(holder, b->holder) != 0) {
		*why_r =
		    "the address belonged to a deleted BAL of another holder and stays retired";
		return STORE_E_INVALID;
	}
	return store_del(txn, DB_RETIRED, &key);
}

/* Domain served, address free and not retired for another holder. */
static int store_bal_check_free(struct store_txn *txn, const struct store_bal *b,
                                const char **why_r)
{
	MDB_val key, val;
	int rc = store_domain_exists(txn, strchr(b->address, '@') + 1);

	if (rc < 0)
		return rc;
	if (rc == 0) {
		*why_r = "the address's domain is not served here";
		return STORE_E_INVALID;
	}
	store_str_key(&key, b->address);
	rc = store_get(txn, DB_BAL_BY_ADDR, &key, &val);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*why_r = "the address is already used by another BAL";
		return STORE_E_EXISTS;
	}
	return store_bal_check_retired(txn, b, why_r);
}

static int store_bal_index(struct store_txn *txn, const struct store_bal *b)
{
	uint8_t rec[9];
	MDB_val key, val = {sizeof(rec), rec};

	rec[0] = STORE_REC_V1;
	store_be64(rec + 1, b->id);
	store_str_key(&key, b->address);
	return store_put(txn, DB_BAL_BY_ADDR, &key, &val, MDB_NOOVERWRITE);
}

static int store_bal_default_mailboxes(struct store_txn *txn, uint64_t bal_id)
{
	struct store_mailbox *mb = xmalloc(sizeof(*mb));
	int rc = STORE_OK;

	for (size_t i = 0; i < ARRAY_LEN(store_default_mailboxes) && rc == 0; i++)
		rc = store_mailbox_create(txn, bal_id, store_default_mailboxes[i].name,
		                          store_default_mailboxes[i].special_use, mb);
	free(mb);
	return rc;
}

int store_bal_create(struct store_txn *txn, struct store_bal *bal, const char **why_r)
{
	const char *why = NULL;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_bal_validate(bal, &why);
	if (rc != 0)
		goto out;
	str_lower(bal->address);
	rc = store_bal_check_free(txn, bal, &why);
	if (rc == 0)
		rc = store_counter_next(txn, "bal", &bal->id);
	if (rc != 0)
		goto out;
	if (bal->created == 0)
		bal->created = time_now();
	if (bal->state == 0)
		bal->state = BAL_ACTIVE;
	rc = store_bal_put(txn, bal);
	if (rc == 0)
		rc = store_bal_index(txn, bal);
	if (rc == 0)
		rc = store_quota_create(txn, bal->id);
	if (rc == 0)
		rc = store_bal_default_mailboxes(txn, bal->id);
out:
	if (why_r != NULL)
		*why_r = why;
	return rc;
}

int store_bal_update(struct store_txn *txn, const struct store_bal *bal, const char **why_r)
{
	struct store_bal *old = xmalloc(sizeof(*old)), *upd = NULL;
	const char *why = NULL;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_bal_get(txn, bal->id, old);
	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc < 0)
		goto out;
	rc = STORE_E_INVALID;
	if (strcasecmp(old->address, bal->address) != 0)
		why = "the address of a BAL cannot be changed";
	else if (old->type != bal->type)
		why = "the type of a BAL cannot be changed";
	else
		rc = store_bal_validate(bal, &why);
	if (rc != 0)
		goto out;
	upd = xmalloc(sizeof(*upd));
	*upd = *bal;
	memcpy(upd->address, old->address, sizeof(upd->address));
	if (upd->state == 0)
		upd->state = BAL_ACTIVE;
	if (upd->created == 0) /* a caller that never read it keeps the original */
		upd->created = old->created;
	rc = store_bal_put(txn, upd);
	/* A changed quota may bring usage below a level. Only then: a 100 %
	 * reached by a refused delivery stands while usage stays under 100 %,
	 * and any other update (a login time, a state) must not re-arm it. */
	if (rc == 0 && (upd->quota_bytes != old->quota_bytes ||
	                upd->quota_messages != old->quota_messages))
		rc = store_quota_rearm(txn, upd->id);
out:
	if (why_r != NULL)
		*why_r = why;
	free(old);
	free(upd);
	return rc;
}

/* Ids of the BAL's mailboxes (deletion cannot walk a cursor it edits). */
static int store_bal_mailbox_ids(struct store_txn *txn, uint64_t bal_id, uint64_t **ids_r,
                                 size_t *n_r)
{
	struct store_key k;
	MDB_cursor *cur;
	MDB_val key, val;
	size_t n = 0, cap = 0;
	uint64_t *ids = NULL;
	int rc = store_cursor_open(txn, DB_MAILBOXES, &cur);

	if (rc != 0)
		return rc;
	store_key_u64(&k, bal_id);
	key = k.v;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	     rc == 0 && key.mv_size >= 8 && store_rd64(key.mv_data) == bal_id;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (val.mv_size != 9)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = store_rd64((const uint8_t *)val.mv_data + 1);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		free(ids);
		return store_mdb_err(txn, rc, "listing mailboxes");
	}
	*ids_r = ids;
	*n_r = n;
	return STORE_OK;
}

static int store_bal_retire(struct store_txn *txn, const struct store_bal *b)
{
	uint8_t buf[64];
	struct store_enc e;
	MDB_val key, val;

	store_enc_init(&e, buf, sizeof(buf));
	store_enc_str(&e, b->holder);
	store_str_key(&key, b->address);
	val.mv_data = buf;
	val.mv_size = e.len;
	return e.overflow ? STORE_E_LIMIT : store_put(txn, DB_RETIRED, &key, &val, 0);
}

int store_bal_delete(struct store_txn *txn, uint64_t id)
{
	struct store_bal *b = xmalloc(sizeof(*b));
	uint64_t *ids = NULL;
	size_t n = 0;
	struct store_key k;
	MDB_val key;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_bal_get(txn, id, b);
	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc < 0)
		goto out;
	rc = store_bal_mailbox_ids(txn, id, &ids, &n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = store_mailbox_delete(txn, ids[i]);
	if (rc == 0)
		rc = store_sub_orphan_purge(txn, id);
	if (rc == 0)
		rc = store_sieve_bal_purge(txn, id);
	if (rc == 0)
		rc = store_deleg_purge_bal(txn, id);
	if (rc == 0)
		rc = store_quota_delete(txn, id);
	store_str_key(&key, b->address);
	if (rc == 0)
		rc = store_del(txn, DB_BAL_BY_ADDR, &key);
	store_key_u64(&k, id);
	if (rc == 0)
		rc = store_del(txn, DB_BALS, &k.v);
	if (rc == 0)
		rc = store_bal_retire(txn, b);
out:
	free(ids);
	free(b);
	return rc;
}
