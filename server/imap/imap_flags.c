/* SPDX-License-Identifier: ISC */
/* System flag names <-> store_flag bits. */
#include "config.h"

#include "balstore.h"
#include "imap_flags.h"
#include "util.h"

static const struct {
	uint32_t bit;
	const char *name;
} sysflags[] = {{MSG_ANSWERED, "\\Answered"},
		{MSG_FLAGGED, "\\Flagged"},
		{MSG_DELETED, "\\Deleted"},
		{MSG_SEEN, "\\Seen"},
		{MSG_DRAFT, "\\Draft"}};

uint32_t imap_sysflag_bit(struct slice name)
{
	for (size_t i = 0; i < ARRAY_LEN(sysflags); i++)
		if (slice_casecmp_cstr(name, sysflags[i].name) == 0)
			return sysflags[i].bit;
	return 0;
}

bool imap_sysflags_write(struct buf *out, uint32_t flags, int *err_r)
{
	bool any = false;
	int r = 0;

	for (size_t i = 0; i < ARRAY_LEN(sysflags); i++) {
		if (!(flags & sysflags[i].bit))
			continue;
		r |= buf_printf(out, "%s%s", any ? " " : "", sysflags[i].name);
		any = true;
	}
	if (err_r != NULL)
		*err_r |= r;
	return any;
}
