/* SPDX-License-Identifier: ISC */
/* SORT (RFC 5256 §3, with DISPLAYFROM/DISPLAYTO of RFC 5957): the sort
 * criteria parsed from the argument tree, the per-message input that SORT
 * and THREAD share, the sort keys (§2.1 base subject, §2.2 sent date) and
 * a stable O(n log n) sort with the sequence number as last tie-breaker. */
#ifndef BALISE_IMAP_SORT_H
#define BALISE_IMAP_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "msgsum.h"

#define IMAP_SORT_MAX_CRITERIA 16 /* sort-criterion entries accepted */

enum imap_sort_key {
	IMAP_SORT_ARRIVAL,     /* internal date */
	IMAP_SORT_CC,          /* addr-mailbox of the first Cc address */
	IMAP_SORT_DATE,        /* sent date, §2.2 */
	IMAP_SORT_FROM,        /* addr-mailbox of the first From address */
	IMAP_SORT_SIZE,        /* RFC822.SIZE */
	IMAP_SORT_SUBJECT,     /* base subject, §2.1 */
	IMAP_SORT_TO,          /* addr-mailbox of the first To address */
	IMAP_SORT_DISPLAYFROM, /* RFC 5957: display name, else addr-spec */
	IMAP_SORT_DISPLAYTO,
};

struct imap_sort_criterion {
	enum imap_sort_key key;
	bool reverse;
};

struct imap_sort_program {
	struct imap_sort_criterion c[IMAP_SORT_MAX_CRITERIA];
	unsigned n;
};

/* Parses the parenthesised sort-criteria (RFC 5256 §5) held by arg, the
 * first argument of SORT / UID SORT. The charset and the search program
 * follow it: parse them with imap_search_parse(args + 1,
 * IMAP_SEARCH_PARSE_CHARSET_FIRST, ...). 0, or -1 with *error_r a short
 * reason for "tag BAD". */
int imap_sort_parse(const struct imap_arg *arg, struct imap_sort_program *prog,
                    const char **error_r);

#define IMAP_SORT_NO_DATE INT64_MIN

/* One message as SORT and THREAD see it. Slices are borrowed (from the
 * summaries, which must stay mapped until the sort or thread is done);
 * {NULL, 0} means absent and sorts as the empty string (RFC 5256 §3). */
struct imap_sort_msg {
	uint32_t seq, uid;
	int64_t internal_date; /* seconds since the epoch */
	int64_t sent_date;     /* Date: in UTC seconds, or IMAP_SORT_NO_DATE:
	                        * internal_date is used then (§2.2) */
	uint64_t size;
	struct slice subject;            /* Subject decoded to UTF-8 (RFC 2047) */
	struct slice base_subject;       /* §2.1; NULL: computed from subject */
	struct slice from, to, cc;       /* first mailbox of the field, "local@domain" */
	struct slice from_name, to_name; /* its display name, decoded */
	struct slice message_id, in_reply_to, references; /* unfolded values */
};

/* Fills the header fields, size and sent date of m from a summary opened
 * with msgsum_open(); the caller sets seq, uid and internal_date. */
void imap_sort_msg_fill(struct imap_sort_msg *m, const struct msgsum_view *v);

/* §2.2: the sent date, or the internal date when Date: is absent or bad. */
int64_t imap_sort_sent_date(const struct imap_sort_msg *m);

/* §2.1 base subject of a decoded subject, appended to out (not case
 * folded); *reply_r (may be NULL) tells whether the extraction removed a
 * subj-refwd, a "(fwd)" trailer or a subj-fwd-hdr/trl pair, which makes
 * the message a reply or forward for THREAD=REFERENCES (§4). -1 past out's
 * limit. */
int imap_sort_base_subject(struct slice subject, struct buf *out, bool *reply_r);

/* The comparator of SORT and THREAD. RFC 5256 §7 requires the collation of
 * I18NLEVEL=1 (RFC 5255), that is i;unicode-casemap (RFC 5051): each code
 * point is mapped to its simple titlecase and then to its NFKD
 * decomposition, and the results are compared octet by octet. This appends
 * that key to out; comparing two keys with memcmp (shorter first on a tie)
 * is the comparison. Departure from RFC 5051: combining marks are not put
 * in canonical order across characters. Invalid UTF-8 bytes are kept as
 * they are (RFC 5051 leaves such strings undefined). -1 past out's limit. */
int imap_sort_casemap(struct slice in, struct buf *out);

/* Orders msgs[0..n) by prog, then by sequence number; order_r receives n
 * indexes into msgs. Memory O(n + key bytes), time O(n log n). */
void imap_sort_run(const struct imap_sort_program *prog, const struct imap_sort_msg *msgs, size_t n,
                   uint32_t *order_r);

/* Appends " n" for each message in order (UIDs when uid is set): the rest
 * of "* SORT" (RFC 5256 §4). -1 past out's limit. */
int imap_sort_render(const struct imap_sort_msg *msgs, const uint32_t *order, size_t n, bool uid,
                     struct buf *out);

/* A stable merge sort of n indexes with cmp(ctx, a, b) < 0 when a goes
 * first; shared with THREAD. */
void imap_sort_indexes(uint32_t *v, size_t n, int (*cmp)(const void *ctx, uint32_t a, uint32_t b),
                       const void *ctx);

#endif
