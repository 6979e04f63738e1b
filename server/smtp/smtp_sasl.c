/* SPDX-License-Identifier: ISC */
/* SASL PLAIN and LOGIN for SMTP AUTH (the PLAIN split and the base64
 * decoding are common/sasl.c's), and the base64 encoding of replies. */
#include "config.h"

#include <string.h>

#include "sasl.h"
#include "smtp_sasl.h"
#include "smtp_xtext.h"

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

/* Copies the fields of a split message (each at most SMTP_SASL_FIELD_MAX
 * bytes) into p; false when authzid or authcid is not UTF-8. */
static bool plain_copy(const struct sasl_plain *m, struct smtp_sasl_plain *p)
{
	if (!smtp_utf8_valid(m->authzid) || !smtp_utf8_valid(m->authcid))
		return false;
	put_field(p->authzid, m->authzid.p, m->authzid.len);
	put_field(p->authcid, m->authcid.p, m->authcid.len);
	put_field(p->passwd, m->passwd.p, m->passwd.len);
	p->passwd_len = m->passwd.len;
	return true;
}

int smtp_sasl_plain_decode(struct slice response, struct smtp_sasl_plain *p,
                           enum smtp_reply_id *err_r)
{
	uint8_t m[3 * SMTP_SASL_FIELD_MAX + 2];
	struct sasl_plain split;
	int r;

	memset(p, 0, sizeof(*p));
	if (is_cancel(response)) {
		*err_r = SMTP_R_AUTH_CANCELLED;
		return -1;
	}
	if (response.len == 1 && response.p[0] == '=')
		response.len = 0;
	r = sasl_plain_decode(response, m, sizeof(m), SMTP_SASL_FIELD_MAX, SMTP_SASL_FIELD_MAX,
	                      &split);
	if (r == SASL_PLAIN_OK && !plain_copy(&split, p))
		r = SASL_PLAIN_BAD;
	explicit_bzero(m, sizeof(m));
	explicit_bzero(&split, sizeof(split));
	if (r != SASL_PLAIN_OK) {
		smtp_sasl_plain_wipe(p);
		*err_r = r == SASL_PLAIN_BASE64 ? SMTP_R_AUTH_BASE64 : SMTP_R_AUTH_PLAIN_BAD;
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
	n = sasl_b64_decode(line, v, sizeof(v));
	if (n == SASL_B64_INVALID) {
		explicit_bzero(v, sizeof(v));
		return login_fail(l, err_r, SMTP_R_AUTH_BASE64);
	}
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
