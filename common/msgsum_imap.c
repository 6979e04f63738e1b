/* SPDX-License-Identifier: ISC */
/* IMAP renderings of a parsed message: ENVELOPE (RFC 3501 §7.4.2 / RFC 9051
 * §7.5.2), BODYSTRUCTURE (extensible) and BODY (non-extensible). */
#include "config.h"

#include <string.h>

#include "msgsum.h"
#include "rfc822_addr.h"

#define MSGSUM_MAX_ENV_VALUE (1u << 20) /* one unfolded envelope field (big To: lists) */

/* RFC 3501 §9: a quoted string holds 7-bit TEXT-CHARs without CR/LF; any
 * other byte needs a literal. NUL has no form at all: it becomes a space. */
int msgsum_render_nstring(struct slice s, struct buf *out)
{
	bool literal = false;

	if (s.p == NULL)
		return buf_append(out, "NIL", 3);
	for (size_t i = 0; i < s.len && !literal; i++)
		literal = s.p[i] >= 0x80 || s.p[i] == '\r' || s.p[i] == '\n';
	if (literal) {
		if (buf_printf(out, "{%zu}\r\n", s.len) < 0 || buf_reserve(out, s.len) < 0)
			return -1;
		for (size_t i = 0; i < s.len; i++)
			out->data[out->len++] = s.p[i] == '\0' ? ' ' : s.p[i];
		return 0;
	}
	if (buf_append_u8(out, '"') < 0)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i] == '\0' ? ' ' : s.p[i];
		if ((c == '"' || c == '\\') && buf_append_u8(out, '\\') < 0)
			return -1;
		if (buf_append_u8(out, c) < 0)
			return -1;
	}
	return buf_append_u8(out, '"');
}

static int render_cstr(const char *s, struct buf *out)
{
	return msgsum_render_nstring(s != NULL ? slice_from_cstr(s) : (struct slice){NULL, 0}, out);
}

/* ------------------------------------------------------------ envelope */

/* address list: "(" 1*address ")" or NIL (RFC 3501 §9 env-from etc.) */
static int render_addrs(const struct rfc822_addr_list *l, struct buf *out)
{
	if (l->n == 0)
		return buf_append(out, "NIL", 3);
	if (buf_append_u8(out, '(') < 0)
		return -1;
	for (unsigned i = 0; i < l->n; i++) {
		const struct rfc822_addr *a = &l->v[i];
		if (buf_append_u8(out, '(') < 0 || render_cstr(a->name, out) < 0 ||
		    buf_append_u8(out, ' ') < 0 || render_cstr(a->adl, out) < 0 ||
		    buf_append_u8(out, ' ') < 0 || render_cstr(a->mailbox, out) < 0 ||
		    buf_append_u8(out, ' ') < 0 || render_cstr(a->host, out) < 0 ||
		    buf_append_u8(out, ')') < 0)
			return -1;
	}
	return buf_append_u8(out, ')');
}

/* The first field with this name, unfolded; *found tells absent from empty. */
static void env_value(struct slice hdr, const char *name, struct buf *v, bool *found)
{
	buf_reset(v);
	*found = mime_header_get(hdr, name, v) != 0;
}

static int env_string(struct slice hdr, const char *name, struct buf *v, struct buf *out)
{
	bool found;

	env_value(hdr, name, v, &found);
	if (found && v->data == NULL)
		return msgsum_render_nstring(SLICE_STR(""), out); /* present, empty */
	return msgsum_render_nstring(found ? buf_slice(v) : (struct slice){NULL, 0}, out);
}

/* Parses an address field; an absent or empty one gives an empty list. */
static void env_addrs(struct slice hdr, const char *name, struct buf *v, struct rfc822_addr_list *l)
{
	bool found;

	env_value(hdr, name, v, &found);
	rfc822_addr_parse(v->data, v->len, l);
}

int msgsum_render_envelope(struct slice hdr, struct buf *out)
{
	static const char *const addr_fields[] = {"from", "sender", "reply-to", "to", "cc", "bcc"};
	struct rfc822_addr_list lists[6];
	struct buf v;
	int r = 0;

	buf_init(&v, MSGSUM_MAX_ENV_VALUE);
	for (unsigned i = 0; i < 6; i++)
		env_addrs(hdr, addr_fields[i], &v, &lists[i]);
	if (buf_append_u8(out, '(') < 0 || env_string(hdr, "date", &v, out) < 0 ||
	    buf_append_u8(out, ' ') < 0 || env_string(hdr, "subject", &v, out) < 0)
		r = -1;
	for (unsigned i = 0; i < 6 && r == 0; i++) {
		/* §7.4.2: an absent or empty Sender or Reply-To is From */
		const struct rfc822_addr_list *l =
		    (i == 1 || i == 2) && lists[i].n == 0 ? &lists[0] : &lists[i];
		if (buf_append_u8(out, ' ') < 0 || render_addrs(l, out) < 0)
			r = -1;
	}
	if (r == 0 && (buf_append_u8(out, ' ') < 0 || env_string(hdr, "in-reply-to", &v, out) < 0 ||
	               buf_append_u8(out, ' ') < 0 || env_string(hdr, "message-id", &v, out) < 0 ||
	               buf_append_u8(out, ')') < 0))
		r = -1;
	for (unsigned i = 0; i < 6; i++)
		rfc822_addr_list_free(&lists[i]);
	buf_free(&v);
	return r;
}

/* ------------------------------------------------------- bodystructure */

static int render_slice(struct slice s, struct buf *out)
{
	return msgsum_render_nstring(s, out);
}

/* body-fld-param: "(" string SP string *(SP string SP string) ")" / nil.
 * RFC 2231 extended values are given as written, name with its "*". */
