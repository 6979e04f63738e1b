/* SPDX-License-Identifier: ISC */
/* Modified UTF-7 (RFC 3501 section 5.1.3): printable ASCII stands for
 * itself ("&" is "&-"), anything else is UTF-16BE in base64 with ","
 * for "/" between "&" and "-". Decoding refuses every non-canonical form. */
#include "config.h"

#include <string.h>

#include "imap_mutf7.h"

static const char mutf7_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64_value(uint8_t c)
{
	const char *p = c != 0 ? strchr(mutf7_b64, c) : NULL;

	return p != NULL ? (int)(p - mutf7_b64) : -1;
}

static bool printable(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* One code point as UTF-8. */
static int put_utf8(struct buf *out, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(out, b, n);
}

/* Decodes the base64 run in[*i..] up to "-" (consumed). -1 if invalid. */
static int decode_shift(struct slice in, size_t *i, struct buf *out)
{
	uint32_t bits = 0, high = 0;
	unsigned nbits = 0;
	bool any = false;

	for (;; (*i)++) {
		int v;

		if (*i >= in.len)
			return -1; /* unterminated */
		if (in.p[*i] == '-')
			break;
		v = b64_value(in.p[*i]);
		if (v < 0)
			return -1;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint32_t u = (bits >> nbits) & 0xffff;

		bits &= (1u << nbits) - 1;
		any = true;
		if (high != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			if (put_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00)) < 0)
				return -1;
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return -1;
		} else if (u == 0 || printable(u) || put_utf8(out, u) < 0) {
			return -1; /* printable ASCII must stand for itself */
		}
	}
	(*i)++;
	/* Leftover bits: fewer than 6, all zero; no dangling high surrogate. */
	if (!any || high != 0 || nbits >= 6 || bits != 0)
		return -1;
	return 0;
}

int imap_mutf7_to_utf8(struct slice in, struct buf *out)
{
	size_t i = 0;
	bool after_shift = false;

	while (i < in.len) {
		uint8_t c = in.p[i];

		if (!printable(c))
			return -1;
		if (c != '&') {
			if (buf_append_u8(out, c) < 0)
				return -1;
			i++;
			after_shift = false;
			continue;
		}
		if (i + 1 < in.len && in.p[i + 1] == '-') {
			if (buf_append_u8(out, '&') < 0)
				return -1;
			i += 2;
			after_shift = false;
			continue;
		}
		if (after_shift)
			return -1; /* "&AOk-&AOk-": the encoder merges them */
		i++;
		if (decode_shift(in, &i, out) < 0)
			return -1;
		after_shift = true;
	}
	return 0;
}

/* Next code point of well-formed UTF-8 at s[*i]; -1 if malformed. */
static long next_cp(struct slice s, size_t *i)
{
	uint8_t c = s.p[*i];
	uint32_t cp, min;
	unsigned k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 3, cp = c & 0x07, min = 0x10000;
	else
		return -1;
	if (*i + k >= s.len)
		return -1;
	for (unsigned j = 1; j <= k; j++) {
		if ((s.p[*i + j] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s.p[*i + j] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += k + 1;
	return (long)cp;
}

bool imap_utf8_valid(struct slice in)
{
	size_t i = 0;

	while (i < in.len) {
		long cp = next_cp(in, &i);

		if (cp <= 0)
			return false;
	}
	return true;
}

/* Appends the 16-bit unit u to the base64 run (bits carried in *acc). */
static int put_unit(struct buf *out, uint32_t u, uint32_t *acc, unsigned *nbits)
{
	*acc = (*acc << 16) | u;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		if (buf_append_u8(out, (uint8_t)mutf7_b64[(*acc >> *nbits) & 0x3f]) < 0)
			return -1;
	}
	*acc &= (1u << *nbits) - 1;
	return 0;
}

/* Encodes the run of non-printable code points starting at in[*i]. */
static int encode_shift(struct slice in, size_t *i, struct buf *out)
{
	uint32_t acc = 0;
	unsigned nbits = 0;

	if (buf_append_u8(out, '&') < 0)
		return -1;
	while (*i < in.len && !printable(in.p[*i])) {
		long cp = next_cp(in, i);

		if (cp <= 0)
			return -1;
		if (cp >= 0x10000) {
			if (put_unit(out, 0xd800 + (((uint32_t)cp - 0x10000) >> 10), &acc, &nbits) <
			        0 ||
			    put_unit(out, 0xdc00 + (((uint32_t)cp - 0x10000) & 0x3ff), &acc,
			             &nbits) < 0)
				return -1;
		} else if (put_unit(out, (uint32_t)cp, &acc, &nbits) < 0) {
			return -1;
		}
	}
	if (nbits > 0 && buf_append_u8(out, (uint8_t)mutf7_b64[(acc << (6 - nbits)) & 0x3f]) < 0)
		return -1;
	return buf_append_u8(out, '-');
}

int imap_utf8_to_mutf7(struct slice in, struct buf *out)
{
	size_t i = 0;

	while (i < in.len) {
		uint8_t c = in.p[i];

		if (c == '&') {
			if (buf_append(out, "&-", 2) < 0)
				return -1;
			i++;
		} else if (printable(c)) {
			if (buf_append_u8(out, c) < 0)
				return -1;
			i++;
		} else if (encode_shift(in, &i, out) < 0) {
			return -1;
		}
	}
	return 0;
}
