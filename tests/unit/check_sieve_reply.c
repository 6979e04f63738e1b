/* SPDX-License-Identifier: ISC */
/* Sieve at delivery, the pure parts (server/sieve_reply.c): the header
 * block, the redirect loop marker (RFC 5228 section 4.2), vacation
 * eligibility (RFC 3834 section 2, RFC 5230 section 4.6), the vacation
 * reply (RFC 5230 section 5, RFC 3834 section 3) read back with the
 * project's MIME parser, and the reject report (RFC 5429 section 2.1). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "sieve.h"
#include "sieve_reply.h"

#define T_2026_12_01_1455 INT64_C(1796136900)

static const char orig[] = "Return-Path: <alice@hopital.exemple.fr>\r\n"
                           "From: Alice <alice@hopital.exemple.fr>\r\n"
                           "To: bob@balise.test\r\n"
                           "Subject: =?utf-8?Q?R=C3=A9sultats_d'analyses?=\r\n"
                           "Message-ID: <orig.1@hopital.exemple.fr>\r\n"
                           "References: <a.0@x.fr>\r\n"
                           "\r\n"
                           "Bonjour,\r\nsecret body\r\n";

static struct slice S(const char *s)
{
	return slice_from_cstr(s);
}

static char *field(struct slice msg, const char *name)
{
	struct buf v;
	char *r = NULL;

	buf_init(&v, 0);
	if (mime_header_get_utf8(sieve_reply_header(msg), name, &v) == 1 && buf_cstr(&v) == 0)
		r = strdup((char *)v.data);
	buf_free(&v);
	return r;
}

/* ---------------------------------------------------------------- header */

START_TEST(header_block)
{
	struct slice h = sieve_reply_header(S(orig));

	ck_assert_uint_eq(h.len, strstr(orig, "\r\n\r\n") - orig + 4);
	ck_assert_uint_eq(sieve_reply_header(S("A: b\n\nbody")).len, 6);
	ck_assert_uint_eq(sieve_reply_header(S("\r\nbody")).len, 2);
	ck_assert_uint_eq(sieve_reply_header(S("A: b\r\n")).len, 6); /* no body */
}
END_TEST

/* ---------------------------------------------------------------- loop marker */

START_TEST(loop_marker)
{
	struct buf out;
	unsigned hops = 9;

	buf_init(&out, 0);
	ck_assert_int_eq(sieve_reply_loop_check(S(orig), "bob@balise.test", &hops), 0);
	ck_assert_uint_eq(hops, 0);
	ck_assert_int_eq(sieve_reply_redirected(S(orig), "bob@balise.test", "Bob@Balise.test", &out),
	                 0);
	ck_assert(strncmp((char *)out.data,
	                  "Return-Path: <bob@balise.test>\r\nX-Balise-Redirected-By: "
	                  "<Bob@Balise.test>\r\nReturn-Path: <alice",
	                  90) == 0);
	/* the BAL that redirected may not redirect it again (A -> B -> A) */
	ck_assert_int_eq(sieve_reply_loop_check(buf_slice(&out), "bob@balise.test", &hops), 1);
	ck_assert_uint_eq(hops, 1);
	ck_assert_int_eq(sieve_reply_loop_check(buf_slice(&out), "carol@balise.test", &hops), 0);
	/* a marker in the body is no marker */
	ck_assert_int_eq(
	    sieve_reply_loop_check(S("A: b\r\n\r\nX-Balise-Redirected-By: <c@d.fr>\r\n"), "c@d.fr",
	                           &hops),
	    0);
	buf_free(&out);
	/* an invalid address writes nothing */
	buf_init(&out, 0);
	ck_assert_int_eq(sieve_reply_redirected(S(orig), NULL, "a@b\r\nBcc: x@y", &out), -1);
	ck_assert_int_eq(sieve_reply_redirected(S(orig), "a@b.fr>\r\nBcc: <x@y", "a@b.fr", &out),
	                 -1); /* found by fuzz_sieve_deliver */
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(sieve_reply_redirected(S(orig), "", "a@b.fr", &out), 0);
	ck_assert(strncmp((char *)out.data, "Return-Path: <>\r\nX-Balise", 25) == 0);
	buf_free(&out);
}
END_TEST

START_TEST(loop_hops)
{
	struct buf m;

	buf_init(&m, 0);
	for (int i = 0; i < SIEVE_REPLY_MAX_HOPS; i++) {
		char a[32];
		snprintf(a, sizeof(a), "u%d@op%d.fr", i, i);
		ck_assert_int_eq(sieve_reply_loop_check(buf_slice(&m), "z@z.fr", NULL), 0);
		buf_printf(&m, "X-Balise-Redirected-By: <%s>\r\n", a);
	}
	buf_append_str(&m, "\r\nbody");
	/* past the hop limit nothing is redirected, whoever asks */
	ck_assert_int_eq(sieve_reply_loop_check(buf_slice(&m), "z@z.fr", NULL), 1);
	buf_free(&m);
}
END_TEST

