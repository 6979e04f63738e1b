/* SPDX-License-Identifier: ISC */
/* The MIME part tree (RFC 2045/2046) and the MIME fields of each part.
 * Top-down: a part's byte range is fixed by its parent before the part is
 * looked into, so outer boundaries always win and nothing is read outside. */
#include "config.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"
#include "rfc2047.h"
#include "util.h"

#define MIME_ARENA_BLOCK 16384    /* default arena block size */
#define MIME_MAX_COMMENT_DEPTH 32 /* nested RFC 5322 comments in a field */
#define MIME_MAX_SECTION_DIGITS 3 /* RFC 2231 section numbers: below 1000 */

/* ------------------------------------------------------------- arena */

struct mime_arena_blk {
	struct mime_arena_blk *next;
	size_t used, cap;
	alignas(max_align_t) uint8_t data[];
};

struct mime_arena {
	struct mime_arena_blk *head;
};

static void *mime_alloc(struct mime_arena *a, size_t n)
{
	struct mime_arena_blk *b = a->head;
	size_t al = alignof(max_align_t);

	n = (n + al - 1) & ~(al - 1);
	if (b == NULL || b->cap - b->used < n) {
		size_t cap = n > MIME_ARENA_BLOCK ? n : MIME_ARENA_BLOCK;
		b = xmalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	b->used += n;
	return memset(b->data + b->used - n, 0, n);
}

static struct slice mime_dup(struct mime_arena *a, const void *p, size_t n)
{
	uint8_t *d = mime_alloc(a, n + 1);
	if (n > 0)
		memcpy(d, p, n);
	return (struct slice){d, n};
}

/* ------------------------------------------------- structured fields */

/* A cursor over one unfolded field value (RFC 2045 §5.1 grammar, with the
 * comments and white space of RFC 5322 §3.2.2 allowed between tokens). */
struct mime_cur {
	const uint8_t *p;
	size_t pos, len;
};

static void skip_cfws(struct mime_cur *c)
{
	while (c->pos < c->len) {
		uint8_t ch = c->p[c->pos];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			c->pos++;
		} else if (ch == '(') {
			unsigned depth = 0;
			while (c->pos < c->len) {
				ch = c->p[c->pos++];
				if (ch == '\\' && c->pos < c->len)
					c->pos++;
				else if (ch == '(' && depth < MIME_MAX_COMMENT_DEPTH)
					depth++;
				else if (ch == ')' && --depth == 0)
					break;
			}
		} else {
			return;
		}
	}
}

/* RFC 2045 §5.1 token: any CHAR but SPACE, CTLs and tspecials; 8-bit bytes
 * are accepted (real mail has them). */
