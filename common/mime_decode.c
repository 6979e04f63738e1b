/* SPDX-License-Identifier: ISC */
/* Content-Transfer-Encoding decoding (base64 and quoted-printable, RFC 2045
 * §6.7-6.8) for BINARY and BINARY.SIZE, and CRLF normalisation. */
#include "config.h"

#include <string.h>

#include "mime.h"

static int mime_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int mime_b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

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

/* One decoder for both uses: with out == NULL it only counts. */
static int decode_b64(struct slice body, struct buf *out, size_t *n_r)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < body.len; i++) {
		int v = mime_b64val(body.p[i]);
		if (body.p[i] == '=')
			break; /* padding ends the data */
		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (out != NULL && buf_append_u8(out, (uint8_t)(acc >> bits)) < 0)
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
			if (c == '=' && j + 2 < end && mime_hexval(body.p[j + 1]) >= 0 &&
			    mime_hexval(body.p[j + 2]) >= 0) {
				c = (uint8_t)(mime_hexval(body.p[j + 1]) * 16 + mime_hexval(body.p[j + 2]));
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
