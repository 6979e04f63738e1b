/* SPDX-License-Identifier: ISC */
/* A session's view of its selected mailbox: sequence number <-> UID, a
 * cache of flags, and the sync step that turns store changes into EXISTS,
 * EXPUNGE and FETCH FLAGS responses (RFC 9051 section 7.4, 7.5). */
#ifndef BALISE_IMAP_VIEW_H
#define BALISE_IMAP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "balstore.h"
#include "buf.h"
#include "imap_seqset.h"

struct imap_view_msg {
	uint32_t uid;
	uint32_t flags;    /* enum store_flag bits */
	uint64_t keywords; /* keyword index bits */
	uint64_t modseq;   /* once expunged: the expunge's modseq */
	bool expunged;     /* gone from the store, EXPUNGE not sent yet */
};

struct imap_view {
	struct store_mailbox mb; /* as read at SELECT (id, name, UIDVALIDITY) */
	bool read_only;          /* EXAMINE */
	/* Message sequence number n is msgs[n - 1]; UIDs ascend. */
	struct imap_view_msg *msgs;
	uint32_t n, cap;
	uint32_t n_expunged;                /* entries with expunged set */
	uint64_t modseq;                    /* HIGHESTMODSEQ the view reflects */
	uint32_t uidnext;                   /* UIDNEXT the view reflects */
	char *keywords[STORE_KEYWORDS_MAX]; /* names by index, NULL unknown */
	/* SEARCHRES (RFC 5182 section 2.1): the saved result "$", as UIDs;
	 * empty after SELECT, set by SEARCH RETURN (SAVE). */
	struct imap_seqset saved;
};

/* Opens the view of name (INBOX matched case-insensitively, RFC 9051
 * section 5.1) of BAL bal_id. 1 and *v_r, 0 when there is no such mailbox,
 * or a negative store_err. */
int imap_view_open(struct store *st, uint64_t bal_id, const char *name, bool read_only,
                   struct imap_view **v_r);
void imap_view_free(struct imap_view **v);

/* Mailbox name as stored: "INBOX" for any case of it (also as the first
 * level, "inbox/x" -> "INBOX/x"); other names are kept. Writes into out
 * (STORE_MBOX_NAME_MAX + 1 bytes); -1 if too long. */
int imap_mailbox_name_norm(const char *name, char *out, size_t outsz);

/* Cheap check (one mailbox record): did HIGHESTMODSEQ or UIDNEXT move, or
 * is the mailbox gone? 1 yes, 0 no, negative store_err. */
int imap_view_changed(struct store *st, const struct imap_view *v);

/* imap_view_sync() options. */
#define IMAP_VIEW_MODSEQ 0x01   /* CONDSTORE: FETCH updates carry MODSEQ */
#define IMAP_VIEW_VANISHED 0x02 /* QRESYNC: "* VANISHED uids", not EXPUNGE */

/* Brings the view up to date and appends the untagged responses to out:
 * "* n EXPUNGE" (only with allow_expunge; otherwise those messages stay in
 * the view, marked, until a later sync; "* VANISHED uid-set" instead with
 * IMAP_VIEW_VANISHED, RFC 7162 section 3.2.10), "* n EXISTS", and "* n
 * FETCH (FLAGS (...))" for messages whose flags changed (with "MODSEQ (m)"
 * with IMAP_VIEW_MODSEQ; then, while expunges are held back, "* OK
 * [HIGHESTMODSEQ m]" below theirs). 0, STORE_E_NOTFOUND when the mailbox no longer
 * exists (deleted by another session), or another negative store_err. */
int imap_view_sync(struct store *st, struct imap_view *v, bool allow_expunge, unsigned opts,
                   struct buf *out);

/* Number of messages as the client knows them (expunged pending included). */
uint32_t imap_view_count(const struct imap_view *v);
/* Sequence number of uid, 0 if not in the view. */
uint32_t imap_view_seq(const struct imap_view *v, uint32_t uid);
/* A command changed a message's flags itself (STORE): keep the cache in
 * step so that sync sends no duplicate FETCH. */
void imap_view_set_flags(struct imap_view *v, uint32_t seq, uint32_t flags, uint64_t keywords,
                         uint64_t modseq);
/* Name of keyword index idx, NULL when unknown. */
const char *imap_view_keyword(const struct imap_view *v, unsigned idx);
/* Reloads keyword names from the store (after a new keyword was created). */
int imap_view_load_keywords(struct store *st, struct imap_view *v);

/* "(\Answered \Flagged ...)" for system flags plus keywords. */
int imap_view_flags_list(const struct imap_view *v, uint32_t flags, uint64_t keywords,
                         struct buf *out);

#endif
