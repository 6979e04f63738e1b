/* SPDX-License-Identifier: ISC */
/* balised's audit traces (docs/audit.md): records made on the event loop
 * (logins, IMAP commands, SMTP refusals) are packed at once and written by
 * the store's writer in batches, never one write transaction per record:
 * a flush request goes to the writer when AUDIT_FLUSH_MS passed since the
 * first pending record, or when AUDIT_FLUSH_MAX records wait. Records of a
 * change (a delivery, a policy action) are written by the change's own
 * apply function with store_audit_put instead. */
#ifndef BALISE_AUDIT_H
#define BALISE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#include "balstore.h"

#define AUDIT_FLUSH_MS 500
#define AUDIT_FLUSH_MAX 256
#define AUDIT_PENDING_MAX 65536 /* past this (storage stuck), records are dropped and counted */

/* store NULL: records are only copied to syslog (tests without a store). */
void audit_init(uv_loop_t *loop, struct store *store, bool syslog_copy);
/* Writes what waits and stops the timer (before store_close). */
void audit_stop(void);

/* Loop thread only. r->time_ms 0 is taken now. */
void audit_emit(const struct store_audit *r);
/* The syslog copy of a record written elsewhere (in a change's txn). */
void audit_copy(const struct store_audit *r);

/* "ip" and port of a peer address into r->src and r->port. */
void audit_set_src(struct store_audit *r, const struct sockaddr_storage *ss);

/* Counters (tests, metrics): records emitted, written, dropped. */
void audit_stats(uint64_t *emitted_r, uint64_t *written_r, uint64_t *dropped_r);

#endif
