/* SPDX-License-Identifier: ISC */
/* imapload: IMAP-over-TLS load generator for bench/imap_bench.sh. Modes:
 * seed (APPEND the deterministic messages), mix (a fixed ten-command cycle
 * per client, optionally with LOGOUT/LOGIN every R commands), idle (N
 * sessions in IDLE until SIGINT/SIGTERM). Every answer is checked; a run
 * that reports errors is not a valid figure. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "imapload.h"

enum mode { MODE_SEED, MODE_MIX, MODE_IDLE };
enum cstate {
	ST_GREETING,
	ST_LOGIN,
	ST_SELECT,
	ST_RUN,
	ST_IDLE_WAIT,
	ST_IDLING,
	ST_DONE_WAIT,
	ST_LOGOUT
};
/* The mix: one cycle of ten commands (see README in bench/). */
enum step {
	S_FETCH_HDR,
	S_FETCH_BODY,
	S_SEARCH,
	S_STORE_ON,
	S_APPEND,
	S_FETCH_APP,
	S_STORE_OFF,
	S_STORE_DEL,
	S_EXPUNGE,
	S_FETCH_SIZES,
	S_STEPS
};
#define PENDING_MAX 16
#define LAT_BUCKET_NS 10000ULL /* 10 us */
#define LAT_BUCKETS 1000000    /* up to 10 s */

struct opts {
	enum mode mode;
	const char *host, *ca, *user_fmt, *pass_fmt;
	int port;
	unsigned clients, users, messages, relogin, ramp;
	unsigned commands; /* -n: mix commands per client instead of a duration */
	double duration, timeout;
	long server_pid; /* --server-pid: CPU per command over the window */
};

struct client {
	struct lconn conn;
	unsigned id, user;
	enum cstate st;
	unsigned tagn, session_cmds;
	char tag[16];
	uint64_t t_sent;
	bool dead, done, reconnect, counted_ready;
	unsigned mix_done; /* mix commands answered (-n) */
	/* what the mailbox holds: M seeded messages (UID 1..M) and the mix's
	 * appended ones not yet expunged */
	uint32_t uidvalidity, last_uid;
	uint32_t pend_uid[PENDING_MAX];
	uint64_t pend_n[PENDING_MAX];
	unsigned npend;
	uint64_t nappended;
	char *app_msg; /* the last appended message, checked by its FETCH */
	size_t app_len;
	uint64_t app_n;
	uint32_t srv_exists;
	/* the command in flight */
	enum step step;
	uint32_t target; /* seeded UID of this cycle */
	unsigned key, seed_i;
	unsigned nfetch, nexpunge;
	uint32_t expunged_seq;
	bool search_seen, exists_seen, uidv_seen;
	uint32_t search[64];
	unsigned nsearch;
	uint64_t rng;
};

static struct opts o = {.host = "127.0.0.1",
                        .user_fmt = "user%u@bench.test",
                        .pass_fmt = "bench-pw-%u",
                        .clients = 10,
                        .users = 10,
                        .messages = 20,
                        .ramp = 100,
                        .duration = 10,
                        .timeout = 0};
static uv_loop_t *loop;
static struct sockaddr_in addr;
static struct client *clients;
static unsigned nfinished, nidling, nready;
static bool measuring, stopping;
static uint64_t t_start, t_end, ops, mix_ops, logins, errors;
static double cpu_start, cpu_end;
static uint32_t *lat;
static uv_timer_t t_duration, t_timeout;
static uv_signal_t sig_int, sig_term;

static void client_connect(struct client *c);
static void start_measuring(void);
static void on_duration(uv_timer_t *t);
static void next_command(struct client *c);
static void start_more(void);

/* ---------------------------------------------------------------- helpers */

static uint64_t now_ns(void)
{
	return uv_hrtime();
}

