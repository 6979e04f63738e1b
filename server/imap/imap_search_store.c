/* SPDX-License-Identifier: ISC */
/* The storage side of SEARCH, SORT and THREAD: walks the selected mailbox
 * in one read transaction and feeds the pure evaluator of imap_search.c,
 * loading summaries, header blocks and whole messages only on demand. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_search_store.h"
#include "imap_sort.h"
#include "mime.h"
#include "rfc2047.h"
#include "util.h"

#define SECS_PER_DAY 86400
#define RUN_STOP 1 /* store_msg_each callback: the view has no later UID */

/* What a key costs to evaluate; AND lists are ordered by it. */
enum key_cost {
	COST_VIEW = 0,    /* flags, sets, sizes, internal dates */
	COST_SUMMARY = 1, /* the stored summary (SENT* dates) */
	COST_HEADER = 2,  /* the header block */
	COST_BODY = 3,    /* the whole message, parsed */
};

/* A search string, case mapped once (imap_sort_casemap) for every message. */
struct needle {
	const uint8_t *key; /* the node's value.p */
	struct buf folded;
};

enum load_state { LOAD_NONE, LOAD_OK, LOAD_FAILED };

struct imap_search_run {
	struct store_txn *txn;
	const struct imap_view *v;
	struct imap_search *prog;
	struct imap_search_env env;
	imap_search_hit_fn *fn;
	void *arg;
	uint32_t vi; /* cursor in v->msgs */
	int result;
	bool need_sent; /* a SENT* key: the Date field is looked at */

	/* The message under evaluation and what was loaded for it. */
	const struct store_msg *m;
	enum load_state sum_state, hdr_state, msg_state;
	struct msgsum_view sum;
	struct slice hdr;   /* header block: in hdr_buf or msg_buf */
	struct buf hdr_buf; /* header block read alone */
	struct buf msg_buf; /* message, up to IMAP_SEARCH_SCAN_MAX bytes */
	struct mime_msg *mime;
	struct buf text, fold, unfold; /* scratch, reused */

	struct needle *needles;
	size_t n_needles;
	const uint8_t *kw_key; /* last KEYWORD looked up, and its index */
	int kw_idx;
};

/* ---------------------------------------------------------------- program */

static enum key_cost node_cost(const struct imap_search_node *n)
{
	enum key_cost c = COST_VIEW;

	switch (n->type) {
	case IMAP_SEARCH_DATE:
		return n->date_field == IMAP_SEARCH_DATE_SENT ? COST_SUMMARY : COST_VIEW;
	case IMAP_SEARCH_HEADER:
		return COST_HEADER;
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		return COST_BODY;
	case IMAP_SEARCH_AND:
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_NOT:
		for (const struct imap_search_node *k = n->children; k != NULL; k = k->next) {
			enum key_cost kc = node_cost(k);
			c = kc > c ? kc : c;
		}
		return c;
	default:
		return COST_VIEW;
	}
}

/* Stable insertion sort of a sibling list by cost: the evaluator stops an
 * AND at the first key that fails, so cheap keys go first. */
static struct imap_search_node *order_list(struct imap_search_node *list)
{
	struct imap_search_node *sorted = NULL;

	while (list != NULL) {
		struct imap_search_node *n = list, **pos = &sorted;
		enum key_cost c = node_cost(n);

		list = list->next;
		while (*pos != NULL && node_cost(*pos) <= c)
			pos = &(*pos)->next;
		n->next = *pos;
		*pos = n;
	}
	return sorted;
}

static void order_tree(struct imap_search_node *n)
{
	for (; n != NULL; n = n->next) {
		if (n->type == IMAP_SEARCH_AND || n->type == IMAP_SEARCH_OR)
			n->children = order_list(n->children);
		order_tree(n->children);
	}
}

