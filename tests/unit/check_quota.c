/* SPDX-License-Identifier: ISC */
/* Quota alerts (EX_GBM_4470) and local delivery in libbalstore: levels
 * 80/90/100 once per crossing, re-armed when usage falls, a refusal that
 * counts as 100 %, alerts stored uncharged and never refused, message-count
 * quotas, and one message delivered to several BALs as one blob. The alert
 * builder here is a test one: the French texts live in common/. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "store_test.h"

#define RPPS_OK "810001234565"
#define DOMAIN "example.test"

static char g_dir[256];
static struct store *g_s;

/* ---------------------------------------------------------------- test builder */

struct builder {
	unsigned calls;
	unsigned last_level, last_percent;
	bool last_refused;
	int fail; /* store error to return instead of building */
};

static struct builder g_b;

static int test_alert(void *arg, struct store_txn *txn, const struct store_alert *a,
                      uint64_t *blob_id_r)
{
	struct builder *b = arg;
	char msg[512];
	int n;

	b->calls++;
	b->last_level = a->level;
	b->last_percent = a->percent;
	b->last_refused = a->refused;
	if (b->fail != 0)
		return b->fail;
	n = snprintf(msg, sizeof(msg),
	             "From: postmaster@" DOMAIN "\r\nTo: %s\r\nAuto-Submitted: auto-generated\r\n"
	             "Subject: level %u\r\n\r\nused %llu of %llu\r\n",
	             a->bal->address, a->level, (unsigned long long)a->usage.bytes,
	             (unsigned long long)a->bal->quota_bytes);
	return store_blob_put(txn, msg, (size_t)n, "s", 1, blob_id_r);
}

static const struct store_alerter g_alerter = {test_alert, &g_b};

/* ---------------------------------------------------------------- fixture */

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

static int ap_bal_update(struct store_txn *t, void *ctx)
{
	struct bal_ctx *c = ctx;

	return store_bal_update(t, &c->bal, &c->why);
}

static uint64_t make_bal(const char *local, uint64_t quota_bytes, uint64_t quota_msgs,
                         enum store_bal_state state)
{
	struct bal_ctx c = {0};

	snprintf(c.bal.address, sizeof(c.bal.address), "%s@" DOMAIN, local);
	c.bal.type = BAL_PER;
	c.bal.holder_type = 8;
	strcpy(c.bal.holder, RPPS_OK);
	c.bal.quota_bytes = quota_bytes;
	c.bal.quota_messages = quota_msgs;
	c.bal.state = state;
	ck_assert_int_eq(store_write(g_s, ap_bal, &c), 0);
	return c.bal.id;
}

static void setup(void)
{
	struct store_opts o = {0};
	const char *why = NULL;

	memset(&g_b, 0, sizeof(g_b));
	store_test_dir(g_dir);
	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
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

static uint64_t mbox_id(uint64_t bal, const char *name)
{
	struct store_txn *t;
	struct store_mailbox mb;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_mailbox_get(t, bal, name, &mb), 1);
	store_read_end(&t);
	return mb.id;
}

static struct store_quota quota(uint64_t bal)
{
	struct store_txn *t;
	struct store_quota q;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_quota_get(t, bal, &q), 0);
	store_read_end(&t);
	return q;
}

/* Messages of a mailbox: all of them, and the uncharged ones (alerts). */
struct count {
	unsigned all, alerts;
	uint32_t last_alert_uid;
};

static int count_one(void *arg, const struct store_msg *m)
{
	struct count *c = arg;

	c->all++;
	if (m->uncharged) {
		c->alerts++;
		c->last_alert_uid = m->uid;
	}
	return 0;
}

static struct count count_msgs(uint64_t mb)
{
	struct count c = {0};
	struct store_txn *t;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_msg_each(t, mb, 1, count_one, &c), 0);
	store_read_end(&t);
	return c;
}

/* ---------------------------------------------------------------- one change */

/* An APPEND as the IMAP server does it: admit, append, then alert. */
struct add_ctx {
	uint64_t bal, mb;
	size_t len;
	const struct store_alerter *al;
	unsigned alert;     /* out */
	bool refused;       /* out */
	uint32_t uid;       /* out */
};

