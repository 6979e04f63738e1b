/* SPDX-License-Identifier: ISC */
/* RFC 3464 delivery status notifications with a French text part. Each part
 * is built into its own buffer first, so that the boundary can be chosen
 * not to occur in any of them (RFC 2046 §5.1.1), then the whole message is
 * appended to the caller's buffer at once. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "mailgen.h"
#include "mime.h"
#include "util.h"

#define DSN_MAX_LINE 998 /* RFC 5322 §2.1.1: longest line with 8bit */
#define DSN_BOUNDARY_TRIES 1000

static const char hexdig[] = "0123456789ABCDEF";

const char *dsn_action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_FAILED:
		return "failed";
	case DSN_DELAYED:
		return "delayed";
	case DSN_DELIVERED:
		return "delivered";
	case DSN_RELAYED:
		return "relayed";
	case DSN_EXPANDED:
		break;
	}
	return "expanded";
}

static enum dsn_action action_of(const struct dsn_rcpt *r)
{
	return (unsigned)r->action <= DSN_EXPANDED ? r->action : DSN_FAILED;
}

enum tfr_report dsn_report_kind(const struct dsn_rcpt *rcpts, size_t n)
{
	bool delayed = false, relayed = false;

	for (size_t i = 0; i < n; i++) {
		enum dsn_action a = action_of(&rcpts[i]);
		if (a == DSN_FAILED)
			return TFR_REPORT_FAILURE;
		delayed |= a == DSN_DELAYED;
		relayed |= a == DSN_RELAYED;
	}
	return delayed ? TFR_REPORT_DELAY : relayed ? TFR_REPORT_RELAYED : TFR_REPORT_SUCCESS;
}

/* RFC 3463 §2: class "." subject "." detail, 1-3 digits each. */
static bool status_ok(const char *s)
{
	if (s == NULL || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return false;
	s += 2;
	for (int part = 0; part < 2; part++) {
		int digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4)
			s++, digits++;
		if (digits == 0 || digits > 3 || *s != (part == 0 ? '.' : '\0'))
			return false;
		s += part == 0;
	}
	return true;
}

static const char *rcpt_status(const struct dsn_rcpt *r)
{
	if (status_ok(r->status))
		return r->status;
	switch (action_of(r)) {
	case DSN_FAILED:
		return "5.0.0";
	case DSN_DELAYED:
		return "4.0.0";
	default:
		return "2.0.0";
	}
}

/* ------------------------------------------------- addresses (RFC 6533) */

static bool printable_ascii(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* utf-8-addr-xtext: QCHAR as is, everything else \x{HEXPOINT}; controls
 * and malformed bytes as U+FFFD. Stops before passing MAILGEN_MAX_VALUE. */
static int utf8_addr_xtext(const char *addr, struct buf *out)
{
	const uint8_t *p = (const uint8_t *)addr;
	size_t n = strlen(addr), start = out->len, k;
	uint32_t cp;
	char esc[16];

	for (size_t i = 0; i < n; i += k) {
		int len;
		if ((k = mailgen_utf8_next(p + i, n - i, &cp)) == 0) {
			k = 1;
			cp = 0xfffd;
		}
		if (cp < 0x20 || (cp >= 0x80 && cp <= 0x9f))
			cp = 0xfffd;
		if (cp >= 0x21 && cp <= 0x7e && cp != '+' && cp != '=' && cp != '\\') {
			esc[0] = (char)cp;
			len = 1;
		} else {
			len = snprintf(esc, sizeof(esc), "\\x{%02X}", (unsigned)cp);
		}
		if (out->len - start + (size_t)len > MAILGEN_MAX_VALUE)
			break;
		if (buf_append(out, esc, (size_t)len) < 0)
			return -1;
	}
	return 0;
}

static bool atom_type(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(t[i] >= 'a' && t[i] <= 'z') && !(t[i] >= 'A' && t[i] <= 'Z') &&
		    !(t[i] >= '0' && t[i] <= '9') && t[i] != '-')
			return false;
	return true;
}

