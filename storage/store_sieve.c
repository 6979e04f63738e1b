/* SPDX-License-Identifier: ISC */
/* Sieve scripts per BAL (text, compiled form, one active), the vacation
 * memory of RFC 5230 and the duplicate memory of RFC 7352, their removal
 * with the BAL and their part of store_check. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store_int.h"
#include "util.h"

/* version, active, updated, compiled version, text length */
#define SIEVE_HDR (1 + 1 + 8 + 4 + 4)
#define SIEVE_KEY_MAX (8 + STORE_SIEVE_NAME_MAX)
#define MEMORY_KEY (8 + 32)
#define MEMORY_VAL (1 + 8 + 8) /* version, last (vacation) or 0, expiry */

/* ---------------------------------------------------------------- names */

/* One UTF-8 sequence at s (n bytes left): its code point and length, or
 * length 0 when malformed (overlong, surrogate, past U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
	             : (s[0] & 0xf8) == 0xf0                  ? 4
	                                                      : 0;
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t cp;

	if (len == 0 || len > n)
		return 0;
	cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

int store_sieve_name_check(const char *name, const char **why_r)
{
	size_t n = name != NULL ? strlen(name) : 0;
	const char *why = NULL;

	if (n == 0)
		why = "the script name is empty";
	else if (n > STORE_SIEVE_NAME_MAX)
		why = "the script name is longer than 128 bytes";
	for (size_t i = 0, len; why == NULL && i < n; i += len) {
		uint32_t cp;

		len = utf8_next((const unsigned char *)name + i, n - i, &cp);
		if (len == 0)
			why = "the script name is not valid UTF-8";
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
			why = "the script name holds a control character (RFC 5804 section 1.6)";
	}
	if (why != NULL) {
		if (why_r != NULL)
			*why_r = why;
		return STORE_E_INVALID;
	}
	return STORE_OK;
}

/* ---------------------------------------------------------------- records */

static void sieve_key(uint8_t *buf, MDB_val *key, uint64_t bal_id, const char *name)
{
	size_t n = strlen(name);

	store_be64(buf, bal_id);
	memcpy(buf + 8, name, n);
	key->mv_data = buf;
	key->mv_size = 8 + n;
}

/* Decodes a record; the name from its key. 0 or STORE_E_IO. */
static int sieve_decode(const MDB_val *key, const MDB_val *val, struct store_sieve *s)
{
	const uint8_t *p = val->mv_data;
	size_t n = val->mv_size, nl = key->mv_size - 8;

	memset(s, 0, sizeof(*s));
	if (key->mv_size <= 8 || nl > STORE_SIEVE_NAME_MAX || n < SIEVE_HDR + 4 ||
	    p[0] != STORE_REC_V1 || p[1] > 1)
		return STORE_E_IO;
	memcpy(s->name, (const uint8_t *)key->mv_data + 8, nl);
	s->name[nl] = '\0';
	s->active = p[1] == 1;
	s->updated = (int64_t)store_rd64(p + 2);
	s->compiled_version = store_rd32(p + 10);
	s->text_len = store_rd32(p + 14);
	if (s->text_len > n - SIEVE_HDR - 4)
		return STORE_E_IO;
	s->compiled_len = store_rd32(p + SIEVE_HDR + s->text_len);
	if (s->compiled_len != n - SIEVE_HDR - 4 - s->text_len)
		return STORE_E_IO;
	s->text = (struct slice){p + SIEVE_HDR, s->text_len};
	s->compiled = (struct slice){p + SIEVE_HDR + s->text_len + 4, s->compiled_len};
	return STORE_OK;
}

