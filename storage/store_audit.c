/* SPDX-License-Identifier: ISC */
/* Audit traces (see balstore.h): the record codec, the time-ordered table
 * and its BAL index, searches, JSON, and retention (deletion or keyed-hash
 * anonymisation). */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "store_int.h"
#include "util.h"

#define AUDIT_KEY_LEN 16          /* time ms, seq */
#define AUDIT_IDX_MAX (STORE_ADDR_MAX + 1 + AUDIT_KEY_LEN)
#define AUDIT_FLAG_ANON 0x01
#define AUDIT_META_KEY "audit_hmac_key"

static const char *const cat_names[STORE_AUDIT_CATS + 1] = {"", "auth", "access", "message",
                                                             "admin"};
static const char *const by_names[] = {"none", "bal", "delegate", "admin", "peer", "system"};

const char *store_audit_cat_name(enum store_audit_cat c)
{
	return c >= 1 && c <= STORE_AUDIT_CATS ? cat_names[c] : "?";
}

int store_audit_cat_parse(const char *s)
{
	for (int i = 1; i <= STORE_AUDIT_CATS; i++)
		if (strcmp(s, cat_names[i]) == 0)
			return i;
	return -1;
}

const char *store_audit_by_name(enum store_audit_by b)
{
	return (unsigned)b < sizeof(by_names) / sizeof(by_names[0]) ? by_names[b] : "?";
}

/* ---------------------------------------------------------------- codec */

/* Appends a u16-length string, cut at max bytes, controls as '?'. */
static void pack_str(struct buf *out, const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max) : 0;
	uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};

	buf_append(out, len, 2);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		buf_append(out, c < 0x20 || c == 0x7f ? (const uint8_t *)"?" : &c, 1);
	}
}

static void pack_u64(struct buf *out, uint64_t v)
{
	uint8_t b[8];

	store_be64(b, v);
	buf_append(out, b, 8);
}

/* Packed form: time ms (8 bytes), then the stored value. */
void store_audit_pack(const struct store_audit *r, struct buf *out)
{
	uint8_t head[4] = {STORE_REC_V1, (uint8_t)r->cat, (uint8_t)r->by,
	                   r->anonymised ? AUDIT_FLAG_ANON : 0};
	uint8_t port[2] = {(uint8_t)(r->port >> 8), (uint8_t)r->port};

	pack_u64(out, r->time_ms != 0 ? (uint64_t)r->time_ms : (uint64_t)time_now_ms());
	buf_append(out, head, sizeof(head));
	pack_str(out, r->action, STORE_AUDIT_ACTION_MAX);
	pack_str(out, r->actor, STORE_AUDIT_ACTOR_MAX);
	pack_str(out, r->bal, STORE_ADDR_MAX);
	pack_str(out, r->client, STORE_AUDIT_CLIENT_MAX);
	pack_str(out, r->src, STORE_AUDIT_SRC_MAX);
	buf_append(out, port, 2);
	pack_str(out, r->request, STORE_AUDIT_TEXT_MAX);
	pack_str(out, r->response, STORE_AUDIT_TEXT_MAX);
	pack_str(out, r->ref, STORE_AUDIT_REF_MAX);
	pack_str(out, r->message_id, STORE_AUDIT_MSGID_MAX);
	pack_str(out, r->sender, sizeof(r->sender) - 1);
	pack_str(out, r->rcpts, STORE_AUDIT_RCPTS_MAX);
	pack_u64(out, r->size);
}

/* Decodes a value (key already read into r); rcpts is malloc'd into
 * *rcpts_r (freed by the caller). 0 or STORE_E_IO. */
