/* SPDX-License-Identifier: ISC */
/* Mailbox names on the wire in modified UTF-7 (RFC 3501 section 5.1.3)
 * and as stored, in UTF-8: conversions both ways, strict on input. */
#ifndef BALISE_IMAP_MUTF7_H
#define BALISE_IMAP_MUTF7_H

#include <stdbool.h>

#include "buf.h"

/* Appends the UTF-8 form of the modified UTF-7 name in to out. 0, or -1
 * when in is not modified UTF-7: an 8-bit or control byte, a bad base64
 * character, an unterminated "&...", two shifts in a row ("&...-&...-"
 * must be one), a printable ASCII character or NUL encoded, a lone
 * surrogate, or non-zero padding bits. -1 also past out's max. */
int imap_mutf7_to_utf8(struct slice in, struct buf *out);

/* Appends the modified UTF-7 form of the UTF-8 text in to out. 0, or -1
 * when in is not well-formed UTF-8 (or past out's max). */
int imap_utf8_to_mutf7(struct slice in, struct buf *out);

/* True when in is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) without NUL. */
bool imap_utf8_valid(struct slice in);

#endif
