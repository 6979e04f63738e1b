/* SPDX-License-Identifier: ISC */
/* Password checks for IMAP (and later submission and ManageSieve): the BAL
 * is read on the loop, argon2id runs on the libuv thread pool, successes
 * are cached under HMAC-SHA256(process key, address NUL password), and
 * failures are answered late (uv_timer), longer with each failure. A check
 * identical to one whose argon2 is in flight (same key, same stored hash:
 * a mass reconnect of one user) waits for that one's result instead of
 * running argon2 again. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "util.h"

#define AUTH_KEY_LEN 32
#define AUTH_ADDR_KEY_MAX 64

struct cache_entry {
	struct cache_entry *next;
	uint8_t key[AUTH_KEY_LEN];
	char hash[STORE_HASH_MAX + 1]; /* the stored hash the password matched */
	int64_t expires;
};

struct fail_entry {
	struct fail_entry *next;
	char key[STORE_ADDR_MAX + 8]; /* "a:" address or "p:" peer address */
	unsigned fails;
	int64_t last;
};

struct auth {
	uv_loop_t *loop;
	struct store *store;
	uint64_t ttl;
	uint8_t key[AUTH_KEY_LEN];
	char dummy_hash[PWHASH_ENCODED_MAX + 1];
	struct cache_entry *cache[AUTH_TABLE_BUCKETS];
	size_t n_cache;
	struct fail_entry *fails[AUTH_TABLE_BUCKETS];
	struct auth_req *inflight[AUTH_TABLE_BUCKETS]; /* argon2 running, by key */
	uint64_t hash_count;
	uint64_t merged_count;
	unsigned fail_base_ms, fail_max_ms;
};

struct auth_req {
	struct auth *a;
	uv_work_t work;
	uv_timer_t timer;
	struct store_bal bal;
	bool found;
	char address[STORE_ADDR_MAX + 1];
	char peer[AUTH_ADDR_KEY_MAX];
	char log_id[32];
	uint8_t *pw;
	size_t pwlen;
	uint8_t key[AUTH_KEY_LEN];
	int verified; /* pwhash_verify's result */
	enum auth_result result;
	auth_done_fn *done;
	void *arg;
	/* Running argon2 for key: listed in a->inflight; the identical checks
	 * that arrived meanwhile wait on it (waiters) for its result. */
	bool leader;
	struct auth_req *inflight_next;
	struct auth_req *waiters;
	struct auth_req *waiter_next;
};

struct last_login {
	struct store_wreq req;
	uint64_t bal_id;
	int64_t when;
};

/* ---------------------------------------------------------------- tables */

static unsigned bucket_of(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h % AUTH_TABLE_BUCKETS;
}

static struct cache_entry *cache_find(struct auth *a, const uint8_t *key, int64_t now)
{
	struct cache_entry **pp = &a->cache[bucket_of(key, AUTH_KEY_LEN)];

	while (*pp != NULL) {
		struct cache_entry *e = *pp;

		if (e->expires <= now) { /* expired: drop on the way */
			*pp = e->next;
			explicit_bzero(e, sizeof(*e));
			free(e);
			a->n_cache--;
			continue;
		}
		if (CRYPTO_memcmp(e->key, key, AUTH_KEY_LEN) == 0)
			return e;
		pp = &e->next;
	}
	return NULL;
}

static void cache_put(struct auth *a, const uint8_t *key, const char *hash, int64_t now)
{
	struct cache_entry *e;
	unsigned b;

	if (a->ttl == 0)
		return;
	e = cache_find(a, key, now);
	if (e == NULL) {
		if (a->n_cache >= AUTH_CACHE_MAX)
			return; /* full: checks simply cost argon2 again */
		e = xcalloc(1, sizeof(*e));
		memcpy(e->key, key, AUTH_KEY_LEN);
		b = bucket_of(key, AUTH_KEY_LEN);
		e->next = a->cache[b];
		a->cache[b] = e;
		a->n_cache++;
	}
	str_copy(e->hash, sizeof(e->hash), hash);
	e->expires = now + (int64_t)a->ttl;
}

/* The failure counter of key, created when create is set; NULL otherwise. */
static struct fail_entry *fail_get(struct auth *a, const char *key, bool create, int64_t now)
{
	struct fail_entry **pp = &a->fails[bucket_of(key, strlen(key))];

