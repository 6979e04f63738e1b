/* SPDX-License-Identifier: ISC */
/* libbalstore: messages, UIDs and modseqs, blob references, quota, group
 * commit, readers beside the writer, map growth and storage full. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "balstore.h"
#include "store_test.h"

#define RPPS_OK "810001234565"

struct env {
	char dir[256];
	struct store *s;
	uint64_t bal;
	uint64_t inbox, sent, trash;
};

static struct env E;

/* ---------------------------------------------------------------- helpers */

static void env_open(uint64_t map, uint64_t max)
{
	struct store_opts o = {.path = E.dir, .map_size = map, .map_size_max = max};
	const char *why = NULL;
	int rc = store_open(&o, &E.s, &why);

	ck_assert_msg(rc == 0, "store_open: %s (%s)", store_strerror(rc), why ? why : "");
}

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

struct bal_ctx {
	struct store_bal bal;
	const char *why;
};

static int ap_bal(struct store_txn *t, void *ctx)
{
	struct bal_ctx *c = ctx;

	return store_bal_create(t, &c->bal, &c->why);
}

static uint64_t mbox_id(const char *name)
{
	struct store_txn *t;
	struct store_mailbox mb;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_mailbox_get(t, E.bal, name, &mb), 1);
	store_read_end(&t);
	return mb.id;
}

static uint64_t make_bal(const char *addr, uint64_t quota_bytes, uint64_t quota_msgs)
{
	struct bal_ctx c = {0};

	strcpy(c.bal.address, addr);
	c.bal.type = BAL_PER;
	c.bal.holder_type = 8;
	strcpy(c.bal.holder, RPPS_OK);
	c.bal.quota_bytes = quota_bytes;
	c.bal.quota_messages = quota_msgs;
	ck_assert_int_eq(store_write(E.s, ap_bal, &c), 0);
	ck_assert(c.bal.id != 0);
	return c.bal.id;
}

static void setup_common(uint64_t map, uint64_t max)
{
	memset(&E, 0, sizeof(E));
	store_test_dir(E.dir);
	env_open(map, max);
	ck_assert_int_eq(store_write(E.s, ap_domain, "example.test"), 0);
	E.bal = make_bal("alice@example.test", 0, 0);
	E.inbox = mbox_id("INBOX");
	E.sent = mbox_id("Sent");
	E.trash = mbox_id("Trash");
}

static void setup(void)
{
	setup_common(0, 0);
}

static void teardown(void)
{
	store_close(&E.s);
	store_test_rmdir(E.dir);
}

/* One delivery: a blob listed in up to 4 mailboxes. */
struct put_ctx {
	const void *data;
	size_t len;
	uint64_t mb[4];
	size_t n_mb;
	uint32_t flags;
	unsigned opts;
	uint64_t blob;
	struct store_msg msg[4];
};

static int ap_put(struct store_txn *t, void *ctx)
{
	struct put_ctx *c = ctx;
	int rc = store_blob_put(t, c->data, c->len, "sum", 3, &c->blob);

	for (size_t i = 0; i < c->n_mb && rc == 0; i++)
		rc = store_msg_append(t, c->mb[i], c->blob, c->flags, 0, 0, c->opts, &c->msg[i]);
	return rc;
}

static char *pattern(size_t len, unsigned seed)
{
	char *p = malloc(len ? len : 1);

	for (size_t i = 0; i < len; i++)
		p[i] = (char)('a' + (i * 7 + seed) % 26);
	return p;
}

/* Delivers len bytes to mailbox mb; returns the store result. */
static int put(uint64_t mb, size_t len, unsigned opts, struct put_ctx *c)
{
	char *data = pattern(len, (unsigned)len);
	int rc;

	memset(c, 0, sizeof(*c));
	c->data = data;
	c->len = len;
	c->mb[0] = mb;
	c->n_mb = 1;
	c->opts = opts;
	rc = store_write(E.s, ap_put, c);
	free(data);
	c->data = NULL;
	return rc;
}

struct uid_ctx {
	uint64_t mb, dst;
	uint32_t uid;
	uint32_t flags;
	uint64_t keywords, unchanged_since;
	unsigned opts;
	struct store_msg msg;
};

static int ap_expunge(struct store_txn *t, void *ctx)
{
	struct uid_ctx *c = ctx;

	return store_msg_expunge(t, c->mb, c->uid);
}

static int ap_flags(struct store_txn *t, void *ctx)
{
	struct uid_ctx *c = ctx;

	return store_msg_set_flags(t, c->mb, c->uid, c->flags, c->keywords, c->unchanged_since,
	                           &c->msg);
}

static int ap_copy(struct store_txn *t, void *ctx)
{
	struct uid_ctx *c = ctx;

	return store_msg_copy(t, c->mb, c->uid, c->dst, c->opts, &c->msg);
}

static int expunge(uint64_t mb, uint32_t uid)
{
	struct uid_ctx c = {.mb = mb, .uid = uid};

	return store_write(E.s, ap_expunge, &c);
}

static struct store_mailbox mbox(uint64_t id)
{
	struct store_txn *t;
	struct store_mailbox mb;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_mailbox_get_by_id(t, id, &mb), 1);
	store_read_end(&t);
	return mb;
}

static struct store_quota quota(uint64_t bal)
{
	struct store_txn *t;
	struct store_quota q;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_quota_get(t, bal, &q), 0);
	store_read_end(&t);
	return q;
}

/* Reference count of a blob, or -1 when it is gone. */
static long blob_refs(uint64_t blob)
{
	struct store_txn *t;
	uint32_t refs;
	int rc;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	rc = store_blob_info(t, blob, NULL, &refs, NULL, NULL);
	store_read_end(&t);
	ck_assert(rc == 0 || rc == STORE_E_NOTFOUND);
	return rc == 0 ? (long)refs : -1;
}

static void check_consistent(void)
{
	const char *why = NULL;
	int rc = store_check(E.s, &why);

	ck_assert_msg(rc == 0, "store_check: %s", why ? why : "?");
}

/* ---------------------------------------------------------------- messages */