static int ap_add(struct store_txn *t, void *ctx)
{
	struct add_ctx *c = ctx;
	char *data = malloc(c->len);
	struct store_msg m;
	uint64_t blob;
	int rc;

	memset(data, 'x', c->len);
	c->refused = false;
	rc = store_quota_admit(t, c->bal, c->len, 1, c->al, &c->alert);
	if (rc == STORE_E_QUOTA) {
		c->refused = true;
		free(data);
		return 0; /* keep the alert */
	}
	if (rc == 0)
		rc = store_blob_put(t, data, c->len, "s", 1, &blob);
	free(data);
	if (rc == 0)
		rc = store_msg_append(t, c->mb, blob, 0, 0, 0, STORE_APPEND_QUOTA, &m);
	if (rc == 0)
		rc = store_quota_alert(t, c->bal, c->al, &c->alert);
	if (rc == 0)
		c->uid = m.uid;
	return rc;
}

/* Adds len bytes to mailbox mb of bal; returns the level alerted (0 none),
 * or -1 when refused. */
static int add(uint64_t bal, uint64_t mb, size_t len)
{
	struct add_ctx c = {.bal = bal, .mb = mb, .len = len, .al = &g_alerter};

	ck_assert_int_eq(store_write(g_s, ap_add, &c), 0);
	return c.refused ? -1 : (int)c.alert;
}

static uint32_t add_uid(uint64_t bal, uint64_t mb, size_t len)
{
	struct add_ctx c = {.bal = bal, .mb = mb, .len = len, .al = &g_alerter};

	ck_assert_int_eq(store_write(g_s, ap_add, &c), 0);
	ck_assert(!c.refused);
	return c.uid;
}

struct uid_ctx {
	uint64_t mb, dst;
	uint32_t uid;
	unsigned opts;
	struct store_msg msg;
};

static int ap_expunge(struct store_txn *t, void *ctx)
{
	struct uid_ctx *c = ctx;

	return store_msg_expunge(t, c->mb, c->uid);
}

static void expunge(uint64_t mb, uint32_t uid)
{
	struct uid_ctx c = {.mb = mb, .uid = uid};

	ck_assert_int_eq(store_write(g_s, ap_expunge, &c), 0);
}

static int ap_copy(struct store_txn *t, void *ctx)
{
	struct uid_ctx *c = ctx;

	return store_msg_copy(t, c->mb, c->uid, c->dst, c->opts, &c->msg);
}

static int ap_move(struct store_txn *t, void *ctx)
{
	struct uid_ctx *c = ctx;

	return store_msg_move(t, c->mb, c->uid, c->dst, c->opts, &c->msg);
}

/* ---------------------------------------------------------------- levels */

START_TEST(test_crossing_80_90_100)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t inbox = mbox_id(bal, "INBOX"), sent = mbox_id(bal, "Sent");

	ck_assert_int_eq(add(bal, sent, 500), 0);
	ck_assert_int_eq(add(bal, sent, 299), 0); /* 79 % */
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	ck_assert_int_eq(add(bal, sent, 1), 80); /* exactly 80 % */
	ck_assert_uint_eq(g_b.last_percent, 80);
	ck_assert(!g_b.last_refused);
	ck_assert_int_eq(add(bal, sent, 50), 0);  /* 85 %: no second 80 % alert */
	ck_assert_int_eq(add(bal, sent, 60), 90); /* 91 % */
	ck_assert_int_eq(add(bal, sent, 5), 0);
	ck_assert_int_eq(add(bal, sent, 85), 100); /* exactly full: accepted, 100 % */
	ck_assert_uint_eq(quota(bal).alert_level, 100);
	ck_assert_uint_eq(g_b.calls, 3);
	/* three alerts in the INBOX, none charged: usage is the user's 1000 */
	ck_assert_uint_eq(count_msgs(inbox).alerts, 3);
	ck_assert_uint_eq(count_msgs(inbox).all, 3);
	ck_assert_uint_eq(quota(bal).bytes, 1000);
	ck_assert_uint_eq(quota(bal).messages, 7);
	check_consistent();
}
END_TEST

