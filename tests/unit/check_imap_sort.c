/* SPDX-License-Identifier: ISC */
/* SORT (RFC 5256 §2.1, §2.2, §3; RFC 5957): criteria parsing and errors,
 * base subject vectors (with the reply/forward mark, and agreement with
 * msgsum's stored base subject), the i;unicode-casemap key, and sorting of
 * messages built from raw text, ties and REVERSE included.
 *
 * Dovecot cross-check (dovecot-imapd 2.3.19.1 on loopback, maildir, the
 * corpus of corpus_fill() APPENDed with the same internal dates): every
 * sort_is() answer of sort_keys (SUBJECT, REVERSE SUBJECT, UID SORT, DATE,
 * REVERSE DATE, ARRIVAL, FROM, TO, CC, DISPLAYFROM, DISPLAYTO, SIZE and two
 * multi-key programs) is Dovecot's answer, unchanged (UID SORT: the order;
 * the UIDs differ); RFC822.SIZE agreed too. sort_unicode: Dovecot's order
 * but for the DZ digraphs (a deliberate difference, see there). Random
 * corpora: tests/unit/xcheck_imap_sort.py (see check_imap_thread.c). Not
 * cross-checked: the casemap vectors themselves (RFC 5051 literally:
 * titlecase, then NFKD, so U+FB01 maps to "fi"), large and tie cases.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parser.h"
#include "imap_sort.h"
#include "msgsum.h"

/* ------------------------------------------------------------- parsing */

static int parse_criteria(const char *text, struct imap_sort_program *prog, const char **err)
{
	struct imap_parser *p = imap_parser_new();
	char line[1024];
	size_t len, used, off = 0;
	enum imap_parse_result r;
	int ret;

	imap_parser_set_authenticated(p, true);
	len = (size_t)snprintf(line, sizeof(line), "a SORT %s UTF-8 ALL\r\n", text);
	for (;;) {
		r = imap_parser_feed(p, (const uint8_t *)line + off, len - off, &used);
		off += used;
		if (r == IMAP_PARSE_OK)
			break;
		ck_assert_msg(r == IMAP_PARSE_MORE, "command line: %s", text);
	}
	*err = NULL;
	ret = imap_sort_parse(&imap_parser_command(p)->args[0], prog, err);
	imap_parser_free(&p);
	return ret;
}

START_TEST(criteria)
{
	struct imap_sort_program prog;
	const char *err;

	ck_assert_int_eq(parse_criteria("(REVERSE ARRIVAL cc date FROM size subject TO "
	                                "DISPLAYFROM REVERSE DISPLAYTO)",
	                                &prog, &err),
	                 0);
	ck_assert_uint_eq(prog.n, 9);
	ck_assert(prog.c[0].key == IMAP_SORT_ARRIVAL && prog.c[0].reverse);
	ck_assert(prog.c[1].key == IMAP_SORT_CC && !prog.c[1].reverse);
	ck_assert(prog.c[2].key == IMAP_SORT_DATE);
	ck_assert(prog.c[3].key == IMAP_SORT_FROM);
	ck_assert(prog.c[4].key == IMAP_SORT_SIZE);
	ck_assert(prog.c[5].key == IMAP_SORT_SUBJECT);
	ck_assert(prog.c[6].key == IMAP_SORT_TO);
	ck_assert(prog.c[7].key == IMAP_SORT_DISPLAYFROM && !prog.c[7].reverse);
	ck_assert(prog.c[8].key == IMAP_SORT_DISPLAYTO && prog.c[8].reverse);
	ck_assert_int_eq(parse_criteria("(SUBJECT)", &prog, &err), 0);
	ck_assert_uint_eq(prog.n, 1);
}
END_TEST

START_TEST(criteria_errors)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
	    {"()", "empty sort criteria"},
	    {"(REVERSE)", "REVERSE without a sort key"},
	    {"(DATE REVERSE)", "REVERSE without a sort key"},
	    {"(REVERSE REVERSE DATE)", "REVERSE given twice"},
	    {"(BOGUS)", "unknown sort criterion"},
	    {"(\"DATE\")", "sort criterion must be an atom"},
	    {"((DATE))", "sort criterion must be an atom"},
	    {"DATE", "sort criteria must be a parenthesised list"},
	    {"(DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE "
	     "DATE DATE)",
	     "too many sort criteria"},
	};
	struct imap_sort_program prog;
	const char *err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse_criteria(bad[i].text, &prog, &err) == -1, "%s", bad[i].text);
		ck_assert_str_eq(err, bad[i].err);
	}
}
END_TEST

