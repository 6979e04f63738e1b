/* SPDX-License-Identifier: ISC */
/* One message's FETCH response, produced piece by piece: small items go
 * through a text buffer, section contents stream from the read callback
 * (raw ranges, the HEADER.FIELDS filter, CTE decoding for BINARY). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imap_flags.h"
#include "imap_fetch_render.h"

enum stage { ST_ITEMS, ST_ADD_FLAGS, ST_ADD_MODSEQ, ST_CLOSE, ST_DONE };
enum pay { PAY_NONE, PAY_RAW, PAY_BUF, PAY_DECODE };

/* Where a section's content comes from (RFC 3501 §6.4.5). */
enum src { SRC_EMPTY, SRC_RAW, SRC_FILTER, SRC_DECODE };

struct content {
	enum src src;
	uint64_t off, len;
	enum mime_cte cte;
};

/* Longest section-part path text: 32 numbers of up to 10 digits and dots. */
#define FETCH_PATH_MAX (IMAP_SECTION_PARTS_MAX * 11 + 1)
#define FETCH_KEYWORDS 64 /* bits in store_msg.keywords */

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int imap_fetch_datetime(int64_t t, int tz_min, struct buf *out)
{
	struct tm tm;
	time_t tt;
	int z = tz_min < 0 ? -tz_min : tz_min;

	if (tz_min <= -24 * 60 || tz_min >= 24 * 60)
		tz_min = z = 0;
	/* RFC 3501 §9 date-year is 4DIGIT: clamp what cannot be written */
	if (t < -62167219200LL || t > 253402300799LL - 24 * 3600)
		t = 0;
	tt = (time_t)(t + (int64_t)tz_min * 60);
	if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		tt = 0;
		gmtime_r(&tt, &tm);
	}
	return buf_printf(out, "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", tm.tm_mday,
	                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	                  tz_min < 0 ? '-' : '+', z / 60, z % 60);
}

/* ------------------------------------------------------------ sections */

static size_t path_text(const struct imap_section *sec, char *out)
{
	size_t n = 0;

	for (unsigned i = 0; i < sec->nparts; i++) {
		uint32_t v = sec->part[i];
		char tmp[11];
		size_t k = 0;
		do
			tmp[k++] = (char)('0' + v % 10), v /= 10;
		while (v > 0);
		if (i > 0)
			out[n++] = '.';
		while (k > 0)
			out[n++] = tmp[--k];
	}
	out[n] = '\0';
	return n;
}

/* The part a section names; 1 found, 0 not there (RFC 3501 §6.4.5 gives
 * an empty string then). A part number msgsum cannot hold is not there. */
static int find_part(const struct msgsum_view *sum, const struct imap_section *sec,
                     struct msgsum_part *p)
{
	char path[FETCH_PATH_MAX];
	size_t n = path_text(sec, path);

	return msgsum_section_part(sum, path, n, p) == 1;
}

static void set_range(struct content *c, enum src src, uint64_t off, uint64_t len)
{
	c->src = src;
	c->off = off;
	c->len = len;
}

/* BODY[section]: RFC 3501 §6.4.5. HEADER, TEXT and the field lists of a
 * part apply only to message/rfc822 parts (and the root message). */
static void body_content(const struct msgsum_view *sum, const struct imap_section *sec,
                         struct content *c)
{
	struct msgsum_part p;

	memset(c, 0, sizeof(*c));
	if (!find_part(sum, sec, &p))
		return;
	switch (sec->text) {
	case IMAP_SECTION_ALL:
		if (sec->nparts == 0)
			set_range(c, SRC_RAW, 0, msgsum_msg_size(sum));
		else
			set_range(c, SRC_RAW, p.body_off, p.body_len);
		break;
	case IMAP_SECTION_MIME:
		set_range(c, SRC_RAW, p.hdr_off, p.hdr_len);
		break;
	case IMAP_SECTION_HEADER:
		if (p.has_msg)
			set_range(c, SRC_RAW, p.msg_hdr_off, p.msg_hdr_len);
		break;
	case IMAP_SECTION_TEXT:
		if (p.has_msg)
			set_range(c, SRC_RAW, p.msg_body_off, p.msg_body_len);
		break;
	case IMAP_SECTION_HEADER_FIELDS:
	case IMAP_SECTION_HEADER_FIELDS_NOT:
		if (p.has_msg)
			set_range(c, SRC_FILTER, p.msg_hdr_off, p.msg_hdr_len);
		break;
	}
}

