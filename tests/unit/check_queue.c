/* SPDX-License-Identifier: ISC */
/* libbalstore's outbound queue: add, get, listing in id and due order,
 * attempts with rescheduling and final deletion, retry, delete, count, the
 * blob references the entries hold, the limits, and store_check finding
 * queue inconsistencies injected below the API. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "store_int.h"
#include "store_test.h"

static char dir[256];
static struct store *S;

static void setup(void)
{
	struct store_opts o = {.path = dir};
	const char *why = NULL;
	int rc;

	store_test_dir(dir);
	rc = store_open(&o, &S, &why);
	ck_assert_msg(rc == 0, "store_open: %s (%s)", store_strerror(rc), why ? why : "");
}

static void teardown(void)
{
	store_close(&S);
	store_test_rmdir(dir);
}

/* ---------------------------------------------------------------- helpers */

static const char MSG[] = "From: a@b.test\r\nSubject: x\r\n\r\nhello\r\n";

/* A request: optionally a new blob, then one queue entry on it. */
struct add_ctx {
	struct store_qentry e;
	struct store_qrcpt rc[4];
	bool new_blob;
	const char *why;
};

static int ap_add(struct store_txn *t, void *arg)
{
	struct add_ctx *c = arg;
	int rc = 0;

	if (c->new_blob)
		rc = store_blob_put(t, MSG, sizeof(MSG) - 1, NULL, 0, &c->e.blob_id);
	if (rc == 0)
		rc = store_queue_add(t, &c->e, &c->why);
	return rc;
}

/* An entry of n recipients r0@dest.test..., due at next (0: at arrival). */
static void entry_init(struct add_ctx *c, size_t n, int64_t next)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->e.return_path, "dr.martin@example.test");
	strcpy(c->e.envid, "ENV-1");
	c->e.ret = QRET_HDRS;
	c->e.arrival = 1000;
	c->e.bal_id = 7;
	c->e.next_attempt = next;
	c->e.n_rcpts = n;
	c->e.rcpts = c->rc;
	c->new_blob = true;
	for (size_t i = 0; i < n; i++) {
		snprintf(c->rc[i].address, sizeof(c->rc[i].address), "r%zu@dest.test", i);
		c->rc[i].notify = QNOTIFY_SUCCESS | QNOTIFY_FAILURE;
	}
}

/* Adds an entry with a new blob; returns its id. */
static uint64_t add(size_t n, int64_t next, uint64_t *blob_r)
{
	struct add_ctx c;

	entry_init(&c, n, next);
	ck_assert_int_eq(store_write(S, ap_add, &c), 0);
	ck_assert(c.e.id != 0);
	if (blob_r != NULL)
		*blob_r = c.e.blob_id;
	return c.e.id;
}

static long blob_refs(uint64_t blob)
{
	struct store_txn *t;
	uint32_t refs;
	int rc;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	rc = store_blob_info(t, blob, NULL, &refs, NULL, NULL);
	store_read_end(&t);
	ck_assert(rc == 0 || rc == STORE_E_NOTFOUND);
	return rc == 0 ? (long)refs : -1;
}

static int get(uint64_t id, struct store_qentry *e)
{
	struct store_txn *t;
	int rc;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	rc = store_queue_get(t, id, e);
	store_read_end(&t);
	return rc;
}

static uint64_t count(void)
{
	struct store_txn *t;
	uint64_t n = 99;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_queue_count(t, &n), 0);
	store_read_end(&t);
	return n;
}

static void check_consistent(void)
{
	const char *why = NULL;
	int rc = store_check(S, &why);

	ck_assert_msg(rc == 0, "store_check: %s", why ? why : "?");
}

/* store_check fails and its reason contains text. */
static void check_finds(const char *text)
{
	const char *why = NULL;
	int rc = store_check(S, &why);

	ck_assert_msg(rc != 0, "store_check missed: %s", text);
	ck_assert_msg(why != NULL && strstr(why, text) != NULL, "store_check: %s (wanted %s)",
	              why ? why : "?", text);
}

