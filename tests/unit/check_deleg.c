/* SPDX-License-Identifier: ISC */
/* Delegation storage: RFC 4314 rights letters, grants per BAL and per
 * mailbox and how they resolve, their removal with a BAL or a mailbox,
 * the post right for submission, the access log, and store_check. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "balstore.h"
#include "store_test.h"

#define RPPS_A "810001234565"

START_TEST(test_rights_parse)
{
	unsigned r;
	char bad, out[STORE_RIGHTS_MAX + 1];

	ck_assert_int_eq(store_rights_parse("lr", &r, &bad), 0);
	ck_assert_uint_eq(r, RIGHT_LOOKUP | RIGHT_READ);
	ck_assert_int_eq(store_rights_parse("aetxkpiwsrl", &r, NULL), 0);
	ck_assert_uint_eq(r, STORE_RIGHTS_ALL);
	store_rights_format(r, out);
	ck_assert_str_eq(out, "lrswipkxtea");
	ck_assert_int_eq(store_rights_parse("rrl", &r, NULL), 0);
	store_rights_format(r, out);
	ck_assert_str_eq(out, "lr");
	ck_assert_int_eq(store_rights_parse("lrz", &r, &bad), STORE_E_INVALID);
	ck_assert_int_eq(bad, 'z');
	ck_assert_int_eq(store_rights_parse("LR", &r, &bad), STORE_E_INVALID);
	ck_assert_int_eq(bad, 'L');
	ck_assert_int_eq(store_rights_parse("", &r, &bad), STORE_E_INVALID);
	ck_assert_int_eq(bad, 0);
	/* the obsolete c and d of RFC 2086 are not rights letters here */
	ck_assert_int_eq(store_rights_parse("c", &r, NULL), STORE_E_INVALID);
	store_rights_format(0, out);
	ck_assert_str_eq(out, "");
}
END_TEST

/* ---------------------------------------------------------------- with storage */

static char dir[256];
static struct store *S;
static uint64_t A, B, C; /* BAL ids: A owns, B and C are delegates */
static uint64_t A_SENT;  /* A's Sent mailbox */

static int ap_setup(struct store_txn *t, void *ctx)
{
	const char *addrs[] = {"a@deleg.test", "b@deleg.test", "c@deleg.test"};
	uint64_t *ids[] = {&A, &B, &C};
	struct store_mailbox mb;
	const char *why;
	int rc = store_domain_add(t, "deleg.test");

	(void)ctx;
	for (int i = 0; i < 3 && rc == 0; i++) {
		struct store_bal b;

		memset(&b, 0, sizeof(b));
		strcpy(b.address, addrs[i]);
		b.type = BAL_PER;
		b.holder_type = 8;
		strcpy(b.holder, RPPS_A);
		rc = store_bal_create(t, &b, &why);
		if (rc != 0)
			fprintf(stderr, "setup: %s\n", why);
		*ids[i] = b.id;
	}
	if (rc == 0)
		rc = store_mailbox_get(t, A, "Sent", &mb) == 1 ? 0 : STORE_E_NOTFOUND;
	A_SENT = mb.id;
	return rc;
}

static void setup(void)
{
	struct store_opts o = {.path = dir};
	const char *why;

	store_test_dir(dir);
	ck_assert_int_eq(store_open(&o, &S, &why), 0);
	ck_assert_int_eq(store_write(S, ap_setup, NULL), 0);
}

static void teardown(void)
{
	const char *why = NULL;

	ck_assert_msg(store_check(S, &why) == 0, "store_check: %s", why);
	store_close(&S);
	store_test_rmdir(dir);
}

struct grant {
	struct store_deleg g;
	const char *why;
	int op; /* 0 set, 1 remove, 2 delete the grantee BAL, 3 delete the mailbox */
};

static int ap_grant(struct store_txn *t, void *ctx)
{
	struct grant *c = ctx;

	c->why = NULL;
	switch (c->op) {
	case 0:
		return store_deleg_set(t, &c->g, &c->why);
	case 1:
		return store_deleg_remove(t, c->g.bal_id, c->g.grantee_id, c->g.mailbox_id);
	case 2:
		return store_bal_delete(t, c->g.grantee_id);
	default:
		return store_mailbox_delete(t, c->g.mailbox_id);
	}
}

