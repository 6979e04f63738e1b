/* SPDX-License-Identifier: ISC */
/* Delegation in IMAP sessions (RFC 4314 rights): what the session's user
 * (s->auth_bal_id) may do on a BAL's mailboxes.
 *
 * A session acts on s->bal_id: the user's own BAL, or, after AUTHENTICATE
 * PLAIN with another BAL as authorization identity, that delegated BAL.
 * Mailboxes of the other BALs that delegated rights to the user are named
 * "Other Users/<BAL address>/<mailbox>" (the "other users" namespace of
 * RFC 2342). The owner of a BAL has every right on it; anyone else has
 * the rights of store_deleg_rights(). Rights are read from the store at
 * each command, never kept across commands: a revocation takes effect at
 * the next one. */
#ifndef BALISE_IMAP_ACL_H
#define BALISE_IMAP_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "imap_cmd.h"

struct imap_session;
struct store_txn;

/* The other users namespace prefix, with its separator. */
#define IMAP_OTHER_USERS "Other Users/"

/* True when the user owns bal_id. */
bool imap_acl_owner_of(const struct imap_session *s, uint64_t bal_id);

/* The user's rights on mailbox_id of bal_id (mailbox 0: on the BAL). */
int imap_acl_rights(const struct imap_session *s, struct store_txn *txn, uint64_t bal_id,
                    uint64_t mailbox_id, unsigned *rights_r);

/* A mailbox name from the client (as imap_cmd_mailbox_arg stores it) into
 * its BAL (*bal_r) and its name there (name rewritten in place). Names of
 * the other users namespace need a BAL that delegated some right to the
 * user; the first use of such a BAL in the session is logged for its owner
 * (balisectl delegate log). 0, or -1 after a "NO [NONEXISTENT]" reply. */
int imap_acl_resolve(struct imap_cmd_ctx *ctx, char *name, uint64_t *bal_r);

/* Appends the name the client knows mailbox name of bal_id by (prefixed in
 * the other users namespace when bal_id is not the session's). txn may be
 * NULL (a read txn is then opened for the lookup). */
int imap_acl_mailbox_put(const struct imap_session *s, struct store_txn *txn, struct buf *out,
                         uint64_t bal_id, const char *name);

/* For a command on mailbox name of bal_id: true when the user holds every
 * right of need on it, or, when it does not exist, on the BAL (the command
 * then reports NONEXISTENT itself). Otherwise replies "NO [NOPERM]" (or
 * SERVERBUG) and returns false. *rights_r (may be NULL) gets the rights. */
bool imap_acl_require(struct imap_cmd_ctx *ctx, uint64_t bal_id, const char *name, unsigned need,
                      unsigned *rights_r);
/* CREATE (and RENAME's new name): the k right on the nearest existing
 * parent of name, else on the BAL. Replies as imap_acl_require. */
bool imap_acl_require_create(struct imap_cmd_ctx *ctx, uint64_t bal_id, const char *name);

/* Run by the session before each command in the selected state: reads
 * the rights on the selected mailbox again and refuses with "NO [NOPERM]"
 * a command they no longer allow (FETCH, SEARCH, SORT, THREAD, COPY need
 * r; STORE one of s w t; EXPUNGE e; MOVE r t e). Without e, CLOSE does not
 * expunge. False when it replied. */
bool imap_acl_precheck(struct imap_cmd_ctx *ctx);
/* The user's rights on the selected mailbox, read now. 0 or a store error. */
int imap_acl_selected_rights(const struct imap_session *s, unsigned *rights_r);
/* The rights STORE needs for its operation op ('=', '+', '-') on system
 * flag bits sys and n_kw keywords. */
unsigned imap_acl_store_need(char op, uint32_t sys, unsigned n_kw);
/* Whether SELECT opens read-write with these rights (RFC 4314 section 4:
 * none of s w t e means read-only). */
bool imap_acl_select_rw(unsigned rights);

#endif