START_TEST(test_append_uids_modseq)
{
	struct put_ctx c;
	struct store_mailbox mb;
	uint64_t last_modseq = 0;

	mb = mbox(E.inbox);
	ck_assert_uint_eq(mb.uidnext, 1);
	ck_assert_uint_eq(mb.highestmodseq, 1);
	ck_assert(mb.uidvalidity != 0);
	for (uint32_t i = 1; i <= 3; i++) {
		ck_assert_int_eq(put(E.inbox, 100 * i, 0, &c), 0);
		ck_assert_uint_eq(c.msg[0].uid, i);
		ck_assert_uint_eq(c.msg[0].size, 100 * i);
		ck_assert(c.msg[0].modseq > last_modseq);
		last_modseq = c.msg[0].modseq;
	}
	mb = mbox(E.inbox);
	ck_assert_uint_eq(mb.uidnext, 4);
	ck_assert_uint_eq(mb.highestmodseq, last_modseq);
	ck_assert_uint_eq(mb.messages, 3);
	ck_assert_uint_eq(mb.unseen, 3);
	ck_assert_uint_eq(mb.bytes, 600);
	/* an expunged UID is never given again */
	ck_assert_int_eq(expunge(E.inbox, 3), 0);
	ck_assert_int_eq(put(E.inbox, 10, 0, &c), 0);
	ck_assert_uint_eq(c.msg[0].uid, 4);
	mb = mbox(E.inbox);
	ck_assert_uint_eq(mb.messages, 3);
	ck_assert_uint_eq(mb.bytes, 100 + 200 + 10);
	check_consistent();
}
END_TEST

START_TEST(test_blob_content)
{
	size_t len = 2 * STORE_CHUNK_SIZE + 1234;
	char *want = pattern(len, (unsigned)len), *got = malloc(len + 10);
	struct store_txn *t;
	struct put_ctx c;
	const void *sum;
	size_t n, sumlen;
	uint64_t size;

	ck_assert_int_eq(put(E.inbox, len, 0, &c), 0);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_blob_info(t, c.blob, &size, NULL, &sum, &sumlen), 0);
	ck_assert_uint_eq(size, len);
	ck_assert_uint_eq(sumlen, 3);
	ck_assert(memcmp(sum, "sum", 3) == 0);
	ck_assert_int_eq(store_blob_read(t, c.blob, 0, got, len + 10, &n), 0);
	ck_assert_uint_eq(n, len);
	ck_assert(memcmp(got, want, len) == 0);
	/* a read across a chunk boundary */
	ck_assert_int_eq(store_blob_read(t, c.blob, STORE_CHUNK_SIZE - 5, got, 10, &n), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert(memcmp(got, want + STORE_CHUNK_SIZE - 5, 10) == 0);
	ck_assert_int_eq(store_blob_read(t, c.blob, len, got, 10, &n), 0);
	ck_assert_uint_eq(n, 0);
	store_read_end(&t);
	free(want);
	free(got);
}
END_TEST

START_TEST(test_flags)
{
	struct put_ctx c;
	struct uid_ctx f = {.mb = E.inbox, .uid = 1};
	struct store_mailbox mb;
	uint64_t m0;

	ck_assert_int_eq(put(E.inbox, 50, 0, &c), 0);
	m0 = c.msg[0].modseq;
	f.flags = MSG_SEEN | MSG_FLAGGED;
	ck_assert_int_eq(store_write(E.s, ap_flags, &f), 0);
	ck_assert_uint_eq(f.msg.flags, MSG_SEEN | MSG_FLAGGED);
	ck_assert(f.msg.modseq > m0);
	mb = mbox(E.inbox);
	ck_assert_uint_eq(mb.unseen, 0);
	ck_assert_uint_eq(mb.highestmodseq, f.msg.modseq);
	/* no change: no new modseq */
	m0 = f.msg.modseq;
	ck_assert_int_eq(store_write(E.s, ap_flags, &f), 0);
	ck_assert_uint_eq(f.msg.modseq, m0);
	ck_assert_uint_eq(mbox(E.inbox).highestmodseq, m0);
	/* UNCHANGEDSINCE older than the message: refused, nothing changed */
	f.flags = 0;
	f.unchanged_since = m0 - 1;
	ck_assert_int_eq(store_write(E.s, ap_flags, &f), STORE_E_EXISTS);
	ck_assert_uint_eq(mbox(E.inbox).unseen, 0);
	f.unchanged_since = m0;
	ck_assert_int_eq(store_write(E.s, ap_flags, &f), 0);
	ck_assert_uint_eq(mbox(E.inbox).unseen, 1);
	f.uid = 99;
	ck_assert_int_eq(store_write(E.s, ap_flags, &f), STORE_E_NOTFOUND);
	check_consistent();
}
END_TEST

struct change {
	uint32_t uid;
	uint64_t modseq;
	bool expunged;
};

struct changes {
	struct change c[16];
	size_t n;
};

static int collect_change(void *arg, uint32_t uid, uint64_t modseq, bool expunged)
{
	struct changes *cs = arg;

	ck_assert(cs->n < 16);
	cs->c[cs->n++] = (struct change){uid, modseq, expunged};
	return 0;
}

static struct changes changes_since(uint64_t mb, uint64_t modseq)
{
	struct changes cs = {.n = 0};
	struct store_txn *t;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_changes_since(t, mb, modseq, collect_change, &cs), 0);
	store_read_end(&t);
	for (size_t i = 1; i < cs.n; i++)
		ck_assert(cs.c[i].modseq > cs.c[i - 1].modseq);
	return cs;
}

START_TEST(test_changes_since)
{
	struct put_ctx c;
	struct uid_ctx f = {.mb = E.inbox, .uid = 1, .flags = MSG_SEEN};
	struct changes cs;
	uint64_t after_appends;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(put(E.inbox, 20, 0, &c), 0);
	after_appends = c.msg[0].modseq;
	cs = changes_since(E.inbox, 0);
	ck_assert_uint_eq(cs.n, 3);
	ck_assert_uint_eq(cs.c[2].uid, 3);
	ck_assert_int_eq(store_write(E.s, ap_flags, &f), 0);
	ck_assert_int_eq(expunge(E.inbox, 2), 0);
	cs = changes_since(E.inbox, after_appends);
	ck_assert_uint_eq(cs.n, 2);
	ck_assert_uint_eq(cs.c[0].uid, 1);
	ck_assert(!cs.c[0].expunged);
	ck_assert_uint_eq(cs.c[1].uid, 2);
	ck_assert(cs.c[1].expunged);
	ck_assert_uint_eq(cs.c[1].modseq, mbox(E.inbox).highestmodseq);
	/* every message and tombstone appears once, at its latest modseq */
	cs = changes_since(E.inbox, 0);
	ck_assert_uint_eq(cs.n, 3);
	ck_assert_uint_eq(changes_since(E.inbox, mbox(E.inbox).highestmodseq).n, 0);
	ck_assert_uint_eq(changes_since(E.sent, 0).n, 0);
}
END_TEST

/* ---------------------------------------------------------------- references */