/* ---------------------------------------------------------------- eligibility */

START_TEST(vacation_senders)
{
	struct slice h = sieve_reply_header(S(orig));
	const char *why;

	ck_assert(sieve_reply_vacation_ok(h, "alice@hopital.exemple.fr", &why));
	ck_assert_ptr_null(why);
	ck_assert(!sieve_reply_vacation_ok(h, "", &why)); /* RFC 3834 section 2 */
	ck_assert(!sieve_reply_vacation_ok(h, NULL, NULL));
	ck_assert(!sieve_reply_vacation_ok(h, "MAILER-DAEMON@x.fr", NULL));
	ck_assert(!sieve_reply_vacation_ok(h, "owner-liste@x.fr", NULL));
	ck_assert(!sieve_reply_vacation_ok(h, "liste-request@x.fr", NULL));
	ck_assert(!sieve_reply_vacation_ok(h, "LISTSERV@x.fr", NULL));
	ck_assert(!sieve_reply_vacation_ok(h, "majordomo@x.fr", NULL));
	ck_assert(sieve_reply_vacation_ok(h, "owner@x.fr", NULL));
	ck_assert(sieve_reply_vacation_ok(h, "request@x.fr", NULL));
}
END_TEST

START_TEST(vacation_headers)
{
	static const struct {
		const char *hdr;
		bool ok;
	} v[] = {
	    {"From: a@b.fr\r\n\r\n", true},
	    {"Auto-Submitted: no\r\n\r\n", true},
	    {"Auto-Submitted: No (comment)\r\n\r\n", true},
	    {"Auto-Submitted: auto-replied\r\n\r\n", false},
	    {"Auto-Submitted: auto-generated\r\n\r\n", false},
	    {"Auto-Submitted: notice\r\n\r\n", false},
	    {"Precedence: bulk\r\n\r\n", false},
	    {"Precedence:  LIST \r\n\r\n", false},
	    {"Precedence: junk\r\n\r\n", false},
	    {"Precedence: first-class\r\n\r\n", true},
	    {"List-Id: <l.x.fr>\r\n\r\n", false},
	    {"list-unsubscribe: <mailto:u@x.fr>\r\n\r\n", false},
	    {"List-Post: NO\r\n\r\n", false},
	    {"X-Balise-Redirected-By: <a@b.fr>\r\n\r\n", false},
	    {"Subject: List-Id: x\r\n\r\nList-Id: in the body\r\n", true},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(sieve_reply_vacation_ok(S(v[i].hdr), "a@b.fr", NULL) == v[i].ok,
		              "case %zu", i);
	/* the engine's part and delivery's own (the redirect marker) */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg((sieve_autoreply_refusal(S(v[i].hdr), "a@b.fr") == NULL &&
		               sieve_reply_redirected_copy(S(v[i].hdr)) == NULL) == v[i].ok,
		              "case %zu", i);
	ck_assert_str_eq(sieve_reply_redirected_copy(S("X-Balise-Redirected-By: <a@b.fr>\r\n\r\n")),
	                 "the message was redirected");
}
END_TEST

/* ---------------------------------------------------------------- reply */

static void reply(struct sieve_reply_vacation *v, struct buf *out)
{
	const char *why = NULL;

	v->from = "bob@balise.test";
	v->to = "alice@hopital.exemple.fr";
	v->original = S(orig);
	v->date = T_2026_12_01_1455;
	v->host = "mx.balise.test";
	v->id = "Q1-v1";
	buf_init(out, 0);
	ck_assert_msg(sieve_reply_vacation(v, out, &why) == 0, "%s", why);
	ck_assert_int_eq(buf_cstr(out), 0); /* for strstr */
}

START_TEST(vacation_reply)
{
	struct sieve_reply_vacation v = {.text = "Je suis absent jusqu'au 3 décembre.\n",
	                                 .from_name = "Dr Bob"};
	struct mime_msg *m = NULL;
	struct buf out, text;
	char *s;

	reply(&v, &out);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "Subject"));
	ck_assert_str_eq(s, "Réponse automatique : Résultats d'analyses");
	free(s);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "Auto-Submitted"));
	ck_assert_str_eq(s, "auto-replied");
	free(s);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "In-Reply-To"));
	ck_assert_str_eq(s, "<orig.1@hopital.exemple.fr>");
	free(s);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "References"));
	ck_assert_str_eq(s, "<a.0@x.fr> <orig.1@hopital.exemple.fr>");
	free(s);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "From"));
	ck_assert_str_eq(s, "Dr Bob <bob@balise.test>");
	free(s);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "To"));
	ck_assert_str_eq(s, "<alice@hopital.exemple.fr>");
	free(s);
	/* the Subject is RFC 2047 encoded on the wire: 7-bit header */
	for (size_t i = 0; i < sieve_reply_header(buf_slice(&out)).len; i++)
		ck_assert_uint_lt(out.data[i], 0x80);
	/* the text, quoted-printable UTF-8, reads back */
	mime_parse(out.data, out.len, &m);
	buf_init(&text, 0);
	ck_assert_int_eq(mime_part_text(m, m->root, &text), 0);
	buf_cstr(&text);
	ck_assert_ptr_nonnull(strstr((char *)text.data, "jusqu'au 3 décembre"));
	ck_assert_ptr_null(strstr((char *)out.data, "secret body"));
	mime_free(&m);
	buf_free(&text);
	buf_free(&out);
}
END_TEST