START_TEST(test_jump_70_to_100)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent");

	ck_assert_int_eq(add(bal, sent, 700), 0);
	ck_assert_int_eq(add(bal, sent, 300), 100); /* one alert, the highest level */
	ck_assert_uint_eq(g_b.calls, 1);
	ck_assert_uint_eq(count_msgs(mbox_id(bal, "INBOX")).alerts, 1);
	/* and from 0 straight to 90 */
	bal = make_bal("b", 1000, 0, BAL_ACTIVE);
	ck_assert_int_eq(add(bal, mbox_id(bal, "Sent"), 950), 90);
	ck_assert_uint_eq(quota(bal).alert_level, 90);
	check_consistent();
}
END_TEST

START_TEST(test_rearm_below)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent");
	uint32_t big = add_uid(bal, sent, 600), small;

	ck_assert_int_eq(add(bal, sent, 310), 90); /* 91 % */
	small = add_uid(bal, sent, 20);            /* 93 % */
	expunge(sent, small);                      /* 91 %: still at 90 */
	ck_assert_uint_eq(quota(bal).alert_level, 90);
	expunge(sent, big); /* 31 %: every level re-arms */
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	ck_assert_int_eq(add(bal, sent, 500), 80); /* 81 % */
	ck_assert_uint_eq(g_b.calls, 2);
	/* falling from 90 to 85 re-arms 90 only */
	ck_assert_int_eq(add(bal, sent, 100), 90); /* 91 % */
	small = add_uid(bal, sent, 10);
	ck_assert_int_eq(add(bal, sent, 1), 0);
	expunge(sent, small);  /* 91 % */
	ck_assert_uint_eq(quota(bal).alert_level, 90);
	ck_assert_int_eq(add(bal, sent, 1), 0); /* no second 90 % alert */
	check_consistent();
}
END_TEST

START_TEST(test_rearm_90_to_80)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent");
	uint32_t u;

	ck_assert_int_eq(add(bal, sent, 800), 80);
	u = add_uid(bal, sent, 110);
	ck_assert_uint_eq(quota(bal).alert_level, 90);
	expunge(sent, u); /* 80 %: 90 re-arms, 80 stays sent */
	ck_assert_uint_eq(quota(bal).alert_level, 80);
	ck_assert_int_eq(add(bal, sent, 100), 90); /* a new crossing of 90 */
	ck_assert_uint_eq(g_b.calls, 3);
	check_consistent();
}
END_TEST

START_TEST(test_move_keeps_usage_and_levels)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE), other = make_bal("b", 0, 0, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent"), drafts = mbox_id(bal, "Drafts");
	struct uid_ctx mv = {.mb = sent, .dst = drafts, .opts = STORE_APPEND_QUOTA};

	mv.uid = add_uid(bal, sent, 1000); /* full: 100 % */
	ck_assert_uint_eq(quota(bal).alert_level, 100);
	/* a MOVE at 100 % is not refused and re-arms nothing */
	ck_assert_int_eq(store_write(g_s, ap_move, &mv), 0);
	ck_assert(!mv.msg.uncharged);
	ck_assert_uint_eq(quota(bal).bytes, 1000);
	ck_assert_uint_eq(quota(bal).alert_level, 100);
	ck_assert_uint_eq(count_msgs(sent).all, 0);
	check_consistent();
	/* between BALs: charged to the destination, credited to the source */
	mv = (struct uid_ctx){.mb = drafts, .uid = mv.msg.uid, .dst = mbox_id(other, "INBOX")};
	ck_assert_int_eq(store_write(g_s, ap_move, &mv), 0);
	ck_assert_uint_eq(quota(bal).bytes, 0);
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	ck_assert_uint_eq(quota(other).bytes, 1000);
	check_consistent();
}
END_TEST