/* Case maps every HEADER, BODY and TEXT string once. */
static void collect_needles(struct imap_search_run *run, const struct imap_search_node *n)
{
	for (; n != NULL; n = n->next) {
		collect_needles(run, n->children);
		if (n->type != IMAP_SEARCH_HEADER && n->type != IMAP_SEARCH_BODY &&
		    n->type != IMAP_SEARCH_TEXT)
			continue;
		run->needles = xrealloc(run->needles, (run->n_needles + 1) * sizeof(*run->needles));
		struct needle *nd = &run->needles[run->n_needles++];
		nd->key = n->value.p;
		buf_init(&nd->folded, 0);
		imap_sort_casemap(n->value, &nd->folded);
	}
}

static struct slice needle_get(const struct imap_search_run *run, struct slice value)
{
	for (size_t i = 0; i < run->n_needles; i++)
		if (run->needles[i].key == value.p)
			return buf_slice(&run->needles[i].folded);
	return value;
}

/* ---------------------------------------------------------------- loading */

static int load_summary(struct imap_search_run *run)
{
	const void *sum;
	size_t len;
	uint64_t size;
	uint32_t refs;

	if (run->sum_state == LOAD_NONE) {
		run->sum_state = LOAD_FAILED;
		if (store_blob_info(run->txn, run->m->blob_id, &size, &refs, &sum, &len) == 0 &&
		    sum != NULL && msgsum_open(sum, len, &run->sum) == 0)
			run->sum_state = LOAD_OK;
	}
	return run->sum_state == LOAD_OK ? 0 : -1;
}

/* Reads [0, len) of the message into b. */
static int read_prefix(struct imap_search_run *run, struct buf *b, uint64_t len)
{
	size_t got = 0;

	if (len > run->m->size)
		len = run->m->size;
	buf_reset(b);
	if (buf_reserve(b, (size_t)len + 1) < 0)
		return -1;
	if (len > 0 &&
	    store_blob_read(run->txn, run->m->blob_id, 0, b->data, (size_t)len, &got) < 0)
		return -1;
	b->len = got;
	return 0;
}

/* The whole message (bounded), parsed; its header block comes with it. */
static int load_message(struct imap_search_run *run)
{
	if (run->msg_state != LOAD_NONE)
		return run->msg_state == LOAD_OK ? 0 : -1;
	run->msg_state = LOAD_FAILED;
	if (read_prefix(run, &run->msg_buf, IMAP_SEARCH_SCAN_MAX) < 0)
		return -1;
	mime_parse(run->msg_buf.data, run->msg_buf.len, &run->mime);
	run->msg_state = LOAD_OK;
	if (run->hdr_state != LOAD_OK) {
		run->hdr = mime_part_header(run->mime, run->mime->root);
		run->hdr_state = LOAD_OK;
	}
	return 0;
}

/* The header block only: its length is in the summary; without one, a
 * bounded prefix (the field walk stops at the empty line anyway). */
static int load_header(struct imap_search_run *run)
{
	struct msgsum_part root;
	uint64_t len = IMAP_SEARCH_HEADER_MAX;

	if (run->hdr_state != LOAD_NONE)
		return run->hdr_state == LOAD_OK ? 0 : -1;
	if (run->msg_state == LOAD_OK)
		return 0; /* load_message set hdr */
	run->hdr_state = LOAD_FAILED;
	if (load_summary(run) == 0 && msgsum_section_part(&run->sum, "", 0, &root) == 1 &&
	    root.hdr_len < len)
		len = root.hdr_len;
	if (read_prefix(run, &run->hdr_buf, len) < 0)
		return -1;
	run->hdr = buf_slice(&run->hdr_buf);
	run->hdr_state = LOAD_OK;
	return 0;
}

static void message_reset(struct imap_search_run *run, const struct store_msg *m)
{
	run->m = m;
	run->sum_state = run->hdr_state = run->msg_state = LOAD_NONE;
	run->hdr = (struct slice){NULL, 0};
	mime_free(&run->mime);
}

/* ---------------------------------------------------------------- matching */

/* imap_sort_casemap(text) into out: ASCII runs are upper-cased in bulk
 * (what the case map does to them), the rest goes through the map. */