START_TEST(test_refcounts)
{
	char *data = pattern(STORE_CHUNK_SIZE + 10, 1);
	struct put_ctx c = {.data = data, .len = STORE_CHUNK_SIZE + 10, .n_mb = 3};

	c.mb[0] = E.inbox;
	c.mb[1] = E.sent;
	c.mb[2] = E.trash;
	ck_assert_int_eq(store_write(E.s, ap_put, &c), 0);
	ck_assert_int_eq(blob_refs(c.blob), 3);
	ck_assert_uint_eq(quota(E.bal).messages, 3);
	ck_assert_uint_eq(quota(E.bal).bytes, 3 * (STORE_CHUNK_SIZE + 10));
	ck_assert_int_eq(expunge(E.sent, c.msg[1].uid), 0);
	ck_assert_int_eq(blob_refs(c.blob), 2);
	check_consistent();
	ck_assert_int_eq(expunge(E.inbox, c.msg[0].uid), 0);
	ck_assert_int_eq(blob_refs(c.blob), 1);
	ck_assert_int_eq(expunge(E.trash, c.msg[2].uid), 0);
	ck_assert_int_eq(blob_refs(c.blob), -1);
	ck_assert_int_eq(expunge(E.trash, c.msg[2].uid), STORE_E_NOTFOUND);
	ck_assert_uint_eq(quota(E.bal).messages, 0);
	ck_assert_uint_eq(quota(E.bal).bytes, 0);
	check_consistent();
	free(data);
}
END_TEST

START_TEST(test_copy_takes_reference)
{
	struct put_ctx c;
	struct uid_ctx cp = {.mb = E.inbox, .uid = 1, .dst = E.trash};

	ck_assert_int_eq(put(E.inbox, 300, 0, &c), 0);
	ck_assert_int_eq(store_write(E.s, ap_copy, &cp), 0);
	ck_assert_uint_eq(cp.msg.blob_id, c.blob);
	ck_assert_uint_eq(cp.msg.mailbox_id, E.trash);
	ck_assert_uint_eq(cp.msg.uid, 1);
	ck_assert_int_eq(blob_refs(c.blob), 2);
	ck_assert_int_eq(expunge(E.inbox, 1), 0);
	ck_assert_int_eq(blob_refs(c.blob), 1);
	check_consistent();
}
END_TEST

static int ap_blob_only(struct store_txn *t, void *ctx)
{
	return store_blob_put(t, "orphan", 6, NULL, 0, ctx);
}

START_TEST(test_unreferenced_blob_freed)
{
	uint64_t blob = 0;

	ck_assert_int_eq(store_write(E.s, ap_blob_only, &blob), 0);
	ck_assert(blob != 0);
	ck_assert_int_eq(blob_refs(blob), -1);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- quota */

static int ap_mbox_delete(struct store_txn *t, void *ctx)
{
	return store_mailbox_delete(t, *(uint64_t *)ctx);
}

static int ap_bal_delete(struct store_txn *t, void *ctx)
{
	return store_bal_delete(t, *(uint64_t *)ctx);
}

START_TEST(test_quota_accounting)
{
	struct put_ctx c[3];
	struct uid_ctx cp = {.mb = E.inbox, .uid = 1, .dst = E.sent};
	struct store_quota q;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(put(E.inbox, 1000, 0, &c[i]), 0);
	q = quota(E.bal);
	ck_assert_uint_eq(q.bytes, 3000);
	ck_assert_uint_eq(q.messages, 3);
	ck_assert_int_eq(store_write(E.s, ap_copy, &cp), 0);
	ck_assert_uint_eq(quota(E.bal).bytes, 4000);
	ck_assert_uint_eq(quota(E.bal).messages, 4);
	ck_assert_int_eq(expunge(E.inbox, 2), 0);
	ck_assert_uint_eq(quota(E.bal).bytes, 3000);
	/* deleting Sent credits its copy; the blob stays for INBOX's uid 1 */
	ck_assert_int_eq(store_write(E.s, ap_mbox_delete, &E.sent), 0);
	ck_assert_uint_eq(quota(E.bal).bytes, 2000);
	ck_assert_uint_eq(quota(E.bal).messages, 2);
	ck_assert_int_eq(blob_refs(c[0].blob), 1);
	check_consistent();
	/* deleting the BAL frees everything */
	ck_assert_int_eq(store_write(E.s, ap_bal_delete, &E.bal), 0);
	ck_assert_int_eq(blob_refs(c[0].blob), -1);
	ck_assert_int_eq(blob_refs(c[2].blob), -1);
	{
		struct store_txn *t;

		ck_assert_int_eq(store_read_begin(E.s, &t), 0);
		ck_assert_int_eq(store_quota_get(t, E.bal, &q), STORE_E_NOTFOUND);
		ck_assert_int_eq(store_mailbox_get_by_id(t, E.inbox, &(struct store_mailbox){0}),
		                 0);
		store_read_end(&t);
	}
	check_consistent();
}
END_TEST

START_TEST(test_quota_refusal)
{
	uint64_t bal = make_bal("bob@example.test", 2500, 0);
	uint64_t bal2 = make_bal("carol@example.test", 0, 2);
	struct store_txn *t;
	struct store_mailbox mb, mb2;
	struct put_ctx c;
	struct uid_ctx cp;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_mailbox_get(t, bal, "INBOX", &mb), 1);
	ck_assert_int_eq(store_mailbox_get(t, bal2, "INBOX", &mb2), 1);
	store_read_end(&t);
	ck_assert_int_eq(put(mb.id, 1000, STORE_APPEND_QUOTA, &c), 0);
	ck_assert_int_eq(put(mb.id, 1000, STORE_APPEND_QUOTA, &c), 0);
	ck_assert_int_eq(put(mb.id, 1000, STORE_APPEND_QUOTA, &c), STORE_E_QUOTA);
	ck_assert_int_eq(put(mb.id, 500, STORE_APPEND_QUOTA, &c), 0); /* exactly at the limit */
	ck_assert_uint_eq(quota(bal).bytes, 2500);
	/* copy with the quota option is refused too; without it, accepted */
	cp = (struct uid_ctx){.mb = mb.id, .uid = 1, .dst = mb.id, .opts = STORE_APPEND_QUOTA};
	ck_assert_int_eq(store_write(E.s, ap_copy, &cp), STORE_E_QUOTA);
	cp.opts = 0;
	ck_assert_int_eq(store_write(E.s, ap_copy, &cp), 0);
	ck_assert_uint_eq(quota(bal).bytes, 3500);
	/* message-count quota */
	ck_assert_int_eq(put(mb2.id, 10, STORE_APPEND_QUOTA, &c), 0);
	ck_assert_int_eq(put(mb2.id, 10, STORE_APPEND_QUOTA, &c), 0);
	ck_assert_int_eq(put(mb2.id, 10, STORE_APPEND_QUOTA, &c), STORE_E_QUOTA);
	ck_assert_uint_eq(quota(bal2).messages, 2);
	/* the refused deliveries left no blob behind */
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- group commit */

#define GC_THREADS 16
#define GC_PER_THREAD 25

struct gc_thread {
	uint64_t mb;
	int failures;
};

static void *gc_main(void *arg)
{
	struct gc_thread *g = arg;
	struct put_ctx c;

	for (int i = 0; i < GC_PER_THREAD; i++)
		if (put(g->mb, 200, 0, &c) != 0)
			g->failures++;
	return NULL;
}

START_TEST(test_group_commit_sync_threads)
{
	pthread_t th[GC_THREADS];
	struct gc_thread g[GC_THREADS];
	uint64_t b0, r0, b1, r1;

	store_write_stats(E.s, &b0, &r0);
	for (int i = 0; i < GC_THREADS; i++) {
		g[i] = (struct gc_thread){.mb = i % 2 ? E.inbox : E.sent};
		ck_assert_int_eq(pthread_create(&th[i], NULL, gc_main, &g[i]), 0);
	}
	for (int i = 0; i < GC_THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(g[i].failures, 0);
	}
	store_write_stats(E.s, &b1, &r1);
	ck_assert_uint_eq(r1 - r0, GC_THREADS * GC_PER_THREAD);
	ck_assert_uint_eq(mbox(E.inbox).messages + mbox(E.sent).messages,
	                  GC_THREADS * GC_PER_THREAD);
	ck_assert_uint_eq(mbox(E.inbox).uidnext, GC_THREADS * GC_PER_THREAD / 2 + 1);
	check_consistent();
}
END_TEST

/* An async request that counts its completion. */
struct async_req {
	struct store_wreq req;
	struct put_ctx put;
	int result;
	int calls;
	struct async_wait *w;
};

struct async_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;
};