START_TEST(test_refused_counts_as_100_once)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t inbox = mbox_id(bal, "INBOX"), sent = mbox_id(bal, "Sent");
	uint32_t u = add_uid(bal, sent, 100);

	ck_assert_int_eq(add(bal, sent, 750), 80); /* 85 % */
	ck_assert_int_eq(add(bal, sent, 200), -1); /* would be 105 %: refused, 100 % alert */
	ck_assert_uint_eq(g_b.last_level, 100);
	ck_assert(g_b.last_refused);
	ck_assert_uint_eq(g_b.last_percent, 85);
	ck_assert_uint_eq(quota(bal).alert_level, 100);
	ck_assert_uint_eq(quota(bal).bytes, 850); /* nothing stored */
	ck_assert_int_eq(add(bal, sent, 200), -1); /* refused again: no second alert */
	ck_assert_int_eq(add(bal, sent, 160), -1);
	ck_assert_uint_eq(g_b.calls, 2);
	ck_assert_uint_eq(count_msgs(inbox).alerts, 2);
	/* a smaller message still fits; the 100 % level stays sent */
	ck_assert_int_eq(add(bal, sent, 100), 0);
	ck_assert_uint_eq(quota(bal).alert_level, 100);
	/* space freed: 100 re-arms, and the next refusal alerts again */
	expunge(sent, u);
	ck_assert_uint_eq(quota(bal).alert_level, 80);
	ck_assert_int_eq(add(bal, sent, 500), -1);
	ck_assert_uint_eq(g_b.calls, 3);
	ck_assert_uint_eq(count_msgs(inbox).alerts, 3);
	check_consistent();
}
END_TEST

START_TEST(test_alerts_uncharged_never_refused)
{
	uint64_t bal = make_bal("a", 1000, 2, BAL_ACTIVE);
	uint64_t inbox = mbox_id(bal, "INBOX"), sent = mbox_id(bal, "Sent");
	struct uid_ctx cp;
	struct store_mailbox mb;
	struct store_txn *t;
	struct count c;

	ck_assert_int_eq(add(bal, sent, 1000), 100); /* full in bytes, alert stored */
	ck_assert_int_eq(add(bal, sent, 1), -1);     /* full: refused, no second alert */
	ck_assert_int_eq(add(bal, sent, 1), -1);
	ck_assert_uint_eq(quota(bal).bytes, 1000);
	ck_assert_uint_eq(quota(bal).messages, 1);
	c = count_msgs(inbox);
	ck_assert_uint_eq(c.alerts, 1);
	/* the alert counts in the mailbox (STATUS SIZE), not in the quota */
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_mailbox_get_by_id(t, inbox, &mb), 1);
	store_read_end(&t);
	ck_assert_uint_eq(mb.messages, 1);
	ck_assert(mb.bytes > 0);
	check_consistent();
	/* a user's COPY of the alert is charged, hence refused when full */
	cp = (struct uid_ctx){.mb = inbox, .uid = c.last_alert_uid, .dst = sent,
	                      .opts = STORE_APPEND_QUOTA};
	ck_assert_int_eq(store_write(g_s, ap_copy, &cp), STORE_E_QUOTA);
	/* a MOVE keeps it uncharged (usage does not change) */
	ck_assert_int_eq(store_write(g_s, ap_move, &cp), 0);
	ck_assert(cp.msg.uncharged);
	ck_assert_uint_eq(count_msgs(inbox).all, 0);
	ck_assert_uint_eq(quota(bal).bytes, 1000);
	ck_assert_uint_eq(count_msgs(sent).alerts, 1);
	/* expunging an alert credits nothing */
	expunge(sent, cp.msg.uid);
	ck_assert_uint_eq(quota(bal).bytes, 1000);
	ck_assert_uint_eq(quota(bal).messages, 1);
	check_consistent();
	/* expunging the user's message re-arms 100 */
	expunge(sent, 1);
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	ck_assert_uint_eq(quota(bal).bytes, 0);
	check_consistent();
}
END_TEST

START_TEST(test_message_quota)
{
	uint64_t bal = make_bal("a", 0, 10, BAL_ACTIVE); /* bytes unlimited */
	uint64_t sent = mbox_id(bal, "Sent");
	uint64_t both = make_bal("b", 1000, 10, BAL_ACTIVE);
	struct store_bal b = {.quota_bytes = 1000, .quota_messages = 10};
	struct store_quota q = {.bytes = 500, .messages = 9};

	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(add(bal, sent, 100000), 0);
	ck_assert_int_eq(add(bal, sent, 1), 80);
	ck_assert_int_eq(add(bal, sent, 1), 90);
	ck_assert_int_eq(add(bal, sent, 1), 100);
	ck_assert_int_eq(add(bal, sent, 1), -1); /* 11th: refused, 100 % already sent */
	ck_assert_uint_eq(g_b.calls, 3);
	ck_assert_uint_eq(quota(bal).messages, 10);
	/* both quotas: the higher percentage decides */
	ck_assert_uint_eq(store_quota_percent(&b, &q), 90);
	q.bytes = 950;
	q.messages = 1;
	ck_assert_uint_eq(store_quota_percent(&b, &q), 95);
	ck_assert_uint_eq(store_quota_level(&b, &q), 90);
	sent = mbox_id(both, "Sent");
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(add(both, sent, 1), i == 7 ? 80 : 0);
	ck_assert_int_eq(add(both, sent, 891), 90); /* 89 % bytes, 90 % messages */
	check_consistent();
}
END_TEST

