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

/* The BALs a job has work for, chosen in one read transaction so that a
 * run over many BALs makes write requests only where something changes. */
struct job_ids {
	uint64_t *ids;
	size_t n, cap;
	struct store_txn *txn;
	bool (*want)(struct store_txn *txn, const struct store_bal *b, const void *arg);
	const void *want_arg;
};

static int job_collect(void *arg, const struct store_bal *b)
{
	struct job_ids *j = arg;

	if (!j->want(j->txn, b, j->want_arg))
		return 0;
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->ids = xrealloc(j->ids, j->cap * sizeof(*j->ids));
	}
	j->ids[j->n++] = b->id;
	return 0;
}

static int job_bal_ids(struct store *s, struct job_ids *j)
{
	int rc = store_read_begin(s, &j->txn);

	if (rc == 0)
		rc = store_bal_each(j->txn, job_collect, j);
	store_read_end(&j->txn);
	return rc;
}

/* ---------------------------------------------------------------- Sent purge */

struct job_purge {
	uint64_t bal_id;
	int64_t now;
	const char *by;
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
	rc = store_sent_purge(txn, b.id, p->now - (int64_t)b.sent_retention * JOB_DAY, false,
	                      &p->r);
	if (rc == 0 && p->r.messages > 0)
		rc = store_audit_admin(txn, p->now, p->by, "policy.sent-purge", b.address,
		                       "older_than_days=%u messages=%llu bytes=%llu", p->days,
		                       (unsigned long long)p->r.messages,
		                       (unsigned long long)p->r.bytes);
	return rc;
}

/* A retention and something older than it in Sent. */
static bool job_purge_wanted(struct store_txn *txn, const struct store_bal *b, const void *arg)
{
	int64_t now = *(const int64_t *)arg;
	struct store_purge r;

	return b->sent_retention != 0 &&
	       store_sent_purge(txn, b->id, now - (int64_t)b->sent_retention * JOB_DAY, true, &r) ==
	           0 &&
	       r.messages > 0;
}

int store_job_sent_purge(struct store *s, int64_t now, const char *by, struct store_jobstat *st)
{
	struct job_ids j = {.want = job_purge_wanted, .want_arg = &now};
	int rc = job_bal_ids(s, &j);

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < j.n && rc == 0; i++) {
		struct job_purge p = {.bal_id = j.ids[i], .now = now, .by = by};
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

enum job_inact_step { JI_NOTHING, JI_WARNED, JI_SUSPENDED, JI_DUE };

struct job_inact {
	uint64_t bal_id;
	const struct store_inact_policy *pol;
	int64_t now;
	const char *by;
	enum job_inact_step done;
	bool queued;
};

/* What the policy does to b at now (JI_WARNED: warn it). */
static enum job_inact_step job_inact_step(const struct store_bal *b,
                                          const struct store_inact_policy *pol, int64_t now)
{
	if (b->state != BAL_ACTIVE)
		return JI_NOTHING;
	if (b->inactivity_warned == 0)
		return now - store_bal_last_activity(b) >= pol->warn_after ? JI_WARNED : JI_NOTHING;
	if (now - b->inactivity_warned < pol->notice)
		return JI_NOTHING;
	return pol->action == INACT_SUSPEND  ? JI_SUSPENDED
	       : pol->action == INACT_DELETE ? JI_DUE
	                                     : JI_NOTHING;
}

struct job_inact_want {
	const struct store_inact_policy *pol;
	int64_t now;
};

static bool job_inact_wanted(struct store_txn *txn, const struct store_bal *b, const void *arg)
{
	const struct job_inact_want *w = arg;

	(void)txn;
	return job_inact_step(b, w->pol, w->now) != JI_NOTHING;
}

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
	struct store_bal *b = xmalloc(sizeof(*b));
	int rc = store_bal_get(txn, ji->bal_id, b);

	ji->done = JI_NOTHING;
	ji->queued = false;
	if (rc <= 0) /* deleted since: nothing to do */
		goto out;
	rc = 0;
	switch (job_inact_step(b, ji->pol, ji->now)) { /* read again: a login may have come */
	case JI_WARNED:
		rc = job_inact_warn(txn, ji, b);
		break;
	case JI_SUSPENDED:
		b->state = BAL_SUSPENDED;
		ji->done = JI_SUSPENDED;
		rc = store_bal_update(txn, b, NULL);
		break;
	case JI_DUE:
		ji->done = JI_DUE; /* an operator decides: bal inactive, bal delete */
		break;
	case JI_NOTHING:
		break;
	}
	if (rc == 0 && ji->done != JI_NOTHING)
		rc = store_audit_admin(txn, ji->now, ji->by,
		                       ji->done == JI_WARNED      ? "policy.inactivity-warning"
		                       : ji->done == JI_SUSPENDED ? "policy.inactivity-suspend"
		                                                  : "policy.inactivity-deletion-due",
		                       b->address, "action=%s contact_queued=%d",
		                       store_inact_action_name(ji->pol->action), ji->queued);
out:
	explicit_bzero(b, sizeof(*b));
	free(b);
	return rc < 0 ? rc : 0;
}

int store_job_inactivity(struct store *s, const struct store_inact_policy *pol, int64_t now,
                         const char *by, struct store_jobstat *st)
{
	struct job_inact_want w = {pol, now};
	struct job_ids j = {.want = job_inact_wanted, .want_arg = &w};
	int rc = job_bal_ids(s, &j);

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < j.n && rc == 0; i++) {
		struct job_inact ji = {.bal_id = j.ids[i], .pol = pol, .now = now, .by = by};
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