static int audit_decode(const MDB_val *val, struct store_audit *r, char **rcpts_r)
{
	struct store_dec d;
	uint8_t flags;
	uint16_t port;
	size_t n;

	store_dec_init(&d, val);
	r->cat = store_dec_u8(&d);
	r->by = store_dec_u8(&d);
	flags = store_dec_u8(&d);
	r->anonymised = (flags & AUDIT_FLAG_ANON) != 0;
	store_dec_str(&d, r->action, sizeof(r->action));
	store_dec_str(&d, r->actor, sizeof(r->actor));
	store_dec_str(&d, r->bal, sizeof(r->bal));
	store_dec_str(&d, r->client, sizeof(r->client));
	store_dec_str(&d, r->src, sizeof(r->src));
	port = (uint16_t)(store_dec_u8(&d) << 8);
	port |= store_dec_u8(&d);
	r->port = port;
	store_dec_str(&d, r->request, sizeof(r->request));
	store_dec_str(&d, r->response, sizeof(r->response));
	store_dec_str(&d, r->ref, sizeof(r->ref));
	store_dec_str(&d, r->message_id, sizeof(r->message_id));
	store_dec_str(&d, r->sender, sizeof(r->sender));
	/* recipients: u16 length, then bytes */
	n = d.pos + 2 <= d.len ? (size_t)d.p[d.pos] << 8 | d.p[d.pos + 1] : 0;
	*rcpts_r = NULL;
	if (d.pos + 2 + n > d.len) {
		d.bad = true;
	} else if (!d.bad) {
		*rcpts_r = xmalloc(n + 1);
		memcpy(*rcpts_r, d.p + d.pos + 2, n);
		(*rcpts_r)[n] = '\0';
		d.pos += 2 + n;
	}
	r->rcpts = *rcpts_r;
	r->size = store_dec_u64(&d);
	if (d.bad || d.pos != d.len || r->cat < 1 || r->cat > STORE_AUDIT_CATS ||
	    (unsigned)r->by > AUDIT_BY_SYSTEM || r->action[0] == '\0') {
		free(*rcpts_r);
		*rcpts_r = NULL;
		r->rcpts = NULL;
		return STORE_E_IO;
	}
	return STORE_OK;
}

static void audit_key(uint8_t *kb, int64_t time_ms, uint64_t seq)
{
	store_be64(kb, (uint64_t)time_ms);
	store_be64(kb + 8, seq);
}

/* Index key: lower-cased address, NUL, record key. Returns its size. */
static size_t audit_idx_key(uint8_t *b, const char *bal, const uint8_t *rec_key)
{
	size_t n = strnlen(bal, STORE_ADDR_MAX);

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)((bal[i] >= 'A' && bal[i] <= 'Z') ? bal[i] + 32 : bal[i]);
	b[n] = 0;
	memcpy(b + n + 1, rec_key, AUDIT_KEY_LEN);
	return n + 1 + AUDIT_KEY_LEN;
}

/* The BAL address of a stored value (for the index), "" when none. */
static void packed_bal(const uint8_t *v, size_t len, char *out)
{
	size_t pos = 4, n;

	out[0] = '\0';
	for (int field = 0; field < 3; field++) { /* action, actor, bal */
		if (pos + 2 > len)
			return;
		n = (size_t)v[pos] << 8 | v[pos + 1];
		if (pos + 2 + n > len)
			return;
		if (field == 2 && n <= STORE_ADDR_MAX) {
			memcpy(out, v + pos + 2, n);
			out[n] = '\0';
			/* a NUL inside cannot be: controls were replaced */
		}
		pos += 2 + n;
	}
}

int store_audit_put_packed(struct store_txn *txn, struct slice packed)
{
	uint8_t kb[AUDIT_KEY_LEN], ib[AUDIT_IDX_MAX];
	char bal[STORE_ADDR_MAX + 1];
	MDB_val key = {sizeof(kb), kb}, val, ikey, ival = {0, NULL};
	uint64_t seq;
	int rc = store_need_write(txn);

	if (rc != 0)
		return rc;
	if (packed.len < 8 + 4 || packed.p[8] != STORE_REC_V1 || packed.p[9] < 1 ||
	    packed.p[9] > STORE_AUDIT_CATS)
		return STORE_E_INVALID;
	rc = store_counter_next(txn, "audit_seq", &seq);
	if (rc != 0)
		return rc;
	audit_key(kb, (int64_t)store_rd64(packed.p), seq);
	val.mv_data = (void *)(packed.p + 8);
	val.mv_size = packed.len - 8;
	rc = store_put(txn, DB_AUDIT, &key, &val, 0);
	packed_bal(packed.p + 8, packed.len - 8, bal);
	if (rc == 0 && bal[0] != '\0') {
		ikey.mv_size = audit_idx_key(ib, bal, kb);
		ikey.mv_data = ib;
		rc = store_put(txn, DB_AUDIT_BAL, &ikey, &ival, 0);
	}
	return rc;
}