	while (*pp != NULL) {
		struct fail_entry *e = *pp;

		if (now - e->last > AUTH_FAIL_FORGET_S) {
			*pp = e->next;
			free(e);
			continue;
		}
		if (strcmp(e->key, key) == 0)
			return e;
		pp = &e->next;
	}
	if (!create)
		return NULL;
	struct fail_entry *e = xcalloc(1, sizeof(*e));
	str_copy(e->key, sizeof(e->key), key);
	e->next = a->fails[bucket_of(key, strlen(key))];
	a->fails[bucket_of(key, strlen(key))] = e;
	return e;
}

/* Exponential: base, 2 base, 4 base... capped. */
static unsigned fail_delay(const struct auth *a, unsigned fails)
{
	uint64_t d = a->fail_base_ms;

	for (unsigned i = 1; i < fails && d < a->fail_max_ms; i++)
		d *= 2;
	return d > a->fail_max_ms ? a->fail_max_ms : (unsigned)d;
}

/* Counts a failure for the account and the peer; returns the delay. */
static unsigned fail_record(struct auth *a, struct auth_req *q, int64_t now)
{
	char key[STORE_ADDR_MAX + 8];
	struct fail_entry *acct, *peer;

	snprintf(key, sizeof(key), "a:%s", q->address);
	acct = fail_get(a, key, true, now);
	snprintf(key, sizeof(key), "p:%s", q->peer);
	peer = fail_get(a, key, true, now);
	acct->fails++;
	peer->fails++;
	acct->last = peer->last = now;
	return fail_delay(a, acct->fails > peer->fails ? acct->fails : peer->fails);
}

static void fail_clear_account(struct auth *a, const char *address, int64_t now)
{
	char key[STORE_ADDR_MAX + 8];
	struct fail_entry *e;

	snprintf(key, sizeof(key), "a:%s", address);
	e = fail_get(a, key, false, now);
	if (e != NULL)
		e->fails = 0;
}

/* ---------------------------------------------------------------- set-up */

struct auth *auth_new(uv_loop_t *loop, struct store *store, uint64_t cache_ttl_s,
                      const struct pwhash_params *dummy)
{
	struct auth *a = xcalloc(1, sizeof(*a));
	const char *why = NULL;

	a->loop = loop;
	a->store = store;
	a->ttl = cache_ttl_s;
	a->fail_base_ms = AUTH_FAIL_BASE_MS;
	a->fail_max_ms = AUTH_FAIL_MAX_MS;
	if (RAND_bytes(a->key, sizeof(a->key)) != 1)
		fatal("auth: no randomness for the cache key");
	/* Unknown addresses are checked against this, at the usual cost. */
	if (pwhash_hash("x", 1, dummy, a->dummy_hash, sizeof(a->dummy_hash), &why) < 0)
		fatal("auth: cannot make the reference hash: %s", why);
	return a;
}

void auth_free(struct auth **ap)
{
	struct auth *a = *ap;

	if (a == NULL)
		return;
	for (size_t i = 0; i < AUTH_TABLE_BUCKETS; i++) {
		while (a->cache[i] != NULL) {
			struct cache_entry *e = a->cache[i];
			a->cache[i] = e->next;
			free(e);
		}
		while (a->fails[i] != NULL) {
			struct fail_entry *e = a->fails[i];
			a->fails[i] = e->next;
			free(e);
		}
	}
	explicit_bzero(a, sizeof(*a));
	free(a);
	*ap = NULL;
}

void auth_set_fail_delay(struct auth *a, unsigned base_ms, unsigned max_ms)
{
	a->fail_base_ms = base_ms;
	a->fail_max_ms = max_ms;
}

uint64_t auth_hash_count(const struct auth *a)
{
	return a->hash_count;
}

uint64_t auth_merged_count(const struct auth *a)
{
	return a->merged_count;
}

/* ---------------------------------------------------------------- last_login */

/* store_bal_login: last_login at most once a minute, inactivity notice
 * cancelled. The one place every protocol's login is recorded. */
static int last_login_apply(struct store_txn *txn, void *ctx)
{
	struct last_login *l = ctx;

	return store_bal_login(txn, l->bal_id, l->when);
}

