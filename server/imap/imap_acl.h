/* SPDX-License-Identifier: ISC */
/* Delegation in IMAP sessions (RFC 4314 rights): what the session's user
 * may do on the BAL the session acts on. A session acts on s->bal_id for
 * the user s->auth_bal_id: the same BAL for its owner (every right), or a
 * delegated BAL opened by AUTHENTICATE PLAIN with it as authorization
 * identity. Rights are read from the store at each command, never kept
 * across commands: a revocation takes effect at the next one. */
#ifndef BALISE_IMAP_ACL_H
#define BALISE_IMAP_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "imap_cmd.h"

struct imap_session;
struct store_txn;

/* True when the user is the owner of the BAL the session acts on. */
bool imap_acl_owner(const struct imap_session *s);

/* The user's rights on mailbox_id of the session's BAL (0: the BAL). */
int imap_acl_rights(const struct imap_session *s, struct store_txn *txn, uint64_t mailbox_id,
                    unsigned *rights_r);

/* For a command on the mailbox name (as stored) of the session's BAL:
 * true when the user holds every right of need on it, or, when it does
 * not exist, on the BAL (the command then reports NONEXISTENT itself).
 * Otherwise replies "NO [NOPERM]" (or SERVERBUG) and returns false.
 * *rights_r (may be NULL) gets the user's rights there. */
bool imap_acl_require(struct imap_cmd_ctx *ctx, const char *name, unsigned need,
                      unsigned *rights_r);
/* CREATE (and RENAME's new name): the k right on the nearest existing
 * parent of name, else on the BAL. Replies as imap_acl_require. */
bool imap_acl_require_create(struct imap_cmd_ctx *ctx, const char *name);

/* Run by the session before each command in the selected state: reads
 * the rights on the selected mailbox again and refuses with "NO [NOPERM]"
 * a command they no longer allow (FETCH, SEARCH, SORT, THREAD, COPY need
 * r; STORE one of s w t; EXPUNGE e; MOVE r t e). Without e, CLOSE does not
 * expunge. False when it replied. */
bool imap_acl_precheck(struct imap_cmd_ctx *ctx);
/* The rights STORE needs for its operation op ('=', '+', '-') on system
 * flag bits sys and n_kw keywords. */
unsigned imap_acl_store_need(char op, uint32_t sys, unsigned n_kw);
/* The user's rights on the selected mailbox, read now. 0 or a store error. */
int imap_acl_selected_rights(const struct imap_session *s, unsigned *rights_r);
/* Whether SELECT opens read-write with these rights (RFC 4314 section 4:
 * none of s w t e means read-only). */
bool imap_acl_select_rw(unsigned rights);

#endif
