/* SPDX-License-Identifier: ISC */
/* SORT (RFC 5256 §3, RFC 5957): criteria parsing, base subject with the
 * reply/forward mark, the i;unicode-casemap key, and the sort itself: keys
 * are computed once per message, then a stable merge sort of indexes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_sort.h"
#include "imap_sort_casemap.h"

/* ------------------------------------------------------------- criteria */

static const struct {
	const char *name;
	enum imap_sort_key key;
} sort_names[] = {
    {"ARRIVAL", IMAP_SORT_ARRIVAL},
    {"CC", IMAP_SORT_CC},
    {"DATE", IMAP_SORT_DATE},
    {"FROM", IMAP_SORT_FROM},
    {"SIZE", IMAP_SORT_SIZE},
    {"SUBJECT", IMAP_SORT_SUBJECT},
    {"TO", IMAP_SORT_TO},
    {"DISPLAYFROM", IMAP_SORT_DISPLAYFROM},
    {"DISPLAYTO", IMAP_SORT_DISPLAYTO},
};

static int sort_fail(const char **error_r, const char *why)
{
	*error_r = why;
	return -1;
}

/* §5: sort-criteria = "(" sort-criterion *(SP sort-criterion) ")",
 * sort-criterion = ["REVERSE" SP] sort-key */
int imap_sort_parse(const struct imap_arg *arg, struct imap_sort_program *prog,
                    const char **error_r)
{
	const struct imap_arg *l;
	unsigned count, k;
	bool reverse = false;

	prog->n = 0;
	if (!imap_arg_get_list(arg, &l, &count))
		return sort_fail(error_r, "sort criteria must be a parenthesised list");
	for (unsigned i = 0; i < count; i++) {
		if (l[i].type != IMAP_ARG_ATOM)
			return sort_fail(error_r, "sort criterion must be an atom");
		if (imap_arg_atom_equals(&l[i], "REVERSE")) {
			if (reverse)
				return sort_fail(error_r, "REVERSE given twice");
			reverse = true;
			continue;
		}
		for (k = 0; k < sizeof(sort_names) / sizeof(sort_names[0]); k++)
			if (imap_arg_atom_equals(&l[i], sort_names[k].name))
				break;
		if (k == sizeof(sort_names) / sizeof(sort_names[0]))
			return sort_fail(error_r, "unknown sort criterion");
		if (prog->n == IMAP_SORT_MAX_CRITERIA)
			return sort_fail(error_r, "too many sort criteria");
		prog->c[prog->n++] = (struct imap_sort_criterion){sort_names[k].key, reverse};
		reverse = false;
	}
	if (reverse)
		return sort_fail(error_r, "REVERSE without a sort key");
	if (prog->n == 0)
		return sort_fail(error_r, "empty sort criteria");
	return 0;
}

/* --------------------------------------------------------- base subject */

struct subj {
	const uint8_t *p;
	size_t start, end; /* what is left: p[start, end) */
	bool reply;
};

static bool subj_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool subj_has(const struct subj *s, size_t at, const char *lit)
{
	size_t n = strlen(lit);

	if (s->end - at < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s->p[at + i];
		if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (uint8_t)lit[i])
			return false;
	}
	return true;
}