static int sieve_write(struct store_txn *txn, uint64_t bal_id, const struct store_sieve *s)
{
	uint8_t kb[SIEVE_KEY_MAX];
	MDB_val key, val;
	uint8_t *p;
	int rc;

	sieve_key(kb, &key, bal_id, s->name);
	val.mv_size = SIEVE_HDR + s->text.len + 4 + s->compiled.len;
	val.mv_data = NULL;
	rc = store_put(txn, DB_SIEVE, &key, &val, MDB_RESERVE);
	if (rc != 0)
		return rc;
	p = val.mv_data;
	p[0] = STORE_REC_V1;
	p[1] = s->active ? 1 : 0;
	store_be64(p + 2, (uint64_t)s->updated);
	store_be32(p + 10, s->compiled_version);
	store_be32(p + 14, (uint32_t)s->text.len);
	if (s->text.len > 0)
		memcpy(p + SIEVE_HDR, s->text.p, s->text.len);
	store_be32(p + SIEVE_HDR + s->text.len, (uint32_t)s->compiled.len);
	if (s->compiled.len > 0)
		memcpy(p + SIEVE_HDR + s->text.len + 4, s->compiled.p, s->compiled.len);
	return STORE_OK;
}

/* Rewrites the active byte of an existing record in place. */
static int sieve_set_flag(struct store_txn *txn, const MDB_val *key, const MDB_val *val, bool on)
{
	uint8_t *copy = xmalloc(val->mv_size);
	MDB_val k = *key, v = {val->mv_size, copy};
	int rc;

	memcpy(copy, val->mv_data, val->mv_size);
	copy[1] = on ? 1 : 0;
	rc = store_put(txn, DB_SIEVE, &k, &v, 0);
	free(copy);
	return rc;
}

/* Calls fn for each record of the BAL (key, value); fn returns non-zero
 * to stop (a negative value is returned as the error). */
static int sieve_scan(struct store_txn *txn, uint64_t bal_id,
                      int (*fn)(void *arg, const MDB_val *key, const MDB_val *val), void *arg)
{
	uint8_t kb[8];
	MDB_cursor *cur;
	MDB_val key = {8, kb}, val;
	int rc = store_cursor_open(txn, DB_SIEVE, &cur), r = 0;

	if (rc != 0)
		return rc;
	store_be64(kb, bal_id);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size < 8 || store_rd64(key.mv_data) != bal_id)
			break;
		r = fn(arg, &key, &val);
		if (r != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(txn, rc, "reading Sieve scripts");
	return r < 0 ? r : STORE_OK;
}

/* ---------------------------------------------------------------- scripts */

struct sieve_usage {
	const char *skip; /* a name not counted (the script being replaced) */
	uint32_t count;
	uint64_t bytes;
};

static int sieve_usage_one(void *arg, const MDB_val *key, const MDB_val *val)
{
	struct sieve_usage *u = arg;
	struct store_sieve s;

	if (sieve_decode(key, val, &s) != 0)
		return STORE_E_IO;
	if (u->skip != NULL && strcmp(s.name, u->skip) == 0)
		return 0;
	u->count++;
	u->bytes += s.text_len;
	return 0;
}

int store_sieve_usage(struct store_txn *txn, uint64_t bal_id, uint32_t *count_r,
                      uint64_t *bytes_r)
{
	struct sieve_usage u = {0};
	int rc = sieve_scan(txn, bal_id, sieve_usage_one, &u);

	*count_r = u.count;
	*bytes_r = u.bytes;
	return rc;
}

int store_sieve_space(struct store_txn *txn, uint64_t bal_id, const char *name, uint64_t size,
                      enum store_sieve_space *space_r, const char **why_r)
{
	struct sieve_usage u = {.skip = name};
	enum store_sieve_space sp = SIEVE_SPACE_OK;
	const char *why = NULL;
	int rc = sieve_scan(txn, bal_id, sieve_usage_one, &u);

