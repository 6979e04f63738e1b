/* SPDX-License-Identifier: ISC */
/* What the session fuzz targets (IMAP, SMTP, ManageSieve) share: a
 * temporary store on the default loop, loopback listeners, and the driving
 * of one client connection per input until its session has ended. */
#ifndef BALISE_FUZZ_SESSION_HARNESS_H
#define BALISE_FUZZ_SESSION_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "balstore.h"
#include "listen.h"

struct auth;

struct session_harness {
	const char *name;               /* the target: log ident, messages */
	size_t (*sessions_count)(void); /* live sessions of the service */
	bool ready;
	bool echo;    /* replies copied to stderr */
	char dir[64]; /* the temporary store */
	uv_loop_t *loop;
	struct store *store;
	struct listen_set *ls;
	unsigned accepted; /* counted by the targets' on_accept */
};

/* Logs (debug level and echo when the variable echo_env is set), makes the
 * store in a new directory from dir_template, fills it with setup, and
 * creates the listener set (nothing bound yet). */
void session_harness_open(struct session_harness *h, const char *echo_env, const char *dir_template,
                          int (*setup)(struct store_txn *, void *));

/* In the set-up transaction: adds the domain of address (if new) and a
 * personal BAL at address with that password (NULL: none) and quota; its id
 * in *id_r if not NULL. Returns store_bal_create's result (STORE_E_EXISTS
 * when the BAL is there already) or the domain's error. */
int session_harness_add_bal(struct store_txn *txn, const char *address, const char *password,
                            uint64_t quota_bytes, uint64_t *id_r);

/* An auth service on the store that answers failures at once. */
struct auth *session_harness_auth(struct session_harness *h);

/* Binds one service on 127.0.0.1, an ephemeral port. */
void session_harness_listen(struct session_harness *h, const char *name,
                            void (*on_accept)(struct conn *, void *), void *arg);

/* Starts the listeners. */
void session_harness_start(struct session_harness *h);

/* Frees the listeners and the store and removes its files and directory
 * (other files the target put there must be gone before). */
void session_harness_close(struct session_harness *h);

/* Connects to the port of listener i, sends data (then EOF), drains the
 * replies and turns the loop until the session is gone; fatal if it does
 * not end. */
void session_harness_run(struct session_harness *h, size_t i, const uint8_t *data, size_t size);

#endif