/* subj-blob = "[" *BLOBCHAR "]" *WSP: the offset after it, or 0. */
static size_t subj_blob(const struct subj *s, size_t at)
{
	size_t i;

	if (at >= s->end || s->p[at] != '[')
		return 0;
	for (i = at + 1; i < s->end && s->p[i] != '[' && s->p[i] != ']'; i++)
		;
	if (i >= s->end || s->p[i] != ']')
		return 0;
	for (i++; i < s->end && subj_wsp(s->p[i]); i++)
		;
	return i;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":": offset after, or 0 */
static size_t subj_refwd(const struct subj *s, size_t at)
{
	size_t i, b;

	if (subj_has(s, at, "re") || (subj_has(s, at, "fw") && !subj_has(s, at, "fwd")))
		i = at + 2;
	else if (subj_has(s, at, "fwd"))
		i = at + 3;
	else
		return 0;
	while (i < s->end && subj_wsp(s->p[i]))
		i++;
	if ((b = subj_blob(s, i)) != 0)
		i = b;
	return i < s->end && s->p[i] == ':' ? i + 1 : 0;
}

/* §2.1 (2): subj-trailer = "(fwd)" / WSP, removed until none is left. */
static void subj_trailers(struct subj *s)
{
	for (;;) {
		if (s->end > s->start && subj_wsp(s->p[s->end - 1])) {
			s->end--;
		} else if (s->end - s->start >= 5 && subj_has(s, s->end - 5, "(fwd)")) {
			s->end -= 5;
			s->reply = true;
		} else {
			return;
		}
	}
}

/* §2.1 (3): subj-leader = (*subj-blob subj-refwd) / WSP */
static bool subj_leader(struct subj *s)
{
	size_t i = s->start, b, r;

	if (i < s->end && subj_wsp(s->p[i])) {
		s->start++;
		return true;
	}
	while ((b = subj_blob(s, i)) != 0)
		i = b;
	if ((r = subj_refwd(s, i)) == 0)
		return false;
	s->start = r;
	s->reply = true;
	return true;
}

/* §2.1 (4): a leading subj-blob goes when a non-empty subj-base remains. */
static bool subj_leading_blob(struct subj *s)
{
	size_t b = subj_blob(s, s->start);

	if (b == 0 || b >= s->end)
		return false;
	s->start = b;
	return true;
}

int imap_sort_base_subject(struct slice subject, struct buf *out, bool *reply_r)
{
	struct buf norm;
	struct subj s;
	int r;

	/* (1) tabs and line breaks become spaces, runs of spaces one space */
	buf_init(&norm, 0);
	buf_reserve(&norm, subject.len + 1);
	for (size_t i = 0; i < subject.len; i++) {
		uint8_t c = subject.p[i];
		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c != ' ' || norm.len == 0 || norm.data[norm.len - 1] != ' ')
			norm.data[norm.len++] = c;
	}
	s = (struct subj){norm.data, 0, norm.len, false};
	for (;;) {
		subj_trailers(&s);
		/* (5) repeat (3) and (4) until neither matches */
		while (subj_leader(&s) || subj_leading_blob(&s))
			;
		/* (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]": unwrap, back to (2) */
		if (s.end - s.start >= 6 && subj_has(&s, s.start, "[fwd:") &&
		    s.p[s.end - 1] == ']') {
			s.start += 5;
			s.end--;
			s.reply = true;
			continue;
		}
		break;
	}
	r = buf_append(out, norm.data + s.start, s.end - s.start);
	if (reply_r != NULL)
		*reply_r = s.reply;
	buf_free(&norm);
	return r;
}

/* -------------------------------------------------------------- casemap */

/* One UTF-8 sequence at p[0..len): the code point and its length, or
 * *cp_r = -1 and length 1 for an invalid byte (overlong, surrogate, cut). */
static size_t utf8_next(const uint8_t *p, size_t len, int32_t *cp_r)
{
	static const int32_t min[4] = {0, 0x80, 0x800, 0x10000};
	uint8_t c = p[0];
	size_t n;
	int32_t cp;

	if (c < 0x80) {
		*cp_r = c;
		return 1;
	}
	n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
	*cp_r = -1;
	if (n == 0 || n > len)
		return 1;
	cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min[n - 1] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 1;
	*cp_r = cp;
	return n;
}