	if (rc != 0)
		return rc;
	if (size > STORE_SIEVE_SCRIPT_MAX) {
		sp = SIEVE_SPACE_MAXSIZE;
		why = "the script is larger than 256 KiB";
	} else if (u.count + 1 > STORE_SIEVE_SCRIPTS_MAX) {
		sp = SIEVE_SPACE_MAXSCRIPTS;
		why = "the BAL already has 32 Sieve scripts";
	} else if (u.bytes + size > STORE_SIEVE_TOTAL_MAX) {
		sp = SIEVE_SPACE_MAXSIZE;
		why = "the BAL's Sieve scripts would pass 1 MiB in total";
	}
	if (space_r != NULL)
		*space_r = sp;
	if (sp != SIEVE_SPACE_OK && why_r != NULL)
		*why_r = why;
	return sp == SIEVE_SPACE_OK ? STORE_OK : STORE_E_QUOTA;
}

static int sieve_get_raw(struct store_txn *txn, uint64_t bal_id, const char *name,
                         MDB_val *key, uint8_t *kb, MDB_val *val)
{
	if (name == NULL || strlen(name) > STORE_SIEVE_NAME_MAX || name[0] == '\0')
		return 0;
	sieve_key(kb, key, bal_id, name);
	return store_get(txn, DB_SIEVE, key, val);
}

int store_sieve_get(struct store_txn *txn, uint64_t bal_id, const char *name,
                    struct store_sieve *s_r)
{
	uint8_t kb[SIEVE_KEY_MAX];
	MDB_val key, val;
	int rc = sieve_get_raw(txn, bal_id, name, &key, kb, &val);

	if (rc != 1)
		return rc;
	return sieve_decode(&key, &val, s_r) == 0 ? 1 : STORE_E_IO;
}

static int sieve_check_put(struct store_txn *txn, uint64_t bal_id, const char *name,
                           struct slice text, struct slice compiled, const char **why_r)
{
	struct store_bal *b;
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	rc = store_sieve_name_check(name, why_r);
	if (rc != 0)
		return rc;
	if (text.len == 0 || compiled.len == 0 || compiled.len > STORE_SIEVE_COMPILED_MAX) {
		*why_r = text.len == 0 ? "the script is empty"
		         : compiled.len == 0 ? "the compiled form is empty"
		                             : "the compiled form is larger than 4 MiB";
		return STORE_E_INVALID;
	}
	b = xmalloc(sizeof(*b));
	rc = store_bal_get(txn, bal_id, b);
	free(b);
	return rc == 1 ? STORE_OK : rc == 0 ? STORE_E_NOTFOUND : rc;
}

int store_sieve_put(struct store_txn *txn, uint64_t bal_id, const char *name, struct slice text,
                    uint32_t compiled_version, struct slice compiled, int64_t now,
                    enum store_sieve_space *space_r, const char **why_r)
{
	struct store_sieve s, old;
	const char *why = NULL;
	int rc = sieve_check_put(txn, bal_id, name, text, compiled, &why);

	if (space_r != NULL)
		*space_r = SIEVE_SPACE_OK;
	if (rc == 0)
		rc = store_sieve_space(txn, bal_id, name, text.len, space_r, &why);
	if (rc == 0)
		rc = store_sieve_get(txn, bal_id, name, &old);
	if (rc >= 0) {
		memset(&s, 0, sizeof(s));
		memcpy(s.name, name, strlen(name) + 1);
		s.active = rc == 1 && old.active;
		s.updated = now != 0 ? now : time_now();
		s.compiled_version = compiled_version;
		s.text = text;
		s.compiled = compiled;
		rc = sieve_write(txn, bal_id, &s);
	}
	if (rc != 0 && why_r != NULL)
		*why_r = why;
	return rc;
}

struct sieve_each {
	int (*fn)(void *arg, const struct store_sieve *s);
	void *arg;
	struct store_sieve *found;
};

static int sieve_each_one(void *arg, const MDB_val *key, const MDB_val *val)
{
	struct sieve_each *e = arg;
	struct store_sieve s;

	if (sieve_decode(key, val, &s) != 0)
		return 0; /* unreadable: skipped here, reported by store_check */
	if (e->found != NULL) {
		if (!s.active)
			return 0;
		*e->found = s;
		return 1;
	}
	s.text = (struct slice){NULL, 0};
	s.compiled = (struct slice){NULL, 0};
	return e->fn(e->arg, &s) != 0;
}

