/* SPDX-License-Identifier: ISC */
/* Selecting and leaving a mailbox, and waiting on it: SELECT, EXAMINE
 * (RFC 9051 section 6.3.2, 6.3.3), CLOSE, UNSELECT (RFC 3691), CHECK
 * (RFC 3501 section 6.4.1) and IDLE (RFC 2177). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_acl.h"
#include "imap_cmd_mailbox.h"
#include "imap_qresync.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

#define SYSTEM_FLAGS "\\Answered \\Flagged \\Deleted \\Seen \\Draft"

/* Keyword names of the mailbox, each preceded by a space. */
static void keywords_list(const struct imap_view *v, struct buf *out)
{
	for (unsigned i = 0; i < STORE_KEYWORDS_MAX; i++)
		if (v->keywords[i] != NULL)
			buf_printf(out, " %s", v->keywords[i]);
}

/* The untagged responses of a successful SELECT/EXAMINE. */
static void select_responses(struct imap_session *s, const struct imap_view *v)
{
	uint32_t unseen = 0;
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, "* FLAGS (" SYSTEM_FLAGS);
	keywords_list(v, &b);
	buf_append_str(&b, ")\r\n* OK [PERMANENTFLAGS (");
	if (!v->read_only) {
		buf_append_str(&b, SYSTEM_FLAGS);
		keywords_list(v, &b);
		buf_append_str(&b, " \\*");
	}
	buf_printf(&b, ")] Flags permitted\r\n* %u EXISTS\r\n", imap_view_count(v));
	if (!(s->enabled & IMAP_EN_REV2)) {
		/* RFC 3501 only: RECENT (we keep no \Recent) and the first unseen. */
		buf_append_str(&b, "* 0 RECENT\r\n");
		for (uint32_t i = 0; i < v->n && unseen == 0; i++)
			if (!(v->msgs[i].flags & MSG_SEEN))
				unseen = i + 1;
		if (unseen > 0)
			buf_printf(&b, "* OK [UNSEEN %u] First unseen\r\n", unseen);
	} else {
		/* RFC 9051 section 6.3.2: LIST gives the name's canonical form. */
		buf_append_str(&b, "* LIST () \"/\" ");
		imap_acl_mailbox_put(s, NULL, &b, v->mb.bal_id, v->mb.name);
		buf_append_str(&b, "\r\n");
	}
	buf_printf(&b, "* OK [UIDVALIDITY %u] UIDs valid\r\n", v->mb.uidvalidity);
	buf_printf(&b, "* OK [UIDNEXT %u] Predicted next UID\r\n", v->uidnext);
	/* RFC 7162 section 3.1.2.1 */
	buf_printf(&b, "* OK [HIGHESTMODSEQ %llu] Highest\r\n", (unsigned long long)v->modseq);
	imap_write(s, b.data, b.len);
	buf_free(&b);
}

/* SELECT's optional parameter list: CONDSTORE (RFC 7162 section 3.1.8)
 * and QRESYNC (...) (section 3.2.5). 0, or -1 after a BAD reply. */
static int select_params(struct imap_cmd_ctx *ctx, struct imap_qresync *q)
{
	const struct imap_arg *list;
	unsigned n;

	if (ctx->argc < 2)
		return 0;
	if (!imap_arg_get_list(&ctx->args[1], &list, &n)) {
		imap_reply_bad(ctx, NULL, "Invalid SELECT parameters");
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (imap_arg_atom_equals(&list[i], "QRESYNC") && i + 1 < n) {
			if (imap_qresync_parse(ctx, &list[++i], q) < 0)
				return -1;
			continue;
		}
		if (!imap_arg_atom_equals(&list[i], "CONDSTORE") ||
		    !imap_capability_has(ctx->s, "CONDSTORE")) {
			imap_reply_bad(ctx, NULL, "Unsupported SELECT parameter");
			return -1;
		}
		ctx->s->enabled |= IMAP_EN_CONDSTORE;
	}
	return 0;
}

static enum imap_cmd_result do_select(struct imap_cmd_ctx *ctx, bool read_only)
{
	struct imap_session *s = ctx->s;
	struct imap_view *v = NULL;
	char name[STORE_MBOX_NAME_MAX + 1];
	struct imap_qresync q;
	unsigned rights;
	uint64_t bal_id;
	int r;