static void async_done(void *ctx, int result)
{
	struct async_req *a = ctx;

	pthread_mutex_lock(&a->w->lock);
	a->result = result;
	a->calls++;
	if (--a->w->pending == 0)
		pthread_cond_signal(&a->w->cond);
	pthread_mutex_unlock(&a->w->lock);
}

static void async_wait_all(struct async_wait *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->pending > 0)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static int ap_async_put(struct store_txn *t, void *ctx)
{
	struct async_req *a = ctx;

	return ap_put(t, &a->put);
}

static void async_init(struct async_wait *w, int pending)
{
	w->pending = pending;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
}

static void async_fini(struct async_wait *w)
{
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

static void async_submit(struct async_req *a, struct async_wait *w, store_apply_fn *apply)
{
	a->w = w;
	a->req = (struct store_wreq){.apply = apply, .done = async_done, .ctx = a};
	store_write_async(E.s, &a->req);
}

#define ASYNC_N 1000

START_TEST(test_group_commit_async)
{
	struct async_req *reqs = calloc(ASYNC_N, sizeof(*reqs));
	struct async_wait w;
	char data[64];
	uint64_t b0, r0, b1, r1;

	memset(data, 'x', sizeof(data));
	async_init(&w, ASYNC_N);
	store_write_stats(E.s, &b0, &r0);
	for (int i = 0; i < ASYNC_N; i++) {
		reqs[i].put = (struct put_ctx){.data = data, .len = sizeof(data), .n_mb = 1};
		reqs[i].put.mb[0] = i % 3 == 0 ? E.trash : E.inbox;
		async_submit(&reqs[i], &w, ap_async_put);
	}
	async_wait_all(&w);
	store_write_stats(E.s, &b1, &r1);
	for (int i = 0; i < ASYNC_N; i++) {
		ck_assert_int_eq(reqs[i].calls, 1);
		ck_assert_int_eq(reqs[i].result, 0);
	}
	ck_assert_uint_eq(r1 - r0, ASYNC_N);
	/* group commit: fewer commits than requests */
	ck_assert_msg(b1 - b0 < ASYNC_N, "batches=%llu requests=%d", (unsigned long long)(b1 - b0),
	              ASYNC_N);
	ck_assert_uint_eq(mbox(E.trash).messages, (ASYNC_N + 2) / 3);
	ck_assert_uint_eq(mbox(E.inbox).messages, ASYNC_N - (ASYNC_N + 2) / 3);
	free(reqs);
	async_fini(&w);
	check_consistent();
}
END_TEST

/* Holds the writer inside a txn until released, so that the requests
 * queued meanwhile are taken together as the next batch. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, open;
};

static int ap_gate(struct store_txn *t, void *ctx)
{
	struct async_req *a = ctx;
	struct gate *g = (struct gate *)a->put.data;

	(void)t;
	pthread_mutex_lock(&g->lock);
	g->entered = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static void gate_close(struct gate *g, struct async_req *a, struct async_wait *w)
{
	*g = (struct gate){.entered = false};
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	a->put.data = g;
	async_submit(a, w, ap_gate);
	pthread_mutex_lock(&g->lock);
	while (!g->entered)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static int ap_domain_then_fail(struct store_txn *t, void *ctx)
{
	struct async_req *a = ctx;
	int rc = store_domain_add(t, "leftover.test");

	ck_assert_int_eq(rc, 0);
	/* a mailbox that does not exist: the whole request must vanish */
	return store_msg_append(t, 999999, a->put.blob, 0, 0, 0, 0, NULL);
}

START_TEST(test_failed_request_isolated)
{
	struct async_req a[5] = {0};
	struct async_wait w;
	struct gate g;
	char data[100];
	uint64_t b0, b1;
	struct store_txn *t;

	memset(data, 'y', sizeof(data));
	async_init(&w, 5);
	store_write_stats(E.s, &b0, NULL);
	gate_close(&g, &a[0], &w);
	for (int i = 1; i < 5; i++) {
		a[i].put = (struct put_ctx){.data = data, .len = sizeof(data), .n_mb = 1};
		a[i].put.mb[0] = E.inbox;
	}
	async_submit(&a[1], &w, ap_async_put);
	async_submit(&a[2], &w, ap_domain_then_fail);
	async_submit(&a[3], &w, ap_async_put);
	a[4].put.mb[0] = 424242; /* no such mailbox */
	async_submit(&a[4], &w, ap_async_put);
	gate_open(&g);
	async_wait_all(&w);
	store_write_stats(E.s, &b1, NULL);
	ck_assert_uint_eq(b1 - b0, 2); /* the gate's batch, then the other four */
	ck_assert_int_eq(a[0].result, 0);
	ck_assert_int_eq(a[1].result, 0);
	ck_assert_int_eq(a[2].result, STORE_E_NOTFOUND);
	ck_assert_int_eq(a[3].result, 0);
	ck_assert_int_eq(a[4].result, STORE_E_NOTFOUND);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(a[i].calls, 1);
	ck_assert_uint_eq(a[1].put.msg[0].uid, 1);
	ck_assert_uint_eq(a[3].put.msg[0].uid, 2);
	ck_assert_uint_eq(mbox(E.inbox).messages, 2);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_domain_exists(t, "leftover.test"), 0);
	store_read_end(&t);
	ck_assert_int_eq(blob_refs(a[4].put.blob), -1); /* its blob was rolled back */
	async_fini(&w);
	check_consistent();
}
END_TEST