static bool is_token_char(uint8_t c)
{
	return c > 0x20 && c != 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static struct slice read_token(struct mime_cur *c)
{
	size_t start = c->pos;
	while (c->pos < c->len && is_token_char(c->p[c->pos]))
		c->pos++;
	return (struct slice){c->p + start, c->pos - start};
}

/* quoted-string (RFC 5322 §3.2.4), unescaped into the arena. An unclosed
 * quote runs to the end of the value. */
static struct slice read_quoted(struct mime_arena *a, struct mime_cur *c)
{
	size_t end = c->pos + 1, n = 0;
	uint8_t *d;

	/* size it first: allocating "the rest of the field" for each of many
	 * quoted values would cost memory quadratic in the field length */
	while (end < c->len && c->p[end] != '"')
		end += c->p[end] == '\\' && end + 1 < c->len ? 2 : 1;
	d = mime_alloc(a, end - c->pos);
	c->pos++; /* opening quote */
	while (c->pos < end) {
		if (c->p[c->pos] == '\\' && c->pos + 1 < end)
			c->pos++;
		d[n++] = c->p[c->pos++];
	}
	if (c->pos < c->len)
		c->pos++; /* closing quote */
	return (struct slice){d, n};
}

static struct slice read_value(struct mime_arena *a, struct mime_cur *c)
{
	if (c->pos < c->len && c->p[c->pos] == '"')
		return read_quoted(a, c);
	return read_token(c);
}

static bool eat(struct mime_cur *c, uint8_t ch)
{
	if (c->pos < c->len && c->p[c->pos] == ch) {
		c->pos++;
		return true;
	}
	return false;
}

static void skip_past(struct mime_cur *c, uint8_t ch)
{
	const uint8_t *q = memchr(c->p + c->pos, ch, c->len - c->pos);
	c->pos = q != NULL ? (size_t)(q - c->p) + 1 : c->len;
}

static void skip_to(struct mime_cur *c, uint8_t ch)
{
	const uint8_t *q = memchr(c->p + c->pos, ch, c->len - c->pos);
	c->pos = q != NULL ? (size_t)(q - c->p) : c->len;
}

/* ----------------------------------------------- parameters, RFC 2231 */

struct raw_param {
	struct slice name; /* as written */
	struct slice base; /* name without the "*N" or "*" suffix */
	struct slice value;
	int section; /* -1 without "*N" */
	bool star;   /* extended value (charset'lang'%XX) */
	bool used;
};

static void split_param_name(struct raw_param *rp, struct slice name)
{
	size_t n = name.len;

	rp->section = -1;
	rp->star = false;
	if (n > 0 && name.p[n - 1] == '*') {
		rp->star = true;
		n--;
	}
	/* "*<digits>" section number (§3); a leading zero only for "0" */
	size_t d = n;
	while (d > 0 && name.p[d - 1] >= '0' && name.p[d - 1] <= '9')
		d--;
	if (d < n && d > 0 && name.p[d - 1] == '*' && n - d <= MIME_MAX_SECTION_DIGITS &&
	    (name.p[d] != '0' || n - d == 1)) {
		int v = 0;
		for (size_t i = d; i < n; i++)
			v = v * 10 + (name.p[i] - '0');
		rp->section = v;
		n = d - 1;
	}
	rp->base = (struct slice){name.p, n};
}

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void pct_decode(struct slice s, struct buf *out)
{
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '%' && i + 2 < s.len && hexv(s.p[i + 1]) >= 0 &&
		    hexv(s.p[i + 2]) >= 0) {
			buf_append_u8(out, (uint8_t)(hexv(s.p[i + 1]) * 16 + hexv(s.p[i + 2])));
			i += 2;
		} else {
			buf_append_u8(out, s.p[i]);
		}
	}
}

/* The UTF-8 form of a merged parameter: RFC 2231 §4 for extended values
 * (charset'language'percent-encoded), RFC 2047 words for plain ones (many
 * mailers put them in filename="..."). */
static struct slice param_utf8(struct mime_arena *a, struct raw_param **secs, unsigned nsecs,
                               bool extended)
{
	struct buf raw, out;
	struct slice cs = {NULL, 0}, r;

	buf_init(&raw, MIME_MAX_FIELD_VALUE);
	buf_init(&out, MIME_MAX_FIELD_VALUE);
	for (unsigned i = 0; i < nsecs; i++) {
		struct slice v = secs[i]->value;
		if (i == 0 && extended) {
			const uint8_t *q1 = memchr(v.p, '\'', v.len), *q2 = NULL;
			if (q1 != NULL)
				q2 = memchr(q1 + 1, '\'', v.len - (size_t)(q1 + 1 - v.p));
			if (q2 != NULL) {
				cs = (struct slice){v.p, (size_t)(q1 - v.p)};
				v = (struct slice){q2 + 1, v.len - (size_t)(q2 + 1 - v.p)};
			}
		}
		if (secs[i]->star)
			pct_decode(v, &raw);
		else
			buf_append(&raw, v.p, v.len);
	}
	if (extended && cs.len > 0 && rfc2047_charset_to_utf8(cs, buf_slice(&raw), &out) == 1)
		r = mime_dup(a, out.data, out.len);
	else if (!extended && rfc2047_decode(buf_slice(&raw), &out) == 0)
		r = mime_dup(a, out.data, out.len);
	else
		r = mime_dup(a, raw.data, raw.len);
	buf_free(&raw);
	buf_free(&out);
	return r;
}

