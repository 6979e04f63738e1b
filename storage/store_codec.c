/* SPDX-License-Identifier: ISC */
/* Record codec: versioned values written field by field in big-endian, and
 * big-endian binary keys so that LMDB's byte order is numeric order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

uint32_t store_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t store_rd64(const uint8_t *p)
{
	return (uint64_t)store_rd32(p) << 32 | store_rd32(p + 4);
}

void store_key_u64(struct store_key *k, uint64_t a)
{
	store_be64(k->b, a);
	k->v.mv_data = k->b;
	k->v.mv_size = 8;
}

void store_key_u64_u32(struct store_key *k, uint64_t a, uint32_t b)
{
	store_be64(k->b, a);
	store_be32(k->b + 8, b);
	k->v.mv_data = k->b;
	k->v.mv_size = 12;
}

void store_key_u64_u64(struct store_key *k, uint64_t a, uint64_t b)
{
	store_be64(k->b, a);
	store_be64(k->b + 8, b);
	k->v.mv_data = k->b;
	k->v.mv_size = 16;
}

void store_key_u64_u8(struct store_key *k, uint64_t a, uint8_t b)
{
	store_be64(k->b, a);
	k->b[8] = b;
	k->v.mv_data = k->b;
	k->v.mv_size = 9;
}

void store_enc_init(struct store_enc *e, void *buf, size_t cap)
{
	e->p = buf;
	e->len = 0;
	e->cap = cap;
	e->overflow = false;
	store_enc_u8(e, STORE_REC_V1);
}

void store_enc_bytes(struct store_enc *e, const void *p, size_t n)
{
	if (e->overflow || n > e->cap - e->len) {
		e->overflow = true;
		return;
	}
	if (n > 0)
		memcpy(e->p + e->len, p, n);
	e->len += n;
}

void store_enc_u8(struct store_enc *e, uint8_t v)
{
	store_enc_bytes(e, &v, 1);
}

void store_enc_u32(struct store_enc *e, uint32_t v)
{
	uint8_t b[4];

	store_be32(b, v);
	store_enc_bytes(e, b, sizeof(b));
}

void store_enc_u64(struct store_enc *e, uint64_t v)
{
	uint8_t b[8];

	store_be64(b, v);
	store_enc_bytes(e, b, sizeof(b));
}

void store_enc_str(struct store_enc *e, const char *s)
{
	size_t n = strlen(s);
	uint8_t b[2];

	if (n > UINT16_MAX) {
		e->overflow = true;
		return;
	}
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	store_enc_bytes(e, b, sizeof(b));
	store_enc_bytes(e, s, n);
}

void store_dec_init(struct store_dec *d, const MDB_val *val)
{
	d->p = val->mv_data;
	d->len = val->mv_size;
	d->pos = 0;
	d->bad = false;
	/* A record from a newer schema is not guessed at. */
	if (store_dec_u8(d) != STORE_REC_V1)
		d->bad = true;
}

static const uint8_t *store_dec_take(struct store_dec *d, size_t n)
{
	const uint8_t *p;

	if (d->bad || n > d->len - d->pos) {
		d->bad = true;
		return NULL;
	}
	p = d->p + d->pos;
	d->pos += n;
	return p;
}

uint8_t store_dec_u8(struct store_dec *d)
{
	const uint8_t *p = store_dec_take(d, 1);

	return p ? p[0] : 0;
}

uint32_t store_dec_u32(struct store_dec *d)
{
	const uint8_t *p = store_dec_take(d, 4);

	return p ? store_rd32(p) : 0;
}

uint64_t store_dec_u64(struct store_dec *d)
{
	const uint8_t *p = store_dec_take(d, 8);

	return p ? store_rd64(p) : 0;
}

void store_dec_str(struct store_dec *d, char *dst, size_t dstsz)
{
	const uint8_t *lp = store_dec_take(d, 2);
	const uint8_t *p;
	size_t n;

	dst[0] = '\0';
	if (lp == NULL)
		return;
	n = (size_t)lp[0] << 8 | lp[1];
	if (n >= dstsz) {
		d->bad = true;
		return;
	}
	p = store_dec_take(d, n);
	if (p == NULL)
		return;
	memcpy(dst, p, n);
	dst[n] = '\0';
}