static pthread_mutex_t commit_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t commit_ids[16];
static size_t commit_n, commit_calls;

static void on_commit(void *arg, const uint64_t *ids, size_t n)
{
	(void)arg;
	pthread_mutex_lock(&commit_lock);
	commit_calls++;
	for (size_t i = 0; i < n && commit_n < 16; i++)
		commit_ids[commit_n++] = ids[i];
	pthread_mutex_unlock(&commit_lock);
}

START_TEST(test_on_commit)
{
	struct store_opts o = {.path = E.dir, .on_commit = on_commit};
	char data[10] = "123456789";
	struct put_ctx c = {.data = data, .len = sizeof(data), .n_mb = 3};
	const char *why;

	store_close(&E.s);
	ck_assert_int_eq(store_open(&o, &E.s, &why), 0);
	/* a commit that changes no mailbox wakes nobody */
	ck_assert_int_eq(store_write(E.s, ap_domain, "quiet.test"), 0);
	ck_assert_uint_eq(commit_calls, 0);
	c.mb[0] = E.inbox;
	c.mb[1] = E.sent;
	c.mb[2] = E.inbox;
	ck_assert_int_eq(store_write(E.s, ap_put, &c), 0);
	ck_assert_uint_eq(commit_calls, 1);
	ck_assert_uint_eq(commit_n, 2); /* deduplicated */
	ck_assert(commit_ids[0] == E.inbox && commit_ids[1] == E.sent);
	ck_assert_int_eq(expunge(E.inbox, 2), 0);
	ck_assert_uint_eq(commit_calls, 2);
	ck_assert_uint_eq(commit_ids[2], E.inbox);
}
END_TEST

/* ---------------------------------------------------------------- environment */

START_TEST(test_reopen)
{
	struct put_ctx c;
	struct store_txn *t;
	struct store_bal bal;
	char buf[16];
	size_t n;

	ck_assert_int_eq(put(E.inbox, 5000, 0, &c), 0);
	store_close(&E.s);
	ck_assert_ptr_null(E.s);
	env_open(0, 0);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_domain_exists(t, "EXAMPLE.test"), 1);
	ck_assert_int_eq(store_bal_get_by_addr(t, "Alice@Example.TEST", &bal), 1);
	ck_assert_uint_eq(bal.id, E.bal);
	ck_assert_int_eq(store_msg_get(t, E.inbox, 1, &c.msg[1]), 1);
	ck_assert_uint_eq(c.msg[1].blob_id, c.blob);
	ck_assert_int_eq(store_blob_read(t, c.blob, 4990, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 10);
	store_read_end(&t);
	ck_assert_uint_eq(mbox(E.inbox).messages, 1);
	/* ids keep counting after a reopen */
	ck_assert_int_eq(put(E.inbox, 10, 0, &c), 0);
	ck_assert_uint_eq(c.msg[0].uid, 2);
	check_consistent();
}
END_TEST

START_TEST(test_reader_during_writer)
{
	struct store_txn *old, *fresh;
	struct put_ctx c;
	struct store_mailbox mb;

	ck_assert_int_eq(store_read_begin(E.s, &old), 0);
	ck_assert_int_eq(put(E.inbox, 10, 0, &c), 0);
	ck_assert_int_eq(store_write(E.s, ap_domain, "later.test"), 0);
	/* the old snapshot does not move */
	ck_assert_int_eq(store_domain_exists(old, "later.test"), 0);
	ck_assert_int_eq(store_msg_get(old, E.inbox, 1, &c.msg[1]), 0);
	ck_assert_int_eq(store_mailbox_get_by_id(old, E.inbox, &mb), 1);
	ck_assert_uint_eq(mb.messages, 0);
	ck_assert_int_eq(store_read_begin(E.s, &fresh), 0);
	ck_assert_int_eq(store_domain_exists(fresh, "later.test"), 1);
	ck_assert_int_eq(store_msg_get(fresh, E.inbox, 1, &c.msg[1]), 1);
	store_read_end(&fresh);
	store_read_end(&old);
	ck_assert_ptr_null(old);
}
END_TEST

START_TEST(test_readonly_txn)
{
	struct store_txn *t;
	uint64_t id;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_domain_add(t, "ro.test"), STORE_E_READONLY);
	ck_assert_int_eq(store_blob_put(t, "x", 1, NULL, 0, &id), STORE_E_READONLY);
	ck_assert_int_eq(store_msg_expunge(t, E.inbox, 1), STORE_E_READONLY);
	ck_assert_int_eq(store_mailbox_delete(t, E.inbox), STORE_E_READONLY);
	store_read_end(&t);
}
END_TEST

static void setup_small(void)
{
	setup_common(1 << 20, 64 << 20);
}

START_TEST(test_map_growth)
{
	uint64_t size0, size1, max, used;
	struct put_ctx c;
	struct store_txn *t;
	char buf[8];
	size_t n;

	store_map_info(E.s, &size0, &max, &used);
	ck_assert_uint_eq(size0, 1 << 20);
	ck_assert_uint_eq(max, 64 << 20);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(put(E.inbox, 200 * 1000, 0, &c), 0);
	store_map_info(E.s, &size1, &max, &used);
	ck_assert_uint_ge(size1, 8 << 20); /* 8 MB of messages */
	ck_assert_uint_le(size1, max);
	ck_assert_uint_ge(used, 40 * 200 * 1000);
	ck_assert_uint_le(used, size1);
	ck_assert_uint_eq(mbox(E.inbox).messages, 40);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_blob_read(t, c.blob, 0, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, sizeof(buf));
	store_read_end(&t);
	check_consistent();
}
END_TEST

static void setup_full(void)
{
	setup_common(1 << 20, 8 << 20);
}

