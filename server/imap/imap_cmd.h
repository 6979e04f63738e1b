/* SPDX-License-Identifier: ISC */
/* The IMAP command table and the handler API: what a command file
 * (server/imap/imap_cmd_<group>.c) implements and how it registers. */
#ifndef BALISE_IMAP_CMD_H
#define BALISE_IMAP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "imap_parser.h"

/* Adding a command
 * ----------------
 * 1. Write the handler in server/imap/imap_cmd_<group>.c (one file per group
 *    of commands: fetch, search, store, mailbox...), declared just before its
 *    definition so that -Wmissing-prototypes is satisfied:
 *
 *	imap_cmd_fn imap_cmd_noop;
 *	enum imap_cmd_result imap_cmd_noop(struct imap_cmd_ctx *ctx)
 *	{
 *		imap_reply_ok(ctx, NULL, "NOOP completed");
 *		return IMAP_CMD_DONE;
 *	}
 *
 * 2. Add ONE line to IMAP_COMMANDS in imap_cmd_table.c (name, handler,
 *    states, flags, min and max arguments, capability it brings or NULL).
 * 3. Add the file to IMAP_CMD_GROUP_SOURCES in server/imap/session.mk.
 *
 * The session runs generic checks before calling the handler, so handlers
 * never repeat them: the command exists, the session's state is in .states
 * (else "tag BAD"), "UID x" only for IMAP_CMDF_UID commands, the argument
 * count is within [min_args, max_args] (else "tag BAD"), and TLS for
 * IMAP_CMDF_TLS ("tag NO [PRIVACYREQUIRED]"). Arguments are then the
 * parser's tree (imap_arg.h): walk them with the imap_arg_get_* helpers and
 * answer "tag BAD" with a short reason when one is malformed.
 *
 * Mailbox updates: imap_reply_ok() and imap_reply_no() first send the
 * selected mailbox's pending changes (EXISTS, EXPUNGE, FETCH FLAGS; see
 * imap_view.h), then the tagged line, so a client sees them before the
 * command completes. EXPUNGE is held back for IMAP_CMDF_USES_SEQS commands
 * sent without UID (RFC 3501 section 7.4.1); that rule lives in
 * imap_session_sync() only. A handler that changes flags itself updates
 * the view (imap_view_set_flags()) so no duplicate FETCH is sent. */

struct imap_session;
struct store_txn;

/* Session states (RFC 9051 section 3), as bits for imap_cmd_def.states. */
enum imap_state {
	IMAP_ST_NOT_AUTH = 1 << 0,
	IMAP_ST_AUTH = 1 << 1,
	IMAP_ST_SELECTED = 1 << 2,
	IMAP_ST_LOGOUT = 1 << 3,
};
#define IMAP_ST_ANY (IMAP_ST_NOT_AUTH | IMAP_ST_AUTH | IMAP_ST_SELECTED)
#define IMAP_ST_AUTHED (IMAP_ST_AUTH | IMAP_ST_SELECTED)

/* Command flags. */
/* The command uses message sequence numbers (FETCH, STORE, SEARCH, COPY,
 * MOVE without UID): no untagged EXPUNGE may be sent while it runs or
 * right after it (RFC 3501 section 7.4.1, RFC 9051 section 7.5.1); the
 * session defers them to the next command that allows them. */
#define IMAP_CMDF_USES_SEQS 0x01
/* Allowed only over TLS; otherwise "NO [PRIVACYREQUIRED]" (RFC 9051
 * section 7.1). LOGIN and AUTHENTICATE carry it. */
#define IMAP_CMDF_TLS 0x02
/* "UID <name>" is accepted (ctx->uid tells which form was sent). */
#define IMAP_CMDF_UID 0x04
/* A UID form does use sequence numbers too (none today; for symmetry). */
#define IMAP_CMDF_UID_USES_SEQS 0x08

enum imap_cmd_result {
	IMAP_CMD_DONE, /* the tagged reply was written; the next command may run */
	IMAP_CMD_WAIT, /* still running: see imap_cmd_wait_line() and imap_cmd_done() */
};

struct imap_cmd_ctx;
typedef enum imap_cmd_result imap_cmd_fn(struct imap_cmd_ctx *ctx);
/* A continuation line (IDLE's DONE, an AUTHENTICATE response), without its
 * CRLF; valid during the call only. */
typedef enum imap_cmd_result imap_cmd_line_fn(struct imap_cmd_ctx *ctx, struct slice line);
/* The connection went while the command waited for its output to drain:
 * release what ctx->data holds; the command then ends. */
typedef void imap_cmd_abort_fn(struct imap_cmd_ctx *ctx);

struct imap_cmd_def {
	const char *name; /* upper case, without "UID " */
	imap_cmd_fn *fn;
	unsigned states; /* enum imap_state bits */
	unsigned flags;  /* IMAP_CMDF_* */
	int min_args;    /* top-level arguments */
	int max_args;    /* -1: no upper bound */
	/* Capability this command brings ("IDLE", "UNSELECT", "MOVE"...), listed
	 * by CAPABILITY once authenticated; NULL for base RFC 3501 commands. */
	const char *capability;
};

/* The command being run. Everything here lives until the command ends
 * (its arena is reset then); the arguments stay valid while the handler
 * waits, except after imap_cmd_wait_line() (the parser is fed again). */
