/* SPDX-License-Identifier: ISC */
/* The BAL lifecycle in libbalstore: the Sent purge (only \Sent, only older
 * than the limit, quota credited, dry run), the BAL record's lifecycle
 * fields, store_bal_login (coalesced, clears the inactivity mark),
 * deletion requests (holder rule, one pending, reject restores the state,
 * approve deletes and retires the address), the inactivity job and
 * store_compact (refused while open, records kept, marker gone). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "balstore.h"
#include "buf.h"
#include "store_test.h"
#include "templates_fr.h"

#define RPPS_OK "810001234565"
#define RPPS_OTHER "810000001015"
#define DOMAIN "example.test"
#define DAY 86400

static char g_dir[256];
static struct store *g_s;

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

static uint64_t make_bal(const char *local, enum store_bal_type type)
{
	struct bal_ctx c = {0};

	snprintf(c.bal.address, sizeof(c.bal.address), "%s@" DOMAIN, local);
	c.bal.type = type;
	c.bal.holder_type = type == BAL_ORG ? 1 : 8;
	strcpy(c.bal.holder, type == BAL_ORG ? "1010001238" : RPPS_OK);
	ck_assert_int_eq(store_write(g_s, ap_bal, &c), 0);
	return c.bal.id;
}

static void open_store(void)
{
	struct store_opts o = {0};
	const char *why = NULL;

	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
}

static void setup(void)
{
	store_test_dir(g_dir);
	open_store();
	ck_assert_int_eq(store_write(g_s, ap_domain, DOMAIN), 0);
}

static void teardown(void)
{
	store_close(&g_s);
	store_test_rmdir(g_dir);
}

static void check_consistent(void)
{
	const char *why = NULL;
	int rc = store_check(g_s, &why);

	ck_assert_msg(rc == 0, "store_check: %s", why ? why : "?");
}

static struct store_bal get_bal(uint64_t id)
{
	struct store_txn *t;
	struct store_bal b;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_bal_get(t, id, &b), 1);
	store_read_end(&t);
	return b;
}

static uint64_t mbox_id(uint64_t bal, const char *name)
{
	struct store_txn *t;
	struct store_mailbox mb;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_mailbox_get(t, bal, name, &mb), 1);
	store_read_end(&t);
	return mb.id;
}

struct put_ctx {
	uint64_t mailbox;
	const char *text;
	int64_t date;
};

static int ap_put(struct store_txn *t, void *ctx)
{
	struct put_ctx *p = ctx;
	uint64_t blob;
	struct store_msg m;
	int rc = store_blob_put(t, p->text, strlen(p->text), "s", 1, &blob);

	return rc ? rc : store_msg_append(t, p->mailbox, blob, 0, 0, p->date, 0, &m);
}

static void put(uint64_t mailbox, const char *text, int64_t date)
{
	struct put_ctx p = {mailbox, text, date};

	ck_assert_int_eq(store_write(g_s, ap_put, &p), 0);
}

static uint32_t mbox_count(uint64_t mailbox)
{
	struct store_txn *t;
	struct store_mailbox mb;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_mailbox_get_by_id(t, mailbox, &mb), 1);
	store_read_end(&t);
	return mb.messages;
}

static struct store_quota usage(uint64_t bal)
{
	struct store_txn *t;
	struct store_quota q;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_quota_get(t, bal, &q), 0);
	store_read_end(&t);
	return q;
}

/* ---------------------------------------------------------------- Sent purge */

struct purge_ctx {
	uint64_t bal;
	int64_t before;
	bool dry;
	struct store_purge r;
};

static int ap_purge(struct store_txn *t, void *ctx)
{
	struct purge_ctx *p = ctx;

	return store_sent_purge(t, p->bal, p->before, p->dry, &p->r);
}

