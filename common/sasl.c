/* SPDX-License-Identifier: ISC */
/* SASL PLAIN's base64 and message split, for SMTP AUTH, IMAP AUTHENTICATE
 * and ManageSieve AUTHENTICATE (see sasl.h). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "codec.h"
#include "sasl.h"

/* The four values of one base64 quantum; its padding count in *pad_r, -1
 * when it is not base64 (padding only in the last quantum, at its end). */
static int quantum(const uint8_t *q, bool last, uint32_t *w_r, int *pad_r)
{
	int v[4], pad = 0;

	for (int k = 0; k < 4; k++) {
		if (q[k] == '=' && last && k >= 2) {
			v[k] = 0;
			pad++;
		} else if (pad > 0 || (v[k] = codec_b64val(q[k])) < 0) {
			return -1;
		}
	}
	*w_r = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
	/* RFC 4648 section 3.5: the bits padding leaves over are zero */
	if ((pad == 1 && (*w_r & 0xff) != 0) || (pad == 2 && (*w_r & 0xffff) != 0))
		return -1;
	*pad_r = pad;
	return 0;
}

long sasl_b64_decode(struct slice in, uint8_t *out, size_t outsz)
{
	size_t n = 0;
	bool full = false;

	if (in.len % 4 != 0)
		return SASL_B64_INVALID;
	for (size_t i = 0; i < in.len; i += 4) {
		uint32_t w;
		int pad;

		if (quantum(in.p + i, i + 4 == in.len, &w, &pad) < 0)
			return SASL_B64_INVALID;
		if (full || outsz - n < 3u - (size_t)pad) {
			full = true; /* go on: invalid base64 is told first */
			continue;
		}
		out[n++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[n++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[n++] = (uint8_t)w;
	}
	return full ? SASL_B64_TOO_LONG : (long)n;
}

int sasl_plain_split(struct slice msg, size_t id_max, size_t passwd_max, struct sasl_plain *p)
{
	const uint8_t *end = msg.p + msg.len, *nul1, *nul2;

	memset(p, 0, sizeof(*p));
	nul1 = msg.len > 0 ? memchr(msg.p, 0, msg.len) : NULL;
	nul2 = nul1 != NULL ? memchr(nul1 + 1, 0, (size_t)(end - nul1 - 1)) : NULL;
	if (nul2 == NULL || memchr(nul2 + 1, 0, (size_t)(end - nul2 - 1)) != NULL)
		return SASL_PLAIN_BAD;
	p->authzid = (struct slice){msg.p, (size_t)(nul1 - msg.p)};
	p->authcid = (struct slice){nul1 + 1, (size_t)(nul2 - nul1 - 1)};
	p->passwd = (struct slice){nul2 + 1, (size_t)(end - nul2 - 1)};
	if (p->authcid.len == 0 || p->passwd.len == 0 || p->authzid.len > id_max ||
	    p->authcid.len > id_max || p->passwd.len > passwd_max) {
		memset(p, 0, sizeof(*p));
		return SASL_PLAIN_BAD;
	}
	return SASL_PLAIN_OK;
}

int sasl_plain_decode(struct slice response, uint8_t *buf, size_t bufsz, size_t id_max,
                      size_t passwd_max, struct sasl_plain *p)
{
	long n = sasl_b64_decode(response, buf, bufsz);

	memset(p, 0, sizeof(*p));
	if (n == SASL_B64_INVALID)
		return SASL_PLAIN_BASE64;
	if (n < 0) /* too long to be a valid message: a bad message */
		return SASL_PLAIN_BAD;
	return sasl_plain_split((struct slice){buf, (size_t)n}, id_max, passwd_max, p);
}
