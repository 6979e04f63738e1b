/* SPDX-License-Identifier: ISC */
/* FETCH and UID FETCH (RFC 9051 section 6.4.5, 6.4.9; BINARY RFC 3516;
 * CONDSTORE RFC 7162 section 3.1.4): the plan and render of
 * imap_fetch_render.h driven over the view, \Seen set in one store write
 * first, and large bodies streamed under the connection's back-pressure. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "imap_cmd_msgset.h"
#include "imap_fetch_render.h"
#include "imap_qresync.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "util.h"

/* Bytes rendered per step; output is produced up to CONN_WRITE_HIGH, then
 * the job waits (imap_cmd_wait_drain()) until the queue falls under
 * CONN_WRITE_LOW. */
#define FETCH_STEP (64 * 1024)

/* A message whose \Seen the command sets (RFC 9051 section 6.4.5). */
struct fetch_seen {
	uint32_t uid;
	size_t pos; /* in fetch_job.idx */
	bool changed;
	uint32_t flags;
	uint64_t keywords, modseq;
};

struct fetch_job {
	struct imap_cmd_ctx *ctx;
	struct imap_fetch_plan plan;
	uint32_t *idx; /* view indices of the set */
	size_t n, pos;
	unsigned opts;         /* IMAP_FETCH_OPT_MODSEQ when CONDSTORE is on */
	uint64_t changedsince; /* RFC 7162 section 3.1.4.1; 0: none */
	bool has_changedsince;
	bool vanished;       /* RFC 7162 section 3.2.6 */
	bool *flags_changed; /* per position: \Seen was just set */
	struct fetch_seen *seen;
	size_t n_seen;
	uint64_t mailbox_id;
	/* the message being rendered */
	bool rendering, kw_reloaded;
	struct store_msg msg;
	struct buf sum;
	struct msgsum_view sumv;
	struct imap_fetch_render r;
	struct store_txn *txn; /* open only while producing, never across a wait */
	struct buf out;
	bool skipped; /* a message of the set was expunged meanwhile */
	const char *fail_code, *fail_text;
	bool closed; /* "* BYE" sent after a read error */
};

/* ---------------------------------------------------------------- arguments */

/* FETCH modifiers (RFC 4466 section 2.4): (CHANGEDSINCE n) (RFC 7162
 * section 3.1.4.1) and VANISHED (section 3.2.6: UID FETCH only, with
 * CHANGEDSINCE, once QRESYNC is enabled). 0, or -1 after BAD. */
