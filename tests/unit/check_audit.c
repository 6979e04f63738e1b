/* SPDX-License-Identifier: ISC */
/* Audit traces in libbalstore: the record codec (every field, cut strings,
 * controls replaced), time order, searches (BAL index, author, action
 * prefix, time range), JSON, retention by deletion and by keyed-hash
 * anonymisation (batched, index moved, records still linked), the admin
 * helper, and store_check catching a broken index. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "store_int.h"
#include "store_test.h"

static char dir[256];
static struct store *S;

static void setup(void)
{
	struct store_opts o = {0};
	const char *why;

	store_test_dir(dir);
	o.path = dir;
	ck_assert_int_eq(store_open(&o, &S, &why), 0);
}

static void teardown(void)
{
	store_close(&S);
	store_test_rmdir(dir);
}

struct put_ctx {
	struct store_audit *r;
	size_t n;
};

static int put_apply(struct store_txn *t, void *p)
{
	struct put_ctx *c = p;
	int rc = 0;

	for (size_t i = 0; i < c->n && rc == 0; i++)
		rc = store_audit_put(t, &c->r[i]);
	return rc;
}

static struct store_audit *rec(enum store_audit_cat cat, const char *action, const char *actor,
                               const char *bal, int64_t t)
{
	struct store_audit *r = calloc(1, sizeof(*r));

	r->cat = cat;
	r->time_ms = t;
	r->by = AUDIT_BY_BAL;
	strcpy(r->action, action);
	strcpy(r->actor, actor);
	strcpy(r->bal, bal);
	strcpy(r->src, "192.0.2.7");
	r->port = 40000;
	strcpy(r->response, "OK done");
	return r;
}

static void put1(struct store_audit *r)
{
	struct put_ctx c = {r, 1};

	ck_assert_int_eq(store_write(S, put_apply, &c), 0);
	free(r);
}

/* Collects "action|actor|bal|time" lines. */
struct got {
	char text[8192];
	size_t n;
	struct store_audit last;
	char rcpts[256];
};

static int collect(void *arg, const struct store_audit *r)
{
	struct got *g = arg;
	size_t len = strlen(g->text);

	snprintf(g->text + len, sizeof(g->text) - len, "%s|%s|%s|%lld\n", r->action, r->actor,
	         r->bal, (long long)r->time_ms);
	g->last = *r;
	snprintf(g->rcpts, sizeof(g->rcpts), "%s", r->rcpts != NULL ? r->rcpts : "");
	g->last.rcpts = g->rcpts;
	g->n++;
	return 0;
}

static void search(const struct store_audit_filter *f, struct got *g)
{
	struct store_txn *t;

	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_audit_each(t, f, collect, g), 0);
	store_read_end(&t);
}

static void assert_check(void)
{
	const char *why = NULL;

	ck_assert_msg(store_check(S, &why) == 0, "store_check: %s", why ? why : "?");
}

START_TEST(test_names)
{
	ck_assert_str_eq(store_audit_cat_name(AUDIT_CAT_AUTH), "auth");
	ck_assert_str_eq(store_audit_cat_name(AUDIT_CAT_ADMIN), "admin");
	ck_assert_int_eq(store_audit_cat_parse("message"), AUDIT_CAT_MESSAGE);
	ck_assert_int_eq(store_audit_cat_parse("access"), AUDIT_CAT_ACCESS);
	ck_assert_int_eq(store_audit_cat_parse("other"), -1);
	ck_assert_str_eq(store_audit_by_name(AUDIT_BY_DELEGATE), "delegate");
	ck_assert_str_eq(store_audit_by_name(AUDIT_BY_PEER), "peer");
}
END_TEST

START_TEST(test_json_escapes)
{
	struct store_audit *r = rec(AUDIT_CAT_ACCESS, "imap.select", "a\"b\\c", "", 1000);
	struct buf j;

	strcpy(r->request, "SELECT mailbox=\"Re\xc3\xa7u\xff\xe2\x82\"");
	r->rcpts = NULL;
	buf_init(&j, 0);
	store_audit_json(r, &j);
	buf_append(&j, "", 1);
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"actor\":\"a\\\"b\\\\c\""));
	ck_assert_ptr_nonnull(
	    strstr((char *)j.data, "\"request\":\"SELECT mailbox=\\\"Re\xc3\xa7u\\ufffd\\ufffd"));
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"rcpts\":\"\""));
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"time\":\"1970-01-01T00:00:01.000Z\""));
	buf_free(&j);
	free(r);
}
END_TEST

