/* SPDX-License-Identifier: ISC */
/* Renders one message's "* N FETCH (...)" response (RFC 3501 §7.4.2,
 * RFC 9051 §7.5.2, RFC 3516 §4.3, RFC 7162 §3.1.4, RFC 8514 §4.3) from a
 * plan, the message record, its stored summary and a byte source, in
 * chunks of bounded size so that large bodies stream. */
#ifndef BALISE_IMAP_FETCH_RENDER_H
#define BALISE_IMAP_FETCH_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"
#include "imap_fetch_items.h"
#include "msgsum.h"

/* How the FETCH handler uses this, per message of the sequence set:
 *
 *	imap_fetch_items_parse(arg, cmd->uid, &plan, &error)  once per command
 *	if plan.set_seen and the mailbox is read-write: set \Seen first and
 *	    remember whether the flags changed (opts |= IMAP_FETCH_OPT_FLAGS)
 *	if CONDSTORE is enabled or CHANGEDSINCE was given: opts |= _OPT_MODSEQ
 *	m = {&store_msg, sum view or NULL, read, keyword, arg}
 *	if (imap_fetch_render_begin(&r, &plan, seq, &m, opts, 0, &err, &error) < 0)
 *	    free; "tag NO [UNKNOWN-CTE] ..." (or rebuild the summary: NOSUM)
 *	do { k = imap_fetch_next_chunk(&r, out, room, &error); queue out;
 *	     k == 1: return WAIT until the output queue drains below its
 *	     mark, and go on from here } while (k == 1);
 *	imap_fetch_render_free(&r); k < 0: "* BYE" and close
 *
 * imap_fetch_render() does the same into one buffer, for small answers. */

/* Message bytes are read this many at a time (also the decoder's input
 * window). */
#define IMAP_FETCH_READ_CHUNK (64 * 1024)
/* Chunk size imap_fetch_render() uses when rendering in one go. */
#define IMAP_FETCH_ONESHOT_CHUNK (256 * 1024)

/* What the renderer needs of one message. Everything is borrowed and must
 * stay valid (and unchanged) until the render is freed: when the handler
 * ends its read transaction while it waits for the output to drain (LMDB
 * wants short read transactions), it copies the store_msg and the summary
 * bytes (a few KB) out first and opens the view on the copy; read may open
 * a transaction of its own per call.
 *  - msg: flags, keywords, dates, size, modseq, uid.
 *  - sum: the opened summary; may be NULL when !plan->need_summary.
 *  - read: copies up to len bytes of the message from offset off into out;
 *    returns 0 with *got_r bytes (fewer only at the end of the message), or
 *    -1 on a storage error. Needed when plan->need_body.
 *  - keyword: the name of keyword index idx (0..63, a bit of msg->keywords);
 *    1 found, 0 unknown (the bit is then left out). May be NULL when the
 *    message has no keywords. */
struct imap_fetch_msg {
	const struct store_msg *msg;
	const struct msgsum_view *sum;
	int (*read)(void *arg, uint64_t off, void *out, size_t len, size_t *got_r);
	int (*keyword)(void *arg, unsigned idx, struct slice *name_r);
	void *arg;
};

/* Options for imap_fetch_render_begin(). */
#define IMAP_FETCH_OPT_FLAGS 0x1u /* add FLAGS when not asked: \Seen was just set */
#define IMAP_FETCH_OPT_MODSEQ                                                                      \
	0x2u /* add MODSEQ when not asked: CONDSTORE is on                                         \
	      * (RFC 7162 §3.1.4.1) or CHANGEDSINCE given */

enum imap_fetch_err {
	IMAP_FETCH_E_NONE = 0,
	IMAP_FETCH_E_UNKNOWN_CTE, /* "NO [UNKNOWN-CTE]" (RFC 3516 §4.3) */
	IMAP_FETCH_E_NOSUM,       /* no usable summary: rebuild it, or NO [SERVERBUG] */
	IMAP_FETCH_E_READ,        /* the read callback failed or the message is short */
};

/* State of one message's response; all fields are private. */
struct imap_fetch_render {
	const struct imap_fetch_plan *plan;
	struct imap_fetch_msg m;
	uint32_t seq;
	unsigned opts;
	int tz_min;
	unsigned item;  /* next plan item; then the added FLAGS/MODSEQ */
	unsigned stage; /* private enum in the .c */
	bool started;   /* "* N FETCH (" written */
	bool sep;       /* an item was written: the next one needs a space */
	bool nul_map;   /* the current literal sends NUL as 0x80 */
	struct buf text;
	size_t text_pos;
	/* the content of the current literal */
	unsigned pay;
	uint64_t pay_off, pay_left; /* raw: message range; buf: window in tmp */
	struct buf tmp;
	/* decoder (BINARY): encoded range, then the window of decoded bytes */
	unsigned cte;
	uint64_t dec_src_off, dec_src_left, dec_skip, dec_left, dec_src_pos, dec_src_end;
	struct buf dec_in, dec_out;
	size_t dec_out_pos;
	bool dec_eof;
};

/* Checks every item against the message and prepares the render. Nothing
 * is written yet, so the handler can still answer with an error: -1 with
 * *err_r and *error_r (a short static text) on IMAP_FETCH_E_UNKNOWN_CTE
 * (BINARY or BINARY.SIZE of a part whose Content-Transfer-Encoding we do not
 * know) or IMAP_FETCH_E_NOSUM (sum is NULL but needed). seq is the message
 * sequence number; tz_min the zone for INTERNALDATE and SAVEDATE in
 * minutes east of UTC (0 for "+0000"). After 0, call imap_fetch_next_chunk
 * until it returns 0, then imap_fetch_render_free (also after an error). */
int imap_fetch_render_begin(struct imap_fetch_render *r, const struct imap_fetch_plan *plan,
                            uint32_t seq, const struct imap_fetch_msg *m, unsigned opts, int tz_min,
                            enum imap_fetch_err *err_r, const char **error_r);

/* Appends the next part of the response to out: at most max bytes
 * (max >= 1; out must take them: no buf max, or room for max), and at
 * least one byte when it returns 1. Returns 1 when more is to come, 0 when
 * the response is complete (the bytes appended by this call, if any, end
 * with ")\r\n"), -1 with *error_r when the read callback failed or the
 * message is shorter than its summary says (IMAP_FETCH_E_READ): part of
 * the response may already be out, in the middle of a literal, so the
 * session must be closed ("* BYE"). Back-pressure is the caller's: call
 * again when the output queue has room; the render holds no more than
 * IMAP_FETCH_READ_CHUNK of message data at a time, except for a
 * HEADER.FIELDS[.NOT] section (the header block it filters is read whole)
 * and a base64/QP line longer than that (the decoder waits for a safe cut). */
int imap_fetch_next_chunk(struct imap_fetch_render *r, struct buf *out, size_t max,
                          const char **error_r);

/* Frees what the render holds (it may be begun again afterwards). */
void imap_fetch_render_free(struct imap_fetch_render *r);

/* The whole response appended to out in one go: begin, chunks, free.
 * Same returns as imap_fetch_render_begin; on -1 out is unchanged. */
int imap_fetch_render(const struct imap_fetch_plan *plan, uint32_t seq,
                      const struct imap_fetch_msg *m, unsigned opts, int tz_min, struct buf *out,
                      enum imap_fetch_err *err_r, const char **error_r);

/* "dd-Mon-yyyy hh:mm:ss +zzzz" (RFC 3501 §9 date-time, without quotes) of
 * Unix time t in the zone tz_min minutes east of UTC. */
int imap_fetch_datetime(int64_t t, int tz_min, struct buf *out);

#endif
