/* SPDX-License-Identifier: ISC */
/* SMTP command lines: every verb and parameter, every refusal with its
 * reply and enhanced code, path edge cases (RFC 5321 section 4.1.2 and
 * 4.5.3.1), line limits and the line reader, xtext and RFC 6533 round
 * trips, the reply formatter. The DATA/BDAT readers and SASL are in
 * check_smtp_data.c. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_cmd.h"
#include "smtp_reply.h"
#include "smtp_xtext.h"

static struct smtp_cmd cmd;

/* Parses line; SMTP_R_OK or the refusal. */
static enum smtp_reply_id parse(const char *line, unsigned flags)
{
	enum smtp_reply_id err = SMTP_R_COUNT;
	int r = smtp_cmd_parse(slice_from_cstr(line), flags, &cmd, &err);

	ck_assert_int_eq(r == 0, err == SMTP_R_OK);
	return err;
}

#define OK(line) ck_assert_int_eq(parse(line, SMTP_EXT_ALL), SMTP_R_OK)
#define ERR(line, id) ck_assert_int_eq(parse(line, SMTP_EXT_ALL), id)

/* "CODE ENH" of a refusal, to check the table against the RFCs. */
static const char *codes(enum smtp_reply_id id)
{
	static char s[32];
	const struct smtp_reply_info *ri = smtp_reply_info(id);

	snprintf(s, sizeof(s), "%d %s", ri->code, ri->enh);
	return s;
}

static bool slice_is(struct slice s, const char *c)
{
	return slice_eq_cstr(s, c) != 0;
}

START_TEST(verbs)
{
	OK("EHLO mx.example.org");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_EHLO);
	ck_assert(slice_is(cmd.arg, "mx.example.org"));
	OK("helo mx.example.org");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_HELO);
	OK("DATA");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_DATA);
	OK("rset");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_RSET);
	OK("Quit");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_QUIT);
	OK("STARTTLS");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_STARTTLS);
	OK("NOOP");
	ck_assert_int_eq(cmd.arg.len, 0);
	OK("NOOP hello there");
	ck_assert(slice_is(cmd.arg, "hello there"));
	OK("HELP MAIL");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_HELP);
	ck_assert(slice_is(cmd.arg, "MAIL"));
	OK("VRFY <jean@example.org>");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_VRFY);
	OK("EXPN staff");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_EXPN);
	ck_assert(slice_is(cmd.arg, "staff"));
	OK("VRFY j\xc3\xa9r\xc3\xb4me");
	ERR("VRFY j\xe9r", SMTP_R_BAD_CHAR);
	/* trailing spaces and tabs, as Postfix */
	OK("DATA  \t ");
	OK("QUIT ");
	OK("EHLO   mx.example.org  ");
	ck_assert(slice_is(cmd.arg, "mx.example.org"));
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_UNKNOWN), "?");
}
END_TEST

START_TEST(verb_errors)
{
	ERR("", SMTP_R_UNKNOWN_CMD);
	ERR("FOO bar", SMTP_R_UNKNOWN_CMD);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_UNKNOWN);
	ERR("MAILX FROM:<>", SMTP_R_UNKNOWN_CMD);
	ERR(" DATA", SMTP_R_UNKNOWN_CMD);
	ERR("DATA x", SMTP_R_NO_ARGS_ALLOWED);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_DATA);
	ERR("RSET now", SMTP_R_NO_ARGS_ALLOWED);
	ERR("QUIT please", SMTP_R_NO_ARGS_ALLOWED);
	ERR("STARTTLS x", SMTP_R_NO_ARGS_ALLOWED);
	ERR("VRFY", SMTP_R_ARG_MISSING);
	ERR("EXPN  ", SMTP_R_ARG_MISSING);
	ERR("EHLO", SMTP_R_ARG_MISSING);
	ERR("NOOP a\rb", SMTP_R_BAD_CHAR);
	ERR("NOOP a\x01", SMTP_R_BAD_CHAR);
	ERR("NOOP \xc3\xa9", SMTP_R_BAD_CHAR);
	ck_assert_str_eq(codes(SMTP_R_UNKNOWN_CMD), "500 5.5.2");
	ck_assert_str_eq(codes(SMTP_R_BAD_CHAR), "500 5.5.2");
	ck_assert_str_eq(codes(SMTP_R_NO_ARGS_ALLOWED), "501 5.5.4");
	ck_assert_str_eq(codes(SMTP_R_ARG_MISSING), "501 5.5.4");

	/* a NUL in the line */
	{
		enum smtp_reply_id err;
		struct slice s = {(const uint8_t *)"NOOP a\0b", 8};

		ck_assert_int_eq(smtp_cmd_parse(s, 0, &cmd, &err), -1);
		ck_assert_int_eq(err, SMTP_R_BAD_CHAR);
	}
}
END_TEST

START_TEST(helo)
{
	OK("EHLO [192.0.2.1]");
	ck_assert(cmd.helo_literal);
	OK("EHLO [IPv6:2001:db8::1]");
	OK("EHLO [ipv6:::ffff:192.0.2.1]");
	OK("EHLO localhost");
	OK("EHLO xn--bcher-kva.example");
	OK("EHLO a-b.c0");
	ERR("EHLO bad_name", SMTP_R_BAD_HELO);
	ERR("EHLO -a.example", SMTP_R_BAD_HELO);
	ERR("EHLO a-.example", SMTP_R_BAD_HELO);
	ERR("EHLO example.org.", SMTP_R_BAD_HELO);
	ERR("EHLO a..b", SMTP_R_BAD_HELO);
	ERR("EHLO two words", SMTP_R_BAD_HELO);
	ERR("EHLO [192.0.2.256]", SMTP_R_BAD_HELO);
	ERR("EHLO [192.0.2]", SMTP_R_BAD_HELO);
	ERR("EHLO [IPv6:2001:db8::g]", SMTP_R_BAD_HELO);
	ERR("EHLO [192.0.2.1", SMTP_R_BAD_HELO);
	ERR("EHLO b\xc3\xbc"
	    "cher.example",
	    SMTP_R_BAD_CHAR);
	ck_assert_str_eq(codes(SMTP_R_BAD_HELO), "501 5.5.4");
	/* a 64-octet label is one too many */
	ERR("EHLO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.fr",
	    SMTP_R_BAD_HELO);
	OK("EHLO aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.fr");
	ck_assert(smtp_address_literal_valid(slice_from_cstr("[x-tag:abc]")));
	ck_assert(!smtp_address_literal_valid(slice_from_cstr("[x-tag:]")));
	ck_assert(!smtp_address_literal_valid(slice_from_cstr("[x-tag:a[b]")));
	ck_assert(!smtp_address_literal_valid(slice_from_cstr("[]")));
}
END_TEST

