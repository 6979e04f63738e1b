/* SPDX-License-Identifier: ISC */
/* QRESYNC (RFC 7162 section 3.2): the SELECT/EXAMINE parameter that
 * resynchronises a mailbox the client knew at some modseq, and the
 * VANISHED (EARLIER) answers to it and to UID FETCH's VANISHED modifier.
 * The unsolicited "* VANISHED" that replaces EXPUNGE is the view's
 * (imap_view_sync() with IMAP_VIEW_VANISHED).
 *
 * Expunged messages leave a tombstone at their expunge modseq in the
 * store's modseq log (store_msg_expunge()), kept until the mailbox is
 * deleted, so the set of UIDs expunged since any modseq is exact: there is
 * no "too old" modseq to fall back from, and seq-match-data (section
 * 3.2.5.2), a hint for servers that forget expunges, is checked for syntax
 * and then not needed. */
#ifndef BALISE_IMAP_QRESYNC_H
#define BALISE_IMAP_QRESYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_cmd.h"
#include "imap_seqset.h"

struct imap_session;
struct imap_view;

/* The parameter "QRESYNC (uidvalidity modseq [known-uids] [seq-match-data])". */
struct imap_qresync {
	bool on;
	uint32_t uidvalidity;
	uint64_t modseq;
	bool has_known;
	struct imap_seqset known; /* UIDs the client knows (normalised) */
};

void imap_qresync_init(struct imap_qresync *q);
void imap_qresync_free(struct imap_qresync *q);

/* Parses the list that follows "QRESYNC" in SELECT's parameters into q.
 * 0, or -1 after "tag BAD" (QRESYNC not enabled, malformed list). */
int imap_qresync_parse(struct imap_cmd_ctx *ctx, const struct imap_arg *arg,
                       struct imap_qresync *q);

/* After the SELECT responses of v, when q is on and its UIDVALIDITY is the
 * mailbox's: "* VANISHED (EARLIER) uids" for the messages expunged after
 * q->modseq, then "* n FETCH (UID u FLAGS (...) MODSEQ (m))" for those
 * changed after it, both within the known UIDs when given (RFC 7162
 * section 3.2.5.1). Both describe the view's snapshot, so that later
 * changes come through the view's sync as usual. 0 or a store_err. */
int imap_qresync_select(struct imap_session *s, const struct imap_view *v,
                        const struct imap_qresync *q);

/* UID FETCH set (...) (CHANGEDSINCE n VANISHED): "* VANISHED (EARLIER)
 * uids" for the UIDs of set (as text; "*" is the highest UID ever given,
 * "$" the saved search) expunged at a modseq above n (RFC 7162 section
 * 3.2.6). Written before the FETCH responses. 0 or a store_err. */
int imap_qresync_fetch_vanished(struct imap_session *s, struct slice set, uint64_t changedsince);

/* The response code "HIGHESTMODSEQ n" for the tagged OK of EXPUNGE and
 * UID EXPUNGE once QRESYNC is enabled (what Dovecot sends; KIMAP and
 * others read it), written into code; NULL when QRESYNC is off or the
 * store cannot be read. Read before the reply's sync, whose snapshot is at
 * least as recent: the client is never told a modseq it has not caught up
 * with. */
const char *imap_qresync_ok_code(struct imap_session *s, char *code, size_t len);

#endif
