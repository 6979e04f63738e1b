/* SPDX-License-Identifier: ISC */
/* QRESYNC (RFC 7162 section 3.2): SELECT/EXAMINE's QRESYNC parameter and
 * the VANISHED (EARLIER) responses, from the store's modseq log. */
#include "config.h"

#include <stdio.h>

#include "imap_qresync.h"
#include "imap_session.h"
#include "imap_view.h"
#include "util.h"

void imap_qresync_init(struct imap_qresync *q)
{
	*q = (struct imap_qresync){0};
	imap_seqset_init(&q->known);
}

void imap_qresync_free(struct imap_qresync *q)
{
	imap_seqset_free(&q->known);
}

/* ---------------------------------------------------------------- parsing */

/* A sequence set where "*" and "$" are not allowed (known-uids,
 * known-sequence-set, known-uid-set), normalised. 0 or -1. */
static int parse_nostar(const struct imap_arg *arg, struct imap_seqset *set)
{
	const char *error = NULL;
	struct slice text;

	if (!imap_arg_get_atom(arg, &text) || imap_seqset_parse(set, text, &error) < 0 ||
	    set->saved || set->has_star)
		return -1;
	imap_seqset_normalise(set);
	return 0;
}

/* seq-match-data = "(" known-sequence-set SP known-uid-set ")": both sets
 * must name as many messages. The data is not needed (imap_qresync.h). */
static int parse_seq_match(const struct imap_arg *arg)
{
	struct imap_seqset seqs, uids;
	const struct imap_arg *list;
	unsigned n;
	int r = -1;

	if (!imap_arg_get_list(arg, &list, &n) || n != 2)
		return -1;
	imap_seqset_init(&seqs);
	imap_seqset_init(&uids);
	if (parse_nostar(&list[0], &seqs) == 0 && parse_nostar(&list[1], &uids) == 0 &&
	    imap_seqset_count(&seqs) == imap_seqset_count(&uids))
		r = 0;
	imap_seqset_free(&seqs);
	imap_seqset_free(&uids);
	return r;
}

/* The list's members after uidvalidity and modseq: [known-uids]
 * [seq-match-data], told apart by their type. */
static const char *parse_tail(const struct imap_arg *list, unsigned n, struct imap_qresync *q)
{
	unsigned i = 2;

	if (i < n && list[i].type != IMAP_ARG_LIST) {
		if (parse_nostar(&list[i], &q->known) < 0)
			return "Invalid QRESYNC known UIDs";
		q->has_known = true;
		i++;
	}
	if (i < n) {
		if (parse_seq_match(&list[i]) < 0)
			return "Invalid QRESYNC sequence match data";
		i++;
	}
	return i == n ? NULL : "Too many QRESYNC parameters";
}

int imap_qresync_parse(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, struct imap_qresync *q)
{
	const struct imap_arg *list;
	const char *error = NULL;
	uint64_t uidvalidity = 0;
	unsigned n;

	/* RFC 7162 section 3.2.5: BAD unless ENABLE QRESYNC was issued. */
	if (!(ctx->s->enabled & IMAP_EN_QRESYNC))
		error = "QRESYNC is not enabled (ENABLE QRESYNC first)";
	else if (q->on)
		error = "QRESYNC given twice";
	else if (!imap_arg_get_list(arg, &list, &n) || n < 2)
		error = "QRESYNC takes (uidvalidity modseq [known-uids] [seq-match-data])";
	else if (!imap_arg_get_number(&list[0], &uidvalidity) || uidvalidity == 0 ||
	         uidvalidity > UINT32_MAX)
		error = "Invalid QRESYNC UIDVALIDITY";
	else if (!imap_arg_get_number(&list[1], &q->modseq) || q->modseq == 0)
		error = "Invalid QRESYNC modseq";
	else
		error = parse_tail(list, n, q);
	if (error != NULL) {
		imap_reply_bad(ctx, NULL, error);
		return -1;
	}
	q->uidvalidity = (uint32_t)uidvalidity;
	q->on = true;
	return 0;
}

/* ---------------------------------------------------------------- VANISHED */

struct vanished_walk {
	uint64_t upto;                    /* tombstones up to this modseq */
	const struct imap_seqset *within; /* NULL: any UID */
	struct imap_seqset *out;
};

static int vanished_one(void *arg, uint32_t uid, uint64_t modseq, bool expunged)
{
	struct vanished_walk *w = arg;

	if (expunged && modseq <= w->upto &&
	    (w->within == NULL || imap_seqset_contains(w->within, uid)))
		imap_seqset_add(w->out, uid, uid);
	return 0;
}

/* The UIDs expunged at a modseq in (since, upto], within a set, into out
 * (normalised). The log holds one entry per UID: a message's entry moves
 * with each change and becomes its tombstone when it is expunged. */