static int fits(uint64_t bal, uint64_t bytes, uint64_t messages)
{
	struct store_txn *t;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = store_quota_fits(t, bal, bytes, messages);
	store_read_end(&t);
	return rc;
}

START_TEST(test_fits_read_only)
{
	uint64_t bal = make_bal("a", 1000, 3, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent");

	ck_assert_int_eq(fits(bal, 1000, 1), 1);
	ck_assert_int_eq(fits(bal, 1001, 1), 0);
	ck_assert_int_eq(fits(bal, 0, 4), 0);
	ck_assert_int_eq(fits(bal, UINT64_MAX, 0), 0); /* no wrap-around */
	ck_assert_int_eq(add(bal, sent, 999), 90); /* 99.9 % rounds down */
	ck_assert_int_eq(fits(bal, 1, 1), 1);
	ck_assert_int_eq(fits(bal, 2, 0), 0);
	ck_assert_int_eq(fits(bal + 100, 1, 1), STORE_E_NOTFOUND);
	ck_assert_uint_eq(g_b.calls, 1); /* checking sends nothing */
}
END_TEST

START_TEST(test_percent_bounds)
{
	struct store_bal b = {0};
	struct store_quota q = {.bytes = UINT64_MAX, .messages = UINT64_MAX};

	ck_assert_uint_eq(store_quota_percent(&b, &q), 0); /* unlimited */
	ck_assert_uint_eq(store_quota_level(&b, &q), 0);
	b.quota_bytes = UINT64_MAX;
	ck_assert_uint_eq(store_quota_percent(&b, &q), 100);
	b.quota_bytes = 1;
	ck_assert_uint_eq(store_quota_percent(&b, &q), UINT32_MAX); /* no overflow */
	ck_assert_uint_eq(store_quota_level(&b, &q), 100);
	b.quota_bytes = 1000;
	q.bytes = 799;
	q.messages = 0;
	ck_assert_uint_eq(store_quota_percent(&b, &q), 79);
	ck_assert_uint_eq(store_quota_level(&b, &q), 0);
}
END_TEST

START_TEST(test_no_alerter_then_alerter)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent");
	struct add_ctx c = {.bal = bal, .mb = sent, .len = 850};

	ck_assert_int_eq(store_write(g_s, ap_add, &c), 0); /* no alerter */
	ck_assert_uint_eq(c.alert, 0);
	ck_assert_uint_eq(quota(bal).alert_level, 0); /* not recorded: still owed */
	ck_assert_int_eq(add(bal, sent, 10), 80);     /* the next change sends it */
	ck_assert_uint_eq(g_b.calls, 1);
}
END_TEST

START_TEST(test_builder_failure_skips_alert)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	uint64_t sent = mbox_id(bal, "Sent");

	g_b.fail = STORE_E_INVALID;
	ck_assert_int_eq(add(bal, sent, 900), 0); /* stored all the same */
	ck_assert_uint_eq(g_b.calls, 1);
	ck_assert_uint_eq(quota(bal).bytes, 900);
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	ck_assert_int_eq(add(bal, sent, 200), -1); /* refused, alert failed again */
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	g_b.fail = 0;
	ck_assert_int_eq(add(bal, sent, 1), 90);
	ck_assert_uint_eq(count_msgs(mbox_id(bal, "INBOX")).alerts, 1);
	check_consistent();
}
END_TEST

