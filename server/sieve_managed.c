/* SPDX-License-Identifier: ISC */
/* The managed rules' inputs and generated script: see sieve_managed.h. */
#include "config.h"

#include <string.h>

#include "mailgen.h"
#include "sieve_managed.h"

/* ---------------------------------------------------------------- inputs */

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* Drops spaces and tabs at the end of out (the current line). */
static void trim_line_end(struct buf *out, size_t line_start)
{
	while (out->len > line_start && (out->data[out->len - 1] == ' ' ||
	                                 out->data[out->len - 1] == '\t'))
		out->len--;
}

static int message_fail(const char *why, unsigned line, const char **why_r, unsigned *line_r)
{
	*why_r = why;
	*line_r = line;
	return -1;
}

int sieve_managed_message(const void *data, size_t len, struct buf *out, const char **why_r,
                          unsigned *line_r)
{
	const uint8_t *p = data;
	size_t i = 0, line_start;
	unsigned line = 1;

	buf_reset(out);
	if (len > 4 * (size_t)STORE_VACATION_MESSAGE_MAX) /* more than trailing blanks */
		return message_fail("the message is longer than 16 KiB", 0, why_r, line_r);
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	line_start = 0;
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			i++;
		if (p[i] == '\n') {
			trim_line_end(out, line_start);
			if (buf_append_u8(out, '\n') < 0)
				break;
			line_start = out->len;
			line++;
			i++;
			continue;
		}
		n = mailgen_utf8_next(p + i, len - i, &cp);
		if (n == 0)
			return message_fail("not valid UTF-8", line, why_r, line_r);
		if (cp == 0)
			return message_fail("a NUL byte", line, why_r, line_r);
		if (is_control(cp) && cp != '\t')
			return message_fail("a control character", line, why_r, line_r);
		if (buf_append(out, p + i, n) < 0)
			break;
		i += n;
	}
	if (i < len)
		return message_fail("the message is longer than 16 KiB", 0, why_r, line_r);
	trim_line_end(out, line_start);
	while (out->len > 0 && out->data[out->len - 1] == '\n') {
		out->len--;
		line_start = out->len;
		while (line_start > 0 && out->data[line_start - 1] != '\n')
			line_start--;
		trim_line_end(out, line_start);
	}
	if (out->len == 0)
		return message_fail("the message is empty", 0, why_r, line_r);
	if (out->len > STORE_VACATION_MESSAGE_MAX)
		return message_fail("the message is longer than 16 KiB", 0, why_r, line_r);
	if (buf_cstr(out) < 0)
		return message_fail("the message is longer than 16 KiB", 0, why_r, line_r);
	return 0;
}

int sieve_managed_subject_check(const char *s, const char **why_r)
{
	size_t len = strlen(s);

	if (len == 0) {
		*why_r = "the subject is empty";
		return -1;
	}
	if (len > STORE_VACATION_SUBJECT_MAX) {
		*why_r = "the subject is longer than 256 bytes";
		return -1;
	}
	for (size_t i = 0, n; i < len; i += n) {
		uint32_t cp;

		n = mailgen_utf8_next((const uint8_t *)s + i, len - i, &cp);
		if (n == 0) {
			*why_r = "the subject is not valid UTF-8";
			return -1;
		}
		if (is_control(cp)) {
			*why_r = "the subject holds a control character";
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- script */

/* A Sieve quoted string (RFC 5228 section 2.4.2) of s: '"' and '\'
 * escaped, each LF written as CRLF. */
static int put_quoted(struct buf *out, struct slice s)
{
	int rc = buf_append_u8(out, '"');

	for (size_t i = 0; rc == 0 && i < s.len; i++) {
		uint8_t c = s.p[i];

		if (c == '"' || c == '\\')
			rc = buf_append_u8(out, '\\');
		if (rc == 0 && c == '\n' && (i == 0 || s.p[i - 1] != '\r'))
			rc = buf_append_u8(out, '\r');
		if (rc == 0)
			rc = buf_append_u8(out, c);
	}
	return rc == 0 ? buf_append_u8(out, '"') : rc;
}

static int put_require(const struct store_sieve_managed *m, struct buf *out)
{
	const char *ext[4];
	size_t n = 0;
	int rc;

	if (m->vacation)
		ext[n++] = "\"vacation\"";
	if (m->vacation && (m->vacation_from[0] || m->vacation_until[0])) {
		ext[n++] = "\"date\"";
		ext[n++] = "\"relational\"";
	}
	if (m->forward && m->forward_keep_copy)
		ext[n++] = "\"copy\"";
	if (n == 0)
		return 0;
	rc = buf_append_str(out, "require [");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = buf_printf(out, "%s%s", i > 0 ? ", " : "", ext[i]);
	return rc == 0 ? buf_append_str(out, "];\r\n") : rc;
}

static int put_vacation(const struct store_sieve_managed *m, struct buf *out)
{
	bool from = m->vacation_from[0] != '\0', until = m->vacation_until[0] != '\0';
	const char *indent = from || until ? "    " : "";
	struct slice subject = m->vacation_subject.len > 0
	                           ? m->vacation_subject
	                           : SLICE_STR(SIEVE_MANAGED_DEFAULT_SUBJECT);
	int rc = 0;

	if (from && until)
		rc = buf_printf(out, "if allof (currentdate :value \"ge\" \"date\" \"%s\",\r\n"
		                     "          currentdate :value \"le\" \"date\" \"%s\") {\r\n",
		                m->vacation_from, m->vacation_until);
	else if (from || until)
		rc = buf_printf(out, "if currentdate :value \"%s\" \"date\" \"%s\" {\r\n",
		                from ? "ge" : "le", from ? m->vacation_from : m->vacation_until);
	if (rc == 0)
		rc = buf_printf(out, "%svacation :days %u :subject ", indent, m->vacation_days);
	if (rc == 0)
		rc = put_quoted(out, subject);
	if (rc == 0)
		rc = buf_printf(out, "\r\n%s    ", indent);
	if (rc == 0)
		rc = put_quoted(out, m->vacation_message);
	if (rc == 0)
		rc = buf_append_str(out, ";\r\n");
	if (rc == 0 && (from || until))
		rc = buf_append_str(out, "}\r\n");
	return rc;
}

int sieve_managed_script(const struct store_sieve_managed *m, struct buf *out)
{
	int rc = buf_append_str(out, "# Managed rules (balisectl vacation and forward): "
	                             "replaced by the next change.\r\n");

	if (rc == 0)
		rc = put_require(m, out);
	if (rc == 0 && m->vacation)
		rc = put_vacation(m, out);
	if (rc == 0 && m->forward) {
		rc = buf_append_str(out, m->forward_keep_copy ? "redirect :copy " : "redirect ");
		if (rc == 0)
			rc = put_quoted(out, slice_from_cstr(m->forward_to));
		if (rc == 0)
			rc = buf_append_str(out, ";\r\n");
	}
	return rc;
}
