/* SPDX-License-Identifier: ISC */
/* SMTP message data and SASL: the DATA reader fed whole, byte by byte and
 * in random chunks (same result each time), the SMTP smuggling cases, size
 * and line limits, 8-bit and NUL records and the verdicts (RFC 5321
 * section 4.5.2, 4.5.3.1), the BDAT reader (RFC 3030), base64, SASL PLAIN
 * (RFC 4616) and LOGIN. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"
#include "smtp_data.h"
#include "smtp_reply.h"
#include "smtp_sasl.h"

/* "CODE ENH" of a refusal. */
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

/* ------------------------------------------------------------ DATA */

struct sink {
	struct buf out;
	unsigned calls;
};

static void sink_fn(void *ctx, const uint8_t *data, size_t len)
{
	struct sink *s = ctx;

	ck_assert_uint_gt(len, 0);
	buf_append(&s->out, data, len);
	s->calls++;
}

struct data_result {
	enum smtp_data_result res;
	size_t consumed; /* total */
	unsigned flags;
	uint64_t size;
	char out[8192];
	size_t outlen;
};

/* Feeds in with chunk sizes from mode: 0 whole, 1 byte by byte, else
 * random chunks seeded by mode. Stops at END. */
static void run_data(const char *in, size_t len, uint64_t max, unsigned mode,
                     struct data_result *dr)
{
	struct smtp_data_reader r;
	struct sink s;
	size_t off = 0;

	buf_init(&s.out, 0);
	smtp_data_init(&r, max);
	srand(mode);
	dr->res = SMTP_DATA_MORE;
	while (off < len && dr->res == SMTP_DATA_MORE) {
		size_t n = mode == 0 ? len - off : mode == 1 ? 1 : 1 + (size_t)rand() % 17;
		size_t used;

		if (n > len - off)
			n = len - off;
		dr->res = smtp_data_feed(&r, (const uint8_t *)in + off, n, &used, sink_fn, &s);
		ck_assert_uint_le(used, n);
		if (dr->res == SMTP_DATA_MORE)
			ck_assert_uint_eq(used, n);
		off += used;
	}
	dr->consumed = off;
	dr->flags = r.flags;
	dr->size = r.size;
	ck_assert_uint_eq(r.size, r.flags & SMTP_DATA_TOO_BIG ? r.size : s.out.len);
	ck_assert_uint_lt(s.out.len, sizeof(dr->out));
	if (s.out.len > 0)
		memcpy(dr->out, s.out.data, s.out.len);
	dr->outlen = s.out.len;
	buf_free(&s.out);
}

/* Runs whole, byte by byte and in several random chunkings: the same
 * result each time, which is returned. */
static struct data_result data_all(const char *in, size_t len, uint64_t max)
{
	static struct data_result first, other;

	run_data(in, len, max, 0, &first);
	for (unsigned mode = 1; mode < 12; mode++) {
		run_data(in, len, max, mode, &other);
		ck_assert_int_eq(other.res, first.res);
		ck_assert_uint_eq(other.consumed, first.consumed);
		ck_assert_uint_eq(other.flags, first.flags);
		ck_assert_uint_eq(other.size, first.size);
		ck_assert_uint_eq(other.outlen, first.outlen);
		ck_assert(memcmp(other.out, first.out, first.outlen) == 0);
	}
	return first;
}

#define DATA(s, max) data_all(s, sizeof(s) - 1, max)

static bool out_is(const struct data_result *dr, const char *s)
{
	return dr->outlen == strlen(s) && memcmp(dr->out, s, dr->outlen) == 0;
}