int store_sieve_each(struct store_txn *txn, uint64_t bal_id,
                     int (*fn)(void *arg, const struct store_sieve *s), void *arg)
{
	struct sieve_each e = {fn, arg, NULL};

	return sieve_scan(txn, bal_id, sieve_each_one, &e);
}

int store_sieve_get_active(struct store_txn *txn, uint64_t bal_id, struct store_sieve *s_r)
{
	struct sieve_each e = {NULL, NULL, s_r};
	int rc;

	s_r->name[0] = '\0';
	rc = sieve_scan(txn, bal_id, sieve_each_one, &e);
	if (rc != 0)
		return rc;
	return s_r->name[0] != '\0';
}

/* Names whose active flag must change (at most the scripts of one BAL). */
struct sieve_activate {
	const char *name; /* "" none */
	char flip[STORE_SIEVE_SCRIPTS_MAX + 1][STORE_SIEVE_NAME_MAX + 1];
	size_t n;
};

static int sieve_activate_one(void *arg, const MDB_val *key, const MDB_val *val)
{
	struct sieve_activate *a = arg;
	const uint8_t *p = val->mv_data;
	size_t nl = key->mv_size - 8;
	bool want = nl == strlen(a->name) &&
	            memcmp((const uint8_t *)key->mv_data + 8, a->name, nl) == 0;

	if (val->mv_size < SIEVE_HDR || p[0] != STORE_REC_V1 || nl > STORE_SIEVE_NAME_MAX)
		return STORE_E_IO;
	if ((p[1] == 1) == want)
		return 0;
	if (a->n == ARRAY_LEN(a->flip))
		return STORE_E_LIMIT;
	memcpy(a->flip[a->n], (const uint8_t *)key->mv_data + 8, nl);
	a->flip[a->n++][nl] = '\0';
	return 0;
}

int store_sieve_set_active(struct store_txn *txn, uint64_t bal_id, const char *name)
{
	struct sieve_activate *a = xcalloc(1, sizeof(*a));
	uint8_t kb[SIEVE_KEY_MAX];
	struct store_sieve s;
	MDB_val key, val;
	int rc = store_need_write(txn);

	a->name = name != NULL ? name : "";
	if (rc == 0 && a->name[0] != '\0') {
		rc = store_sieve_get(txn, bal_id, a->name, &s);
		rc = rc == 1 ? 0 : rc == 0 ? STORE_E_NOTFOUND : rc;
	}
	if (rc == 0)
		rc = sieve_scan(txn, bal_id, sieve_activate_one, a);
	for (size_t i = 0; rc == 0 && i < a->n; i++) {
		rc = sieve_get_raw(txn, bal_id, a->flip[i], &key, kb, &val);
		if (rc == 1)
			rc = sieve_set_flag(txn, &key, &val, strcmp(a->flip[i], a->name) == 0);
		else if (rc == 0)
			rc = STORE_E_IO;
	}
	free(a);
	return rc;
}

int store_sieve_delete(struct store_txn *txn, uint64_t bal_id, const char *name,
                       const char **why_r)
{
	uint8_t kb[SIEVE_KEY_MAX];
	struct store_sieve s;
	MDB_val key, val;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = sieve_get_raw(txn, bal_id, name, &key, kb, &val);
	if (rc == 0)
		return STORE_E_NOTFOUND;
	if (rc < 0)
		return rc;
	if (sieve_decode(&key, &val, &s) == 0 && s.active) {
		if (why_r != NULL)
			*why_r = "the script is active: deactivate it first";
		return STORE_E_INVALID;
	}
	return store_del(txn, DB_SIEVE, &key);
}