START_TEST(test_purge_only_old_sent)
{
	uint64_t bal = make_bal("a", BAL_PER), sent = mbox_id(bal, "Sent");
	uint64_t inbox = mbox_id(bal, "INBOX");
	int64_t now = 2000000000;
	struct purge_ctx p = {.bal = bal, .before = now - 30 * DAY, .dry = true};
	struct store_quota q0, q1;
	struct store_txn *t;

	put(sent, "old one 123", now - 40 * DAY);
	put(sent, "old two 12345", now - 31 * DAY);
	put(sent, "recent", now - 29 * DAY);
	put(inbox, "old inbox", now - 90 * DAY);
	q0 = usage(bal);
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_sent_purge(t, bal, p.before, true, &p.r), 0);
	store_read_end(&t);
	ck_assert_uint_eq(p.r.messages, 2);
	ck_assert_uint_eq(p.r.bytes, strlen("old one 123") + strlen("old two 12345"));
	ck_assert_uint_eq(mbox_count(sent), 3);
	p.dry = false;
	ck_assert_int_eq(store_write(g_s, ap_purge, &p), 0);
	ck_assert_uint_eq(p.r.messages, 2);
	ck_assert_uint_eq(mbox_count(sent), 1);
	ck_assert_uint_eq(mbox_count(inbox), 1);
	q1 = usage(bal);
	ck_assert_uint_eq(q1.bytes, q0.bytes - p.r.bytes);
	ck_assert_uint_eq(q1.messages, q0.messages - 2);
	check_consistent();
}
END_TEST

START_TEST(test_purge_read_txn_refused)
{
	uint64_t bal = make_bal("a", BAL_PER);
	struct store_purge r;
	struct store_txn *t;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_sent_purge(t, bal, 0, false, &r), STORE_E_READONLY);
	store_read_end(&t);
}
END_TEST

static int ap_bal_update(struct store_txn *t, void *ctx)
{
	struct bal_ctx *c = ctx;

	return store_bal_update(t, &c->bal, &c->why);
}