START_TEST(test_storage_full)
{
	struct put_ctx c;
	struct async_req a[4] = {0};
	struct async_wait w;
	struct gate g;
	char *big = pattern(12 << 20, 3), small[32] = "small";
	uint64_t size, max;

	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(put(E.inbox, 200 * 1000, 0, &c), 0);
	/* larger than the whole map: fails after growing to the maximum */
	ck_assert_int_eq(put(E.inbox, 12 << 20, 0, &c), STORE_E_FULL);
	store_map_info(E.s, &size, &max, NULL);
	ck_assert_uint_eq(size, max);
	/* still usable, earlier data intact */
	ck_assert_int_eq(put(E.inbox, 1000, 0, &c), 0);
	ck_assert_uint_eq(c.msg[0].uid, 11);
	ck_assert_uint_eq(mbox(E.inbox).messages, 11);
	/* in one batch only the request that cannot fit fails */
	async_init(&w, 4);
	gate_close(&g, &a[0], &w);
	a[1].put =
	    (struct put_ctx){.data = small, .len = sizeof(small), .n_mb = 1, .mb = {E.inbox}};
	a[2].put = (struct put_ctx){.data = big, .len = 12 << 20, .n_mb = 1, .mb = {E.inbox}};
	a[3].put = (struct put_ctx){.data = small, .len = sizeof(small), .n_mb = 1, .mb = {E.sent}};
	for (int i = 1; i < 4; i++)
		async_submit(&a[i], &w, ap_async_put);
	gate_open(&g);
	async_wait_all(&w);
	ck_assert_int_eq(a[1].result, 0);
	ck_assert_int_eq(a[2].result, STORE_E_FULL);
	ck_assert_int_eq(a[3].result, 0);
	ck_assert_str_eq(store_strerror(a[2].result), "storage full");
	ck_assert_uint_eq(mbox(E.inbox).messages, 12);
	ck_assert_uint_eq(mbox(E.sent).messages, 1);
	async_fini(&w);
	free(big);
	check_consistent();
}
END_TEST

/* Another process (balisectl) grows the map past ours: the writer and new
 * readers adopt its size (MDB_MAP_RESIZED) instead of failing. */
START_TEST(test_map_resized_by_other_process)
{
	struct put_ctx c;
	struct store_txn *t;
	uint64_t size0, size1;
	int status;
	pid_t pid;

	ck_assert_int_eq(put(E.inbox, 1000, 0, &c), 0);
	store_map_info(E.s, &size0, NULL, NULL);
	ck_assert_uint_eq(size0, 1 << 20);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* a separate process with its own handle: never the parent's */
		struct store_opts o = {
		    .path = E.dir, .map_size = 1 << 20, .map_size_max = 64 << 20};
		const char *why;

		if (store_open(&o, &E.s, &why) != 0)
			_exit(1);
		for (int i = 0; i < 30; i++)
			if (put(E.trash, 200 * 1000, 0, &c) != 0)
				_exit(2);
		store_close(&E.s);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_msg_get(t, E.trash, 30, &c.msg[1]), 1);
	store_read_end(&t);
	ck_assert_int_eq(put(E.inbox, 1000, 0, &c), 0);
	ck_assert_uint_eq(c.msg[0].uid, 2);
	store_map_info(E.s, &size1, NULL, NULL);
	ck_assert_uint_gt(size1, size0);
	ck_assert_uint_eq(mbox(E.trash).messages, 30);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- mailboxes */

struct mb_ctx {
	uint64_t bal, id;
	const char *name;
	struct store_mailbox mb;
};

static int ap_mbox_create(struct store_txn *t, void *ctx)
{
	struct mb_ctx *c = ctx;

	return store_mailbox_create(t, c->bal, c->name, MBOX_SU_NONE, &c->mb);
}

static int ap_mbox_rename(struct store_txn *t, void *ctx)
{
	struct mb_ctx *c = ctx;

	return store_mailbox_rename(t, c->id, c->name);
}

static uint64_t mbox_create(const char *name, int want)
{
	struct mb_ctx c = {.bal = E.bal, .name = name};

	ck_assert_int_eq(store_write(E.s, ap_mbox_create, &c), want);
	return c.mb.id;
}

static int mbox_exists(const char *name)
{
	struct store_txn *t;
	struct store_mailbox mb;
	int rc;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	rc = store_mailbox_get(t, E.bal, name, &mb);
	store_read_end(&t);
	return rc;
}

static int count_mbox(void *arg, const struct store_mailbox *mb)
{
	(void)mb;
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_mailbox_rename_delete)
{
	uint64_t proj = mbox_create("Projects", 0), sub = mbox_create("Projects/A", 0);
	struct mb_ctx r = {.id = proj, .name = "Work"};
	struct store_mailbox before = mbox(proj), after;
	struct put_ctx c;
	struct store_txn *t;
	int n = 0;

	mbox_create("Projects", STORE_E_EXISTS);
	mbox_create("inbox", STORE_E_EXISTS); /* INBOX is case-insensitive */
	mbox_create("bad*name", STORE_E_INVALID);
	ck_assert_int_eq(put(proj, 100, 0, &c), 0);
	ck_assert_int_eq(store_write(E.s, ap_mbox_rename, &r), 0);
	after = mbox(proj);
	ck_assert_str_eq(after.name, "Work");
	ck_assert_uint_eq(after.uidvalidity, before.uidvalidity);
	ck_assert_uint_eq(after.messages, 1);
	ck_assert_str_eq(mbox(sub).name, "Work/A"); /* inferiors follow */
	ck_assert_int_eq(mbox_exists("Projects"), 0);
	ck_assert_int_eq(mbox_exists("Projects/A"), 0);
	ck_assert_int_eq(mbox_exists("Work/A"), 1);
	r.name = "Sent";
	ck_assert_int_eq(store_write(E.s, ap_mbox_rename, &r), STORE_E_EXISTS);
	/* delete: messages expunged, quota credited, blob freed */
	ck_assert_int_eq(store_write(E.s, ap_mbox_delete, &proj), 0);
	ck_assert_int_eq(mbox_exists("Work"), 0);
	ck_assert_int_eq(blob_refs(c.blob), -1);
	ck_assert_uint_eq(quota(E.bal).bytes, 0);
	ck_assert_int_eq(store_write(E.s, ap_mbox_delete, &proj), STORE_E_NOTFOUND);
	/* a re-created mailbox gets a new UIDVALIDITY */
	proj = mbox_create("Work", 0);
	ck_assert_uint_gt(mbox(proj).uidvalidity, before.uidvalidity);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_mailbox_each(t, E.bal, count_mbox, &n), 0);
	store_read_end(&t);
	ck_assert_int_eq(n, 7); /* 5 default + Work + Work/A */
	check_consistent();
}
END_TEST

