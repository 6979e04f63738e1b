/* SPDX-License-Identifier: ISC */
/* FETCH attributes with a section, as the parser returns them in one atom
 * flagged IMAP_ARGF_SECTION: BODY[...]<...>, BODY.PEEK[...]<...>,
 * BINARY[...]<...>, BINARY.PEEK[...]<...>, BINARY.SIZE[...] (RFC 9051
 * section 6.4.5, RFC 3516). */
#ifndef BALISE_IMAP_SECTION_H
#define BALISE_IMAP_SECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Deeper part numbers are refused: no MIME tree we store is that deep. */
#define IMAP_SECTION_PARTS_MAX 32

enum imap_section_kind { IMAP_SECTION_BODY, IMAP_SECTION_BINARY, IMAP_SECTION_BINARY_SIZE };

enum imap_section_text {
	IMAP_SECTION_ALL,               /* BODY[] or BODY[1.2]: the whole (part) */
	IMAP_SECTION_HEADER,            /* HEADER */
	IMAP_SECTION_HEADER_FIELDS,     /* HEADER.FIELDS (list) */
	IMAP_SECTION_HEADER_FIELDS_NOT, /* HEADER.FIELDS.NOT (list) */
	IMAP_SECTION_TEXT,              /* TEXT */
	IMAP_SECTION_MIME,              /* MIME (after a part number only) */
};

struct imap_section {
	enum imap_section_kind kind;
	bool peek;
	uint32_t part[IMAP_SECTION_PARTS_MAX];
	unsigned nparts;
	enum imap_section_text text;
	/* HEADER.FIELDS[.NOT]: the names between the parentheses, walk them
	 * with imap_section_next_field(). Borrowed from the atom. */
	struct slice fields;
	bool partial; /* <offset.length> */
	uint64_t offset, length;
};

/* Parses one attribute; 0, or -1 with *error_r (for "tag BAD"). */
int imap_section_parse(struct slice att, struct imap_section *sec_r, const char **error_r);
/* Takes the next header name from *rest (initially sec->fields), without
 * quotes; false when there are no more. */
bool imap_section_next_field(struct slice *rest, struct slice *name_r);

#endif
