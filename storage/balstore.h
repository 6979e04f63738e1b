/* SPDX-License-Identifier: ISC */
/* libbalstore: everything balise keeps, in one LMDB environment. This header
 * is the whole public interface; nothing outside storage/ includes lmdb.h.
 *
 * Threads and transactions
 *   - Read transactions (store_read_begin) may be opened from any thread,
 *     several per thread; keep them short. Never wait for a write while
 *     holding a read transaction open: growing the map waits for readers.
 *   - Every write goes through one writer thread owned by the store. Callers
 *     submit requests; the writer takes every request waiting for it, runs
 *     them in one LMDB write transaction (group commit), commits (fsync), and
 *     only then calls each request's completion. A request whose apply
 *     function fails leaves no trace: the batch is rolled back and replayed
 *     without it. Hence apply functions must only write through the txn and
 *     into their own context, and must give the same outcome when run again.
 *   - Several processes (balised and balisectl) may use one environment.
 *     A store does not survive fork() (LMDB's rule, and the writer thread
 *     stays in the parent): open it in the process that uses it.
 *
 * Errors: functions return 0 on success or a negative enum store_err;
 * lookups return 1 found, 0 not found, negative on error. store_strerror()
 * gives a short English text. Rule violations also set *why_r to a static
 * English sentence when the function takes why_r. */
#ifndef BALISE_BALSTORE_H
#define BALISE_BALSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h" /* struct slice */

enum store_err {
	STORE_OK = 0,
	STORE_E_NOTFOUND = -1, /* the named object does not exist */
	STORE_E_EXISTS = -2,   /* an object with that key already exists */
	STORE_E_INVALID = -3,  /* refused by a rule; see why_r */
	STORE_E_FULL = -4,     /* storage full: map at map_size_max */
	STORE_E_QUOTA = -5,    /* the BAL's quota would be exceeded */
	STORE_E_IO = -6,       /* LMDB or system error (logged) */
	STORE_E_READONLY = -7, /* write function called in a read txn */
	STORE_E_LIMIT = -8,    /* an internal limit (keywords, name length) */
	STORE_E_NOTEMPTY = -9, /* e.g. removing a domain that still has BALs */
};

const char *store_strerror(int err);

struct store;     /* environment and writer thread */
struct store_txn; /* a read or write transaction */

struct store_opts {
	const char *path;      /* directory, created (0700) if missing */
	uint64_t map_size;     /* initial map size in bytes (0: 64 MiB) */
	uint64_t map_size_max; /* growth limit (0: 256 GiB) */
	unsigned max_readers;  /* 0: 1024 */
	/* Called on the writer thread after each successful commit, with the ids
	 * of the mailboxes whose content or flags changed in it (deduplicated).
	 * May be NULL. Used by balised to wake IDLE sessions. */
	void (*on_commit)(void *arg, const uint64_t *mailbox_ids, size_t n);
	void *on_commit_arg;
};

/* Opens (creating if needed) the environment and starts the writer thread.
 * On error returns a store_err and sets *why_r to a static text. The first
 * call also tunes glibc malloc for the process (M_MMAP_THRESHOLD 4 MiB,
 * M_TRIM_THRESHOLD 64 MiB) so that LMDB's per-commit page buffers are not
 * returned to the kernel after every batch; see bench/RESULTS.md. */
int store_open(const struct store_opts *opts, struct store **store_r, const char **why_r);
/* Finishes pending writes, stops the writer thread, closes; sets *store to NULL. */
void store_close(struct store **store);

/* Current and maximum map size, and bytes in use (for metrics and tests). */
void store_map_info(struct store *store, uint64_t *size_r, uint64_t *max_r, uint64_t *used_r);

/* Consistency check over one snapshot (tests, crash recovery checks): each
 * mailbox's counters equal the sums over its messages, UIDs are below
 * UIDNEXT and modseqs at most HIGHESTMODSEQ with one modseq entry per
 * message, each blob's reference count equals the messages and queue
 * entries that list it and its chunks hold its size, each BAL's quota equals
 * the sums over its charged messages (quota alerts are not) and its alert
 * level is 0, 80, 90 or 100, each queue entry is readable, has a recipient
 * still to do and one due-index entry, and the indexes agree with the
 * records, and each delegation is between two existing BALs (on a mailbox
 * of its BAL) and each delegated access is of an existing BAL. 0, or STORE_E_IO with
 * *why_r describing the first problem (valid until the thread's next call). */
int store_check(struct store *store, const char **why_r);

/* ---------------------------------------------------------------- transactions */

int store_read_begin(struct store *store, struct store_txn **txn_r);
void store_read_end(struct store_txn **txn);

/* Runs inside the writer's transaction. Return 0 to keep the changes, or a
 * store_err to have them rolled back (the batch is replayed without them). */
typedef int store_apply_fn(struct store_txn *txn, void *ctx);
/* Called on the writer thread once the outcome is final: result is 0 after a
 * durable commit, else the apply function's error or the commit's. */
typedef void store_done_fn(void *ctx, int result);

struct store_wreq {
	store_apply_fn *apply;
	store_done_fn *done;
	void *ctx;
	/* private to the store */
	struct store_wreq *next;
	int result;
};

/* Queues req; req must stay valid until done is called. */
void store_write_async(struct store *store, struct store_wreq *req);
/* Queues and waits until committed; returns the final result. */
int store_write(struct store *store, store_apply_fn *apply, void *ctx);

/* Number of write batches committed and requests in them since open (tests,
 * benchmarks: shows that group commit happened). */
void store_write_stats(struct store *store, uint64_t *batches_r, uint64_t *requests_r);

/* ---------------------------------------------------------------- domains */

#define STORE_DOMAIN_MAX 253

/* STORE_OK when domain is a valid name for store_domain_add, else
 * STORE_E_INVALID with *why_r saying what is wrong. */
int store_domain_check(const char *domain, const char **why_r);
int store_domain_add(struct store_txn *txn, const char *domain);
/* STORE_E_NOTEMPTY while BALs of the domain exist. */
int store_domain_remove(struct store_txn *txn, const char *domain);
/* 1 if the domain is served here (case-insensitive), 0 if not. */
int store_domain_exists(struct store_txn *txn, const char *domain);
/* Calls fn for each domain in order; fn returns non-zero to stop. */
int store_domain_each(struct store_txn *txn, int (*fn)(void *arg, const char *domain), void *arg);

/* ---------------------------------------------------------------- BALs */

enum store_bal_type { BAL_PER = 1, BAL_ORG = 2, BAL_CAB = 3, BAL_APP = 4 };
enum store_bal_state { BAL_ACTIVE = 1, BAL_SUSPENDED = 2, BAL_DELETION_REQUESTED = 3 };

