/* SPDX-License-Identifier: ISC */
/* Compiling an uploaded script under the forwarding rule
 * (server/sieve_upload.c): a valid script gives a compiled form that
 * loads; a syntax error gives its line and column; a redirect the rule
 * refuses (RE_GBM_4480) stops the upload with the French reason, one it
 * allows compiles; redirects to a variable are left to delivery. And the
 * managed rules (server/sieve_managed.c): the vacation message and subject
 * checks, and the generated script compiled and run. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sieve_managed.h"
#include "sieve_upload.h"
#include "store_test.h"
#include "util.h"

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

/* ---------------------------------------------------------------- managed */

static char g_msg[STORE_VACATION_MESSAGE_MAX + 64];
static const char *g_mwhy;
static unsigned g_mline;

static int message(const char *in, size_t len)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	g_mwhy = NULL;
	g_mline = 99;
	rc = sieve_managed_message(in, len, &b, &g_mwhy, &g_mline);
	g_msg[0] = '\0';
	if (rc == 0) {
		ck_assert_uint_lt(b.len, sizeof(g_msg));
		memcpy(g_msg, b.data, b.len + 1);
		ck_assert_uint_eq(strlen(g_msg), b.len);
	}
	buf_free(&b);
	return rc;
}

#define MSG(lit) message(lit, sizeof(lit) - 1)

START_TEST(test_managed_message)
{
	static char big[STORE_VACATION_MESSAGE_MAX + 2];

	ck_assert_int_eq(MSG("Absent.\n"), 0);
	ck_assert_str_eq(g_msg, "Absent.");
	ck_assert_int_eq(MSG("\xef\xbb\xbf" "Je suis absent.  \r\n\r\nÉcrivez à \"mon\" confrère.\t\r\n\n \n"),
	                 0);
	ck_assert_str_eq(g_msg, "Je suis absent.\n\nÉcrivez à \"mon\" confrère.");
	ck_assert_int_eq(MSG("a\tb"), 0);
	ck_assert_str_eq(g_msg, "a\tb");
	ck_assert_int_eq(MSG(""), -1);
	ck_assert_str_eq(g_mwhy, "the message is empty");
	ck_assert_int_eq(MSG(" \n\t\r\n"), -1);
	ck_assert_str_eq(g_mwhy, "the message is empty");
	ck_assert_int_eq(MSG("ok\nok\nbad \xc3\x28\n"), -1);
	ck_assert_str_eq(g_mwhy, "not valid UTF-8");
	ck_assert_uint_eq(g_mline, 3);
	ck_assert_int_eq(MSG("ok\r\nnul \0 here"), -1);
	ck_assert_str_eq(g_mwhy, "a NUL byte");
	ck_assert_uint_eq(g_mline, 2);
	ck_assert_int_eq(MSG("bare\rcr"), -1);
	ck_assert_str_eq(g_mwhy, "a control character");
	ck_assert_uint_eq(g_mline, 1);
	ck_assert_int_eq(MSG("esc \x1b[31m"), -1);
	ck_assert_int_eq(MSG("c1 \xc2\x85"), -1);
	ck_assert_int_eq(MSG("\xed\xa0\x80"), -1); /* a surrogate */
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(message(big, STORE_VACATION_MESSAGE_MAX), 0);
	ck_assert_int_eq(message(big, STORE_VACATION_MESSAGE_MAX + 1), -1);
	ck_assert_str_eq(g_mwhy, "the message is longer than 16 KiB");
	ck_assert_uint_eq(g_mline, 0);
	/* trailing blanks beyond the limit are dropped first */
	memset(big + 10, ' ', sizeof(big) - 10);
	ck_assert_int_eq(message(big, sizeof(big)), 0);
	ck_assert_uint_eq(strlen(g_msg), 10);
}
END_TEST

START_TEST(test_managed_subject)
{
	char s[STORE_VACATION_SUBJECT_MAX + 2];
	const char *why = NULL;

	ck_assert_int_eq(sieve_managed_subject_check("Absence du Dr Dupont — été", &why), 0);
	ck_assert_int_eq(sieve_managed_subject_check("", &why), -1);
	ck_assert_int_eq(sieve_managed_subject_check("a\r\nBcc: x@y.fr", &why), -1);
	ck_assert_str_eq(why, "the subject holds a control character");
	ck_assert_int_eq(sieve_managed_subject_check("\xff", &why), -1);
	ck_assert_str_eq(why, "the subject is not valid UTF-8");
	memset(s, 'x', sizeof(s));
	s[STORE_VACATION_SUBJECT_MAX] = '\0';
	ck_assert_int_eq(sieve_managed_subject_check(s, &why), 0);
	s[STORE_VACATION_SUBJECT_MAX] = 'x';
	s[STORE_VACATION_SUBJECT_MAX + 1] = '\0';
	ck_assert_int_eq(sieve_managed_subject_check(s, &why), -1);
}
END_TEST

static char g_script[4096];

/* Generates m's script into g_script and compiles it for bal. */
static int managed(const struct store_bal *bal, const struct store_sieve_managed *m)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(sieve_managed_script(m, &b), 0);
	ck_assert_uint_lt(b.len, sizeof(g_script));
	memcpy(g_script, b.data, b.len);
	g_script[b.len] = '\0';
	buf_free(&b);
	return upload(bal, g_script);
}

