/* SPDX-License-Identifier: ISC */
/* Header fields, encoded-words, quoted-printable and cleaning for the
 * messages balise generates. Everything that comes from outside (addresses,
 * remote replies, the original message) goes through a cleaner before it
 * reaches a header, so no CR, LF or NUL can start a field of its own. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "mailgen.h"
#include "util.h"

static const char hexdig[] = "0123456789ABCDEF";

size_t mailgen_utf8_next(const uint8_t *p, size_t n, uint32_t *cp_r)
{
	uint32_t cp, min;
	size_t len;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

bool mailgen_utf8_valid(const uint8_t *p, size_t n)
{
	uint32_t cp;

	for (size_t i = 0, k; i < n; i += k)
		if ((k = mailgen_utf8_next(p + i, n - i, &cp)) == 0)
			return false;
	return true;
}

bool mailgen_is_ascii(struct slice s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] >= 0x80)
			return false;
	return true;
}

/* ------------------------------------------------------ addresses, hosts */

static bool utf8_ok_no_ctl(const uint8_t *p, size_t n, bool *utf8_r)
{
	uint32_t cp;
	size_t k;

	for (size_t i = 0; i < n; i += k) {
		if ((k = mailgen_utf8_next(p + i, n - i, &cp)) == 0)
			return false;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return false;
		if (cp >= 0x80 && utf8_r != NULL)
			*utf8_r = true;
	}
	return true;
}

static bool local_part_ok(const uint8_t *p, size_t n)
{
	if (n == 0)
		return false;
	if (p[0] == '"') {
		if (n < 2 || p[n - 1] != '"')
			return false;
		for (size_t i = 1; i + 1 < n; i++) {
			if (p[i] == '\\' && i + 2 < n)
				i++;
			else if (p[i] == '"' || p[i] == '\\')
				return false;
		}
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] == ' ' || strchr("()<>[]:;@\\,\"", p[i]) != NULL)
			return false;
	return true;
}

static bool domain_ok(const uint8_t *p, size_t n)
{
	if (n == 0)
		return false;
	if (p[0] == '[') {
		if (n < 3 || p[n - 1] != ']')
			return false;
		for (size_t i = 1; i + 1 < n; i++)
			if (p[i] == ' ' || p[i] == '[' || p[i] == ']' || p[i] == '\\')
				return false;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x80 && !(p[i] >= 'a' && p[i] <= 'z') && !(p[i] >= 'A' && p[i] <= 'Z') &&
		    !(p[i] >= '0' && p[i] <= '9') && p[i] != '-' && p[i] != '.' && p[i] != '_')
			return false;
	return p[0] != '.' && p[n - 1] != '.';
}

bool mailgen_addr_ok(const char *s, bool *utf8_r)
{
	const uint8_t *p = (const uint8_t *)s, *at;
	size_t n;

	if (utf8_r != NULL)
		*utf8_r = false;
	if (s == NULL || (n = strlen(s)) < 3 || n > MAILGEN_MAX_ADDR)
		return false;
	if (!utf8_ok_no_ctl(p, n, utf8_r))
		return false;
	at = (const uint8_t *)strrchr(s, '@');
	if (at == NULL)
		return false;
	return local_part_ok(p, (size_t)(at - p)) && domain_ok(at + 1, n - (size_t)(at - p) - 1);
}

bool mailgen_host_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > MAILGEN_MAX_HOST || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/* ------------------------------------------------------------ cleaning */

static bool cp_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

int mailgen_text_clean(struct slice in, bool keep_nl, size_t max, struct buf *out)
{
	size_t n = in.len < max ? in.len : max, k;
	uint32_t cp;

	for (size_t i = 0; i < n; i += k) {
		k = mailgen_utf8_next(in.p + i, n - i, &cp);
		if (k == 0) {
			k = 1;
			cp = 0xfffd;
		}
		if (cp == '\r' && i + 1 < n && in.p[i + 1] == '\n' && keep_nl)
			continue;
		if (cp == '\n' && keep_nl) {
			if (buf_append_u8(out, '\n') < 0)
				return -1;
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			if (buf_append_u8(out, ' ') < 0)
				return -1;
		} else if (cp_unsafe(cp) || cp == 0xfffd) {
			if (buf_append_str(out, "\xef\xbf\xbd") < 0)
				return -1;
		} else if (buf_append(out, in.p + i, k) < 0) {
			return -1;
		}
	}
	return 0;
}