static void last_login_done(void *ctx, int result)
{
	struct last_login *l = ctx;

	if (result < 0)
		log_warn("auth last_login update failed bal=%llu: %s",
		         (unsigned long long)l->bal_id, store_strerror(result));
	free(l);
}

static void last_login_queue(struct auth *a, uint64_t bal_id)
{
	struct last_login *l = xcalloc(1, sizeof(*l));

	l->bal_id = bal_id;
	l->when = time_now();
	l->req.apply = last_login_apply;
	l->req.done = last_login_done;
	l->req.ctx = l;
	store_write_async(a->store, &l->req);
}

/* ---------------------------------------------------------------- a check */

static void req_free(uv_handle_t *h)
{
	struct auth_req *q = h->data;

	q->done(q->arg, q->result, q->result == AUTH_OK ? &q->bal : NULL);
	explicit_bzero(q->bal.password_hash, sizeof(q->bal.password_hash));
	explicit_bzero(q, sizeof(*q));
	free(q);
}

static void on_delay(uv_timer_t *t)
{
	uv_close((uv_handle_t *)t, req_free);
}

/* Decides, logs, and answers after the delay. */
static void finish(struct auth_req *q)
{
	struct auth *a = q->a;
	int64_t now = time_now();
	unsigned delay = 0;

	explicit_bzero(q->pw, q->pwlen);
	free(q->pw);
	q->pw = NULL;
	if (q->verified == 1 && q->found) {
		cache_put(a, q->key, q->bal.password_hash, now);
		/* A BAL whose deletion was requested stays readable until the
		 * operator decides (EX_GBM_6021: the holder reads the
		 * acknowledgement and may take their mail away); it no longer
		 * receives. */
		q->result = q->bal.state == BAL_ACTIVE || q->bal.state == BAL_DELETION_REQUESTED
		                ? AUTH_OK
		                : AUTH_DISABLED;
	} else if (q->result != AUTH_TEMPFAIL) {
		q->result = AUTH_FAILED;
	}
	if (q->result == AUTH_OK) {
		fail_clear_account(a, q->address, now);
		if (store_bal_login_due(&q->bal, now)) /* coalesced: no write per login */
			last_login_queue(a, q->bal.id);
		log_info("%s auth ok bal=%llu", q->log_id, (unsigned long long)q->bal.id);
	} else if (q->result == AUTH_DISABLED) {
		log_info("%s auth refused bal=%llu state=%s", q->log_id,
		         (unsigned long long)q->bal.id, store_bal_state_name(q->bal.state));
	} else if (q->result == AUTH_FAILED) {
		delay = fail_record(a, q, now);
		if (q->found)
			log_warn("%s auth failed peer=%s bal=%llu delay_ms=%u", q->log_id, q->peer,
			         (unsigned long long)q->bal.id, delay);
		else
			log_warn("%s auth failed peer=%s bal=unknown delay_ms=%u", q->log_id,
			         q->peer, delay);
	}
	uv_timer_init(a->loop, &q->timer);
	q->timer.data = q;
	uv_timer_start(&q->timer, on_delay, delay, 0);
}

/* ---------------------------------------------------------------- merging */

/* The check in flight for the same key and stored hash as q, or NULL. */
static struct auth_req *inflight_find(struct auth *a, const struct auth_req *q)
{
	for (struct auth_req *l = a->inflight[bucket_of(q->key, AUTH_KEY_LEN)]; l != NULL;
	     l = l->inflight_next)
		if (CRYPTO_memcmp(l->key, q->key, AUTH_KEY_LEN) == 0 &&
		    strcmp(l->bal.password_hash, q->bal.password_hash) == 0)
			return l;
	return NULL;
}

static void inflight_add(struct auth *a, struct auth_req *q)
{
	unsigned b = bucket_of(q->key, AUTH_KEY_LEN);

	q->leader = true;
	q->inflight_next = a->inflight[b];
	a->inflight[b] = q;
}

static void inflight_del(struct auth *a, struct auth_req *q)
{
	for (struct auth_req **pp = &a->inflight[bucket_of(q->key, AUTH_KEY_LEN)]; *pp != NULL;
	     pp = &(*pp)->inflight_next) {
		if (*pp == q) {
			*pp = q->inflight_next;
			break;
		}
	}
	q->leader = false;
}

