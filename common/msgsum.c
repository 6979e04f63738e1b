/* SPDX-License-Identifier: ISC */
/* The stored summary: building it from a parsed message, its versioned
 * little-endian binary layout, and bounds-checked reading (a corrupt
 * summary gives an error, never a bad read). */
#include "config.h"

#include <string.h>

#include "msgsum.h"
#include "rfc2047.h"
#include "rfc822_addr.h"
#include "util.h"

/*
 * Layout (all integers little-endian):
 *   header   48 bytes: "BSUM", u8 version, 3 reserved, u32 nstr, u32 nparts,
 *            u64 msg_size, i64 date, u32 flags, u32 data_len, 8 reserved
 *   slots    nstr x (u32 offset, u32 length) into data; offset 0xffffffff
 *            marks an absent string
 *   parts    nparts x 64 bytes, MIME entities in pre-order (root first):
 *            u8 kind, u8 cte, u8 flags, u8 reserved, u32 first_child,
 *            u32 next_sibling, u32 nchildren, u64 hdr_off, u64 hdr_len,
 *            u64 body_off, u64 body_len, u64 lines, u64 decoded_size
 *            (child and sibling indexes are 0xffffffff or greater than the
 *            part's own index, so every walk ends)
 *   data     data_len bytes of string contents
 */
#define MSGSUM_HDR_SIZE 48
#define MSGSUM_SLOT_SIZE 8
#define MSGSUM_PART_SIZE 64
#define MSGSUM_NONE 0xffffffffu
#define MSGSUM_PF_OPAQUE 0x1u
#define MSGSUM_MAX_FIELD 65536 /* one header value copied into the summary */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---------------------------------------------------------------- build */

struct sum_builder {
	const struct mime_msg *m;
	struct buf strs[MSGSUM_STR_COUNT];
	bool present[MSGSUM_STR_COUNT];
	struct buf parts;
	uint32_t nparts;
	int64_t date;
	uint32_t flags;
};

static void set_str(struct sum_builder *b, enum msgsum_str which, struct slice s)
{
	buf_reset(&b->strs[which]);
	b->present[which] = buf_append(&b->strs[which], s.p, s.len) == 0;
}

static void header_str(struct sum_builder *b, struct slice hdr, const char *name,
                       enum msgsum_str which)
{
	struct buf *v = &b->strs[which];

	buf_reset(v);
	b->present[which] = mime_header_get(hdr, name, v) == 1;
}

/* First mailbox of an address field, and optionally its decoded name. */
static void first_addr(struct sum_builder *b, struct slice hdr, const char *name,
                       enum msgsum_str addr_which, int name_which)
{
	struct buf v, out;
	struct rfc822_addr_list l;
	const struct rfc822_addr *a;

	buf_init(&v, MSGSUM_MAX_FIELD);
	buf_init(&out, MSGSUM_MAX_FIELD);
	mime_header_get(hdr, name, &v);
	rfc822_addr_parse(v.data, v.len, &l);
	a = rfc822_addr_first(&l);
	if (a != NULL) {
		buf_printf(&out, "%s@%s", a->mailbox, a->host);
		set_str(b, addr_which, buf_slice(&out));
		if (name_which >= 0 && a->name != NULL) {
			buf_reset(&out);
			rfc2047_decode(slice_from_cstr(a->name), &out);
			set_str(b, (enum msgsum_str)name_which, buf_slice(&out));
		}
	}
	rfc822_addr_list_free(&l);
	buf_free(&v);
	buf_free(&out);
}

static void build_keys(struct sum_builder *b)
{
	struct slice hdr = mime_part_header(b->m, b->m->root);
	struct buf v;

	header_str(b, hdr, "message-id", MSGSUM_MESSAGE_ID);
	header_str(b, hdr, "in-reply-to", MSGSUM_IN_REPLY_TO);
	header_str(b, hdr, "references", MSGSUM_REFERENCES);
	header_str(b, hdr, "date", MSGSUM_DATE_RAW);
	buf_init(&v, MSGSUM_MAX_FIELD);
	if (mime_header_get(hdr, "subject", &v) == 1) {
		buf_reset(&b->strs[MSGSUM_SUBJECT]);
		b->present[MSGSUM_SUBJECT] =
		    rfc2047_decode(buf_slice(&v), &b->strs[MSGSUM_SUBJECT]) == 0;
	}
	/* RFC 5256 §2.1: no Subject sorts as an empty base subject */
	buf_reset(&b->strs[MSGSUM_BASE_SUBJECT]);
	b->present[MSGSUM_BASE_SUBJECT] = msgsum_base_subject(buf_slice(&b->strs[MSGSUM_SUBJECT]),
	                                                      &b->strs[MSGSUM_BASE_SUBJECT]) == 0;
	buf_free(&v);
	first_addr(b, hdr, "from", MSGSUM_FROM, MSGSUM_FROM_NAME);
	first_addr(b, hdr, "to", MSGSUM_TO, MSGSUM_TO_NAME);
	first_addr(b, hdr, "cc", MSGSUM_CC, -1);
	b->date = MSGSUM_NO_DATE;
	if (b->present[MSGSUM_DATE_RAW] &&
	    msgsum_date_parse(b->strs[MSGSUM_DATE_RAW].data, b->strs[MSGSUM_DATE_RAW].len,
	                      &b->date) == 0)
		b->flags |= MSGSUM_F_HAS_DATE;
}

