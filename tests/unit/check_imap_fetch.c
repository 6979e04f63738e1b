/* SPDX-License-Identifier: ISC */
/* FETCH item lists and response rendering: every item on the MIME corpus
 * (tests/unit/mime-corpus) and on our own fixtures, partial ranges, header
 * field lists, nested message/rfc822 sections, BINARY on base64 and QP,
 * and chunked streaming giving the same bytes as one-shot rendering.
 *
 * Cross-check against Dovecot 2.3.19 (Debian dovecot-imapd on loopback,
 * maildir, passwd-file; every corpus file but barelf/empty and the two
 * fixtures below APPENDed with INTERNALDATE "01-Dec-2026 09:59:58 +0000",
 * then FETCHed in an EXAMINEd INBOX): 654 FETCH commands (BODY[] HEADER
 * TEXT, HEADER.FIELDS[.NOT], partials, absent sections, and for every part
 * BODY[n] [n.MIME] [n.HEADER] [n.TEXT] [n.HEADER.FIELDS] BINARY[n]
 * BINARY.SIZE[n]) were compared byte for byte: 597 identical. The
 * dovecot_same table at the end holds 428 of them (the per-part items and
 * a selection of the others, answers up to 700 bytes) and is replayed
 * here. Also RFC822, RFC822.TEXT, BODY[] (no \Seen change: EXAMINE), ALL,
 * FAST, FULL and a mixed list with partials on every message: 112 of 119
 * identical, the 7 others differing only in the ENVELOPE/BODY strings of
 * the summary (see check_msgsum.c). The 57 of the first run are
 * deliberate differences:
 *  - Section ranges of the summary (see check_msgsum.c): the CRLF after a
 *    nested close delimiter (deep.eml, rfc822.eml, the fixture's part 5).
 *  - BINARY on a multipart or message part, and BINARY[] on the whole
 *    message: Dovecot decodes every leaf inside and rewrites their
 *    Content-Transfer-Encoding fields to "binary" (and fails the whole
 *    message's BINARY.SIZE with UNKNOWN-CTE when any part has an unknown
 *    encoding); we send such a section as it is, since a multipart or
 *    message part has no encoding of its own (RFC 2045 §6.4, RFC 3516
 *    §4.2), and UNKNOWN-CTE only for the leaf asked for.
 *  - Dovecot sends every decoded BINARY as a literal8 "~{n}"; we use
 *    literal8 only when the content holds a NUL (RFC 3516 §4.3: 8-bit data
 *    without NUL SHOULD be a string).
 *  - HEADER.FIELDS.NOT on a header without a blank line (groups.eml,
 *    header-only.eml): Dovecot ends without the blank line, we always end
 *    with one (RFC 3501 §6.4.5 examples).
 *  - HEADER.FIELDS.NOT keeps a header line without a colon in Dovecot
 *    (no-colon.eml); mime_header_filter drops it.
 *  - Not in the table: the fixture's QP part first ended with a soft line
 *    break ("Last line=") right before the boundary; Dovecot's BINARY
 *    failed on it ("'=' not followed by two hex digits") and closed the
 *    session. We decode it (the soft break goes, RFC 2045 §6.7); the
 *    fixture now ends with a plain line so both servers can be compared.
 * What we do as Dovecot does, on purpose: empty contents as "{0}" literals;
 * header names echoed upper-cased in HEADER.FIELDS responses; a NUL in a
 * BODY/RFC822 literal sent as 0x80 (RFC 3501 §4.3 CHAR8); UID first in UID
 * FETCH; flag order \Answered \Flagged \Deleted \Seen \Draft.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_fetch_items.h"
#include "imap_fetch_render.h"
#include "imap_parser.h"
#include "mime.h"
#include "msgsum.h"

#ifndef MIME_CORPUS_DIR
#define MIME_CORPUS_DIR "tests/unit/mime-corpus"
#endif

/* INTERNALDATE given to Dovecot's APPEND: 01-Dec-2026 09:59:58 +0000 */
#define T_INTERNAL 1796119198

static const char fx_binfix[] = "From: Alice <alice@cab.example>\r\n"
                                "To: bob@hop.example\r\n"
                                "Subject: binary parts\r\n"
                                "X-Long: first line\r\n"
                                " continued here\r\n"
                                "Date: Fri, 4 Dec 2026 10:00:00 +0100\r\n"
                                "Message-ID: <bin@cab.example>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
                                "\r\n"
                                "--b1\r\n"
                                "Content-Type: text/plain; charset=iso-8859-1\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n"
                                "\r\n"
                                "Caf=E9 cr=E8me, a soft=\r\n"
                                " break and a NUL =00 here.  \r\n"
                                "Last line\r\n"
                                "--b1\r\n"
                                "Content-Type: application/octet-stream\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "\r\n"
                                "AAECAwQFBgcICQoLDA0ODw==\r\n"
                                "--b1\r\n"
                                "Content-Type: text/plain\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "\r\n"
                                "SGVsbG8s\r\n"
                                "IHdvcmxk\r\n"
                                "IQ0K\r\n"
                                "--b1\r\n"
                                "Content-Type: application/x-foo\r\n"
                                "Content-Transfer-Encoding: x-uuencode\r\n"
                                "\r\n"
                                "begin 644 foo\r\n"
                                "end\r\n"
                                "--b1\r\n"
                                "Content-Type: message/rfc822\r\n"
                                "\r\n"
                                "From: Carol <carol@lab.example>\r\n"
                                "Subject: inner\r\n"
                                "X-Folded: a\r\n"
                                "\tb\r\n"
                                "Content-Type: multipart/alternative; boundary=\"b2\"\r\n"
                                "\r\n"
                                "--b2\r\n"
                                "Content-Type: text/plain\r\n"
                                "\r\n"
                                "inner plain\r\n"
                                "--b2\r\n"
                                "Content-Type: text/html\r\n"
                                "Content-Transfer-Encoding: base64\r\n"
                                "\r\n"
                                "PGI+aW5uZXI8L2I+\r\n"
                                "--b2--\r\n"
                                "--b1--\r\n";
static const char fx_single64[] = "From: x@y.example\r\n"
                                  "Subject: single base64\r\n"
                                  "MIME-Version: 1.0\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\n"
                                  "Content-Transfer-Encoding: base64\r\n"
                                  "\r\n"
                                  "w6l0w6kK\r\n";

/* ------------------------------------------------------------ fixtures */

struct fx {
	uint8_t *msg;
	size_t len;
	struct buf sum;
	struct msgsum_view v;
	struct store_msg sm;
	size_t short_read; /* > 0: the read callback gives at most this much */
	bool fail_reads;   /* the read callback fails */
	size_t max_asked;  /* largest read asked for */
};

static const char *const kw_names[] = {"$Forwarded", "Urgent", NULL, "$MDNSent"};

static int fx_read(void *arg, uint64_t off, void *out, size_t len, size_t *got_r)
{
	struct fx *fx = arg;

	if (len > fx->max_asked)
		fx->max_asked = len;
	if (fx->fail_reads || off > fx->len)
		return -1;
	if (len > fx->len - off)
		len = fx->len - (size_t)off;
	if (fx->short_read > 0 && len > fx->short_read)
		len = fx->short_read;
	memcpy(out, fx->msg + off, len);
	*got_r = len;
	return 0;
}

static int fx_keyword(void *arg, unsigned idx, struct slice *name_r)
{
	(void)arg;
	if (idx >= sizeof(kw_names) / sizeof(kw_names[0]) || kw_names[idx] == NULL)
		return 0;
	*name_r = slice_from_cstr(kw_names[idx]);
	return 1;
}

static void fx_from(struct fx *fx, const void *data, size_t len)
{
	memset(fx, 0, sizeof(*fx));
	fx->msg = malloc(len + 1);
	memcpy(fx->msg, data, len);
	fx->len = len;
	buf_init(&fx->sum, 0);
	ck_assert_int_eq(msgsum_build(fx->msg, fx->len, &fx->sum), 0);
	ck_assert_int_eq(msgsum_open(fx->sum.data, fx->sum.len, &fx->v), 0);
	fx->sm.uid = 1;
	fx->sm.size = len;
	fx->sm.internal_date = T_INTERNAL;
	fx->sm.modseq = 1;
}

static void fx_load(struct fx *fx, const char *name)
{
	char path[512];
	FILE *f;
	uint8_t *data;
	size_t n;

	if (strcmp(name, "binfix.eml") == 0) {
		fx_from(fx, fx_binfix, sizeof(fx_binfix) - 1);
		return;
	}
	if (strcmp(name, "single64.eml") == 0) {
		fx_from(fx, fx_single64, sizeof(fx_single64) - 1);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", MIME_CORPUS_DIR, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	rewind(f);
	data = malloc(n + 1);
	ck_assert_uint_eq(fread(data, 1, n, f), n);
	fclose(f);
	fx_from(fx, data, n);
	free(data);
}

static void fx_free(struct fx *fx)
{
	free(fx->msg);
	buf_free(&fx->sum);
}

static struct imap_fetch_msg fx_msg(struct fx *fx)
{
	return (struct imap_fetch_msg){&fx->sm, &fx->v, fx_read, fx_keyword, fx};
}

/* ------------------------------------------------------------- helpers */

/* Parses "a [UID ]FETCH 1 <items>" and its item list. The parser stays
 * alive (the plan borrows from it) until parsed_free(). */
struct parsed {
	struct imap_parser *p;
	struct imap_fetch_plan plan;
	const char *error;
	int r;
};

static void parse_items(struct parsed *ps, const char *items, bool uid)
{
	char line[4096];
	size_t used;
	const struct imap_cmd *cmd;

	ps->p = imap_parser_new();
	imap_parser_set_authenticated(ps->p, true);
	snprintf(line, sizeof(line), "a %sFETCH 1 %s\r\n", uid ? "UID " : "", items);
	ck_assert_int_eq(imap_parser_feed(ps->p, (const uint8_t *)line, strlen(line), &used),
	                 IMAP_PARSE_OK);
	cmd = imap_parser_command(ps->p);
	ck_assert_uint_eq(cmd->argc, 2);
	ps->error = NULL;
	ps->r = imap_fetch_items_parse(&cmd->args[1], cmd->uid, &ps->plan, &ps->error);
}

static void parsed_free(struct parsed *ps)
{
	imap_parser_free(&ps->p);
}

static unsigned rnd_state = 12345;

static unsigned rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) & 0x7fff;
}

/* Renders in chunks of at most max (0: random sizes), checking that each
 * call stays within its bound and gives progress. */
static int render_chunked(const struct imap_fetch_plan *plan, uint32_t seq,
                          const struct imap_fetch_msg *m, unsigned opts, size_t max,
                          struct buf *out)
{
	struct imap_fetch_render r;
	enum imap_fetch_err err;
	const char *error;
	int k;

	if (imap_fetch_render_begin(&r, plan, seq, m, opts, 0, &err, &error) < 0) {
		imap_fetch_render_free(&r);
		return -1;
	}
	do {
		size_t before = out->len, lim = max > 0 ? max : 1 + rnd() % 5000;
		k = imap_fetch_next_chunk(&r, out, lim, &error);
		/* plain tests: a ck_assert per call is slow under Check */
		if (out->len - before > lim || (k == 1 && out->len == before))
			ck_abort_msg("chunk of %zu bytes for a bound of %zu", out->len - before,
			             lim);
	} while (k == 1);
	imap_fetch_render_free(&r);
	return k;
}

/* Names the fixture in failure messages (the Dovecot table). */
static const char *ck_context = "";