/* --------------------------------------------------------- base subject */

static const struct {
	const char *subject, *base;
	bool reply;
} subjects[] = {
    {"", "", false},
    {"Hello", "Hello", false},
    {"Re: Hello", "Hello", true},
    {"RE:Hello", "Hello", true},
    {"re : Hello", "Hello", true},
    {"Re: Re: Re:  Hello  ", "Hello", true},
    {"Fwd: Hello", "Hello", true},
    {"FW: Hello", "Hello", true},
    {"Fw:Hello", "Hello", true},
    {"Re[2]: Hello", "Hello", true},
    {"Re [2]: Hello", "Hello", true},
    {"[list] Hello", "Hello", false},
    {"[list] Re: Hello", "Hello", true},
    {"Re: [list] Hello", "Hello", true},
    {"[a][b] Re: [c] Fwd: Hello", "Hello", true},
    {"[list]", "[list]", false},          /* (4): the blob is all there is */
    {"[list] [other]", "[other]", false}, /* the last blob is the subj-base */
    {"Hello (fwd)", "Hello", true},
    {"Hello (FWD) (fwd)  ", "Hello", true},
    {"Hello(fwd)", "Hello", true},
    {"[Fwd: Hello]", "Hello", true},
    {"[fwd: Re: Hello (fwd)]", "Hello", true},
    {"Re: [Fwd: [list] Hello]", "Hello", true},
    {"[Fwd: Hello", "[Fwd: Hello", false},
    {"Reply: Hello", "Reply: Hello", false},
    {"Fwdx: Hello", "Fwdx: Hello", false},
    {"Re Hello", "Re Hello", false},
    {"\tRe:\t Hello\t\tworld ", "Hello world", true},
    {"Re:", "", true},
    {"   ", "", false},
    {"Re: (fwd)", "", true},
    {"[blob]Re:x", "x", true},
    {"Re: [x", "[x", true},
    {"Héllo wörld", "Héllo wörld", false},
};

START_TEST(base_subject)
{
	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct buf a, b;
		bool reply = !subjects[i].reply;
		struct slice s = slice_from_cstr(subjects[i].subject);

		buf_init(&a, 0);
		buf_init(&b, 0);
		ck_assert_int_eq(imap_sort_base_subject(s, &a, &reply), 0);
		buf_cstr(&a);
		ck_assert_msg(a.len == strlen(subjects[i].base) &&
		                  memcmp(a.data, subjects[i].base, a.len) == 0,
		              "\"%s\": got \"%s\"", subjects[i].subject, (char *)a.data);
		ck_assert_msg(reply == subjects[i].reply, "\"%s\": reply", subjects[i].subject);
		/* the summary stores the same base subject */
		ck_assert_int_eq(msgsum_base_subject(s, &b), 0);
		ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
		              "\"%s\": msgsum differs", subjects[i].subject);
		buf_free(&a);
		buf_free(&b);
	}
}
END_TEST

/* ------------------------------------------------------------- casemap */

static void casemap_is(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(imap_sort_casemap(slice_from_cstr(in), &b), 0);
	buf_cstr(&b);
	ck_assert_msg(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0, "casemap(%s) = %s",
	              in, (char *)b.data);
	buf_free(&b);
}