static void param_emit(struct mime_arena *a, struct mime_params *out, struct slice name,
                       struct raw_param **secs, unsigned ns, bool extended)
{
	struct mime_param *mp = &out->v[out->n++];
	struct buf val;

	mp->name = name;
	mp->extended = extended;
	buf_init(&val, MIME_MAX_FIELD_VALUE);
	for (unsigned k = 0; k < ns; k++)
		buf_append(&val, secs[k]->value.p, secs[k]->value.len);
	mp->value = mime_dup(a, val.data, val.len);
	buf_free(&val);
	mp->utf8 = param_utf8(a, secs, ns, extended);
}

/* Merges RFC 2231 continuations: "name*0*", "name*1", ... become one
 * parameter in section order. When the sections of a name are not exactly
 * 0..n-1 (a gap, a duplicate), they are kept apart under their written
 * names, as Dovecot does. */
static void params_merge(struct mime_arena *a, struct raw_param *rp, unsigned n,
                         struct mime_params *out)
{
	struct raw_param *secs[MIME_MAX_PARAMS], *group[MIME_MAX_PARAMS];

	out->v = mime_alloc(a, sizeof(*out->v) * (n ? n : 1));
	out->n = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned ng = 0;
		bool whole = true;

		if (rp[i].used)
			continue;
		if (rp[i].section < 0) {
			rp[i].used = true;
			secs[0] = &rp[i];
			param_emit(a, out, rp[i].base, secs, 1, rp[i].star);
			continue;
		}
		for (unsigned j = i; j < n; j++)
			if (!rp[j].used && rp[j].section >= 0 && rp[j].base.len == rp[i].base.len &&
			    strncasecmp((const char *)rp[j].base.p, (const char *)rp[i].base.p,
			                rp[i].base.len) == 0) {
				rp[j].used = true;
				group[ng++] = &rp[j];
			}
		memset(secs, 0, sizeof(secs[0]) * ng);
		for (unsigned g = 0; g < ng && whole; g++) {
			unsigned sec = (unsigned)group[g]->section;
			whole = sec < ng && secs[sec] == NULL;
			if (whole)
				secs[sec] = group[g];
		}
		if (whole) {
			param_emit(a, out, rp[i].base, secs, ng, secs[0]->star);
			continue;
		}
		for (unsigned g = 0; g < ng; g++)
			param_emit(a, out, group[g]->name, &group[g], 1, false);
	}
}

/* ";" name "=" value ... (RFC 2045 §5.1), lenient: junk up to the next
 * ";" is skipped. */
static void parse_params(struct mime_arena *a, struct mime_cur *c, struct mime_params *out)
{
	struct raw_param rp[MIME_MAX_PARAMS];
	unsigned n = 0;

	while (c->pos < c->len && n < MIME_MAX_PARAMS) {
		struct slice name, value;

		skip_cfws(c);
		if (!eat(c, ';')) {
			skip_to(c, ';'); /* junk ("name=my file.pdf"): up to the next ";" */
			continue;
		}
		skip_cfws(c);
		name = read_token(c);
		skip_cfws(c);
		if (name.len == 0 || !eat(c, '='))
			continue;
		skip_cfws(c);
		value = read_value(a, c);
		memset(&rp[n], 0, sizeof(rp[n]));
		split_param_name(&rp[n], name);
		rp[n].name = name;
		rp[n].value = value;
		n++;
	}
	params_merge(a, rp, n, out);
}

struct slice mime_param_get(const struct mime_params *ps, const char *name)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (slice_casecmp_cstr(ps->v[i].name, name) == 0)
			return ps->v[i].utf8;
	return (struct slice){NULL, 0};
}

bool mime_is_type(const struct mime_part *p, const char *type, const char *subtype)
{
	return slice_casecmp_cstr(p->type, type) == 0 &&
	       (subtype == NULL || slice_casecmp_cstr(p->subtype, subtype) == 0);
}

/* ------------------------------------------------------ MIME fields */

struct mime_ctx {
	struct mime_msg *m;
	struct mime_arena *a;
	const uint8_t *d;
};

static struct slice unfold_dup(struct mime_arena *a, struct slice raw)
{
	struct buf b;
	struct slice s;