#define STORE_ADDR_MAX 254
#define STORE_IDNAT_MAX 32
#define STORE_DISPLAY_MAX 256
#define STORE_HASH_MAX 160
#define STORE_COHOLDERS_MAX 16

struct store_bal {
	uint64_t id; /* assigned by store_bal_create */
	char address[STORE_ADDR_MAX + 1]; /* stored lower-cased; immutable */
	enum store_bal_type type;         /* immutable */
	int holder_type;                  /* enum idnat_type */
	char holder[STORE_IDNAT_MAX + 1]; /* idNat with its type prefix */
	unsigned n_coholders;             /* CAB only: RPPS idNats */
	char coholders[STORE_COHOLDERS_MAX][STORE_IDNAT_MAX + 1];
	char display_name[STORE_DISPLAY_MAX + 1];
	uint64_t quota_bytes;    /* 0: unlimited */
	uint64_t quota_messages; /* 0: unlimited */
	enum store_bal_state state;
	char password_hash[STORE_HASH_MAX + 1]; /* argon2id encoded string, or "" */
	int64_t created;    /* unix seconds */
	int64_t last_login; /* unix seconds, 0 = never */
	/* Lifecycle (trailing fields of the record, absent in older records) */
	uint32_t sent_retention; /* days a message stays in \Sent; 0 = kept */
	int64_t inactivity_warned; /* when the inactivity notice was sent; 0 = none */
	char contact[STORE_ADDR_MAX + 1]; /* address outside the BAL for notices, or "" */
};

const char *store_bal_type_name(enum store_bal_type t); /* "PER", ... */
int store_bal_type_parse(const char *s);               /* -1 if unknown */
const char *store_bal_state_name(enum store_bal_state s); /* "active", "suspended", "deletion-requested" */
int store_bal_state_parse(const char *s);

/* Checks the holder rules without touching storage: PER needs a holder of
 * type 8 (RPPS) or 0 (ADELI), type 10 refused citing EX_GBM_4312; CAB needs
 * a responsible RPPS and takes RPPS co-holders; ORG and APP need a structure
 * id (1 FINESS, 3 SIRET). Also the address syntax. 0 or STORE_E_INVALID. */
int store_bal_validate(const struct store_bal *bal, const char **why_r);

/* Validates, then creates the BAL with its quota record and the mailboxes
 * INBOX, Sent, Drafts, Trash, Junk (with their special-use). The domain must
 * exist; the address must be free and not retired for another holder. Sets
 * bal->id, lower-cases bal->address, and sets created when 0. */
int store_bal_create(struct store_txn *txn, struct store_bal *bal, const char **why_r);
int store_bal_get(struct store_txn *txn, uint64_t id, struct store_bal *bal_r);
int store_bal_get_by_addr(struct store_txn *txn, const char *address, struct store_bal *bal_r);
/* Replaces the record; address and type must be unchanged (STORE_E_INVALID).
 * Holder rules are checked again. created 0 keeps the stored value, state 0
 * means active. */
int store_bal_update(struct store_txn *txn, const struct store_bal *bal, const char **why_r);
/* Deletes the BAL, its mailboxes, messages (releasing blobs) and quota
 * record. The address stays retired: it can only be re-created for the same
 * holder idNat. */
int store_bal_delete(struct store_txn *txn, uint64_t id);
/* Calls fn for each BAL in id order; fn returns non-zero to stop. */
int store_bal_each(struct store_txn *txn, int (*fn)(void *arg, const struct store_bal *bal),
		   void *arg);

/* ---------------------------------------------------------------- quota */

/* Usage of a BAL, kept in the same transaction as every change to its
 * messages. Quota alerts (EX_GBM_4470) are not counted: see
 * STORE_APPEND_UNCHARGED. */
struct store_quota {
	uint64_t bytes;     /* sum of the sizes of the BAL's charged messages */
	uint64_t messages;  /* number of charged messages */
	unsigned alert_level; /* last alert level sent and not yet re-armed: 0, 80, 90 or 100 */
};

int store_quota_get(struct store_txn *txn, uint64_t bal_id, struct store_quota *q_r);
/* Sets the recorded alert level without sending anything (tests, repairs). */
int store_quota_set_alert(struct store_txn *txn, uint64_t bal_id, unsigned level);

/* Quota alerts (EX_GBM_4470): when usage reaches 80 %, then 90 %, then
 * 100 % of the quota, one alert message goes into the BAL's INBOX.
 *
 *   - Usage in percent is the higher of bytes / quota_bytes and messages /
 *     quota_messages, each only when that quota is set (0: unlimited),
 *     rounded down. Its level is 100, 90 or 80 when usage is at least that,
 *     else 0.
 *   - alert_level is the last level alerted. After a change that adds
 *     usage, store_quota_alert sends one alert at the level reached when it
 *     is above alert_level (70 % -> 100 % in one step sends the 100 % alert
 *     only) and records it. Whenever usage falls (expunge, mailbox or
 *     message deletion) or the quota grows, alert_level drops to the level
 *     of the new usage: the levels above re-arm. Both happen in the
 *     transaction of the change itself, so a crash can neither lose nor
 *     repeat an alert.
 *   - A delivery, APPEND or COPY that would pass the quota is refused
 *     (store_quota_admit) and counts as reaching 100 %: the 100 % alert is
 *     sent then, once, unless alert_level is already 100.
 *   - Alerts are appended with STORE_APPEND_UNCHARGED: never refused, not
 *     counted in the usage; expunging one credits nothing.
 *   - Without an alerter (NULL, or NULL fn) nothing is sent and alert_level
 *     does not move up: the alert is sent by the next change that has one. */
#define STORE_QUOTA_LEVEL_80 80u
#define STORE_QUOTA_LEVEL_90 90u
#define STORE_QUOTA_LEVEL_100 100u

/* Usage of q against bal's quotas in percent (0 when both are unlimited). */
unsigned store_quota_percent(const struct store_bal *bal, const struct store_quota *q);
/* The level (0, 80, 90, 100) of that percentage. */
unsigned store_quota_level(const struct store_bal *bal, const struct store_quota *q);

/* What the alert builder is asked for. */
struct store_alert {
	const struct store_bal *bal; /* the BAL (address, quotas) */
	unsigned level;              /* 80, 90 or 100 */
	unsigned percent;            /* usage now (under 100 when refused) */
	struct store_quota usage;    /* usage now, alert_level not yet updated */
	bool refused;                /* 100 % reached by a refused delivery */
};

