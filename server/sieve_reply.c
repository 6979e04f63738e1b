/* SPDX-License-Identifier: ISC */
/* Redirect loop markers, vacation eligibility, the vacation reply and the
 * reject report of Sieve at delivery: see sieve_reply.h. */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"
#include "mailgen.h"
#include "mime.h"
#include "notice.h"
#include "sieve.h"
#include "sieve_reply.h"

struct slice sieve_reply_header(struct slice msg)
{
	const uint8_t *p = msg.p;
	size_t n = msg.len;

	if (n >= 2 && p[0] == '\r' && p[1] == '\n')
		return (struct slice){p, 2};
	if (n >= 1 && p[0] == '\n')
		return (struct slice){p, 1};
	for (size_t i = 1; i < n; i++) {
		if (p[i] != '\n' || p[i - 1] == '\0')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return (struct slice){p, i + 2};
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return (struct slice){p, i + 3};
	}
	return msg;
}

/* ---------------------------------------------------------------- loop marker */

/* The address of a marker value: inside <...>, else the trimmed value. */
static struct slice marker_addr(struct slice v)
{
	const uint8_t *lt = memchr(v.p, '<', v.len), *gt;

	if (lt != NULL && (gt = memchr(lt, '>', v.len - (size_t)(lt - v.p))) != NULL)
		return (struct slice){lt + 1, (size_t)(gt - lt - 1)};
	while (v.len > 0 && isspace(v.p[0])) {
		v.p++;
		v.len--;
	}
	while (v.len > 0 && isspace(v.p[v.len - 1]))
		v.len--;
	return v;
}

int sieve_reply_loop_check(struct slice hdr, const char *address, unsigned *hops_r)
{
	struct mime_header_iter it;
	struct slice name, raw;
	bool mine = false;
	unsigned hops = 0;

	mime_header_iter_init(&it, hdr);
	while (mime_header_next(&it, &name, &raw, NULL, NULL) == 1) {
		struct slice a;

		if (slice_casecmp_cstr(name, SIEVE_REPLY_LOOP_FIELD) != 0)
			continue;
		hops++;
		a = marker_addr(raw);
		mine = mine || (address != NULL && a.len == strlen(address) &&
		                strncasecmp((const char *)a.p, address, a.len) == 0);
	}
	if (hops_r != NULL)
		*hops_r = hops;
	return mine || hops >= SIEVE_REPLY_MAX_HOPS ? 1 : 0;
}

int sieve_reply_redirected(struct slice msg, const char *return_path, const char *address,
                           struct buf *out)
{
	size_t start = out->len;

