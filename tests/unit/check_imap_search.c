/* SPDX-License-Identifier: ISC */
/* SEARCH: every RFC 3501 key and the extension keys parsed into the
 * expected program (RFC 9051 section 6.4.4 examples among them), RETURN and
 * CHARSET, the errors, IMAP dates, and the evaluator on fake messages. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_date.h"
#include "imap_parser.h"
#include "imap_search.h"

static struct imap_parser *parser;
static struct imap_search *search;

static void setup(void)
{
	parser = imap_parser_new();
	imap_parser_set_authenticated(parser, true);
}

static void teardown(void)
{
	imap_search_free(&search);
	imap_parser_free(&parser);
}

/* Parses "a SEARCH <text>" and then the search program. */
static int parse(const char *text, unsigned flags, const char **error_r)
{
	char line[2048];
	size_t off = 0, len, used;
	enum imap_parse_result r;

	imap_search_free(&search);
	len = (size_t)snprintf(line, sizeof(line), "a SEARCH %s\r\n", text);
	for (;;) {
		r = imap_parser_feed(parser, (const uint8_t *)line + off, len - off, &used);
		off += used;
		if (r == IMAP_PARSE_LITERAL)
			r = imap_parser_literal_accept(parser);
		if (r == IMAP_PARSE_OK)
			break;
		ck_assert_msg(r == IMAP_PARSE_MORE, "command line: %s", text);
	}
	*error_r = NULL;
	return imap_search_parse(imap_parser_command(parser)->args, flags, &search, error_r);
}

static void render(struct buf *out, const struct imap_search_node *n);

static void render_list(struct buf *out, const struct imap_search_node *n, const char *sep)
{
	for (; n != NULL; n = n->next) {
		render(out, n);
		if (n->next != NULL)
			buf_append_str(out, sep);
	}
}

static void render_set(struct buf *out, const struct imap_search_node *n)
{
	if (n->saved) {
		buf_append_str(out, "$");
		return;
	}
	for (size_t i = 0; i < n->set.n; i++) {
		uint32_t lo = n->set.r[i].lo, hi = n->set.r[i].hi;
		buf_printf(out, i ? ",%s" : "%s", lo ? "" : "*");
		if (lo)
			buf_printf(out, "%u", (unsigned)lo);
		if (hi != lo)
			buf_printf(out, hi ? ":%u" : ":*", (unsigned)hi);
	}
}

static const char *flag_name(unsigned f)
{
	switch (f) {
	case IMAP_MSGF_ANSWERED:
		return "ANSWERED";
	case IMAP_MSGF_FLAGGED:
		return "FLAGGED";
	case IMAP_MSGF_DELETED:
		return "DELETED";
	case IMAP_MSGF_SEEN:
		return "SEEN";
	case IMAP_MSGF_DRAFT:
		return "DRAFT";
	case IMAP_MSGF_RECENT:
		return "RECENT";
	}
	return "?";
}