static int fold_text(struct slice text, struct buf *out)
{
	size_t i = 0;

	buf_reset(out);
	while (i < text.len) {
		size_t j = i;

		if (buf_reserve(out, text.len - i) < 0)
			return -1;
		while (j < text.len && text.p[j] < 0x80) {
			uint8_t c = text.p[j++];
			/* room was reserved for every byte left */
			out->data[out->len++] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
		}
		i = j;
		while (j < text.len && text.p[j] >= 0x80)
			j++;
		if (j > i && imap_sort_casemap((struct slice){text.p + i, j - i}, out) < 0)
			return -1;
		i = j;
	}
	return 0;
}

/* Case-insensitive substring test of text against a folded needle. */
static int folded_contains(struct imap_search_run *run, struct slice text, struct slice needle)
{
	if (needle.len == 0)
		return 1;
	if (fold_text(text, &run->fold) < 0)
		return -1;
	return memmem(run->fold.data, run->fold.len, needle.p, needle.len) != NULL;
}

/* A field's value, unfolded and RFC 2047 decoded, in run->text. */
static int field_text(struct imap_search_run *run, struct slice raw)
{
	buf_reset(&run->unfold);
	buf_reset(&run->text);
	if (mime_unfold(raw, &run->unfold) < 0)
		return -1;
	return rfc2047_decode(buf_slice(&run->unfold), &run->text);
}

/* RFC 9051 section 6.4.4 HEADER: any field of that name whose value holds
 * the string; an empty string matches any message with the field. */
static int header_match(struct imap_search_run *run, struct slice hdr, struct slice field,
                        struct slice needle)
{
	struct mime_header_iter it;
	struct slice name, raw;
	int r = 0;

	mime_header_iter_init(&it, hdr);
	while (r == 0 && mime_header_next(&it, &name, &raw, NULL, NULL) == 1) {
		if (name.len != field.len ||
		    strncasecmp((const char *)name.p, (const char *)field.p, field.len) != 0)
			continue;
		if (needle.len == 0)
			return 1;
		if (field_text(run, raw) < 0)
			return -1;
		r = folded_contains(run, buf_slice(&run->text), needle);
	}
	return r;
}

/* TEXT over a header block: every field, its name and decoded value. */
static int header_any(struct imap_search_run *run, struct slice hdr, struct slice needle)
{
	struct mime_header_iter it;
	struct slice name, raw;
	int r = 0;

	mime_header_iter_init(&it, hdr);
	while (r == 0 && mime_header_next(&it, &name, &raw, NULL, NULL) == 1) {
		if (field_text(run, raw) < 0)
			return -1;
		r = folded_contains(run, name, needle);
		if (r == 0)
			r = folded_contains(run, buf_slice(&run->text), needle);
	}
	return r;
}

/* The body of p: text leaves decoded to UTF-8 (mime_part_text), and the
 * header of every encapsulated message; other leaves are not text. */
static int body_match(struct imap_search_run *run, const struct mime_part *p, struct slice needle)
{
	int r = 0;

	if (p->parent != NULL && p->parent->kind == MIME_MESSAGE)
		r = header_any(run, mime_part_header(run->mime, p), needle);
	if (r == 0 && p->kind == MIME_LEAF && !p->opaque && mime_is_type(p, "text", NULL)) {
		buf_reset(&run->text);
		if (mime_part_text(run->mime, p, &run->text) < 0)
			return -1;
		r = folded_contains(run, buf_slice(&run->text), needle);
	}
	for (const struct mime_part *c = p->children; r == 0 && c != NULL; c = c->next)
		r = body_match(run, c, needle);
	return r;
}

/* ---------------------------------------------------------------- callbacks */

static int cb_keyword(void *ctx, struct slice keyword)
{
	struct imap_search_run *run = ctx;

	if (run->kw_key != keyword.p) {
		run->kw_key = keyword.p;
		run->kw_idx = -1;
		for (unsigned i = 0; i < STORE_KEYWORDS_MAX && run->kw_idx < 0; i++) {
			const char *k = run->v->keywords[i];
			if (k != NULL && strlen(k) == keyword.len &&
			    strncasecmp(k, (const char *)keyword.p, keyword.len) == 0)
				run->kw_idx = (int)i;
		}
	}
	if (run->kw_idx < 0)
		return 0;
	return (run->v->msgs[run->vi].keywords >> run->kw_idx) & 1;
}

