/* SPDX-License-Identifier: ISC */
/* COPY and MOVE (RFC 9051 section 6.4.7, 6.4.8; RFC 6851) with COPYUID
 * (RFC 4315 section 3), and EXPUNGE and UID EXPUNGE (RFC 9051 section
 * 6.4.3, RFC 4315 section 2.1): one store write per command. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_cmd_mailbox.h"
#include "imap_cmd_msgset.h"
#include "imap_qresync.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "quota_alert.h"
#include "util.h"

struct copy_job {
	uint64_t bal_id, src_id; /* bal_id: the destination's BAL */
	bool cross;               /* the destination is in another BAL */
	char dst[STORE_MBOX_NAME_MAX + 1];
	bool move;
	uint32_t *uids; /* asked, ascending */
	size_t n;
	/* written by the apply */
	uint32_t *src_done, *dst_uids;
	size_t n_done;
	uint32_t uidvalidity;
	bool overquota; /* COPY refused by the quota, its 100 % alert kept */
};

/* The UIDs of the view indices, pending expunges left out. */
static uint32_t *msgset_uids(struct imap_cmd_ctx *ctx, const uint32_t *idx, size_t n, size_t *n_r)
{
	const struct imap_view *v = ctx->s->view;
	uint32_t *uids = imap_cmd_alloc(ctx, (n + 1) * sizeof(*uids));

	*n_r = 0;
	for (size_t i = 0; i < n; i++)
		if (!v->msgs[idx[i]].expunged)
			uids[(*n_r)++] = v->msgs[idx[i]].uid;
	return uids;
}

/* ---------------------------------------------------------------- COPY, MOVE */

/* EX_GBM_4470: a COPY must fit as a whole, else nothing is copied but the
 * refusal's 100 % alert is kept. A MOVE within the BAL leaves its usage
 * unchanged; into another (delegated) BAL it is checked like a COPY. */
static int copy_admit(struct store_txn *txn, struct copy_job *j)
{
	uint64_t bytes = 0, count = 0;
	unsigned alert;
	int r = 0;

	j->overquota = false;
	for (size_t i = 0; i < j->n && (!j->move || j->cross); i++) {
		struct store_msg m;
		int found = store_msg_get(txn, j->src_id, j->uids[i], &m);

		if (found < 0)
			return found;
		bytes += found == 1 ? m.size : 0;
		count += found == 1;
	}
	if (count > 0)
		r = store_quota_admit(txn, j->bal_id, bytes, count, quota_alerter(), &alert);
	j->overquota = r == STORE_E_QUOTA;
	return j->overquota ? 0 : r;
}

/* Writer thread: copies (and for MOVE expunges) what still exists. */
static int copy_apply(struct store_txn *txn, void *arg)
{
	struct copy_job *j = arg;
	struct store_mailbox mb;
	unsigned alert;
	int r = store_mailbox_get(txn, j->bal_id, j->dst, &mb);

	j->n_done = 0;
	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	r = copy_admit(txn, j);
	if (r != 0 || j->overquota)
		return r;
	j->uidvalidity = mb.uidvalidity;
	for (size_t i = 0; i < j->n; i++) {
		struct store_msg m;

		r = store_msg_get(txn, j->src_id, j->uids[i], &m);
		if (r < 0)
			return r;
		if (r == 0)
			continue; /* expunged meanwhile */
		if (j->move) /* usage unchanged within the BAL: not checked */
			r = store_msg_move(txn, j->src_id, j->uids[i], mb.id, STORE_APPEND_QUOTA, &m);
		else
			r = store_msg_copy(txn, j->src_id, j->uids[i], mb.id, STORE_APPEND_QUOTA, &m);
		if (r < 0)
			return r;
		j->src_done[j->n_done] = j->uids[i];
		j->dst_uids[j->n_done++] = m.uid;
	}
	return store_quota_alert(txn, j->bal_id, quota_alerter(), &alert);
}