int store_audit_put(struct store_txn *txn, struct store_audit *r)
{
	struct buf b;
	int rc;

	if (r->cat < 1 || r->cat > STORE_AUDIT_CATS || r->action[0] == '\0')
		return STORE_E_INVALID;
	if (r->time_ms == 0)
		r->time_ms = time_now_ms();
	buf_init(&b, 0);
	store_audit_pack(r, &b);
	rc = store_audit_put_packed(txn, buf_slice(&b));
	buf_free(&b);
	return rc;
}

/* ---------------------------------------------------------------- search */

static bool action_matches(const char *want, const char *action)
{
	size_t n = strlen(want);

	return strcmp(want, action) == 0 ||
	       (strncmp(want, action, n) == 0 && action[n] == '.');
}

static bool audit_matches(const struct store_audit_filter *f, const struct store_audit *r)
{
	if (f->bal != NULL && f->bal[0] != '\0' && strcasecmp(f->bal, r->bal) != 0)
		return false;
	if (f->actor != NULL && f->actor[0] != '\0' && strcasecmp(f->actor, r->actor) != 0)
		return false;
	return f->action == NULL || f->action[0] == '\0' || action_matches(f->action, r->action);
}

/* Reads the record at kb and calls fn when it matches; 1 to stop. */
static int audit_visit(struct store_txn *txn, const uint8_t *kb, const MDB_val *val,
                       const struct store_audit_filter *f, struct store_audit *r,
                       int (*fn)(void *arg, const struct store_audit *r), void *arg)
{
	char *rcpts = NULL;
	int stop = 0;

	(void)txn;
	memset(r, 0, sizeof(*r));
	r->time_ms = (int64_t)store_rd64(kb);
	r->seq = store_rd64(kb + 8);
	if (audit_decode(val, r, &rcpts) != 0)
		return 0; /* store_check reports it */
	if (audit_matches(f, r))
		stop = fn(arg, r) != 0;
	free(rcpts);
	return stop;
}

static int audit_each_time(struct store_txn *txn, const struct store_audit_filter *f,
                           struct store_audit *r,
                           int (*fn)(void *arg, const struct store_audit *r), void *arg)
{
	uint8_t kb[AUDIT_KEY_LEN];
	MDB_val key = {sizeof(kb), kb}, val;
	MDB_cursor *cur;
	int rc = store_cursor_open(txn, DB_AUDIT, &cur);

	if (rc != 0)
		return rc;
	audit_key(kb, f->since_ms, 0);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != AUDIT_KEY_LEN)
			continue;
		if (f->until_ms > 0 && (int64_t)store_rd64(key.mv_data) >= f->until_ms)
			break;
		if (audit_visit(txn, key.mv_data, &val, f, r, fn, arg))
			break;
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "audit records");
}

static int audit_each_bal(struct store_txn *txn, const struct store_audit_filter *f,
                          struct store_audit *r,
                          int (*fn)(void *arg, const struct store_audit *r), void *arg)
{
	uint8_t ib[AUDIT_IDX_MAX], kb[AUDIT_KEY_LEN];
	MDB_val key, val, rkey = {sizeof(kb), kb}, rval;
	MDB_cursor *cur;
	size_t plen;
	int grc = STORE_OK;
	int rc = store_cursor_open(txn, DB_AUDIT_BAL, &cur);

	if (rc != 0)
		return rc;
	audit_key(kb, f->since_ms, 0);
	key.mv_size = audit_idx_key(ib, f->bal, kb);
	key.mv_data = ib;
	plen = key.mv_size - AUDIT_KEY_LEN;

	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const uint8_t *k = key.mv_data;

		if (key.mv_size != plen + AUDIT_KEY_LEN || memcmp(k, ib, plen) != 0)
			break;
		if (f->until_ms > 0 && (int64_t)store_rd64(k + plen) >= f->until_ms)
			break;
		memcpy(kb, k + plen, AUDIT_KEY_LEN);
		grc = store_get(txn, DB_AUDIT, &rkey, &rval);
		if (grc < 0)
			break;
		if (grc == 1 && audit_visit(txn, kb, &rval, f, r, fn, arg)) {
			grc = STORE_OK;
			break;
		}
		grc = STORE_OK;
	}
	mdb_cursor_close(cur);
	if (grc < 0)
		return grc;
	return rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "audit index");
}