/* Appends p and its subtree in pre-order; returns p's index. */
static uint32_t add_part(struct sum_builder *b, const struct mime_part *p)
{
	uint32_t idx = b->nparts++, prev = MSGSUM_NONE;
	size_t at = b->parts.len;
	uint8_t *r;

	buf_reserve(&b->parts, MSGSUM_PART_SIZE);
	memset(b->parts.data + at, 0, MSGSUM_PART_SIZE);
	b->parts.len += MSGSUM_PART_SIZE;
	r = b->parts.data + at;
	r[0] = (uint8_t)p->kind;
	r[1] = (uint8_t)p->cte;
	r[2] = p->opaque ? MSGSUM_PF_OPAQUE : 0;
	put32(r + 4, MSGSUM_NONE);
	put32(r + 8, MSGSUM_NONE);
	put32(r + 12, p->nchildren);
	put64(r + 16, p->hdr_off);
	put64(r + 24, p->hdr_len);
	put64(r + 32, p->body_off);
	put64(r + 40, p->body_len);
	put64(r + 48, p->body_lines);
	put64(r + 56, p->kind == MIME_LEAF ? mime_decoded_size(p->cte, mime_part_body(b->m, p))
	                                   : p->body_len);
	for (const struct mime_part *c = p->children; c != NULL; c = c->next) {
		uint32_t ci = add_part(b, c);
		/* the buffer may have moved: address records by index */
		if (prev == MSGSUM_NONE)
			put32(b->parts.data + (size_t)idx * MSGSUM_PART_SIZE + 4, ci);
		else
			put32(b->parts.data + (size_t)prev * MSGSUM_PART_SIZE + 8, ci);
		prev = ci;
	}
	return idx;
}

static int build_render(struct sum_builder *b)
{
	const struct mime_msg *m = b->m;

	b->present[MSGSUM_ENVELOPE] = b->present[MSGSUM_BODYSTRUCTURE] = b->present[MSGSUM_BODY] =
	    true;
	if (msgsum_render_envelope(mime_part_header(m, m->root), &b->strs[MSGSUM_ENVELOPE]) < 0 ||
	    msgsum_render_body(m, m->root, true, &b->strs[MSGSUM_BODYSTRUCTURE]) < 0 ||
	    msgsum_render_body(m, m->root, false, &b->strs[MSGSUM_BODY]) < 0)
		return -1;
	return 0;
}

static int build_write(struct sum_builder *b, struct buf *out)
{
	uint8_t hdr[MSGSUM_HDR_SIZE] = {0}, slot[MSGSUM_SLOT_SIZE];
	uint64_t data_len = 0;

	for (unsigned i = 0; i < MSGSUM_STR_COUNT; i++)
		if (b->present[i])
			data_len += b->strs[i].len;
	if (data_len >= MSGSUM_NONE)
		return -1;
	memcpy(hdr, MSGSUM_MAGIC, 4);
	hdr[4] = MSGSUM_VERSION;
	put32(hdr + 8, MSGSUM_STR_COUNT);
	put32(hdr + 12, b->nparts);
	put64(hdr + 16, b->m->len);
	put64(hdr + 24, (uint64_t)b->date);
	put32(hdr + 32, b->flags);
	put32(hdr + 36, (uint32_t)data_len);
	if (buf_append(out, hdr, sizeof(hdr)) < 0)
		return -1;
	data_len = 0;
	for (unsigned i = 0; i < MSGSUM_STR_COUNT; i++) {
		put32(slot, b->present[i] ? (uint32_t)data_len : MSGSUM_NONE);
		put32(slot + 4, b->present[i] ? (uint32_t)b->strs[i].len : 0);
		if (b->present[i])
			data_len += b->strs[i].len;
		if (buf_append(out, slot, sizeof(slot)) < 0)
			return -1;
	}
	if (buf_append(out, b->parts.data, b->parts.len) < 0)
		return -1;
	for (unsigned i = 0; i < MSGSUM_STR_COUNT; i++)
		if (b->present[i] && buf_append(out, b->strs[i].data, b->strs[i].len) < 0)
			return -1;
	return 0;
}

