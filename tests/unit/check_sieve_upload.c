/* SPDX-License-Identifier: ISC */
/* Compiling an uploaded script under the forwarding rule
 * (server/sieve_upload.c): a valid script gives a compiled form that
 * loads; a syntax error gives its line and column; a redirect the rule
 * refuses (RE_GBM_4480) stops the upload with the French reason, one it
 * allows compiles; redirects to a variable are left to delivery. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sieve_upload.h"
#include "store_test.h"

#define RPPS_A "810001234565"
#define RPPS_B "810007654329"
#define FINESS "1750712184"
#define LOCAL "cab.example.mssante.fr"
#define REMOTE "autre.mssante.fr"
#define RULE "RE_GBM_4480"

static char g_dir[256];
static struct store *g_s;
static struct store_bal g_per, g_per2, g_other, g_org;
static struct annuaire *g_ann;
static struct sieve_policy g_p;
static struct sieve_upload g_up;

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

static int ap_bal(struct store_txn *t, void *ctx)
{
	const char *why;

	return store_bal_create(t, ctx, &why);
}

static void make(struct store_bal *b, const char *local, enum store_bal_type type, int ht,
                 const char *holder)
{
	memset(b, 0, sizeof(*b));
	snprintf(b->address, sizeof(b->address), "%s@" LOCAL, local);
	b->type = type;
	b->holder_type = ht;
	strcpy(b->holder, holder);
	ck_assert_int_eq(store_write(g_s, ap_bal, b), 0);
}

static void setup(void)
{
	static const char ann[] = "Type de BAL|Adresse BAL||||||||||||||||||||||||||||||\n"
	                          "PER|jean.dupont@" REMOTE "|8||" RPPS_A "||||||||||||||||||||||||||\n"
	                          "PER|autre.pro@" REMOTE "|8||" RPPS_B "||||||||||||||||||||||||||\n";
	struct store_opts o = {0};
	const char *why = NULL;
	char err[512];

	store_test_dir(g_dir);
	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
	ck_assert_int_eq(store_write(g_s, ap_domain, LOCAL), 0);
	make(&g_per, "jean.dupont", BAL_PER, 8, RPPS_A);
	make(&g_per2, "dr.dupont", BAL_PER, 8, RPPS_A);
	make(&g_other, "marie.martin", BAL_PER, 8, RPPS_B);
	make(&g_org, "secretariat", BAL_ORG, 1, FINESS);
	g_ann = annuaire_parse(ann, sizeof(ann) - 1, "a.txt", err, sizeof(err));
	ck_assert_msg(g_ann != NULL, "%s", err);
	g_p = (struct sieve_policy){g_ann, NULL, false};
	sieve_upload_init(&g_up);
}

static void teardown(void)
{
	sieve_upload_free(&g_up);
	annuaire_unref(&g_ann);
	store_close(&g_s);
	store_test_rmdir(g_dir);
}

/* Compiles text for bal in a read txn. */
static int upload(const struct store_bal *bal, const char *text)
{
	struct store_txn *t;
	int rc;

	ck_assert_int_eq(store_read_begin(g_s, &t), 0);
	rc = sieve_upload_compile(&g_p, t, bal, text, strlen(text), &g_up);
	store_read_end(&t);
	return rc;
}

/* The compiled form of an accepted upload loads back. */
static void assert_ok(const struct store_bal *bal, const char *text)
{
	struct sieve_script *s = NULL;
	const char *why = NULL;
	int rc = upload(bal, text);

	ck_assert_msg(rc == SIEVE_UPLOAD_OK, "%s: %d %u:%u %s", text, rc, g_up.err.line,
	              g_up.err.col, g_up.err.msg);
	ck_assert_uint_eq(g_up.compiled_version, SIEVE_COMPILED_VERSION);
	ck_assert_uint_gt(g_up.compiled.len, 0);
	ck_assert_uint_eq(g_up.reason_fr.len, 0);
	ck_assert_msg(sieve_load(g_up.compiled.data, g_up.compiled.len, &s, &why) == 0, "%s", why);
	sieve_script_free(&s);
}

static void assert_refused(const struct store_bal *bal, const char *text, unsigned line,
                           unsigned col, const char *fr_part)
{
	int rc = upload(bal, text);

	ck_assert_msg(rc == SIEVE_UPLOAD_REFUSED, "%s: %d (%s)", text, rc, g_up.err.msg);
	ck_assert_uint_eq(g_up.err.line, line);
	ck_assert_uint_eq(g_up.err.col, col);
	ck_assert_uint_eq(g_up.compiled.len, 0);
	ck_assert_ptr_nonnull(strstr(g_up.err.msg, "refused"));
	ck_assert_msg(strstr((char *)g_up.reason_fr.data, fr_part) != NULL, "%s lacks %s",
	              (char *)g_up.reason_fr.data, fr_part);
}

