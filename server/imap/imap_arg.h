/* SPDX-License-Identifier: ISC */
/* The argument tree of one parsed IMAP command (RFC 9051 section 9) and
 * small accessors that command handlers use to walk it. */
#ifndef BALISE_IMAP_ARG_H
#define BALISE_IMAP_ARG_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

enum imap_arg_type {
	IMAP_ARG_EOL,     /* terminates every argument array */
	IMAP_ARG_ATOM,    /* str: the atom as sent */
	IMAP_ARG_NIL,     /* the atom NIL (any case); str holds it */
	IMAP_ARG_QUOTED,  /* str: the content, escapes removed */
	IMAP_ARG_LITERAL, /* str: the data, unless IMAP_ARGF_STREAMED */
	IMAP_ARG_LIST,    /* list, list_count: the children */
};

/* IMAP_ARG_LITERAL */
#define IMAP_ARGF_NONSYNC 0x01  /* {n+} (RFC 7888) */
#define IMAP_ARGF_LITERAL8 0x02 /* ~{n} (RFC 3516) */
#define IMAP_ARGF_STREAMED 0x04 /* data went to a sink; str is empty */
/* IMAP_ARG_ATOM: a FETCH attribute with a section, BODY[...]<...> or
 * BINARY[...]; the text between the brackets may hold spaces, a list of
 * header names and quoted strings. */
#define IMAP_ARGF_SECTION 0x08

/* Arrays of arguments (the command's, each list's) are followed by an
 * IMAP_ARG_EOL element, so handlers may index past the last argument as long
 * as they stop at EOL. Everything stays valid until the parser is fed again
 * or freed. */
struct imap_arg {
	enum imap_arg_type type;
	unsigned flags;
	struct slice str;
	uint64_t literal_size; /* IMAP_ARG_LITERAL: announced size */
	const struct imap_arg *list;
	unsigned list_count;
};

/* atom / quoted / literal / NIL as text (RFC 9051 astring; the atom NIL is
 * the mailbox "NIL"). Streamed literals are not strings. */
bool imap_arg_get_astring(const struct imap_arg *arg, struct slice *str_r);
/* quoted / literal / NIL (RFC 9051 nstring); str_r->p is NULL for NIL. */
bool imap_arg_get_nstring(const struct imap_arg *arg, struct slice *str_r);
/* quoted / literal only (RFC 9051 string). */
bool imap_arg_get_string(const struct imap_arg *arg, struct slice *str_r);
/* An atom (NIL included, it is an atom). */
bool imap_arg_get_atom(const struct imap_arg *arg, struct slice *atom_r);
bool imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **list_r,
                       unsigned *count_r);
/* An atom made of digits only, no leading zero unless "0", that fits. */
bool imap_arg_get_number(const struct imap_arg *arg, uint64_t *num_r);
bool imap_arg_atom_equals(const struct imap_arg *arg, const char *upper);
bool imap_arg_is_eol(const struct imap_arg *arg);

/* Parses a decimal number64 (RFC 9051: 1*DIGIT, at most 2^63-1); -1 if it
 * is not one. */
int imap_number_parse(struct slice s, uint64_t *num_r);

#endif