static void ck_bytes(struct slice got, const char *want, size_t want_len, const char *what)
{
	if (got.len == want_len && memcmp(got.p, want, want_len) == 0)
		return;
	ck_abort_msg("%s%s:\n got  (%zu) %.*s\n want (%zu) %.*s", ck_context, what, got.len,
	             (int)got.len, (const char *)got.p, want_len, (int)want_len, want);
}

/* One-shot rendering, checked against every chunked variant (chunk sizes,
 * short reads); 0 with out filled, or -1 with *err_r. */
static int render_all(struct fx *fx, const struct imap_fetch_plan *plan, uint32_t seq,
                      unsigned opts, int tz_min, struct buf *out, enum imap_fetch_err *err_r)
{
	/* chunk bounds, and whether the source gives short reads */
	static const struct {
		size_t max;
		bool short_reads;
	} runs[] = {{1, false}, {3, true}, {64, false}, {1000, true}, {65536, false}, {0, true}};
	struct imap_fetch_msg m = fx_msg(fx);
	const char *error;
	struct buf c;

	buf_reset(out);
	if (imap_fetch_render(plan, seq, &m, opts, tz_min, out, err_r, &error) < 0) {
		ck_assert_uint_eq(out->len, 0);
		return -1;
	}
	if (tz_min != 0)
		return 0;
	buf_init(&c, 0);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		/* tiny chunks only for small responses: time */
		if (runs[i].max != 0 && runs[i].max < 64 && out->len > 20000)
			continue;
		buf_reset(&c);
		fx->short_read = runs[i].short_reads ? 1 + rnd() % 17 : 0;
		if (render_chunked(plan, seq, &m, opts, runs[i].max, &c) != 0)
			ck_abort_msg("chunked rendering failed (bound %zu)", runs[i].max);
		ck_bytes(buf_slice(&c), (const char *)out->data, out->len, "chunked");
	}
	fx->short_read = 0;
	buf_free(&c);
	return 0;
}

/* Renders items for fx and compares with want. */
static void check_fetch(struct fx *fx, uint32_t seq, const char *items, bool uid, unsigned opts,
                        const char *want, size_t want_len)
{
	struct parsed ps;
	struct buf out;
	enum imap_fetch_err err;

	parse_items(&ps, items, uid);
	ck_assert_msg(ps.r == 0, "%s: %s", items, ps.error);
	buf_init(&out, 0);
	ck_assert_int_eq(render_all(fx, &ps.plan, seq, opts, 0, &out, &err), 0);
	ck_bytes(buf_slice(&out), want, want_len, items);
	buf_free(&out);
	parsed_free(&ps);
}

#define CHECK_FETCH(fx, seq, items, want)                                                          \
	check_fetch(fx, seq, items, false, 0, want, sizeof(want) - 1)
#define CHECK_FETCH_OPTS(fx, seq, items, uid, opts, want)                                          \
	check_fetch(fx, seq, items, uid, opts, want, sizeof(want) - 1)

/* -------------------------------------------------------- item lists */

START_TEST(items_macros)
{
	struct parsed ps;
	static const enum imap_fetch_item_kind full[] = {IMAP_FETCH_FLAGS, IMAP_FETCH_INTERNALDATE,
	                                                 IMAP_FETCH_RFC822_SIZE,
	                                                 IMAP_FETCH_ENVELOPE, IMAP_FETCH_BODY};

	/* RFC 3501 §6.4.5: FULL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY) */
	parse_items(&ps, "full", false);
	ck_assert_int_eq(ps.r, 0);
	ck_assert_uint_eq(ps.plan.nitems, 5);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_int_eq(ps.plan.items[i].kind, full[i]);
	ck_assert(!ps.plan.set_seen && !ps.plan.need_body && ps.plan.need_summary);
	parsed_free(&ps);

	parse_items(&ps, "FAST", false);
	ck_assert_int_eq(ps.r, 0);
	ck_assert_uint_eq(ps.plan.nitems, 3);
	ck_assert(!ps.plan.need_summary && ps.plan.has_flags);
	parsed_free(&ps);

	parse_items(&ps, "ALL", true);
	ck_assert_int_eq(ps.r, 0);
	ck_assert_uint_eq(ps.plan.nitems, 5); /* UID first, then the four */
	ck_assert_int_eq(ps.plan.items[0].kind, IMAP_FETCH_UID);
	ck_assert_int_eq(ps.plan.items[4].kind, IMAP_FETCH_ENVELOPE);
	parsed_free(&ps);
}
END_TEST

START_TEST(items_lists)
{
	struct parsed ps;

	/* UID FETCH: UID once, first (RFC 3501 §6.4.8) */
	parse_items(&ps, "(FLAGS uid BODY.PEEK[HEADER] UID)", true);
	ck_assert_int_eq(ps.r, 0);
	ck_assert_uint_eq(ps.plan.nitems, 3);
	ck_assert_int_eq(ps.plan.items[0].kind, IMAP_FETCH_UID);
	ck_assert_int_eq(ps.plan.items[1].kind, IMAP_FETCH_FLAGS);
	ck_assert_int_eq(ps.plan.items[2].kind, IMAP_FETCH_SECTION);
	ck_assert(ps.plan.items[2].sec.peek && !ps.plan.set_seen && ps.plan.need_body);
	parsed_free(&ps);

	/* non-PEEK body access sets \Seen; BINARY.SIZE reads no body */
	static const struct {
		const char *items;
		bool seen, body;
	} seen[] = {
	    {"BODY[]", true, true},
	    {"BODY.PEEK[]", false, true},
	    {"RFC822", true, true},
	    {"RFC822.TEXT", true, true},
	    {"RFC822.HEADER", false, true},
	    {"BINARY[1]", true, true},
	    {"BINARY.PEEK[1]", false, true},
	    {"BINARY.SIZE[1]", false, false},
	    {"(ENVELOPE BODY)", false, false},
	    {"(MODSEQ SAVEDATE)", false, false},
	};
	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++) {
		parse_items(&ps, seen[i].items, false);
		ck_assert_int_eq(ps.r, 0);
		ck_assert_msg(ps.plan.set_seen == seen[i].seen, "%s", seen[i].items);
		ck_assert_msg(ps.plan.need_body == seen[i].body, "%s", seen[i].items);
		parsed_free(&ps);
	}
	parse_items(&ps, "(MODSEQ)", false);
	ck_assert(ps.plan.has_modseq);
	parsed_free(&ps);
}
END_TEST

START_TEST(items_errors)
{
	static const struct {
		const char *items, *error;
	} bad[] = {
	    {"()", "empty FETCH item list"},
	    {"(FLAGS ALL)", "unknown FETCH item"}, /* macros stand alone */
	    {"BODY.PEEK", "unknown FETCH item"},
	    {"BINARY", "unknown FETCH item"},
	    {"RFC822.SIZ", "unknown FETCH item"},
	    {"(FLAGS \"UID\")", "FETCH item must be an atom"},
	    {"(FLAGS (UID))", "FETCH item must be an atom"},
	    {"BINARY.SIZE[1]<0.5>", "invalid section in FETCH attribute"},
	    {"BINARY[1.MIME]", "invalid section in FETCH attribute"},
	    {"BODY[1.2.TEXT]<5.0>", "invalid section in FETCH attribute"},
	    {"BODY[MIME]", "invalid section in FETCH attribute"},
	};
	struct parsed ps;
	char many[2048] = "(";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_items(&ps, bad[i].items, false);
		ck_assert_msg(ps.r == -1, "%s accepted", bad[i].items);
		ck_assert_str_eq(ps.error, bad[i].error);
		parsed_free(&ps);
	}
	for (unsigned i = 0; i < IMAP_FETCH_ITEMS_MAX + 1; i++)
		strcat(many, i ? " FLAGS" : "FLAGS");
	strcat(many, ")");
	parse_items(&ps, many, false);
	ck_assert_int_eq(ps.r, -1);
	ck_assert_str_eq(ps.error, "too many FETCH items");
	parsed_free(&ps);
}
END_TEST

/* -------------------------------------------------------- simple items */

START_TEST(simple_items)
{
	struct fx fx;

	fx_load(&fx, "simple.eml");
	/* RFC 3501 §7.4.2 example: "* 23 FETCH (FLAGS (\Seen) RFC822.SIZE 44827)" */
	fx.sm.flags = MSG_SEEN;
	fx.sm.size = 44827;
	CHECK_FETCH(&fx, 23, "(FLAGS RFC822.SIZE)",
	            "* 23 FETCH (FLAGS (\\Seen) RFC822.SIZE 44827)\r\n");
	/* every system flag in Dovecot's order, keywords by index (unknown
	 * index 2 left out) */
	fx.sm.flags = MSG_SEEN | MSG_ANSWERED | MSG_FLAGGED | MSG_DELETED | MSG_DRAFT;
	fx.sm.keywords = 0xfu | (1ull << 63);
	CHECK_FETCH(&fx, 1, "FLAGS",
	            "* 1 FETCH (FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded "
	            "Urgent $MDNSent))\r\n");
	fx.sm.flags = 0;
	fx.sm.keywords = 2;
	CHECK_FETCH(&fx, 1, "FLAGS", "* 1 FETCH (FLAGS (Urgent))\r\n");
	fx.sm.keywords = 0;
	CHECK_FETCH(&fx, 1, "FLAGS", "* 1 FETCH (FLAGS ())\r\n");
	/* RFC 7162 §3.1.4.1, RFC 8514 §4.3 */
	fx.sm.uid = 4000000000u;
	fx.sm.modseq = 18446744073709551615ull;
	fx.sm.save_date = 0;
	CHECK_FETCH(&fx, 7, "(UID MODSEQ SAVEDATE)",
	            "* 7 FETCH (UID 4000000000 MODSEQ (18446744073709551615) SAVEDATE NIL)\r\n");
	fx.sm.save_date = 951782400; /* 2000-02-29 00:00:00 UTC */
	CHECK_FETCH(&fx, 7, "SAVEDATE", "* 7 FETCH (SAVEDATE \"29-Feb-2000 00:00:00 +0000\")\r\n");
	CHECK_FETCH(&fx, 7, "INTERNALDATE",
	            "* 7 FETCH (INTERNALDATE \"01-Dec-2026 09:59:58 +0000\")\r\n");
	fx_free(&fx);
}
END_TEST

START_TEST(internaldate_zones)
{
	struct buf b;

	buf_init(&b, 0);
	/* RFC 3501 §9 date-time: "17-Jul-1996 02:44:25 -0700" */
	ck_assert_int_eq(imap_fetch_datetime(837596665, -7 * 60, &b), 0);
	ck_assert_str_eq((buf_cstr(&b), (char *)b.data), "17-Jul-1996 02:44:25 -0700");
	buf_reset(&b);
	imap_fetch_datetime(837596665, 5 * 60 + 30, &b);
	ck_assert_str_eq((buf_cstr(&b), (char *)b.data), "17-Jul-1996 15:14:25 +0530");
	buf_reset(&b);
	imap_fetch_datetime(0, 0, &b);
	ck_assert_str_eq((buf_cstr(&b), (char *)b.data), "01-Jan-1970 00:00:00 +0000");
	/* beyond year 9999: clamped to the epoch, never a 5-digit year */
	buf_reset(&b);
	imap_fetch_datetime(INT64_MAX, 0, &b);
	ck_assert_str_eq((buf_cstr(&b), (char *)b.data), "01-Jan-1970 00:00:00 +0000");
	buf_free(&b);
}
END_TEST