START_TEST(test_valid)
{
	assert_ok(&g_per, "require [\"fileinto\", \"vacation\"];\r\n"
	                  "if header :contains \"subject\" \"urgent\" { fileinto \"Urgences\"; }\r\n"
	                  "vacation :days 3 \"Absent.\";\r\n");
	assert_ok(&g_org, "keep;\n");
	/* the same struct serves again */
	assert_ok(&g_per, "discard;\n");
}
END_TEST

START_TEST(test_syntax_error)
{
	int rc = upload(&g_per, "require \"fileinto\";\nkeep;\n  frobnicate;\n");

	ck_assert_int_eq(rc, SIEVE_UPLOAD_INVALID);
	ck_assert_uint_eq(g_up.err.line, 3);
	ck_assert_uint_eq(g_up.err.col, 3);
	ck_assert_ptr_nonnull(strstr(g_up.err.msg, "frobnicate"));
	ck_assert_uint_eq(g_up.compiled.len, 0);
	ck_assert_uint_eq(g_up.reason_fr.len, 0);
	/* a missing semicolon, then an extension not required */
	ck_assert_int_eq(upload(&g_per, "keep\nstop;\n"), SIEVE_UPLOAD_INVALID);
	ck_assert_uint_eq(g_up.err.line, 2);
	ck_assert_int_eq(upload(&g_per, "keep;\nfileinto \"x\";\n"), SIEVE_UPLOAD_INVALID);
	ck_assert_uint_eq(g_up.err.line, 2);
	ck_assert_uint_eq(g_up.err.col, 1);
	ck_assert_int_eq(upload(&g_per, ""), SIEVE_UPLOAD_OK); /* RFC 5228: implicit keep */
}
END_TEST

START_TEST(test_redirect_same_holder)
{
	assert_ok(&g_per, "redirect \"dr.dupont@" LOCAL "\";\n");
	assert_ok(&g_per, "require \"copy\";\nredirect :copy \"Dr.Dupont@" LOCAL "\";\n");
	assert_ok(&g_per, "redirect \"jean.dupont@" REMOTE "\";\n"); /* in the Annuaire */
}
END_TEST

START_TEST(test_redirect_refused)
{
	assert_refused(&g_per, "keep;\nif true {\n  redirect \"marie.martin@" LOCAL "\";\n}\n", 3,
	               3, "autre professionnel");
	ck_assert_ptr_nonnull(strstr((char *)g_up.reason_fr.data, RULE));
	ck_assert_ptr_nonnull(strstr(g_up.err.msg, "marie.martin@" LOCAL));
	assert_refused(&g_per, "require \"copy\";\nredirect :copy \"autre.pro@" REMOTE "\";\n", 2,
	               1, RULE);
	assert_refused(&g_per, "redirect \"inconnu@" REMOTE "\";\n", 1, 1,
	               "ne figure pas dans l'Annuaire Santé");
	assert_refused(&g_per, "redirect \"jean.dupont@" LOCAL "\";\n", 1, 1, "elle-même");
	/* the first allowed, the second refused: the upload is refused */
	assert_refused(&g_per, "redirect \"dr.dupont@" LOCAL "\";\nredirect \"secretariat@" LOCAL
	                       "\";\n", 2, 1, "(PER)");
	/* ORG: off by default, the reason names the type, not RE_GBM_4480 */
	assert_refused(&g_org, "redirect \"dr.dupont@" LOCAL "\";\n", 1, 1, "de type ORG");
	ck_assert_ptr_null(strstr((char *)g_up.reason_fr.data, RULE));
	/* a refusal does not stick to the next upload */
	assert_ok(&g_per, "keep;\n");
}
END_TEST

START_TEST(test_redirect_variable)
{
	/* not constant: left to the rule at delivery */
	assert_ok(&g_per, "require \"variables\";\nset \"t\" \"marie.martin@" LOCAL "\";\n"
	                  "redirect \"${t}\";\n");
}
END_TEST

static Suite *upload_suite(void)
{
	Suite *s = suite_create("sieve_upload");
	TCase *tc = tcase_create("compile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_redirect_same_holder);
	tcase_add_test(tc, test_redirect_refused);
	tcase_add_test(tc, test_redirect_variable);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(upload_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