int store_audit_each(struct store_txn *txn, const struct store_audit_filter *f,
                     int (*fn)(void *arg, const struct store_audit *r), void *arg)
{
	struct store_audit *r = xmalloc(sizeof(*r));
	int rc;

	if (f->bal != NULL && f->bal[0] != '\0' && strlen(f->bal) <= STORE_ADDR_MAX)
		rc = audit_each_bal(txn, f, r, fn, arg);
	else
		rc = audit_each_time(txn, f, r, fn, arg);
	free(r);
	return rc;
}

/* ---------------------------------------------------------------- JSON */

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 when invalid. */
static size_t utf8_len(const uint8_t *p)
{
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;

	if (n == 0 || p[0] >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0; /* overlong, surrogate, past U+10FFFF */
	return n;
}

/* A JSON string member; bytes that are not UTF-8 become U+FFFD. */
static void json_str(struct buf *out, const char *name, const char *s)
{
	buf_printf(out, ",\"%s\":\"", name);
	for (const uint8_t *p = (const uint8_t *)(s != NULL ? s : ""); *p != '\0'; p++) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			buf_printf(out, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(out, "\\u%04x", *p);
		} else if (*p < 0x80) {
			buf_append(out, p, 1);
		} else if ((n = utf8_len(p)) > 0) {
			buf_append(out, p, n);
			p += n - 1;
		} else {
			buf_printf(out, "\\ufffd");
		}
	}
	buf_append(out, "\"", 1);
}

static void audit_time_text(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

void store_audit_json(const struct store_audit *r, struct buf *out)
{
	char t[80];

	audit_time_text(r->time_ms, t, sizeof(t));
	buf_printf(out, "{\"time\":\"%s\",\"seq\":%llu", t, (unsigned long long)r->seq);
	json_str(out, "category", store_audit_cat_name(r->cat));
	json_str(out, "action", r->action);
	json_str(out, "by", store_audit_by_name(r->by));
	json_str(out, "actor", r->actor);
	json_str(out, "bal", r->bal);
	json_str(out, "client", r->client);
	json_str(out, "src", r->src);
	buf_printf(out, ",\"port\":%u", (unsigned)r->port);
	json_str(out, "request", r->request);
	json_str(out, "response", r->response);
	json_str(out, "ref", r->ref);
	json_str(out, "message_id", r->message_id);
	json_str(out, "sender", r->sender);
	json_str(out, "rcpts", r->rcpts);
	buf_printf(out, ",\"size\":%llu,\"anonymised\":%s}", (unsigned long long)r->size,
	           r->anonymised ? "true" : "false");
}

/* ---------------------------------------------------------------- anonymisation */

int store_audit_key(struct store_txn *txn, uint8_t key[STORE_AUDIT_KEY_LEN])
{
	MDB_val k = {strlen(AUDIT_META_KEY), (void *)AUDIT_META_KEY}, v;
	uint8_t buf[1 + STORE_AUDIT_KEY_LEN];
	int rc = store_get(txn, DB_META, &k, &v);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		if (v.mv_size != sizeof(buf) || ((const uint8_t *)v.mv_data)[0] != STORE_REC_V1)
			return STORE_E_IO;
		memcpy(key, (const uint8_t *)v.mv_data + 1, STORE_AUDIT_KEY_LEN);
		return STORE_OK;
	}
	if (!txn->write)
		return STORE_E_NOTFOUND;
	if (RAND_bytes(key, STORE_AUDIT_KEY_LEN) != 1)
		return STORE_E_IO;
	buf[0] = STORE_REC_V1;
	memcpy(buf + 1, key, STORE_AUDIT_KEY_LEN);
	v.mv_data = buf;
	v.mv_size = sizeof(buf);
	rc = store_put(txn, DB_META, &k, &v, 0);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

void store_audit_anon(const uint8_t key[STORE_AUDIT_KEY_LEN], const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t n = strlen(s);
	char *low = xmalloc(n + 1);

	for (size_t i = 0; i <= n; i++)
		low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
	HMAC(EVP_sha256(), key, STORE_AUDIT_KEY_LEN, (const uint8_t *)low, n, md, &mdlen);
	free(low);
	memcpy(out, "anon-", 5);
	for (int i = 0; i < 8; i++) {
		out[5 + 2 * i] = hex[md[i] >> 4];
		out[6 + 2 * i] = hex[md[i] & 15];
	}
	out[21] = '\0';
}

/* Replaces s (size sz) by its hash when not empty. */
static void anon_field(const uint8_t *key, char *s, size_t sz)
{
	char h[22];

	if (s[0] == '\0')
		return;
	store_audit_anon(key, s, h);
	str_copy(s, sz, h);
}

/* Each comma-separated address of rcpts hashed, into a new string. */
static char *anon_list(const uint8_t *key, const char *rcpts)
{
	struct buf b;
	const char *p = rcpts;
	char h[22], one[STORE_ADDR_MAX + 3];

	buf_init(&b, 0);
	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (n >= sizeof(one))
			n = sizeof(one) - 1;
		memcpy(one, p, n);
		one[n] = '\0';
		store_audit_anon(key, one, h);
		buf_printf(&b, "%s%s", b.len > 0 ? "," : "", h);
		p = comma != NULL ? comma + 1 : NULL;
	}
	buf_append(&b, "", 1);
	return (char *)b.data;
}