static int grant(int op, uint64_t bal, uint64_t grantee, uint64_t mailbox, const char *letters)
{
	struct grant c = {.g = {bal, grantee, mailbox, 0}, .op = op};

	if (letters != NULL)
		ck_assert_int_eq(store_rights_parse(letters, &c.g.rights, NULL), 0);
	return store_write(S, ap_grant, &c);
}

/* Rights of grantee on bal's mailbox, as letters. */
static const char *rights(uint64_t grantee, uint64_t bal, uint64_t mailbox)
{
	static char out[STORE_RIGHTS_MAX + 1];
	struct store_txn *t;
	unsigned r;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_deleg_rights(t, grantee, bal, mailbox, &r), 0);
	store_read_end(&t);
	store_rights_format(r, out);
	return out;
}

static int count_one(void *arg, const struct store_deleg *g)
{
	(void)g;
	(*(unsigned *)arg)++;
	return 0;
}

static unsigned count(uint64_t bal)
{
	struct store_txn *t;
	unsigned n = 0;

	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_deleg_each(t, bal, count_one, &n), 0);
	store_read_end(&t);
	return n;
}

START_TEST(test_resolution)
{
	ck_assert_str_eq(rights(A, A, 0), "lrswipkxtea"); /* the owner */
	ck_assert_str_eq(rights(B, A, A_SENT), "");
	ck_assert_int_eq(grant(0, A, B, 0, "lr"), 0);
	ck_assert_str_eq(rights(B, A, 0), "lr");
	ck_assert_str_eq(rights(B, A, A_SENT), "lr"); /* whole-BAL grant applies */
	ck_assert_int_eq(grant(0, A, B, A_SENT, "lrsw"), 0);
	ck_assert_str_eq(rights(B, A, A_SENT), "lrsw"); /* per-mailbox wins */
	ck_assert_str_eq(rights(B, A, 0), "lr");
	ck_assert_str_eq(rights(C, A, A_SENT), ""); /* not C's */
	ck_assert_str_eq(rights(A, B, 0), "");      /* not the other way */
	ck_assert_int_eq(grant(0, A, B, 0, "lrswipkxtea"), 0); /* replaces */
	ck_assert_str_eq(rights(B, A, 0), "lrswipkxtea");
	ck_assert_uint_eq(count(A), 2);
	ck_assert_uint_eq(count(0), 2);
	ck_assert_uint_eq(count(B), 0);
	ck_assert_int_eq(grant(1, A, B, A_SENT, NULL), 0);
	ck_assert_str_eq(rights(B, A, A_SENT), "lrswipkxtea");
	ck_assert_int_eq(grant(1, A, B, A_SENT, NULL), STORE_E_NOTFOUND);
	/* an empty per-mailbox grant (SETACL "") shuts the mailbox */
	{
		struct grant c = {.g = {A, B, A_SENT, 0}, .op = 0};

		ck_assert_int_eq(store_write(S, ap_grant, &c), 0);
	}
	ck_assert_str_eq(rights(B, A, A_SENT), "");
	ck_assert_str_eq(rights(B, A, 0), "lrswipkxtea");
}
END_TEST

START_TEST(test_refusals)
{
	struct grant c = {.g = {A, A, 0, RIGHT_READ}, .op = 0};

	ck_assert_int_eq(store_write(S, ap_grant, &c), STORE_E_INVALID);
	ck_assert_ptr_nonnull(strstr(c.why, "itself"));
	c.g.grantee_id = B;
	c.g.rights = 0;
	ck_assert_int_eq(store_write(S, ap_grant, &c), STORE_E_INVALID);
	c.g.rights = 1u << 11;
	ck_assert_int_eq(store_write(S, ap_grant, &c), STORE_E_INVALID);
	ck_assert_int_eq(grant(0, A, 999, 0, "lr"), STORE_E_NOTFOUND);
	ck_assert_int_eq(grant(0, 999, A, 0, "lr"), STORE_E_NOTFOUND);
	ck_assert_int_eq(grant(0, B, C, A_SENT, "lr"), STORE_E_NOTFOUND); /* A's mailbox */
	ck_assert_uint_eq(count(0), 0);
}
END_TEST