static int render_params(const struct mime_params *ps, struct buf *out)
{
	if (ps->n == 0)
		return buf_append(out, "NIL", 3);
	if (buf_append_u8(out, '(') < 0)
		return -1;
	for (unsigned i = 0; i < ps->n; i++) {
		const struct mime_param *p = &ps->v[i];
		struct buf name;
		int r;

		buf_init(&name, 0);
		buf_append(&name, p->name.p, p->name.len);
		if (p->extended)
			buf_append_u8(&name, '*');
		r = (i > 0 ? buf_append_u8(out, ' ') : 0) | render_slice(buf_slice(&name), out) |
		    buf_append_u8(out, ' ') | render_slice(p->value, out);
		buf_free(&name);
		if (r < 0)
			return -1;
	}
	return buf_append_u8(out, ')');
}

/* body-fld-dsp SP body-fld-lang SP body-fld-loc (RFC 3501 §9) */
static int render_ext_tail(const struct mime_part *p, struct buf *out)
{
	if (p->disposition.p == NULL) {
		if (buf_append(out, " NIL", 4) < 0)
			return -1;
	} else if (buf_append(out, " (", 2) < 0 || render_slice(p->disposition, out) < 0 ||
	           buf_append_u8(out, ' ') < 0 || render_params(&p->disp_params, out) < 0 ||
	           buf_append_u8(out, ')') < 0) {
		return -1;
	}
	if (p->nlanguages == 0) {
		if (buf_append(out, " NIL", 4) < 0)
			return -1;
	} else {
		if (buf_append(out, " (", 2) < 0)
			return -1;
		for (unsigned i = 0; i < p->nlanguages; i++)
			if ((i > 0 && buf_append_u8(out, ' ') < 0) ||
			    render_slice(p->languages[i], out) < 0)
				return -1;
		if (buf_append_u8(out, ')') < 0)
			return -1;
	}
	return buf_append_u8(out, ' ') < 0 ? -1 : render_slice(p->location, out);
}

static int render_multipart(const struct mime_msg *m, const struct mime_part *p, bool ext,
                            struct buf *out)
{
	for (const struct mime_part *c = p->children; c != NULL; c = c->next)
		if (msgsum_render_body(m, c, ext, out) < 0)
			return -1;
	if (buf_append_u8(out, ' ') < 0 || render_slice(p->subtype, out) < 0)
		return -1;
	if (!ext)
		return 0;
	if (buf_append_u8(out, ' ') < 0 || render_params(&p->ct_params, out) < 0)
		return -1;
	return render_ext_tail(p, out);
}

/* A part whose body was not looked into (a limit was hit) cannot be shown
 * as multipart or message/rfc822 (both need their insides): it is shown as
 * application/octet-stream. */
static bool shown_opaque(const struct mime_part *p)
{
	return p->children == NULL &&
	       (mime_is_type(p, "multipart", NULL) || mime_is_type(p, "message", "rfc822"));
}

static int render_leaf(const struct mime_msg *m, const struct mime_part *p, bool ext,
                       struct buf *out)
{
	bool opq = shown_opaque(p);
	struct slice enc = p->cte_raw.len > 0 ? p->cte_raw : SLICE_STR("7bit");

	if (render_slice(opq ? SLICE_STR("application") : p->type, out) < 0 ||
	    buf_append_u8(out, ' ') < 0 ||
	    render_slice(opq ? SLICE_STR("octet-stream") : p->subtype, out) < 0 ||
	    buf_append_u8(out, ' ') < 0 ||
	    (opq ? buf_append(out, "NIL", 3) : render_params(&p->ct_params, out)) < 0 ||
	    buf_append_u8(out, ' ') < 0 || render_slice(p->id, out) < 0 ||
	    buf_append_u8(out, ' ') < 0 || render_slice(p->description, out) < 0 ||
	    buf_append_u8(out, ' ') < 0 || render_slice(enc, out) < 0 ||
	    buf_printf(out, " %zu", p->body_len) < 0)
		return -1;
	/* message/global (RFC 6532) has the message fields in RFC 9051 only:
	 * an IMAP4rev1 parser would choke on them, so it is shown as a basic
	 * body, as Dovecot does (its parts are still reachable by section) */
	if (p->kind == MIME_MESSAGE && p->children != NULL &&
	    mime_is_type(p, "message", "rfc822")) {
		/* body-type-msg: envelope SP body SP body-fld-lines */
		const struct mime_part *in = p->children;
		if (buf_append_u8(out, ' ') < 0 ||
		    msgsum_render_envelope(mime_part_header(m, in), out) < 0 ||
		    buf_append_u8(out, ' ') < 0 || msgsum_render_body(m, in, ext, out) < 0 ||
		    buf_printf(out, " %zu", p->body_lines) < 0)
			return -1;
	} else if (!opq && mime_is_type(p, "text", NULL)) {
		if (buf_printf(out, " %zu", p->body_lines) < 0)
			return -1;
	}
	if (!ext)
		return 0;
	if (buf_append_u8(out, ' ') < 0 || render_slice(p->md5, out) < 0)
		return -1;
	return render_ext_tail(p, out);
}

int msgsum_render_body(const struct mime_msg *m, const struct mime_part *p, bool ext,
                       struct buf *out)
{
	int r;

	if (buf_append_u8(out, '(') < 0)
		return -1;
	if (p->kind == MIME_MULTIPART && p->children != NULL)
		r = render_multipart(m, p, ext, out);
	else
		r = render_leaf(m, p, ext, out);
	return r < 0 ? -1 : buf_append_u8(out, ')');
}
