/* SPDX-License-Identifier: ISC */
/* RFC 2047 encoded-words to UTF-8, charsets through iconv(3). Lenient in
 * what it accepts, and a word it cannot decode is kept as written. */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "rfc2047.h"

#define RFC2047_ICONV_CHUNK 1024 /* output bytes converted per iconv() call */

static const uint8_t rfc2047_replacement[] = {0xef, 0xbf, 0xbd}; /* U+FFFD */

/* Length of the valid UTF-8 sequence at p (1-4), 0 if invalid. */
static size_t utf8_seq_len(const uint8_t *p, size_t n)
{
	size_t need;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

static int utf8_copy_valid(struct slice in, struct buf *out)
{
	size_t i = 0;

	while (i < in.len) {
		size_t n = utf8_seq_len(in.p + i, in.len - i);
		if (n == 0) {
			if (buf_append(out, rfc2047_replacement, sizeof(rfc2047_replacement)) < 0)
				return -1;
			i++;
			continue;
		}
		if (buf_append(out, in.p + i, n) < 0)
			return -1;
		i += n;
	}
	return 0;
}

static bool charset_is(struct slice cs, const char *name)
{
	return slice_casecmp_cstr(cs, name) == 0;
}

static int iconv_run(iconv_t cd, struct slice in, struct buf *out)
{
	char *ip = (char *)(uintptr_t)in.p;
	size_t ileft = in.len;

	while (ileft > 0) {
		char *op;
		size_t oleft = RFC2047_ICONV_CHUNK, before;

		if (buf_reserve(out, RFC2047_ICONV_CHUNK) < 0)
			return -1;
		op = (char *)out->data + out->len;
		before = ileft;
		if (iconv(cd, &ip, &ileft, &op, &oleft) == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ or EINVAL: replace one byte and go on */
			out->len += RFC2047_ICONV_CHUNK - oleft;
			if (buf_append(out, rfc2047_replacement, sizeof(rfc2047_replacement)) < 0)
				return -1;
			ip++;
			ileft--;
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		out->len += RFC2047_ICONV_CHUNK - oleft;
		if (ileft == before && oleft == RFC2047_ICONV_CHUNK)
			break; /* no progress: give up rather than loop */
	}
	return 0;
}

int rfc2047_charset_to_utf8(struct slice charset, struct slice in, struct buf *out)
{
	char name[RFC2047_MAX_CHARSET + 1];
	size_t n = 0, before = out->len;
	iconv_t cd;
	int r;

	/* RFC 2231 §5: a language may follow the charset after '*' */
	while (n < charset.len && charset.p[n] != '*')
		n++;
	charset.len = n;
	if (charset.len == 0 || charset.len > RFC2047_MAX_CHARSET)
		return 0;
	if (charset_is(charset, "utf-8") || charset_is(charset, "utf8") ||
	    charset_is(charset, "us-ascii") || charset_is(charset, "ascii"))
		return utf8_copy_valid(in, out) < 0 ? -1 : 1;
	/* only what charset names are made of: no "/" (iconv suffixes like
	 * //TRANSLIT, paths) and nothing else iconv_open would interpret */
	for (size_t i = 0; i < charset.len; i++) {
		uint8_t c = charset.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':' || c == '+'))
			return 0;
		name[i] = (char)c;
	}
	name[charset.len] = '\0';
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		return 0;
	r = iconv_run(cd, in, out);
	iconv_close(cd);
	if (r < 0) {
		out->len = before;
		return -1;
	}
	return 1;
}

