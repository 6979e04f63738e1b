/* SPDX-License-Identifier: ISC */
/* Message bytes: one reference-counted blob record (refs, size, summary) and
 * the bytes in chunks keyed (blob id, n), written once per delivery. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "util.h"

/* version, refs, size */
#define STORE_BLOB_HDR (1 + 4 + 8)

static uint64_t store_blob_nchunks(uint64_t size)
{
	return (size + STORE_CHUNK_SIZE - 1) / STORE_CHUNK_SIZE;
}

/* Blob and chunk ids only grow, so MDB_APPEND is almost always right and
 * fills pages completely; KEYEXIST (not an error state) falls back. */
static int store_put_reserve(struct store_txn *txn, enum store_db db, MDB_val *key, size_t len,
                             void **data_r)
{
	MDB_cursor *cur;
	MDB_val val = {len, NULL};
	int rc = store_cursor_open(txn, db, &cur);

	if (rc != 0)
		return rc;
	rc = mdb_cursor_put(cur, key, &val, MDB_RESERVE | MDB_APPEND);
	if (rc == MDB_KEYEXIST) {
		val.mv_size = len;
		rc = mdb_cursor_put(cur, key, &val, MDB_RESERVE);
	}
	mdb_cursor_close(cur);
	if (rc != 0)
		return store_mdb_err(txn, rc, "writing a blob");
	*data_r = val.mv_data;
	return STORE_OK;
}

static int store_blob_put_chunks(struct store_txn *txn, uint64_t id, const uint8_t *data,
                                 size_t len)
{
	uint64_t n = store_blob_nchunks(len);
	struct store_key k;
	uint8_t *out;
	int rc = STORE_OK;

	for (uint64_t i = 0; i < n && rc == 0; i++) {
		size_t off = (size_t)(i * STORE_CHUNK_SIZE);
		size_t part = len - off < STORE_CHUNK_SIZE ? len - off : STORE_CHUNK_SIZE;

		store_key_u64_u32(&k, id, (uint32_t)i);
		rc = store_put_reserve(txn, DB_CHUNKS, &k.v, 1 + part, (void **)&out);
		if (rc == 0) {
			out[0] = STORE_REC_V1;
			memcpy(out + 1, data + off, part);
		}
	}
	return rc;
}

static void store_blob_track(struct store_txn *txn, uint64_t id)
{
	if (txn->n_new_blobs == txn->cap_new_blobs) {
		txn->cap_new_blobs = txn->cap_new_blobs ? txn->cap_new_blobs * 2 : 16;
		txn->new_blobs = xrealloc(txn->new_blobs, txn->cap_new_blobs * sizeof(uint64_t));
	}
	txn->new_blobs[txn->n_new_blobs++] = id;
}

int store_blob_put(struct store_txn *txn, const void *data, size_t len, const void *summary,
                   size_t summary_len, uint64_t *blob_id_r)
{
	struct store_key k;
	uint8_t *out;
	uint64_t id;
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_counter_next(txn, "blob", &id);
	if (rc != 0)
		return rc;
	store_key_u64(&k, id);
	rc = store_put_reserve(txn, DB_BLOBS, &k.v, STORE_BLOB_HDR + summary_len, (void **)&out);
	if (rc != 0)
		return rc;
	out[0] = STORE_REC_V1;
	store_be32(out + 1, 0);
	store_be64(out + 5, len);
	if (summary_len > 0)
		memcpy(out + STORE_BLOB_HDR, summary, summary_len);
	rc = store_blob_put_chunks(txn, id, data, len);
	if (rc != 0)
		return rc;
	store_blob_track(txn, id);
	*blob_id_r = id;
	return STORE_OK;
}

static int store_blob_get(struct store_txn *txn, uint64_t blob_id, MDB_val *val)
{
	struct store_key k;
	int rc;

	store_key_u64(&k, blob_id);
	rc = store_get(txn, DB_BLOBS, &k.v, val);
	if (rc != 1)
		return rc == 0 ? STORE_E_NOTFOUND : rc;
	if (val->mv_size < STORE_BLOB_HDR || ((uint8_t *)val->mv_data)[0] != STORE_REC_V1)
		return STORE_E_IO;
	return STORE_OK;
}

