/* SPDX-License-Identifier: ISC */
/* Sequence sets of message commands resolved against the view, and UID
 * set formatting for COPYUID (RFC 4315 section 3). */
#include "config.h"

#include "imap_cmd_msgset.h"
#include "imap_seqset.h"
#include "imap_session.h"
#include "imap_view.h"

/* Sequence numbers: every member must exist (RFC 9051 section 9). */
static int msgset_seqs(struct imap_cmd_ctx *ctx, struct imap_seqset *set, uint32_t **idx_r,
                       size_t *n_r)
{
	uint32_t count = imap_view_count(ctx->s->view), n;
	struct imap_seqset_iter it;
	uint32_t *idx;
	size_t k = 0;

	if (set->has_star && count == 0) {
		imap_reply_bad(ctx, NULL, "No messages in the mailbox");
		return -1;
	}
	imap_seqset_resolve(set, count);
	if (imap_seqset_max(set) > count) {
		imap_reply_bad(ctx, NULL, "Invalid message sequence number");
		return -1;
	}
	idx = imap_cmd_alloc(ctx, (imap_seqset_count(set) + 1) * sizeof(*idx));
	imap_seqset_iter_init(&it, set);
	while (imap_seqset_iter_next(&it, &n))
		idx[k++] = n - 1;
	*idx_r = idx;
	*n_r = k;
	return 0;
}

/* UIDs: the view's messages whose UID is in the set. */
static void msgset_uids(struct imap_cmd_ctx *ctx, struct imap_seqset *set, uint32_t **idx_r,
                        size_t *n_r)
{
	const struct imap_view *v = ctx->s->view;
	uint64_t want;
	uint32_t *idx;
	size_t k = 0;

	imap_seqset_resolve(set, v->n > 0 ? v->msgs[v->n - 1].uid : 0);
	want = imap_seqset_count(set);
	idx = imap_cmd_alloc(ctx, ((want < v->n ? want : v->n) + 1) * sizeof(*idx));
	for (uint32_t i = 0; i < v->n && k < want; i++)
		if (imap_seqset_contains(set, v->msgs[i].uid))
			idx[k++] = i;
	*idx_r = idx;
	*n_r = k;
}

/* "$": the messages of the saved SEARCH result (RFC 5182 section 2.1),
 * kept as UIDs by the view; empty when nothing was saved. */
static void msgset_saved(struct imap_cmd_ctx *ctx, uint32_t **idx_r, size_t *n_r)
{
	const struct imap_view *v = ctx->s->view;
	uint32_t *idx = imap_cmd_alloc(ctx, ((size_t)v->n + 1) * sizeof(*idx));
	size_t k = 0;

	for (uint32_t i = 0; i < v->n; i++)
		if (imap_seqset_contains(&v->saved, v->msgs[i].uid))
			idx[k++] = i;
	*idx_r = idx;
	*n_r = k;
}

int imap_cmd_msgset(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, uint32_t **idx_r,
                    size_t *n_r)
{
	struct imap_seqset set;
	const char *error = NULL;
	struct slice text;
	int r = 0;

	if (!imap_arg_get_atom(arg, &text)) {
		imap_reply_bad(ctx, NULL, "Invalid sequence set");
		return -1;
	}
	imap_seqset_init(&set);
	if (imap_seqset_parse(&set, text, &error) < 0) {
		imap_reply_bad(ctx, NULL, error != NULL ? error : "Invalid sequence set");
		r = -1;
	} else if (set.saved) {
		msgset_saved(ctx, idx_r, n_r);
	} else if (ctx->uid) {
		msgset_uids(ctx, &set, idx_r, n_r);
	} else {
		r = msgset_seqs(ctx, &set, idx_r, n_r);
	}
	imap_seqset_free(&set);
	return r;
}

void imap_cmd_uidset_format(const uint32_t *uids, const uint32_t *pair, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1 &&
		       (pair == NULL || pair[j + 1] == pair[j] + 1))
			j++;
		if (i > 0)
			buf_append_u8(out, ',');
		if (j > i)
			buf_printf(out, "%u:%u", uids[i], uids[j]);
		else
			buf_printf(out, "%u", uids[i]);
		i = j + 1;
	}
}
