/* SPDX-License-Identifier: ISC */
/* The SMTP server sessions of balised: inbound mail from other trust-space
 * operators (port 25: STARTTLS, client certificate checked against the CA
 * and the ANS whitelist) and submission by the BALs' holders (587 with
 * STARTTLS, 465 with implicit TLS: AUTH PLAIN/LOGIN after TLS). Replies
 * are in order (PIPELINING): a command that waits (a password check, a
 * commit) pauses the input until its reply is written. */
#ifndef BALISE_SMTP_SESSION_H
#define BALISE_SMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "balstore.h"
#include "smtp_cmd.h"
#include "smtp_data.h"
#include "smtp_sasl.h"
#include "tls.h"

struct conn;
struct auth;
struct whitelist_holder;
struct trust_snap;

/* Defaults of the [smtp] keys (docs/configuration.md). */
#define SMTP_RCPT_MAX_DEFAULT 100         /* RFC 5321 section 4.5.3.1.8: at least 100 */
#define SMTP_CMD_MAX_DEFAULT 10000        /* commands in one session */
#define SMTP_ERR_MAX_DEFAULT 20           /* refused commands before "421" */
#define SMTP_IDLE_MS_DEFAULT (300 * 1000) /* RFC 5321 section 4.5.3.2.7: 5 minutes */
#define SMTP_HELO_MAX 255                 /* EHLO/HELO argument kept for Received: */
#define SMTP_ID_LEN 16                    /* queue id in Received: and the 250 reply */
#define SMTP_HOPS_MAX 50                  /* Received: fields before 554 5.4.6 (a loop) */

enum smtp_mode {
	SMTP_MODE_INBOUND,    /* port 25: other operators, mutual TLS */
	SMTP_MODE_SUBMISSION, /* ports 587 and 465: authenticated holders */
};

/* What every session shares (process lifetime, owned by balised). */
struct smtp_server {
	uv_loop_t *loop;
	struct store *store;
	struct tls_ctx *tls_inbound;    /* STARTTLS on port 25 (asks a client certificate) */
	struct tls_ctx *tls_submission; /* STARTTLS on port 587 */
	struct auth *auth;
	struct whitelist_holder *whitelist;
	struct trust_snap *trust; /* forwarding rule of Sieve redirects; NULL: all refused */
	const char *hostname;
	const char *postmaster; /* RCPT TO:<Postmaster>; "" or NULL: postmaster@hostname */
	bool postmaster_set;    /* [server] postmaster configured: it signs the reports,
	                         * else the postmaster of a domain served here does */
	uint64_t size_max;      /* [limits] message_size_max */
	unsigned rcpt_max, cmd_max, err_max;
	uint64_t idle_ms;
	bool from_check;         /* header From: domain listed for the peer's DN */
	const char *from_exempt; /* comma-separated MAIL FROM domains without that check */
	/* Tests and fuzzing only (never set by balised): AUTH and MAIL
	 * without TLS, and test_peer_dn (a DN as text) stands for the
	 * verified certificate of an inbound peer. */
	bool test_plaintext;
	const char *test_peer_dn;
};

/* listen_service.on_accept, arg the struct smtp_server: port 25, and
 * ports 587/465 (implicit TLS was started by the listener for 465). */
void smtp_session_accept_inbound(struct conn *c, void *arg);
void smtp_session_accept_submission(struct conn *c, void *arg);

/* SIGTERM: "421 4.3.2" and close every session (a session waiting for a
 * commit answers it first). */
void smtp_sessions_shutdown(void);
size_t smtp_sessions_count(void);
/* Called when the last session is freed after smtp_sessions_shutdown(). */
void smtp_sessions_on_empty(void (*fn)(void *arg), void *arg);

#endif