int store_sieve_rename(struct store_txn *txn, uint64_t bal_id, const char *old_name,
                       const char *new_name, int64_t now, const char **why_r)
{
	uint8_t kb[SIEVE_KEY_MAX];
	struct store_sieve s, other;
	MDB_val key, val;
	uint8_t *copy;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_sieve_name_check(new_name, why_r);
	if (rc == 0)
		rc = sieve_get_raw(txn, bal_id, old_name, &key, kb, &val);
	if (rc == 0)
		return STORE_E_NOTFOUND;
	if (rc < 0)
		return rc;
	if (strcmp(old_name, new_name) == 0)
		return STORE_OK;
	rc = store_sieve_get(txn, bal_id, new_name, &other);
	if (rc != 0)
		return rc == 1 ? STORE_E_EXISTS : rc;
	if (sieve_decode(&key, &val, &s) != 0)
		return STORE_E_IO;
	/* Copy text and compiled out of the map before the put and del move
	 * pages under them. */
	copy = xmalloc(val.mv_size);
	memcpy(copy, val.mv_data, val.mv_size);
	s.text.p = copy + (s.text.p - (const uint8_t *)val.mv_data);
	s.compiled.p = copy + (s.compiled.p - (const uint8_t *)val.mv_data);
	rc = store_del(txn, DB_SIEVE, &key);
	memcpy(s.name, new_name, strlen(new_name) + 1);
	s.updated = now != 0 ? now : time_now();
	if (rc == 0)
		rc = sieve_write(txn, bal_id, &s);
	free(copy);
	return rc;
}

/* ---------------------------------------------------------------- memories */

/* bal id, then SHA-256(a NUL b) */
static int memory_key(uint8_t *kb, MDB_val *key, uint64_t bal_id, const char *a, bool lower,
                      struct slice b)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (const char *c = a; ok && *c != '\0'; c++) {
		char ch = lower && *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c;
		ok = EVP_DigestUpdate(ctx, &ch, 1) == 1;
	}
	ok = ok && EVP_DigestUpdate(ctx, "", 1) == 1 &&
	     (b.len == 0 || EVP_DigestUpdate(ctx, b.p, b.len) == 1) &&
	     EVP_DigestFinal_ex(ctx, kb + 8, &len) == 1 && len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return STORE_E_IO;
	store_be64(kb, bal_id);
	key->mv_data = kb;
	key->mv_size = MEMORY_KEY;
	return STORE_OK;
}

/* 1 with last and expiry, 0 absent, <0. */
static int memory_get(struct store_txn *txn, enum store_db db, MDB_val *key, int64_t *last_r,
                      int64_t *expiry_r)
{
	MDB_val val;
	const uint8_t *p;
	int rc = store_get(txn, db, key, &val);

	if (rc != 1)
		return rc;
	p = val.mv_data;
	if (val.mv_size != MEMORY_VAL || p[0] != STORE_REC_V1)
		return STORE_E_IO;
	*last_r = (int64_t)store_rd64(p + 1);
	*expiry_r = (int64_t)store_rd64(p + 9);
	return 1;
}

static int memory_put(struct store_txn *txn, enum store_db db, MDB_val *key, int64_t last,
                      int64_t expiry)
{
	uint8_t v[MEMORY_VAL];
	MDB_val val = {sizeof(v), v};

	v[0] = STORE_REC_V1;
	store_be64(v + 1, (uint64_t)last);
	store_be64(v + 9, (uint64_t)expiry);
	return store_put(txn, db, key, &val, 0);
}