START_TEST(test_mailbox_long_names)
{
	char a[STORE_MBOX_NAME_MAX + 2], b[STORE_MBOX_NAME_MAX + 1];

	memset(a, 'x', STORE_MBOX_NAME_MAX);
	a[STORE_MBOX_NAME_MAX] = '\0';
	memcpy(b, a, sizeof(b));
	b[STORE_MBOX_NAME_MAX - 1] = 'y';
	mbox_create(a, 0);
	mbox_create(b, 0);
	mbox_create(a, STORE_E_EXISTS);
	ck_assert_int_eq(mbox_exists(a), 1);
	ck_assert_int_eq(mbox_exists(b), 1);
	a[STORE_MBOX_NAME_MAX] = 'z';
	a[STORE_MBOX_NAME_MAX + 1] = '\0';
	mbox_create(a, STORE_E_INVALID);
}
END_TEST

struct kw_ctx {
	uint64_t mb;
	const char *name;
	unsigned idx;
};

static int ap_kw(struct store_txn *t, void *ctx)
{
	struct kw_ctx *c = ctx;
	int rc = store_keyword_index(t, c->mb, c->name, true, &c->idx);

	return rc < 0 ? rc : 0;
}

static unsigned kw_create(uint64_t mb, const char *name)
{
	struct kw_ctx c = {.mb = mb, .name = name};

	ck_assert_int_eq(store_write(E.s, ap_kw, &c), 0);
	return c.idx;
}

START_TEST(test_keywords)
{
	struct kw_ctx c = {.mb = E.inbox};
	struct uid_ctx cp = {.mb = E.inbox, .uid = 1, .dst = E.trash};
	struct store_txn *t;
	char name[256], kw[16];
	unsigned idx;
	struct put_ctx p;

	ck_assert_uint_eq(kw_create(E.inbox, "$Forwarded"), 0);
	ck_assert_uint_eq(kw_create(E.inbox, "Project"), 1);
	ck_assert_uint_eq(kw_create(E.inbox, "$FORWARDED"), 0);
	ck_assert_uint_eq(kw_create(E.trash, "Project"), 0); /* per mailbox */
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_keyword_index(t, E.inbox, "project", false, &idx), 1);
	ck_assert_uint_eq(idx, 1);
	ck_assert_int_eq(store_keyword_index(t, E.inbox, "Other", false, &idx), 0);
	ck_assert_int_eq(store_keyword_index(t, E.inbox, "Other", true, &idx), STORE_E_READONLY);
	ck_assert_int_eq(store_keyword_name(t, E.inbox, 1, name), 1);
	ck_assert_str_eq(name, "Project");
	ck_assert_int_eq(store_keyword_name(t, E.inbox, 2, name), 0);
	store_read_end(&t);
	/* copy maps keywords by name: inbox bits 0,1 -> trash Project=0, $Forwarded=1 */
	ck_assert_int_eq(put(E.inbox, 10, 0, &p), 0);
	{
		struct uid_ctx f = {.mb = E.inbox, .uid = 1, .keywords = 3};

		ck_assert_int_eq(store_write(E.s, ap_flags, &f), 0);
	}
	ck_assert_int_eq(store_write(E.s, ap_copy, &cp), 0);
	ck_assert_uint_eq(cp.msg.keywords, 3);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_keyword_index(t, E.trash, "$forwarded", false, &idx), 1);
	ck_assert_uint_eq(idx, 1);
	store_read_end(&t);
	/* 64 per mailbox */
	for (int i = 2; i < STORE_KEYWORDS_MAX; i++) {
		snprintf(kw, sizeof(kw), "kw%d", i);
		ck_assert_uint_eq(kw_create(E.inbox, kw), (unsigned)i);
	}
	c.name = "one-too-many";
	ck_assert_int_eq(store_write(E.s, ap_kw, &c), STORE_E_LIMIT);
	c.name = "bad\\name";
	ck_assert_int_eq(store_write(E.s, ap_kw, &c), STORE_E_INVALID);
}
END_TEST

/* ---------------------------------------------------------------- random walk */

#define WALK_OPS 600
#define WALK_BOXES 3
#define WALK_MAX 700

struct walk_msg {
	uint32_t uid;
	uint64_t blob;
	uint32_t flags;
	uint64_t size;
};

struct walk_box {
	uint64_t id;
	uint32_t uidnext;
	struct walk_msg m[WALK_MAX];
	size_t n;
};

static struct walk_box walk[WALK_BOXES];

static size_t walk_refs(uint64_t blob)
{
	size_t n = 0;

	for (int b = 0; b < WALK_BOXES; b++)
		for (size_t i = 0; i < walk[b].n; i++)
			n += walk[b].m[i].blob == blob;
	return n;
}

struct walk_cursor {
	const struct walk_box *box;
	size_t i;
};

static int walk_cmp(void *arg, const struct store_msg *m)
{
	struct walk_cursor *c = arg;
	const struct walk_msg *w = &c->box->m[c->i++];

	ck_assert_uint_lt(c->i - 1, c->box->n);
	ck_assert_uint_eq(m->uid, w->uid);
	ck_assert_uint_eq(m->blob_id, w->blob);
	ck_assert_uint_eq(m->flags, w->flags);
	ck_assert_uint_eq(m->size, w->size);
	return 0;
}

/* The store lists exactly the model's messages, counters and references. */
static void walk_verify(void)
{
	struct store_txn *t;
	uint64_t bytes = 0, count = 0;

	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	for (int b = 0; b < WALK_BOXES; b++) {
		struct walk_cursor c = {&walk[b], 0};
		struct store_mailbox mb;
		uint32_t unseen = 0;

		ck_assert_int_eq(store_msg_each(t, walk[b].id, 1, walk_cmp, &c), 0);
		ck_assert_uint_eq(c.i, walk[b].n);
		ck_assert_int_eq(store_mailbox_get_by_id(t, walk[b].id, &mb), 1);
		ck_assert_uint_eq(mb.uidnext, walk[b].uidnext);
		ck_assert_uint_eq(mb.messages, walk[b].n);
		for (size_t i = 0; i < walk[b].n; i++) {
			uint32_t refs;

			unseen += !(walk[b].m[i].flags & MSG_SEEN);
			bytes += walk[b].m[i].size;
			count++;
			ck_assert_int_eq(
			    store_blob_info(t, walk[b].m[i].blob, NULL, &refs, NULL, NULL), 0);
			ck_assert_uint_eq(refs, walk_refs(walk[b].m[i].blob));
		}
		ck_assert_uint_eq(mb.unseen, unseen);
	}
	store_read_end(&t);
	ck_assert_uint_eq(quota(E.bal).bytes, bytes);
	ck_assert_uint_eq(quota(E.bal).messages, count);
	check_consistent();
}

