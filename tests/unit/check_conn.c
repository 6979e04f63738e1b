/* SPDX-License-Identifier: ISC */
/* Connections in one process over loopback: a listener with a small test
 * session, clients made with conn_connect(); the line reader fed byte by
 * byte, pause/resume, raw mode, back-pressure with drain events, STARTTLS
 * from both ends with client certificates, refused connects, a command
 * timer that bytes trickling in raw mode cannot push back. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "conn.h"
#include "listen.h"
#include "log.h"
#include "tls.h"
#include "util.h"

#define MAX_LINES 64
#define GUARD_MS 20000
#define BIG_LINE 1000

static char tmpdir[] = "/tmp/check_conn.XXXXXX";
static char p_ca[256], p_srv[256], p_srvkey[256], p_cli[256], p_clikey[256];

/* ------------------------------------------------------------------ the server session */

struct srv_session {
	struct conn *c;
	uv_timer_t resume;
	size_t raw_need;
	char raw[64];
	size_t raw_len;
	long big_left;
	unsigned drains;
	size_t peak;
	bool timed; /* raw bytes swallowed, each read calls conn_cmd_begin() */
};

static struct tls_ctx *srv_tls, *cli_tls;
static unsigned srv_closed;

static void big_more(struct srv_session *s)
{
	char line[BIG_LINE + 2];

	memset(line, 'b', BIG_LINE);
	memcpy(line + BIG_LINE, "\r\n", 2);
	/* Produce until the queue is full, then wait for CONN_EV_DRAIN. */
	while (s->big_left > 0 && !conn_output_full(s->c)) {
		conn_write(s->c, line, sizeof(line));
		s->big_left--;
		if (conn_output_queued(s->c) > s->peak)
			s->peak = conn_output_queued(s->c);
	}
	if (s->big_left == 0) {
		s->big_left = -1;
		conn_printf(s->c, "BIG DONE drains=%u peak=%zu\r\n", s->drains, s->peak);
		conn_resume(s->c);
	}
}

static void resume_cb(uv_timer_t *t)
{
	struct srv_session *s = t->data;

	conn_write_str(s->c, "RESUMED\r\n");
	conn_resume(s->c);
}

static void srv_line(struct conn *c, struct slice line, void *arg)
{
	struct srv_session *s = arg;
	char buf[TLS_DN_MAX + 64];
	unsigned long n;

	snprintf(buf, sizeof(buf), "%.*s", (int)line.len, (const char *)line.p);
	if (sscanf(buf, "PAUSE %lu", &n) == 1) {
		conn_write_str(c, "PAUSED\r\n");
		conn_pause(c);
		uv_timer_start(&s->resume, resume_cb, n, 0);
	} else if (sscanf(buf, "RAW %lu", &n) == 1 && n < sizeof(s->raw)) {
		s->raw_need = n;
		s->raw_len = 0;
		conn_set_raw(c, true);
	} else if (sscanf(buf, "TIMED %lu", &n) == 1) {
		s->timed = true;
		conn_set_raw(c, true);
		conn_set_timeouts(c, 0, n);
	} else if (sscanf(buf, "BIG %lu", &n) == 1) {
		s->big_left = (long)n;
		conn_pause(c); /* no other command while the answer streams */
		big_more(s);
	} else if (strcmp(buf, "STARTTLS") == 0) {
		conn_write_str(c, "OK go\r\n");
		ck_assert_int_eq(conn_starttls(c, srv_tls), 0);
	} else if (strcmp(buf, "WHO") == 0) {
		char dn[TLS_DN_MAX];
		struct tls_session *t = conn_tls(c);
		if (t == NULL || tls_session_peer_dn(t, dn, sizeof(dn)) != 1)
			strcpy(dn, "-");
		conn_printf(c, "DN %s verified=%d\r\n", dn,
		            t != NULL && tls_session_peer_verified(t));
	} else if (strcmp(buf, "QUIT") == 0) {
		conn_write_str(c, "BYE\r\n");
		conn_close(c);
	} else {
		conn_printf(c, "L %s\r\n", buf);
	}
}

