/* SPDX-License-Identifier: ISC */
/* Every limit of sieve/sieve_limits.h, at the limit and one past it:
 * compile-time limits refuse the script with a clear error, run-time
 * limits stop the run, keep the message and say why. */
#include "config.h"

#include "sieve_check_util.h"

static char *repeat(const char *head, const char *unit, unsigned n, const char *tail)
{
	struct buf b;

	buf_init(&b, 0);
	buf_append_str(&b, head);
	for (unsigned i = 0; i < n; i++)
		buf_append_str(&b, unit);
	buf_append_str(&b, tail);
	buf_cstr(&b);
	return (char *)b.data;
}

static void compile_err(const char *script, const char *want_sub)
{
	struct sieve_script *s = NULL;
	struct sieve_error err;
	int rc = sieve_compile(script, strlen(script), NULL, &s, &err);

	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err.msg, want_sub) != NULL, "error [%s] lacks [%s]", err.msg, want_sub);
}

static void compile_ok(const char *script)
{
	struct sieve_script *s = NULL;
	struct sieve_error err;

	ck_assert_msg(sieve_compile(script, strlen(script), NULL, &s, &err) == 0, "%s", err.msg);
	sieve_script_free(&s);
}

START_TEST(test_script_size)
{
	char *ok = repeat("", "#234567\n", SIEVE_MAX_SCRIPT_SIZE / 8, "");
	char *big = repeat("", "#234567\n", SIEVE_MAX_SCRIPT_SIZE / 8, "#");

	compile_ok(ok);
	compile_err(big, "script too large");
	free(ok);
	free(big);
}
END_TEST

START_TEST(test_nesting)
{
	char *ok = repeat("", "if true {", SIEVE_MAX_NESTING, "");
	char *deep = repeat("", "if true {", SIEVE_MAX_NESTING + 1, "");
	char *tests = repeat("if ", "not ", SIEVE_MAX_NESTING + 1, "true { keep; }");
	char *ok2;

	ok2 = repeat(ok, "}", SIEVE_MAX_NESTING, "");
	compile_ok(ok2);
	compile_err(deep, "nesting too deep (limit 32)");
	compile_err(tests, "nesting too deep");
	free(ok);
	free(ok2);
	free(deep);
	free(tests);
}
END_TEST

START_TEST(test_string_length)
{
	char *ok = repeat("require \"fileinto\"; fileinto \"", "a", SIEVE_MAX_STRING, "\";");
	char *big = repeat("require \"fileinto\"; fileinto \"", "a", SIEVE_MAX_STRING + 1, "\";");
	char *ml = repeat("require \"fileinto\"; fileinto text:\n", "abcdefg\n", SIEVE_MAX_STRING / 8,
	                  ".\n;");

	compile_ok(ok);
	compile_err(big, "string too long (limit 65536 bytes)");
	compile_err(ml, "string too long");
	free(ok);
	free(big);
	free(ml);
}
END_TEST

START_TEST(test_list_length)
{
	char *ok = repeat("if header :is \"a\" [\"x\"", ",\"x\"", SIEVE_MAX_LIST - 1, "] { keep; }");
	char *big = repeat("if header :is \"a\" [\"x\"", ",\"x\"", SIEVE_MAX_LIST, "] { keep; }");

	compile_ok(ok);
	compile_err(big, "too many strings in a list (limit 1024)");
	free(ok);
	free(big);
}
END_TEST

START_TEST(test_args_tests_nodes)
{
	char *args = repeat("if header", " :is", SIEVE_MAX_ARGS + 1, " \"a\" \"b\" { keep; }");
	char *tests = repeat("if anyof (true", ", true", SIEVE_MAX_TESTS, ") { keep; }");
	char *nodes = repeat("", "keep;", SIEVE_MAX_NODES + 1, "");

	compile_err(args, "too many arguments (limit 16)");
	compile_err(tests, "too many tests in a list (limit 256)");
	compile_err(nodes, "script too complex (limit 20000");
	free(args);
	free(tests);
	free(nodes);
}
END_TEST

START_TEST(test_number)
{
	compile_ok("if size :over 9223372036854775807 { keep; }");
	compile_ok("if size :over 8589934591G { keep; }");
	compile_err("if size :over 8589934592G { keep; }", "number too large");
	compile_err("if size :over 99999999999999999999 { keep; }", "number too large");
}
END_TEST

START_TEST(test_actions)
{
	struct buf b;
	char *got;

	buf_init(&b, 0);
	buf_append_str(&b, "require \"fileinto\";");
	for (int i = 0; i < SIEVE_MAX_ACTIONS; i++)
		buf_printf(&b, "fileinto \"b%d\";", i);
	buf_cstr(&b);
	got = sc_run((char *)b.data);
	ck_assert_ptr_null(strstr(got, "error"));
	free(got);
	buf_append_str(&b, "fileinto \"one-more\";");
	buf_cstr(&b);
	got = sc_run((char *)b.data);
	ck_assert_str_eq(got, "keep error(too many actions (limit 32))");
	free(got);
	buf_free(&b);
}
END_TEST