START_TEST(mail_paths)
{
	OK("MAIL FROM:<jean.dupont@hopital.example>");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_MAIL);
	ck_assert_str_eq(cmd.path.addr, "jean.dupont@hopital.example");
	ck_assert_int_eq(cmd.path.local_len, 11);
	ck_assert(!cmd.path.null);
	OK("mail from:<>");
	ck_assert(cmd.path.null);
	ck_assert_str_eq(cmd.path.addr, "");
	OK("MAIL FROM: <a@b.example>"); /* one space tolerated */
	ck_assert_str_eq(cmd.path.addr, "a@b.example");
	ERR("MAIL FROM:  <a@b.example>", SMTP_R_MAIL_SYNTAX);
	OK("MAIL FROM:<@relay1.example,@relay2.example:user@d.example>");
	ck_assert_str_eq(cmd.path.addr, "user@d.example");
	ERR("MAIL FROM:<@relay1.example:@relay2.example:u@d.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<@bad_relay:u@d.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<@relay.example>", SMTP_R_BAD_SENDER);
	OK("MAIL FROM:<\"jean.dupont\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "jean.dupont@d.example");
	ck_assert(!cmd.path.quoted);
	OK("MAIL FROM:<\"jean dupont\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "\"jean dupont\"@d.example");
	ck_assert(cmd.path.quoted);
	ck_assert_int_eq(cmd.path.local_len, 13);
	OK("MAIL FROM:<\"\\j\\e\\a\\n\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "jean@d.example");
	OK("MAIL FROM:<\"a\\\"b\\\\c>d\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "\"a\\\"b\\\\c>d\"@d.example");
	OK("MAIL FROM:<\"a@b\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "\"a@b\"@d.example");
	ck_assert_int_eq(cmd.path.local_len, 5);
	OK("MAIL FROM:<\"\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "\"\"@d.example");
	OK("MAIL FROM:<\"a..b\"@d.example>");
	ck_assert_str_eq(cmd.path.addr, "\"a..b\"@d.example");
	OK("MAIL FROM:<user@[192.0.2.7]>");
	ck_assert(cmd.path.literal);
	OK("MAIL FROM:<u+tag=x@d.example>");
	OK("MAIL FROM:<u@xn--hpital-dva.example>");

	ERR("MAIL FROM:a@b.example", SMTP_R_MAIL_SYNTAX);
	ERR("MAIL FROM:<a@b.example", SMTP_R_MAIL_SYNTAX);
	ERR("MAIL TO:<a@b.example>", SMTP_R_MAIL_SYNTAX);
	ERR("MAIL", SMTP_R_MAIL_SYNTAX);
	ERR("MAIL FROM:<a@b.example>x", SMTP_R_MAIL_SYNTAX);
	ERR("MAIL FROM:<a@b.example>  ", SMTP_R_OK);
	ERR("MAIL FROM:<a>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<@>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<a@>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<.a@b.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<a.@b.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<a..b@b.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<a b@b.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<a@b@c.example>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<\"unterminated@b.example>", SMTP_R_MAIL_SYNTAX);
	ERR("MAIL FROM:<a@[300.1.1.1]>", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<a@b.example.>", SMTP_R_BAD_SENDER);
	ck_assert_str_eq(codes(SMTP_R_MAIL_SYNTAX), "501 5.5.2");
	ck_assert_str_eq(codes(SMTP_R_BAD_SENDER), "553 5.1.7");
}
END_TEST

START_TEST(rcpt_paths)
{
	OK("RCPT TO:<marie@cabinet.example>");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_RCPT);
	ck_assert_str_eq(cmd.path.addr, "marie@cabinet.example");
	OK("rcpt to:<PostMaster>");
	ck_assert(cmd.path.postmaster);
	ck_assert_str_eq(cmd.path.addr, "PostMaster");
	OK("RCPT TO:<postmaster@d.example>");
	ck_assert(!cmd.path.postmaster);
	ERR("RCPT TO:<>", SMTP_R_BAD_RCPT);
	ERR("RCPT TO:<someone>", SMTP_R_BAD_RCPT);
	ERR("RCPT FROM:<a@b.example>", SMTP_R_RCPT_SYNTAX);
	ERR("RCPT TO:", SMTP_R_RCPT_SYNTAX);
	ck_assert_str_eq(codes(SMTP_R_RCPT_SYNTAX), "501 5.5.2");
	ck_assert_str_eq(codes(SMTP_R_BAD_RCPT), "553 5.1.3");
}
END_TEST

/* RFC 5321 section 4.5.3.1: 64 / 255 / 256 octets. */
START_TEST(path_lengths)
{
	char line[1024], local[80], dom[300];

	memset(local, 'l', 64);
	local[64] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<%s@d.example>", local);
	OK(line);
	local[64] = 'l', local[65] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<%s@d.example>", local);
	ERR(line, SMTP_R_BAD_RCPT);
	/* quoted: the quotes count, as sent */
	local[62] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<\"%s\"@d.example>", local);
	OK(line);
	local[62] = 'l', local[63] = '\0';
	snprintf(line, sizeof(line), "RCPT TO:<\"%s\"@d.example>", local);
	ERR(line, SMTP_R_BAD_RCPT);
	/* a 254-octet path is fine, 257 is too long */
	memset(dom, 0, sizeof(dom));
	for (int i = 0; i < 4; i++)
		memset(dom + i * 62, i == 3 ? 'd' : 'c', 61), dom[i * 62 + 61] = '.';
	dom[4 * 62 - 1] = '\0'; /* 247 octets */
	ck_assert(smtp_domain_valid(slice_from_cstr(dom), false));
	snprintf(line, sizeof(line), "RCPT TO:<abcd@%s>", dom);
	OK(line);
	snprintf(line, sizeof(line), "RCPT TO:<abcdef@%s>", dom);
	ck_assert_int_eq(strlen(line) - 8, 256);
	OK(line);
	snprintf(line, sizeof(line), "RCPT TO:<abcdefg@%s>", dom);
	ck_assert_int_eq(strlen(line) - 8, 257);
	ERR(line, SMTP_R_RCPT_TOO_LONG);
	snprintf(line, sizeof(line), "MAIL FROM:<abcdefg@%s>", dom);
	ERR(line, SMTP_R_SENDER_TOO_LONG);
	ck_assert_str_eq(codes(SMTP_R_RCPT_TOO_LONG), "501 5.1.3");
	ck_assert_str_eq(codes(SMTP_R_SENDER_TOO_LONG), "501 5.1.7");
	/* a 256-octet domain is too long, 255 is fine */
	memset(dom, 'a', 63);
	dom[63] = '.';
	memcpy(dom + 64, dom, 64);
	memcpy(dom + 128, dom, 64);
	memset(dom + 192, 'b', 63);
	dom[255] = '\0';
	ck_assert(smtp_domain_valid(slice_from_cstr(dom), false));
	dom[254] = '.', dom[255] = 'b', dom[256] = '\0';
	ck_assert(!smtp_domain_valid(slice_from_cstr(dom), false));
}
END_TEST