static void render(struct buf *out, const struct imap_search_node *n)
{
	static const char *const fields[] = {"i", "sent", "saved"};
	static const char *const ops[] = {"<", "=", ">="};

	switch (n->type) {
	case IMAP_SEARCH_ALL:
		buf_append_str(out, "ALL");
		break;
	case IMAP_SEARCH_AND:
		buf_append_str(out, "(");
		render_list(out, n->children, " ");
		buf_append_str(out, ")");
		break;
	case IMAP_SEARCH_OR:
		buf_append_str(out, "OR(");
		render_list(out, n->children, ",");
		buf_append_str(out, ")");
		break;
	case IMAP_SEARCH_NOT:
		buf_append_str(out, "NOT(");
		render_list(out, n->children, ",");
		buf_append_str(out, ")");
		break;
	case IMAP_SEARCH_FLAG:
		buf_append_str(out, flag_name(n->flag));
		break;
	case IMAP_SEARCH_KEYWORD:
		buf_printf(out, "KW(%.*s)", (int)n->value.len, n->value.p);
		break;
	case IMAP_SEARCH_DATE:
		buf_printf(out, "DATE(%s%s%d)", fields[n->date_field], ops[n->date_op],
		           (int)n->day);
		break;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
	case IMAP_SEARCH_OLDER:
	case IMAP_SEARCH_YOUNGER:
		buf_printf(out, "%s(%llu)",
		           n->type == IMAP_SEARCH_LARGER    ? "LARGER"
		           : n->type == IMAP_SEARCH_SMALLER ? "SMALLER"
		           : n->type == IMAP_SEARCH_OLDER   ? "OLDER"
		                                            : "YOUNGER",
		           (unsigned long long)n->number);
		break;
	case IMAP_SEARCH_HEADER:
		buf_printf(out, "HEADER(%.*s:%.*s)", (int)n->field.len, n->field.p,
		           (int)n->value.len, n->value.p);
		break;
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		buf_printf(out, "%s(%.*s)", n->type == IMAP_SEARCH_BODY ? "BODY" : "TEXT",
		           (int)n->value.len, n->value.p);
		break;
	case IMAP_SEARCH_SEQSET:
	case IMAP_SEARCH_UIDSET:
		buf_append_str(out, n->type == IMAP_SEARCH_SEQSET ? "SEQ(" : "UID(");
		render_set(out, n);
		buf_append_str(out, ")");
		break;
	case IMAP_SEARCH_MODSEQ:
		buf_printf(out, "MODSEQ(%.*s:%llu)", (int)n->field.len, n->field.p,
		           (unsigned long long)n->number);
		break;
	case IMAP_SEARCH_SAVEDATESUPPORTED:
		buf_append_str(out, "SAVEDATESUPPORTED");
		break;
	}
}

/* Parses text and returns the rendered program, or "ERR <error>". */
static char *prog(const char *text, unsigned flags)
{
	static char s[2048];
	const char *error;
	struct buf out;
	int r = parse(text, flags, &error);

	if (r < 0) {
		snprintf(s, sizeof(s), "ERR%d %s", r, error);
		return s;
	}
	buf_init(&out, 0);
	render(&out, search->root);
	buf_cstr(&out);
	snprintf(s, sizeof(s), "%s", (char *)out.data);
	buf_free(&out);
	return s;
}

#define CHECK(text, expect) ck_assert_str_eq(prog(text, 0), expect)

START_TEST(keys_rfc3501)
{
	CHECK("ALL", "(ALL)");
	CHECK("ANSWERED", "(ANSWERED)");
	CHECK("BCC \"a@b\"", "(HEADER(BCC:a@b))");
	CHECK("BEFORE 1-Feb-1994", "(DATE(i<8797))");
	CHECK("BODY hello", "(BODY(hello))");
	CHECK("CC x", "(HEADER(CC:x))");
	CHECK("DELETED", "(DELETED)");
	CHECK("DRAFT", "(DRAFT)");
	CHECK("FLAGGED", "(FLAGGED)");
	CHECK("FROM Smith", "(HEADER(FROM:Smith))");
	CHECK("HEADER X-Mailer \"\"", "(HEADER(X-Mailer:))");
	CHECK("KEYWORD $Forwarded", "(KW($Forwarded))");
	CHECK("LARGER 1024", "(LARGER(1024))");
	CHECK("NEW", "((RECENT NOT(SEEN)))");
	CHECK("NOT SEEN", "(NOT(SEEN))");
	CHECK("OLD", "(NOT(RECENT))");
	CHECK("ON \"01-Feb-1994\"", "(DATE(i=8797))");
	CHECK("OR SEEN FLAGGED", "(OR(SEEN,FLAGGED))");
	CHECK("RECENT", "(RECENT)");
	CHECK("SEEN", "(SEEN)");
	CHECK("SENTBEFORE 1-Feb-1994", "(DATE(sent<8797))");
	CHECK("SENTON 1-Feb-1994", "(DATE(sent=8797))");
	CHECK("SENTSINCE 1-Feb-1994", "(DATE(sent>=8797))");
	CHECK("SINCE 1-Feb-1994", "(DATE(i>=8797))");
	CHECK("SMALLER 10", "(SMALLER(10))");
	CHECK("SUBJECT {5}\r\nhello", "(HEADER(SUBJECT:hello))");
	CHECK("TEXT \"a b\"", "(TEXT(a b))");
	CHECK("TO y", "(HEADER(TO:y))");
	CHECK("UID 1:*", "(UID(1:*))");
	CHECK("UNANSWERED", "(NOT(ANSWERED))");
	CHECK("UNDELETED", "(NOT(DELETED))");
	CHECK("UNDRAFT", "(NOT(DRAFT))");
	CHECK("UNFLAGGED", "(NOT(FLAGGED))");
	CHECK("UNKEYWORD Junk", "(NOT(KW(Junk)))");
	CHECK("UNSEEN", "(NOT(SEEN))");
	CHECK("2,4:7,*", "(SEQ(2,4:7,*))");
	CHECK("$", "(SEQ($))");
	/* case does not matter */
	CHECK("unseen or Seen fLaGgEd", "(NOT(SEEN) OR(SEEN,FLAGGED))");
}
END_TEST