START_TEST(vacation_subject)
{
	struct sieve_reply_vacation v = {.text = "absent", .subject = "Absent\r\nBcc: x@y.fr"};
	struct buf out;
	char *s;

	reply(&v, &out);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "Subject"));
	ck_assert_str_eq(s, "Absent Bcc: x@y.fr"); /* no injection */
	free(s);
	ck_assert_ptr_null(field(buf_slice(&out), "Bcc"));
	buf_free(&out);
	/* no original subject: the default alone */
	v.subject = NULL;
	buf_init(&out, 0);
	v.original = S("From: a@b.fr\r\n\r\nx");
	ck_assert_int_eq(sieve_reply_subject(&v, &out), 0);
	buf_cstr(&out);
	ck_assert_str_eq((char *)out.data, "Réponse automatique");
	buf_free(&out);
}
END_TEST

START_TEST(vacation_mime)
{
	struct sieve_reply_vacation v = {
	    .mime = true,
	    .text = "Content-Type: text/plain; charset=us-ascii\nBcc: evil@x.fr\n\nAway.\n"};
	struct buf out;
	const char *why;
	char *s;

	reply(&v, &out);
	ck_assert_ptr_null(field(buf_slice(&out), "Bcc")); /* only Content-* kept */
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "Content-Type"));
	ck_assert_str_eq(s, "text/plain; charset=us-ascii");
	free(s);
	ck_assert_ptr_nonnull(strstr((char *)out.data, "\r\n\r\nAway.\r\n"));
	buf_free(&out);
	v.text = "no header at all";
	buf_init(&out, 0);
	ck_assert_int_eq(sieve_reply_vacation(&v, &out, &why), -1);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
}
END_TEST

/* ---------------------------------------------------------------- reject */

START_TEST(reject_report)
{
	struct sieve_reply_reject r = {.return_path = "alice@hopital.exemple.fr",
	                               .rcpt = "bob@balise.test",
	                               .reason = "Pas de publicité ici",
	                               .reporting_mta = "mx.balise.test",
	                               .postmaster = "postmaster@balise.test",
	                               .id = "Q1-j1",
	                               .arrival = T_2026_12_01_1455,
	                               .date = T_2026_12_01_1455,
	                               .original = S(orig)};
	const char *why;
	struct buf out;
	char *s;

	buf_init(&out, 0);
	ck_assert_msg(sieve_reply_reject(&r, &out, &why) == 0, "%s", why);
	buf_cstr(&out);
	ck_assert_ptr_nonnull(s = field(buf_slice(&out), "To"));
	ck_assert_str_eq(s, "<alice@hopital.exemple.fr>");
	free(s);
	ck_assert_ptr_nonnull(strstr((char *)out.data, "Status: 5.2.0"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "Action: failed"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "Pas de publicit"));
	ck_assert_ptr_null(strstr((char *)out.data, "secret body")); /* header only */
	buf_free(&out);
	r.return_path = "";
	buf_init(&out, 0);
	ck_assert_int_eq(sieve_reply_reject(&r, &out, &why), -1);
	buf_free(&out);
}
END_TEST

static Suite *reply_suite(void)
{
	Suite *s = suite_create("sieve_reply");
	TCase *t = tcase_create("all");

	tcase_add_test(t, header_block);
	tcase_add_test(t, loop_marker);
	tcase_add_test(t, loop_hops);
	tcase_add_test(t, vacation_senders);
	tcase_add_test(t, vacation_headers);
	tcase_add_test(t, vacation_reply);
	tcase_add_test(t, vacation_subject);
	tcase_add_test(t, vacation_mime);
	tcase_add_test(t, reject_report);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reply_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
