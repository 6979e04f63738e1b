/* SPDX-License-Identifier: ISC */
/* MAIL and RCPT parameters (RFC 5321 section 4.1.2 esmtp-param): SIZE
 * (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET and
 * ENVID (RFC 3461 section 4.3, 4.4), AUTH (RFC 4954 section 5), NOTIFY and
 * ORCPT (RFC 3461 section 4.1, 4.2; RFC 6533 section 3). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "smtp_cmd.h"
#include "smtp_xtext.h"

static int fail(enum smtp_reply_id *err_r, enum smtp_reply_id id)
{
	*err_r = id;
	return -1;
}

struct param {
	struct slice key;
	struct slice value;
	bool has_value;
};

static bool is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Cuts the next "keyword[=value]" off *s (leading spaces skipped). 1 when
 * one was cut, 0 at the end, -1 when it is malformed. esmtp-value is
 * 1*(%d33-60 / %d62-126); RFC 6531 section 3.3 adds UTF-8 (allow8). */
static int next_param(struct slice *s, bool allow8, struct param *pm)
{
	size_t i = 0, k;

	while (s->len > 0 && s->p[0] == ' ')
		s->p++, s->len--;
	if (s->len == 0)
		return 0;
	while (i < s->len && (is_alnum(s->p[i]) || (i > 0 && s->p[i] == '-')))
		i++;
	pm->key = (struct slice){s->p, i};
	pm->has_value = i < s->len && s->p[i] == '=';
	if (i == 0 || (i < s->len && s->p[i] != ' ' && !pm->has_value))
		return -1;
	k = pm->has_value ? ++i : i;
	while (i < s->len && s->p[i] != ' ') {
		uint8_t c = s->p[i];

		if (c < 33 || c == '=' || c == 127 || (c >= 0x80 && !allow8))
			return -1;
		i++;
	}
	pm->value = (struct slice){s->p + k, i - k};
	if (pm->has_value && pm->value.len == 0)
		return -1;
	s->p += i, s->len -= i;
	return 1;
}

/* Keyword bits, for duplicates. */
enum {
	P_SIZE = 1,
	P_BODY = 2,
	P_UTF8 = 4,
	P_RET = 8,
	P_ENVID = 16,
	P_AUTH = 32,
	P_NOTIFY = 64,
	P_ORCPT = 128
};

struct keyword {
	const char *name;
	unsigned bit;
	unsigned ext; /* SMTP_EXT_* that must be on */
};

static const struct keyword mail_keys[] = {
    {"SIZE", P_SIZE, SMTP_EXT_SIZE},
    {"BODY", P_BODY, SMTP_EXT_8BITMIME},
    {"SMTPUTF8", P_UTF8, SMTP_EXT_SMTPUTF8},
    {"RET", P_RET, SMTP_EXT_DSN},
    {"ENVID", P_ENVID, SMTP_EXT_DSN},
    {"AUTH", P_AUTH, SMTP_EXT_AUTH},
    {NULL, 0, 0},
};

static const struct keyword rcpt_keys[] = {
    {"NOTIFY", P_NOTIFY, SMTP_EXT_DSN},
    {"ORCPT", P_ORCPT, SMTP_EXT_DSN},
    {NULL, 0, 0},
};

/* The keyword's bit, checking that it is known, enabled and new. */
static int key_bit(const struct keyword *keys, struct slice key, unsigned flags, unsigned *seen,
                   enum smtp_reply_id *err_r)
{
	for (const struct keyword *k = keys; k->name != NULL; k++) {
		if (slice_casecmp_cstr(key, k->name) != 0)
			continue;
		if ((flags & k->ext) == 0)
			break;
		if (*seen & k->bit)
			return fail(err_r, SMTP_R_PARAM_DUP);
		*seen |= k->bit;
		return (int)k->bit;
	}
	return fail(err_r, SMTP_R_PARAM_UNKNOWN);
}

/* SIZE=1*20DIGIT; a value above UINT64_MAX saturates (it is too big for
 * any limit, the session refuses it with 552 5.3.4). */
