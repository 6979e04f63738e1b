/* SPDX-License-Identifier: ISC */
/* Sieve at delivery on a temporary store (server/sieve_deliver*.c): no
 * script keeps in INBOX; the managed rules and the user's script combine
 * (an explicit keep keeps, the implicit one goes when either cancels it, a
 * run-time error keeps); a redirect without a policy, or to another
 * holder, is a keep; a local loop A -> B -> A ends in B; reject reports to
 * a local return path and to nobody for the null sender; every copy meets
 * the quota; a replaced script is run, not the one kept loaded; each
 * action that sends or drops mail is traced once, with the delivery's
 * message fields, and not at all when the transaction is rolled back. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "idnat.h"
#include "sieve.h"
#include "sieve_deliver.h"
#include "sieve_deliver_int.h"
#include "store_test.h"
#include "util.h"

#define DOM "balise.test"
#define HOLDER "810001234565"
#define OTHER "810007654329"
#define MSG "Return-Path: <x@" DOM ">\r\nFrom: x@" DOM "\r\nTo: a@" DOM "\r\n" \
            "Subject: essai\r\nMessage-ID: <t.1@" DOM ">\r\n\r\nCorps\r\n"

static char dir[256];
static struct store *st;
static uint64_t id_a, id_b, id_c, id_x;

static int setup_apply(struct store_txn *txn, void *arg)
{
	static const struct {
		const char *addr, *holder;
		uint64_t *id;
	} bals[] = {{"a@" DOM, HOLDER, &id_a},
	            {"b@" DOM, HOLDER, &id_b},
	            {"c@" DOM, OTHER, &id_c},
	            {"x@" DOM, HOLDER, &id_x}};
	const char *why = NULL;
	int rc = store_domain_add(txn, DOM);

	(void)arg;
	for (size_t i = 0; i < sizeof(bals) / sizeof(bals[0]) && rc == 0; i++) {
		struct store_bal b = {.type = BAL_PER, .holder_type = IDNAT_RPPS};
		strcpy(b.address, bals[i].addr);
		strcpy(b.holder, bals[i].holder);
		rc = store_bal_create(txn, &b, &why);
		*bals[i].id = b.id;
	}
	return rc;
}

static void setup(void)
{
	struct store_opts o = {0};
	const char *why = NULL;

	store_test_dir(dir);
	o.path = dir;
	ck_assert_int_eq(store_open(&o, &st, &why), 0);
	ck_assert_int_eq(store_write(st, setup_apply, NULL), 0);
}

static void teardown(void)
{
	store_close(&st);
	store_test_rmdir(dir);
	sieve_deliver_cache_free();
}

/* ---------------------------------------------------------------- helpers */

struct put {
	uint64_t bal;
	const char *text;
	bool managed;
};