/* BINARY[section] (RFC 3516 §4.2): a leaf part with its CTE undone; the
 * whole message and multipart or message parts as they are (they have no
 * encoding of their own beyond 7bit/8bit/binary, RFC 2045 §6.4). 0, or -1
 * for an encoding we cannot undo. */
static int binary_content(const struct msgsum_view *sum, const struct imap_section *sec,
                          struct content *c, struct msgsum_part *p)
{
	memset(c, 0, sizeof(*c));
	memset(p, 0, sizeof(*p));
	if (!find_part(sum, sec, p))
		return 0;
	if (sec->nparts == 0) {
		set_range(c, SRC_RAW, 0, msgsum_msg_size(sum));
		p->decoded_size = c->len;
		return 0;
	}
	set_range(c, SRC_RAW, p->body_off, p->body_len);
	if (p->kind != MIME_LEAF)
		return 0;
	if (p->cte == MIME_CTE_OTHER)
		return -1;
	if (p->cte == MIME_CTE_BASE64 || p->cte == MIME_CTE_QP) {
		c->src = SRC_DECODE;
		c->cte = p->cte;
	}
	return 0;
}

/* ------------------------------------------------------------- reading */

static int read_exact(struct imap_fetch_render *r, uint64_t off, uint8_t *out, size_t len)
{
	while (len > 0) {
		size_t got = 0;
		if (r->m.read == NULL || r->m.read(r->m.arg, off, out, len, &got) < 0 || got == 0 ||
		    got > len)
			return -1;
		off += got, out += got, len -= got;
	}
	return 0;
}

/* Appends len message bytes at off to b. */
static int read_append(struct imap_fetch_render *r, uint64_t off, size_t len, struct buf *b)
{
	if (buf_reserve(b, len) < 0 || read_exact(r, off, b->data + b->len, len) < 0)
		return -1;
	b->len += len;
	return 0;
}

/* ------------------------------------------------------------ decoding */

/* mime_decode() is not incremental; it is given input cut where decoding
 * the pieces one after the other gives the same bytes as decoding the
 * whole. Returns the length of that safe prefix of p (0: need more). */
static size_t qp_cut(const uint8_t *p, size_t len)
{
	/* after a line break: RFC 2045 §6.7 lines decode independently */
	for (size_t k = len; k > 0; k--)
		if (p[k - 1] == '\n')
			return k;
	/* inside an overlong line: not after white space, CR or "=", and not
	 * inside an "=XX" escape, so no rule at a line end applies */
	for (size_t k = len; k >= 3; k--) {
		uint8_t c = p[k - 1];
		if (c != ' ' && c != '\t' && c != '\r' && c != '=' && p[k - 2] != '=')
			return k;
	}
	return 0;
}

/* base64 (RFC 2045 §6.8): cut after a whole 4-character quantum, or at
 * the "=" that ends the data; *end_r set then. */
