/* SPDX-License-Identifier: ISC */
/* The message summary stored beside each blob: IMAP ENVELOPE, BODYSTRUCTURE
 * and BODY strings, the offsets of every MIME part, and the sort/thread
 * keys (Message-ID, first From, Date). Built once at delivery or APPEND,
 * read on every FETCH/SEARCH/SORT without re-parsing the message. */
#ifndef BALISE_MSGSUM_H
#define BALISE_MSGSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mime.h"

/* Blob format version (the byte after the magic). A reader refuses other
 * versions: summaries are rebuilt from the message then. */
#define MSGSUM_VERSION 1
#define MSGSUM_MAGIC "BSUM"
#define MSGSUM_MAX_MSG_SIZE 0xffffffffu /* larger messages are not summarised */
#define MSGSUM_MAX_STRINGS 64           /* string slots a reader accepts */
#define MSGSUM_MAX_SECTION 1024         /* longest section path accepted */
#define MSGSUM_NO_DATE INT64_MIN        /* no Date field, or not parseable */

/* The strings of a summary. Numbers are stored: only append. */
enum msgsum_str {
	MSGSUM_ENVELOPE = 0,      /* RFC 3501 §7.4.2 envelope, parenthesised */
	MSGSUM_BODYSTRUCTURE = 1, /* extensible form (FETCH BODYSTRUCTURE) */
	MSGSUM_BODY = 2,          /* non-extensible form (FETCH BODY) */
	MSGSUM_MESSAGE_ID = 3,    /* unfolded Message-ID field value */
	MSGSUM_IN_REPLY_TO = 4,   /* unfolded In-Reply-To */
	MSGSUM_REFERENCES = 5,    /* unfolded References */
	MSGSUM_SUBJECT = 6,       /* Subject, RFC 2047 decoded to UTF-8 */
	MSGSUM_FROM = 7,          /* first From mailbox "local@domain" */
	MSGSUM_FROM_NAME = 8,     /* its display name, decoded to UTF-8 */
	MSGSUM_TO = 9,            /* first To mailbox (SORT TO, RFC 5256) */
	MSGSUM_CC = 10,           /* first Cc mailbox (SORT CC) */
	MSGSUM_TO_NAME = 11,      /* first To display name (DISPLAYTO) */
	MSGSUM_DATE_RAW = 12,     /* unfolded Date field */
	MSGSUM_BASE_SUBJECT = 13, /* RFC 5256 §2.1 base subject (SORT, THREAD) */
	MSGSUM_STR_COUNT = 14
};

#define MSGSUM_F_TRUNCATED 0x1u /* a MIME depth or part limit was hit */
#define MSGSUM_F_HAS_DATE 0x2u

/* One MIME entity, as found by section path. hdr is the part's own MIME
 * header (BODY[n.MIME]; for the root, the message header), body its body
 * (BODY[n]). When has_msg is set (the root, and message/rfc822 parts),
 * msg_hdr/msg_body are the header and text of the message it is or holds
 * (BODY[HEADER], BODY[n.HEADER], BODY[n.TEXT]). */
struct msgsum_part {
	enum mime_kind kind;
	enum mime_cte cte;
	bool opaque;
	bool has_msg;
	uint64_t hdr_off, hdr_len, body_off, body_len;
	uint64_t msg_hdr_off, msg_hdr_len, msg_body_off, msg_body_len;
	uint64_t lines;
	uint64_t decoded_size; /* BINARY.SIZE (RFC 3516): leaf body after CTE
	                        * decoding; body_len for multiparts and messages */
	unsigned nchildren;
};

/* A validated view over a stored summary (borrowed bytes). */
struct msgsum_view {
	const uint8_t *base;
	size_t len;
	uint32_t nstr, nparts, flags;
	uint64_t msg_size;
	int64_t date;
	const uint8_t *slots, *parts, *data;
	size_t data_len;
};

/* Parses msg and appends its summary to out. 0, or -1 if the message is
 * larger than MSGSUM_MAX_MSG_SIZE or out's limit is reached. */
int msgsum_build(const uint8_t *msg, size_t len, struct buf *out);
/* The same from a message already parsed with mime_parse(). */
int msgsum_build_parsed(const struct mime_msg *m, struct buf *out);

/* Checks every length and index of a stored summary; 0 and v filled, or -1
 * (bad magic, other version, truncated or inconsistent: rebuild it). All
 * accessors below are safe on any view msgsum_open accepted. */
int msgsum_open(const void *sum, size_t len, struct msgsum_view *v);

/* A string of the summary; an absent one is {NULL, 0}. */
struct slice msgsum_str(const struct msgsum_view *v, enum msgsum_str which);
struct slice msgsum_envelope(const struct msgsum_view *v);
struct slice msgsum_bodystructure(const struct msgsum_view *v, bool ext);
struct slice msgsum_message_id(const struct msgsum_view *v);
struct slice msgsum_from(const struct msgsum_view *v);
/* Date as Unix time, MSGSUM_NO_DATE without a usable Date field. */
int64_t msgsum_date(const struct msgsum_view *v);
uint64_t msgsum_msg_size(const struct msgsum_view *v);

/* Looks up a section part path (RFC 3501 §6.4.5 section-part: "1.2.3",
 * digits and dots only, len bytes; empty = the whole message). 1 found,
 * 0 no such part, -1 malformed path. */
int msgsum_section_part(const struct msgsum_view *v, const char *path, size_t len,
                        struct msgsum_part *out);
/* Shorthand: the part's MIME header and body ranges. */
int msgsum_section(const struct msgsum_view *v, const char *path, uint64_t *hdr_off,
                   uint64_t *hdr_len, uint64_t *body_off, uint64_t *body_len);

/* RFC 5322 §3.3 date-time (and the obsolete forms of §4.3: two-digit
 * years, alphabetic zones, missing seconds/zone, comments), to Unix time.
 * 0 and *t_r set, or -1 if not a date. */
int msgsum_date_parse(const uint8_t *p, size_t len, int64_t *t_r);

/* RFC 5256 §2.1 base subject of a decoded (UTF-8) subject, appended to
 * out; not case-folded (SORT compares with a case-insensitive comparator).
 * -1 past out's max. */
int msgsum_base_subject(struct slice subject, struct buf *out);

/* Renders the ENVELOPE of a header block, and BODYSTRUCTURE (ext) or BODY
 * of a part tree, as IMAP strings (RFC 3501 §7.4.2, RFC 9051 §7.5.2):
 * nstrings are quoted, or literals when they hold 8-bit bytes, CR or LF. */
int msgsum_render_envelope(struct slice hdr, struct buf *out);
int msgsum_render_body(const struct mime_msg *m, const struct mime_part *p, bool ext,
                       struct buf *out);
/* One IMAP nstring: NIL when s.p is NULL. */
int msgsum_render_nstring(struct slice s, struct buf *out);

#endif
