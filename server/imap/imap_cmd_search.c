/* SPDX-License-Identifier: ISC */
/* SEARCH and UID SEARCH (RFC 9051 section 6.4.4, ESEARCH RFC 4731,
 * SEARCHRES RFC 5182, MODSEQ RFC 7162 section 3.1.5), SORT and THREAD
 * (RFC 5256) over the selected mailbox, in one read transaction each. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_search_store.h"
#include "imap_session.h"
#include "imap_sort.h"
#include "imap_thread.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

#define BADCHARSET "BADCHARSET (UTF-8 US-ASCII)"

/* The messages a program matched, in sequence order; for SORT and THREAD
 * also their sort/thread input (slices borrowed from the transaction). */
struct search_hits {
	const struct imap_view *v;
	uint32_t *seqs, *uids;
	struct imap_sort_msg *msgs; /* SORT, THREAD only */
	size_t n, cap;
	uint64_t max_modseq;
	bool want_msgs;
};

static void hits_free(struct search_hits *h)
{
	free(h->seqs);
	free(h->uids);
	free(h->msgs);
}

static void hits_grow(struct search_hits *h)
{
	if (h->n < h->cap)
		return;
	h->cap = h->cap ? h->cap * 2 : 256;
	h->seqs = xrealloc(h->seqs, h->cap * sizeof(*h->seqs));
	h->uids = xrealloc(h->uids, h->cap * sizeof(*h->uids));
	if (h->want_msgs)
		h->msgs = xrealloc(h->msgs, h->cap * sizeof(*h->msgs));
}

/* The sort/thread view of a hit: header keys from its summary. */
static void hit_sort_msg(struct imap_search_run *run, uint32_t seq, const struct store_msg *m,
                         struct imap_sort_msg *sm)
{
	struct msgsum_view sum;

	memset(sm, 0, sizeof(*sm));
	sm->sent_date = IMAP_SORT_NO_DATE;
	if (imap_search_run_summary(run, &sum) == 0)
		imap_sort_msg_fill(sm, &sum);
	sm->seq = seq;
	sm->uid = m->uid;
	sm->internal_date = m->internal_date;
	sm->size = m->size;
}

static int hit_add(void *arg, struct imap_search_run *run, uint32_t seq, const struct store_msg *m)
{
	struct search_hits *h = arg;
	uint64_t modseq = h->v->msgs[seq - 1].modseq;

	hits_grow(h);
	h->seqs[h->n] = seq;
	h->uids[h->n] = m->uid;
	if (h->want_msgs)
		hit_sort_msg(run, seq, m, &h->msgs[h->n]);
	h->n++;
	if (modseq > h->max_modseq)
		h->max_modseq = modseq;
	return 0;
}

/* Parses the search program at args; on failure the tagged reply is
 * written (BAD, or NO [BADCHARSET], RFC 9051 section 6.4.4) and -1. */
static int search_parse(struct imap_cmd_ctx *ctx, const struct imap_arg *args, unsigned flags,
                        struct imap_search **prog_r)
{
	const char *error = NULL;
	int r = imap_search_parse(args, flags, prog_r, &error);

	if (r == -2) {
		imap_reply_no(ctx, BADCHARSET, "Unsupported charset");
		return -1;
	}
	if (r < 0) {
		imap_reply_bad(ctx, NULL, error != NULL ? error : "Invalid search criteria");
		return -1;
	}
	/* RFC 7162 section 3.1: a MODSEQ search key enables CONDSTORE. */
	if ((*prog_r)->uses_modseq)
		ctx->s->enabled |= IMAP_EN_CONDSTORE;
	return 0;
}

/* Runs prog over the selected mailbox into h. 0, or -1 after a NO reply. */
static int search_exec(struct imap_cmd_ctx *ctx, struct imap_search *prog, struct search_hits *h,
                       struct store_txn **txn_r)
{
	struct imap_session *s = ctx->s;
	int r = store_read_begin(s->srv->store, txn_r);

	h->v = s->view;
	if (r == 0)
		r = imap_search_store_run(*txn_r, s->view, prog, &s->view->saved, hit_add, h);
	if (r < 0) {
		log_warn("%s imap search failed: %s", imap_session_id(s), store_strerror(r));
		if (*txn_r != NULL)
			store_read_end(txn_r);
		imap_reply_no(ctx, "SERVERBUG", "Search failed");
		return -1;
	}
	return 0;
}

/* Appends a sorted list of numbers as a sequence set ("1:3,7"). */
static void numbers_format(const uint32_t *v, size_t n, struct buf *out)
{
	struct imap_seqset set;

	imap_seqset_init(&set);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		imap_seqset_add(&set, v[i], v[j]);
		i = j + 1;
	}
	imap_seqset_normalise(&set);
	imap_seqset_format(&set, out);
	imap_seqset_free(&set);
}

