/* SPDX-License-Identifier: ISC */
/* balised's daily lifecycle jobs (see lifecycle_job.h): the timer fires on
 * the loop, the work runs on the libuv thread pool because the jobs wait
 * for the store's writer; one run at a time. */
#include "config.h"

#include <stdlib.h>

#include "lifecycle_job.h"
#include "log.h"
#include "util.h"

struct lifecycle_job {
	uv_timer_t timer;
	uv_work_t work;
	struct store *store;
	struct store_inact_policy pol;
	bool running, stopping, timer_closed;
	struct store_jobstat sent, inact;
	uint64_t pruned; /* expired vacation and duplicate records */
	uint64_t audit_days[STORE_AUDIT_CATS + 1]; /* [audit] retention per category */
	bool audit_anonymise;
	uint64_t audit_done; /* traces deleted or anonymised */
	int rc_sent, rc_inact, rc_prune, rc_audit;
};

static void job_free_if_done(struct lifecycle_job *j)
{
	if (j->stopping && j->timer_closed && !j->running)
		free(j);
}

/* [audit] retention: traces past their category's days deleted or
 * anonymised. */
static void job_audit_retention(struct lifecycle_job *j, int64_t now)
{
	struct store_audit_expiry x = {.anonymise = j->audit_anonymise};

	for (int c = 1; c <= STORE_AUDIT_CATS; c++)
		x.before_ms[c] =
		    j->audit_days[c] == 0 ? 0 : (now - (int64_t)j->audit_days[c] * 86400) * 1000;
	j->rc_audit = store_job_audit_retention(j->store, &x, &j->audit_done);
}

static void job_work(uv_work_t *w)
{
	struct lifecycle_job *j = w->data;
	int64_t now = time_now();

	j->rc_sent = store_job_sent_purge(j->store, now, "balised(job)", &j->sent);
	j->rc_inact = store_job_inactivity(j->store, &j->pol, now, "balised(job)", &j->inact);
	j->rc_prune = store_job_sieve_prune(j->store, now, &j->pruned);
	job_audit_retention(j, now);
}

static void job_done(uv_work_t *w, int status)
{
	struct lifecycle_job *j = w->data;

	j->running = false;
	if (status == 0)
		log_info("lifecycle run sent_bals=%llu sent_messages=%llu sent_bytes=%llu "
		         "inactivity_warned=%llu suspended=%llu deletion_due=%llu%s%s",
		         (unsigned long long)j->sent.bals, (unsigned long long)j->sent.messages,
		         (unsigned long long)j->sent.bytes, (unsigned long long)j->inact.warned,
		         (unsigned long long)j->inact.suspended, (unsigned long long)j->inact.due,
		         j->rc_sent < 0 ? " sent_error=" : "",
		         j->rc_sent < 0 ? store_strerror(j->rc_sent) : "");
	if (j->rc_inact < 0)
		log_warn("lifecycle inactivity job: %s", store_strerror(j->rc_inact));
	if (j->rc_audit < 0)
		log_warn("lifecycle audit retention: %s", store_strerror(j->rc_audit));
	else if (status == 0)
		log_info("lifecycle audit_traces_%s=%llu", j->audit_anonymise ? "anonymised" : "deleted",
		         (unsigned long long)j->audit_done);
	if (j->rc_prune < 0)
		log_warn("lifecycle Sieve memory prune: %s", store_strerror(j->rc_prune));
	else if (status == 0)
		log_info("lifecycle sieve_memory_pruned=%llu", (unsigned long long)j->pruned);
	job_free_if_done(j);
}

static void on_tick(uv_timer_t *t)
{
	struct lifecycle_job *j = t->data;
	int r;

	if (j->running || j->stopping)
		return;
	j->work.data = j;
	r = uv_queue_work(t->loop, &j->work, job_work, job_done);
	if (r < 0)
		log_warn("lifecycle run not started: %s", uv_strerror(r));
	else
		j->running = true;
}

struct lifecycle_job *lifecycle_job_start(uv_loop_t *loop, struct store *store,
                                          const struct config *cfg)
{
	struct lifecycle_job *j = xcalloc(1, sizeof(*j));
	int a = store_inact_action_parse(cfg->inactivity_action);

	j->store = store;
	j->pol.warn_after = (int64_t)cfg->inactivity_warn_after;
	j->pol.notice = (int64_t)cfg->inactivity_notice;
	j->pol.action = a < 0 ? INACT_NONE : (enum store_inact_action)a; /* cfg checked it */
	j->pol.host = cfg->hostname;
	j->audit_days[AUDIT_CAT_AUTH] = cfg->audit_days_auth;
	j->audit_days[AUDIT_CAT_ACCESS] = cfg->audit_days_access;
	j->audit_days[AUDIT_CAT_MESSAGE] = cfg->audit_days_message;
	j->audit_days[AUDIT_CAT_ADMIN] = cfg->audit_days_admin;
	j->audit_anonymise = cfg->audit_anonymise;
	uv_timer_init(loop, &j->timer);
	j->timer.data = j;
	uv_timer_start(&j->timer, on_tick, 0, cfg->lifecycle_interval * 1000);
	log_info("lifecycle jobs every %llus inactivity warn_after=%llds notice=%llds action=%s",
	         (unsigned long long)cfg->lifecycle_interval, (long long)j->pol.warn_after,
	         (long long)j->pol.notice, store_inact_action_name(j->pol.action));
	return j;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct lifecycle_job *j = h->data;

	j->timer_closed = true;
	job_free_if_done(j);
}

void lifecycle_job_stop(struct lifecycle_job **jp)
{
	struct lifecycle_job *j = *jp;

	if (j == NULL)
		return;
	*jp = NULL;
	j->stopping = true;
	uv_close((uv_handle_t *)&j->timer, on_timer_closed);
}
