/* SPDX-License-Identifier: ISC */
/* Writing IMAP responses: tagged OK/NO/BAD with response codes (RFC 9051
 * section 7.1), untagged lines, and strings as atoms, quoted strings or
 * literals (section 4.3). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "imap_cmd.h"
#include "imap_session.h"
#include "imap_view.h"

#define IMAP_QUOTED_MAX 1024 /* longer strings go out as literals */

void imap_write(struct imap_session *s, const void *p, size_t n)
{
	if (s->conn != NULL && n > 0)
		conn_write(s->conn, p, n);
}

void imap_untagged(struct imap_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	imap_write(s, "* ", 2);
	memcpy(line + n, "\r\n", 2);
	imap_write(s, line, (size_t)n + 2);
}

/* tag SP status SP ["[" code "]" SP] text CRLF */
static void reply(struct imap_cmd_ctx *ctx, const char *status, const char *code, const char *text)
{
	struct imap_session *s = ctx->s;
	struct buf b;

	/* Pending mailbox changes go before the completion (imap_cmd.h). */
	if (status[0] != 'B')
		imap_session_sync(s);
	buf_init(&b, 0);
	buf_append(&b, ctx->tag.p, ctx->tag.len);
	buf_printf(&b, " %s ", status);
	if (code != NULL)
		buf_printf(&b, "[%s] ", code);
	buf_printf(&b, "%s\r\n", text);
	imap_write(s, b.data, b.len);
	ctx->result = status;
	/* "[code] text" without the tag, for the audit trace (cut short). */
	{
		size_t skip = ctx->tag.len + 2 + strlen(status), n = b.len - 2 - skip;

		if (n > 200)
			n = 200;
		ctx->result_text = imap_cmd_strdup(ctx, (struct slice){b.data + skip, n});
	}
	buf_free(&b);
}

void imap_reply_ok(struct imap_cmd_ctx *ctx, const char *code, const char *text)
{
	reply(ctx, "OK", code, text);
}

void imap_reply_no(struct imap_cmd_ctx *ctx, const char *code, const char *text)
{
	reply(ctx, "NO", code, text);
}

void imap_reply_bad(struct imap_cmd_ctx *ctx, const char *code, const char *text)
{
	reply(ctx, "BAD", code, text);
}

void imap_reply_okf(struct imap_cmd_ctx *ctx, const char *code, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	reply(ctx, "OK", code, text);
}

/* ---------------------------------------------------------------- strings */

static bool atom_char(uint8_t c)
{
	/* RFC 9051 section 9: ATOM-CHAR excludes atom-specials. */
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

static bool quotable(struct slice s, bool utf8)
{
	if (s.len > IMAP_QUOTED_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];

		if (c == 0 || c == '\r' || c == '\n' || (c >= 0x80 && !utf8))
			return false;
	}
	return true;
}

int imap_resp_string(struct buf *out, struct slice s, bool utf8)
{
	int r = 0;

	if (!quotable(s, utf8)) {
		r |= buf_printf(out, "{%zu}\r\n", s.len);
		r |= buf_append(out, s.p, s.len);
		return r < 0 ? -1 : 0;
	}
	r |= buf_append_u8(out, '"');
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '"' || s.p[i] == '\\')
			r |= buf_append_u8(out, '\\');
		r |= buf_append_u8(out, s.p[i]);
	}
	r |= buf_append_u8(out, '"');
	return r < 0 ? -1 : 0;
}

int imap_resp_astring(struct buf *out, struct slice s, bool utf8)
{
	bool atom = s.len > 0 && slice_casecmp_cstr(s, "NIL") != 0;

	for (size_t i = 0; atom && i < s.len; i++)
		atom = atom_char(s.p[i]);
	if (atom)
		return buf_append(out, s.p, s.len);
	return imap_resp_string(out, s, utf8);
}

int imap_resp_nstring(struct buf *out, struct slice s, bool utf8)
{
	if (s.p == NULL)
		return buf_append_str(out, "NIL");
	return imap_resp_string(out, s, utf8);
}

int imap_resp_flags(struct buf *out, const struct imap_session *s, uint32_t flags,
                    uint64_t keywords)
{
	static const struct imap_view none;

	return imap_view_flags_list(s->view != NULL ? s->view : &none, flags, keywords, out);
}