START_TEST(casemap)
{
	casemap_is("hello World 123", "HELLO WORLD 123");
	casemap_is("\xc3\xa9t\xc3\xa9", "E\xcc\x81TE\xcc\x81");  /* été -> E + U+0301 */
	casemap_is("\xc3\x89T\xc3\x89", "E\xcc\x81TE\xcc\x81");  /* ÉTÉ the same */
	casemap_is("E\xcc\x81t\xc3\xa9", "E\xcc\x81TE\xcc\x81"); /* decomposed input */
	casemap_is("\xc3\x9f", "\xc3\x9f");                      /* ß: no simple titlecase */
	/* RFC 5051 titlecases first, then decomposes: the U+FB01 ligature has
	 * no titlecase, so its NFKD "fi" stays lower case */
	casemap_is("\xef\xac\x81", "fi");
	casemap_is("\xc7\x86", "Dz\xcc\x8c"); /* dž -> Dž -> D z caron (no re-titlecasing) */
	casemap_is("\xce\xb1\xce\xb2", "\xce\x91\xce\x92");                 /* αβ -> ΑΒ */
	casemap_is("\xd0\xb4\xd0\xb0", "\xd0\x94\xd0\x90");                 /* да -> ДА */
	casemap_is("\xea\xb0\x80", "\xe1\x84\x80\xe1\x85\xa1");             /* 가 -> L V jamo */
	casemap_is("\xea\xb0\x81", "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"); /* 각: L V T */
	casemap_is("\xff\xc3(\xe0\x80\x80", "\xff\xc3(\xe0\x80\x80");       /* invalid bytes kept */
	casemap_is("\xed\xa0\x80", "\xed\xa0\x80"); /* a surrogate is invalid */
	casemap_is("\xf0\x9d\x90\x80", "A");        /* U+1D400 bold A, NFKD */
}
END_TEST

START_TEST(casemap_limit)
{
	struct buf b;

	buf_init(&b, 4);
	buf_append_str(&b, "ab");
	ck_assert_int_eq(imap_sort_casemap(slice_from_cstr("xyz"), &b), -1);
	ck_assert_uint_eq(b.len, 2);
	ck_assert_int_eq(imap_sort_casemap(slice_from_cstr("\xef\xac\x81"), &b), 0);
	ck_assert_uint_eq(b.len, 4);
	buf_free(&b);
}
END_TEST

/* --------------------------------------------------------------- sorting */

#define MAXMSG 40

struct corpus {
	struct buf sums[MAXMSG];
	struct imap_sort_msg msgs[MAXMSG];
	size_t n;
};

static void corpus_add(struct corpus *c, const char *raw, int64_t internal_date)
{
	struct msgsum_view v;
	struct imap_sort_msg *m = &c->msgs[c->n];
	struct buf *s = &c->sums[c->n];
	struct buf text;

	/* the test messages are written with \n: the summary wants CRLF */
	buf_init(&text, 0);
	for (const char *p = raw; *p != '\0'; p++) {
		if (*p == '\n')
			buf_append_u8(&text, '\r');
		buf_append_u8(&text, (uint8_t)*p);
	}
	buf_init(s, 0);
	ck_assert_int_eq(msgsum_build(text.data, text.len, s), 0);
	ck_assert_int_eq(msgsum_open(s->data, s->len, &v), 0);
	memset(m, 0, sizeof(*m));
	m->seq = (uint32_t)c->n + 1;
	m->uid = (uint32_t)c->n * 10 + 100;
	m->internal_date = internal_date;
	imap_sort_msg_fill(m, &v);
	c->n++;
	buf_free(&text);
}

static void corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		buf_free(&c->sums[i]);
}

static void sort_is(struct corpus *c, const char *crit, bool uid, const char *want)
{
	struct imap_sort_program prog;
	const char *err;
	uint32_t order[MAXMSG];
	struct buf out;

	ck_assert_int_eq(parse_criteria(crit, &prog, &err), 0);
	imap_sort_run(&prog, c->msgs, c->n, order);
	buf_init(&out, 0);
	ck_assert_int_eq(imap_sort_render(c->msgs, order, c->n, uid, &out), 0);
	buf_cstr(&out);
	ck_assert_msg(strcmp((char *)out.data, want) == 0, "SORT %s: got \"%s\", want \"%s\"", crit,
	              (char *)out.data, want);
	buf_free(&out);
}