START_TEST(test_removed_with_bal_and_mailbox)
{
	ck_assert_int_eq(grant(0, A, B, 0, "lr"), 0);
	ck_assert_int_eq(grant(0, A, C, A_SENT, "lr"), 0);
	ck_assert_int_eq(grant(0, B, C, 0, "lr"), 0);
	ck_assert_int_eq(grant(3, A, C, A_SENT, NULL), 0); /* delete A's Sent */
	ck_assert_uint_eq(count(0), 2);
	ck_assert_int_eq(grant(2, 0, B, 0, NULL), 0); /* delete BAL B */
	ck_assert_uint_eq(count(0), 0);
	/* teardown's store_check passes: nothing dangles */
}
END_TEST

START_TEST(test_may_post)
{
	struct store_txn *t;

	ck_assert_int_eq(grant(0, A, B, 0, "lr"), 0);
	ck_assert_int_eq(grant(0, A, C, 0, "lrp"), 0);
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_deleg_may_post(t, A, A), 1);
	ck_assert_int_eq(store_deleg_may_post(t, B, A), 0);
	ck_assert_int_eq(store_deleg_may_post(t, C, A), 1);
	ck_assert_int_eq(store_deleg_may_post(t, A, C), 0);
	store_read_end(&t);
}
END_TEST

static int ap_log(struct store_txn *t, void *ctx)
{
	struct store_deleg_access *a = ctx;

	return store_deleg_log_add(t, a);
}

static int log_one(void *arg, const struct store_deleg_access *a)
{
	char *out = arg;

	sprintf(out + strlen(out), "%lld:%s:%s;", (long long)a->time, a->grantee, a->protocol);
	return 0;
}

START_TEST(test_access_log)
{
	struct store_deleg_access a = {.bal_id = A, .grantee_id = B, .grantee = "b@deleg.test",
	                               .protocol = "imap"};
	struct store_txn *t;
	char out[512] = "";

	a.time = 2000;
	ck_assert_int_eq(store_write(S, ap_log, &a), 0);
	a.time = 1000;
	ck_assert_int_eq(store_write(S, ap_log, &a), 0);
	a.time = 3000;
	strcpy(a.protocol, "submission");
	ck_assert_int_eq(store_write(S, ap_log, &a), 0);
	a.bal_id = C; /* another BAL's log */
	ck_assert_int_eq(store_write(S, ap_log, &a), 0);
	a.protocol[0] = '\0';
	ck_assert_int_eq(store_write(S, ap_log, &a), STORE_E_INVALID);
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_deleg_log_each(t, A, 0, log_one, out), 0);
	ck_assert_str_eq(out, "1000:b@deleg.test:imap;2000:b@deleg.test:imap;"
	                      "3000:b@deleg.test:submission;");
	out[0] = '\0';
	ck_assert_int_eq(store_deleg_log_each(t, A, 2000, log_one, out), 0);
	ck_assert_str_eq(out, "2000:b@deleg.test:imap;3000:b@deleg.test:submission;");
	store_read_end(&t);
	/* deleting C takes its log */
	ck_assert_int_eq(grant(2, 0, C, 0, NULL), 0);
	out[0] = '\0';
	ck_assert_int_eq(store_read_begin(S, &t), 0);
	ck_assert_int_eq(store_deleg_log_each(t, C, 0, log_one, out), 0);
	ck_assert_str_eq(out, "");
	store_read_end(&t);
}
END_TEST

static Suite *deleg_suite(void)
{
	Suite *s = suite_create("deleg");
	TCase *tc = tcase_create("rights");

	tcase_add_test(tc, test_rights_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("storage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_resolution);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_removed_with_bal_and_mailbox);
	tcase_add_test(tc, test_may_post);
	tcase_add_test(tc, test_access_log);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deleg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
