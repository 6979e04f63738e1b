/* SPDX-License-Identifier: ISC */
/* The outbound SMTP pieces without a network: the reply reader (multi-line,
 * enhanced codes, malformed replies), EHLO keywords, xtext, the retry
 * schedule, routing through the static route table, and the French report
 * decisions of a recorded attempt (queue_record.c) on a real store. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "mx.h"
#include "smtpc_reply.h"

static int feed(struct smtpc_reply *r, const char *line)
{
	return smtpc_reply_feed(r, line, strlen(line));
}

START_TEST(reply_single)
{
	struct smtpc_reply r;
	char out[600];

	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "250 2.1.5 Ok recipient"), 1);
	ck_assert_uint_eq(r.code, 250);
	ck_assert_str_eq(r.enhanced, "2.1.5");
	ck_assert_str_eq(r.text, "Ok recipient");
	smtpc_reply_format(&r, out, sizeof(out));
	ck_assert_str_eq(out, "250 2.1.5 Ok recipient");
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "354 End data with <CR><LF>.<CR><LF>"), 1);
	ck_assert_uint_eq(r.code, 354);
	ck_assert_str_eq(r.enhanced, "");
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "220"), 1);
	ck_assert_uint_eq(r.code, 220);
	ck_assert_str_eq(r.text, "");
	/* The class of the enhanced code must match the reply's. */
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "550 2.1.5 odd"), 1);
	ck_assert_str_eq(r.enhanced, "");
	ck_assert_str_eq(r.text, "2.1.5 odd");
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "452 4.2.2 Mailbox full\x01\xff"), 1);
	ck_assert_str_eq(r.enhanced, "4.2.2");
	ck_assert_str_eq(r.text, "Mailbox full??");
}
END_TEST

START_TEST(reply_multi)
{
	struct smtpc_reply r;

	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "550-5.1.1 The mailbox"), 0);
	ck_assert_int_eq(feed(&r, "550-5.1.1 does not"), 0);
	ck_assert_int_eq(feed(&r, "550 5.1.1 exist"), 1);
	ck_assert_str_eq(r.enhanced, "5.1.1");
	ck_assert_str_eq(r.text, "The mailbox does not exist");
	ck_assert_uint_eq(r.lines, 3);
}
END_TEST

START_TEST(reply_bad)
{
	struct smtpc_reply r;

	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "25 ok"), -1);
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "abc ok"), -1);
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "150 ok"), -1);
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "250_ok"), -1);
	smtpc_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "250-first"), 0);
	ck_assert_int_eq(feed(&r, "251 changed code"), -1);
	smtpc_reply_reset(&r);
	for (int i = 0; i < SMTPC_REPLY_LINES_MAX; i++)
		ck_assert_int_eq(feed(&r, "250-x"), 0);
	ck_assert_int_eq(feed(&r, "250 x"), -1);
	/* Text is bounded, however long the reply. */
	smtpc_reply_reset(&r);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(feed(&r, "250-0123456789012345678901234567890123456789"), 0);
	ck_assert_int_eq(feed(&r, "250 end"), 1);
	ck_assert_uint_eq(strlen(r.text), SMTPC_REPLY_TEXT_MAX);
}
END_TEST

START_TEST(ehlo_keywords)
{
	static const char *const lines[] = {
	    "250-mx.other.test Bonjour",
	    "250-PIPELINING",
	    "250-SIZE 1048576",
	    "250-8bitmime",
	    "250-DSN",
	    "250-STARTTLSX",
	    "250-ENHANCEDSTATUSCODES",
	    "250 CHUNKING",
	};
	struct smtpc_ehlo e = {0};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		smtpc_ehlo_line(&e, lines[i], strlen(lines[i]), i == 0);
	ck_assert_uint_eq(e.ext, SMTPC_EXT_PIPELINING | SMTPC_EXT_SIZE | SMTPC_EXT_8BITMIME |
	                             SMTPC_EXT_DSN | SMTPC_EXT_ENHANCED | SMTPC_EXT_CHUNKING);
	ck_assert_uint_eq(e.size_max, 1048576);
	memset(&e, 0, sizeof(e));
	smtpc_ehlo_line(&e, "250-STARTTLS", 12, false);
	smtpc_ehlo_line(&e, "250 SIZE 12x", 12, false);
	ck_assert_uint_eq(e.ext, SMTPC_EXT_STARTTLS | SMTPC_EXT_SIZE);
	ck_assert_uint_eq(e.size_max, 0);
	/* The greeting line is never read as a keyword. */
	memset(&e, 0, sizeof(e));
	smtpc_ehlo_line(&e, "250-STARTTLS", 12, true);
	ck_assert_uint_eq(e.ext, 0);
}
END_TEST

START_TEST(xtext)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(smtpc_xtext_encode("a+b=c d\xc3\xa9~!", &b), 0);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "a+2Bb+3Dc+20d+C3+A9~!");
	buf_free(&b);
}
END_TEST

START_TEST(retry_schedule)
{
	ck_assert_uint_eq(smtpc_retry_delay(1, 300, 2, 14400), 300);
	ck_assert_uint_eq(smtpc_retry_delay(2, 300, 2, 14400), 600);
	ck_assert_uint_eq(smtpc_retry_delay(3, 300, 2, 14400), 1200);
	ck_assert_uint_eq(smtpc_retry_delay(6, 300, 2, 14400), 9600);
	ck_assert_uint_eq(smtpc_retry_delay(7, 300, 2, 14400), 14400);
	ck_assert_uint_eq(smtpc_retry_delay(4000000000u, 300, 2, 14400), 14400);
	ck_assert_uint_eq(smtpc_retry_delay(5, 10, 1, 100), 10);
	ck_assert_uint_eq(smtpc_retry_delay(70, 1, 10, UINT64_MAX / 2), UINT64_MAX / 2);
	ck_assert_uint_eq(smtpc_retry_delay(1, 500, 2, 100), 100);
}
END_TEST

START_TEST(route_table)
{
	struct cfg_routes rt = {0};
	struct mx_result r;
	const char *why = NULL;
	const struct sockaddr_in *sin;

	ck_assert_int_eq(
	    cfg_parse_routes("other.test=127.0.0.1:2526, v6.test=[::1]:2527", &rt, &why), 0);
	mx_lookup(&rt, "Other.TEST", &r);
	ck_assert_uint_eq(r.n, 1);
	sin = (const struct sockaddr_in *)&r.addr[0].sa;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 2526);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	ck_assert_str_eq(r.addr[0].host, "127.0.0.1");
	mx_lookup(&rt, "v6.test", &r);
	if (r.n > 0) { /* no IPv6 on the machine: AI_ADDRCONFIG gives nothing */
		ck_assert_int_eq(r.addr[0].sa.ss_family, AF_INET6);
		ck_assert_str_eq(r.addr[0].host, "::1");
	} else {
		ck_assert(!r.permanent);
	}
	cfg_routes_free(&rt);
}
END_TEST

static Suite *smtpout_suite(void)
{
	Suite *s = suite_create("smtpout");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, reply_single);
	tcase_add_test(tc, reply_multi);
	tcase_add_test(tc, reply_bad);
	tcase_add_test(tc, ehlo_keywords);
	tcase_add_test(tc, xtext);
	tcase_add_test(tc, retry_schedule);
	tcase_add_test(tc, route_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(smtpout_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
