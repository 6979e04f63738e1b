/* SPDX-License-Identifier: ISC */
/* Shared by the mailbox command files (imap_cmd_mailbox.c, imap_cmd_list.c,
 * imap_cmd_quota.c): mailbox names from and to the client, STATUS items. */
#ifndef BALISE_IMAP_CMD_MAILBOX_H
#define BALISE_IMAP_CMD_MAILBOX_H

#include <stdbool.h>

#include "balstore.h"
#include "imap_cmd.h"

struct imap_session;

/* True when mailbox names travel as UTF-8 (UTF8=ACCEPT, RFC 6855 section
 * 3, or IMAP4rev2 enabled); otherwise in modified UTF-7. */
bool imap_cmd_mailbox_utf8(const struct imap_session *s);

/* The mailbox argument arg as stored (UTF-8, INBOX in upper case) into out
 * (STORE_MBOX_NAME_MAX + 1 bytes). 0, or -1 after a BAD reply (not a
 * string, NUL, not modified UTF-7 or not UTF-8, too long). */
int imap_cmd_mailbox_arg(struct imap_cmd_ctx *ctx, const struct imap_arg *arg, char *out);

/* Appends a stored name as the client reads it (quoted, or a literal). */
int imap_cmd_mailbox_put(const struct imap_session *s, struct buf *out, const char *name);

/* STATUS data items (RFC 9051 section 6.3.11, RFC 8438 SIZE, RFC 7162
 * HIGHESTMODSEQ, RFC 7889 APPENDLIMIT, RFC 9208 DELETED-STORAGE), in the
 * order asked. */
#define IMAP_STATUS_ITEMS_MAX 16
struct imap_status_req {
	unsigned char item[IMAP_STATUS_ITEMS_MAX];
	unsigned n;
};

/* Parses the item list; false if empty or an item is unknown. */
bool imap_cmd_status_parse(const struct imap_arg *list, unsigned n, struct imap_status_req *req);
/* Appends "* STATUS name (items)\r\n" for mb. 0 or a negative store_err. */
int imap_cmd_status_write(const struct imap_session *s, struct store_txn *txn,
                          const struct store_mailbox *mb, const struct imap_status_req *req,
                          struct buf *out);

#endif