/* Ids seen by a listing, in order. */
struct seen {
	uint64_t ids[16];
	size_t n, stop_after;
};

static int collect(void *arg, const struct store_qentry *e)
{
	struct seen *s = arg;

	s->ids[s->n++] = e->id;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static void list_due(int64_t now, struct seen *s)
{
	struct store_txn *t;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_queue_each_due(t, now, collect, s), 0);
	store_read_end(&t);
}

/* ---------------------------------------------------------------- add, get */

START_TEST(test_add_get)
{
	struct store_qentry e;
	struct add_ctx c;
	uint64_t blob;

	entry_init(&c, 2, 0);
	c.e.arrival = 0;
	c.e.next_attempt = 0;
	strcpy(c.rc[1].orcpt_type, "rfc822");
	strcpy(c.rc[1].orcpt, "Orig@Dest.test");
	c.rc[0].notify = QNOTIFY_NEVER;
	c.rc[0].state = QRCPT_FAILED; /* ignored: a new entry is pending */
	c.rc[0].attempts = 9;
	ck_assert_int_eq(store_write(S, ap_add, &c), 0);
	blob = c.e.blob_id;
	ck_assert_int_eq(blob_refs(blob), 1); /* a fresh blob survives: the entry holds it */
	ck_assert_int_eq(get(c.e.id, &e), 1);
	ck_assert_uint_eq(e.id, c.e.id);
	ck_assert_str_eq(e.return_path, "dr.martin@example.test");
	ck_assert_str_eq(e.envid, "ENV-1");
	ck_assert_int_eq(e.ret, QRET_HDRS);
	ck_assert(e.arrival > 1000000000); /* now */
	ck_assert_int_eq(e.next_attempt, e.arrival);
	ck_assert_int_eq(e.expires, e.arrival + STORE_QEXPIRY_DEFAULT);
	ck_assert_uint_eq(e.bal_id, 7);
	ck_assert_uint_eq(e.blob_id, blob);
	ck_assert_uint_eq(e.attempts, 0);
	ck_assert_uint_eq(e.n_rcpts, 2);
	ck_assert_str_eq(e.rcpts[0].address, "r0@dest.test");
	ck_assert_uint_eq(e.rcpts[0].notify, QNOTIFY_NEVER);
	ck_assert_int_eq(e.rcpts[0].state, QRCPT_PENDING);
	ck_assert_uint_eq(e.rcpts[0].attempts, 0);
	ck_assert_str_eq(e.rcpts[0].orcpt_type, "");
	ck_assert_str_eq(e.rcpts[1].orcpt_type, "rfc822");
	ck_assert_str_eq(e.rcpts[1].orcpt, "Orig@Dest.test");
	ck_assert_uint_eq(e.rcpts[1].notify, QNOTIFY_SUCCESS | QNOTIFY_FAILURE);
	store_queue_entry_free(&e);
	ck_assert_int_eq(get(c.e.id + 1, &e), 0);
	ck_assert_uint_eq(count(), 1);

	/* The null sender, no ENVID, RET unset, times given. */
	entry_init(&c, 1, 5000);
	c.e.return_path[0] = c.e.envid[0] = '\0';
	c.e.ret = QRET_UNSET;
	c.e.bal_id = 0;
	c.e.expires = 9000;
	ck_assert_int_eq(store_write(S, ap_add, &c), 0);
	ck_assert_int_eq(get(c.e.id, &e), 1);
	ck_assert_str_eq(e.return_path, "");
	ck_assert_int_eq(e.ret, QRET_UNSET);
	ck_assert_int_eq(e.arrival, 1000);
	ck_assert_int_eq(e.next_attempt, 5000);
	ck_assert_int_eq(e.expires, 9000);
	ck_assert_uint_eq(e.bal_id, 0);
	store_queue_entry_free(&e);
	ck_assert_uint_eq(count(), 2);
	check_consistent();
}
END_TEST

/* Each refused entry: the error, a why text naming the problem, nothing
 * stored (the blob put in the same request goes too). */