static bool parse_size(struct slice v, uint64_t *size_r)
{
	uint64_t n = 0;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		unsigned d = (unsigned)(v.p[i] - '0');

		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
	}
	*size_r = n;
	return true;
}

static bool parse_body(struct slice v, unsigned flags, enum smtp_body *body_r)
{
	if (slice_casecmp_cstr(v, "7BIT") == 0)
		*body_r = SMTP_BODY_7BIT;
	else if (slice_casecmp_cstr(v, "8BITMIME") == 0)
		*body_r = SMTP_BODY_8BITMIME;
	else if (slice_casecmp_cstr(v, "BINARYMIME") == 0 && (flags & SMTP_EXT_BINARYMIME))
		*body_r = SMTP_BODY_BINARYMIME;
	else
		return false;
	return true;
}

/* An xtext value of at most max encoded octets whose decoded form is
 * printable ASCII (space included), NUL-terminated into out. */
static bool decode_printable(struct slice v, size_t max, char *out, size_t *len_r)
{
	long n;

	if (v.len == 0 || v.len > max || (n = smtp_xtext_decode(v, (uint8_t *)out, max)) <= 0)
		return false;
	for (long i = 0; i < n; i++)
		if ((uint8_t)out[i] < 32 || (uint8_t)out[i] > 126)
			return false;
	out[n] = '\0';
	*len_r = (size_t)n;
	return true;
}

static int mail_param(const struct param *pm, int bit, unsigned flags, struct smtp_mail_params *mp,
                      enum smtp_reply_id *err_r)
{
	switch (bit) {
	case P_SIZE:
		mp->has_size = true;
		return parse_size(pm->value, &mp->size) ? 0 : fail(err_r, SMTP_R_SIZE_BAD);
	case P_BODY:
		return parse_body(pm->value, flags, &mp->body) ? 0 : fail(err_r, SMTP_R_BODY_BAD);
	case P_UTF8:
		mp->smtputf8 = true;
		return pm->has_value ? fail(err_r, SMTP_R_SMTPUTF8_BAD) : 0;
	case P_RET:
		if (slice_casecmp_cstr(pm->value, "FULL") == 0)
			mp->ret = SMTP_RET_FULL;
		else if (slice_casecmp_cstr(pm->value, "HDRS") == 0)
			mp->ret = SMTP_RET_HDRS;
		else
			return fail(err_r, SMTP_R_RET_BAD);
		return 0;
	case P_ENVID:
		mp->has_envid = true;
		return decode_printable(pm->value, SMTP_ENVID_MAX, mp->envid, &mp->envid_len)
		           ? 0
		           : fail(err_r, SMTP_R_ENVID_BAD);
	default: /* P_AUTH: "<>" or an xtext mailbox */
		mp->has_auth = true;
		if (slice_eq_cstr(pm->value, "<>")) {
			mp->auth_null = true;
			return 0;
		}
		return decode_printable(pm->value, SMTP_AUTH_PARAM_MAX, mp->auth, &mp->auth_len)
		           ? 0
		           : fail(err_r, SMTP_R_AUTH_PARAM_BAD);
	}
}

int smtp_mail_params_parse(struct slice s, unsigned flags, struct smtp_mail_params *mp,
                           enum smtp_reply_id *err_r)
{
	unsigned seen = 0;
	struct param pm;
	int r, bit;

	memset(mp, 0, sizeof(*mp));
	while ((r = next_param(&s, false, &pm)) > 0) {
		if ((bit = key_bit(mail_keys, pm.key, flags, &seen, err_r)) < 0)
			return -1;
		if (bit != P_UTF8 && !pm.has_value)
			return fail(err_r, SMTP_R_PARAM_SYNTAX);
		if (mail_param(&pm, bit, flags, mp, err_r) < 0)
			return -1;
	}
	return r < 0 ? fail(err_r, SMTP_R_PARAM_SYNTAX) : 0;
}

