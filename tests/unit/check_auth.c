/* SPDX-License-Identifier: ISC */
/* server/auth.c: identical checks in flight share one argon2 run (a mass
 * reconnect of one user), each still answered on its own (result, failure
 * delay); different passwords are never merged; the keyed cache still
 * skips argon2 afterwards. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "balstore.h"
#include "store_test.h"
#include "util.h"

#define DOMAIN "example.test"
#define ADDR "dr.martin@" DOMAIN
#define PASSWORD "correct horse"
#define K 8

static const struct pwhash_params PP = {.t_cost = 1, .m_cost = 64, .parallelism = 1};

static char g_dir[256];
static struct store *g_s;
static uv_loop_t g_loop;
static struct auth *g_a;

struct answer {
	int done;
	enum auth_result r;
	uint64_t bal_id;
};

static int ap_domain(struct store_txn *t, void *ctx)
{
	return store_domain_add(t, ctx);
}

static int ap_bal(struct store_txn *t, void *ctx)
{
	const char *why = NULL;

	return store_bal_create(t, ctx, &why);
}

static void setup(void)
{
	struct store_opts o = {0};
	struct store_bal bal = {0};
	const char *why = NULL;

	store_test_dir(g_dir);
	o.path = g_dir;
	ck_assert_int_eq(store_open(&o, &g_s, &why), 0);
	ck_assert_int_eq(store_write(g_s, ap_domain, DOMAIN), 0);
	str_copy(bal.address, sizeof(bal.address), ADDR);
	bal.type = BAL_PER;
	bal.holder_type = 8;
	str_copy(bal.holder, sizeof(bal.holder), "810001234565");
	ck_assert_int_eq(pwhash_hash(PASSWORD, strlen(PASSWORD), &PP, bal.password_hash,
	                             sizeof(bal.password_hash), &why),
	                 0);
	ck_assert_int_eq(store_write(g_s, ap_bal, &bal), 0);
	ck_assert_int_eq(uv_loop_init(&g_loop), 0);
	g_a = auth_new(&g_loop, g_s, 60, &PP);
	auth_set_fail_delay(g_a, 1, 4);
}

static void teardown(void)
{
	auth_free(&g_a);
	ck_assert_int_eq(uv_loop_close(&g_loop), 0);
	store_close(&g_s);
	store_test_rmdir(g_dir);
}

static void on_done(void *arg, enum auth_result r, const struct store_bal *bal)
{
	struct answer *ans = arg;

	ans->done++;
	ans->r = r;
	ans->bal_id = bal != NULL ? bal->id : 0;
}

/* Starts n checks of pw at once, runs the loop until all are answered. */
static void check_many(const char *pw, struct answer *ans, size_t n)
{
	memset(ans, 0, n * sizeof(*ans));
	for (size_t i = 0; i < n; i++)
		auth_check(g_a, ADDR, (const uint8_t *)pw, strlen(pw), NULL, "test", on_done,
		           &ans[i]);
	uv_run(&g_loop, UV_RUN_DEFAULT);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ans[i].done, 1);
}

START_TEST(test_same_login_one_argon2)
{
	struct answer ans[K];

	check_many(PASSWORD, ans, K);
	for (size_t i = 0; i < K; i++) {
		ck_assert_int_eq(ans[i].r, AUTH_OK);
		ck_assert_uint_ne(ans[i].bal_id, 0);
	}
	ck_assert_uint_eq(auth_hash_count(g_a), 1);
	ck_assert_uint_eq(auth_merged_count(g_a), K - 1);
	/* Then the cache answers without argon2. */
	check_many(PASSWORD, ans, 2);
	ck_assert_int_eq(ans[0].r, AUTH_OK);
	ck_assert_uint_eq(auth_hash_count(g_a), 1);
}
END_TEST

START_TEST(test_same_wrong_password_one_argon2)
{
	struct answer ans[K];

	check_many("wrong", ans, K);
	for (size_t i = 0; i < K; i++)
		ck_assert_int_eq(ans[i].r, AUTH_FAILED);
	ck_assert_uint_eq(auth_hash_count(g_a), 1);
	ck_assert_uint_eq(auth_merged_count(g_a), K - 1);
	/* A failure is never cached: the next check runs argon2 again. */
	check_many("wrong", ans, 1);
	ck_assert_uint_eq(auth_hash_count(g_a), 2);
}
END_TEST

START_TEST(test_different_passwords_not_merged)
{
	struct answer ans[2] = {0};

	auth_check(g_a, ADDR, (const uint8_t *)"wrong", 5, NULL, "t", on_done, &ans[0]);
	auth_check(g_a, ADDR, (const uint8_t *)PASSWORD, strlen(PASSWORD), NULL, "t", on_done,
	           &ans[1]);
	uv_run(&g_loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(ans[0].done, 1);
	ck_assert_int_eq(ans[1].done, 1);
	ck_assert_int_eq(ans[0].r, AUTH_FAILED);
	ck_assert_int_eq(ans[1].r, AUTH_OK);
	ck_assert_uint_eq(auth_hash_count(g_a), 2);
	ck_assert_uint_eq(auth_merged_count(g_a), 0);
}
END_TEST

START_TEST(test_unknown_user_not_merged)
{
	struct answer ans[3] = {0};

	for (size_t i = 0; i < 3; i++)
		auth_check(g_a, "nobody@" DOMAIN, (const uint8_t *)"x", 1, NULL, "t", on_done,
		           &ans[i]);
	uv_run(&g_loop, UV_RUN_DEFAULT);
	for (size_t i = 0; i < 3; i++)
		ck_assert_int_eq(ans[i].r, AUTH_FAILED);
	/* Unknown addresses run the reference hash every time (timing). */
	ck_assert_uint_eq(auth_hash_count(g_a), 3);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("merge");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_same_login_one_argon2);
	tcase_add_test(tc, test_same_wrong_password_one_argon2);
	tcase_add_test(tc, test_different_passwords_not_merged);
	tcase_add_test(tc, test_unknown_user_not_merged);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
