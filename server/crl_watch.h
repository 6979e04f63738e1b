/* SPDX-License-Identifier: ISC */
/* balised's watch on [tls] crl: a stale CRL fails every peer verification
 * (inbound peers are answered 454 4.7.0, outbound TLS fails), so its
 * nextUpdate is checked at start-up and then daily, with a warning once it
 * is less than [tls] crl_warn away and an error once it has passed. */
#ifndef BALISE_CRL_WATCH_H
#define BALISE_CRL_WATCH_H

#include <stdint.h>
#include <uv.h>

struct crl_watch;

/* Checks now (on the loop's first turn) and every 24 h. NULL when path is
 * unset or empty (nothing to watch). warn: seconds. */
struct crl_watch *crl_watch_start(uv_loop_t *loop, const char *path, uint64_t warn);
/* Closes the timer; sets *w to NULL. */
void crl_watch_stop(struct crl_watch **w);

/* One check, logged (tests call it with their own clock). */
void crl_watch_check(const char *path, uint64_t warn, int64_t now);

#endif