START_TEST(test_redirects)
{
	char *ok = sc_run("redirect \"a@b.c\"; redirect \"b@b.c\"; redirect \"c@b.c\"; redirect \"d@b.c\";");
	char *big = sc_run("redirect \"a@b.c\"; redirect \"b@b.c\"; redirect \"c@b.c\"; redirect \"d@b.c\";"
	                   "redirect \"e@b.c\";");

	ck_assert_str_eq(ok, "redirect:a@b.c redirect:b@b.c redirect:c@b.c redirect:d@b.c");
	ck_assert_str_eq(big, "keep error(too many redirects (limit 4))");
	free(ok);
	free(big);
}
END_TEST

/* Only the first SIEVE_MAX_BODY bytes of a body are looked at. */
START_TEST(test_body_bytes)
{
	char *near = repeat("Subject: x\r\n\r\n", "a", SIEVE_MAX_BODY - 10, "NEEDLE\r\n");
	char *far = repeat("Subject: x\r\n\r\n", "a", SIEVE_MAX_BODY, "NEEDLE\r\n");
	const char *script = "require \"body\"; if body :raw :contains \"NEEDLE\" { discard; }";
	const char *text = "require \"body\"; if body :text :contains \"NEEDLE\" { discard; }";
	char *a = sc_run_env(script, near, NULL), *b = sc_run_env(script, far, NULL);
	char *c = sc_run_env(text, near, NULL), *d = sc_run_env(text, far, NULL);

	ck_assert_str_eq(a, "discard");
	ck_assert_str_eq(b, "keep");
	ck_assert_str_eq(c, "discard");
	ck_assert_str_eq(d, "keep");
	free(a), free(b), free(c), free(d);
	free(near);
	free(far);
}
END_TEST

/* A script whose tests each walk a huge header runs out of budget. */
START_TEST(test_budget)
{
	char *msg = repeat("", "X-A: b\r\n", SIEVE_MAX_HEADER_VALUES, "\r\nbody\r\n");
	char *small = repeat("", "if header :is \"x-b\" \"c\" { discard; }", 10, "");
	char *big = repeat("", "if header :is \"x-b\" \"c\" { discard; }", SIEVE_MAX_STEPS / SIEVE_MAX_HEADER_VALUES + 1, "");
	char *a = sc_run_env(small, msg, NULL), *b = sc_run_env(big, msg, NULL);

	ck_assert_str_eq(a, "keep");
	ck_assert_str_eq(b, "keep error(instruction budget spent (limit 2000000))");
	free(a), free(b);
	free(msg), free(small), free(big);
}
END_TEST

/* :matches is linear in the value per pattern (one-star backtracking), and
 * every character compared is charged to the budget. */
START_TEST(test_budget_matches)
{
	char *msg = repeat("Subject: ", "a", 60000, "\r\n\r\nx\r\n");
	char *script = repeat("", "if header :matches \"subject\" \"*a*a*a*a*a*a*a*a*b\" { discard; }",
	                      2500, "");
	char *got = sc_run_env(script, msg, NULL);

	ck_assert_str_eq(got, "keep error(instruction budget spent (limit 2000000))");
	free(got), free(msg), free(script);
}
END_TEST

START_TEST(test_variables)
{
	struct buf b;
	char *got;

	buf_init(&b, 0);
	buf_append_str(&b, "require \"variables\";");
	for (int i = 0; i < SIEVE_MAX_VARIABLES; i++)
		buf_printf(&b, "set \"v%d\" \"x\";", i);
	buf_cstr(&b);
	got = sc_run((char *)b.data);
	ck_assert_str_eq(got, "keep");
	free(got);
	buf_append_str(&b, "set \"one_more\" \"x\";");
	buf_cstr(&b);
	got = sc_run((char *)b.data);
	ck_assert_str_eq(got, "keep error(too many variables (limit 128))");
	free(got);
	buf_free(&b);
}
END_TEST

START_TEST(test_variable_string_length)
{
	char *big = repeat("require \"variables\"; set \"a\" \"", "a", SIEVE_MAX_STRING, "\";"
	                   "set \"b\" \"${a}${a}\";");
	char *got = sc_run(big);

	ck_assert_str_eq(got, "keep error(string too long (limit 65536 bytes))");
	free(got);
	free(big);
}
END_TEST

START_TEST(test_flags)
{
	struct buf b;
	char *got;

	buf_init(&b, 0);
	buf_append_str(&b, "require \"imap4flags\";");
	for (int i = 0; i < SIEVE_MAX_FLAGS; i++)
		buf_printf(&b, "addflag \"f%d\";", i);
	buf_cstr(&b);
	got = sc_run((char *)b.data);
	ck_assert_ptr_null(strstr(got, "error"));
	free(got);
	buf_append_str(&b, "addflag \"f-more\";");
	buf_cstr(&b);
	got = sc_run((char *)b.data);
	ck_assert_str_eq(got, "keep error(too many flags (limit 64))");
	free(got);
	buf_free(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sieve_limits");
	TCase *tc = tcase_create("limits");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_script_size);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_string_length);
	tcase_add_test(tc, test_list_length);
	tcase_add_test(tc, test_args_tests_nodes);
	tcase_add_test(tc, test_number);
	tcase_add_test(tc, test_actions);
	tcase_add_test(tc, test_redirects);
	tcase_add_test(tc, test_body_bytes);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_budget_matches);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_variable_string_length);
	tcase_add_test(tc, test_flags);
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
