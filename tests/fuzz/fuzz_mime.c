/* SPDX-License-Identifier: ISC */
/* Fuzz target: the MIME parser and everything built on it. Parse, build
 * the summary, open it, then fetch every section the way IMAP would
 * (headers, bodies, decoding, HEADER.FIELDS), plus the address, encoded
 * word and date parsers on the same bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "msgsum.h"
#include "rfc2047.h"
#include "rfc822_addr.h"

#define FUZZ_MIME_MAX_WALK 4 /* section path depth and width walked */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ------------------------------------------------------------------------
 * An independent reader of the IMAP strings the summary holds: every
 * ENVELOPE, BODYSTRUCTURE and BODY must follow RFC 3501 §9 (literal counts
 * exact, quoted strings clean, the right number of fields for each body
 * type). Any violation aborts, so libFuzzer reports it like a crash. */

#define SX_MAX_DEPTH 200 /* nesting the reader follows */

enum sx_kind { SX_NIL, SX_NUM, SX_STR, SX_LIST };

struct sx {
	enum sx_kind kind;
	const uint8_t *p; /* string contents (quoted: still escaped) */
	size_t len;
	struct sx *items; /* list members */
	size_t n;
};

struct sx_reader {
	const uint8_t *p;
	size_t pos, len;
};

static void sx_free(struct sx *x)
{
	for (size_t i = 0; i < x->n; i++)
		sx_free(&x->items[i]);
	free(x->items);
}

static void sx_fail(const char *why)
{
	fprintf(stderr, "bad IMAP string: %s\n", why);
	abort();
}

static void sx_read(struct sx_reader *r, struct sx *x, unsigned depth);

static void sx_list(struct sx_reader *r, struct sx *x, unsigned depth)
{
	size_t cap = 0;

	x->kind = SX_LIST;
	r->pos++;
	if (depth > SX_MAX_DEPTH)
		sx_fail("too deep");
	while (r->pos < r->len && r->p[r->pos] != ')') {
		/* members are separated by exactly one space, except that
		 * RFC 3501 writes 1*body and 1*address without one */
		if (x->n > 0 && r->p[r->pos] == ' ')
			r->pos++;
		else if (x->n > 0 && (r->p[r->pos] != '(' || x->items[x->n - 1].kind != SX_LIST))
			sx_fail("missing space");
		if (x->n == cap) {
			cap = cap ? cap * 2 : 8;
			x->items = realloc(x->items, cap * sizeof(*x->items));
		}
		memset(&x->items[x->n], 0, sizeof(*x->items));
		sx_read(r, &x->items[x->n++], depth + 1);
	}
	if (r->pos >= r->len)
		sx_fail("unclosed list");
	r->pos++;
}

static void sx_read(struct sx_reader *r, struct sx *x, unsigned depth)
{
	const uint8_t *p = r->p;

	if (r->pos >= r->len)
		sx_fail("truncated");
	if (p[r->pos] == '(') {
		sx_list(r, x, depth);
	} else if (p[r->pos] == '"') {
		x->kind = SX_STR;
		x->p = p + ++r->pos;
		while (r->pos < r->len && p[r->pos] != '"') {
			if (p[r->pos] >= 0x80 || p[r->pos] == '\r' || p[r->pos] == '\n' ||
			    p[r->pos] == 0)
				sx_fail("raw byte in quoted string");
			if (p[r->pos] == '\\' && (r->pos + 1 >= r->len ||
			                          (p[r->pos + 1] != '"' && p[r->pos + 1] != '\\')))
				sx_fail("bad escape");
			r->pos += p[r->pos] == '\\' ? 2 : 1;
		}
		if (r->pos >= r->len)
			sx_fail("unclosed quote");
		x->len = (size_t)(p + r->pos - x->p);
		r->pos++;
	} else if (p[r->pos] == '{') {
		size_t n = 0;
		x->kind = SX_STR;
		for (r->pos++; r->pos < r->len && p[r->pos] >= '0' && p[r->pos] <= '9'; r->pos++)
			n = n * 10 + (size_t)(p[r->pos] - '0');
		if (r->len - r->pos < 3 || memcmp(p + r->pos, "}\r\n", 3) != 0)
			sx_fail("bad literal");
		r->pos += 3;
		if (r->len - r->pos < n || memchr(p + r->pos, 0, n) != NULL)
			sx_fail("short literal or NUL");
		x->p = p + r->pos;
		x->len = n;
		r->pos += n;
	} else if (r->len - r->pos >= 3 && memcmp(p + r->pos, "NIL", 3) == 0) {
		x->kind = SX_NIL;
		r->pos += 3;
	} else if (p[r->pos] >= '0' && p[r->pos] <= '9') {
		x->kind = SX_NUM;
		while (r->pos < r->len && p[r->pos] >= '0' && p[r->pos] <= '9')
			r->pos++;
	} else {
		sx_fail("unexpected byte");
	}
}