static size_t srv_data(struct conn *c, struct slice d, void *arg)
{
	struct srv_session *s = arg;
	size_t take = d.len < s->raw_need ? d.len : s->raw_need;

	if (s->timed) { /* as a session does on every partial command */
		conn_cmd_begin(c);
		return d.len;
	}

	/* CR and LF shown as ^ and ~ so that the reply stays one line */
	for (size_t i = 0; i < take; i++)
		s->raw[s->raw_len + i] = d.p[i] == '\r' ? '^' : d.p[i] == '\n' ? '~' : (char)d.p[i];
	s->raw_len += take;
	s->raw_need -= take;
	if (s->raw_need == 0) {
		conn_printf(c, "GOT %.*s\r\n", (int)s->raw_len, s->raw);
		conn_set_raw(c, false);
	}
	return take;
}

static void srv_event(struct conn *c, enum conn_event ev, void *arg)
{
	struct srv_session *s = arg;

	if (ev == CONN_EV_LINE_TOO_LONG)
		conn_write_str(c, "TOO LONG\r\n");
	if (ev == CONN_EV_CMD_TIMEOUT) {
		conn_write_str(c, "CMD TIMEOUT\r\n");
		conn_close(c);
	}
	if (ev == CONN_EV_DRAIN && s->big_left > 0) {
		s->drains++;
		big_more(s);
	}
}

static void free_session(uv_handle_t *h)
{
	free(h->data);
}

static void srv_close(struct conn *c, void *arg)
{
	struct srv_session *s = arg;

	(void)c;
	srv_closed++;
	uv_close((uv_handle_t *)&s->resume, free_session);
}

static const struct conn_ops srv_ops = {
    .on_line = srv_line,
    .on_data = srv_data,
    .on_event = srv_event,
    .on_close = srv_close,
};

static void srv_accept(struct conn *c, void *arg)
{
	struct srv_session *s = xcalloc(1, sizeof(*s));

	(void)arg;
	s->c = c;
	uv_timer_init(conn_loop(c), &s->resume);
	s->resume.data = s;
	conn_set_handler(c, &srv_ops, s);
	conn_set_line_max(c, 100);
	conn_write_str(c, "HELLO\r\n");
}

/* ------------------------------------------------------------------ the client */

struct client {
	struct conn *c;
	int status;
	bool connected, tls_ready, closed, starttls;
	char *lines[MAX_LINES];
	size_t n;
	long big_lines;
};

static void cli_line(struct conn *c, struct slice line, void *arg)
{
	struct client *cl = arg;

	if (line.len == BIG_LINE && line.p[0] == 'b') {
		cl->big_lines++;
		return;
	}
	ck_assert_uint_lt(cl->n, MAX_LINES);
	cl->lines[cl->n++] = xstrndup((const char *)line.p, line.len);
	if (cl->starttls && line.len == 5 && memcmp(line.p, "OK go", 5) == 0)
		ck_assert_int_eq(conn_starttls(c, cli_tls), 0);
}

static void cli_tls_ready(struct conn *c, void *arg)
{
	struct client *cl = arg;

	(void)c;
	cl->tls_ready = true;
}

static void cli_close(struct conn *c, void *arg)
{
	struct client *cl = arg;

	(void)c;
	cl->closed = true;
	cl->c = NULL;
}

static const struct conn_ops cli_ops = {
    .on_line = cli_line,
    .on_tls_ready = cli_tls_ready,
    .on_close = cli_close,
};

static void connected(struct conn *c, int status, void *arg)
{
	struct client *cl = arg;

	cl->status = status;
	cl->connected = true;
	cl->c = c;
	if (c != NULL)
		conn_set_handler(c, &cli_ops, cl);
}

static void client_free(struct client *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		free(cl->lines[i]);
	cl->n = 0;
}

/* ------------------------------------------------------------------ loop helpers */

static uv_loop_t loop;
static struct listen_set *ls;
static uv_timer_t guard;
static bool guard_fired;

static void guard_cb(uv_timer_t *t)
{
	(void)t;
	guard_fired = true;
}

static void run_until(bool (*cond)(void *), void *arg)
{
	guard_fired = false;
	uv_timer_start(&guard, guard_cb, GUARD_MS, 0);
	while (!cond(arg) && !guard_fired)
		uv_run(&loop, UV_RUN_ONCE);
	uv_timer_stop(&guard);
	ck_assert_msg(!guard_fired, "timed out waiting");
}

