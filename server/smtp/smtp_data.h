/* SPDX-License-Identifier: ISC */
/* The message-data readers: DATA (RFC 5321 section 4.1.1.4 and 4.5.2), an
 * incremental state machine fed arbitrary chunks that undoes dot-stuffing
 * and ends only on CRLF "." CRLF, and BDAT (RFC 3030), which only counts
 * bytes. Both hand the message to a sink and record what is wrong with it;
 * the session answers once the data is over (smtp_data_verdict()).
 *
 * Line ends and SMTP smuggling. Only CRLF ends a line, so only CRLF "."
 * CRLF ends the data: LF "." LF, CR "." CR, LF "." CRLF, CRLF "." LF and
 * the like are message content. A bare CR or LF anywhere in the data makes
 * the message refused when it ends (550 5.6.0), rather than normalised:
 * normalising would store and relay bytes that the sender's MTA, its
 * filters and ours each read differently, which is what smuggling feeds on;
 * refusing costs only broken clients (RFC 5321 section 2.3.8 forbids bare
 * CR and LF). Refusal happens after the final dot so that the session
 * stays in step with the client. NUL bytes are refused the same way.
 * Lines above 998 octets and 8-bit bytes are recorded; the session decides
 * (smtp_data_verdict() refuses long lines, and 8-bit data when MAIL said
 * BODY=7BIT). */
#ifndef BALISE_SMTP_DATA_H
#define BALISE_SMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_cmd.h"
#include "smtp_reply.h"

/* Receives the message bytes in order, in chunks of any size (dot-stuffing
 * undone, the final "." CRLF not included, CRLFs kept). */
typedef void smtp_data_sink_fn(void *ctx, const uint8_t *data, size_t len);

/* What the reader saw (smtp_data_reader.flags). */
#define SMTP_DATA_TOO_BIG 0x01u   /* above max: the sink got the first max only */
#define SMTP_DATA_BARE_CR 0x02u   /* a CR not followed by LF */
#define SMTP_DATA_BARE_LF 0x04u   /* an LF not preceded by CR */
#define SMTP_DATA_NUL 0x08u       /* a NUL byte */
#define SMTP_DATA_LONG_LINE 0x10u /* a line above SMTP_TEXT_LINE_MAX octets */
#define SMTP_DATA_8BIT 0x20u      /* a byte above 0x7f */

struct smtp_data_reader {
	uint64_t size;  /* message bytes so far (after unstuffing) */
	uint64_t max;   /* limit; 0: none */
	unsigned flags; /* SMTP_DATA_* */
	/* private */
	int state;
	size_t line_len; /* octets of the current line as sent, CRLF excluded */
	bool bdat;
};

enum smtp_data_result {
	SMTP_DATA_MORE, /* all input consumed, the data goes on */
	SMTP_DATA_END,  /* the end: *consumed_r stops right after it */
};

/* A reader for the data after "354"; max is the message size limit (0:
 * none). Beyond it the reader goes on consuming up to the end and counts,
 * but the sink gets only the first max bytes: the session drops them and
 * answers 552 5.3.4 at the end. */
void smtp_data_init(struct smtp_data_reader *r, uint64_t max);
/* Feeds len bytes. The bytes after the end of the data (pipelined commands
 * are not allowed after DATA, but a client may send them) are not consumed:
 * *consumed_r says how many were. sink may be NULL (the data is dropped,
 * as after a refused transaction). Feeding after END is a programming error
 * and consumes nothing. */
enum smtp_data_result smtp_data_feed(struct smtp_data_reader *r, const uint8_t *in, size_t len,
                                     size_t *consumed_r, smtp_data_sink_fn *sink, void *ctx);

/* A reader for a BDAT transaction (RFC 3030 section 2): the chunks' bytes
 * in order, uncounted for dot-stuffing or line ends, with the same size
 * limit and the 8-bit and NUL records. The session gives each chunk's
 * bytes (the n of "BDAT n") to smtp_bdat_feed() and knows itself where a
 * chunk ends. */
void smtp_bdat_init(struct smtp_data_reader *r, uint64_t max);
void smtp_bdat_feed(struct smtp_data_reader *r, const uint8_t *in, size_t len,
                    smtp_data_sink_fn *sink, void *ctx);

/* The answer the message deserves once it is over, SMTP_R_OK when it may
 * be stored. In order: too big (552 5.3.4); for DATA a bare CR or LF, a
 * NUL, a line above 998 octets (550 5.6.0); 8-bit data when body is
 * SMTP_BODY_7BIT (550 5.6.0); for BDAT a NUL unless BINARYMIME. */
enum smtp_reply_id smtp_data_verdict(const struct smtp_data_reader *r, enum smtp_body body);

#endif
