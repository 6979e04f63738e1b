/* SPDX-License-Identifier: ISC */
/* The IMAP session: raw bytes from the connection go through the
 * incremental parser; literals are decided as their headers arrive; whole
 * commands pass the generic checks of the command table and run their
 * handler, which is DONE or WAITs (for a line or an async job). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "imap_acl.h"
#include "imap_audit.h"
#include "imap_notify.h"
#include "imap_parser.h"
#include "imap_session.h"
#include "imap_view.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

struct imap_arena_block {
	struct imap_arena_block *next;
	size_t used, size;
	max_align_t data[];
};

static struct session_set sessions;

static const struct conn_ops imap_conn_ops;

void imap_server_init(struct imap_server *srv)
{
	(void)srv;
}

/* ---------------------------------------------------------------- arena */

void *imap_cmd_alloc(struct imap_cmd_ctx *ctx, size_t n)
{
	struct imap_session *s = ctx->s;
	struct imap_arena_block *b = s->arena;
	size_t need = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	void *p;

	if (b == NULL || b->size - b->used < need) {
		size_t chunk = b == NULL ? IMAP_ARENA_FIRST : IMAP_ARENA_CHUNK;
		size_t size = need > chunk ? need : chunk;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		b->next = s->arena;
		s->arena = b;
	}
	p = (uint8_t *)b->data + b->used;
	b->used += need;
	memset(p, 0, n);
	return p;
}

char *imap_cmd_strdup(struct imap_cmd_ctx *ctx, struct slice s)
{
	char *p = imap_cmd_alloc(ctx, s.len + 1);

	if (s.len > 0)
		memcpy(p, s.p, s.len);
	return p;
}

/* Keeps the first block if it is small: most commands fit in it. */
static void arena_reset(struct imap_session *s)
{
	struct imap_arena_block *b = s->arena, *keep = NULL;

	while (b != NULL) {
		struct imap_arena_block *next = b->next;

		if (next == NULL && b->size <= IMAP_ARENA_KEEP) {
			keep = b;
			keep->used = 0;
		} else {
			free(b);
		}
		b = next;
	}
	s->arena = keep;
}

/* ---------------------------------------------------------------- lifetime */

bool imap_session_gone(const struct imap_session *s)
{
	return s->conn == NULL || conn_closing(s->conn);
}

const char *imap_session_id(const struct imap_session *s)
{
	return s->conn != NULL ? conn_id(s->conn) : "-";
}

static void append_free(struct imap_session *s)
{
	for (unsigned i = 0; i < s->append_n; i++)
		buf_free(&s->append_msgs[i]);
	free(s->append_msgs);
	s->append_msgs = NULL;
	s->append_n = 0;
	s->append_toobig = false;
}

static void session_free(struct imap_session *s)
{
	imap_parser_free(&s->parser);
	imap_view_free(&s->view);
	append_free(s);
	arena_reset(s);
	free(s->arena);
	explicit_bzero(s, sizeof(*s));
	free(s);
	session_set_freed(&sessions);
}

void imap_session_ref(struct imap_session *s)
{
	s->refs++;
}

void imap_session_unref(struct imap_session *s)
{
	if (--s->refs == 0)
		session_free(s);
}

static void cmd_end(struct imap_session *s);

/* The connection went during a drain wait: the command's abort hook frees
 * what it holds (imap_cmd_wait_drain()). */
static void drain_abort(struct imap_session *s)
{
	imap_cmd_abort_fn *fn = s->cmd.on_abort;

	s->cmd.on_drain = NULL;
	s->cmd.on_abort = NULL;
	if (fn != NULL)
		fn(&s->cmd);
}

static void on_close(struct conn *c, void *arg)
{
	struct imap_session *s = arg;

	(void)c;
	log_debug("%s imap closed state=%d", conn_id(c), (int)s->state);
	session_set_remove(&sessions, &s->link);
	s->conn = NULL;
	if (s->cmd_running && s->cmd.on_drain != NULL) {
		/* Waiting for the client to read: nothing else will end it. */
		drain_abort(s);
		s->cmd_held = false;
		cmd_end(s);
		imap_session_unref(s);
	}
	imap_session_unref(s);
}