static void verr(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void verr(struct client *c, const char *fmt, ...)
{
	va_list ap;

	errors++;
	if (errors > 20)
		return;
	fprintf(stderr, "imapload: error: client %u user %u: ", c->id, c->user);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint32_t rnd(struct client *c, uint32_t n)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (uint32_t)(c->rng % n);
}

static void send_cmd(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_cmd(struct client *c, const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	snprintf(c->tag, sizeof(c->tag), "a%u", ++c->tagn);
	n = snprintf(line, sizeof(line), "%s ", c->tag);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "\r\n");
	c->t_sent = now_ns();
	lconn_send(&c->conn, line, (size_t)n);
}

/* fmt with its one "%u" replaced by u. */
static void fmt_u(char *out, size_t outsz, const char *fmt, unsigned u)
{
	const char *p = strstr(fmt, "%u");

	if (p == NULL)
		snprintf(out, outsz, "%s", fmt);
	else
		snprintf(out, outsz, "%.*s%u%s", (int)(p - fmt), fmt, u, p + 2);
}

static void finish_client(struct client *c)
{
	if (c->done)
		return;
	c->done = true;
	if (++nfinished == o.clients) {
		uv_timer_stop(&t_duration);
		uv_timer_stop(&t_timeout);
		uv_close((uv_handle_t *)&t_duration, NULL);
		uv_close((uv_handle_t *)&t_timeout, NULL);
		uv_close((uv_handle_t *)&sig_int, NULL);
		uv_close((uv_handle_t *)&sig_term, NULL);
	}
}

static void fail_client(struct client *c, const char *why)
{
	verr(c, "%s (state %d step %d)", why, c->st, c->step);
	c->dead = true;
	c->reconnect = false;
	lconn_close(&c->conn);
}

static bool flag_in(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = flags; (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* ---------------------------------------------------------------- checks */

static void check_body(struct client *c, const struct fetch_resp *f, uint32_t uid,
                       const char *section, const char *want, size_t want_len)
{
	if (f->uid != uid)
		verr(c, "FETCH answered UID %u, asked %u", f->uid, uid);
	else if (f->body == NULL || strcmp(f->section, section) != 0)
		verr(c, "FETCH UID %u: no BODY[%s] literal", uid, section);
	else if (f->body_len != want_len || memcmp(f->body, want, want_len) != 0)
		verr(c, "FETCH UID %u BODY[%s]: %zu bytes differ from the %zu seeded", uid, section,
		     f->body_len, want_len);
}

static void check_fetch(struct client *c, const char *resp, size_t len)
{
	struct fetch_resp f;
	size_t mlen, hlen;
	const char *m;

	if (fetch_parse(resp, len, &f) < 0) {
		verr(c, "unparsable FETCH response: %.80s", resp);
		return;
	}
	c->nfetch++;
	if (c->st != ST_RUN)
		return;
	switch (c->step) {
	case S_FETCH_HDR:
	case S_FETCH_BODY:
		m = msg_get(c->user, c->target - 1, &mlen, &hlen);
		if (c->step == S_FETCH_HDR)
			check_body(c, &f, c->target, "HEADER", m, hlen);
		else
			check_body(c, &f, c->target, "", m, mlen);
		break;
	case S_FETCH_APP:
		if (c->app_msg == NULL || c->app_n != c->pend_n[c->npend - 1]) {
			free(c->app_msg);
			c->app_n = c->pend_n[c->npend - 1];
			c->app_msg = msg_appended(c->user, c->app_n, &c->app_len);
		}
		check_body(c, &f, c->pend_uid[c->npend - 1], "", c->app_msg, c->app_len);
		break;
	case S_STORE_ON:
	case S_STORE_OFF:
	case S_STORE_DEL: {
		uint32_t uid = c->step == S_STORE_DEL ? c->pend_uid[c->npend - 1] : c->target;
		const char *flag = c->step == S_STORE_DEL ? "\\Deleted" : "\\Flagged";
		bool want = c->step != S_STORE_OFF;
		if ((f.uid != 0 && f.uid != uid) || !f.has_flags || flag_in(f.flags, flag) != want)
			verr(c, "STORE UID %u: echoed UID %u FLAGS (%s), %s %s expected", uid,
			     f.uid, f.flags, flag, want ? "set" : "clear");
		break;
	}
	case S_FETCH_SIZES:
		if (f.uid < 1 || f.uid > o.messages) {
			verr(c, "FETCH 1:%u answered UID %u", o.messages, f.uid);
			break;
		}
		msg_get(c->user, f.uid - 1, &mlen, &hlen);
		if (f.size != (int64_t)mlen)
			verr(c, "UID %u RFC822.SIZE %lld, seeded %zu", f.uid, (long long)f.size,
			     mlen);
		break;
	default:
		verr(c, "unexpected FETCH response in step %d", c->step);
	}
}

static void check_search(struct client *c, const char *resp)
{
	const char *p = resp + 8;
	char *e;

	c->search_seen = true;
	c->nsearch = 0;
	while (*p == ' ') {
		unsigned long u = strtoul(p + 1, &e, 10);
		if (e == p + 1)
			break;
		if (c->nsearch < 64)
			c->search[c->nsearch++] = (uint32_t)u;
		p = e;
	}
}

static void on_untagged(struct client *c, const char *resp, size_t len)
{
	char *e;
	unsigned long n;

	if (len >= 8 && memcmp(resp, "* SEARCH", 8) == 0) {
		check_search(c, resp);
		return;
	}
	if (len >= 5 && memcmp(resp, "* BYE", 5) == 0) {
		if (c->st != ST_LOGOUT)
			verr(c, "unexpected BYE: %.100s", resp);
		return;
	}
	if (len > 20 && strncmp(resp, "* OK [UIDVALIDITY ", 18) == 0) {
		uint32_t v = (uint32_t)strtoul(resp + 18, NULL, 10);
		if (c->uidv_seen && v != c->uidvalidity)
			verr(c, "UIDVALIDITY changed from %u to %u", c->uidvalidity, v);
		c->uidvalidity = v;
		c->uidv_seen = true;
		return;
	}
	if (len < 3 || resp[2] < '0' || resp[2] > '9')
		return; /* FLAGS, CAPABILITY, OK [...]: nothing to check */
	n = strtoul(resp + 2, &e, 10);
	if (strncmp(e, " EXISTS", 7) == 0) {
		c->srv_exists = (uint32_t)n;
		c->exists_seen = true;
	} else if (strncmp(e, " EXPUNGE", 8) == 0) {
		c->nexpunge++;
		c->expunged_seq = (uint32_t)n;
		c->srv_exists--;
	} else if (strncmp(e, " FETCH", 6) == 0) {
		check_fetch(c, resp, len);
	}
}

/* ---------------------------------------------------------------- mix cycle */

static void send_append(struct client *c)
{
	char head[128];
	int n;

	free(c->app_msg);
	c->app_n = c->nappended;
	c->app_msg = msg_appended(c->user, c->app_n, &c->app_len);
	snprintf(c->tag, sizeof(c->tag), "a%u", ++c->tagn);
	n = snprintf(head, sizeof(head), "%s APPEND INBOX (\\Seen) {%zu+}\r\n", c->tag, c->app_len);
	c->t_sent = now_ns();
	lconn_send(&c->conn, head, (size_t)n);
	lconn_send(&c->conn, c->app_msg, c->app_len);
	lconn_send(&c->conn, "\r\n", 2);
}

static void send_step(struct client *c)
{
	c->nfetch = c->nexpunge = 0;
	c->search_seen = false;
	switch (c->step) {
	case S_FETCH_HDR:
		c->target = 1 + rnd(c, o.messages);
		send_cmd(c, "UID FETCH %u (BODY.PEEK[HEADER])", c->target);
		break;
	case S_FETCH_BODY:
		send_cmd(c, "UID FETCH %u (BODY.PEEK[])", c->target);
		break;
	case S_SEARCH:
		c->key = rnd(c, MSG_KEYS);
		send_cmd(c, "UID SEARCH HEADER X-Bench-Key kq%u", c->key);
		break;
	case S_STORE_ON:
		send_cmd(c, "UID STORE %u +FLAGS (\\Flagged)", c->target);
		break;
	case S_APPEND:
		send_append(c);
		break;
	case S_FETCH_APP:
		send_cmd(c, "UID FETCH %u (BODY.PEEK[])", c->pend_uid[c->npend - 1]);
		break;
	case S_STORE_OFF:
		send_cmd(c, "UID STORE %u -FLAGS (\\Flagged)", c->target);
		break;
	case S_STORE_DEL:
		send_cmd(c, "UID STORE %u +FLAGS (\\Deleted)", c->pend_uid[c->npend - 1]);
		break;
	case S_EXPUNGE:
		send_cmd(c, "EXPUNGE");
		break;
	case S_FETCH_SIZES:
		send_cmd(c, "UID FETCH 1:%u (RFC822.SIZE)", o.messages);
		break;
	default:
		break;
	}
}

static void check_appenduid(struct client *c, const char *resp)
{
	const char *p = strstr(resp, "[APPENDUID ");
	unsigned long v, u;
	char *e;

	if (p == NULL) {
		verr(c, "APPEND: no APPENDUID: %.100s", resp);
		return;
	}
	v = strtoul(p + 11, &e, 10);
	u = strtoul(e, NULL, 10);
	if (c->uidv_seen && v != c->uidvalidity)
		verr(c, "APPENDUID validity %lu, mailbox has %u", v, c->uidvalidity);
	if (u <= c->last_uid || u <= o.messages)
		verr(c, "APPENDUID %lu not above the last UID %u", u, c->last_uid);
	if (c->npend < PENDING_MAX) {
		c->pend_uid[c->npend] = (uint32_t)u;
		c->pend_n[c->npend++] = c->nappended;
	}
	c->last_uid = (uint32_t)u;
	c->nappended++;
}

static void check_search_result(struct client *c)
{
	unsigned k = 0;

	if (!c->search_seen) {
		verr(c, "SEARCH: no * SEARCH response");
		return;
	}
	for (uint32_t i = 0; i < o.messages; i++) {
		if (i % MSG_KEYS != c->key)
			continue;
		if (k >= c->nsearch || c->search[k] != i + 1) {
			verr(c, "SEARCH kq%u: UID %u missing or out of order", c->key, i + 1);
			return;
		}
		k++;
	}
	if (k != c->nsearch)
		verr(c, "SEARCH kq%u: %u UIDs answered, %u expected", c->key, c->nsearch, k);
}

static void check_expunge_result(struct client *c)
{
	uint32_t want_seq = o.messages + c->npend;

	if (c->nexpunge != 1 || c->expunged_seq != want_seq)
		verr(c, "EXPUNGE: %u responses (last seq %u), 1 of seq %u expected", c->nexpunge,
		     c->expunged_seq, want_seq);
	if (c->npend > 0)
		c->npend--;
	if (c->srv_exists != o.messages + c->npend)
		verr(c, "EXPUNGE: %u messages announced, %u expected", c->srv_exists,
		     o.messages + c->npend);
}

/* Checks the completed step's collected responses. */
static void step_done(struct client *c, const char *resp)
{
	unsigned want_fetch = 1;

	switch (c->step) {
	case S_SEARCH:
		check_search_result(c);
		want_fetch = 0;
		break;
	case S_APPEND:
		check_appenduid(c, resp);
		want_fetch = 0;
		break;
	case S_EXPUNGE:
		check_expunge_result(c);
		want_fetch = 0;
		break;
	case S_FETCH_SIZES:
		want_fetch = o.messages;
		break;
	default:
		break;
	}
	if (c->nfetch != want_fetch)
		verr(c, "step %d: %u FETCH responses, %u expected", c->step, c->nfetch, want_fetch);
	c->step = (c->step + 1) % S_STEPS;
}

/* ---------------------------------------------------------------- sessions */

static void record_latency(struct client *c)
{
	uint64_t d = (now_ns() - c->t_sent) / LAT_BUCKET_NS;

	if (!measuring)
		return;
	lat[d < LAT_BUCKETS ? d : LAT_BUCKETS - 1]++;
	ops++;
}

static void start_logout(struct client *c)
{
	c->st = ST_LOGOUT;
	send_cmd(c, "LOGOUT");
}

static void next_command(struct client *c)
{
	if (o.mode == MODE_SEED) {
		if (c->seed_i == o.messages) {
			start_logout(c);
			return;
		}
		c->step = S_APPEND;
		c->nappended = 0;
		size_t len, hlen;
		const char *m = msg_get(c->user, c->seed_i, &len, &hlen);
		char head[128];
		int n;
		snprintf(c->tag, sizeof(c->tag), "a%u", ++c->tagn);
		n = snprintf(head, sizeof(head), "%s APPEND INBOX {%zu+}\r\n", c->tag, len);
		c->t_sent = now_ns();
		lconn_send(&c->conn, head, (size_t)n);
		lconn_send(&c->conn, m, len);
		lconn_send(&c->conn, "\r\n", 2);
		return;
	}
	if ((stopping || (o.commands > 0 && c->mix_done >= o.commands)) && c->step == S_FETCH_HDR) {
		c->reconnect = false;
		start_logout(c);
		return;
	}
	if (o.relogin > 0 && c->session_cmds >= o.relogin) {
		c->reconnect = true;
		start_logout(c);
		return;
	}
	c->session_cmds++;
	send_step(c);
}

static void seed_done(struct client *c, const char *resp)
{
	const char *p = strstr(resp, "[APPENDUID ");
	char *e;

	if (p == NULL || (strtoul(p + 11, &e, 10), strtoul(e, NULL, 10) != c->seed_i + 1))
		verr(c, "seed APPEND %u: APPENDUID %u expected: %.100s", c->seed_i, c->seed_i + 1,
		     resp);
	c->seed_i++;
}

static void after_select(struct client *c)
{
	uint32_t want = o.messages + c->npend;

	if (!c->exists_seen ||
	    (o.mode != MODE_IDLE && c->srv_exists != (o.mode == MODE_SEED ? 0 : want)))
		verr(c, "SELECT: %u messages, %u expected (seed into empty mailboxes only)",
		     c->srv_exists, o.mode == MODE_SEED ? 0 : want);
	if (o.mode == MODE_IDLE) {
		c->st = ST_IDLE_WAIT;
		send_cmd(c, "IDLE");
		return;
	}
	c->st = ST_RUN;
	if (!c->counted_ready && ++nready == o.clients && o.mode == MODE_MIX && o.commands == 0)
		start_measuring();
	c->counted_ready = true;
	next_command(c);
}

static void on_tagged(struct client *c, const char *resp, size_t len)
{
	bool ok = len > strlen(c->tag) + 3 && memcmp(resp + strlen(c->tag), " OK", 3) == 0;

	if (!ok)
		verr(c, "command failed: %.200s", resp);
	else
		record_latency(c);
	switch (c->st) {
	case ST_LOGIN:
		if (!ok) {
			fail_client(c, "LOGIN refused");
			return;
		}
		if (measuring)
			logins++;
		c->st = ST_SELECT;
		c->exists_seen = false;
		send_cmd(c, "SELECT INBOX");
		break;
	case ST_SELECT:
		if (!ok) {
			fail_client(c, "SELECT refused");
			return;
		}
		after_select(c);
		break;
	case ST_RUN:
		if (o.mode == MODE_SEED)
			seed_done(c, resp);
		else if (ok)
			step_done(c, resp);
		else
			c->step = (c->step + 1) % S_STEPS;
		if (ok && measuring && o.mode == MODE_MIX)
			mix_ops++;
		c->mix_done++;
		next_command(c);
		break;
	case ST_DONE_WAIT:
		start_logout(c);
		break;
	case ST_LOGOUT:
		lconn_close(&c->conn);
		break;
	default:
		fail_client(c, "tagged response in an unexpected state");
	}
}

static void on_resp(struct lconn *lc, const char *resp, size_t len)
{
	struct client *c = lc->data;
	size_t tl = strlen(c->tag);

	if (c->st == ST_GREETING) {
		if (len < 4 || memcmp(resp, "* OK", 4) != 0) {
			fail_client(c, "no * OK greeting");
			return;
		}
		char user[128], pass[128];
		fmt_u(user, sizeof(user), o.user_fmt, c->user);
		fmt_u(pass, sizeof(pass), o.pass_fmt, c->user);
		c->st = ST_LOGIN;
		c->session_cmds = 0;
		send_cmd(c, "LOGIN \"%s\" \"%s\"", user, pass);
		return;
	}
	if (resp[0] == '*') {
		on_untagged(c, resp, len);
	} else if (resp[0] == '+') {
		if (c->st != ST_IDLE_WAIT) {
			fail_client(c, "unexpected continuation");
			return;
		}
		c->st = ST_IDLING;
		if (++nidling == o.clients - nfinished) {
			printf("imapload: idling %u\n", nidling);
			fflush(stdout);
		}
		start_more();
	} else if (len > tl && memcmp(resp, c->tag, tl) == 0 && resp[tl] == ' ') {
		on_tagged(c, resp, len);
	} else {
		fail_client(c, "response with an unknown tag");
	}
}

static void on_ready(struct lconn *lc)
{
	(void)lc;
}

static void on_error(struct lconn *lc, const char *why)
{
	struct client *c = lc->data;

	if (c->st == ST_LOGOUT) { /* the server may close right after its OK */
		lconn_close(lc);
		return;
	}
	fail_client(c, why);
}

static void on_closed(struct lconn *lc)
{
	struct client *c = lc->data;

	if (c->reconnect && !c->dead) {
		c->reconnect = false;
		client_connect(c);
		return;
	}
	finish_client(c);
	start_more();
}

static const struct lconn_ops ops_client = {on_ready, on_resp, on_error, on_closed};

static void client_connect(struct client *c)
{
	c->st = ST_GREETING;
	c->tag[0] = '\0';
	lconn_start(&c->conn, loop, (const struct sockaddr *)&addr, &ops_client, c);
}

/* ---------------------------------------------------------------- run control */

static unsigned nstarted;

/* Idle mode keeps at most o.ramp sessions between connect and IDLE. */
static void start_more(void)
{
	while (nstarted < o.clients && !stopping) {
		if (o.mode == MODE_IDLE && nstarted - nidling - nfinished >= o.ramp)
			return;
		client_connect(&clients[nstarted++]);
	}
}

/* Mix: the clock starts once every client has logged in and selected, so
 * that the first logins (argon2id, serialised in some servers) do not count
 * against the open-session rate. */
static void start_measuring(void)
{
	measuring = true;
	t_start = t_end = now_ns();
	if (o.server_pid > 0)
		cpu_start = cpu_end = cpu_tree_seconds(o.server_pid);
	uv_timer_start(&t_duration, on_duration, (uint64_t)(o.duration * 1000), 0);
}

static void on_duration(uv_timer_t *t)
{
	(void)t;
	t_end = now_ns();
	if (o.server_pid > 0)
		cpu_end = cpu_tree_seconds(o.server_pid);
	measuring = false;
	stopping = true;
}

static void on_timeout(uv_timer_t *t)
{
	(void)t;
	fprintf(stderr, "imapload: timeout: %u of %u clients finished\n", nfinished, o.clients);
	errors++;
	exit(1);
}

static void on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	if (stopping)
		return;
	stopping = true;
	t_end = now_ns();
	measuring = false;
	for (unsigned i = nstarted; i < o.clients; i++)
		finish_client(&clients[i]);
	for (unsigned i = 0; i < nstarted; i++) {
		struct client *c = &clients[i];
		if (c->done || c->dead)
			continue;
		if (c->st == ST_IDLING) {
			c->st = ST_DONE_WAIT;
			lconn_send(&c->conn, "DONE\r\n", 6);
		} else {
			lconn_close(&c->conn);
		}
	}
}

static double lat_pct(double p)
{
	uint64_t want = (uint64_t)(p * (double)ops), seen = 0;

	for (size_t i = 0; i < LAT_BUCKETS; i++) {
		seen += lat[i];
		if (seen > want || (seen == ops && seen > 0))
			return (double)(i + 1) * (double)LAT_BUCKET_NS / 1e6;
	}
	return 0;
}

static void report(void)
{
	double secs = (double)(t_end - t_start) / 1e9;
	static const char *names[] = {"seed", "mix", "idle"};

	printf("mode=%s clients=%u relogin=%u seconds=%.2f ops=%llu ops_s=%.1f mix_ops=%llu "
	       "logins=%llu errors=%llu p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
	       names[o.mode], o.clients, o.relogin, secs, (unsigned long long)ops,
	       secs > 0 ? (double)ops / secs : 0.0, (unsigned long long)mix_ops,
	       (unsigned long long)logins, (unsigned long long)errors, lat_pct(0.5), lat_pct(0.9),
	       lat_pct(0.99), lat_pct(1.0));
	if (o.server_pid > 0 && o.mode == MODE_MIX)
		printf("server_cpu_s=%.2f server_cpu_ms_per_op=%.3f\n", cpu_end - cpu_start,
		       ops ? (cpu_end - cpu_start) * 1000 / (double)ops : 0.0);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	        "usage: imapload MODE [options]   (MODE: seed | mix | idle)\n"
	        "  -h HOST -p PORT      implicit-TLS IMAP server (default 127.0.0.1)\n"
	        "  --ca FILE            CA that signed the server certificate (required)\n"
	        "  -c N                 clients (mix: at most one per user; idle: sessions)\n"
	        "  -u N                 users user0..user{N-1} (default 10)\n"
	        "  -m N                 seeded messages per user (default 20)\n"
	        "  -d SECONDS           mix duration (default 10)\n"
	        "  -n N                 mix: N commands per client (whole cycles, all counted)\n"
	        "                       instead of a duration\n"
	        "  --relogin R          mix: LOGOUT, new TLS connection, LOGIN every R commands\n"
	        "  --user-fmt F --pass-fmt F   printf formats of %%u (user%%u@bench.test, "
	        "bench-pw-%%u)\n"
	        "  --ramp N             idle: sessions being set up at once (default 100)\n"
	        "  --timeout SECONDS    give up (exit 1) after this long (default: none)\n"
	        "  --server-pid PID     mix: also print the CPU time PID and its children\n"
	        "                       used during the measured window, per command\n"
	        "Prints one line of key=value results; errors on stderr; exit 1 if any error.\n");
	exit(status);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"ca", 1, NULL, 'C'},       {"relogin", 1, NULL, 'R'},    {"user-fmt", 1, NULL, 'U'},
	    {"pass-fmt", 1, NULL, 'P'}, {"ramp", 1, NULL, 'r'},       {"timeout", 1, NULL, 'T'},
	    {"help", 0, NULL, 'H'},     {"server-pid", 1, NULL, 'S'}, {NULL, 0, NULL, 0}};
	int ch;

	if (argc < 2)
		usage(2);
	if (strcmp(argv[1], "seed") == 0)
		o.mode = MODE_SEED;
	else if (strcmp(argv[1], "mix") == 0)
		o.mode = MODE_MIX;
	else if (strcmp(argv[1], "idle") == 0)
		o.mode = MODE_IDLE;
	else
		usage(strcmp(argv[1], "--help") == 0 ? 0 : 2);
	optind = 2;
	while ((ch = getopt_long(argc, argv, "h:p:c:u:m:d:n:", lo, NULL)) != -1) {
		switch (ch) {
		case 'h':
			o.host = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'c':
			o.clients = (unsigned)atoi(optarg);
			break;
		case 'n':
			o.commands = (unsigned)atoi(optarg);
			break;
		case 'u':
			o.users = (unsigned)atoi(optarg);
			break;
		case 'm':
			o.messages = (unsigned)atoi(optarg);
			break;
		case 'd':
			o.duration = atof(optarg);
			break;
		case 'C':
			o.ca = optarg;
			break;
		case 'R':
			o.relogin = (unsigned)atoi(optarg);
			break;
		case 'U':
			o.user_fmt = optarg;
			break;
		case 'P':
			o.pass_fmt = optarg;
			break;
		case 'r':
			o.ramp = (unsigned)atoi(optarg);
			break;
		case 'T':
			o.timeout = atof(optarg);
			break;
		case 'S':
			o.server_pid = atol(optarg);
			break;
		case 'H':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (o.ca == NULL || o.port <= 0 || o.clients == 0 || o.users == 0 || o.messages == 0 ||
	    o.messages > 320 || o.ramp == 0 || o.duration <= 0)
		usage(2);
	if (o.mode == MODE_SEED)
		o.clients = o.users;
	if (o.mode == MODE_MIX && o.clients > o.users) {
		fprintf(stderr, "imapload: mix needs one user per client (-u >= -c)\n");
		exit(2);
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	parse_opts(argc, argv);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	if (uv_ip4_addr(o.host, o.port, &addr) != 0 || lconn_tls_init(o.ca) < 0)
		return 2;
	loop = uv_default_loop();
	lat = calloc(LAT_BUCKETS, sizeof(*lat));
	msg_cache_init(o.users, o.messages);
	clients = calloc(o.clients, sizeof(*clients));
	if (lat == NULL || clients == NULL)
		return 2;
	for (unsigned i = 0; i < o.clients; i++) {
		clients[i].id = i;
		clients[i].user = i % o.users;
		clients[i].rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)i * 0x100000001b3ULL) ^ 1;
		clients[i].step = S_FETCH_HDR;
	}
	uv_timer_init(loop, &t_duration);
	uv_timer_init(loop, &t_timeout);
	uv_signal_init(loop, &sig_int);
	uv_signal_init(loop, &sig_term);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	if (o.timeout > 0)
		uv_timer_start(&t_timeout, on_timeout, (uint64_t)(o.timeout * 1000), 0);
	measuring = o.mode != MODE_MIX || o.commands > 0;
	t_start = t_end = now_ns();
	start_more();
	uv_run(loop, UV_RUN_DEFAULT);
	if (o.mode == MODE_SEED || (o.mode == MODE_MIX && o.commands > 0))
		t_end = now_ns();
	report();
	return errors ? 1 : 0;
}
