/* SPDX-License-Identifier: ISC */
/* common/sasl.c: the strict base64 of SASL responses and the RFC 4616
 * PLAIN split shared by SMTP AUTH and IMAP AUTHENTICATE (and ManageSieve):
 * authzid present or not, NULs in the wrong places, empty and over-long
 * fields, bad and over-long base64. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sasl.h"

#define ID_MAX 16
#define PW_MAX 24

/* Splits the n bytes of m (NULs included). */
static int split(const char *m, size_t n, struct sasl_plain *p)
{
	return sasl_plain_split((struct slice){(const uint8_t *)m, n}, ID_MAX, PW_MAX, p);
}

static void assert_slice(struct slice s, const char *want, size_t n)
{
	ck_assert_uint_eq(s.len, n);
	ck_assert(n == 0 || memcmp(s.p, want, n) == 0);
}

START_TEST(test_split_three_fields)
{
	static const char m[] = "boss@a.test\0dr@a.test\0s3cret";
	struct sasl_plain p;

	ck_assert_int_eq(split(m, sizeof(m) - 1, &p), SASL_PLAIN_OK);
	assert_slice(p.authzid, "boss@a.test", 11);
	assert_slice(p.authcid, "dr@a.test", 9);
	assert_slice(p.passwd, "s3cret", 6);
}
END_TEST

START_TEST(test_split_no_authzid)
{
	static const char m[] = "\0dr@a.test\0pw";
	struct sasl_plain p;

	ck_assert_int_eq(split(m, sizeof(m) - 1, &p), SASL_PLAIN_OK);
	ck_assert_uint_eq(p.authzid.len, 0);
	assert_slice(p.authcid, "dr@a.test", 9);
	assert_slice(p.passwd, "pw", 2);
}
END_TEST

START_TEST(test_split_refused)
{
	static const struct {
		const char *m;
		size_t n;
	} bad[] = {
	    {"", 0},                                 /* empty */
	    {"dr@a.test", 9},                        /* no NUL */
	    {"dr@a.test\0pw", 12},                   /* one NUL */
	    {"\0dr\0pw\0", 7},                       /* a NUL after the password */
	    {"\0dr\0p\0w", 7},                       /* a NUL inside the password */
	    {"\0\0pw", 4},                           /* empty authcid */
	    {"\0dr\0", 4},                           /* empty password */
	    {"\0\0", 2},                             /* both empty */
	    {"\0dr@a.test.overlong\0pw", 22},        /* authcid above ID_MAX */
	    {"z@a.test.overlong.x\0dr\0pw", 25},     /* authzid above ID_MAX */
	    {"\0dr\0aaaaaaaaaaaaaaaaaaaaaaaaa", 29}, /* password above PW_MAX */
	};
	struct sasl_plain p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0xa5, sizeof(p));
		ck_assert_msg(split(bad[i].m, bad[i].n, &p) == SASL_PLAIN_BAD, "case %zu", i);
		ck_assert_msg(p.authcid.p == NULL && p.passwd.len == 0, "case %zu zeroed", i);
	}
	/* The limits themselves pass. */
	ck_assert_int_eq(split("\0dr@a.test.overl\0pw", 19, &p), SASL_PLAIN_OK);
	ck_assert_int_eq(split("\0dr\0aaaaaaaaaaaaaaaaaaaaaaaa", 28, &p), SASL_PLAIN_OK);
}
END_TEST

START_TEST(test_b64_strict)
{
	uint8_t out[16];

	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr(""), out, sizeof(out)), 0);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("AGRyAHB3"), out, sizeof(out)), 6);
	ck_assert(memcmp(out, "\0dr\0pw", 6) == 0);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zg=="), out, sizeof(out)), 1);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm8="), out, sizeof(out)), 2);
	static const char *const bad[] = {
	    "Zg",        /* no padding */
	    "Zg=",       /* short padding */
	    "Zh==",      /* bits left over by the padding not zero */
	    "Zm9=",      /* same, one pad */
	    "Zg==Zg==",  /* padding inside */
	    "Z===",      /* three pads */
	    "Zm9v YmFy", /* space */
	    "Zm9v\r\n",  /* line end */
	    "Zm9-",      /* URL alphabet */
	    "=Zm9",      /* pad first */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sasl_b64_decode(slice_from_cstr(bad[i]), out, sizeof(out)) ==
		                  SASL_B64_INVALID,
		              "%s", bad[i]);
	/* Fits exactly; one byte short; invalid is told before too long. */
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYmFy"), out, 6), 6);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYmFy"), out, 5), SASL_B64_TOO_LONG);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYmF!"), out, 2), SASL_B64_INVALID);
}
END_TEST

START_TEST(test_decode)
{
	uint8_t buf[64];
	struct sasl_plain p;

	/* "\0dr@a.test\0pw" */
	ck_assert_int_eq(sasl_plain_decode(slice_from_cstr("AGRyQGEudGVzdABwdw=="), buf,
	                                   sizeof(buf), ID_MAX, PW_MAX, &p),
	                 SASL_PLAIN_OK);
	assert_slice(p.authcid, "dr@a.test", 9);
	assert_slice(p.passwd, "pw", 2);
	ck_assert(p.passwd.p >= buf && p.passwd.p < buf + sizeof(buf));
	/* "boss\0dr\0pw" */
	ck_assert_int_eq(sasl_plain_decode(slice_from_cstr("Ym9zcwBkcgBwdw=="), buf, sizeof(buf),
	                                   ID_MAX, PW_MAX, &p),
	                 SASL_PLAIN_OK);
	assert_slice(p.authzid, "boss", 4);
	ck_assert_int_eq(
	    sasl_plain_decode(slice_from_cstr("AGRy*HB3"), buf, sizeof(buf), ID_MAX, PW_MAX, &p),
	    SASL_PLAIN_BASE64);
	ck_assert_int_eq(
	    sasl_plain_decode(slice_from_cstr(""), buf, sizeof(buf), ID_MAX, PW_MAX, &p),
	    SASL_PLAIN_BAD);
	/* "dr\0pw": one NUL */
	ck_assert_int_eq(
	    sasl_plain_decode(slice_from_cstr("ZHIAcHc="), buf, sizeof(buf), ID_MAX, PW_MAX, &p),
	    SASL_PLAIN_BAD);
	/* Valid base64 longer than the buffer: a bad message, not bad base64. */
	ck_assert_int_eq(
	    sasl_plain_decode(slice_from_cstr("AGRyAHB3AGRyAHB3"), buf, 8, ID_MAX, PW_MAX, &p),
	    SASL_PLAIN_BAD);
}
END_TEST

static Suite *sasl_suite(void)
{
	Suite *s = suite_create("sasl");
	TCase *tc = tcase_create("plain");

	tcase_add_test(tc, test_split_three_fields);
	tcase_add_test(tc, test_split_no_authzid);
	tcase_add_test(tc, test_split_refused);
	tcase_add_test(tc, test_b64_strict);
	tcase_add_test(tc, test_decode);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sasl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
