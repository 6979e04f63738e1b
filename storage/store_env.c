/* SPDX-License-Identifier: ISC */
/* The LMDB environment: open and close, the map lock and map growth, read
 * transactions, error mapping, and the small get/put/del wrappers. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define STORE_MAP_DEFAULT (64ULL << 20)
#define STORE_MAP_MAX_DEFAULT (256ULL << 30)
#define STORE_READERS_DEFAULT 1024
/* Named databases the environment can hold: today's DB_COUNT plus room for
 * later tables (delegations, sieve, audit) without a format change. */
#define STORE_MAX_DBS 32
/* Read txns a thread may nest on one store are tracked in this many slots
 * (one per store open at once in the process). */
#define STORE_TLS_SLOTS 8

static const char *const store_db_names[DB_COUNT] = {
    [DB_META] = "meta",
    [DB_DOMAINS] = "domains",
    [DB_BALS] = "bals",
    [DB_BAL_BY_ADDR] = "bal_by_addr",
    [DB_RETIRED] = "retired",
    [DB_MAILBOXES] = "mailboxes",
    [DB_MBOX_BY_ID] = "mailbox_by_id",
    [DB_MSGS] = "msgs",
    [DB_MODSEQ] = "modseq",
    [DB_BLOBS] = "blobs",
    [DB_CHUNKS] = "chunks",
    [DB_QUOTA] = "quota",
    [DB_KEYWORDS] = "keywords",
    [DB_QUEUE] = "queue",
    [DB_QUEUE_DUE] = "queue_due",
    [DB_SUBS] = "subs",
    [DB_DELEG] = "delegations",
    [DB_DELEG_LOG] = "deleg_log",
    [DB_DELREQ] = "deletion_requests",
    [DB_SIEVE] = "sieve",
    [DB_VACATION] = "vacation",
    [DB_DUPLICATE] = "duplicate",
    [DB_SIEVE_MANAGED] = "sieve_managed",
};

const char *store_strerror(int err)
{
	switch (err) {
	case STORE_OK:
		return "success";
	case STORE_E_NOTFOUND:
		return "not found";
	case STORE_E_EXISTS:
		return "already exists";
	case STORE_E_INVALID:
		return "refused by a rule";
	case STORE_E_FULL:
		return "storage full";
	case STORE_E_QUOTA:
		return "quota exceeded";
	case STORE_E_IO:
		return "storage I/O error";
	case STORE_E_READONLY:
		return "write in a read-only transaction";
	case STORE_E_LIMIT:
		return "limit reached";
	case STORE_E_NOTEMPTY:
		return "not empty";
	default:
		return "unknown storage error";
	}
}

/* Codes after which LMDB has put the write txn in an error state; the
 * writer must abort it (and grow the map, or split the batch). */
static bool store_mdb_breaks_txn(int rc)
{
	return rc != MDB_NOTFOUND && rc != MDB_KEYEXIST && rc != MDB_BAD_VALSIZE;
}

int store_mdb_err(struct store_txn *txn, int rc, const char *what)
{
	if (rc == 0)
		return STORE_OK;
	if (txn != NULL && txn->write && txn->mdb_err == 0 && store_mdb_breaks_txn(rc))
		txn->mdb_err = rc;
	switch (rc) {
	case MDB_NOTFOUND:
		return STORE_E_NOTFOUND;
	case MDB_KEYEXIST:
		return STORE_E_EXISTS;
	case MDB_BAD_VALSIZE:
		return STORE_E_LIMIT;
	case MDB_MAP_FULL:
		return STORE_E_FULL;
	case MDB_TXN_FULL:
		return STORE_E_LIMIT;
	default:
		log_error("store: %s failed: %s", what, mdb_strerror(rc));
		return STORE_E_IO;
	}
}

int store_need_write(struct store_txn *txn)
{
	return txn->write ? STORE_OK : STORE_E_READONLY;
}

void store_touch_mailbox(struct store_txn *txn, uint64_t mailbox_id)
{
	for (size_t i = 0; i < txn->n_touched; i++)
		if (txn->touched[i] == mailbox_id)
			return;
	if (txn->n_touched == txn->cap_touched) {
		txn->cap_touched = txn->cap_touched ? txn->cap_touched * 2 : 16;
		txn->touched = xrealloc(txn->touched, txn->cap_touched * sizeof(uint64_t));
	}
	txn->touched[txn->n_touched++] = mailbox_id;
}