/* Builds the alert message and stores it with store_blob_put in txn (the
 * only write it may make), setting *blob_id_r. Runs on the writer thread
 * inside the transaction of the change, and again if that transaction is
 * replayed. An error that leaves txn usable (e.g. STORE_E_INVALID) skips
 * the alert: it is logged, not recorded, and the change goes on; an LMDB
 * error fails the change as usual. */
typedef int store_alert_fn(void *arg, struct store_txn *txn, const struct store_alert *a,
                           uint64_t *blob_id_r);

struct store_alerter {
	store_alert_fn *fn;
	void *arg;
};

/* After appends that added usage to the BAL: sends the alert of the level
 * reached if it is above alert_level (see above). *alert_r is the level
 * alerted, 0 when none. */
int store_quota_alert(struct store_txn *txn, uint64_t bal_id, const struct store_alerter *al,
                      unsigned *alert_r);
/* Read-only (any txn): 1 when bytes more and messages more fit in the
 * BAL's quotas, 0 when not (e.g. SMTP RCPT with SIZE=, or a BAL at 100 %
 * that may not send: bytes 1, messages 0), STORE_E_NOTFOUND without BAL. */
int store_quota_fits(struct store_txn *txn, uint64_t bal_id, uint64_t bytes, uint64_t messages);
/* Before appending messages totalling bytes and messages to the BAL: 0 if
 * they fit in its quotas. Else the refusal counts as reaching 100 %: the
 * 100 % alert is stored (unless alert_level is 100 already; *alert_r 100
 * when sent) and STORE_E_QUOTA is returned. The caller then appends
 * nothing, and keeps the transaction (its apply returns 0) so that the
 * alert is committed, and reports the refusal itself. */
int store_quota_admit(struct store_txn *txn, uint64_t bal_id, uint64_t bytes, uint64_t messages,
                      const struct store_alerter *al, unsigned *alert_r);

/* ---------------------------------------------------------------- mailboxes */

#define STORE_MBOX_NAME_MAX 1000
#define STORE_KEYWORDS_MAX 64

enum store_special_use {
	MBOX_SU_NONE = 0,
	MBOX_SU_SENT = 1 << 0,
	MBOX_SU_DRAFTS = 1 << 1,
	MBOX_SU_TRASH = 1 << 2,
	MBOX_SU_JUNK = 1 << 3,
	MBOX_SU_ARCHIVE = 1 << 4,
	MBOX_SU_ALL = 1 << 5,
	MBOX_SU_FLAGGED = 1 << 6,
};

struct store_mailbox {
	uint64_t id;     /* never reused */
	uint64_t bal_id;
	char name[STORE_MBOX_NAME_MAX + 1]; /* UTF-8, '/' separates levels; "INBOX" */
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	unsigned special_use; /* enum store_special_use bits */
	bool subscribed;
	uint32_t messages; /* current count */
	uint32_t unseen;   /* messages without \Seen */
	uint64_t bytes;    /* sum of message sizes */
};

/* Creates a mailbox (UIDVALIDITY from the clock, UIDNEXT 1, modseq 1). */
int store_mailbox_create(struct store_txn *txn, uint64_t bal_id, const char *name,
			 unsigned special_use, struct store_mailbox *mb_r);
int store_mailbox_get(struct store_txn *txn, uint64_t bal_id, const char *name,
		      struct store_mailbox *mb_r);
int store_mailbox_get_by_id(struct store_txn *txn, uint64_t mailbox_id, struct store_mailbox *mb_r);
/* Keeps the id, UIDVALIDITY and messages. STORE_E_EXISTS if new_name is taken. */
int store_mailbox_rename(struct store_txn *txn, uint64_t mailbox_id, const char *new_name);
/* Expunges every message (quota credited) and removes the mailbox. */
int store_mailbox_delete(struct store_txn *txn, uint64_t mailbox_id);
int store_mailbox_set_subscribed(struct store_txn *txn, uint64_t mailbox_id, bool on);
/* Subscriptions of names that are no mailbox: a deleted mailbox stays
 * subscribed (RFC 9051 section 6.3.9, RFC 5258 \NonExistent) until it is
 * unsubscribed or created again; the caller moves the subscription between
 * here and the mailbox record. get: 1 kept, 0 not. each: in key order. */
int store_sub_orphan_set(struct store_txn *txn, uint64_t bal_id, const char *name, bool on);
int store_sub_orphan_get(struct store_txn *txn, uint64_t bal_id, const char *name);
int store_sub_orphan_each(struct store_txn *txn, uint64_t bal_id,
			  int (*fn)(void *arg, const char *name), void *arg);
/* Each mailbox of the BAL in name order. */
int store_mailbox_each(struct store_txn *txn, uint64_t bal_id,
		       int (*fn)(void *arg, const struct store_mailbox *mb), void *arg);

/* Keyword name <-> index (0..63) within one mailbox. With create, a new name
 * gets the next free index (STORE_E_LIMIT past 64). Lookup is
 * case-insensitive (RFC 3501 flags are). */
int store_keyword_index(struct store_txn *txn, uint64_t mailbox_id, const char *name, bool create,
			unsigned *idx_r);
/* Name of keyword idx; 1 found, 0 not; name_r must hold 256 bytes. */
int store_keyword_name(struct store_txn *txn, uint64_t mailbox_id, unsigned idx, char *name_r);

/* ---------------------------------------------------------------- blobs */

/* Message bytes are stored once, in chunks of STORE_CHUNK_SIZE, with a parsed
 * summary (opaque to the store) beside them, and reference-counted: each
 * message that lists the blob holds one reference. */
#define STORE_CHUNK_SIZE (256 * 1024)

/* Writes a new blob with reference count 0. It must be referenced by
 * store_msg_append in the same transaction, or it is freed at commit. */
int store_blob_put(struct store_txn *txn, const void *data, size_t len, const void *summary,
		   size_t summary_len, uint64_t *blob_id_r);
/* Size, reference count, and the summary (borrowed: valid until the txn ends). */
int store_blob_info(struct store_txn *txn, uint64_t blob_id, uint64_t *size_r, uint32_t *refs_r,
		    const void **summary_r, size_t *summary_len_r);
/* Copies up to len bytes from offset into out; *got_r is how many. */
int store_blob_read(struct store_txn *txn, uint64_t blob_id, uint64_t offset, void *out, size_t len,
		    size_t *got_r);

/* ---------------------------------------------------------------- messages */

enum store_flag {
	MSG_SEEN = 1 << 0,
	MSG_ANSWERED = 1 << 1,
	MSG_FLAGGED = 1 << 2,
	MSG_DELETED = 1 << 3,
	MSG_DRAFT = 1 << 4,
};

