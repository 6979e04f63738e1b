/* SPDX-License-Identifier: ISC */
/* The selected mailbox as one session sees it: sequence numbers, cached
 * flags, and the sync step driven by the store's modseq log (RFC 7162
 * section 3.1: every change gets a modseq, expunges included). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_flags.h"
#include "imap_view.h"
#include "util.h"

int imap_mailbox_name_norm(const char *name, char *out, size_t outsz)
{
	/* RFC 9051 section 5.1: INBOX is case-insensitive, also as the first
	 * level of a hierarchy. */
	if (strncasecmp(name, "INBOX", 5) == 0 && (name[5] == '\0' || name[5] == '/')) {
		if (outsz < strlen(name) + 1)
			return -1;
		memcpy(out, "INBOX", 5);
		strcpy(out + 5, name + 5);
		return 0;
	}
	return str_copy(out, outsz, name);
}

static void view_push(struct imap_view *v, const struct store_msg *m)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->msgs = xrealloc(v->msgs, v->cap * sizeof(*v->msgs));
	}
	v->msgs[v->n++] = (struct imap_view_msg){
	    .uid = m->uid, .flags = m->flags, .keywords = m->keywords, .modseq = m->modseq};
}

static int view_load_msg(void *arg, const struct store_msg *m)
{
	view_push(arg, m);
	return 0;
}

int imap_view_load_keywords(struct store *st, struct imap_view *v)
{
	struct store_txn *txn;
	char name[256];
	int r = store_read_begin(st, &txn);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < STORE_KEYWORDS_MAX; i++) {
		if (v->keywords[i] != NULL)
			continue;
		r = store_keyword_name(txn, v->mb.id, i, name);
		if (r < 0)
			break;
		if (r == 1)
			v->keywords[i] = xstrdup(name);
	}
	store_read_end(&txn);
	return r < 0 ? r : 0;
}

int imap_view_open(struct store *st, uint64_t bal_id, const char *name, bool read_only,
                   struct imap_view **v_r)
{
	char norm[STORE_MBOX_NAME_MAX + 1];
	struct imap_view *v;
	struct store_txn *txn;
	int r;

	*v_r = NULL;
	if (imap_mailbox_name_norm(name, norm, sizeof(norm)) < 0)
		return 0;
	r = store_read_begin(st, &txn);
	if (r < 0)
		return r;
	v = xcalloc(1, sizeof(*v));
	imap_seqset_init(&v->saved);
	v->read_only = read_only;
	r = store_mailbox_get(txn, bal_id, norm, &v->mb);
	if (r == 1)
		r = store_msg_each(txn, v->mb.id, 1, view_load_msg, v);
	store_read_end(&txn);
	if (r == 0 && v->mb.id != 0)
		r = 1;
	if (r != 1) {
		imap_view_free(&v);
		return r == STORE_E_NOTFOUND ? 0 : r;
	}
	v->modseq = v->mb.highestmodseq;
	v->uidnext = v->mb.uidnext;
	r = imap_view_load_keywords(st, v);
	if (r < 0) {
		imap_view_free(&v);
		return r;
	}
	*v_r = v;
	return 1;
}

void imap_view_free(struct imap_view **vp)
{
	struct imap_view *v = *vp;

	if (v == NULL)
		return;
	for (unsigned i = 0; i < STORE_KEYWORDS_MAX; i++)
		free(v->keywords[i]);
	imap_seqset_free(&v->saved);
	free(v->msgs);
	free(v);
	*vp = NULL;
}

int imap_view_changed(struct store *st, const struct imap_view *v)
{
	struct store_mailbox mb;
	struct store_txn *txn;
	int r = store_read_begin(st, &txn);

	if (r < 0)
		return r;
	r = store_mailbox_get_by_id(txn, v->mb.id, &mb);
	store_read_end(&txn);
	if (r != 1)
		return r < 0 ? r : 1; /* gone: imap_view_sync() says so */
	return mb.highestmodseq != v->modseq || mb.uidnext != v->uidnext;
}

uint32_t imap_view_count(const struct imap_view *v)
{
	return v->n;
}