START_TEST(test_quota_raise_rearms)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	struct bal_ctx c = {0};
	struct store_txn *t;

	ck_assert_int_eq(add(bal, mbox_id(bal, "Sent"), 950), 90);
	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	ck_assert_int_eq(store_bal_get(t, bal, &c.bal), 1);
	store_read_end(&t);
	c.bal.quota_bytes = 1100; /* 86 % */
	ck_assert_int_eq(store_write(g_s, ap_bal_update, &c), 0);
	ck_assert_uint_eq(quota(bal).alert_level, 80);
	c.bal.quota_bytes = 0; /* unlimited */
	ck_assert_int_eq(store_write(g_s, ap_bal_update, &c), 0);
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	c.bal.quota_bytes = 950; /* smaller: nothing sent until the next change */
	ck_assert_int_eq(store_write(g_s, ap_bal_update, &c), 0);
	ck_assert_uint_eq(quota(bal).alert_level, 0);
	ck_assert_int_eq(add(bal, mbox_id(bal, "Sent"), 1), -1);
	ck_assert_uint_eq(quota(bal).alert_level, 100);
}
END_TEST

static int ap_set_alert(struct store_txn *t, void *ctx)
{
	return store_quota_set_alert(t, *(uint64_t *)ctx, 50);
}

START_TEST(test_check_alert_level)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	const char *why = NULL;

	ck_assert_int_eq(store_write(g_s, ap_set_alert, &bal), 0);
	ck_assert_int_eq(store_check(g_s, &why), STORE_E_IO);
	ck_assert_ptr_nonnull(strstr(why, "alert level 50"));
}
END_TEST

/* ---------------------------------------------------------------- replay */

/* The writer is held inside a first request while the next ones queue, so
 * that they run as one batch. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, open;
	unsigned done;
};

static struct gate g_gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false, 0};

static int ap_gate(struct store_txn *t, void *ctx)
{
	(void)t;
	(void)ctx;
	pthread_mutex_lock(&g_gate.lock);
	g_gate.entered = true;
	pthread_cond_broadcast(&g_gate.cond);
	while (!g_gate.open)
		pthread_cond_wait(&g_gate.cond, &g_gate.lock);
	pthread_mutex_unlock(&g_gate.lock);
	return 0;
}

static int ap_fail(struct store_txn *t, void *ctx)
{
	(void)t;
	(void)ctx;
	return STORE_E_INVALID;
}

static void gate_count(void)
{
	pthread_mutex_lock(&g_gate.lock);
	g_gate.done++;
	pthread_cond_broadcast(&g_gate.cond);
	pthread_mutex_unlock(&g_gate.lock);
}

/* ctx is an int result (the gate, the failing request). */
static void int_done(void *ctx, int result)
{
	*(int *)ctx = result;
	gate_count();
}

static int g_add_result = 1;

static void add_done(void *ctx, int result)
{
	(void)ctx;
	g_add_result = result;
	gate_count();
}

START_TEST(test_replayed_batch_one_alert)
{
	uint64_t bal = make_bal("a", 1000, 0, BAL_ACTIVE);
	struct add_ctx c = {.bal = bal, .mb = mbox_id(bal, "Sent"), .len = 850, .al = &g_alerter};
	int res_gate = 1, res_fail = 1;
	struct store_wreq w[3] = {{.apply = ap_gate, .done = int_done, .ctx = &res_gate},
	                          {.apply = ap_add, .done = add_done, .ctx = &c},
	                          {.apply = ap_fail, .done = int_done, .ctx = &res_fail}};

	store_write_async(g_s, &w[0]);
	pthread_mutex_lock(&g_gate.lock);
	while (!g_gate.entered)
		pthread_cond_wait(&g_gate.cond, &g_gate.lock);
	pthread_mutex_unlock(&g_gate.lock);
	store_write_async(g_s, &w[1]); /* these two queue while the gate holds */
	store_write_async(g_s, &w[2]); /* the writer: one batch */
	pthread_mutex_lock(&g_gate.lock);
	g_gate.open = true;
	pthread_cond_broadcast(&g_gate.cond);
	while (g_gate.done < 3)
		pthread_cond_wait(&g_gate.cond, &g_gate.lock);
	pthread_mutex_unlock(&g_gate.lock);
	ck_assert_int_eq(res_gate, 0);
	ck_assert_int_eq(g_add_result, 0);
	ck_assert_int_eq(res_fail, STORE_E_INVALID);
	/* the add ran twice (its batch was replayed without the failing
	 * request), yet one alert was committed */
	ck_assert_uint_eq(g_b.calls, 2);
	ck_assert_uint_eq(c.alert, 80);
	ck_assert_uint_eq(count_msgs(mbox_id(bal, "INBOX")).alerts, 1);
	ck_assert_uint_eq(quota(bal).alert_level, 80);
	ck_assert_uint_eq(quota(bal).bytes, 850);
	check_consistent();
}
END_TEST