int store_vacation_check_set(struct store_txn *txn, uint64_t bal_id, const char *sender,
                             const char *handle, int64_t now, int64_t period, bool *allowed_r)
{
	uint8_t kb[MEMORY_KEY];
	int64_t last = 0, expiry = 0;
	MDB_val key;
	int rc = store_need_write(txn);

	*allowed_r = false;
	if (rc == 0 && period < 0)
		rc = STORE_E_INVALID;
	if (rc == 0)
		rc = memory_key(kb, &key, bal_id, sender ? sender : "", true,
		                slice_from_cstr(handle ? handle : ""));
	if (rc == 0)
		rc = memory_get(txn, DB_VACATION, &key, &last, &expiry);
	if (rc < 0)
		return rc;
	/* A clock set back (now < last) counts from now. */
	if (rc == 1 && now >= last && now - last < period)
		return STORE_OK;
	*allowed_r = true;
	return memory_put(txn, DB_VACATION, &key, now, now + period);
}

int store_duplicate_seen(struct store_txn *txn, uint64_t bal_id, const char *handle,
                         struct slice value, int64_t now)
{
	uint8_t kb[MEMORY_KEY];
	int64_t last, expiry;
	MDB_val key;
	int rc = memory_key(kb, &key, bal_id, handle ? handle : "", false, value);

	if (rc == 0)
		rc = memory_get(txn, DB_DUPLICATE, &key, &last, &expiry);
	if (rc <= 0)
		return rc;
	return expiry > now;
}

int store_duplicate_record(struct store_txn *txn, uint64_t bal_id, const char *handle,
                           struct slice value, int64_t now, int64_t seconds, bool last)
{
	uint8_t kb[MEMORY_KEY];
	int64_t first = 0, expiry = 0;
	MDB_val key;
	int rc = store_need_write(txn);

	if (rc == 0 && seconds < 0)
		rc = STORE_E_INVALID;
	if (rc == 0)
		rc = memory_key(kb, &key, bal_id, handle ? handle : "", false, value);
	if (rc == 0)
		rc = memory_get(txn, DB_DUPLICATE, &key, &first, &expiry);
	if (rc < 0)
		return rc;
	if (rc == 1 && expiry > now && !last)
		return STORE_OK;
	return memory_put(txn, DB_DUPLICATE, &key, rc == 1 && expiry > now ? first : now,
	                  now + seconds);
}

/* Deletes every record of db whose key starts with bal_id (all when
 * only_expired is false), or, with only_expired, the expired ones of every
 * BAL (bal_id ignored). */
static int memory_sweep(struct store_txn *txn, enum store_db db, uint64_t bal_id, bool by_bal,
                        int64_t now, uint64_t *removed)
{
	uint8_t kb[8];
	MDB_cursor *cur;
	MDB_val key = {8, kb}, val;
	int rc = store_cursor_open(txn, db, &cur);

	if (rc != 0)
		return rc;
	store_be64(kb, bal_id);
	rc = by_bal ? mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE)
	            : mdb_cursor_get(cur, &key, &val, MDB_FIRST);
	while (rc == 0) {
		bool del;

		if (by_bal) {
			if (key.mv_size < 8 || store_rd64(key.mv_data) != bal_id)
				break;
			del = true;
		} else {
			const uint8_t *p = val.mv_data;
			del = val.mv_size == MEMORY_VAL && (int64_t)store_rd64(p + 9) <= now;
		}
		if (del) {
			rc = mdb_cursor_del(cur, 0);
			if (rc != 0)
				break;
			if (removed != NULL)
				(*removed)++;
		}
		/* After a delete, LMDB's cursor already stands on the next
		 * record and MDB_NEXT returns it. */
		rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "sweeping records");
}

int store_sieve_memory_prune(struct store_txn *txn, int64_t now, uint64_t *removed_r)
{
	uint64_t n = 0;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = memory_sweep(txn, DB_VACATION, 0, false, now, &n);
	if (rc == 0)
		rc = memory_sweep(txn, DB_DUPLICATE, 0, false, now, &n);
	if (removed_r != NULL)
		*removed_r = n;
	return rc;
}

struct prune_req {
	int64_t now;
	uint64_t removed;
};

static int prune_apply(struct store_txn *txn, void *arg)
{
	struct prune_req *r = arg;

	return store_sieve_memory_prune(txn, r->now, &r->removed);
}