START_TEST(keys_extensions)
{
	CHECK("MODSEQ 620162338", "(MODSEQ(:620162338))");
	ck_assert(search->uses_modseq);
	/* RFC 7162 section 3.1.5 example */
	CHECK("MODSEQ \"/flags/\\\\draft\" all 620162338", "(MODSEQ(/flags/\\draft:620162338))");
	CHECK("SAVEDBEFORE 1-Feb-1994 SAVEDON 1-Feb-1994 SAVEDSINCE 1-Feb-1994",
	      "(DATE(saved<8797) DATE(saved=8797) DATE(saved>=8797))");
	CHECK("SAVEDATESUPPORTED", "(SAVEDATESUPPORTED)");
	CHECK("OLDER 3600 YOUNGER 60", "(OLDER(3600) YOUNGER(60))");
	CHECK("UID $", "(UID($))");
	ck_assert(search->uses_saved);
	ck_assert(!search->uses_modseq);
}
END_TEST

START_TEST(rfc_examples)
{
	/* RFC 9051 section 6.4.4 */
	CHECK("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
	      "(FLAGGED DATE(i>=8797) NOT(HEADER(FROM:Smith)))");
	CHECK("TEXT \"string not in mailbox\"", "(TEXT(string not in mailbox))");
	CHECK("CHARSET UTF-8 TEXT {12}\r\nmillion\xc3\xa4rer", "(TEXT(million\xc3\xa4rer))");
	ck_assert(search->charset_utf8);
	CHECK("DELETED FROM \"SMITH\" SINCE 1-Feb-1994",
	      "(DELETED HEADER(FROM:SMITH) DATE(i>=8797))");
	/* RFC 4731 section 4 */
	CHECK("RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"",
	      "(FLAGGED DATE(i>=8797) NOT(HEADER(FROM:Smith)))");
	ck_assert(search->esearch);
	ck_assert_uint_eq(search->ret, IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_COUNT);
	CHECK("RETURN () UNDELETED", "(NOT(DELETED))");
	ck_assert_uint_eq(search->ret, IMAP_SEARCH_RET_ALL);
	CHECK("RETURN (MAX ALL SAVE) CHARSET US-ASCII ALL", "(ALL)");
	ck_assert_uint_eq(search->ret,
	                  IMAP_SEARCH_RET_MAX | IMAP_SEARCH_RET_ALL | IMAP_SEARCH_RET_SAVE);
	ck_assert(!search->charset_utf8);
	CHECK("UNSEEN", "(NOT(SEEN))");
	ck_assert(!search->esearch);
	/* nesting */
	CHECK("OR (SEEN FLAGGED) (NOT OR DRAFT 1:3 ANSWERED)",
	      "(OR((SEEN FLAGGED),(NOT(OR(DRAFT,SEQ(1:3))) ANSWERED)))");
	CHECK("NOT NOT NOT ((((ALL))))", "(NOT(NOT(NOT(((((ALL))))))))");
	CHECK("OR OR a b c", "ERR-1 unknown search key");
	CHECK("OR OR 1 2 3", "(OR(OR(SEQ(1),SEQ(2)),SEQ(3)))");
	/* SORT / THREAD form (RFC 5256) */
	ck_assert_str_eq(prog("utf-8 SEEN", IMAP_SEARCH_PARSE_CHARSET_FIRST), "(SEEN)");
	ck_assert(search->charset_utf8);
	ck_assert_str_eq(prog("ISO-8859-1 SEEN", IMAP_SEARCH_PARSE_CHARSET_FIRST),
	                 "ERR-2 unsupported charset");
}
END_TEST

