/* SPDX-License-Identifier: ISC */
/* JSON writer for balisectl --json (see ctl_json.h): one document built in a
 * buffer, strings escaped per RFC 8259 section 7. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "ctl_json.h"
#include "util.h"

void ctl_json_init(struct ctl_json *j)
{
	memset(j, 0, sizeof(*j));
	buf_init(&j->out, 0);
}

void ctl_json_free(struct ctl_json *j)
{
	buf_free(&j->out);
}

static void ctl_json_indent(struct ctl_json *j)
{
	buf_append_u8(&j->out, '\n');
	for (unsigned i = 0; i < j->depth; i++)
		buf_append_str(&j->out, "  ");
}

/* Comma and indentation before a value (or a key) at the current depth. */
static void ctl_json_sep(struct ctl_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->has_items[j->depth])
		buf_append_u8(&j->out, ',');
	j->has_items[j->depth] = true;
	ctl_json_indent(j);
}

static void ctl_json_open(struct ctl_json *j, char c)
{
	ctl_json_sep(j);
	if (j->depth + 1 >= CTL_JSON_DEPTH_MAX)
		fatal("ctl_json: nesting deeper than %d", CTL_JSON_DEPTH_MAX);
	buf_append_u8(&j->out, (uint8_t)c);
	j->depth++;
	j->has_items[j->depth] = false;
}

static void ctl_json_close(struct ctl_json *j, char c)
{
	if (j->depth == 0)
		fatal("ctl_json: close without open");
	bool had = j->has_items[j->depth];
	j->depth--;
	if (had)
		ctl_json_indent(j);
	buf_append_u8(&j->out, (uint8_t)c);
}

void ctl_json_object_begin(struct ctl_json *j)
{
	ctl_json_open(j, '{');
}

void ctl_json_object_end(struct ctl_json *j)
{
	ctl_json_close(j, '}');
}

void ctl_json_array_begin(struct ctl_json *j)
{
	ctl_json_open(j, '[');
}

void ctl_json_array_end(struct ctl_json *j)
{
	ctl_json_close(j, ']');
}

/* Length of the valid UTF-8 sequence at p (RFC 3629 section 4: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 if invalid. */
static size_t ctl_json_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t lo = 0x80, hi = 0xBF;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xE0)
		lo = 0xA0;
	else if (p[0] == 0xED)
		hi = 0x9F;
	else if (p[0] == 0xF0)
		lo = 0x90;
	else if (p[0] == 0xF4)
		hi = 0x8F;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

static void ctl_json_escape_byte(struct buf *b, uint8_t c)
{
	switch (c) {
	case '"':
		buf_append_str(b, "\\\"");
		break;
	case '\\':
		buf_append_str(b, "\\\\");
		break;
	case '\b':
		buf_append_str(b, "\\b");
		break;
	case '\f':
		buf_append_str(b, "\\f");
		break;
	case '\n':
		buf_append_str(b, "\\n");
		break;
	case '\r':
		buf_append_str(b, "\\r");
		break;
	case '\t':
		buf_append_str(b, "\\t");
		break;
	default:
		if (c < 0x20 || c == 0x7F)
			buf_printf(b, "\\u%04x", c);
		else
			buf_append_u8(b, c);
	}
}

void ctl_json_strn(struct ctl_json *j, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	ctl_json_sep(j);
	buf_append_u8(&j->out, '"');
	while (i < len) {
		size_t n = ctl_json_utf8_len(p + i, len - i);
		if (n == 0) {
			buf_append_str(&j->out, "\\ufffd");
			i++;
		} else if (n == 1) {
			ctl_json_escape_byte(&j->out, p[i++]);
		} else if (n == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 &&
		           (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
			/* U+2028 and U+2029 are valid JSON but break JavaScript. */
			buf_printf(&j->out, "\\u%04x", p[i + 2] == 0xA8 ? 0x2028 : 0x2029);
			i += 3;
		} else {
			buf_append(&j->out, p + i, n);
			i += n;
		}
	}
	buf_append_u8(&j->out, '"');
}

void ctl_json_str(struct ctl_json *j, const char *s)
{
	ctl_json_strn(j, s, strlen(s));
}

void ctl_json_key(struct ctl_json *j, const char *key)
{
	ctl_json_str(j, key);
	buf_append_str(&j->out, ": ");
	j->after_key = true;
}

void ctl_json_u64(struct ctl_json *j, uint64_t v)
{
	ctl_json_sep(j);
	buf_printf(&j->out, "%" PRIu64, v);
}

void ctl_json_i64(struct ctl_json *j, int64_t v)
{
	ctl_json_sep(j);
	buf_printf(&j->out, "%" PRId64, v);
}

void ctl_json_bool(struct ctl_json *j, bool v)
{
	ctl_json_sep(j);
	buf_append_str(&j->out, v ? "true" : "false");
}

void ctl_json_null(struct ctl_json *j)
{
	ctl_json_sep(j);
	buf_append_str(&j->out, "null");
}

void ctl_json_kstr(struct ctl_json *j, const char *key, const char *s)
{
	ctl_json_key(j, key);
	ctl_json_str(j, s);
}

void ctl_json_ku64(struct ctl_json *j, const char *key, uint64_t v)
{
	ctl_json_key(j, key);
	ctl_json_u64(j, v);
}

void ctl_json_kbool(struct ctl_json *j, const char *key, bool v)
{
	ctl_json_key(j, key);
	ctl_json_bool(j, v);
}

int ctl_json_print(struct ctl_json *j, FILE *f)
{
	if (fwrite(j->out.data, 1, j->out.len, f) != j->out.len || fputc('\n', f) == EOF)
		return -1;
	return fflush(f) == 0 ? 0 : -1;
}
