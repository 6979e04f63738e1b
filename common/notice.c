/* SPDX-License-Identifier: ISC */
/* Generated notices from the postmaster (header fields shared with the DSN
 * builder, one-part text notices, quota alerts). */
#include "config.h"

#include <string.h>

#include "mailgen.h"
#include "notice.h"
#include "templates_fr.h"

#define NOTICE_MAX_SUBJECT 998 /* bytes of subject kept before encoding */

static int message_id(const struct notice *n, struct buf *out)
{
	struct buf v;
	size_t kept = 0;
	int r;

	buf_init(&v, 0);
	buf_append_u8(&v, '<');
	for (const char *p = n->id; *p != '\0' && kept < NOTICE_MAX_ID; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_') {
			buf_append_u8(&v, (uint8_t)c);
			kept++;
		}
	}
	r = kept == 0 ? -1 : 0;
	if (r == 0 && buf_printf(&v, ".balise@%s>", n->host) == 0)
		r = mailgen_field(out, "Message-ID", buf_slice(&v));
	buf_free(&v);
	return r;
}

static int reply_fields(const struct notice *n, struct buf *out)
{
	struct slice id = mailgen_msgid_pick(n->in_reply_to);
	struct buf refs;
	int r;

	if (id.p == NULL)
		return 0;
	if (mailgen_field(out, "In-Reply-To", id) < 0)
		return -1;
	buf_init(&refs, 0);
	r = mailgen_references(n->references, id, &refs);
	if (r == 0)
		r = mailgen_field(out, "References", buf_slice(&refs));
	buf_free(&refs);
	return r;
}

static int subject_field(const char *subject, struct buf *out)
{
	struct buf s;
	int r;

	buf_init(&s, 0);
	r = mailgen_text_clean(slice_from_cstr(subject), false, NOTICE_MAX_SUBJECT, &s);
	if (r == 0)
		r = buf_cstr(&s);
	if (r == 0)
		r = mailgen_field_text(out, "Subject", (const char *)s.data);
	buf_free(&s);
	return r;
}

/* RFC 3834 §5: auto-submitted-field values are keywords. */
static bool keyword_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && *s != '-')
			return false;
	return true;
}

static const char *notice_check(const struct notice *n, bool *utf8_r)
{
	bool pm_utf8;

	if (!mailgen_addr_ok(n->postmaster, &pm_utf8))
		return "postmaster address is not valid";
	if (!mailgen_addr_ok(n->to, utf8_r))
		return "recipient address is not valid";
	*utf8_r = *utf8_r || pm_utf8;
	if (!mailgen_host_ok(n->host))
		return "host name is not valid";
	if (n->id == NULL || n->subject == NULL)
		return "notice id or subject missing";
	if (n->auto_submitted != NULL && !keyword_ok(n->auto_submitted))
		return "Auto-Submitted value is not a keyword";
	return NULL;
}

int notice_headers(const struct notice *n, struct buf *out, unsigned *flags_r, const char **error_r)
{
	size_t start = out->len;
	bool utf8 = false;
	const char *why = notice_check(n, &utf8);

	if (why != NULL) {
		*error_r = why;
		return -1;
	}
	*error_r = "notice too large";
	if (mailgen_field_addr(out, "From", n->from_name ? n->from_name : TFR_POSTMASTER_NAME,
	                       n->postmaster) < 0 ||
	    mailgen_field_addr(out, "To", NULL, n->to) < 0 || subject_field(n->subject, out) < 0 ||
	    buf_append_str(out, "Date: ") < 0 || mailgen_date(n->date, out) < 0 ||
	    buf_append_str(out, "\r\n") < 0)
		goto fail;
	if (message_id(n, out) < 0) {
		*error_r = "notice id has no usable character";
		goto fail;
	}
	if (reply_fields(n, out) < 0 ||
	    mailgen_field(
	        out, "Auto-Submitted",
	        slice_from_cstr(n->auto_submitted ? n->auto_submitted : "auto-generated")) < 0 ||
	    buf_append_str(out, "MIME-Version: 1.0\r\n") < 0)
		goto fail;
	if (flags_r != NULL)
		*flags_r = utf8 ? NOTICE_F_SMTPUTF8 : 0;
	return 0;
fail:
	out->len = start;
	return -1;
}

int notice_build(const struct notice *n, struct slice text, struct buf *out, unsigned *flags_r,
                 const char **error_r)
{
	size_t start = out->len;
	struct buf clean;
	int r;

	if (notice_headers(n, out, flags_r, error_r) < 0)
		return -1;
	buf_init(&clean, 0);
	r = mailgen_text_clean(text, true, text.len, &clean);
	if (r == 0)
		r = buf_append_str(out, "Content-Type: text/plain; charset=utf-8\r\n"
		                        "Content-Transfer-Encoding: quoted-printable\r\n"
		                        "Content-Language: fr\r\n\r\n");
	if (r == 0)
		r = mailgen_qp(buf_slice(&clean), out);
	buf_free(&clean);
	if (r < 0) {
		*error_r = "notice too large";
		out->len = start;
	}
	return r;
}

int notice_quota_alert(const struct notice_quota *q, struct buf *out, unsigned *flags_r,
                       const char **error_r)
{
	struct notice n = {
	    .postmaster = q->postmaster,
	    .from_name = q->from_name,
	    .to = q->bal,
	    .subject = tfr_quota_subject(q->level),
	    .auto_submitted = "auto-generated",
	    .date = q->date,
	    .host = q->host,
	    .id = q->id,
	};
	struct buf body;
	int r;

	if (n.subject == NULL) {
		*error_r = "quota alert level must be 80, 90 or 100";
		return -1;
	}
	if (!mailgen_addr_ok(q->bal, NULL)) {
		*error_r = "BAL address is not valid";
		return -1;
	}
	buf_init(&body, 0);
	r = tfr_quota_body(q->level, q->bal, q->used, q->quota, &body);
	if (r == 0)
		r = notice_build(&n, buf_slice(&body), out, flags_r, error_r);
	else
		*error_r = "quota alert text failed";
	buf_free(&body);
	return r;
}
