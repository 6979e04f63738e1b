/* SPDX-License-Identifier: ISC */
/* Splits a FETCH section attribute into kind, part numbers, section text,
 * header names and partial range, following RFC 9051 section 9 (section,
 * section-spec, section-part, section-text, header-list, partial) and
 * RFC 3516 section 4.2 (section-binary). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "imap_arg.h"
#include "imap_section.h"
#include "util.h"

struct cursor {
	const uint8_t *p, *end;
};

static bool take(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || strncasecmp((const char *)c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* A decimal number up to the next non-digit (nz when nonzero). */
static int number(struct cursor *c, bool nonzero, uint64_t *n_r)
{
	const uint8_t *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	if (imap_number_parse((struct slice){start, (size_t)(c->p - start)}, n_r) < 0)
		return -1;
	return nonzero && *n_r == 0 ? -1 : 0;
}

static int parse_kind(struct cursor *c, struct imap_section *sec)
{
	if (take(c, "BODY.PEEK["))
		sec->kind = IMAP_SECTION_BODY, sec->peek = true;
	else if (take(c, "BODY["))
		sec->kind = IMAP_SECTION_BODY;
	else if (take(c, "BINARY.PEEK["))
		sec->kind = IMAP_SECTION_BINARY, sec->peek = true;
	else if (take(c, "BINARY.SIZE["))
		sec->kind = IMAP_SECTION_BINARY_SIZE;
	else if (take(c, "BINARY["))
		sec->kind = IMAP_SECTION_BINARY;
	else
		return -1;
	return 0;
}

/* section-part = nz-number *("." nz-number); stops before ".TEXT" etc. */
static int parse_parts(struct cursor *c, struct imap_section *sec)
{
	uint64_t n;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (number(c, true, &n) < 0 || n > UINT32_MAX)
			return -1;
		if (sec->nparts == IMAP_SECTION_PARTS_MAX)
			return -1;
		sec->part[sec->nparts++] = (uint32_t)n;
		if (c->p + 1 < c->end && *c->p == '.' && c->p[1] >= '0' && c->p[1] <= '9')
			c->p++;
		else
			break;
	}
	return 0;
}

/* header-list = "(" header-fld-name *(SP header-fld-name) ")" */
static int parse_fields(struct cursor *c, struct imap_section *sec)
{
	const uint8_t *close;
	struct slice rest, name;

	if (!take(c, " ("))
		return -1;
	close = memchr(c->p, ')', (size_t)(c->end - c->p));
	if (close == NULL)
		return -1;
	sec->fields = (struct slice){c->p, (size_t)(close - c->p)};
	rest = sec->fields;
	if (!imap_section_next_field(&rest, &name))
		return -1; /* at least one name */
	while (imap_section_next_field(&rest, &name))
		;
	if (rest.len != 0)
		return -1;
	c->p = close + 1;
	return 0;
}

static int parse_text(struct cursor *c, struct imap_section *sec)
{
	bool dot = false;

	if (sec->nparts > 0) {
		if (c->p < c->end && *c->p == ']')
			return 0;
		if (!take(c, "."))
			return -1;
		dot = true;
	}
	if (take(c, "HEADER.FIELDS.NOT")) {
		sec->text = IMAP_SECTION_HEADER_FIELDS_NOT;
		return parse_fields(c, sec);
	}
	if (take(c, "HEADER.FIELDS")) {
		sec->text = IMAP_SECTION_HEADER_FIELDS;
		return parse_fields(c, sec);
	}
	if (take(c, "HEADER"))
		sec->text = IMAP_SECTION_HEADER;
	else if (take(c, "TEXT"))
		sec->text = IMAP_SECTION_TEXT;
	else if (dot && take(c, "MIME"))
		sec->text = IMAP_SECTION_MIME;
	else if (dot)
		return -1;
	return 0;
}

/* partial = "<" number64 "." nz-number64 ">" */
static int parse_partial(struct cursor *c, struct imap_section *sec)
{
	if (c->p == c->end)
		return 0;
	if (*c->p++ != '<' || number(c, false, &sec->offset) < 0 || !take(c, ".") ||
	    number(c, true, &sec->length) < 0 || !take(c, ">") || c->p != c->end)
		return -1;
	sec->partial = true;
	return 0;
}

int imap_section_parse(struct slice att, struct imap_section *sec_r, const char **error_r)
{
	struct cursor c = {att.p, att.p + att.len};

	memset(sec_r, 0, sizeof(*sec_r));
	sec_r->fields = (struct slice){att.p, 0};
	if (parse_kind(&c, sec_r) < 0 || parse_parts(&c, sec_r) < 0)
		goto bad;
	/* section-binary has part numbers only */
	if (sec_r->kind == IMAP_SECTION_BODY && parse_text(&c, sec_r) < 0)
		goto bad;
	if (!take(&c, "]") || parse_partial(&c, sec_r) < 0)
		goto bad;
	if (sec_r->kind == IMAP_SECTION_BINARY_SIZE && sec_r->partial)
		goto bad;
	return 0;
bad:
	*error_r = "invalid section in FETCH attribute";
	return -1;
}

static bool is_name_char(uint8_t c)
{
	/* field-name: printable US-ASCII except ":" (RFC 5322 section 3.6.8),
	 * limited here to what the parser lets through unquoted. */
	return c > 0x20 && c < 0x7f && c != ':' && c != '(' && c != ')' && c != '"' && c != '\\';
}

bool imap_section_next_field(struct slice *rest, struct slice *name_r)
{
	const uint8_t *p = rest->p, *end = rest->p + rest->len, *start;
	bool quoted;

	while (p < end && *p == ' ')
		p++;
	if (p == end) {
		*rest = (struct slice){p, 0};
		return false;
	}
	quoted = *p == '"';
	start = p += quoted;
	while (p < end && is_name_char(*p))
		p++;
	if (p == start || (quoted && (p == end || *p != '"')) ||
	    (p < end && !quoted && *p != ' ')) {
		*rest = (struct slice){start, (size_t)(end - start)};
		return false; /* rest left non-empty: malformed */
	}
	*name_r = (struct slice){start, (size_t)(p - start)};
	p += quoted;
	*rest = (struct slice){p, (size_t)(end - p)};
	return true;
}
