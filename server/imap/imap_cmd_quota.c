/* SPDX-License-Identifier: ISC */
/* QUOTA (RFC 9208): one quota root, "", per BAL, covering all its
 * mailboxes, with the STORAGE (KiB) and MESSAGE resources; GETQUOTA,
 * GETQUOTAROOT; SETQUOTA is refused (quotas are set with balisectl). */
#include "config.h"

#include <string.h>

#include "imap_cmd_mailbox.h"
#include "imap_session.h"
#include "log.h"
#include "util.h"

/* '* QUOTA "" (STORAGE used limit MESSAGE used limit)' (RFC 9208 section
 * 5.1); a resource without a limit (0 in the BAL) is left out. */
static int quota_write(const struct imap_session *s, struct store_txn *txn, struct buf *out)
{
	struct store_bal bal;
	struct store_quota q;
	bool first = true;
	int r = store_bal_get(txn, s->bal_id, &bal);

	if (r != 1)
		return r == 0 ? STORE_E_NOTFOUND : r;
	r = store_quota_get(txn, s->bal_id, &q);
	if (r < 0)
		return r;
	buf_append_str(out, "* QUOTA \"\" (");
	if (bal.quota_bytes > 0) {
		buf_printf(out, "STORAGE %llu %llu", (unsigned long long)((q.bytes + 1023) / 1024),
		           (unsigned long long)(bal.quota_bytes / 1024));
		first = false;
	}
	if (bal.quota_messages > 0)
		buf_printf(out, "%sMESSAGE %llu %llu", first ? "" : " ",
		           (unsigned long long)q.messages, (unsigned long long)bal.quota_messages);
	buf_append_str(out, ")\r\n");
	return 0;
}

/* Runs quota_write (after "* QUOTAROOT" when mailbox is set) and replies. */
static enum imap_cmd_result quota_reply(struct imap_cmd_ctx *ctx, const char *mailbox)
{
	struct imap_session *s = ctx->s;
	struct store_mailbox mb;
	struct store_txn *txn = NULL;
	struct buf out;
	int r = store_read_begin(s->srv->store, &txn);

	buf_init(&out, 0);
	if (r == 0 && mailbox != NULL) {
		r = store_mailbox_get(txn, s->bal_id, mailbox, &mb);
		r = r == 1 ? 0 : r == 0 ? STORE_E_NOTFOUND : r;
		if (r == 0) {
			buf_append_str(&out, "* QUOTAROOT ");
			imap_cmd_mailbox_put(s, &out, mb.name);
			buf_append_str(&out, " \"\"\r\n");
		}
	}
	if (r == 0)
		r = quota_write(s, txn, &out);
	if (txn != NULL)
		store_read_end(&txn);
	if (r == 0) {
		imap_write(s, out.data, out.len);
		imap_reply_ok(ctx, NULL, mailbox ? "GETQUOTAROOT completed" : "GETQUOTA completed");
	} else if (r == STORE_E_NOTFOUND) {
		imap_reply_no(ctx, "NONEXISTENT", "No such mailbox");
	} else {
		log_warn("%s imap quota failed: %s", imap_session_id(s), store_strerror(r));
		imap_reply_no(ctx, "SERVERBUG", "Cannot read the quota");
	}
	buf_free(&out);
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_getquota;
enum imap_cmd_result imap_cmd_getquota(struct imap_cmd_ctx *ctx)
{
	struct slice root;

	if (!imap_arg_get_astring(&ctx->args[0], &root)) {
		imap_reply_bad(ctx, NULL, "Invalid quota root");
		return IMAP_CMD_DONE;
	}
	if (root.len != 0) {
		imap_reply_no(ctx, "NONEXISTENT", "No such quota root (the only one is \"\")");
		return IMAP_CMD_DONE;
	}
	return quota_reply(ctx, NULL);
}

imap_cmd_fn imap_cmd_getquotaroot;
enum imap_cmd_result imap_cmd_getquotaroot(struct imap_cmd_ctx *ctx)
{
	char name[STORE_MBOX_NAME_MAX + 1];

	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], name) < 0)
		return IMAP_CMD_DONE;
	return quota_reply(ctx, name);
}

/* RFC 9208 section 4.5: SETQUOTA is for administrators; QUOTASET is not
 * announced, so a client should not send it. */
imap_cmd_fn imap_cmd_setquota;
enum imap_cmd_result imap_cmd_setquota(struct imap_cmd_ctx *ctx)
{
	const struct imap_arg *l;
	unsigned n;

	if (ctx->args[0].type == IMAP_ARG_LIST || !imap_arg_get_list(&ctx->args[1], &l, &n)) {
		imap_reply_bad(ctx, NULL, "Invalid SETQUOTA arguments");
		return IMAP_CMD_DONE;
	}
	imap_reply_no(ctx, "NOPERM", "Quotas are set by the administrator");
	return IMAP_CMD_DONE;
}