START_TEST(data_basic)
{
	struct data_result dr;

	dr = DATA("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n", 0);
	ck_assert_int_eq(dr.res, SMTP_DATA_END);
	ck_assert_uint_eq(dr.consumed, 23);
	ck_assert(out_is(&dr, "Subject: x\r\n\r\nbody\r\n"));
	ck_assert_uint_eq(dr.flags, 0);
	ck_assert_uint_eq(dr.size, 20);
	dr = DATA(".\r\n", 0); /* empty message */
	ck_assert_int_eq(dr.res, SMTP_DATA_END);
	ck_assert_uint_eq(dr.outlen, 0);
	/* dot-unstuffing at the start of every line, only there */
	dr = DATA("..\r\n..x\r\na.b\r\n...\r\n.\r\n", 0);
	ck_assert_int_eq(dr.res, SMTP_DATA_END);
	ck_assert(out_is(&dr, ".\r\n.x\r\na.b\r\n..\r\n"));
	dr = DATA(".x\r\n.\r\n", 0); /* a lone dot that stuffs nothing: dropped */
	ck_assert(out_is(&dr, "x\r\n"));
	dr = DATA("abc\r\n.", 0);
	ck_assert_int_eq(dr.res, SMTP_DATA_MORE);
	ck_assert(out_is(&dr, "abc\r\n"));
	dr = DATA("abc\r\n.\r", 0);
	ck_assert_int_eq(dr.res, SMTP_DATA_MORE);
	ck_assert(out_is(&dr, "abc\r\n"));
}
END_TEST

/* SMTP smuggling: only CRLF "." CRLF ends the data. */
START_TEST(data_smuggling)
{
	static const char *const fakes[] = {
	    "a\n.\nMAIL FROM:<x@evil>\r\n",
	    "a\r.\rMAIL FROM:<x@evil>\r\n",
	    "a\n.\r\nMAIL FROM:<x@evil>\r\n",
	    "a\r\n.\nMAIL FROM:<x@evil>\r\n",
	    "a\r.\r\nMAIL FROM:<x@evil>\r\n",
	    "a\r\n.\rMAIL FROM:<x@evil>\r\n",
	    "a\r\n.\r\rMAIL\r\n",
	    "a\r\r\n.\n\r\n",
	};
	char in[256];

	for (size_t k = 0; k < sizeof(fakes) / sizeof(fakes[0]); k++) {
		struct data_result dr;
		int n = snprintf(in, sizeof(in), "%s.\r\n", fakes[k]);

		dr = data_all(in, (size_t)n, 0);
		ck_assert_int_eq(dr.res, SMTP_DATA_END);
		ck_assert_uint_eq(dr.consumed, (size_t)n); /* the fake end did not end it */
		ck_assert_msg(dr.flags & (SMTP_DATA_BARE_CR | SMTP_DATA_BARE_LF), "case %zu", k);
		ck_assert(memmem(dr.out, dr.outlen, "MAIL", 4) != NULL || k == 7);
	}
	{
		struct smtp_data_reader r;
		struct data_result dr = DATA("a\n.\nb\r\n.\r\n", 0);

		ck_assert(out_is(&dr, "a\n.\nb\r\n"));
		ck_assert_uint_eq(dr.flags, SMTP_DATA_BARE_LF);
		smtp_data_init(&r, 0);
		r.flags = dr.flags;
		ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_NONE), SMTP_R_DATA_BARE_EOL);
		dr = DATA("a\r.\rb\r\n.\r\n", 0);
		ck_assert(out_is(&dr, "a\r.\rb\r\n"));
		ck_assert_uint_eq(dr.flags, SMTP_DATA_BARE_CR);
		dr = DATA("a\r\n.\rb\r\n.\r\n", 0); /* "." CR x: the dot goes, the CR stays */
		ck_assert(out_is(&dr, "a\r\n\rb\r\n"));
		ck_assert_uint_eq(dr.flags, SMTP_DATA_BARE_CR);
	}
	ck_assert_str_eq(codes(SMTP_R_DATA_BARE_EOL), "550 5.6.0");
}
END_TEST

