/* SPDX-License-Identifier: ISC */
/* Fuzz target: MAIL and RCPT parameters (SIZE, BODY, SMTPUTF8, RET,
 * ENVID, AUTH, NOTIFY, ORCPT) and the xtext and RFC 6533 codecs. The first
 * byte picks the announced extensions; what parses must satisfy the
 * header's promises, and every decoded value must come back through its
 * encoder. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_cmd.h"
#include "smtp_xtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* xtext-encoding then decoding s gives s back. */
static void xtext_roundtrip(struct slice s)
{
	uint8_t back[4 * 1024];
	struct buf b;
	long n;

	if (s.len > sizeof(back))
		return;
	buf_init(&b, 0);
	if (smtp_xtext_encode(s, &b) < 0)
		abort();
	n = smtp_xtext_decode(buf_slice(&b), back, sizeof(back));
	if (n != (long)s.len || memcmp(back, s.p, s.len) != 0)
		abort();
	buf_free(&b);
}

/* Same for the RFC 6533 forms, both of them. */
static void unitext_roundtrip(struct slice s)
{
	uint8_t back[4 * 1024];
	struct buf b;

	if (s.len > sizeof(back))
		return;
	for (int unitext = 0; unitext < 2; unitext++) {
		long n;

		buf_init(&b, 0);
		if (smtp_unitext_encode(s, unitext, &b) < 0)
			abort();
		n = smtp_unitext_decode(buf_slice(&b), unitext, back, sizeof(back));
		if (n != (long)s.len || memcmp(back, s.p, s.len) != 0)
			abort();
		buf_free(&b);
	}
}

static bool printable(const char *s, size_t n)
{
	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] < 32 || (uint8_t)s[i] > 126)
			return false;
	return true;
}

static void check_mail(struct slice s, unsigned flags)
{
	struct smtp_mail_params mp;
	enum smtp_reply_id err;

	if (smtp_mail_params_parse(s, flags, &mp, &err) < 0)
		return;
	if ((mp.has_envid && (!printable(mp.envid, mp.envid_len) || mp.envid_len == 0 ||
	                      mp.envid_len > SMTP_ENVID_MAX)) ||
	    (mp.has_auth && !mp.auth_null && !printable(mp.auth, mp.auth_len)) ||
	    (mp.body == SMTP_BODY_BINARYMIME && !(flags & SMTP_EXT_BINARYMIME)) ||
	    (mp.smtputf8 && !(flags & SMTP_EXT_SMTPUTF8)))
		abort();
	if (mp.has_envid)
		xtext_roundtrip((struct slice){(const uint8_t *)mp.envid, mp.envid_len});
}

static void check_rcpt(struct slice s, unsigned flags)
{
	struct smtp_rcpt_params rp;
	enum smtp_reply_id err;
	struct slice o;

	if (smtp_rcpt_params_parse(s, flags, &rp, &err) < 0)
		return;
	if (((rp.notify & SMTP_NOTIFY_NEVER) && rp.notify != SMTP_NOTIFY_NEVER) ||
	    rp.notify > 0xf || (rp.has_orcpt && rp.orcpt_len == 0) ||
	    rp.orcpt_len > SMTP_ORCPT_MAX ||
	    (!(flags & SMTP_EXT_DSN) && (rp.notify != 0 || rp.has_orcpt)))
		abort();
	if (!rp.has_orcpt)
		return;
	o = (struct slice){(const uint8_t *)rp.orcpt, rp.orcpt_len};
	if (strlen(rp.orcpt) != rp.orcpt_len && !rp.orcpt_utf8_type)
		abort();
	if (rp.orcpt_utf8_type) {
		if (!smtp_utf8_valid(o))
			abort();
		unitext_roundtrip(o);
	} else {
		if (!printable(rp.orcpt, rp.orcpt_len))
			abort();
		xtext_roundtrip(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t dec[4 * 1024];
	struct slice s;
	unsigned flags;
	long n;

	if (size < 1 || size > 4096)
		return 0;
	flags = (data[0] & SMTP_EXT_ALL) | (data[0] & 0x40 ? SMTP_PARSE_TX_UTF8 : 0);
	s = (struct slice){data + 1, size - 1};
	check_mail(s, flags);
	check_rcpt(s, flags);
	n = smtp_xtext_decode(s, dec, sizeof(dec));
	if (n >= 0)
		xtext_roundtrip((struct slice){dec, (size_t)n});
	for (int unitext = 0; unitext < 2; unitext++) {
		n = smtp_unitext_decode(s, unitext, dec, sizeof(dec));
		if (n >= 0) {
			if (!smtp_utf8_valid((struct slice){dec, (size_t)n}))
				abort();
			unitext_roundtrip((struct slice){dec, (size_t)n});
		}
	}
	if (smtp_utf8_valid(s) && memchr(s.p, 0, s.len) == NULL)
		unitext_roundtrip(s);
	xtext_roundtrip(s);
	return 0;
}