static void compiled(const char *text, struct buf *out)
{
	struct sieve_script *sc = NULL;
	struct sieve_error err;

	buf_init(out, 0);
	ck_assert_msg(sieve_compile(text, strlen(text), NULL, &sc, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sieve_save(sc, out), 0);
	sieve_script_free(&sc);
}

static int put_apply(struct store_txn *txn, void *arg)
{
	struct put *p = arg;
	const char *why = NULL;
	struct buf c;
	int rc;

	compiled(p->text, &c);
	if (p->managed) {
		struct store_sieve_managed m = {0};
		m.text = slice_from_cstr(p->text);
		m.compiled = buf_slice(&c);
		m.compiled_version = 1;
		m.forward = true;
		strcpy(m.forward_to, "b@" DOM);
		rc = store_sieve_managed_put(txn, p->bal, &m, &why);
	} else {
		rc = store_sieve_put(txn, p->bal, "s", slice_from_cstr(p->text), 1, buf_slice(&c), 0,
		                     NULL, &why);
		if (rc == 0)
			rc = store_sieve_set_active(txn, p->bal, "s");
	}
	buf_free(&c);
	return rc;
}

static void script(uint64_t bal, const char *text)
{
	struct put p = {.bal = bal, .text = text};
	ck_assert_int_eq(store_write(st, put_apply, &p), 0);
}

static void managed(uint64_t bal, const char *text)
{
	struct put p = {.bal = bal, .text = text, .managed = true};
	ck_assert_int_eq(store_write(st, put_apply, &p), 0);
}

struct dlv {
	const char *to, *return_path;
	const struct sieve_policy *policy;
	enum store_dlv_status status;
	bool trace; /* with the audit template */
	bool fail;  /* the apply fails after the delivery: rolled back */
};

/* The delivery's record, as smtp_audit.c makes it (only its message
 * fields are used). */
static const struct store_audit tmpl = {
    .ref = "T1",
    .message_id = "<t.1@" DOM ">",
    .sender = "x@" DOM,
    .rcpts = "a@" DOM,
    .size = 123,
    .request = "ignored",
    .actor = "ignored",
};

static int dlv_apply(struct store_txn *txn, void *arg)
{
	struct dlv *d = arg;
	char local[1024];
	struct sieve_deliver_msg m = {0};
	struct sieve_deliver s;
	struct store_dlv_rcpt r = {.address = d->to};
	int rc;

	snprintf(local, sizeof(local), "Return-Path: <%s>\r\n%s", d->return_path,
	         strchr(MSG, '\n') + 1);
	m.local = slice_from_cstr(local);
	m.wire = slice_from_cstr(strchr(MSG, '\n') + 1);
	m.summary = SLICE_STR("x");
	m.return_path = d->return_path;
	m.envid = "";
	m.now = 1796136900;
	m.hostname = "mx." DOM;
	m.postmaster = "postmaster@" DOM;
	m.id = "T1";
	m.policy = d->policy;
	m.audit = d->trace ? &tmpl : NULL;
	sieve_deliver_begin(&s, txn, &m);
	rc = sieve_deliver_rcpt(&s, &r);
	d->status = r.status;
	return rc == 0 && d->fail ? STORE_E_INVALID : rc;
}

static enum store_dlv_status deliver(const char *to, const char *return_path,
                                     const struct sieve_policy *p)
{
	struct dlv d = {.to = to, .return_path = return_path, .policy = p};

	ck_assert_int_eq(store_write(st, dlv_apply, &d), 0);
	return d.status;
}

/* Messages in a mailbox of a BAL (-1 when it does not exist). */
static long count(uint64_t bal, const char *box)
{
	struct store_txn *txn = NULL;
	struct store_mailbox mb;
	long n;
	int rc;

	ck_assert_int_eq(store_read_begin(st, &txn), 0);
	rc = store_mailbox_get(txn, bal, box, &mb);
	n = rc == 1 ? (long)mb.messages : -1;
	store_read_end(&txn);
	return n;
}

static const struct sieve_policy policy = {0}; /* local PER targets only */

static enum store_dlv_status deliver_traced(const char *to, const char *return_path, bool fail)
{
	struct dlv d = {.to = to, .return_path = return_path, .policy = &policy, .trace = true,
	                .fail = fail};

	ck_assert_int_eq(store_write(st, dlv_apply, &d), fail ? STORE_E_INVALID : 0);
	return d.status;
}

#define MAX_RECS 16
struct recs {
	struct store_audit r[MAX_RECS];
	unsigned n;
};

static int rec_add(void *arg, const struct store_audit *r)
{
	struct recs *rs = arg;

	ck_assert_uint_lt(rs->n, MAX_RECS);
	rs->r[rs->n] = *r;
	rs->r[rs->n++].rcpts = NULL; /* valid during the call only */
	return 0;
}

/* Every "sieve.*" record, in time order. */
static void sieve_recs(struct recs *rs)
{
	struct store_audit_filter f = {.action = "sieve"};
	struct store_txn *txn = NULL;

	rs->n = 0;
	ck_assert_int_eq(store_read_begin(st, &txn), 0);
	ck_assert_int_eq(store_audit_each(txn, &f, rec_add, rs), 0);
	store_read_end(&txn);
}

/* ---------------------------------------------------------------- tests */

START_TEST(no_script_inbox)
{
	ck_assert_int_eq(deliver("a@" DOM, "x@" DOM, NULL), DLV_STORED);
	ck_assert_int_eq(count(id_a, "INBOX"), 1);
	ck_assert_int_eq(deliver("nobody@" DOM, "x@" DOM, NULL), DLV_UNKNOWN);
}
END_TEST

START_TEST(combine)
{
	/* managed forward (no copy), user discard: only the forward */
	managed(id_a, "redirect \"b@" DOM "\";");
	script(id_a, "discard;");
	ck_assert_int_eq(deliver("a@" DOM, "x@" DOM, &policy), DLV_STORED);
	ck_assert_int_eq(count(id_a, "INBOX"), 0);
	ck_assert_int_eq(count(id_b, "INBOX"), 1);
	/* the user's explicit keep keeps despite the managed redirect */
	script(id_a, "keep;");
	deliver("a@" DOM, "x@" DOM, &policy);
	ck_assert_int_eq(count(id_a, "INBOX"), 1);
	ck_assert_int_eq(count(id_b, "INBOX"), 2);
	/* the user's run-time error keeps; the managed forward still goes */
	script(id_a, "require \"copy\"; redirect :copy \"b@" DOM "\"; redirect :copy \"x@" DOM
	             "\"; redirect :copy \"c@" DOM "\"; redirect :copy \"d@" DOM
	             "\"; redirect :copy \"e@" DOM "\";");
	deliver("a@" DOM, "x@" DOM, &policy);
	ck_assert_int_eq(count(id_a, "INBOX"), 2);
	ck_assert_int_eq(count(id_b, "INBOX"), 3);
}
END_TEST

START_TEST(redirect_refused_keeps)
{
	script(id_a, "redirect \"b@" DOM "\";");
	deliver("a@" DOM, "x@" DOM, NULL); /* no policy: every redirect refused */
	ck_assert_int_eq(count(id_a, "INBOX"), 1);
	ck_assert_int_eq(count(id_b, "INBOX"), 0);
	script(id_a, "redirect \"c@" DOM "\";"); /* another holder */
	deliver("a@" DOM, "x@" DOM, &policy);
	ck_assert_int_eq(count(id_a, "INBOX"), 2);
	ck_assert_int_eq(count(id_c, "INBOX"), 0);
}
END_TEST

START_TEST(local_loop)
{
	script(id_a, "redirect \"b@" DOM "\";");
	script(id_b, "redirect \"a@" DOM "\";");
	ck_assert_int_eq(deliver("a@" DOM, "x@" DOM, &policy), DLV_STORED);
	ck_assert_int_eq(count(id_a, "INBOX"), 0);
	ck_assert_int_eq(count(id_b, "INBOX"), 1);
}
END_TEST

START_TEST(reject_reports)
{
	script(id_a, "require \"reject\"; reject \"non\";");
	ck_assert_int_eq(deliver("a@" DOM, "x@" DOM, &policy), DLV_STORED);
	ck_assert_int_eq(count(id_a, "INBOX"), 0);
	ck_assert_int_eq(count(id_x, "INBOX"), 1); /* the report, to the local sender */
	deliver("a@" DOM, "", &policy);            /* null sender: no report */
	ck_assert_int_eq(count(id_a, "INBOX"), 0);
	ck_assert_int_eq(count(id_x, "INBOX"), 1);
}
END_TEST

static int quota_apply(struct store_txn *txn, void *arg)
{
	struct store_bal b;
	const char *why = NULL;
	int rc = store_bal_get(txn, id_a, &b);

	(void)arg;
	if (rc != 1)
		return STORE_E_NOTFOUND;
	b.quota_messages = 1;
	return store_bal_update(txn, &b, &why);
}

START_TEST(quota_every_copy)
{
	ck_assert_int_eq(store_write(st, quota_apply, NULL), 0);
	script(id_a, "require [\"fileinto\", \"copy\", \"mailbox\"];"
	             "fileinto :copy :create \"Copie\";");
	/* room for one copy: the INBOX one is refused, the message counts as
	 * delivered (one copy stored) */
	ck_assert_int_eq(deliver("a@" DOM, "x@" DOM, &policy), DLV_STORED);
	ck_assert_int_eq(count(id_a, "INBOX") + count(id_a, "Copie"), 1);
	/* full: nothing more, over quota */
	ck_assert_int_eq(deliver("a@" DOM, "x@" DOM, &policy), DLV_OVERQUOTA);
	ck_assert_int_eq(count(id_a, "INBOX") + count(id_a, "Copie"), 1);
}
END_TEST

START_TEST(replaced_script_runs)
{
	script(id_a, "discard;");
	deliver("a@" DOM, "x@" DOM, &policy);
	ck_assert_int_eq(count(id_a, "INBOX"), 0);
	script(id_a, "keep;"); /* within the same second: the bytes decide */
	deliver("a@" DOM, "x@" DOM, &policy);
	ck_assert_int_eq(count(id_a, "INBOX"), 1);
}
END_TEST


START_TEST(audit_fill_pure)
{
	struct store_audit r;

	sdv_audit_fill(&r, &tmpl, "a@" DOM, SDV_KIND_ACTIVE, "sieve.discard", "OK");
	ck_assert_int_eq(r.cat, AUDIT_CAT_MESSAGE);
	ck_assert_int_eq(r.by, AUDIT_BY_BAL);
	ck_assert_str_eq(r.actor, "a@" DOM);
	ck_assert_str_eq(r.bal, "a@" DOM);
	ck_assert_str_eq(r.action, "sieve.discard");
	ck_assert_str_eq(r.response, "OK");
	ck_assert_str_eq(r.ref, "T1");
	ck_assert_str_eq(r.message_id, "<t.1@" DOM ">");
	ck_assert_str_eq(r.sender, "x@" DOM);
	ck_assert_str_eq(r.rcpts, "a@" DOM);
	ck_assert_uint_eq(r.size, 123);
	ck_assert_str_eq(r.request, ""); /* never the template's */
	ck_assert_int_eq(r.time_ms, 0);
	sdv_audit_fill(&r, &tmpl, "a@" DOM, SDV_KIND_MANAGED, "sieve.redirect", "OK");
	ck_assert_int_eq(r.by, AUDIT_BY_SYSTEM);
	ck_assert_str_eq(r.actor, "balised(operator rules)");
	ck_assert_str_eq(r.bal, "a@" DOM);
	ck_assert_str_eq(sdv_audit_addr("b@" DOM), "b@" DOM);
	ck_assert_str_eq(sdv_audit_addr("Sujet secret"), "(not an address)");
	ck_assert_str_eq(sdv_audit_addr(""), "(none)");
}
END_TEST

START_TEST(audit_actions)
{
	struct recs *rs = xmalloc(sizeof(*rs));

	/* managed forward to another holder (refused), user discard */
	managed(id_a, "redirect \"c@" DOM "\";");
	script(id_a, "discard;");
	deliver_traced("a@" DOM, "x@" DOM, false);
	sieve_recs(rs);
	ck_assert_uint_eq(rs->n, 2);
	ck_assert_str_eq(rs->r[0].action, "sieve.redirect");
	ck_assert_int_eq(rs->r[0].by, AUDIT_BY_SYSTEM);
	ck_assert_str_eq(rs->r[0].request, "redirect to c@" DOM);
	ck_assert_str_eq(rs->r[0].response, "refused: the target has another holder");
	ck_assert_str_eq(rs->r[0].bal, "a@" DOM);
	ck_assert_str_eq(rs->r[0].message_id, "<t.1@" DOM ">");
	ck_assert_uint_eq(rs->r[0].size, 123);
	ck_assert_str_eq(rs->r[1].action, "sieve.discard");
	ck_assert_int_eq(rs->r[1].by, AUDIT_BY_BAL);
	ck_assert_str_eq(rs->r[1].actor, "a@" DOM);
	/* the refused forward kept it: the discard did not drop it */
	ck_assert_str_eq(rs->r[1].response, "OK, another action kept a copy");
	ck_assert_int_eq(count(id_a, "INBOX"), 1);
	/* rolled back with the delivery: no trace (a replayed apply writes
	 * its traces once) */
	deliver_traced("a@" DOM, "x@" DOM, true);
	sieve_recs(rs);
	ck_assert_uint_eq(rs->n, 2);
	/* reject: one trace, the report's recipient; a local redirect */
	managed(id_a, "keep;");
	script(id_a, "require \"reject\"; reject \"secret reason\";");
	deliver_traced("a@" DOM, "x@" DOM, false);
	script(id_a, "redirect \"b@" DOM "\";");
	deliver_traced("a@" DOM, "x@" DOM, false);
	sieve_recs(rs);
	ck_assert_uint_eq(rs->n, 4);
	ck_assert_str_eq(rs->r[2].action, "sieve.reject");
	ck_assert_str_eq(rs->r[2].request, "reject report to x@" DOM);
	/* the managed keep keeps: the reject is dropped */
	ck_assert_str_eq(rs->r[2].response, "dropped: another action keeps the message");
	ck_assert_str_eq(rs->r[3].action, "sieve.redirect");
	ck_assert_str_eq(rs->r[3].response, "OK allowed, delivered locally");
	ck_assert_int_eq(count(id_b, "INBOX"), 1);
	free(rs);
}
END_TEST

/* A vacation the engine gave for a redirected copy: skipped and traced at
 * delivery (the engine does not see redirect markers); one the engine
 * declines under RFC 3834 (a robot sender) leaves no action, no trace. */
START_TEST(audit_vacation_skipped)
{
	struct recs *rs = xmalloc(sizeof(*rs));

	script(id_a, "redirect \"b@" DOM "\";");
	script(id_b, "require \"vacation\"; vacation :addresses [\"a@" DOM "\"] \"absent\";");
	deliver_traced("a@" DOM, "x@" DOM, false);
	ck_assert_int_eq(count(id_b, "INBOX"), 1);
	sieve_recs(rs);
	ck_assert_uint_eq(rs->n, 2);
	ck_assert_str_eq(rs->r[0].action, "sieve.vacation");
	ck_assert_str_eq(rs->r[0].bal, "b@" DOM);
	ck_assert_str_eq(rs->r[0].request, "vacation reply to a@" DOM);
	ck_assert_str_eq(rs->r[0].response, "skipped: the message was redirected (RFC 3834)");
	ck_assert_str_eq(rs->r[1].action, "sieve.redirect");
	script(id_a, "require \"vacation\"; vacation \"absent\";");
	deliver_traced("a@" DOM, "MAILER-DAEMON@" DOM, false);
	ck_assert_int_eq(count(id_a, "INBOX"), 1);
	sieve_recs(rs);
	ck_assert_uint_eq(rs->n, 2);
	free(rs);
}
END_TEST

static Suite *deliver_suite(void)
{
	Suite *s = suite_create("sieve_deliver");
	TCase *t = tcase_create("all");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, no_script_inbox);
	tcase_add_test(t, combine);
	tcase_add_test(t, redirect_refused_keeps);
	tcase_add_test(t, local_loop);
	tcase_add_test(t, reject_reports);
	tcase_add_test(t, quota_every_copy);
	tcase_add_test(t, replaced_script_runs);
	tcase_add_test(t, audit_fill_pure);
	tcase_add_test(t, audit_actions);
	tcase_add_test(t, audit_vacation_skipped);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deliver_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
