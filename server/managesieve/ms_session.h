/* SPDX-License-Identifier: ISC */
/* The ManageSieve server sessions of balised (RFC 5804, port 4190): the
 * holders of BALs manage their Sieve scripts. STARTTLS is required before
 * AUTHENTICATE PLAIN (the only mechanism); the password is checked off the
 * loop by server/auth.c, scripts are compiled at upload on the thread
 * pool, under the forwarding rule of the trust space, and every change
 * goes through the store's writer. One command at a time: a command that
 * waits pauses the input until its answer is written. */
#ifndef BALISE_MS_SESSION_H
#define BALISE_MS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "balstore.h"
#include "sieve_policy.h"

struct conn;
struct auth;
struct tls_ctx;

/* What every session shares (process lifetime, owned by balised). */
struct ms_server {
	uv_loop_t *loop;
	struct store *store;
	struct tls_ctx *tls; /* STARTTLS; NULL: not offered (nor AUTHENTICATE) */
	struct auth *auth;
	/* The forwarding rule's data for one upload, called on a thread-pool
	 * thread: get fills *p (holding references), put gives them back.
	 * policy_get NULL: no Annuaire and no whitelist (the rule then refuses
	 * what it cannot check). */
	void (*policy_get)(void *arg, struct sieve_policy *p);
	void (*policy_put)(void *arg, struct sieve_policy *p);
	void *policy_arg;
	bool redirect_structures; /* without policy_get: [trust] redirect_structures */
	uint64_t idle_ms;         /* 0: MS_IDLE_MS */
	/* Tests and fuzzing only (never set by balised): AUTHENTICATE
	 * without TLS. */
	bool test_plaintext;
};

/* listen_service.on_accept, arg the struct ms_server. */
void ms_session_accept(struct conn *c, void *arg);

/* SIGTERM: BYE and close every session (a session waiting for a job
 * answers it first). */
void ms_sessions_shutdown(void);
size_t ms_sessions_count(void);
/* Called when the last session is freed after ms_sessions_shutdown(). */
void ms_sessions_on_empty(void (*fn)(void *arg), void *arg);

#endif