static void refused(struct add_ctx *c, int err, const char *why)
{
	uint64_t before = count();

	ck_assert_int_eq(store_write(S, ap_add, c), err);
	if (why != NULL)
		ck_assert_msg(c->why != NULL && strstr(c->why, why) != NULL, "why %s, wanted %s",
		              c->why ? c->why : "NULL", why);
	ck_assert_uint_eq(count(), before);
}

START_TEST(test_add_limits)
{
	struct add_ctx c;
	struct store_qrcpt *many;

	entry_init(&c, 1, 0);
	memset(c.rc[0].address, 'a', STORE_QADDR_MAX); /* exactly 256 bytes: fine */
	c.rc[0].address[STORE_QADDR_MAX] = '\0';
	ck_assert_int_eq(store_write(S, ap_add, &c), 0);

	entry_init(&c, 1, 0);
	c.rc[0].address[0] = '\0';
	refused(&c, STORE_E_INVALID, "recipient address empty");
	entry_init(&c, 1, 0);
	c.rc[0].address[1] = '\n';
	refused(&c, STORE_E_INVALID, "recipient address holds a control character");
	entry_init(&c, 1, 0);
	c.e.envid[2] = '\r';
	refused(&c, STORE_E_INVALID, "ENVID");
	entry_init(&c, 1, 0);
	c.rc[0].notify = QNOTIFY_NEVER | QNOTIFY_DELAY;
	refused(&c, STORE_E_INVALID, "NEVER");
	entry_init(&c, 1, 0);
	strcpy(c.rc[0].orcpt, "x@y.test");
	refused(&c, STORE_E_INVALID, "ORCPT");
	entry_init(&c, 1, 0);
	c.e.ret = 3;
	refused(&c, STORE_E_INVALID, "RET");
	entry_init(&c, 0, 0);
	refused(&c, STORE_E_INVALID, "at least one recipient");
	entry_init(&c, 1, 0);
	c.e.expires = c.e.arrival - 1;
	refused(&c, STORE_E_INVALID, "expiry before arrival");
	entry_init(&c, 1, 0);
	c.new_blob = false;
	c.e.blob_id = 424242;
	refused(&c, STORE_E_NOTFOUND, NULL);

	/* A field too long for its limit is one with no NUL inside. */
	entry_init(&c, 1, 0);
	memset(c.e.return_path, 'r', sizeof(c.e.return_path));
	refused(&c, STORE_E_INVALID, "return path longer than 256 bytes");
	entry_init(&c, 2, 0);
	memset(c.rc[1].address, 'a', sizeof(c.rc[1].address));
	refused(&c, STORE_E_INVALID, "recipient address longer than 256 bytes");
	entry_init(&c, 1, 0);
	memset(c.rc[0].orcpt, 'o', sizeof(c.rc[0].orcpt));
	strcpy(c.rc[0].orcpt_type, "rfc822");
	refused(&c, STORE_E_INVALID, "ORCPT value longer than 256 bytes");
	entry_init(&c, 1, 0);
	memset(c.e.envid, 'e', sizeof(c.e.envid));
	refused(&c, STORE_E_INVALID, "ENVID longer than 100 bytes");

	many = calloc(STORE_QRCPTS_MAX + 1, sizeof(*many));
	entry_init(&c, 1, 0);
	for (size_t i = 0; i <= STORE_QRCPTS_MAX; i++)
		strcpy(many[i].address, "x@y.test");
	c.e.rcpts = many;
	c.e.n_rcpts = STORE_QRCPTS_MAX + 1;
	refused(&c, STORE_E_INVALID, "more than 1000 recipients");
	c.e.n_rcpts = STORE_QRCPTS_MAX; /* the limit itself fits */
	ck_assert_int_eq(store_write(S, ap_add, &c), 0);
	free(many);
	ck_assert_uint_eq(count(), 2);
	check_consistent();
}
END_TEST

