/* SPDX-License-Identifier: ISC */
/* The /metrics page and the autoconfig XML (see http_render.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http_render.h"
#include "util.h"

/* ------------------------------------------------------------------ Prometheus */

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct buf *out, const char *name, const char *label, const char *value,
                   uint64_t v)
{
	if (label != NULL)
		buf_printf(out, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, value, v);
	else
		buf_printf(out, "%s %" PRIu64 "\n", name, v);
}

static void render_connections(struct buf *out, const struct metrics_snapshot *m)
{
	family(out, "balise_connections_total", "counter",
	       "Connections accepted, by listener ([listen] key).");
	for (int i = 0; i < METRICS_PROTO_N; i++)
		sample(out, "balise_connections_total", "protocol", metrics_proto_name(i),
		       m->conn_total[i]);
	family(out, "balise_connections_open", "gauge", "Connections open now, by listener.");
	for (int i = 0; i < METRICS_PROTO_N; i++)
		sample(out, "balise_connections_open", "protocol", metrics_proto_name(i),
		       m->conn_open[i]);
	family(out, "balise_commands_total", "counter",
	       "Commands received by the sessions, by protocol.");
	for (int i = 0; i < METRICS_CMD_N; i++)
		sample(out, "balise_commands_total", "protocol", metrics_cmd_name(i),
		       m->commands[i]);
}

static void render_mail(struct buf *out, const struct metrics_snapshot *m)
{
	family(out, "balise_deliveries_total", "counter",
	       "Messages committed by SMTP: local recipients that took them (local), "
	       "recipients queued for other operators (queued).");
	sample(out, "balise_deliveries_total", "kind", "local", m->delivered_local);
	sample(out, "balise_deliveries_total", "kind", "queued", m->delivered_queued);
	family(out, "balise_smtp_refusals_total", "counter",
	       "SMTP replies 4xx and 5xx sent by the SMTP and submission listeners, by code.");
	for (int i = 0; i <= METRICS_CODE_MAX - METRICS_CODE_MIN; i++) {
		char code[16];
		if (m->refusals[i] == 0)
			continue;
		snprintf(code, sizeof(code), "%d", METRICS_CODE_MIN + i);
		sample(out, "balise_smtp_refusals_total", "code", code, m->refusals[i]);
	}
	family(out, "balise_outbound_recipients_total", "counter",
	       "Outbound delivery attempts per recipient, by outcome (queue runner).");
	for (int i = 0; i < METRICS_OUT_N; i++)
		sample(out, "balise_outbound_recipients_total", "result", metrics_out_name(i),
		       m->outbound[i]);
	family(out, "balise_tls_handshake_failures_total", "counter",
	       "TLS handshakes that failed: accepted connections (server), outbound SMTP "
	       "(client).");
	sample(out, "balise_tls_handshake_failures_total", "side", "server", m->tls_fail_server);
	sample(out, "balise_tls_handshake_failures_total", "side", "client", m->tls_fail_client);
}

static void render_store(struct buf *out, const struct http_gauges *g)
{
	static const char *const levels[3] = {"80", "90", "100"};

	family(out, "balise_store_up", "gauge", "1 when the store answered a read transaction.");
	sample(out, "balise_store_up", NULL, NULL, g->store_ok ? 1 : 0);
	if (!g->store_ok)
		return;
	family(out, "balise_store_map_size_bytes", "gauge", "LMDB map size now.");
	sample(out, "balise_store_map_size_bytes", NULL, NULL, g->map_size);
	family(out, "balise_store_map_size_max_bytes", "gauge",
	       "Largest map ([storage] map_size_max).");
	sample(out, "balise_store_map_size_max_bytes", NULL, NULL, g->map_size_max);
	family(out, "balise_store_used_bytes", "gauge",
	       "Bytes of the map in use (pages up to the last one used).");
	sample(out, "balise_store_used_bytes", NULL, NULL, g->map_used);
	family(out, "balise_bals", "gauge", "BALs in the store.");
	sample(out, "balise_bals", NULL, NULL, g->bals);
	family(out, "balise_bals_quota_at_or_above", "gauge",
	       "BALs whose usage is at or above a level (percent) of their quota.");
	for (int i = 0; i < 3; i++)
		sample(out, "balise_bals_quota_at_or_above", "level", levels[i], g->quota_at[i]);
	family(out, "balise_queue_entries", "gauge", "Entries in the outbound queue.");
	sample(out, "balise_queue_entries", NULL, NULL, g->queue_entries);
	family(out, "balise_queue_oldest_age_seconds", "gauge",
	       "Age of the oldest outbound queue entry (0 when empty).");
	sample(out, "balise_queue_oldest_age_seconds", NULL, NULL, g->queue_oldest_age);
}

