/* SPDX-License-Identifier: ISC */
/* Sequence-set arguments of FETCH, STORE, COPY, MOVE and UID EXPUNGE
 * resolved against the selected mailbox's view, and the UID sets of the
 * COPYUID response code (RFC 4315 section 3). */
#ifndef BALISE_IMAP_CMD_MSGSET_H
#define BALISE_IMAP_CMD_MSGSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_cmd.h"

/* Resolves arg (a sequence set; UIDs when ctx->uid) to the view indices
 * (0-based, ascending) of the messages it names, in arena memory. A
 * sequence number past the last message, "*" in an empty mailbox and a
 * malformed set get "tag BAD" (RFC 9051 section 9, seq-number: "The server
 * should respond with a tagged BAD response to a command that uses a
 * message sequence number greater than the number of messages"); UIDs
 * that are not in the mailbox are ignored (RFC 9051 section 6.4.9). "$"
 * is the saved SEARCH result (RFC 5182), empty when none was saved.
 * 0, or -1 after the BAD reply. Entries may be pending expunges. */
int imap_cmd_msgset(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, uint32_t **idx_r,
                    size_t *n_r);

/* Appends "1:3,7" for uids[0..n) in that order: runs of consecutive UIDs
 * become ranges only when the paired list (pair, may be NULL) runs along
 * too, so that two sets written with the same pair stay in step. */
void imap_cmd_uidset_format(const uint32_t *uids, const uint32_t *pair, size_t n, struct buf *out);

#endif
