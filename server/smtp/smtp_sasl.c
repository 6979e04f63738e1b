/* SPDX-License-Identifier: ISC */
/* SASL PLAIN and LOGIN for SMTP AUTH, and the strict base64 they use. */
#include "config.h"

#include <string.h>

#include "codec.h"
#include "smtp_sasl.h"
#include "smtp_xtext.h"

long smtp_b64_decode(struct slice in, uint8_t *out, size_t outsz)
{
	size_t n = 0;

	if (in.len % 4 != 0)
		return -1;
	for (size_t i = 0; i < in.len; i += 4) {
		int v[4], pad = 0;
		uint32_t w;

		for (int k = 0; k < 4; k++) {
			uint8_t c = in.p[i + k];

			if (c == '=' && i + 4 == in.len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad > 0 || (v[k] = codec_b64val(c)) < 0) {
				return -1;
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
		    (uint32_t)v[3];
		/* RFC 4648 section 3.5: the bits padding leaves over are zero */
		if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))
			return -1;
		if (outsz - n < 3u - (size_t)pad)
			return -1;
		out[n++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)w;
	}
	return (long)n;
}

int smtp_b64_encode(struct slice in, struct buf *out)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t start = out->len;

	for (size_t i = 0; i < in.len; i += 3) {
		size_t left = in.len - i;
		uint32_t w = (uint32_t)in.p[i] << 16;
		char q[4];

		if (left > 1)
			w |= (uint32_t)in.p[i + 1] << 8;
		if (left > 2)
			w |= in.p[i + 2];
		q[0] = al[w >> 18 & 63];
		q[1] = al[w >> 12 & 63];
		q[2] = left > 1 ? al[w >> 6 & 63] : '=';
		q[3] = left > 2 ? al[w & 63] : '=';
		if (buf_append(out, q, 4) < 0) {
			out->len = start;
			return -1;
		}
	}
	return 0;
}

static bool is_cancel(struct slice s)
{
	return s.len == 1 && s.p[0] == '*';
}

/* Copies a field of n bytes into a NUL-terminated array (the caller checked
 * n <= SMTP_SASL_FIELD_MAX). */
static void put_field(char *dst, const uint8_t *p, size_t n)
{
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* RFC 4616 section 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd. */
static bool plain_split(const uint8_t *m, size_t n, struct smtp_sasl_plain *p)
{
	const uint8_t *nul1 = memchr(m, 0, n), *nul2, *end = m + n;
	size_t zlen, clen, plen;

	if (nul1 == NULL || (nul2 = memchr(nul1 + 1, 0, (size_t)(end - nul1 - 1))) == NULL)
		return false;
	zlen = (size_t)(nul1 - m);
	clen = (size_t)(nul2 - nul1 - 1);
	plen = (size_t)(end - nul2 - 1);
	if (clen == 0 || plen == 0 || zlen > SMTP_SASL_FIELD_MAX || clen > SMTP_SASL_FIELD_MAX ||
	    plen > SMTP_SASL_FIELD_MAX || memchr(nul2 + 1, 0, plen) != NULL ||
	    !smtp_utf8_valid((struct slice){m, zlen}) ||
	    !smtp_utf8_valid((struct slice){nul1 + 1, clen}))
		return false;
	put_field(p->authzid, m, zlen);
	put_field(p->authcid, nul1 + 1, clen);
	put_field(p->passwd, nul2 + 1, plen);
	p->passwd_len = plen;
	return true;
}

int smtp_sasl_plain_decode(struct slice response, struct smtp_sasl_plain *p,
                           enum smtp_reply_id *err_r)
{
	uint8_t m[3 * SMTP_SASL_FIELD_MAX + 2];
	long n;
	bool ok;

	memset(p, 0, sizeof(*p));
	if (is_cancel(response)) {
		*err_r = SMTP_R_AUTH_CANCELLED;
		return -1;
	}
	if (response.len == 1 && response.p[0] == '=')
		response.len = 0;
	n = smtp_b64_decode(response, m, sizeof(m));
	if (n < 0) {
		/* too long to be a valid message is a bad message, not bad base64 */
		*err_r = response.len % 4 == 0 && response.len / 4 * 3 > sizeof(m) - 2
		             ? SMTP_R_AUTH_PLAIN_BAD
		             : SMTP_R_AUTH_BASE64;
		return -1;
	}
	ok = plain_split(m, (size_t)n, p);
	explicit_bzero(m, sizeof(m));
	if (!ok) {
		smtp_sasl_plain_wipe(p);
		*err_r = SMTP_R_AUTH_PLAIN_BAD;
		return -1;
	}
	return 0;
}

void smtp_sasl_plain_wipe(struct smtp_sasl_plain *p)
{
	explicit_bzero(p, sizeof(*p));
}

static enum smtp_sasl_result login_fail(struct smtp_sasl_login *l, enum smtp_reply_id *err_r,
                                        enum smtp_reply_id id)
{
	smtp_sasl_login_wipe(l);
	*err_r = id;
	return SMTP_SASL_ERR;
}

enum smtp_sasl_result smtp_sasl_login_start(struct smtp_sasl_login *l, const struct slice *ir,
                                            enum smtp_reply_id *err_r)
{
	memset(l, 0, sizeof(*l));
	if (ir == NULL)
		return SMTP_SASL_CONTINUE;
	if (ir->len == 1 && ir->p[0] == '=') /* an empty username */
		return login_fail(l, err_r, SMTP_R_AUTH_LOGIN_BAD);
	return smtp_sasl_login_step(l, *ir, err_r);
}

enum smtp_sasl_result smtp_sasl_login_step(struct smtp_sasl_login *l, struct slice line,
                                           enum smtp_reply_id *err_r)
{
	uint8_t v[SMTP_SASL_FIELD_MAX + 3];
	long n;

	if (is_cancel(line))
		return login_fail(l, err_r, SMTP_R_AUTH_CANCELLED);
	if (l->step > 1)
		return login_fail(l, err_r, SMTP_R_AUTH_LOGIN_BAD);
	n = smtp_b64_decode(line, v, sizeof(v));
	if (n < 0 && !(line.len % 4 == 0 && line.len / 4 * 3 > SMTP_SASL_FIELD_MAX))
		return login_fail(l, err_r, SMTP_R_AUTH_BASE64);
	if (n <= 0 || n > SMTP_SASL_FIELD_MAX || memchr(v, 0, (size_t)n) != NULL ||
	    (l->step == 0 && !smtp_utf8_valid((struct slice){v, (size_t)n}))) {
		explicit_bzero(v, sizeof(v));
		return login_fail(l, err_r, SMTP_R_AUTH_LOGIN_BAD);
	}
	put_field(l->step == 0 ? l->user : l->passwd, v, (size_t)n);
	explicit_bzero(v, sizeof(v));
	if (l->step++ == 0)
		return SMTP_SASL_CONTINUE;
	l->passwd_len = (size_t)n;
	return SMTP_SASL_DONE;
}

const char *smtp_sasl_login_challenge(const struct smtp_sasl_login *l)
{
	return l->step == 0 ? "VXNlcm5hbWU6" : "UGFzc3dvcmQ6";
}

void smtp_sasl_login_wipe(struct smtp_sasl_login *l)
{
	explicit_bzero(l, sizeof(*l));
}