	/* Modified UTF-7 decoded unless UTF-8 is enabled (imap_cmd_mailbox.h). */
	if (imap_cmd_mailbox_arg(ctx, &ctx->args[0], name) < 0)
		return IMAP_CMD_DONE;
	imap_qresync_init(&q);
	if (select_params(ctx, &q) < 0) {
		imap_qresync_free(&q);
		return IMAP_CMD_DONE;
	}
	/* RFC 9051 section 6.3.2: a failed SELECT leaves no mailbox selected.
	 * The CLOSED code goes to every client (RFC 9051 section 7.1, RFC
	 * 7162 section 3.2.11): unknown codes are ignored by older ones. */
	if (s->view != NULL) {
		imap_session_set_state(s, IMAP_ST_AUTH);
		imap_untagged(s, "OK [CLOSED] Previous mailbox closed");
	}
	if (imap_acl_resolve(ctx, name, &bal_id) < 0 ||
	    !imap_acl_require(ctx, bal_id, name, RIGHT_READ, &rights)) {
		imap_qresync_free(&q);
		return IMAP_CMD_DONE;
	}
	if (!imap_acl_select_rw(rights)) /* RFC 4314 section 4 */
		read_only = true;
	r = imap_view_open(s->srv->store, bal_id, name, read_only, &v);
	if (r <= 0) {
		if (r < 0)
			log_warn("%s imap select failed: %s", imap_session_id(s),
			         store_strerror(r));
		imap_qresync_free(&q);
		imap_reply_no(ctx, r == 0 ? "NONEXISTENT" : "SERVERBUG",
		              r == 0 ? "No such mailbox" : "Cannot open the mailbox");
		return IMAP_CMD_DONE;
	}
	select_responses(s, v);
	r = imap_qresync_select(s, v, &q);
	imap_qresync_free(&q);
	if (r < 0) { /* half a resync would leave the client's cache wrong */
		log_warn("%s imap qresync failed: %s", imap_session_id(s), store_strerror(r));
		imap_view_free(&v);
		imap_reply_no(ctx, "SERVERBUG", "Cannot resynchronise the mailbox");
		return IMAP_CMD_DONE;
	}
	s->view = v;
	imap_session_set_state(s, IMAP_ST_SELECTED);
	imap_reply_ok(ctx, read_only ? "READ-ONLY" : "READ-WRITE",
	              read_only ? "EXAMINE completed" : "SELECT completed");
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_select;
enum imap_cmd_result imap_cmd_select(struct imap_cmd_ctx *ctx)
{
	return do_select(ctx, false);
}

imap_cmd_fn imap_cmd_examine;
enum imap_cmd_result imap_cmd_examine(struct imap_cmd_ctx *ctx)
{
	return do_select(ctx, true);
}

imap_cmd_fn imap_cmd_unselect;
enum imap_cmd_result imap_cmd_unselect(struct imap_cmd_ctx *ctx)
{
	imap_session_set_state(ctx->s, IMAP_ST_AUTH);
	imap_reply_ok(ctx, NULL, "UNSELECT completed");
	return IMAP_CMD_DONE;
}

imap_cmd_fn imap_cmd_check;
enum imap_cmd_result imap_cmd_check(struct imap_cmd_ctx *ctx)
{
	/* Every commit is durable already: CHECK is a NOOP (RFC 3501 6.4.1). */
	imap_reply_ok(ctx, NULL, "CHECK completed");
	return IMAP_CMD_DONE;
}

/* ---------------------------------------------------------------- CLOSE */

struct close_job {
	uint64_t mailbox_id;
	const uint32_t *view_uids; /* the session's messages, ascending */
	size_t n_view;
	uint32_t *uids; /* to expunge */
	size_t n, cap;
};

static bool close_in_view(const struct close_job *j, uint32_t uid)
{
	size_t lo = 0, hi = j->n_view;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->view_uids[mid] == uid)
			return true;
		if (j->view_uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A message of the view that is \Deleted in the store now: flags set by
 * other sessions since the view's last sync count, messages the session
 * has not seen yet do not (like Dovecot). */
static int close_collect(void *arg, const struct store_msg *m)
{
	struct close_job *j = arg;

	if (!(m->flags & MSG_DELETED) || !close_in_view(j, m->uid))
		return 0;
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->uids = xrealloc(j->uids, j->cap * sizeof(*j->uids));
	}
	j->uids[j->n++] = m->uid;
	return 0;
}

/* Writer thread: expunges what is \Deleted now among the view's messages
 * (the apply may be replayed, so the list is rebuilt each time). */
static int close_apply(struct store_txn *txn, void *arg)
{
	struct close_job *j = arg;
	int r;

	j->n = 0;
	r = store_msg_each(txn, j->mailbox_id, 1, close_collect, j);
	for (size_t i = 0; r == 0 && i < j->n; i++)
		r = store_msg_expunge(txn, j->mailbox_id, j->uids[i]);
	return r;
}

static void close_done(struct imap_cmd_ctx *ctx, int result)
{
	struct close_job *j = ctx->data;

	free(j->uids);
	if (result < 0)
		log_warn("%s imap close expunge failed: %s", imap_session_id(ctx->s),
		         store_strerror(result));
	/* RFC 9051 section 6.4.1: no untagged EXPUNGE for CLOSE. */
	imap_session_set_state(ctx->s, IMAP_ST_AUTH);
	imap_reply_ok(ctx, NULL, "CLOSE completed");
	imap_cmd_done(ctx);
}

/* Read first: a CLOSE with nothing to expunge needs no write. 1 when a
 * message of the view is \Deleted in the store, 0 not, or a store_err. */
static int close_any_deleted(struct store *st, struct close_job *j)
{
	struct store_txn *txn;
	int r = store_read_begin(st, &txn);

	if (r < 0)
		return r;
	j->n = 0;
	r = store_msg_each(txn, j->mailbox_id, 1, close_collect, j);
	store_read_end(&txn);
	free(j->uids);
	j->uids = NULL;
	j->cap = 0;
	return r < 0 ? r : j->n > 0;
}

imap_cmd_fn imap_cmd_close;
enum imap_cmd_result imap_cmd_close(struct imap_cmd_ctx *ctx)
{
	struct imap_view *v = ctx->s->view;
	struct close_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	uint32_t *uids = imap_cmd_alloc(ctx, ((size_t)v->n + 1) * sizeof(*uids));
	int r = 0;

