/* SPDX-License-Identifier: ISC */
/* Lifecycle notices (deletion request acknowledgement, inactivity warning):
 * one French one-part message from the postmaster of the BAL's domain, put
 * into the BAL's INBOX and, when a contact address is given, into that
 * BAL's INBOX when it is local or the outbound queue when it is not. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "msgsum.h"
#include "notice.h"
#include "store_int.h"
#include "util.h"

#define NOTICE_MSG_MAX (256 * 1024)

static int notice_blob(struct store_txn *txn, const struct store_notice *n, const char *to,
                       uint64_t *blob_id_r)
{
	const char *at = strrchr(n->bal->address, '@'), *err = NULL;
	char postmaster[STORE_ADDR_MAX + 16], id[96];
	struct notice nt = {.postmaster = postmaster,
	                    .to = to,
	                    .subject = n->subject,
	                    .date = n->date,
	                    .host = n->host,
	                    .id = id};
	struct buf msg, sum;
	unsigned flags;
	int rc = STORE_E_INVALID;

	snprintf(postmaster, sizeof(postmaster), "postmaster%s", at != NULL ? at : "@localhost");
	snprintf(id, sizeof(id), "%s.%llu.%lld", n->kind, (unsigned long long)n->bal->id,
	         (long long)n->date);
	buf_init(&msg, NOTICE_MSG_MAX);
	buf_init(&sum, 0);
	if (notice_build(&nt, n->text, &msg, &flags, &err) < 0)
		log_warn("store notice: %s: %s", n->kind, err != NULL ? err : "build failed");
	else if (msgsum_build(msg.data, msg.len, &sum) < 0)
		log_warn("store notice: %s: cannot summarise", n->kind);
	else
		rc = store_blob_put(txn, msg.data, msg.len, sum.data, sum.len, blob_id_r);
	buf_free(&msg);
	buf_free(&sum);
	return rc;
}

static int notice_to_inbox(struct store_txn *txn, const struct store_notice *n, uint64_t bal_id,
                           const char *to)
{
	struct store_mailbox inbox;
	struct store_msg m;
	uint64_t blob;
	int rc = store_mailbox_get(txn, bal_id, "INBOX", &inbox);

	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc < 0)
		return rc;
	rc = notice_blob(txn, n, to, &blob);
	if (rc == 0) /* the operator's notice is never refused by the quota */
		rc = store_msg_append(txn, inbox.id, blob, 0, 0, n->date, STORE_APPEND_UNCHARGED,
		                      &m);
	return rc;
}

static int notice_to_queue(struct store_txn *txn, const struct store_notice *n, bool *queued_r)
{
	struct store_qrcpt rcpt = {0};
	struct store_qentry e = {0};
	const char *why = NULL;
	int rc;

	if (str_copy(rcpt.address, sizeof(rcpt.address), n->contact) != 0)
		return STORE_E_INVALID;
	rc = notice_blob(txn, n, n->contact, &e.blob_id);
	e.bal_id = 0; /* from the operator, null return path: no bounce loops */
	e.n_rcpts = 1;
	e.rcpts = &rcpt;
	if (rc == 0)
		rc = store_queue_add(txn, &e, &why);
	if (rc == STORE_E_INVALID)
		log_warn("store notice: %s: contact not queued: %s", n->kind,
		         why ? why : "invalid");
	*queued_r = rc == 0;
	return rc;
}

int store_notice_put(struct store_txn *txn, const struct store_notice *n, bool *queued_r)
{
	struct store_bal *c = xmalloc(sizeof(*c));
	int rc = store_need_write(txn);

	*queued_r = false;
	if (rc == 0)
		rc = notice_to_inbox(txn, n, n->bal->id, n->bal->address);
	if (rc == 0 && n->contact != NULL && n->contact[0] != '\0') {
		rc = store_bal_get_by_addr(txn, n->contact, c);
		if (rc == 1)
			rc = c->id == n->bal->id ? 0 : notice_to_inbox(txn, n, c->id, c->address);
		else if (rc == 0)
			rc = notice_to_queue(txn, n, queued_r);
	}
	explicit_bzero(c, sizeof(*c));
	free(c);
	return rc;
}
