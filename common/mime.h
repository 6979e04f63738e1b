/* SPDX-License-Identifier: ISC */
/* MIME / RFC 5322 message parser: one pass over a stored message gives the
 * part tree with byte offsets and the parsed MIME fields of every part
 * (RFC 2045, 2046, 2183, 2231, 3282, 2557), plus header field helpers. */
#ifndef BALISE_MIME_H
#define BALISE_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Hard limits. Beyond them the parser does not fail: the part that would
 * pass a limit is kept as an opaque leaf (its body is not looked into). */
#define MIME_MAX_DEPTH 32          /* nesting of multiparts and message/rfc822 */
#define MIME_MAX_PARTS 10000       /* entities in one message, root included */
#define MIME_MAX_PARAMS 64         /* parameters kept per Content-Type/Disposition */
#define MIME_MAX_BOUNDARY 200      /* RFC 2046 says 70; real mail goes beyond */
#define MIME_MAX_LANGUAGES 16      /* Content-Language tags kept */
#define MIME_MAX_FIELD_VALUE 65536 /* unfolded value of one parsed MIME field */

enum mime_kind {
	MIME_LEAF = 0,      /* anything that is neither of the two below */
	MIME_MULTIPART = 1, /* multipart/<any>: children are the body parts */
	MIME_MESSAGE = 2,   /* message/rfc822 or message/global: one child,
	                     * the encapsulated message */
};

enum mime_cte {
	MIME_CTE_7BIT = 0, /* also the default when the field is absent */
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_OTHER, /* x-uuencode and the like: reported, not decoded */
};

/* One parameter after RFC 2231 continuations are merged. name is as written
 * without the "*N" suffix; value is the concatenation of the sections as
 * written (still percent-encoded with its charset'lang' prefix when
 * extended); utf8 is the decoded value (charset converted to UTF-8 when the
 * charset is known, raw bytes otherwise). */
struct mime_param {
	struct slice name;
	struct slice value;
	struct slice utf8;
	bool extended;
};

struct mime_params {
	struct mime_param *v;
	unsigned n;
};

/* One MIME entity: the root message, a body part of a multipart, or the
 * message encapsulated in a message/rfc822 part. Offsets are from the start
 * of the message. The header range includes the blank line that ends it
 * (what IMAP returns for BODY[HEADER] and BODY[n.MIME]); body_off is right
 * after it. A body part of a multipart ends before the line break that
 * precedes the next delimiter (RFC 2046 §5.1.1). */
struct mime_part {
	size_t hdr_off, hdr_len;
	size_t body_off, body_len;
	size_t body_lines; /* LF count in the body (RFC 3501 body-fld-lines),
	                    * text and message parts only, 0 for others */

	enum mime_kind kind;
	unsigned depth; /* 0 for the root */
	bool opaque;    /* a limit was hit: the body was not looked into */
	bool has_ct;    /* Content-Type field present and well formed */

	/* Content-Type (defaults text/plain; charset=us-ascii, or
	 * message/rfc822 inside multipart/digest, RFC 2046 §5.1.5) */
	struct slice type, subtype;
	struct mime_params ct_params;
	struct slice cte_raw; /* as written; empty if absent */
	enum mime_cte cte;
	struct slice id, description, md5, location; /* unfolded; .p NULL if absent */
	struct slice disposition;                    /* .p NULL if absent */
	struct mime_params disp_params;
	struct slice languages[MIME_MAX_LANGUAGES];
	unsigned nlanguages;

	struct mime_part *parent;
	struct mime_part *children; /* first child */
	struct mime_part *next;     /* next sibling */
	unsigned nchildren;
};

struct mime_arena;

struct mime_msg {
	const uint8_t *data; /* borrowed: the caller keeps the message alive */
	size_t len;
	struct mime_part *root;
	unsigned nparts;
	bool truncated; /* a depth or part limit was hit somewhere */
	struct mime_arena *arena;
};

/* Parses msg (len bytes, any content: NUL, 8-bit, bare LF, bare CR, junk).
 * Never fails and never reads outside [msg, msg+len); the strings in the
 * result point into msg or into memory owned by the result. Free with
 * mime_free(). */