static bool is_b64(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

static size_t b64_cut(const uint8_t *p, size_t len, bool *end_r)
{
	size_t n = 0, cut = 0;

	for (size_t k = 0; k < len; k++) {
		if (p[k] == '=') {
			*end_r = true;
			return k;
		}
		if (is_b64(p[k]) && ++n % 4 == 0)
			cut = k + 1;
	}
	return cut;
}

/* Decodes the next piece of [dec_src_pos, dec_src_end) into dec_out
 * (replacing what was there). 1 with new output (possibly none yet), 0 at
 * the end of the input, -1 on a read error. */
static int dec_step(struct imap_fetch_render *r)
{
	bool end = false;
	size_t cut;

	buf_reset(&r->dec_out);
	r->dec_out_pos = 0;
	if (r->dec_eof && r->dec_in.len == 0)
		return 0;
	for (;;) {
		uint64_t left = r->dec_src_end - r->dec_src_pos;
		size_t n = left < IMAP_FETCH_READ_CHUNK ? (size_t)left : IMAP_FETCH_READ_CHUNK;
		if (n > 0 && read_append(r, r->dec_src_pos, n, &r->dec_in) < 0)
			return -1;
		r->dec_src_pos += n;
		r->dec_eof = r->dec_src_pos == r->dec_src_end;
		if (r->cte == MIME_CTE_BASE64)
			cut = b64_cut(r->dec_in.data, r->dec_in.len, &end);
		else if (r->cte == MIME_CTE_QP && !r->dec_eof)
			cut = qp_cut(r->dec_in.data, r->dec_in.len);
		else
			cut = r->dec_in.len;
		if (r->dec_eof && !end)
			cut = r->dec_in.len;
		if (cut > 0 || end || r->dec_eof)
			break;
	}
	mime_decode((enum mime_cte)r->cte, (struct slice){r->dec_in.data, cut}, &r->dec_out);
	buf_consume(&r->dec_in, cut);
	if (end) {
		/* "=" ends base64 data: the rest is not decoded */
		buf_reset(&r->dec_in);
		r->dec_src_pos = r->dec_src_end;
		r->dec_eof = true;
	}
	return 1;
}

static void dec_start(struct imap_fetch_render *r, const struct content *c)
{
	r->cte = c->cte;
	r->dec_src_pos = r->dec_src_off = c->off;
	r->dec_src_end = c->off + c->len;
	r->dec_eof = c->len == 0;
	buf_reset(&r->dec_in);
	buf_reset(&r->dec_out);
	r->dec_out_pos = 0;
}

/* First pass over a BINARY section: its decoded length, and whether the
 * window [skip, skip+take) holds a NUL (then literal8, RFC 3516 §4.3). */
static int dec_scan(struct imap_fetch_render *r, const struct content *c,
                    const struct imap_section *sec, uint64_t *total_r, bool *nul_r)
{
	uint64_t total = 0, from = sec->partial ? sec->offset : 0;
	uint64_t to = sec->partial ? from + sec->length : UINT64_MAX;
	int k;

	if (to < from)
		to = UINT64_MAX;
	*nul_r = false;
	dec_start(r, c);
	while ((k = dec_step(r)) == 1) {
		uint64_t a = total, b = total + r->dec_out.len;
		if (!*nul_r && b > from && a < to) {
			uint64_t s = a < from ? from - a : 0, e = (b < to ? b : to) - a;
			*nul_r = memchr(r->dec_out.data + s, 0, (size_t)(e - s)) != NULL;
		}
		total = b;
	}
	*total_r = total;
	return k;
}

/* -------------------------------------------------------------- heads */

/* A header field name in a section, upper-cased as Dovecot echoes it
 * (field names are case-insensitive, RFC 5322 §1.2.2), quoted when it is
 * not an atom (RFC 3501 §9 astring). */
static void add_field_name(struct buf *b, struct slice s)
{
	bool atom = s.len > 0;

	for (size_t i = 0; i < s.len && atom; i++)
		atom = s.p[i] > 0x20 && s.p[i] < 0x7f && strchr("(){%*\"\\", s.p[i]) == NULL;
	if (!atom)
		buf_append_u8(b, '"');
	for (size_t i = 0; i < s.len; i++)
		buf_append_u8(b, s.p[i] >= 'a' && s.p[i] <= 'z' ? (uint8_t)(s.p[i] - 32) : s.p[i]);
	if (!atom)
		buf_append_u8(b, '"');
}

/* The section as the response names it (RFC 3501 §7.4.2: ".PEEK" is not
 * echoed; a partial shows its origin only). */
static void add_section_name(struct buf *b, const struct imap_section *sec)
{
	static const char *const kinds[] = {"BODY[", "BINARY[", "BINARY.SIZE["};
	static const char *const texts[] = {"",     "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT",
	                                    "TEXT", "MIME"};
	char path[FETCH_PATH_MAX];
	size_t n = path_text(sec, path);

	buf_append_str(b, kinds[sec->kind]);
	buf_append(b, path, n);
	if (sec->text != IMAP_SECTION_ALL) {
		if (sec->nparts > 0)
			buf_append_u8(b, '.');
		buf_append_str(b, texts[sec->text]);
	}
	if (sec->text == IMAP_SECTION_HEADER_FIELDS ||
	    sec->text == IMAP_SECTION_HEADER_FIELDS_NOT) {
		struct slice rest = sec->fields, name;
		bool first = true;
		buf_append_str(b, " (");
		while (imap_section_next_field(&rest, &name)) {
			if (!first)
				buf_append_u8(b, ' ');
			add_field_name(b, name);
			first = false;
		}
		buf_append_u8(b, ')');
	}
	buf_append_u8(b, ']');
	if (sec->partial && sec->kind != IMAP_SECTION_BINARY_SIZE)
		buf_printf(b, "<%llu>", (unsigned long long)sec->offset);
}

/* Literal header (RFC 3501 §4.3, RFC 3516 §4.3). Empty content too is a
 * literal "{0}", as Dovecot sends it. */
static void add_literal_head(struct buf *b, uint64_t len, bool literal8)
{
	buf_printf(b, "%s{%llu}\r\n", literal8 ? "~" : "", (unsigned long long)len);
}

/* Sets the window [from, from+len) of n bytes that a partial asks for
 * (RFC 3501 §6.4.5: an origin past the end gives an empty string). */
static void window(const struct imap_section *sec, uint64_t n, uint64_t *from_r, uint64_t *len_r)
{
	uint64_t from = 0, len = n;

	if (sec != NULL && sec->partial) {
		from = sec->offset < n ? sec->offset : n;
		len = n - from;
		if (sec->length < len)
			len = sec->length;
	}
	*from_r = from;
	*len_r = len;
}

static void pay_raw(struct imap_fetch_render *r, const struct imap_section *sec, uint64_t off,
                    uint64_t len, bool literal8)
{
	uint64_t from, n;

	window(sec, len, &from, &n);
	add_literal_head(&r->text, n, literal8);
	r->pay = n > 0 ? PAY_RAW : PAY_NONE;
	r->pay_off = off + from;
	r->pay_left = n;
}

/* HEADER.FIELDS[.NOT]: the header is read and filtered in memory (header
 * blocks are small next to bodies), then sent from tmp. */
static int pay_filter(struct imap_fetch_render *r, const struct imap_section *sec,
                      const struct content *c)
{
	struct slice rest = sec->fields, name, *names;
	size_t nnames = 0, max = sec->fields.len / 2 + 1;
	uint64_t from, n;
	int k;

	buf_reset(&r->dec_in);
	buf_reset(&r->tmp);
	if (read_append(r, c->off, (size_t)c->len, &r->dec_in) < 0)
		return -1;
	names = calloc(max, sizeof(*names));
	if (names == NULL)
		abort();
	while (nnames < max && imap_section_next_field(&rest, &name))
		names[nnames++] = name;
	k = mime_header_filter(buf_slice(&r->dec_in), names, nnames,
	                       sec->text == IMAP_SECTION_HEADER_FIELDS_NOT, &r->tmp);
	free(names);
	buf_reset(&r->dec_in);
	if (k < 0)
		return -1;
	window(sec, r->tmp.len, &from, &n);
	add_literal_head(&r->text, n, false);
	r->pay = n > 0 ? PAY_BUF : PAY_NONE;
	r->pay_off = from;
	r->pay_left = n;
	return 0;
}

static int pay_decode(struct imap_fetch_render *r, const struct imap_section *sec,
                      const struct content *c)
{
	uint64_t total, from, n;
	bool nul;

	if (dec_scan(r, c, sec, &total, &nul) < 0)
		return -1;
	window(sec, total, &from, &n);
	add_literal_head(&r->text, n, nul);
	dec_start(r, c);
	r->dec_skip = from;
	r->dec_left = n;
	r->pay = n > 0 ? PAY_DECODE : PAY_NONE;
	return 0;
}

/* BINARY[..] with raw content: literal8 when the window holds a NUL
 * (RFC 3516 §4.3); a first pass looks for one. */
static int pay_binary_raw(struct imap_fetch_render *r, const struct imap_section *sec,
                          const struct content *c)
{
	uint64_t from, n, off;
	bool nul = false;

	window(sec, c->len, &from, &n);
	off = c->off + from;
	while (n > 0 && !nul) {
		size_t k = n < IMAP_FETCH_READ_CHUNK ? (size_t)n : IMAP_FETCH_READ_CHUNK;
		buf_reset(&r->dec_in);
		if (read_append(r, off, k, &r->dec_in) < 0)
			return -1;
		nul = memchr(r->dec_in.data, 0, k) != NULL;
		off += k, n -= k;
	}
	buf_reset(&r->dec_in);
	pay_raw(r, sec, c->off, c->len, nul);
	return 0;
}

static int section_head(struct imap_fetch_render *r, const struct imap_section *sec)
{
	struct content c;
	struct msgsum_part p;

	add_section_name(&r->text, sec);
	buf_append_u8(&r->text, ' ');
	if (sec->kind == IMAP_SECTION_BODY) {
		body_content(r->m.sum, sec, &c);
		if (c.src == SRC_FILTER)
			return pay_filter(r, sec, &c);
		pay_raw(r, sec, c.off, c.src == SRC_EMPTY ? 0 : c.len, false);
		return 0;
	}
	binary_content(r->m.sum, sec, &c, &p); /* CTE checked in begin */
	if (sec->kind == IMAP_SECTION_BINARY_SIZE) {
		buf_printf(&r->text, "%llu", (unsigned long long)p.decoded_size);
		return 0;
	}
	if (c.src == SRC_DECODE)
		return pay_decode(r, sec, &c);
	if (c.src == SRC_EMPTY || c.len == 0) {
		pay_raw(r, sec, 0, 0, false);
		return 0;
	}
	return pay_binary_raw(r, sec, &c);
}

/* ------------------------------------------------------------ items */

static void add_flags(struct imap_fetch_render *r)
{
	const struct store_msg *msg = r->m.msg;
	bool first;

	buf_append_str(&r->text, "FLAGS (");
	first = !imap_sysflags_write(&r->text, msg->flags, NULL);
	for (unsigned i = 0; i < FETCH_KEYWORDS; i++) {
		struct slice name;
		if (!(msg->keywords & (1ull << i)) || r->m.keyword == NULL ||
		    r->m.keyword(r->m.arg, i, &name) != 1 || name.len == 0)
			continue;
		if (!first)
			buf_append_u8(&r->text, ' ');
		buf_append(&r->text, name.p, name.len);
		first = false;
	}
	buf_append_u8(&r->text, ')');
}

static void add_summary_str(struct buf *b, const char *name, struct slice s)
{
	buf_printf(b, "%s ", name);
	if (s.p == NULL)
		buf_append_str(b, "NIL");
	else
		buf_append(b, s.p, s.len);
}

static int item_head(struct imap_fetch_render *r, const struct imap_fetch_item *it)
{
	const struct store_msg *msg = r->m.msg;
	const struct msgsum_view *sum = r->m.sum;
	struct msgsum_part root;

	switch (it->kind) {
	case IMAP_FETCH_UID:
		buf_printf(&r->text, "UID %u", (unsigned)msg->uid);
		break;
	case IMAP_FETCH_FLAGS:
		add_flags(r);
		break;
	case IMAP_FETCH_INTERNALDATE:
		buf_append_str(&r->text, "INTERNALDATE \"");
		imap_fetch_datetime(msg->internal_date, r->tz_min, &r->text);
		buf_append_u8(&r->text, '"');
		break;
	case IMAP_FETCH_SAVEDATE:
		/* RFC 8514 §4.3: NIL when the save date is unknown */
		buf_append_str(&r->text, msg->save_date == 0 ? "SAVEDATE NIL" : "SAVEDATE \"");
		if (msg->save_date != 0) {
			imap_fetch_datetime(msg->save_date, r->tz_min, &r->text);
			buf_append_u8(&r->text, '"');
		}
		break;
	case IMAP_FETCH_RFC822_SIZE:
		buf_printf(&r->text, "RFC822.SIZE %llu", (unsigned long long)msg->size);
		break;
	case IMAP_FETCH_MODSEQ:
		buf_printf(&r->text, "MODSEQ (%llu)", (unsigned long long)msg->modseq);
		break;
	case IMAP_FETCH_ENVELOPE:
		add_summary_str(&r->text, "ENVELOPE", msgsum_envelope(sum));
		break;
	case IMAP_FETCH_BODY:
		add_summary_str(&r->text, "BODY", msgsum_bodystructure(sum, false));
		break;
	case IMAP_FETCH_BODYSTRUCTURE:
		add_summary_str(&r->text, "BODYSTRUCTURE", msgsum_bodystructure(sum, true));
		break;
	case IMAP_FETCH_RFC822:
		buf_append_str(&r->text, "RFC822 ");
		pay_raw(r, NULL, 0, msgsum_msg_size(sum), false);
		break;
	case IMAP_FETCH_RFC822_HEADER:
	case IMAP_FETCH_RFC822_TEXT:
		msgsum_section_part(sum, "", 0, &root);
		if (it->kind == IMAP_FETCH_RFC822_HEADER) {
			buf_append_str(&r->text, "RFC822.HEADER ");
			pay_raw(r, NULL, root.msg_hdr_off, root.msg_hdr_len, false);
		} else {
			buf_append_str(&r->text, "RFC822.TEXT ");
			pay_raw(r, NULL, root.msg_body_off, root.msg_body_len, false);
		}
		break;
	case IMAP_FETCH_SECTION:
		return section_head(r, &it->sec);
	}
	return 0;
}

/* Writes the next item's head into text (and sets up its payload), or the
 * closing parenthesis after the last one. -1 on a read error. */
static int next_head(struct imap_fetch_render *r)
{
	const struct imap_fetch_plan *plan = r->plan;
	struct imap_fetch_item extra;

	buf_reset(&r->text);
	r->text_pos = 0;
	if (!r->started) {
		buf_printf(&r->text, "* %u FETCH (", (unsigned)r->seq);
		r->started = true;
		return 0;
	}
	memset(&extra, 0, sizeof(extra));
	switch (r->stage) {
	case ST_ITEMS:
		if (r->item < plan->nitems)
			break;
		r->stage = ST_ADD_FLAGS;
		/* fall through */
	case ST_ADD_FLAGS:
		r->stage = ST_ADD_MODSEQ;
		if ((r->opts & IMAP_FETCH_OPT_FLAGS) && !plan->has_flags) {
			extra.kind = IMAP_FETCH_FLAGS;
			goto extra_item;
		}
		/* fall through */
	case ST_ADD_MODSEQ:
		r->stage = ST_CLOSE;
		if ((r->opts & IMAP_FETCH_OPT_MODSEQ) && !plan->has_modseq) {
			extra.kind = IMAP_FETCH_MODSEQ;
			goto extra_item;
		}
		/* fall through */
	case ST_CLOSE:
		buf_append_str(&r->text, ")\r\n");
		r->stage = ST_DONE;
		return 0;
	default:
		return 0;
	}
	if (r->sep)
		buf_append_u8(&r->text, ' ');
	r->sep = true;
	r->nul_map = plan->items[r->item].kind != IMAP_FETCH_SECTION ||
	             plan->items[r->item].sec.kind == IMAP_SECTION_BODY;
	return item_head(r, &plan->items[r->item++]);
extra_item:
	if (r->sep)
		buf_append_u8(&r->text, ' ');
	r->sep = true;
	return item_head(r, &extra);
}

/* ----------------------------------------------------------- payloads */

/* RFC 3501 §4.3 and RFC 9051 §4.3: a literal is CHAR8, which excludes NUL.
 * BODY and RFC822 contents send a NUL as 0x80 (Dovecot's choice too, made
 * when it stores the message); the size is unchanged. BINARY sends the
 * real bytes in a literal8. */
static void map_nul(uint8_t *p, size_t n)
{
	for (uint8_t *q = memchr(p, 0, n); q != NULL; q = memchr(q, 0, n - (size_t)(q - p)))
		*q = 0x80;
}

static int emit_raw(struct imap_fetch_render *r, struct buf *out, size_t room)
{
	size_t n = room < IMAP_FETCH_READ_CHUNK ? room : IMAP_FETCH_READ_CHUNK;

	if (r->pay_left < n)
		n = (size_t)r->pay_left;
	if (read_append(r, r->pay_off, n, out) < 0)
		return -1;
	if (r->nul_map)
		map_nul(out->data + out->len - n, n);
	r->pay_off += n;
	r->pay_left -= n;
	return 0;
}

static void emit_buf(struct imap_fetch_render *r, struct buf *out, size_t room)
{
	size_t n = r->pay_left < room ? (size_t)r->pay_left : room;

	buf_append(out, r->tmp.data + r->pay_off, n);
	if (r->nul_map)
		map_nul(out->data + out->len - n, n);
	r->pay_off += n;
	r->pay_left -= n;
}

static int emit_decoded(struct imap_fetch_render *r, struct buf *out, size_t room)
{
	size_t avail, n;

	while (r->dec_out_pos == r->dec_out.len) {
		int k = dec_step(r);
		if (k <= 0)
			return -1; /* the second pass came out shorter than the first */
		avail = r->dec_out.len;
		n = r->dec_skip < avail ? (size_t)r->dec_skip : avail;
		r->dec_out_pos = n;
		r->dec_skip -= n;
	}
	avail = r->dec_out.len - r->dec_out_pos;
	n = avail < room ? avail : room;
	if (r->dec_left < n)
		n = (size_t)r->dec_left;
	buf_append(out, r->dec_out.data + r->dec_out_pos, n);
	r->dec_out_pos += n;
	r->dec_left -= n;
	return 0;
}

static int emit_payload(struct imap_fetch_render *r, struct buf *out, size_t room)
{
	int k = 0;

	if (r->pay == PAY_RAW)
		k = emit_raw(r, out, room);
	else if (r->pay == PAY_BUF)
		emit_buf(r, out, room);
	else if (r->pay == PAY_DECODE)
		k = emit_decoded(r, out, room);
	if (k == 0 && (r->pay == PAY_DECODE ? r->dec_left : r->pay_left) == 0)
		r->pay = PAY_NONE;
	return k;
}

/* ------------------------------------------------------------- public */

static int check_items(const struct imap_fetch_render *r, enum imap_fetch_err *err_r,
                       const char **error_r)
{
	const struct imap_fetch_plan *plan = r->plan;

	if ((plan->need_summary || plan->need_body) && r->m.sum == NULL) {
		*err_r = IMAP_FETCH_E_NOSUM;
		*error_r = "message summary unavailable";
		return -1;
	}
	for (unsigned i = 0; i < plan->nitems; i++) {
		const struct imap_section *sec = &plan->items[i].sec;
		struct content c;
		struct msgsum_part p;
		if (plan->items[i].kind != IMAP_FETCH_SECTION || sec->kind == IMAP_SECTION_BODY)
			continue;
		if (binary_content(r->m.sum, sec, &c, &p) < 0) {
			*err_r = IMAP_FETCH_E_UNKNOWN_CTE;
			*error_r = "unknown Content-Transfer-Encoding";
			return -1;
		}
	}
	return 0;
}

int imap_fetch_render_begin(struct imap_fetch_render *r, const struct imap_fetch_plan *plan,
                            uint32_t seq, const struct imap_fetch_msg *m, unsigned opts, int tz_min,
                            enum imap_fetch_err *err_r, const char **error_r)
{
	memset(r, 0, sizeof(*r));
	r->plan = plan;
	r->m = *m;
	r->seq = seq;
	r->opts = opts;
	r->tz_min = tz_min;
	r->stage = ST_ITEMS;
	buf_init(&r->text, 0);
	buf_init(&r->tmp, 0);
	buf_init(&r->dec_in, 0);
	buf_init(&r->dec_out, 0);
	*err_r = IMAP_FETCH_E_NONE;
	return check_items(r, err_r, error_r);
}

int imap_fetch_next_chunk(struct imap_fetch_render *r, struct buf *out, size_t max,
                          const char **error_r)
{
	size_t start = out->len;

	for (;;) {
		size_t room = max - (out->len - start);
		if (r->text_pos < r->text.len) {
			size_t n = r->text.len - r->text_pos;
			if (room == 0)
				return 1;
			n = n < room ? n : room;
			buf_append(out, r->text.data + r->text_pos, n);
			r->text_pos += n;
			continue;
		}
		if (r->pay != PAY_NONE) {
			if (room == 0)
				return 1;
			if (emit_payload(r, out, room) < 0)
				goto fail;
			continue;
		}
		if (r->stage == ST_DONE)
			return 0;
		if (next_head(r) < 0)
			goto fail;
	}
fail:
	*error_r = "message could not be read";
	return -1;
}

void imap_fetch_render_free(struct imap_fetch_render *r)
{
	buf_free(&r->text);
	buf_free(&r->tmp);
	buf_free(&r->dec_in);
	buf_free(&r->dec_out);
	r->pay = PAY_NONE;
	r->stage = ST_DONE;
}

int imap_fetch_render(const struct imap_fetch_plan *plan, uint32_t seq,
                      const struct imap_fetch_msg *m, unsigned opts, int tz_min, struct buf *out,
                      enum imap_fetch_err *err_r, const char **error_r)
{
	struct imap_fetch_render r;
	size_t start = out->len;
	int k;

	if (imap_fetch_render_begin(&r, plan, seq, m, opts, tz_min, err_r, error_r) < 0) {
		imap_fetch_render_free(&r);
		return -1;
	}
	while ((k = imap_fetch_next_chunk(&r, out, IMAP_FETCH_ONESHOT_CHUNK, error_r)) == 1)
		;
	imap_fetch_render_free(&r);
	if (k < 0) {
		*err_r = IMAP_FETCH_E_READ;
		out->len = start;
		return -1;
	}
	return 0;
}
