/* SPDX-License-Identifier: ISC */
/* The ManageSieve command reader and responses (RFC 5804 section 4):
 * every input is fed whole, byte by byte and in odd chunks, and the three
 * transcripts must agree. Quoted strings and their escapes, literals
 * "{n+}" and "{n}" (no continuation), numbers, SASL response lines, every
 * limit, and the resynchronisation after a bad command (its literals are
 * read and dropped). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ms_parser.h"
#include "ms_resp.h"

/* One transcript line per command: NAME, then " s:" value (quoted), " l:"
 * value (literal) or " n:" number per argument; "ERR code" or "FATAL". */
static void transcript_cmd(struct buf *t, const struct ms_cmd *c)
{
	buf_append(t, c->name.p, c->name.len);
	for (unsigned i = 0; i < c->argc; i++) {
		const struct ms_arg *a = &c->arg[i];

		if (a->type == MS_ARG_NUMBER) {
			buf_printf(t, " n:%u", a->num);
		} else {
			buf_append_str(t, a->literal ? " l:" : " s:");
			buf_append(t, a->str.p, a->str.len);
		}
	}
	buf_append_str(t, "\n");
}

/* Feeds in in chunks of chunk bytes (0: whole); response_after names a
 * command after which the next line is a SASL response. */
static char *run_chunks(const char *in, size_t len, size_t chunk, const char *response_after)
{
	struct ms_parser p;
	struct buf t;
	size_t off = 0;

	ms_parser_init(&p);
	buf_init(&t, 0);
	while (off < len) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;
		size_t pos = 0;

		while (pos < n) {
			struct ms_cmd c;
			enum ms_perr e;
			size_t used = 0;
			enum ms_parse_status st =
			    ms_parser_feed(&p, (const uint8_t *)in + off + pos, n - pos, &used, &c, &e);

			ck_assert_uint_le(used, n - pos);
			pos += used;
			if (st == MS_PARSE_MORE) {
				ck_assert_uint_eq(pos, n);
				break;
			}
			if (st == MS_PARSE_CMD) {
				transcript_cmd(&t, &c);
				if (response_after != NULL &&
				    slice_casecmp_cstr(c.name, response_after) == 0)
					ms_parser_expect_response(&p);
			} else if (st == MS_PARSE_ERR) {
				buf_printf(&t, "ERR %d\n", (int)e);
			} else {
				buf_append_str(&t, "FATAL\n");
				off = len;
				pos = n;
				break;
			}
		}
		off += n < len - off ? n : len - off;
	}
	if (ms_parser_pending(&p))
		buf_append_str(&t, "PENDING\n");
	ms_parser_free(&p);
	buf_cstr(&t);
	return (char *)t.data;
}

/* Whole, byte by byte and in chunks of 7: one transcript. */
static char *run_len(const char *in, size_t len, const char *response_after)
{
	char *whole = run_chunks(in, len, 0, response_after);
	char *bytes = run_chunks(in, len, 1, response_after);
	char *seven = run_chunks(in, len, 7, response_after);

	ck_assert_str_eq(whole, bytes);
	ck_assert_str_eq(whole, seven);
	free(bytes);
	free(seven);
	return whole;
}