/* RFC 6531: UTF-8 only with SMTPUTF8 on the MAIL (or its transaction). */
START_TEST(smtputf8_paths)
{
	OK("MAIL FROM:<j\xc3\xa9r\xc3\xb4me@h\xc3\xb4pital.example> SMTPUTF8");
	ck_assert(cmd.mail.smtputf8);
	ck_assert(cmd.path.utf8);
	ck_assert_str_eq(cmd.path.addr, "j\xc3\xa9r\xc3\xb4me@h\xc3\xb4pital.example");
	ERR("MAIL FROM:<j\xc3\xa9r\xc3\xb4me@d.example>", SMTP_R_UTF8_NOT_ALLOWED);
	ERR("MAIL FROM:<jerome@h\xc3\xb4pital.example>", SMTP_R_UTF8_NOT_ALLOWED);
	ERR("MAIL FROM:<\"j\xc3\xa9 r\"@d.example>", SMTP_R_UTF8_NOT_ALLOWED);
	OK("MAIL FROM:<\"j\xc3\xa9 r\"@d.example> SMTPUTF8");
	ck_assert_str_eq(cmd.path.addr, "\"j\xc3\xa9 r\"@d.example");
	/* broken UTF-8 (overlong, lone continuation, surrogate) */
	ERR("MAIL FROM:<j\xc0\xafr@d.example> SMTPUTF8", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<j\x80r@d.example> SMTPUTF8", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<j\xed\xa0\x80r@d.example> SMTPUTF8", SMTP_R_BAD_SENDER);
	ERR("MAIL FROM:<j\xc3\xa9@d.example> SMTPUTF8=yes", SMTP_R_SMTPUTF8_BAD);
	ck_assert_int_eq(parse("RCPT TO:<\xc3\xa9@d.example>", SMTP_EXT_ALL | SMTP_PARSE_TX_UTF8),
	                 SMTP_R_OK);
	ERR("RCPT TO:<\xc3\xa9@d.example>", SMTP_R_UTF8_NOT_ALLOWED);
	/* SMTPUTF8 not announced: the parameter is unknown */
	ck_assert_int_eq(
	    parse("MAIL FROM:<a@d.example> SMTPUTF8", SMTP_EXT_ALL & ~SMTP_EXT_SMTPUTF8),
	    SMTP_R_PARAM_UNKNOWN);
	ck_assert_str_eq(codes(SMTP_R_UTF8_NOT_ALLOWED), "553 5.6.7");
	ck_assert_str_eq(codes(SMTP_R_SMTPUTF8_BAD), "501 5.5.4");
}
END_TEST

