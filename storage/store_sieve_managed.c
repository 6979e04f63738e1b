/* SPDX-License-Identifier: ISC */
/* The managed rules of a BAL (balisectl vacation and forward): one record
 * per BAL in DB_SIEVE_MANAGED, its removal with the BAL and its part of
 * store_check. See balstore.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

/* Record: version, flags, updated, compiled version, days, from, until,
 * then four u32-length byte strings (subject, message, text, compiled)
 * after the u16-length target address. */
#define MANAGED_VACATION 0x01
#define MANAGED_FORWARD 0x02
#define MANAGED_KEEP_COPY 0x04
#define MANAGED_FIXED (1 + 1 + 8 + 4 + 4 + 2 * STORE_DATE_LEN)

/* ---------------------------------------------------------------- checks */

int store_date_check(const char *s)
{
	int64_t y, days;
	unsigned m, d, m2, d2;

	if (s == NULL || strlen(s) != STORE_DATE_LEN || s[4] != '-' || s[7] != '-')
		return STORE_E_INVALID;
	for (size_t i = 0; i < STORE_DATE_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return STORE_E_INVALID;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return STORE_E_INVALID;
	days = days_from_civil(y, m, d);
	civil_from_days(days, &y, &m2, &d2);
	return m2 == m && d2 == d ? STORE_OK : STORE_E_INVALID;
}

static bool has_nul(struct slice s)
{
	return s.len > 0 && memchr(s.p, '\0', s.len) != NULL;
}

static const char *check_vacation(const struct store_sieve_managed *m)
{
	if (!m->vacation)
		return m->vacation_subject.len || m->vacation_message.len || m->vacation_days ||
		               m->vacation_from[0] || m->vacation_until[0]
		           ? "vacation fields set while the vacation is off"
		           : NULL;
	if (m->vacation_message.len == 0)
		return "the vacation message is empty";
	if (m->vacation_message.len > STORE_VACATION_MESSAGE_MAX)
		return "the vacation message is longer than 16 KiB";
	if (m->vacation_subject.len > STORE_VACATION_SUBJECT_MAX)
		return "the vacation subject is longer than 256 bytes";
	if (has_nul(m->vacation_message) || has_nul(m->vacation_subject))
		return "the vacation message or subject holds a NUL byte";
	if (m->vacation_days < 1 || m->vacation_days > STORE_VACATION_DAYS_MAX)
		return "the vacation period is not 1 to 30 days";
	if ((m->vacation_from[0] && store_date_check(m->vacation_from) != 0) ||
	    (m->vacation_until[0] && store_date_check(m->vacation_until) != 0))
		return "a vacation date is not YYYY-MM-DD";
	if (m->vacation_from[0] && m->vacation_until[0] &&
	    strcmp(m->vacation_from, m->vacation_until) > 0)
		return "the vacation ends before it starts";
	return NULL;
}

static const char *check_forward(const struct store_sieve_managed *m)
{
	const char *at = strchr(m->forward_to, '@');

	if (!m->forward)
		return m->forward_to[0] || m->forward_keep_copy
		           ? "forward fields set while the forward is off"
		           : NULL;
	if (strnlen(m->forward_to, sizeof(m->forward_to)) > STORE_ADDR_MAX)
		return "the forward address is too long";
	if (at == NULL || at == m->forward_to || at[1] == '\0')
		return "the forward address is no local@domain address";
	return NULL;
}

int store_sieve_managed_check(const struct store_sieve_managed *m, const char **why_r)
{
	const char *why = NULL;

	if (!m->vacation && !m->forward)
		why = "neither vacation nor forward is on";
	if (why == NULL)
		why = check_vacation(m);
	if (why == NULL)
		why = check_forward(m);
	if (why == NULL && (m->text.len == 0 || m->text.len > STORE_SIEVE_SCRIPT_MAX))
		why = "the managed script is empty or larger than 256 KiB";
	if (why == NULL && (m->compiled.len == 0 || m->compiled.len > STORE_SIEVE_COMPILED_MAX))
		why = "the compiled form is empty or larger than 4 MiB";
	if (why == NULL)
		return STORE_OK;
	if (why_r != NULL)
		*why_r = why;
	return STORE_E_INVALID;
}

/* ---------------------------------------------------------------- codec */

/* A u32-length byte string at *pos of val; false when it does not fit. */
static bool rd_slice(const uint8_t *p, size_t n, size_t *pos, struct slice *s)
{
	uint32_t len;

	if (n - *pos < 4)
		return false;
	len = store_rd32(p + *pos);
	*pos += 4;
	if (n - *pos < len)
		return false;
	*s = (struct slice){len > 0 ? p + *pos : NULL, len};
	*pos += len;
	return true;
}

/* 0, or STORE_E_IO when val is no readable record (then *m_r is wiped). */
static int managed_decode(const MDB_val *val, struct store_sieve_managed *m)
{
	const uint8_t *p = val->mv_data;
	size_t n = val->mv_size, pos = MANAGED_FIXED, tl;
	bool ok;

	memset(m, 0, sizeof(*m));
	if (n < MANAGED_FIXED + 2 || p[0] != STORE_REC_V1 || (p[1] & ~0x07) != 0)
		return STORE_E_IO;
	m->vacation = (p[1] & MANAGED_VACATION) != 0;
	m->forward = (p[1] & MANAGED_FORWARD) != 0;
	m->forward_keep_copy = (p[1] & MANAGED_KEEP_COPY) != 0;
	m->updated = (int64_t)store_rd64(p + 2);
	m->compiled_version = store_rd32(p + 10);
	m->vacation_days = store_rd32(p + 14);
	memcpy(m->vacation_from, p + 18, STORE_DATE_LEN);
	memcpy(m->vacation_until, p + 18 + STORE_DATE_LEN, STORE_DATE_LEN);
	tl = (size_t)p[pos] << 8 | p[pos + 1];
	pos += 2;
	ok = memchr(m->vacation_from, '\0', STORE_DATE_LEN) == NULL ||
	     m->vacation_from[0] == '\0';
	ok = ok && (memchr(m->vacation_until, '\0', STORE_DATE_LEN) == NULL ||
	            m->vacation_until[0] == '\0');
	ok = ok && tl <= STORE_ADDR_MAX && n - pos >= tl;
	if (ok) {
		memcpy(m->forward_to, p + pos, tl);
		pos += tl;
	}
	ok = ok && memchr(m->forward_to, '\0', tl) == NULL &&
	     rd_slice(p, n, &pos, &m->vacation_subject) &&
	     rd_slice(p, n, &pos, &m->vacation_message) && rd_slice(p, n, &pos, &m->text) &&
	     rd_slice(p, n, &pos, &m->compiled) && pos == n;
	if (!ok) {
		memset(m, 0, sizeof(*m));
		return STORE_E_IO;
	}
	return STORE_OK;
}

static void wr_slice(uint8_t *p, size_t *pos, struct slice s)
{
	store_be32(p + *pos, (uint32_t)s.len);
	*pos += 4;
	if (s.len > 0)
		memcpy(p + *pos, s.p, s.len);
	*pos += s.len;
}

static int managed_write(struct store_txn *txn, const MDB_val *key,
                         const struct store_sieve_managed *m, int64_t updated)
{
	size_t tl = strlen(m->forward_to), pos = MANAGED_FIXED;
	MDB_val k = *key, val;
	uint8_t *p;
	int rc;

	val.mv_size = MANAGED_FIXED + 2 + tl + 4 * 4 + m->vacation_subject.len +
	              m->vacation_message.len + m->text.len + m->compiled.len;
	val.mv_data = NULL;
	rc = store_put(txn, DB_SIEVE_MANAGED, &k, &val, MDB_RESERVE);
	if (rc != 0)
		return rc;
	p = val.mv_data;
	p[0] = STORE_REC_V1;
	p[1] = (uint8_t)((m->vacation ? MANAGED_VACATION : 0) | (m->forward ? MANAGED_FORWARD : 0) |
	                 (m->forward_keep_copy ? MANAGED_KEEP_COPY : 0));
	store_be64(p + 2, (uint64_t)updated);
	store_be32(p + 10, m->compiled_version);
	store_be32(p + 14, m->vacation_days);
	memset(p + 18, 0, 2 * STORE_DATE_LEN);
	memcpy(p + 18, m->vacation_from, strlen(m->vacation_from));
	memcpy(p + 18 + STORE_DATE_LEN, m->vacation_until, strlen(m->vacation_until));
	p[pos++] = (uint8_t)(tl >> 8);
	p[pos++] = (uint8_t)tl;
	memcpy(p + pos, m->forward_to, tl);
	pos += tl;
	wr_slice(p, &pos, m->vacation_subject);
	wr_slice(p, &pos, m->vacation_message);
	wr_slice(p, &pos, m->text);
	wr_slice(p, &pos, m->compiled);
	return STORE_OK;
}

/* ---------------------------------------------------------------- API */

int store_sieve_managed_get(struct store_txn *txn, uint64_t bal_id, struct store_sieve_managed *m_r)
{
	struct store_key k;
	MDB_val val;
	int rc;

	store_key_u64(&k, bal_id);
	rc = store_get(txn, DB_SIEVE_MANAGED, &k.v, &val);
	if (rc != 1) {
		memset(m_r, 0, sizeof(*m_r));
		return rc;
	}
	return managed_decode(&val, m_r) == 0 ? 1 : STORE_E_IO;
}

int store_sieve_managed_put(struct store_txn *txn, uint64_t bal_id,
                            const struct store_sieve_managed *m, const char **why_r)
{
	struct store_bal *b;
	struct store_key k;
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	if (memchr(m->forward_to, '\0', sizeof(m->forward_to)) == NULL ||
	    memchr(m->vacation_from, '\0', sizeof(m->vacation_from)) == NULL ||
	    memchr(m->vacation_until, '\0', sizeof(m->vacation_until)) == NULL) {
		if (why_r != NULL)
			*why_r = "an unterminated field";
		return STORE_E_INVALID;
	}
	rc = store_sieve_managed_check(m, why_r);
	if (rc != 0)
		return rc;
	b = xmalloc(sizeof(*b));
	rc = store_bal_get(txn, bal_id, b);
	free(b);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	store_key_u64(&k, bal_id);
	return managed_write(txn, &k.v, m, m->updated != 0 ? m->updated : time_now());
}

int store_sieve_managed_delete(struct store_txn *txn, uint64_t bal_id)
{
	struct store_key k;
	MDB_val val;
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	store_key_u64(&k, bal_id);
	rc = store_get(txn, DB_SIEVE_MANAGED, &k.v, &val);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	return store_del(txn, DB_SIEVE_MANAGED, &k.v);
}

int store_sieve_managed_purge(struct store_txn *txn, uint64_t bal_id)
{
	int rc = store_sieve_managed_delete(txn, bal_id);

	return rc == STORE_E_NOTFOUND ? STORE_OK : rc;
}

/* ---------------------------------------------------------------- check */

static _Thread_local char managed_check_why[256];

int store_sieve_managed_check_all(struct store_txn *txn, const char **why_r)
{
	struct store_sieve_managed m;
	struct store_bal *b;
	const char *what = NULL;
	MDB_cursor *cur;
	MDB_val key, val;
	uint64_t id = 0;
	int rc = store_cursor_open(txn, DB_SIEVE_MANAGED, &cur);

	if (rc != 0)
		return rc;
	b = xmalloc(sizeof(*b));
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && what == NULL;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const char *why = NULL;

		id = key.mv_size == 8 ? store_rd64(key.mv_data) : 0;
		if (key.mv_size != 8 || managed_decode(&val, &m) != 0)
			what = "unreadable managed Sieve rules";
		else if (store_sieve_managed_check(&m, &why) != 0)
			what = why;
		else if (store_bal_get(txn, id, b) != 1)
			what = "managed Sieve rules without BAL";
	}
	mdb_cursor_close(cur);
	free(b);
	if (what != NULL) {
		snprintf(managed_check_why, sizeof(managed_check_why), "%s (BAL %llu)", what,
		         (unsigned long long)id);
		*why_r = managed_check_why;
		return STORE_E_IO;
	}
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK
	                                     : store_mdb_err(txn, rc, "checking managed Sieve rules");
}
