/* SPDX-License-Identifier: ISC */
/* The BAL lifecycle in storage: the Sent purge (CNIL), the last login and
 * the inactivity notice mark, and the deletion requests (EX_GBM_6021). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

/* ---------------------------------------------------------------- Sent purge */

struct purge_ids {
	uint64_t *ids;
	size_t n, cap;
};

static void purge_ids_add(struct purge_ids *p, uint64_t v)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->ids = xrealloc(p->ids, p->cap * sizeof(*p->ids));
	}
	p->ids[p->n++] = v;
}

static int purge_sent_box(void *arg, const struct store_mailbox *mb)
{
	if (mb->special_use & MBOX_SU_SENT)
		purge_ids_add(arg, mb->id);
	return 0;
}

struct purge_scan {
	int64_t before;
	struct purge_ids uids;
	struct store_purge *r;
};

static int purge_old_msg(void *arg, const struct store_msg *m)
{
	struct purge_scan *s = arg;

	if (m->internal_date < s->before) {
		purge_ids_add(&s->uids, m->uid);
		s->r->messages++;
		s->r->bytes += m->size;
	}
	return 0;
}

static int purge_mailbox(struct store_txn *txn, uint64_t mailbox_id, int64_t before, bool dry_run,
                         struct store_purge *r)
{
	struct purge_scan s = {.before = before, .r = r};
	int rc = store_msg_each(txn, mailbox_id, 1, purge_old_msg, &s);

	for (size_t i = 0; i < s.uids.n && rc == 0 && !dry_run; i++)
		rc = store_msg_expunge(txn, mailbox_id, (uint32_t)s.uids.ids[i]);
	free(s.uids.ids);
	return rc;
}

int store_sent_purge(struct store_txn *txn, uint64_t bal_id, int64_t before, bool dry_run,
                     struct store_purge *r)
{
	struct purge_ids boxes = {0};
	int rc = dry_run ? STORE_OK : store_need_write(txn);

	memset(r, 0, sizeof(*r));
	if (rc == 0)
		rc = store_mailbox_each(txn, bal_id, purge_sent_box, &boxes);
	for (size_t i = 0; i < boxes.n && rc == 0; i++)
		rc = purge_mailbox(txn, boxes.ids[i], before, dry_run, r);
	free(boxes.ids);
	return rc;
}

/* ---------------------------------------------------------------- login */

int store_bal_login(struct store_txn *txn, uint64_t bal_id, int64_t now)
{
	struct store_bal *b = xmalloc(sizeof(*b));
	int rc = store_need_write(txn);

	if (rc == 0)
		rc = store_bal_get(txn, bal_id, b);
	if (rc == 0)
		rc = STORE_E_NOTFOUND;
	if (rc < 0)
		goto out;
	rc = STORE_OK;
	if (now - b->last_login < STORE_LOGIN_GRAIN && b->inactivity_warned == 0)
		goto out; /* nothing to record */
	if (now > b->last_login)
		b->last_login = now;
	b->inactivity_warned = 0; /* a login objects to the announced action */
	rc = store_bal_update(txn, b, NULL);
out:
	explicit_bzero(b, sizeof(*b));
	free(b);
	return rc;
}

bool store_bal_login_due(const struct store_bal *bal, int64_t now)
{
	return now - bal->last_login >= STORE_LOGIN_GRAIN || bal->inactivity_warned != 0;
}

int64_t store_bal_last_activity(const struct store_bal *bal)
{
	return bal->last_login > bal->created ? bal->last_login : bal->created;
}

/* ---------------------------------------------------------------- trace */

void store_audit(const char *by, const char *event, const char *fmt, ...)
{
	char rest[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	log_msg(LOG_LVL_WARN, "audit event=%s by=%s %s", event, by, rest);
}