int msgsum_build_parsed(const struct mime_msg *m, struct buf *out)
{
	struct sum_builder b = {.m = m};
	size_t start = out->len;
	int r;

	if (m->len > MSGSUM_MAX_MSG_SIZE)
		return -1;
	for (unsigned i = 0; i < MSGSUM_STR_COUNT; i++)
		buf_init(&b.strs[i], 0);
	buf_init(&b.parts, 0);
	if (m->truncated)
		b.flags |= MSGSUM_F_TRUNCATED;
	build_keys(&b);
	add_part(&b, m->root);
	r = build_render(&b) < 0 ? -1 : build_write(&b, out);
	if (r < 0)
		out->len = start;
	for (unsigned i = 0; i < MSGSUM_STR_COUNT; i++)
		buf_free(&b.strs[i]);
	buf_free(&b.parts);
	return r;
}

int msgsum_build(const uint8_t *msg, size_t len, struct buf *out)
{
	struct mime_msg *m;
	int r;

	if (len > MSGSUM_MAX_MSG_SIZE)
		return -1;
	mime_parse(msg, len, &m);
	r = msgsum_build_parsed(m, out);
	mime_free(&m);
	return r;
}

/* ----------------------------------------------------------------- read */

static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static int check_part(const struct msgsum_view *v, uint32_t i)
{
	const uint8_t *r = v->parts + (size_t)i * MSGSUM_PART_SIZE;
	uint32_t fc = get32(r + 4), nx = get32(r + 8);

	if (r[0] > MIME_MESSAGE || r[1] > MIME_CTE_OTHER)
		return -1;
	if ((fc != MSGSUM_NONE && (fc <= i || fc >= v->nparts)) ||
	    (nx != MSGSUM_NONE && (nx <= i || nx >= v->nparts)))
		return -1;
	if (!range_ok(get64(r + 16), get64(r + 24), v->msg_size) ||
	    !range_ok(get64(r + 32), get64(r + 40), v->msg_size))
		return -1;
	return 0;
}

int msgsum_open(const void *sum, size_t len, struct msgsum_view *v)
{
	const uint8_t *p = sum;
	uint64_t need;

	memset(v, 0, sizeof(*v));
	if (p == NULL || len < MSGSUM_HDR_SIZE || memcmp(p, MSGSUM_MAGIC, 4) != 0 ||
	    p[4] != MSGSUM_VERSION)
		return -1;
	v->base = p;
	v->len = len;
	v->nstr = get32(p + 8);
	v->nparts = get32(p + 12);
	v->msg_size = get64(p + 16);
	v->date = (int64_t)get64(p + 24);
	v->flags = get32(p + 32);
	v->data_len = get32(p + 36);
	if (v->nstr > MSGSUM_MAX_STRINGS || v->nparts == 0 || v->nparts > MIME_MAX_PARTS)
		return -1;
	need = MSGSUM_HDR_SIZE + (uint64_t)v->nstr * MSGSUM_SLOT_SIZE +
	       (uint64_t)v->nparts * MSGSUM_PART_SIZE + v->data_len;
	if (need != len)
		return -1;
	v->slots = p + MSGSUM_HDR_SIZE;
	v->parts = v->slots + (size_t)v->nstr * MSGSUM_SLOT_SIZE;
	v->data = v->parts + (size_t)v->nparts * MSGSUM_PART_SIZE;
	for (uint32_t i = 0; i < v->nstr; i++) {
		uint32_t off = get32(v->slots + i * MSGSUM_SLOT_SIZE);
		uint32_t n = get32(v->slots + i * MSGSUM_SLOT_SIZE + 4);
		if (off != MSGSUM_NONE && !range_ok(off, n, v->data_len))
			return -1;
	}
	for (uint32_t i = 0; i < v->nparts; i++)
		if (check_part(v, i) < 0)
			return -1;
	return 0;
}

struct slice msgsum_str(const struct msgsum_view *v, enum msgsum_str which)
{
	uint32_t off, n;

	if ((uint32_t)which >= v->nstr)
		return (struct slice){NULL, 0};
	off = get32(v->slots + (size_t)which * MSGSUM_SLOT_SIZE);
	n = get32(v->slots + (size_t)which * MSGSUM_SLOT_SIZE + 4);
	if (off == MSGSUM_NONE)
		return (struct slice){NULL, 0};
	return (struct slice){v->data + off, n};
}

struct slice msgsum_envelope(const struct msgsum_view *v)
{
	return msgsum_str(v, MSGSUM_ENVELOPE);
}

struct slice msgsum_bodystructure(const struct msgsum_view *v, bool ext)
{
	return msgsum_str(v, ext ? MSGSUM_BODYSTRUCTURE : MSGSUM_BODY);
}

struct slice msgsum_message_id(const struct msgsum_view *v)
{
	return msgsum_str(v, MSGSUM_MESSAGE_ID);
}