/* Decodes the text of a B (§4.1) or Q (§4.2) word into out. */
static int word_decode(uint8_t enc, struct slice t, struct buf *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;

	for (size_t i = 0; i < t.len; i++) {
		uint8_t c = t.p[i];
		if (enc == 'B') {
			int v = codec_b64val(c);
			if (v < 0)
				continue;
			acc = (acc << 6) | (uint32_t)v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if (buf_append_u8(out, (uint8_t)(acc >> bits)) < 0)
					return -1;
			}
		} else if (c == '_') {
			if (buf_append_u8(out, ' ') < 0)
				return -1;
		} else if (c == '=' && i + 2 < t.len && codec_hexval(t.p[i + 1]) >= 0 &&
		           codec_hexval(t.p[i + 2]) >= 0) {
			if (buf_append_u8(
			        out, (uint8_t)(codec_hexval(t.p[i + 1]) * 16 + codec_hexval(t.p[i + 2]))) < 0)
				return -1;
			i += 2;
		} else if (buf_append_u8(out, c) < 0) {
			return -1;
		}
	}
	return 0;
}

/* Recognises an encoded-word at in[pos]; on success sets the charset, the
 * encoding letter, the text and the length of the whole word. */
static bool word_scan(struct slice in, size_t pos, struct slice *cs, uint8_t *enc,
                      struct slice *text, size_t *wlen)
{
	size_t i = pos + 2, start, limit = in.len;

	if (limit - pos > RFC2047_MAX_WORD)
		limit = pos + RFC2047_MAX_WORD;
	if (pos + 2 > limit || in.p[pos] != '=' || in.p[pos + 1] != '?')
		return false;
	start = i;
	while (i < limit && in.p[i] != '?' && in.p[i] > 0x20 && in.p[i] < 0x7f)
		i++;
	if (i + 3 > limit || in.p[i] != '?' || i == start)
		return false;
	*cs = (struct slice){in.p + start, i - start};
	*enc = in.p[i + 1] & (uint8_t)~0x20;
	if ((*enc != 'B' && *enc != 'Q') || in.p[i + 2] != '?')
		return false;
	i += 3;
	start = i;
	while (i + 1 < limit && !(in.p[i] == '?' && in.p[i + 1] == '=')) {
		if (in.p[i] <= 0x20 || in.p[i] >= 0x7f)
			return false;
		i++;
	}
	if (i + 1 >= limit)
		return false;
	*text = (struct slice){in.p + start, i - start};
	*wlen = i + 2 - pos;
	return true;
}

/* Decodes the encoded-word at in[pos] into out; its length, or 0 if there
 * is none or it cannot be decoded (out unchanged then), -1 past the limit. */
static long word_try(struct slice in, size_t pos, struct buf *tmp, struct buf *out)
{
	struct slice cs, text;
	uint8_t enc;
	size_t wlen, mark = out->len;
	int c;

	if (!word_scan(in, pos, &cs, &enc, &text, &wlen))
		return 0;
	buf_reset(tmp);
	if (word_decode(enc, text, tmp) < 0)
		return 0;
	c = rfc2047_charset_to_utf8(cs, buf_slice(tmp), out);
	if (c == 1)
		return (long)wlen;
	out->len = mark;
	return c < 0 ? -1 : 0;
}

int rfc2047_decode(struct slice in, struct buf *out)
{
	struct buf tmp;
	size_t pos = 0;
	bool after_word = false;
	int r = 0;

	buf_init(&tmp, RFC2047_MAX_WORD);
	while (pos < in.len && r == 0) {
		long w = word_try(in, pos, &tmp, out);

		if (w > 0) {
			after_word = true;
			pos += (size_t)w;
			continue;
		}
		if (w < 0) {
			r = -1;
			break;
		}
		if (in.p[pos] == ' ' || in.p[pos] == '\t') {
			size_t ws = pos;
			while (pos < in.len && (in.p[pos] == ' ' || in.p[pos] == '\t'))
				pos++;
			/* §6.2: white space between two encoded-words is dropped */
			if (after_word && pos < in.len && (w = word_try(in, pos, &tmp, out)) != 0) {
				if (w < 0)
					r = -1;
				else
					pos += (size_t)w;
				continue;
			}
			after_word = false;
			if (buf_append(out, in.p + ws, pos - ws) < 0)
				r = -1;
			continue;
		}
		after_word = false;
		if (buf_append_u8(out, in.p[pos]) < 0)
			r = -1;
		pos++;
	}
	buf_free(&tmp);
	return r;
}