/* "COPYUID uidvalidity src-set dst-set" (RFC 4315 section 3). */
static void copy_code(const struct copy_job *j, struct buf *out)
{
	buf_printf(out, "COPYUID %u ", j->uidvalidity);
	imap_cmd_uidset_format(j->src_done, j->dst_uids, j->n_done, out);
	buf_append_u8(out, ' ');
	imap_cmd_uidset_format(j->dst_uids, j->src_done, j->n_done, out);
}

static void copy_failed(struct imap_cmd_ctx *ctx, int result)
{
	if (result == STORE_E_NOTFOUND) {
		imap_reply_no(ctx, "TRYCREATE", "No such mailbox"); /* RFC 9051 section 6.4.7 */
	} else if (result == STORE_E_QUOTA) {
		imap_reply_no(ctx, "OVERQUOTA", "Quota exceeded"); /* RFC 9208 section 4.3 */
	} else if (result == STORE_E_FULL || result == STORE_E_LIMIT) {
		imap_reply_no(ctx, "LIMIT", store_strerror(result));
	} else {
		log_warn("%s imap copy failed: %s", imap_session_id(ctx->s),
		         store_strerror(result));
		imap_reply_no(ctx, "SERVERBUG", "Cannot copy the messages");
	}
}

static void copy_done(struct imap_cmd_ctx *ctx, int result)
{
	struct copy_job *j = ctx->data;
	const char *what = j->move ? "MOVE completed" : "COPY completed";
	struct buf code;

	if (result == 0 && j->overquota)
		result = STORE_E_QUOTA;
	if (result < 0) {
		copy_failed(ctx, result);
		imap_cmd_done(ctx);
		return;
	}
	buf_init(&code, 0);
	if (j->n_done > 0)
		copy_code(j, &code);
	buf_append_u8(&code, 0);
	if (j->move && j->n_done > 0) {
		/* RFC 6851 section 4.3: COPYUID in an untagged OK, then the
		 * EXPUNGEs (sent by the sync before the tagged OK). */
		imap_write(ctx->s, "* OK [", 6);
		imap_write(ctx->s, code.data, code.len - 1);
		imap_write(ctx->s, "] Moved\r\n", 9);
		imap_reply_ok(ctx, NULL, what);
	} else {
		imap_reply_ok(ctx, j->n_done > 0 ? (char *)code.data : NULL, what);
	}
	buf_free(&code);
	imap_cmd_done(ctx);
}

static enum imap_cmd_result copy_or_move(struct imap_cmd_ctx *ctx, bool move)
{
	struct imap_session *s = ctx->s;
	struct copy_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	uint32_t *idx;
	size_t n;

	if (imap_cmd_msgset(ctx, &ctx->args[0], &idx, &n) < 0)
		return IMAP_CMD_DONE;
	/* The destination is a mailbox name on the wire: mUTF-7 unless UTF-8
	 * was enabled (RFC 3501 section 5.1.3), decoded like every other. */
	if (imap_cmd_mailbox_arg(ctx, &ctx->args[1], j->dst) < 0 ||
	    imap_acl_resolve(ctx, j->dst, &j->bal_id) < 0 ||
	    !imap_acl_require(ctx, j->bal_id, j->dst, RIGHT_INSERT, NULL))
		return IMAP_CMD_DONE;
	if (move && s->view->read_only) {
		imap_reply_no(ctx, NULL, "Mailbox is read-only");
		return IMAP_CMD_DONE;
	}
	j->move = move;
	j->cross = j->bal_id != s->view->mb.bal_id; /* into a delegated BAL */
	j->src_id = s->view->mb.id;
	j->uids = msgset_uids(ctx, idx, n, &j->n);
	j->src_done = imap_cmd_alloc(ctx, (j->n + 1) * sizeof(*j->src_done));
	j->dst_uids = imap_cmd_alloc(ctx, (j->n + 1) * sizeof(*j->dst_uids));
	ctx->data = j;
	imap_cmd_store_write(ctx, copy_apply, j, copy_done);
	return IMAP_CMD_WAIT;
}