START_TEST(test_readonly)
{
	struct store_txn *t;
	struct add_ctx c;

	entry_init(&c, 1, 0);
	c.e.blob_id = 1;
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_queue_add(t, &c.e, &c.why), STORE_E_READONLY);
	ck_assert_int_eq(store_queue_retry(t, 1, 5), STORE_E_READONLY);
	ck_assert_int_eq(store_queue_delete(t, 1), STORE_E_READONLY);
	ck_assert_int_eq(store_queue_attempt(t, 1, 5, NULL, 0, 6, NULL, NULL), STORE_E_READONLY);
	store_read_end(&t);
}
END_TEST

/* ---------------------------------------------------------------- listing */

START_TEST(test_each_and_due_order)
{
	struct seen s = {0};
	struct store_txn *t;
	uint64_t a = add(1, 300, NULL), b = add(1, 100, NULL), c = add(1, 200, NULL);
	uint64_t d = add(1, 100, NULL);

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_queue_each(t, collect, &s), 0);
	store_read_end(&t);
	ck_assert_uint_eq(s.n, 4);
	ck_assert(s.ids[0] == a && s.ids[1] == b && s.ids[2] == c && s.ids[3] == d);

	memset(&s, 0, sizeof(s));
	list_due(250, &s); /* by time, then id; 300 not yet due */
	ck_assert_uint_eq(s.n, 3);
	ck_assert(s.ids[0] == b && s.ids[1] == d && s.ids[2] == c);
	memset(&s, 0, sizeof(s));
	list_due(99, &s);
	ck_assert_uint_eq(s.n, 0);
	memset(&s, 0, sizeof(s));
	list_due(300, &s);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_uint_eq(s.ids[3], a);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	list_due(1000, &s);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(count(), 4);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- attempts */

struct attempt_ctx {
	uint64_t id;
	int64_t now, next;
	struct store_qresult res[4];
	size_t n;
	bool deleted;
	const char *why;
};

static int ap_attempt(struct store_txn *t, void *arg)
{
	struct attempt_ctx *c = arg;

	return store_queue_attempt(t, c->id, c->now, c->res, c->n, c->next, &c->deleted, &c->why);
}

static void result(struct attempt_ctx *a, size_t rcpt, enum store_qrcpt_state st, unsigned code,
                   const char *enh, const char *text)
{
	struct store_qresult *r = &a->res[a->n++];

	memset(r, 0, sizeof(*r));
	r->rcpt = rcpt;
	r->state = st;
	r->reply.code = code;
	strcpy(r->reply.enhanced, enh);
	strcpy(r->reply.text, text);
	strcpy(r->reply.host, "mx.dest.test");
}

static int attempt_bad(uint64_t id, size_t rcpt, enum store_qrcpt_state st, unsigned code,
                       const char **why_r)
{
	struct attempt_ctx a = {.id = id, .now = 3000, .next = 4000};
	int rc;

	result(&a, rcpt, st, code, "", "");
	rc = store_write(S, ap_attempt, &a);
	*why_r = a.why;
	return rc;
}