/* Space-separated tokens of the request that hold an address ('@'), such
 * as an admin command line's arguments, hashed in place. */
static void anon_request(const uint8_t *key, char *req, size_t sz)
{
	struct buf b;
	char h[22];
	const char *p = req;

	if (strchr(req, '@') == NULL)
		return;
	buf_init(&b, 0);
	while (*p != '\0') {
		size_t n = strcspn(p, " ");
		char *tok = xmalloc(n + 1);

		memcpy(tok, p, n);
		tok[n] = '\0';
		if (strchr(tok, '@') != NULL) {
			char *eq = strchr(tok, '=');

			if (eq != NULL && tok[0] == '-') { /* --contact=x@y */
				*eq = '\0';
				store_audit_anon(key, eq + 1, h);
				buf_printf(&b, "%s=%s", tok, h);
			} else {
				store_audit_anon(key, tok, h);
				buf_printf(&b, "%s", h);
			}
		} else {
			buf_append(&b, tok, n);
		}
		free(tok);
		p += n;
		if (*p == ' ') {
			buf_append(&b, " ", 1);
			p++;
		}
	}
	buf_append(&b, "", 1);
	str_copy(req, sz, (const char *)b.data);
	buf_free(&b);
}

/* Rewrites the record at kb anonymised, moving its index entry. */
static int audit_anonymise(struct store_txn *txn, const uint8_t *kb, const uint8_t *hkey,
                           struct store_audit *r)
{
	uint8_t ib[AUDIT_IDX_MAX];
	MDB_val ikey = {0, ib}, ival = {0, NULL}, key = {AUDIT_KEY_LEN, (void *)kb}, val;
	char *list;
	struct buf b;
	int rc = STORE_OK;

	if (r->bal[0] != '\0') {
		ikey.mv_size = audit_idx_key(ib, r->bal, kb);
		rc = store_del(txn, DB_AUDIT_BAL, &ikey);
		if (rc == STORE_E_NOTFOUND)
			rc = STORE_OK;
	}
	if (r->by == AUDIT_BY_BAL || r->by == AUDIT_BY_DELEGATE || r->by == AUDIT_BY_NONE)
		anon_field(hkey, r->actor, sizeof(r->actor));
	anon_field(hkey, r->bal, sizeof(r->bal));
	anon_field(hkey, r->sender, sizeof(r->sender));
	anon_field(hkey, r->src, sizeof(r->src));
	anon_request(hkey, r->request, sizeof(r->request));
	r->port = 0;
	r->anonymised = true;
	list = anon_list(hkey, r->rcpts);
	r->rcpts = list;
	buf_init(&b, 0);
	store_audit_pack(r, &b);
	val.mv_data = b.data + 8;
	val.mv_size = b.len - 8;
	if (rc == 0)
		rc = store_put(txn, DB_AUDIT, &key, &val, 0);
	if (rc == 0 && r->bal[0] != '\0') {
		ikey.mv_size = audit_idx_key(ib, r->bal, kb);
		rc = store_put(txn, DB_AUDIT_BAL, &ikey, &ival, 0);
	}
	buf_free(&b);
	free(list);
	return rc;
}

static int audit_delete(struct store_txn *txn, const uint8_t *kb, const struct store_audit *r)
{
	uint8_t ib[AUDIT_IDX_MAX];
	MDB_val key = {AUDIT_KEY_LEN, (void *)kb}, ikey = {0, ib};
	int rc = store_del(txn, DB_AUDIT, &key);

	if (rc == 0 && r->bal[0] != '\0') {
		ikey.mv_size = audit_idx_key(ib, r->bal, kb);
		rc = store_del(txn, DB_AUDIT_BAL, &ikey);
		if (rc == STORE_E_NOTFOUND)
			rc = STORE_OK;
	}
	return rc;
}