static int cb_header(void *ctx, struct slice field, struct slice value)
{
	struct imap_search_run *run = ctx;

	if (load_header(run) < 0)
		return -1;
	return header_match(run, run->hdr, field, needle_get(run, value));
}

static int cb_body(void *ctx, struct slice value, bool text)
{
	struct imap_search_run *run = ctx;
	struct slice needle = needle_get(run, value);
	int r = 0;

	if (load_message(run) < 0)
		return -1;
	if (text)
		r = header_any(run, run->hdr, needle);
	if (r == 0 && run->mime->root->kind == MIME_LEAF)
		r = body_match(run, run->mime->root, needle);
	else
		for (const struct mime_part *c = run->mime->root->children; r == 0 && c != NULL;
		     c = c->next)
			r = body_match(run, c, needle);
	return r;
}

static const struct imap_search_msg_ops store_ops = {
    .keyword = cb_keyword,
    .header = cb_header,
    .body = cb_body,
};

/* ---------------------------------------------------------------- dates */

static int32_t day_of(int64_t t)
{
	int64_t d = t / SECS_PER_DAY;

	if (t < 0 && t % SECS_PER_DAY != 0)
		d--;
	return (int32_t)d;
}

/* RFC 5322 section 4.3 obsolete zones, in minutes east of UTC. */
static int alpha_zone(const uint8_t *p, size_t len, int *min_r)
{
	static const struct {
		const char *name;
		int min;
	} zones[] = {{"UT", 0},     {"GMT", 0},    {"EST", -300}, {"EDT", -240}, {"CST", -360},
	             {"CDT", -300}, {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420}};

	for (size_t i = 0; i < ARRAY_LEN(zones); i++)
		if (strlen(zones[i].name) == len &&
		    strncasecmp(zones[i].name, (const char *)p, len) == 0) {
			*min_r = zones[i].min;
			return 0;
		}
	return -1;
}

/* The zone of a date-time: the last "+hhmm"/"-hhmm" or obsolete zone
 * token outside comments; 0 when there is none. */
static int date_zone(struct slice d)
{
	int zone = 0, depth = 0;
	size_t i = 0;

	while (i < d.len) {
		size_t start = i;
		if (d.p[i] == '(' || d.p[i] == ')') {
			depth += d.p[i] == '(' ? 1 : depth > 0 ? -1 : 0;
			i++;
			continue;
		}
		while (i < d.len && !isspace(d.p[i]) && d.p[i] != '(' && d.p[i] != ')')
			i++;
		if (i == start) {
			i++;
			continue;
		}
		if (depth > 0)
			continue;
		const uint8_t *t = d.p + start;
		size_t n = i - start;
		if (n == 5 && (t[0] == '+' || t[0] == '-') && isdigit(t[1]) && isdigit(t[2]) &&
		    isdigit(t[3]) && isdigit(t[4])) {
			int m = ((t[1] - '0') * 10 + (t[2] - '0')) * 60 + (t[3] - '0') * 10 +
			        (t[4] - '0');
			zone = t[0] == '-' ? -m : m;
		} else {
			alpha_zone(t, n, &zone);
		}
	}
	return zone;
}

int32_t imap_search_sent_day(struct slice date_raw)
{
	int64_t t;

	if (date_raw.p == NULL || msgsum_date_parse(date_raw.p, date_raw.len, &t) < 0)
		return INT32_MIN;
	return day_of(t + (int64_t)date_zone(date_raw) * 60);
}

/* SENT* compare the Date field's date; without a usable one, the internal
 * date (as SORT does, RFC 5256 section 2.2). */
static int32_t sent_day(struct imap_search_run *run)
{
	int32_t d = INT32_MIN;

	if (load_summary(run) == 0)
		d = imap_search_sent_day(msgsum_str(&run->sum, MSGSUM_DATE_RAW));
	return d == INT32_MIN ? day_of(run->m->internal_date) : d;
}