START_TEST(test_roundtrip)
{
	struct store_audit *r = rec(AUDIT_CAT_MESSAGE, "smtp.inbound", "CN=mx,O=Op,C=FR",
	                            "Alice@Audit.Test", 1700000000123);
	struct store_audit_filter f = {0};
	struct got g;
	struct buf j;

	r->by = AUDIT_BY_PEER;
	strcpy(r->client, "mx.op.example");
	strcpy(r->request, "inbound DATA rcpts=2\r\nX");
	strcpy(r->ref, "ABC123");
	strcpy(r->message_id, "<m1@op.example>");
	strcpy(r->sender, "dr@op.example");
	r->rcpts = "alice@audit.test,bob@audit.test";
	r->size = 4242;
	put1(r);
	search(&f, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_int_eq(g.last.cat, AUDIT_CAT_MESSAGE);
	ck_assert_int_eq(g.last.by, AUDIT_BY_PEER);
	ck_assert_int_eq(g.last.time_ms, 1700000000123);
	ck_assert_uint_gt(g.last.seq, 0);
	ck_assert_str_eq(g.last.action, "smtp.inbound");
	ck_assert_str_eq(g.last.actor, "CN=mx,O=Op,C=FR");
	ck_assert_str_eq(g.last.bal, "Alice@Audit.Test");
	ck_assert_str_eq(g.last.client, "mx.op.example");
	ck_assert_str_eq(g.last.src, "192.0.2.7");
	ck_assert_uint_eq(g.last.port, 40000);
	ck_assert_str_eq(g.last.request, "inbound DATA rcpts=2??X"); /* controls replaced */
	ck_assert_str_eq(g.last.response, "OK done");
	ck_assert_str_eq(g.last.ref, "ABC123");
	ck_assert_str_eq(g.last.message_id, "<m1@op.example>");
	ck_assert_str_eq(g.last.sender, "dr@op.example");
	ck_assert_str_eq(g.last.rcpts, "alice@audit.test,bob@audit.test");
	ck_assert_uint_eq(g.last.size, 4242);
	ck_assert(!g.last.anonymised);
	buf_init(&j, 0);
	store_audit_json(&g.last, &j);
	buf_append(&j, "", 1);
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"time\":\"2023-11-14T22:13:20.123Z\""));
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"by\":\"peer\""));
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"size\":4242,\"anonymised\":false}"));
	ck_assert_ptr_nonnull(strstr((char *)j.data, "\"rcpts\":\"alice@audit.test,bob"));
	buf_free(&j);
	assert_check();
}
END_TEST