START_TEST(test_attempt_reschedule_and_final)
{
	struct attempt_ctx a = {.now = 2000, .next = 2600};
	struct store_qentry e;
	struct seen s = {0};
	const char *why;
	uint64_t blob, id = add(3, 1500, &blob);

	a.id = id;
	result(&a, 0, QRCPT_DELIVERED, 250, "2.0.0", "Ok: queued as X");
	result(&a, 1, QRCPT_PENDING, 451, "4.3.0", "Try later");
	ck_assert_int_eq(store_write(S, ap_attempt, &a), 0);
	ck_assert(!a.deleted);
	ck_assert_int_eq(get(id, &e), 1);
	ck_assert_int_eq(e.next_attempt, 2600);
	ck_assert_uint_eq(e.attempts, 1);
	ck_assert_int_eq(e.rcpts[0].state, QRCPT_DELIVERED);
	ck_assert_uint_eq(e.rcpts[0].attempts, 1);
	ck_assert_int_eq(e.rcpts[0].last_attempt, 2000);
	ck_assert_uint_eq(e.rcpts[0].reply.code, 250);
	ck_assert_str_eq(e.rcpts[0].reply.enhanced, "2.0.0");
	ck_assert_str_eq(e.rcpts[0].reply.text, "Ok: queued as X");
	ck_assert_str_eq(e.rcpts[0].reply.host, "mx.dest.test");
	ck_assert_int_eq(e.rcpts[1].state, QRCPT_PENDING);
	ck_assert_uint_eq(e.rcpts[1].reply.code, 451);
	ck_assert_int_eq(e.rcpts[2].state, QRCPT_PENDING);
	ck_assert_uint_eq(e.rcpts[2].attempts, 0);
	ck_assert_int_eq(e.rcpts[2].last_attempt, 0);
	store_queue_entry_free(&e);
	list_due(2599, &s); /* the due index moved with it */
	ck_assert_uint_eq(s.n, 0);
	list_due(2600, &s);
	ck_assert_uint_eq(s.n, 1);
	check_consistent();

	/* Refused results change nothing. */
	ck_assert_int_eq(attempt_bad(id, 0, QRCPT_FAILED, 550, &why), STORE_E_INVALID);
	ck_assert_str_eq(why, "recipient already in a final state");
	ck_assert_int_eq(attempt_bad(id, 3, QRCPT_FAILED, 550, &why), STORE_E_INVALID);
	ck_assert_str_eq(why, "recipient index out of range");
	ck_assert_int_eq(attempt_bad(id, 1, 9, 550, &why), STORE_E_INVALID);
	ck_assert_str_eq(why, "unknown recipient state");
	ck_assert_int_eq(attempt_bad(id, 1, QRCPT_FAILED, 999, &why), STORE_E_INVALID);
	ck_assert_str_eq(why, "reply code outside 200-599");
	ck_assert_int_eq(attempt_bad(id + 100, 1, QRCPT_FAILED, 550, &why), STORE_E_NOTFOUND);
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.now = 3000;
	a.next = 4000;
	result(&a, 1, QRCPT_FAILED, 550, "5.1.1", "No such user");
	result(&a, 1, QRCPT_FAILED, 550, "5.1.1", "No such user");
	ck_assert_int_eq(store_write(S, ap_attempt, &a), STORE_E_INVALID);
	ck_assert_str_eq(a.why, "recipient listed twice");
	a.n = 1;
	memset(a.res[0].reply.text, 't', STORE_QTEXT_MAX); /* 512 fits, exactly */
	a.res[0].reply.text[STORE_QTEXT_MAX] = '\0';
	a.next = 0;
	ck_assert_int_eq(store_write(S, ap_attempt, &a), STORE_E_INVALID);
	ck_assert_str_eq(a.why, "next attempt time must be positive");
	ck_assert_int_eq(get(id, &e), 1);
	ck_assert_uint_eq(e.attempts, 1);
	ck_assert_int_eq(e.rcpts[1].state, QRCPT_PENDING);
	store_queue_entry_free(&e);

	/* A delay notice sticks through later temporary failures. */
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.now = 3000;
	a.next = 4000;
	result(&a, 1, QRCPT_DELAY_NOTIFIED, 421, "4.4.2", "Timeout");
	result(&a, 2, QRCPT_PENDING, 0, "", "connection refused");
	ck_assert_int_eq(store_write(S, ap_attempt, &a), 0);
	a.n = 0;
	a.now = 4000;
	a.next = 5000;
	result(&a, 1, QRCPT_PENDING, 451, "4.3.0", "Try later");
	ck_assert_int_eq(store_write(S, ap_attempt, &a), 0);
	ck_assert_int_eq(get(id, &e), 1);
	ck_assert_int_eq(e.rcpts[1].state, QRCPT_DELAY_NOTIFIED);
	ck_assert_uint_eq(e.rcpts[1].attempts, 3);
	ck_assert_uint_eq(e.rcpts[1].reply.code, 451);
	ck_assert_uint_eq(e.rcpts[2].reply.code, 0);
	ck_assert_str_eq(e.rcpts[2].reply.text, "connection refused");
	ck_assert_uint_eq(e.attempts, 3);
	store_queue_entry_free(&e);
	check_consistent();

	/* Every recipient final: the entry goes, and its blob with it. */
	ck_assert_int_eq(blob_refs(blob), 1);
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.now = 5000;
	a.next = 6000;
	result(&a, 1, QRCPT_FAILED, 550, "5.1.1", "No such user");
	result(&a, 2, QRCPT_RELAYED, 250, "2.0.0", "Ok");
	ck_assert_int_eq(store_write(S, ap_attempt, &a), 0);
	ck_assert(a.deleted);
	ck_assert_int_eq(get(id, &e), 0);
	ck_assert_int_eq(blob_refs(blob), -1);
	ck_assert_uint_eq(count(), 0);
	memset(&s, 0, sizeof(s));
	list_due(INT64_MAX, &s);
	ck_assert_uint_eq(s.n, 0);
	check_consistent();
}
END_TEST

