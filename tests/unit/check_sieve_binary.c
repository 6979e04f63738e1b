/* SPDX-License-Identifier: ISC */
/* The compiled form: save / load round trip, and refusal (never a crash,
 * never a run) of every damaged form: flipped bytes, truncation, another
 * version, and structural damage behind a valid checksum. */
#include "config.h"

#include "sieve_check_util.h"

static const char *const scripts[] = {
    "require [\"fileinto\", \"variables\", \"imap4flags\", \"copy\"];\n"
    "if header :matches \"from\" \"*<*>\" { set :lower \"f\" \"${2}\"; addflag \"\\\\Seen\"; "
    "fileinto :copy :flags \"a b\" \"${f}\"; } elsif exists \"x\" { discard; } else { stop; }",
    "require [\"vacation\", \"vacation-seconds\", \"date\", \"index\", \"relational\", "
    "\"comparator-i;ascii-numeric\", \"body\", \"duplicate\", \"mailbox\", \"subaddress\", "
    "\"envelope\"];\n"
    "if allof (date :index 1 :last :zone \"+0100\" :value \"ge\" :comparator "
    "\"i;ascii-numeric\" \"date\" \"year\" \"2000\", body :content [\"text\"] :contains \"x\", "
    "not duplicate :seconds 10, envelope :detail \"to\" \"\", size :over 1K, "
    "mailboxexists \"A\") { vacation :seconds 30 :subject \"s\" :addresses [\"a@b.c\"] :mime "
    ":handle \"h\" \"r\"; }",
};

static void save(const char *src, struct buf *out)
{
	struct sieve_script *s = NULL;
	struct sieve_error err;

	ck_assert_msg(sieve_compile(src, strlen(src), NULL, &s, &err) == 0, "%s", err.msg);
	buf_init(out, 0);
	ck_assert_int_eq(sieve_save(s, out), 0);
	sieve_script_free(&s);
}

static void fix_checksum(uint8_t *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len - 8; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (unsigned i = 0; i < 8; i++)
		p[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

/* Loads and, if accepted, runs: a form that loads must be runnable. */
static int try_load(const uint8_t *p, size_t len)
{
	struct sieve_script *s = NULL;
	struct sieve_msg_env env;
	struct sieve_result r;
	const char *why = NULL;

	if (sieve_load(p, len, &s, &why) < 0) {
		ck_assert_ptr_null(s);
		ck_assert_ptr_nonnull(why);
		return -1;
	}
	memset(&env, 0, sizeof(env));
	env.msg = (const uint8_t *)sc_msg;
	env.len = strlen(sc_msg);
	env.mail_from = "a@b.c";
	env.rcpt_to = "alice@example.com";
	sieve_run(s, &env, &r);
	ck_assert_uint_ge(r.n, 1);
	sieve_result_free(&r);
	sieve_script_free(&s);
	return 0;
}

START_TEST(test_round_trip)
{
	struct buf a, b;
	struct sieve_script *s = NULL;
	const char *why;

	save(scripts[_i], &a);
	ck_assert_int_eq(sieve_load(a.data, a.len, &s, &why), 0);
	buf_init(&b, 0);
	ck_assert_int_eq(sieve_save(s, &b), 0);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.data, b.data, a.len) == 0);
	sieve_script_free(&s);
	buf_free(&a);
	buf_free(&b);
}
END_TEST

START_TEST(test_flipped_bytes)
{
	struct buf a;

	save(scripts[_i], &a);
	for (size_t i = 0; i < a.len; i++) {
		a.data[i] ^= 0x5a;
		ck_assert_int_eq(try_load(a.data, a.len), -1);
		a.data[i] ^= 0x5a;
	}
	ck_assert_int_eq(try_load(a.data, a.len), 0);
	buf_free(&a);
}
END_TEST

START_TEST(test_truncated)
{
	struct buf a;

	save(scripts[_i], &a);
	for (size_t n = 0; n < a.len; n++)
		ck_assert_int_eq(try_load(a.data, n), -1);
	buf_free(&a);
}
END_TEST

/* Damage behind a recomputed checksum reaches the structural checks:
 * every byte set to a few values either is refused or loads a form that
 * runs; sanitizer builds check that nothing reads out of bounds. */