	buf_init(&b, MIME_MAX_FIELD_VALUE);
	mime_unfold(raw, &b); /* past the limit the value is cut, not lost */
	s = mime_dup(a, b.data, b.len);
	buf_free(&b);
	return s;
}

/* Content-Type (RFC 2045 §5.1). A malformed one counts as absent (§5.2). */
static void field_content_type(struct mime_ctx *x, struct mime_part *p, struct slice raw)
{
	struct slice v = unfold_dup(x->a, raw), type, sub;
	struct mime_cur c = {v.p, 0, v.len};

	skip_cfws(&c);
	type = read_token(&c);
	skip_cfws(&c);
	if (type.len == 0 || !eat(&c, '/'))
		return;
	skip_cfws(&c);
	sub = read_token(&c);
	if (sub.len == 0)
		return;
	p->type = type;
	p->subtype = sub;
	p->has_ct = true;
	parse_params(x->a, &c, &p->ct_params);
}

/* Content-Disposition (RFC 2183 §2). */
static void field_disposition(struct mime_ctx *x, struct mime_part *p, struct slice raw)
{
	struct slice v = unfold_dup(x->a, raw), t;
	struct mime_cur c = {v.p, 0, v.len};

	skip_cfws(&c);
	t = read_token(&c);
	if (t.len == 0)
		return;
	p->disposition = t;
	parse_params(x->a, &c, &p->disp_params);
}

/* Content-Language (RFC 3282 §2): a comma-separated list of tags. */
static void field_language(struct mime_ctx *x, struct mime_part *p, struct slice raw)
{
	struct slice v = unfold_dup(x->a, raw);
	struct mime_cur c = {v.p, 0, v.len};

	while (c.pos < c.len && p->nlanguages < MIME_MAX_LANGUAGES) {
		struct slice t;
		skip_cfws(&c);
		t = read_token(&c);
		if (t.len > 0)
			p->languages[p->nlanguages++] = t;
		skip_cfws(&c);
		if (!eat(&c, ','))
			skip_past(&c, ',');
	}
}

static void parse_mime_fields(struct mime_ctx *x, struct mime_part *p)
{
	struct mime_header_iter it;
	struct slice name, raw;
	bool seen_ct = false, seen_disp = false, seen_lang = false;

	mime_header_iter_init(&it, (struct slice){x->d + p->hdr_off, p->hdr_len});
	while (mime_header_next(&it, &name, &raw, NULL, NULL) == 1) {
		if (name.len < 8 || strncasecmp((const char *)name.p, "content-", 8) != 0)
			continue;
		/* the first occurrence of each field counts */
		if (slice_casecmp_cstr(name, "content-type") == 0 && !seen_ct) {
			seen_ct = true;
			field_content_type(x, p, raw);
		} else if (slice_casecmp_cstr(name, "content-transfer-encoding") == 0 &&
		           p->cte_raw.p == NULL) {
			p->cte_raw = unfold_dup(x->a, raw);
			p->cte = mime_cte_parse(p->cte_raw);
		} else if (slice_casecmp_cstr(name, "content-id") == 0 && p->id.p == NULL) {
			p->id = unfold_dup(x->a, raw);
		} else if (slice_casecmp_cstr(name, "content-description") == 0 &&
		           p->description.p == NULL) {
			p->description = unfold_dup(x->a, raw);
		} else if (slice_casecmp_cstr(name, "content-md5") == 0 && p->md5.p == NULL) {
			p->md5 = unfold_dup(x->a, raw);
		} else if (slice_casecmp_cstr(name, "content-location") == 0 &&
		           p->location.p == NULL) {
			p->location = unfold_dup(x->a, raw);
		} else if (slice_casecmp_cstr(name, "content-disposition") == 0 && !seen_disp) {
			seen_disp = true;
			field_disposition(x, p, raw);
		} else if (slice_casecmp_cstr(name, "content-language") == 0 && !seen_lang) {
			seen_lang = true;
			field_language(x, p, raw);
		}
	}
}