static int fetch_modifiers(struct imap_cmd_ctx *ctx, struct fetch_job *j)
{
	const struct imap_arg *list;
	unsigned n;

	if (ctx->argc < 3)
		return 0;
	if (!imap_arg_get_list(&ctx->args[2], &list, &n) || n == 0) {
		imap_reply_bad(ctx, NULL, "Invalid FETCH modifiers");
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (imap_arg_atom_equals(&list[i], "CHANGEDSINCE") && i + 1 < n &&
		    imap_arg_get_number(&list[i + 1], &j->changedsince) && !j->has_changedsince) {
			j->has_changedsince = true;
			i++;
			continue;
		}
		if (imap_arg_atom_equals(&list[i], "VANISHED") && !j->vanished) {
			j->vanished = true;
			continue;
		}
		imap_reply_bad(ctx, NULL, "Unsupported FETCH modifier");
		return -1;
	}
	if (j->vanished &&
	    (!ctx->uid || !j->has_changedsince || !(ctx->s->enabled & IMAP_EN_QRESYNC))) {
		imap_reply_bad(ctx, NULL,
		               "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- message source */

static struct store *fetch_store(const struct fetch_job *j)
{
	return j->ctx->s->srv->store;
}

static int fetch_txn(struct fetch_job *j)
{
	if (j->txn != NULL)
		return 0;
	return store_read_begin(fetch_store(j), &j->txn);
}

static void fetch_txn_end(struct fetch_job *j)
{
	if (j->txn != NULL)
		store_read_end(&j->txn);
}

static int fetch_read(void *arg, uint64_t off, void *out, size_t len, size_t *got_r)
{
	struct fetch_job *j = arg;

	if (fetch_txn(j) < 0)
		return -1;
	return store_blob_read(j->txn, j->msg.blob_id, off, out, len, got_r) < 0 ? -1 : 0;
}

static int fetch_keyword(void *arg, unsigned idx, struct slice *name_r)
{
	struct fetch_job *j = arg;
	struct imap_view *v = j->ctx->s->view;
	const char *name = imap_view_keyword(v, idx);

	if (name == NULL && !j->kw_reloaded) { /* created by another session */
		j->kw_reloaded = true;
		imap_view_load_keywords(fetch_store(j), v);
		name = imap_view_keyword(v, idx);
	}
	if (name == NULL)
		return 0;
	*name_r = (struct slice){(const uint8_t *)name, strlen(name)};
	return 1;
}

/* The summary is copied: the render outlives the read transaction. When
 * it is missing or of another version it is rebuilt from the message. */
static int fetch_summary(struct fetch_job *j)
{
	const void *sum = NULL;
	size_t sum_len = 0, got = 0;
	uint64_t size;
	uint32_t refs;
	struct buf msg;
	int r;

	buf_reset(&j->sum);
	r = store_blob_info(j->txn, j->msg.blob_id, &size, &refs, &sum, &sum_len);
	if (r < 0)
		return -1;
	if (sum_len > 0 && buf_append(&j->sum, sum, sum_len) == 0 &&
	    msgsum_open(j->sum.data, j->sum.len, &j->sumv) == 0)
		return 0;
	buf_reset(&j->sum);
	buf_init(&msg, 0);
	r = size <= MSGSUM_MAX_MSG_SIZE ? buf_reserve(&msg, size) : -1;
	if (r == 0)
		r = store_blob_read(j->txn, j->msg.blob_id, 0, msg.data, size, &got) < 0 ? -1 : 0;
	if (r == 0)
		r = msgsum_build(msg.data, got, &j->sum);
	buf_free(&msg);
	if (r == 0)
		r = msgsum_open(j->sum.data, j->sum.len, &j->sumv);
	return r;
}

/* ---------------------------------------------------------------- rendering */

static void fetch_fail(struct fetch_job *j, const char *code, const char *text)
{
	j->fail_code = code;
	j->fail_text = text;
}

/* Prepares the render of the message at j->pos: 1 ready, 0 nothing to send
 * for it (expunged, or unchanged since CHANGEDSINCE), -1 failed. */
static int fetch_begin(struct fetch_job *j)
{
	struct imap_view *v = j->ctx->s->view;
	uint32_t i = j->idx[j->pos];
	struct imap_fetch_msg fm = {&j->msg, NULL, fetch_read, fetch_keyword, j};
	enum imap_fetch_err err = IMAP_FETCH_E_NONE;
	const char *error = NULL;
	unsigned opts = j->opts;
	int r;

	if (v->msgs[i].expunged) {
		j->skipped = true;
		return 0;
	}
	r = fetch_txn(j);
	if (r == 0)
		r = store_msg_get(j->txn, j->mailbox_id, v->msgs[i].uid, &j->msg);
	if (r <= 0) {
		if (r < 0)
			fetch_fail(j, "SERVERBUG", "Cannot read the message");
		j->skipped |= r == 0;
		return r;
	}
	if (j->has_changedsince && j->msg.modseq <= j->changedsince)
		return 0;
	if (j->plan.need_summary) {
		if (fetch_summary(j) < 0) {
			fetch_fail(j, "SERVERBUG", "Message summary unavailable");
			return -1;
		}
		fm.sum = &j->sumv;
	}
	if (j->flags_changed != NULL && j->flags_changed[j->pos])
		opts |= IMAP_FETCH_OPT_FLAGS;
	if (imap_fetch_render_begin(&j->r, &j->plan, i + 1, &fm, opts, 0, &err, &error) < 0) {
		imap_fetch_render_free(&j->r);
		fetch_fail(j, err == IMAP_FETCH_E_UNKNOWN_CTE ? "UNKNOWN-CTE" : "SERVERBUG",
		           error != NULL ? error : "Cannot render the message");
		return -1;
	}
	j->rendering = true;
	return 1;
}

/* The message's response is out: the view now holds the flags the client
 * saw, so a later sync sends no duplicate (imap_cmd.h). */
static void fetch_end_msg(struct fetch_job *j)
{
	uint32_t i = j->idx[j->pos];

	imap_fetch_render_free(&j->r);
	j->rendering = false;
	if (j->plan.has_flags || (j->flags_changed != NULL && j->flags_changed[j->pos]))
		imap_view_set_flags(j->ctx->s->view, i + 1, j->msg.flags, j->msg.keywords,
		                    j->msg.modseq);
}

/* Writes the current response until it is complete (0), the output queue
 * is full (1), or the message could not be read (-1). */
static int fetch_chunks(struct fetch_job *j)
{
	struct imap_session *s = j->ctx->s;
	const char *error = NULL;
	int k;

	do {
		if (conn_output_full(s->conn))
			return 1;
		buf_reset(&j->out);
		k = imap_fetch_next_chunk(&j->r, &j->out, FETCH_STEP, &error);
		if (k < 0) {
			log_warn("%s imap fetch uid=%u: %s", imap_session_id(s), j->msg.uid,
			         error != NULL ? error : "read error");
			return -1;
		}
		imap_write(s, j->out.data, j->out.len);
	} while (k == 1);
	return 0;
}

static void fetch_release(struct fetch_job *j)
{
	if (j->rendering)
		imap_fetch_render_free(&j->r);
	j->rendering = false;
	fetch_txn_end(j);
	buf_free(&j->sum);
	buf_free(&j->out);
}

static void fetch_reply(struct fetch_job *j)
{
	struct imap_cmd_ctx *ctx = j->ctx;

	if (j->closed || imap_session_gone(ctx->s))
		return;
	if (j->fail_code != NULL)
		imap_reply_no(ctx, j->fail_code, j->fail_text);
	else if (j->skipped && !ctx->uid) /* RFC 5530 section 3 */
		imap_reply_no(ctx, "EXPUNGEISSUED", "Some messages were expunged");
	else
		imap_reply_ok(ctx, NULL, ctx->uid ? "UID FETCH completed" : "FETCH completed");
}

static enum imap_cmd_result fetch_resume(struct imap_cmd_ctx *ctx);
static void fetch_abort(struct imap_cmd_ctx *ctx);

/* Produces responses until the set is done (true: the tagged reply is
 * written and the job released) or the output queue is full (false: the
 * session's drain wait resumes it, or aborts it if the client goes). */
static bool fetch_pump(struct fetch_job *j)
{
	struct imap_session *s = j->ctx->s;
	struct conn *c = s->conn;
	bool wait = false;

again:
	if (imap_session_gone(s)) {
		fetch_release(j);
		return true;
	}
	conn_cork(c);
	while (j->pos < j->n && j->fail_code == NULL) {
		int k = j->rendering ? 1 : fetch_begin(j);

		if (k > 0)
			k = fetch_chunks(j);
		if (k < 0 && j->rendering) { /* mid-literal: the session cannot go on */
			imap_write(s, "* BYE Message could not be read\r\n", 33);
			conn_close(s->conn);
			j->closed = true;
			break;
		}
		if (k == 1) {
			wait = true;
			break;
		}
		if (j->rendering)
			fetch_end_msg(j);
		if (j->fail_code == NULL)
			j->pos++;
	}
	fetch_txn_end(j); /* never held across a wait (balstore.h) */
	if (wait) {
		conn_uncork(c); /* outside a connection callback, this sends */
		if (imap_session_gone(s) || conn_output_queued(c) < CONN_WRITE_LOW) {
			wait = false;
			goto again;
		}
		imap_cmd_wait_drain(j->ctx, fetch_resume, fetch_abort);
		return false;
	}
	fetch_reply(j);
	conn_uncork(c); /* also after conn_close(): the BYE goes out */
	fetch_release(j);
	return true;
}

/* The output fell under its low mark: go on. */
static enum imap_cmd_result fetch_resume(struct imap_cmd_ctx *ctx)
{
	return fetch_pump(ctx->data) ? IMAP_CMD_DONE : IMAP_CMD_WAIT;
}

/* The client went while the output was full: free the render state. */
static void fetch_abort(struct imap_cmd_ctx *ctx)
{
	fetch_release(ctx->data);
}

/* ---------------------------------------------------------------- \Seen */

/* Writer thread: \Seen on the messages that lack it (repeatable). */
static int seen_apply(struct store_txn *txn, void *arg)
{
	struct fetch_job *j = arg;

	for (size_t i = 0; i < j->n_seen; i++) {
		struct fetch_seen *e = &j->seen[i];
		struct store_msg m;
		int r = store_msg_get(txn, j->mailbox_id, e->uid, &m);

		e->changed = false;
		if (r < 0)
			return r;
		if (r == 0 || (m.flags & MSG_SEEN))
			continue;
		r = store_msg_set_flags(txn, j->mailbox_id, e->uid, m.flags | MSG_SEEN, m.keywords,
		                        0, &m);
		if (r < 0)
			return r;
		e->changed = true;
		e->flags = m.flags;
		e->keywords = m.keywords;
		e->modseq = m.modseq;
	}
	return 0;
}

static void seen_done(struct imap_cmd_ctx *ctx, int result)
{
	struct fetch_job *j = ctx->data;

	if (imap_session_gone(ctx->s)) {
		fetch_release(j);
		imap_cmd_done(ctx);
		return;
	}
	if (result < 0) {
		log_warn("%s imap fetch \\Seen failed: %s", imap_session_id(ctx->s),
		         store_strerror(result));
		fetch_fail(j, "SERVERBUG", "Cannot set \\Seen");
	}
	for (size_t i = 0; result == 0 && i < j->n_seen; i++) {
		const struct fetch_seen *e = &j->seen[i];

		if (!e->changed)
			continue;
		j->flags_changed[e->pos] = true;
		imap_view_set_flags(ctx->s->view, j->idx[e->pos] + 1, e->flags, e->keywords,
		                    e->modseq);
	}
	if (fetch_pump(j))
		imap_cmd_done(ctx);
}

/* The messages of the set that \Seen would change, as the view knows them
 * (the write checks the store again). */
static void seen_collect(struct imap_cmd_ctx *ctx, struct fetch_job *j)
{
	const struct imap_view *v = ctx->s->view;

	j->seen = imap_cmd_alloc(ctx, (j->n + 1) * sizeof(*j->seen));
	j->flags_changed = imap_cmd_alloc(ctx, (j->n + 1) * sizeof(*j->flags_changed));
	for (size_t i = 0; i < j->n; i++) {
		const struct imap_view_msg *m = &v->msgs[j->idx[i]];

		if (!m->expunged && !(m->flags & MSG_SEEN))
			j->seen[j->n_seen++] = (struct fetch_seen){.uid = m->uid, .pos = i};
	}
}

/* ---------------------------------------------------------------- command */

imap_cmd_fn imap_cmd_fetch;
enum imap_cmd_result imap_cmd_fetch(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	struct fetch_job *j = imap_cmd_alloc(ctx, sizeof(*j));
	const char *error = NULL;

	j->ctx = ctx;
	j->mailbox_id = s->view->mb.id;
	if (imap_cmd_msgset(ctx, &ctx->args[0], &j->idx, &j->n) < 0)
		return IMAP_CMD_DONE;
	if (imap_fetch_items_parse(&ctx->args[1], ctx->uid, &j->plan, &error) < 0) {
		imap_reply_bad(ctx, NULL, error != NULL ? error : "Invalid FETCH items");
		return IMAP_CMD_DONE;
	}
	if (fetch_modifiers(ctx, j) < 0)
		return IMAP_CMD_DONE;
	/* RFC 7162 section 3.1: MODSEQ and CHANGEDSINCE enable CONDSTORE. */
	if (j->plan.has_modseq || j->has_changedsince)
		s->enabled |= IMAP_EN_CONDSTORE;
	if (s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC))
		j->opts |= IMAP_FETCH_OPT_MODSEQ;
	if (j->vanished && imap_qresync_fetch_vanished(s, ctx->args[0].str, j->changedsince) < 0) {
		imap_reply_no(ctx, "SERVERBUG", "Cannot list expunged messages");
		return IMAP_CMD_DONE;
	}
	buf_init(&j->sum, 0);
	buf_init(&j->out, 0);
	ctx->data = j;
	if (j->plan.set_seen && !s->view->read_only) {
		seen_collect(ctx, j);
		if (j->n_seen > 0) {
			imap_cmd_store_write(ctx, seen_apply, j, seen_done);
			return IMAP_CMD_WAIT;
		}
	}
	return fetch_pump(j) ? IMAP_CMD_DONE : IMAP_CMD_WAIT;
}
