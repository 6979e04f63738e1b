/* SPDX-License-Identifier: ISC */
/* The IMAP session over loopback sockets, in-process: one scripted session
 * fed whole, byte by byte and in random chunks must get the same replies;
 * IDLE is woken by another session's APPEND through the commit hook; and
 * the view holds EXPUNGE back while a sequence-number command runs. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "auth.h"
#include "balstore.h"
#include "imap_notify.h"
#include "imap_session.h"
#include "imap_view.h"
#include "listen.h"
#include "log.h"
#include "msgsum.h"
#include "pwhash.h"
#include "util.h"

static struct {
	char dir[64];
	uv_loop_t *loop;
	struct store *store;
	struct listen_set *ls;
	struct imap_server srv;
	int port;
} env;

static int setup_apply(struct store_txn *txn, void *arg)
{
	struct store_bal bal = {.type = BAL_PER, .holder_type = 8};
	struct pwhash_params pp = {.t_cost = 1, .m_cost = 8, .parallelism = 1};
	const char *why = NULL;
	int r = store_domain_add(txn, "u.test");

	(void)arg;
	if (r < 0)
		return r;
	str_copy(bal.address, sizeof(bal.address), "a@u.test");
	str_copy(bal.holder, sizeof(bal.holder), "810001234565");
	if (pwhash_hash("pw", 2, &pp, bal.password_hash, sizeof(bal.password_hash), &why) < 0)
		return STORE_E_INVALID;
	return store_bal_create(txn, &bal, &why);
}

static void env_up(void)
{
	struct store_opts so = {.map_size = 8 << 20, .on_commit = imap_notify_on_commit};
	struct pwhash_params pp = {.t_cost = 1, .m_cost = 8, .parallelism = 1};
	struct cfg_listen addr = {.n = 1};
	struct listen_service svc = {
	    .name = "imap", .on_accept = imap_session_accept, .arg = &env.srv};
	const char *why = NULL;
	char err[256];

	log_init("check_imap_session", LOG_LVL_ERROR, false);
	str_copy(env.dir, sizeof(env.dir), "/tmp/check-imap-session-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(env.dir));
	env.loop = uv_default_loop();
	imap_notify_init(env.loop);
	so.path = env.dir;
	ck_assert_int_eq(store_open(&so, &env.store, &why), 0);
	ck_assert_int_eq(store_write(env.store, setup_apply, NULL), 0);
	env.srv = (struct imap_server){.loop = env.loop,
	                               .store = env.store,
	                               .append_max = 64 * 1024,
	                               .test_plaintext_auth = true};
	env.srv.auth = auth_new(env.loop, env.store, 60, &pp);
	auth_set_fail_delay(env.srv.auth, 0, 0);
	str_copy(addr.addr[0].host, sizeof(addr.addr[0].host), "127.0.0.1");
	env.ls = listen_set_new(env.loop, 0, 0);
	ck_assert_int_eq(listen_bind(env.ls, &addr, &svc, err, sizeof(err)), 0);
	ck_assert_int_eq(listen_start(env.ls, err, sizeof(err)), 0);
	env.port = listen_port(env.ls, 0);
}

static void env_down(void)
{
	char path[128];

	listen_set_free(&env.ls);
	imap_notify_close();
	for (int i = 0; i < 100 && uv_run(env.loop, UV_RUN_NOWAIT) != 0; i++)
		;
	store_close(&env.store);
	auth_free(&env.srv.auth);
	snprintf(path, sizeof(path), "%s/data.mdb", env.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", env.dir);
	unlink(path);
	rmdir(env.dir);
}

/* ---------------------------------------------------------------- a client */

struct client {
	int fd;
	struct buf in;
};

static void client_open(struct client *c)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)env.port)};

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(c->fd, 0);
	ck_assert(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno == EINPROGRESS);
	buf_init(&c->in, 0);
}

static void client_close(struct client *c)
{
	close(c->fd);
	buf_free(&c->in);
}

/* Turns the loop and reads until the reply contains want (or ms pass). */
static bool client_wait(struct client *c, const char *want, int ms)
{
	for (int i = 0; i < ms; i++) {
		uint8_t tmp[4096];
		ssize_t n;

		uv_run(env.loop, UV_RUN_NOWAIT);
		while ((n = recv(c->fd, tmp, sizeof(tmp), 0)) > 0)
			buf_append(&c->in, tmp, (size_t)n);
		buf_cstr(&c->in);
		if (c->in.len > 0 && strstr((char *)c->in.data, want) != NULL)
			return true;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		poll(&p, 1, 1);
	}
	return false;
}

static void client_send(struct client *c, const char *s, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n > 0)
			off += (size_t)n;
		uv_run(env.loop, UV_RUN_NOWAIT);
	}
}

/* ---------------------------------------------------------------- tests */

