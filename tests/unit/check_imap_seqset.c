/* SPDX-License-Identifier: ISC */
/* Sequence sets: parsing (RFC 9051 section 9), "$" (RFC 5182), "*"
 * resolution, normalisation, membership, counting, iteration, format. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_seqset.h"

static struct imap_seqset set;

static void setup(void)
{
	imap_seqset_init(&set);
}

static void teardown(void)
{
	imap_seqset_free(&set);
}

/* Parses text, resolves against max and returns the formatted set. */
static const char *resolved(const char *text, uint32_t max)
{
	static char out[256];
	const char *error = NULL;
	struct buf b;

	ck_assert_msg(imap_seqset_parse(&set, slice_from_cstr(text), &error) == 0, "%s: %s", text,
	              error);
	imap_seqset_resolve(&set, max);
	buf_init(&b, 0);
	ck_assert_int_eq(imap_seqset_format(&set, &b), 0);
	buf_cstr(&b);
	snprintf(out, sizeof(out), "%s", (char *)b.data);
	buf_free(&b);
	return out;
}

START_TEST(parse_good)
{
	ck_assert_str_eq(resolved("1", 10), "1");
	ck_assert_str_eq(resolved("1:*", 10), "1:10");
	ck_assert_str_eq(resolved("*", 10), "10");
	ck_assert_str_eq(resolved("*:4", 10), "4:10");
	ck_assert_str_eq(resolved("4:2", 10), "2:4");
	ck_assert_str_eq(resolved("2,4:7,9,12:*", 15), "2,4:7,9,12:15");
	ck_assert_str_eq(resolved("1:*,3,5:7", 10), "1:10");
	ck_assert_str_eq(resolved("3,1,2", 10), "1:3");
	ck_assert_str_eq(resolved("5:7,1:2,8,3", 10), "1:3,5:8");
	ck_assert_str_eq(resolved("10:12,11:20,1,1,1", 10), "1,10:20");
	ck_assert_str_eq(resolved("4294967295", 10), "4294967295");
	ck_assert_str_eq(resolved("4294967294:4294967295,1:4294967293", 10), "1:4294967295");
	/* UID 1000:* in a mailbox whose last UID is 900 is 900:1000 */
	ck_assert_str_eq(resolved("1000:*", 900), "900:1000");
	/* empty mailbox */
	ck_assert_str_eq(resolved("*", 0), "");
	ck_assert_str_eq(resolved("1:*", 0), "1");
	ck_assert_str_eq(resolved("3,*", 0), "3");
}
END_TEST

START_TEST(parse_bad)
{
	static const char *const bad[] = {
	    "",      "0",   "0:3",        "01", "1:",  ":1",  "1,", ",1",  "1,,2", "a",
	    "1:2:3", "1 2", "4294967296", "*:", "$,1", "1,$", "-1", "1:0", "**",   "$$"};
	const char *error;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		ck_assert_msg(imap_seqset_parse(&set, slice_from_cstr(bad[i]), &error) == -1,
		              "accepted \"%s\"", bad[i]);
		ck_assert_str_eq(error, "invalid sequence set");
		ck_assert_uint_eq(set.n, 0);
	}
}
END_TEST

START_TEST(saved)
{
	const char *error;

	ck_assert_int_eq(imap_seqset_parse(&set, slice_from_cstr("$"), &error), 0);
	ck_assert(set.saved);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_int_eq(imap_seqset_parse(&set, slice_from_cstr("1"), &error), 0);
	ck_assert(!set.saved);
}
END_TEST

START_TEST(membership)
{
	resolved("2,4:7,9,12:*", 15);
	ck_assert(!imap_seqset_contains(&set, 1));
	ck_assert(imap_seqset_contains(&set, 2));
	ck_assert(!imap_seqset_contains(&set, 3));
	ck_assert(imap_seqset_contains(&set, 4));
	ck_assert(imap_seqset_contains(&set, 7));
	ck_assert(!imap_seqset_contains(&set, 8));
	ck_assert(imap_seqset_contains(&set, 9));
	ck_assert(imap_seqset_contains(&set, 15));
	ck_assert(!imap_seqset_contains(&set, 16));
	ck_assert(!imap_seqset_contains(&set, 0));
	ck_assert_uint_eq(imap_seqset_count(&set), 1 + 4 + 1 + 4);
	ck_assert_uint_eq(imap_seqset_max(&set), 15);
	resolved("1:4294967295", 1);
	ck_assert_uint_eq(imap_seqset_count(&set), 4294967295ULL);
	ck_assert(imap_seqset_contains(&set, 4294967295u));
}
END_TEST

START_TEST(iteration)
{
	struct imap_seqset_iter it;
	uint32_t n, got[32];
	size_t k = 0;

	resolved("9,2:4,*", 12);
	imap_seqset_iter_init(&it, &set);
	while (imap_seqset_iter_next(&it, &n))
		got[k++] = n;
	ck_assert_uint_eq(k, 5);
	ck_assert_uint_eq(got[0], 2);
	ck_assert_uint_eq(got[1], 3);
	ck_assert_uint_eq(got[2], 4);
	ck_assert_uint_eq(got[3], 9);
	ck_assert_uint_eq(got[4], 12);
	ck_assert(!imap_seqset_iter_next(&it, &n));
	/* the top of the range does not wrap */
	resolved("4294967294:4294967295", 1);
	k = 0;
	imap_seqset_iter_init(&it, &set);
	while (imap_seqset_iter_next(&it, &n))
		k++;
	ck_assert_uint_eq(k, 2);
	/* empty */
	imap_seqset_clear(&set);
	imap_seqset_iter_init(&it, &set);
	ck_assert(!imap_seqset_iter_next(&it, &n));
}
END_TEST

START_TEST(build_and_clip)
{
	struct imap_seqset copy;
	struct buf b;

	imap_seqset_add(&set, 10, 12);
	imap_seqset_add(&set, 1, 1);
	imap_seqset_add(&set, 13, 13);
	imap_seqset_add(&set, 3, 2);
	ck_assert(!set.normalised);
	imap_seqset_normalise(&set);
	buf_init(&b, 0);
	imap_seqset_format(&set, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "1:3,10:13");
	imap_seqset_init(&copy);
	imap_seqset_copy(&copy, &set);
	imap_seqset_clip(&copy, 11);
	buf_reset(&b);
	imap_seqset_format(&copy, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "1:3,10:11");
	imap_seqset_clip(&copy, 2);
	buf_reset(&b);
	imap_seqset_format(&copy, &b);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "1:2");
	imap_seqset_clip(&copy, 0);
	ck_assert_uint_eq(copy.n, 0);
	/* a format past the buffer's limit fails */
	{
		struct buf small;
		buf_init(&small, 4);
		ck_assert_int_eq(imap_seqset_format(&set, &small), -1);
		buf_free(&small);
	}
	imap_seqset_free(&copy);
	buf_free(&b);
}
END_TEST

static Suite *imap_seqset_suite(void)
{
	Suite *s = suite_create("imap_seqset");
	TCase *tc = tcase_create("seqset");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_good);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, saved);
	tcase_add_test(tc, membership);
	tcase_add_test(tc, iteration);
	tcase_add_test(tc, build_and_clip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imap_seqset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
