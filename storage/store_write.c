/* SPDX-License-Identifier: ISC */
/* The writer thread: group commit of every waiting request in one LMDB
 * write txn, replay without a failed request, map growth on MDB_MAP_FULL,
 * and completions called only after the commit is durable. */
#include "config.h"

#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

/* Requests per write txn: enough to amortise the two fsyncs of a commit,
 * few enough that one txn's dirty pages stay well below LMDB's limit. */
#define STORE_BATCH_MAX 512
/* Times a batch is retried after another process resized the map. */
#define STORE_RESIZE_RETRIES 8
/* Result of a request not yet decided. */
#define STORE_PENDING 1

/* Outcome of one attempt at a batch. */
enum store_try {
	TRY_COMMITTED,  /* every pending request is durable */
	TRY_REQ_FAILED, /* one request failed (its result is set): replay */
	TRY_MAP_FULL,   /* grow the map and replay */
	TRY_RESIZED,    /* adopt the map size another process set, replay */
	TRY_TXN_FULL,   /* too many dirty pages: run requests one by one */
	TRY_IO,         /* anything else: the pending requests fail */
};

static enum store_try store_try_classify(int mdb_rc)
{
	switch (mdb_rc) {
	case MDB_MAP_FULL:
		return TRY_MAP_FULL;
	case MDB_MAP_RESIZED:
		return TRY_RESIZED;
	case MDB_TXN_FULL:
		return TRY_TXN_FULL;
	default:
		return TRY_IO;
	}
}

static void store_txn_free_lists(struct store_txn *t)
{
	free(t->touched);
	free(t->new_blobs);
	t->touched = t->new_blobs = NULL;
	t->n_touched = t->n_new_blobs = t->cap_touched = t->cap_new_blobs = 0;
}

/* Runs the pending requests in one txn and commits. The txn is discarded
 * on any failure, so a retry starts from a clean state. */
static enum store_try store_try_batch(struct store *s, struct store_wreq **reqs, size_t n)
{
	struct store_txn t = {.store = s, .write = true};
	int rc;

	store_lock_shared(s, false);
	rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
	if (rc != 0)
		goto fail_begin;
	for (size_t i = 0; i < n; i++) {
		if (reqs[i]->result != STORE_PENDING)
			continue;
		rc = reqs[i]->apply(&t, reqs[i]->ctx);
		if (t.mdb_err != 0)
			goto fail_mdb;
		if (rc != 0) {
			reqs[i]->result = rc < 0 ? rc : STORE_E_INVALID;
			mdb_txn_abort(t.txn);
			store_unlock_shared(s);
			store_txn_free_lists(&t);
			return TRY_REQ_FAILED;
		}
	}
	if (store_blob_sweep(&t) != 0 && t.mdb_err == 0)
		t.mdb_err = MDB_CORRUPTED;
	if (t.mdb_err != 0)
		goto fail_mdb;
	rc = mdb_txn_commit(t.txn);
	store_unlock_shared(s);
	if (rc != 0) {
		store_txn_free_lists(&t);
		if (rc != MDB_MAP_FULL && rc != MDB_TXN_FULL)
			log_error("store: commit failed: %s", mdb_strerror(rc));
		return store_try_classify(rc);
	}
	if (s->opts.on_commit != NULL && t.n_touched > 0)
		s->opts.on_commit(s->opts.on_commit_arg, t.touched, t.n_touched);
	store_txn_free_lists(&t);
	return TRY_COMMITTED;
fail_mdb:
	rc = t.mdb_err;
	mdb_txn_abort(t.txn);
fail_begin:
	store_unlock_shared(s);
	store_txn_free_lists(&t);
	if (rc != MDB_MAP_FULL && rc != MDB_TXN_FULL && rc != MDB_MAP_RESIZED)
		log_error("store: write txn failed: %s", mdb_strerror(rc));
	return store_try_classify(rc);
}

static size_t store_set_pending(struct store_wreq **reqs, size_t n, int result)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (reqs[i]->result == STORE_PENDING) {
			reqs[i]->result = result;
			k++;
		}
	return k;
}

static size_t store_count_pending(struct store_wreq **reqs, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += reqs[i]->result == STORE_PENDING;
	return k;
}

static void store_count_commit(struct store *s, uint64_t requests)
{
	pthread_mutex_lock(&s->q_lock);
	s->stat_batches++;
	s->stat_requests += requests;
	pthread_mutex_unlock(&s->q_lock);
}

static void store_run(struct store *s, struct store_wreq **reqs, size_t n, bool may_split);

/* The batch does not fit (map at its maximum, or too big for one txn):
 * each request alone, so only those that cannot fit fail. */
