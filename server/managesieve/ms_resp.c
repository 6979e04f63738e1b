/* SPDX-License-Identifier: ISC */
/* ManageSieve responses: see ms_resp.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ms_limits.h"
#include "ms_resp.h"

static bool quotable(struct slice s)
{
	if (s.len > MS_QUOTED_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == '\0')
			return false;
	return true;
}

int ms_resp_string(struct buf *out, struct slice s)
{
	if (!quotable(s)) {
		if (buf_printf(out, "{%zu}\r\n", s.len) < 0)
			return -1;
		return buf_append(out, s.p, s.len);
	}
	if (buf_append_u8(out, '"') < 0)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		if ((s.p[i] == '"' || s.p[i] == '\\') && buf_append_u8(out, '\\') < 0)
			return -1;
		if (buf_append_u8(out, s.p[i]) < 0)
			return -1;
	}
	return buf_append_u8(out, '"');
}

int ms_resp_cstring(struct buf *out, const char *s)
{
	return ms_resp_string(out, slice_from_cstr(s));
}

int ms_resp_status(struct buf *out, enum ms_status st, const char *code, const char *text)
{
	static const char *const names[] = {"OK", "NO", "BYE"};

	if (buf_append_str(out, names[st]) < 0)
		return -1;
	if (code != NULL && code[0] != '\0' && buf_printf(out, " (%s)", code) < 0)
		return -1;
	if (text != NULL && (buf_append_u8(out, ' ') < 0 || ms_resp_cstring(out, text) < 0))
		return -1;
	return buf_append_str(out, "\r\n");
}

/* One capability: "NAME" [SP value] CRLF. */
static int cap(struct buf *out, const char *name, const char *value)
{
	if (ms_resp_cstring(out, name) < 0)
		return -1;
	if (value != NULL && (buf_append_u8(out, ' ') < 0 || ms_resp_cstring(out, value) < 0))
		return -1;
	return buf_append_str(out, "\r\n");
}

int ms_resp_capabilities(struct buf *out, const struct ms_caps *c)
{
	char n[16];
	int r = 0;

	snprintf(n, sizeof(n), "%u", c->maxredirects);
	r |= cap(out, "IMPLEMENTATION", c->implementation);
	r |= cap(out, "SASL", c->sasl);
	r |= cap(out, "SIEVE", c->sieve);
	if (c->starttls)
		r |= cap(out, "STARTTLS", NULL);
	r |= cap(out, "MAXREDIRECTS", n);
	if (c->owner != NULL)
		r |= cap(out, "OWNER", c->owner);
	if (c->unauthenticate)
		r |= cap(out, "UNAUTHENTICATE", NULL);
	r |= cap(out, "VERSION", "1.0");
	return r < 0 ? -1 : 0;
}