/* RFC 5182 section 2.1: SAVE alone or with ALL/COUNT saves every match;
 * with only MIN and/or MAX, just those. UIDs are saved. */
static void search_save(struct imap_view *v, const struct imap_search *prog,
                        const struct search_hits *h)
{
	unsigned other = prog->ret & (IMAP_SEARCH_RET_ALL | IMAP_SEARCH_RET_COUNT);
	unsigned mm = prog->ret & (IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_MAX);

	imap_seqset_clear(&v->saved);
	if (h->n > 0 && other == 0 && mm != 0) {
		if (mm & IMAP_SEARCH_RET_MIN)
			imap_seqset_add(&v->saved, h->uids[0], h->uids[0]);
		if (mm & IMAP_SEARCH_RET_MAX)
			imap_seqset_add(&v->saved, h->uids[h->n - 1], h->uids[h->n - 1]);
	} else {
		for (size_t i = 0; i < h->n; i++)
			imap_seqset_add(&v->saved, h->uids[i], h->uids[i]);
	}
	imap_seqset_normalise(&v->saved);
}

/* "* SEARCH 2 5 (MODSEQ 9)" (RFC 9051 section 7.3.4, RFC 7162 3.1.5). */
static void search_reply_plain(struct imap_cmd_ctx *ctx, const struct imap_search *prog,
                               const struct search_hits *h, struct buf *b)
{
	const uint32_t *v = ctx->uid ? h->uids : h->seqs;

	buf_append_str(b, "* SEARCH");
	for (size_t i = 0; i < h->n; i++)
		buf_printf(b, " %u", v[i]);
	if (prog->uses_modseq && h->n > 0)
		buf_printf(b, " (MODSEQ %llu)", (unsigned long long)h->max_modseq);
	buf_append_str(b, "\r\n");
}

/* "* ESEARCH (TAG "a1") UID MIN 2 MAX 9 COUNT 4 ALL 2:4,9" (RFC 4731
 * section 3.1); nothing is returned for an empty result but COUNT 0. */
static void search_reply_esearch(struct imap_cmd_ctx *ctx, const struct imap_search *prog,
                                 const struct search_hits *h, struct buf *b)
{
	const uint32_t *v = ctx->uid ? h->uids : h->seqs;

	buf_printf(b, "* ESEARCH (TAG \"%.*s\")", (int)ctx->tag.len, (const char *)ctx->tag.p);
	if (ctx->uid)
		buf_append_str(b, " UID");
	if ((prog->ret & IMAP_SEARCH_RET_MIN) && h->n > 0)
		buf_printf(b, " MIN %u", v[0]);
	if ((prog->ret & IMAP_SEARCH_RET_MAX) && h->n > 0)
		buf_printf(b, " MAX %u", v[h->n - 1]);
	if (prog->ret & IMAP_SEARCH_RET_COUNT)
		buf_printf(b, " COUNT %zu", h->n);
	if ((prog->ret & IMAP_SEARCH_RET_ALL) && h->n > 0) {
		buf_append_str(b, " ALL ");
		numbers_format(v, h->n, b);
	}
	if (prog->uses_modseq && h->n > 0)
		buf_printf(b, " MODSEQ %llu", (unsigned long long)h->max_modseq);
	buf_append_str(b, "\r\n");
}

imap_cmd_fn imap_cmd_search;
enum imap_cmd_result imap_cmd_search(struct imap_cmd_ctx *ctx)
{
	struct imap_view *v = ctx->s->view;
	struct imap_search *prog = NULL;
	struct search_hits h = {0};
	struct store_txn *txn = NULL;
	struct buf b;

	/* RFC 6855 section 3: no CHARSET once UTF8=ACCEPT is enabled. */
	unsigned flags = (ctx->s->enabled & IMAP_EN_UTF8) ? IMAP_SEARCH_PARSE_NO_CHARSET : 0;

	if (search_parse(ctx, ctx->args, flags, &prog) < 0 ||
	    search_exec(ctx, prog, &h, &txn) < 0) {
		/* RFC 5182 section 2.1: a SEARCH with SAVE that fails (NO or BAD)
		 * leaves "$" empty. */
		if (imap_search_asks_save(ctx->args))
			imap_seqset_clear(&v->saved);
		imap_search_free(&prog);
		hits_free(&h);
		return IMAP_CMD_DONE;
	}
	store_read_end(&txn);
	/* RFC 9051 section 6.4.4: an IMAP4rev2 client gets ESEARCH, "RETURN
	 * (ALL)" when no RETURN was given (RFC 3501 "* SEARCH" otherwise). */
	if ((ctx->s->enabled & IMAP_EN_REV2) && !prog->esearch) {
		prog->esearch = true;
		prog->ret = IMAP_SEARCH_RET_ALL;
	}
	if (prog->ret & IMAP_SEARCH_RET_SAVE)
		search_save(v, prog, &h);
	buf_init(&b, 0);
	if (!prog->esearch)
		search_reply_plain(ctx, prog, &h, &b);
	else if (prog->ret & ~(unsigned)IMAP_SEARCH_RET_SAVE)
		search_reply_esearch(ctx, prog, &h, &b);
	imap_write(ctx->s, b.data, b.len);
	buf_free(&b);
	imap_reply_ok(ctx, NULL, ctx->uid ? "UID SEARCH completed" : "SEARCH completed");
	imap_search_free(&prog);
	hits_free(&h);
	return IMAP_CMD_DONE;
}