void mime_parse(const uint8_t *msg, size_t len, struct mime_msg **r);
void mime_free(struct mime_msg **m);

/* Convenience accessors. */
struct slice mime_part_header(const struct mime_msg *m, const struct mime_part *p);
struct slice mime_part_body(const struct mime_msg *m, const struct mime_part *p);
/* Value of the named Content-Type / Content-Disposition parameter
 * (case-insensitive name), decoded to UTF-8; .p NULL if absent. */
struct slice mime_param_get(const struct mime_params *ps, const char *name);
bool mime_is_type(const struct mime_part *p, const char *type, const char *subtype);

/* ------------------------------------------------------------- headers */

/* Walks the fields of a header block (RFC 5322 §2.2): name is the field name
 * without trailing whitespace, raw is everything after the colon up to the
 * end of the field including folds (but without the final line break).
 * Lines without a colon are skipped; the walk stops at the first empty line.
 * Bare LF and CRLF are both line breaks. */
struct mime_header_iter {
	const uint8_t *p;
	size_t len, pos;
};

void mime_header_iter_init(struct mime_header_iter *it, struct slice hdr);
/* 1 with the next field, 0 at the end. field_off/field_len (may be NULL)
 * give the whole field in hdr, from its name to its line break included. */
int mime_header_next(struct mime_header_iter *it, struct slice *name, struct slice *raw,
                     size_t *field_off, size_t *field_len);

/* Appends the unfolded value (RFC 5322 §2.2.3: CRLF before WSP removed;
 * leading and trailing white space trimmed; NUL, lone CR and LF become a
 * space) to out. -1 if out's limit is reached. */
int mime_unfold(struct slice raw, struct buf *out);
/* Unfolded value of the first field with this name (case-insensitive):
 * 1 found, 0 not found, -1 if out's limit is reached. */
int mime_header_get(struct slice hdr, const char *name, struct buf *out);
/* Number of fields with this name; the nth (0-based) raw value in *raw. */
unsigned mime_header_count(struct slice hdr, const char *name);
int mime_header_get_nth(struct slice hdr, const char *name, unsigned nth, struct slice *raw);

/* Like mime_header_get, then RFC 2047 words decoded to UTF-8 (what Sieve
 * header tests and IMAP SEARCH compare against). */
int mime_header_get_utf8(struct slice hdr, const char *name, struct buf *out);

/* BODY[HEADER.FIELDS (names)] and HEADER.FIELDS.NOT (RFC 3501 §6.4.5):
 * appends the fields whose name is (or, with exclude, is not) among names,
 * as written, then the empty line. */
int mime_header_filter(struct slice hdr, const struct slice *names, size_t nnames, bool exclude,
                       struct buf *out);

/* ------------------------------------------------------------ decoding */

/* Decodes a body with its Content-Transfer-Encoding (RFC 2045 §6.7, §6.8)
 * into out; 7bit, 8bit, binary and unknown encodings are copied. Bad base64
 * characters are skipped, bad QP escapes kept literally. -1 past out's max. */
int mime_decode(enum mime_cte cte, struct slice body, struct buf *out);
/* The text of a leaf part in UTF-8: its transfer encoding undone, then its
 * charset parameter converted (RFC 2046 §4.1.2; us-ascii when absent; an
 * unknown charset leaves the bytes as they are). For SEARCH BODY/TEXT and
 * Sieve body tests. -1 past out's max. */
int mime_part_text(const struct mime_msg *m, const struct mime_part *p, struct buf *out);
/* Size that mime_decode would produce, without allocating. */
size_t mime_decoded_size(enum mime_cte cte, struct slice body);
/* Copies msg into out with every bare LF and bare CR turned into CRLF (the
 * form IMAP and SMTP require on the wire); returns 1 if anything changed,
 * 0 if not, -1 past out's max. */
int mime_crlf_normalize(const uint8_t *msg, size_t len, struct buf *out);
enum mime_cte mime_cte_parse(struct slice s);

#endif