START_TEST(test_structural_damage)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff};
	struct buf a;
	unsigned refused = 0, total = 0;

	save(scripts[_i], &a);
	for (size_t i = 4; i + 8 < a.len; i++) {
		uint8_t keep = a.data[i];
		for (size_t v = 0; v < sizeof(vals); v++) {
			if (vals[v] == keep)
				continue;
			a.data[i] = vals[v];
			fix_checksum(a.data, a.len);
			refused += try_load(a.data, a.len) < 0;
			total++;
		}
		a.data[i] = keep;
	}
	fix_checksum(a.data, a.len);
	ck_assert_int_eq(try_load(a.data, a.len), 0);
	ck_assert_uint_gt(refused, total / 4);
	buf_free(&a);
}
END_TEST

START_TEST(test_version_and_magic)
{
	struct buf a;
	struct sieve_script *s = NULL;
	const char *why = NULL;

	save(scripts[0], &a);
	a.data[4] = 2;
	fix_checksum(a.data, a.len);
	ck_assert_int_eq(sieve_load(a.data, a.len, &s, &why), -1);
	ck_assert_str_eq(why, "compiled script of another version");
	a.data[4] = 1;
	a.data[0] = 'X';
	ck_assert_int_eq(sieve_load(a.data, a.len, &s, &why), -1);
	ck_assert_str_eq(why, "not a compiled Sieve script");
	a.data[0] = 'B';
	a.data[a.len - 1] ^= 1;
	ck_assert_int_eq(sieve_load(a.data, a.len, &s, &why), -1);
	ck_assert_str_eq(why, "damaged compiled script (checksum)");
	buf_free(&a);
}
END_TEST

/* An extension bit cleared behind a valid checksum: the commands that
 * need it are refused by the loader's re-check. */
START_TEST(test_extension_cleared)
{
	struct buf a;
	struct sieve_script *s = NULL;
	const char *why = NULL;

	save("require \"fileinto\"; fileinto \"x\";", &a);
	a.data[8] = 0;
	fix_checksum(a.data, a.len);
	ck_assert_int_eq(sieve_load(a.data, a.len, &s, &why), -1);
	ck_assert_str_eq(why, "extension not required");
	buf_free(&a);
}
END_TEST

/* Regression (fuzz_sieve_compile): a string holding NUL bytes survives the
 * round trip with its length; used as a name at run time it is an error. */
START_TEST(test_nul_in_string)
{
	static const char src[] = "require \"fileinto\"; fileinto text:\na\0b\n.\n;";
	struct sieve_script *s = NULL, *s2 = NULL;
	struct sieve_error err;
	struct sieve_msg_env env;
	struct sieve_result r;
	struct buf a, b;
	const char *why;

	ck_assert_int_eq(sieve_compile(src, sizeof(src) - 1, NULL, &s, &err), 0);
	buf_init(&a, 0);
	buf_init(&b, 0);
	ck_assert_int_eq(sieve_save(s, &a), 0);
	ck_assert_int_eq(sieve_load(a.data, a.len, &s2, &why), 0);
	ck_assert_int_eq(sieve_save(s2, &b), 0);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.data, b.data, a.len) == 0);
	memset(&env, 0, sizeof(env));
	env.msg = (const uint8_t *)sc_msg;
	env.len = strlen(sc_msg);
	ck_assert_int_eq(sieve_run(s2, &env, &r), -1);
	ck_assert_str_eq(r.error, "string holds a NUL byte");
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.v[0].type, SIEVE_ACT_KEEP);
	sieve_result_free(&r);
	sieve_script_free(&s);
	sieve_script_free(&s2);
	buf_free(&a);
	buf_free(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sieve_binary");
	TCase *tc = tcase_create("binary");
	int n = (int)(sizeof(scripts) / sizeof(scripts[0]));

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_round_trip, 0, n);
	tcase_add_loop_test(tc, test_flipped_bytes, 0, n);
	tcase_add_loop_test(tc, test_truncated, 0, n);
	tcase_add_loop_test(tc, test_structural_damage, 0, n);
	tcase_add_test(tc, test_version_and_magic);
	tcase_add_test(tc, test_extension_cleared);
	tcase_add_test(tc, test_nul_in_string);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