/* NOTIFY=NEVER or a comma list of SUCCESS, FAILURE, DELAY, each once. */
static int parse_notify(struct slice v, unsigned *notify_r, enum smtp_reply_id *err_r)
{
	static const char *const names[] = {"NEVER", "SUCCESS", "FAILURE", "DELAY"};
	unsigned bits = 0;

	for (size_t start = 0, i = 0; i <= v.len; i++) {
		struct slice item = {v.p + start, i - start};
		unsigned bit = 0;

		if (i < v.len && v.p[i] != ',')
			continue;
		for (unsigned k = 0; k < 4; k++)
			if (slice_casecmp_cstr(item, names[k]) == 0)
				bit = 1u << k;
		if (bit == 0 || (bits & bit))
			return fail(err_r, SMTP_R_NOTIFY_BAD);
		bits |= bit;
		start = i + 1;
	}
	if ((bits & SMTP_NOTIFY_NEVER) && bits != SMTP_NOTIFY_NEVER)
		return fail(err_r, SMTP_R_NOTIFY_NEVER);
	*notify_r = bits;
	return 0;
}

/* ORCPT=addr-type ";" xtext (RFC 3461 section 4.2), or for the "utf-8"
 * type a utf-8-addr-xtext, or utf-8-addr-unitext in an SMTPUTF8
 * transaction (RFC 6533 section 3). */
static int parse_orcpt(struct slice v, unsigned flags, struct smtp_rcpt_params *rp,
                       enum smtp_reply_id *err_r)
{
	const uint8_t *semi = memchr(v.p, ';', v.len);
	struct slice type, addr;
	long n;

	if (semi == NULL || v.len > SMTP_ORCPT_MAX)
		return fail(err_r, SMTP_R_ORCPT_BAD);
	type = (struct slice){v.p, (size_t)(semi - v.p)};
	addr = (struct slice){semi + 1, v.len - type.len - 1};
	if (type.len == 0 || type.len > SMTP_ADDR_TYPE_MAX || addr.len == 0)
		return fail(err_r, SMTP_R_ORCPT_BAD);
	for (size_t i = 0; i < type.len; i++)
		if (!is_alnum(type.p[i]) && type.p[i] != '-' && type.p[i] != '_')
			return fail(err_r, SMTP_R_ORCPT_BAD);
	memcpy(rp->orcpt_type, type.p, type.len);
	rp->orcpt_type[type.len] = '\0';
	rp->orcpt_utf8_type = slice_casecmp_cstr(type, "utf-8") == 0;
	if (rp->orcpt_utf8_type) {
		n = smtp_unitext_decode(addr, (flags & SMTP_PARSE_TX_UTF8) != 0,
		                        (uint8_t *)rp->orcpt, SMTP_ORCPT_MAX);
		if (n <= 0)
			return fail(err_r, SMTP_R_ORCPT_BAD);
		rp->orcpt[n] = '\0';
		rp->orcpt_len = (size_t)n;
		return 0;
	}
	return decode_printable(addr, SMTP_ORCPT_MAX, rp->orcpt, &rp->orcpt_len)
	           ? 0
	           : fail(err_r, SMTP_R_ORCPT_BAD);
}

int smtp_rcpt_params_parse(struct slice s, unsigned flags, struct smtp_rcpt_params *rp,
                           enum smtp_reply_id *err_r)
{
	unsigned seen = 0;
	struct param pm;
	int r, bit;

	memset(rp, 0, sizeof(*rp));
	while ((r = next_param(&s, (flags & SMTP_PARSE_TX_UTF8) != 0, &pm)) > 0) {
		if ((bit = key_bit(rcpt_keys, pm.key, flags, &seen, err_r)) < 0)
			return -1;
		if (!pm.has_value)
			return fail(err_r, SMTP_R_PARAM_SYNTAX);
		rp->has_orcpt |= bit == P_ORCPT;
		if (bit == P_NOTIFY ? parse_notify(pm.value, &rp->notify, err_r) < 0
		                    : parse_orcpt(pm.value, flags, rp, err_r) < 0)
			return -1;
	}
	return r < 0 ? fail(err_r, SMTP_R_PARAM_SYNTAX) : 0;
}