static void expect(const char *in, const char *want)
{
	char *got = run_len(in, strlen(in), NULL);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(simple_commands)
{
	/* Section 4: command names are case-insensitive. */
	expect("CAPABILITY\r\n", "CAPABILITY\n");
	expect("logout\r\nNoop\r\n", "logout\nNoop\n");
	/* A bare LF ends a line too; empty lines are ignored. */
	expect("LISTSCRIPTS\n\r\n\nNOOP\n", "LISTSCRIPTS\nNOOP\n");
	expect("NOOP \"tag\"\r\n", "NOOP s:tag\n");
}
END_TEST

START_TEST(quoted_strings)
{
	/* Section 4: QUOTED-SPECIALS are escaped with a backslash. */
	expect("GETSCRIPT \"a\\\"b\\\\c\"\r\n", "GETSCRIPT s:a\"b\\c\n");
	expect("GETSCRIPT \"\"\r\n", "GETSCRIPT s:\n");
	expect("RENAMESCRIPT \"old\" \"new\"\r\n", "RENAMESCRIPT s:old s:new\n");
	/* UTF-8 names (section 1.6). */
	expect("GETSCRIPT \"r\xc3\xa8gles\"\r\n", "GETSCRIPT s:r\xc3\xa8gles\n");
	/* Other escapes, CR or LF inside, bad UTF-8, NUL: refused, and the
	 * next command reads fine. */
	expect("GETSCRIPT \"a\\nb\"\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("GETSCRIPT \"ab\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("GETSCRIPT \"\xc3\x28\"\r\nNOOP\r\n", "ERR 8\nNOOP\n");
	expect("GETSCRIPT \"\xed\xa0\x80\"\r\nNOOP\r\n", "ERR 8\nNOOP\n");
	{
		static const char nul[] = "GETSCRIPT \"a\0b\"\r\nNOOP\r\n";
		char *got = run_len(nul, sizeof(nul) - 1, NULL);

		ck_assert_str_eq(got, "ERR 9\nNOOP\n");
		free(got);
	}
}
END_TEST

START_TEST(literals)
{
	/* Section 4: literal-c2s "{n+}" and "{n}": the client does not wait. */
	expect("PUTSCRIPT \"s\" {5+}\r\nkeep;\r\n", "PUTSCRIPT s:s l:keep;\n");
	expect("PUTSCRIPT \"s\" {5}\r\nkeep;\r\n", "PUTSCRIPT s:s l:keep;\n");
	expect("PUTSCRIPT {1+}\r\ns {0+}\r\n\r\n", "PUTSCRIPT l:s l:\n");
	/* A literal may hold CRLF, quotes and braces. */
	expect("CHECKSCRIPT {13+}\r\nkeep;\r\n\"{3+}\"\r\nNOOP\r\n",
	       "CHECKSCRIPT l:keep;\r\n\"{3+}\"\nNOOP\n");
	/* Bare LF after the literal header. */
	expect("CHECKSCRIPT {2+}\nab\n", "CHECKSCRIPT l:ab\n");
}
END_TEST

START_TEST(numbers)
{
	expect("HAVESPACE \"s\" 12345\r\n", "HAVESPACE s:s n:12345\n");
	expect("HAVESPACE \"s\" 4294967295\r\n", "HAVESPACE s:s n:4294967295\n");
	/* Section 4: number is 32-bit. */
	expect("HAVESPACE \"s\" 4294967296\r\nNOOP\r\n", "ERR 7\nNOOP\n");
	expect("HAVESPACE \"s\" 12a\r\nNOOP\r\n", "ERR 1\nNOOP\n");
}
END_TEST

START_TEST(syntax_errors)
{
	expect("NO-OP\r\nNOOP\r\n", "ERR 2\nNOOP\n");
	expect(" NOOP\r\nNOOP\r\n", "ERR 2\nNOOP\n");
	expect("NOOP atom\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("NOOP \"a\"\"b\"\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("NOOP\rX\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("PUTSCRIPT {x}\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("PUTSCRIPT {}\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("PUTSCRIPT {3+} \r\nNOOP\r\n", "ERR 1\nNOOP\n");
	/* Too many arguments. */
	expect("NOOP \"a\" \"b\" \"c\" \"d\" \"e\"\r\nNOOP\r\n", "ERR 6\nNOOP\n");
	/* A name of more than MS_NAME_MAX letters. */
	expect("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nNOOP\r\n", "ERR 2\nNOOP\n");
}
END_TEST

/* A bad command that announces literals: they are read and dropped, so
 * that their contents are not taken for commands. */
START_TEST(resync_after_error)
{
	expect("PUTSCRIPT \"a\\q\" {12+}\r\nLOGOUT\r\nXXXX\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	expect("PUTSCRIPT \"a\\q\" {6}\r\nLOGOUT {4+}\r\nABCD\r\nNOOP\r\n", "ERR 1\nNOOP\n");
	/* A literal too big for a script: dropped, NO, and in step. */
	{
		size_t n = MS_LITERAL_MAX + 1;
		char head[64];
		size_t hl = (size_t)snprintf(head, sizeof(head), "PUTSCRIPT \"s\" {%zu+}\r\n", n);
		char *in = malloc(hl + n + 16);
		char *got;

		memcpy(in, head, hl);
		memset(in + hl, 'L', n);
		memcpy(in + hl + n, "\r\nNOOP\r\n", 8);
		got = run_chunks(in, hl + n + 8, 0, NULL);
		ck_assert_str_eq(got, "ERR 5\nNOOP\n");
		free(got);
		got = run_chunks(in, hl + n + 8, 4093, NULL);
		ck_assert_str_eq(got, "ERR 5\nNOOP\n");
		free(got);
		free(in);
	}
	/* A literal size that is no 32-bit number: the stream is lost. */
	expect("PUTSCRIPT \"s\" {99999999999+}\r\nNOOP\r\n", "FATAL\n");
	expect("PUTSCRIPT \"s\\q\" {99999999999+}\r\nNOOP\r\n", "FATAL\n");
}
END_TEST

START_TEST(limits)
{
	char *in = malloc(MS_LINE_MAX + 64);
	char *got;
	size_t n;

	/* A quoted string of 1024 octets is fine, 1025 is not (section 4). */
	n = (size_t)sprintf(in, "NOOP \"");
	memset(in + n, 'q', MS_QUOTED_MAX);
	n += MS_QUOTED_MAX;
	n += (size_t)sprintf(in + n, "\"\r\n");
	got = run_len(in, n, NULL);
	ck_assert_uint_eq(strlen(got), 5 + 2 + MS_QUOTED_MAX + 1);
	free(got);
	n = (size_t)sprintf(in, "NOOP \"");
	memset(in + n, 'q', MS_QUOTED_MAX + 1);
	n += MS_QUOTED_MAX + 1;
	n += (size_t)sprintf(in + n, "\"\r\nNOOP\r\n");
	got = run_len(in, n, NULL);
	ck_assert_str_eq(got, "ERR 4\nNOOP\n");
	free(got);
	/* A line longer than MS_LINE_MAX, even one ending in a literal header. */
	n = (size_t)sprintf(in, "NOOP");
	memset(in + n, ' ', MS_LINE_MAX);
	n += MS_LINE_MAX;
	n += (size_t)sprintf(in + n, "{3+}\r\nabc\r\nNOOP\r\n");
	got = run_len(in, n, NULL);
	ck_assert_str_eq(got, "ERR 3\nNOOP\n");
	free(got);
	free(in);
}
END_TEST

START_TEST(sasl_responses)
{
	char *got;
	const char *in = "AUTHENTICATE \"PLAIN\"\r\n\"AGEAYg==\"\r\nNOOP\r\n";

	got = run_len(in, strlen(in), "AUTHENTICATE");
	ck_assert_str_eq(got, "AUTHENTICATE s:PLAIN\n s:AGEAYg==\nNOOP\n");
	free(got);
	in = "AUTHENTICATE \"PLAIN\"\r\n{8+}\r\nAGEAYg==\r\nNOOP\r\n";
	got = run_len(in, strlen(in), "AUTHENTICATE");
	ck_assert_str_eq(got, "AUTHENTICATE s:PLAIN\n l:AGEAYg==\nNOOP\n");
	free(got);
	/* Cancelled, and an empty line: both reach the session. */
	in = "AUTHENTICATE \"PLAIN\"\r\n\"*\"\r\nAUTHENTICATE \"PLAIN\"\r\n\r\n";
	got = run_len(in, strlen(in), "AUTHENTICATE");
	ck_assert_str_eq(got, "AUTHENTICATE s:PLAIN\n s:*\nAUTHENTICATE s:PLAIN\n\n");
	free(got);
	/* A response that is not a string. */
	in = "AUTHENTICATE \"PLAIN\"\r\nAGEAYg==\r\nNOOP\r\n";
	got = run_len(in, strlen(in), "AUTHENTICATE");
	ck_assert_str_eq(got, "AUTHENTICATE s:PLAIN\nERR 1\nNOOP\n");
	free(got);
}
END_TEST

START_TEST(pending)
{
	expect("NOOP", "PENDING\n");
	expect("PUTSCRIPT \"a\" {10+}\r\nabc", "PENDING\n");
	expect("NOOP\r\n", "NOOP\n");
}
END_TEST

/* ---------------------------------------------------------------- responses */

static char *resp_str(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(ms_resp_string(&b, (struct slice){(const uint8_t *)s, len}), 0);
	buf_cstr(&b);
	return (char *)b.data;
}

START_TEST(responses)
{
	struct buf b;
	char *s;
	struct ms_caps caps = {.implementation = "balise 1", .sasl = "", .sieve = "fileinto",
	                       .starttls = true, .maxredirects = 4};

	s = resp_str("a\"b\\c", 5);
	ck_assert_str_eq(s, "\"a\\\"b\\\\c\"");
	free(s);
	/* CRLF forces a literal (literal-s2c: no "+"). */
	s = resp_str("a\r\nb", 4);
	ck_assert_str_eq(s, "{4}\r\na\r\nb");
	free(s);
	buf_init(&b, 0);
	ms_resp_status(&b, MS_NO, "QUOTA/MAXSIZE", "Too big");
	ms_resp_status(&b, MS_OK, NULL, NULL);
	ms_resp_status(&b, MS_BYE, NULL, "line 1, column 2: \"x\"");
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "NO (QUOTA/MAXSIZE) \"Too big\"\r\nOK\r\n"
	                                 "BYE \"line 1, column 2: \\\"x\\\"\"\r\n");
	buf_reset(&b);
	ms_resp_capabilities(&b, &caps);
	buf_cstr(&b);
	ck_assert_str_eq((char *)b.data, "\"IMPLEMENTATION\" \"balise 1\"\r\n\"SASL\" \"\"\r\n"
	                                 "\"SIEVE\" \"fileinto\"\r\n\"STARTTLS\"\r\n"
	                                 "\"MAXREDIRECTS\" \"4\"\r\n\"VERSION\" \"1.0\"\r\n");
	buf_free(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("managesieve_parser");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, simple_commands);
	tcase_add_test(tc, quoted_strings);
	tcase_add_test(tc, literals);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, resync_after_error);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, sasl_responses);
	tcase_add_test(tc, pending);
	tcase_add_test(tc, responses);
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
