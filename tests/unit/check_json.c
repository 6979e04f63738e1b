/* SPDX-License-Identifier: ISC */
/* balisectl's JSON writer: structure and commas, RFC 8259 string escaping,
 * invalid UTF-8 replaced, numbers at their limits. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_json.h"

static struct ctl_json j;

static void setup(void)
{
	ctl_json_init(&j);
}

static void teardown(void)
{
	ctl_json_free(&j);
}

/* The document without its indentation (outside strings), for comparisons. */
static const char *compact(void)
{
	static char out[4096];
	size_t n = 0;
	int in_str = 0;

	buf_cstr(&j.out);
	for (size_t i = 0; i < j.out.len && n + 1 < sizeof(out); i++) {
		char c = (char)j.out.data[i];
		if (in_str && c == '\\') {
			out[n++] = c;
			out[n++] = (char)j.out.data[++i];
			continue;
		}
		if (c == '"')
			in_str = !in_str;
		if (!in_str && (c == ' ' || c == '\n'))
			continue;
		out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

static const char *str(const char *s, size_t len)
{
	ctl_json_free(&j);
	ctl_json_init(&j);
	ctl_json_strn(&j, s, len);
	return compact();
}

START_TEST(structure)
{
	ctl_json_object_begin(&j);
	ctl_json_kstr(&j, "a", "x");
	ctl_json_key(&j, "b");
	ctl_json_array_begin(&j);
	ctl_json_u64(&j, 1);
	ctl_json_i64(&j, -2);
	ctl_json_bool(&j, true);
	ctl_json_null(&j);
	ctl_json_object_begin(&j);
	ctl_json_object_end(&j);
	ctl_json_array_begin(&j);
	ctl_json_array_end(&j);
	ctl_json_array_end(&j);
	ctl_json_ku64(&j, "c", UINT64_MAX);
	ctl_json_kbool(&j, "d", false);
	ctl_json_object_end(&j);
	ck_assert_str_eq(compact(),
	                 "{\"a\":\"x\",\"b\":[1,-2,true,null,{},[]],\"c\":18446744073709551615,"
	                 "\"d\":false}");
}
END_TEST

START_TEST(empty_containers)
{
	ctl_json_array_begin(&j);
	ctl_json_array_end(&j);
	buf_cstr(&j.out);
	ck_assert_str_eq((const char *)j.out.data, "[]");
}
END_TEST

START_TEST(escapes)
{
	ck_assert_str_eq(str("a\"b\\c/", 6), "\"a\\\"b\\\\c/\"");
	ck_assert_str_eq(str("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
	ck_assert_str_eq(str("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"");
	ck_assert_str_eq(str("a\0b", 3), "\"a\\u0000b\"");
	ck_assert_str_eq(str("\xe2\x80\xa8", 3), "\"\\u2028\"");
}
END_TEST

START_TEST(utf8)
{
	/* valid: é, €, U+1F600 */
	ck_assert_str_eq(str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
	                 "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* invalid: lone continuation, overlong, surrogate, truncated, > U+10FFFF */
	ck_assert_str_eq(str("\x80", 1), "\"\\ufffd\"");
	ck_assert_str_eq(str("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(str("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	ck_assert_str_eq(str("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");
	ck_assert_str_eq(str("\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("ctl_json");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, structure);
	tcase_add_test(tc, empty_containers);
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, utf8);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
