/* SPDX-License-Identifier: ISC */
/* Audit traces of IMAP sessions (imap_audit.c). */
#ifndef BALISE_IMAP_AUDIT_H
#define BALISE_IMAP_AUDIT_H

#include "imap_cmd.h"

/* Called by the session when a command ended (its tagged reply written):
 * records it when it is traced (logins, commands on data). */
void imap_audit_cmd(struct imap_cmd_ctx *ctx);

#endif