struct store_msg {
	uint64_t mailbox_id;
	uint32_t uid;
	uint64_t blob_id;
	uint32_t flags;    /* enum store_flag bits */
	uint64_t keywords; /* bit i = keyword index i */
	int64_t internal_date; /* unix seconds */
	int64_t save_date;     /* unix seconds */
	uint64_t size;
	uint64_t modseq;
	bool uncharged; /* a quota alert: not counted in the BAL's quota */
};

enum store_append_opt {
	STORE_APPEND_QUOTA = 1 << 0, /* refuse with STORE_E_QUOTA past the BAL's quota */
	/* A quota alert: never refused, not counted in the quota (the message
	 * is marked uncharged; expunging it credits nothing). Its size still
	 * counts in the mailbox's bytes (STATUS SIZE). */
	STORE_APPEND_UNCHARGED = 1 << 1,
};

/* Lists blob_id in the mailbox under the next UID with a new modseq; takes a
 * reference on the blob; updates mailbox counters and the BAL's quota in the
 * same transaction. internal_date 0 means now. */
int store_msg_append(struct store_txn *txn, uint64_t mailbox_id, uint64_t blob_id, uint32_t flags,
		     uint64_t keywords, int64_t internal_date, unsigned opts, struct store_msg *msg_r);
int store_msg_get(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid, struct store_msg *msg_r);
/* Each message with uid >= uid_from in UID order; fn returns non-zero to stop. */
int store_msg_each(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid_from,
		   int (*fn)(void *arg, const struct store_msg *msg), void *arg);
/* Replaces flags and keywords; bumps the message's modseq (and the mailbox's
 * HIGHESTMODSEQ) only when something changed. unchanged_since (CONDSTORE):
 * when non-zero and the message's modseq is greater, nothing is changed and
 * STORE_E_EXISTS is returned. */
int store_msg_set_flags(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid, uint32_t flags,
			uint64_t keywords, uint64_t unchanged_since, struct store_msg *msg_r);
/* Removes the message, releases its blob reference, credits the quota and
 * records the expunge at a new modseq (for QRESYNC VANISHED). */
int store_msg_expunge(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid);
/* Lists the same blob in dst_mailbox (new UID, same flags, keywords mapped by
 * name), with quota accounting on the destination's BAL: the copy is charged
 * (STORE_APPEND_UNCHARGED is ignored), even of a quota alert. */
int store_msg_copy(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid, uint64_t dst_mailbox_id,
		   unsigned opts, struct store_msg *msg_r);
/* MOVE (RFC 6851): store_msg_copy, then store_msg_expunge of the source.
 * Within one BAL its usage does not change, so the quota is neither checked
 * nor touched (no refusal, no alert level re-armed) and the copy keeps the
 * source's charge. Between BALs: a charged copy (opts as for copy), then
 * the expunge. */
int store_msg_move(struct store_txn *txn, uint64_t mailbox_id, uint32_t uid, uint64_t dst_mailbox_id,
		   unsigned opts, struct store_msg *msg_r);

/* Changes since modseq, in modseq order: fn gets the UID, its modseq and
 * whether it was expunged. */
int store_changes_since(struct store_txn *txn, uint64_t mailbox_id, uint64_t modseq,
			int (*fn)(void *arg, uint32_t uid, uint64_t modseq, bool expunged),
			void *arg);

/* ---------------------------------------------------------------- local delivery */

/* One message into the INBOX of several local BALs (SMTP DATA): the bytes
 * are stored once as one blob that each stored copy references; each
 * recipient is checked and gets its own outcome; quota refusals and alerts
 * follow the rules of the quota section, in the same transaction. */
enum store_dlv_status {
	DLV_STORED = 1,    /* listed in the BAL's INBOX */
	DLV_UNKNOWN = 2,   /* no BAL at that address (SMTP 550 5.1.1) */
	DLV_SUSPENDED = 3, /* the BAL is suspended or its deletion requested (550 5.2.1) */
	DLV_OVERQUOTA = 4, /* the message would pass the BAL's quota (552 5.2.2) */
};

struct store_dlv_rcpt {
	const char *address; /* in: the BAL's address, any case */
	/* out (reset by store_deliver) */
	enum store_dlv_status status;
	uint64_t bal_id; /* 0 when unknown */
	uint32_t uid;    /* DLV_STORED: its UID in the INBOX */
	unsigned alert;  /* quota alert level this delivery sent to the BAL, 0 none */
};

struct store_delivery {
	const void *data; /* the message */
	size_t len;
	const void *summary; /* its parsed summary (opaque to the store) */
	size_t summary_len;
	int64_t internal_date; /* 0: now */
	uint32_t flags;        /* enum store_flag bits of every copy */
	struct store_dlv_rcpt *rcpts;
	size_t n_rcpts;
	const struct store_alerter *alerter; /* NULL: no alerts */
	/* out */
	uint64_t blob_id; /* the blob, 0 when no recipient got the message */
	size_t n_stored;  /* recipients with DLV_STORED */
};

/* Delivers d into each recipient's INBOX. A BAL listed twice gets one copy
 * (both entries report it; the alert on the first). Returns 0 whatever the
 * recipients' outcomes (the caller's apply returns 0 to keep what was
 * stored, refusal alerts included), or a store error (nothing to keep). */
int store_deliver(struct store_txn *txn, struct store_delivery *d);

/* ---------------------------------------------------------------- delegation */

/* A BAL grants another BAL's user rights on it (RFC 4314 letters), on the
 * whole BAL (mailbox_id 0) or on one mailbox; a per-mailbox grant replaces
 * the whole-BAL grant for that mailbox. The owner (grantee == BAL) always
 * has every right. Grants go with either BAL, and with their mailbox. */
enum store_right {
	RIGHT_LOOKUP = 1 << 0,  /* l: LIST shows the mailbox */
	RIGHT_READ = 1 << 1,    /* r: SELECT, EXAMINE, STATUS, FETCH, SEARCH, COPY from */
	RIGHT_SEEN = 1 << 2,    /* s: keep \Seen */
	RIGHT_WRITE = 1 << 3,   /* w: other flags and keywords */
	RIGHT_INSERT = 1 << 4,  /* i: APPEND, COPY/MOVE into */
	RIGHT_POST = 1 << 5,    /* p: send as the BAL (SMTP submission) */
	RIGHT_CREATE = 1 << 6,  /* k: CREATE, RENAME into */
	RIGHT_DELMBOX = 1 << 7, /* x: DELETE, RENAME from */
	RIGHT_DELMSG = 1 << 8,  /* t: set \Deleted */
	RIGHT_EXPUNGE = 1 << 9, /* e: EXPUNGE */
	RIGHT_ADMIN = 1 << 10,  /* a: change the rights (SETACL ...) */
};
#define STORE_RIGHTS_ALL 0x7ffu
#define STORE_RIGHTS_LETTERS "lrswipkxtea" /* bit i is letter i */
#define STORE_RIGHTS_MAX 11                /* letters in a rights string */