/* Defaults of RFC 2045 §5.2 and RFC 2046 §5.1.5 (digest). */
static void apply_defaults(struct mime_ctx *x, struct mime_part *p)
{
	bool digest = p->parent != NULL && p->parent->kind == MIME_MULTIPART &&
	              mime_is_type(p->parent, "multipart", "digest");

	if (p->has_ct) {
		/* RFC 2046 §4.1.2: text without a charset is us-ascii; IMAP
		 * servers (Dovecot among them) report it after the others */
		if (mime_is_type(p, "text", NULL) &&
		    mime_param_get(&p->ct_params, "charset").p == NULL &&
		    p->ct_params.n < MIME_MAX_PARAMS) {
			struct mime_param *v = mime_alloc(x->a, sizeof(*v) * (p->ct_params.n + 1));
			if (p->ct_params.n > 0)
				memcpy(v, p->ct_params.v, sizeof(*v) * p->ct_params.n);
			v[p->ct_params.n++] =
			    (struct mime_param){SLICE_STR("charset"), SLICE_STR("us-ascii"),
			                        SLICE_STR("us-ascii"), false};
			p->ct_params.v = v;
		}
		return;
	}
	p->ct_params.n = 0;
	if (digest) {
		p->type = SLICE_STR("message");
		p->subtype = SLICE_STR("rfc822");
		return;
	}
	p->type = SLICE_STR("text");
	p->subtype = SLICE_STR("plain");
	p->ct_params.v = mime_alloc(x->a, sizeof(*p->ct_params.v));
	p->ct_params.v[0] = (struct mime_param){SLICE_STR("charset"), SLICE_STR("us-ascii"),
	                                        SLICE_STR("us-ascii"), false};
	p->ct_params.n = 1;
}

/* ------------------------------------------------------------ tree */

static size_t find_lf(const uint8_t *d, size_t pos, size_t end)
{
	const uint8_t *lf = memchr(d + pos, '\n', end - pos);
	return lf != NULL ? (size_t)(lf - d) : end;
}

/* The header ends after the first empty line; without one the whole range
 * is header and the body is empty (RFC 5322 §2.1 allows no body). */
static void split_header(struct mime_ctx *x, struct mime_part *p, size_t start, size_t end)
{
	size_t pos = start;

	p->hdr_off = start;
	while (pos < end) {
		size_t eol = find_lf(x->d, pos, end);
		bool empty = eol == pos || (eol == pos + 1 && x->d[pos] == '\r');
		if (empty && eol < end) {
			p->hdr_len = eol + 1 - start;
			p->body_off = eol + 1;
			p->body_len = end - p->body_off;
			return;
		}
		pos = eol < end ? eol + 1 : end;
	}
	p->hdr_len = end - start;
	p->body_off = end;
	p->body_len = 0;
}

/* Counts LF bytes eight at a time (exact zero-byte count of word ^ LFs):
 * one memchr per line is slow when lines are short, and message parts
 * nested 32 deep are counted once per level. */
static size_t count_lf(const uint8_t *d, size_t off, size_t len)
{
	const uint64_t lf = 0x0a0a0a0a0a0a0a0aULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	const uint8_t *p = d + off;
	size_t n = 0, i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w, x, t;
		memcpy(&w, p + i, 8);
		x = w ^ lf;                            /* zero bytes where LF was */
		t = ~(((x & low7) + low7) | x | low7); /* high bit set per zero byte */
		n += (size_t)(((t >> 7) * 0x0101010101010101ULL) >> 56); /* sum of 0/1 bytes */
	}
	for (; i < len; i++)
		n += p[i] == '\n';
	return n;
}

/* How delimiter lines of one multipart are recognised. RFC 2046 §5.1.1:
 * "--" boundary ["--"] transport-padding CRLF. When not a single line of a
 * body matches that, the multipart is read again in prefix mode, where any
 * line that starts with "--" boundary counts, as Dovecot and mail readers
 * do; it rescues unquoted boundaries cut at a "=" (boundary=----=_Next...)
 * while nested boundaries that extend an outer one keep working. */
struct mime_delim {
	struct slice boundary;
	bool prefix;
};

