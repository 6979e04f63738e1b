/* SPDX-License-Identifier: ISC */
/* Internal to the SMTP session files: the session, the reply helpers and
 * the command handlers (smtp_session.c reads and dispatches,
 * smtp_session_tx.c runs the mail transaction, smtp_session_auth.c AUTH,
 * smtp_trust.c the trust-space checks). */
#ifndef BALISE_SMTP_SESSION_INT_H
#define BALISE_SMTP_SESSION_INT_H

#include "dn.h"
#include "imap_notify.h"
#include "session_set.h"
#include "smtp_deliver.h"
#include "smtp_session.h"

enum smtp_input {
	SMTP_IN_LINES,      /* commands */
	SMTP_IN_DATA,       /* after "354" */
	SMTP_IN_BDAT,       /* inside a BDAT chunk */
	SMTP_IN_AUTH_PLAIN, /* "334 " sent, the PLAIN response is next */
	SMTP_IN_AUTH_LOGIN, /* "334 " sent, a LOGIN step is next */
};

struct smtp_session {
	struct smtp_server *srv;
	struct conn *conn; /* NULL once the connection is gone */
	enum smtp_mode mode;
	unsigned refs; /* the connection (1) + a pending job */
	struct smtp_line_reader lr;
	enum smtp_input in;
	bool waiting;     /* a job runs: input paused */
	bool input_reset; /* STARTTLS: drop the rest of this read */
	bool shutdown;    /* SIGTERM came while waiting: 421 after the reply */
	unsigned n_cmds, n_errs;
	/* The last reply sent (first line), for audit traces. */
	int last_code;
	char last_text[200];

	bool greeted; /* EHLO or HELO */
	bool esmtp;   /* EHLO: extensions may be used */
	char helo[SMTP_HELO_MAX + 1];

	/* Submission: the authenticated BAL. */
	bool authed;
	uint64_t bal_id;
	char user[STORE_ADDR_MAX + 1];
	struct smtp_sasl_login login;

	/* Inbound: the peer's certificate DN (text and dn.h key), once TLS
	 * is up and a verified certificate was presented. */
	bool peer_ok;
	char peer_dn[TLS_DN_MAX];
	char peer_key[DN_KEY_MAX];

	/* The transaction. */
	bool mail;
	char from[SMTP_PATH_MAX + 1];
	uint64_t from_bal; /* submission: the BAL sent as (own, or delegated with p) */
	struct smtp_mail_params mp;
	struct smtp_drcpt *rcpts;
	unsigned n_rcpts;
	struct smtp_data_reader dr;
	struct buf msg;
	bool bdat;          /* the data came by BDAT */
	bool bdat_refused;  /* BDAT without a transaction: the chunks are dropped */
	uint64_t bdat_left; /* bytes of the current chunk still to read */
	bool bdat_last;
	struct smtp_job *job; /* the commit in flight */

	struct session_link link; /* in the live sessions */
};

/* Replies. smtp_reply() writes "code enh text" (text may hold '\n' for
 * several lines); a 5xx counts as an error (too many close the session). */
void smtp_reply(struct smtp_session *s, int code, const char *enh, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void smtp_reply_id(struct smtp_session *s, enum smtp_reply_id id);
/* "421 ..." and close. */
void smtp_close(struct smtp_session *s, const char *enh, const char *text);
bool smtp_gone(const struct smtp_session *s);
const char *smtp_sid(const struct smtp_session *s);
/* Pauses input for a job (holds a reference) / ends the wait. */
void smtp_wait(struct smtp_session *s);
void smtp_wait_done(struct smtp_session *s);
/* Forgets the transaction (RSET, after a message, after STARTTLS). */
void smtp_tx_reset(struct smtp_session *s);

/* Commands (smtp_session_tx.c). */
void smtp_cmd_mail(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_cmd_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_cmd_data(struct smtp_session *s);
void smtp_cmd_bdat(struct smtp_session *s, const struct smtp_cmd *cmd);
/* The data is complete (DATA's final dot, BDAT LAST): check and store. */
void smtp_message_end(struct smtp_session *s);
/* The sink of the DATA and BDAT readers. */
void smtp_msg_sink(void *ctx, const uint8_t *data, size_t len);

/* AUTH (smtp_session_auth.c). */
void smtp_cmd_auth(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_auth_line(struct smtp_session *s, struct slice line);

/* Trust space (smtp_trust.c). Each returns true when allowed, else
 * writes the refusal. */
bool smtp_trust_peer(struct smtp_session *s);
bool smtp_trust_sender(struct smtp_session *s, const struct smtp_path *from);
bool smtp_trust_header_from(struct smtp_session *s, struct slice msg);
/* The domain of an address (after the last '@'), "" when none. */
const char *smtp_addr_domain(const char *addr);

#endif