/* Index of uid in msgs, or -1. */
static long view_find(const struct imap_view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->msgs[mid].uid == uid)
			return (long)mid;
		if (v->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

uint32_t imap_view_seq(const struct imap_view *v, uint32_t uid)
{
	long i = view_find(v, uid);

	return i < 0 ? 0 : (uint32_t)i + 1;
}

void imap_view_set_flags(struct imap_view *v, uint32_t seq, uint32_t flags, uint64_t keywords,
                         uint64_t modseq)
{
	if (seq == 0 || seq > v->n)
		return;
	v->msgs[seq - 1].flags = flags;
	v->msgs[seq - 1].keywords = keywords;
	if (modseq > v->msgs[seq - 1].modseq)
		v->msgs[seq - 1].modseq = modseq;
}

const char *imap_view_keyword(const struct imap_view *v, unsigned idx)
{
	return idx < STORE_KEYWORDS_MAX ? v->keywords[idx] : NULL;
}

int imap_view_flags_list(const struct imap_view *v, uint32_t flags, uint64_t keywords,
                         struct buf *out)
{
	bool first;
	int r = buf_append_u8(out, '(');

	first = !imap_sysflags_write(out, flags, &r);
	for (unsigned i = 0; i < STORE_KEYWORDS_MAX; i++) {
		const char *kw = imap_view_keyword(v, i);

		if ((keywords & (1ULL << i)) && kw != NULL) {
			r |= buf_printf(out, "%s%s", first ? "" : " ", kw);
			first = false;
		}
	}
	r |= buf_append_u8(out, ')');
	return r < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- sync */

struct sync_ctx {
	struct store_txn *txn;
	struct imap_view *v;
	uint32_t old_uidnext;
	struct store_msg *added; /* new messages, sorted by UID afterwards */
	size_t n_added, cap_added;
	uint32_t *changed; /* UIDs whose flags changed */
	size_t n_changed, cap_changed;
	int err;
};

static void sync_add(struct sync_ctx *c, const struct store_msg *m)
{
	if (c->n_added == c->cap_added) {
		c->cap_added = c->cap_added ? c->cap_added * 2 : 16;
		c->added = xrealloc(c->added, c->cap_added * sizeof(*c->added));
	}
	c->added[c->n_added++] = *m;
}

static void sync_changed(struct sync_ctx *c, uint32_t uid)
{
	if (c->n_changed == c->cap_changed) {
		c->cap_changed = c->cap_changed ? c->cap_changed * 2 : 16;
		c->changed = xrealloc(c->changed, c->cap_changed * sizeof(*c->changed));
	}
	c->changed[c->n_changed++] = uid;
}

/* One entry of the modseq log since the view's modseq. */
static int sync_one(void *arg, uint32_t uid, uint64_t modseq, bool expunged)
{
	struct sync_ctx *c = arg;
	long i = view_find(c->v, uid);
	struct store_msg m;
	int r;

	if (expunged) {
		if (i >= 0 && !c->v->msgs[i].expunged) {
			c->v->msgs[i].expunged = true;
			c->v->msgs[i].modseq = modseq; /* the expunge's, for sync_held() */
			c->v->n_expunged++;
		}
		return 0;
	}
	r = store_msg_get(c->txn, c->v->mb.id, uid, &m);
	if (r != 1) {
		c->err = r < 0 ? r : 0; /* expunged later in the log */
		return r < 0;
	}
	if (i < 0) {
		if (uid >= c->old_uidnext)
			sync_add(c, &m);
		return 0;
	}
	if (c->v->msgs[i].expunged)
		return 0;
	if (c->v->msgs[i].flags != m.flags || c->v->msgs[i].keywords != m.keywords)
		sync_changed(c, uid);
	c->v->msgs[i].flags = m.flags;
	c->v->msgs[i].keywords = m.keywords;
	c->v->msgs[i].modseq = m.modseq;
	return 0;
}

static int cmp_msg_uid(const void *a, const void *b)
{
	const struct store_msg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* "* VANISHED uid-set": one line for all the expunged messages (RFC 7162
 * section 3.2.10). */
static void sync_vanished(const struct imap_view *v, struct buf *out)
{
	struct imap_seqset set;

	imap_seqset_init(&set);
	for (uint32_t i = 0; i < v->n; i++)
		if (v->msgs[i].expunged)
			imap_seqset_add(&set, v->msgs[i].uid, v->msgs[i].uid);
	imap_seqset_normalise(&set);
	buf_append_str(out, "* VANISHED ");
	imap_seqset_format(&set, out);
	buf_append_str(out, "\r\n");
	imap_seqset_free(&set);
}

/* "* n EXPUNGE" from the highest sequence number down, so that each
 * number is still valid when the client reads it (RFC 9051 section 7.5.1),
 * or VANISHED once QRESYNC is enabled. */
static void sync_expunge(struct imap_view *v, bool vanished, struct buf *out)
{
	uint32_t w = 0;

	if (vanished)
		sync_vanished(v, out);
	else
		for (uint32_t i = v->n; i-- > 0;)
			if (v->msgs[i].expunged)
				buf_printf(out, "* %u EXPUNGE\r\n", i + 1);
	for (uint32_t i = 0; i < v->n; i++)
		if (!v->msgs[i].expunged)
			v->msgs[w++] = v->msgs[i];
	v->n = w;
	v->n_expunged = 0;
}

static void sync_emit(struct sync_ctx *c, bool allow_expunge, unsigned opts, struct buf *out)
{
	struct imap_view *v = c->v;

	if (allow_expunge && v->n_expunged > 0)
		sync_expunge(v, (opts & IMAP_VIEW_VANISHED) != 0, out);
	if (c->n_added > 0) {
		qsort(c->added, c->n_added, sizeof(*c->added), cmp_msg_uid);
		for (size_t i = 0; i < c->n_added; i++)
			if (v->n == 0 || c->added[i].uid > v->msgs[v->n - 1].uid)
				view_push(v, &c->added[i]);
		buf_printf(out, "* %u EXISTS\r\n", v->n);
	}
	for (size_t i = 0; i < c->n_changed; i++) {
		long k = view_find(v, c->changed[i]);

		if (k < 0 || v->msgs[k].expunged)
			continue;
		buf_printf(out, "* %ld FETCH (", k + 1);
		if (opts & IMAP_VIEW_MODSEQ)
			buf_printf(out, "MODSEQ (%llu) ", (unsigned long long)v->msgs[k].modseq);
		buf_printf(out, "UID %u FLAGS ", v->msgs[k].uid);
		imap_view_flags_list(v, v->msgs[k].flags, v->msgs[k].keywords, out);
		buf_append_str(out, ")\r\n");
	}
}

/* Expunges held back while MODSEQ values newer than theirs reach the
 * client (flag updates, FETCH MODSEQ): a HIGHESTMODSEQ below the oldest
 * of them, so that a client cut off before it hears of them resyncs from
 * there and learns of them (RFC 5162 erratum 1810, kept in RFC 7162). */
static void sync_held(const struct imap_view *v, bool allow_expunge, unsigned opts, struct buf *out)
{
	uint64_t low = UINT64_MAX;

	if (allow_expunge || v->n_expunged == 0 || !(opts & IMAP_VIEW_MODSEQ))
		return;
	for (uint32_t i = 0; i < v->n; i++)
		if (v->msgs[i].expunged && v->msgs[i].modseq < low)
			low = v->msgs[i].modseq;
	buf_printf(out, "* OK [HIGHESTMODSEQ %llu] Expunges pending\r\n",
	           (unsigned long long)(low - 1));
}

int imap_view_sync(struct store *st, struct imap_view *v, bool allow_expunge, unsigned opts,
                   struct buf *out)
{
	struct sync_ctx c = {.v = v, .old_uidnext = v->uidnext};
	struct store_mailbox mb = {0};
	bool unknown_kw = false, found;
	int r;

	if (!(allow_expunge && v->n_expunged > 0)) {
		r = imap_view_changed(st, v);
		if (r == 0)
			sync_held(v, allow_expunge, opts, out);
		if (r <= 0)
			return r;
	}
	r = store_read_begin(st, &c.txn);
	if (r < 0)
		return r;
	r = store_mailbox_get_by_id(c.txn, v->mb.id, &mb);
	found = r == 1;
	if (found)
		r = store_changes_since(c.txn, v->mb.id, v->modseq, sync_one, &c);
	store_read_end(&c.txn);
	if (r == 0 && c.err < 0)
		r = c.err;
	if (found && r == 0) {
		if (mb.highestmodseq > v->modseq)
			v->modseq = mb.highestmodseq;
		if (mb.uidnext > v->uidnext)
			v->uidnext = mb.uidnext;
		for (size_t i = 0; i < c.n_added; i++)
			unknown_kw |= c.added[i].keywords != 0;
		if (unknown_kw || c.n_changed > 0)
			imap_view_load_keywords(st, v);
		sync_emit(&c, allow_expunge, opts, out);
		sync_held(v, allow_expunge, opts, out);
		r = 0;
	} else if (r == 0 && !found) {
		r = STORE_E_NOTFOUND; /* deleted: the session cannot go on with it */
	}
	free(c.added);
	free(c.changed);
	return r < 0 ? r : 0;
}
