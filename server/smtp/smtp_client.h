/* SPDX-License-Identifier: ISC */
/* The outbound SMTP client: one session to one destination, tried at each
 * address of its route in turn until one gives a usable session, which then
 * carries several messages (RSET between them). TLS is required: a server
 * without STARTTLS, a failed handshake, a certificate that does not chain to
 * the trust-space CA or does not name the host are temporary failures;
 * nothing is ever sent in clear after EHLO. Messages are streamed from their
 * blob with dot-stuffing, a chunk at a time. */
#ifndef BALISE_SMTP_CLIENT_H
#define BALISE_SMTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "mx.h"
#include "smtpc_reply.h"

struct store;
struct tls_ctx;
struct whitelist;

/* RFC 5321 section 4.5.3.2 timeouts, milliseconds. */
struct smtp_timeouts {
	uint64_t greeting, command, data_init, data_block, data_end;
};
#define SMTP_TIMEOUTS_RFC5321                                                                      \
	((struct smtp_timeouts){5 * 60000, 5 * 60000, 2 * 60000, 3 * 60000, 10 * 60000})

struct smtp_client_cfg {
	uv_loop_t *loop;
	struct store *store; /* blobs are read from it */
	struct tls_ctx *tls; /* client context (our certificate, the trust-space CA) */
	const char *helo;    /* our host name */
	struct smtp_timeouts timeouts;
	/* When set, the server's certificate DN must be listed in this
	 * trust-space whitelist for domain (else a temporary failure). */
	const struct whitelist *wl;
	const char *domain;
};

struct smtp_out_rcpt {
	const char *address;
	const char *orcpt_type; /* NULL or "" when none */
	const char *orcpt;
	unsigned notify; /* enum store_qnotify bits, 0 when not given */
	/* Result: the server's reply, or code 0 with a reason in text when the
	 * recipient was not reached (local_permanent: a final failure decided
	 * here, e.g. the server lacks SMTPUTF8). */
	struct smtpc_reply reply;
	bool local_permanent;
};

struct smtp_out_msg {
	const char *mail_from; /* "" for the null sender */
	uint64_t blob_id;
	uint64_t size;
	bool eightbit;     /* BODY=8BITMIME needed */
	bool utf8;         /* SMTPUTF8 needed */
	int ret;           /* 0 none, 1 FULL, 2 HDRS (enum store_qret) */
	const char *envid; /* "" when none */
	struct smtp_out_rcpt *rcpts;
	size_t n_rcpts;
	/* Results */
	bool remote_dsn;        /* the server offered DSN (it reports from now on) */
	char host[MX_HOST_MAX]; /* host that answered, or "" */
	void *user;             /* the caller's */
};

struct smtp_client;

/* on_msg: one message has its results (called once per message, in order,
 * also when the session failed before reaching it). on_done: every message
 * was reported and the connection is gone; the client is freed after. */
struct smtp_client_cbs {
	void (*on_msg)(void *arg, struct smtp_out_msg *m);
	void (*on_done)(void *arg);
	void *arg;
};

/* Starts delivering msgs (kept by pointer until on_done) over the addresses
 * of route. Never fails: errors are reported through on_msg. */
void smtp_client_run(const struct smtp_client_cfg *cfg, const struct mx_result *route,
                     struct smtp_out_msg **msgs, size_t n_msgs, const struct smtp_client_cbs *cbs);
/* Stops at once (daemon shutdown): what is not done gets a temporary
 * failure; on_done follows. */
void smtp_client_abort(struct smtp_client *c);
/* Sessions running, for shutdown. */
void smtp_client_abort_all(void);
size_t smtp_client_count(void);

#endif