static size_t want_lines;
static bool has_lines(void *arg)
{
	return ((struct client *)arg)->n >= want_lines;
}

static void wait_lines(struct client *cl, size_t n)
{
	want_lines = n;
	run_until(has_lines, cl);
}

static bool is_connected(void *arg)
{
	return ((struct client *)arg)->connected;
}

static bool is_closed(void *arg)
{
	return ((struct client *)arg)->closed;
}

static bool all_closed(void *arg)
{
	(void)arg;
	return conn_count() == 0;
}

static void client_open(struct client *cl, int port)
{
	struct sockaddr_in sa;

	memset(cl, 0, sizeof(*cl));
	uv_ip4_addr("127.0.0.1", port, &sa);
	ck_assert_int_eq(conn_connect(&loop, (struct sockaddr *)&sa, connected, cl), 0);
	run_until(is_connected, cl);
	ck_assert_int_eq(cl->status, 0);
	wait_lines(cl, 1);
	ck_assert_str_eq(cl->lines[0], "HELLO");
}

static void client_quit(struct client *cl)
{
	conn_write_str(cl->c, "QUIT\r\n");
	run_until(is_closed, cl);
	ck_assert_str_eq(cl->lines[cl->n - 1], "BYE");
	client_free(cl);
}

static int port;

static void setup(void)
{
	struct cfg_listen addrs = {.n = 1};
	struct listen_service svc = {.name = "test", .on_accept = srv_accept};
	char err[TLS_ERR_MAX];
	struct tls_ctx_opts so = {
	    .cert_file = p_srv, .key_file = p_srvkey, .ca_file = p_ca, .request_client_cert = true};
	struct tls_ctx_opts co = {.cert_file = p_cli, .key_file = p_clikey, .ca_file = p_ca};

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &guard);
	srv_tls = tls_ctx_new_server(&so, err, sizeof(err));
	ck_assert_msg(srv_tls != NULL, "%s", err);
	cli_tls = tls_ctx_new_client(&co, err, sizeof(err));
	ck_assert_msg(cli_tls != NULL, "%s", err);
	strcpy(addrs.addr[0].host, "127.0.0.1");
	ls = listen_set_new(&loop, 0, 0);
	ck_assert_int_eq(listen_bind(ls, &addrs, &svc, err, sizeof(err)), 0);
	ck_assert_int_eq(listen_start(ls, err, sizeof(err)), 0);
	port = listen_port(ls, 0);
	ck_assert_int_gt(port, 0);
	srv_closed = 0;
}