/* Parses rights letters (each of STORE_RIGHTS_LETTERS, any order, repeats
 * allowed) into bits. STORE_E_INVALID for an empty string or another
 * letter; *bad_r (may be NULL) is then the offending character or 0. */
int store_rights_parse(const char *s, unsigned *rights_r, char *bad_r);
/* Writes the letters of rights in canonical order into out (12 bytes). */
void store_rights_format(unsigned rights, char *out);

struct store_deleg {
	uint64_t bal_id;     /* the BAL whose content is shared */
	uint64_t grantee_id; /* the BAL whose user gets the rights */
	uint64_t mailbox_id; /* 0: the whole BAL */
	unsigned rights;     /* enum store_right bits; 0 only on a mailbox (no
	                      * rights there whatever the whole-BAL grant says) */
};

/* Creates or replaces a grant. STORE_E_INVALID (why_r) for self-delegation
 * or bad rights (none on the whole BAL), STORE_E_NOTFOUND when a BAL or the mailbox (of bal_id)
 * does not exist. */
int store_deleg_set(struct store_txn *txn, const struct store_deleg *g, const char **why_r);
/* Removes a grant; STORE_E_NOTFOUND when there was none. */
int store_deleg_remove(struct store_txn *txn, uint64_t bal_id, uint64_t grantee_id,
                       uint64_t mailbox_id);
/* Each grant of bal_id (0: every grant) in (bal, grantee, mailbox) order. */
int store_deleg_each(struct store_txn *txn, uint64_t bal_id,
                     int (*fn)(void *arg, const struct store_deleg *g), void *arg);
/* The rights of grantee on a mailbox of bal_id (mailbox_id 0: on the BAL
 * itself, i.e. its whole-BAL grant): all for the owner, else the
 * mailbox's own grant when there is one, else the whole-BAL grant, else 0. */
int store_deleg_rights(struct store_txn *txn, uint64_t grantee_id, uint64_t bal_id,
                       uint64_t mailbox_id, unsigned *rights_r);
/* The union of every grant of bal_id to grantee (all for the owner). */
int store_deleg_rights_any(struct store_txn *txn, uint64_t grantee_id, uint64_t bal_id,
                           unsigned *rights_r);
/* "May BAL grantee send as BAL bal_id": 1 with the post right on the BAL
 * (its whole-BAL grant) or for the owner, 0 if not. */
int store_deleg_may_post(struct store_txn *txn, uint64_t grantee_id, uint64_t bal_id);

/* Accesses to a BAL by a delegate, for its owner (balisectl delegate log). */
#define STORE_PROTO_MAX 15
struct store_deleg_access {
	uint64_t bal_id;
	uint64_t grantee_id;
	char grantee[STORE_ADDR_MAX + 1]; /* address at the time */
	int64_t time;                     /* unix seconds; 0 at add: now */
	char protocol[STORE_PROTO_MAX + 1]; /* "imap", "submission" ... */
};

int store_deleg_log_add(struct store_txn *txn, struct store_deleg_access *a);
/* Each access to bal_id at or after since, in time order. */
int store_deleg_log_each(struct store_txn *txn, uint64_t bal_id, int64_t since,
                         int (*fn)(void *arg, const struct store_deleg_access *a), void *arg);

/* ---------------------------------------------------------------- outbound queue */

/* Mail waiting to leave for another operator: the envelope, the DSN
 * parameters (RFC 3461) and each recipient's progress, with one reference on
 * the blob that holds the message. Entries are keyed by a queue id (never
 * reused) and indexed by next attempt time, so that the runner walks the due
 * entries in order. Strings are UTF-8 without control characters; limits in
 * bytes, each refused with STORE_E_INVALID and a why text. */
#define STORE_QADDR_MAX 256        /* return path, recipient, ORCPT value */
#define STORE_QORCPT_TYPE_MAX 32   /* ORCPT address type ("rfc822", "utf-8") */
#define STORE_QENVID_MAX 100       /* ENVID (RFC 3461 4.4) */
#define STORE_QENH_MAX 15          /* enhanced status code ("4.4.1") */
#define STORE_QTEXT_MAX 512        /* last reply text, remote host */
#define STORE_QRCPTS_MAX 1000      /* recipients of one entry */
#define STORE_QEXPIRY_DEFAULT (5 * 86400) /* seconds after arrival when expires is 0 */

enum store_qret { QRET_UNSET = 0, QRET_FULL = 1, QRET_HDRS = 2 };

/* NOTIFY bits; 0 means the parameter was not given (RFC 3461 4.1: then a
 * failure, and possibly a delay, is reported). NEVER excludes the others. */
enum store_qnotify {
	QNOTIFY_NEVER = 1 << 0,
	QNOTIFY_SUCCESS = 1 << 1,
	QNOTIFY_FAILURE = 1 << 2,
	QNOTIFY_DELAY = 1 << 3,
};

/* A recipient's state. PENDING and DELAY_NOTIFIED are still to be tried;
 * DELIVERED, RELAYED (to a server without DSN) and FAILED are final. */
enum store_qrcpt_state {
	QRCPT_PENDING = 1,
	QRCPT_DELIVERED = 2,
	QRCPT_RELAYED = 3,
	QRCPT_FAILED = 4,
	QRCPT_DELAY_NOTIFIED = 5,
};

/* The last reply for a recipient; code 0 when none came (e.g. no
 * connection: text says why). */
struct store_qreply {
	unsigned code;                     /* 200..599, or 0 */
	char enhanced[STORE_QENH_MAX + 1]; /* "5.1.1", or "" */
	char text[STORE_QTEXT_MAX + 1];
	char host[STORE_QTEXT_MAX + 1];    /* remote host that answered, or "" */
};

struct store_qrcpt {
	char address[STORE_QADDR_MAX + 1];
	char orcpt_type[STORE_QORCPT_TYPE_MAX + 1]; /* "" when no ORCPT was given */
	char orcpt[STORE_QADDR_MAX + 1];            /* ORCPT value, xtext decoded */
	unsigned notify;                            /* enum store_qnotify bits */
	enum store_qrcpt_state state;
	uint32_t attempts;
	int64_t last_attempt; /* unix seconds, 0 = never */
	struct store_qreply reply;
};