static void walk_append(unsigned *seed)
{
	struct walk_box *w = &walk[rand_r(seed) % WALK_BOXES];
	struct put_ctx c;

	if (w->n == WALK_MAX)
		return;
	ck_assert_int_eq(put(w->id, 1 + (size_t)rand_r(seed) % 5000, 0, &c), 0);
	ck_assert_uint_eq(c.msg[0].uid, w->uidnext);
	w->m[w->n++] = (struct walk_msg){w->uidnext++, c.blob, 0, c.len};
}

static void walk_change(unsigned *seed)
{
	struct walk_box *w = &walk[rand_r(seed) % WALK_BOXES], *d;
	size_t i;
	struct uid_ctx u;

	if (w->n == 0)
		return;
	i = (size_t)rand_r(seed) % w->n;
	u = (struct uid_ctx){.mb = w->id, .uid = w->m[i].uid};
	switch (rand_r(seed) % 3) {
	case 0:
		ck_assert_int_eq(store_write(E.s, ap_expunge, &u), 0);
		memmove(&w->m[i], &w->m[i + 1], (w->n - i - 1) * sizeof(w->m[0]));
		w->n--;
		break;
	case 1:
		u.flags = (uint32_t)rand_r(seed) & 0x1f;
		ck_assert_int_eq(store_write(E.s, ap_flags, &u), 0);
		w->m[i].flags = u.flags;
		break;
	default:
		d = &walk[rand_r(seed) % WALK_BOXES];
		if (d->n == WALK_MAX)
			break;
		u.dst = d->id;
		ck_assert_int_eq(store_write(E.s, ap_copy, &u), 0);
		ck_assert_uint_eq(u.msg.uid, d->uidnext);
		d->m[d->n++] =
		    (struct walk_msg){d->uidnext++, w->m[i].blob, w->m[i].flags, w->m[i].size};
	}
}

START_TEST(test_random_walk)
{
	unsigned seed = 4242;

	walk[0] = (struct walk_box){.id = E.inbox, .uidnext = 1};
	walk[1] = (struct walk_box){.id = E.sent, .uidnext = 1};
	walk[2] = (struct walk_box){.id = E.trash, .uidnext = 1};
	for (int op = 1; op <= WALK_OPS; op++) {
		if (rand_r(&seed) % 2)
			walk_append(&seed);
		else
			walk_change(&seed);
		if (op % 100 == 0)
			walk_verify();
	}
	walk_verify();
}
END_TEST

/* ---------------------------------------------------------------- domains */

static int ap_domain_remove(struct store_txn *t, void *ctx)
{
	return store_domain_remove(t, ctx);
}

static int list_domain(void *arg, const char *d)
{
	strcat(arg, d);
	strcat(arg, ",");
	return 0;
}

START_TEST(test_domains)
{
	struct store_txn *t;
	char list[256] = "";

	ck_assert_int_eq(store_write(E.s, ap_domain, "Example.TEST"), STORE_E_EXISTS);
	ck_assert_int_eq(store_write(E.s, ap_domain, "B.test"), 0);
	ck_assert_int_eq(store_write(E.s, ap_domain, "bad..test"), STORE_E_INVALID);
	ck_assert_int_eq(store_write(E.s, ap_domain, "-bad.test"), STORE_E_INVALID);
	ck_assert_int_eq(store_read_begin(E.s, &t), 0);
	ck_assert_int_eq(store_domain_exists(t, "b.TEST"), 1);
	ck_assert_int_eq(store_domain_exists(t, "c.test"), 0);
	ck_assert_int_eq(store_domain_each(t, list_domain, list), 0);
	store_read_end(&t);
	ck_assert_str_eq(list, "b.test,example.test,");
	ck_assert_int_eq(store_write(E.s, ap_domain_remove, "example.test"), STORE_E_NOTEMPTY);
	ck_assert_int_eq(store_write(E.s, ap_domain_remove, "b.test"), 0);
	ck_assert_int_eq(store_write(E.s, ap_domain_remove, "b.test"), STORE_E_NOTFOUND);
	ck_assert_int_eq(store_write(E.s, ap_bal_delete, &E.bal), 0);
	ck_assert_int_eq(store_write(E.s, ap_domain_remove, "EXAMPLE.test"), 0);
}
END_TEST

START_TEST(test_strerror)
{
	ck_assert_str_eq(store_strerror(STORE_E_FULL), "storage full");
	ck_assert_str_eq(store_strerror(STORE_E_QUOTA), "quota exceeded");
	ck_assert_str_eq(store_strerror(12345), "unknown storage error");
}
END_TEST

static Suite *storage_suite(void)
{
	Suite *s = suite_create("storage");
	TCase *tc = tcase_create("messages");
	TCase *tm = tcase_create("map");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* every write waits for fsync: slow disks need more than Check's 4 s */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_append_uids_modseq);
	tcase_add_test(tc, test_blob_content);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_changes_since);
	tcase_add_test(tc, test_refcounts);
	tcase_add_test(tc, test_copy_takes_reference);
	tcase_add_test(tc, test_unreferenced_blob_freed);
	tcase_add_test(tc, test_quota_accounting);
	tcase_add_test(tc, test_quota_refusal);
	tcase_add_test(tc, test_group_commit_sync_threads);
	tcase_add_test(tc, test_group_commit_async);
	tcase_add_test(tc, test_failed_request_isolated);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_on_commit);
	tcase_add_test(tc, test_reader_during_writer);
	tcase_add_test(tc, test_readonly_txn);
	tcase_add_test(tc, test_mailbox_rename_delete);
	tcase_add_test(tc, test_mailbox_long_names);
	tcase_add_test(tc, test_keywords);
	tcase_add_test(tc, test_random_walk);
	tcase_add_test(tc, test_domains);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tm, setup_small, teardown);
	tcase_set_timeout(tm, 120);
	tcase_add_test(tm, test_map_growth);
	tcase_add_test(tm, test_map_resized_by_other_process);
	suite_add_tcase(s, tm);
	tm = tcase_create("full");
	tcase_add_checked_fixture(tm, setup_full, teardown);
	tcase_set_timeout(tm, 120);
	tcase_add_test(tm, test_storage_full);
	suite_add_tcase(s, tm);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(storage_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