START_TEST(data_limits)
{
	static char in[8192];
	struct smtp_data_reader r;
	struct data_result dr;
	size_t n;

	/* size: over the limit the reader consumes to the end, sink stops */
	dr = DATA("0123456789\r\n0123456789\r\n.\r\n", 12);
	ck_assert_int_eq(dr.res, SMTP_DATA_END);
	ck_assert_uint_eq(dr.size, 24);
	ck_assert(dr.flags & SMTP_DATA_TOO_BIG);
	ck_assert(out_is(&dr, "0123456789\r\n"));
	dr = DATA("0123456789\r\n.\r\n", 12); /* exactly at the limit */
	ck_assert_uint_eq(dr.flags, 0);
	smtp_data_init(&r, 12);
	r.flags = SMTP_DATA_TOO_BIG | SMTP_DATA_BARE_LF;
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_NONE), SMTP_R_DATA_TOO_BIG);
	ck_assert_str_eq(codes(SMTP_R_DATA_TOO_BIG), "552 5.3.4");

	/* line length: 998 octets plus CRLF, the stuffing dot counted */
	memset(in, 'x', 998);
	memcpy(in + 998, "\r\n.\r\n", 6);
	dr = data_all(in, 1003, 0);
	ck_assert_uint_eq(dr.flags, 0);
	in[0] = '.';
	memset(in + 1, 'x', 998);
	memcpy(in + 999, "\r\n.\r\n", 6);
	dr = data_all(in, 1004, 0);
	ck_assert_uint_eq(dr.flags, SMTP_DATA_LONG_LINE);
	memset(in, 'y', 5000);
	memcpy(in + 5000, "\r\nshort\r\n.\r\n", 13);
	dr = data_all(in, 5012, 0);
	ck_assert_uint_eq(dr.flags, SMTP_DATA_LONG_LINE);
	smtp_data_init(&r, 0);
	r.flags = dr.flags;
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_NONE), SMTP_R_DATA_LINE_TOO_LONG);

	/* 8-bit and NUL */
	dr = DATA("caf\xc3\xa9\r\n.\r\n", 0);
	ck_assert_uint_eq(dr.flags, SMTP_DATA_8BIT);
	smtp_data_init(&r, 0);
	r.flags = dr.flags;
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_NONE), SMTP_R_OK);
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_8BITMIME), SMTP_R_OK);
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_7BIT), SMTP_R_DATA_8BIT);
	n = 9;
	memcpy(in, "a\0b\r\n.\r\n", n);
	dr = data_all(in, n - 1, 0);
	ck_assert_uint_eq(dr.flags, SMTP_DATA_NUL);
	r.flags = dr.flags;
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_BINARYMIME), SMTP_R_DATA_NUL);
	r.flags = 0;
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_7BIT), SMTP_R_OK);
}
END_TEST

START_TEST(data_random)
{
	static const char alphabet[] = "\r\n.\r\n.ab\xe9";
	static char in[3000];

	srand(11);
	for (int t = 0; t < 100; t++) {
		size_t n = (size_t)rand() % 2000, m;
		struct data_result dr;

		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[(size_t)rand() % (sizeof(alphabet) - 1)];
		memcpy(in + n, "\r\n.\r\n", 5);
		m = n + 5;
		dr = data_all(in, m, 1000);
		ck_assert_int_eq(dr.res, SMTP_DATA_END);
		ck_assert(memmem(in, dr.consumed, "\r\n.\r\n", 5) == in + dr.consumed - 5 ||
		          (dr.consumed == 3 && memcmp(in, ".\r\n", 3) == 0));
		ck_assert_uint_le(dr.outlen, 1000);
	}
}
END_TEST

START_TEST(bdat_reader)
{
	struct smtp_data_reader r;
	struct sink s;
	size_t used;

	buf_init(&s.out, 0);
	smtp_bdat_init(&r, 10);
	smtp_bdat_feed(&r, (const uint8_t *)"a\r\n.\r\n", 6, sink_fn, &s);
	ck_assert_uint_eq(r.size, 6);
	ck_assert(slice_is(buf_slice(&s.out), "a\r\n.\r\n")); /* no unstuffing, no end */
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_NONE), SMTP_R_OK);
	smtp_bdat_feed(&r, (const uint8_t *)"\n\0\xff", 3, sink_fn, &s);
	ck_assert_uint_eq(r.flags, SMTP_DATA_NUL | SMTP_DATA_8BIT);
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_BINARYMIME), SMTP_R_OK);
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_8BITMIME), SMTP_R_DATA_NUL);
	smtp_bdat_feed(&r, NULL, 0, sink_fn, &s); /* an empty chunk (BDAT 0 LAST) */
	smtp_bdat_feed(&r, (const uint8_t *)"xy", 2, sink_fn, &s);
	ck_assert_uint_eq(r.size, 11);
	ck_assert_uint_eq(s.out.len, 10); /* the first max bytes */
	ck_assert_int_eq(smtp_data_verdict(&r, SMTP_BODY_BINARYMIME), SMTP_R_DATA_TOO_BIG);
	/* the DATA feed refuses to work on a BDAT reader */
	ck_assert_int_eq(smtp_data_feed(&r, (const uint8_t *)"x", 1, &used, sink_fn, &s),
	                 SMTP_DATA_END);
	ck_assert_uint_eq(used, 0);
	buf_free(&s.out);
}
END_TEST

