/* SPDX-License-Identifier: ISC */
/* RFC 2047 encoded-word decoding to UTF-8 (for SEARCH, SORT, Sieve), and the
 * charset conversion it and RFC 2231 parameter values need (iconv(3)). */
#ifndef BALISE_RFC2047_H
#define BALISE_RFC2047_H

#include "buf.h"

#define RFC2047_MAX_CHARSET 64 /* longest charset name we try */
#define RFC2047_MAX_WORD 4096  /* longest encoded-word we decode (RFC says 75) */

/* Converts in, written in charset, to UTF-8 appended to out. Invalid
 * sequences become U+FFFD. 1 converted, 0 charset unknown to iconv (out
 * unchanged), -1 out's limit reached. us-ascii and utf-8 are passed
 * through with invalid bytes replaced. */
int rfc2047_charset_to_utf8(struct slice charset, struct slice in, struct buf *out);

/* Decodes every encoded-word (=?charset?B|Q?text?=, RFC 2047 §2-§6) of an
 * unstructured header value into UTF-8 appended to out. White space between
 * two adjacent encoded-words is dropped (§6.2); a word in an unknown charset
 * or malformed is kept as written; text outside encoded-words is copied
 * (8-bit bytes as they are). -1 if out's limit is reached. */
int rfc2047_decode(struct slice in, struct buf *out);

#endif
