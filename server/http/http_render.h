/* SPDX-License-Identifier: ISC */
/* What the operator endpoint answers, built without I/O: the /metrics page
 * in the Prometheus text exposition format (version 0.0.4) and the
 * Thunderbird autoconfiguration file (clientConfig 1.1). */
#ifndef BALISE_HTTP_RENDER_H
#define BALISE_HTTP_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "metrics.h"

#define HTTP_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Gauges read at scrape time. */
struct http_gauges {
	bool ready;                /* /health would answer 200 */
	int64_t start_time;        /* unix seconds */
	int clock_sync;            /* 1 synchronised, 0 not, -1 unknown */
	bool store_ok;             /* the store answered; the fields below are valid */
	uint64_t map_size, map_size_max, map_used; /* bytes */
	uint64_t bals;             /* BALs */
	uint64_t quota_at[3];      /* BALs at or above 80, 90, 100 % of their quota */
	uint64_t queue_entries;
	uint64_t queue_oldest_age; /* seconds; 0 when the queue is empty */
};

/* The whole /metrics page. */
void http_metrics_render(struct buf *out, const struct metrics_snapshot *m,
                         const struct http_gauges *g);

/* The servers a mail client is told about; a port of 0 is not offered. */
struct http_autoconfig {
	const char *domain;   /* the served mail domain */
	const char *hostname; /* [server] hostname */
	unsigned imaps_port, imap_port;             /* SSL, STARTTLS */
	unsigned submissions_port, submission_port; /* SSL, STARTTLS */
};

/* clientConfig XML for ac: IMAP over implicit TLS first, then STARTTLS,
 * the same for submission; username %EMAILADDRESS%, password-cleartext
 * (only ever over TLS). Every string is XML-escaped. */
void http_autoconfig_render(struct buf *out, const struct http_autoconfig *ac);
/* XML character data and attribute values: & < > " ' escaped. */
void http_xml_escape(struct buf *out, const char *s);

#endif