START_TEST(test_purge_job_by_retention)
{
	uint64_t a = make_bal("a", BAL_PER), b = make_bal("b", BAL_PER);
	int64_t now = 2000000000;
	struct bal_ctx c = {0};
	struct store_jobstat st;

	put(mbox_id(a, "Sent"), "old", now - 20 * DAY);
	put(mbox_id(a, "Sent"), "new", now - 5 * DAY);
	put(mbox_id(b, "Sent"), "old", now - 20 * DAY);
	ck_assert_int_eq(store_job_sent_purge(g_s, now, "test", &st), 0);
	ck_assert_uint_eq(st.messages, 0); /* no retention set: nothing */
	c.bal = get_bal(a);
	c.bal.sent_retention = 10;
	ck_assert_int_eq(store_write(g_s, ap_bal_update, &c), 0);
	ck_assert_uint_eq(get_bal(a).sent_retention, 10); /* kept in the record */
	ck_assert_int_eq(store_job_sent_purge(g_s, now, "test", &st), 0);
	ck_assert_uint_eq(st.bals, 1);
	ck_assert_uint_eq(st.messages, 1);
	ck_assert_uint_eq(mbox_count(mbox_id(a, "Sent")), 1);
	ck_assert_uint_eq(mbox_count(mbox_id(b, "Sent")), 1);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- login */

struct login_ctx {
	uint64_t bal;
	int64_t now;
};

static int ap_login(struct store_txn *t, void *ctx)
{
	struct login_ctx *l = ctx;

	return store_bal_login(t, l->bal, l->now);
}

START_TEST(test_login_coalesced_and_clears_warning)
{
	uint64_t a = make_bal("a", BAL_PER);
	struct login_ctx l = {a, 1900000000};
	struct bal_ctx c = {0};
	struct store_bal b;

	ck_assert_int_eq(store_write(g_s, ap_login, &l), 0);
	ck_assert_int_eq(get_bal(a).last_login, l.now);
	l.now += STORE_LOGIN_GRAIN - 1; /* within the grain: no write */
	b = get_bal(a);
	ck_assert(!store_bal_login_due(&b, l.now));
	ck_assert_int_eq(store_write(g_s, ap_login, &l), 0);
	ck_assert_int_eq(get_bal(a).last_login, l.now - STORE_LOGIN_GRAIN + 1);
	c.bal = get_bal(a);
	c.bal.inactivity_warned = 1;
	ck_assert_int_eq(store_write(g_s, ap_bal_update, &c), 0);
	b = get_bal(a);
	ck_assert(store_bal_login_due(&b, l.now)); /* a warning to cancel */
	ck_assert_int_eq(store_write(g_s, ap_login, &l), 0);
	ck_assert_int_eq(get_bal(a).inactivity_warned, 0);
	l.now += STORE_LOGIN_GRAIN;
	ck_assert_int_eq(store_write(g_s, ap_login, &l), 0);
	ck_assert_int_eq(get_bal(a).last_login, l.now);
}
END_TEST

/* ---------------------------------------------------------------- deletion requests */

struct dr_ctx {
	struct store_delreq r;
	uint64_t id;
	const char *reason;
	int op; /* 0 create, 1 approve, 2 reject */
	const char *why;
};

static int ap_dr(struct store_txn *t, void *ctx)
{
	struct dr_ctx *d = ctx;

	if (d->op == 1)
		return store_delreq_approve(t, d->id, 1, &d->why);
	if (d->op == 2)
		return store_delreq_reject(t, d->id, 1, d->reason, &d->why);
	return store_delreq_create(t, &d->r, &d->why);
}

static int dr_create(uint64_t bal, const char *by, const char **why_r, uint64_t *id_r)
{
	struct dr_ctx d = {0};
	int rc;

	d.r.bal_id = bal;
	strcpy(d.r.requested_by, by);
	strcpy(d.r.reason, "leaving");
	rc = store_write(g_s, ap_dr, &d);
	*why_r = d.why;
	*id_r = d.r.id;
	return rc;
}

START_TEST(test_delreq_holder_rule)
{
	uint64_t per = make_bal("per", BAL_PER), org = make_bal("org", BAL_ORG), id;
	const char *why = NULL;

	ck_assert_int_eq(dr_create(per, RPPS_OTHER, &why, &id), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "not the holder"));
	ck_assert_int_eq(get_bal(per).state, BAL_ACTIVE);
	ck_assert_int_eq(dr_create(org, RPPS_OK, &why, &id), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "ORG or APP"));
	/* the 11-digit RPPS is the idNat without its type prefix */
	ck_assert_int_eq(dr_create(per, RPPS_OK + 1, &why, &id), 0);
	ck_assert_int_eq(get_bal(per).state, BAL_DELETION_REQUESTED);
	ck_assert_int_eq(dr_create(per, RPPS_OK, &why, &id), STORE_E_EXISTS);
	check_consistent();
}
END_TEST

START_TEST(test_delreq_reject_then_approve)
{
	uint64_t per = make_bal("per", BAL_PER), id1, id2;
	struct dr_ctx d = {0};
	struct store_txn *t;
	struct store_delreq r;
	struct store_bal b;
	struct bal_ctx c = {0};
	const char *why;

	ck_assert_int_eq(dr_create(per, RPPS_OK, &why, &id1), 0);
	d.op = 2;
	d.id = id1;
	d.reason = "";
	ck_assert_int_eq(store_write(g_s, ap_dr, &d), STORE_E_INVALID); /* a reason is needed */
	d.reason = "not signed";
	ck_assert_int_eq(store_write(g_s, ap_dr, &d), 0);
	ck_assert_int_eq(get_bal(per).state, BAL_ACTIVE);
	ck_assert_int_eq(store_write(g_s, ap_dr, &d), STORE_E_INVALID); /* decided once */
	put(mbox_id(per, "INBOX"), "mail", 0);
	ck_assert_int_eq(dr_create(per, RPPS_OK, &why, &id2), 0);
	ck_assert_uint_ne(id1, id2);
	d.op = 1;
	d.id = id2;
	ck_assert_int_eq(store_write(g_s, ap_dr, &d), 0);
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_bal_get(t, per, &b), 0);
	ck_assert_int_eq(store_delreq_get(t, id1, &r), 1);
	ck_assert_int_eq(r.state, DELREQ_REJECTED);
	ck_assert_str_eq(r.decision, "not signed");
	ck_assert_int_eq(store_delreq_get(t, id2, &r), 1);
	ck_assert_int_eq(r.state, DELREQ_APPROVED);
	ck_assert_str_eq(r.address, "per@" DOMAIN);
	store_read_end(&t);
	/* the address stays retired for another holder */
	strcpy(c.bal.address, "per@" DOMAIN);
	c.bal.type = BAL_PER;
	c.bal.holder_type = 8;
	strcpy(c.bal.holder, RPPS_OTHER);
	ck_assert_int_eq(store_write(g_s, ap_bal, &c), STORE_E_INVALID);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- inactivity */