START_TEST(errors)
{
	char deep[512];
	size_t n = 0;

	CHECK("", "ERR-1 missing search key");
	CHECK("FOO", "ERR-1 unknown search key");
	CHECK("FROM", "ERR-1 missing or invalid string argument");
	CHECK("FROM (a)", "ERR-1 missing or invalid string argument");
	CHECK("HEADER X", "ERR-1 missing or invalid string argument");
	CHECK("SINCE 1-Foo-1994", "ERR-1 invalid date");
	CHECK("SINCE 30-Feb-2020", "ERR-1 invalid date");
	CHECK("SINCE", "ERR-1 missing or invalid string argument");
	CHECK("LARGER x", "ERR-1 missing or invalid number");
	CHECK("LARGER -1", "ERR-1 missing or invalid number");
	CHECK("OLDER 0", "ERR-1 missing or invalid number");
	CHECK("SMALLER", "ERR-1 missing or invalid number");
	CHECK("UID foo", "ERR-1 invalid sequence set");
	CHECK("UID", "ERR-1 missing sequence set");
	CHECK("1:0", "ERR-1 invalid sequence set");
	CHECK("()", "ERR-1 empty parenthesised search key");
	CHECK("(SEEN FOO)", "ERR-1 unknown search key");
	CHECK("NOT", "ERR-1 missing search key");
	CHECK("OR SEEN", "ERR-1 missing search key");
	CHECK("KEYWORD \"x\"", "ERR-1 missing keyword");
	CHECK("\"SEEN\"", "ERR-1 invalid search key");
	CHECK("RETURN MIN ALL", "ERR-1 RETURN needs a list");
	CHECK("RETURN (FOO) ALL", "ERR-1 unknown RETURN option");
	CHECK("RETURN (MIN)", "ERR-1 missing search key");
	CHECK("CHARSET", "ERR-1 missing or invalid string argument");
	CHECK("CHARSET KOI8-R ALL", "ERR-2 unsupported charset");
	CHECK("MODSEQ \"/flags/x\" bad 5", "ERR-1 invalid MODSEQ entry type");
	CHECK("MODSEQ \"/flags/x\" 5", "ERR-1 invalid MODSEQ entry type");
	CHECK("MODSEQ \"/flags/x\"", "ERR-1 invalid MODSEQ entry");
	CHECK("MODSEQ \"/flags/x\" all", "ERR-1 missing or invalid number");
	CHECK("ALL CHARSET UTF-8", "ERR-1 unknown search key");
	/* too deep */
	for (int i = 0; i < IMAP_SEARCH_DEPTH_MAX + 1; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "NOT ");
	snprintf(deep + n, sizeof(deep) - n, "ALL");
	CHECK(deep, "ERR-1 search keys nested too deeply");
	deep[4] = '\0';
	n = 0;
	for (int i = 0; i < IMAP_SEARCH_DEPTH_MAX - 1; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "NOT ");
	snprintf(deep + n, sizeof(deep) - n, "ALL");
	ck_assert(strncmp(prog(deep, 0), "(NOT(", 5) == 0);
}
END_TEST