static const char script[] =
    "a CAPABILITY\r\n"
    "b LOGIN a@u.test wrong\r\n"
    "c LOGIN {8}\r\na@u.test {2}\r\npw\r\n"
    "d SELECT inbox\r\n"
    "e APPEND INBOX (\\Seen kw) {20}\r\nSubject: x\r\n\r\nbody\r\n\r\n"
    "f APPEND INBOX {5+}\r\nhello\r\n"
    "g FROB\r\n"
    "h NOOP\r\n"
    "i IDLE\r\nDONE\r\n"
    "j EXAMINE INBOX\r\n"
    "k LOGOUT\r\n";

/* Runs the script in chunks of chunk bytes (0: random sizes); returns the
 * replies with UIDVALIDITY values and the greeting removed. */
static char *run_script(size_t chunk, unsigned seed)
{
	struct client c;
	size_t off = 0, len = sizeof(script) - 1;
	char *out, *p;

	srand(seed);
	client_open(&c);
	while (off < len) {
		size_t n = chunk ? chunk : 1 + (size_t)rand() % 40;

		if (n > len - off)
			n = len - off;
		client_send(&c, script + off, n);
		off += n;
		uv_run(env.loop, UV_RUN_NOWAIT);
	}
	ck_assert_msg(client_wait(&c, "k OK LOGOUT", 5000), "no LOGOUT reply: %s",
	              c.in.len ? (char *)c.in.data : "");
	out = xstrdup((char *)c.in.data);
	client_close(&c);
	while ((p = strstr(out, "UIDVALIDITY ")) != NULL || (p = strstr(out, "APPENDUID ")) != NULL) {
		char *q = strchr(p, ' ') + 1;
		memset(p, '_', (size_t)(q - p));
		while (*q >= '0' && *q <= '9')
			*q++ = 'N';
	}
	return out;
}

START_TEST(test_script_chunks)
{
	char *whole, *bytes, *random1;
	const char *expect[] = {
	    "b NO [AUTHENTICATIONFAILED]", "c OK [CAPABILITY", "d OK [READ-WRITE]",
	    "* 1 EXISTS\r\ne OK [",        "* 2 EXISTS\r\nf OK [", "g BAD Unknown command",
	    "+ idling\r\ni OK IDLE",       "j OK [READ-ONLY]",    "* BYE Logging out\r\nk OK"};

	env_up();
	whole = run_script(sizeof(script), 1);
	for (size_t i = 0; i < ARRAY_LEN(expect); i++)
		ck_assert_msg(strstr(whole, expect[i]) != NULL, "missing %s in\n%s", expect[i],
		              whole);
	/* The mailbox grew by two messages per run: compare shapes, not counts. */
	bytes = run_script(1, 2);
	random1 = run_script(0, 3);
	ck_assert_ptr_nonnull(strstr(bytes, "d OK [READ-WRITE]"));
	ck_assert_ptr_nonnull(strstr(bytes, "* 4 EXISTS\r\nf OK ["));
	ck_assert_ptr_nonnull(strstr(random1, "* 6 EXISTS\r\nf OK ["));
	ck_assert_ptr_nonnull(strstr(random1, "k OK LOGOUT"));
	free(whole);
	free(bytes);
	free(random1);
	env_down();
}
END_TEST

START_TEST(test_idle_woken_by_commit)
{
	struct client a, b;
	const char login[] = "l LOGIN a@u.test pw\r\n";

	env_up();
	client_open(&a);
	client_open(&b);
	client_send(&a, login, sizeof(login) - 1);
	ck_assert(client_wait(&a, "l OK", 5000));
	client_send(&a, "s SELECT INBOX\r\ni IDLE\r\n", 24);
	ck_assert(client_wait(&a, "+ idling", 5000));
	client_send(&b, login, sizeof(login) - 1);
	ck_assert(client_wait(&b, "l OK", 5000));
	client_send(&b, "x APPEND INBOX {5+}\r\nhello\r\n", 29);
	ck_assert(client_wait(&b, "x OK [APPENDUID", 5000));
	/* Well before the 2 s poll: the commit hook woke the session. */
	ck_assert_msg(client_wait(&a, "* 1 EXISTS", 500), "not woken: %s", (char *)a.in.data);
	client_close(&a);
	client_close(&b);
	env_down();
}
END_TEST

/* ---------------------------------------------------------------- the view */

struct add_ctx {
	uint64_t mailbox_id;
	uint32_t uid;
};

static int add_apply(struct store_txn *txn, void *arg)
{
	struct add_ctx *a = arg;
	struct store_mailbox mb;
	struct store_msg m;
	uint64_t blob;
	int r = store_mailbox_get(txn, 1, "INBOX", &mb);

	if (r != 1)
		return STORE_E_NOTFOUND;
	a->mailbox_id = mb.id;
	r = store_blob_put(txn, "x\r\n", 3, NULL, 0, &blob);
	if (r == 0)
		r = store_msg_append(txn, mb.id, blob, 0, 0, 0, 0, &m);
	if (r == 0)
		a->uid = m.uid;
	return r;
}

static int expunge_apply(struct store_txn *txn, void *arg)
{
	struct add_ctx *a = arg;

	return store_msg_expunge(txn, a->mailbox_id, a->uid);
}