static void store_run_split(struct store *s, struct store_wreq **reqs, size_t n, int err)
{
	if (store_count_pending(reqs, n) <= 1) {
		store_set_pending(reqs, n, err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (reqs[i]->result == STORE_PENDING)
			store_run(s, &reqs[i], 1, false);
}

/* Sets every request's result; commits at least once unless all fail. */
static void store_run(struct store *s, struct store_wreq **reqs, size_t n, bool may_split)
{
	unsigned resized = 0;

	for (;;) {
		switch (store_try_batch(s, reqs, n)) {
		case TRY_COMMITTED:
			store_count_commit(s, store_set_pending(reqs, n, STORE_OK));
			return;
		case TRY_REQ_FAILED:
			if (store_count_pending(reqs, n) == 0)
				return;
			break;
		case TRY_MAP_FULL:
			if (store_map_grow(s) == 0)
				break;
			if (may_split)
				store_run_split(s, reqs, n, STORE_E_FULL);
			else
				store_set_pending(reqs, n, STORE_E_FULL);
			return;
		case TRY_TXN_FULL:
			if (may_split)
				store_run_split(s, reqs, n, STORE_E_LIMIT);
			else
				store_set_pending(reqs, n, STORE_E_LIMIT);
			return;
		case TRY_RESIZED:
			if (++resized <= STORE_RESIZE_RETRIES && store_map_adopt(s) == 0)
				break;
			/* fall through */
		case TRY_IO:
			store_set_pending(reqs, n, STORE_E_IO);
			return;
		}
	}
}

/* Takes up to STORE_BATCH_MAX waiting requests; 0 when stopping and idle. */
static size_t store_take(struct store *s, struct store_wreq **batch)
{
	size_t n = 0;

	pthread_mutex_lock(&s->q_lock);
	while (s->q_head == NULL && !s->stopping)
		pthread_cond_wait(&s->q_cond, &s->q_lock);
	while (s->q_head != NULL && n < STORE_BATCH_MAX) {
		batch[n++] = s->q_head;
		s->q_head = s->q_head->next;
	}
	if (s->q_head == NULL)
		s->q_tail = NULL;
	pthread_mutex_unlock(&s->q_lock);
	return n;
}

static void *store_writer_main(void *arg)
{
	struct store *s = arg;
	struct store_wreq **batch = xmalloc(STORE_BATCH_MAX * sizeof(*batch));
	size_t n;

	while ((n = store_take(s, batch)) > 0) {
		for (size_t i = 0; i < n; i++)
			batch[i]->result = STORE_PENDING;
		store_run(s, batch, n, true);
		/* done may free its request: read it before the call. */
		for (size_t i = 0; i < n; i++) {
			struct store_wreq *r = batch[i];

			r->done(r->ctx, r->result);
		}
	}
	free(batch);
	return NULL;
}

int store_writer_start(struct store *s)
{
	return pthread_create(&s->writer, NULL, store_writer_main, s) == 0 ? 0 : STORE_E_IO;
}

void store_write_async(struct store *store, struct store_wreq *req)
{
	req->next = NULL;
	req->result = STORE_PENDING;
	pthread_mutex_lock(&store->q_lock);
	if (store->q_tail != NULL)
		store->q_tail->next = req;
	else
		store->q_head = req;
	store->q_tail = req;
	pthread_cond_signal(&store->q_cond);
	pthread_mutex_unlock(&store->q_lock);
}

/* A synchronous write: the caller's stack frame, woken by done. */
struct store_sync {
	struct store_wreq req;
	store_apply_fn *apply;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool finished;
	int result;
};

static int store_sync_apply(struct store_txn *txn, void *ctx)
{
	struct store_sync *w = ctx;

	return w->apply(txn, w->ctx);
}

static void store_sync_done(void *ctx, int result)
{
	struct store_sync *w = ctx;

	/* Signal under the lock: once unlocked the waiter may return and its
	 * frame (w) is gone. */
	pthread_mutex_lock(&w->lock);
	w->result = result;
	w->finished = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int store_write(struct store *store, store_apply_fn *apply, void *ctx)
{
	static atomic_bool warned;
	struct store_sync w = {.apply = apply, .ctx = ctx};

	/* Works until the map must grow: then the writer waits for this
	 * thread's read txn and this thread for the writer. */
	if (store_tls_read_depth(store) > 0 && !atomic_exchange(&warned, true))
		log_warn("store: store_write called while holding a read txn (deadlocks on map "
		         "growth)");

	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.req.apply = store_sync_apply;
	w.req.done = store_sync_done;
	w.req.ctx = &w;
	store_write_async(store, &w.req);
	pthread_mutex_lock(&w.lock);
	while (!w.finished)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.cond);
	return w.result;
}

void store_write_stats(struct store *store, uint64_t *batches_r, uint64_t *requests_r)
{
	pthread_mutex_lock(&store->q_lock);
	if (batches_r)
		*batches_r = store->stat_batches;
	if (requests_r)
		*requests_r = store->stat_requests;
	pthread_mutex_unlock(&store->q_lock);
}
