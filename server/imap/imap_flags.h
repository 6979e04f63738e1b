/* SPDX-License-Identifier: ISC */
/* The IMAP system flags (RFC 9051 section 2.3.2) that clients may set, and
 * their store_flag bits: one table for parsing (APPEND, STORE) and for
 * writing flag lists (FETCH, untagged updates). */
#ifndef BALISE_IMAP_FLAGS_H
#define BALISE_IMAP_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* The store_flag bit of a system flag name (any case, with its backslash),
 * 0 when name is not one of them (\Recent included: it is the server's). */
uint32_t imap_sysflag_bit(struct slice name);
/* Appends the names of the system flags set in flags, space-separated, in
 * the order Dovecot lists them (RFC 9051 gives none). true if any was
 * written; -1 past out's limit is reported through *err_r (may be NULL). */
bool imap_sysflags_write(struct buf *out, uint32_t flags, int *err_r);

#endif