imap_cmd_fn imap_cmd_copy;
enum imap_cmd_result imap_cmd_copy(struct imap_cmd_ctx *ctx)
{
	return copy_or_move(ctx, false);
}

/* Not IMAP_CMDF_USES_SEQS in the table: MOVE must send its EXPUNGEs. */
imap_cmd_fn imap_cmd_move;
enum imap_cmd_result imap_cmd_move(struct imap_cmd_ctx *ctx)
{
	return copy_or_move(ctx, true);
}

/* ---------------------------------------------------------------- EXPUNGE */

struct expunge_job {
	uint64_t mailbox_id;
	const uint32_t *uids; /* UID EXPUNGE: only these; NULL: every \Deleted */
	size_t n;
	uint32_t *todo;
	size_t n_todo, cap_todo;
};

static int expunge_collect(void *arg, const struct store_msg *m)
{
	struct expunge_job *j = arg;

	if (!(m->flags & MSG_DELETED))
		return 0;
	if (j->n_todo == j->cap_todo) {
		j->cap_todo = j->cap_todo ? j->cap_todo * 2 : 64;
		j->todo = xrealloc(j->todo, j->cap_todo * sizeof(*j->todo));
	}
	j->todo[j->n_todo++] = m->uid;
	return 0;
}

/* Writer thread: what is \Deleted now (rebuilt on replay). */
static int expunge_apply(struct store_txn *txn, void *arg)
{
	struct expunge_job *j = arg;
	int r = 0;

	j->n_todo = 0;
	if (j->uids == NULL) {
		r = store_msg_each(txn, j->mailbox_id, 1, expunge_collect, j);
	} else {
		for (size_t i = 0; r == 0 && i < j->n; i++) {
			struct store_msg m;

			r = store_msg_get(txn, j->mailbox_id, j->uids[i], &m);
			if (r == 1)
				r = expunge_collect(j, &m);
		}
	}
	for (size_t i = 0; r == 0 && i < j->n_todo; i++)
		r = store_msg_expunge(txn, j->mailbox_id, j->todo[i]);
	return r;
}

static void expunge_done(struct imap_cmd_ctx *ctx, int result)
{
	struct expunge_job *j = ctx->data;

	free(j->todo);
	if (result < 0) {
		log_warn("%s imap expunge failed: %s", imap_session_id(ctx->s),
		         store_strerror(result));
		imap_reply_no(ctx, "SERVERBUG", "Cannot expunge");
	} else {
		/* The sync before the tagged reply sends "* n EXPUNGE" (or
		 * VANISHED); with QRESYNC the OK carries HIGHESTMODSEQ. */
		char code[48];

		imap_reply_ok(ctx, imap_qresync_ok_code(ctx->s, code, sizeof(code)),
		              ctx->uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
	}
	imap_cmd_done(ctx);
}

/* EXPUNGE takes no argument; UID EXPUNGE one UID set. */
imap_cmd_fn imap_cmd_expunge;
enum imap_cmd_result imap_cmd_expunge(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	struct expunge_job *j = imap_cmd_alloc(ctx, sizeof(*j));

	if (ctx->argc != (ctx->uid ? 1u : 0u)) {
		imap_reply_bad(ctx, NULL, "Wrong number of arguments");
		return IMAP_CMD_DONE;
	}
	if (ctx->uid) {
		uint32_t *idx;
		size_t n;

		if (imap_cmd_msgset(ctx, &ctx->args[0], &idx, &n) < 0)
			return IMAP_CMD_DONE;
		j->uids = msgset_uids(ctx, idx, n, &j->n);
	}
	if (s->view->read_only) {
		imap_reply_no(ctx, NULL, "Mailbox is read-only");
		return IMAP_CMD_DONE;
	}
	j->mailbox_id = s->view->mb.id;
	ctx->data = j;
	imap_cmd_store_write(ctx, expunge_apply, j, expunge_done);
	return IMAP_CMD_WAIT;
}