struct imap_cmd_ctx {
	struct imap_session *s;
	const struct imap_cmd_def *def;
	struct slice tag; /* copied into the arena */
	bool uid;         /* "UID FETCH" ... */
	const struct imap_arg *args;
	unsigned argc;
	/* Handler-owned continuation state: set it before returning WAIT. */
	void *data;
	imap_cmd_line_fn *on_line;   /* set by imap_cmd_wait_line() */
	imap_cmd_fn *on_drain;       /* set by imap_cmd_wait_drain() */
	imap_cmd_abort_fn *on_abort; /* ditto, may be NULL */
	/* Reply summary, for logging and tests. */
	const char *result; /* "OK", "NO", "BAD" once a tagged reply was written */
	const char *result_text; /* "[code] text" of that reply (arena), for audit */
	/* The message fields of the trace (APPEND), in the arena; NULL, 0: none. */
	const char *audit_ref, *audit_msgid;
	uint64_t audit_size;
};

/* The table (imap_cmd_table.c). Lookup is case-insensitive; NULL if unknown. */
const struct imap_cmd_def *imap_cmd_find(struct slice name);
/* Every command, for CAPABILITY and tests: *n_r entries. */
const struct imap_cmd_def *imap_cmd_all(size_t *n_r);
/* Writes the capability list (without "* CAPABILITY ") for this session's
 * state: the one place that says what the server supports, next to the
 * table. */
void imap_capability_write(const struct imap_session *s, struct buf *out);
/* True when name (case-insensitive, "APPENDLIMIT" matches "APPENDLIMIT=n")
 * is in that list: ENABLE accepts only what is announced. */
bool imap_capability_has(const struct imap_session *s, const char *name);

/* ---------------------------------------------------------------- waiting */

/* WAIT for a line: the session sends nothing else and feeds the next input
 * line to fn (the parser switches to line mode). The handler has written
 * its continuation request ("+ idling") before returning WAIT. fn returns
 * DONE once it wrote the tagged reply, or WAIT to get another line (it
 * calls imap_cmd_wait_line() again) or to wait for an async job. */
void imap_cmd_wait_line(struct imap_cmd_ctx *ctx, imap_cmd_line_fn *fn);

/* WAIT for an async job (password check, storage commit): return WAIT
 * without imap_cmd_wait_line(); input is paused until the job's completion,
 * on the loop thread, writes the tagged reply and calls imap_cmd_done().
 * The connection may have gone meanwhile (imap_session_gone()): replies
 * are then dropped silently, and imap_cmd_done() must still be called; it
 * frees the session in that case, so do not touch ctx after it. */
void imap_cmd_done(struct imap_cmd_ctx *ctx);

/* Long responses (FETCH or SEARCH over many messages): when
 * imap_output_full() says the client is not reading fast enough, keep the
 * position in ctx->data, call imap_cmd_wait_drain(ctx, resume, abort_fn)
 * and return WAIT (also from an async job's completion: the session then keeps
 * its reference until resume ends the command). resume runs (like a
 * handler, DONE or WAIT) once the queued output fell under CONN_WRITE_LOW;
 * if the output was not full it runs at once. If the connection goes
 * meanwhile, abort_fn (when not NULL) runs instead, once, to free what
 * ctx->data holds, and the command ends. */
bool imap_output_full(const struct imap_session *s);
void imap_cmd_wait_drain(struct imap_cmd_ctx *ctx, imap_cmd_fn *resume,
                         imap_cmd_abort_fn *abort_fn);

/* WAIT for a storage write: apply runs in the store's writer transaction
 * (group commit; it must be repeatable, see balstore.h), then done runs on
 * the loop thread with the final result (0 once durable). done writes the
 * tagged reply and calls imap_cmd_done(). arg is passed to apply. */
typedef void imap_cmd_write_done_fn(struct imap_cmd_ctx *ctx, int result);
void imap_cmd_store_write(struct imap_cmd_ctx *ctx, int (*apply)(struct store_txn *txn, void *arg),
                          void *arg, imap_cmd_write_done_fn *done);

/* ---------------------------------------------------------------- per-command memory */

/* Arena memory, released when the command ends. Never NULL. */
void *imap_cmd_alloc(struct imap_cmd_ctx *ctx, size_t n);
char *imap_cmd_strdup(struct imap_cmd_ctx *ctx, struct slice s);

/* ---------------------------------------------------------------- replies (imap_resp.c) */

/* Tagged replies, "tag OK [code] text\r\n". code is NULL or the text
 * between the brackets ("READ-WRITE", "APPENDUID 1 2"). */
void imap_reply_ok(struct imap_cmd_ctx *ctx, const char *code, const char *text);
void imap_reply_no(struct imap_cmd_ctx *ctx, const char *code, const char *text);
void imap_reply_bad(struct imap_cmd_ctx *ctx, const char *code, const char *text);
/* The same with a printf text. */
void imap_reply_okf(struct imap_cmd_ctx *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An untagged line: "* " + printf text + CRLF. */
void imap_untagged(struct imap_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Raw bytes to the client (literals, pre-built responses). */
void imap_write(struct imap_session *s, const void *p, size_t n);

/* Builders for response text (RFC 9051 section 4.3): a quoted string when
 * s is short 7-bit text without CR/LF/NUL, else a literal "{n}\r\n..."
 * (with utf8 true, 8-bit text may be quoted: UTF8=ACCEPT). -1 past out's
 * max. imap_resp_astring writes an atom when it can. */
int imap_resp_string(struct buf *out, struct slice s, bool utf8);
int imap_resp_astring(struct buf *out, struct slice s, bool utf8);
int imap_resp_nstring(struct buf *out, struct slice s, bool utf8); /* NIL when s.p == NULL */
/* Appends the flag list "(\Seen \Answered kw1)" of a message; names of
 * keyword bits come from the session's selected mailbox view. */
int imap_resp_flags(struct buf *out, const struct imap_session *s, uint32_t flags,
                    uint64_t keywords);

#endif