/* ---------------------------------------------------------------- retention */

static int64_t expiry_oldest(const struct store_audit_expiry *x)
{
	int64_t m = 0;

	for (int c = 1; c <= STORE_AUDIT_CATS; c++)
		if (x->before_ms[c] > m)
			m = x->before_ms[c];
	return m;
}

/* Keys of up to max records due from pos, collected before any change. */
static int expire_collect(struct store_txn *txn, const struct store_audit_expiry *x, size_t max,
                          struct store_audit_pos *pos, uint8_t *keys, size_t *n_r, bool *more_r)
{
	struct store_audit *r = xmalloc(sizeof(*r));
	uint8_t kb[AUDIT_KEY_LEN];
	MDB_val key = {sizeof(kb), kb}, val;
	MDB_cursor *cur;
	int64_t end = expiry_oldest(x);
	char *rcpts;
	int rc = store_cursor_open(txn, DB_AUDIT, &cur);

	*n_r = 0;
	*more_r = false;
	if (rc != 0)
		goto out;
	audit_key(kb, pos->time_ms, pos->seq);
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		const uint8_t *k = key.mv_data;
		int64_t t = (int64_t)store_rd64(k);

		if (key.mv_size != AUDIT_KEY_LEN || t >= end)
			break;
		if (*n_r == max) {
			*more_r = true;
			break;
		}
		pos->time_ms = t;
		pos->seq = store_rd64(k + 8) + 1;
		if (audit_decode(&val, r, &rcpts) != 0)
			continue;
		free(rcpts);
		if (x->before_ms[r->cat] == 0 || t >= x->before_ms[r->cat] ||
		    (x->anonymise && r->anonymised))
			continue;
		memcpy(keys + *n_r * AUDIT_KEY_LEN, k, AUDIT_KEY_LEN);
		(*n_r)++;
	}
	mdb_cursor_close(cur);
	rc = rc == 0 || rc == MDB_NOTFOUND ? STORE_OK : store_mdb_err(txn, rc, "audit retention");
out:
	free(r);
	return rc;
}

int store_audit_expire(struct store_txn *txn, const struct store_audit_expiry *x, size_t max,
                       struct store_audit_pos *pos, uint64_t *done_r, bool *more_r)
{
	struct store_audit *r = xmalloc(sizeof(*r));
	uint8_t *keys = xmalloc((max > 0 ? max : 1) * AUDIT_KEY_LEN);
	uint8_t hkey[STORE_AUDIT_KEY_LEN];
	size_t n = 0;
	char *rcpts = NULL;
	int rc = store_need_write(txn);

	*done_r = 0;
	*more_r = false;
	if (rc == 0 && x->anonymise)
		rc = store_audit_key(txn, hkey);
	if (rc == 0)
		rc = expire_collect(txn, x, max, pos, keys, &n, more_r);
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_val key = {AUDIT_KEY_LEN, keys + i * AUDIT_KEY_LEN}, val;

		rc = store_get(txn, DB_AUDIT, &key, &val);
		if (rc != 1)
			break;
		memset(r, 0, sizeof(*r));
		r->time_ms = (int64_t)store_rd64(key.mv_data);
		r->seq = store_rd64((const uint8_t *)key.mv_data + 8);
		rc = audit_decode(&val, r, &rcpts);
		if (rc == 0)
			rc = x->anonymise ? audit_anonymise(txn, key.mv_data, hkey, r)
			                  : audit_delete(txn, key.mv_data, r);
		free(rcpts);
		rcpts = NULL;
		if (rc == 0)
			(*done_r)++;
	}
	if (rc == 1)
		rc = STORE_OK;
	explicit_bzero(hkey, sizeof(hkey));
	free(keys);
	free(r);
	return rc;
}

/* ---------------------------------------------------------------- job */

#define AUDIT_JOB_BATCH 2000

struct expire_req {
	const struct store_audit_expiry *x;
	struct store_audit_pos pos, pos_in;
	uint64_t done;
	bool more;
};

static int expire_apply(struct store_txn *txn, void *ctx)
{
	struct expire_req *q = ctx;

	q->pos = q->pos_in; /* a replay starts again from the same place */
	return store_audit_expire(txn, q->x, AUDIT_JOB_BATCH, &q->pos, &q->done, &q->more);
}