/* The corpus also APPENDed to Dovecot (internal dates as given). */
static void corpus_fill(struct corpus *c)
{
	memset(c, 0, sizeof(*c));
	corpus_add(c,
	           "From: Zed <zed@example.org>\nTo: bob@example.org\n"
	           "Subject: Re: apples\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody1\n",
	           1700000300);
	corpus_add(c,
	           "From: \"Alice A.\" <alice@example.org>\nTo: Carol <carol@example.net>\n"
	           "Cc: dave@example.com\nSubject: bananas\n"
	           "Date: Sun, 1 Jan 2023 10:00:00 +0000\n\nbody two\n",
	           1700000100);
	corpus_add(c,
	           "From: bob@example.org\nTo: alice@example.org\n"
	           "Subject: [list] Apples (fwd)\nDate: Mon, 2 Jan 2023 12:00:00 +0200\n\nb3\n",
	           1700000200);
	corpus_add(c,
	           "From: =?utf-8?q?=C3=89mile?= <emile@example.org>\nTo: zoe@example.org\n"
	           "Cc: ann@example.com\nSubject: =?utf-8?q?=C3=A9t=C3=A9?=\n\nno date here\n",
	           1672650000);
	corpus_add(c,
	           "From: carol@example.net\nSubject: Cherries\n"
	           "Date: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody five, longer than others\n",
	           1700000000);
	corpus_add(c, "Subject: etre\nDate: not a date\n\nx\n", 1600000000);
}

START_TEST(sort_keys)
{
	struct corpus c;

	corpus_fill(&c);
	/* SUBJECT: apples(1) apples(3) bananas(2) cherries(5) etre(6) été(4):
	 * "E\xcc\x81TE\xcc\x81" > "ETRE" since 0xCC > 'T' */
	sort_is(&c, "(SUBJECT)", false, " 1 3 2 5 6 4");
	/* REVERSE reverses the key; ties stay in sequence order */
	sort_is(&c, "(REVERSE SUBJECT)", false, " 4 6 5 2 1 3");
	sort_is(&c, "(REVERSE SUBJECT)", true, " 130 150 140 110 100 120");
	/* DATE: 6 has a bad Date (internal 1600000000), 4 none (internal
	 * 1672650000 = 2 Jan 2023 09:00 UTC); 3 is 10:00 UTC, tied with 1
	 * and 5: sequence order */
	sort_is(&c, "(DATE)", false, " 6 2 4 1 3 5");
	sort_is(&c, "(REVERSE DATE)", false, " 1 3 5 4 2 6");
	sort_is(&c, "(ARRIVAL)", false, " 6 4 5 2 3 1");
	/* FROM: addr-mailbox only; none sorts first (empty string) */
	sort_is(&c, "(FROM)", false, " 6 2 3 5 4 1");
	sort_is(&c, "(TO)", false, " 5 6 3 1 2 4");
	sort_is(&c, "(CC)", false, " 1 3 5 6 4 2");
	/* DISPLAYFROM: "Alice A." "bob@example.org" "carol@example.net"
	 * "Émile" "Zed", none first */
	sort_is(&c, "(DISPLAYFROM)", false, " 6 2 3 5 4 1");
	sort_is(&c, "(DISPLAYTO)", false, " 5 6 3 1 2 4");
	sort_is(&c, "(SIZE)", false, " 6 5 1 3 4 2");
	sort_is(&c, "(REVERSE DATE SUBJECT)", false, " 1 3 5 4 2 6");
	sort_is(&c, "(SUBJECT REVERSE DATE)", false, " 1 3 2 5 6 4"); /* 1, 3: same UTC date */
	corpus_free(&c);
}
END_TEST

/* All keys equal: sequence order whatever REVERSE says (§3); Dovecot
 * answers the same (1 2 3 for three such messages). */
START_TEST(sort_ties)
{
	struct corpus c;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 5; i++)
		corpus_add(&c, "Subject: same\n\nx\n", 1000);
	sort_is(&c, "(SUBJECT)", false, " 1 2 3 4 5");
	sort_is(&c, "(REVERSE SUBJECT REVERSE ARRIVAL REVERSE SIZE)", false, " 1 2 3 4 5");
	corpus_free(&c);
}
END_TEST

/* SORT SUBJECT over letters that case mapping and NFKD bring together.
 * Dovecot 2.3.19.1 gave the same order except for the DZ digraphs
 * (U+01C4..U+01C6), which it sorts after "ß" unchanged; RFC 5051's NFKD
 * makes them "D" "Z"/"z" + U+030C, as here (a deliberate difference).
 * Combining marks are not reordered, by Dovecot either (the last two). */