int store_get(struct store_txn *txn, enum store_db db, MDB_val *key, MDB_val *val_r)
{
	int rc = mdb_get(txn->txn, txn->store->dbi[db], key, val_r);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(txn, rc, store_db_names[db]);
	return 1;
}

int store_put(struct store_txn *txn, enum store_db db, MDB_val *key, MDB_val *val, unsigned flags)
{
	int rc;

	if (!txn->write)
		return STORE_E_READONLY;
	rc = mdb_put(txn->txn, txn->store->dbi[db], key, val, flags);
	return store_mdb_err(txn, rc, store_db_names[db]);
}

int store_del(struct store_txn *txn, enum store_db db, MDB_val *key)
{
	int rc;

	if (!txn->write)
		return STORE_E_READONLY;
	rc = mdb_del(txn->txn, txn->store->dbi[db], key, NULL);
	return store_mdb_err(txn, rc, store_db_names[db]);
}

int store_cursor_open(struct store_txn *txn, enum store_db db, MDB_cursor **cur_r)
{
	int rc = mdb_cursor_open(txn->txn, txn->store->dbi[db], cur_r);

	return store_mdb_err(txn, rc, store_db_names[db]);
}

int store_counter_next(struct store_txn *txn, const char *name, uint64_t *val_r)
{
	MDB_val key = {strlen(name), (void *)name}, val;
	uint8_t buf[16];
	struct store_enc e;
	struct store_dec d;
	uint64_t cur = 0;
	int rc = store_get(txn, DB_META, &key, &val);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		store_dec_init(&d, &val);
		cur = store_dec_u64(&d);
		if (d.bad)
			return STORE_E_IO;
	}
	store_enc_init(&e, buf, sizeof(buf));
	store_enc_u64(&e, cur + 1);
	val.mv_data = buf;
	val.mv_size = e.len;
	rc = store_put(txn, DB_META, &key, &val, 0);
	if (rc == 0)
		*val_r = cur + 1;
	return rc;
}

/* ---------------------------------------------------------------- map lock */

static _Thread_local struct {
	struct store *store;
	unsigned depth;
} store_tls_reads[STORE_TLS_SLOTS];

/* Read txns this thread already holds on store; a thread that holds one
 * must not wait for a waiting writer (it would wait for itself). */
static unsigned *store_tls_depth(struct store *s)
{
	for (size_t i = 0; i < STORE_TLS_SLOTS; i++)
		if (store_tls_reads[i].store == s)
			return &store_tls_reads[i].depth;
	for (size_t i = 0; i < STORE_TLS_SLOTS; i++)
		if (store_tls_reads[i].depth == 0) {
			store_tls_reads[i].store = s;
			return &store_tls_reads[i].depth;
		}
	return NULL;
}

unsigned store_tls_read_depth(struct store *s)
{
	unsigned *depth = store_tls_depth(s);

	return depth != NULL ? *depth : 0;
}

void store_lock_shared(struct store *s, bool nested)
{
	pthread_mutex_lock(&s->map_mutex);
	while (s->map_exclusive || (!nested && s->map_writers_waiting > 0))
		pthread_cond_wait(&s->map_cond, &s->map_mutex);
	s->map_readers++;
	pthread_mutex_unlock(&s->map_mutex);
}

void store_unlock_shared(struct store *s)
{
	pthread_mutex_lock(&s->map_mutex);
	if (--s->map_readers == 0)
		pthread_cond_broadcast(&s->map_cond);
	pthread_mutex_unlock(&s->map_mutex);
}

void store_lock_exclusive(struct store *s)
{
	pthread_mutex_lock(&s->map_mutex);
	s->map_writers_waiting++;
	while (s->map_exclusive || s->map_readers > 0)
		pthread_cond_wait(&s->map_cond, &s->map_mutex);
	s->map_writers_waiting--;
	s->map_exclusive = true;
	pthread_mutex_unlock(&s->map_mutex);
}

void store_unlock_exclusive(struct store *s)
{
	pthread_mutex_lock(&s->map_mutex);
	s->map_exclusive = false;
	pthread_cond_broadcast(&s->map_cond);
	pthread_mutex_unlock(&s->map_mutex);
}

