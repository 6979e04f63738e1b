/* SPDX-License-Identifier: ISC */
/* SEARCH criteria (RFC 3501 section 6.4.4, RFC 9051 section 6.4.4, with
 * ESEARCH RETURN options from RFC 4731, SEARCHRES from RFC 5182, MODSEQ
 * from RFC 7162, OLDER/YOUNGER from RFC 5032 and SAVED* from RFC 8514):
 * parsed from the argument tree into a program, and a pure evaluator over
 * an abstract message. */
#ifndef BALISE_IMAP_SEARCH_H
#define BALISE_IMAP_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "imap_seqset.h"

enum imap_search_type {
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_AND,     /* children, all must match */
	IMAP_SEARCH_OR,      /* two children */
	IMAP_SEARCH_NOT,     /* one child */
	IMAP_SEARCH_FLAG,    /* flag: one IMAP_MSGF_ */
	IMAP_SEARCH_KEYWORD, /* value */
	IMAP_SEARCH_DATE,    /* date_field, date_op, day */
	IMAP_SEARCH_LARGER,  /* number: RFC822.SIZE strictly above */
	IMAP_SEARCH_SMALLER, /* number: strictly below */
	IMAP_SEARCH_HEADER,  /* field, value (BCC CC FROM SUBJECT TO too) */
	IMAP_SEARCH_BODY,    /* value */
	IMAP_SEARCH_TEXT,    /* value, header and body */
	IMAP_SEARCH_SEQSET,  /* set of sequence numbers */
	IMAP_SEARCH_UIDSET,  /* set of UIDs */
	IMAP_SEARCH_MODSEQ,  /* number; field: entry name or empty */
	IMAP_SEARCH_OLDER,   /* number: seconds */
	IMAP_SEARCH_YOUNGER, /* number: seconds */
	IMAP_SEARCH_SAVEDATESUPPORTED,
};

/* System flags as the evaluator sees them. */
#define IMAP_MSGF_ANSWERED 0x01
#define IMAP_MSGF_FLAGGED 0x02
#define IMAP_MSGF_DELETED 0x04
#define IMAP_MSGF_SEEN 0x08
#define IMAP_MSGF_DRAFT 0x10
#define IMAP_MSGF_RECENT 0x20

enum imap_search_date_field {
	IMAP_SEARCH_DATE_INTERNAL, /* BEFORE ON SINCE */
	IMAP_SEARCH_DATE_SENT,     /* SENTBEFORE SENTON SENTSINCE */
	IMAP_SEARCH_DATE_SAVED,    /* SAVEDBEFORE SAVEDON SAVEDSINCE */
};
enum imap_search_date_op { IMAP_SEARCH_BEFORE, IMAP_SEARCH_ON, IMAP_SEARCH_SINCE };

struct imap_search_node {
	enum imap_search_type type;
	struct imap_search_node *children, *next;
	unsigned flag;
	enum imap_search_date_field date_field;
	enum imap_search_date_op date_op;
	int32_t day; /* days since 1970-01-01 */
	uint64_t number;
	struct slice field, value; /* owned by the node */
	struct imap_seqset set;
	bool saved; /* "$" (RFC 5182): set filled by imap_search_prepare() */
	uint8_t *owned;
};

/* RETURN options (RFC 4731 section 3.1, RFC 5182 section 2). */
#define IMAP_SEARCH_RET_MIN 0x01
#define IMAP_SEARCH_RET_MAX 0x02
#define IMAP_SEARCH_RET_ALL 0x04
#define IMAP_SEARCH_RET_COUNT 0x08
#define IMAP_SEARCH_RET_SAVE 0x10

struct imap_search {
	struct imap_search_node *root; /* an AND of the keys given */
	bool esearch;                  /* RETURN was given: answer with ESEARCH */
	unsigned ret;                  /* IMAP_SEARCH_RET_*; "RETURN ()" means ALL */
	bool charset_utf8;             /* CHARSET UTF-8 (otherwise US-ASCII) */
	bool uses_modseq;              /* a MODSEQ key: the answer carries (MODSEQ n) */
	bool uses_saved;               /* "$" appears */
	bool prepared;
};

/* SORT and THREAD (RFC 5256): the charset comes first, without the CHARSET
 * keyword, and RETURN is not allowed. */
#define IMAP_SEARCH_PARSE_CHARSET_FIRST 0x01
/* UTF8=ACCEPT is enabled: strings are UTF-8 and a CHARSET specification is
 * refused as malformed (RFC 6855 section 3: "tag BAD"). */
#define IMAP_SEARCH_PARSE_NO_CHARSET 0x02

/* Parses args (up to IMAP_ARG_EOL) of SEARCH / UID SEARCH after the command
 * name. 0 with *search_r set; -1 malformed ("tag BAD *error_r"); -2 unknown
 * charset (RFC 9051 section 6.4.4: "tag NO [BADCHARSET (US-ASCII UTF-8)]"). */
int imap_search_parse(const struct imap_arg *args, unsigned flags, struct imap_search **search_r,
                      const char **error_r);
void imap_search_free(struct imap_search **searchp);
/* True when args start with "RETURN (...)" naming SAVE, whatever follows:
 * a SEARCH that asked to SAVE and then failed empties "$" (RFC 5182
 * section 2.1), even when the rest could not be parsed. */
bool imap_search_asks_save(const struct imap_arg *args);

/* Resolves "*" in every set against the mailbox's highest sequence number
 * and UID, and fills "$" from saved (UIDs; NULL or empty when nothing was
 * saved). Call before imap_search_eval(), again when the mailbox changed. */
void imap_search_prepare(struct imap_search *s, uint32_t max_seq, uint32_t max_uid,
                         const struct imap_seqset *saved);

/* The message as the evaluator sees it. Days are days since 1970-01-01 of
 * the date disregarding time and zone (RFC 9051 section 6.4.4); sent_day
 * should fall back on the internal date when Date: is missing or bad;
 * INT32_MIN means "no such date" and matches no date key. */
struct imap_search_msg_ops {
	/* Each returns 1 match, 0 no match, -1 error (storage failed). */
	int (*keyword)(void *ctx, struct slice keyword);
	/* Substring, case-insensitive; an empty value matches any message
	 * that has the field. */
	int (*header)(void *ctx, struct slice field, struct slice value);
	/* text: header and body (TEXT) rather than body only (BODY). */
	int (*body)(void *ctx, struct slice value, bool text);
};

struct imap_search_msg {
	uint32_t seq, uid;
	unsigned flags; /* IMAP_MSGF_* */
	uint64_t size, modseq;
	int32_t internal_day, sent_day, save_day;
	int64_t internal_time; /* seconds since the epoch, for OLDER/YOUNGER */
	const struct imap_search_msg_ops *ops;
	void *ctx;
};

struct imap_search_env {
	int64_t now; /* seconds since the epoch */
	bool savedate_supported;
};

/* 1 match, 0 no match, -1 error (a callback failed, or not prepared). */
int imap_search_eval(const struct imap_search *s, const struct imap_search_env *env,
                     const struct imap_search_msg *msg);

#endif