void imap_session_set_state(struct imap_session *s, enum imap_state st)
{
	if (st != IMAP_ST_SELECTED)
		imap_view_free(&s->view);
	if (st == IMAP_ST_AUTH && s->state == IMAP_ST_NOT_AUTH) {
		imap_parser_set_authenticated(s->parser, true);
		if (s->conn != NULL)
			conn_set_timeouts(s->conn, CONN_IDLE_TIMEOUT_MS, CONN_CMD_TIMEOUT_MS);
	}
	s->state = st;
}

void imap_session_accept(struct conn *c, void *arg)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct buf capa;

	s->srv = arg;
	s->conn = c;
	s->parser = imap_parser_new();
	s->state = IMAP_ST_NOT_AUTH;
	s->refs = 1;
	session_set_add(&sessions, &s->link);
	conn_set_handler(c, &imap_conn_ops, s);
	conn_set_raw(c, true);
	conn_set_timeouts(c, IMAP_PREAUTH_IDLE_MS, CONN_CMD_TIMEOUT_MS);
	/* RFC 9051 section 7.1.1: the greeting may carry the capabilities. */
	buf_init(&capa, 0);
	imap_capability_write(s, &capa);
	conn_printf(c, "* OK [CAPABILITY %.*s] balise ready\r\n", (int)capa.len,
	            (const char *)capa.data);
	buf_free(&capa);
	log_debug("%s imap accepted peer=%s tls=%d", conn_id(c), conn_peer(c), conn_is_tls(c));
}

/* ---------------------------------------------------------------- sync */

static void session_bye(struct imap_session *s, const char *why);

void imap_session_sync(struct imap_session *s)
{
	const struct imap_cmd_def *def = s->cmd.def;
	bool allow_expunge = true;
	unsigned opts = 0;
	struct buf out;
	int r;

	if (s->view == NULL || imap_session_gone(s))
		return;
	/* RFC 3501 section 7.4.1: no EXPUNGE while a command that uses sequence
	 * numbers runs (the UID forms may get them). The one place for it. */
	if (def != NULL && (def->flags & IMAP_CMDF_USES_SEQS) &&
	    (!s->cmd.uid || (def->flags & IMAP_CMDF_UID_USES_SEQS)))
		allow_expunge = false;
	if (s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC))
		opts |= IMAP_VIEW_MODSEQ;
	if (s->enabled & IMAP_EN_QRESYNC) /* RFC 7162 section 3.2.10 */
		opts |= IMAP_VIEW_VANISHED;
	buf_init(&out, 0);
	r = imap_view_sync(s->srv->store, s->view, allow_expunge, opts, &out);
	if (r == STORE_E_NOTFOUND) {
		/* Deleted by another session: nothing can be told about it
		 * (RFC 2180 section 3.3); like Dovecot, the session ends. The
		 * view stays until the session is freed: the running command
		 * may still hold it. */
		log_info("%s imap selected mailbox deleted, closing", imap_session_id(s));
		session_bye(s, "Selected mailbox was deleted, have to disconnect");
	} else if (r < 0) {
		log_warn("%s imap sync failed: %s", imap_session_id(s), store_strerror(r));
	}
	imap_write(s, out.data, out.len);
	buf_free(&out);
	s->changed = false;
}