/* Another process grew the map past ours: adopt its size. */
int store_map_adopt(struct store *s)
{
	MDB_envinfo info;
	int rc;

	store_lock_exclusive(s);
	rc = mdb_env_set_mapsize(s->env, 0);
	mdb_env_info(s->env, &info);
	store_unlock_exclusive(s);
	if (rc != 0)
		return store_mdb_err(NULL, rc, "adopting the map size");
	log_info("store: map size set by another process adopted size=%llu",
	         (unsigned long long)info.me_mapsize);
	return STORE_OK;
}

/* Doubles the map, capped at map_max. STORE_E_FULL when already there. */
int store_map_grow(struct store *s)
{
	MDB_envinfo info;
	uint64_t size;
	int rc;

	store_lock_exclusive(s);
	mdb_env_info(s->env, &info);
	size = info.me_mapsize;
	if (size >= s->map_max) {
		store_unlock_exclusive(s);
		return STORE_E_FULL;
	}
	size = size > s->map_max / 2 ? s->map_max : size * 2;
	rc = mdb_env_set_mapsize(s->env, size);
	store_unlock_exclusive(s);
	if (rc != 0)
		return store_mdb_err(NULL, rc, "growing the map");
	log_info("store: map grown size=%llu max=%llu", (unsigned long long)size,
	         (unsigned long long)s->map_max);
	return STORE_OK;
}

void store_map_info(struct store *store, uint64_t *size_r, uint64_t *max_r, uint64_t *used_r)
{
	MDB_envinfo info;
	MDB_stat st;

	/* Shared, and nested so that a caller holding a read txn cannot block
	 * behind a waiting grow: the size must not change while read. */
	store_lock_shared(store, true);
	mdb_env_info(store->env, &info);
	mdb_env_stat(store->env, &st);
	store_unlock_shared(store);
	if (size_r)
		*size_r = info.me_mapsize;
	if (max_r)
		*max_r = store->map_max;
	if (used_r)
		*used_r = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
}

/* ---------------------------------------------------------------- read txns */

int store_read_begin(struct store *store, struct store_txn **txn_r)
{
	struct store_txn *t = xcalloc(1, sizeof(*t));
	unsigned *depth = store_tls_depth(store);
	bool nested = depth != NULL && *depth > 0;
	int rc;

	t->store = store;
	for (;;) {
		store_lock_shared(store, nested);
		rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &t->txn);
		if (rc != MDB_MAP_RESIZED || nested)
			break;
		store_unlock_shared(store);
		if (store_map_adopt(store) != 0)
			break;
	}
	if (rc != 0) {
		store_unlock_shared(store);
		free(t);
		return store_mdb_err(NULL, rc, "beginning a read txn");
	}
	if (depth != NULL)
		(*depth)++;
	*txn_r = t;
	return STORE_OK;
}

void store_read_end(struct store_txn **txn)
{
	struct store_txn *t = *txn;
	unsigned *depth;

	if (t == NULL)
		return;
	*txn = NULL;
	mdb_txn_abort(t->txn);
	store_unlock_shared(t->store);
	/* A txn ended on another thread than its own leaves that thread's
	 * count high: harmless, it only skips writer preference there. */
	depth = store_tls_depth(t->store);
	if (depth != NULL && *depth > 0)
		(*depth)--;
	free(t);
}

/* ---------------------------------------------------------------- open, close */

static int store_open_dbs(struct store *s, const char **why_r)
{
	MDB_txn *txn;
	MDB_val key = {6, "schema"}, val;
	uint8_t ver[2] = {STORE_REC_V1, STORE_SCHEMA_VERSION};
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);

	if (rc != 0)
		goto fail;
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc != 0)
			goto fail_txn;
	}
	rc = mdb_get(txn, s->dbi[DB_META], &key, &val);
	if (rc == 0 && (val.mv_size != 2 || ((uint8_t *)val.mv_data)[1] > STORE_SCHEMA_VERSION)) {
		mdb_txn_abort(txn);
		*why_r = "the environment has a newer schema than this program";
		return STORE_E_INVALID;
	}
	if (rc == MDB_NOTFOUND) {
		val.mv_data = ver;
		val.mv_size = sizeof(ver);
		rc = mdb_put(txn, s->dbi[DB_META], &key, &val, 0);
	}
	if (rc != 0)
		goto fail_txn;
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		goto fail;
	return STORE_OK;
fail_txn:
	mdb_txn_abort(txn);
fail:
	*why_r = "cannot open the databases of the environment";
	return store_mdb_err(NULL, rc, "opening the databases");
}

/* Keeps a map that an earlier run grew; raises it to the configured
 * initial size otherwise. */