/* The leader's argon2 result, given to each waiter, which then finishes
 * as if it had run it (its own log line, failure count and delay). */
static void waiters_finish(struct auth_req *q)
{
	struct auth_req *w = q->waiters;

	q->waiters = NULL;
	while (w != NULL) {
		struct auth_req *next = w->waiter_next;

		w->verified = q->verified;
		finish(w);
		w = next;
	}
}

static void work_verify(uv_work_t *w)
{
	struct auth_req *q = w->data;
	const char *hash = q->found ? q->bal.password_hash : q->a->dummy_hash;

	q->verified = pwhash_verify(hash, (const char *)q->pw, q->pwlen);
	if (!q->found)
		q->verified = 0;
}

static void work_done(uv_work_t *w, int status)
{
	struct auth_req *q = w->data;

	(void)status;
	q->a->hash_count++;
	if (q->leader) {
		inflight_del(q->a, q);
		waiters_finish(q);
	}
	finish(q);
}

static void cache_key(const struct auth *a, struct auth_req *q)
{
	uint8_t *msg = xmalloc(sizeof(q->address) + q->pwlen + 1);
	size_t alen = strlen(q->address);
	unsigned outlen = 0;

	memcpy(msg, q->address, alen + 1); /* NUL separates address and password */
	memcpy(msg + alen + 1, q->pw, q->pwlen);
	HMAC(EVP_sha256(), a->key, sizeof(a->key), msg, alen + 1 + q->pwlen, q->key, &outlen);
	explicit_bzero(msg, alen + 1 + q->pwlen);
	free(msg);
}

static void peer_string(const struct sockaddr_storage *ss, char *out, size_t outsz)
{
	const void *src = NULL;

	if (ss != NULL && ss->ss_family == AF_INET)
		src = &((const struct sockaddr_in *)ss)->sin_addr;
	else if (ss != NULL && ss->ss_family == AF_INET6)
		src = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (src == NULL || inet_ntop(ss->ss_family, src, out, (socklen_t)outsz) == NULL)
		str_copy(out, outsz, "-");
}

/* Reads the BAL; 0 found or not, -1 storage error. */
static int read_bal(struct auth_req *q)
{
	struct store_txn *txn;
	int r = store_read_begin(q->a->store, &txn);

	if (r < 0)
		return -1;
	r = store_bal_get_by_addr(txn, q->address, &q->bal);
	store_read_end(&txn);
	q->found = r == 1;
	return r < 0 ? -1 : 0;
}

void auth_check(struct auth *a, const char *address, const uint8_t *pw, size_t pwlen,
                const struct sockaddr_storage *peer, const char *log_id, auth_done_fn *done,
                void *arg)
{
	struct auth_req *q = xcalloc(1, sizeof(*q));
	struct cache_entry *e;

	q->a = a;
	q->done = done;
	q->arg = arg;
	str_copy(q->log_id, sizeof(q->log_id), log_id);
	peer_string(peer, q->peer, sizeof(q->peer));
	if (str_copy(q->address, sizeof(q->address), address) < 0)
		q->address[0] = '\0';
	str_lower(q->address);
	q->pwlen = pwlen > AUTH_PASSWORD_MAX ? 0 : pwlen;
	q->pw = xmalloc(q->pwlen + 1);
	memcpy(q->pw, pw, q->pwlen);
	q->work.data = q;
	if (read_bal(q) < 0) {
		q->result = AUTH_TEMPFAIL;
		finish(q);
		return;
	}
	if (q->found && q->pwlen > 0 && q->bal.password_hash[0] != '\0') {
		cache_key(a, q);
		e = cache_find(a, q->key, time_now());
		/* The cache only skips argon2: the stored hash must still be the
		 * one that matched (a password change invalidates). */
		if (e != NULL && strcmp(e->hash, q->bal.password_hash) == 0) {
			q->verified = 1;
			finish(q);
			return;
		}
		struct auth_req *l = inflight_find(a, q);
		if (l != NULL) { /* the same check is running: wait for it */
			q->waiter_next = l->waiters;
			l->waiters = q;
			a->merged_count++;
			return;
		}
		inflight_add(a, q);
	} else {
		q->found = false; /* no password set, or none given: fails */
	}
	uv_queue_work(a->loop, &q->work, work_verify, work_done);
}
