/* SPDX-License-Identifier: ISC */
/* IMAP command parser: RFC 3501 / RFC 9051 command forms parsed into the
 * expected tree, fed whole, byte by byte and in seeded random chunks with
 * identical results; every error case with its reason and resync/close
 * decision; literal acceptance before "+", streaming, line mode. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parser.h"
#include "imap_section.h"
#include "util.h"

enum feed_mode { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

#define OPT_AUTH 0x01
#define OPT_UTF8 0x02
#define OPT_LITMINUS 0x04
#define OPT_STREAM 0x08 /* APPEND messages go to the sink */
#define OPT_REJECT 0x10 /* the caller refuses every literal */

struct run {
	struct imap_parser *p;
	struct buf out;  /* one line per event */
	struct buf sink; /* streamed bytes */
	unsigned opts;
	bool closed;
};

static void render_str(struct buf *out, struct slice s)
{
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"')
			buf_printf(out, "\\x%02x", c);
		else
			buf_append_u8(out, c);
	}
}

static void render_args(struct buf *out, const struct imap_arg *a, unsigned n)
{
	for (unsigned i = 0; i < n; i++, a++) {
		if (i > 0)
			buf_append_u8(out, ' ');
		switch (a->type) {
		case IMAP_ARG_ATOM:
			render_str(out, a->str);
			break;
		case IMAP_ARG_NIL:
			buf_append_str(out, "NIL");
			break;
		case IMAP_ARG_QUOTED:
			buf_append_u8(out, '"');
			render_str(out, a->str);
			buf_append_u8(out, '"');
			break;
		case IMAP_ARG_LITERAL:
			buf_printf(out, "%s{%llu%s}", (a->flags & IMAP_ARGF_LITERAL8) ? "~" : "",
			           (unsigned long long)a->literal_size,
			           (a->flags & IMAP_ARGF_NONSYNC) ? "+" : "");
			if (a->flags & IMAP_ARGF_STREAMED)
				buf_append_str(out, "S");
			else
				render_str(out, a->str);
			break;
		case IMAP_ARG_LIST:
			buf_append_u8(out, '(');
			render_args(out, a->list, a->list_count);
			buf_append_u8(out, ')');
			if (a->list[a->list_count].type != IMAP_ARG_EOL)
				ck_abort_msg("list without EOL");
			break;
		case IMAP_ARG_EOL:
			ck_abort_msg("EOL inside an array");
		}
	}
}

static void on_ok(struct run *r)
{
	const struct imap_cmd *cmd = imap_parser_command(r->p);

	buf_append_str(&r->out, "OK ");
	render_str(&r->out, cmd->tag);
	buf_append_str(&r->out, cmd->uid ? " UID " : " ");
	render_str(&r->out, cmd->name);
	buf_append_str(&r->out, " [");
	render_args(&r->out, cmd->args, cmd->argc);
	buf_append_str(&r->out, "]\n");
	if (cmd->args[cmd->argc].type != IMAP_ARG_EOL)
		ck_abort_msg("arguments without EOL");
	if (slice_casecmp_cstr(cmd->name, "IDLE") == 0 ||
	    (slice_casecmp_cstr(cmd->name, "AUTHENTICATE") == 0 && cmd->argc == 1))
		imap_parser_expect_line(r->p);
}

static void on_err(struct run *r)
{
	const struct imap_parse_error *e = imap_parser_error(r->p);

	buf_append_str(&r->out, "ERR ");
	render_str(&r->out, imap_parser_tag(r->p));
	buf_printf(&r->out, " %s%s%s%s\n", e->reason, e->code ? " [" : "", e->code ? e->code : "",
	           e->code ? "]" : "");
	if (e->close) {
		buf_append_str(&r->out, "CLOSE\n");
		r->closed = true;
	}
}

static void sink(void *ctx, const uint8_t *data, size_t len)
{
	struct run *r = ctx;

	/* plain tests in hot paths: each ck_assert is a write to a pipe */
	if (len == 0)
		ck_abort_msg("empty sink call");
	buf_append(&r->sink, data, len);
}

static enum imap_parse_result on_literal(struct run *r)
{
	const struct imap_literal_info *li = imap_parser_literal(r->p);
	enum imap_parse_result res;

	buf_printf(&r->out, "LIT %llu%s%s d%u a%u\n", (unsigned long long)li->size,
	           li->sync ? "" : "+", li->literal8 ? " 8" : "", li->depth, li->argc);
	if (r->opts & OPT_REJECT)
		res = imap_parser_literal_reject(r->p, "refused", "TOOBIG");
	else if ((r->opts & OPT_STREAM) && slice_casecmp_cstr(li->name, "APPEND") == 0 &&
	         li->depth == 0 && li->argc >= 1)
		res = imap_parser_literal_stream(r->p, sink, r);
	else
		res = imap_parser_literal_accept(r->p);
	if (res == IMAP_PARSE_MORE && li->sync)
		buf_append_str(&r->out, "+\n");
	return res;
}

static void feed_chunk(struct run *r, const uint8_t *data, size_t len)
{
	while (len > 0 && !r->closed) {
		size_t used = 0;
		enum imap_parse_result res = imap_parser_feed(r->p, data, len, &used);
		if (used > len)
			ck_abort_msg("consumed %zu of %zu", used, len);
		data += used;
		len -= used;
		if (res == IMAP_PARSE_LITERAL)
			res = on_literal(r);
		if (res == IMAP_PARSE_OK) {
			if (imap_parser_idle(r->p) && imap_parser_command(r->p)->tag.len == 0) {
				buf_append_str(&r->out, "LINE ");
				render_str(&r->out, imap_parser_line(r->p));
				buf_append_str(&r->out, "\n");
			} else {
				on_ok(r);
			}
		} else if (res == IMAP_PARSE_ERR) {
			on_err(r);
		} else if (res != IMAP_PARSE_MORE || (used == 0 && len > 0)) {
			ck_abort_msg("result %d, %zu used", res, used);
		}
	}
}

