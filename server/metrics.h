/* SPDX-License-Identifier: ISC */
/* Process-wide counters for the operator's /metrics page (server/http/).
 * Each is bumped at one place: the listeners (connections), the sessions
 * (commands, SMTP refusals, deliveries), the connection layer (TLS
 * handshake failures) and the queue runner (outbound outcomes). Counters
 * are atomic (relaxed): any thread may bump or read them. */
#ifndef BALISE_METRICS_H
#define BALISE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Listeners, by [listen] key. */
enum metrics_proto {
	METRICS_IMAP,
	METRICS_IMAPS,
	METRICS_SMTP,
	METRICS_SUBMISSION,
	METRICS_SUBMISSIONS,
	METRICS_MANAGESIEVE,
	METRICS_HTTP,
	METRICS_PROTO_N,
};

/* Command counters, by protocol family. */
enum metrics_cmd {
	METRICS_CMD_IMAP,
	METRICS_CMD_SMTP,
	METRICS_CMD_MANAGESIEVE,
	METRICS_CMD_N,
};

/* Outbound recipient outcomes of the queue runner. */
enum metrics_out {
	METRICS_OUT_DELIVERED, /* 2xx */
	METRICS_OUT_DEFERRED,  /* 4xx or no answer: tried again later */
	METRICS_OUT_FAILED,    /* 5xx */
	METRICS_OUT_N,
};

#define METRICS_CODE_MIN 400 /* SMTP refusals are counted by reply code */
#define METRICS_CODE_MAX 599

/* A copy of every counter, read at once. */
struct metrics_snapshot {
	uint64_t conn_total[METRICS_PROTO_N];
	uint64_t conn_open[METRICS_PROTO_N];
	uint64_t commands[METRICS_CMD_N];
	uint64_t refusals[METRICS_CODE_MAX - METRICS_CODE_MIN + 1];
	uint64_t delivered_local; /* copies stored in local INBOXes */
	uint64_t delivered_queued; /* recipients queued for other operators */
	uint64_t tls_fail_server;  /* handshakes of accepted connections */
	uint64_t tls_fail_client;  /* handshakes of the outbound SMTP client */
	uint64_t outbound[METRICS_OUT_N];
};

/* The protocol of a listener name ("imap", "submissions"...), or -1. */
int metrics_proto_of(const char *name);
const char *metrics_proto_name(enum metrics_proto p);
const char *metrics_cmd_name(enum metrics_cmd c);
const char *metrics_out_name(enum metrics_out o);

/* Listeners: a connection was accepted and counted / has closed. p may be
 * -1 (not a counted protocol): nothing happens. */
void metrics_conn_open(int p);
void metrics_conn_close(int p);
/* Sessions: one command received (parsed or not). */
void metrics_command(enum metrics_cmd c);
/* SMTP server sessions: a reply was sent; 4xx and 5xx are counted. */
void metrics_smtp_reply(int code);
/* A message was committed: local copies stored, recipients queued. */
void metrics_delivered(size_t local, size_t queued);
/* Connection layer: a TLS handshake failed (server or client side). */
void metrics_tls_failed(bool server);
/* Queue runner: the reply of one recipient's attempt (0: no answer). */
void metrics_outbound(unsigned code);

void metrics_read(struct metrics_snapshot *out);
/* Tests: every counter back to 0. */
void metrics_reset(void);

#endif