/* Runs the compiled form at now (UTC); the action names, space-separated. */
static void run_at(int64_t now, char *out, size_t outsz)
{
	static const char msg[] = "From: a@b.fr\r\nTo: jean.dupont@" LOCAL "\r\nSubject: rdv\r\n\r\nx\r\n";
	struct sieve_msg_env env = {.msg = (const uint8_t *)msg, .len = sizeof(msg) - 1,
	                            .mail_from = "a@b.fr", .rcpt_to = "jean.dupont@" LOCAL,
	                            .now = now};
	struct sieve_script *s = NULL;
	struct sieve_result r = {0};
	const char *why = NULL;

	ck_assert_msg(sieve_load(g_up.compiled.data, g_up.compiled.len, &s, &why) == 0, "%s", why);
	ck_assert_int_eq(sieve_run(s, &env, &r), 0);
	out[0] = '\0';
	for (unsigned i = 0; i < r.n; i++) {
		const struct sieve_action *a = &r.v[i];
		size_t l = strlen(out);
		snprintf(out + l, outsz - l, "%s%s%s%s", l ? " " : "", sieve_act_name(a->type),
		         a->copy ? ":copy" : "", a->implicit ? ":implicit" : "");
		if (a->type == SIEVE_ACT_VACATION) {
			ck_assert_uint_eq(a->seconds, 3 * 86400);
			ck_assert_str_eq(a->subject, "Absence \"Dr\" Dupont");
			ck_assert_str_eq(a->text, "Absent \\ jusqu'au 3.\r\nÉcrivez à mon confrère.");
		}
	}
	sieve_result_free(&r);
	sieve_script_free(&s);
}

#define DAY(y, m, d) (days_from_civil(y, m, d) * 86400 + 12 * 3600)

START_TEST(test_managed_script)
{
	struct store_sieve_managed m = {0};
	char acts[256];

	m.vacation = true;
	m.vacation_subject = SLICE_STR("Absence \"Dr\" Dupont");
	m.vacation_message = SLICE_STR("Absent \\ jusqu'au 3.\nÉcrivez à mon confrère.");
	m.vacation_days = 3;
	ck_assert_int_eq(managed(&g_per, &m), SIEVE_UPLOAD_OK);
	ck_assert_ptr_null(strstr(g_script, "date"));
	run_at(DAY(2026, 12, 1), acts, sizeof(acts));
	ck_assert_str_eq(acts, "vacation keep:implicit");
	/* from and until, inclusive */
	strcpy(m.vacation_from, "2026-12-20");
	strcpy(m.vacation_until, "2027-01-03");
	ck_assert_int_eq(managed(&g_per, &m), SIEVE_UPLOAD_OK);
	ck_assert_ptr_nonnull(strstr(g_script, "\"ge\" \"date\" \"2026-12-20\""));
	run_at(DAY(2026, 12, 19), acts, sizeof(acts));
	ck_assert_str_eq(acts, "keep:implicit");
	run_at(DAY(2026, 12, 20), acts, sizeof(acts));
	ck_assert_str_eq(acts, "vacation keep:implicit");
	run_at(DAY(2027, 1, 3), acts, sizeof(acts));
	ck_assert_str_eq(acts, "vacation keep:implicit");
	run_at(DAY(2027, 1, 4), acts, sizeof(acts));
	ck_assert_str_eq(acts, "keep:implicit");
	/* only until */
	m.vacation_from[0] = '\0';
	ck_assert_int_eq(managed(&g_per, &m), SIEVE_UPLOAD_OK);
	run_at(DAY(2020, 1, 1), acts, sizeof(acts));
	ck_assert_str_eq(acts, "vacation keep:implicit");
	run_at(DAY(2027, 1, 4), acts, sizeof(acts));
	ck_assert_str_eq(acts, "keep:implicit");
	/* with a forward to the same holder, keeping a copy */
	m.forward = m.forward_keep_copy = true;
	strcpy(m.forward_to, "dr.dupont@" LOCAL);
	ck_assert_int_eq(managed(&g_per, &m), SIEVE_UPLOAD_OK);
	run_at(DAY(2027, 1, 1), acts, sizeof(acts));
	ck_assert_str_eq(acts, "vacation redirect:copy keep:implicit");
	/* the forward alone, no copy: no keep */
	memset(&m, 0, sizeof(m));
	m.forward = true;
	strcpy(m.forward_to, "jean.dupont@" REMOTE);
	ck_assert_int_eq(managed(&g_per, &m), SIEVE_UPLOAD_OK);
	ck_assert_ptr_null(strstr(g_script, "require"));
	run_at(DAY(2027, 1, 1), acts, sizeof(acts));
	ck_assert_str_eq(acts, "redirect");
	/* another holder's BAL: refused with the rule */
	strcpy(m.forward_to, "marie.martin@" LOCAL);
	ck_assert_int_eq(managed(&g_per, &m), SIEVE_UPLOAD_REFUSED);
	ck_assert_ptr_nonnull(strstr((char *)g_up.reason_fr.data, RULE));
	/* a default subject when none is given */
	memset(&m, 0, sizeof(m));
	m.vacation = true;
	m.vacation_message = SLICE_STR("x");
	m.vacation_days = 7;
	ck_assert_int_eq(managed(&g_org, &m), SIEVE_UPLOAD_OK);
	ck_assert_ptr_nonnull(strstr(g_script, ":subject \"" SIEVE_MANAGED_DEFAULT_SUBJECT "\""));
}
END_TEST

static Suite *upload_suite(void)
{
	Suite *s = suite_create("sieve_upload");
	TCase *tc = tcase_create("compile"), *tm;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_redirect_same_holder);
	tcase_add_test(tc, test_redirect_refused);
	tcase_add_test(tc, test_redirect_variable);
	suite_add_tcase(s, tc);
	tm = tcase_create("managed");
	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_set_timeout(tm, 120);
	tcase_add_test(tm, test_managed_message);
	tcase_add_test(tm, test_managed_subject);
	tcase_add_test(tm, test_managed_script);
	suite_add_tcase(s, tm);
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
