/* SPDX-License-Identifier: ISC */
/* Internal to the ManageSieve session files: the session, its reply
 * helpers and the command handlers (ms_session.c reads and dispatches,
 * ms_cmd_auth.c the connection and login commands, ms_cmd_script.c the
 * script commands). */
#ifndef BALISE_MS_SESSION_INT_H
#define BALISE_MS_SESSION_INT_H

#include "ms_parser.h"
#include "ms_resp.h"
#include "ms_session.h"
#include "session_set.h"

struct ms_session {
	struct ms_server *srv;
	struct conn *conn; /* NULL once the connection is gone */
	unsigned refs;     /* the connection (1) + a pending job */
	struct ms_parser parser;
	bool waiting;     /* a job runs: input paused */
	bool input_reset; /* STARTTLS: drop the rest of this read */
	bool shutdown;    /* SIGTERM came while waiting: BYE after the reply */
	bool sasl;        /* AUTHENTICATE sent "": the client's response is next */
	unsigned n_cmds, n_errs, n_auth_fails;

	bool authed;
	uint64_t bal_id;
	char user[STORE_ADDR_MAX + 1];

	/* The traced command waiting for its OK or NO (ms_audit.c). */
	const char *audit_cmd;
	char audit_req[512];
	char audit_user[STORE_ADDR_MAX + 1]; /* AUTHENTICATE: the user tried */

	struct session_link link; /* in the live sessions */
};

/* A command: its name and what it needs. */
struct ms_command {
	const char *name;
	void (*run)(struct ms_session *s, const struct ms_cmd *cmd);
	unsigned min_args, max_args;
	unsigned flags;
};
#define MS_CMD_AUTH 0x01   /* only once authenticated */
#define MS_CMD_NOAUTH 0x02 /* only before */

/* Replies. ms_reply() writes one OK/NO/BYE line; a NO counts as an error
 * when error is true (too many close the session). */
void ms_reply(struct ms_session *s, enum ms_status st, const char *code, const char *text);
/* A protocol error: NO with text, counted. */
void ms_reply_error(struct ms_session *s, const char *text);
void ms_write(struct ms_session *s, const struct buf *b);
/* BYE and close. */
void ms_bye(struct ms_session *s, const char *code, const char *text);
bool ms_gone(const struct ms_session *s);
const char *ms_sid(const struct ms_session *s);
/* Pauses input for a job (holds a reference) / ends the wait. */
void ms_wait(struct ms_session *s);
void ms_wait_done(struct ms_session *s);
/* The capability lines of the session's current state. */
void ms_capabilities(struct ms_session *s, struct buf *out);

/* ms_audit.c: a command starts (traced ones are remembered), and its
 * final OK or NO is written (the trace goes to the emitter). */
void ms_audit_begin(struct ms_session *s, const char *name, const struct ms_cmd *cmd);
void ms_audit_reply(struct ms_session *s, bool ok, const char *code, const char *text);

/* ms_cmd_auth.c */
void ms_cmd_capability(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_starttls(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_authenticate(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_unauthenticate(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_logout(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_noop(struct ms_session *s, const struct ms_cmd *cmd);
/* The line after AUTHENTICATE's "" challenge. */
void ms_sasl_response(struct ms_session *s, const struct ms_cmd *cmd);
/* The TLS handshake after STARTTLS is done. */
void ms_tls_ready(struct ms_session *s);

/* ms_cmd_script.c */
void ms_cmd_listscripts(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_getscript(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_putscript(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_checkscript(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_setactive(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_deletescript(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_renamescript(struct ms_session *s, const struct ms_cmd *cmd);
void ms_cmd_havespace(struct ms_session *s, const struct ms_cmd *cmd);

#endif