START_TEST(test_inactivity_warn_then_suspend)
{
	uint64_t a = make_bal("a", BAL_PER), z = make_bal("z", BAL_PER);
	int64_t t0 = get_bal(a).created;
	struct store_inact_policy pol = {10 * DAY, 5 * DAY, INACT_SUSPEND, "h.test"};
	struct store_jobstat st;
	struct login_ctx l = {a, t0 + 12 * DAY};

	uint64_t b0, r0, b1, r1;

	store_write_stats(g_s, &b0, &r0);
	ck_assert_int_eq(store_job_inactivity(g_s, &pol, t0 + 9 * DAY, "t", &st), 0);
	ck_assert_uint_eq(st.warned, 0);
	ck_assert_int_eq(store_job_sent_purge(g_s, t0, "t", &st), 0);
	store_write_stats(g_s, &b1, &r1);
	ck_assert_uint_eq(r1, r0); /* nothing to do: no write request at all */
	ck_assert_int_eq(store_job_inactivity(g_s, &pol, t0 + 11 * DAY, "t", &st), 0);
	ck_assert_uint_eq(st.warned, 2);
	ck_assert_uint_eq(mbox_count(mbox_id(a, "INBOX")), 1); /* the French notice */
	ck_assert_uint_eq(usage(a).messages, 0);               /* uncharged */
	ck_assert_int_eq(store_write(g_s, ap_login, &l), 0);   /* objection */
	ck_assert_int_eq(store_job_inactivity(g_s, &pol, t0 + 16 * DAY, "t", &st), 0);
	ck_assert_uint_eq(st.suspended, 1);
	ck_assert_uint_eq(st.warned, 0);
	ck_assert_int_eq(get_bal(z).state, BAL_SUSPENDED);
	ck_assert_int_eq(get_bal(a).state, BAL_ACTIVE);
	pol.action = INACT_DELETE; /* never deleted here: reported as due */
	ck_assert_int_eq(store_job_inactivity(g_s, &pol, t0 + 40 * DAY, "t", &st), 0);
	ck_assert_uint_eq(st.warned, 1);
	ck_assert_int_eq(store_job_inactivity(g_s, &pol, t0 + 46 * DAY, "t", &st), 0);
	ck_assert_uint_eq(st.due, 1);
	ck_assert_int_eq(get_bal(a).state, BAL_ACTIVE);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- compact */

static bool dir_holds(const char *dir, const char *needle)
{
	char path[512];
	const char *names[] = {"data.mdb", "data.mdb.old", "data.mdb.compact"};
	bool found = false;

	for (size_t i = 0; i < 3 && !found; i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		{
			size_t n = strlen(needle), len = 0;
			char *buf = malloc(1 << 20);
			int ch;
			while ((ch = fgetc(f)) != EOF && !found) {
				if (len == (1u << 20))
					memmove(buf, buf + (1 << 19), (size_t)(len = 1 << 19));
				buf[len++] = (char)ch;
				found = len >= n && memcmp(buf + len - n, needle, n) == 0;
			}
			free(buf);
		}
		fclose(f);
	}
	return found;
}

START_TEST(test_compact)
{
	uint64_t a = make_bal("a", BAL_PER), sent = mbox_id(a, "Sent");
	struct purge_ctx p = {.bal = a, .before = 1500000000};
	uint64_t before, after;
	const char *why = NULL;

	put(mbox_id(a, "INBOX"), "kept message", 0);
	put(sent, "SECRET-MARKER-4242", 1000000000);
	ck_assert_int_eq(store_write(g_s, ap_purge, &p), 0);
	ck_assert_uint_eq(p.r.messages, 1);
	ck_assert_int_eq(store_compact(g_dir, &before, &after, &why), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "open in this process"));
	store_close(&g_s);
	ck_assert(dir_holds(g_dir, "SECRET-MARKER-4242"));
	ck_assert_int_eq(store_compact(g_dir, &before, &after, &why), 0);
	ck_assert(!dir_holds(g_dir, "SECRET-MARKER-4242"));
	ck_assert(dir_holds(g_dir, "kept message"));
	{
		char old[300];
		snprintf(old, sizeof(old), "%s/data.mdb.old", g_dir);
		ck_assert_int_eq(access(old, F_OK), -1); /* wiped and removed */
	}
	open_store();
	check_consistent();
	ck_assert_uint_eq(mbox_count(mbox_id(a, "INBOX")), 1);
	ck_assert_uint_eq(make_bal("b", BAL_PER), a + 1); /* counters kept: ids not reused */
}
END_TEST