START_TEST(sort_unicode)
{
	static const char *subj[] = {"D",
	                             "Dz",
	                             "DZ",
	                             "\xc7\x86"
	                             "a",
	                             "\xc7\x85"
	                             "b",
	                             "\xc7\x84"
	                             "c",
	                             "D\xc5\xbe"
	                             "a",
	                             "E",
	                             "Ea",
	                             "\xc3\xa9"
	                             "a",
	                             "\xc3\x89"
	                             "B",
	                             "\xef\xac\x81x",
	                             "FIA",
	                             "fiz",
	                             "\xc4\xb3"
	                             "a",
	                             "IJB",
	                             "\xc3\x9f",
	                             "SS",
	                             "ss",
	                             "\xce\xa9",
	                             "\xcf\x89",
	                             "Z",
	                             "\xe1\xba\x9e",
	                             "\xc7\xb0",
	                             "J",
	                             "\xe2\x85\xab",
	                             "XIIa",
	                             "\xe2\x91\xa0",
	                             "1a",
	                             "a\xcc\xa3\xcc\x87",
	                             "a\xcc\x87\xcc\xa3"};
	struct corpus c;
	char raw[128];

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < sizeof(subj) / sizeof(subj[0]); i++) {
		snprintf(raw, sizeof(raw), "Subject: %s\n\nx\n", subj[i]);
		corpus_add(&c, raw, 1700000000);
	}
	sort_is(&c, "(SUBJECT)", false,
	        " 28 29 31 30 1 2 3 7 4 5 6 8 9 10 11 13 14 15 16 25 18 19 26 27 22 12 24 17 20 "
	        "21 23");
	corpus_free(&c);
}
END_TEST

static int cmp_u32(const void *ctx, uint32_t a, uint32_t b)
{
	const uint32_t *keys = ctx;

	return keys[a] < keys[b] ? -1 : keys[a] > keys[b];
}

/* The merge sort is stable and sorts, at sizes around the powers of 2. */
START_TEST(merge_sort)
{
	uint32_t keys[1100], v[1100];

	srand(7);
	for (size_t n = 0; n < 1100; n += n < 70 ? 1 : 97) {
		for (size_t i = 0; i < n; i++) {
			keys[i] = (uint32_t)(rand() % 10);
			v[i] = (uint32_t)i;
		}
		imap_sort_indexes(v, n, cmp_u32, keys);
		for (size_t i = 1; i < n; i++)
			ck_assert(keys[v[i - 1]] < keys[v[i]] ||
			          (keys[v[i - 1]] == keys[v[i]] && v[i - 1] < v[i]));
	}
}
END_TEST

/* 100k messages sort in well under a second (no quadratic step). */
START_TEST(sort_large)
{
	enum { N = 100000 };
	struct imap_sort_msg *msgs = calloc(N, sizeof(*msgs));
	uint32_t *order = malloc(N * sizeof(*order));
	char(*subj)[32] = malloc((size_t)N * 32);
	struct imap_sort_program prog = {{{IMAP_SORT_SUBJECT, false}, {IMAP_SORT_DATE, true}}, 2};

	for (uint32_t i = 0; i < N; i++) {
		int len = snprintf(subj[i], 32, "Re: subject %u", (i * 7919u) % 5000u);
		msgs[i].seq = i + 1;
		msgs[i].uid = i + 1;
		msgs[i].sent_date = (int64_t)((i * 104729u) % 100000u);
		msgs[i].subject = (struct slice){(const uint8_t *)subj[i], (size_t)len};
	}
	imap_sort_run(&prog, msgs, N, order);
	for (size_t i = 1; i < N; i++) {
		const struct imap_sort_msg *a = &msgs[order[i - 1]], *b = &msgs[order[i]];
		ck_assert(strcmp(subj[a->seq - 1], subj[b->seq - 1]) <= 0);
	}
	free(msgs);
	free(order);
	free(subj);
}
END_TEST

static Suite *imap_sort_suite(void)
{
	Suite *s = suite_create("imap_sort");
	TCase *tc = tcase_create("sort");

	tcase_set_timeout(tc, 60); /* the 100k-message case, on a loaded machine */
	tcase_add_test(tc, criteria);
	tcase_add_test(tc, criteria_errors);
	tcase_add_test(tc, base_subject);
	tcase_add_test(tc, casemap);
	tcase_add_test(tc, casemap_limit);
	tcase_add_test(tc, sort_keys);
	tcase_add_test(tc, sort_ties);
	tcase_add_test(tc, sort_unicode);
	tcase_add_test(tc, merge_sort);
	tcase_add_test(tc, sort_large);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imap_sort_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