START_TEST(mail_params)
{
	OK("MAIL FROM:<a@d.example> SIZE=12345 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1 AUTH=<>");
	ck_assert(cmd.mail.has_size);
	ck_assert_uint_eq(cmd.mail.size, 12345);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_8BITMIME);
	ck_assert_int_eq(cmd.mail.ret, SMTP_RET_HDRS);
	ck_assert(cmd.mail.has_envid);
	ck_assert_str_eq(cmd.mail.envid, "QQ+1");
	ck_assert(cmd.mail.has_auth && cmd.mail.auth_null);
	OK("MAIL FROM:<a@d.example>   size=0   body=7bit  ret=full  ");
	ck_assert_uint_eq(cmd.mail.size, 0);
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_7BIT);
	ck_assert_int_eq(cmd.mail.ret, SMTP_RET_FULL);
	OK("MAIL FROM:<a@d.example> BODY=BINARYMIME");
	ck_assert_int_eq(cmd.mail.body, SMTP_BODY_BINARYMIME);
	ck_assert_int_eq(
	    parse("MAIL FROM:<a@d.example> BODY=BINARYMIME", SMTP_EXT_ALL & ~SMTP_EXT_BINARYMIME),
	    SMTP_R_BODY_BAD);
	OK("MAIL FROM:<a@d.example> AUTH=jean+2Bdupont@d.example");
	ck_assert_str_eq(cmd.mail.auth, "jean+dupont@d.example");
	/* SIZE: 20 digits saturate rather than wrap */
	OK("MAIL FROM:<a@d.example> SIZE=18446744073709551615");
	ck_assert_uint_eq(cmd.mail.size, UINT64_MAX);
	OK("MAIL FROM:<a@d.example> SIZE=99999999999999999999999");
	ck_assert_uint_eq(cmd.mail.size, UINT64_MAX);
	OK("MAIL FROM:<a@d.example> SIZE=18446744073709551616");
	ck_assert_uint_eq(cmd.mail.size, UINT64_MAX);
	OK("MAIL FROM:<a@d.example> SIZE=18446744073709551614");
	ck_assert_uint_eq(cmd.mail.size, UINT64_MAX - 1);
	ERR("MAIL FROM:<a@d.example> SIZE=12a", SMTP_R_SIZE_BAD);
	ERR("MAIL FROM:<a@d.example> SIZE=-1", SMTP_R_SIZE_BAD);
	ERR("MAIL FROM:<a@d.example> SIZE", SMTP_R_PARAM_SYNTAX);
	ERR("MAIL FROM:<a@d.example> SIZE=", SMTP_R_PARAM_SYNTAX);
	ERR("MAIL FROM:<a@d.example> BODY=9BIT", SMTP_R_BODY_BAD);
	ERR("MAIL FROM:<a@d.example> RET=ALL", SMTP_R_RET_BAD);
	ERR("MAIL FROM:<a@d.example> ENVID=a+2b", SMTP_R_ENVID_BAD); /* lower-case hex */
	ERR("MAIL FROM:<a@d.example> ENVID=a+2", SMTP_R_ENVID_BAD);
	ERR("MAIL FROM:<a@d.example> ENVID=a+0A", SMTP_R_ENVID_BAD); /* decodes to a control */
	ERR("MAIL FROM:<a@d.example> AUTH=a+00b", SMTP_R_AUTH_PARAM_BAD);
	ERR("MAIL FROM:<a@d.example> SIZE=1 SIZE=2", SMTP_R_PARAM_DUP);
	ERR("MAIL FROM:<a@d.example> BODY=7BIT body=8BITMIME", SMTP_R_PARAM_DUP);
	ERR("MAIL FROM:<a@d.example> SMTPUTF8 SMTPUTF8", SMTP_R_PARAM_DUP);
	ERR("MAIL FROM:<a@d.example> FOO=bar", SMTP_R_PARAM_UNKNOWN);
	ERR("MAIL FROM:<a@d.example> NOTIFY=NEVER", SMTP_R_PARAM_UNKNOWN);
	ERR("MAIL FROM:<a@d.example> =x", SMTP_R_PARAM_SYNTAX);
	ERR("MAIL FROM:<a@d.example> -X=1", SMTP_R_PARAM_SYNTAX);
	ERR("MAIL FROM:<a@d.example> SIZE=1=2", SMTP_R_PARAM_SYNTAX);
	ERR("MAIL FROM:<a@d.example> X\xc3\xa9=1 SMTPUTF8", SMTP_R_PARAM_SYNTAX);
	/* HELO session: no extension at all */
	ck_assert_int_eq(parse("MAIL FROM:<a@d.example> SIZE=10", 0), SMTP_R_PARAM_UNKNOWN);
	ck_assert_int_eq(parse("MAIL FROM:<a@d.example> BODY=8BITMIME", SMTP_EXT_SIZE),
	                 SMTP_R_PARAM_UNKNOWN);
	ck_assert_int_eq(parse("MAIL FROM:<a@d.example> RET=FULL", SMTP_EXT_SIZE),
	                 SMTP_R_PARAM_UNKNOWN);
	ck_assert_int_eq(parse("MAIL FROM:<a@d.example> AUTH=<>", SMTP_EXT_DSN),
	                 SMTP_R_PARAM_UNKNOWN);
	ck_assert_int_eq(parse("MAIL FROM:<a@d.example>", 0), SMTP_R_OK);
	ck_assert_str_eq(codes(SMTP_R_PARAM_UNKNOWN), "555 5.5.4");
	ck_assert_str_eq(codes(SMTP_R_PARAM_DUP), "501 5.5.4");
	ck_assert_str_eq(codes(SMTP_R_SIZE_BAD), "501 5.5.4");
	ck_assert_str_eq(codes(SMTP_R_ENVID_BAD), "501 5.5.4");
}
END_TEST

/* ENVID: at most 100 encoded octets (RFC 3461 section 4.4). */
START_TEST(envid_length)
{
	char line[400], v[200];

	memset(v, 'e', 100);
	v[100] = '\0';
	snprintf(line, sizeof(line), "MAIL FROM:<a@d.example> ENVID=%s", v);
	OK(line);
	ck_assert_uint_eq(cmd.mail.envid_len, 100);
	v[100] = 'e', v[101] = '\0';
	snprintf(line, sizeof(line), "MAIL FROM:<a@d.example> ENVID=%s", v);
	ERR(line, SMTP_R_ENVID_BAD);
}
END_TEST

START_TEST(rcpt_params)
{
	OK("RCPT TO:<a@d.example> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;a+2Bb@d.example");
	ck_assert_uint_eq(cmd.rcpt.notify,
	                  SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY);
	ck_assert(cmd.rcpt.has_orcpt);
	ck_assert(!cmd.rcpt.orcpt_utf8_type);
	ck_assert_str_eq(cmd.rcpt.orcpt_type, "rfc822");
	ck_assert_str_eq(cmd.rcpt.orcpt, "a+b@d.example");
	OK("RCPT TO:<a@d.example> notify=never");
	ck_assert_uint_eq(cmd.rcpt.notify, SMTP_NOTIFY_NEVER);
	OK("RCPT TO:<a@d.example> NOTIFY=delay");
	ck_assert_uint_eq(cmd.rcpt.notify, SMTP_NOTIFY_DELAY);
	OK("RCPT TO:<a@d.example>");
	ck_assert_uint_eq(cmd.rcpt.notify, 0);
	ck_assert(!cmd.rcpt.has_orcpt);
	ERR("RCPT TO:<a@d.example> NOTIFY=NEVER,SUCCESS", SMTP_R_NOTIFY_NEVER);
	ERR("RCPT TO:<a@d.example> NOTIFY=DELAY,NEVER", SMTP_R_NOTIFY_NEVER);
	ERR("RCPT TO:<a@d.example> NOTIFY=SUCCESS,SUCCESS", SMTP_R_NOTIFY_BAD);
	ERR("RCPT TO:<a@d.example> NOTIFY=SUCCESS,", SMTP_R_NOTIFY_BAD);
	ERR("RCPT TO:<a@d.example> NOTIFY=,DELAY", SMTP_R_NOTIFY_BAD);
	ERR("RCPT TO:<a@d.example> NOTIFY=ALWAYS", SMTP_R_NOTIFY_BAD);
	ERR("RCPT TO:<a@d.example> NOTIFY=SUCCESS NOTIFY=DELAY", SMTP_R_PARAM_DUP);
	ERR("RCPT TO:<a@d.example> ORCPT=rfc822;a@b ORCPT=rfc822;a@b", SMTP_R_PARAM_DUP);
	ERR("RCPT TO:<a@d.example> SIZE=10", SMTP_R_PARAM_UNKNOWN);
	ERR("RCPT TO:<a@d.example> NOTIFY", SMTP_R_PARAM_SYNTAX);
	ck_assert_int_eq(parse("RCPT TO:<a@d.example> NOTIFY=NEVER", SMTP_EXT_SIZE),
	                 SMTP_R_PARAM_UNKNOWN);
	ck_assert_str_eq(codes(SMTP_R_NOTIFY_NEVER), "501 5.5.4");
	ck_assert_str_eq(codes(SMTP_R_NOTIFY_BAD), "501 5.5.4");
}
END_TEST

