/* SPDX-License-Identifier: ISC */
/* The daily lifecycle jobs, shared by balised's timer and balisectl (which
 * passes its own clock): the Sent purge by each BAL's retention and the
 * inactivity policy. Each BAL is one write request, traced. They call
 * store_write and so must not run on an event loop thread. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_int.h"
#include "templates_fr.h"
#include "util.h"

#define JOB_DAY 86400

/* ---------------------------------------------------------------- ids */

struct job_ids {
	uint64_t *ids;
	size_t n, cap;
	bool retention_only;
};

static int job_collect(void *arg, const struct store_bal *b)
{
	struct job_ids *j = arg;

	if (j->retention_only && b->sent_retention == 0)
		return 0;
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->ids = xrealloc(j->ids, j->cap * sizeof(*j->ids));
	}
	j->ids[j->n++] = b->id;
	return 0;
}

static int job_bal_ids(struct store *s, bool retention_only, struct job_ids *j)
{
	struct store_txn *txn;
	int rc = store_read_begin(s, &txn);

	memset(j, 0, sizeof(*j));
	j->retention_only = retention_only;
	if (rc == 0)
		rc = store_bal_each(txn, job_collect, j);
	store_read_end(&txn);
	return rc;
}

/* ---------------------------------------------------------------- Sent purge */

struct job_purge {
	uint64_t bal_id;
	int64_t now;
	uint32_t days;
	struct store_purge r;
};

static int job_purge_apply(struct store_txn *txn, void *arg)
{
	struct job_purge *p = arg;
	struct store_bal b;
	int rc = store_bal_get(txn, p->bal_id, &b);

	memset(&p->r, 0, sizeof(p->r));
	p->days = 0;
	if (rc <= 0 || b.sent_retention == 0) /* deleted or changed since */
		return rc < 0 ? rc : 0;
	p->days = b.sent_retention;
	return store_sent_purge(txn, b.id, p->now - (int64_t)b.sent_retention * JOB_DAY, false,
	                        &p->r);
}

int store_job_sent_purge(struct store *s, int64_t now, const char *by, struct store_jobstat *st)
{
	struct job_ids j;
	int rc = job_bal_ids(s, true, &j);

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < j.n && rc == 0; i++) {
		struct job_purge p = {.bal_id = j.ids[i], .now = now};
		rc = store_write(s, job_purge_apply, &p);
		if (rc != 0 || p.r.messages == 0)
			continue;
		st->bals++;
		st->messages += p.r.messages;
		st->bytes += p.r.bytes;
		store_audit(by, "sent-purge",
		            "bal=%llu older_than_days=%u messages=%llu bytes=%llu",
		            (unsigned long long)p.bal_id, p.days, (unsigned long long)p.r.messages,
		            (unsigned long long)p.r.bytes);
	}
	free(j.ids);
	return rc;
}

/* ---------------------------------------------------------------- inactivity */

const char *store_inact_action_name(enum store_inact_action a)
{
	switch (a) {
	case INACT_SUSPEND:
		return "suspend";
	case INACT_DELETE:
		return "delete";
	default:
		return "none";
	}
}

int store_inact_action_parse(const char *s)
{
	for (int a = INACT_NONE; a <= INACT_DELETE; a++)
		if (strcmp(s, store_inact_action_name((enum store_inact_action)a)) == 0)
			return a;
	return -1;
}

struct job_inact {
	uint64_t bal_id;
	const struct store_inact_policy *pol;
	int64_t now;
	enum { JI_NOTHING, JI_WARNED, JI_SUSPENDED, JI_DUE } done;
	bool queued;
};

static int job_inact_warn(struct store_txn *txn, struct job_inact *ji, struct store_bal *b)
{
	int action = ji->pol->action == INACT_SUSPEND  ? TFR_INACT_SUSPEND
	             : ji->pol->action == INACT_DELETE ? TFR_INACT_DELETE
	                                               : TFR_INACT_NONE;
	struct buf text;
	struct store_notice n;
	int rc;

	buf_init(&text, 64 * 1024);
	if (tfr_inactivity_body(b->address, b->last_login, action, ji->now + ji->pol->notice,
	                        &text) < 0) {
		buf_free(&text);
		return STORE_E_INVALID;
	}
	n = (struct store_notice){.bal = b,
	                          .kind = "inactivity",
	                          .subject = tfr_inactivity_subject(),
	                          .text = buf_slice(&text),
	                          .contact = b->contact,
	                          .date = ji->now,
	                          .host = ji->pol->host};
	rc = store_notice_put(txn, &n, &ji->queued);
	buf_free(&text);
	if (rc != 0)
		return rc;
	b->inactivity_warned = ji->now;
	ji->done = JI_WARNED;
	return store_bal_update(txn, b, NULL);
}

static int job_inact_apply(struct store_txn *txn, void *arg)
{
	struct job_inact *ji = arg;
	const struct store_inact_policy *pol = ji->pol;
	struct store_bal *b = xmalloc(sizeof(*b));
	int rc = store_bal_get(txn, ji->bal_id, b);

	ji->done = JI_NOTHING;
	ji->queued = false;
	if (rc <= 0 || b->state != BAL_ACTIVE)
		goto out;
	rc = 0;
	if (b->inactivity_warned == 0) {
		if (ji->now - store_bal_last_activity(b) >= pol->warn_after)
			rc = job_inact_warn(txn, ji, b);
	} else if (ji->now - b->inactivity_warned >= pol->notice) {
		if (pol->action == INACT_SUSPEND) {
			b->state = BAL_SUSPENDED;
			ji->done = JI_SUSPENDED;
			rc = store_bal_update(txn, b, NULL);
		} else if (pol->action == INACT_DELETE) {
			ji->done = JI_DUE; /* an operator decides: bal inactive, bal delete */
		}
	}
out:
	explicit_bzero(b, sizeof(*b));
	free(b);
	return rc < 0 ? rc : 0;
}

int store_job_inactivity(struct store *s, const struct store_inact_policy *pol, int64_t now,
                         const char *by, struct store_jobstat *st)
{
	struct job_ids j;
	int rc = job_bal_ids(s, false, &j);

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < j.n && rc == 0; i++) {
		struct job_inact ji = {.bal_id = j.ids[i], .pol = pol, .now = now};
		rc = store_write(s, job_inact_apply, &ji);
		if (rc != 0 || ji.done == JI_NOTHING)
			continue;
		if (ji.done == JI_WARNED)
			st->warned++;
		else if (ji.done == JI_SUSPENDED)
			st->suspended++;
		else
			st->due++;
		store_audit(by,
		            ji.done == JI_WARNED      ? "inactivity-warning"
		            : ji.done == JI_SUSPENDED ? "inactivity-suspend"
		                                      : "inactivity-deletion-due",
		            "bal=%llu action=%s contact_queued=%d", (unsigned long long)ji.bal_id,
		            store_inact_action_name(pol->action), ji.queued);
	}
	free(j.ids);
	return rc;
}