static unsigned rnd(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

static char *run_input(const void *input, size_t len, unsigned opts, enum feed_mode mode,
                       unsigned seed, struct buf *sunk)
{
	struct run r = {.p = imap_parser_new(), .opts = opts};
	const uint8_t *data = input;
	size_t off = 0;
	char *s;

	buf_init(&r.out, 0);
	buf_init(&r.sink, 0);
	imap_parser_set_authenticated(r.p, opts & OPT_AUTH);
	imap_parser_set_utf8(r.p, opts & OPT_UTF8);
	imap_parser_set_literal_minus(r.p, opts & OPT_LITMINUS);
	while (off < len && !r.closed) {
		size_t n = mode == FEED_WHOLE   ? len - off
		           : mode == FEED_BYTES ? 1
		                                : 1 + rnd(&seed) % 23;
		if (n > len - off)
			n = len - off;
		feed_chunk(&r, data + off, n);
		off += n;
	}
	if (!r.closed && !imap_parser_idle(r.p))
		buf_append_str(&r.out, "MORE\n");
	buf_cstr(&r.out);
	s = xstrdup((char *)r.out.data);
	if (sunk != NULL) {
		buf_reset(sunk);
		buf_append(sunk, r.sink.data, r.sink.len);
	}
	buf_free(&r.out);
	buf_free(&r.sink);
	imap_parser_free(&r.p);
	return s;
}

/* Runs input whole, byte by byte and in 20 random splittings; all must give
 * expect. */
static void check_len(const void *input, size_t len, unsigned opts, const char *expect)
{
	char *got = run_input(input, len, opts, FEED_WHOLE, 0, NULL);

	ck_assert_msg(strcmp(got, expect) == 0, "whole:\n%s\nexpected:\n%s", got, expect);
	free(got);
	got = run_input(input, len, opts, FEED_BYTES, 0, NULL);
	ck_assert_msg(strcmp(got, expect) == 0, "bytes:\n%s\nexpected:\n%s", got, expect);
	free(got);
	for (unsigned seed = 1; seed <= 20; seed++) {
		got = run_input(input, len, opts, FEED_RANDOM, seed, NULL);
		ck_assert_msg(strcmp(got, expect) == 0, "seed %u:\n%s\nexpected:\n%s", seed, got,
		              expect);
		free(got);
	}
}

static void check(const char *input, unsigned opts, const char *expect)
{
	check_len(input, strlen(input), opts, expect);
}

/* ---- command forms (RFC 3501 / RFC 9051 examples) ---- */

START_TEST(simple_commands)
{
	check("a001 CAPABILITY\r\n", 0, "OK a001 CAPABILITY []\n");
	check("A001 LOGIN SMITH SESAME\r\n", 0, "OK A001 LOGIN [SMITH SESAME]\n");
	check("A142 SELECT INBOX\r\n", 0, "OK A142 SELECT [INBOX]\n");
	check("A932 EXAMINE blurdybloop\r\n", 0, "OK A932 EXAMINE [blurdybloop]\n");
	check("A003 CREATE owatagusiam/\r\n", 0, "OK A003 CREATE [owatagusiam/]\n");
	check("A683 RENAME blurdybloop sarasota\r\n", 0, "OK A683 RENAME [blurdybloop sarasota]\n");
	check("A101 LIST \"\" \"\"\r\n", 0, "OK A101 LIST [\"\" \"\"]\n");
	check("A102 LIST #news.comp.mail.misc \"\"\r\n", 0,
	      "OK A102 LIST [#news.comp.mail.misc \"\"]\n");
	check("A202 LIST ~/Mail/ %\r\n", 0, "OK A202 LIST [~/Mail/ %]\n");
	check("A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n", 0,
	      "OK A042 STATUS [blurdybloop (UIDNEXT MESSAGES)]\n");
	check("A023 LOGOUT\r\n", 0, "OK A023 LOGOUT []\n");
	check("a ENABLE UTF8=ACCEPT CONDSTORE\r\n", 0, "OK a ENABLE [UTF8=ACCEPT CONDSTORE]\n");
	check("t1 SELECT [Gmail]/Spam\r\n", 0, "OK t1 SELECT [[Gmail]/Spam]\n");
	/* RFC 9051 section 6.3.2 with QRESYNC parameters (RFC 7162) */
	check("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n", 0,
	      "OK A02 SELECT [INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))]\n");
	/* LIST-EXTENDED (RFC 5258) */
	check("A04 LIST (SUBSCRIBED REMOTE) \"\" (\"*\" \"%\") RETURN (CHILDREN STATUS "
	      "(MESSAGES))\r\n",
	      0,
	      "OK A04 LIST [(SUBSCRIBED REMOTE) \"\" (\"*\" \"%\") RETURN (CHILDREN STATUS "
	      "(MESSAGES))]\n");
}
END_TEST

START_TEST(fetch_forms)
{
	check("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n", 0,
	      "OK A654 FETCH [2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])]\n");
	check("a FETCH 1 BODY.PEEK[1.2.MIME]<0.2048>\r\n", 0,
	      "OK a FETCH [1 BODY.PEEK[1.2.MIME]<0.2048>]\n");
	check(
	    "a FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY "
	    "RFC822 RFC822.HEADER RFC822.TEXT BODY[] BODY[TEXT] BODY[1.HEADER] "
	    "BODY[HEADER.FIELDS.NOT (Received \"X-Spam\")]<10.20> BINARY[1] BINARY.PEEK[1.2]<0.5> "
	    "BINARY.SIZE[3] MODSEQ)\r\n",
	    0,
	    "OK a FETCH [1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY "
	    "RFC822 RFC822.HEADER RFC822.TEXT BODY[] BODY[TEXT] BODY[1.HEADER] "
	    "BODY[HEADER.FIELDS.NOT (Received \\x22X-Spam\\x22)]<10.20> BINARY[1] "
	    "BINARY.PEEK[1.2]<0.5> BINARY.SIZE[3] MODSEQ)]\n");
	check("a FETCH 1 ALL\r\n", 0, "OK a FETCH [1 ALL]\n");
	check("a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n", 0,
	      "OK a UID FETCH [1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)]\n");
	check("a fetch 5 body[header.fields (subject)]\r\n", 0,
	      "OK a fetch [5 body[header.fields (subject)]]\n");
}
END_TEST

START_TEST(section_flag)
{
	struct imap_parser *p = imap_parser_new();
	const char *in = "a FETCH 1 (BODY[HEADER.FIELDS (A B)]<0.100> X[1 FLAGS)\r\n";
	const struct imap_cmd *cmd;
	size_t used;

	ck_assert_int_eq(imap_parser_feed(p, (const uint8_t *)in, strlen(in), &used),
	                 IMAP_PARSE_OK);
	cmd = imap_parser_command(p);
	ck_assert_uint_eq(cmd->argc, 2);
	ck_assert_uint_eq(cmd->args[1].list_count, 3);
	ck_assert_uint_eq(cmd->args[1].list[0].flags, IMAP_ARGF_SECTION);
	ck_assert(slice_eq_cstr(cmd->args[1].list[0].str, "BODY[HEADER.FIELDS (A B)]<0.100>"));
	/* "[" outside a FETCH attribute is an ordinary atom character */
	ck_assert_uint_eq(cmd->args[1].list[1].flags, 0);
	ck_assert(slice_eq_cstr(cmd->args[1].list[1].str, "X[1"));
	imap_parser_free(&p);
}
END_TEST

START_TEST(store_search_copy)
{
	check("A003 UID STORE 2:4 +FLAGS.SILENT (\\Deleted \\Seen)\r\n", 0,
	      "OK A003 UID STORE [2:4 +FLAGS.SILENT (\\x5cDeleted \\x5cSeen)]\n");
	check("A003 STORE 2:4 (UNCHANGEDSINCE 320162338) +FLAGS (\\Deleted)\r\n", 0,
	      "OK A003 STORE [2:4 (UNCHANGEDSINCE 320162338) +FLAGS (\\x5cDeleted)]\n");
	check("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n", 0,
	      "OK A282 SEARCH [FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"]\n");
	check("A283 SEARCH TEXT \"string not in mailbox\"\r\n", 0,
	      "OK A283 SEARCH [TEXT \"string not in mailbox\"]\n");
	check("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX\r\n", 0,
	      "LIT 6 d0 a3\n+\nOK A284 SEARCH [CHARSET UTF-8 TEXT {6}XXXXXX]\n");
	check("a UID SEARCH RETURN (MIN MAX SAVE) OR (HEADER X-A \"b\" UNSEEN) NOT 1:3,$\r\n", 0,
	      "OK a UID SEARCH [RETURN (MIN MAX SAVE) OR (HEADER X-A \"b\" UNSEEN) NOT 1:3,$]\n");
	check("A003 COPY 2:4 MEETING\r\n", 0, "OK A003 COPY [2:4 MEETING]\n");
	check("a UID MOVE 42:69 foo\r\n", 0, "OK a UID MOVE [42:69 foo]\n");
	check("a UID EXPUNGE 3000:3002\r\n", 0, "OK a UID EXPUNGE [3000:3002]\n");
	check("A1 SORT (REVERSE DATE) UTF-8 ALL\r\n", 0, "OK A1 SORT [(REVERSE DATE) UTF-8 ALL]\n");
	check("A1 GETQUOTAROOT INBOX\r\n", 0, "OK A1 GETQUOTAROOT [INBOX]\n");
}
END_TEST

START_TEST(strings_and_nil)
{
	check("A1 LOGIN \"fred \\\"x\\\" \\\\ y\" \"\"\r\n", 0,
	      "OK A1 LOGIN [\"fred \\x22x\\x22 \\x5c y\" \"\"]\n");
	check("a ID (\"name\" \"sodr\" \"version\" NIL)\r\n", 0,
	      "OK a ID [(\"name\" \"sodr\" \"version\" NIL)]\n");
	check("a ID nil\r\n", 0, "OK a ID [NIL]\n");
	check("a X () (()) (a (b (c)) d)\r\n", 0, "OK a X [() (()) (a (b (c)) d)]\n");
	/* whitespace is read loosely */
	check("a X  ( a  b )  \r\n", 0, "OK a X [(a b)]\n");
	/* bare LF ends a line too */
	check("a NOOP\nb NOOP\n", 0, "OK a NOOP []\nOK b NOOP []\n");
	/* empty lines are ignored; pipelined commands */
	check("\r\n\r\na NOOP\r\n\nb CHECK\r\n", 0, "OK a NOOP []\nOK b CHECK []\n");
	/* "~" not followed by "{" starts an atom */
	check("a LIST \"\" ~foo\r\n", 0, "OK a LIST [\"\" ~foo]\n");
	/* 8-bit with UTF8=ACCEPT (RFC 6855) */
	check("a SELECT \"Bo\xc3\xaete\"\r\n", OPT_UTF8, "OK a SELECT [\"Bo\\xc3\\xaete\"]\n");
}
END_TEST

START_TEST(literals)
{
	check("A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n", 0,
	      "LIT 11 d0 a0\n+\nLIT 7 d0 a1\n+\nOK A001 LOGIN [{11}FRED FOOBAR {7}fat man]\n");
	/* LITERAL+ (RFC 7888): no "+" */
	check("A1 LOGIN {5+}\r\nsmith {6+}\r\nsesame\r\n", 0,
	      "LIT 5+ d0 a0\nLIT 6+ d0 a1\nOK A1 LOGIN [{5+}smith {6+}sesame]\n");
	check("a X {0}\r\n {0+}\r\n\r\n", 0, "LIT 0 d0 a0\n+\nLIT 0+ d0 a1\nOK a X [{0} {0+}]\n");
	/* literal inside a list, CRLF inside the data */
	check("a X (b {4}\r\n\r\n\r\n)\r\n", 0,
	      "LIT 4 d1 a0\n+\nOK a X [(b {4}\\x0d\\x0a\\x0d\\x0a)]\n");
	/* literal8 (RFC 3516) may hold NUL */
	check_len("a APPEND INBOX ~{5}\r\nab\0cd\r\n", 28, 0,
	          "LIT 5 8 d0 a1\n+\nOK a APPEND [INBOX ~{5}ab\\x00cd]\n");
	/* literal, then more arguments */
	check("A003 APPEND saved-messages (\\Seen) \"05-Jan-2024 10:00:00 +0100\" {9}\r\n"
	      "Subject:x\r\n",
	      OPT_AUTH,
	      "LIT 9 d0 a3\n+\nOK A003 APPEND [saved-messages (\\x5cSeen) \"05-Jan-2024 10:00:00 "
	      "+0100\" {9}Subject:x]\n");
}
END_TEST

START_TEST(literal_info)
{
	struct imap_parser *p = imap_parser_new();
	const char *in = "a1 UID X (y (z {12+}\r\n";
	const struct imap_literal_info *li;
	size_t used;

	ck_assert_ptr_null(imap_parser_literal(p));
	ck_assert_int_eq(imap_parser_feed(p, (const uint8_t *)in, strlen(in), &used),
	                 IMAP_PARSE_LITERAL);
	ck_assert_uint_eq(used, strlen(in));
	li = imap_parser_literal(p);
	ck_assert_ptr_nonnull(li);
	ck_assert_uint_eq(li->size, 12);
	ck_assert(!li->sync);
	ck_assert(li->uid);
	ck_assert_uint_eq(li->depth, 2);
	ck_assert_uint_eq(li->argc, 0);
	ck_assert(slice_eq_cstr(li->name, "X"));
	ck_assert(!imap_parser_idle(p));
	imap_parser_free(&p);
	imap_parser_free(&p); /* NULL is fine */
}
END_TEST

START_TEST(streaming)
{
	const char *in = "A1 APPEND INBOX (\\Seen) {11}\r\nhello world {3+}\r\nabc\r\nA2 NOOP\r\n";
	struct buf sunk;
	char *got;

	buf_init(&sunk, 0);
	check(in, OPT_AUTH | OPT_STREAM,
	      "LIT 11 d0 a2\n+\nLIT 3+ d0 a3\nOK A1 APPEND [INBOX (\\x5cSeen) {11}S {3+}S]\n"
	      "OK A2 NOOP []\n");
	for (unsigned mode = FEED_WHOLE; mode <= FEED_RANDOM; mode++) {
		got = run_input(in, strlen(in), OPT_AUTH | OPT_STREAM, mode, 7, &sunk);
		ck_assert_uint_eq(sunk.len, 14);
		ck_assert_int_eq(memcmp(sunk.data, "hello worldabc", 14), 0);
		free(got);
	}
	/* a streamed literal is not limited by the buffered limits */
	{
		size_t n = 3 * IMAP_LITERAL_MAX;
		char *big = xmalloc(n + 64);
		int len = snprintf(big, 64, "A1 APPEND INBOX {%zu}\r\n", n);
		memset(big + len, 'x', n);
		memcpy(big + len + n, "\r\n", 2);
		got = run_input(big, (size_t)len + n + 2, OPT_AUTH | OPT_STREAM, FEED_RANDOM, 3,
		                &sunk);
		ck_assert_str_eq(got, "LIT 3145728 d0 a1\n+\nOK A1 APPEND [INBOX {3145728}S]\n");
		ck_assert_uint_eq(sunk.len, n);
		free(got);
		free(big);
	}
	buf_free(&sunk);
}
END_TEST

START_TEST(line_mode)
{
	check("A1 IDLE\r\nDONE\r\nA2 NOOP\r\n", 0, "OK A1 IDLE []\nLINE DONE\nOK A2 NOOP []\n");
	check("A1 AUTHENTICATE PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\nA2 NOOP\n", 0,
	      "OK A1 AUTHENTICATE [PLAIN]\nLINE dGVzdAB0ZXN0AHRlc3Q=\nOK A2 NOOP []\n");
	check("A1 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n", 0,
	      "OK A1 AUTHENTICATE [PLAIN dGVzdAB0ZXN0AHRlc3Q=]\n");
	check("A1 IDLE\r\n\r\n", 0, "OK A1 IDLE []\nLINE \n");
}
END_TEST

/* ---- errors: reason, and resync (go on) or close ---- */

START_TEST(error_tag)
{
	check(" NOOP\r\nA2 NOOP\r\n", 0, "ERR  missing tag\nOK A2 NOOP []\n");
	check("A*1 NOOP\r\nA2 NOOP\r\n", 0, "ERR  invalid character in tag\nOK A2 NOOP []\n");
	check("A+1 NOOP\r\nA2 NOOP\r\n", 0, "ERR  invalid character in tag\nOK A2 NOOP []\n");
	check("(a NOOP\r\n", 0, "ERR  invalid character in tag\n");
	check("A1\r\nA2 NOOP\r\n", 0, "ERR A1 missing command name\nOK A2 NOOP []\n");
	check("A1 \r\n", 0, "ERR A1 missing command name\n");
	check("A1 UID\r\n", 0, "ERR A1 missing command after UID\n");
	check("A1 UID \r\n", 0, "ERR A1 missing command name\n");
	check("A1 NO\"OP\r\n", 0, "ERR A1 invalid character in command name\n");
	check("\rA1 NOOP\r\nA2 NOOP\r\n", 0, "ERR  CR not followed by LF\nOK A2 NOOP []\n");
}
END_TEST

START_TEST(error_structure)
{
	check("A1 FETCH 1 (FLAGS\r\nA2 NOOP\r\n", 0, "ERR A1 missing )\nOK A2 NOOP []\n");
	check("A1 FETCH 1 FLAGS)\r\nA2 NOOP\r\n", 0, "ERR A1 unexpected )\nOK A2 NOOP []\n");
	check("A1 FETCH 1 ((FLAGS)\r\n", 0, "ERR A1 missing )\n");
	check("A1 X \"a\"b\r\nA2 NOOP\r\n", 0,
	      "ERR A1 missing space between arguments\nOK A2 NOOP []\n");
	check("A1 X (a)(b)\r\n", 0, "ERR A1 missing space between arguments\n");
	check("A1 X a(b\r\n", 0, "ERR A1 invalid character in atom\n");
	check("A1 X a\x01\r\n", 0, "ERR A1 invalid character in atom\n");
	check("A1 X \x80\r\n", 0, "ERR A1 invalid character\n");
	check("A1 NOOP\rX\r\nA2 NOOP\r\n", 0, "ERR A1 CR not followed by LF\nOK A2 NOOP []\n");
	check("A1 FETCH 1 BODY[HEADER\r\nA2 NOOP\r\n", 0,
	      "ERR A1 missing ] in section\nOK A2 NOOP []\n");
	check("A1 FETCH 1 BODY[1[2]]\r\n", 0, "ERR A1 nested [ in section\n");
	check("A1 FETCH 1 BODY[HEADER.FIELDS {3}\r\n", 0,
	      "ERR A1 literal in section not supported\n");
}
END_TEST

START_TEST(error_quoted)
{
	check("A1 LOGIN \"a\rb\" c\r\nA2 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nOK A2 NOOP []\n");
	check("A1 LOGIN \"ab\r\nA2 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nOK A2 NOOP []\n");
	check("A1 LOGIN \"ab\nA2 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nOK A2 NOOP []\n");
	check_len("A1 LOGIN \"a\0b\" c\r\n", 18, 0, "ERR A1 CR, LF or NUL in quoted string\n");
	check("A1 LOGIN \"a\\b\" c\r\n", 0, "ERR A1 invalid escape in quoted string\n");
	check("A1 SELECT \"Bo\xc3\xaete\"\r\n", 0, "ERR A1 8-bit character in quoted string\n");
	check("A1 SELECT \"Bo\xc3(\"\r\n", OPT_UTF8, "ERR A1 invalid UTF-8 in quoted string\n");
	check("A1 SELECT \"\xed\xa0\x80\"\r\n", OPT_UTF8,
	      "ERR A1 invalid UTF-8 in quoted string\n");
	check("A1 SELECT \"\xc0\xaf\"\r\n", OPT_UTF8, "ERR A1 invalid UTF-8 in quoted string\n");
}
END_TEST

START_TEST(error_literal_syntax)
{
	check("A1 LOGIN {abc}\r\nA2 NOOP\r\n", 0, "ERR A1 invalid literal size\nOK A2 NOOP []\n");
	check("A1 LOGIN {}\r\n", 0, "ERR A1 invalid literal size\n");
	check("A1 LOGIN {+}\r\n", 0, "ERR A1 invalid literal size\n");
	check("A1 LOGIN {5+\r\n", 0, "ERR A1 invalid literal size\n");
	check("A1 LOGIN {5} x\r\nA2 NOOP\r\n", 0,
	      "ERR A1 literal must end the line\nOK A2 NOOP []\n");
	check("A1 LOGIN {5}\rx\r\n", 0, "ERR A1 literal must end the line\n");
	check("A1 LOGIN ~x\r\n", 0, "OK A1 LOGIN [~x]\n");
	check("A1 LOGIN ~(\r\n", 0, "ERR A1 invalid character in atom\n");
	/* NUL in a plain literal: the command is read to its end, then BAD */
	check_len("A1 LOGIN {3}\r\na\0b x\r\nA2 NOOP\r\n", 30, 0,
	          "LIT 3 d0 a0\n+\nERR A1 NUL in literal\nOK A2 NOOP []\n");
	/* a size beyond any limit, synchronising: refused, no "+" */
	check("A1 LOGIN {99999999999999999999999}\r\nA2 NOOP\r\n", OPT_AUTH,
	      "ERR A1 literal too large [TOOBIG]\nOK A2 NOOP []\n");
	check("A1 LOGIN {99999999999999999999999+}\r\nA2 NOOP\r\n", OPT_AUTH,
	      "ERR A1 literal too large [TOOBIG]\nCLOSE\n");
}
END_TEST

START_TEST(error_literal_limits)
{
	/* before authentication: 8 KiB, refused before "+" and the session
	 * goes on (the client does not send the data) */
	check("A1 LOGIN {8193}\r\nA2 NOOP\r\n", 0,
	      "LIT 8193 d0 a0\nERR A1 literal too large [TOOBIG]\nOK A2 NOOP []\n");
	check("A1 LOGIN {8192}\r\n", 0, "LIT 8192 d0 a0\n+\nMORE\n");
	check("A1 LOGIN {8193}\r\n", OPT_AUTH, "LIT 8193 d0 a0\n+\nMORE\n");
	/* non-synchronising and too large: close */
	check("A1 LOGIN {9000+}\r\nxxxxxxxx", 0,
	      "LIT 9000+ d0 a0\nERR A1 literal too large [TOOBIG]\nCLOSE\n");
	/* LITERAL- (RFC 7888 section 5): above 4096 closes, even authenticated */
	check("A1 APPEND x {4097+}\r\n", OPT_AUTH | OPT_LITMINUS,
	      "ERR A1 non-synchronising literal above 4096 bytes [TOOBIG]\nCLOSE\n");
	check("A1 APPEND x {4096+}\r\n", OPT_AUTH | OPT_LITMINUS, "LIT 4096+ d0 a1\nMORE\n");
	check("A1 APPEND x {4097}\r\n", OPT_AUTH | OPT_LITMINUS, "LIT 4097 d0 a1\n+\nMORE\n");
	/* the caller refuses */
	check("A1 APPEND x {10}\r\nA2 NOOP\r\n", OPT_REJECT,
	      "LIT 10 d0 a1\nERR A1 refused [TOOBIG]\nOK A2 NOOP []\n");
	check("A1 APPEND x {10+}\r\n0123456789\r\n", OPT_REJECT,
	      "LIT 10+ d0 a1\nERR A1 refused [TOOBIG]\nCLOSE\n");
	/* the total of buffered literals is bounded too */
	{
		struct buf in;
		buf_init(&in, 0);
		buf_append_str(&in, "A1 X");
		for (int i = 0; i < 5; i++) {
			buf_append_str(&in, " {8000}\r\n");
			for (int j = 0; j < 8000; j++)
				buf_append_u8(&in, 'y');
		}
		buf_append_str(&in, "\r\n");
		char *got = run_input(in.data, in.len, 0, FEED_RANDOM, 5, NULL);
		ck_assert_msg(strstr(got, "LIT 8000 d0 a4\nERR A1 literal too large [TOOBIG]") !=
		                  NULL,
		              "%s", got);
		free(got);
		buf_free(&in);
	}
	/* after a refused literal a closed parser stays closed */
	{
		struct imap_parser *p = imap_parser_new();
		size_t used;
		const uint8_t *in = (const uint8_t *)"A1 X {9+}\r\n";
		ck_assert_int_eq(imap_parser_feed(p, in, 11, &used), IMAP_PARSE_LITERAL);
		ck_assert_int_eq(imap_parser_literal_reject(p, "no", NULL), IMAP_PARSE_ERR);
		ck_assert_int_eq(imap_parser_feed(p, in, 11, &used), IMAP_PARSE_ERR);
		ck_assert_uint_eq(used, 0);
		ck_assert(imap_parser_error(p)->close);
		imap_parser_free(&p);
	}
}
END_TEST

START_TEST(error_limits)
{
	struct buf in;
	char *got;

	buf_init(&in, 0);
	/* overlong line: BAD, skipped, next command fine */
	buf_append_str(&in, "A1 X ");
	for (int i = 0; i < IMAP_LINE_MAX; i++)
		buf_append_u8(&in, 'a');
	buf_append_str(&in, "\r\nA2 NOOP\r\n");
	check_len(in.data, in.len, 0, "ERR A1 line too long\nOK A2 NOOP []\n");

	/* too deep */
	buf_reset(&in);
	buf_append_str(&in, "A1 X ");
	for (int i = 0; i < IMAP_LIST_DEPTH_MAX + 1; i++)
		buf_append_u8(&in, '(');
	buf_append_str(&in, "\r\nA2 NOOP\r\n");
	check_len(in.data, in.len, 0, "ERR A1 lists nested too deeply\nOK A2 NOOP []\n");
	buf_reset(&in);
	buf_append_str(&in, "A1 X ");
	for (int i = 0; i < IMAP_LIST_DEPTH_MAX; i++)
		buf_append_u8(&in, '(');
	for (int i = 0; i < IMAP_LIST_DEPTH_MAX; i++)
		buf_append_u8(&in, ')');
	buf_append_str(&in, "\r\n");
	got = run_input(in.data, in.len, 0, FEED_WHOLE, 0, NULL);
	ck_assert_msg(strncmp(got, "OK A1 X [((((", 13) == 0, "%s", got);
	free(got);

	/* too many arguments */
	buf_reset(&in);
	buf_append_str(&in, "A1 X");
	for (int i = 0; i < IMAP_ARGS_MAX + 1; i++)
		buf_append_str(&in, " a");
	buf_append_str(&in, "\r\nA2 NOOP\r\n");
	check_len(in.data, in.len, 0, "ERR A1 too many arguments\nOK A2 NOOP []\n");
	buf_free(&in);
}
END_TEST

START_TEST(error_resync_literal)
{
	/* a non-synchronising literal in the skipped rest of a bad line is
	 * skipped, not parsed as commands */
	check("A1 X \"a\rb {3+}\r\nA3 \r\nA2 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nOK A2 NOOP []\n");
	check("A1 X ( {3+}\r\nabc (\r\nA2 NOOP\r\n", 0,
	      "LIT 3+ d1 a0\nERR A1 missing )\nOK A2 NOOP []\n");
	check("A1 X \"a\rb {3}\r\nA2 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nOK A2 NOOP []\n");
	check("A1 X \"a\rb {99999+}\r\nA2 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nERR A1 non-synchronising literal too large "
	      "[TOOBIG]\nCLOSE\n");
	/* after "{0+}" the line goes on: "A2 NOOP" is part of it */
	check("A1 X \"a\rb {0+}\r\nA2 NOOP\r\nA3 NOOP\r\n", 0,
	      "ERR A1 CR, LF or NUL in quoted string\nOK A3 NOOP []\n");
}
END_TEST

START_TEST(arg_accessors)
{
	struct imap_parser *p = imap_parser_new();
	const char *in =
	    "a X atom \"q\" {1}\r\nl NIL (x) 123 0123 BODY[1] 18446744073709551616\r\n";
	const struct imap_cmd *cmd;
	const struct imap_arg *list;
	struct slice s;
	uint64_t n;
	unsigned count;
	size_t used, off = 0;

	ck_assert_int_eq(imap_parser_feed(p, (const uint8_t *)in, strlen(in), &used),
	                 IMAP_PARSE_LITERAL);
	ck_assert_int_eq(imap_parser_literal_accept(p), IMAP_PARSE_MORE);
	off = used;
	ck_assert_int_eq(imap_parser_feed(p, (const uint8_t *)in + off, strlen(in) - off, &used),
	                 IMAP_PARSE_OK);
	ck_assert(imap_parser_idle(p));
	cmd = imap_parser_command(p);
	ck_assert_uint_eq(cmd->argc, 9);
	ck_assert(imap_arg_get_astring(&cmd->args[0], &s) && slice_eq_cstr(s, "atom"));
	ck_assert(!imap_arg_get_string(&cmd->args[0], &s));
	ck_assert(imap_arg_get_string(&cmd->args[1], &s) && slice_eq_cstr(s, "q"));
	ck_assert(imap_arg_get_string(&cmd->args[2], &s) && slice_eq_cstr(s, "l"));
	ck_assert(imap_arg_get_astring(&cmd->args[3], &s) && slice_eq_cstr(s, "NIL"));
	ck_assert(imap_arg_get_nstring(&cmd->args[3], &s) && s.p == NULL);
	ck_assert(imap_arg_get_nstring(&cmd->args[1], &s) && slice_eq_cstr(s, "q"));
	ck_assert(!imap_arg_get_nstring(&cmd->args[0], &s));
	ck_assert(imap_arg_get_list(&cmd->args[4], &list, &count) && count == 1);
	ck_assert(imap_arg_atom_equals(&list[0], "X"));
	ck_assert(imap_arg_is_eol(&list[1]));
	ck_assert(!imap_arg_get_astring(&cmd->args[4], &s));
	ck_assert(imap_arg_get_number(&cmd->args[5], &n) && n == 123);
	ck_assert(!imap_arg_get_number(&cmd->args[6], &n));
	ck_assert(!imap_arg_get_astring(&cmd->args[7], &s)); /* section atom */
	ck_assert(imap_arg_get_atom(&cmd->args[7], &s));
	ck_assert(imap_number_parse(slice_from_cstr("9223372036854775807"), &n) == 0);
	ck_assert(imap_number_parse(slice_from_cstr("9223372036854775808"), &n) < 0);
	ck_assert(imap_number_parse(slice_from_cstr(""), &n) < 0);
	ck_assert(imap_number_parse(slice_from_cstr("0"), &n) == 0 && n == 0);
	ck_assert(!imap_arg_get_number(&cmd->args[8], &n)); /* above 2^63-1 */
	ck_assert(imap_arg_is_eol(&cmd->args[9]));
	imap_parser_release(p);
	/* still usable after releasing its buffers */
	ck_assert_int_eq(imap_parser_feed(p, (const uint8_t *)"b NOOP\r\n", 8, &used),
	                 IMAP_PARSE_OK);
	ck_assert(slice_eq_cstr(imap_parser_command(p)->tag, "b"));
	imap_parser_free(&p);
}
END_TEST

/* Random garbage in random chunks must never crash and must agree across
 * splittings (a light version of the fuzz target). */
START_TEST(random_agreement)
{
	static const char alphabet[] = "A1 ()[]{}+~\"\\\r\n*:,0123456789BODY.PEEKNIL\x80\x00";
	unsigned state = 42;
	uint8_t in[400];

	for (int iter = 0; iter < 300; iter++) {
		size_t len = 1 + rnd(&state) % sizeof(in);
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)alphabet[rnd(&state) % (sizeof(alphabet) - 1)];
		char *whole = run_input(in, len, OPT_AUTH, FEED_WHOLE, 0, NULL);
		char *bytes = run_input(in, len, OPT_AUTH, FEED_BYTES, 0, NULL);
		char *chunks = run_input(in, len, OPT_AUTH, FEED_RANDOM, state, NULL);
		ck_assert_str_eq(whole, bytes);
		ck_assert_str_eq(whole, chunks);
		free(whole);
		free(bytes);
		free(chunks);
	}
}
END_TEST

