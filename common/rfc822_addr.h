/* SPDX-License-Identifier: ISC */
/* RFC 5322 §3.4 address lists (groups, comments, quoted local parts,
 * obsolete routes), as the four-member address structure of IMAP ENVELOPE
 * (RFC 3501 §7.4.2). Lenient: junk is skipped, never fatal. */
#ifndef BALISE_RFC822_ADDR_H
#define BALISE_RFC822_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define RFC822_ADDR_MAX 10000     /* addresses kept from one list */
#define RFC822_ADDR_MAX_PART 4096 /* longest name, route, mailbox or host kept */

/* What IMAP writes for a missing local part or domain (as Dovecot does). */
#define RFC822_ADDR_MISSING_MAILBOX "MISSING_MAILBOX"
#define RFC822_ADDR_MISSING_DOMAIN "MISSING_DOMAIN"

/* One address. RFC 3501 §7.4.2 group syntax: a group start has host NULL
 * and mailbox the group name; a group end has mailbox and host NULL.
 * name is the display name as written (quotes removed, encoded-words kept),
 * or the comment of a bare addr-spec, or NULL; adl is the obsolete route
 * ("@a,@b") or NULL. Strings are NUL-terminated and never contain NUL, CR
 * or LF. */
struct rfc822_addr {
	char *name;
	char *adl;
	char *mailbox;
	char *host;
};

struct rfc822_addr_list {
	struct rfc822_addr *v;
	unsigned n;
};

/* Parses an address list (a raw or unfolded field value). Never fails: an
 * empty or hopeless value gives an empty list. Free with
 * rfc822_addr_list_free(). */
void rfc822_addr_parse(const uint8_t *p, size_t len, struct rfc822_addr_list *out);
void rfc822_addr_list_free(struct rfc822_addr_list *l);
/* The first real mailbox of the list (groups skipped), or NULL. */
const struct rfc822_addr *rfc822_addr_first(const struct rfc822_addr_list *l);

#endif
