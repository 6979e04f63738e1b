/* SPDX-License-Identifier: ISC */
/* Modified UTF-7 mailbox names (RFC 3501 section 5.1.3): the RFC's
 * examples both ways, round trips over every plane, and the non-canonical
 * or broken forms a decoder must refuse. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "imap_mutf7.h"

/* Decoded form of in, or NULL when refused. */
static const char *dec(const char *in)
{
	static char out[512];
	struct buf b;
	int r;

	buf_init(&b, 0);
	r = imap_mutf7_to_utf8(slice_from_cstr(in), &b);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return r == 0 ? out : NULL;
}

static const char *enc(const char *in)
{
	static char out[512];
	struct buf b;
	int r;

	buf_init(&b, 0);
	r = imap_utf8_to_mutf7(slice_from_cstr(in), &b);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return r == 0 ? out : NULL;
}

START_TEST(rfc3501_examples)
{
	/* "~peter/mail/&U,BTFw-/&ZeVnLIqe-": Japanese for "Taiwan" and "diary". */
	ck_assert_str_eq(
	    dec("~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
	    "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	ck_assert_str_eq(
	    enc("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	ck_assert_str_eq(dec("&-"), "&");
	ck_assert_str_eq(enc("&"), "&-");
	ck_assert_str_eq(enc("R&D/Q&A"), "R&-D/Q&-A");
	ck_assert_str_eq(dec("R&-D/Q&-A"), "R&D/Q&A");
}
END_TEST

START_TEST(latin_and_planes)
{
	/* "été" (U+00E9), "Entwürfe", a U+1F600 (surrogate pair). */
	ck_assert_str_eq(enc("\xc3\xa9t\xc3\xa9"), "&AOk-t&AOk-");
	ck_assert_str_eq(dec("&AOk-t&AOk-"), "\xc3\xa9t\xc3\xa9");
	ck_assert_str_eq(enc("Entw\xc3\xbcrfe"), "Entw&APw-rfe");
	ck_assert_str_eq(enc("\xf0\x9f\x98\x80"), "&2D3eAA-");
	ck_assert_str_eq(dec("&2D3eAA-"), "\xf0\x9f\x98\x80");
	/* Two non-ASCII characters in one shift. */
	ck_assert_str_eq(enc("\xc3\xa9\xc3\xa9"), "&AOkA6Q-");
	ck_assert_str_eq(dec("&AOkA6Q-"), "\xc3\xa9\xc3\xa9");
	ck_assert_str_eq(enc(""), "");
	ck_assert_str_eq(dec(""), "");
	ck_assert_str_eq(dec("INBOX/Sent"), "INBOX/Sent");
}
END_TEST

START_TEST(round_trip)
{
	/* Every 2-byte UTF-8 code point, every 5th of the BMP, some above. */
	for (unsigned cp = 0x80; cp < 0x110000; cp += cp < 0x800 ? 1 : cp < 0x10000 ? 5 : 997) {
		char in[8], text[16];
		struct buf b;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x800)
			snprintf(in, sizeof(in), "%c%c", 0xc0 | cp >> 6, 0x80 | (cp & 0x3f));
		else if (cp < 0x10000)
			snprintf(in, sizeof(in), "%c%c%c", 0xe0 | cp >> 12,
			         0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
		else
			snprintf(in, sizeof(in), "%c%c%c%c", 0xf0 | cp >> 18,
			         0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f),
			         0x80 | (cp & 0x3f));
		snprintf(text, sizeof(text), "a%sb", in);
		buf_init(&b, 0);
		ck_assert_int_eq(imap_utf8_to_mutf7(slice_from_cstr(text), &b), 0);
		buf_cstr(&b);
		ck_assert_msg(dec((const char *)b.data) != NULL &&
		                  strcmp(dec((const char *)b.data), text) == 0,
		              "U+%04X", cp);
		buf_free(&b);
	}
}
END_TEST

START_TEST(invalid_refused)
{
	static const char *const bad[] = {
	    "&",           /* unterminated */
	    "&AOk",        /* unterminated */
	    "a&AOk-&AOk-", /* two shifts in a row: must be "&AOkA6Q-" */
	    "&AGE-",       /* "a" encoded: printable ASCII stands for itself */
	    "&ACY-",       /* "&" encoded */
	    "&AAA-",       /* NUL */
	    "&AO-",        /* 12 bits: not a whole UTF-16 unit */
	    "&AOl-",       /* non-zero padding bits */
	    "&2D0-",       /* lone high surrogate */
	    "&3gA-",       /* lone low surrogate */
	    "&2D3YPQ-",    /* high surrogate followed by a high surrogate */
	    "&AO*-",       /* not base64 */
	    "&AO/-",       /* "/" is "," in modified base64 */
	    "&AOk=-",      /* no padding */
	    "\xc3\xa9",    /* 8-bit */
	    "a\tb",        /* control character */
	    "&AOkA6QA-",   /* trailing partial unit */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(dec(bad[i]) == NULL, "accepted %s", bad[i]);
	/* Not UTF-8: overlong, surrogate, truncated, above U+10FFFF. */
	ck_assert_ptr_null(enc("\xc0\xaf"));
	ck_assert_ptr_null(enc("\xed\xa0\x80"));
	ck_assert_ptr_null(enc("\xe6\x97"));
	ck_assert_ptr_null(enc("\xf4\x90\x80\x80"));
	ck_assert(!imap_utf8_valid(SLICE_STR("a\0b")));
	ck_assert(imap_utf8_valid(SLICE_STR("\xc3\xa9t\xc3\xa9")));
}
END_TEST

START_TEST(limit_respected)
{
	struct buf b;

	buf_init(&b, 4);
	ck_assert_int_eq(imap_mutf7_to_utf8(SLICE_STR("abcdef"), &b), -1);
	buf_free(&b);
	buf_init(&b, 4);
	ck_assert_int_eq(imap_utf8_to_mutf7(SLICE_STR("\xc3\xa9\xc3\xa9"), &b), -1);
	buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imap_mutf7");
	TCase *tc = tcase_create("mutf7");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, rfc3501_examples);
	tcase_add_test(tc, latin_and_planes);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, invalid_refused);
	tcase_add_test(tc, limit_respected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