/* ---------------------------------------------------------------- delivery */

struct dlv_ctx {
	struct store_delivery d;
	int rc;
};

static int ap_deliver(struct store_txn *t, void *ctx)
{
	struct dlv_ctx *c = ctx;

	c->rc = store_deliver(t, &c->d);
	return c->rc;
}

static long blob_refs(uint64_t blob)
{
	struct store_txn *t;
	uint32_t refs;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = store_blob_info(t, blob, NULL, &refs, NULL, NULL);
	store_read_end(&t);
	return rc == 0 ? (long)refs : -1;
}

static void deliver(struct dlv_ctx *c, struct store_dlv_rcpt *r, size_t n, size_t len)
{
	static char data[4096];

	ck_assert(len <= sizeof(data));
	memset(data, 'm', len);
	memset(c, 0, sizeof(*c));
	c->d = (struct store_delivery){.data = data, .len = len, .summary = "s", .summary_len = 1,
	                               .rcpts = r, .n_rcpts = n, .alerter = &g_alerter};
	ck_assert_int_eq(store_write(g_s, ap_deliver, c), 0);
}

START_TEST(test_deliver_several)
{
	uint64_t a = make_bal("a", 0, 0, BAL_ACTIVE), b = make_bal("b", 0, 0, BAL_ACTIVE);
	uint64_t full = make_bal("full", 1000, 0, BAL_ACTIVE);
	uint64_t susp = make_bal("susp", 0, 0, BAL_SUSPENDED);
	struct store_dlv_rcpt r[] = {
	    {.address = "A@Example.TEST"}, {.address = "nobody@" DOMAIN},
	    {.address = "full@" DOMAIN},   {.address = "susp@" DOMAIN},
	    {.address = "b@" DOMAIN},      {.address = "a@" DOMAIN},
	};
	struct dlv_ctx c;

	ck_assert_int_eq(add(full, mbox_id(full, "Sent"), 900), 90);
	deliver(&c, r, 6, 200);
	ck_assert_int_eq(r[0].status, DLV_STORED);
	ck_assert_uint_eq(r[0].bal_id, a);
	ck_assert_uint_eq(r[0].uid, 1);
	ck_assert_int_eq(r[1].status, DLV_UNKNOWN);
	ck_assert_uint_eq(r[1].bal_id, 0);
	ck_assert_int_eq(r[2].status, DLV_OVERQUOTA);
	ck_assert_uint_eq(r[2].alert, 100); /* the refusal counts as 100 % */
	ck_assert_int_eq(r[3].status, DLV_SUSPENDED);
	ck_assert_uint_eq(r[3].bal_id, susp);
	ck_assert_int_eq(r[4].status, DLV_STORED);
	ck_assert_uint_eq(r[4].bal_id, b);
	ck_assert_int_eq(r[5].status, DLV_STORED); /* a again: the same copy */
	ck_assert_uint_eq(r[5].uid, 1);
	ck_assert_uint_eq(c.d.n_stored, 2);
	/* one blob, one reference per stored copy */
	ck_assert(c.d.blob_id != 0);
	ck_assert_int_eq(blob_refs(c.d.blob_id), 2);
	ck_assert_uint_eq(count_msgs(mbox_id(a, "INBOX")).all, 1);
	ck_assert_uint_eq(count_msgs(mbox_id(b, "INBOX")).all, 1);
	ck_assert_uint_eq(count_msgs(mbox_id(full, "INBOX")).alerts, 2); /* 90, then 100 */
	ck_assert_uint_eq(quota(a).bytes, 200);
	ck_assert_uint_eq(quota(full).bytes, 900);
	check_consistent();
	/* again: a and b get a second copy of a new blob, full no new alert */
	deliver(&c, r, 6, 200);
	ck_assert_uint_eq(r[0].uid, 2);
	ck_assert_uint_eq(r[2].alert, 0);
	ck_assert_int_eq(blob_refs(c.d.blob_id), 2);
	check_consistent();
}
END_TEST