int store_job_sieve_prune(struct store *s, int64_t now, uint64_t *removed_r)
{
	struct prune_req r = {now, 0};
	int rc = store_write(s, prune_apply, &r);

	if (removed_r != NULL)
		*removed_r = rc == 0 ? r.removed : 0;
	return rc;
}

int store_sieve_bal_purge(struct store_txn *txn, uint64_t bal_id)
{
	int rc = memory_sweep(txn, DB_SIEVE, bal_id, true, 0, NULL);

	if (rc == 0)
		rc = memory_sweep(txn, DB_VACATION, bal_id, true, 0, NULL);
	if (rc == 0)
		rc = memory_sweep(txn, DB_DUPLICATE, bal_id, true, 0, NULL);
	if (rc == 0)
		rc = store_sieve_managed_purge(txn, bal_id);
	return rc;
}

/* ---------------------------------------------------------------- check */

static _Thread_local char sieve_check_why[256];

struct sieve_check {
	uint64_t bal_id; /* of the records seen last */
	unsigned active; /* active scripts of that BAL */
};

static int sieve_check_fail(const char *what, uint64_t bal_id, const char **why_r)
{
	snprintf(sieve_check_why, sizeof(sieve_check_why), "%s of BAL %llu", what,
	         (unsigned long long)bal_id);
	*why_r = sieve_check_why;
	return STORE_E_IO;
}

static int sieve_check_bal(struct store_txn *txn, uint64_t bal_id)
{
	struct store_bal *b = xmalloc(sizeof(*b));
	int rc = store_bal_get(txn, bal_id, b);

	free(b);
	return rc;
}

static int sieve_check_scripts(struct store_txn *txn, const char **why_r)
{
	struct sieve_check c = {0};
	struct store_sieve s;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_SIEVE, &cur), bad = 0;

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && bad == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		uint64_t id = key.mv_size > 8 ? store_rd64(key.mv_data) : 0;

		if (id != c.bal_id) {
			c.bal_id = id;
			c.active = 0;
		}
		if (sieve_decode(&key, &val, &s) != 0 || store_sieve_name_check(s.name, NULL) != 0)
			bad = sieve_check_fail("unreadable Sieve script", id, why_r);
		else if (sieve_check_bal(txn, id) != 1)
			bad = sieve_check_fail("Sieve script", id, why_r);
		else if (s.active && ++c.active > 1)
			bad = sieve_check_fail("two active Sieve scripts", id, why_r);
	}
	mdb_cursor_close(cur);
	if (bad != 0)
		return bad;
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "checking Sieve");
}

static int sieve_check_memory(struct store_txn *txn, enum store_db db, const char *what,
                              const char **why_r)
{
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, db, &cur), bad = 0;
	uint64_t last_ok = 0;

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && bad == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		uint64_t id = key.mv_size == MEMORY_KEY ? store_rd64(key.mv_data) : 0;

		if (key.mv_size != MEMORY_KEY || val.mv_size != MEMORY_VAL ||
		    ((const uint8_t *)val.mv_data)[0] != STORE_REC_V1)
			bad = sieve_check_fail(what, id, why_r);
		else if (id != last_ok && sieve_check_bal(txn, id) != 1)
			bad = sieve_check_fail(what, id, why_r);
		else
			last_ok = id;
	}
	mdb_cursor_close(cur);
	if (bad != 0)
		return bad;
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, what);
}

int store_sieve_check(struct store_txn *txn, const char **why_r)
{
	int rc = sieve_check_scripts(txn, why_r);

	if (rc == 0)
		rc = sieve_check_memory(txn, DB_VACATION, "vacation record", why_r);
	if (rc == 0)
		rc = sieve_check_memory(txn, DB_DUPLICATE, "duplicate record", why_r);
	if (rc == 0)
		rc = store_sieve_managed_check_all(txn, why_r);
	return rc;
}