/* ---- FETCH section attributes (RFC 9051 section 6.4.5, RFC 3516) ---- */

static struct imap_section sec;

static int section(const char *att)
{
	const char *error = NULL;
	int r = imap_section_parse(slice_from_cstr(att), &sec, &error);

	if (r < 0)
		ck_assert_str_eq(error, "invalid section in FETCH attribute");
	return r;
}

static char *fields(void)
{
	static char out[256];
	struct slice rest = sec.fields, name;
	size_t n = 0;

	out[0] = '\0';
	while (imap_section_next_field(&rest, &name))
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%.*s", n ? "," : "",
		                      (int)name.len, name.p);
	return out;
}

START_TEST(sections)
{
	ck_assert_int_eq(section("BODY[]"), 0);
	ck_assert(sec.kind == IMAP_SECTION_BODY && !sec.peek && sec.nparts == 0);
	ck_assert(sec.text == IMAP_SECTION_ALL && !sec.partial);
	ck_assert_int_eq(section("body.peek[1.2.MIME]<0.2048>"), 0);
	ck_assert(sec.peek && sec.nparts == 2 && sec.part[0] == 1 && sec.part[1] == 2);
	ck_assert(sec.text == IMAP_SECTION_MIME && sec.partial);
	ck_assert(sec.offset == 0 && sec.length == 2048);
	ck_assert_int_eq(section("BODY[HEADER.FIELDS (DATE FROM)]"), 0);
	ck_assert(sec.text == IMAP_SECTION_HEADER_FIELDS);
	ck_assert_str_eq(fields(), "DATE,FROM");
	ck_assert_int_eq(section("BODY[2.HEADER.FIELDS.NOT (Received \"X-Spam\")]<10.20>"), 0);
	ck_assert(sec.text == IMAP_SECTION_HEADER_FIELDS_NOT && sec.nparts == 1);
	ck_assert_str_eq(fields(), "Received,X-Spam");
	ck_assert(sec.offset == 10 && sec.length == 20);
	ck_assert_int_eq(section("BODY[HEADER]"), 0);
	ck_assert(sec.text == IMAP_SECTION_HEADER);
	ck_assert_int_eq(section("BODY[4.2.TEXT]"), 0);
	ck_assert(sec.text == IMAP_SECTION_TEXT && sec.nparts == 2);
	ck_assert_int_eq(section("BODY[3]"), 0);
	ck_assert(sec.text == IMAP_SECTION_ALL && sec.nparts == 1 && sec.part[0] == 3);
	ck_assert_int_eq(section("BINARY[1]"), 0);
	ck_assert(sec.kind == IMAP_SECTION_BINARY && !sec.peek);
	ck_assert_int_eq(section("BINARY.PEEK[1.2]<0.5>"), 0);
	ck_assert(sec.kind == IMAP_SECTION_BINARY && sec.peek && sec.partial);
	ck_assert_int_eq(section("BINARY.SIZE[3]"), 0);
	ck_assert(sec.kind == IMAP_SECTION_BINARY_SIZE);
	ck_assert_int_eq(section("BINARY[]"), 0);

	static const char *const bad[] = {
	    "BODY",
	    "BODY[",
	    "BODY[MIME]",
	    "BODY[1.]",
	    "BODY[0]",
	    "BODY[01]",
	    "BODY[1..2]",
	    "BODY[FOO]",
	    "BODY[HEADER]x",
	    "BODY[]<0>",
	    "BODY[]<0.0>",
	    "BODY[]<a.1>",
	    "BODY[]<0.1",
	    "BODY[]<0.1>x",
	    "BODY[HEADER.FIELDS]",
	    "BODY[HEADER.FIELDS ()]",
	    "BODY[HEADER.FIELDS (A]",
	    "BODY[HEADER.FIELDS (A:B)]",
	    "BODY[HEADER.FIELDS (\"A)]",
	    "BINARY[TEXT]",
	    "BINARY.SIZE[1]<0.1>",
	    "BODY[1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18."
	    "19.20.21.22.23.24.25.26.27.28.29.30.31.32.33]",
	    "BODY[4294967296]",
	    "RFC822[]",
	    "BODY[TEXT.MIME]",
	    "BODY[HEADER.FIELDS (A) ]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(section(bad[i]) < 0, "accepted %s", bad[i]);
}
END_TEST

static Suite *imap_parser_suite(void)
{
	Suite *s = suite_create("imap_parser");
	TCase *tc = tcase_create("forms");

	tcase_add_test(tc, simple_commands);
	tcase_add_test(tc, fetch_forms);
	tcase_add_test(tc, section_flag);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, store_search_copy);
	tcase_add_test(tc, strings_and_nil);
	tcase_add_test(tc, literals);
	tcase_add_test(tc, literal_info);
	tcase_add_test(tc, streaming);
	tcase_add_test(tc, line_mode);
	tcase_add_test(tc, arg_accessors);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, error_tag);
	tcase_add_test(tc, error_structure);
	tcase_add_test(tc, error_quoted);
	tcase_add_test(tc, error_literal_syntax);
	tcase_add_test(tc, error_literal_limits);
	tcase_add_test(tc, error_limits);
	tcase_add_test(tc, error_resync_literal);
	tcase_add_test(tc, random_agreement);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imap_parser_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
