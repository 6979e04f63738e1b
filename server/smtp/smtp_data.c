/* SPDX-License-Identifier: ISC */
/* DATA and BDAT readers; see smtp_data.h for the line-end policy. */
#include "config.h"

#include <string.h>

#include "smtp_data.h"

enum {
	ST_LINE_START, /* after CRLF, or at the very start */
	ST_DOT,        /* "." at the start of a line, dropped */
	ST_DOT_CR,     /* "." CR at the start of a line, CR held back */
	ST_TEXT,       /* inside a line */
	ST_CR,         /* CR inside a line (already passed on) */
	ST_END,        /* CRLF "." CRLF seen */
};

void smtp_data_init(struct smtp_data_reader *r, uint64_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
	r->state = ST_LINE_START;
}

void smtp_bdat_init(struct smtp_data_reader *r, uint64_t max)
{
	smtp_data_init(r, max);
	r->bdat = true;
}

/* Counts n message bytes and passes them on up to the limit. */
static void emit(struct smtp_data_reader *r, const uint8_t *p, size_t n, smtp_data_sink_fn *sink,
                 void *ctx)
{
	if (n == 0)
		return;
	if (r->max == 0 || (r->size <= r->max && n <= r->max - r->size)) {
		if (sink != NULL)
			sink(ctx, p, n);
	} else {
		/* the first max bytes go on whatever the chunking, then none */
		if (r->size < r->max && sink != NULL)
			sink(ctx, p, (size_t)(r->max - r->size));
		r->flags |= SMTP_DATA_TOO_BIG;
	}
	r->size = r->size > UINT64_MAX - n ? UINT64_MAX : r->size + n;
}

/* Scans the line text at in[i..len) up to a CR or LF, recording 8-bit and
 * NUL bytes; returns where it stopped. */
static size_t scan_text(struct smtp_data_reader *r, const uint8_t *in, size_t i, size_t len)
{
	size_t start = i;
	uint8_t any = 0;

	for (; i < len && in[i] != '\r' && in[i] != '\n'; i++) {
		any |= in[i];
		if (in[i] == 0)
			r->flags |= SMTP_DATA_NUL;
	}
	if (any & 0x80)
		r->flags |= SMTP_DATA_8BIT;
	r->line_len += i - start;
	if (r->line_len > SMTP_TEXT_LINE_MAX)
		r->flags |= SMTP_DATA_LONG_LINE;
	return i;
}

static void line_byte(struct smtp_data_reader *r, unsigned bare_flag)
{
	r->flags |= bare_flag;
	if (++r->line_len > SMTP_TEXT_LINE_MAX)
		r->flags |= SMTP_DATA_LONG_LINE;
}

enum smtp_data_result smtp_data_feed(struct smtp_data_reader *r, const uint8_t *in, size_t len,
                                     size_t *consumed_r, smtp_data_sink_fn *sink, void *ctx)
{
	size_t i = 0, span = 0; /* in[span..i) is passed on at the next flush */

	*consumed_r = 0;
	if (r->state == ST_END || r->bdat)
		return SMTP_DATA_END;
	if (len == 0)
		return SMTP_DATA_MORE;
	while (i < len) {
		switch (r->state) {
		case ST_LINE_START:
			r->line_len = 0;
			r->state = ST_TEXT;
			if (in[i] == '.') { /* RFC 5321 section 4.5.2: drop it */
				emit(r, in + span, i - span, sink, ctx);
				span = ++i;
				r->line_len = 1;
				r->state = ST_DOT;
			}
			break;
		case ST_DOT:
			r->state = ST_TEXT;
			if (in[i] == '\r') {
				emit(r, in + span, i - span, sink, ctx);
				span = ++i;
				r->state = ST_DOT_CR;
			}
			break;
		case ST_DOT_CR:
			if (in[i] == '\n') {
				r->state = ST_END;
				*consumed_r = i + 1;
				return SMTP_DATA_END;
			}
			/* "." CR x: the CR held back is text, and bare */
			emit(r, (const uint8_t *)"\r", 1, sink, ctx);
			line_byte(r, SMTP_DATA_BARE_CR);
			r->state = ST_TEXT;
			break;
		case ST_TEXT:
			i = scan_text(r, in, i, len);
			if (i == len)
				break;
			if (in[i] == '\r')
				r->state = ST_CR;
			else
				line_byte(r, SMTP_DATA_BARE_LF); /* not a line end */
			i++;
			break;
		case ST_CR:
			if (in[i] == '\n') {
				r->state = ST_LINE_START;
				i++;
			} else if (in[i] == '\r') {
				line_byte(r, SMTP_DATA_BARE_CR);
				i++;
			} else {
				line_byte(r, SMTP_DATA_BARE_CR);
				r->state = ST_TEXT;
			}
			break;
		}
	}
	emit(r, in + span, len - span, sink, ctx);
	*consumed_r = len;
	return SMTP_DATA_MORE;
}

void smtp_bdat_feed(struct smtp_data_reader *r, const uint8_t *in, size_t len,
                    smtp_data_sink_fn *sink, void *ctx)
{
	uint8_t any = 0;

	if (len == 0)
		return;
	if (memchr(in, 0, len) != NULL)
		r->flags |= SMTP_DATA_NUL;
	for (size_t i = 0; i < len; i++)
		any |= in[i];
	if (any & 0x80)
		r->flags |= SMTP_DATA_8BIT;
	emit(r, in, len, sink, ctx);
}

enum smtp_reply_id smtp_data_verdict(const struct smtp_data_reader *r, enum smtp_body body)
{
	if (r->flags & SMTP_DATA_TOO_BIG)
		return SMTP_R_DATA_TOO_BIG;
	if (!r->bdat && (r->flags & (SMTP_DATA_BARE_CR | SMTP_DATA_BARE_LF)))
		return SMTP_R_DATA_BARE_EOL;
	if ((r->flags & SMTP_DATA_NUL) && (!r->bdat || body != SMTP_BODY_BINARYMIME))
		return SMTP_R_DATA_NUL;
	if (!r->bdat && (r->flags & SMTP_DATA_LONG_LINE))
		return SMTP_R_DATA_LINE_TOO_LONG;
	if ((r->flags & SMTP_DATA_8BIT) && body == SMTP_BODY_7BIT)
		return SMTP_R_DATA_8BIT;
	return SMTP_R_OK;
}
