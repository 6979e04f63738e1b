/* SPDX-License-Identifier: ISC */
/* The counters behind /metrics (see metrics.h). */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "metrics.h"

#define N_CODES (METRICS_CODE_MAX - METRICS_CODE_MIN + 1)

static struct {
	atomic_uint_fast64_t conn_total[METRICS_PROTO_N];
	atomic_uint_fast64_t conn_open[METRICS_PROTO_N];
	atomic_uint_fast64_t commands[METRICS_CMD_N];
	atomic_uint_fast64_t refusals[N_CODES];
	atomic_uint_fast64_t delivered_local, delivered_queued;
	atomic_uint_fast64_t tls_fail_server, tls_fail_client;
	atomic_uint_fast64_t outbound[METRICS_OUT_N];
} m;

static const char *const proto_names[METRICS_PROTO_N] = {
	"imap", "imaps", "smtp", "submission", "submissions", "managesieve", "http",
};
static const char *const cmd_names[METRICS_CMD_N] = {"imap", "smtp", "managesieve"};
static const char *const out_names[METRICS_OUT_N] = {"delivered", "deferred", "failed"};

static void add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

int metrics_proto_of(const char *name)
{
	for (int i = 0; i < METRICS_PROTO_N; i++)
		if (name != NULL && strcmp(name, proto_names[i]) == 0)
			return i;
	return -1;
}

const char *metrics_proto_name(enum metrics_proto p)
{
	return proto_names[p];
}

const char *metrics_cmd_name(enum metrics_cmd c)
{
	return cmd_names[c];
}

const char *metrics_out_name(enum metrics_out o)
{
	return out_names[o];
}

void metrics_conn_open(int p)
{
	if (p < 0 || p >= METRICS_PROTO_N)
		return;
	add(&m.conn_total[p], 1);
	add(&m.conn_open[p], 1);
}

void metrics_conn_close(int p)
{
	if (p < 0 || p >= METRICS_PROTO_N)
		return;
	atomic_fetch_sub_explicit(&m.conn_open[p], 1, memory_order_relaxed);
}

void metrics_command(enum metrics_cmd c)
{
	add(&m.commands[c], 1);
}

void metrics_smtp_reply(int code)
{
	if (code >= METRICS_CODE_MIN && code <= METRICS_CODE_MAX)
		add(&m.refusals[code - METRICS_CODE_MIN], 1);
}

void metrics_delivered(size_t local, size_t queued)
{
	add(&m.delivered_local, local);
	add(&m.delivered_queued, queued);
}

void metrics_tls_failed(bool server)
{
	add(server ? &m.tls_fail_server : &m.tls_fail_client, 1);
}

void metrics_outbound(unsigned code)
{
	if (code >= 200 && code < 300)
		add(&m.outbound[METRICS_OUT_DELIVERED], 1);
	else if (code >= 500 && code < 600)
		add(&m.outbound[METRICS_OUT_FAILED], 1);
	else
		add(&m.outbound[METRICS_OUT_DEFERRED], 1);
}

void metrics_read(struct metrics_snapshot *out)
{
	for (size_t i = 0; i < METRICS_PROTO_N; i++) {
		out->conn_total[i] = get(&m.conn_total[i]);
		out->conn_open[i] = get(&m.conn_open[i]);
	}
	for (size_t i = 0; i < METRICS_CMD_N; i++)
		out->commands[i] = get(&m.commands[i]);
	for (size_t i = 0; i < N_CODES; i++)
		out->refusals[i] = get(&m.refusals[i]);
	out->delivered_local = get(&m.delivered_local);
	out->delivered_queued = get(&m.delivered_queued);
	out->tls_fail_server = get(&m.tls_fail_server);
	out->tls_fail_client = get(&m.tls_fail_client);
	for (size_t i = 0; i < METRICS_OUT_N; i++)
		out->outbound[i] = get(&m.outbound[i]);
}

void metrics_reset(void)
{
	for (size_t i = 0; i < METRICS_PROTO_N; i++) {
		atomic_store(&m.conn_total[i], 0);
		atomic_store(&m.conn_open[i], 0);
	}
	for (size_t i = 0; i < METRICS_CMD_N; i++)
		atomic_store(&m.commands[i], 0);
	for (size_t i = 0; i < N_CODES; i++)
		atomic_store(&m.refusals[i], 0);
	atomic_store(&m.delivered_local, 0);
	atomic_store(&m.delivered_queued, 0);
	atomic_store(&m.tls_fail_server, 0);
	atomic_store(&m.tls_fail_client, 0);
	for (size_t i = 0; i < METRICS_OUT_N; i++)
		atomic_store(&m.outbound[i], 0);
}