START_TEST(orcpt)
{
	/* RFC 6533 utf-8 type: \x{...} escapes, raw UTF-8 only with SMTPUTF8 */
	OK("RCPT TO:<a@d.example> ORCPT=utf-8;j\\x{E9}r\\x{F4}me@h\\x{F4}pital.example");
	ck_assert(cmd.rcpt.orcpt_utf8_type);
	ck_assert_str_eq(cmd.rcpt.orcpt, "j\xc3\xa9r\xc3\xb4me@h\xc3\xb4pital.example");
	OK("RCPT TO:<a@d.example> ORCPT=UTF-8;a\\x{2B}b\\x{3D}c@d.example");
	ck_assert_str_eq(cmd.rcpt.orcpt, "a+b=c@d.example");
	OK("RCPT TO:<a@d.example> ORCPT=utf-8;\\x{1F600}@d.example");
	ck_assert_str_eq(cmd.rcpt.orcpt, "\xf0\x9f\x98\x80@d.example");
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;j\xc3\xa9@d.example", SMTP_R_PARAM_SYNTAX);
	ck_assert_int_eq(parse("RCPT TO:<a@d.example> ORCPT=utf-8;j\xc3\xa9@d.example",
	                       SMTP_EXT_ALL | SMTP_PARSE_TX_UTF8),
	                 SMTP_R_OK);
	ck_assert_str_eq(cmd.rcpt.orcpt, "j\xc3\xa9@d.example");
	/* escapes of what may stand as itself, leading zeros, surrogates */
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;\\x{41}@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;\\x{00E9}@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;\\x{D800}@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;\\x{110000}@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;\\x{E9@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;a+b@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=utf-8;a\\b@d.example", SMTP_R_ORCPT_BAD);
	/* other types: xtext, kept as given */
	OK("RCPT TO:<a@d.example> ORCPT=x400;c+3Dfr+3Ba+3Dx");
	ck_assert_str_eq(cmd.rcpt.orcpt_type, "x400");
	ck_assert_str_eq(cmd.rcpt.orcpt, "c=fr;a=x");
	ERR("RCPT TO:<a@d.example> ORCPT=rfc822", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=;a@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=rfc822;", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=rfc+822;a@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=rfc822;a+0Db@d.example", SMTP_R_ORCPT_BAD);
	ERR("RCPT TO:<a@d.example> ORCPT=rfc822;a+2b@d.example", SMTP_R_ORCPT_BAD);
	ck_assert_str_eq(codes(SMTP_R_ORCPT_BAD), "501 5.5.4");
}
END_TEST

/* ORCPT: 500 encoded octets at most, and a long unitext fills its buffer. */
START_TEST(orcpt_length)
{
	char line[1200], v[600];

	memset(v, 'o', 489);
	memcpy(v + 489, "@d.example", 11); /* 499 */
	snprintf(line, sizeof(line), "RCPT TO:<a@d.example> ORCPT=rfc822;%s", v);
	ERR(line, SMTP_R_ORCPT_BAD); /* 7 + 499 > 500 */
	snprintf(line, sizeof(line), "RCPT TO:<a@d.example> ORCPT=rfc822;%s", v + 7);
	OK(line);
	ck_assert_uint_eq(cmd.rcpt.orcpt_len, 492);
	snprintf(line, sizeof(line), "RCPT TO:<a@d.example> ORCPT=utf-8;%s", v + 6);
	OK(line);
	ck_assert_uint_eq(cmd.rcpt.orcpt_len, 493);
}
END_TEST

START_TEST(bdat)
{
	OK("BDAT 1000");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_BDAT);
	ck_assert_uint_eq(cmd.bdat_size, 1000);
	ck_assert(!cmd.bdat_last);
	OK("bdat 0 last");
	ck_assert_uint_eq(cmd.bdat_size, 0);
	ck_assert(cmd.bdat_last);
	OK("BDAT 18446744073709551615 LAST");
	ck_assert_uint_eq(cmd.bdat_size, UINT64_MAX);
	ERR("BDAT 18446744073709551616", SMTP_R_BDAT_SYNTAX);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_BDAT);
	ERR("BDAT", SMTP_R_BDAT_SYNTAX);
	ERR("BDAT x", SMTP_R_BDAT_SYNTAX);
	ERR("BDAT 12x", SMTP_R_BDAT_SYNTAX);
	ERR("BDAT -1", SMTP_R_BDAT_SYNTAX);
	ERR("BDAT 10 FIRST", SMTP_R_BDAT_SYNTAX);
	ERR("BDAT 10 LAST x", SMTP_R_BDAT_SYNTAX);
	ck_assert_str_eq(codes(SMTP_R_BDAT_SYNTAX), "501 5.5.4");
}
END_TEST