struct store_qentry {
	uint64_t id;                            /* assigned by store_queue_add */
	char return_path[STORE_QADDR_MAX + 1];  /* "" is the null sender <> */
	char envid[STORE_QENVID_MAX + 1];       /* "" when not given */
	enum store_qret ret;
	int64_t arrival;      /* unix seconds; 0 at add means now */
	uint64_t bal_id;      /* submitting BAL, 0 for mail from another operator */
	uint64_t blob_id;     /* the message; the entry holds one reference */
	int64_t next_attempt; /* 0 at add means at arrival (due at once) */
	uint32_t attempts;    /* delivery attempts of the entry */
	int64_t expires;      /* give-up time; 0 at add: arrival + STORE_QEXPIRY_DEFAULT */
	size_t n_rcpts;
	struct store_qrcpt *rcpts;
};

const char *store_qrcpt_state_name(enum store_qrcpt_state s); /* "pending", "delivered", ... */
bool store_qrcpt_state_final(enum store_qrcpt_state s);
const char *store_qret_name(enum store_qret r); /* "FULL", "HDRS", or "" when unset */

/* Validates e and stores it with every recipient PENDING and no attempt,
 * takes a reference on e->blob_id (STORE_E_NOTFOUND when it does not exist:
 * a blob put in the same transaction is fine), and sets e->id and the times
 * left at 0. */
int store_queue_add(struct store_txn *txn, struct store_qentry *e, const char **why_r);
/* 1 found (e_r->rcpts allocated: free with store_queue_entry_free), 0 not. */
int store_queue_get(struct store_txn *txn, uint64_t id, struct store_qentry *e_r);
void store_queue_entry_free(struct store_qentry *e);
/* Each entry in id order, or each entry whose next attempt is at or before
 * now in (next attempt, id) order. The entry passed to fn lives until fn
 * returns; fn returns non-zero to stop. Unreadable records are logged and
 * skipped (store_check reports them). */
int store_queue_each(struct store_txn *txn, int (*fn)(void *arg, const struct store_qentry *e),
                     void *arg);
int store_queue_each_due(struct store_txn *txn, int64_t now,
                         int (*fn)(void *arg, const struct store_qentry *e), void *arg);
/* Entries in the queue. */
int store_queue_count(struct store_txn *txn, uint64_t *n_r);

/* One recipient's outcome in an attempt: its index in the entry's rcpts and
 * its new state. PENDING or DELAY_NOTIFIED is a temporary failure (a
 * recipient already delay-notified stays so on PENDING). */
struct store_qresult {
	size_t rcpt;
	enum store_qrcpt_state state;
	struct store_qreply reply;
};

/* Records an attempt made at now: each listed recipient gets its state, the
 * reply, one more attempt and last_attempt = now; the entry one more
 * attempt. Then the entry is deleted (blob released, *deleted_r true) when
 * every recipient is final, else rescheduled at next_attempt (> 0).
 * STORE_E_INVALID (why_r) for an index out of range, a recipient listed
 * twice or already final, a bad state or an over-long reply. */
int store_queue_attempt(struct store_txn *txn, uint64_t id, int64_t now,
                        const struct store_qresult *res, size_t n_res, int64_t next_attempt,
                        bool *deleted_r, const char **why_r);
/* Makes the entry due at now (balisectl queue retry). */
int store_queue_retry(struct store_txn *txn, uint64_t id, int64_t now);
/* Removes the entry and releases its blob reference. */
int store_queue_delete(struct store_txn *txn, uint64_t id);

/* ---------------------------------------------------------------- lifecycle */

/* Sent purge (CNIL): the messages of the BAL's \Sent mailboxes whose
 * internal date (the sending date the client gave at APPEND) is before
 * `before` are expunged: quota credited, expunge recorded for QRESYNC, the
 * mailbox touched (on_commit wakes IMAP sessions), blobs released, all in
 * txn. dry_run (any txn) only counts. r gets how many and their bytes. */
struct store_purge {
	uint64_t messages, bytes;
};
int store_sent_purge(struct store_txn *txn, uint64_t bal_id, int64_t before, bool dry_run,
                     struct store_purge *r);

/* A successful login at now (IMAP, submission, ManageSieve, delegated too):
 * records last_login, at most once per STORE_LOGIN_GRAIN seconds, and
 * clears inactivity_warned (a login objects to the announced action).
 * store_bal_login_due tells, from a BAL just read, whether the call would
 * write anything, so callers queue a write only then. */
#define STORE_LOGIN_GRAIN 60
int store_bal_login(struct store_txn *txn, uint64_t bal_id, int64_t now);
bool store_bal_login_due(const struct store_bal *bal, int64_t now);
/* The later of last_login and created: the start of a BAL's inactivity. */
int64_t store_bal_last_activity(const struct store_bal *bal);

/* Deletion requests (EX_GBM_6021): a professional who leaves asks for the
 * BAL to be deleted; the operator approves (the BAL is deleted) or rejects.
 * Only a PER BAL's holder or a CAB BAL's responsible holder may ask (ORG
 * and APP BALs belong to a structure: refused). Creating one sets the BAL's
 * state to deletion-requested (deliveries refused; logins still work so
 * that the holder reads the acknowledgement and takes their mail away);
 * rejecting restores the state it had. At most one pending request per BAL. */
#define STORE_DELREQ_TEXT_MAX 1000
enum store_delreq_state { DELREQ_PENDING = 1, DELREQ_APPROVED = 2, DELREQ_REJECTED = 3 };

struct store_delreq {
	uint64_t id; /* assigned by store_delreq_create, never reused */
	uint64_t bal_id;
	char address[STORE_ADDR_MAX + 1];
	char requested_by[STORE_IDNAT_MAX + 1]; /* idNat with its type prefix */
	char reason[STORE_DELREQ_TEXT_MAX + 1];
	char contact[STORE_ADDR_MAX + 1]; /* "" when none */
	int64_t created;
	enum store_delreq_state state;
	int64_t decided; /* 0 while pending */
	char decision[STORE_DELREQ_TEXT_MAX + 1]; /* rejection reason, or "" */
	uint8_t prev_state; /* the BAL's state before the request */
};

const char *store_delreq_state_name(enum store_delreq_state s); /* pending, approved, rejected */
/* r: bal_id, requested_by (any idNat form: "8" + RPPS, or the 11-digit
 * RPPS), reason (non-empty), contact, created (0: now). Checks the rules
 * above (STORE_E_INVALID and why), then records it and sets r->id,
 * address and prev_state. */
int store_delreq_create(struct store_txn *txn, struct store_delreq *r, const char **why_r);
int store_delreq_get(struct store_txn *txn, uint64_t id, struct store_delreq *r_r);
int store_delreq_each(struct store_txn *txn, int (*fn)(void *arg, const struct store_delreq *r),
                      void *arg);