static int vanished_collect(struct imap_session *s, uint64_t mailbox_id, uint64_t since,
                            uint64_t upto, const struct imap_seqset *within,
                            struct imap_seqset *out)
{
	struct vanished_walk w = {.upto = upto, .within = within, .out = out};
	struct store_txn *txn;
	int r = store_read_begin(s->srv->store, &txn);

	if (r < 0)
		return r;
	r = store_changes_since(txn, mailbox_id, since, vanished_one, &w);
	store_read_end(&txn);
	imap_seqset_normalise(out);
	return r;
}

static void vanished_write(struct imap_session *s, const struct imap_seqset *set)
{
	struct buf b;

	if (set->n == 0)
		return;
	buf_init(&b, 0);
	buf_append_str(&b, "* VANISHED (EARLIER) ");
	imap_seqset_format(set, &b);
	buf_append_str(&b, "\r\n");
	imap_write(s, b.data, b.len);
	buf_free(&b);
}

/* ---------------------------------------------------------------- SELECT */

/* Responses are written in pieces of about this size. */
#define QRESYNC_CHUNK (64 * 1024)

static void select_fetches(struct imap_session *s, const struct imap_view *v,
                           const struct imap_qresync *q)
{
	struct buf b;

	buf_init(&b, 0);
	for (uint32_t i = 0; i < v->n; i++) {
		const struct imap_view_msg *m = &v->msgs[i];

		if (m->modseq <= q->modseq ||
		    (q->has_known && !imap_seqset_contains(&q->known, m->uid)))
			continue;
		buf_printf(&b, "* %u FETCH (UID %u FLAGS ", i + 1, m->uid);
		imap_view_flags_list(v, m->flags, m->keywords, &b);
		buf_printf(&b, " MODSEQ (%llu))\r\n", (unsigned long long)m->modseq);
		if (b.len >= QRESYNC_CHUNK) {
			imap_write(s, b.data, b.len);
			buf_reset(&b);
		}
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
}

int imap_qresync_select(struct imap_session *s, const struct imap_view *v,
                        const struct imap_qresync *q)
{
	struct imap_seqset gone;
	int r;

	/* Another UIDVALIDITY: the client's cache is void, nothing to add
	 * (section 3.2.5.1); the UIDVALIDITY response tells it. */
	if (!q->on || q->uidvalidity != v->mb.uidvalidity)
		return 0;
	imap_seqset_init(&gone);
	/* Up to the view's snapshot: later expunges are still in the view and
	 * come as "* VANISHED" from its sync. */
	r = vanished_collect(s, v->mb.id, q->modseq, v->modseq, q->has_known ? &q->known : NULL,
	                     &gone);
	if (r == 0) {
		vanished_write(s, &gone);
		select_fetches(s, v, q);
	}
	imap_seqset_free(&gone);
	return r;
}

/* ---------------------------------------------------------------- UID FETCH */

int imap_qresync_fetch_vanished(struct imap_session *s, struct slice text, uint64_t changedsince)
{
	const struct imap_view *v = s->view;
	struct imap_seqset set, gone;
	const char *error = NULL;
	int r;

	imap_seqset_init(&set);
	imap_seqset_init(&gone);
	r = imap_seqset_parse(&set, text, &error) < 0 ? STORE_E_INVALID : 0;
	if (r == 0 && set.saved) {
		imap_seqset_copy(&set, &v->saved);
	} else if (r == 0) {
		/* "*": the highest UID given so far, so that "n:*" covers the
		 * last messages even once they are all expunged. */
		imap_seqset_resolve(&set, v->uidnext > 1 ? v->uidnext - 1 : 0);
	}
	if (r == 0)
		r = vanished_collect(s, v->mb.id, changedsince, UINT64_MAX, &set, &gone);
	if (r == 0)
		vanished_write(s, &gone);
	imap_seqset_free(&set);
	imap_seqset_free(&gone);
	return r;
}

/* ---------------------------------------------------------------- EXPUNGE */

const char *imap_qresync_ok_code(struct imap_session *s, char *code, size_t len)
{
	struct store_mailbox mb;
	struct store_txn *txn;
	int r;

	if (!(s->enabled & IMAP_EN_QRESYNC) || s->view == NULL)
		return NULL;
	r = store_read_begin(s->srv->store, &txn);
	if (r < 0)
		return NULL;
	r = store_mailbox_get_by_id(txn, s->view->mb.id, &mb);
	store_read_end(&txn);
	if (r != 1)
		return NULL;
	snprintf(code, len, "HIGHESTMODSEQ %llu", (unsigned long long)mb.highestmodseq);
	return code;
}
