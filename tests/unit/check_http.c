/* SPDX-License-Identifier: ISC */
/* The operator endpoint without I/O: HTTP request heads (RFC 9112) fed
 * whole and as every prefix, each refusal with its status, pipelining,
 * limits; query values; the counters of server/metrics.c; the /metrics
 * page (Prometheus text format) and the autoconfig XML with escaping. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parser.h"
#include "http_render.h"
#include "metrics.h"

static struct http_request req;
static size_t used;
static unsigned status;
static const char *why;

static int parse_n(const char *s, size_t n)
{
	status = 0;
	why = NULL;
	used = 0;
	return http_parse_request((const uint8_t *)s, n, &req, &used, &status, &why);
}

static int parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* Every proper prefix of a complete head is incomplete, and the whole is
 * complete: the answer never depends on how the bytes were split. */
static void check_prefixes(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		ck_assert_msg(parse_n(s, i) == HTTP_PARSE_MORE, "prefix %zu of %s", i, s);
	ck_assert_int_eq(parse_n(s, n), HTTP_PARSE_DONE);
	ck_assert_uint_eq(used, n);
}

static void expect_error(const char *s, unsigned want)
{
	ck_assert_msg(parse(s) == HTTP_PARSE_ERROR, "no error for %s", s);
	ck_assert_uint_eq(status, want);
	ck_assert_ptr_nonnull(why);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------------ parser */

START_TEST(get_11)
{
	const char *s = "GET /metrics?a=1&b=2 HTTP/1.1\r\nHost: localhost:9100\r\n"
	                "User-Agent: test\r\n\r\n";

	check_prefixes(s);
	ck_assert_int_eq(req.method, HTTP_GET);
	ck_assert(slice_eq_cstr(req.path, "/metrics"));
	ck_assert(slice_eq_cstr(req.query, "a=1&b=2"));
	ck_assert(slice_eq_cstr(req.host, "localhost:9100"));
	ck_assert_uint_eq(req.minor, 1);
	ck_assert(req.keep_alive);
	ck_assert(!req.has_body);
	ck_assert_uint_eq(req.n_headers, 2);
}
END_TEST

START_TEST(http_10_and_connection)
{
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert_uint_eq(req.minor, 0);
	ck_assert(!req.keep_alive);
	ck_assert_uint_eq(req.host.len, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert(req.keep_alive);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n"),
	                 HTTP_PARSE_DONE);
	ck_assert(!req.keep_alive);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nconnection:keep-alive\r\n\r\n"),
	                 HTTP_PARSE_DONE);
	ck_assert(req.keep_alive);
}
END_TEST