static int store_open_env(struct store *s, const char **why_r)
{
	const struct store_opts *o = &s->opts;
	uint64_t want = o->map_size ? o->map_size : STORE_MAP_DEFAULT;
	MDB_envinfo info;
	int rc, dead = 0;

	if (mkdir(o->path, 0700) != 0 && errno != EEXIST) {
		*why_r = "cannot create the storage directory";
		log_error("store: mkdir %s: %s", o->path, strerror(errno));
		return STORE_E_IO;
	}
	rc = mdb_env_create(&s->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(s->env, STORE_MAX_DBS);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(s->env, o->max_readers ? o->max_readers
		                                                   : STORE_READERS_DEFAULT);
	/* MDB_NOTLS: read txns are not tied to a thread. No NOSYNC/NOMETASYNC:
	 * a commit is on disk when it returns. */
	if (rc == 0)
		rc = mdb_env_open(s->env, o->path, MDB_NOTLS, 0600);
	/* Reader slots left by killed processes would pin old pages forever. */
	if (rc == 0)
		rc = mdb_reader_check(s->env, &dead);
	if (rc == 0 && dead > 0)
		log_info("store: cleared stale readers count=%d", dead);
	if (rc == 0) {
		mdb_env_info(s->env, &info);
		if (info.me_mapsize < want)
			rc = mdb_env_set_mapsize(s->env, want);
	}
	if (rc != 0) {
		*why_r = "cannot open the LMDB environment";
		return store_mdb_err(NULL, rc, "opening the environment");
	}
	return STORE_OK;
}

/* LMDB mallocs every multi-page value (message chunks) of a write txn and
 * frees it after the commit; with glibc's defaults that memory goes back to
 * the kernel after each batch (munmap, trim) and is faulted in again for
 * the next, which cost 2.5-4x the CPU of 1 MB appends (bench/RESULTS.md).
 * Buffers up to this size stay in the heap, and this much free heap is kept.
 * Process-wide, set once, glibc only. */
#define STORE_MALLOC_MMAP_MIN (4 << 20)
#define STORE_MALLOC_TRIM (64 << 20)

static void store_tune_malloc(void)
{
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, STORE_MALLOC_MMAP_MIN);
	mallopt(M_TRIM_THRESHOLD, STORE_MALLOC_TRIM);
#endif
}

static void store_free(struct store *s)
{
	if (s->env != NULL)
		mdb_env_close(s->env);
	pthread_mutex_destroy(&s->map_mutex);
	pthread_cond_destroy(&s->map_cond);
	pthread_mutex_destroy(&s->q_lock);
	pthread_cond_destroy(&s->q_cond);
	free(s);
}

/* Stores open in this process (store_compact refuses to run beside one). */
atomic_uint store_open_count;

int store_open(const struct store_opts *opts, struct store **store_r, const char **why_r)
{
	static pthread_once_t tuned = PTHREAD_ONCE_INIT;
	struct store *s = xcalloc(1, sizeof(*s));
	int rc;

	pthread_once(&tuned, store_tune_malloc);
	s->opts = *opts;
	s->map_max = opts->map_size_max ? opts->map_size_max : STORE_MAP_MAX_DEFAULT;
	s->page_size = (size_t)sysconf(_SC_PAGESIZE);
	s->map_max -= s->map_max % s->page_size;
	pthread_mutex_init(&s->map_mutex, NULL);
	pthread_cond_init(&s->map_cond, NULL);
	pthread_mutex_init(&s->q_lock, NULL);
	pthread_cond_init(&s->q_cond, NULL);
	rc = store_open_env(s, why_r);
	if (rc == 0)
		rc = store_open_dbs(s, why_r);
	if (rc == 0 && store_writer_start(s) != 0) {
		*why_r = "cannot start the storage writer thread";
		rc = STORE_E_IO;
	}
	if (rc != 0) {
		store_free(s);
		return rc;
	}
	s->writer_started = true;
	s->opts.path = NULL; /* not owned: do not keep it */
	atomic_fetch_add(&store_open_count, 1);
	*store_r = s;
	return STORE_OK;
}

void store_close(struct store **store)
{
	struct store *s = *store;

	if (s == NULL)
		return;
	*store = NULL;
	pthread_mutex_lock(&s->q_lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	if (s->writer_started)
		pthread_join(s->writer, NULL);
	store_free(s);
	atomic_fetch_sub(&store_open_count, 1);
}