/* Is the line at pos a delimiter line? Sets *close and *next (the start of
 * the following line, or end). */
static bool is_delimiter(const uint8_t *d, size_t pos, size_t end, const struct mime_delim *dl,
                         bool *close, size_t *next)
{
	size_t blen = dl->boundary.len, q = pos + 2 + blen, eol, last;

	if (end - pos < 2 + blen || d[pos] != '-' || d[pos + 1] != '-' ||
	    memcmp(d + pos + 2, dl->boundary.p, blen) != 0)
		return false;
	*close = end - q >= 2 && d[q] == '-' && d[q + 1] == '-';
	if (*close)
		q += 2;
	while (q < end && (d[q] == ' ' || d[q] == '\t'))
		q++;
	if (q < end && d[q] == '\r')
		q++;
	if (q == end || d[q] == '\n') {
		*next = q < end ? q + 1 : end;
		return true;
	}
	if (!dl->prefix)
		return false;
	/* prefix mode: the rest of the line is the rest of the real boundary,
	 * and a line that ends in "--" closes */
	eol = q;
	while (eol < end && d[eol] != '\n')
		eol++;
	last = eol;
	while (last > q && (d[last - 1] == '\r' || d[last - 1] == ' ' || d[last - 1] == '\t'))
		last--;
	*close = *close || (last - q >= 2 && d[last - 1] == '-' && d[last - 2] == '-');
	*next = eol < end ? eol + 1 : end;
	return true;
}

/* Finds the next delimiter line at or after pos (which is a line start).
 * Jumps from one "\n--boundary" to the next: walking every line would cost
 * one call per line and level, and a message of empty lines nested 32 deep
 * must not take seconds. */
static bool next_delimiter(const uint8_t *d, size_t pos, size_t end, const struct mime_delim *dl,
                           size_t *at, bool *close, size_t *next)
{
	uint8_t needle[3 + MIME_MAX_BOUNDARY];
	size_t nlen = 3 + dl->boundary.len;

	if (pos < end && d[pos] == '-' && is_delimiter(d, pos, end, dl, close, next)) {
		*at = pos;
		return true;
	}
	/* the whole "\n--boundary" as needle lets memmem skip ahead */
	memcpy(needle, "\n--", 3);
	memcpy(needle + 3, dl->boundary.p, dl->boundary.len);
	while (pos < end) {
		const uint8_t *q = memmem(d + pos, end - pos, needle, nlen);
		if (q == NULL)
			return false;
		pos = (size_t)(q - d) + 1;
		if (is_delimiter(d, pos, end, dl, close, next)) {
			*at = pos;
			return true;
		}
	}
	return false;
}

static void parse_entity(struct mime_ctx *x, struct mime_part *p, size_t start, size_t end);

static struct mime_part *new_part(struct mime_ctx *x, struct mime_part *parent)
{
	struct mime_part *p;

	if (x->m->nparts >= MIME_MAX_PARTS) {
		x->m->truncated = true;
		return NULL;
	}
	x->m->nparts++;
	p = mime_alloc(x->a, sizeof(*p));
	p->parent = parent;
	p->depth = parent != NULL ? parent->depth + 1 : 0;
	return p;
}

static void add_child(struct mime_part *parent, struct mime_part *c, struct mime_part **tail)
{
	if (*tail == NULL)
		parent->children = c;
	else
		(*tail)->next = c;
	*tail = c;
	parent->nchildren++;
}

/* The body parts between the delimiters; preamble and epilogue are skipped
 * (§5.1.1); a missing close delimiter ends the last part at the end. */
static void parse_multipart(struct mime_ctx *x, struct mime_part *p, struct slice boundary)
{
	const uint8_t *d = x->d;
	size_t end = p->body_off + p->body_len, at, next;
	struct mime_part *tail = NULL;
	struct mime_delim dl = {boundary, false};
	bool close;

	if (!next_delimiter(d, p->body_off, end, &dl, &at, &close, &next)) {
		dl.prefix = true;
		if (!next_delimiter(d, p->body_off, end, &dl, &at, &close, &next))
			return;
	}
	while (!close) {
		size_t start = next, stop = end, after = end;
		bool found = next_delimiter(d, start, end, &dl, &at, &close, &after);
		struct mime_part *c;

		if (found) {
			/* the line break before the delimiter belongs to it */
			stop = at;
			if (stop > start && d[stop - 1] == '\n')
				stop--;
			if (stop > start && d[stop - 1] == '\r')
				stop--;
		}
		c = new_part(x, p);
		if (c == NULL)
			return;
		add_child(p, c, &tail);
		parse_entity(x, c, start, stop);
		if (!found)
			return;
		next = after;
	}
}

