/* SPDX-License-Identifier: ISC */
/* The messages Sieve at delivery writes or rewrites, and the header checks
 * it makes on the message; pure (no I/O, no clock): the caller gives the
 * time and a unique id.
 *
 *   - Redirect loop marker (RFC 5228 section 4.2 "loop control"): every
 *     message a BAL redirects gets "X-Balise-Redirected-By: <address>" on
 *     top. A BAL whose address is already in such a field may not redirect
 *     the message again, and no message is redirected once it carries
 *     SIEVE_REPLY_MAX_HOPS of them: it is kept instead.
 *   - Vacation eligibility (RFC 3834 section 2, RFC 5230 section 4.6,
 *     RE_GBM_4470): the engine's sieve_autoreply_refusal() (no reply to
 *     the null sender, MAILER-DAEMON, LISTSERV, majordomo, owner-* or
 *     *-request, to a message with Auto-Submitted other than "no",
 *     Precedence bulk/list/junk, any List-* field), plus a redirect marker
 *     (a redirected copy is not the sender writing to us), which only
 *     delivery knows.
 *   - The vacation reply: From the BAL, To the sender, French default
 *     subject "Réponse automatique : " + the original subject (RFC 2047
 *     encoded when needed), Auto-Submitted: auto-replied, In-Reply-To and
 *     References, UTF-8 text in quoted-printable (or the script's :mime
 *     entity, of which only the Content-* fields are kept). It is sent with
 *     a null return path (MAIL FROM:<>).
 *   - The reject report (RFC 5429 section 2.1): a French RFC 3464 report
 *     (common/dsn) to the return path, the recipient failed with 5.2.0
 *     (its French text: refused by a filtering rule of the mailbox) and the
 *     script's reason as its diagnostic. */
#ifndef BALISE_SIEVE_REPLY_H
#define BALISE_SIEVE_REPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define SIEVE_REPLY_LOOP_FIELD "X-Balise-Redirected-By"
#define SIEVE_REPLY_MAX_HOPS 4 /* redirect markers past which nothing is redirected */
#define SIEVE_REPLY_SUBJECT_PREFIX "Réponse automatique : "
#define SIEVE_REPLY_SUBJECT_DEFAULT "Réponse automatique"
#define SIEVE_REPLY_SUBJECT_MAX 200 /* bytes of the original subject kept */

/* The header block of msg (up to and including the empty line, or all of
 * msg when there is none). */
struct slice sieve_reply_header(struct slice msg);

/* Redirect markers in hdr: how many (*hops_r) and whether one names
 * address (case-insensitive). 1 when the address is there or hops reached
 * SIEVE_REPLY_MAX_HOPS (do not redirect), 0 otherwise. */
int sieve_reply_loop_check(struct slice hdr, const char *address, unsigned *hops_r);
/* Appends "Return-Path: <return_path>" (when return_path is not NULL;
 * "" writes <>), the marker for address, then msg: the message to
 * redirect. -1 (out unchanged) if address or return_path is not a valid
 * address, or out's limit is reached. */
int sieve_reply_redirected(struct slice msg, const char *return_path, const char *address,
                           struct buf *out);

/* Whether a vacation reply may go to sender for a message with header hdr
 * (see above). *why_r (may be NULL) gets a short English reason when not. */
bool sieve_reply_vacation_ok(struct slice hdr, const char *sender, const char **why_r);
/* The part of it the engine does not check: "the message was redirected"
 * when hdr holds a redirect marker, else NULL. */
const char *sieve_reply_redirected_copy(struct slice hdr);

struct sieve_reply_vacation {
	const char *from;      /* the BAL's address */
	const char *from_name; /* its display name, or NULL/"" */
	const char *to;        /* the sender */
	const char *subject;   /* the script's :subject (UTF-8), or NULL */
	const char *text;      /* the reason (UTF-8) or, with mime, a MIME entity */
	bool mime;
	struct slice original; /* the header (or whole) of the message answered */
	int64_t date;
	const char *host, *id; /* Message-ID parts (as struct notice) */
};

/* The default or given subject of the reply into out (UTF-8, no control). */
int sieve_reply_subject(const struct sieve_reply_vacation *v, struct buf *out);
/* Appends the whole reply. 0, or -1 with an English reason in *error_r. */
int sieve_reply_vacation(const struct sieve_reply_vacation *v, struct buf *out,
                         const char **error_r);

struct sieve_reply_reject {
	const char *return_path; /* never "" (no report to the null sender) */
	const char *rcpt;        /* the BAL that refused */
	const char *reason;      /* the script's text */
	const char *reporting_mta, *postmaster, *envid, *id;
	int64_t arrival, date;
	struct slice original; /* the message refused (its header is attached) */
};

int sieve_reply_reject(const struct sieve_reply_reject *r, struct buf *out, const char **error_r);

#endif
