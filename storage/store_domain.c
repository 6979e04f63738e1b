/* SPDX-License-Identifier: ISC */
/* Domains served here: lower-cased names in the domains database; a domain
 * cannot be removed while BALs of it exist. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

/* Lower-cases domain into out (STORE_DOMAIN_MAX + 1 bytes) and checks its
 * syntax: dot-separated labels of letters, digits and hyphens. On
 * STORE_E_INVALID, *why_r (when why_r is not NULL) says what is wrong. */
static int domain_norm(const char *domain, char *out, const char **why_r)
{
	size_t n = strlen(domain), label = 0;
	const char *why = NULL;

	if (n == 0)
		why = "the name is empty";
	else if (n > STORE_DOMAIN_MAX)
		why = "the name is longer than 253 characters";
	for (size_t i = 0; why == NULL && i <= n; i++) {
		unsigned char c = (unsigned char)domain[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				why = "a label is empty (two dots, or a dot at an end)";
			else if (label > 63)
				why = "a label is longer than 63 characters";
			else if (out[i - 1] == '-')
				why = "a label ends with a hyphen";
			label = 0;
		} else if (isalnum(c) || c == '-') {
			if (label == 0 && c == '-')
				why = "a label starts with a hyphen";
			label++;
		} else {
			why = "only letters, digits, hyphens and dots are allowed";
		}
		out[i] = (char)tolower(c);
	}
	if (why != NULL) {
		if (why_r != NULL)
			*why_r = why;
		return STORE_E_INVALID;
	}
	return STORE_OK;
}

int store_domain_norm(const char *domain, char *out)
{
	return domain_norm(domain, out, NULL);
}

int store_domain_check(const char *domain, const char **why_r)
{
	char norm[STORE_DOMAIN_MAX + 1];

	return domain_norm(domain, norm, why_r);
}

static void store_domain_key(MDB_val *key, const char *norm)
{
	key->mv_data = (void *)norm;
	key->mv_size = strlen(norm);
}

int store_domain_add(struct store_txn *txn, const char *domain)
{
	char norm[STORE_DOMAIN_MAX + 1];
	uint8_t rec[2] = {STORE_REC_V1, 0}; /* no settings yet */
	MDB_val key, val = {sizeof(rec), rec};
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	if (store_domain_norm(domain, norm) != 0)
		return STORE_E_INVALID;
	store_domain_key(&key, norm);
	return store_put(txn, DB_DOMAINS, &key, &val, MDB_NOOVERWRITE);
}

/* 1 when some BAL address ends in "@domain". */
static int store_domain_used(struct store_txn *txn, const char *norm)
{
	size_t dn = strlen(norm);
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_BAL_BY_ADDR, &cur);
	int found = 0;

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const char *a = key.mv_data;

		if (key.mv_size > dn + 1 && a[key.mv_size - dn - 1] == '@' &&
		    memcmp(a + key.mv_size - dn, norm, dn) == 0) {
			found = 1;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(txn, rc, "scanning addresses");
	return found;
}

int store_domain_remove(struct store_txn *txn, const char *domain)
{
	char norm[STORE_DOMAIN_MAX + 1];
	MDB_val key;
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	if (store_domain_norm(domain, norm) != 0)
		return STORE_E_NOTFOUND;
	rc = store_domain_used(txn, norm);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return STORE_E_NOTEMPTY;
	store_domain_key(&key, norm);
	return store_del(txn, DB_DOMAINS, &key);
}

int store_domain_exists(struct store_txn *txn, const char *domain)
{
	char norm[STORE_DOMAIN_MAX + 1];
	MDB_val key, val;

	if (store_domain_norm(domain, norm) != 0)
		return 0;
	store_domain_key(&key, norm);
	return store_get(txn, DB_DOMAINS, &key, &val);
}

int store_domain_each(struct store_txn *txn, int (*fn)(void *arg, const char *domain), void *arg)
{
	char name[STORE_DOMAIN_MAX + 1];
	MDB_cursor *cur;
	MDB_val key, val;
	int rc = store_cursor_open(txn, DB_DOMAINS, &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size > STORE_DOMAIN_MAX)
			continue;
		memcpy(name, key.mv_data, key.mv_size);
		name[key.mv_size] = '\0';
		if (fn(arg, name) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(txn, rc, "listing domains");
	return STORE_OK;
}