int mailgen_ascii_clean(struct slice in, size_t max, struct buf *out)
{
	size_t start = out->len;
	bool space = true; /* drops leading spaces */

	for (size_t i = 0; i < in.len && out->len - start < max; i++) {
		uint8_t c = in.p[i];
		if (c == '\t' || c == '\r' || c == '\n' || c == '\0' || c == ' ') {
			if (!space && buf_append_u8(out, ' ') < 0)
				return -1;
			space = true;
			continue;
		}
		if (buf_append_u8(out, c >= 0x21 && c <= 0x7e ? c : '?') < 0)
			return -1;
		space = false;
	}
	while (out->len > start && out->data[out->len - 1] == ' ')
		out->len--;
	return 0;
}

/* --------------------------------------------------------------- fields */

int mailgen_field(struct buf *out, const char *name, struct slice v)
{
	size_t col = strlen(name) + 1, i = 0;
	bool first = true;

	if (buf_printf(out, "%s:", name) < 0)
		return -1;
	while (i < v.len) {
		size_t w = i;
		while (w < v.len && v.p[w] != ' ')
			w++;
		if (w > i) {
			/* fold before the space when the word would pass the width */
			if (!first && col + 1 + (w - i) > MAILGEN_LINE) {
				if (buf_append_str(out, "\r\n") < 0)
					return -1;
				col = 0;
			}
			if (buf_append_u8(out, ' ') < 0 || buf_append(out, v.p + i, w - i) < 0)
				return -1;
			col += 1 + (w - i);
			first = false;
		}
		i = w + 1;
	}
	return buf_append_str(out, "\r\n");
}

static bool q_literal(uint8_t c) /* RFC 2047 §5 (3): safe even in phrases */
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!*+-/", c) != NULL;
}

/* Encoded-words of UTF-8 text starting at column col: each word holds
 * whole characters; a new word on a new line when the line is full. */
static int encoded_words(struct buf *out, const char *utf8, size_t col)
{
	static const char open[] = "=?utf-8?Q?";
	const uint8_t *p = (const uint8_t *)utf8;
	size_t n = strlen(utf8), i = 0, wlen = 0, k;
	char enc[16];
	uint32_t cp;

	while (i < n) {
		size_t elen = 0;
		if ((k = mailgen_utf8_next(p + i, n - i, &cp)) == 0)
			k = 1; /* callers clean first; stay safe anyway */
		for (size_t j = 0; j < k; j++) {
			uint8_t c = p[i + j];
			if (c == ' ')
				enc[elen++] = '_';
			else if (q_literal(c))
				enc[elen++] = (char)c;
			else {
				enc[elen++] = '=';
				enc[elen++] = hexdig[c >> 4];
				enc[elen++] = hexdig[c & 15];
			}
		}
		if (wlen > 0 && (wlen + elen + 2 > MAILGEN_WORD || col + elen + 2 > MAILGEN_LINE)) {
			if (buf_append_str(out, "?=\r\n") < 0)
				return -1;
			col = 0;
			wlen = 0;
		}
		if (wlen == 0) {
			if (buf_append_u8(out, ' ') < 0 || buf_append_str(out, open) < 0)
				return -1;
			col += 1 + sizeof(open) - 1;
			wlen = sizeof(open) - 1;
		}
		if (buf_append(out, enc, elen) < 0)
			return -1;
		wlen += elen;
		col += elen;
		i += k;
	}
	return wlen > 0 ? buf_append_str(out, "?=") : 0;
}

int mailgen_field_text(struct buf *out, const char *name, const char *utf8)
{
	struct slice s = slice_from_cstr(utf8);

	if (mailgen_is_ascii(s))
		return mailgen_field(out, name, s);
	if (buf_printf(out, "%s:", name) < 0 || encoded_words(out, utf8, strlen(name) + 1) < 0)
		return -1;
	return buf_append_str(out, "\r\n");
}

static bool atext_phrase(const char *s) /* atoms separated by single spaces */
{
	if (*s == '\0' || *s == ' ')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == ' ' && (s[1] == ' ' || s[1] == '\0'))
			return false;
		if (c != ' ' && !q_literal(c) && strchr("#$%&'=?^_`{|}~", c) == NULL)
			return false;
	}
	return true;
}

static size_t current_column(const struct buf *out)
{
	size_t i = out->len;

	while (i > 0 && out->data[i - 1] != '\n')
		i--;
	return out->len - i;
}

static int quoted_string(struct buf *out, struct slice d)
{
	if (buf_append_str(out, " \"") < 0)
		return -1;
	for (size_t i = 0; i < d.len; i++) {
		if ((d.p[i] == '"' || d.p[i] == '\\') && buf_append_u8(out, '\\') < 0)
			return -1;
		if (buf_append_u8(out, d.p[i]) < 0)
			return -1;
	}
	return buf_append_u8(out, '"');
}