void http_metrics_render(struct buf *out, const struct metrics_snapshot *m,
                         const struct http_gauges *g)
{
	family(out, "balise_ready", "gauge", "1 when every listener is up and the store answers.");
	sample(out, "balise_ready", NULL, NULL, g->ready ? 1 : 0);
	family(out, "balise_start_time_seconds", "gauge", "Start time of balised (unix seconds).");
	sample(out, "balise_start_time_seconds", NULL, NULL, (uint64_t)g->start_time);
	family(out, "balise_clock_synchronised", "gauge",
	       "1 when the kernel says the clock is synchronised (ntp_adjtime), 0 when not.");
	if (g->clock_sync >= 0)
		sample(out, "balise_clock_synchronised", NULL, NULL, (uint64_t)g->clock_sync);
	render_connections(out, m);
	render_mail(out, m);
	render_store(out, g);
}

/* ------------------------------------------------------------------ autoconfig */

void http_xml_escape(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_append_str(out, "&amp;"); break;
		case '<': buf_append_str(out, "&lt;"); break;
		case '>': buf_append_str(out, "&gt;"); break;
		case '"': buf_append_str(out, "&quot;"); break;
		case '\'': buf_append_str(out, "&apos;"); break;
		default:
			/* XML 1.0 has no form for the other control characters. */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
				buf_append_u8(out, (uint8_t)*s);
			break;
		}
	}
}

static void element(struct buf *out, const char *indent, const char *name, const char *value)
{
	buf_printf(out, "%s<%s>", indent, name);
	http_xml_escape(out, value);
	buf_printf(out, "</%s>\n", name);
}

static void server(struct buf *out, const char *tag, const char *type, const char *host,
                   unsigned port, bool ssl)
{
	char p[16];

	if (port == 0)
		return;
	snprintf(p, sizeof(p), "%u", port);
	buf_printf(out, "    <%s type=\"%s\">\n", tag, type);
	element(out, "      ", "hostname", host);
	element(out, "      ", "port", p);
	element(out, "      ", "socketType", ssl ? "SSL" : "STARTTLS");
	element(out, "      ", "username", "%EMAILADDRESS%");
	element(out, "      ", "authentication", "password-cleartext");
	buf_printf(out, "    </%s>\n", tag);
}

void http_autoconfig_render(struct buf *out, const struct http_autoconfig *ac)
{
	buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                    "<clientConfig version=\"1.1\">\n  <emailProvider id=\"");
	http_xml_escape(out, ac->domain);
	buf_append_str(out, "\">\n");
	element(out, "    ", "domain", ac->domain);
	element(out, "    ", "displayName", "MSSanté");
	element(out, "    ", "displayShortName", ac->domain);
	server(out, "incomingServer", "imap", ac->hostname, ac->imaps_port, true);
	server(out, "incomingServer", "imap", ac->hostname, ac->imap_port, false);
	server(out, "outgoingServer", "smtp", ac->hostname, ac->submissions_port, true);
	server(out, "outgoingServer", "smtp", ac->hostname, ac->submission_port, false);
	buf_append_str(out, "  </emailProvider>\n</clientConfig>\n");
}