int store_job_audit_retention(struct store *s, const struct store_audit_expiry *x,
                              uint64_t *done_r)
{
	struct expire_req q = {.x = x};
	int rc;

	*done_r = 0;
	do {
		q.pos_in = q.pos;
		rc = store_write(s, expire_apply, &q);
		if (rc == 0)
			*done_r += q.done;
	} while (rc == 0 && q.more);
	return rc;
}

/* ---------------------------------------------------------------- check */

static int check_records(struct store_txn *txn, uint64_t *n_r, const char **why_r)
{
	struct store_audit *r = xmalloc(sizeof(*r));
	uint8_t ib[AUDIT_IDX_MAX];
	MDB_val key, val, ikey = {0, ib}, ival;
	MDB_cursor *cur;
	char *rcpts;
	int rc = store_cursor_open(txn, DB_AUDIT, &cur);

	*n_r = 0;
	if (rc != 0)
		goto out;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && *why_r == NULL;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size != AUDIT_KEY_LEN || audit_decode(&val, r, &rcpts) != 0) {
			*why_r = "malformed audit record";
			break;
		}
		free(rcpts);
		if (r->bal[0] == '\0')
			continue;
		(*n_r)++;
		ikey.mv_size = audit_idx_key(ib, r->bal, key.mv_data);
		if (store_get(txn, DB_AUDIT_BAL, &ikey, &ival) != 1)
			*why_r = "audit record without its BAL index entry";
	}
	mdb_cursor_close(cur);
	rc = *why_r != NULL ? STORE_E_IO
	     : rc == MDB_NOTFOUND || rc == 0
	         ? STORE_OK
	         : store_mdb_err(txn, rc, "checking audit records");
out:
	free(r);
	return rc;
}

static int check_index(struct store_txn *txn, uint64_t n_records, const char **why_r)
{
	MDB_val key, val, rkey, rval;
	MDB_cursor *cur;
	uint64_t n = 0;
	int rc = store_cursor_open(txn, DB_AUDIT_BAL, &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && *why_r == NULL;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		n++;
		if (key.mv_size < AUDIT_KEY_LEN + 2) {
			*why_r = "malformed audit index key";
			break;
		}
		rkey.mv_size = AUDIT_KEY_LEN;
		rkey.mv_data = (uint8_t *)key.mv_data + key.mv_size - AUDIT_KEY_LEN;
		if (store_get(txn, DB_AUDIT, &rkey, &rval) != 1)
			*why_r = "audit index entry without its record";
	}
	mdb_cursor_close(cur);
	if (*why_r == NULL && rc == MDB_NOTFOUND && n != n_records)
		*why_r = "audit index entries and records differ";
	if (*why_r != NULL)
		return STORE_E_IO;
	return rc == MDB_NOTFOUND || rc == 0 ? STORE_OK
	                                     : store_mdb_err(txn, rc, "checking audit index");
}

int store_audit_check(struct store_txn *txn, const char **why_r)
{
	uint64_t n = 0;
	int rc;

	*why_r = NULL;
	rc = check_records(txn, &n, why_r);
	if (rc == 0)
		rc = check_index(txn, n, why_r);
	return rc;
}

/* ---------------------------------------------------------------- admin */

int store_audit_admin(struct store_txn *txn, int64_t now, const char *by, const char *action,
                      const char *bal, const char *fmt, ...)
{
	struct store_audit *r = xcalloc(1, sizeof(*r));
	va_list ap;
	int rc;

	/* The real clock to the millisecond, unless a test clock is set. */
	r->time_ms = now == 0 || (now - time_now() <= 1 && time_now() - now <= 1) ? time_now_ms()
	                                                                         : now * 1000;
	r->cat = AUDIT_CAT_ADMIN;
	str_copy(r->action, sizeof(r->action), action);
	r->by = strncmp(by, "balised", 7) == 0 ? AUDIT_BY_SYSTEM : AUDIT_BY_ADMIN;
	str_copy(r->actor, sizeof(r->actor), by);
	str_copy(r->bal, sizeof(r->bal), bal != NULL ? bal : "");
	va_start(ap, fmt);
	vsnprintf(r->request, sizeof(r->request), fmt, ap);
	va_end(ap);
	str_copy(r->response, sizeof(r->response), "OK");
	rc = store_audit_put(txn, r);
	free(r);
	return rc;
}