START_TEST(auth_cmd)
{
	OK("AUTH PLAIN");
	ck_assert_int_eq(cmd.verb, SMTP_VERB_AUTH);
	ck_assert(slice_is(cmd.arg, "PLAIN"));
	ck_assert(!cmd.has_ir);
	OK("auth plain AGpvaG4Ac2VjcmV0");
	ck_assert(slice_is(cmd.arg, "plain"));
	ck_assert(cmd.has_ir);
	ck_assert(slice_is(cmd.ir, "AGpvaG4Ac2VjcmV0"));
	OK("AUTH LOGIN =");
	ck_assert(slice_is(cmd.ir, "="));
	OK("AUTH SCRAM-SHA-256");
	ERR("AUTH", SMTP_R_AUTH_SYNTAX);
	ERR("AUTH PL@IN", SMTP_R_AUTH_SYNTAX);
	ERR("AUTH ABCDEFGHIJKLMNOPQRSTU", SMTP_R_AUTH_SYNTAX);
	ERR("AUTH PLAIN abc def", SMTP_R_AUTH_SYNTAX);
	ERR("AUTH PLAIN a-b", SMTP_R_AUTH_SYNTAX);
	ck_assert_str_eq(codes(SMTP_R_AUTH_SYNTAX), "501 5.5.2");
}
END_TEST

/* 512 octets with CRLF; 2048 for MAIL/RCPT; 12288 for AUTH. */
START_TEST(line_limits)
{
	static char line[13000];

	memcpy(line, "NOOP ", 5);
	memset(line + 5, 'x', 505);
	line[510] = '\0';
	OK(line);
	line[510] = 'x', line[511] = '\0';
	ERR(line, SMTP_R_LINE_TOO_LONG);
	ck_assert_int_eq(cmd.verb, SMTP_VERB_NOOP);
	memcpy(line, "XXXX ", 5);
	ERR(line, SMTP_R_LINE_TOO_LONG);
	/* trailing spaces do not count */
	memcpy(line, "NOOP ", 5);
	memset(line + 510, ' ', 100);
	line[509] = 'x', line[610] = '\0';
	OK(line);

	/* no valid MAIL line is that long: the limit shows in which error */
	memcpy(line, "MAIL FROM:<a@d.example> ENVID=", 30);
	memset(line + 30, 'x', 2016);
	line[2046] = '\0';
	ERR(line, SMTP_R_ENVID_BAD);
	line[2046] = 'x', line[2047] = '\0';
	ERR(line, SMTP_R_LINE_TOO_LONG);
	memcpy(line, "RCPT", 4);
	ERR(line, SMTP_R_LINE_TOO_LONG);

	memcpy(line, "AUTH PLAIN ", 11);
	memset(line + 11, 'A', 12275);
	line[12286] = '\0';
	OK(line);
	line[12286] = 'A', line[12287] = '\0';
	ERR(line, SMTP_R_AUTH_LINE_TOO_LONG);
	ck_assert_str_eq(codes(SMTP_R_AUTH_LINE_TOO_LONG), "500 5.5.6");
	ck_assert_str_eq(codes(SMTP_R_LINE_TOO_LONG), "500 5.5.2");
}
END_TEST

START_TEST(line_reader)
{
	struct smtp_line_reader lr;
	struct slice line;
	size_t used;
	const char *in = "EHLO a\r\nMAIL FROM:<>\r\nRCPT";
	static char big[600];

	smtp_line_init(&lr, SMTP_LINE_MAX);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)in, strlen(in), &line, &used),
	                 SMTP_LINE_OK);
	ck_assert(slice_is(line, "EHLO a"));
	ck_assert_uint_eq(used, 8);
	in += used;
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)in, strlen(in), &line, &used),
	                 SMTP_LINE_OK);
	ck_assert(slice_is(line, "MAIL FROM:<>"));
	in += used;
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)in, strlen(in), &line, &used),
	                 SMTP_LINE_MORE);
	ck_assert_uint_eq(used, 0);
	/* bare LF ends the line with an error; a CR inside stays in the line */
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)"QUIT\nNOOP\r\n", 11, &line, &used),
	                 SMTP_LINE_BAD_EOL);
	ck_assert_uint_eq(used, 5);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)"\n", 1, &line, &used),
	                 SMTP_LINE_BAD_EOL);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)"A\rB\r\n", 5, &line, &used),
	                 SMTP_LINE_OK);
	ck_assert_uint_eq(line.len, 3);
	/* 512 octets with CRLF fit; 513 are skipped then reported */
	memset(big, 'x', 510);
	memcpy(big + 510, "\r\n", 2);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)big, 512, &line, &used),
	                 SMTP_LINE_OK);
	ck_assert_uint_eq(line.len, 510);
	memset(big, 'x', 600);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)big, 511, &line, &used),
	                 SMTP_LINE_MORE);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)big, 600, &line, &used),
	                 SMTP_LINE_MORE);
	ck_assert_uint_eq(used, 600);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)"xx\r\nQUIT\r\n", 10, &line, &used),
	                 SMTP_LINE_TOO_LONG);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(smtp_line_next(&lr, (const uint8_t *)"QUIT\r\n", 6, &line, &used),
	                 SMTP_LINE_OK);
	ck_assert_int_eq(smtp_line_next(&lr, NULL, 0, &line, &used), SMTP_LINE_MORE);
	ck_assert_uint_eq(used, 0);
}
END_TEST

/* ------------------------------------------------------------ xtext */

static const char *xenc(const char *in, size_t n)
{
	static char out[1024];
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(smtp_xtext_encode((struct slice){(const uint8_t *)in, n}, &b), 0);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return out;
}

START_TEST(xtext)
{
	uint8_t out[64];

	ck_assert_str_eq(xenc("a+b=c d", 7), "a+2Bb+3Dc+20d");
	ck_assert_str_eq(xenc("\0\x7f\xff", 3), "+00+7F+FF");
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("a+2Bb+3D"), out, sizeof(out)), 4);
	ck_assert(memcmp(out, "a+b=", 4) == 0);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr(""), out, sizeof(out)), 0);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("a=b"), out, sizeof(out)), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("a b"), out, sizeof(out)), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("a+"), out, sizeof(out)), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("a+4"), out, sizeof(out)), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("+4g"), out, sizeof(out)), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("+4a"), out, sizeof(out)), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("abcd"), out, 3), -1);
	ck_assert_int_eq(smtp_xtext_decode(slice_from_cstr("\xc3\xa9"), out, sizeof(out)), -1);
}
END_TEST