/* A multipart without a usable boundary, or whose boundary never shows,
 * still needs one body part for IMAP (RFC 3501 body-type-mpart is 1*body):
 * an empty text/plain at the end of the body, as Dovecot also reports. */
static void add_empty_child(struct mime_ctx *x, struct mime_part *p)
{
	struct mime_part *c = new_part(x, p), *tail = NULL;
	size_t end = p->body_off + p->body_len;

	if (c == NULL) {
		p->kind = MIME_LEAF;
		p->opaque = true;
		return;
	}
	add_child(p, c, &tail);
	parse_entity(x, c, end, end);
}

static bool is_message_type(const struct mime_part *p)
{
	return mime_is_type(p, "message", "rfc822") || mime_is_type(p, "message", "global");
}

static void parse_entity(struct mime_ctx *x, struct mime_part *p, size_t start, size_t end)
{
	split_header(x, p, start, end);
	parse_mime_fields(x, p);
	apply_defaults(x, p);
	/* RFC 3501 reports lines for text and message parts only; counting
	 * them for multiparts too would rescan nested bodies once per level */
	if (mime_is_type(p, "text", NULL) || is_message_type(p))
		p->body_lines = count_lf(x->d, p->body_off, p->body_len);

	if (mime_is_type(p, "multipart", NULL)) {
		struct slice b = mime_param_get(&p->ct_params, "boundary");
		if (p->depth + 1 > MIME_MAX_DEPTH) {
			p->opaque = x->m->truncated = true;
			return;
		}
		p->kind = MIME_MULTIPART;
		if (b.len > 0 && b.len <= MIME_MAX_BOUNDARY)
			parse_multipart(x, p, b);
		if (p->nchildren == 0)
			add_empty_child(x, p);
	} else if (is_message_type(p)) {
		/* even when (wrongly, RFC 2046 §5.2.1) encoded: the body is then
		 * parsed as a message without fields, as Dovecot does */
		struct mime_part *c;
		if (p->depth + 1 > MIME_MAX_DEPTH) {
			p->opaque = x->m->truncated = true;
			return;
		}
		c = new_part(x, p);
		if (c == NULL) {
			p->opaque = true;
			return;
		}
		p->kind = MIME_MESSAGE;
		p->children = c;
		p->nchildren = 1;
		parse_entity(x, c, p->body_off, p->body_off + p->body_len);
	}
}

void mime_parse(const uint8_t *msg, size_t len, struct mime_msg **r)
{
	struct mime_msg *m = xcalloc(1, sizeof(*m));
	struct mime_ctx x;

	m->arena = xcalloc(1, sizeof(*m->arena));
	m->data = msg != NULL ? msg : (const uint8_t *)"";
	m->len = len;
	x.m = m;
	x.a = m->arena;
	x.d = m->data;
	m->root = new_part(&x, NULL);
	parse_entity(&x, m->root, 0, len);
	*r = m;
}

void mime_free(struct mime_msg **mp)
{
	struct mime_msg *m = *mp;

	if (m == NULL)
		return;
	for (struct mime_arena_blk *b = m->arena->head, *n; b != NULL; b = n) {
		n = b->next;
		free(b);
	}
	free(m->arena);
	free(m);
	*mp = NULL;
}

struct slice mime_part_header(const struct mime_msg *m, const struct mime_part *p)
{
	return (struct slice){m->data + p->hdr_off, p->hdr_len};
}

struct slice mime_part_body(const struct mime_msg *m, const struct mime_part *p)
{
	return (struct slice){m->data + p->body_off, p->body_len};
}