START_TEST(methods)
{
	ck_assert_int_eq(parse("HEAD /health HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert_int_eq(req.method, HTTP_HEAD);
	ck_assert_int_eq(parse("POST /health HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert_int_eq(req.method, HTTP_OTHER);
	/* methods are case-sensitive (RFC 9110 section 9.1) */
	ck_assert_int_eq(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert_int_eq(req.method, HTTP_OTHER);
	expect_error("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}
END_TEST

START_TEST(lenient_line_ends)
{
	/* RFC 9112 section 2.2: a bare LF ends a line; empty lines before the
	 * request line are skipped. */
	check_prefixes("\r\n\nGET /x HTTP/1.1\nHost: a\n\n");
	ck_assert(slice_eq_cstr(req.path, "/x"));
	expect_error("GET /x HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400);
	expect_error("GET /x\r HTTP/1.1\r\nHost: a\r\n\r\n", 400);
}
END_TEST

START_TEST(pipelined)
{
	const char *s = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\n";

	ck_assert_int_eq(parse(s), HTTP_PARSE_DONE);
	ck_assert(slice_eq_cstr(req.path, "/a"));
	ck_assert_uint_eq(used, 28);
	ck_assert_int_eq(parse(s + used), HTTP_PARSE_DONE);
	ck_assert(slice_eq_cstr(req.path, "/b"));
	ck_assert_int_eq(req.method, HTTP_HEAD);
}
END_TEST

START_TEST(version_and_target)
{
	expect_error("GET / HTTP/2.0\r\n\r\n", 505);
	expect_error("GET / HTTP/0.9\r\n\r\n", 505);
	expect_error("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400);
	expect_error("GET / http/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("GET /\r\n\r\n", 400);
	expect_error("GET\r\n\r\n", 400);
	expect_error("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("GET /a?x#b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	expect_error("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ck_assert_int_eq(parse_n("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n", 28), HTTP_PARSE_ERROR);
	ck_assert_uint_eq(status, 400);
	ck_assert_int_eq(parse("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert(slice_eq_cstr(req.path, "/a"));
	ck_assert_uint_eq(req.query.len, 0);
}
END_TEST

START_TEST(fields)
{
	expect_error("GET / HTTP/1.1\r\n\r\n", 400); /* no Host in 1.1 */
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", 400);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost:   a.example  \r\nX-U: \xc3\xa9\r\n\r\n"),
	                 HTTP_PARSE_DONE);
	ck_assert(slice_eq_cstr(req.host, "a.example"));
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n"), HTTP_PARSE_DONE);
	ck_assert_uint_eq(req.host.len, 0);
}
END_TEST

START_TEST(bodies)
{
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
	                 HTTP_PARSE_DONE);
	ck_assert(!req.has_body);
	ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n"),
	                 HTTP_PARSE_DONE);
	ck_assert(req.has_body);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
	                 HTTP_PARSE_DONE);
	ck_assert(req.has_body);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400);
	expect_error("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400);
}
END_TEST

START_TEST(limits)
{
	char *long_target = repeat('a', HTTP_LINE_MAX);
	char *value = repeat('v', HTTP_LINE_MAX);
	char buf[HTTP_HEAD_MAX + 8192];
	size_t off;

	/* 414 as soon as the request line passes the limit, before its end */
	snprintf(buf, sizeof(buf), "GET /%s", long_target);
	expect_error(buf, 414);
	snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\nHost: a\r\n\r\n", long_target);
	expect_error(buf, 414);
	/* a line of exactly HTTP_LINE_MAX is fine */
	snprintf(buf, sizeof(buf), "GET /%.*s HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_LINE_MAX - 14,
	         long_target);
	ck_assert_int_eq(parse(buf), HTTP_PARSE_DONE);
	/* header line over the limit: 431, also while incomplete */
	snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX: %s", value);
	expect_error(buf, 431);
	/* more than HTTP_HEADERS_MAX fields */
	off = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < HTTP_HEADERS_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "X-%d: 1\r\n", i);
	snprintf(buf + off, sizeof(buf) - off, "\r\n");
	expect_error(buf, 431);
	/* exactly HTTP_HEADERS_MAX is fine */
	off = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < HTTP_HEADERS_MAX; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "X-%d: 1\r\n", i);
	snprintf(buf + off, sizeof(buf) - off, "\r\n");
	ck_assert_int_eq(parse(buf), HTTP_PARSE_DONE);
	/* a head over HTTP_HEAD_MAX in few long lines: 431 */
	off = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < 5; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "X-%d: %.*s\r\n", i,
		                        HTTP_LINE_MAX - 10, value);
	expect_error(buf, 431);
	free(long_target);
	free(value);
}
END_TEST

START_TEST(query_values)
{
	char out[64];
	struct slice q = slice_from_cstr("x=1&emailaddress=jean.dupont%40test.example&y");

	ck_assert_int_eq(http_query_get(q, "emailaddress", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "jean.dupont@test.example");
	ck_assert_int_eq(http_query_get(q, "x", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(http_query_get(q, "y", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(http_query_get(q, "email", out, sizeof(out)), 0);
	ck_assert_int_eq(http_query_get(q, "z", out, sizeof(out)), 0);
	ck_assert_int_eq(http_query_get(slice_from_cstr("a=b+c%2B"), "a", out, sizeof(out)), 1);
	ck_assert_str_eq(out, "b c+");
	ck_assert_int_eq(http_query_get(slice_from_cstr("a=%4"), "a", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(slice_from_cstr("a=%zz"), "a", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(slice_from_cstr("a=%00"), "a", out, sizeof(out)), -1);
	ck_assert_int_eq(http_query_get(slice_from_cstr("a=12345"), "a", out, 5), -1);
	ck_assert_int_eq(http_query_get(slice_from_cstr("a=1234"), "a", out, 5), 1);
	ck_assert_int_eq(http_query_get(slice_from_cstr(""), "a", out, sizeof(out)), 0);
}
END_TEST

START_TEST(status_texts)
{
	ck_assert_str_eq(http_status_text(404), "Not Found");
	ck_assert_str_eq(http_status_text(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_status_text(414), "URI Too Long");
	ck_assert_str_eq(http_status_text(405), "Method Not Allowed");
	ck_assert_str_eq(http_status_text(503), "Service Unavailable");
}
END_TEST

/* ------------------------------------------------------------------ counters */

START_TEST(counters)
{
	struct metrics_snapshot m;

	metrics_reset();
	ck_assert_int_eq(metrics_proto_of("imaps"), METRICS_IMAPS);
	ck_assert_int_eq(metrics_proto_of("submission"), METRICS_SUBMISSION);
	ck_assert_int_eq(metrics_proto_of("nope"), -1);
	ck_assert_int_eq(metrics_proto_of(NULL), -1);
	metrics_conn_open(METRICS_IMAP);
	metrics_conn_open(METRICS_IMAP);
	metrics_conn_close(METRICS_IMAP);
	metrics_conn_open(-1);
	metrics_conn_close(METRICS_PROTO_N);
	metrics_command(METRICS_CMD_SMTP);
	metrics_smtp_reply(250);
	metrics_smtp_reply(550);
	metrics_smtp_reply(550);
	metrics_smtp_reply(421);
	metrics_smtp_reply(600);
	metrics_delivered(3, 2);
	metrics_tls_failed(true);
	metrics_outbound(250);
	metrics_outbound(0);
	metrics_outbound(451);
	metrics_outbound(554);
	metrics_read(&m);
	ck_assert_uint_eq(m.conn_total[METRICS_IMAP], 2);
	ck_assert_uint_eq(m.conn_open[METRICS_IMAP], 1);
	ck_assert_uint_eq(m.commands[METRICS_CMD_SMTP], 1);
	ck_assert_uint_eq(m.refusals[550 - METRICS_CODE_MIN], 2);
	ck_assert_uint_eq(m.refusals[421 - METRICS_CODE_MIN], 1);
	ck_assert_uint_eq(m.delivered_local, 3);
	ck_assert_uint_eq(m.delivered_queued, 2);
	ck_assert_uint_eq(m.tls_fail_server, 1);
	ck_assert_uint_eq(m.tls_fail_client, 0);
	ck_assert_uint_eq(m.outbound[METRICS_OUT_DELIVERED], 1);
	ck_assert_uint_eq(m.outbound[METRICS_OUT_DEFERRED], 2);
	ck_assert_uint_eq(m.outbound[METRICS_OUT_FAILED], 1);
	metrics_reset();
	metrics_read(&m);
	ck_assert_uint_eq(m.conn_total[METRICS_IMAP], 0);
	ck_assert_uint_eq(m.refusals[550 - METRICS_CODE_MIN], 0);
}
END_TEST

/* ------------------------------------------------------------------ renderers */

/* Each sample's family was declared by a TYPE line before it, counters end
 * in _total, and HELP precedes TYPE (text format 0.0.4). */
static void check_exposition(const char *text)
{
	char declared[64][96];
	size_t n_declared = 0;
	const char *line = text;

	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		char name[96], type[16];
		size_t len;

		ck_assert_ptr_nonnull(end); /* every line ends in LF */
		if (sscanf(line, "# TYPE %95s %15s", name, type) == 2) {
			ck_assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0)
				ck_assert(strlen(name) > 6 && strcmp(name + strlen(name) - 6, "_total") == 0);
			ck_assert(n_declared < 64);
			strcpy(declared[n_declared++], name);
		} else if (line[0] != '#') {
			bool found = false;
			len = strcspn(line, "{ ");
			for (size_t i = 0; i < n_declared && !found; i++)
				found = strlen(declared[i]) == len && memcmp(declared[i], line, len) == 0;
			ck_assert_msg(found, "sample without TYPE: %.*s", (int)(end - line), line);
		}
		line = end + 1;
	}
}

START_TEST(metrics_page)
{
	struct metrics_snapshot m = {0};
	struct http_gauges g = {.ready = true, .start_time = 1700000000, .clock_sync = 1,
	                        .store_ok = true, .map_size = 4194304, .map_size_max = 268435456,
	                        .map_used = 81920, .bals = 7, .quota_at = {3, 2, 1},
	                        .queue_entries = 2, .queue_oldest_age = 42};
	struct buf out;

	m.conn_total[METRICS_IMAPS] = 5;
	m.conn_open[METRICS_SMTP] = 1;
	m.commands[METRICS_CMD_IMAP] = 12;
	m.refusals[550 - METRICS_CODE_MIN] = 4;
	m.delivered_local = 9;
	m.delivered_queued = 1;
	m.tls_fail_server = 2;
	buf_init(&out, 0);
	http_metrics_render(&out, &m, &g);
	buf_cstr(&out);
	check_exposition((const char *)out.data);
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\nbalise_ready 1\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	                             "\nbalise_connections_total{protocol=\"imaps\"} 5\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	                             "\nbalise_connections_open{protocol=\"smtp\"} 1\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	                             "\nbalise_commands_total{protocol=\"imap\"} 12\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	                             "\nbalise_smtp_refusals_total{code=\"550\"} 4\n"));
	ck_assert_ptr_null(strstr((char *)out.data, "code=\"551\""));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
	                             "\nbalise_deliveries_total{kind=\"local\"} 9\n"));
	ck_assert_ptr_nonnull(
	    strstr((char *)out.data, "\nbalise_tls_handshake_failures_total{side=\"server\"} 2\n"));
	ck_assert_ptr_nonnull(
	    strstr((char *)out.data, "\nbalise_bals_quota_at_or_above{level=\"90\"} 2\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\nbalise_queue_entries 2\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\nbalise_queue_oldest_age_seconds 42\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\nbalise_store_used_bytes 81920\n"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\nbalise_clock_synchronised 1\n"));
	/* store unreadable, clock unknown: those samples go, the page stays valid */
	g.store_ok = false;
	g.clock_sync = -1;
	buf_reset(&out);
	http_metrics_render(&out, &m, &g);
	buf_cstr(&out);
	check_exposition((const char *)out.data);
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\nbalise_store_up 0\n"));
	ck_assert_ptr_null(strstr((char *)out.data, "balise_queue_entries"));
	ck_assert_ptr_null(strstr((char *)out.data, "\nbalise_clock_synchronised "));
	buf_free(&out);
}
END_TEST

START_TEST(autoconfig_xml)
{
	struct http_autoconfig ac = {.domain = "test.example", .hostname = "mx.test.example",
	                             .imaps_port = 993, .imap_port = 143,
	                             .submissions_port = 465, .submission_port = 0};
	struct buf out;
	const char *s;

	buf_init(&out, 0);
	http_autoconfig_render(&out, &ac);
	buf_cstr(&out);
	s = (const char *)out.data;
	ck_assert_ptr_nonnull(strstr(s, "<clientConfig version=\"1.1\">"));
	ck_assert_ptr_nonnull(strstr(s, "<emailProvider id=\"test.example\">"));
	ck_assert_ptr_nonnull(strstr(s, "<port>993</port>\n      <socketType>SSL</socketType>"));
	ck_assert_ptr_nonnull(strstr(s, "<port>143</port>\n      <socketType>STARTTLS</socketType>"));
	ck_assert_ptr_nonnull(strstr(s, "<port>465</port>"));
	ck_assert_ptr_null(strstr(s, "<port>0</port>"));
	ck_assert_ptr_nonnull(strstr(s, "<username>%EMAILADDRESS%</username>"));
	ck_assert_ptr_nonnull(strstr(s, "<authentication>password-cleartext</authentication>"));
	/* IMAP over implicit TLS comes first */
	ck_assert(strstr(s, "<port>993</port>") < strstr(s, "<port>143</port>"));
	buf_reset(&out);
	ac.domain = "a<b>&\"c'\x01.example";
	http_autoconfig_render(&out, &ac);
	buf_cstr(&out);
	s = (const char *)out.data;
	ck_assert_ptr_nonnull(strstr(s, "id=\"a&lt;b&gt;&amp;&quot;c&apos;.example\""));
	ck_assert_ptr_nonnull(strstr(s, "<domain>a&lt;b&gt;&amp;&quot;c&apos;.example</domain>"));
	ck_assert_ptr_null(strstr(s, "<b>"));
	ck_assert_ptr_null(strchr(s, '\x01'));
	buf_free(&out);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parser");

	tcase_add_test(tc, get_11);
	tcase_add_test(tc, http_10_and_connection);
	tcase_add_test(tc, methods);
	tcase_add_test(tc, lenient_line_ends);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, version_and_target);
	tcase_add_test(tc, fields);
	tcase_add_test(tc, bodies);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, query_values);
	tcase_add_test(tc, status_texts);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_test(tc, counters);
	tcase_add_test(tc, metrics_page);
	tcase_add_test(tc, autoconfig_xml);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
