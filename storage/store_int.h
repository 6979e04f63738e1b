/* SPDX-License-Identifier: ISC */
/* libbalstore internals shared by the storage/ files: the environment, the
 * transaction handle, the named databases and the record codec. */
#ifndef BALISE_STORE_INT_H
#define BALISE_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balstore.h"

/* Version byte that starts every value written by this code. */
#define STORE_REC_V1 1
/* Schema version kept in meta; a newer one on disk is refused at open. */
#define STORE_SCHEMA_VERSION 1
/* Largest fixed-layout record (BAL with 16 co-holders, mailbox with a
 * 1000-byte name); blobs, whose summary has no fixed size, are written with
 * MDB_RESERVE instead. */
#define STORE_REC_MAX 4096

enum store_db {
	DB_META,        /* name -> u64 counters and schema version */
	DB_DOMAINS,     /* lower-cased domain -> settings */
	DB_BALS,        /* bal id -> BAL record */
	DB_BAL_BY_ADDR, /* lower-cased address -> bal id */
	DB_RETIRED,     /* lower-cased address of a deleted BAL -> holder idNat */
	DB_MAILBOXES,   /* bal id, name -> mailbox id */
	DB_MBOX_BY_ID,  /* mailbox id -> mailbox record */
	DB_MSGS,        /* mailbox id, uid -> message record */
	DB_MODSEQ,      /* mailbox id, modseq -> uid, expunged */
	DB_BLOBS,       /* blob id -> refs, size, summary */
	DB_CHUNKS,      /* blob id, n -> bytes */
	DB_QUOTA,       /* bal id -> bytes, messages, alert level */
	DB_KEYWORDS,    /* mailbox id, index -> keyword name */
	DB_QUEUE,       /* queue id -> outbound queue entry */
	DB_QUEUE_DUE,   /* next attempt time, queue id -> (empty) */
	DB_SUBS,        /* bal id, name -> name: subscribed names that are no mailbox */
	DB_DELEG,       /* bal id, grantee bal id, mailbox id (0: all) -> rights */
	DB_DELEG_LOG,   /* bal id, time, seq -> delegated access */
	DB_DELREQ,      /* deletion request id -> request (EX_GBM_6021) */
	DB_SIEVE,       /* bal id, script name -> script text and compiled form */
	DB_VACATION,    /* bal id, SHA-256(sender, handle) -> last reply, expiry */
	DB_DUPLICATE,   /* bal id, SHA-256(handle, value) -> expiry (RFC 7352) */
	DB_SIEVE_MANAGED, /* bal id -> managed rules: vacation, forward, script */
	DB_COUNT
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	struct store_opts opts;
	uint64_t map_max;
	size_t page_size;
	/* Map lock, writer-preferring: read txns hold it shared for their
	 * whole life, the writer for each write txn; changing the map size
	 * takes it exclusively, because LMDB forbids that while any txn of
	 * the process is open. Hand-made (not pthread_rwlock) so that a read
	 * txn may end on another thread than the one that began it. */
	pthread_mutex_t map_mutex;
	pthread_cond_t map_cond;
	unsigned map_readers, map_writers_waiting;
	bool map_exclusive;

	pthread_mutex_t q_lock;
	pthread_cond_t q_cond;
	struct store_wreq *q_head, *q_tail;
	bool stopping;
	bool writer_started;
	pthread_t writer;
	uint64_t stat_batches, stat_requests; /* under q_lock */
};

struct store_txn {
	struct store *store;
	MDB_txn *txn;
	bool write;
	/* First LMDB error that broke the write txn (MDB_MAP_FULL ...), so the
	 * writer can tell a full map from a request refused by a rule. */
	int mdb_err;
	/* Write txns: mailboxes changed (for on_commit) and blobs created,
	 * freed before commit when nothing references them. */
	uint64_t *touched;
	size_t n_touched, cap_touched;
	uint64_t *new_blobs;
	size_t n_new_blobs, cap_new_blobs;
};

/* ---- store_env.c */

/* The one place where LMDB codes become store_err: logs unexpected codes
 * with what, and remembers in txn (may be NULL) codes that break a write
 * txn. MDB_NOTFOUND maps to STORE_E_NOTFOUND. */
int store_mdb_err(struct store_txn *txn, int rc, const char *what);
/* Fails with STORE_E_READONLY unless txn is a write txn. */
int store_need_write(struct store_txn *txn);
/* Records that mailbox_id changed in this write txn. */
void store_touch_mailbox(struct store_txn *txn, uint64_t mailbox_id);
/* Next value of the u64 counter named name in meta (starts at 1). */
int store_counter_next(struct store_txn *txn, const char *name, uint64_t *val_r);

/* The map lock (see struct store). nested: the caller already holds it
 * shared through another read txn, so it must not wait for writers. */
void store_lock_shared(struct store *s, bool nested);
void store_unlock_shared(struct store *s);
void store_lock_exclusive(struct store *s);
void store_unlock_exclusive(struct store *s);
/* Read txns the calling thread holds on s (as far as it can tell). */
unsigned store_tls_read_depth(struct store *s);
/* Map growth by doubling up to map_max (STORE_E_FULL there), and adoption
 * of a size set by another process. Called with no txn open. */