START_TEST(dates)
{
	int32_t d;
	int64_t t;
	int tz;

	ck_assert_int_eq(imap_date_parse(slice_from_cstr("1-Feb-1994"), &d), 0);
	ck_assert_int_eq(d, 8797);
	ck_assert_int_eq(imap_date_parse(slice_from_cstr("01-feb-1994"), &d), 0);
	ck_assert_int_eq(d, 8797);
	ck_assert_int_eq(imap_date_parse(slice_from_cstr("29-Feb-2000"), &d), 0);
	ck_assert_int_eq(d, 11016);
	ck_assert_int_eq(imap_date_parse(slice_from_cstr("31-Dec-1969"), &d), 0);
	ck_assert_int_eq(d, -1);
	ck_assert_int_eq(imap_date_parse(slice_from_cstr("1-Jan-0001"), &d), 0);
	ck_assert_int_eq(d, -719162);
	static const char *const bad[] = {"29-Feb-1900", "1-Feb-94",   "123-Feb-1994",
	                                  "1-Feb-1994x", "0-Jan-2000", "32-Jan-2000",
	                                  "1 Feb 1994",  "1-Fev-1994", "",
	                                  "1-Feb-",      "-Feb-1994",  "1-February-1994"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(imap_date_parse(slice_from_cstr(bad[i]), &d) < 0, "%s", bad[i]);

	ck_assert_int_eq(
	    imap_datetime_parse(slice_from_cstr("17-Jul-1996 02:44:25 -0700"), &t, &tz), 0);
	ck_assert_int_eq(t, 837596665);
	ck_assert_int_eq(tz, -420);
	ck_assert_int_eq(
	    imap_datetime_parse(slice_from_cstr(" 5-Jan-2024 10:00:00 +0100"), &t, &tz), 0);
	ck_assert_int_eq(t, 1704445200);
	ck_assert_int_eq(tz, 60);
	ck_assert_int_eq(
	    imap_datetime_parse(slice_from_cstr("05-Jan-2024 10:00:00 +0100"), &t, &tz), 0);
	ck_assert_int_eq(t, 1704445200);
	static const char *const badt[] = {
	    "5-Jan-2024 10:00:00 +0100",   "05-Jan-2024 10:00:00",
	    "05-Jan-2024 24:00:00 +0000",  "05-Jan-2024 10:00:00 0100",
	    "05-Jan-2024 10:00:00 +01000", "05-Jan-2024T10:00:00 +0100"};
	for (size_t i = 0; i < sizeof(badt) / sizeof(badt[0]); i++)
		ck_assert_msg(imap_datetime_parse(slice_from_cstr(badt[i]), &t, &tz) < 0, "%s",
		              badt[i]);
}
END_TEST

/* ---- evaluator ---- */

struct fake {
	const char *keywords; /* space separated */
	const char *subject, *body;
	bool fail;
};

static bool contains_ci(const char *hay, struct slice needle)
{
	size_t n = strlen(hay);

	for (size_t i = 0; i + needle.len <= n; i++)
		if (strncasecmp(hay + i, (const char *)needle.p, needle.len) == 0)
			return true;
	return false;
}

static int fake_keyword(void *ctx, struct slice kw)
{
	struct fake *f = ctx;
	char word[64];

	snprintf(word, sizeof(word), " %.*s ", (int)kw.len, kw.p);
	if (f->fail)
		return -1;
	{
		char all[256];
		snprintf(all, sizeof(all), " %s ", f->keywords);
		return strstr(all, word) != NULL;
	}
}

static int fake_header(void *ctx, struct slice field, struct slice value)
{
	struct fake *f = ctx;

	if (f->fail)
		return -1;
	if (slice_casecmp_cstr(field, "SUBJECT") != 0 || f->subject == NULL)
		return 0;
	return contains_ci(f->subject, value);
}

static int fake_body(void *ctx, struct slice value, bool text)
{
	struct fake *f = ctx;

	if (f->fail)
		return -1;
	return contains_ci(f->body, value) ||
	       (text && f->subject && contains_ci(f->subject, value));
}

static const struct imap_search_msg_ops fake_ops = {fake_keyword, fake_header, fake_body};

static struct fake fake1 = {"$Forwarded Work", "Hello World", "the body text", false};

static struct imap_search_msg msg1(void)
{
	return (struct imap_search_msg){
	    .seq = 3,
	    .uid = 103,
	    .flags = IMAP_MSGF_SEEN | IMAP_MSGF_RECENT,
	    .size = 150,
	    .modseq = 42,
	    .internal_day = 8797,
	    .sent_day = 8796,
	    .save_day = INT32_MIN,
	    .internal_time = 8797LL * 86400 + 3600,
	    .ops = &fake_ops,
	    .ctx = &fake1,
	};
}

static int eval(const char *text, const struct imap_search_msg *m)
{
	const struct imap_search_env env = {.now = 8797LL * 86400 + 7200};
	struct imap_seqset saved;
	const char *error;
	int r;

	ck_assert_msg(parse(text, 0, &error) == 0, "%s: %s", text, error);
	imap_seqset_init(&saved);
	imap_seqset_add(&saved, 100, 103);
	imap_seqset_normalise(&saved);
	imap_search_prepare(search, 5, 105, &saved);
	imap_seqset_free(&saved);
	r = imap_search_eval(search, &env, m);
	return r;
}

START_TEST(evaluator)
{
	struct imap_search_msg m = msg1();
	struct fake failing = fake1;

	ck_assert_int_eq(eval("ALL", &m), 1);
	ck_assert_int_eq(eval("SEEN", &m), 1);
	ck_assert_int_eq(eval("UNSEEN", &m), 0);
	ck_assert_int_eq(eval("NEW", &m), 0);
	ck_assert_int_eq(eval("OLD", &m), 0);
	ck_assert_int_eq(eval("RECENT SEEN", &m), 1);
	ck_assert_int_eq(eval("OR FLAGGED DELETED", &m), 0);
	ck_assert_int_eq(eval("OR FLAGGED SEEN", &m), 1);
	ck_assert_int_eq(eval("LARGER 149 SMALLER 151", &m), 1);
	ck_assert_int_eq(eval("LARGER 150", &m), 0);
	ck_assert_int_eq(eval("SMALLER 150", &m), 0);
	ck_assert_int_eq(eval("1:2", &m), 0);
	ck_assert_int_eq(eval("1:3", &m), 1);
	ck_assert_int_eq(eval("*", &m), 0);
	ck_assert_int_eq(eval("5:*", &m), 0);
	ck_assert_int_eq(eval("UID 103:*", &m), 1);
	ck_assert_int_eq(eval("UID 104:*", &m), 0);
	ck_assert_int_eq(eval("UID 200:*", &m), 0); /* 105:200 */
	ck_assert_int_eq(eval("$", &m), 1);         /* saved UIDs 100:103 */
	ck_assert_int_eq(eval("UID $", &m), 1);
	ck_assert_int_eq(eval("BEFORE 1-Feb-1994", &m), 0);
	ck_assert_int_eq(eval("BEFORE 2-Feb-1994", &m), 1);
	ck_assert_int_eq(eval("ON 1-Feb-1994", &m), 1);
	ck_assert_int_eq(eval("SINCE 1-Feb-1994", &m), 1);
	ck_assert_int_eq(eval("SINCE 2-Feb-1994", &m), 0);
	ck_assert_int_eq(eval("SENTON 31-Jan-1994", &m), 1);
	ck_assert_int_eq(eval("SENTSINCE 1-Feb-1994", &m), 0);
	ck_assert_int_eq(eval("SAVEDSINCE 1-Jan-1970", &m), 0); /* no save date */
	ck_assert_int_eq(eval("NOT SAVEDON 1-Feb-1994", &m), 1);
	ck_assert_int_eq(eval("SAVEDATESUPPORTED", &m), 0);
	ck_assert_int_eq(eval("YOUNGER 3600", &m), 1);
	ck_assert_int_eq(eval("YOUNGER 3599", &m), 0);
	ck_assert_int_eq(eval("OLDER 3599", &m), 1);
	ck_assert_int_eq(eval("OLDER 3600", &m), 0);
	ck_assert_int_eq(eval("MODSEQ 42", &m), 1);
	ck_assert_int_eq(eval("MODSEQ 43", &m), 0);
	ck_assert_int_eq(eval("KEYWORD Work", &m), 1);
	ck_assert_int_eq(eval("UNKEYWORD Work", &m), 0);
	ck_assert_int_eq(eval("KEYWORD Junk", &m), 0);
	ck_assert_int_eq(eval("SUBJECT world", &m), 1);
	ck_assert_int_eq(eval("HEADER Subject \"\"", &m), 1);
	ck_assert_int_eq(eval("FROM world", &m), 0);
	ck_assert_int_eq(eval("BODY \"BODY TEXT\"", &m), 1);
	ck_assert_int_eq(eval("BODY hello", &m), 0);
	ck_assert_int_eq(eval("TEXT hello", &m), 1);
	ck_assert_int_eq(eval("OR (FLAGGED SUBJECT nope) (SEEN NOT DRAFT 1,3)", &m), 1);
	/* a failing callback propagates, unless the answer is already known */
	m.ctx = &failing;
	failing.fail = true;
	ck_assert_int_eq(eval("SUBJECT x", &m), -1);
	ck_assert_int_eq(eval("NOT BODY x", &m), -1);
	ck_assert_int_eq(eval("OR SEEN BODY x", &m), 1);
	ck_assert_int_eq(eval("UNSEEN BODY x", &m), 0);
	/* not prepared */
	{
		const struct imap_search_env env = {0};
		const char *error;
		ck_assert_int_eq(parse("ALL", 0, &error), 0);
		ck_assert_int_eq(imap_search_eval(search, &env, &m), -1);
	}
}
END_TEST

START_TEST(savedate_and_empty_saved)
{
	const struct imap_search_env env = {.savedate_supported = true};
	struct imap_search_msg m = msg1();
	const char *error;

	ck_assert_int_eq(parse("SAVEDATESUPPORTED $", 0, &error), 0);
	imap_search_prepare(search, 5, 105, NULL);
	ck_assert_int_eq(imap_search_eval(search, &env, &m), 0);
	ck_assert_int_eq(parse("SAVEDATESUPPORTED", 0, &error), 0);
	imap_search_prepare(search, 5, 105, NULL);
	ck_assert_int_eq(imap_search_eval(search, &env, &m), 1);
}
END_TEST

/* RFC 6855 section 3: once UTF8=ACCEPT is on, CHARSET is malformed (BAD,
 * not NO [BADCHARSET]) and strings are UTF-8. */
START_TEST(utf8_accept_no_charset)
{
	const char *error;

	imap_parser_set_utf8(parser, true);
	ck_assert_int_eq(parse("CHARSET UTF-8 ALL", IMAP_SEARCH_PARSE_NO_CHARSET, &error), -1);
	ck_assert_str_eq(error, "CHARSET not allowed once UTF8=ACCEPT is enabled");
	ck_assert_int_eq(parse("CHARSET KOI8-R ALL", IMAP_SEARCH_PARSE_NO_CHARSET, &error), -1);
	ck_assert_int_eq(
	    parse("RETURN (SAVE) CHARSET US-ASCII ALL", IMAP_SEARCH_PARSE_NO_CHARSET, &error), -1);
	ck_assert_int_eq(parse("SUBJECT \"caf\xc3\xa9\"", IMAP_SEARCH_PARSE_NO_CHARSET, &error), 0);
	ck_assert(search->charset_utf8);
	ck_assert_int_eq(parse("CHARSET UTF-8 ALL", 0, &error), 0);
	ck_assert_int_eq(parse("ALL", 0, &error), 0);
	ck_assert(!search->charset_utf8);
}
END_TEST

/* RFC 5182 section 2.1: whether a SEARCH asked to SAVE, read from the raw
 * arguments, since a failed parse leaves no program. */
static bool asks_save(const char *text)
{
	const char *error;

	parse(text, 0, &error);
	return imap_search_asks_save(imap_parser_command(parser)->args);
}

START_TEST(save_requested)
{
	ck_assert(asks_save("RETURN (SAVE) ALL"));
	ck_assert(asks_save("RETURN (MIN save) NOSUCHKEY"));
	ck_assert(asks_save("RETURN (SAVE) CHARSET KOI8-R ALL"));
	ck_assert(asks_save("RETURN (SAVE)"));
	ck_assert(!asks_save("RETURN (MIN MAX) ALL"));
	ck_assert(!asks_save("RETURN () ALL"));
	ck_assert(!asks_save("ALL SAVE"));
	ck_assert(!asks_save("RETURN SAVE ALL"));
	ck_assert(!asks_save("\"RETURN\" (SAVE) ALL"));
}
END_TEST

static Suite *imap_search_suite(void)
{
	Suite *s = suite_create("imap_search");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keys_rfc3501);
	tcase_add_test(tc, keys_extensions);
	tcase_add_test(tc, rfc_examples);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, dates);
	tcase_add_test(tc, utf8_accept_no_charset);
	tcase_add_test(tc, save_requested);
	suite_add_tcase(s, tc);
	tc = tcase_create("eval");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, evaluator);
	tcase_add_test(tc, savedate_and_empty_saved);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imap_search_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
