/* SPDX-License-Identifier: ISC */
/* Content-Transfer-Encoding decoding (base64 and quoted-printable, RFC 2045
 * §6.7-6.8) for BINARY and BINARY.SIZE, and CRLF normalisation. */
#include "config.h"

#include <string.h>

#include "codec.h"
#include "mime.h"
#include "rfc2047.h"

/* RFC 2045 §6.8 table 1: the value of each base64 character, -1 for others. */
/* clang-format off */
static const int8_t mime_b64[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* clang-format on */

enum mime_cte mime_cte_parse(struct slice s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.len--;
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	if (s.len == 0 || slice_casecmp_cstr(s, "7bit") == 0)
		return MIME_CTE_7BIT;
	if (slice_casecmp_cstr(s, "8bit") == 0)
		return MIME_CTE_8BIT;
	if (slice_casecmp_cstr(s, "binary") == 0)
		return MIME_CTE_BINARY;
	if (slice_casecmp_cstr(s, "quoted-printable") == 0)
		return MIME_CTE_QP;
	if (slice_casecmp_cstr(s, "base64") == 0)
		return MIME_CTE_BASE64;
	return MIME_CTE_OTHER;
}

/* One decoder for both uses: with out == NULL it only counts. Characters
 * outside the alphabet are skipped (§6.8); "=" ends the data. */
static int decode_b64(struct slice body, struct buf *out, size_t *n_r)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	if (out == NULL) {
		for (size_t i = 0; i < body.len && body.p[i] != '='; i++)
			n += mime_b64[body.p[i]] >= 0;
		*n_r = n * 6 / 8;
		return 0;
	}
	for (size_t i = 0; i < body.len && body.p[i] != '='; i++) {
		int v = mime_b64[body.p[i]];
		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_append_u8(out, (uint8_t)(acc >> bits)) < 0)
				return -1;
			n++;
		}
	}
	*n_r = n;
	return 0;
}

static int emit(struct buf *out, size_t *n, const uint8_t *p, size_t len)
{
	*n += len;
	return out != NULL ? buf_append(out, p, len) : 0;
}

/* RFC 2045 §6.7: soft line breaks ("=" at end of line) vanish, "=XX" is a
 * byte, trailing white space on a line is dropped (rule 3). */
static int decode_qp(struct slice body, struct buf *out, size_t *n_r)
{
	size_t i = 0, n = 0;

	while (i < body.len) {
		const uint8_t *lf = memchr(body.p + i, '\n', body.len - i);
		size_t eol = lf != NULL ? (size_t)(lf - body.p) : body.len, end = eol;
		bool soft = false;

		if (end > i && body.p[end - 1] == '\r')
			end--;
		while (end > i && (body.p[end - 1] == ' ' || body.p[end - 1] == '\t'))
			end--;
		if (end > i && body.p[end - 1] == '=')
			end--, soft = true;
		for (size_t j = i; j < end; j++) {
			uint8_t c = body.p[j];
			if (c == '=' && j + 2 < end && codec_hexval(body.p[j + 1]) >= 0 &&
			    codec_hexval(body.p[j + 2]) >= 0) {
				c = (uint8_t)(codec_hexval(body.p[j + 1]) * 16 +
				              codec_hexval(body.p[j + 2]));
				j += 2;
			}
			if (emit(out, &n, &c, 1) < 0)
				return -1;
		}
		if (lf != NULL && !soft && emit(out, &n, (const uint8_t *)"\r\n", 2) < 0)
			return -1;
		i = lf != NULL ? eol + 1 : body.len;
	}
	*n_r = n;
	return 0;
}

int mime_decode(enum mime_cte cte, struct slice body, struct buf *out)
{
	size_t n;

	if (cte == MIME_CTE_BASE64)
		return decode_b64(body, out, &n);
	if (cte == MIME_CTE_QP)
		return decode_qp(body, out, &n);
	return buf_append(out, body.p, body.len);
}

size_t mime_decoded_size(enum mime_cte cte, struct slice body)
{
	size_t n = body.len;

	if (cte == MIME_CTE_BASE64)
		decode_b64(body, NULL, &n);
	else if (cte == MIME_CTE_QP)
		decode_qp(body, NULL, &n);
	return n;
}

int mime_crlf_normalize(const uint8_t *msg, size_t len, struct buf *out)
{
	int changed = 0;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && msg[j] != '\r' && msg[j] != '\n')
			j++;
		if (buf_append(out, msg + i, j - i) < 0)
			return -1;
		if (j == len)
			break;
		if (msg[j] == '\r' && j + 1 < len && msg[j + 1] == '\n')
			j += 2;
		else
			j++, changed = 1;
		if (buf_append(out, "\r\n", 2) < 0)
			return -1;
		i = j;
	}
	return changed;
}

int mime_part_text(const struct mime_msg *m, const struct mime_part *p, struct buf *out)
{
	struct slice cs = mime_param_get(&p->ct_params, "charset");
	struct buf raw;
	int r;

	buf_init(&raw, out->max);
	if (mime_decode(p->cte, mime_part_body(m, p), &raw) < 0) {
		buf_free(&raw);
		return -1;
	}
	if (cs.p == NULL)
		cs = SLICE_STR("us-ascii");
	r = rfc2047_charset_to_utf8(cs, buf_slice(&raw), out);
	if (r == 0)
		r = buf_append(out, raw.data, raw.len);
	buf_free(&raw);
	return r < 0 ? -1 : 0;
}