/* Everything we opened is closed and the loop ends with no handle left. */
static void teardown(void)
{
	run_until(all_closed, NULL);
	listen_set_free(&ls);
	uv_close((uv_handle_t *)&guard, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	tls_ctx_free(&srv_tls);
	tls_ctx_free(&cli_tls);
}

/* ------------------------------------------------------------------ tests */

START_TEST(lines_byte_by_byte)
{
	struct client cl;
	static const char in[] = "one\r\ntwo\nthree\r\n\r\n";

	client_open(&cl, port);
	/* one byte per loop turn: the server reads them one at a time */
	for (size_t i = 0; i < sizeof(in) - 1; i++) {
		conn_write(cl.c, in + i, 1);
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	wait_lines(&cl, 5);
	ck_assert_str_eq(cl.lines[1], "L one");
	ck_assert_str_eq(cl.lines[2], "L two"); /* bare LF accepted */
	ck_assert_str_eq(cl.lines[3], "L three");
	ck_assert_str_eq(cl.lines[4], "L ");
	client_quit(&cl);
	run_until(all_closed, NULL);
	ck_assert_uint_eq(srv_closed, 1);
	ck_assert_uint_eq(listen_active(ls), 0);
}
END_TEST

START_TEST(line_limit)
{
	struct client cl;
	char big[300];

	memset(big, 'x', sizeof(big));
	client_open(&cl, port);
	conn_cork(cl.c);
	conn_write(cl.c, big, sizeof(big));
	conn_write_str(cl.c, "\r\nok\r\n");
	/* exactly the limit (100) passes */
	conn_write(cl.c, big, 100);
	conn_write_str(cl.c, "\r\n");
	conn_uncork(cl.c);
	wait_lines(&cl, 4);
	ck_assert_str_eq(cl.lines[1], "TOO LONG");
	ck_assert_str_eq(cl.lines[2], "L ok");
	ck_assert_uint_eq(strlen(cl.lines[3]), 102);
	/* an overlong line split over several reads */
	for (int i = 0; i < 5; i++) {
		conn_write(cl.c, big, 60);
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	conn_write_str(cl.c, "\r\nagain\r\n");
	wait_lines(&cl, 6);
	ck_assert_str_eq(cl.lines[4], "TOO LONG");
	ck_assert_str_eq(cl.lines[5], "L again");
	client_quit(&cl);
}
END_TEST

START_TEST(pause_and_resume)
{
	struct client cl;

	client_open(&cl, port);
	conn_write_str(cl.c, "PAUSE 100\r\nA\r\nB\r\n");
	wait_lines(&cl, 5);
	ck_assert_str_eq(cl.lines[1], "PAUSED");
	ck_assert_str_eq(cl.lines[2], "RESUMED"); /* nothing delivered while paused */
	ck_assert_str_eq(cl.lines[3], "L A");
	ck_assert_str_eq(cl.lines[4], "L B");
	client_quit(&cl);
}
END_TEST

START_TEST(raw_mode)
{
	struct client cl;

	client_open(&cl, port);
	conn_write_str(cl.c, "RAW 11\r\nab\r\ncd\nefghNEXT\r\n");
	wait_lines(&cl, 3);
	ck_assert_str_eq(cl.lines[1], "GOT ab^~cd~efgh");
	ck_assert_str_eq(cl.lines[2], "L NEXT");
	/* raw bytes arriving one by one */
	conn_write_str(cl.c, "RAW 3\r\n");
	uv_run(&loop, UV_RUN_NOWAIT);
	for (const char *p = "xyzEND\r\n"; *p != '\0'; p++) {
		conn_write(cl.c, p, 1);
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	wait_lines(&cl, 5);
	ck_assert_str_eq(cl.lines[3], "GOT xyz");
	ck_assert_str_eq(cl.lines[4], "L END");
	client_quit(&cl);
}
END_TEST

static bool big_done(void *arg)
{
	struct client *cl = arg;

	for (size_t i = 0; i < cl->n; i++)
		if (strncmp(cl->lines[i], "BIG DONE", 8) == 0)
			return true;
	return false;
}

/* One byte every 100 ms, each read calling conn_cmd_begin() again: the
 * 300 ms command timer still fires, counted from the first byte. */
START_TEST(cmd_timer_not_pushed_back)
{
	struct client cl;
	int sent = 0;

	client_open(&cl, port);
	conn_write_str(cl.c, "TIMED 300\r\n");
	while (!cl.closed && sent < 30) {
		uint64_t until;

		conn_write(cl.c, "x", 1);
		sent++;
		uv_run(&loop, UV_RUN_NOWAIT);
		until = uv_now(&loop) + 100;
		while (!cl.closed && uv_now(&loop) < until) {
			usleep(5000);
			uv_run(&loop, UV_RUN_NOWAIT);
		}
	}
	ck_assert_msg(cl.closed, "the trickle kept the command timer from firing");
	ck_assert_uint_eq(cl.n, 2);
	ck_assert_str_eq(cl.lines[1], "CMD TIMEOUT");
	client_free(&cl);
}
END_TEST

START_TEST(backpressure_and_drain)
{
	struct client cl;
	const long n = 20000; /* 20 MB: far above every socket buffer */
	unsigned drains = 0;
	size_t peak = 0;

	client_open(&cl, port);
	conn_write_str(cl.c, "BIG 20000\r\nAFTER\r\n");
	run_until(big_done, &cl);
	ck_assert_int_eq(sscanf(cl.lines[1], "BIG DONE drains=%u peak=%zu", &drains, &peak), 2);
	ck_assert_int_eq(cl.big_lines, n);
	ck_assert_uint_gt(drains, 0);
	ck_assert_uint_le(peak, CONN_WRITE_HIGH + BIG_LINE + 2);
	wait_lines(&cl, 3);
	ck_assert_str_eq(cl.lines[2], "L AFTER");
	client_quit(&cl);
}
END_TEST

static bool tls_up(void *arg)
{
	return ((struct client *)arg)->tls_ready;
}

START_TEST(starttls_both_ends)
{
	struct client cl;
	char dn[TLS_DN_MAX];

	client_open(&cl, port);
	cl.starttls = true;
	/* "INJECTED" was sent in clear after STARTTLS: the server drops it */
	conn_write_str(cl.c, "STARTTLS\r\nINJECTED\r\n");
	run_until(tls_up, &cl);
	ck_assert(conn_is_tls(cl.c));
	ck_assert(tls_session_peer_verified(conn_tls(cl.c)));
	ck_assert_int_eq(tls_session_peer_dn(conn_tls(cl.c), dn, sizeof(dn)), 1);
	ck_assert_str_eq(dn, "CN=srv.test,O=Balise Test,C=FR");
	conn_write_str(cl.c, "WHO\r\nsecret\r\n");
	wait_lines(&cl, 4);
	ck_assert_str_eq(cl.lines[1], "OK go");
	ck_assert_str_eq(cl.lines[2], "DN CN=cli.test,O=Balise Test,C=FR verified=1");
	ck_assert_str_eq(cl.lines[3], "L secret");
	conn_write_str(cl.c, "BIG 300\r\n");
	run_until(big_done, &cl);
	ck_assert_int_eq(cl.big_lines, 300);
	client_quit(&cl);
}
END_TEST

static void refused_cb(struct conn *c, int status, void *arg)
{
	struct client *cl = arg;

	ck_assert_ptr_null(c);
	cl->status = status;
	cl->connected = true;
}

START_TEST(connect_refused)
{
	struct client cl = {0};
	struct sockaddr_in sa;
	uv_tcp_t probe;
	int namelen = sizeof(sa);

	/* a port that was just free */
	uv_tcp_init(&loop, &probe);
	uv_ip4_addr("127.0.0.1", 0, &sa);
	uv_tcp_bind(&probe, (struct sockaddr *)&sa, 0);
	uv_tcp_getsockname(&probe, (struct sockaddr *)&sa, &namelen);
	uv_close((uv_handle_t *)&probe, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(conn_connect(&loop, (struct sockaddr *)&sa, refused_cb, &cl), 0);
	run_until(is_connected, &cl);
	ck_assert_int_eq(cl.status, UV_ECONNREFUSED);
}
END_TEST

/* ------------------------------------------------------------------ set-up */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "set-up failed: %s\n", cmd);
		abort();
	}
}

static void make_pki(void)
{
	if (mkdtemp(tmpdir) == NULL)
		abort();
	snprintf(p_ca, sizeof(p_ca), "%s/ca.pem", tmpdir);
	snprintf(p_srv, sizeof(p_srv), "%s/srv.pem", tmpdir);
	snprintf(p_srvkey, sizeof(p_srvkey), "%s/srv.key", tmpdir);
	snprintf(p_cli, sizeof(p_cli), "%s/cli.pem", tmpdir);
	snprintf(p_clikey, sizeof(p_clikey), "%s/cli.key", tmpdir);
	sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
	   "-subj '/CN=conn test CA' -addext basicConstraints=critical,CA:TRUE "
	   "-addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1",
	   tmpdir);
	for (int i = 0; i < 2; i++) {
		const char *n = i == 0 ? "srv" : "cli";
		sh("cd %s && openssl req -newkey rsa:2048 -nodes -keyout %s.key -out %s.csr "
		   "-subj '/C=FR/O=Balise Test/CN=%s.test' >/dev/null 2>&1 && "
		   "openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
		   "-sha256 -out %s.pem >/dev/null 2>&1",
		   tmpdir, n, n, n, n, n);
	}
}

int main(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("loopback");
	SRunner *sr;
	int failed;

	make_pki();
	log_init("check_conn", LOG_LVL_ERROR, false);
	tls_global_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lines_byte_by_byte);
	tcase_add_test(tc, line_limit);
	tcase_add_test(tc, pause_and_resume);
	tcase_add_test(tc, raw_mode);
	tcase_add_test(tc, cmd_timer_not_pushed_back);
	tcase_add_test(tc, backpressure_and_drain);
	tcase_add_test(tc, starttls_both_ends);
	tcase_add_test(tc, connect_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tls_global_free();
	sh("rm -rf %s", tmpdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
