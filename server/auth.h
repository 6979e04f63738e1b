/* SPDX-License-Identifier: ISC */
/* Password authentication for the protocol sessions: argon2id off the
 * event loop, a short-lived cache of successful checks keyed by an HMAC
 * (never the password), and delays after failures per source address and
 * per account. */
#ifndef BALISE_AUTH_H
#define BALISE_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "balstore.h"
#include "pwhash.h"

#define AUTH_PASSWORD_MAX 1024       /* longer passwords fail without hashing */
#define AUTH_FAIL_BASE_MS 250        /* first failure: this delay */
#define AUTH_FAIL_MAX_MS 8000        /* doubling up to this */
#define AUTH_FAIL_FORGET_S (15 * 60) /* counters reset after this long without failure */
#define AUTH_CACHE_MAX 65536         /* cached successful checks */
#define AUTH_TABLE_BUCKETS 4096      /* hash buckets of the cache and counters */

struct auth;

enum auth_result {
	AUTH_OK,       /* password right, BAL active (or its deletion requested: readable) */
	AUTH_FAILED,   /* unknown address or wrong password */
	AUTH_DISABLED, /* password right but the BAL is not active (suspended...) */
	AUTH_TEMPFAIL, /* storage error */
};

/* cache_ttl_s 0 disables the cache. dummy: parameters for the hash checked
 * when the address is unknown, so that timing does not tell (the
 * configured ones). */
struct auth *auth_new(uv_loop_t *loop, struct store *store, uint64_t cache_ttl_s,
                      const struct pwhash_params *dummy);
/* Call once no check is pending (after the loop ended). Sets *a to NULL. */
void auth_free(struct auth **a);

/* Checks address (case-insensitive) and password. done is always called
 * later, on the loop thread, never from inside auth_check: with AUTH_OK
 * the BAL as read (its last_login update is queued to the store, not
 * waited for); otherwise bal is NULL. After a failure the call is delayed
 * (AUTH_FAIL_*, per peer address and per account). log_id prefixes log
 * lines (copied). The password is copied and wiped after use; the caller
 * wipes its own copy. */
typedef void auth_done_fn(void *arg, enum auth_result r, const struct store_bal *bal);
void auth_check(struct auth *a, const char *address, const uint8_t *pw, size_t pwlen,
                const struct sockaddr_storage *peer, const char *log_id, auth_done_fn *done,
                void *arg);

/* Failure delays (tests and fuzzing; the defaults are AUTH_FAIL_*). */
void auth_set_fail_delay(struct auth *a, unsigned base_ms, unsigned max_ms);

/* Number of argon2 verifications run (tests: shows the cache works). */
uint64_t auth_hash_count(const struct auth *a);
/* Number of checks that waited for an identical one's argon2 (same
 * address, password and stored hash, in flight) instead of running it. */
uint64_t auth_merged_count(const struct auth *a);

#endif