/* Approves a pending request: deletes the BAL (store_bal_delete: the
 * address stays retired for its holder). STORE_E_INVALID (why) when the
 * request is not pending. A BAL already deleted (bal delete) is no error:
 * the request is recorded as approved. */
int store_delreq_approve(struct store_txn *txn, uint64_t id, int64_t now, const char **why_r);
/* Rejects a pending request with a reason; the BAL's state is restored. */
int store_delreq_reject(struct store_txn *txn, uint64_t id, int64_t now, const char *reason,
                        const char **why_r);

/* Wiping deleted bytes. LMDB is copy-on-write: deleted records stay in
 * freed pages and in the unused parts of live pages. store_compact rewrites
 * every record of the environment at dir into a fresh file (record by
 * record, so no stale byte follows), fsyncs it, and swaps it in atomically:
 * the old file is hard-linked aside, the new one renamed over data.mdb, the
 * directory fsynced, then the old file overwritten with zeros, fsynced and
 * unlinked. Refused (STORE_E_INVALID) while another process has the
 * environment open (balised must be stopped). A data.mdb.old left by a
 * crash is wiped first. Sizes before and after in *before_r, *after_r. */
int store_compact(const char *dir, uint64_t *before_r, uint64_t *after_r, const char **why_r);

/* A consistent hot copy of the open environment into dir/data.mdb, safe
 * while balised runs (one read transaction, so one committed state; message
 * bytes included), compacted (MDB_CP_COMPACT: no free pages; deleted bytes
 * may remain in live pages, as in the store itself), mode 0600, fsynced.
 * dir is created (0700; its parent must exist) or must be an empty
 * directory: a backup never overwrites (STORE_E_INVALID, why). A failed
 * copy leaves nothing behind. The file's size in *bytes_r. Restoring is
 * putting that data.mdb in an empty data_dir (docs/runbook.md). */
int store_backup(struct store *store, const char *dir, uint64_t *bytes_r, const char **why_r);

/* A French lifecycle notice from postmaster@ the BAL's domain (text built
 * with common/templates_fr.h), stored uncharged in the BAL's INBOX and,
 * when contact is set, in that BAL's INBOX if it is local, else queued for
 * the outbound runner with the null return path (*queued_r true). */
struct store_notice {
	const struct store_bal *bal;
	const char *kind; /* "delreq", "inactivity": part of the Message-ID */
	const char *subject;
	struct slice text;
	const char *contact; /* "" or NULL: none */
	int64_t date;
	const char *host; /* right side of the Message-ID */
};
int store_notice_put(struct store_txn *txn, const struct store_notice *n, bool *queued_r);

/* One trace line of a lifecycle action ("audit event=E by=WHO k=v ..."):
 * counts, sizes, ids and addresses, never a subject or a body. Written at
 * warn level so that no log_level hides it; the audit issue will route
 * these to the audit table. */