START_TEST(test_deliver_alert_levels)
{
	uint64_t a = make_bal("a", 1000, 0, BAL_ACTIVE), b = make_bal("b", 2000, 0, BAL_ACTIVE);
	struct store_dlv_rcpt r[] = {{.address = "a@" DOMAIN}, {.address = "b@" DOMAIN}};
	uint64_t inbox = mbox_id(a, "INBOX");
	struct dlv_ctx c;

	deliver(&c, r, 2, 850);
	ck_assert_int_eq(r[0].status, DLV_STORED);
	ck_assert_uint_eq(r[0].alert, 80);
	ck_assert_uint_eq(r[1].alert, 0); /* 42 % */
	/* the alert follows the delivered message in the INBOX */
	ck_assert_uint_eq(count_msgs(inbox).all, 2);
	ck_assert_uint_eq(count_msgs(inbox).last_alert_uid, 2);
	deliver(&c, r, 2, 150); /* exactly 1000 for a */
	ck_assert_uint_eq(r[0].alert, 100);
	deliver(&c, r, 2, 150);
	ck_assert_int_eq(r[0].status, DLV_OVERQUOTA);
	ck_assert_uint_eq(r[0].alert, 0); /* 100 % already sent */
	ck_assert_int_eq(r[1].status, DLV_STORED);
	ck_assert_int_eq(blob_refs(c.d.blob_id), 1);
	ck_assert_uint_eq(quota(b).bytes, 1150);
	check_consistent();
}
END_TEST

START_TEST(test_deliver_nobody)
{
	uint64_t full = make_bal("full", 100, 0, BAL_ACTIVE);
	struct store_dlv_rcpt r[] = {{.address = "x@" DOMAIN}, {.address = "full@" DOMAIN},
	                             {.address = "not an address"}};
	struct dlv_ctx c;

	deliver(&c, r, 3, 200);
	ck_assert_int_eq(r[0].status, DLV_UNKNOWN);
	ck_assert_int_eq(r[1].status, DLV_OVERQUOTA);
	ck_assert_uint_eq(r[1].alert, 100); /* kept although nothing was delivered */
	ck_assert_int_eq(r[2].status, DLV_UNKNOWN);
	ck_assert_uint_eq(c.d.blob_id, 0);
	ck_assert_uint_eq(c.d.n_stored, 0);
	ck_assert_uint_eq(quota(full).alert_level, 100);
	ck_assert_uint_eq(count_msgs(mbox_id(full, "INBOX")).all, 1);
	check_consistent(); /* and no blob left without a reference */
}
END_TEST

static Suite *quota_suite(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("alerts");
	TCase *td = tcase_create("delivery");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120); /* every write waits for fsync */
	tcase_add_test(tc, test_crossing_80_90_100);
	tcase_add_test(tc, test_jump_70_to_100);
	tcase_add_test(tc, test_rearm_below);
	tcase_add_test(tc, test_rearm_90_to_80);
	tcase_add_test(tc, test_refused_counts_as_100_once);
	tcase_add_test(tc, test_alerts_uncharged_never_refused);
	tcase_add_test(tc, test_move_keeps_usage_and_levels);
	tcase_add_test(tc, test_message_quota);
	tcase_add_test(tc, test_percent_bounds);
	tcase_add_test(tc, test_fits_read_only);
	tcase_add_test(tc, test_no_alerter_then_alerter);
	tcase_add_test(tc, test_builder_failure_skips_alert);
	tcase_add_test(tc, test_quota_raise_rearms);
	tcase_add_test(tc, test_check_alert_level);
	tcase_add_test(tc, test_replayed_batch_one_alert);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(td, setup, teardown);
	tcase_set_timeout(td, 120);
	tcase_add_test(td, test_deliver_several);
	tcase_add_test(td, test_deliver_alert_levels);
	tcase_add_test(td, test_deliver_nobody);
	suite_add_tcase(s, td);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(quota_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