START_TEST(xtext_roundtrip)
{
	uint8_t in[200], out[200];
	struct buf b;

	srand(4);
	for (int t = 0; t < 2000; t++) {
		size_t n = (size_t)rand() % sizeof(in);
		long k;

		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)rand();
		buf_init(&b, 0);
		ck_assert_int_eq(smtp_xtext_encode((struct slice){in, n}, &b), 0);
		k = smtp_xtext_decode(buf_slice(&b), out, sizeof(out));
		ck_assert_int_eq(k, (long)n);
		ck_assert(memcmp(in, out, n) == 0);
		buf_free(&b);
	}
}
END_TEST

/* A random UTF-8 string of n characters, ASCII and beyond. */
static size_t random_utf8(uint8_t *p, size_t nchars)
{
	static const uint32_t ranges[][2] = {
	    {0x01, 0x7f}, {0x80, 0x7ff}, {0x800, 0xd7ff}, {0xe000, 0xffff}, {0x10000, 0x10ffff}};
	struct buf b;
	size_t len;

	buf_init(&b, 0);
	for (size_t i = 0; i < nchars; i++) {
		unsigned r = (unsigned)rand() % 5;
		uint32_t cp = ranges[r][0] + (uint32_t)rand() % (ranges[r][1] - ranges[r][0] + 1);
		char tmp[8];

		if (cp < 0x80)
			tmp[0] = (char)cp, tmp[1] = 0;
		else if (cp < 0x800)
			snprintf(tmp, sizeof(tmp), "%c%c", 0xc0 | cp >> 6, 0x80 | (cp & 63));
		else if (cp < 0x10000)
			snprintf(tmp, sizeof(tmp), "%c%c%c", 0xe0 | cp >> 12, 0x80 | (cp >> 6 & 63),
			         0x80 | (cp & 63));
		else
			snprintf(tmp, sizeof(tmp), "%c%c%c%c", 0xf0 | cp >> 18,
			         0x80 | (cp >> 12 & 63), 0x80 | (cp >> 6 & 63), 0x80 | (cp & 63));
		buf_append_str(&b, tmp);
	}
	len = b.len;
	if (len > 0)
		memcpy(p, b.data, len);
	buf_free(&b);
	return len;
}

START_TEST(unitext_roundtrip)
{
	uint8_t in[400], out[400];
	struct buf b;

	srand(6);
	for (int t = 0; t < 2000; t++) {
		size_t n = random_utf8(in, (size_t)rand() % 40);

		ck_assert(smtp_utf8_valid((struct slice){in, n}));
		for (int unitext = 0; unitext < 2; unitext++) {
			long k;

			buf_init(&b, 0);
			ck_assert_int_eq(smtp_unitext_encode((struct slice){in, n}, unitext, &b),
			                 0);
			for (size_t i = 0; !unitext && i < b.len; i++)
				ck_assert(b.data[i] >= 0x21 && b.data[i] < 0x7f);
			k = smtp_unitext_decode(buf_slice(&b), unitext, out, sizeof(out));
			ck_assert_int_eq(k, (long)n);
			ck_assert(memcmp(in, out, n) == 0);
			buf_free(&b);
		}
	}
	buf_init(&b, 0);
	ck_assert_int_eq(smtp_unitext_encode(slice_from_cstr("a\xff"), false, &b), -1);
	ck_assert_int_eq(smtp_unitext_encode((struct slice){(const uint8_t *)"a\0b", 3}, true, &b),
	                 -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(smtp_unitext_encode(slice_from_cstr("a b+\xc3\xa9"), false, &b), 0);
	ck_assert(slice_is(buf_slice(&b), "a\\x{20}b\\x{2B}\\x{E9}"));
	buf_free(&b);
}
END_TEST

START_TEST(utf8_check)
{
	ck_assert(smtp_utf8_valid(slice_from_cstr("\xf4\x8f\xbf\xbf")));
	ck_assert(!smtp_utf8_valid(slice_from_cstr("\xf4\x90\x80\x80")));
	ck_assert(!smtp_utf8_valid(slice_from_cstr("\xe0\x80\xaf")));
	ck_assert(!smtp_utf8_valid(slice_from_cstr("\xc3")));
	ck_assert(!smtp_utf8_valid(slice_from_cstr("\xfe")));
	ck_assert(smtp_utf8_valid(slice_from_cstr("")));
}
END_TEST

/* ------------------------------------------------------------ replies */

START_TEST(replies)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(smtp_reply_append(&b, SMTP_R_BAD_RCPT), 0);
	ck_assert(slice_is(buf_slice(&b), "553 5.1.3 Adresse du destinataire invalide\r\n"));
	buf_reset(&b);
	ck_assert_int_eq(smtp_reply_format(&b, 250, "2.0.0", "un\ndeux\ntrois"), 0);
	ck_assert(slice_is(buf_slice(&b), "250-2.0.0 un\r\n250-2.0.0 deux\r\n250 2.0.0 trois\r\n"));
	buf_reset(&b);
	ck_assert_int_eq(smtp_reply_format(&b, 220, NULL, "mx ESMTP\r\x01\xc3"), 0);
	ck_assert(slice_is(buf_slice(&b), "220 mx ESMTP???\r\n"));
	buf_free(&b);
	buf_init(&b, 20);
	ck_assert_int_eq(smtp_reply_format(&b, 250, NULL, "ok\nthis is far too long"), -1);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);

	/* the table: classes agree, texts are printable ASCII */
	for (int id = 0; id < SMTP_R_COUNT; id++) {
		const struct smtp_reply_info *ri = smtp_reply_info((enum smtp_reply_id)id);

		ck_assert_msg(ri->text != NULL && ri->enh != NULL, "entry %d missing", id);
		ck_assert_int_eq(ri->code / 100, ri->enh[0] - '0');
		for (const char *c = ri->text; *c != '\0'; c++)
			ck_assert(*c >= 0x20 && *c < 0x7f);
	}
}
END_TEST

/* Every refusal with its reply and enhanced code (RFC 5321 section 4.2,
 * RFC 3463, RFC 4954 section 6, RFC 6531 section 3.7.4, RFC 3030). */