/* ---------------------------------------------------------------- French texts */

static bool buf_has(struct buf *b, const char *needle)
{
	buf_cstr(b);
	return strstr((const char *)b->data, needle) != NULL;
}

START_TEST(test_french_texts)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	ck_assert_int_eq(tfr_delreq_ack_body("dr.a@" DOMAIN, 42, 1800000000, &b), 0);
	ck_assert(buf_has(&b, "Bonjour"));
	ck_assert(buf_has(&b, "dr.a@" DOMAIN));
	ck_assert(buf_has(&b, "numéro 42"));
	ck_assert(buf_has(&b, "heure de Paris"));
	ck_assert(buf_has(&b, "ne sera jamais"));
	buf_reset(&b);
	ck_assert_int_eq(tfr_inactivity_body("dr.a@" DOMAIN, 0, TFR_INACT_NONE, 0, &b), 0);
	ck_assert(buf_has(&b, "depuis sa création"));
	ck_assert(!buf_has(&b, "à partir du")); /* warn only: no action announced */
	ck_assert(buf_has(&b, "vaut opposition"));
	buf_reset(&b);
	ck_assert_int_eq(tfr_inactivity_body("dr.a@" DOMAIN, 1800000000, TFR_INACT_SUSPEND,
	                                     1800000000 + 30 * DAY, &b),
	                 0);
	ck_assert(buf_has(&b, "depuis le "));
	ck_assert(buf_has(&b, "sera suspendue"));
	buf_reset(&b);
	ck_assert_int_eq(tfr_inactivity_body("x@" DOMAIN, 0, TFR_INACT_DELETE, 1, &b), 0);
	ck_assert(buf_has(&b, "sur décision de l'opérateur"));
	buf_free(&b);
	ck_assert_ptr_nonnull(strstr(tfr_delreq_ack_subject(), "suppression"));
	ck_assert_ptr_nonnull(strstr(tfr_inactivity_subject(), "inactive"));
}
END_TEST

Suite *lifecycle_suite(void);

Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("lifecycle");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_purge_only_old_sent);
	tcase_add_test(tc, test_purge_read_txn_refused);
	tcase_add_test(tc, test_purge_job_by_retention);
	tcase_add_test(tc, test_login_coalesced_and_clears_warning);
	tcase_add_test(tc, test_delreq_holder_rule);
	tcase_add_test(tc, test_delreq_reject_then_approve);
	tcase_add_test(tc, test_inactivity_warn_then_suspend);
	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_french_texts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lifecycle_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