START_TEST(test_view_defers_expunge)
{
	struct add_ctx a[3];
	struct imap_view *v = NULL;
	struct buf out;

	env_up();
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(store_write(env.store, add_apply, &a[i]), 0);
	ck_assert_int_eq(imap_view_open(env.store, 1, "inbox", false, &v), 1);
	ck_assert_uint_eq(imap_view_count(v), 3);
	ck_assert_int_eq(store_write(env.store, expunge_apply, &a[1]), 0);
	buf_init(&out, 0);
	/* RFC 3501 section 7.4.1: not during FETCH/STORE/SEARCH. */
	ck_assert_int_eq(imap_view_sync(env.store, v, false, false, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(imap_view_count(v), 3);
	ck_assert_int_eq(imap_view_sync(env.store, v, true, false, &out), 0);
	buf_cstr(&out);
	ck_assert_str_eq((char *)out.data, "* 2 EXPUNGE\r\n");
	ck_assert_uint_eq(imap_view_count(v), 2);
	ck_assert_uint_eq(imap_view_seq(v, a[2].uid), 2);
	buf_free(&out);
	imap_view_free(&v);
	env_down();
}
END_TEST

/* ---------------------------------------------------------------- FETCH under back-pressure */

#define BIG_MSGS 16
#define BIG_SIZE (200 * 1024)

/* BIG_MSGS messages of BIG_SIZE bytes in INBOX: about 3 MB to FETCH. */
static int big_apply(struct store_txn *txn, void *arg)
{
	struct buf *msg = arg, sum;
	struct store_mailbox mb;
	struct store_msg m;
	uint64_t blob;
	int r = store_mailbox_get(txn, 1, "INBOX", &mb);

	if (r != 1)
		return STORE_E_NOTFOUND;
	buf_init(&sum, 0);
	r = msgsum_build(msg->data, msg->len, &sum) < 0 ? STORE_E_INVALID : 0;
	for (int i = 0; i < BIG_MSGS && r == 0; i++) {
		r = store_blob_put(txn, msg->data, msg->len, sum.data, sum.len, &blob);
		if (r == 0)
			r = store_msg_append(txn, mb.id, blob, 0, 0, 0, 0, &m);
	}
	buf_free(&sum);
	return r;
}

/* A client whose receive window is tiny, so that the server's output
 * queue fills up, logged in with INBOX selected and a FETCH of it all sent. */
static void big_fetch_client(struct client *c)
{
	const char cmds[] = "l LOGIN a@u.test pw\r\ns SELECT INBOX\r\n";
	const char fetch[] = "f FETCH 1:* BODY.PEEK[]\r\n";
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)env.port)};
	int rcvbuf = 4096;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(c->fd, 0);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ck_assert(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno == EINPROGRESS);
	buf_init(&c->in, 0);
	client_send(c, cmds, sizeof(cmds) - 1);
	ck_assert(client_wait(c, "s OK", 5000));
	client_send(c, fetch, sizeof(fetch) - 1);
}

/* The core drain wait resumes FETCH as the client reads, and ends it
 * through its abort hook when the client goes meanwhile: the session is
 * freed (and under ASan nothing leaks). */
START_TEST(test_fetch_drain_resume_and_abort)
{
	struct buf msg;
	struct client a, b;
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	env_up();
	buf_init(&msg, 0);
	buf_append_str(&msg, "Subject: big\r\n\r\n");
	while (msg.len < BIG_SIZE)
		buf_append_str(&msg, "0123456789012345678901234567890123456789012345678901234567890123456"
		                     "789012345678\r\n");
	ck_assert_int_eq(store_write(env.store, big_apply, &msg), 0);
	/* Read it all: the FETCH waits and resumes many times. */
	big_fetch_client(&a);
	ck_assert_msg(client_wait(&a, "f OK FETCH completed", 60000), "FETCH not completed");
	ck_assert_uint_gt(a.in.len, (size_t)BIG_MSGS * BIG_SIZE);
	client_close(&a);
	/* Read nothing, then reset the connection while the output is full. */
	big_fetch_client(&b);
	for (int i = 0; i < 200; i++) {
		struct pollfd p = {.fd = -1};

		uv_run(env.loop, UV_RUN_NOWAIT);
		poll(&p, 0, 1);
	}
	ck_assert_uint_eq(imap_sessions_count(), 1);
	setsockopt(b.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	client_close(&b);
	for (int i = 0; i < 5000 && imap_sessions_count() > 0; i++) {
		struct pollfd p = {.fd = -1};

		uv_run(env.loop, UV_RUN_NOWAIT);
		poll(&p, 0, 1);
	}
	ck_assert_uint_eq(imap_sessions_count(), 0);
	buf_free(&msg);
	env_down();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("imap_session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_script_chunks);
	tcase_add_test(tc, test_idle_woken_by_commit);
	tcase_add_test(tc, test_view_defers_expunge);
	tcase_add_test(tc, test_fetch_drain_resume_and_abort);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