START_TEST(added_flags_and_modseq)
{
	struct fx fx;

	fx_load(&fx, "simple.eml");
	fx.sm.flags = MSG_SEEN;
	fx.sm.modseq = 42;
	/* \Seen just set (RFC 3501 §6.4.5) and CONDSTORE on (RFC 7162
	 * §3.1.4.1): FLAGS and MODSEQ follow the items asked for */
	CHECK_FETCH_OPTS(&fx, 3, "UID", true, IMAP_FETCH_OPT_FLAGS | IMAP_FETCH_OPT_MODSEQ,
	                 "* 3 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (42))\r\n");
	/* not twice when asked */
	CHECK_FETCH_OPTS(&fx, 3, "(MODSEQ FLAGS)", false,
	                 IMAP_FETCH_OPT_FLAGS | IMAP_FETCH_OPT_MODSEQ,
	                 "* 3 FETCH (MODSEQ (42) FLAGS (\\Seen))\r\n");
	fx_free(&fx);
}
END_TEST

/* ------------------------------------------------------------ sections */

/* The fixture's part 1 is QP with a NUL (=00), 2 base64 with NULs, 3
 * base64 text, 4 an unknown encoding, 5 a message/rfc822 holding a
 * multipart/alternative. */
START_TEST(binary_parts)
{
	struct fx fx;

	fx_load(&fx, "binfix.eml");
	/* RFC 3516 §4.3: literal8 when the decoded data holds a NUL; QP soft
	 * line break removed, trailing blanks dropped (RFC 2045 §6.7) */
	CHECK_FETCH(&fx, 1, "(BINARY.SIZE[1] BINARY.PEEK[1])",
	            "* 1 FETCH (BINARY.SIZE[1] 53 BINARY[1] ~{53}\r\n"
	            "Caf\xe9 cr\xe8me, a soft break and a NUL \0 here.\r\nLast line)\r\n");
	CHECK_FETCH(&fx, 1, "(BINARY[2] BINARY.SIZE[2])",
	            "* 1 FETCH (BINARY[2] ~{16}\r\n"
	            "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
	            " BINARY.SIZE[2] 16)\r\n");
	/* no NUL: a plain literal */
	CHECK_FETCH(&fx, 1, "BINARY[3]", "* 1 FETCH (BINARY[3] {15}\r\nHello, world!\r\n)\r\n");
	/* partial BINARY counts in decoded octets */
	CHECK_FETCH(&fx, 1, "BINARY[2]<14.10>", "* 1 FETCH (BINARY[2]<14> {2}\r\n\x0e\x0f)\r\n");
	CHECK_FETCH(&fx, 1, "BINARY[1]<35.3>", "* 1 FETCH (BINARY[1]<35> ~{3}\r\n\0 h)\r\n");
	CHECK_FETCH(&fx, 1, "BINARY[1]<36.3>", "* 1 FETCH (BINARY[1]<36> {3}\r\n he)\r\n");
	CHECK_FETCH(&fx, 1, "BINARY[3]<15.1>", "* 1 FETCH (BINARY[3]<15> {0}\r\n)\r\n");
	/* nested message: base64 leaf inside */
	CHECK_FETCH(&fx, 1, "(BINARY[5.2] BINARY.SIZE[5.2] BINARY[5.1])",
	            "* 1 FETCH (BINARY[5.2] {12}\r\n<b>inner</b> BINARY.SIZE[5.2] 12 "
	            "BINARY[5.1] {11}\r\ninner plain)\r\n");
	/* absent part: empty, size 0 */
	CHECK_FETCH(&fx, 1, "(BINARY[6] BINARY.SIZE[6] BINARY[1.1])",
	            "* 1 FETCH (BINARY[6] {0}\r\n BINARY.SIZE[6] 0 BINARY[1.1] {0}\r\n)\r\n");
	fx_free(&fx);
}
END_TEST

START_TEST(binary_unknown_cte)
{
	struct fx fx;
	struct parsed ps;
	struct buf out;
	enum imap_fetch_err err;
	static const char *const items[] = {"BINARY[4]", "BINARY.SIZE[4]",
	                                    "(UID BINARY.PEEK[4]<0.1>)", "(BINARY[1] BINARY[4])"};

	fx_load(&fx, "binfix.eml");
	buf_init(&out, 0);
	/* RFC 3516 §4.3: NO [UNKNOWN-CTE], decided before anything is sent */
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		parse_items(&ps, items[i], false);
		ck_assert_int_eq(ps.r, 0);
		buf_append_str(&out, "kept");
		ck_assert_int_eq(render_all(&fx, &ps.plan, 1, 0, 0, &out, &err), -1);
		ck_assert_int_eq(err, IMAP_FETCH_E_UNKNOWN_CTE);
		parsed_free(&ps);
	}
	/* BODY of the same part is fine */
	CHECK_FETCH(&fx, 1, "BODY.PEEK[4]", "* 1 FETCH (BODY[4] {18}\r\nbegin 644 foo\r\nend)\r\n");
	buf_free(&out);
	fx_free(&fx);
}
END_TEST

START_TEST(nested_message_sections)
{
	struct fx fx;

	fx_load(&fx, "binfix.eml");
	/* RFC 3501 §6.4.5: HEADER, TEXT, HEADER.FIELDS of a message/rfc822
	 * part; folded lines kept; the blank line at the end */
	CHECK_FETCH(&fx, 2, "BODY.PEEK[5.HEADER.FIELDS (x-folded SUBJECT)]",
	            "* 2 FETCH (BODY[5.HEADER.FIELDS (X-FOLDED SUBJECT)] {35}\r\n"
	            "Subject: inner\r\nX-Folded: a\r\n\tb\r\n\r\n)\r\n");
	CHECK_FETCH(&fx, 2, "BODY.PEEK[5.HEADER.FIELDS.NOT (Content-Type From)]",
	            "* 2 FETCH (BODY[5.HEADER.FIELDS.NOT (CONTENT-TYPE FROM)] {35}\r\n"
	            "Subject: inner\r\nX-Folded: a\r\n\tb\r\n\r\n)\r\n");
	CHECK_FETCH(&fx, 2, "BODY.PEEK[5.MIME]",
	            "* 2 FETCH (BODY[5.MIME] {32}\r\nContent-Type: message/rfc822\r\n\r\n)\r\n");
	CHECK_FETCH(&fx, 2, "BODY.PEEK[5.1]", "* 2 FETCH (BODY[5.1] {11}\r\ninner plain)\r\n");
	CHECK_FETCH(&fx, 2, "BODY.PEEK[5.2.MIME]",
	            "* 2 FETCH (BODY[5.2.MIME] {62}\r\nContent-Type: text/html\r\n"
	            "Content-Transfer-Encoding: base64\r\n\r\n)\r\n");
	CHECK_FETCH(&fx, 2, "BODY.PEEK[5.TEXT]<0.6>",
	            "* 2 FETCH (BODY[5.TEXT]<0> {6}\r\n--b2\r\n)\r\n");
	/* HEADER and TEXT of a part that is not a message: empty (Dovecot too) */
	CHECK_FETCH(&fx, 2, "(BODY.PEEK[1.HEADER] BODY.PEEK[5.1.TEXT])",
	            "* 2 FETCH (BODY[1.HEADER] {0}\r\n BODY[5.1.TEXT] {0}\r\n)\r\n");
	/* the top-level header, folded field kept */
	CHECK_FETCH(&fx, 2, "BODY.PEEK[HEADER.FIELDS (X-LONG \"To\")]",
	            "* 2 FETCH (BODY[HEADER.FIELDS (X-LONG TO)] {60}\r\n"
	            "To: bob@hop.example\r\nX-Long: first line\r\n continued here\r\n\r\n)\r\n");
	/* RFC822.* are BODY[], BODY.PEEK[HEADER], BODY[TEXT] under old names */
	CHECK_FETCH(
	    &fx, 2, "RFC822.HEADER",
	    "* 2 FETCH (RFC822.HEADER {250}\r\n"
	    "From: Alice <alice@cab.example>\r\nTo: bob@hop.example\r\n"
	    "Subject: binary parts\r\nX-Long: first line\r\n continued here\r\n"
	    "Date: Fri, 4 Dec 2026 10:00:00 +0100\r\nMessage-ID: <bin@cab.example>\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n)\r\n");
	fx_free(&fx);
}
END_TEST

START_TEST(header_fields_missing)
{
	struct fx fx;

	fx_load(&fx, "simple.eml");
	/* no such field: only the blank line (Dovecot agrees) */
	CHECK_FETCH(&fx, 1, "BODY.PEEK[HEADER.FIELDS (X-None Y-None)]",
	            "* 1 FETCH (BODY[HEADER.FIELDS (X-NONE Y-NONE)] {2}\r\n\r\n)\r\n");
	/* some there, some not; order is the message's; folded Subject kept */
	CHECK_FETCH(&fx, 1, "BODY.PEEK[HEADER.FIELDS (subject X-None date)]",
	            "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT X-NONE DATE)] {87}\r\n"
	            "Date: Tue, 1 Dec 2026 09:59:58 +0100 (CET)\r\n"
	            "Subject: Compte rendu\r\n de consultation\r\n\r\n)\r\n");
	/* RFC 3501 §6.4.5 example shape: HEADER.FIELDS (DATE FROM) */
	CHECK_FETCH(&fx, 2, "(FLAGS BODY[HEADER.FIELDS (DATE FROM)])",
	            "* 2 FETCH (FLAGS () BODY[HEADER.FIELDS (DATE FROM)] {86}\r\n"
	            "Date: Tue, 1 Dec 2026 09:59:58 +0100 (CET)\r\n"
	            "From: Alice Martin <alice@cab.example>\r\n\r\n)\r\n");
	/* partial of a filtered header */
	CHECK_FETCH(&fx, 1, "BODY.PEEK[HEADER.FIELDS (From)]<6.5>",
	            "* 1 FETCH (BODY[HEADER.FIELDS (FROM)]<6> {5}\r\nAlice)\r\n");
	fx_free(&fx);
}
END_TEST

/* Partial ranges against slicing by hand (RFC 3501 §6.4.5: an origin past
 * the end gives an empty string; a length past the end is cut). */
START_TEST(partial_boundaries)
{
	struct fx fx;
	struct buf want;
	char items[128];

	fx_load(&fx, "simple.eml");
	const uint64_t L = fx.len;
	const uint64_t offs[] = {0, 1, 100, L - 1, L, L + 1, 10000, 9223372036854775807ull};
	const uint64_t lens[] = {1, 2, L - 1, L, L + 1, 9223372036854775807ull};

	buf_init(&want, 0);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			uint64_t o = offs[i] < fx.len ? offs[i] : fx.len;
			uint64_t n = fx.len - o < lens[j] ? fx.len - o : lens[j];
			snprintf(items, sizeof(items), "BODY.PEEK[]<%llu.%llu>",
			         (unsigned long long)offs[i], (unsigned long long)lens[j]);
			buf_reset(&want);
			buf_printf(&want, "* 1 FETCH (BODY[]<%llu> {%llu}\r\n",
			           (unsigned long long)offs[i], (unsigned long long)n);
			buf_append(&want, fx.msg + o, (size_t)n);
			buf_append_str(&want, ")\r\n");
			check_fetch(&fx, 1, items, false, 0, (const char *)want.data, want.len);
		}
	}
	buf_free(&want);
	fx_free(&fx);
}
END_TEST