START_TEST(test_attempt_reply_limits)
{
	struct attempt_ctx a = {.now = 2000, .next = 2600};
	uint64_t id = add(1, 0, NULL);

	a.id = id;
	result(&a, 0, QRCPT_PENDING, 451, "4.3.0", "");
	memset(a.res[0].reply.text, 't', sizeof(a.res[0].reply.text)); /* no NUL: too long */
	memset(a.res[0].reply.host, 0, sizeof(a.res[0].reply.host));
	ck_assert_int_eq(store_write(S, ap_attempt, &a), STORE_E_INVALID);
	ck_assert_str_eq(a.why, "reply text longer than 512 bytes");
	a.res[0].reply.text[STORE_QTEXT_MAX] = '\0';
	a.res[0].reply.text[3] = '\t'; /* a tab is fine in a reply text */
	ck_assert_int_eq(store_write(S, ap_attempt, &a), 0);
	a.res[0].reply.text[3] = '\r';
	ck_assert_int_eq(store_write(S, ap_attempt, &a), STORE_E_INVALID);
	ck_assert_str_eq(a.why, "reply text holds a control character");
	a.res[0].reply.text[3] = 't';
	memset(a.res[0].reply.enhanced, '4', sizeof(a.res[0].reply.enhanced));
	ck_assert_int_eq(store_write(S, ap_attempt, &a), STORE_E_INVALID);
	ck_assert_str_eq(a.why, "enhanced status code longer than 15 bytes");
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- retry, delete */

struct id_ctx {
	uint64_t id;
	int64_t now;
};

static int ap_retry(struct store_txn *t, void *arg)
{
	struct id_ctx *c = arg;

	return store_queue_retry(t, c->id, c->now);
}

static int ap_delete(struct store_txn *t, void *arg)
{
	return store_queue_delete(t, ((struct id_ctx *)arg)->id);
}

START_TEST(test_retry)
{
	struct store_qentry e;
	struct seen s = {0};
	uint64_t id = add(1, 90000, NULL);
	struct id_ctx c = {id, 1234};

	list_due(5000, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(store_write(S, ap_retry, &c), 0);
	ck_assert_int_eq(get(id, &e), 1);
	ck_assert_int_eq(e.next_attempt, 1234);
	store_queue_entry_free(&e);
	list_due(5000, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(store_write(S, ap_retry, &c), 0); /* already there */
	c.id = id + 1;
	ck_assert_int_eq(store_write(S, ap_retry, &c), STORE_E_NOTFOUND);
	check_consistent();
}
END_TEST

/* A message in a BAL's Sent and two queue entries share one blob. */
struct share_ctx {
	uint64_t blob;
	struct add_ctx q;
};

static int ap_share(struct store_txn *t, void *arg)
{
	struct share_ctx *c = arg;
	struct store_bal bal = {.type = BAL_PER, .holder_type = 8, .holder = "810001234565"};
	struct store_mailbox mb;
	const char *why;
	int rc = store_blob_put(t, MSG, sizeof(MSG) - 1, NULL, 0, &c->blob);

	strcpy(bal.address, "dr.martin@example.test");
	if (rc == 0)
		rc = store_domain_add(t, "example.test");
	if (rc == 0)
		rc = store_bal_create(t, &bal, &why);
	if (rc == 0)
		rc = store_mailbox_get(t, bal.id, "Sent", &mb) == 1 ? 0 : STORE_E_NOTFOUND;
	if (rc == 0)
		rc = store_msg_append(t, mb.id, c->blob, 0, 0, 0, 0, NULL);
	c->q.new_blob = false;
	c->q.e.blob_id = c->blob;
	if (rc == 0)
		rc = ap_add(t, &c->q);
	if (rc == 0)
		rc = ap_add(t, &c->q);
	return rc;
}

START_TEST(test_delete_releases_blob)
{
	struct share_ctx sh;
	struct store_qentry e;
	struct id_ctx c = {0};
	uint64_t first;

	memset(&sh, 0, sizeof(sh));
	entry_init(&sh.q, 1, 0);
	ck_assert_int_eq(store_write(S, ap_share, &sh), 0);
	ck_assert_int_eq(blob_refs(sh.blob), 3);
	check_consistent();
	first = sh.q.e.id - 1;
	c.id = first;
	ck_assert_int_eq(store_write(S, ap_delete, &c), 0);
	ck_assert_int_eq(blob_refs(sh.blob), 2);
	ck_assert_int_eq(get(first, &e), 0);
	ck_assert_int_eq(store_write(S, ap_delete, &c), STORE_E_NOTFOUND);
	ck_assert_uint_eq(count(), 1);
	check_consistent();
	c.id = sh.q.e.id;
	ck_assert_int_eq(store_write(S, ap_delete, &c), 0);
	ck_assert_int_eq(blob_refs(sh.blob), 1); /* the message still lists it */
	ck_assert_uint_eq(count(), 0);
	check_consistent();

	c.id = add(1, 0, &sh.blob); /* the only reference: delete frees the blob */
	ck_assert_int_eq(store_write(S, ap_delete, &c), 0);
	ck_assert_int_eq(blob_refs(sh.blob), -1);
	check_consistent();
}
END_TEST

START_TEST(test_persists)
{
	struct store_opts o = {.path = dir};
	struct store_qentry e;
	struct seen s = {0};
	const char *why;
	uint64_t id = add(2, 700, NULL);

	store_close(&S);
	ck_assert_int_eq(store_open(&o, &S, &why), 0);
	ck_assert_int_eq(get(id, &e), 1);
	ck_assert_uint_eq(e.n_rcpts, 2);
	ck_assert_str_eq(e.rcpts[1].address, "r1@dest.test");
	store_queue_entry_free(&e);
	list_due(700, &s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(id, add(1, 0, NULL) - 1); /* ids are never reused */
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- store_check */

/* Changes made below the API, through the internal table access. */
struct raw_ctx {
	int what;
	uint64_t id, blob;
	int64_t when;
};

enum { RAW_DEL_DUE, RAW_ADD_DUE, RAW_REF_BLOB, RAW_BAD_RECORD, RAW_DEL_REF, RAW_FINAL };

/* Marks the only recipient of an entry made by entry_init(c, 1, ...) as
 * delivered in the stored record, as if the entry had not been removed. */
static int raw_final(struct store_txn *t, uint64_t id)
{
	/* version, return path, ENVID, RET, arrival, BAL, blob, next attempt,
	 * attempts, expires, recipient count; address, ORCPT type and value,
	 * NOTIFY, then the state byte. */
	size_t off = 1 + 2 + strlen("dr.martin@example.test") + 2 + strlen("ENV-1") + 1 + 8 * 4 +
	             4 + 8 + 4 + 2 + strlen("r0@dest.test") + 2 + 2 + 1;
	struct store_key k;
	MDB_val val;
	uint8_t copy[512];
	int rc;

	store_key_u64(&k, id);
	rc = store_get(t, DB_QUEUE, &k.v, &val);
	ck_assert_int_eq(rc, 1);
	ck_assert(val.mv_size <= sizeof(copy) && off < val.mv_size);
	memcpy(copy, val.mv_data, val.mv_size);
	ck_assert_int_eq(copy[off], QRCPT_PENDING);
	copy[off] = QRCPT_DELIVERED;
	val.mv_data = copy;
	return store_put(t, DB_QUEUE, &k.v, &val, 0);
}

static int ap_raw(struct store_txn *t, void *arg)
{
	struct raw_ctx *c = arg;
	struct store_key k;
	uint8_t bad[2] = {9, 0};
	MDB_val empty = {0, NULL}, badv = {sizeof(bad), bad};

	switch (c->what) {
	case RAW_DEL_DUE:
		store_key_u64_u64(&k, (uint64_t)c->when, c->id);
		return store_del(t, DB_QUEUE_DUE, &k.v);
	case RAW_ADD_DUE:
		store_key_u64_u64(&k, (uint64_t)c->when, c->id);
		return store_put(t, DB_QUEUE_DUE, &k.v, &empty, 0);
	case RAW_REF_BLOB:
		return store_blob_ref(t, c->blob, 1);
	case RAW_DEL_REF:
		return store_blob_ref(t, c->blob, -1);
	case RAW_FINAL:
		return raw_final(t, c->id);
	default:
		store_key_u64(&k, c->id);
		return store_put(t, DB_QUEUE, &k.v, &badv, 0);
	}
}

static void raw(int what, uint64_t id, int64_t when, uint64_t blob)
{
	struct raw_ctx c = {what, id, blob, when};

	ck_assert_int_eq(store_write(S, ap_raw, &c), 0);
}

START_TEST(test_check_finds_queue_damage)
{
	uint64_t blob, id = add(1, 500, &blob);

	check_consistent();
	raw(RAW_DEL_DUE, id, 500, 0);
	check_finds("not in the due index");
	raw(RAW_ADD_DUE, id, 500, 0);
	check_consistent();
	raw(RAW_ADD_DUE, id + 50, 10, 0); /* a stray index entry */
	check_finds("records in queue_due");
	raw(RAW_DEL_DUE, id + 50, 10, 0);
	check_consistent();
	raw(RAW_REF_BLOB, 0, 0, blob); /* a reference nobody holds */
	check_finds("1 messages or queue entries list it");
	raw(RAW_DEL_REF, 0, 0, blob);
	check_consistent();
	raw(RAW_BAD_RECORD, id + 77, 0, 0); /* unreadable: skipped by listings */
	check_finds("2 records in queue, 1 readable");
	raw(RAW_FINAL, id, 0, 0); /* found first: entries are checked before counts */
	check_finds("every recipient is final");
}
END_TEST

START_TEST(test_check_counts_queue_refs)
{
	struct add_ctx c;
	uint64_t blob;

	add(1, 500, &blob);
	entry_init(&c, 1, 0); /* a second entry on the same blob */
	c.new_blob = false;
	c.e.blob_id = blob;
	ck_assert_int_eq(store_write(S, ap_add, &c), 0);
	ck_assert_int_eq(blob_refs(blob), 2);
	check_consistent(); /* both queue references are counted */
	raw(RAW_DEL_REF, 0, 0, blob);
	check_finds("1 references, 2 messages or queue entries list it");
}
END_TEST

static Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120); /* every write waits for fsync */
	tcase_add_test(tc, test_add_get);
	tcase_add_test(tc, test_add_limits);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_each_and_due_order);
	tcase_add_test(tc, test_attempt_reschedule_and_final);
	tcase_add_test(tc, test_attempt_reply_limits);
	tcase_add_test(tc, test_retry);
	tcase_add_test(tc, test_delete_releases_blob);
	tcase_add_test(tc, test_persists);
	tcase_add_test(tc, test_check_finds_queue_damage);
	tcase_add_test(tc, test_check_counts_queue_refs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(queue_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
