/* SPDX-License-Identifier: ISC */
/* MIME parser: part offsets on real-world shapes (tests/unit/mime-corpus),
 * header helpers, RFC 2231 and RFC 2047 decoding, CTE decoding, limits, and
 * every corpus message cut at every length. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "rfc2047.h"

#define MIME_TEST_SLOW_TIMEOUT 600 /* seconds, for every_truncation */

static uint8_t *corpus_load(const char *name, size_t *len)
{
	const char *src = getenv("BALISE_SRCDIR");
	char path[4096];
	FILE *f;
	uint8_t *d;
	long n;

	snprintf(path, sizeof(path), "%s/tests/unit/mime-corpus/%s", src ? src : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = malloc((size_t)n + 1);
	ck_assert(fread(d, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return d;
}

static const char *const corpus[] = {
    "8bit-headers.eml", "barelf.eml", "deep.eml",        "digest.eml",           "empty.eml",
    "encoded.eml",      "groups.eml", "header-only.eml", "missing-boundary.eml", "nested.eml",
    "no-colon.eml",     "nul.eml",    "preamble.eml",    "rfc2231.eml",          "rfc822.eml",
    "simple.eml",       "smime.eml",
};

#define ck_assert_slice(s, str)                                                                    \
	do {                                                                                       \
		struct slice s_ = (s);                                                             \
		ck_assert_msg(s_.len == strlen(str) && memcmp(s_.p, str, s_.len) == 0,             \
		              "got '%.*s' want '%s'", (int)s_.len, (const char *)s_.p, str);       \
	} while (0)

static struct mime_part *child(struct mime_part *p, unsigned n)
{
	struct mime_part *c = p->children;
	while (c != NULL && --n > 0)
		c = c->next;
	ck_assert_ptr_nonnull(c);
	return c;
}

static struct slice S(const char *s) {
	return slice_from_cstr(s);
}

/* ------------------------------------------------------------ headers */

START_TEST(header_walk)
{
	const char *h = " lead continuation\r\nSubject: a\r\n\tb\r\nno colon here\nX-Bare: lf\n"
	                "From :  x@y  \r\n\r\nBody: not a field\r\n";
	struct mime_header_iter it;
	struct slice name, raw;
	struct buf b;
	size_t off, flen;

	mime_header_iter_init(&it, S(h));
	ck_assert_int_eq(mime_header_next(&it, &name, &raw, &off, &flen), 1);
	ck_assert_slice(name, "Subject");
	ck_assert_slice(raw, " a\r\n\tb");
	ck_assert_uint_eq(off, 20);
	ck_assert_uint_eq(flen, 16);
	ck_assert_int_eq(mime_header_next(&it, &name, &raw, NULL, NULL), 1);
	ck_assert_slice(name, "X-Bare");
	ck_assert_slice(raw, " lf");
	ck_assert_int_eq(mime_header_next(&it, &name, &raw, NULL, NULL), 1);
	ck_assert_slice(name, "From");
	ck_assert_int_eq(mime_header_next(&it, &name, &raw, NULL, NULL), 0);

	buf_init(&b, 0);
	ck_assert_int_eq(mime_header_get(S(h), "subject", &b), 1);
	ck_assert_slice(buf_slice(&b), "a\tb"); /* RFC 5322 §2.2.3: the WSP stays */
	buf_reset(&b);
	ck_assert_int_eq(mime_header_get(S(h), "FROM", &b), 1);
	ck_assert_slice(buf_slice(&b), "x@y");
	ck_assert_int_eq(mime_header_get(S(h), "body", &b), 0);
	ck_assert_uint_eq(mime_header_count(S("A: 1\nB: 2\na: 3\n"), "a"), 2);
	ck_assert_int_eq(mime_header_get_nth(S("A: 1\nB: 2\na: 3\n"), "a", 1, &raw), 1);
	ck_assert_slice(raw, " 3");
	buf_free(&b);
}
END_TEST

START_TEST(header_filter)
{
	const char *h = "From: a\r\nSubject: s\r\n x\r\nTo: t\r\nsubject: again\r\n\r\n";
	struct slice names[] = {SLICE_STR("SUBJECT"), SLICE_STR("to")};
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(mime_header_filter(S(h), names, 2, false, &b), 0);
	ck_assert_slice(buf_slice(&b), "Subject: s\r\n x\r\nTo: t\r\nsubject: again\r\n\r\n");
	buf_reset(&b);
	ck_assert_int_eq(mime_header_filter(S(h), names, 2, true, &b), 0);
	ck_assert_slice(buf_slice(&b), "From: a\r\n\r\n");
	buf_reset(&b);
	/* a last field without a line break gets one */
	ck_assert_int_eq(mime_header_filter(S("To: t"), names, 2, false, &b), 0);
	ck_assert_slice(buf_slice(&b), "To: t\r\n\r\n");
	buf_free(&b);
}
END_TEST

START_TEST(unfold_controls)
{
	struct buf b;
	const uint8_t raw[] = {' ', 'a', 0, 'b', '\r', 'c', '\r', '\n', ' ', 'd', ' ', ' '};

	buf_init(&b, 0);
	ck_assert_int_eq(mime_unfold((struct slice){raw, sizeof(raw)}, &b), 0);
	ck_assert_slice(buf_slice(&b), "a b c d");
	buf_free(&b);
}
END_TEST

/* ---------------------------------------------------------- structure */

START_TEST(nested_offsets)
{
	size_t len;
	uint8_t *d = corpus_load("nested.eml", &len);
	struct mime_msg *m;
	struct mime_part *alt, *pdf;

	mime_parse(d, len, &m);
	ck_assert_int_eq(m->root->kind, MIME_MULTIPART);
	ck_assert_uint_eq(m->root->nchildren, 2);
	ck_assert_uint_eq(m->nparts, 5);
	ck_assert(!m->truncated);
	alt = child(m->root, 1);
	ck_assert_int_eq(alt->kind, MIME_MULTIPART);
	ck_assert_slice(alt->subtype, "alternative");
	ck_assert_slice(mime_part_body(m, child(alt, 1)), "R=C3=A9sultats normaux.\r\n");
	ck_assert_slice(mime_part_body(m, child(alt, 2)), "<p>R=C3=A9sultats normaux.</p>\r\n");
	ck_assert_int_eq(child(alt, 1)->cte, MIME_CTE_QP);
	pdf = child(m->root, 2);
	ck_assert_slice(mime_part_body(m, pdf), "JVBERi0xLjQK\r\nJSVFT0YK");
	ck_assert_slice(mime_part_header(m, pdf),
	                "Content-Type: application/pdf; name=\"cr.pdf\"\r\n"
	                "Content-Disposition: attachment; filename=\"cr.pdf\"; size=12\r\n"
	                "Content-Transfer-Encoding: base64\r\n"
	                "Content-ID: <pdf1@cab.example>\r\n"
	                "Content-Description: Compte rendu\r\n\r\n");
	ck_assert_slice(pdf->disposition, "attachment");
	ck_assert_slice(mime_param_get(&pdf->disp_params, "FILENAME"), "cr.pdf");
	ck_assert_slice(pdf->id, "<pdf1@cab.example>");
	ck_assert_int_eq(pdf->cte, MIME_CTE_BASE64);
	ck_assert_uint_eq(pdf->body_lines, 0); /* counted for text and message only */
	ck_assert_uint_eq(child(alt, 1)->body_lines, 1);
	mime_free(&m);
	ck_assert_ptr_null(m);
	free(d);
}
END_TEST

START_TEST(message_rfc822)
{
	size_t len;
	uint8_t *d = corpus_load("rfc822.eml", &len);
	struct mime_msg *m;
	struct mime_part *fwd, *inner;

	mime_parse(d, len, &m);
	fwd = child(m->root, 2);
	ck_assert_int_eq(fwd->kind, MIME_MESSAGE);
	inner = fwd->children;
	ck_assert_int_eq(inner->kind, MIME_MULTIPART);
	ck_assert_uint_eq(inner->hdr_off, fwd->body_off);
	ck_assert_uint_eq(inner->body_off + inner->body_len, fwd->body_off + fwd->body_len);
	ck_assert_slice(mime_part_body(m, child(inner, 1)), "plain");
	ck_assert_slice(mime_part_body(m, child(inner, 2)), "<b>html</b>");
	/* RFC 2046 §5.1.1: the CRLF before "--fwdb--" belongs to the delimiter */
	ck_assert_uint_eq(d[fwd->body_off + fwd->body_len - 1], '-');
	mime_free(&m);
	free(d);
}
END_TEST

START_TEST(bare_lf)
{
	size_t len;
	uint8_t *d = corpus_load("barelf.eml", &len);
	struct mime_msg *m;

	mime_parse(d, len, &m);
	ck_assert_uint_eq(m->root->nchildren, 2);
	ck_assert_slice(mime_part_body(m, child(m->root, 1)), "one\ntwo");
	ck_assert_slice(mime_part_body(m, child(m->root, 2)), "three");
	ck_assert_slice(mime_param_get(&child(m->root, 2)->ct_params, "charset"), "utf-8");
	mime_free(&m);
	free(d);
}
END_TEST

START_TEST(missing_boundaries)
{
	size_t len;
	uint8_t *d = corpus_load("missing-boundary.eml", &len);
	struct mime_msg *m;
	struct mime_part *alt;

	mime_parse(d, len, &m);
	ck_assert_uint_eq(m->root->nchildren, 3);
	/* boundary never seen: one empty text/plain part (RFC 3501 needs one) */
	alt = child(m->root, 2);
	ck_assert_int_eq(alt->kind, MIME_MULTIPART);
	ck_assert_uint_eq(alt->nchildren, 1);
	ck_assert_uint_eq(alt->children->body_len, 0);
	ck_assert(mime_is_type(alt->children, "text", "plain"));
	/* no close delimiter: the last part runs to the end */
	ck_assert_slice(mime_part_body(m, child(m->root, 3)),
	                "last part, no close delimiter follows\r\n");
	mime_free(&m);
	free(d);
}
END_TEST

START_TEST(boundary_prefix)
{
	/* an inner boundary that starts with the outer one */
	const char *msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                  "--b\r\nContent-Type: multipart/mixed; boundary=b-1\r\n\r\n"
	                  "--b-1\r\n\r\nin\r\n--b-1--\r\n--b  \r\n\r\nsecond\r\n--b--\r\n";
	struct mime_msg *m;
	struct mime_part *in;

	mime_parse((const uint8_t *)msg, strlen(msg), &m);
	ck_assert_uint_eq(m->root->nchildren, 2);
	in = child(m->root, 1);
	ck_assert_uint_eq(in->nchildren, 1);
	ck_assert_slice(mime_part_body(m, in->children), "in");
	ck_assert_slice(mime_part_body(m, child(m->root, 2)), "second");
	mime_free(&m);
}
END_TEST

START_TEST(boundary_modes)
{
	/* unquoted boundary cut at "=": no exact delimiter anywhere, so lines
	 * that start with "--" boundary count (prefix mode), "...--" closes */
	const char *cut = "Content-Type: multipart/alternative; boundary=----=_Part_1\r\n\r\n"
	                  "------=_Part_1\r\n\r\none\r\n------=_Part_1\r\n\r\ntwo\r\n"
	                  "------=_Part_1--\r\n";
	/* exact delimiters present: "--bx" is content (Dovecot splits there) */
	const char *mixed = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                    "--b\r\n\r\none\r\n--bx\r\n\r\ntwo\r\n--b--\r\n";
	struct mime_msg *m;

	mime_parse((const uint8_t *)cut, strlen(cut), &m);
	ck_assert_slice(mime_param_get(&m->root->ct_params, "boundary"), "----");
	ck_assert_uint_eq(m->root->nchildren, 2);
	ck_assert_slice(mime_part_body(m, child(m->root, 1)), "one");
	ck_assert_slice(mime_part_body(m, child(m->root, 2)), "two");
	mime_free(&m);
	mime_parse((const uint8_t *)mixed, strlen(mixed), &m);
	ck_assert_uint_eq(m->root->nchildren, 1);
	ck_assert_slice(mime_part_body(m, m->root->children), "one\r\n--bx\r\n\r\ntwo");
	mime_free(&m);
}
END_TEST

START_TEST(digest_default)
{
	size_t len;
	uint8_t *d = corpus_load("digest.eml", &len);
	struct mime_msg *m;

	mime_parse(d, len, &m);
	/* RFC 2046 §5.1.5: parts of a digest default to message/rfc822 */
	ck_assert(mime_is_type(child(m->root, 1), "message", "rfc822"));
	ck_assert_int_eq(child(m->root, 1)->kind, MIME_MESSAGE);
	ck_assert_slice(mime_part_body(m, child(m->root, 1)->children), "one");
	mime_free(&m);
	free(d);
}
END_TEST

START_TEST(no_separator_and_empty)
{
	struct mime_msg *m;

	mime_parse((const uint8_t *)"Subject: x\r\nFrom: y", 19, &m);
	ck_assert_uint_eq(m->root->hdr_len, 19);
	ck_assert_uint_eq(m->root->body_len, 0);
	ck_assert_uint_eq(m->root->body_off, 19);
	mime_free(&m);
	mime_parse(NULL, 0, &m);
	ck_assert_uint_eq(m->nparts, 1);
	ck_assert(mime_is_type(m->root, "text", "plain"));
	mime_free(&m);
	mime_parse((const uint8_t *)"\r\nbody", 6, &m);
	ck_assert_uint_eq(m->root->hdr_len, 2);
	ck_assert_uint_eq(m->root->body_off, 2);
	mime_free(&m);
}
END_TEST

START_TEST(nul_bytes)
{
	size_t len;
	uint8_t *d = corpus_load("nul.eml", &len);
	struct mime_msg *m;
	struct buf b;

	mime_parse(d, len, &m);
	ck_assert_uint_eq(m->root->body_len, 15);
	buf_init(&b, 0);
	ck_assert_int_eq(mime_header_get(mime_part_header(m, m->root), "subject", &b), 1);
	ck_assert_slice(buf_slice(&b), "a b");
	buf_free(&b);
	mime_free(&m);
	free(d);
}
END_TEST

/* ------------------------------------------------------------- params */

START_TEST(rfc2231_params)
{
	size_t len;
	uint8_t *d = corpus_load("rfc2231.eml", &len);
	struct mime_msg *m;
	struct mime_part *p;

	mime_parse(d, len, &m);
	p = child(m->root, 1);
	ck_assert_uint_eq(p->ct_params.n, 1);
	ck_assert(p->ct_params.v[0].extended);
	ck_assert_slice(p->ct_params.v[0].name, "name");
	ck_assert_slice(p->ct_params.v[0].value, "utf-8''r%C3%A9sultat%20d%27analyse.pdf");
	ck_assert_slice(mime_param_get(&p->ct_params, "name"), "r\xc3\xa9sultat d'analyse.pdf");
	ck_assert_slice(mime_param_get(&p->disp_params, "filename"), "r\xc3\xa9sultat.pdf");
	ck_assert_uint_eq(p->nlanguages, 2);
	ck_assert_slice(p->languages[1], "en-GB");
	ck_assert_slice(p->location, "http://cab.example/  r.pdf");
	mime_free(&m);
	free(d);
}
END_TEST

START_TEST(rfc2231_sections)
{
	const char *msg =
	    "Content-Type: a/b; n*1=B; n*0=A; m*0=1; m*0=2; k*=us-ascii'en'%41%42\r\n\r\n";
	struct mime_msg *m;
	const struct mime_params *ps;

	mime_parse((const uint8_t *)msg, strlen(msg), &m);
	ps = &m->root->ct_params;
	ck_assert_uint_eq(ps->n, 4);
	ck_assert_slice(mime_param_get(ps, "n"), "AB"); /* out of order, merged */
	ck_assert_slice(ps->v[1].name, "m*0");          /* duplicate: kept apart */
	ck_assert_slice(ps->v[2].name, "m*0");
	ck_assert(ps->v[3].extended);
	ck_assert_slice(ps->v[3].value, "us-ascii'en'%41%42");
	ck_assert_slice(mime_param_get(ps, "k"), "AB");
	mime_free(&m);
}
END_TEST

START_TEST(params_lenient)
{
	const char *msg =
	    "Content-Type: text/plain (comment) ; charset = \"utf-8\" ;;junk;"
	    " name=\"=?utf-8?q?caf=C3=A9?=.txt\"; x*1=second; q=\"unterminated\r\n\r\n";
	struct mime_msg *m;

	mime_parse((const uint8_t *)msg, strlen(msg), &m);
	ck_assert(m->root->has_ct);
	ck_assert_slice(mime_param_get(&m->root->ct_params, "charset"), "utf-8");
	/* RFC 2047 words inside a quoted parameter, as many mailers write */
	ck_assert_slice(mime_param_get(&m->root->ct_params, "name"), "caf\xc3\xa9.txt");
	/* sections that are not exactly 0..n-1 stay apart, as written */
	ck_assert_ptr_null(mime_param_get(&m->root->ct_params, "x").p);
	ck_assert_slice(mime_param_get(&m->root->ct_params, "x*1"), "second");
	ck_assert_slice(mime_param_get(&m->root->ct_params, "q"), "unterminated");
	mime_free(&m);
	/* malformed Content-Type: RFC 2045 §5.2 default */
	mime_parse((const uint8_t *)"Content-Type: text\r\n\r\n", 22, &m);
	ck_assert(!m->root->has_ct);
	ck_assert(mime_is_type(m->root, "text", "plain"));
	ck_assert_slice(mime_param_get(&m->root->ct_params, "charset"), "us-ascii");
	mime_free(&m);
}
END_TEST

/* ------------------------------------------------------------ rfc2047 */

static void check_2047(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(rfc2047_decode(S(in), &b), 0);
	ck_assert_slice(buf_slice(&b), want);
	buf_free(&b);
}

START_TEST(rfc2047_words)
{
	check_2047("plain text", "plain text");
	check_2047("=?utf-8?q?R=C3=A9sultats?= =?utf-8?q?_d=27analyse?=",
	           "R\xc3\xa9sultats d'analyse");
	check_2047("=?ISO-8859-1?Q?Fran=E7ois_Lef=E8vre?=", "Fran\xc3\xa7ois Lef\xc3\xa8vre");
	check_2047("=?utf-8?B?w4lsb2TDrWU=?=", "\xc3\x89lod\xc3\xad"
	                                       "e");
	check_2047("a =?utf-8?q?b?= c", "a b c");
	/* §6.2 whitespace kept when the next word cannot be decoded */
	check_2047("=?utf-8?q?a?= =?x-unknown?q?b?=", "a =?x-unknown?q?b?=");
	check_2047("=?utf-8?x?a?=", "=?utf-8?x?a?=");
	check_2047("=?utf-8?q?unterminated", "=?utf-8?q?unterminated");
	check_2047("=?utf-8*fr?q?langue?=", "langue");  /* RFC 2231 §5 language */
	check_2047("=?utf-8?b?/w==?=", "\xef\xbf\xbd"); /* invalid UTF-8 replaced */
	check_2047("=?windows-1252?q?=80?=", "\xe2\x82\xac");
	check_2047("=?utf-8//TRANSLIT?q?x?=", "=?utf-8//TRANSLIT?q?x?="); /* not a charset name */
	check_2047("=?../../x?q?x?=", "=?../../x?q?x?=");
}
END_TEST

/* ----------------------------------------------------------- decoding */

START_TEST(cte_decoding)
{
	struct buf b;
	struct slice qp = S("caf=C3=A9 =\r\nsuite  \r\n=3D=zz\r\nend");
	struct slice b64 = S("aGVs\r\nbG8=\r\n");

	buf_init(&b, 0);
	ck_assert_int_eq(mime_decode(MIME_CTE_QP, qp, &b), 0);
	ck_assert_slice(buf_slice(&b), "caf\xc3\xa9 suite\r\n==zz\r\nend");
	ck_assert_uint_eq(mime_decoded_size(MIME_CTE_QP, qp), b.len);
	buf_reset(&b);
	ck_assert_int_eq(mime_decode(MIME_CTE_BASE64, b64, &b), 0);
	ck_assert_slice(buf_slice(&b), "hello");
	ck_assert_uint_eq(mime_decoded_size(MIME_CTE_BASE64, b64), 5);
	ck_assert_uint_eq(mime_decoded_size(MIME_CTE_7BIT, b64), b64.len);
	ck_assert_int_eq(mime_cte_parse(S(" Base64 ")), MIME_CTE_BASE64);
	ck_assert_int_eq(mime_cte_parse(S("x-uuencode")), MIME_CTE_OTHER);
	buf_reset(&b);
	ck_assert_int_eq(mime_crlf_normalize((const uint8_t *)"a\nb\r\nc\rd", 8, &b), 1);
	ck_assert_slice(buf_slice(&b), "a\r\nb\r\nc\r\nd");
	buf_reset(&b);
	ck_assert_int_eq(mime_crlf_normalize((const uint8_t *)"a\r\n", 3, &b), 0);
	buf_free(&b);
}
END_TEST

START_TEST(text_utf8)
{
	size_t len;
	uint8_t *d = corpus_load("nested.eml", &len);
	struct mime_msg *m;
	struct buf b;

	buf_init(&b, 0);
	mime_parse(d, len, &m);
	ck_assert_int_eq(mime_part_text(m, child(child(m->root, 1), 1), &b), 0);
	ck_assert_slice(buf_slice(&b), "R\xc3\xa9sultats normaux.\r\n");
	mime_free(&m);
	free(d);

	d = corpus_load("encoded.eml", &len);
	mime_parse(d, len, &m);
	buf_reset(&b);
	ck_assert_int_eq(mime_part_text(m, m->root, &b), 0);
	ck_assert_slice(buf_slice(&b), "Fran\xc3\xa7ois\r\n"); /* iso-8859-1 */
	buf_reset(&b);
	ck_assert_int_eq(mime_header_get_utf8(mime_part_header(m, m->root), "subject", &b), 1);
	ck_assert_slice(buf_slice(&b), "R\xc3\xa9sultats d'analyse =?x-unknown?q?abc?=");
	buf_reset(&b);
	ck_assert_int_eq(mime_header_get_utf8(mime_part_header(m, m->root), "x-none", &b), 0);
	mime_free(&m);
	free(d);
	buf_free(&b);
}
END_TEST

/* Lines are counted eight bytes at a time: check against a plain count
 * with bytes next to LF (0x0b, 0x8a, 0x09...) at every alignment. */
START_TEST(line_count)
{
	struct buf msg;
	struct mime_msg *m;
	size_t want = 0;
	const char *h = "Content-Type: text/plain\n\n";

	buf_init(&msg, 0);
	buf_append_str(&msg, h);
	for (unsigned i = 0; i < 5000; i++) {
		uint8_t c = (uint8_t)(i * 37 + (i >> 3));
		if (i % 7 == 0)
			c = '\n';
		want += c == '\n';
		buf_append_u8(&msg, c);
	}
	for (size_t skip = 0; skip < 9; skip++) {
		size_t w = want;
		mime_parse(msg.data, msg.len - skip, &m);
		for (size_t i = msg.len - skip; i < msg.len; i++)
			w -= msg.data[i] == '\n';
		ck_assert_uint_eq(m->root->body_lines, w);
		mime_free(&m);
	}
	buf_free(&msg);
}
END_TEST

/* ------------------------------------------------------------- limits */

START_TEST(depth_limit)
{
	size_t len;
	uint8_t *d = corpus_load("deep.eml", &len);
	struct mime_msg *m;
	struct mime_part *p;
	unsigned depth = 0;

	mime_parse(d, len, &m);
	ck_assert(m->truncated);
	for (p = m->root; p->children != NULL; p = p->children)
		depth++;
	ck_assert_uint_eq(depth, MIME_MAX_DEPTH);
	ck_assert(p->opaque);
	ck_assert_int_eq(p->kind, MIME_LEAF);
	mime_free(&m);
	free(d);
}
END_TEST

START_TEST(parts_limit)
{
	struct buf msg;
	struct mime_msg *m;

	buf_init(&msg, 0);
	buf_append_str(&msg, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (int i = 0; i < MIME_MAX_PARTS + 50; i++)
		buf_append_str(&msg, "--p\r\n\r\nx\r\n");
	buf_append_str(&msg, "--p--\r\n");
	mime_parse(msg.data, msg.len, &m);
	ck_assert(m->truncated);
	ck_assert_uint_eq(m->nparts, MIME_MAX_PARTS);
	ck_assert_uint_eq(m->root->nchildren, MIME_MAX_PARTS - 1);
	mime_free(&m);
	buf_free(&msg);
}
END_TEST

/* Every part inside its parent, header right before body, nothing past
 * the end of what was given. */
static void check_tree(const struct mime_msg *m, const struct mime_part *p, size_t lo, size_t hi)
{
	ck_assert_uint_ge(p->hdr_off, lo);
	ck_assert_uint_eq(p->hdr_off + p->hdr_len, p->body_off);
	ck_assert_uint_le(p->body_off + p->body_len, hi);
	ck_assert_uint_le(p->depth, MIME_MAX_DEPTH);
	for (const struct mime_part *c = p->children; c != NULL; c = c->next) {
		check_tree(m, c, p->body_off, p->body_off + p->body_len);
		ck_assert_ptr_eq(c->parent, p);
	}
}

START_TEST(every_truncation)
{
	for (size_t f = 0; f < sizeof(corpus) / sizeof(corpus[0]); f++) {
		size_t len;
		uint8_t *d = corpus_load(corpus[f], &len);
		for (size_t cut = 0; cut <= len; cut++) {
			/* a fresh copy of exactly cut bytes, so ASan sees any overread */
			uint8_t *c = malloc(cut ? cut : 1);
			struct mime_msg *m;
			memcpy(c, d, cut);
			mime_parse(c, cut, &m);
			check_tree(m, m->root, 0, cut);
			mime_free(&m);
			free(c);
		}
		free(d);
	}
}
END_TEST

static Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, header_walk);
	tcase_add_test(tc, header_filter);
	tcase_add_test(tc, unfold_controls);
	tcase_add_test(tc, nested_offsets);
	tcase_add_test(tc, message_rfc822);
	tcase_add_test(tc, bare_lf);
	tcase_add_test(tc, missing_boundaries);
	tcase_add_test(tc, boundary_prefix);
	tcase_add_test(tc, boundary_modes);
	tcase_add_test(tc, digest_default);
	tcase_add_test(tc, no_separator_and_empty);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, rfc2231_params);
	tcase_add_test(tc, rfc2231_sections);
	tcase_add_test(tc, params_lenient);
	tcase_add_test(tc, rfc2047_words);
	tcase_add_test(tc, cte_decoding);
	tcase_add_test(tc, text_utf8);
	tcase_add_test(tc, line_count);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, parts_limit);
	suite_add_tcase(s, tc);
	/* slow under ASan on a loaded machine: its own, longer timeout */
	tc = tcase_create("truncation");
	tcase_set_timeout(tc, MIME_TEST_SLOW_TIMEOUT);
	tcase_add_test(tc, every_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
