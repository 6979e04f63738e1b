/* SPDX-License-Identifier: ISC */
/* The FETCH item list (RFC 3501 §6.4.5, RFC 9051 §6.4.5, RFC 3516 BINARY,
 * RFC 7162 MODSEQ, RFC 8514 SAVEDATE) parsed from the argument tree into a
 * plan: the items to render, and what the handler must do around them. */
#ifndef BALISE_IMAP_FETCH_ITEMS_H
#define BALISE_IMAP_FETCH_ITEMS_H

#include <stdbool.h>

#include "imap_arg.h"
#include "imap_section.h"

/* Items in one FETCH (after macro expansion and the implicit UID). A list
 * longer than this is refused with BAD; no client sends that many. */
#define IMAP_FETCH_ITEMS_MAX 64

enum imap_fetch_item_kind {
	IMAP_FETCH_UID,
	IMAP_FETCH_FLAGS,
	IMAP_FETCH_INTERNALDATE,
	IMAP_FETCH_RFC822_SIZE,
	IMAP_FETCH_ENVELOPE,
	IMAP_FETCH_BODY,          /* non-extensible BODYSTRUCTURE */
	IMAP_FETCH_BODYSTRUCTURE, /* extensible form */
	IMAP_FETCH_RFC822,        /* BODY[] answered as RFC822, sets \Seen */
	IMAP_FETCH_RFC822_HEADER, /* BODY.PEEK[HEADER] answered as RFC822.HEADER */
	IMAP_FETCH_RFC822_TEXT,   /* BODY[TEXT] answered as RFC822.TEXT, sets \Seen */
	IMAP_FETCH_SECTION,       /* BODY[..]<..>, BINARY[..]<..>, BINARY.SIZE[..] */
	IMAP_FETCH_MODSEQ,        /* RFC 7162 §3.1.4.1 */
	IMAP_FETCH_SAVEDATE,      /* RFC 8514 §4.3 */
};

struct imap_fetch_item {
	enum imap_fetch_item_kind kind;
	/* IMAP_FETCH_SECTION only; sec.fields borrows from the argument tree */
	struct imap_section sec;
};

/* The plan borrows from the argument tree it was parsed from (header field
 * names): keep the parsed command alive while rendering. */
struct imap_fetch_plan {
	struct imap_fetch_item items[IMAP_FETCH_ITEMS_MAX];
	unsigned nitems;
	/* A non-PEEK body item (BODY[..], BINARY[..], RFC822, RFC822.TEXT):
	 * the handler sets \Seen before rendering in a read-write mailbox and,
	 * when that changed the flags, renders with IMAP_FETCH_OPT_FLAGS
	 * (RFC 3501 §6.4.5: the new flags SHOULD be in the response). */
	bool set_seen;
	/* Some item reads message bytes through the read callback. */
	bool need_body;
	/* Some item needs the stored summary (ENVELOPE, BODY[STRUCTURE],
	 * sections, BINARY.SIZE). FLAGS/UID/sizes/dates alone do not. */
	bool need_summary;
	/* MODSEQ was asked for: RFC 7162 §3.1 makes this a CONDSTORE-enabling
	 * command. */
	bool has_modseq;
	bool has_flags; /* FLAGS is among the items */
};

/* Parses the FETCH item argument at *arg: one item, a macro (ALL, FAST,
 * FULL; RFC 3501 §6.4.5, not allowed inside a list) or a parenthesised
 * list. With uid (UID FETCH) a UID item is put first unless present
 * (RFC 3501 §6.4.8). 0 and *plan_r filled, or -1 with *error_r set to a
 * short static reason for "tag BAD". */
int imap_fetch_items_parse(const struct imap_arg *arg, bool uid, struct imap_fetch_plan *plan_r,
                           const char **error_r);

#endif