/* ---------------------------------------------------------------- SORT, THREAD */

/* The program of SORT and THREAD after their first argument (RFC 5256
 * section 3: charset first, then the search keys), run into h with the
 * sort input filled; the transaction stays open for the borrowed slices. */
static int sort_search(struct imap_cmd_ctx *ctx, struct search_hits *h, struct store_txn **txn_r,
                       struct imap_search **prog_r)
{
	if (search_parse(ctx, ctx->args + 1, IMAP_SEARCH_PARSE_CHARSET_FIRST, prog_r) < 0)
		return -1;
	h->want_msgs = true;
	if (search_exec(ctx, *prog_r, h, txn_r) < 0) {
		imap_search_free(prog_r);
		return -1;
	}
	return 0;
}

static void sort_reply(struct imap_cmd_ctx *ctx, const struct imap_sort_program *sp,
                       const struct imap_search *prog, const struct search_hits *h)
{
	uint32_t *order = xmalloc((h->n + 1) * sizeof(*order));
	struct buf b;

	imap_sort_run(sp, h->msgs, h->n, order);
	buf_init(&b, 0);
	buf_append_str(&b, "* SORT");
	imap_sort_render(h->msgs, order, h->n, ctx->uid, &b);
	/* RFC 7162 section 3.1.5: SORT with MODSEQ reports the highest. */
	if (prog->uses_modseq && h->n > 0)
		buf_printf(&b, " (MODSEQ %llu)", (unsigned long long)h->max_modseq);
	buf_append_str(&b, "\r\n");
	imap_write(ctx->s, b.data, b.len);
	buf_free(&b);
	free(order);
}

imap_cmd_fn imap_cmd_sort;
enum imap_cmd_result imap_cmd_sort(struct imap_cmd_ctx *ctx)
{
	struct imap_sort_program sp;
	struct imap_search *prog = NULL;
	struct search_hits h = {0};
	struct store_txn *txn = NULL;
	const char *error = NULL;

	if (imap_sort_parse(&ctx->args[0], &sp, &error) < 0) {
		imap_reply_bad(ctx, NULL, error != NULL ? error : "Invalid sort criteria");
		return IMAP_CMD_DONE;
	}
	if (sort_search(ctx, &h, &txn, &prog) < 0) {
		hits_free(&h);
		return IMAP_CMD_DONE;
	}
	sort_reply(ctx, &sp, prog, &h);
	store_read_end(&txn);
	imap_reply_ok(ctx, NULL, ctx->uid ? "UID SORT completed" : "SORT completed");
	imap_search_free(&prog);
	hits_free(&h);
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_thread;
enum imap_cmd_result imap_cmd_thread(struct imap_cmd_ctx *ctx)
{
	enum imap_thread_algo algo;
	struct imap_search *prog = NULL;
	struct search_hits h = {0};
	struct store_txn *txn = NULL;
	const char *error = NULL;
	struct buf b;

	if (imap_thread_parse(&ctx->args[0], &algo, &error) < 0) {
		imap_reply_bad(ctx, NULL, error != NULL ? error : "Invalid thread algorithm");
		return IMAP_CMD_DONE;
	}
	if (sort_search(ctx, &h, &txn, &prog) < 0) {
		hits_free(&h);
		return IMAP_CMD_DONE;
	}
	/* RFC 5256 section 5: "* THREAD" then the thread lists, if any. */
	buf_init(&b, 0);
	buf_append_str(&b, "* THREAD ");
	imap_thread_run(algo, h.msgs, h.n, ctx->uid, &b);
	if (b.len == 9)
		b.len = 8;
	buf_append_str(&b, "\r\n");
	store_read_end(&txn);
	imap_write(ctx->s, b.data, b.len);
	buf_free(&b);
	imap_reply_ok(ctx, NULL, ctx->uid ? "UID THREAD completed" : "THREAD completed");
	imap_search_free(&prog);
	hits_free(&h);
	return IMAP_CMD_DONE;
}