static bool uses_sent(const struct imap_search_node *n)
{
	for (; n != NULL; n = n->next)
		if ((n->type == IMAP_SEARCH_DATE && n->date_field == IMAP_SEARCH_DATE_SENT) ||
		    uses_sent(n->children))
			return true;
	return false;
}

/* ---------------------------------------------------------------- the walk */

static unsigned msg_flags(uint32_t f)
{
	return (f & MSG_SEEN ? IMAP_MSGF_SEEN : 0) | (f & MSG_ANSWERED ? IMAP_MSGF_ANSWERED : 0) |
	       (f & MSG_FLAGGED ? IMAP_MSGF_FLAGGED : 0) |
	       (f & MSG_DELETED ? IMAP_MSGF_DELETED : 0) | (f & MSG_DRAFT ? IMAP_MSGF_DRAFT : 0);
}

static int run_one(void *arg, const struct store_msg *m)
{
	struct imap_search_run *run = arg;
	const struct imap_view *v = run->v;
	struct imap_search_msg sm;
	int r;

	while (run->vi < v->n && v->msgs[run->vi].uid < m->uid)
		run->vi++;
	if (run->vi == v->n)
		return RUN_STOP;
	if (v->msgs[run->vi].uid != m->uid || v->msgs[run->vi].expunged)
		return 0; /* arrived after the view's last sync */
	message_reset(run, m);
	sm = (struct imap_search_msg){
	    .seq = run->vi + 1,
	    .uid = m->uid,
	    .flags = msg_flags(v->msgs[run->vi].flags),
	    .size = m->size,
	    .modseq = v->msgs[run->vi].modseq,
	    .internal_day = day_of(m->internal_date),
	    .save_day = day_of(m->save_date),
	    .internal_time = m->internal_date,
	    .ops = &store_ops,
	    .ctx = run,
	};
	sm.sent_day = run->need_sent ? sent_day(run) : INT32_MIN;
	r = imap_search_eval(run->prog, &run->env, &sm);
	if (r < 0) {
		run->result = STORE_E_IO;
		return -1;
	}
	if (r == 1 && (r = run->fn(run->arg, run, run->vi + 1, m)) != 0) {
		run->result = r;
		return -1;
	}
	return 0;
}

static void run_free(struct imap_search_run *run)
{
	mime_free(&run->mime);
	buf_free(&run->hdr_buf);
	buf_free(&run->msg_buf);
	buf_free(&run->text);
	buf_free(&run->fold);
	buf_free(&run->unfold);
	for (size_t i = 0; i < run->n_needles; i++)
		buf_free(&run->needles[i].folded);
	free(run->needles);
}

int imap_search_store_run(struct store_txn *txn, const struct imap_view *v,
                          struct imap_search *prog, const struct imap_seqset *saved,
                          imap_search_hit_fn *fn, void *arg)
{
	struct imap_search_run run = {.txn = txn, .v = v, .prog = prog, .fn = fn, .arg = arg};
	int r;

	if (v->n == 0)
		return 0;
	imap_search_prepare(prog, imap_view_count(v), v->msgs[v->n - 1].uid, saved);
	order_tree(prog->root);
	collect_needles(&run, prog->root);
	run.need_sent = uses_sent(prog->root);
	run.env.now = time_now();
	run.env.savedate_supported = true;
	buf_init(&run.hdr_buf, 0);
	buf_init(&run.msg_buf, 0);
	buf_init(&run.text, 0);
	buf_init(&run.fold, 0);
	buf_init(&run.unfold, 0);
	r = store_msg_each(txn, v->mb.id, v->msgs[0].uid, run_one, &run);
	run_free(&run);
	if (run.result != 0)
		return run.result;
	return r < 0 ? r : 0;
}

int imap_search_run_summary(struct imap_search_run *run, struct msgsum_view *sum_r)
{
	if (load_summary(run) < 0)
		return -1;
	*sum_r = run->sum;
	return 0;
}
