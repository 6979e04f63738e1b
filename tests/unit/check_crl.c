/* SPDX-License-Identifier: ISC */
/* common/crl.c: the earliest nextUpdate of the CRLs in a PEM file (CRLs
 * made here with OpenSSL), files without CRL, and the freshness bands that
 * balised's daily warning and balisectl config check use. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crl.h"

#define T0 1764590400 /* 2025-12-01T12:00:00Z */

static char g_path[64];
static EVP_PKEY *g_key;

static void setup(void)
{
	int fd;

	strcpy(g_path, "/tmp/check_crl.XXXXXX");
	fd = mkstemp(g_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	g_key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(g_key);
}

static void teardown(void)
{
	EVP_PKEY_free(g_key);
	unlink(g_path);
}

/* Appends a signed CRL to the file; next 0: without nextUpdate. */
static void add_crl(int64_t next)
{
	X509_CRL *c = X509_CRL_new();
	X509_NAME *n = X509_NAME_new();
	ASN1_TIME *lu = ASN1_TIME_set(NULL, (time_t)T0);
	FILE *f = fopen(g_path, "a");

	ck_assert_ptr_nonnull(f);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"Test CA", -1, -1,
	                           0);
	ck_assert_int_eq(X509_CRL_set_version(c, 1), 1);
	ck_assert_int_eq(X509_CRL_set_issuer_name(c, n), 1);
	ck_assert_int_eq(X509_CRL_set1_lastUpdate(c, lu), 1);
	if (next != 0) {
		ASN1_TIME *nu = ASN1_TIME_set(NULL, (time_t)next);
		ck_assert_int_eq(X509_CRL_set1_nextUpdate(c, nu), 1);
		ASN1_TIME_free(nu);
	}
	ck_assert_int_gt(X509_CRL_sign(c, g_key, EVP_sha256()), 0);
	ck_assert_int_eq(PEM_write_X509_CRL(f, c), 1);
	fclose(f);
	ASN1_TIME_free(lu);
	X509_NAME_free(n);
	X509_CRL_free(c);
}

START_TEST(test_earliest_next_update)
{
	char err[CRL_ERR_MAX];
	int64_t next = 0;

	add_crl(T0 + 7 * 86400);
	add_crl(T0 + 86400);
	add_crl(0);
	ck_assert_int_eq(crl_next_update(g_path, &next, err, sizeof(err)), 1);
	ck_assert_int_eq(next, T0 + 86400);
}
END_TEST

START_TEST(test_no_next_update)
{
	char err[CRL_ERR_MAX];
	int64_t next = 0;

	add_crl(0);
	ck_assert_int_eq(crl_next_update(g_path, &next, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_no_crl)
{
	char err[CRL_ERR_MAX];
	int64_t next = 0;
	FILE *f = fopen(g_path, "w");

	fputs("not a CRL\n", f);
	fclose(f);
	ck_assert_int_eq(crl_next_update(g_path, &next, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no PEM CRL"));
	ck_assert_int_eq(crl_next_update("/nonexistent/x.crl", &next, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

START_TEST(test_freshness)
{
	ck_assert_int_eq(crl_freshness(T0, T0, 3 * 86400), CRL_STALE);
	ck_assert_int_eq(crl_freshness(T0 - 1, T0, 0), CRL_STALE);
	ck_assert_int_eq(crl_freshness(T0 + 1, T0, 0), CRL_FRESH);
	ck_assert_int_eq(crl_freshness(T0 + 3 * 86400, T0, 3 * 86400), CRL_SOON);
	ck_assert_int_eq(crl_freshness(T0 + 3 * 86400 + 1, T0, 3 * 86400), CRL_FRESH);
}
END_TEST

START_TEST(test_time_format)
{
	char out[32];

	crl_time_format(T0, out, sizeof(out));
	ck_assert_str_eq(out, "2025-12-01T12:00:00Z");
}
END_TEST

static Suite *crl_suite(void)
{
	Suite *s = suite_create("crl");
	TCase *tc = tcase_create("next_update");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_earliest_next_update);
	tcase_add_test(tc, test_no_next_update);
	tcase_add_test(tc, test_no_crl);
	tcase_add_test(tc, test_freshness);
	tcase_add_test(tc, test_time_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(crl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
