/* SPDX-License-Identifier: ISC */
/* Every limit the IMAP command parser, sequence sets and SEARCH enforce, in
 * one place. Tighter values apply before authentication. */
#ifndef BALISE_IMAP_LIMITS_H
#define BALISE_IMAP_LIMITS_H

/* Non-literal bytes of one command, all its lines together (tag, name,
 * atoms, quoted strings, literal headers, spaces, CRLFs). */
#define IMAP_LINE_MAX (64 * 1024)
/* Arguments (atoms, strings, literals, lists) in one command, nested
 * ones included. */
#define IMAP_ARGS_MAX 4096
/* Nesting of parenthesised lists. */
#define IMAP_LIST_DEPTH_MAX 16

/* Largest literal the parser buffers in the argument tree. Larger ones must
 * be streamed to a sink (APPEND opts in). */
#define IMAP_LITERAL_PREAUTH_MAX (8 * 1024)
#define IMAP_LITERAL_MAX (1024 * 1024)
/* Bytes of argument data (strings and buffered literals) held for one
 * command. */
#define IMAP_BUFFERED_PREAUTH_MAX (32 * 1024)
#define IMAP_BUFFERED_MAX (4 * 1024 * 1024)
/* LITERAL- (RFC 7888 section 5): non-synchronising literals above this size
 * are an error when the server advertises LITERAL- rather than LITERAL+. */
#define IMAP_LITERAL_MINUS_MAX 4096
/* A literal size that cannot be honoured whatever the caller's limits
 * (RFC 9051 number64 allows more; no message of ours is that big). */
#define IMAP_LITERAL_SIZE_MAX 0xffffffffULL

/* SEARCH: nesting of NOT / OR / parenthesised groups. */
#define IMAP_SEARCH_DEPTH_MAX 32

#endif