START_TEST(reply_codes)
{
	static const struct {
		enum smtp_reply_id id;
		const char *codes;
	} want[] = {
	    {SMTP_R_OK, "250 2.0.0"},
	    {SMTP_R_LINE_TOO_LONG, "500 5.5.2"},
	    {SMTP_R_BAD_EOL, "500 5.5.2"},
	    {SMTP_R_UNKNOWN_CMD, "500 5.5.2"},
	    {SMTP_R_BAD_CHAR, "500 5.5.2"},
	    {SMTP_R_NO_ARGS_ALLOWED, "501 5.5.4"},
	    {SMTP_R_ARG_MISSING, "501 5.5.4"},
	    {SMTP_R_BAD_HELO, "501 5.5.4"},
	    {SMTP_R_MAIL_SYNTAX, "501 5.5.2"},
	    {SMTP_R_RCPT_SYNTAX, "501 5.5.2"},
	    {SMTP_R_BAD_SENDER, "553 5.1.7"},
	    {SMTP_R_BAD_RCPT, "553 5.1.3"},
	    {SMTP_R_SENDER_TOO_LONG, "501 5.1.7"},
	    {SMTP_R_RCPT_TOO_LONG, "501 5.1.3"},
	    {SMTP_R_UTF8_NOT_ALLOWED, "553 5.6.7"},
	    {SMTP_R_PARAM_SYNTAX, "501 5.5.4"},
	    {SMTP_R_PARAM_UNKNOWN, "555 5.5.4"},
	    {SMTP_R_PARAM_DUP, "501 5.5.4"},
	    {SMTP_R_SIZE_BAD, "501 5.5.4"},
	    {SMTP_R_BODY_BAD, "501 5.5.4"},
	    {SMTP_R_SMTPUTF8_BAD, "501 5.5.4"},
	    {SMTP_R_RET_BAD, "501 5.5.4"},
	    {SMTP_R_ENVID_BAD, "501 5.5.4"},
	    {SMTP_R_AUTH_PARAM_BAD, "501 5.5.4"},
	    {SMTP_R_NOTIFY_BAD, "501 5.5.4"},
	    {SMTP_R_NOTIFY_NEVER, "501 5.5.4"},
	    {SMTP_R_ORCPT_BAD, "501 5.5.4"},
	    {SMTP_R_BDAT_SYNTAX, "501 5.5.4"},
	    {SMTP_R_AUTH_SYNTAX, "501 5.5.2"},
	    {SMTP_R_AUTH_LINE_TOO_LONG, "500 5.5.6"},
	    {SMTP_R_AUTH_CANCELLED, "501 5.7.0"},
	    {SMTP_R_AUTH_BASE64, "501 5.5.2"},
	    {SMTP_R_AUTH_PLAIN_BAD, "501 5.5.2"},
	    {SMTP_R_AUTH_LOGIN_BAD, "501 5.5.2"},
	    {SMTP_R_DATA_TOO_BIG, "552 5.3.4"},
	    {SMTP_R_DATA_BARE_EOL, "550 5.6.0"},
	    {SMTP_R_DATA_NUL, "550 5.6.0"},
	    {SMTP_R_DATA_LINE_TOO_LONG, "550 5.6.0"},
	    {SMTP_R_DATA_8BIT, "550 5.6.0"},
	};

	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), SMTP_R_COUNT);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_uint_eq(want[i].id, i);
		ck_assert_str_eq(codes(want[i].id), want[i].codes);
	}
}
END_TEST

START_TEST(ehlo_reply)
{
	struct smtp_ehlo_caps caps = {
	    .pipelining = true,
	    .size = true,
	    .size_max = 52428800,
	    .eightbitmime = true,
	    .binarymime = true,
	    .chunking = true,
	    .smtputf8 = true,
	    .enhancedstatuscodes = true,
	    .dsn = true,
	    .starttls = true,
	    .auth = "PLAIN LOGIN",
	};
	struct smtp_ehlo_caps none = {0};
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(smtp_reply_ehlo(&b, "mx.balise.example", "bonjour", &caps), 0);
	ck_assert(slice_is(buf_slice(&b), "250-mx.balise.example bonjour\r\n"
	                                  "250-PIPELINING\r\n"
	                                  "250-SIZE 52428800\r\n"
	                                  "250-8BITMIME\r\n"
	                                  "250-BINARYMIME\r\n"
	                                  "250-CHUNKING\r\n"
	                                  "250-SMTPUTF8\r\n"
	                                  "250-ENHANCEDSTATUSCODES\r\n"
	                                  "250-DSN\r\n"
	                                  "250-STARTTLS\r\n"
	                                  "250 AUTH PLAIN LOGIN\r\n"));
	buf_reset(&b);
	ck_assert_int_eq(smtp_reply_ehlo(&b, "mx", NULL, &none), 0);
	ck_assert(slice_is(buf_slice(&b), "250 mx\r\n"));
	buf_free(&b);
}
END_TEST

static Suite *smtp_suite(void)
{
	Suite *s = suite_create("smtp_parser");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, verbs);
	tcase_add_test(tc, verb_errors);
	tcase_add_test(tc, helo);
	tcase_add_test(tc, mail_paths);
	tcase_add_test(tc, rcpt_paths);
	tcase_add_test(tc, path_lengths);
	tcase_add_test(tc, smtputf8_paths);
	tcase_add_test(tc, mail_params);
	tcase_add_test(tc, envid_length);
	tcase_add_test(tc, rcpt_params);
	tcase_add_test(tc, orcpt);
	tcase_add_test(tc, orcpt_length);
	tcase_add_test(tc, bdat);
	tcase_add_test(tc, auth_cmd);
	tcase_add_test(tc, line_limits);
	tcase_add_test(tc, line_reader);
	tcase_add_test(tc, xtext);
	tcase_add_test(tc, xtext_roundtrip);
	tcase_add_test(tc, unitext_roundtrip);
	tcase_add_test(tc, utf8_check);
	tcase_add_test(tc, replies);
	tcase_add_test(tc, reply_codes);
	tcase_add_test(tc, ehlo_reply);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(smtp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
