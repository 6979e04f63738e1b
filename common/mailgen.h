/* SPDX-License-Identifier: ISC */
/* Writers for the messages balise writes itself (DSN, NDR, alerts): header
 * fields that nothing can be injected into, RFC 2047 encoded-words,
 * quoted-printable bodies, RFC 5322 dates and message ids, and the
 * cleaning of untrusted text. Pure: no I/O, no clock, no randomness. */
#ifndef BALISE_MAILGEN_H
#define BALISE_MAILGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MAILGEN_LINE 78       /* header lines are folded before this width */
#define MAILGEN_QP_LINE 76    /* RFC 2045 §6.7 rule 5 */
#define MAILGEN_WORD 75       /* RFC 2047 §2: longest encoded-word */
#define MAILGEN_MAX_VALUE 900 /* free text kept per field (lines stay < 998) */
#define MAILGEN_MAX_ADDR 320  /* longest address written in a header */
#define MAILGEN_MAX_HOST 253  /* longest host name */
#define MAILGEN_MAX_MSGID 250 /* longest msg-id carried to In-Reply-To */
#define MAILGEN_MAX_REFS 20   /* msg-ids kept in References */

/* Length (1..4) of the well-formed UTF-8 sequence at p (n bytes left), 0 if
 * it is not one (overlong, surrogate, past U+10FFFF, truncated); the code
 * point in *cp_r. */
size_t mailgen_utf8_next(const uint8_t *p, size_t n, uint32_t *cp_r);
/* Whether p[0..n) is well-formed UTF-8 throughout (RFC 3629, as above). */
bool mailgen_utf8_valid(const uint8_t *p, size_t n);
bool mailgen_is_ascii(struct slice s);

/* True if s can be written as "<s>" in From/To: local@domain, at most
 * MAILGEN_MAX_ADDR bytes, well-formed UTF-8, no control character, no
 * space or special outside a quoted local part. *utf8_r (may be NULL) says
 * whether it holds non-ASCII (RFC 6532: the message then needs SMTPUTF8). */
bool mailgen_addr_ok(const char *s, bool *utf8_r);
/* True if s is a host name of letters, digits, '-' and '.' (Reporting-MTA,
 * the right side of our Message-IDs). */
bool mailgen_host_ok(const char *s);

/* Untrusted text to readable UTF-8: well-formed non-control characters are
 * kept; "\n" (and "\r\n") kept when keep_nl, else they, CR and TAB become a
 * space; other controls, C1 controls, bidirectional overrides and
 * malformed bytes become U+FFFD. At most max bytes of input are read. */
int mailgen_text_clean(struct slice in, bool keep_nl, size_t max, struct buf *out);
/* Untrusted text to one line of printable ASCII for a structured field:
 * TAB, CR, LF and NUL become a space, other bytes outside 0x20-0x7E '?',
 * runs of spaces one space, ends trimmed; at most max bytes written. */
int mailgen_ascii_clean(struct slice in, size_t max, struct buf *out);

/* "Name: value" CRLF; value is printable ASCII (mailgen_ascii_clean),
 * folded at its spaces before MAILGEN_LINE. */
int mailgen_field(struct buf *out, const char *name, struct slice value);
/* The same for UTF-8 text (unstructured: Subject, Content-Description):
 * written as is when printable ASCII, else as RFC 2047 Q encoded-words of
 * UTF-8 that never split a character, folded between words. The text must
 * hold no control character (mailgen_text_clean without keep_nl). */
int mailgen_field_text(struct buf *out, const char *name, const char *utf8);
/* "Name: display <addr>" CRLF: display (UTF-8, may be NULL; dropped if it
 * holds a control) as atoms, a quoted-string, or encoded-words when it is
 * not ASCII or too long to stay on one line; addr must pass
 * mailgen_addr_ok. */
int mailgen_field_addr(struct buf *out, const char *name, const char *display, const char *addr);
/* RFC 5322 §3.3 date-time of t in UTC: "Tue, 01 Dec 2026 14:55:00 +0000". */
int mailgen_date(int64_t t, struct buf *out);
/* Quoted-printable (RFC 2045 §6.7) of UTF-8 text whose lines end with "\n"
 * or "\r\n": lines of at most MAILGEN_QP_LINE characters, CRLF line ends,
 * 7-bit; what it writes never contains "=_" nor "--" at a line start. */
int mailgen_qp(struct slice text, struct buf *out);

/* The first msg-id ("<...>", no white space or control, at most
 * MAILGEN_MAX_MSGID bytes) of a Message-ID field value; .p NULL if none. */
struct slice mailgen_msgid_pick(struct slice value);
/* The References value of a reply (RFC 5322 §3.6.4): the well-formed
 * msg-ids of the original's References (the last MAILGEN_MAX_REFS - 1),
 * then its Message-ID, separated by spaces. Nothing if there is no
 * Message-ID. */
int mailgen_references(struct slice refs, struct slice msgid, struct buf *out);

#endif