struct slice msgsum_from(const struct msgsum_view *v)
{
	return msgsum_str(v, MSGSUM_FROM);
}

int64_t msgsum_date(const struct msgsum_view *v)
{
	return (v->flags & MSGSUM_F_HAS_DATE) ? v->date : MSGSUM_NO_DATE;
}

uint64_t msgsum_msg_size(const struct msgsum_view *v)
{
	return v->msg_size;
}

/* ------------------------------------------------------------- sections */

static const uint8_t *part_rec(const struct msgsum_view *v, uint32_t i)
{
	return v->parts + (size_t)i * MSGSUM_PART_SIZE;
}

/* The nth (1-based) child of part i, or MSGSUM_NONE. */
static uint32_t nth_child(const struct msgsum_view *v, uint32_t i, unsigned long n)
{
	uint32_t c = get32(part_rec(v, i) + 4);

	while (c != MSGSUM_NONE && --n > 0)
		c = get32(part_rec(v, c) + 8);
	return c;
}

/* One step of RFC 3501 §6.4.5 section numbering. In a message context
 * (the root, or the message inside a message/rfc822 part) a multipart body
 * is entered and a single-part body is part 1 of itself; outside one, only
 * a multipart has numbered parts and a message/rfc822 part first opens the
 * message it holds. */
static uint32_t section_step(const struct msgsum_view *v, uint32_t i, bool *ctx, unsigned long n)
{
	const uint8_t *r = part_rec(v, i);

	if (!*ctx && r[0] == MIME_MESSAGE) {
		i = get32(r + 4);
		if (i == MSGSUM_NONE)
			return MSGSUM_NONE;
		r = part_rec(v, i);
		*ctx = true;
	}
	if (r[0] == MIME_MULTIPART) {
		*ctx = false;
		return nth_child(v, i, n);
	}
	if (*ctx && n == 1) {
		*ctx = false;
		return i;
	}
	return MSGSUM_NONE;
}

static void fill_part(const struct msgsum_view *v, uint32_t i, bool root, struct msgsum_part *o)
{
	const uint8_t *r = part_rec(v, i);
	uint32_t in = get32(r + 4);

	memset(o, 0, sizeof(*o));
	o->kind = (enum mime_kind)r[0];
	o->cte = (enum mime_cte)r[1];
	o->opaque = (r[2] & MSGSUM_PF_OPAQUE) != 0;
	o->nchildren = get32(r + 12);
	o->hdr_off = get64(r + 16);
	o->hdr_len = get64(r + 24);
	o->body_off = get64(r + 32);
	o->body_len = get64(r + 40);
	o->lines = get64(r + 48);
	o->decoded_size = get64(r + 56);
	if (root) {
		o->has_msg = true;
		o->msg_hdr_off = o->hdr_off;
		o->msg_hdr_len = o->hdr_len;
		o->msg_body_off = o->body_off;
		o->msg_body_len = o->body_len;
	} else if (o->kind == MIME_MESSAGE && in != MSGSUM_NONE) {
		const uint8_t *ir = part_rec(v, in);
		o->has_msg = true;
		o->msg_hdr_off = get64(ir + 16);
		o->msg_hdr_len = get64(ir + 24);
		o->msg_body_off = get64(ir + 32);
		o->msg_body_len = get64(ir + 40);
	}
}

int msgsum_section_part(const struct msgsum_view *v, const char *path, size_t len,
                        struct msgsum_part *out)
{
	uint32_t i = 0;
	bool ctx = true;
	size_t pos = 0;

	if (len > MSGSUM_MAX_SECTION || (len > 0 && path == NULL))
		return -1;
	while (pos < len) {
		unsigned long n = 0;
		size_t start = pos;
		while (pos < len && path[pos] >= '0' && path[pos] <= '9' && pos - start < 9)
			n = n * 10 + (unsigned long)(path[pos++] - '0');
		/* section-part = nz-number *("." nz-number) */
		if (pos == start || n == 0 || (pos < len && path[pos] != '.') ||
		    (pos < len && pos + 1 == len))
			return -1;
		if (pos < len)
			pos++;
		i = section_step(v, i, &ctx, n);
		if (i == MSGSUM_NONE)
			return 0;
	}
	fill_part(v, i, len == 0, out);
	return 1;
}

int msgsum_section(const struct msgsum_view *v, const char *path, uint64_t *hdr_off,
                   uint64_t *hdr_len, uint64_t *body_off, uint64_t *body_len)
{
	struct msgsum_part p;
	int r = msgsum_section_part(v, path, path != NULL ? strlen(path) : 0, &p);

	if (r == 1) {
		*hdr_off = p.hdr_off;
		*hdr_len = p.hdr_len;
		*body_off = p.body_off;
		*body_len = p.body_len;
	}
	return r;
}
