/* SPDX-License-Identifier: ISC */
/* THREAD (RFC 5256 §4): ORDEREDSUBJECT and REFERENCES on message corpora
 * built from raw text through the summary (missing parents and dummies,
 * loops in References, self references, duplicate and missing Message-IDs,
 * In-Reply-To fallback, subject merging with replies and dummies, date
 * order and ties, truncated References, comments in msg-id fields), the
 * msg-id scanner, the algorithm names, UIDs, and 100k-message threads.
 *
 * Dovecot cross-check: every case of the table `cases` was APPENDed to
 * Dovecot 2.3.19.1 (dovecot-imapd, loopback, maildir, internal dates
 * 1700000000 + 60 s per message) and its answers to THREAD REFERENCES and
 * THREAD ORDEREDSUBJECT were recorded as the expected strings, unchanged.
 * Deliberate differences: none in these cases. Cases not cross-checked
 * (built directly, below the table): the large and degenerate inputs.
 * tests/unit/xcheck_imap_sort.py repeats the comparison on random corpora
 * (duplicate, missing and invalid Message-IDs, random References and
 * In-Reply-To, Re:/Fwd:/[blob]/(fwd) subjects, date ties, bad dates): 4
 * corpora of 300 messages gave Dovecot's answers for THREAD REFERENCES,
 * ORDEREDSUBJECT and seven SORT programs, all 36 identical. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parser.h"
#include "imap_thread.h"
#include "msgsum.h"

#define MAXMSG 16

struct thread_case {
	const char *name;
	const char *msgs[MAXMSG];
	const char *references, *orderedsubject;
};

/* Generated from the Dovecot session (see the header comment). */
static const struct thread_case cases[] = {
    {"chain",
     {"Message-ID: <a@x>\nSubject: chain\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <b@x>\nIn-Reply-To: <a@x>\nSubject: Re: chain\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c@x>\nReferences: <a@x> <b@x>\nSubject: Re: chain\nDate: Mon, 2 Jan 2023 "
      "10:02:00 +0000\n\nbody\n",
      "Message-ID: <d@x>\nReferences: <a@x>\nSubject: Re: chain\nDate: Mon, 2 Jan 2023 10:03:00 "
      "+0000\n\nbody\n",
      "Message-ID: <e@x>\nSubject: other\nDate: Mon, 2 Jan 2023 10:04:00 +0000\n\nbody\n", NULL},
     "(1 (2 3)(4))(5)",
     "(1 (2)(3)(4))(5)"},
    {"missing_parent_two",
     {"Message-ID: <1@x>\nReferences: <gone@x>\nSubject: s1\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <2@x>\nReferences: <gone@x>\nSubject: s2\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      NULL},
     "((1)(2))",
     "(1)(2)"},
    {"missing_parent_one",
     {"Message-ID: <1@x>\nReferences: <gone@x>\nSubject: s1\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <2@x>\nSubject: s2\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n", NULL},
     "(1)(2)",
     "(1)(2)"},
    {"nested_dummies",
     {"Message-ID: <1@x>\nReferences: <g1@x> <g2@x>\nSubject: a\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <2@x>\nReferences: <g1@x> <g3@x>\nSubject: b\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <3@x>\nReferences: <g1@x> <g2@x>\nSubject: c\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      NULL},
     "((1)(2)(3))",
     "(1)(2)(3)"},
    {"loop",
     {"Message-ID: <a@x>\nReferences: <b@x>\nSubject: l1\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: <a@x>\nSubject: l2\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      NULL},
     "(2 1)",
     "(1)(2)"},
    {"self_ref",
     {"Message-ID: <a@x>\nReferences: <a@x>\nSubject: self\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: <b@x> <a@x>\nSubject: self2\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      NULL},
     "(2 1)",
     "(1)(2)"},
    {"loop3",
     {"Message-ID: <a@x>\nReferences: <c@x> <b@x>\nSubject: t1\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: <a@x> <c@x>\nSubject: t2\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c@x>\nReferences: <b@x> <a@x>\nSubject: t3\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      NULL},
     "(3 2 1)",
     "(1)(2)(3)"},
    {"dup_ids",
     {"Message-ID: <d@x>\nSubject: dup\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <d@x>\nSubject: dup other\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n",
      "Message-ID: <r@x>\nIn-Reply-To: <d@x>\nSubject: Re: dup\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      NULL},
     "(1 3)(2)",
     "(1 3)(2)"},
    {"no_msgid",
     {"Subject: nid\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "In-Reply-To: <nowhere@x>\nSubject: nid2\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n",
      "Message-ID: <p@x>\nSubject: nid3\nDate: Mon, 2 Jan 2023 10:02:00 +0000\n\nbody\n",
      "In-Reply-To: <p@x>\nSubject: nid4\nDate: Mon, 2 Jan 2023 10:03:00 +0000\n\nbody\n", NULL},
     "(1)(2)(3 4)",
     "(1)(2)(3)(4)"},
    {"irt_fallback",
     {"Message-ID: <p@x>\nSubject: f1\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <q@x>\nReferences: <noat> junk\nIn-Reply-To: <p@x> <zz@x>\nSubject: f2\nDate: "
      "Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n",
      "Message-ID: <r@x>\nReferences: <q@x>\nIn-Reply-To: <p@x>\nSubject: f3\nDate: Mon, 2 Jan "
      "2023 10:02:00 +0000\n\nbody\n",
      NULL},
     "(1 2 3)",
     "(1)(2)(3)"},
    {"subject_merge",
     {"Message-ID: <1@x>\nSubject: Hello\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <2@x>\nSubject: Re: Hello\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n",
      "Message-ID: <3@x>\nSubject: hello\nDate: Mon, 2 Jan 2023 10:02:00 +0000\n\nbody\n",
      "Message-ID: <4@x>\nSubject: Re: other\nDate: Mon, 2 Jan 2023 10:03:00 +0000\n\nbody\n",
      "Message-ID: <5@x>\nSubject: Fwd: other\nDate: Mon, 2 Jan 2023 10:04:00 +0000\n\nbody\n",
      "Message-ID: <6@x>\nSubject: [list] other (fwd)\nDate: Mon, 2 Jan 2023 10:05:00 "
      "+0000\n\nbody\n",
      NULL},
     "((1 2)(3))((4)(5)(6))",
     "(1 (2)(3))(4 (5)(6))"},
    {"subject_dummy",
     {"Message-ID: <1@x>\nReferences: <gone@x>\nSubject: Topic\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <2@x>\nReferences: <gone@x>\nSubject: Re: Topic\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <3@x>\nSubject: topic\nDate: Mon, 2 Jan 2023 10:02:00 +0000\n\nbody\n",
      "Message-ID: <4@x>\nReferences: <gone2@x>\nSubject: Topic\nDate: Mon, 2 Jan 2023 10:03:00 "
      "+0000\n\nbody\n",
      "Message-ID: <5@x>\nReferences: <gone2@x>\nSubject: Topic\nDate: Mon, 2 Jan 2023 10:04:00 "
      "+0000\n\nbody\n",
      NULL},
     "((1)(2)(3)(4)(5))",
     "(1 (2)(3)(4)(5))"},
    {"reply_first",
     {"Message-ID: <1@x>\nSubject: Re: late\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <2@x>\nSubject: late\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n", NULL},
     "(2 1)",
     "(1 2)"},
    {"empty_subject",
     {"Message-ID: <1@x>\nSubject: \nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <2@x>\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n",
      "Message-ID: <3@x>\nSubject: Re:\nDate: Mon, 2 Jan 2023 10:02:00 +0000\n\nbody\n", NULL},
     "(1)(2)(3)",
     "(1 (2)(3))"},
    {"dates",
     {"Message-ID: <r@x>\nSubject: d\nDate: Mon, 2 Jan 2023 10:30:00 +0000\n\nbody\n",
      "Message-ID: <c1@x>\nIn-Reply-To: <r@x>\nSubject: Re: d\nDate: Mon, 2 Jan 2023 10:50:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c2@x>\nIn-Reply-To: <r@x>\nSubject: Re: d\nDate: Mon, 2 Jan 2023 10:40:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c3@x>\nIn-Reply-To: <r@x>\nSubject: Re: d\nDate: Mon, 2 Jan 2023 10:40:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c4@x>\nIn-Reply-To: <r@x>\nSubject: Re: d\n\nbody\n",
      "Message-ID: <t@x>\nSubject: top\nDate: Mon, 2 Jan 2023 10:20:00 +0000\n\nbody\n", NULL},
     "(6)(1 (3)(4)(2)(5))",
     "(6)(1 (3)(4)(2)(5))"},
    {"reversed_refs",
     {"Message-ID: <a@x>\nSubject: rr\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: <a@x>\nSubject: rr\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c@x>\nReferences: <b@x> <a@x>\nSubject: rr\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      NULL},
     "(1 (2)(3))",
     "(1 (2)(3))"},
    {"reparent",
     {"Message-ID: <m1@x>\nReferences: <p@x> <c@x>\nSubject: rp1\nDate: Mon, 2 Jan 2023 10:00:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c@x>\nSubject: rp2\nDate: Mon, 2 Jan 2023 10:01:00 +0000\n\nbody\n",
      "Message-ID: <p@x>\nSubject: rp3\nDate: Mon, 2 Jan 2023 10:02:00 +0000\n\nbody\n", NULL},
     "(2 1)(3)",
     "(1)(2)(3)"},
    {"truncated",
     {"Message-ID: <a@x>\nSubject: tr\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: <a@x>\nSubject: tr\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <c@x>\nReferences: <x@x> <b@x>\nSubject: tr\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      "Message-ID: <d@x>\nReferences: <b@x> <c@x>\nSubject: tr\nDate: Mon, 2 Jan 2023 10:03:00 "
      "+0000\n\nbody\n",
      "Message-ID: <x@x>\nSubject: tr\nDate: Mon, 2 Jan 2023 10:04:00 +0000\n\nbody\n", NULL},
     "((1 2 3 4)(5))",
     "(1 (2)(3)(4)(5))"},
    {"comments",
     {"Message-ID: (c) <a@x> (d)\nSubject: cm\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: (x <y@z>) <a@x>\nSubject: cm2\nDate: Mon, 2 Jan 2023 "
      "10:01:00 +0000\n\nbody\n",
      "Message-ID: <c@x>\nReferences: <a@x>\n <b@x>\nSubject: cm3\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      NULL},
     "(1 2 3)",
     "(1)(2)(3)"},
    {"out_of_order",
     {"Message-ID: <c@x>\nReferences: <a@x> <b@x>\nSubject: o\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      "Message-ID: <b@x>\nReferences: <a@x>\nSubject: o\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <a@x>\nSubject: o\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n", NULL},
     "(3 2 1)",
     "(3 (2)(1))"},
    {"deep",
     {"Message-ID: <0@x>\nSubject: deep\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\nbody\n",
      "Message-ID: <1@x>\nIn-Reply-To: <0@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:01:00 "
      "+0000\n\nbody\n",
      "Message-ID: <2@x>\nIn-Reply-To: <1@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:02:00 "
      "+0000\n\nbody\n",
      "Message-ID: <3@x>\nIn-Reply-To: <2@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:03:00 "
      "+0000\n\nbody\n",
      "Message-ID: <4@x>\nIn-Reply-To: <3@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:04:00 "
      "+0000\n\nbody\n",
      "Message-ID: <5@x>\nIn-Reply-To: <4@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:05:00 "
      "+0000\n\nbody\n",
      "Message-ID: <6@x>\nIn-Reply-To: <5@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:06:00 "
      "+0000\n\nbody\n",
      "Message-ID: <7@x>\nIn-Reply-To: <6@x>\nSubject: Re: deep\nDate: Mon, 2 Jan 2023 10:07:00 "
      "+0000\n\nbody\n",
      NULL},
     "(1 2 3 4 5 6 7 8)",
     "(1 (2)(3)(4)(5)(6)(7)(8))"},
};

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

static void thread_is(const char *name, const struct imap_sort_msg *msgs, size_t n,
                      enum imap_thread_algo algo, bool uid, const char *want)
{
	struct buf out;

	buf_init(&out, 0);
	ck_assert_int_eq(imap_thread_run(algo, msgs, n, uid, &out), 0);
	buf_cstr(&out);
	ck_assert_msg(strcmp((char *)out.data, want) == 0, "%s %s: got \"%s\", want \"%s\"", name,
	              algo == IMAP_THREAD_REFERENCES ? "REFERENCES" : "ORDEREDSUBJECT",
	              (char *)out.data, want);
	buf_free(&out);
}

START_TEST(dovecot_cases)
{
	const struct thread_case *tc = &cases[_i];
	struct corpus c;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; tc->msgs[i] != NULL; i++)
		corpus_add(&c, tc->msgs[i], 1700000000 + (int64_t)i * 60);
	thread_is(tc->name, c.msgs, c.n, IMAP_THREAD_REFERENCES, false, tc->references);
	thread_is(tc->name, c.msgs, c.n, IMAP_THREAD_ORDEREDSUBJECT, false, tc->orderedsubject);
	corpus_free(&c);
}
END_TEST

/* The input order does not matter: reversed, the answer is the same. */
START_TEST(input_order)
{
	const struct thread_case *tc = &cases[_i];
	struct corpus c;
	struct imap_sort_msg rev[MAXMSG];

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; tc->msgs[i] != NULL; i++)
		corpus_add(&c, tc->msgs[i], 1700000000 + (int64_t)i * 60);
	for (size_t i = 0; i < c.n; i++)
		rev[i] = c.msgs[c.n - 1 - i];
	thread_is(tc->name, rev, c.n, IMAP_THREAD_REFERENCES, false, tc->references);
	thread_is(tc->name, rev, c.n, IMAP_THREAD_ORDEREDSUBJECT, false, tc->orderedsubject);
	corpus_free(&c);
}
END_TEST

/* No Message-ID, same subject, same date: one dummy thread in sequence
 * order (Dovecot: "((1)(2)(3))" and "(1 (2)(3))"). */
START_TEST(ties)
{
	struct corpus c;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 3; i++)
		corpus_add(&c, "Subject: same\n\nx\n", 1000000000);
	thread_is("ties", c.msgs, c.n, IMAP_THREAD_REFERENCES, false, "((1)(2)(3))");
	thread_is("ties", c.msgs, c.n, IMAP_THREAD_ORDEREDSUBJECT, false, "(1 (2)(3))");
	corpus_free(&c);
}
END_TEST

START_TEST(uids_and_empty)
{
	struct corpus c;
	struct buf out;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; cases[0].msgs[i] != NULL; i++)
		corpus_add(&c, cases[0].msgs[i], 1700000000 + (int64_t)i * 60);
	thread_is("uid", c.msgs, c.n, IMAP_THREAD_REFERENCES, true, "(100 (110 120)(130))(140)");
	thread_is("uid", c.msgs, c.n, IMAP_THREAD_ORDEREDSUBJECT, true,
	          "(100 (110)(120)(130))(140)");
	thread_is("none", c.msgs, 0, IMAP_THREAD_REFERENCES, false, "");
	thread_is("none", c.msgs, 0, IMAP_THREAD_ORDEREDSUBJECT, false, "");
	/* past the output limit: -1 and out unchanged */
	buf_init(&out, 6);
	buf_append_str(&out, "xy");
	ck_assert_int_eq(imap_thread_run(IMAP_THREAD_REFERENCES, c.msgs, c.n, false, &out), -1);
	ck_assert_uint_eq(out.len, 2);
	buf_free(&out);
	corpus_free(&c);
}
END_TEST

static void parse_algo(const char *text, int want_ret, enum imap_thread_algo want,
                       const char *want_err)
{
	struct imap_parser *p = imap_parser_new();
	char line[256];
	size_t len, used, off = 0;
	enum imap_thread_algo algo = IMAP_THREAD_ORDEREDSUBJECT;
	const char *err = NULL;

	imap_parser_set_authenticated(p, true);
	len = (size_t)snprintf(line, sizeof(line), "a THREAD %s UTF-8 ALL\r\n", text);
	for (;;) {
		enum imap_parse_result r =
		    imap_parser_feed(p, (const uint8_t *)line + off, len - off, &used);
		off += used;
		if (r == IMAP_PARSE_OK)
			break;
		ck_assert_int_eq(r, IMAP_PARSE_MORE);
	}
	ck_assert_int_eq(imap_thread_parse(&imap_parser_command(p)->args[0], &algo, &err),
	                 want_ret);
	if (want_ret == 0)
		ck_assert(algo == want);
	else
		ck_assert_str_eq(err, want_err);
	imap_parser_free(&p);
}

START_TEST(algorithm_names)
{
	parse_algo("REFERENCES", 0, IMAP_THREAD_REFERENCES, NULL);
	parse_algo("references", 0, IMAP_THREAD_REFERENCES, NULL);
	parse_algo("OrderedSubject", 0, IMAP_THREAD_ORDEREDSUBJECT, NULL);
	parse_algo("REFS", -1, 0, "unknown thread algorithm");
	parse_algo("\"REFERENCES\"", -1, 0, "thread algorithm must be an atom");
	parse_algo("(REFERENCES)", -1, 0, "thread algorithm must be an atom");
}
END_TEST

static void msgids_are(const char *field, const char *want)
{
	struct buf id, all;
	size_t pos = 0;

	buf_init(&id, 0);
	buf_init(&all, 0);
	while (imap_thread_next_msgid(slice_from_cstr(field), &pos, &id) == 1) {
		buf_append(&all, id.data, id.len);
		buf_append_u8(&all, '|');
		buf_reset(&id);
	}
	buf_cstr(&all);
	ck_assert_msg(strcmp((char *)all.data, want) == 0, "%s: got %s", field, (char *)all.data);
	buf_free(&id);
	buf_free(&all);
}

START_TEST(msgid_scanner)
{
	msgids_are("<a@b>", "a@b|");
	msgids_are("  <a@b>  <c@d>\r\n\t<e@f>", "a@b|c@d|e@f|");
	msgids_are("(comment <x@y>) <a@b> (nested (<p@q>) \\) ) <c@d>", "a@b|c@d|");
	msgids_are("<no-at> <a@b> <> <@> <x@y", "a@b|");
	msgids_are("<a\r\n @b>", "a@b|");
	msgids_are("<a<b@c>", "b@c|");
	msgids_are("junk a@b <a@b>garbage", "a@b|");
	msgids_are("", "");
	msgids_are("(unclosed <a@b>", "");
}
END_TEST

/* A chain of 100k replies (recursion would overflow), delivered in reverse
 * (each message's parent arrives after it), then a 100k-message flat
 * thread with Re: subjects and dummies: both quick, no quadratic step. */
START_TEST(large)
{
	enum { N = 100000 };
	struct imap_sort_msg *msgs = calloc(N, sizeof(*msgs));
	char(*ids)[24] = malloc((size_t)N * 24), (*irt)[24] = malloc((size_t)N * 24);
	struct buf out;

	for (uint32_t i = 0; i < N; i++) {
		uint32_t k = N - 1 - i; /* message k replies to k - 1 */
		int a = snprintf(ids[i], 24, "<%u@x>", k),
		    b = snprintf(irt[i], 24, "<%u@x>", k - 1);
		msgs[i].seq = msgs[i].uid = i + 1;
		msgs[i].sent_date = k;
		msgs[i].message_id = (struct slice){(const uint8_t *)ids[i], (size_t)a};
		msgs[i].in_reply_to =
		    (struct slice){(const uint8_t *)irt[i], k > 0 ? (size_t)b : 0};
		msgs[i].subject = SLICE_STR("Re: long");
	}
	buf_init(&out, 0);
	ck_assert_int_eq(imap_thread_run(IMAP_THREAD_REFERENCES, msgs, N, false, &out), 0);
	ck_assert(out.len > 5 * N && out.data[0] == '(' && out.data[out.len - 1] == ')');
	ck_assert(memcmp(out.data, "(100000 99999 99998 ", 20) == 0);
	buf_reset(&out);
	for (uint32_t i = 0; i < N; i++) {
		int b = snprintf(irt[i], 24, "<gone%u@x>", i % 1000);
		msgs[i].message_id = (struct slice){NULL, 0};
		msgs[i].in_reply_to = (struct slice){(const uint8_t *)irt[i], (size_t)b};
		msgs[i].subject = i % 3 ? SLICE_STR("Re: flat") : SLICE_STR("flat");
	}
	ck_assert_int_eq(imap_thread_run(IMAP_THREAD_REFERENCES, msgs, N, false, &out), 0);
	buf_reset(&out);
	ck_assert_int_eq(imap_thread_run(IMAP_THREAD_ORDEREDSUBJECT, msgs, N, true, &out), 0);
	buf_free(&out);
	free(msgs);
	free(ids);
	free(irt);
}
END_TEST

/* The loop check of §4 (1) on a hostile mailbox: a chain of K messages,
 * K messages replying to K missing parents, and K messages whose
 * References link the end of the chain to each missing parent. Walking up
 * from the deep end for each link would be quadratic; the check alternates
 * with a walk of the small subtree, so this stays fast. */
START_TEST(deep_links)
{
	enum { K = 30000, N = 3 * K };
	struct imap_sort_msg *msgs = calloc(N, sizeof(*msgs));
	char(*a)[48] = malloc((size_t)N * 48), (*b)[48] = malloc((size_t)N * 48);
	struct buf out;

	for (uint32_t i = 0; i < N; i++) {
		int la = 0, lb = 0;
		uint32_t k = i % K;
		if (i < K) { /* the chain */
			la = snprintf(a[i], 48, "<c%u@x>", k);
			lb = k > 0 ? snprintf(b[i], 48, "<c%u@x>", k - 1) : 0;
			msgs[i].in_reply_to = (struct slice){(const uint8_t *)b[i], (size_t)lb};
		} else if (i < 2 * K) { /* children of missing parents */
			la = snprintf(a[i], 48, "<y%u@x>", k);
			lb = snprintf(b[i], 48, "<gone%u@x>", k);
			msgs[i].in_reply_to = (struct slice){(const uint8_t *)b[i], (size_t)lb};
		} else { /* chain end -> missing parent */
			la = snprintf(a[i], 48, "<z%u@x>", k);
			lb = snprintf(b[i], 48, "<c%u@x> <gone%u@x>", K - 1, k);
			msgs[i].references = (struct slice){(const uint8_t *)b[i], (size_t)lb};
		}
		msgs[i].message_id = (struct slice){(const uint8_t *)a[i], (size_t)la};
		msgs[i].seq = msgs[i].uid = i + 1;
		msgs[i].sent_date = i;
		msgs[i].subject = SLICE_STR("x");
	}
	buf_init(&out, 0);
	ck_assert_int_eq(imap_thread_run(IMAP_THREAD_REFERENCES, msgs, N, false, &out), 0);
	ck_assert(out.len > 0 && out.data[0] == '(' && memcmp(out.data, "(1 2 3 ", 7) == 0);
	buf_free(&out);
	free(msgs);
	free(a);
	free(b);
}
END_TEST

static Suite *imap_thread_suite(void)
{
	Suite *s = suite_create("imap_thread");
	TCase *tc = tcase_create("thread");
	int ncases = (int)(sizeof(cases) / sizeof(cases[0]));

	tcase_set_timeout(tc, 60); /* the 100k-message cases, on a loaded machine */
	tcase_add_loop_test(tc, dovecot_cases, 0, ncases);
	tcase_add_loop_test(tc, input_order, 0, ncases);
	tcase_add_test(tc, ties);
	tcase_add_test(tc, uids_and_empty);
	tcase_add_test(tc, algorithm_names);
	tcase_add_test(tc, msgid_scanner);
	tcase_add_test(tc, large);
	tcase_add_test(tc, deep_links);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imap_thread_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