int dsn_address(const char *type, const char *addr, struct buf *out)
{
	if (addr == NULL)
		addr = "";
	if (type != NULL && strcasecmp(type, "utf-8") == 0)
		return buf_append_str(out, "utf-8;") < 0 ? -1 : utf8_addr_xtext(addr, out);
	if (type != NULL && strcasecmp(type, "rfc822") != 0 && atom_type(type)) {
		/* a type we do not know: its address as printable text */
		if (buf_printf(out, "%s;", type) < 0)
			return -1;
		return mailgen_ascii_clean(slice_from_cstr(addr), MAILGEN_MAX_VALUE, out);
	}
	if (printable_ascii(addr) && strlen(addr) <= MAILGEN_MAX_VALUE)
		return buf_printf(out, "rfc822;%s", addr);
	return buf_append_str(out, "utf-8;") < 0 ? -1 : utf8_addr_xtext(addr, out);
}

/* ENVID is xtext on the wire (RFC 3461 §4.4); written decoded, but a byte
 * that is not printable ASCII, or "+", goes back to its "+XX" form. */
static int envid_value(const char *envid, struct buf *out)
{
	size_t start = out->len;

	for (const uint8_t *p = (const uint8_t *)envid; *p != '\0'; p++) {
		if (out->len - start + 3 > MAILGEN_MAX_VALUE)
			break;
		if (*p >= 0x21 && *p <= 0x7e && *p != '+' && *p != '=') {
			if (buf_append_u8(out, *p) < 0)
				return -1;
		} else if (buf_printf(out, "+%c%c", hexdig[*p >> 4], hexdig[*p & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------- message/delivery-status part */

/* One "Name: value" field, value built by a writer into a scratch buffer. */
static int ds_field(struct buf *out, struct buf *tmp, const char *name)
{
	int r = mailgen_field(out, name, buf_slice(tmp));
	buf_reset(tmp);
	return r;
}

static int ds_date_field(struct buf *out, struct buf *tmp, const char *name, int64_t t)
{
	if (t <= 0)
		return 0;
	if (mailgen_date(t, tmp) < 0)
		return -1;
	return ds_field(out, tmp, name);
}

static int ds_text_field(struct buf *out, struct buf *tmp, const char *name, const char *prefix,
                         const char *value)
{
	if (value == NULL || *value == '\0')
		return 0;
	if (buf_append_str(tmp, prefix) < 0 ||
	    mailgen_ascii_clean(slice_from_cstr(value), MAILGEN_MAX_VALUE, tmp) < 0)
		return -1;
	return ds_field(out, tmp, name);
}

static int ds_recipient(const struct dsn_rcpt *r, struct buf *out, struct buf *tmp)
{
	if (buf_append_str(out, "\r\n") < 0)
		return -1;
	if (r->orcpt != NULL && *r->orcpt != '\0' &&
	    (dsn_address(r->orcpt_type, r->orcpt, tmp) < 0 ||
	     ds_field(out, tmp, "Original-Recipient") < 0))
		return -1;
	if (dsn_address(NULL, r->rcpt, tmp) < 0 || ds_field(out, tmp, "Final-Recipient") < 0)
		return -1;
	if (buf_printf(out, "Action: %s\r\nStatus: %s\r\n", dsn_action_name(action_of(r)),
	               rcpt_status(r)) < 0)
		return -1;
	if (ds_text_field(out, tmp, "Remote-MTA", "dns; ", r->remote_mta) < 0 ||
	    ds_text_field(out, tmp, "Diagnostic-Code", "smtp; ", r->diag) < 0 ||
	    ds_date_field(out, tmp, "Last-Attempt-Date", r->last_attempt) < 0)
		return -1;
	if (action_of(r) == DSN_DELAYED &&
	    ds_date_field(out, tmp, "Will-Retry-Until", r->retry_until) < 0)
		return -1;
	return 0;
}

static int delivery_status(const struct dsn *d, struct buf *out)
{
	struct buf tmp;
	int r = -1;

	buf_init(&tmp, 0);
	if (buf_printf(out, "Reporting-MTA: dns; %s\r\n", d->reporting_mta) < 0)
		goto done;
	if (d->envid != NULL && *d->envid != '\0' &&
	    (envid_value(d->envid, &tmp) < 0 || ds_field(out, &tmp, "Original-Envelope-Id") < 0))
		goto done;
	if (ds_date_field(out, &tmp, "Arrival-Date", d->arrival) < 0)
		goto done;
	for (size_t i = 0; i < d->nrcpts; i++)
		if (ds_recipient(&d->rcpts[i], out, &tmp) < 0)
			goto done;
	r = 0;
done:
	buf_free(&tmp);
	return r;
}

/* ------------------------------------------------------ original message */

/* Length of the header block (fields up to the empty line, excluded). */
static size_t header_len(struct slice m)
{
	size_t i = 0;

	while (i < m.len) {
		if (m.p[i] == '\n')
			return i;
		if (m.p[i] == '\r' && i + 1 < m.len && m.p[i + 1] == '\n')
			return i;
		while (i < m.len && m.p[i] != '\n')
			i++;
		i += i < m.len;
	}
	return m.len;
}

/* message/rfc822 needs lines of at most 998 bytes and no NUL (8bit). */
static bool eightbit_safe(struct slice m, bool *eight_r)
{
	size_t line = 0;

	*eight_r = false;
	for (size_t i = 0; i < m.len; i++) {
		if (m.p[i] == '\0')
			return false;
		*eight_r |= m.p[i] >= 0x80;
		if (m.p[i] == '\n')
			line = 0;
		else if (++line > DSN_MAX_LINE)
			return false;
	}
	return true;
}

struct orig {
	enum tfr_original kind;
	struct buf body; /* the third part's body, encoded */
	const char *cte; /* its Content-Transfer-Encoding */
	bool eight;      /* 8-bit data in it */
	struct buf subject;
};

static size_t full_cap(const struct dsn *d)
{
	return d->full_max > 0 ? d->full_max : DSN_FULL_MAX_DEFAULT;
}

static enum tfr_original original_kind(const struct dsn *d, enum tfr_report k)
{
	bool eight;

	if (d->original.len == 0)
		return TFR_ORIG_NONE;
	if (k != TFR_REPORT_FAILURE || d->ret != DSN_RET_FULL)
		return TFR_ORIG_HEADERS;
	if (d->original.len > full_cap(d))
		return TFR_ORIG_TOO_BIG;
	return eightbit_safe(d->original, &eight) ? TFR_ORIG_FULL : TFR_ORIG_UNSAFE;
}

/* The header block, CRLF lines, cut at a line end past the cap; quoted-
 * printable when it holds 8-bit bytes or too long lines. */
static int original_headers(const struct dsn *d, struct orig *o)
{
	struct slice h = {d->original.p, header_len(d->original)};
	struct buf crlf;
	bool eight;
	int r;

	buf_init(&crlf, 0);
	if (h.len > full_cap(d))
		h.len = full_cap(d);
	r = mime_crlf_normalize(h.p, h.len, &crlf);
	while (r >= 0 && crlf.len > 0 && crlf.data[crlf.len - 1] != '\n')
		crlf.len--; /* a cut line is dropped whole */
	if (r >= 0 && crlf.len == 0)
		r = buf_append_str(&crlf, "\r\n");
	if (r >= 0 && (!eightbit_safe(buf_slice(&crlf), &eight) || eight)) {
		o->cte = "quoted-printable";
		r = mailgen_qp(buf_slice(&crlf), &o->body);
	} else if (r >= 0) {
		o->cte = "7bit";
		r = buf_append(&o->body, crlf.data, crlf.len);
	}
	buf_free(&crlf);
	return r < 0 ? -1 : 0;
}

/* The original's subject, decoded and cleaned, for the French text; left
 * out when there is none or it cannot be shown. */
static void original_subject(const struct dsn *d, struct orig *o)
{
	struct slice h = {d->original.p, header_len(d->original)};
	struct buf raw;
	size_t n;

	buf_init(&raw, MIME_MAX_FIELD_VALUE);
	if (mime_header_get_utf8(h, "Subject", &raw) == 1) {
		n = raw.len < DSN_MAX_SUBJECT ? raw.len : DSN_MAX_SUBJECT;
		while (n > 0 && n < raw.len && (raw.data[n] & 0xc0) == 0x80)
			n--; /* not in the middle of a character */
		if (mailgen_text_clean((struct slice){raw.data, n}, false, n, &o->subject) < 0 ||
		    (n < raw.len && buf_append_str(&o->subject, "…") < 0) ||
		    buf_cstr(&o->subject) < 0)
			o->subject.len = 0;
	}
	buf_free(&raw);
}

static int original_part(const struct dsn *d, enum tfr_report k, struct orig *o)
{
	o->kind = original_kind(d, k);
	o->eight = false;
	if (o->kind == TFR_ORIG_NONE)
		return 0;
	original_subject(d, o);
	if (o->kind != TFR_ORIG_FULL)
		return original_headers(d, o);
	o->cte = "7bit";
	if (mime_crlf_normalize(d->original.p, d->original.len, &o->body) < 0)
		return -1;
	if (!mailgen_is_ascii(buf_slice(&o->body))) {
		o->cte = "8bit";
		o->eight = true;
	}
	return 0;
}

/* --------------------------------------------------------- French text */

static int text_address(const char *addr, struct buf *out)
{
	return mailgen_text_clean(slice_from_cstr(addr ? addr : ""), false, DSN_MAX_ADDR_SHOWN,
	                          out);
}

static int text_date_line(struct buf *out, const char *label, int64_t t)
{
	if (t <= 0)
		return 0;
	if (buf_printf(out, "    %s : ", label) < 0 || tfr_format_date(t, out) < 0)
		return -1;
	return buf_append_str(out, "\n");
}

static int text_recipient(const struct dsn_rcpt *r, struct buf *out)
{
	enum dsn_action a = action_of(r);
	const char *st = rcpt_status(r);
	bool bad = a == DSN_FAILED || a == DSN_DELAYED;

	if (buf_append_str(out, "  - ") < 0 || text_address(r->rcpt, out) < 0 ||
	    buf_append_str(out, "\n") < 0)
		return -1;
	if (r->orcpt != NULL && *r->orcpt != '\0' &&
	    (r->rcpt == NULL || strcmp(r->orcpt, r->rcpt))) {
		if (buf_printf(out, "    %s : ", TFR_LABEL_ORCPT) < 0 ||
		    text_address(r->orcpt, out) < 0 || buf_append_str(out, "\n") < 0)
			return -1;
	}
	if (buf_printf(out, "    %s : %s (%s %s)\n", bad ? TFR_LABEL_REASON : TFR_LABEL_RESULT,
	               bad ? tfr_status_text(st) : tfr_action_text((enum tfr_action)a),
	               TFR_LABEL_CODE, st) < 0)
		return -1;
	if (r->diag != NULL && *r->diag != '\0') {
		if (buf_printf(out, "    %s", TFR_LABEL_REMOTE) < 0 ||
		    (r->remote_mta && *r->remote_mta &&
		     (buf_append_str(out, " ") < 0 ||
		      mailgen_ascii_clean(slice_from_cstr(r->remote_mta), MAILGEN_MAX_HOST, out) <
		          0)) ||
		    buf_append_str(out, " : ") < 0 ||
		    mailgen_ascii_clean(slice_from_cstr(r->diag), MAILGEN_MAX_VALUE, out) < 0 ||
		    buf_append_str(out, "\n") < 0)
			return -1;
	}
	if (text_date_line(out, TFR_LABEL_LAST_ATTEMPT, r->last_attempt) < 0)
		return -1;
	if (a == DSN_DELAYED && text_date_line(out, TFR_LABEL_RETRY_UNTIL, r->retry_until) < 0)
		return -1;
	return 0;
}

static int text_part(const struct dsn *d, enum tfr_report k, const struct orig *o, struct buf *out)
{
	struct buf t;
	int r = -1;

	buf_init(&t, 0);
	if (tfr_dsn_intro(k, d->reporting_mta, &t) < 0)
		goto done;
	for (unsigned a = 0; a < TFR_ACTION_COUNT; a++) {
		bool any = false;
		for (size_t i = 0; i < d->nrcpts; i++) {
			if ((unsigned)action_of(&d->rcpts[i]) != a)
				continue;
			if (!any && buf_printf(&t, "\n%s\n", tfr_action_heading(a)) < 0)
				goto done;
			any = true;
			if (text_recipient(&d->rcpts[i], &t) < 0)
				goto done;
		}
	}
	if (o->kind != TFR_ORIG_NONE || d->arrival > 0) {
		if (buf_append_str(&t, "\n") < 0 ||
		    tfr_dsn_original_info(o->subject.len ? (const char *)o->subject.data : NULL,
		                          d->arrival, &t) < 0)
			goto done;
	}
	if (o->kind != TFR_ORIG_NONE &&
	    (buf_append_str(&t, "\n") < 0 ||
	     tfr_dsn_attachment_note(o->kind, d->original.len, full_cap(d), &t) < 0))
		goto done;
	if (tfr_closing(&t) < 0)
		goto done;
	r = mailgen_qp(buf_slice(&t), out);
done:
	buf_free(&t);
	return r;
}

/* ------------------------------------------------------------- assembly */

struct parts {
	struct buf text, status;
	struct orig orig;
	char boundary[64];
};

static bool contains(struct slice hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0 || hay.len < n)
		return false;
	for (size_t i = 0; i + n <= hay.len; i++)
		if (hay.p[i] == (uint8_t)needle[0] && memcmp(hay.p + i, needle, n) == 0)
			return true;
	return false;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * UINT64_C(0x100000001b3);
	return h;
}

/* A boundary found in none of the parts: a hash of the inputs, then a
 * counter if some part holds it anyway. */
static int choose_boundary(const struct dsn *d, struct parts *ps)
{
	uint64_t h = fnv1a(UINT64_C(0xcbf29ce484222325), d->id, strlen(d->id));

	h = fnv1a(h, &d->date, sizeof(d->date));
	h = fnv1a(h, d->original.p, d->original.len);
	for (unsigned n = 0; n < DSN_BOUNDARY_TRIES; n++) {
		snprintf(ps->boundary, sizeof(ps->boundary), "=_balise-dsn-%016llx-%u",
		         (unsigned long long)h, n);
		if (!contains(buf_slice(&ps->text), ps->boundary) &&
		    !contains(buf_slice(&ps->status), ps->boundary) &&
		    !contains(buf_slice(&ps->orig.body), ps->boundary))
			return 0;
	}
	return -1;
}

static int put_part(struct buf *out, const char *boundary, struct slice head, struct slice body)
{
	if (buf_printf(out, "\r\n--%s\r\n", boundary) < 0 ||
	    buf_append(out, head.p, head.len) < 0 || buf_append_str(out, "\r\n") < 0)
		return -1;
	return buf_append(out, body.p, body.len);
}

static int assemble(const struct dsn *d, enum tfr_report k, struct parts *ps, struct buf *out)
{
	struct buf h;
	int r = -1;

	buf_init(&h, 0);
	if (buf_printf(out,
	               "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	               "\tboundary=\"%s\"\r\nContent-Transfer-Encoding: %s\r\n\r\n%s",
	               ps->boundary, ps->orig.eight ? "8bit" : "7bit", tfr_mime_preamble()) < 0)
		goto done;
	if (buf_append_str(&h, "Content-Type: text/plain; charset=utf-8\r\n"
	                       "Content-Transfer-Encoding: quoted-printable\r\n"
	                       "Content-Language: fr\r\n") < 0 ||
	    mailgen_field_text(&h, "Content-Description", tfr_dsn_title(k)) < 0 ||
	    put_part(out, ps->boundary, buf_slice(&h), buf_slice(&ps->text)) < 0)
		goto done;
	if (put_part(out, ps->boundary, SLICE_STR("Content-Type: message/delivery-status\r\n"),
	             buf_slice(&ps->status)) < 0)
		goto done;
	if (ps->orig.kind != TFR_ORIG_NONE) {
		buf_reset(&h);
		if (buf_printf(&h, "Content-Type: %s\r\nContent-Transfer-Encoding: %s\r\n",
		               ps->orig.kind == TFR_ORIG_FULL ? "message/rfc822"
		                                              : "text/rfc822-headers",
		               ps->orig.cte) < 0 ||
		    put_part(out, ps->boundary, buf_slice(&h), buf_slice(&ps->orig.body)) < 0)
			goto done;
	}
	r = buf_printf(out, "\r\n--%s--\r\n", ps->boundary);
done:
	buf_free(&h);
	return r;
}

static const char *dsn_check(const struct dsn *d)
{
	if (!mailgen_host_ok(d->reporting_mta))
		return "reporting host name is not valid";
	if (d->nrcpts == 0 || d->rcpts == NULL)
		return "report without recipient";
	if (d->nrcpts > DSN_MAX_RCPTS)
		return "too many recipients in one report";
	for (size_t i = 0; i < d->nrcpts; i++)
		if (d->rcpts[i].rcpt == NULL || d->rcpts[i].rcpt[0] == '\0')
			return "recipient without address";
	if (d->id == NULL)
		return "report id missing";
	return NULL;
}

static int build_parts(const struct dsn *d, enum tfr_report k, struct parts *ps)
{
	if (original_part(d, k, &ps->orig) < 0 || text_part(d, k, &ps->orig, &ps->text) < 0 ||
	    delivery_status(d, &ps->status) < 0)
		return -1;
	return choose_boundary(d, ps);
}

/* The original's Message-ID and References, copied (the notice header
 * refers to them), for In-Reply-To and References (RFC 3834 §3.1.5). */
static void reply_ids(const struct dsn *d, struct buf *id, struct buf *refs)
{
	struct slice h = {d->original.p, header_len(d->original)}, pick;
	struct buf v;

	buf_init(&v, MIME_MAX_FIELD_VALUE);
	if (mime_header_get(h, "Message-ID", &v) == 1) {
		pick = mailgen_msgid_pick(buf_slice(&v));
		if (pick.p != NULL)
			buf_append(id, pick.p, pick.len);
	}
	buf_reset(&v);
	if (id->len > 0 && mime_header_get(h, "References", &v) == 1)
		buf_append(refs, v.data, v.len);
	buf_free(&v);
}

static void parts_free(struct parts *ps)
{
	buf_free(&ps->text);
	buf_free(&ps->status);
	buf_free(&ps->orig.body);
	buf_free(&ps->orig.subject);
}

int dsn_build(const struct dsn *d, struct buf *out, unsigned *flags_r, const char **error_r)
{
	struct parts ps;
	struct buf msg, id, refs;
	unsigned flags = 0;
	int r = -1;

	if ((*error_r = dsn_check(d)) != NULL)
		return -1;
	enum tfr_report k = dsn_report_kind(d->rcpts, d->nrcpts);
	buf_init(&msg, 0);
	buf_init(&id, 0);
	buf_init(&refs, 0);
	buf_init(&ps.text, 0);
	buf_init(&ps.status, 0);
	buf_init(&ps.orig.body, 0);
	buf_init(&ps.orig.subject, 0);
	reply_ids(d, &id, &refs);
	struct notice n = {
	    .postmaster = d->postmaster,
	    .from_name = d->from_name,
	    .to = d->return_path,
	    .subject = tfr_dsn_subject(k),
	    .auto_submitted = "auto-replied",
	    .date = d->date,
	    .host = d->reporting_mta,
	    .id = d->id,
	    .in_reply_to = buf_slice(&id),
	    .references = buf_slice(&refs),
	};
	if (notice_headers(&n, &msg, &flags, error_r) < 0)
		goto done;
	*error_r = "report too large";
	if (build_parts(d, k, &ps) < 0 || assemble(d, k, &ps, &msg) < 0 ||
	    buf_append(out, msg.data, msg.len) < 0)
		goto done;
	if (ps.orig.eight)
		flags |= NOTICE_F_8BIT;
	if (flags_r != NULL)
		*flags_r = flags;
	*error_r = NULL;
	r = 0;
done:
	buf_free(&msg);
	buf_free(&id);
	buf_free(&refs);
	parts_free(&ps);
	return r;
}
