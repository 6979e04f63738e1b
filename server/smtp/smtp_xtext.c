/* SPDX-License-Identifier: ISC */
/* xtext (RFC 3461), RFC 6533 Unicode escapes, UTF-8 checks. */
#include "config.h"

#include <string.h>

#include "codec.h"
#include "smtp_xtext.h"

size_t smtp_utf8_char(const uint8_t *p, size_t len, uint32_t *cp_r)
{
	uint32_t cp, min;
	size_t n;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		n = 1, cp = p[0], min = 0;
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp_r != NULL)
		*cp_r = cp;
	return n;
}

bool smtp_utf8_valid(struct slice s)
{
	for (size_t i = 0; i < s.len;) {
		size_t n = smtp_utf8_char(s.p + i, s.len - i, NULL);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static bool is_xchar(uint8_t c)
{
	return c >= '!' && c <= '~' && c != '+' && c != '=';
}

static int upper_hexval(uint8_t c)
{
	return (c >= 'a' && c <= 'f') ? -1 : codec_hexval(c);
}

long smtp_xtext_decode(struct slice in, uint8_t *out, size_t outsz)
{
	size_t n = 0;

	for (size_t i = 0; i < in.len; i++) {
		uint8_t c = in.p[i];

		if (c == '+') {
			int hi, lo;

			if (in.len - i < 3)
				return -1;
			hi = upper_hexval(in.p[i + 1]);
			lo = upper_hexval(in.p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else if (!is_xchar(c)) {
			return -1;
		}
		if (n >= outsz)
			return -1;
		out[n++] = c;
	}
	return (long)n;
}

int smtp_xtext_encode(struct slice in, struct buf *out)
{
	size_t start = out->len;

	for (size_t i = 0; i < in.len; i++) {
		uint8_t c = in.p[i];
		int r = is_xchar(c) ? buf_append_u8(out, c) : buf_printf(out, "+%02X", c);

		if (r < 0) {
			out->len = start;
			return -1;
		}
	}
	return 0;
}

/* RFC 6533 QCHAR: printable ASCII except "+", "=" and "\". */
static bool is_qchar(uint32_t c)
{
	return c >= 0x21 && c <= 0x7e && c != '+' && c != '=' && c != '\\';
}

static size_t utf8_put(uint32_t cp, uint8_t *o)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | cp >> 6);
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | cp >> 12);
		o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | cp >> 18);
	o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* "\x{HEX}" at in.p[i]: the code point and the escape's length, or 0. The
 * HEXPOINT rule: 2 to 6 hex digits, no leading zero beyond two digits, and
 * only for characters that may not appear as themselves. */
static size_t parse_escape(struct slice in, size_t i, uint32_t *cp_r)
{
	uint32_t cp = 0;
	size_t j = i + 3, digits;

	if (in.len - i < 5 || in.p[i + 1] != 'x' || in.p[i + 2] != '{')
		return 0;
	for (; j < in.len && in.p[j] != '}'; j++) {
		int v = codec_hexval(in.p[j]);

		if (v < 0 || j - (i + 3) >= 6)
			return 0;
		cp = cp << 4 | (uint32_t)v;
	}
	digits = j - (i + 3);
	if (j >= in.len || digits < 2 || (digits > 2 && in.p[i + 3] == '0'))
		return 0;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0 || is_qchar(cp))
		return 0;
	*cp_r = cp;
	return j + 1 - i;
}

long smtp_unitext_decode(struct slice in, bool unitext, uint8_t *out, size_t outsz)
{
	size_t n = 0;

	for (size_t i = 0; i < in.len;) {
		uint32_t cp;
		size_t k;

		if (in.p[i] == '\\')
			k = parse_escape(in, i, &cp);
		else if (in.p[i] >= 0x80 && unitext)
			k = smtp_utf8_char(in.p + i, in.len - i, &cp);
		else
			k = is_qchar(in.p[i]) ? (cp = in.p[i], 1) : 0;
		if (k == 0 || outsz - n < (cp < 0x80      ? 1u
		                           : cp < 0x800   ? 2u
		                           : cp < 0x10000 ? 3u
		                                          : 4u))
			return -1;
		n += utf8_put(cp, out + n);
		i += k;
	}
	return (long)n;
}

int smtp_unitext_encode(struct slice in, bool unitext, struct buf *out)
{
	size_t start = out->len;

	for (size_t i = 0; i < in.len;) {
		uint32_t cp;
		size_t k = smtp_utf8_char(in.p + i, in.len - i, &cp);
		int r;

		if (k == 0 || cp == 0) { /* RFC 6533 has no escape for U+0000 */
			out->len = start;
			return -1;
		}
		if (is_qchar(cp) || (unitext && cp >= 0x80))
			r = buf_append(out, in.p + i, k);
		else
			r = buf_printf(out, "\\x{%02X}", (unsigned)cp);
		if (r < 0) {
			out->len = start;
			return -1;
		}
		i += k;
	}
	return 0;
}
