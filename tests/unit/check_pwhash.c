/* SPDX-License-Identifier: ISC */
/* argon2id password hashes: encoded form and parameters, fresh salts,
 * verification (match, mismatch, binary passwords, malformed hashes). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pwhash.h"

static const struct pwhash_params cheap = {.t_cost = 1, .m_cost = 64, .parallelism = 1};

START_TEST(hash_and_verify)
{
	char h[PWHASH_ENCODED_MAX + 1];
	const char *why = NULL;

	ck_assert_int_eq(pwhash_hash("s3cret!", 7, &cheap, h, sizeof(h), &why), 0);
	ck_assert_msg(strncmp(h, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0, "encoded: %s", h);
	ck_assert_uint_le(strlen(h), PWHASH_ENCODED_MAX);
	ck_assert_int_eq(pwhash_verify(h, "s3cret!", 7), 1);
	ck_assert_int_eq(pwhash_verify(h, "s3cret?", 7), 0);
	ck_assert_int_eq(pwhash_verify(h, "s3cret", 6), 0);
	ck_assert_int_eq(pwhash_verify(h, "", 0), 0);
}
END_TEST

START_TEST(fresh_salt)
{
	char a[PWHASH_ENCODED_MAX + 1], b[PWHASH_ENCODED_MAX + 1];
	const char *why;

	ck_assert_int_eq(pwhash_hash("same", 4, &cheap, a, sizeof(a), &why), 0);
	ck_assert_int_eq(pwhash_hash("same", 4, &cheap, b, sizeof(b), &why), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(pwhash_verify(a, "same", 4), 1);
	ck_assert_int_eq(pwhash_verify(b, "same", 4), 1);
}
END_TEST

START_TEST(binary_password)
{
	static const char pw[] = {'a', '\0', 'b'};
	char h[PWHASH_ENCODED_MAX + 1];
	const char *why;

	ck_assert_int_eq(pwhash_hash(pw, sizeof(pw), &cheap, h, sizeof(h), &why), 0);
	ck_assert_int_eq(pwhash_verify(h, pw, sizeof(pw)), 1);
	ck_assert_int_eq(pwhash_verify(h, "a", 1), 0);
}
END_TEST

START_TEST(largest_parameters_fit)
{
	struct pwhash_params p = {.t_cost = 64, .m_cost = 4194304, .parallelism = 16};
	char h[PWHASH_ENCODED_MAX + 1];
	const char *why = NULL;

	/* Not run (4 GiB): only the length check, through a too-small buffer. */
	ck_assert_int_eq(pwhash_hash("x", 1, &p, h, 20, &why), -1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(bad_parameters)
{
	struct pwhash_params p = {.t_cost = 1, .m_cost = 8, .parallelism = 16};
	char h[PWHASH_ENCODED_MAX + 1];
	const char *why = NULL;

	ck_assert_int_eq(pwhash_hash("x", 1, &p, h, sizeof(h), &why), -1);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(malformed_hashes)
{
	ck_assert_int_eq(pwhash_verify("", "x", 1), 0);
	ck_assert_int_eq(pwhash_verify("plain", "plain", 5), -1);
	ck_assert_int_eq(pwhash_verify("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "x", 1),
	                 -1);
	ck_assert_int_eq(pwhash_verify("$argon2id$v=19$m=64,t=1,p=1$garbage", "x", 1), -1);
}
END_TEST

static Suite *pwhash_suite(void)
{
	Suite *s = suite_create("pwhash");
	TCase *tc = tcase_create("argon2id");

	tcase_add_test(tc, hash_and_verify);
	tcase_add_test(tc, fresh_salt);
	tcase_add_test(tc, binary_password);
	tcase_add_test(tc, largest_parameters_fit);
	tcase_add_test(tc, bad_parameters);
	tcase_add_test(tc, malformed_hashes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pwhash_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