int store_map_grow(struct store *s);
int store_map_adopt(struct store *s);

/* Thin wrappers over mdb_get/put/del that map errors. get returns 1 / 0. */
int store_get(struct store_txn *txn, enum store_db db, MDB_val *key, MDB_val *val_r);
int store_put(struct store_txn *txn, enum store_db db, MDB_val *key, MDB_val *val, unsigned flags);
int store_del(struct store_txn *txn, enum store_db db, MDB_val *key);
int store_cursor_open(struct store_txn *txn, enum store_db db, MDB_cursor **cur_r);

/* Stores open in this process (store_env.c). */
extern atomic_uint store_open_count;

/* ---- store_write.c */

/* Starts the writer thread (store_close stops it). */
int store_writer_start(struct store *s);

/* ---- store_codec.c */

struct store_enc {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

struct store_dec {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
};

void store_enc_init(struct store_enc *e, void *buf, size_t cap);
void store_enc_u8(struct store_enc *e, uint8_t v);
void store_enc_u32(struct store_enc *e, uint32_t v);
void store_enc_u64(struct store_enc *e, uint64_t v);
/* u16 length, then the bytes (no NUL). */
void store_enc_str(struct store_enc *e, const char *s);
void store_enc_bytes(struct store_enc *e, const void *p, size_t n);

/* Starts decoding val and checks its version byte. */
void store_dec_init(struct store_dec *d, const MDB_val *val);
uint8_t store_dec_u8(struct store_dec *d);
uint32_t store_dec_u32(struct store_dec *d);
uint64_t store_dec_u64(struct store_dec *d);
/* Copies a string into dst of size dstsz; too long marks d bad. */
void store_dec_str(struct store_dec *d, char *dst, size_t dstsz);

/* Big-endian keys: cursor order is numeric order. */
void store_be32(uint8_t *p, uint32_t v);
void store_be64(uint8_t *p, uint64_t v);
uint32_t store_rd32(const uint8_t *p);
uint64_t store_rd64(const uint8_t *p);

/* A key of one or two big-endian integers (id, id/uid/modseq/n). */
struct store_key {
	uint8_t b[16];
	MDB_val v;
};
void store_key_u64(struct store_key *k, uint64_t a);
void store_key_u64_u32(struct store_key *k, uint64_t a, uint32_t b);
void store_key_u64_u64(struct store_key *k, uint64_t a, uint64_t b);
void store_key_u64_u8(struct store_key *k, uint64_t a, uint8_t b);

/* ---- records (each file owns its codec) */

/* Lower-cases a domain into out (STORE_DOMAIN_MAX + 1 bytes) and checks its
 * syntax; STORE_E_INVALID when malformed. */
int store_domain_norm(const char *domain, char *out);

int store_mailbox_load(struct store_txn *txn, uint64_t mailbox_id, struct store_mailbox *mb_r);
int store_mailbox_save(struct store_txn *txn, const struct store_mailbox *mb);
/* Next modseq of the mailbox (bumps HIGHESTMODSEQ in *mb; caller saves). */
uint64_t store_mailbox_next_modseq(struct store_mailbox *mb);

int store_quota_add(struct store_txn *txn, uint64_t bal_id, int64_t bytes, int64_t messages);
int store_quota_delete(struct store_txn *txn, uint64_t bal_id);
int store_quota_create(struct store_txn *txn, uint64_t bal_id);
/* Lowers the BAL's alert level to that of its usage (after its quota
 * changed): the levels above re-arm. */
int store_quota_rearm(struct store_txn *txn, uint64_t bal_id);

/* Adds delta to the blob's reference count; frees blob and chunks at 0. */
int store_blob_ref(struct store_txn *txn, uint64_t blob_id, int delta);
/* Frees blobs created in txn that no message references (before commit). */
int store_blob_sweep(struct store_txn *txn);

/* Removes every message, keyword and modseq entry of the mailbox, crediting
 * the quota (used by mailbox and BAL deletion). */
int store_msg_purge_mailbox(struct store_txn *txn, struct store_mailbox *mb);
/* Removes every subscription of the BAL kept in DB_SUBS (store_bal_delete). */
int store_sub_orphan_purge(struct store_txn *txn, uint64_t bal_id);
/* Removes the BAL's scripts, vacation and duplicate memory (store_bal_delete). */
int store_sieve_bal_purge(struct store_txn *txn, uint64_t bal_id);
/* store_check's part for those tables: 0, or STORE_E_IO with *why_r. */
int store_sieve_check(struct store_txn *txn, const char **why_r);
/* The same two for the managed rules (store_sieve_managed.c), called by
 * the two above. */
int store_sieve_managed_purge(struct store_txn *txn, uint64_t bal_id);
int store_sieve_managed_check_all(struct store_txn *txn, const char **why_r);
/* store_deleg.c: removes the grants given by or to the BAL and its access
 * log (store_bal_delete), or the grants on one mailbox (its deletion). */
int store_deleg_purge_bal(struct store_txn *txn, uint64_t bal_id);
int store_deleg_purge_mailbox(struct store_txn *txn, uint64_t bal_id, uint64_t mailbox_id);
/* store_check's part: STORE_E_IO with *why_r (static) on the first problem. */
int store_deleg_check(struct store_txn *txn, const char **why_r);

#endif