	/* The view's cached flags may be stale: what counts is the store's
	 * \Deleted at the time of CLOSE (RFC 9051 section 6.4.1). */
	j->mailbox_id = v->mb.id;
	for (uint32_t i = 0; i < v->n; i++)
		if (!v->msgs[i].expunged)
			uids[j->n_view++] = v->msgs[i].uid;
	j->view_uids = uids;
	if (!v->read_only && j->n_view > 0)
		r = close_any_deleted(ctx->s->srv->store, j);
	if (r < 0)
		log_warn("%s imap close failed: %s", imap_session_id(ctx->s), store_strerror(r));
	if (r <= 0) {
		imap_session_set_state(ctx->s, IMAP_ST_AUTH);
		imap_reply_ok(ctx, NULL, "CLOSE completed");
		return IMAP_CMD_DONE;
	}
	ctx->data = j;
	imap_cmd_store_write(ctx, close_apply, j, close_done);
	return IMAP_CMD_WAIT;
}

/* ---------------------------------------------------------------- IDLE */

static enum imap_cmd_result idle_line(struct imap_cmd_ctx *ctx, struct slice line)
{
	ctx->s->idling = false;
	if (slice_casecmp_cstr(line, "DONE") != 0) {
		imap_reply_bad(ctx, NULL, "Expected DONE");
		return IMAP_CMD_DONE;
	}
	imap_reply_ok(ctx, NULL, "IDLE terminated");
	return IMAP_CMD_DONE;
}

/* RFC 2177: updates are sent as commits wake the session (imap_session.c),
 * not by polling; the poll timer only covers other processes. */
imap_cmd_fn imap_cmd_idle;
enum imap_cmd_result imap_cmd_idle(struct imap_cmd_ctx *ctx)
{
	imap_write(ctx->s, "+ idling\r\n", 10);
	ctx->s->idling = true;
	imap_session_sync(ctx->s);
	imap_cmd_wait_line(ctx, idle_line);
	return IMAP_CMD_WAIT;
}