int mailgen_field_addr(struct buf *out, const char *name, const char *display, const char *addr)
{
	struct slice d = display != NULL ? slice_from_cstr(display) : (struct slice){NULL, 0};
	int r = 0;

	if (d.len > 0 && !utf8_ok_no_ctl(d.p, d.len, NULL))
		d.len = 0; /* a display name is never worth an injection */
	if (buf_printf(out, "%s:", name) < 0)
		return -1;
	if (d.len == 0)
		r = 0;
	else if (!mailgen_is_ascii(d) || d.len > MAILGEN_LINE / 2)
		r = encoded_words(out, display, strlen(name) + 1); /* these fold */
	else if (atext_phrase(display))
		r = buf_printf(out, " %s", display);
	else
		r = quoted_string(out, d);
	if (r < 0)
		return -1;
	/* fold before the address when it would pass the width */
	if (d.len > 0 && current_column(out) + strlen(addr) + 3 > MAILGEN_LINE &&
	    buf_append_str(out, "\r\n") < 0)
		return -1;
	return buf_printf(out, " <%s>\r\n", addr);
}

int mailgen_date(int64_t t, struct buf *out)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	time_t tt;

	if (t < 0 || t > INT64_C(253402300799))
		t = 0;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	return buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
	                  tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	                  tm.tm_sec);
}

/* ------------------------------------------------------- quoted-printable */

static int qp_put(struct buf *out, const char *s, size_t n, size_t *col)
{
	if (*col + n > MAILGEN_QP_LINE - 1) { /* room for the soft break's "=" */
		if (buf_append_str(out, "=\r\n") < 0)
			return -1;
		*col = 0;
	}
	*col += n;
	return buf_append(out, s, n);
}

static int qp_line(struct buf *out, const uint8_t *p, size_t n)
{
	size_t col = 0;
	char e[3];

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		bool last = i + 1 == n;
		/* literal: printable ASCII but "=", a space or tab not at the end of
		 * the line, and not a "-" or "." opening a line (boundaries, SMTP) */
		if ((c >= 0x21 && c <= 0x7e && c != '=' && !((c == '-' || c == '.') && col == 0)) ||
		    ((c == ' ' || c == '\t') && !last)) {
			if (qp_put(out, (const char *)&p[i], 1, &col) < 0)
				return -1;
			continue;
		}
		e[0] = '=';
		e[1] = hexdig[c >> 4];
		e[2] = hexdig[c & 15];
		if (qp_put(out, e, 3, &col) < 0)
			return -1;
	}
	return buf_append_str(out, "\r\n");
}

int mailgen_qp(struct slice text, struct buf *out)
{
	size_t i = 0;

	while (i < text.len) {
		size_t e = i, next;
		while (e < text.len && text.p[e] != '\n')
			e++;
		next = e < text.len ? e + 1 : e;
		if (e > i && text.p[e - 1] == '\r' && e < text.len)
			e--;
		if (qp_line(out, text.p + i, e - i) < 0)
			return -1;
		i = next;
	}
	return 0;
}

/* -------------------------------------------------------------- msg-ids */

/* Length of the msg-id at p ("<" printable-no-space ">"), 0 if none. */
static size_t msgid_at(const uint8_t *p, size_t n)
{
	size_t i;

	if (n < 3 || p[0] != '<')
		return 0;
	for (i = 1; i < n && i <= MAILGEN_MAX_MSGID; i++) {
		if (p[i] == '>')
			return i >= 2 ? i + 1 : 0;
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '<')
			return 0;
	}
	return 0;
}

struct slice mailgen_msgid_pick(struct slice v)
{
	for (size_t i = 0; i < v.len; i++) {
		size_t n;
		if (v.p[i] != '<')
			continue;
		if ((n = msgid_at(v.p + i, v.len - i)) > 0)
			return (struct slice){v.p + i, n};
	}
	return (struct slice){NULL, 0};
}

int mailgen_references(struct slice refs, struct slice msgid, struct buf *out)
{
	struct slice ids[MAILGEN_MAX_REFS];
	size_t n = 0;

	if (msgid.p == NULL || msgid.len == 0)
		return 0;
	for (size_t i = 0; i < refs.len; i++) {
		size_t k;
		if (refs.p[i] != '<' || (k = msgid_at(refs.p + i, refs.len - i)) == 0)
			continue;
		if (n == MAILGEN_MAX_REFS - 1) { /* keep the most recent ones */
			memmove(ids, ids + 1, (n - 1) * sizeof(ids[0]));
			n--;
		}
		ids[n++] = (struct slice){refs.p + i, k};
		i += k - 1;
	}
	for (size_t i = 0; i < n; i++)
		if (buf_append(out, ids[i].p, ids[i].len) < 0 || buf_append_u8(out, ' ') < 0)
			return -1;
	return buf_append(out, msgid.p, msgid.len);
}