int store_blob_info(struct store_txn *txn, uint64_t blob_id, uint64_t *size_r, uint32_t *refs_r,
                    const void **summary_r, size_t *summary_len_r)
{
	MDB_val val;
	const uint8_t *p;
	int rc = store_blob_get(txn, blob_id, &val);

	if (rc != 0)
		return rc;
	p = val.mv_data;
	if (refs_r)
		*refs_r = store_rd32(p + 1);
	if (size_r)
		*size_r = store_rd64(p + 5);
	if (summary_r)
		*summary_r = p + STORE_BLOB_HDR;
	if (summary_len_r)
		*summary_len_r = val.mv_size - STORE_BLOB_HDR;
	return STORE_OK;
}

int store_blob_read(struct store_txn *txn, uint64_t blob_id, uint64_t offset, void *out, size_t len,
                    size_t *got_r)
{
	uint64_t size;
	struct store_key k;
	MDB_val val;
	size_t got = 0;
	int rc = store_blob_info(txn, blob_id, &size, NULL, NULL, NULL);

	*got_r = 0;
	if (rc != 0)
		return rc;
	while (got < len && offset < size) {
		uint64_t n = offset / STORE_CHUNK_SIZE, in = offset % STORE_CHUNK_SIZE;
		size_t part;

		store_key_u64_u32(&k, blob_id, (uint32_t)n);
		rc = store_get(txn, DB_CHUNKS, &k.v, &val);
		if (rc != 1)
			return rc == 0 ? STORE_E_IO : rc;
		if (val.mv_size < 1 + in)
			return STORE_E_IO;
		part = val.mv_size - 1 - (size_t)in;
		if (part > len - got)
			part = len - got;
		if (part == 0)
			return STORE_E_IO;
		memcpy((uint8_t *)out + got, (uint8_t *)val.mv_data + 1 + in, part);
		got += part;
		offset += part;
	}
	*got_r = got;
	return STORE_OK;
}

static int store_blob_free(struct store_txn *txn, uint64_t blob_id, uint64_t size)
{
	uint64_t n = store_blob_nchunks(size);
	struct store_key k;
	int rc = STORE_OK;

	for (uint64_t i = 0; i < n && rc == 0; i++) {
		store_key_u64_u32(&k, blob_id, (uint32_t)i);
		rc = store_del(txn, DB_CHUNKS, &k.v);
	}
	store_key_u64(&k, blob_id);
	if (rc == 0)
		rc = store_del(txn, DB_BLOBS, &k.v);
	return rc;
}

int store_blob_ref(struct store_txn *txn, uint64_t blob_id, int delta)
{
	MDB_val val;
	struct store_key k;
	uint8_t *copy;
	uint32_t refs;
	int rc = store_blob_get(txn, blob_id, &val);

	if (rc != 0)
		return rc;
	refs = store_rd32((uint8_t *)val.mv_data + 1);
	if (delta < 0 && refs < (uint32_t)-delta)
		return STORE_E_IO; /* broken invariant: never release below zero */
	refs += (uint32_t)delta;
	if (refs == 0)
		return store_blob_free(txn, blob_id, store_rd64((uint8_t *)val.mv_data + 5));
	/* The value lives in the map and a put may move it: copy first. */
	copy = xmalloc(val.mv_size);
	memcpy(copy, val.mv_data, val.mv_size);
	store_be32(copy + 1, refs);
	val.mv_data = copy;
	store_key_u64(&k, blob_id);
	rc = store_put(txn, DB_BLOBS, &k.v, &val, 0);
	free(copy);
	return rc;
}

int store_blob_sweep(struct store_txn *txn)
{
	uint64_t size;
	uint32_t refs;
	int rc;

	for (size_t i = 0; i < txn->n_new_blobs; i++) {
		rc = store_blob_info(txn, txn->new_blobs[i], &size, &refs, NULL, NULL);
		if (rc == STORE_E_NOTFOUND)
			continue; /* referenced, then released, in this txn */
		if (rc == 0 && refs == 0)
			rc = store_blob_free(txn, txn->new_blobs[i], size);
		if (rc != 0)
			return rc;
	}
	return STORE_OK;
}