/* ------------------------------------------------------------ SASL */

static const char *b64(const char *in, size_t n)
{
	static char out[2048];
	struct buf b;

	buf_init(&b, 0);
	ck_assert_int_eq(smtp_b64_encode((struct slice){(const uint8_t *)in, n}, &b), 0);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, (const char *)b.data);
	buf_free(&b);
	return out;
}

START_TEST(base64)
{
	uint8_t out[16];

	ck_assert_str_eq(b64("", 0), "");
	ck_assert_str_eq(b64("f", 1), "Zg==");
	ck_assert_str_eq(b64("fo", 2), "Zm8=");
	ck_assert_str_eq(b64("foobar", 6), "Zm9vYmFy");
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYg=="), out, sizeof(out)), 4);
	ck_assert(memcmp(out, "foob", 4) == 0);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYg="), out, sizeof(out)), -1);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYh=="), out, sizeof(out)), -1);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zg==Zg=="), out, sizeof(out)), -1);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9v YmFy"), out, sizeof(out)), -1);
	ck_assert_int_eq(sasl_b64_decode(slice_from_cstr("Zm9vYmFy"), out, 5), SASL_B64_TOO_LONG);
}
END_TEST

static enum smtp_reply_id plain(const char *msg, size_t n, struct smtp_sasl_plain *p)
{
	enum smtp_reply_id err = SMTP_R_OK;

	if (smtp_sasl_plain_decode(slice_from_cstr(b64(msg, n)), p, &err) == 0)
		ck_assert_int_eq(err, SMTP_R_OK);
	return err;
}

START_TEST(sasl_plain)
{
	struct smtp_sasl_plain p;
	enum smtp_reply_id err;
	static char big[400];

	ck_assert_int_eq(plain("\0jean@d.example\0s3cret", 22, &p), SMTP_R_OK);
	ck_assert_str_eq(p.authzid, "");
	ck_assert_str_eq(p.authcid, "jean@d.example");
	ck_assert_str_eq(p.passwd, "s3cret");
	ck_assert_uint_eq(p.passwd_len, 6);
	smtp_sasl_plain_wipe(&p);
	ck_assert_str_eq(p.passwd, "");
	ck_assert_int_eq(plain("boss\0jean\0pw", 12, &p), SMTP_R_OK);
	ck_assert_str_eq(p.authzid, "boss");
	ck_assert_int_eq(plain("\0jean\0", 6, &p), SMTP_R_AUTH_PLAIN_BAD);
	ck_assert_int_eq(plain("\0\0pw", 4, &p), SMTP_R_AUTH_PLAIN_BAD);
	ck_assert_int_eq(plain("jean\0pw", 7, &p), SMTP_R_AUTH_PLAIN_BAD);
	ck_assert_int_eq(plain("\0jean\0p\0w", 9, &p), SMTP_R_AUTH_PLAIN_BAD);
	ck_assert_str_eq(p.authcid, ""); /* wiped on error */
	ck_assert_int_eq(plain("\0j\xe9\0pw", 6, &p), SMTP_R_AUTH_PLAIN_BAD);
	big[0] = '\0';
	memset(big + 1, 'u', 256);
	big[257] = '\0';
	memcpy(big + 258, "pw", 2);
	ck_assert_int_eq(plain(big, 260, &p), SMTP_R_AUTH_PLAIN_BAD);
	memset(big + 1, 'u', 255);
	big[256] = '\0';
	memcpy(big + 257, "pw", 2);
	ck_assert_int_eq(plain(big, 259, &p), SMTP_R_OK);
	ck_assert_int_eq(smtp_sasl_plain_decode(slice_from_cstr("*"), &p, &err), -1);
	ck_assert_int_eq(err, SMTP_R_AUTH_CANCELLED);
	ck_assert_int_eq(smtp_sasl_plain_decode(slice_from_cstr("="), &p, &err), -1);
	ck_assert_int_eq(err, SMTP_R_AUTH_PLAIN_BAD);
	ck_assert_int_eq(smtp_sasl_plain_decode(slice_from_cstr("AGp!"), &p, &err), -1);
	ck_assert_int_eq(err, SMTP_R_AUTH_BASE64);
	ck_assert_str_eq(codes(SMTP_R_AUTH_CANCELLED), "501 5.7.0");
	ck_assert_str_eq(codes(SMTP_R_AUTH_BASE64), "501 5.5.2");
}
END_TEST

