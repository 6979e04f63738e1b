/* SPDX-License-Identifier: ISC */
/* Between the whitelist's XML reader (whitelist_xml.c) and its index
 * (whitelist.c): the entries as read, before indexing. */
#ifndef BALISE_WHITELIST_INT_H
#define BALISE_WHITELIST_INT_H

#include <stddef.h>

#include "whitelist.h"

/* One Domaine element, its strings owned (xmalloc). */
struct whitelist_raw {
	char *domain;      /* normalised */
	char *dn;          /* as written, trimmed */
	char *key;         /* dn.h key */
	char *description; /* as written, trimmed, may be "" */
	unsigned line;
};

struct whitelist_raws {
	struct whitelist_raw *v;
	size_t n, cap;
	char *generated; /* DateDeGeneration, or NULL */
};

/* Parses the XML into raws (which the caller frees with
 * whitelist_raws_free in every case). 0, or -1 with err filled. */
int whitelist_xml_parse(const void *data, size_t len, const char *name, struct whitelist_raws *raws,
                        char *err, size_t errsz);
void whitelist_raws_free(struct whitelist_raws *raws);

/* Indexes raws, taking ownership of their strings (raws is left empty). */
struct whitelist *whitelist_index(struct whitelist_raws *raws);

#endif