	if (!mailgen_addr_ok(address, NULL) ||
	    (return_path != NULL && return_path[0] != '\0' && !mailgen_addr_ok(return_path, NULL)))
		return -1; /* nothing may break out of the fields we write */
	if ((return_path != NULL && buf_printf(out, "Return-Path: <%s>\r\n", return_path) < 0) ||
	    buf_printf(out, "%s: <%s>\r\n", SIEVE_REPLY_LOOP_FIELD, address) < 0 ||
	    buf_append(out, msg.p, msg.len) < 0) {
		out->len = start;
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- eligibility */

const char *sieve_reply_redirected_copy(struct slice hdr)
{
	return mime_header_count(hdr, SIEVE_REPLY_LOOP_FIELD) > 0 ? "the message was redirected"
	                                                           : NULL;
}

bool sieve_reply_vacation_ok(struct slice hdr, const char *sender, const char **why_r)
{
	const char *why = sieve_autoreply_refusal(hdr, sender);

	if (why == NULL)
		why = sieve_reply_redirected_copy(hdr);
	if (why_r != NULL)
		*why_r = why;
	return why == NULL;
}

/* ---------------------------------------------------------------- vacation reply */

/* Appends at most max bytes of s, cut on a UTF-8 character boundary. */
static int append_cut(struct buf *out, struct slice s, size_t max)
{
	size_t n = s.len <= max ? s.len : max;

	while (n > 0 && n < s.len && (s.p[n] & 0xc0) == 0x80)
		n--;
	return buf_append(out, s.p, n);
}

int sieve_reply_subject(const struct sieve_reply_vacation *v, struct buf *out)
{
	struct buf raw, clean;
	int r = 0;

	buf_init(&raw, 64 * 1024);
	buf_init(&clean, 0);
	if (v->subject != NULL && v->subject[0] != '\0') {
		r = buf_append_str(&raw, v->subject);
	} else {
		r = mime_header_get_utf8(sieve_reply_header(v->original), "Subject", &raw);
		r = r < 0 ? -1 : 0;
	}
	if (r == 0)
		r = mailgen_text_clean(buf_slice(&raw), false, raw.len, &clean);
	while (r == 0 && clean.len > 0 && clean.data[clean.len - 1] == ' ')
		clean.len--;
	if (r == 0 && v->subject != NULL && v->subject[0] != '\0')
		r = append_cut(out, buf_slice(&clean), SIEVE_REPLY_SUBJECT_MAX);
	else if (r == 0 && clean.len == 0)
		r = buf_append_str(out, SIEVE_REPLY_SUBJECT_DEFAULT);
	else if (r == 0 && (r = buf_append_str(out, SIEVE_REPLY_SUBJECT_PREFIX)) == 0)
		r = append_cut(out, buf_slice(&clean), SIEVE_REPLY_SUBJECT_MAX);
	buf_free(&raw);
	buf_free(&clean);
	return r;
}

/* A :mime reason: its Content-* fields as written, then its body, in CRLF. */
static int mime_entity(struct slice text, struct buf *out)
{
	struct buf crlf;
	struct slice hdr, name;
	struct mime_header_iter it;
	size_t off, len;
	int r;

	buf_init(&crlf, 0);
	r = mime_crlf_normalize(text.p, text.len, &crlf) < 0 ? -1 : 0;
	hdr = sieve_reply_header(buf_slice(&crlf));
	if (hdr.len == crlf.len && (hdr.len < 2 || memcmp(hdr.p + hdr.len - 2, "\r\n", 2) != 0))
		r = -1; /* no header block: not a MIME entity */
	mime_header_iter_init(&it, hdr);
	while (r == 0 && mime_header_next(&it, &name, &(struct slice){0}, &off, &len) == 1)
		if (name.len > 8 && strncasecmp((const char *)name.p, "Content-", 8) == 0)
			r = buf_append(out, hdr.p + off, len);
	if (r == 0)
		r = buf_append_str(out, "\r\n");
	if (r == 0)
		r = buf_append(out, crlf.data + hdr.len, crlf.len - hdr.len);
	buf_free(&crlf);
	return r;
}

int sieve_reply_vacation(const struct sieve_reply_vacation *v, struct buf *out,
                         const char **error_r)
{
	struct slice hdr = sieve_reply_header(v->original);
	struct notice n = {0};
	struct buf subject;
	size_t start = out->len;
	int r;

	buf_init(&subject, 0);
	if (sieve_reply_subject(v, &subject) < 0 || buf_cstr(&subject) < 0) {
		buf_free(&subject);
		*error_r = "reply subject too large";
		return -1;
	}
	n.postmaster = v->from;
	n.from_name = v->from_name != NULL ? v->from_name : "";
	n.to = v->to;
	n.subject = (const char *)subject.data;
	n.auto_submitted = "auto-replied"; /* RFC 3834 section 5.2 */
	n.date = v->date;
	n.host = v->host;
	n.id = v->id;
	if (mime_header_get_nth(hdr, "Message-ID", 0, &n.in_reply_to) != 1)
		n.in_reply_to = (struct slice){0};
	if (mime_header_get_nth(hdr, "References", 0, &n.references) != 1)
		n.references = (struct slice){0};
	if (!v->mime) {
		r = notice_build(&n, slice_from_cstr(v->text), out, NULL, error_r);
	} else if ((r = notice_headers(&n, out, NULL, error_r)) == 0 &&
	           (r = mime_entity(slice_from_cstr(v->text), out)) < 0) {
		*error_r = "vacation :mime reason is not a MIME entity";
		out->len = start;
	}
	buf_free(&subject);
	return r;
}

/* ---------------------------------------------------------------- reject report */

int sieve_reply_reject(const struct sieve_reply_reject *r, struct buf *out, const char **error_r)
{
	struct buf diag;
	struct dsn_rcpt rc = {0};
	struct dsn d = {0};
	int rv;

	if (r->return_path == NULL || r->return_path[0] == '\0') {
		*error_r = "no report to the null sender";
		return -1;
	}
	buf_init(&diag, 0);
	buf_append_str(&diag, "550 5.2.0 ");
	mailgen_ascii_clean(slice_from_cstr(r->reason != NULL ? r->reason : ""), 400, &diag);
	buf_cstr(&diag);
	rc.rcpt = r->rcpt;
	rc.action = DSN_FAILED;
	rc.status = "5.2.0"; /* RFC 3463: the mailbox refused it (its filter) */
	rc.remote_mta = r->reporting_mta;
	rc.diag = (const char *)diag.data;
	rc.last_attempt = r->date;
	d.reporting_mta = r->reporting_mta;
	d.postmaster = r->postmaster;
	d.return_path = r->return_path;
	d.envid = r->envid != NULL && r->envid[0] != '\0' ? r->envid : NULL;
	d.arrival = r->arrival;
	d.date = r->date;
	d.id = r->id;
	d.ret = DSN_RET_HDRS;
	d.rcpts = &rc;
	d.nrcpts = 1;
	d.original = r->original;
	rv = dsn_build(&d, out, NULL, error_r);
	buf_free(&diag);
	return rv;
}
