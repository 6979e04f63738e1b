/* SPDX-License-Identifier: ISC */
/* The encodings of DSN and AUTH parameter values: xtext (RFC 3461 section
 * 4), the utf-8-addr-xtext and utf-8-addr-unitext forms of RFC 6533
 * section 3 (ORCPT with address type "utf-8"), and the UTF-8 check the
 * parser uses for SMTPUTF8 addresses (RFC 3629). */
#ifndef BALISE_SMTP_XTEXT_H
#define BALISE_SMTP_XTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when it is
 * not one (bad lead or continuation byte, overlong form, surrogate, above
 * U+10FFFF, cut short). *cp_r gets the code point; cp_r may be NULL. */
size_t smtp_utf8_char(const uint8_t *p, size_t len, uint32_t *cp_r);
/* True when s is well-formed UTF-8 (ASCII included). */
bool smtp_utf8_valid(struct slice s);

/* Decodes xtext into out (outsz bytes): xchar is "!".."~" except "+" and
 * "=", hexchar is "+" and two upper-case hex digits. The decoded length,
 * or -1 when in is not xtext or does not fit. Decoded bytes can be
 * anything (callers check what they allow). */
long smtp_xtext_decode(struct slice in, uint8_t *out, size_t outsz);
/* Appends in as xtext ("+XX" for "+", "=" and bytes outside "!".."~").
 * -1 when out passes its max. */
int smtp_xtext_encode(struct slice in, struct buf *out);

/* Decodes an RFC 6533 utf-8-addr-xtext (unitext false: printable ASCII
 * except "+", "=", "\", and "\x{HEX}" escapes) or utf-8-addr-unitext
 * (unitext true: UTF-8 characters allowed as they are) into UTF-8. An
 * escape must name what cannot appear as itself: an ASCII control, space,
 * "+", "=", "\" or DEL, or a non-ASCII scalar value, without leading zeros.
 * The decoded length, or -1. */
long smtp_unitext_decode(struct slice in, bool unitext, uint8_t *out, size_t outsz);
/* Appends the UTF-8 string in as utf-8-addr-xtext (unitext false) or
 * utf-8-addr-unitext (true). -1 when in is not UTF-8, holds a NUL (no
 * escape exists for it) or out passes its max. */
int smtp_unitext_encode(struct slice in, bool unitext, struct buf *out);

#endif
