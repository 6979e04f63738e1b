/* SPDX-License-Identifier: ISC */
/* SMTP reply reader, EHLO keywords, xtext and the retry schedule (see
 * smtpc_reply.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp_xtext.h"
#include "smtpc_reply.h"

void smtpc_reply_reset(struct smtpc_reply *r)
{
	memset(r, 0, sizeof(*r));
}

/* "C.S.D" with C in 2, 4, 5, S 1-3 digits, D 1-3 digits (RFC 3463
 * section 2), followed by a space or the end; its length or 0. */
static size_t enhanced_len(const char *p, size_t len, unsigned code)
{
	size_t i = 0, n;

	if (len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') ||
	    p[0] != (char)('0' + code / 100) || p[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		for (n = 0; i < len && n < 4 && isdigit((unsigned char)p[i]); i++, n++)
			;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && p[i] != ' ')
		return 0;
	return i < SMTPC_ENH_MAX + 1 ? i : 0;
}

/* Appends text, control characters and non-ASCII as '?', lines joined by
 * one space, cut at SMTPC_REPLY_TEXT_MAX. */
static void add_text(struct smtpc_reply *r, const char *p, size_t len)
{
	if (r->text_len > 0 && r->text_len < SMTPC_REPLY_TEXT_MAX && len > 0)
		r->text[r->text_len++] = ' ';
	for (size_t i = 0; i < len && r->text_len < SMTPC_REPLY_TEXT_MAX; i++) {
		unsigned char c = (unsigned char)p[i];
		r->text[r->text_len++] = (c < 0x20 || c > 0x7e) ? '?' : (char)c;
	}
	r->text[r->text_len] = '\0';
}

int smtpc_reply_feed(struct smtpc_reply *r, const char *line, size_t len)
{
	unsigned code;
	bool last;
	size_t el;

	if (len < 3 || !isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return -1;
	code = (unsigned)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
	if (code < 200 || code >= 600)
		return -1;
	if (r->lines > 0 && code != r->code)
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	if (++r->lines > SMTPC_REPLY_LINES_MAX)
		return -1;
	last = len == 3 || line[3] == ' ';
	r->code = code;
	line += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;
	/* The enhanced code is read on the first line and then skipped on
	 * every line that repeats it. */
	el = code / 100 == 3 ? 0 : enhanced_len(line, len, code);
	if (el > 0) {
		if (r->lines == 1) {
			memcpy(r->enhanced, line, el);
			r->enhanced[el] = '\0';
		}
		line += el;
		len -= el;
		while (len > 0 && *line == ' ')
			line++, len--;
	}
	add_text(r, line, len);
	return last ? 1 : 0;
}

void smtpc_reply_format(const struct smtpc_reply *r, char *out, size_t outsz)
{
	snprintf(out, outsz, "%u%s%s %s", r->code, r->enhanced[0] ? " " : "", r->enhanced, r->text);
}

static bool keyword_is(const char *p, size_t len, const char *kw, const char **arg_r,
                       size_t *arg_len_r)
{
	size_t n = strlen(kw);

	if (len < n || strncasecmp(p, kw, n) != 0 || (len > n && p[n] != ' '))
		return false;
	*arg_r = len > n ? p + n + 1 : p + len;
	*arg_len_r = len > n ? len - n - 1 : 0;
	return true;
}

void smtpc_ehlo_line(struct smtpc_ehlo *e, const char *line, size_t len, bool first)
{
	static const struct {
		const char *kw;
		unsigned bit;
	} kws[] = {
	    {"STARTTLS", SMTPC_EXT_STARTTLS}, {"SIZE", SMTPC_EXT_SIZE},
	    {"8BITMIME", SMTPC_EXT_8BITMIME}, {"SMTPUTF8", SMTPC_EXT_SMTPUTF8},
	    {"DSN", SMTPC_EXT_DSN},           {"PIPELINING", SMTPC_EXT_PIPELINING},
	    {"CHUNKING", SMTPC_EXT_CHUNKING}, {"ENHANCEDSTATUSCODES", SMTPC_EXT_ENHANCED},
	};
	const char *arg;
	size_t arg_len;

	if (first || len < 4)
		return;
	line += 4;
	len -= 4;
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		if (!keyword_is(line, len, kws[i].kw, &arg, &arg_len))
			continue;
		e->ext |= kws[i].bit;
		if (kws[i].bit == SMTPC_EXT_SIZE) {
			uint64_t v = 0;
			size_t j;
			for (j = 0;
			     j < arg_len && isdigit((unsigned char)arg[j]) && v < (1ULL << 50); j++)
				v = v * 10 + (uint64_t)(arg[j] - '0');
			e->size_max = j == arg_len ? v : 0;
		}
	}
}

int smtpc_xtext_encode(const char *s, struct buf *out)
{
	return smtp_xtext_encode(slice_from_cstr(s), out); /* server/smtp/smtp_xtext.c */
}

uint64_t smtpc_retry_delay(uint32_t attempts, uint64_t first, uint64_t factor, uint64_t max)
{
	uint64_t d = first;

	for (uint32_t i = 1; i < attempts && d < max; i++)
		d = d > max / (factor ? factor : 1) ? max : d * factor;
	return d < max ? d : max;
}