static int utf8_put(struct buf *b, uint32_t cp)
{
	uint8_t t[4];
	size_t n;

	if (cp < 0x80) {
		t[0] = (uint8_t)cp, n = 1;
	} else if (cp < 0x800) {
		t[0] = (uint8_t)(0xc0 | cp >> 6), t[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		t[0] = (uint8_t)(0xe0 | cp >> 12), t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		t[0] = (uint8_t)(0xf0 | cp >> 18), t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), t[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, t, n);
}

/* Hangul syllables decompose arithmetically (Unicode §3.12). */
#define HANGUL_S 0xac00
#define HANGUL_L 0x1100
#define HANGUL_V 0x1161
#define HANGUL_T 0x11a7
#define HANGUL_N 11172

static int casemap_cp(struct buf *b, uint32_t cp)
{
	size_t lo = 0, hi = sizeof(casemap_src) / sizeof(casemap_src[0]);
	int r = 0;

	if (cp >= HANGUL_S && cp < HANGUL_S + HANGUL_N) {
		uint32_t i = cp - HANGUL_S;
		r |= utf8_put(b, HANGUL_L + i / (21 * 28));
		r |= utf8_put(b, HANGUL_V + (i % (21 * 28)) / 28);
		if (i % 28 != 0)
			r |= utf8_put(b, HANGUL_T + i % 28);
		return r;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (casemap_src[mid] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sizeof(casemap_src) / sizeof(casemap_src[0]) && casemap_src[lo] == cp) {
		uint32_t m = casemap_map[lo];
		for (uint32_t k = 0; k < (m & 0xff); k++)
			r |= utf8_put(b, casemap_pool[(m >> 8) + k]);
		return r;
	}
	return utf8_put(b, cp);
}

int imap_sort_casemap(struct slice in, struct buf *out)
{
	size_t start = out->len, i = 0;
	int r = 0;

	while (i < in.len && r == 0) {
		int32_t cp;
		uint8_t c = in.p[i];

		if (c < 0x80) {
			r = buf_append_u8(out, c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c);
			i++;
			continue;
		}
		i += utf8_next(in.p + i, in.len - i, &cp);
		r = cp < 0 ? buf_append_u8(out, c) : casemap_cp(out, (uint32_t)cp);
	}
	if (r < 0)
		out->len = start;
	return r;
}

/* ----------------------------------------------------------------- keys */

int64_t imap_sort_sent_date(const struct imap_sort_msg *m)
{
	return m->sent_date == IMAP_SORT_NO_DATE ? m->internal_date : m->sent_date;
}

void imap_sort_msg_fill(struct imap_sort_msg *m, const struct msgsum_view *v)
{
	int64_t d = msgsum_date(v);

	m->size = msgsum_msg_size(v);
	m->sent_date = d == MSGSUM_NO_DATE ? IMAP_SORT_NO_DATE : d;
	m->subject = msgsum_str(v, MSGSUM_SUBJECT);
	m->base_subject = msgsum_str(v, MSGSUM_BASE_SUBJECT);
	m->from = msgsum_str(v, MSGSUM_FROM);
	m->to = msgsum_str(v, MSGSUM_TO);
	m->cc = msgsum_str(v, MSGSUM_CC);
	m->from_name = msgsum_str(v, MSGSUM_FROM_NAME);
	m->to_name = msgsum_str(v, MSGSUM_TO_NAME);
	m->message_id = msgsum_str(v, MSGSUM_MESSAGE_ID);
	m->in_reply_to = msgsum_str(v, MSGSUM_IN_REPLY_TO);
	m->references = msgsum_str(v, MSGSUM_REFERENCES);
}

/* addr-mailbox of "local@domain": the part before the last '@'. */
static struct slice addr_mailbox(struct slice a)
{
	for (size_t i = a.len; i > 0; i--)
		if (a.p[i - 1] == '@')
			return (struct slice){a.p, i - 1};
	return a;
}

/* RFC 5957 §3: the display name when there is one, else the addr-spec. */
static struct slice display_name(struct slice name, struct slice addr)
{
	for (size_t i = 0; i < name.len; i++)
		if (name.p[i] != ' ' && name.p[i] != '\t')
			return name;
	return addr;
}

/* The text a string criterion compares, before case mapping. */
static struct slice sort_text(const struct imap_sort_msg *m, enum imap_sort_key key,
                              struct buf *tmp)
{
	switch (key) {
	case IMAP_SORT_CC:
		return addr_mailbox(m->cc);
	case IMAP_SORT_FROM:
		return addr_mailbox(m->from);
	case IMAP_SORT_TO:
		return addr_mailbox(m->to);
	case IMAP_SORT_DISPLAYFROM:
		return display_name(m->from_name, m->from);
	case IMAP_SORT_DISPLAYTO:
		return display_name(m->to_name, m->to);
	case IMAP_SORT_SUBJECT:
		if (m->base_subject.p != NULL || m->subject.p == NULL)
			return m->base_subject;
		buf_reset(tmp);
		imap_sort_base_subject(m->subject, tmp, NULL);
		return buf_slice(tmp);
	default:
		return (struct slice){NULL, 0};
	}
}

#define SORT_NKEYS (IMAP_SORT_DISPLAYTO + 1)

struct sort_ctx {
	const struct imap_sort_program *prog;
	const struct imap_sort_msg *msgs;
	struct buf keys[SORT_NKEYS]; /* case-mapped strings of all messages */
	size_t *off[SORT_NKEYS];     /* n + 1 offsets into keys[k] */
};

static bool key_is_string(enum imap_sort_key k)
{
	return k != IMAP_SORT_ARRIVAL && k != IMAP_SORT_DATE && k != IMAP_SORT_SIZE;
}

static void sort_build_keys(struct sort_ctx *c, size_t n)
{
	struct buf tmp;

	buf_init(&tmp, 0);
	for (unsigned i = 0; i < c->prog->n; i++) {
		enum imap_sort_key k = c->prog->c[i].key;
		if (!key_is_string(k) || c->off[k] != NULL)
			continue;
		buf_init(&c->keys[k], 0);
		buf_reserve(&c->keys[k], 64); /* never NULL: memcmp of empty keys */
		c->off[k] = malloc((n + 1) * sizeof(size_t));
		if (c->off[k] == NULL)
			abort();
		for (size_t j = 0; j < n; j++) {
			c->off[k][j] = c->keys[k].len;
			imap_sort_casemap(sort_text(&c->msgs[j], k, &tmp), &c->keys[k]);
		}
		c->off[k][n] = c->keys[k].len;
	}
	buf_free(&tmp);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_key(const struct sort_ctx *c, enum imap_sort_key k, uint32_t a, uint32_t b)
{
	const struct imap_sort_msg *ma = &c->msgs[a], *mb = &c->msgs[b];
	size_t la, lb;
	int r;

	switch (k) {
	case IMAP_SORT_ARRIVAL:
		return cmp_i64(ma->internal_date, mb->internal_date);
	case IMAP_SORT_DATE:
		return cmp_i64(imap_sort_sent_date(ma), imap_sort_sent_date(mb));
	case IMAP_SORT_SIZE:
		return ma->size < mb->size ? -1 : ma->size > mb->size;
	default:
		la = c->off[k][a + 1] - c->off[k][a];
		lb = c->off[k][b + 1] - c->off[k][b];
		r = memcmp(c->keys[k].data + c->off[k][a], c->keys[k].data + c->off[k][b],
		           la < lb ? la : lb);
		return r != 0 ? r : la < lb ? -1 : la > lb;
	}
}

/* §3: criteria in order, REVERSE applying to its own key only; exact
 * matches by sequence number (ascending, whatever REVERSE said). */
static int sort_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct sort_ctx *c = ctx;
	int r;

	for (unsigned i = 0; i < c->prog->n; i++) {
		r = cmp_key(c, c->prog->c[i].key, a, b);
		if (r != 0)
			return c->prog->c[i].reverse ? -r : r;
	}
	r = c->msgs[a].seq < c->msgs[b].seq ? -1 : c->msgs[a].seq > c->msgs[b].seq;
	return r != 0 ? r : a < b ? -1 : a > b;
}

void imap_sort_indexes(uint32_t *v, size_t n, int (*cmp)(const void *ctx, uint32_t a, uint32_t b),
                       const void *ctx)
{
	uint32_t *tmp, *src = v, *dst;

	if (n < 2)
		return;
	tmp = malloc(n * sizeof(*tmp));
	if (tmp == NULL)
		abort();
	dst = tmp;
	/* bottom-up merge sort: stable, n log n comparisons at most */
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

void imap_sort_run(const struct imap_sort_program *prog, const struct imap_sort_msg *msgs, size_t n,
                   uint32_t *order_r)
{
	struct sort_ctx c = {.prog = prog, .msgs = msgs};

	for (size_t i = 0; i < n; i++)
		order_r[i] = (uint32_t)i;
	sort_build_keys(&c, n);
	imap_sort_indexes(order_r, n, sort_cmp, &c);
	for (unsigned k = 0; k < SORT_NKEYS; k++) {
		if (c.off[k] != NULL)
			buf_free(&c.keys[k]);
		free(c.off[k]);
	}
}

int imap_sort_render(const struct imap_sort_msg *msgs, const uint32_t *order, size_t n, bool uid,
                     struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct imap_sort_msg *m = &msgs[order[i]];
		if (buf_printf(out, " %u", (unsigned)(uid ? m->uid : m->seq)) < 0)
			return -1;
	}
	return 0;
}