START_TEST(sasl_login)
{
	struct smtp_sasl_login l;
	enum smtp_reply_id err;
	struct slice ir;

	ck_assert_int_eq(smtp_sasl_login_start(&l, NULL, &err), SMTP_SASL_CONTINUE);
	ck_assert_str_eq(smtp_sasl_login_challenge(&l), "VXNlcm5hbWU6");
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr(b64("jean", 4)), &err),
	                 SMTP_SASL_CONTINUE);
	ck_assert_str_eq(smtp_sasl_login_challenge(&l), "UGFzc3dvcmQ6");
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr(b64("s3cret", 6)), &err),
	                 SMTP_SASL_DONE);
	ck_assert_str_eq(l.user, "jean");
	ck_assert_str_eq(l.passwd, "s3cret");
	ck_assert_uint_eq(l.passwd_len, 6);
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr("eA=="), &err), SMTP_SASL_ERR);
	ck_assert_str_eq(l.passwd, "");
	/* username as initial response */
	ir = slice_from_cstr(b64("jean", 4));
	ck_assert_int_eq(smtp_sasl_login_start(&l, &ir, &err), SMTP_SASL_CONTINUE);
	ck_assert_str_eq(smtp_sasl_login_challenge(&l), "UGFzc3dvcmQ6");
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr("*"), &err), SMTP_SASL_ERR);
	ck_assert_int_eq(err, SMTP_R_AUTH_CANCELLED);
	ck_assert_str_eq(l.user, "");
	ir = slice_from_cstr("=");
	ck_assert_int_eq(smtp_sasl_login_start(&l, &ir, &err), SMTP_SASL_ERR);
	ck_assert_int_eq(err, SMTP_R_AUTH_LOGIN_BAD);
	smtp_sasl_login_start(&l, NULL, &err);
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr("!!!!"), &err), SMTP_SASL_ERR);
	ck_assert_int_eq(err, SMTP_R_AUTH_BASE64);
	smtp_sasl_login_start(&l, NULL, &err);
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr(""), &err), SMTP_SASL_ERR);
	ck_assert_int_eq(err, SMTP_R_AUTH_LOGIN_BAD);
	smtp_sasl_login_start(&l, NULL, &err);
	ck_assert_int_eq(smtp_sasl_login_step(&l, slice_from_cstr(b64("a\0b", 3)), &err),
	                 SMTP_SASL_ERR);
	ck_assert_int_eq(err, SMTP_R_AUTH_LOGIN_BAD);
}
END_TEST

static Suite *smtp_data_suite(void)
{
	Suite *s = suite_create("smtp_data");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, data_basic);
	tcase_add_test(tc, data_smuggling);
	tcase_add_test(tc, data_limits);
	tcase_add_test(tc, data_random);
	tcase_add_test(tc, bdat_reader);
	tcase_add_test(tc, base64);
	tcase_add_test(tc, sasl_plain);
	tcase_add_test(tc, sasl_login);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(smtp_data_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
