/* SPDX-License-Identifier: ISC */
/* Header block helpers (RFC 5322 §2.2): walk fields, unfold values, look a
 * field up by name, and filter fields for BODY[HEADER.FIELDS ...]. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "mime.h"
#include "rfc2047.h"

void mime_header_iter_init(struct mime_header_iter *it, struct slice hdr)
{
	it->p = hdr.p;
	it->len = hdr.len;
	it->pos = 0;
}

/* End of the line that starts at pos: index of its LF, or len. */
static size_t line_end(const uint8_t *p, size_t len, size_t pos)
{
	const uint8_t *lf = memchr(p + pos, '\n', len - pos);
	return lf != NULL ? (size_t)(lf - p) : len;
}

static bool line_is_empty(const uint8_t *p, size_t pos, size_t eol)
{
	return eol == pos || (eol == pos + 1 && p[pos] == '\r');
}

int mime_header_next(struct mime_header_iter *it, struct slice *name, struct slice *raw,
                     size_t *field_off, size_t *field_len)
{
	const uint8_t *p = it->p;

	while (it->pos < it->len) {
		size_t start = it->pos, eol = line_end(p, it->len, start), colon, vend, next;

		if (line_is_empty(p, start, eol)) {
			it->pos = it->len;
			return 0;
		}
		/* the field goes on while the next line starts with WSP (§2.2.3) */
		next = eol < it->len ? eol + 1 : eol;
		while (next < it->len && (p[next] == ' ' || p[next] == '\t')) {
			eol = line_end(p, it->len, next);
			next = eol < it->len ? eol + 1 : eol;
		}
		it->pos = next;
		/* a continuation line at the very start has no field: skip it */
		if (p[start] == ' ' || p[start] == '\t')
			continue;
		for (colon = start; colon < eol && p[colon] != ':'; colon++)
			;
		if (colon == eol || colon == start)
			continue; /* line without a colon: not a field */
		vend = eol;
		if (vend > colon && vend < it->len && p[vend - 1] == '\r')
			vend--;
		name->p = p + start;
		name->len = colon - start;
		while (name->len > 0 &&
		       (name->p[name->len - 1] == ' ' || name->p[name->len - 1] == '\t'))
			name->len--;
		raw->p = p + colon + 1;
		raw->len = vend > colon + 1 ? vend - colon - 1 : 0;
		if (field_off != NULL)
			*field_off = start;
		if (field_len != NULL)
			*field_len = next - start;
		return 1;
	}
	return 0;
}

int mime_unfold(struct slice raw, struct buf *out)
{
	size_t i = 0, end = raw.len, start = out->len;

	bool room;

	while (i < end && (raw.p[i] == ' ' || raw.p[i] == '\t'))
		i++;
	/* The value is never longer than raw: reserve once when it fits (else
	 * byte by byte, up to out's limit). */
	room = buf_reserve(out, end - i) == 0;
	for (; i < end; i++) {
		uint8_t c = raw.p[i];
		if (c == '\r' && i + 1 < end && raw.p[i + 1] == '\n')
			continue; /* the CRLF of a fold: dropped, the WSP kept */
		if (c == '\n' && i + 1 < end && (raw.p[i + 1] == ' ' || raw.p[i + 1] == '\t'))
			continue;
		if (c == '\0' || c == '\r' || c == '\n')
			c = ' ';
		if (room)
			out->data[out->len++] = c;
		else if (buf_append_u8(out, c) < 0)
			return -1;
	}
	while (out->len > start &&
	       (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
		out->len--;
	return 0;
}

static bool name_is(struct slice name, const char *want)
{
	return slice_casecmp_cstr(name, want) == 0;
}

int mime_header_get(struct slice hdr, const char *name, struct buf *out)
{
	struct slice raw;

	if (mime_header_get_nth(hdr, name, 0, &raw) != 1)
		return 0;
	return mime_unfold(raw, out) < 0 ? -1 : 1;
}

int mime_header_get_utf8(struct slice hdr, const char *name, struct buf *out)
{
	struct buf v;
	int r;

	buf_init(&v, out->max);
	r = mime_header_get(hdr, name, &v);
	if (r == 1 && rfc2047_decode(buf_slice(&v), out) < 0)
		r = -1;
	buf_free(&v);
	return r;
}

unsigned mime_header_count(struct slice hdr, const char *name)
{
	struct mime_header_iter it;
	struct slice n, raw;
	unsigned count = 0;

	mime_header_iter_init(&it, hdr);
	while (mime_header_next(&it, &n, &raw, NULL, NULL) == 1)
		if (name_is(n, name))
			count++;
	return count;
}

int mime_header_get_nth(struct slice hdr, const char *name, unsigned nth, struct slice *raw)
{
	struct mime_header_iter it;
	struct slice n;

	mime_header_iter_init(&it, hdr);
	while (mime_header_next(&it, &n, raw, NULL, NULL) == 1)
		if (name_is(n, name) && nth-- == 0)
			return 1;
	return 0;
}

int mime_header_filter(struct slice hdr, const struct slice *names, size_t nnames, bool exclude,
                       struct buf *out)
{
	struct mime_header_iter it;
	struct slice n, raw;
	size_t off, flen;

	mime_header_iter_init(&it, hdr);
	while (mime_header_next(&it, &n, &raw, &off, &flen) == 1) {
		bool match = false;
		for (size_t i = 0; i < nnames && !match; i++)
			match =
			    n.len == names[i].len &&
			    strncasecmp((const char *)n.p, (const char *)names[i].p, n.len) == 0;
		if (match == exclude)
			continue;
		if (buf_append(out, hdr.p + off, flen) < 0)
			return -1;
		/* a last field without a line break still gets one */
		if (flen == 0 || hdr.p[off + flen - 1] != '\n')
			if (buf_append(out, "\r\n", 2) < 0)
				return -1;
	}
	return buf_append(out, "\r\n", 2);
}