START_TEST(test_limits_and_refusals)
{
	struct store_audit *r = rec(AUDIT_CAT_AUTH, "imap.login", "a@x.test", "", 0);
	struct store_audit_filter f = {0};
	struct put_ctx c = {r, 1};
	char *big = malloc(STORE_AUDIT_RCPTS_MAX + 100);
	struct got g;

	memset(big, 'r', STORE_AUDIT_RCPTS_MAX + 99);
	big[STORE_AUDIT_RCPTS_MAX + 99] = '\0';
	r->rcpts = big;
	ck_assert_int_eq(store_write(S, put_apply, &c), 0);
	ck_assert_int_gt(r->time_ms, 1700000000000); /* 0: the clock, in ms */
	search(&f, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_str_eq(g.last.bal, "");
	r->cat = 0;
	ck_assert_int_eq(store_write(S, put_apply, &c), STORE_E_INVALID);
	r->cat = AUDIT_CAT_ADMIN;
	r->action[0] = '\0';
	ck_assert_int_eq(store_write(S, put_apply, &c), STORE_E_INVALID);
	free(big);
	free(r);
	assert_check();
}
END_TEST

static void fill_search_set(void)
{
	put1(rec(AUDIT_CAT_ACCESS, "imap.fetch", "a@x.test", "a@x.test", 3000));
	put1(rec(AUDIT_CAT_ACCESS, "imap.select", "d@x.test", "A@X.test", 1000));
	put1(rec(AUDIT_CAT_AUTH, "imap.login", "b@x.test", "b@x.test", 2000));
	put1(rec(AUDIT_CAT_ADMIN, "imapx.other", "root", "a@x.test", 4000));
	put1(rec(AUDIT_CAT_ADMIN, "admin.bal.set", "root", "", 5000));
}

START_TEST(test_search)
{
	struct store_audit_filter f = {0};
	struct got g;

	fill_search_set();
	search(&f, &g);
	ck_assert_str_eq(g.text, "imap.select|d@x.test|A@X.test|1000\n"
	                         "imap.login|b@x.test|b@x.test|2000\n"
	                         "imap.fetch|a@x.test|a@x.test|3000\n"
	                         "imapx.other|root|a@x.test|4000\n"
	                         "admin.bal.set|root||5000\n");
	f.bal = "a@X.TEST"; /* the index, any case */
	search(&f, &g);
	ck_assert_str_eq(g.text, "imap.select|d@x.test|A@X.test|1000\n"
	                         "imap.fetch|a@x.test|a@x.test|3000\n"
	                         "imapx.other|root|a@x.test|4000\n");
	f.action = "imap"; /* a prefix before a dot only */
	search(&f, &g);
	ck_assert_uint_eq(g.n, 2);
	f.action = "imap.fetch";
	search(&f, &g);
	ck_assert_str_eq(g.text, "imap.fetch|a@x.test|a@x.test|3000\n");
	f = (struct store_audit_filter){.actor = "ROOT"};
	search(&f, &g);
	ck_assert_uint_eq(g.n, 2);
	f = (struct store_audit_filter){.since_ms = 2000, .until_ms = 4000};
	search(&f, &g);
	ck_assert_str_eq(g.text, "imap.login|b@x.test|b@x.test|2000\n"
	                         "imap.fetch|a@x.test|a@x.test|3000\n");
	f.bal = "a@x.test";
	search(&f, &g);
	ck_assert_str_eq(g.text, "imap.fetch|a@x.test|a@x.test|3000\n");
	f = (struct store_audit_filter){.bal = "nobody@x.test"};
	search(&f, &g);
	ck_assert_uint_eq(g.n, 0);
}
END_TEST

struct exp_ctx {
	struct store_audit_expiry x;
	struct store_audit_pos pos;
	size_t max;
	uint64_t done;
	bool more;
};

static int exp_apply(struct store_txn *t, void *p)
{
	struct exp_ctx *c = p;

	return store_audit_expire(t, &c->x, c->max, &c->pos, &c->done, &c->more);
}

START_TEST(test_expire_delete)
{
	struct store_audit_filter f = {0};
	struct exp_ctx c = {.max = 1};
	uint64_t total = 0;
	struct got g;

	fill_search_set();
	/* access and auth older than 3500 go; admin older than 4500; message kept */
	c.x.before_ms[AUDIT_CAT_ACCESS] = 3500;
	c.x.before_ms[AUDIT_CAT_AUTH] = 3500;
	c.x.before_ms[AUDIT_CAT_ADMIN] = 4500;
	do { /* one record per call: the position carries on */
		ck_assert_int_eq(store_write(S, exp_apply, &c), 0);
		total += c.done;
	} while (c.more);
	ck_assert_uint_eq(total, 4);
	search(&f, &g);
	ck_assert_str_eq(g.text, "admin.bal.set|root||5000\n");
	f.bal = "a@x.test";
	search(&f, &g);
	ck_assert_uint_eq(g.n, 0);
	assert_check();
	/* nothing more to do */
	memset(&c.pos, 0, sizeof(c.pos));
	c.max = 100;
	ck_assert_int_eq(store_write(S, exp_apply, &c), 0);
	ck_assert_uint_eq(c.done, 0);
}
END_TEST

START_TEST(test_expire_anonymise)
{
	struct store_audit *r = rec(AUDIT_CAT_MESSAGE, "smtp.inbound", "CN=mx,O=Op,C=FR",
	                            "a@x.test", 1500);
	struct store_audit_expiry x = {.anonymise = true};
	struct store_audit_filter f = {0};
	struct store_txn *t;
	uint8_t key[STORE_AUDIT_KEY_LEN];
	char ha[22], hb[22];
	struct got g;
	uint64_t done;

	r->by = AUDIT_BY_PEER;
	strcpy(r->sender, "B@x.test");
	r->rcpts = "a@x.test,c@x.test";
	put1(r);
	r = rec(AUDIT_CAT_ADMIN, "admin.bal.set", "root", "a@x.test", 1600);
	r->by = AUDIT_BY_ADMIN;
	strcpy(r->request, "bal set a@x.test --contact=c@x.test --quota 5M");
	put1(r);
	fill_search_set();
	for (int i = 1; i <= STORE_AUDIT_CATS; i++)
		x.before_ms[i] = 2500;
	ck_assert_int_eq(store_job_audit_retention(S, &x, &done), 0);
	ck_assert_uint_eq(done, 4); /* 1000, 1500, 1600, 2000 */
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_audit_key(t, key), 0); /* made by the job */
	store_read_end(&t);
	store_audit_anon(key, "a@x.test", ha);
	store_audit_anon(key, "b@x.test", hb);
	ck_assert_int_eq(strncmp(ha, "anon-", 5), 0);
	ck_assert_uint_eq(strlen(ha), 21);
	ck_assert_str_ne(ha, hb);
	f.bal = ha; /* the index moved to the hash: one person's records link */
	search(&f, &g);
	ck_assert_uint_eq(g.n, 3); /* 1000 (A@X.test), 1500, 1600 */
	ck_assert_ptr_nonnull(strstr(g.text, "imap.select|"));
	ck_assert(g.last.anonymised);
	ck_assert_uint_eq(g.last.port, 0);
	ck_assert_str_eq(g.last.actor, "root"); /* a Unix user is no address */
	ck_assert_ptr_null(strstr(g.last.request, "@"));
	ck_assert_ptr_nonnull(strstr(g.last.request, "--contact=anon-"));
	ck_assert_ptr_nonnull(strstr(g.last.request, "--quota 5M"));
	f = (struct store_audit_filter){.action = "smtp.inbound"};
	search(&f, &g);
	ck_assert_str_eq(g.last.sender, hb); /* case folded before hashing */
	ck_assert_str_eq(g.last.actor, "CN=mx,O=Op,C=FR");
	ck_assert_int_eq(strncmp(g.last.src, "anon-", 5), 0);
	ck_assert_int_eq(strncmp(g.last.rcpts, ha, 21), 0);
	ck_assert_int_eq(g.last.rcpts[21], ',');
	f = (struct store_audit_filter){.action = "imap.fetch"}; /* 3000: recent, intact */
	search(&f, &g);
	ck_assert_str_eq(g.last.bal, "a@x.test");
	ck_assert_str_eq(g.last.src, "192.0.2.7");
	ck_assert(!g.last.anonymised);
	ck_assert_int_eq(store_job_audit_retention(S, &x, &done), 0);
	ck_assert_uint_eq(done, 0); /* anonymised once */
	assert_check();
}
END_TEST

