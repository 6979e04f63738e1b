/* SPDX-License-Identifier: ISC */
/* One IMAP session over a connection in raw mode: bytes -> incremental
 * parser -> command table -> generic checks -> handler (DONE or WAIT);
 * and the process-wide list of sessions that commits and signals reach. */
#ifndef BALISE_IMAP_SESSION_H
#define BALISE_IMAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "balstore.h"
#include "buf.h"
#include "imap_cmd.h"
#include "session_set.h"

struct conn;
struct tls_ctx;
struct auth;
struct imap_view;

/* Limits (tighter before authentication; the parser's are in imap_limits.h). */
#define IMAP_TAG_MAX 64                  /* longer tags are refused with BAD */
#define IMAP_ARENA_FIRST 512             /* first arena block: most commands fit */
#define IMAP_ARENA_CHUNK 4096            /* further blocks */
#define IMAP_ARENA_KEEP IMAP_ARENA_FIRST /* kept between commands (idle memory) */
#define IMAP_BAD_MAX 20                  /* consecutive BADs before "* BYE" */
#define IMAP_PREAUTH_IDLE_MS (60 * 1000) /* idle timeout before login */
#define IMAP_ID_NAME_MAX 64              /* client name kept from ID */
#define IMAP_MULTIAPPEND_MAX 64          /* messages in one APPEND */
#define IMAP_POLL_MS 2000                /* mailbox changes made by other processes */
#define IMAP_DELEG_NOTED_MAX 8           /* delegated BALs logged once per session */

/* ENABLE'd extensions (RFC 5161). */
#define IMAP_EN_CONDSTORE 0x01
#define IMAP_EN_QRESYNC 0x02
#define IMAP_EN_UTF8 0x04
#define IMAP_EN_REV2 0x08

/* What every session shares (process lifetime, owned by balised). */
struct imap_server {
	uv_loop_t *loop;
	struct store *store;
	struct tls_ctx *tls; /* for STARTTLS; NULL: STARTTLS not offered */
	struct auth *auth;
	const char *hostname;
	uint64_t append_max; /* [limits] message_size_max: APPENDLIMIT */
	/* Tests and fuzzing only (never set by balised): LOGIN and AUTHENTICATE
	 * without TLS, so that a clear-text session can reach every state. */
	bool test_plaintext_auth;
};

struct imap_arena_block;

struct imap_session {
	struct imap_server *srv;
	struct conn *conn; /* NULL once the connection is gone */
	struct imap_parser *parser;
	enum imap_state state;
	unsigned enabled; /* IMAP_EN_* */

	/* Authenticated user: BAL id and address; the SASL authorization
	 * identity (RFC 4616) when one was given, kept for delegation.
	 * bal_id is the BAL the session acts on: the user's own, or with an
	 * authorization identity a BAL delegated to the user (auth_bal_id),
	 * whose rights every command checks (imap_acl.h). */
	uint64_t bal_id;
	uint64_t auth_bal_id;
	char user[STORE_ADDR_MAX + 1];
	char authzid[STORE_ADDR_MAX + 1];
	char client_name[IMAP_ID_NAME_MAX + 1]; /* from ID, for audit */
	/* The identities a LOGIN or AUTHENTICATE tried (audit of failures). */
	char audit_user[STORE_ADDR_MAX + 1];
	char audit_authzid[STORE_ADDR_MAX + 1];
	/* Delegated BALs this session used already (their access is logged
	 * once per session: imap_acl.c). */
	uint64_t deleg_noted[IMAP_DELEG_NOTED_MAX];
	unsigned n_deleg_noted;

	struct imap_view *view; /* selected mailbox, or NULL */

	/* The command in progress. */
	struct imap_cmd_ctx cmd;
	bool cmd_running; /* a handler returned WAIT */
	bool cmd_held;    /* ... for a job or a drain: it holds a reference */
	bool input_paused;
	struct imap_arena_block *arena;
	unsigned bad_count;

	/* Streamed APPEND literals (imap_cmd_append.c). */
	struct buf *append_msgs;
	unsigned append_n;
	bool append_toobig; /* a literal was refused for its size: NO [TOOBIG] */

	bool cmd_timer_on;
	bool input_reset; /* STARTTLS began: drop the rest of this read */
	bool idling;      /* in IDLE: updates are sent as they happen */
	bool changed;     /* the selected mailbox changed; sync at the next chance */
	unsigned refs;    /* the connection (1) + async jobs holding the session */
	struct session_link link; /* in the live sessions */
};

/* Process set-up: srv lives as long as any session. */
void imap_server_init(struct imap_server *srv);

/* listen_service.on_accept for the imap and imaps services (arg: the
 * struct imap_server): creates the session and sends the greeting. */
void imap_session_accept(struct conn *c, void *arg);

/* True when the connection has gone (a waiting command's reply is dropped). */
bool imap_session_gone(const struct imap_session *s);
/* A short id for log lines ("-" once the connection has gone). */
const char *imap_session_id(const struct imap_session *s);
/* Changes state (the only place that does): AUTH sets the parser's
 * authenticated limits; leaving SELECTED frees the view. */
void imap_session_set_state(struct imap_session *s, enum imap_state st);

/* Sends the selected mailbox's changes (RFC 3501 section 7.4.1: EXPUNGE
 * held back while a sequence-number command runs). Called by imap_reply_ok
 * and _no, IDLE, and when a commit wakes an idle session. */
void imap_session_sync(struct imap_session *s);

/* Takes a reference for an async job (the session outlives its
 * connection until imap_session_unref()). */
void imap_session_ref(struct imap_session *s);
void imap_session_unref(struct imap_session *s);

/* From the loop thread: these mailboxes changed (store on_commit, or the
 * poll timer): sessions that have one selected are woken. */
void imap_sessions_changed(const uint64_t *mailbox_ids, size_t n);
/* The 2 s poll for changes made by other processes (balisectl). */
void imap_sessions_poll(void);
/* SIGTERM: "* BYE" and close every session. */
void imap_sessions_shutdown(const char *why);
size_t imap_sessions_count(void);
/* Called when the last session is freed after imap_sessions_shutdown(). */
void imap_sessions_on_empty(void (*fn)(void *arg), void *arg);

/* Internal to the session and APPEND: decides on an APPEND message
 * literal (stream it, or refuse it with TOOBIG before "+"). */
enum imap_parse_result imap_append_literal(struct imap_session *s, struct imap_parser *p,
                                           const struct imap_literal_info *li);

#endif