void store_audit(const char *by, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The daily lifecycle jobs (balised's timer; balisectl with its own clock).
 * One write request per BAL, each traced with store_audit under `by`. They
 * wait for the writer: never call them on an event loop thread.
 *   - Sent purge: each BAL with a sent_retention gets store_sent_purge of
 *     what was sent more than that many days before now.
 *   - Inactivity (CNIL): an active BAL whose last activity (last login, or
 *     creation) is warn_after seconds old or more, and not yet warned, gets
 *     the French notice (store_notice_put: INBOX and contact) and
 *     inactivity_warned = now. notice seconds after the warning, still
 *     without login (a login clears the mark, store_bal_login), the action
 *     applies: none (nothing more), suspend (state suspended), delete (never
 *     done here: traced as due, for the operator to decide with
 *     bal inactive and bal delete). */
struct store_jobstat {
	uint64_t bals, messages, bytes;   /* Sent purge */
	uint64_t warned, suspended, due;  /* inactivity */
};
enum store_inact_action { INACT_NONE = 0, INACT_SUSPEND = 1, INACT_DELETE = 2 };
struct store_inact_policy {
	int64_t warn_after; /* seconds without login before the warning */
	int64_t notice;     /* seconds between the warning and the action */
	enum store_inact_action action;
	const char *host;   /* right side of the notices' Message-ID */
};
const char *store_inact_action_name(enum store_inact_action a); /* none, suspend, delete */
int store_inact_action_parse(const char *s);                   /* -1 when unknown */
int store_job_sent_purge(struct store *s, int64_t now, const char *by, struct store_jobstat *st);
int store_job_inactivity(struct store *s, const struct store_inact_policy *pol, int64_t now,
                         const char *by, struct store_jobstat *st);

/* ---------------------------------------------------------------- Sieve */

/* Each BAL's Sieve scripts (RFC 5228), managed by ManageSieve (RFC 5804)
 * and balisectl: the text as uploaded and its compiled form (opaque bytes
 * with the compiler's format version, so that a newer compiler recompiles
 * older forms), at most one active script per BAL. Names are RFC 5804
 * section 1.6 names: UTF-8 without controls (U+0000-001F, U+007F-009F) nor
 * U+2028/2029, 1 to STORE_SIEVE_NAME_MAX bytes. HAVESPACE limits are per
 * BAL: the number of scripts and the total bytes of their texts. */
#define STORE_SIEVE_NAME_MAX 128
#define STORE_SIEVE_SCRIPT_MAX (256 * 1024)       /* text of one script */
#define STORE_SIEVE_COMPILED_MAX (4 * 1024 * 1024) /* compiled form of one */
#define STORE_SIEVE_SCRIPTS_MAX 32                 /* scripts of one BAL */
#define STORE_SIEVE_TOTAL_MAX (1024 * 1024)        /* text bytes of one BAL */

/* Which HAVESPACE limit refused (RFC 5804 response codes). */
enum store_sieve_space {
	SIEVE_SPACE_OK = 0,
	SIEVE_SPACE_MAXSCRIPTS = 1, /* QUOTA/MAXSCRIPTS */
	SIEVE_SPACE_MAXSIZE = 2,    /* QUOTA/MAXSIZE: the script or the total */
};

/* A script as listed, or read (text and compiled borrowed from the txn:
 * valid until it ends; both empty in listings). */
struct store_sieve {
	char name[STORE_SIEVE_NAME_MAX + 1];
	bool active;
	int64_t updated; /* unix seconds of the last put or rename */
	uint32_t compiled_version;
	struct slice text;
	struct slice compiled;
	uint32_t text_len, compiled_len; /* also set in listings */
};

/* 0, or STORE_E_INVALID with *why_r when name is no valid script name. */
int store_sieve_name_check(const char *name, const char **why_r);
/* Whether a script of size text bytes named name fits the BAL's limits
 * (replacing the script of that name when it exists): 0, or STORE_E_QUOTA
 * with *space_r (may be NULL) and *why_r saying which limit. */
int store_sieve_space(struct store_txn *txn, uint64_t bal_id, const char *name, uint64_t size,
                      enum store_sieve_space *space_r, const char **why_r);
/* Scripts and text bytes of a BAL. */
int store_sieve_usage(struct store_txn *txn, uint64_t bal_id, uint32_t *count_r,
                      uint64_t *bytes_r);
/* Stores (or replaces: an active script stays active) a script with its
 * compiled form, which the caller made from this very text. now 0: the
 * clock. STORE_E_NOTFOUND without BAL, STORE_E_INVALID for a bad name or an
 * empty or over-long text or compiled form, STORE_E_QUOTA past a limit
 * (space_r as above); why_r says which. */
int store_sieve_put(struct store_txn *txn, uint64_t bal_id, const char *name, struct slice text,
                    uint32_t compiled_version, struct slice compiled, int64_t now,
                    enum store_sieve_space *space_r, const char **why_r);
/* 1 found (s_r filled, text and compiled borrowed), 0 not, <0 error. */
int store_sieve_get(struct store_txn *txn, uint64_t bal_id, const char *name,
                    struct store_sieve *s_r);
/* The active script of the BAL, as store_sieve_get; 0 when none. */
int store_sieve_get_active(struct store_txn *txn, uint64_t bal_id, struct store_sieve *s_r);
/* Each script of the BAL in name (byte) order, without text. */
int store_sieve_each(struct store_txn *txn, uint64_t bal_id,
                     int (*fn)(void *arg, const struct store_sieve *s), void *arg);
/* Makes name the BAL's only active script; NULL or "" deactivates every
 * script. STORE_E_NOTFOUND when there is no such script. */
int store_sieve_set_active(struct store_txn *txn, uint64_t bal_id, const char *name);
/* Deletes a script. STORE_E_INVALID while it is active (RFC 5804
 * DELETESCRIPT answers NO (ACTIVE)): deactivate it first. */
int store_sieve_delete(struct store_txn *txn, uint64_t bal_id, const char *name,
                       const char **why_r);
/* Renames a script, keeping its active flag. STORE_E_NOTFOUND when old is
 * missing, STORE_E_EXISTS when new is taken (RFC 5804 ALREADYEXISTS),
 * STORE_E_INVALID for a bad new name. old == new is a no-op. */
int store_sieve_rename(struct store_txn *txn, uint64_t bal_id, const char *old_name,
                       const char *new_name, int64_t now, const char **why_r);

/* Managed rules of a BAL (balisectl vacation and forward), run before
 * the BAL's own script: one record per BAL with the operator's settings,
 * the Sieve text generated from them and its compiled form. The strings
 * are borrowed from the txn after a get (valid until it ends); for a put
 * they are the caller's. Vacation: on, subject and message (UTF-8), first
 * and last day (YYYY-MM-DD, inclusive, "" for none) and :days. Forward:
 * on, the target address and whether a copy is kept (:copy). */
#define STORE_VACATION_SUBJECT_MAX 256        /* bytes */
#define STORE_VACATION_MESSAGE_MAX (16 * 1024) /* bytes */
#define STORE_VACATION_DAYS_MAX 30
#define STORE_DATE_LEN 10 /* YYYY-MM-DD */

struct store_sieve_managed { /* borrowed from the txn */
	struct slice text, compiled;
	uint32_t compiled_version;
	int64_t updated; /* unix seconds of the last put */
	bool vacation;
	struct slice vacation_subject, vacation_message;
	char vacation_from[STORE_DATE_LEN + 1], vacation_until[STORE_DATE_LEN + 1];
	uint32_t vacation_days;
	bool forward, forward_keep_copy;
	char forward_to[STORE_ADDR_MAX + 1];
};

/* 1 found, 0 none, <0 error */
int store_sieve_managed_get(struct store_txn *txn, uint64_t bal_id, struct store_sieve_managed *m_r);
/* Whether m is a record that can be stored: vacation or forward on, the
 * fields of each within their limits (those of a rule that is off empty),
 * from <= until, a text and a compiled form. 0, or STORE_E_INVALID with
 * *why_r. */
int store_sieve_managed_check(const struct store_sieve_managed *m, const char **why_r);
/* Stores (or replaces) the BAL's record; m->updated 0: the clock.
 * STORE_E_NOTFOUND without BAL, STORE_E_INVALID as the check above. */
int store_sieve_managed_put(struct store_txn *txn, uint64_t bal_id,
                            const struct store_sieve_managed *m, const char **why_r);
/* Removes the BAL's record: 0, or STORE_E_NOTFOUND when there is none. */
int store_sieve_managed_delete(struct store_txn *txn, uint64_t bal_id);
/* 0 when s is a calendar date written YYYY-MM-DD, else STORE_E_INVALID. */
int store_date_check(const char *s);

/* Vacation memory (RFC 5230 section 4.2, RE_GBM_4470): one record per BAL
 * and (sender, handle), keyed by the SHA-256 of the lower-cased sender, a
 * NUL and the handle (no address is stored in clear). Check and record in
 * one write txn: *allowed_r true when no reply went to that sender with
 * that handle less than period seconds before now (period 0: always);
 * then the reply time is recorded. The record expires at now + period. */
int store_vacation_check_set(struct store_txn *txn, uint64_t bal_id, const char *sender,
                             const char *handle, int64_t now, int64_t period, bool *allowed_r);

/* Duplicate memory (RFC 7352): one record per BAL and (handle, value),
 * keyed by the SHA-256 of the handle, a NUL and the value (e.g. the
 * Message-ID), with an expiry time. seen: 1 when a record exists that
 * has not expired at now, else 0 (any txn). record (after the script ran
 * successfully, section 3): a new or expired record gets now + seconds;
 * an existing one keeps its expiry unless last (the :last tag). */
int store_duplicate_seen(struct store_txn *txn, uint64_t bal_id, const char *handle,
                         struct slice value, int64_t now);
int store_duplicate_record(struct store_txn *txn, uint64_t bal_id, const char *handle,
                           struct slice value, int64_t now, int64_t seconds, bool last);

/* Removes vacation and duplicate records expired at now (the daily job);
 * *removed_r (may be NULL) counts them. */
int store_sieve_memory_prune(struct store_txn *txn, int64_t now, uint64_t *removed_r);
/* The same as one write request (balised's daily job; waits for the
 * writer: never on an event loop thread). */
int store_job_sieve_prune(struct store *s, int64_t now, uint64_t *removed_r);

#endif