static int admin_apply(struct store_txn *t, void *p)
{
	(void)p;
	return store_audit_admin(t, 1000000, "balised(job)", "policy.sent-purge", "a@x.test",
	                         "messages=%d", 3);
}

START_TEST(test_admin_helper)
{
	struct store_audit_filter f = {0};
	struct got g;

	ck_assert_int_eq(store_write(S, admin_apply, NULL), 0);
	search(&f, &g);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_int_eq(g.last.time_ms, 1000000000); /* the job's clock */
	ck_assert_int_eq(g.last.by, AUDIT_BY_SYSTEM);
	ck_assert_int_eq(g.last.cat, AUDIT_CAT_ADMIN);
	ck_assert_str_eq(g.last.request, "messages=3");
	ck_assert_str_eq(g.last.response, "OK");
}
END_TEST

/* A record whose index entry went missing is reported. */
static int drop_index(struct store_txn *t, void *p)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = store_cursor_open(t, DB_AUDIT_BAL, &cur);

	(void)p;
	if (rc != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0)
		rc = mdb_cursor_del(cur, 0);
	mdb_cursor_close(cur);
	return rc == 0 ? 0 : STORE_E_IO;
}

START_TEST(test_check_index)
{
	const char *why = NULL;

	put1(rec(AUDIT_CAT_ACCESS, "imap.fetch", "a@x.test", "a@x.test", 3000));
	assert_check();
	ck_assert_int_eq(store_write(S, drop_index, NULL), 0);
	ck_assert_int_eq(store_check(S, &why), STORE_E_IO);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "audit"));
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("storage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_limits_and_refusals);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_expire_delete);
	tcase_add_test(tc, test_expire_anonymise);
	tcase_add_test(tc, test_admin_helper);
	tcase_add_test(tc, test_check_index);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