static bool sx_is(const struct sx *x, const char *s)
{
	return x->kind == SX_STR && x->len == strlen(s) &&
	       strncasecmp((const char *)x->p, s, x->len) == 0;
}

static void need(bool ok, const char *why)
{
	if (!ok)
		sx_fail(why);
}

static void check_params(const struct sx *x)
{
	need(x->kind == SX_NIL || (x->kind == SX_LIST && x->n > 0 && x->n % 2 == 0), "params");
	for (size_t i = 0; x->kind == SX_LIST && i < x->n; i++)
		need(x->items[i].kind == SX_STR, "param string");
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void check_ext_tail(const struct sx *x)
{
	need(x[0].kind == SX_NIL ||
	         (x[0].kind == SX_LIST && x[0].n == 2 && x[0].items[0].kind == SX_STR),
	     "disposition");
	if (x[0].kind == SX_LIST)
		check_params(&x[0].items[1]);
	need(x[1].kind != SX_NUM, "language");
	need(x[2].kind == SX_NIL || x[2].kind == SX_STR, "location");
}

static void check_addrs(const struct sx *x)
{
	need(x->kind == SX_NIL || (x->kind == SX_LIST && x->n > 0), "address list");
	for (size_t i = 0; x->kind == SX_LIST && i < x->n; i++) {
		const struct sx *a = &x->items[i];
		need(a->kind == SX_LIST && a->n == 4, "address");
		for (size_t j = 0; j < 4; j++)
			need(a->items[j].kind == SX_NIL || a->items[j].kind == SX_STR,
			     "addr field");
	}
}

static void check_envelope(const struct sx *x)
{
	need(x->kind == SX_LIST && x->n == 10, "envelope");
	for (size_t i = 0; i < 10; i++)
		if (i >= 2 && i < 8)
			check_addrs(&x->items[i]);
		else
			need(x->items[i].kind == SX_NIL || x->items[i].kind == SX_STR,
			     "env string");
}

static void check_body(const struct sx *x, bool ext)
{
	size_t i = 0;

	need(x->kind == SX_LIST && x->n > 0, "body");
	if (x->items[0].kind == SX_LIST) {
		while (i < x->n && x->items[i].kind == SX_LIST)
			check_body(&x->items[i++], ext);
		need(i < x->n && x->items[i].kind == SX_STR, "multipart subtype");
		need(x->n - i - 1 == (ext ? 4 : 0), "multipart extension count");
		if (ext) {
			check_params(&x->items[i + 1]);
			check_ext_tail(&x->items[i + 2]);
		}
		return;
	}
	need(x->n >= 7, "body fields");
	for (i = 0; i < 2; i++)
		need(x->items[i].kind == SX_STR, "media type");
	check_params(&x->items[2]);
	need(x->items[3].kind != SX_LIST && x->items[4].kind != SX_LIST, "id/description");
	need(x->items[5].kind == SX_STR && x->items[6].kind == SX_NUM, "encoding/octets");
	i = 7;
	if (sx_is(&x->items[0], "message") && sx_is(&x->items[1], "rfc822")) {
		need(x->n >= 10, "message fields");
		check_envelope(&x->items[7]);
		check_body(&x->items[8], ext);
		need(x->items[9].kind == SX_NUM, "message lines");
		i = 10;
	} else if (sx_is(&x->items[0], "text")) {
		need(x->n >= 8 && x->items[7].kind == SX_NUM, "text lines");
		i = 8;
	}
	need(x->n - i == (ext ? 4 : 0), "extension count");
	if (ext) {
		need(x->items[i].kind == SX_NIL || x->items[i].kind == SX_STR, "md5");
		check_ext_tail(&x->items[i + 1]);
	}
}

static void check_imap(struct slice s, int what)
{
	struct sx_reader r = {s.p, 0, s.len};
	struct sx x = {0};

	if (s.p == NULL)
		sx_fail("missing");
	sx_read(&r, &x, 0);
	need(r.pos == r.len, "trailing bytes");
	if (what == 0)
		check_envelope(&x);
	else
		check_body(&x, what == 1);
	sx_free(&x);
}

static void fetch_part(const uint8_t *data, size_t size, const struct msgsum_part *p)
{
	static const struct slice names[] = {SLICE_STR("From"), SLICE_STR("Subject"),
	                                     SLICE_STR("Content-Type")};
	struct buf b;

	if (p->hdr_off + p->hdr_len > size || p->body_off + p->body_len > size)
		abort(); /* a summary must never point outside the message */
	buf_init(&b, 0);
	mime_header_filter((struct slice){data + p->hdr_off, p->hdr_len}, names, 3, false, &b);
	buf_reset(&b);
	mime_decode(p->cte, (struct slice){data + p->body_off, p->body_len}, &b);
	if (p->kind == MIME_LEAF && b.len != p->decoded_size)
		abort(); /* BINARY.SIZE must match what BINARY sends */
	if (p->has_msg && p->msg_body_off + p->msg_body_len > size)
		abort();
	buf_free(&b);
}

static void walk(const struct msgsum_view *v, const uint8_t *data, size_t size, char *path,
                 size_t len, unsigned depth)
{
	for (unsigned n = 1; n <= FUZZ_MIME_MAX_WALK; n++) {
		struct msgsum_part p;
		size_t l = len + (size_t)snprintf(path + len, 16, "%s%u", len ? "." : "", n);
		if (msgsum_section_part(v, path, l, &p) != 1)
			continue;
		fetch_part(data, size, &p);
		if (depth < FUZZ_MIME_MAX_WALK)
			walk(v, data, size, path, l, depth + 1);
	}
}

/* What SEARCH and Sieve do: every part's text in UTF-8, decoded headers. */
static void texts(const struct mime_msg *m, const struct mime_part *p)
{
	struct buf b;

	buf_init(&b, 0);
	mime_header_get_utf8(mime_part_header(m, p), "subject", &b);
	buf_reset(&b);
	if (p->kind == MIME_LEAF)
		mime_part_text(m, p, &b);
	buf_free(&b);
	for (const struct mime_part *c = p->children; c != NULL; c = c->next)
		texts(m, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg *m;
	struct buf sum, tmp;
	struct msgsum_view v;
	struct msgsum_part root;
	struct rfc822_addr_list l;
	char path[128];
	int64_t t;

	buf_init(&sum, 0);
	if (msgsum_build(data, size, &sum) != 0 || msgsum_open(sum.data, sum.len, &v) != 0)
		abort(); /* any message gets a summary that opens */
	if (msgsum_section_part(&v, "", 0, &root) != 1)
		abort();
	check_imap(msgsum_envelope(&v), 0);
	check_imap(msgsum_bodystructure(&v, true), 1);
	check_imap(msgsum_bodystructure(&v, false), 2);
	fetch_part(data, size, &root);
	walk(&v, data, size, path, 0, 1);
	buf_free(&sum);

	mime_parse(data, size, &m);
	texts(m, m->root);
	mime_free(&m);

	rfc822_addr_parse(data, size, &l);
	rfc822_addr_list_free(&l);
	buf_init(&tmp, 0);
	rfc2047_decode((struct slice){data, size}, &tmp);
	buf_reset(&tmp);
	mime_crlf_normalize(data, size, &tmp);
	buf_free(&tmp);
	msgsum_date_parse(data, size, &t);
	return 0;
}