void imap_sessions_changed(const uint64_t *ids, size_t n)
{
	struct imap_session *s;

	session_set_each(&sessions, s, struct imap_session, link) {
		size_t lo = 0, hi = n;
		uint64_t id;

		if (s->view == NULL)
			continue;
		id = s->view->mb.id;
		while (lo < hi) { /* ids are sorted */
			size_t mid = lo + (hi - lo) / 2;

			if (ids[mid] < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && ids[lo] == id) {
			s->changed = true;
			if (s->idling)
				imap_session_sync(s);
		}
	}
}

void imap_sessions_poll(void)
{
	struct imap_session *s;

	session_set_each(&sessions, s, struct imap_session, link) {
		if (s->view == NULL || !s->idling)
			continue;
		if (imap_view_changed(s->srv->store, s->view) == 1)
			imap_session_sync(s);
	}
}

void imap_sessions_shutdown(const char *why)
{
	struct imap_session *s;

	session_set_stop(&sessions);
	session_set_each(&sessions, s, struct imap_session, link) {
		if (s->conn == NULL)
			continue;
		conn_printf(s->conn, "* BYE %s\r\n", why);
		conn_close(s->conn);
	}
	session_set_settle(&sessions);
}

size_t imap_sessions_count(void)
{
	return session_set_count(&sessions);
}

void imap_sessions_on_empty(void (*fn)(void *arg), void *arg)
{
	session_set_on_empty(&sessions, fn, arg);
}

/* ---------------------------------------------------------------- commands */

static void session_bye(struct imap_session *s, const char *why)
{
	if (imap_session_gone(s))
		return;
	conn_printf(s->conn, "* BYE %s\r\n", why);
	conn_close(s->conn);
}

/* The command is over: release its memory, log out if asked. */
static void cmd_end(struct imap_session *s)
{
	const char *result = s->cmd.result;

	imap_audit_cmd(&s->cmd);
	s->audit_user[0] = s->audit_authzid[0] = '\0';
	if (s->cmd.def != NULL)
		log_debug("%s imap cmd=%s%s result=%s", imap_session_id(s),
		          s->cmd.uid ? "UID " : "", s->cmd.def->name,
		          result != NULL ? result : "-");
	if (result != NULL && result[0] == 'B') {
		if (++s->bad_count >= IMAP_BAD_MAX)
			session_bye(s, "Too many invalid commands");
	} else {
		s->bad_count = 0;
	}
	memset(&s->cmd, 0, sizeof(s->cmd));
	s->cmd_running = false;
	s->idling = false;
	append_free(s);
	arena_reset(s);
	if (s->state == IMAP_ST_LOGOUT && s->conn != NULL)
		conn_close(s->conn);
}

/* A BAD for a command that could not run; the session goes on. */
static void reply_bad(struct imap_session *s, struct slice tag, const char *code, const char *why)
{
	if (tag.len == 0)
		tag = SLICE_STR("*");
	s->cmd.s = s;
	s->cmd.tag = tag;
	imap_reply_bad(&s->cmd, code, why);
}

/* Generic checks from the table (RFC 9051 section 6): NULL if the command
 * may run, else the BAD/NO reply was sent. */
static bool cmd_checks(struct imap_session *s, const struct imap_cmd *cmd,
                       const struct imap_cmd_def *def)
{
	struct imap_cmd_ctx *ctx = &s->cmd;

	if (def == NULL) {
		imap_reply_bad(ctx, NULL, "Unknown command");
		return false;
	}
	if (cmd->uid && !(def->flags & IMAP_CMDF_UID)) {
		imap_reply_bad(ctx, NULL, "UID not allowed with this command");
		return false;
	}
	if (!(def->states & s->state)) {
		imap_reply_bad(ctx, NULL,
		               s->state == IMAP_ST_NOT_AUTH      ? "Log in first"
		               : def->states == IMAP_ST_SELECTED ? "No mailbox selected"
		                                                 : "Not allowed in this state");
		return false;
	}
	if ((int)cmd->argc < def->min_args ||
	    (def->max_args >= 0 && (int)cmd->argc > def->max_args)) {
		imap_reply_bad(ctx, NULL, "Wrong number of arguments");
		return false;
	}
	if ((def->flags & IMAP_CMDF_TLS) && !conn_is_tls(s->conn) && !s->srv->test_plaintext_auth) {
		imap_reply_no(ctx, "PRIVACYREQUIRED", "TLS is required first (STARTTLS)");
		return false;
	}
	return imap_acl_precheck(ctx); /* delegated sessions: rights read again */
}

/* After a handler returned: DONE ends the command, WAIT keeps it. */
bool imap_output_full(const struct imap_session *s)
{
	return s->conn != NULL && conn_output_full(s->conn);
}

void imap_cmd_wait_drain(struct imap_cmd_ctx *ctx, imap_cmd_fn *resume, imap_cmd_abort_fn *abort_fn)
{
	ctx->on_drain = resume;
	ctx->on_abort = abort_fn;
}

/* Runs drain continuations while the output has room; DONE once the
 * command ended (also when the connection went). */
static enum imap_cmd_result run_drain(struct imap_session *s, enum imap_cmd_result r)
{
	while (r == IMAP_CMD_WAIT && s->cmd.on_drain != NULL) {
		imap_cmd_fn *fn = s->cmd.on_drain;

		if (imap_session_gone(s)) {
			drain_abort(s);
			return IMAP_CMD_DONE;
		}
		if (imap_output_full(s))
			break;
		s->cmd.on_drain = NULL;
		s->cmd.on_abort = NULL;
		r = fn(&s->cmd);
	}
	return r;
}

static void cmd_result(struct imap_session *s, enum imap_cmd_result r)
{
	bool held = s->cmd_held;

	r = run_drain(s, r);
	if (r == IMAP_CMD_DONE) {
		if (held) { /* a drain continuation ended it */
			imap_cmd_done(&s->cmd);
			return;
		}
		cmd_end(s);
		return;
	}
	if (held)
		return; /* still holding its reference, input still paused */
	s->cmd_running = true;
	if (s->cmd.on_line == NULL) {
		/* An async job holds the session until imap_cmd_done(). */
		s->cmd_held = true;
		imap_session_ref(s);
		s->input_paused = true;
		if (s->conn != NULL)
			conn_pause(s->conn);
	}
}

static void run_command(struct imap_session *s)
{
	const struct imap_cmd *cmd = imap_parser_command(s->parser);
	struct imap_cmd_ctx *ctx = &s->cmd;
	const struct imap_cmd_def *def;

	memset(ctx, 0, sizeof(*ctx));
	ctx->s = s;
	metrics_command(METRICS_CMD_IMAP);
	if (cmd->tag.len > IMAP_TAG_MAX) {
		reply_bad(s, SLICE_STR("*"), NULL, "Tag too long");
		cmd_end(s);
		return;
	}
	ctx->tag.p = (const uint8_t *)imap_cmd_strdup(ctx, cmd->tag);
	ctx->tag.len = cmd->tag.len;
	def = imap_cmd_find(cmd->name);
	ctx->def = def;
	ctx->uid = cmd->uid;
	ctx->args = cmd->args;
	ctx->argc = cmd->argc;
	if (!cmd_checks(s, cmd, def)) {
		cmd_end(s);
		return;
	}
	cmd_result(s, def->fn(ctx));
}

static void run_line(struct imap_session *s)
{
	imap_cmd_line_fn *fn = s->cmd.on_line;

	s->cmd.on_line = NULL;
	cmd_result(s, fn(&s->cmd, imap_parser_line(s->parser)));
}

void imap_cmd_wait_line(struct imap_cmd_ctx *ctx, imap_cmd_line_fn *fn)
{
	ctx->on_line = fn;
	imap_parser_expect_line(ctx->s->parser);
}

static void cmd_timer(struct imap_session *s);

void imap_cmd_done(struct imap_cmd_ctx *ctx)
{
	struct imap_session *s = ctx->s;
	struct conn *c = s->conn;

	cmd_end(s);
	s->cmd_held = false;
	s->input_paused = false;
	if (c != NULL)
		cmd_timer(s);
	/* Frees the session when the connection has gone meanwhile. */
	imap_session_unref(s);
	if (c != NULL)
		conn_resume(c);
}

/* ---------------------------------------------------------------- input */

static void on_parse_error(struct imap_session *s)
{
	const struct imap_parse_error *e = imap_parser_error(s->parser);
	struct slice tag = imap_parser_tag(s->parser);

	if (s->cmd_running && s->cmd.on_line != NULL) {
		/* A continuation line was too long: the command ends. */
		s->cmd.on_line = NULL;
		imap_reply_bad(&s->cmd, NULL, e->reason);
		cmd_end(s);
		return;
	}
	if (e->close) {
		log_info("%s imap closing: %s", imap_session_id(s), e->reason);
		session_bye(s, e->reason);
		return;
	}
	memset(&s->cmd, 0, sizeof(s->cmd));
	s->cmd.s = s;
	s->cmd.tag = tag.len > 0 && tag.len <= IMAP_TAG_MAX ? tag : SLICE_STR("*");
	if (s->append_toobig)
		imap_reply_no(&s->cmd, "TOOBIG", "Message too large");
	else
		reply_bad(s, s->cmd.tag, e->code, e->reason);
	cmd_end(s);
}

/* The parser read a literal header: accept, stream or refuse it before
 * any "+" goes out (RFC 9051 section 7.5, RFC 7888). */
static void on_literal(struct imap_session *s)
{
	const struct imap_literal_info *li = imap_parser_literal(s->parser);
	enum imap_parse_result r;

	/* Depth 1: the "UTF8 (~{n}...)" message form (RFC 6855 section 4). */
	bool msg_depth =
	    li->depth == 0 || (li->depth == 1 && li->literal8 && (s->enabled & IMAP_EN_UTF8));

	if (s->state & IMAP_ST_AUTHED && !li->uid && msg_depth && li->argc >= 1 &&
	    slice_casecmp_cstr(li->name, "APPEND") == 0)
		r = imap_append_literal(s, s->parser, li);
	else
		r = imap_parser_literal_accept(s->parser);
	if (r == IMAP_PARSE_ERR) {
		on_parse_error(s);
		return;
	}
	if (li->sync)
		imap_write(s, "+ Ready for literal data\r\n", 26);
}

static bool can_read(const struct imap_session *s)
{
	return !s->input_paused && !imap_session_gone(s);
}

/* The command timer runs while a command is half-read (slowloris), not
 * between commands nor in IDLE. */
static void cmd_timer(struct imap_session *s)
{
	bool want = !imap_parser_idle(s->parser) && !s->idling &&
	            !(s->cmd_running && s->cmd.on_line == NULL);

	if (imap_session_gone(s) || want == s->cmd_timer_on)
		return;
	s->cmd_timer_on = want;
	if (want)
		conn_cmd_begin(s->conn);
	else
		conn_cmd_end(s->conn);
}

static size_t on_data(struct conn *c, struct slice data, void *arg)
{
	struct imap_session *s = arg;
	size_t off = 0;

	while (off < data.len && can_read(s)) {
		size_t used = 0;
		enum imap_parse_result r =
		    imap_parser_feed(s->parser, data.p + off, data.len - off, &used);

		off += used;
		switch (r) {
		case IMAP_PARSE_MORE:
			break;
		case IMAP_PARSE_LITERAL:
			on_literal(s);
			break;
		case IMAP_PARSE_OK:
			if (s->cmd_running && s->cmd.on_line != NULL)
				run_line(s);
			else
				run_command(s);
			break;
		case IMAP_PARSE_ERR:
			on_parse_error(s);
			break;
		}
		if (s->conn == NULL || conn_closing(c))
			return data.len;
		if (s->input_reset) { /* STARTTLS: the rest was sent in clear */
			s->input_reset = false;
			return data.len;
		}
	}
	cmd_timer(s);
	if (imap_parser_idle(s->parser) && !s->cmd_running)
		imap_parser_release(s->parser);
	return off;
}

static void on_event(struct conn *c, enum conn_event ev, void *arg)
{
	struct imap_session *s = arg;

	switch (ev) {
	case CONN_EV_IDLE_TIMEOUT:
		log_info("%s imap idle timeout", conn_id(c));
		session_bye(s, "Autologout; idle for too long");
		break;
	case CONN_EV_CMD_TIMEOUT:
		log_info("%s imap command timeout", conn_id(c));
		session_bye(s, "Command not completed in time");
		break;
	case CONN_EV_DRAIN:
		if (s->cmd_running && s->cmd.on_drain != NULL)
			cmd_result(s, IMAP_CMD_WAIT);
		break;
	case CONN_EV_LINE_TOO_LONG: /* not in raw mode */
		break;
	}
}

static const struct conn_ops imap_conn_ops = {
    .on_data = on_data,
    .on_event = on_event,
    .on_close = on_close,
};

/* ---------------------------------------------------------------- storage writes */

struct cmd_write {
	struct store_wreq req;
	struct imap_job job;
	struct imap_cmd_ctx *ctx;
	int (*apply)(struct store_txn *txn, void *arg);
	void *arg;
	imap_cmd_write_done_fn *done;
	int result;
};

static int cmd_write_apply(struct store_txn *txn, void *p)
{
	struct cmd_write *w = p;

	return w->apply(txn, w->arg);
}

/* Writer thread: hand the outcome to the loop. */
static void cmd_write_done(void *p, int result)
{
	struct cmd_write *w = p;

	w->result = result;
	imap_notify_post(&w->job);
}

static void cmd_write_job(struct imap_job *job)
{
	struct cmd_write *w = (struct cmd_write *)((char *)job - offsetof(struct cmd_write, job));

	/* w is in the arena: done() ends the command, which releases it. */
	w->done(w->ctx, w->result);
}

void imap_cmd_store_write(struct imap_cmd_ctx *ctx, int (*apply)(struct store_txn *txn, void *arg),
                          void *arg, imap_cmd_write_done_fn *done)
{
	struct cmd_write *w = imap_cmd_alloc(ctx, sizeof(*w));

	w->ctx = ctx;
	w->apply = apply;
	w->arg = arg;
	w->done = done;
	w->job.fn = cmd_write_job;
	w->req.apply = cmd_write_apply;
	w->req.done = cmd_write_done;
	w->req.ctx = w;
	store_write_async(ctx->s->srv->store, &w->req);
}
