/* SPDX-License-Identifier: ISC */
/* The queue runner inside balised: a libuv timer polls the due index of the
 * outbound queue (so that balisectl queue retry, another process, is seen
 * within [queue] poll_interval), groups due recipients by destination
 * domain, delivers them with the SMTP client within the connection limits,
 * and records each message's outcome with its French notices (NDR, delay
 * notice, "relayed" DSN) in one write transaction. */
#ifndef BALISE_QUEUE_RUNNER_H
#define BALISE_QUEUE_RUNNER_H

#include <stdint.h>
#include <uv.h>

#include "cfg.h"

struct store;
struct tls_ctx;
struct queue_runner;

/* Starts polling at once. tls may be NULL (no [tls] ca): every attempt
 * then fails temporarily, and expiry still produces the NDRs. cfg must
 * outlive the runner. */
struct queue_runner *queue_runner_start(uv_loop_t *loop, struct store *store, struct tls_ctx *tls,
                                        const struct config *cfg);
/* Stops the timer and interrupts running sessions (their recipients stay
 * due); on_stopped is called on the loop once nothing is left running,
 * then the runner is freed. */
void queue_runner_stop(struct queue_runner *qr, void (*on_stopped)(void *arg), void *arg);

#endif