/* NUL in BODY literals goes out as 0x80 (RFC 3501 §4.3; Dovecot agrees);
 * BINARY gives the NUL in a literal8. */
START_TEST(nul_bytes)
{
	struct fx fx;

	fx_load(&fx, "nul.eml");
	CHECK_FETCH(&fx, 1, "BODY.PEEK[TEXT]",
	            "* 1 FETCH (BODY[TEXT] {15}\r\nbody\x80with nul\r\n)\r\n");
	CHECK_FETCH(&fx, 1, "BINARY.PEEK[1]",
	            "* 1 FETCH (BINARY[1] ~{15}\r\nbody\0with nul\r\n)\r\n");
	CHECK_FETCH(&fx, 1, "BINARY.PEEK[1]<5.4>", "* 1 FETCH (BINARY[1]<5> {4}\r\nwith)\r\n");
	fx_free(&fx);
}
END_TEST

/* ----------------------------------------------------- large / streaming */

/* A message with a long QP part and a long base64 part whose pieces fall
 * on every kind of cut: overlong lines, escapes and blanks at chunk ends,
 * junk characters, "=" padding followed by garbage. */
static void make_big(struct buf *m, size_t qp_len, size_t b64_len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	buf_append_str(m, "Subject: big\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
	                  "--zz\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
	for (size_t i = 0; i < qp_len;) {
		unsigned k = rnd() % 16;
		const char *piece = k < 6    ? "abc"
		                    : k < 8  ? "=3D"
		                    : k < 9  ? "=00"
		                    : k < 10 ? "  \t"
		                    : k < 11 ? "=\r\n"
		                    : k < 12 ? "\r\n"
		                    : k < 13 ? "=4"
		                    : k < 14 ? "x"
		                    : k < 15 ? "= "
		                             : "\r";
		if (i > qp_len / 2 && i < qp_len / 2 + 200000 && (k == 10 || k == 11))
			piece = "yz"; /* an overlong line without breaks */
		buf_append_str(m, piece);
		i += strlen(piece);
	}
	buf_append_str(m, "\r\n--zz\r\nContent-Type: application/octet-stream\r\n"
	                  "Content-Transfer-Encoding: base64\r\n\r\n");
	for (size_t i = 0; i < b64_len; i++) {
		unsigned k = rnd() % 100;
		buf_append_u8(m, k < 3   ? '\n'
		                 : k < 5 ? '\r'
		                 : k < 6 ? '*'
		                         : (uint8_t)b64[rnd() % 64]);
	}
	buf_append_str(m, "==garbage after padding QUJD\r\n--zz--\r\n");
}

static void check_binary_part(struct fx *fx, const char *path)
{
	struct msgsum_part p;
	struct buf dec, want;
	char items[64];

	ck_assert_int_eq(msgsum_section_part(&fx->v, path, strlen(path), &p), 1);
	buf_init(&dec, 0);
	buf_init(&want, 0);
	mime_decode(p.cte, (struct slice){fx->msg + p.body_off, (size_t)p.body_len}, &dec);
	ck_assert_uint_eq(dec.len, p.decoded_size); /* BINARY.SIZE agrees */
	buf_printf(&want, "* 1 FETCH (BINARY[%s] %s{%zu}\r\n", path,
	           memchr(dec.data, 0, dec.len) != NULL ? "~" : "", dec.len);
	buf_append(&want, dec.data, dec.len);
	buf_printf(&want, " BINARY.SIZE[%s] %zu)\r\n", path, dec.len);
	snprintf(items, sizeof(items), "(BINARY[%s] BINARY.SIZE[%s])", path, path);
	check_fetch(fx, 1, items, false, 0, (const char *)want.data, want.len);
	buf_free(&dec);
	buf_free(&want);
}

START_TEST(binary_streaming_decode)
{
	struct buf m;
	struct fx fx;

	rnd_state = 7u + (unsigned)_i;
	buf_init(&m, 0);
	make_big(&m, 300000 + (size_t)_i * 7919, 200000 + (size_t)_i * 104729);
	fx_from(&fx, m.data, m.len);
	check_binary_part(&fx, "1");
	check_binary_part(&fx, "2");
	fx_free(&fx);
	buf_free(&m);
}
END_TEST

/* A 6 MiB body goes out in bounded chunks; the source is never asked for
 * more than IMAP_FETCH_READ_CHUNK at once, so nothing holds the message. */
START_TEST(streaming_large_body)
{
	const size_t size = 6 * 1024 * 1024;
	struct buf m, out, one;
	struct fx fx;
	struct parsed ps;
	struct imap_fetch_msg fm;
	const char *hdr = "Subject: big\r\n\r\n";
	enum imap_fetch_err err;
	const char *error;

	buf_init(&m, 0);
	buf_append_str(&m, hdr);
	for (size_t i = m.len; i < size; i++)
		buf_append_u8(&m, (uint8_t)(i % 73 == 72 ? '\n' : 'a' + i % 26));
	fx_from(&fx, m.data, m.len);
	fm = fx_msg(&fx);
	parse_items(&ps, "(UID BODY.PEEK[] RFC822.SIZE)", false);
	buf_init(&out, 0);
	buf_init(&one, 0);
	ck_assert_int_eq(render_chunked(&ps.plan, 9, &fm, 0, 16384, &out), 0);
	ck_assert_uint_le(fx.max_asked, IMAP_FETCH_READ_CHUNK);
	ck_assert_int_eq(imap_fetch_render(&ps.plan, 9, &fm, 0, 0, &one, &err, &error), 0);
	ck_bytes(buf_slice(&out), (const char *)one.data, one.len, "6 MiB");
	ck_assert(memcmp(out.data, "* 9 FETCH (UID 1 BODY[] {6291456}\r\nSubject: big", 47) == 0);
	ck_assert(memcmp(out.data + out.len - 23, " RFC822.SIZE 6291456)\r\n", 23) == 0);
	buf_free(&out);
	buf_free(&one);
	parsed_free(&ps);
	fx_free(&fx);
	buf_free(&m);
}
END_TEST

START_TEST(errors)
{
	struct fx fx;
	struct parsed ps;
	struct buf out;
	struct imap_fetch_render r;
	struct imap_fetch_msg fm;
	enum imap_fetch_err err;
	const char *error;
	int k;

	fx_load(&fx, "simple.eml");
	buf_init(&out, 0);
	/* the source fails: -1 in the middle of the response */
	parse_items(&ps, "(UID BODY.PEEK[TEXT])", false);
	fx.fail_reads = true;
	fm = fx_msg(&fx);
	ck_assert_int_eq(imap_fetch_render_begin(&r, &ps.plan, 1, &fm, 0, 0, &err, &error), 0);
	while ((k = imap_fetch_next_chunk(&r, &out, 5, &error)) == 1)
		;
	ck_assert_int_eq(k, -1);
	ck_assert_str_eq(error, "message could not be read");
	imap_fetch_render_free(&r);
	/* one-shot: out unchanged */
	buf_reset(&out);
	ck_assert_int_eq(imap_fetch_render(&ps.plan, 1, &fm, 0, 0, &out, &err, &error), -1);
	ck_assert_int_eq(err, IMAP_FETCH_E_READ);
	ck_assert_uint_eq(out.len, 0);
	/* a message shorter than its summary says */
	fx.fail_reads = false;
	fx.len = 100;
	fm = fx_msg(&fx);
	ck_assert_int_eq(imap_fetch_render(&ps.plan, 1, &fm, 0, 0, &out, &err, &error), -1);
	ck_assert_int_eq(err, IMAP_FETCH_E_READ);
	parsed_free(&ps);
	/* no summary */
	parse_items(&ps, "ENVELOPE", false);
	fm.sum = NULL;
	ck_assert_int_eq(imap_fetch_render(&ps.plan, 1, &fm, 0, 0, &out, &err, &error), -1);
	ck_assert_int_eq(err, IMAP_FETCH_E_NOSUM);
	parsed_free(&ps);
	/* FLAGS and UID need neither summary nor body */
	parse_items(&ps, "(UID FLAGS)", false);
	fm.read = NULL;
	ck_assert_int_eq(imap_fetch_render(&ps.plan, 1, &fm, 0, 0, &out, &err, &error), 0);
	parsed_free(&ps);
	buf_free(&out);
	fx_free(&fx);
}
END_TEST

/* Every item at once on every corpus file (barelf and empty included):
 * one-shot and chunked agree, and the response is framed. */
START_TEST(corpus_every_item)
{
	static const char *const files[] = {
	    "8bit-headers.eml", "barelf.eml",      "deep.eml",
	    "digest.eml",       "empty.eml",       "encoded.eml",
	    "groups.eml",       "header-only.eml", "missing-boundary.eml",
	    "nested.eml",       "no-colon.eml",    "nul.eml",
	    "preamble.eml",     "rfc2231.eml",     "rfc822.eml",
	    "simple.eml",       "smime.eml"};
	static const char items[] =
	    "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE RFC822 RFC822.HEADER "
	    "RFC822.TEXT MODSEQ SAVEDATE BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
	    "BODY.PEEK[1] "
	    "BODY.PEEK[1.MIME] BODY.PEEK[1.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[2.1.MIME] "
	    "BODY.PEEK[HEADER.FIELDS (From To Subject)]<2.30> BODY.PEEK[2.HEADER.FIELDS.NOT (To)] "
	    "BINARY.PEEK[] BINARY.PEEK[1] BINARY.PEEK[2]<1.4> BINARY.SIZE[1] BINARY.SIZE[2] "
	    "BINARY.PEEK[1.1] BINARY.SIZE[1.2])";
	struct fx fx;
	struct parsed ps;
	struct buf out;
	enum imap_fetch_err err;

	fx_load(&fx, files[_i]);
	parse_items(&ps, items, true);
	ck_assert_int_eq(ps.r, 0);
	buf_init(&out, 0);
	ck_assert_int_eq(render_all(&fx, &ps.plan, 5, IMAP_FETCH_OPT_FLAGS, 0, &out, &err), 0);
	ck_assert(memcmp(out.data, "* 5 FETCH (UID 1 FLAGS (", 24) == 0);
	ck_assert(memcmp(out.data + out.len - 3, ")\r\n", 3) == 0);
	buf_free(&out);
	parsed_free(&ps);
	fx_free(&fx);
}
END_TEST

/* ------------------------------------------------- the Dovecot table */

struct dovecot_case {
	const char *file;
	uint32_t seq; /* UID in Dovecot's mailbox: seq + 17 */
	const char *items;
	const char *want;
	size_t want_len;
};
#define W(s) s, sizeof(s) - 1

static const struct dovecot_case dovecot_same[];
static const size_t dovecot_same_count;

START_TEST(dovecot_table)
{
	/* one test for all rows: a fork per row is slow under ASan */
	for (size_t i = 0; i < dovecot_same_count; i++) {
		const struct dovecot_case *c = &dovecot_same[i];
		struct fx fx;

		fx_load(&fx, c->file);
		fx.sm.uid = c->seq + 17;
		ck_context = c->file;
		check_fetch(&fx, c->seq, c->items, false, 0, c->want, c->want_len);
		ck_context = "";
		fx_free(&fx);
	}
}
END_TEST

static Suite *imap_fetch_suite(void)
{
	Suite *s = suite_create("imap_fetch");
	TCase *tc = tcase_create("items");

	tcase_add_test(tc, items_macros);
	tcase_add_test(tc, items_lists);
	tcase_add_test(tc, items_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_test(tc, simple_items);
	tcase_add_test(tc, internaldate_zones);
	tcase_add_test(tc, added_flags_and_modseq);
	tcase_add_test(tc, binary_parts);
	tcase_add_test(tc, binary_unknown_cte);
	tcase_add_test(tc, nested_message_sections);
	tcase_add_test(tc, header_fields_missing);
	tcase_add_test(tc, partial_boundaries);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, errors);
	tcase_add_loop_test(tc, corpus_every_item, 0, 17);
	tcase_add_test(tc, dovecot_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("stream");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, binary_streaming_decode, 0, 3);
	tcase_add_test(tc, streaming_large_body);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(imap_fetch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Answers identical to Dovecot 2.3.19's (see the top), generated from the
 * comparison run. */
static const struct dovecot_case dovecot_same[] = {
    {"8bit-headers.eml", 1, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 1 FETCH (UID 18 RFC822.SIZE 232 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 1 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {77}\r\nFrom: \xc3\x89mile "
       "Zola <emile@cab.example>\r\nSubject: Prescription r\xc3\xa9\xc3\xa9valu\xc3\xa9"
       "e\r\n\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 1 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[]<0.10>",
     W("* 1 FETCH (BODY[]<0> {10}\r\nFrom: \xc3\x89mi)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[TEXT]<3.5>",
     W("* 1 FETCH (BODY[TEXT]<3> {4}\r\n\xc3\xa9\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[]<100000.5>", W("* 1 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[9]", W("* 1 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[1.9.9]", W("* 1 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BINARY.PEEK[9]", W("* 1 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "(UID BODY.PEEK[1]<1.3>)",
     W("* 1 FETCH (UID 18 BODY[1]<1> {3}\r\n\x89t\xc3)\r\n")},
    {"8bit-headers.eml", 1, "BINARY.PEEK[1]<2.5>",
     W("* 1 FETCH (BINARY[1]<2> {5}\r\nt\xc3\xa9\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[1]",
     W("* 1 FETCH (BODY[1] {7}\r\n\xc3\x89t\xc3\xa9\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[1.MIME]",
     W("* 1 FETCH (BODY[1.MIME] {225}\r\nFrom: \xc3\x89mile Zola <emile@cab.example>\r\nTo: "
       "H\xc3\xa9l\xc3\xa8ne <helene@hop.example>\r\nSubject: Prescription "
       "r\xc3\xa9\xc3\xa9valu\xc3\xa9"
       "e\r\nDate: Fri, 04 Dec 2026 12:00:00 +0100\r\nContent-Type: text/plain; "
       "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[1.HEADER]", W("* 1 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[1.TEXT]", W("* 1 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 1 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BINARY.PEEK[1]",
     W("* 1 FETCH (BINARY[1] {7}\r\n\xc3\x89t\xc3\xa9\r\n)\r\n")},
    {"8bit-headers.eml", 1, "BINARY.SIZE[1]", W("* 1 FETCH (BINARY.SIZE[1] 7)\r\n")},
    {"deep.eml", 2, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 2 FETCH (UID 19 RFC822.SIZE 2566 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"deep.eml", 2, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 2 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {41}\r\nFrom: "
       "deep@cab.example\r\nSubject: deep\r\n\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 2 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[]<0.10>", W("* 2 FETCH (BODY[]<0> {10}\r\nFrom: deep)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[TEXT]<3.5>", W("* 2 FETCH (BODY[TEXT]<3> {5}\r\n0\r\nCo)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[]<100000.5>", W("* 2 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[9]", W("* 2 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.9.9]", W("* 2 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BINARY.PEEK[9]", W("* 2 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"deep.eml", 2, "(UID BODY.PEEK[1]<1.3>)", W("* 2 FETCH (UID 19 BODY[1]<1> {3}\r\n-b1)\r\n")},
    {"deep.eml", 2, "BINARY.PEEK[1]<2.5>", W("* 2 FETCH (BINARY[1]<2> {5}\r\nb1\r\nC)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.MIME]",
     W("* 2 FETCH (BODY[1.MIME] {46}\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.HEADER]", W("* 2 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.TEXT]", W("* 2 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 2 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.MIME]",
     W("* 2 FETCH (BODY[1.1.MIME] {46}\r\nContent-Type: multipart/mixed; "
       "boundary=b2\r\n\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.HEADER]", W("* 2 FETCH (BODY[1.1.HEADER] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.TEXT]", W("* 2 FETCH (BODY[1.1.TEXT] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.HEADER.FIELDS (Subject)]",
     W("* 2 FETCH (BODY[1.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.MIME]",
     W("* 2 FETCH (BODY[1.1.1.MIME] {46}\r\nContent-Type: multipart/mixed; "
       "boundary=b3\r\n\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.HEADER]", W("* 2 FETCH (BODY[1.1.1.HEADER] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.TEXT]", W("* 2 FETCH (BODY[1.1.1.TEXT] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.HEADER.FIELDS (Subject)]",
     W("* 2 FETCH (BODY[1.1.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.1.MIME]",
     W("* 2 FETCH (BODY[1.1.1.1.MIME] {46}\r\nContent-Type: multipart/mixed; "
       "boundary=b4\r\n\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.1.HEADER]", W("* 2 FETCH (BODY[1.1.1.1.HEADER] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.1.TEXT]", W("* 2 FETCH (BODY[1.1.1.1.TEXT] {0}\r\n)\r\n")},
    {"deep.eml", 2, "BODY.PEEK[1.1.1.1.HEADER.FIELDS (Subject)]",
     W("* 2 FETCH (BODY[1.1.1.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"digest.eml", 3, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 3 FETCH (UID 20 RFC822.SIZE 237 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"digest.eml", 3, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 3 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {45}\r\nFrom: "
       "list@lists.example\r\nSubject: digest\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 3 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[]<0.10>", W("* 3 FETCH (BODY[]<0> {10}\r\nFrom: list)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[TEXT]<3.5>", W("* 3 FETCH (BODY[TEXT]<3> {5}\r\n\r\n\r\nF)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[]<100000.5>", W("* 3 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[9]", W("* 3 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.9.9]", W("* 3 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BINARY.PEEK[9]", W("* 3 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"digest.eml", 3, "(UID BODY.PEEK[1]<1.3>)", W("* 3 FETCH (UID 20 BODY[1]<1> {3}\r\nrom)\r\n")},
    {"digest.eml", 3, "BINARY.PEEK[1]<2.5>", W("* 3 FETCH (BINARY[1]<2> {5}\r\nom: o)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1]",
     W("* 3 FETCH (BODY[1] {46}\r\nFrom: one@lists.example\r\nSubject: first\r\n\r\none)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.MIME]", W("* 3 FETCH (BODY[1.MIME] {2}\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.HEADER]",
     W("* 3 FETCH (BODY[1.HEADER] {43}\r\nFrom: one@lists.example\r\nSubject: first\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.TEXT]", W("* 3 FETCH (BODY[1.TEXT] {3}\r\none)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 3 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: first\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BINARY.PEEK[1]",
     W("* 3 FETCH (BINARY[1] {46}\r\nFrom: one@lists.example\r\nSubject: first\r\n\r\none)\r\n")},
    {"digest.eml", 3, "BINARY.SIZE[1]", W("* 3 FETCH (BINARY.SIZE[1] 46)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.1]", W("* 3 FETCH (BODY[1.1] {3}\r\none)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.1.MIME]",
     W("* 3 FETCH (BODY[1.1.MIME] {43}\r\nFrom: one@lists.example\r\nSubject: first\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.1.HEADER]", W("* 3 FETCH (BODY[1.1.HEADER] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.1.TEXT]", W("* 3 FETCH (BODY[1.1.TEXT] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[1.1.HEADER.FIELDS (Subject)]",
     W("* 3 FETCH (BODY[1.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BINARY.PEEK[1.1]", W("* 3 FETCH (BINARY[1.1] {3}\r\none)\r\n")},
    {"digest.eml", 3, "BINARY.SIZE[1.1]", W("* 3 FETCH (BINARY.SIZE[1.1] 3)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2]",
     W("* 3 FETCH (BODY[2] {47}\r\nFrom: two@lists.example\r\nSubject: second\r\n\r\ntwo)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.MIME]",
     W("* 3 FETCH (BODY[2.MIME] {32}\r\nContent-Type: message/rfc822\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.HEADER]",
     W("* 3 FETCH (BODY[2.HEADER] {44}\r\nFrom: two@lists.example\r\nSubject: "
       "second\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.TEXT]", W("* 3 FETCH (BODY[2.TEXT] {3}\r\ntwo)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 3 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: second\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BINARY.PEEK[2]",
     W("* 3 FETCH (BINARY[2] {47}\r\nFrom: two@lists.example\r\nSubject: second\r\n\r\ntwo)\r\n")},
    {"digest.eml", 3, "BINARY.SIZE[2]", W("* 3 FETCH (BINARY.SIZE[2] 47)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.1]", W("* 3 FETCH (BODY[2.1] {3}\r\ntwo)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.1.MIME]",
     W("* 3 FETCH (BODY[2.1.MIME] {44}\r\nFrom: two@lists.example\r\nSubject: "
       "second\r\n\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.1.HEADER]", W("* 3 FETCH (BODY[2.1.HEADER] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.1.TEXT]", W("* 3 FETCH (BODY[2.1.TEXT] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BODY.PEEK[2.1.HEADER.FIELDS (Subject)]",
     W("* 3 FETCH (BODY[2.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"digest.eml", 3, "BINARY.PEEK[2.1]", W("* 3 FETCH (BINARY[2.1] {3}\r\ntwo)\r\n")},
    {"digest.eml", 3, "BINARY.SIZE[2.1]", W("* 3 FETCH (BINARY.SIZE[2.1] 3)\r\n")},
    {"encoded.eml", 4, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 4 FETCH (UID 21 RFC822.SIZE 395 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 4 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {152}\r\nFrom: "
       "=?ISO-8859-1?Q?Fran=E7ois_Lef=E8vre?= <francois@cab.example>\r\nSubject: "
       "=?utf-8?q?R=C3=A9sultats?= =?utf-8?q?_d=27analyse?= =?x-unknown?q?abc?=\r\n\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 4 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[]<0.10>", W("* 4 FETCH (BODY[]<0> {10}\r\nFrom: =?IS)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[TEXT]<3.5>", W("* 4 FETCH (BODY[TEXT]<3> {5}\r\nn\xe7ois)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[]<100000.5>", W("* 4 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[9]", W("* 4 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[1.9.9]", W("* 4 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"encoded.eml", 4, "BINARY.PEEK[9]", W("* 4 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"encoded.eml", 4, "(UID BODY.PEEK[1]<1.3>)",
     W("* 4 FETCH (UID 21 BODY[1]<1> {3}\r\nran)\r\n")},
    {"encoded.eml", 4, "BINARY.PEEK[1]<2.5>", W("* 4 FETCH (BINARY[1]<2> {5}\r\nan\xe7oi)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[1]", W("* 4 FETCH (BODY[1] {10}\r\nFran\xe7ois\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[1.MIME]",
     W("* 4 FETCH (BODY[1.MIME] {385}\r\nFrom: =?ISO-8859-1?Q?Fran=E7ois_Lef=E8vre?= "
       "<francois@cab.example>\r\nTo: =?utf-8?B?w4lsb2TDrWU=?= <elodie@hop.example>, "
       "\"=?utf-8?q?Z=C3=B6e?=\" <zoe@hop.example>\r\nSubject: =?utf-8?q?R=C3=A9sultats?= "
       "=?utf-8?q?_d=27analyse?= =?x-unknown?q?abc?=\r\nDate: 4 Dec 2026 11:00 "
       "+0100\r\nMessage-ID: <enc@cab.example>\r\nContent-Type: text/plain; "
       "charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[1.HEADER]", W("* 4 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[1.TEXT]", W("* 4 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"encoded.eml", 4, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 4 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"encoded.eml", 4, "BINARY.PEEK[1]", W("* 4 FETCH (BINARY[1] {10}\r\nFran\xe7ois\r\n)\r\n")},
    {"encoded.eml", 4, "BINARY.SIZE[1]", W("* 4 FETCH (BINARY.SIZE[1] 10)\r\n")},
    {"groups.eml", 5, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 5 FETCH (UID 22 RFC822.SIZE 293 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"groups.eml", 5, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 5 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {62}\r\nFrom: Alice "
       "<alice@cab.example> (Cabinet)\r\nSubject: groups\r\n\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 5 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[]<0.10>", W("* 5 FETCH (BODY[]<0> {10}\r\nFrom: Alic)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[TEXT]<3.5>", W("* 5 FETCH (BODY[TEXT]<3> {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[]<100000.5>", W("* 5 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[9]", W("* 5 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[1.9.9]", W("* 5 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BINARY.PEEK[9]", W("* 5 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"groups.eml", 5, "(UID BODY.PEEK[1]<1.3>)", W("* 5 FETCH (UID 22 BODY[1]<1> {0}\r\n)\r\n")},
    {"groups.eml", 5, "BINARY.PEEK[1]<2.5>", W("* 5 FETCH (BINARY[1]<2> {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[1]", W("* 5 FETCH (BODY[1] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[1.MIME]",
     W("* 5 FETCH (BODY[1.MIME] {293}\r\nFrom: Alice <alice@cab.example> (Cabinet)\r\nTo: Equipe: "
       "bob@hop.example, \"Carol C.\" <carol@hop.example>;, undisclosed-recipients:;\r\nCc: "
       "<@relay1.example,@relay2.example:dan@far.example>, eve@far.example (Eve E), \"quoted "
       "local\"@far.example\r\nBcc:\r\nReply-To: support@cab.example\r\nSubject: groups\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[1.HEADER]", W("* 5 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[1.TEXT]", W("* 5 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 5 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BINARY.PEEK[1]", W("* 5 FETCH (BINARY[1] {0}\r\n)\r\n")},
    {"groups.eml", 5, "BINARY.SIZE[1]", W("* 5 FETCH (BINARY.SIZE[1] 0)\r\n")},
    {"header-only.eml", 6, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 6 FETCH (UID 23 RFC822.SIZE 59 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 6 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {45}\r\nFrom: "
       "a@cab.example\r\nSubject: header only\r\n\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 6 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[]<0.10>", W("* 6 FETCH (BODY[]<0> {10}\r\nFrom: a@ca)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[TEXT]<3.5>", W("* 6 FETCH (BODY[TEXT]<3> {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[]<100000.5>", W("* 6 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[9]", W("* 6 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[1.9.9]", W("* 6 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BINARY.PEEK[9]", W("* 6 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "(UID BODY.PEEK[1]<1.3>)",
     W("* 6 FETCH (UID 23 BODY[1]<1> {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BINARY.PEEK[1]<2.5>", W("* 6 FETCH (BINARY[1]<2> {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[1]", W("* 6 FETCH (BODY[1] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[1.MIME]",
     W("* 6 FETCH (BODY[1.MIME] {59}\r\nFrom: a@cab.example\r\nSubject: header only\r\nX-No-Body: "
       "yes\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[1.HEADER]", W("* 6 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[1.TEXT]", W("* 6 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 6 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BINARY.PEEK[1]", W("* 6 FETCH (BINARY[1] {0}\r\n)\r\n")},
    {"header-only.eml", 6, "BINARY.SIZE[1]", W("* 6 FETCH (BINARY.SIZE[1] 0)\r\n")},
    {"missing-boundary.eml", 7, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 7 FETCH (UID 24 RFC822.SIZE 326 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 7 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {57}\r\nFrom: "
       "a@cab.example\r\nSubject: missing close delimiter\r\n\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 7 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[]<0.10>",
     W("* 7 FETCH (BODY[]<0> {10}\r\nFrom: a@ca)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[TEXT]<3.5>",
     W("* 7 FETCH (BODY[TEXT]<3> {5}\r\nb\r\nCo)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[]<100000.5>",
     W("* 7 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[9]", W("* 7 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[1.9.9]", W("* 7 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.PEEK[9]", W("* 7 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "(UID BODY.PEEK[1]<1.3>)",
     W("* 7 FETCH (UID 24 BODY[1]<1> {3}\r\nirs)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.PEEK[1]<2.5>",
     W("* 7 FETCH (BINARY[1]<2> {3}\r\nrst)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[1]", W("* 7 FETCH (BODY[1] {5}\r\nfirst)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[1.MIME]",
     W("* 7 FETCH (BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[1.HEADER]", W("* 7 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[1.TEXT]", W("* 7 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 7 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.PEEK[1]", W("* 7 FETCH (BINARY[1] {5}\r\nfirst)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.SIZE[1]", W("* 7 FETCH (BINARY.SIZE[1] 5)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2]",
     W("* 7 FETCH (BODY[2] {44}\r\nthis inner multipart has no delimiter at all)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.MIME]",
     W("* 7 FETCH (BODY[2.MIME] {57}\r\nContent-Type: multipart/alternative; "
       "boundary=\"never\"\r\n\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.HEADER]", W("* 7 FETCH (BODY[2.HEADER] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.TEXT]", W("* 7 FETCH (BODY[2.TEXT] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 7 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.PEEK[2]",
     W("* 7 FETCH (BINARY[2] {44}\r\nthis inner multipart has no delimiter at all)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.SIZE[2]", W("* 7 FETCH (BINARY.SIZE[2] 44)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.1]", W("* 7 FETCH (BODY[2.1] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.1.MIME]", W("* 7 FETCH (BODY[2.1.MIME] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.1.HEADER]",
     W("* 7 FETCH (BODY[2.1.HEADER] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.1.TEXT]", W("* 7 FETCH (BODY[2.1.TEXT] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[2.1.HEADER.FIELDS (Subject)]",
     W("* 7 FETCH (BODY[2.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.PEEK[2.1]", W("* 7 FETCH (BINARY[2.1] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.SIZE[2.1]", W("* 7 FETCH (BINARY.SIZE[2.1] 0)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[3]",
     W("* 7 FETCH (BODY[3] {39}\r\nlast part, no close delimiter follows\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[3.MIME]",
     W("* 7 FETCH (BODY[3.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[3.HEADER]", W("* 7 FETCH (BODY[3.HEADER] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[3.TEXT]", W("* 7 FETCH (BODY[3.TEXT] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BODY.PEEK[3.HEADER.FIELDS (Subject)]",
     W("* 7 FETCH (BODY[3.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.PEEK[3]",
     W("* 7 FETCH (BINARY[3] {39}\r\nlast part, no close delimiter follows\r\n)\r\n")},
    {"missing-boundary.eml", 7, "BINARY.SIZE[3]", W("* 7 FETCH (BINARY.SIZE[3] 39)\r\n")},
    {"nested.eml", 8, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 8 FETCH (UID 25 RFC822.SIZE 863 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"nested.eml", 8, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 8 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {44}\r\nFrom: "
       "alice@cab.example\r\nSubject: nested\r\n\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 8 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[]<0.10>", W("* 8 FETCH (BODY[]<0> {10}\r\nFrom: alic)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[TEXT]<3.5>", W("* 8 FETCH (BODY[TEXT]<3> {5}\r\ns is )\r\n")},
    {"nested.eml", 8, "BODY.PEEK[]<100000.5>", W("* 8 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[9]", W("* 8 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.9.9]", W("* 8 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BINARY.PEEK[9]", W("* 8 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"nested.eml", 8, "(UID BODY.PEEK[1]<1.3>)", W("* 8 FETCH (UID 25 BODY[1]<1> {3}\r\n-in)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1]",
     W("* 8 FETCH (BODY[1] {269}\r\n--inner\r\nContent-Type: text/plain; "
       "charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nR=C3=A9sultats "
       "normaux.\r\n\r\n--inner\r\nContent-Type: text/html; "
       "charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>R=C3=A9sultats "
       "normaux.</p>\r\n\r\n--inner--\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.MIME]",
     W("* 8 FETCH (BODY[1.MIME] {57}\r\nContent-Type: multipart/alternative; "
       "boundary=\"inner\"\r\n\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.HEADER]", W("* 8 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.TEXT]", W("* 8 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 8 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.1]",
     W("* 8 FETCH (BODY[1.1] {25}\r\nR=C3=A9sultats normaux.\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.1.MIME]",
     W("* 8 FETCH (BODY[1.1.MIME] {90}\r\nContent-Type: text/plain; "
       "charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.1.HEADER]", W("* 8 FETCH (BODY[1.1.HEADER] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.1.TEXT]", W("* 8 FETCH (BODY[1.1.TEXT] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.1.HEADER.FIELDS (Subject)]",
     W("* 8 FETCH (BODY[1.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BINARY.SIZE[1.1]", W("* 8 FETCH (BINARY.SIZE[1.1] 21)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.2]",
     W("* 8 FETCH (BODY[1.2] {32}\r\n<p>R=C3=A9sultats normaux.</p>\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.2.MIME]",
     W("* 8 FETCH (BODY[1.2.MIME] {89}\r\nContent-Type: text/html; "
       "charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.2.HEADER]", W("* 8 FETCH (BODY[1.2.HEADER] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.2.TEXT]", W("* 8 FETCH (BODY[1.2.TEXT] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[1.2.HEADER.FIELDS (Subject)]",
     W("* 8 FETCH (BODY[1.2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BINARY.SIZE[1.2]", W("* 8 FETCH (BINARY.SIZE[1.2] 28)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[2]",
     W("* 8 FETCH (BODY[2] {22}\r\nJVBERi0xLjQK\r\nJSVFT0YK)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[2.MIME]",
     W("* 8 FETCH (BODY[2.MIME] {211}\r\nContent-Type: application/pdf; "
       "name=\"cr.pdf\"\r\nContent-Disposition: attachment; filename=\"cr.pdf\"; "
       "size=12\r\nContent-Transfer-Encoding: base64\r\nContent-ID: "
       "<pdf1@cab.example>\r\nContent-Description: Compte rendu\r\n\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[2.HEADER]", W("* 8 FETCH (BODY[2.HEADER] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[2.TEXT]", W("* 8 FETCH (BODY[2.TEXT] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 8 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"nested.eml", 8, "BINARY.SIZE[2]", W("* 8 FETCH (BINARY.SIZE[2] 15)\r\n")},
    {"no-colon.eml", 9, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 9 FETCH (UID 26 RFC822.SIZE 120 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 9 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {44}\r\nFrom: "
       "a@cab.example\r\nSubject: after junk\r\n\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 9 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[]<0.10>", W("* 9 FETCH (BODY[]<0> {10}\r\nFrom: a@ca)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[TEXT]<3.5>", W("* 9 FETCH (BODY[TEXT]<3> {3}\r\ny\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[]<100000.5>", W("* 9 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[9]", W("* 9 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[1.9.9]", W("* 9 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "BINARY.PEEK[9]", W("* 9 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "(UID BODY.PEEK[1]<1.3>)",
     W("* 9 FETCH (UID 26 BODY[1]<1> {3}\r\nody)\r\n")},
    {"no-colon.eml", 9, "BINARY.PEEK[1]<2.5>", W("* 9 FETCH (BINARY[1]<2> {4}\r\ndy\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[1]", W("* 9 FETCH (BODY[1] {6}\r\nbody\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[1.MIME]",
     W("* 9 FETCH (BODY[1.MIME] {114}\r\nFrom: a@cab.example\r\nThis line has no colon\r\nSubject: "
       "after junk\r\nContent-Type: text/plain;\r\n charset=us-ascii\r\n\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[1.HEADER]", W("* 9 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[1.TEXT]", W("* 9 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 9 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"no-colon.eml", 9, "BINARY.PEEK[1]", W("* 9 FETCH (BINARY[1] {6}\r\nbody\r\n)\r\n")},
    {"no-colon.eml", 9, "BINARY.SIZE[1]", W("* 9 FETCH (BINARY.SIZE[1] 6)\r\n")},
    {"nul.eml", 10, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 10 FETCH (UID 27 RFC822.SIZE 80 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"nul.eml", 10, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 10 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {39}\r\nFrom: "
       "nul@cab.example\r\nSubject: a\x80"
       "b\r\n\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 10 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[]<0.10>", W("* 10 FETCH (BODY[]<0> {10}\r\nFrom: nul@)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[TEXT]<3.5>", W("* 10 FETCH (BODY[TEXT]<3> {5}\r\ny\x80wit)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[]<100000.5>", W("* 10 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[9]", W("* 10 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[1.9.9]", W("* 10 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"nul.eml", 10, "BINARY.PEEK[9]", W("* 10 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"nul.eml", 10, "(UID BODY.PEEK[1]<1.3>)", W("* 10 FETCH (UID 27 BODY[1]<1> {3}\r\nody)\r\n")},
    {"nul.eml", 10, "BINARY.PEEK[1]<2.5>", W("* 10 FETCH (BINARY[1]<2> ~{5}\r\ndy\x00wi)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[1]", W("* 10 FETCH (BODY[1] {15}\r\nbody\x80with nul\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[1.MIME]",
     W("* 10 FETCH (BODY[1.MIME] {65}\r\nFrom: nul@cab.example\r\nSubject: a\x80"
       "b\r\nContent-Type: text/plain\r\n\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[1.HEADER]", W("* 10 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[1.TEXT]", W("* 10 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"nul.eml", 10, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 10 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"nul.eml", 10, "BINARY.PEEK[1]",
     W("* 10 FETCH (BINARY[1] ~{15}\r\nbody\x00with nul\r\n)\r\n")},
    {"nul.eml", 10, "BINARY.SIZE[1]", W("* 10 FETCH (BINARY.SIZE[1] 15)\r\n")},
    {"preamble.eml", 11, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 11 FETCH (UID 28 RFC822.SIZE 359 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 11 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {55}\r\nFrom: "
       "a@cab.example\r\nSubject: preamble and epilogue\r\n\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 11 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[]<0.10>", W("* 11 FETCH (BODY[]<0> {10}\r\nFrom: a@ca)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[TEXT]<3.5>", W("* 11 FETCH (BODY[TEXT]<3> {5}\r\namble)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[]<100000.5>", W("* 11 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[9]", W("* 11 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[1.9.9]", W("* 11 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BINARY.PEEK[9]", W("* 11 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "(UID BODY.PEEK[1]<1.3>)",
     W("* 11 FETCH (UID 28 BODY[1]<1> {3}\r\nimg)\r\n")},
    {"preamble.eml", 11, "BINARY.PEEK[1]<2.5>", W("* 11 FETCH (BINARY[1]<2> {5}\r\nmg sr)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[1]",
     W("* 11 FETCH (BODY[1] {18}\r\n<img src=\"cid:i1\">)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[1.MIME]",
     W("* 11 FETCH (BODY[1.MIME] {42}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[1.HEADER]", W("* 11 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[1.TEXT]", W("* 11 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 11 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BINARY.PEEK[1]",
     W("* 11 FETCH (BINARY[1] {18}\r\n<img src=\"cid:i1\">)\r\n")},
    {"preamble.eml", 11, "BINARY.SIZE[1]", W("* 11 FETCH (BINARY.SIZE[1] 18)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[2]", W("* 11 FETCH (BODY[2] {12}\r\niVBORw0KGgo=)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[2.MIME]",
     W("* 11 FETCH (BODY[2.MIME] {80}\r\nContent-Type: image/png\r\nContent-ID: "
       "<i1>\r\nContent-Transfer-Encoding: base64\r\n\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[2.HEADER]", W("* 11 FETCH (BODY[2.HEADER] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[2.TEXT]", W("* 11 FETCH (BODY[2.TEXT] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 11 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"preamble.eml", 11, "BINARY.SIZE[2]", W("* 11 FETCH (BINARY.SIZE[2] 8)\r\n")},
    {"rfc2231.eml", 12, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 12 FETCH (UID 29 RFC822.SIZE 372 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 12 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {42}\r\nFrom: "
       "a@cab.example\r\nSubject: RFC 2231\r\n\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 12 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[]<0.10>", W("* 12 FETCH (BODY[]<0> {10}\r\nFrom: a@ca)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[TEXT]<3.5>", W("* 12 FETCH (BODY[TEXT]<3> {5}\r\n\r\nCon)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[]<100000.5>", W("* 12 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[9]", W("* 12 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[1.9.9]", W("* 12 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "BINARY.PEEK[9]", W("* 12 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "(UID BODY.PEEK[1]<1.3>)",
     W("* 12 FETCH (UID 29 BODY[1]<1> {3}\r\nAAA)\r\n")},
    {"rfc2231.eml", 12, "BINARY.PEEK[1]<2.5>", W("* 12 FETCH (BINARY[1]<2> {2}\r\nAA)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[1]", W("* 12 FETCH (BODY[1] {4}\r\nAAAA)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[1.MIME]",
     W("* 12 FETCH (BODY[1.MIME] {269}\r\nContent-Type: application/octet-stream;\r\n "
       "name*0*=utf-8''r%C3%A9sultat%20;\r\n name*1*=d%27analyse;\r\n "
       "name*2=\".pdf\"\r\nContent-Disposition: attachment;\r\n "
       "filename*=iso-8859-1'fr'r%E9sultat.pdf\r\nContent-Language: fr, en-GB\r\nContent-Location: "
       "http://cab.example/\r\n  r.pdf\r\n\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[1.HEADER]", W("* 12 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[1.TEXT]", W("* 12 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 12 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"rfc2231.eml", 12, "BINARY.PEEK[1]", W("* 12 FETCH (BINARY[1] {4}\r\nAAAA)\r\n")},
    {"rfc2231.eml", 12, "BINARY.SIZE[1]", W("* 12 FETCH (BINARY.SIZE[1] 4)\r\n")},
    {"rfc822.eml", 13, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 13 FETCH (UID 30 RFC822.SIZE 694 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 13 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {55}\r\nFrom: Bob "
       "<bob@hop.example>\r\nSubject: Fwd: original\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 13 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[]<0.10>", W("* 13 FETCH (BODY[]<0> {10}\r\nFrom: Bob )\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[TEXT]<3.5>", W("* 13 FETCH (BODY[TEXT]<3> {5}\r\nwdb\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[]<100000.5>", W("* 13 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[9]", W("* 13 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[1.9.9]", W("* 13 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BINARY.PEEK[9]", W("* 13 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "(UID BODY.PEEK[1]<1.3>)",
     W("* 13 FETCH (UID 30 BODY[1]<1> {3}\r\nee )\r\n")},
    {"rfc822.eml", 13, "BINARY.PEEK[1]<2.5>", W("* 13 FETCH (BINARY[1]<2> {5}\r\ne att)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[1]", W("* 13 FETCH (BODY[1] {13}\r\nSee attached.)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[1.MIME]",
     W("* 13 FETCH (BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[1.HEADER]", W("* 13 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[1.TEXT]", W("* 13 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 13 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BINARY.PEEK[1]", W("* 13 FETCH (BINARY[1] {13}\r\nSee attached.)\r\n")},
    {"rfc822.eml", 13, "BINARY.SIZE[1]", W("* 13 FETCH (BINARY.SIZE[1] 13)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.MIME]",
     W("* 13 FETCH (BODY[2.MIME] {61}\r\nContent-Type: message/rfc822\r\nContent-Disposition: "
       "inline\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.HEADER]",
     W("* 13 FETCH (BODY[2.HEADER] {221}\r\nFrom: Carol <carol@lab.example>\r\nTo: Bob "
       "<bob@hop.example>\r\nSubject: original\r\nDate: Mon, 30 Nov 2026 07:00:00 "
       "+0100\r\nMessage-ID: <orig@lab.example>\r\nMIME-Version: 1.0\r\nContent-Type: "
       "multipart/alternative; boundary=ib\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 13 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {21}\r\nSubject: original\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.1]", W("* 13 FETCH (BODY[2.1] {5}\r\nplain)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.1.MIME]",
     W("* 13 FETCH (BODY[2.1.MIME] {46}\r\nContent-Type: text/plain; "
       "charset=us-ascii\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.1.HEADER]", W("* 13 FETCH (BODY[2.1.HEADER] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.1.TEXT]", W("* 13 FETCH (BODY[2.1.TEXT] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.1.HEADER.FIELDS (Subject)]",
     W("* 13 FETCH (BODY[2.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BINARY.PEEK[2.1]", W("* 13 FETCH (BINARY[2.1] {5}\r\nplain)\r\n")},
    {"rfc822.eml", 13, "BINARY.SIZE[2.1]", W("* 13 FETCH (BINARY.SIZE[2.1] 5)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.2]", W("* 13 FETCH (BODY[2.2] {11}\r\n<b>html</b>)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.2.MIME]",
     W("* 13 FETCH (BODY[2.2.MIME] {45}\r\nContent-Type: text/html; "
       "charset=us-ascii\r\n\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.2.HEADER]", W("* 13 FETCH (BODY[2.2.HEADER] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.2.TEXT]", W("* 13 FETCH (BODY[2.2.TEXT] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BODY.PEEK[2.2.HEADER.FIELDS (Subject)]",
     W("* 13 FETCH (BODY[2.2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"rfc822.eml", 13, "BINARY.PEEK[2.2]", W("* 13 FETCH (BINARY[2.2] {11}\r\n<b>html</b>)\r\n")},
    {"rfc822.eml", 13, "BINARY.SIZE[2.2]", W("* 13 FETCH (BINARY.SIZE[2.2] 11)\r\n")},
    {"simple.eml", 14, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 14 FETCH (UID 31 RFC822.SIZE 576 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"simple.eml", 14, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 14 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {83}\r\nFrom: Alice Martin "
       "<alice@cab.example>\r\nSubject: Compte rendu\r\n de consultation\r\n\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 14 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[]<0.10>", W("* 14 FETCH (BODY[]<0> {10}\r\nReturn-Pat)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[TEXT]<3.5>", W("* 14 FETCH (BODY[TEXT]<3> {5}\r\njour,)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[]<100000.5>", W("* 14 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[9]", W("* 14 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[1.9.9]", W("* 14 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"simple.eml", 14, "BINARY.PEEK[9]", W("* 14 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"simple.eml", 14, "(UID BODY.PEEK[1]<1.3>)",
     W("* 14 FETCH (UID 31 BODY[1]<1> {3}\r\nonj)\r\n")},
    {"simple.eml", 14, "BINARY.PEEK[1]<2.5>", W("* 14 FETCH (BINARY[1]<2> {5}\r\nnjour)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[1]",
     W("* 14 FETCH (BODY[1] {48}\r\nBonjour,\r\n\r\nVoici le compte rendu.\r\n-- "
       "\r\nAlice\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[1.MIME]",
     W("* 14 FETCH (BODY[1.MIME] {528}\r\nReturn-Path: <alice@cab.example>\r\nReceived: from "
       "mx.cab.example by mx.hop.example; Tue, 1 Dec 2026 10:00:00 +0100\r\nDate: Tue, 1 Dec 2026 "
       "09:59:58 +0100 (CET)\r\nFrom: Alice Martin <alice@cab.example>\r\nTo: Bob "
       "<bob@hop.example>, carol@hop.example\r\nCc: \"Dr. Dupont, Jean\" "
       "<jean.dupont@cab.example>\r\nSubject: Compte rendu\r\n de consultation\r\nMessage-ID: "
       "<20261201095958.1234@cab.example>\r\nIn-Reply-To: <prev.1@hop.example>\r\nMIME-Version: "
       "1.0\r\nContent-Type: text/plain; charset=utf-8; "
       "format=flowed\r\nContent-Transfer-Encoding: 7bit\r\n\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[1.HEADER]", W("* 14 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[1.TEXT]", W("* 14 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"simple.eml", 14, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 14 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"simple.eml", 14, "BINARY.PEEK[1]",
     W("* 14 FETCH (BINARY[1] {48}\r\nBonjour,\r\n\r\nVoici le compte rendu.\r\n-- "
       "\r\nAlice\r\n)\r\n")},
    {"simple.eml", 14, "BINARY.SIZE[1]", W("* 14 FETCH (BINARY.SIZE[1] 48)\r\n")},
    {"smime.eml", 15, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 15 FETCH (UID 32 RFC822.SIZE 637 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"smime.eml", 15, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 15 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {44}\r\nFrom: "
       "alice@cab.example\r\nSubject: signed\r\n\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 15 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[]<0.10>", W("* 15 FETCH (BODY[]<0> {10}\r\nFrom: alic)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[TEXT]<3.5>", W("* 15 FETCH (BODY[TEXT]<3> {5}\r\ns is )\r\n")},
    {"smime.eml", 15, "BODY.PEEK[]<100000.5>", W("* 15 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[9]", W("* 15 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[1.9.9]", W("* 15 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BINARY.PEEK[9]", W("* 15 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"smime.eml", 15, "(UID BODY.PEEK[1]<1.3>)",
     W("* 15 FETCH (UID 32 BODY[1]<1> {3}\r\nign)\r\n")},
    {"smime.eml", 15, "BINARY.PEEK[1]<2.5>", W("* 15 FETCH (BINARY[1]<2> {5}\r\ngned )\r\n")},
    {"smime.eml", 15, "BODY.PEEK[1]", W("* 15 FETCH (BODY[1] {12}\r\nSigned text.)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[1.MIME]",
     W("* 15 FETCH (BODY[1.MIME] {76}\r\nContent-Type: text/plain; "
       "charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[1.HEADER]", W("* 15 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[1.TEXT]", W("* 15 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 15 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BINARY.PEEK[1]", W("* 15 FETCH (BINARY[1] {12}\r\nSigned text.)\r\n")},
    {"smime.eml", 15, "BINARY.SIZE[1]", W("* 15 FETCH (BINARY.SIZE[1] 12)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[2]",
     W("* 15 FETCH (BODY[2] "
       "{76}\r\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCAMIIE)"
       "\r\n")},
    {"smime.eml", 15, "BODY.PEEK[2.MIME]",
     W("* 15 FETCH (BODY[2.MIME] {206}\r\nContent-Type: application/pkcs7-signature; "
       "name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: "
       "attachment; filename=\"smime.p7s\"\r\nContent-Description: S/MIME Cryptographic "
       "Signature\r\n\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[2.HEADER]", W("* 15 FETCH (BODY[2.HEADER] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[2.TEXT]", W("* 15 FETCH (BODY[2.TEXT] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 15 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"smime.eml", 15, "BINARY.PEEK[2]",
     W("* 15 FETCH (BINARY[2] ~{57}\r\n0\x80\x06\t*\x86H\x86\xf7\r\x01\x07\x02\xa0\x80"
       "0\x80\x02\x01\x01"
       "1\x0f"
       "0\r\x06\t`\x86H\x01"
       "e\x03\x04\x02\x01\x05\x00"
       "0\x80\x06\t*\x86H\x86\xf7\r\x01\x07\x01\x00\x00\xa0\x80"
       "0\x82\x04)\r\n")},
    {"smime.eml", 15, "BINARY.SIZE[2]", W("* 15 FETCH (BINARY.SIZE[2] 57)\r\n")},
    {"binfix.eml", 16, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 16 FETCH (UID 33 RFC822.SIZE 1026 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 16 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {95}\r\nFrom: Alice "
       "<alice@cab.example>\r\nSubject: binary parts\r\nX-Long: first line\r\n continued "
       "here\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 16 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[]<0.10>", W("* 16 FETCH (BODY[]<0> {10}\r\nFrom: Alic)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[TEXT]<3.5>", W("* 16 FETCH (BODY[TEXT]<3> {5}\r\n1\r\nCo)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[]<100000.5>", W("* 16 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[9]", W("* 16 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[1.9.9]", W("* 16 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BINARY.PEEK[9]", W("* 16 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "(UID BODY.PEEK[1]<1.3>)",
     W("* 16 FETCH (UID 33 BODY[1]<1> {3}\r\naf=)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[1]",
     W("* 16 FETCH (BODY[1] {64}\r\nCaf=E9 cr=E8me, a soft=\r\n break and a NUL =00 here.  "
       "\r\nLast line)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[1.MIME]",
     W("* 16 FETCH (BODY[1.MIME] {93}\r\nContent-Type: text/plain; "
       "charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[1.HEADER]", W("* 16 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[1.TEXT]", W("* 16 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BINARY.PEEK[1]",
     W("* 16 FETCH (BINARY[1] ~{53}\r\nCaf\xe9 cr\xe8me, a soft break and a NUL \x00 here.\r\nLast "
       "line)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[2]",
     W("* 16 FETCH (BODY[2] {24}\r\nAAECAwQFBgcICQoLDA0ODw==)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[2.MIME]",
     W("* 16 FETCH (BODY[2.MIME] {77}\r\nContent-Type: "
       "application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[2.HEADER]", W("* 16 FETCH (BODY[2.HEADER] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[2.TEXT]", W("* 16 FETCH (BODY[2.TEXT] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[2.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BINARY.PEEK[2]",
     W("* 16 FETCH (BINARY[2] "
       "~{16}\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[3]",
     W("* 16 FETCH (BODY[3] {24}\r\nSGVsbG8s\r\nIHdvcmxk\r\nIQ0K)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[3.MIME]",
     W("* 16 FETCH (BODY[3.MIME] {63}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: "
       "base64\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[3.HEADER]", W("* 16 FETCH (BODY[3.HEADER] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[3.TEXT]", W("* 16 FETCH (BODY[3.TEXT] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[3.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[3.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[4]", W("* 16 FETCH (BODY[4] {18}\r\nbegin 644 foo\r\nend)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[4.MIME]",
     W("* 16 FETCH (BODY[4.MIME] {74}\r\nContent-Type: "
       "application/x-foo\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[4.HEADER]", W("* 16 FETCH (BODY[4.HEADER] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[4.TEXT]", W("* 16 FETCH (BODY[4.TEXT] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[4.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[4.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.MIME]",
     W("* 16 FETCH (BODY[5.MIME] {32}\r\nContent-Type: message/rfc822\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.HEADER]",
     W("* 16 FETCH (BODY[5.HEADER] {120}\r\nFrom: Carol <carol@lab.example>\r\nSubject: "
       "inner\r\nX-Folded: a\r\n\tb\r\nContent-Type: multipart/alternative; "
       "boundary=\"b2\"\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[5.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: inner\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.1]", W("* 16 FETCH (BODY[5.1] {11}\r\ninner plain)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.1.MIME]",
     W("* 16 FETCH (BODY[5.1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.1.HEADER]", W("* 16 FETCH (BODY[5.1.HEADER] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.1.TEXT]", W("* 16 FETCH (BODY[5.1.TEXT] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.1.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[5.1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BINARY.PEEK[5.1]", W("* 16 FETCH (BINARY[5.1] {11}\r\ninner plain)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.2]", W("* 16 FETCH (BODY[5.2] {16}\r\nPGI+aW5uZXI8L2I+)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.2.MIME]",
     W("* 16 FETCH (BODY[5.2.MIME] {62}\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: "
       "base64\r\n\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.2.HEADER]", W("* 16 FETCH (BODY[5.2.HEADER] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.2.TEXT]", W("* 16 FETCH (BODY[5.2.TEXT] {0}\r\n)\r\n")},
    {"binfix.eml", 16, "BODY.PEEK[5.2.HEADER.FIELDS (Subject)]",
     W("* 16 FETCH (BODY[5.2.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"single64.eml", 17, "(UID RFC822.SIZE INTERNALDATE FLAGS)",
     W("* 17 FETCH (UID 34 RFC822.SIZE 150 INTERNALDATE \"01-Dec-2026 09:59:58 +0000\" FLAGS "
       "())\r\n")},
    {"single64.eml", 17, "BODY.PEEK[HEADER.FIELDS (From Subject X-Folded x-long)]",
     W("* 17 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT X-FOLDED X-LONG)] {45}\r\nFrom: "
       "x@y.example\r\nSubject: single base64\r\n\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[HEADER.FIELDS (NoSuch)]",
     W("* 17 FETCH (BODY[HEADER.FIELDS (NOSUCH)] {2}\r\n\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[]<0.10>", W("* 17 FETCH (BODY[]<0> {10}\r\nFrom: x@y.)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[TEXT]<3.5>", W("* 17 FETCH (BODY[TEXT]<3> {5}\r\n0w6kK)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[]<100000.5>", W("* 17 FETCH (BODY[]<100000> {0}\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[9]", W("* 17 FETCH (BODY[9] {0}\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[1.9.9]", W("* 17 FETCH (BODY[1.9.9] {0}\r\n)\r\n")},
    {"single64.eml", 17, "BINARY.PEEK[9]", W("* 17 FETCH (BINARY[9] {0}\r\n)\r\n")},
    {"single64.eml", 17, "(UID BODY.PEEK[1]<1.3>)",
     W("* 17 FETCH (UID 34 BODY[1]<1> {3}\r\n6l0)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[1]", W("* 17 FETCH (BODY[1] {10}\r\nw6l0w6kK\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[1.MIME]",
     W("* 17 FETCH (BODY[1.MIME] {140}\r\nFrom: x@y.example\r\nSubject: single "
       "base64\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
       "charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[1.HEADER]", W("* 17 FETCH (BODY[1.HEADER] {0}\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[1.TEXT]", W("* 17 FETCH (BODY[1.TEXT] {0}\r\n)\r\n")},
    {"single64.eml", 17, "BODY.PEEK[1.HEADER.FIELDS (Subject)]",
     W("* 17 FETCH (BODY[1.HEADER.FIELDS (SUBJECT)] {0}\r\n)\r\n")},
    {"single64.eml", 17, "BINARY.SIZE[1]", W("* 17 FETCH (BINARY.SIZE[1] 6)\r\n")},
};
static const size_t dovecot_same_count = sizeof(dovecot_same) / sizeof(dovecot_same[0]);
